/**
 * Generates the demo account into a folder, in the real file formats: the authorization-details
 * export, the credential report and gzipped CloudTrail log files in the S3 layout, plus the ground
 * truth (`expected-findings.json`) a scan must reproduce.
 *
 * Deterministic: the same seed and event count give byte-identical files (fixed dates, seeded PRNG,
 * fixed gzip level; gzip headers carry no time).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  ACCOUNT,
  CUSTOMER_POLICIES,
  DATA_EVENT_SERVICES,
  END,
  GROUPS,
  LOG_DAYS,
  REGIONS,
  ROLES,
  ROOT_ACTIVITY,
  SERVICE_CALLERS,
  TRACKING_DAYS,
  USERS,
} from './account.js';
import { buildRecord, logFileKey, type Caller } from './cloudtrail.js';
import {
  authorizationDetails,
  credentialReport,
  loadAwsManagedPolicies,
  type AwsManagedPolicy,
  type BuiltPrincipal,
  type CredentialUse,
  type ExportInput,
} from './exports.js';
import { operation, type OperationSpec, type ResourceHints } from './operations.js';
import { IAM_ID_ALPHABET, Random } from './random.js';
import type { ActivitySpec, DemoExpectations, UserSpec } from './types.js';
import { writeDemoOrganization, type DemoOrganization } from './organization.js';

const gzip = promisify(gzipCallback);

/** The gzip level of the log files (fixed: part of the byte-for-byte determinism). */
export const GZIP_LEVEL = 6;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The names of the generated files, relative to the demo folder. */
export const DEMO_FILES = {
  authorizationDetails: 'authorization-details.json',
  credentialReport: 'credential-report.csv',
  cloudtrail: 'AWSLogs',
  expectations: 'expected-findings.json',
  readme: 'README.md',
  organization: 'organization',
} as const;

/** Options of {@link generateDemo}. */
export interface GenerateOptions {
  /** Folder to write into (created if needed); the caller checks it may be written. */
  dir: string;
  /** Number of CloudTrail events (at least the anchor events that give every principal its use). */
  events: number;
  seed: number;
  /** Called after each day of logs is written. */
  onProgress?: (progress: {
    days: number;
    totalDays: number;
    events: number;
    files: number;
  }) => void;
}

/** Counts of what was generated. */
export interface DemoStats {
  events: number;
  files: number;
  /** Bytes of the gzipped log files. */
  gzipBytes: number;
  /** Bytes of the log files' JSON before compression. */
  jsonBytes: number;
  dataEvents: number;
  deniedEvents: number;
  rootEvents: number;
  awsServiceEvents: number;
  roles: number;
  users: number;
  groups: number;
  managedPolicies: number;
}

/** What {@link generateDemo} produced. */
export interface DemoGenerated {
  dir: string;
  accountId: string;
  /** The scan time to use: the end of the logs. */
  now: Date;
  trackingPeriodDays: number;
  dataEventServices: string[];
  /** Absolute paths of the generated inputs. */
  paths: {
    authorizationDetails: string;
    credentialReport: string;
    cloudtrail: string;
    expectations: string;
    /** The organisation: member accounts' exports, their activity, the permission sets. */
    organization: DemoOrganization;
  };
  stats: DemoStats;
  expectations: DemoExpectations;
  /** Where the AWS-managed policy documents come from. */
  corpus: { package: string; version: string; license: string };
}

/** One way one caller behaves, ready to draw events from. */
interface Stream {
  index: number;
  who:
    | { kind: 'principal'; principal: BuiltPrincipal }
    | { kind: 'root' }
    | { kind: 'service'; invokedBy: string; roles: BuiltPrincipal[] };
  activity: ActivitySpec;
  ops: { op: OperationSpec; weight: number; denied: number }[];
  opTotal: number;
  from: number;
  until: number;
  ips: string[];
  res: ResourceHints;
  regions: readonly string[];
}

interface Observed {
  last?: Date;
  lastRegion?: string;
  actions: Set<string>;
}

const IP_POOLS: Record<string, [string, number]> = {
  office: ['203.0.113.', 4],
  home: ['198.51.100.', 6],
  ci: ['192.0.2.', 12],
  vpc: ['203.0.113.', 6],
  scanner: ['192.0.2.', 3],
};

/** Generates the demo account into `options.dir`. */
export async function generateDemo(options: GenerateOptions): Promise<DemoGenerated> {
  const corpus = await loadAwsManagedPolicies();
  const awsPolicies = new Map<string, AwsManagedPolicy>(corpus.policies.map((p) => [p.name, p]));
  const root = new Random(options.seed);
  const idRng = root.fork('ids');
  const end = END;
  const logStart = end.getTime() - LOG_DAYS * DAY;
  const windowStart = end.getTime() - TRACKING_DAYS * DAY;
  const ago = (days: number) => new Date(end.getTime() - days * DAY);
  const iamId = (prefix: string) => `${prefix}${idRng.chars(IAM_ID_ALPHABET, 17)}`;

  // The principals, with the ids this seed gives them.
  const roles: BuiltPrincipal[] = ROLES.map((spec) => ({
    spec,
    arn: `arn:aws:iam::${ACCOUNT}:role${spec.path}${spec.name}`,
    id: iamId('AROA'),
    createDate: ago(spec.createdDaysAgo),
    keyIds: [],
  }));
  const users: BuiltPrincipal[] = USERS.map((spec) => ({
    spec,
    arn: `arn:aws:iam::${ACCOUNT}:user${spec.path}${spec.name}`,
    id: iamId('AIDA'),
    createDate: ago(spec.createdDaysAgo),
    keyIds: spec.keys.map(() => `AKIA${idRng.chars(IAM_ID_ALPHABET, 16)}`),
  }));
  const groups = GROUPS.map((g) => ({
    ...g,
    id: iamId('AGPA'),
    createDate: ago(g.createdDaysAgo),
  }));
  const customerPolicies = CUSTOMER_POLICIES.map((spec) => ({ spec, id: iamId('ANPA') }));
  const byRoleName = new Map(roles.map((r) => [r.spec.name, r]));

  // Streams of activity.
  const streamRng = root.fork('streams');
  const streams: Stream[] = [];
  const addStream = (who: Stream['who'], activity: ActivitySpec, created: Date) => {
    const from = Math.max(
      end.getTime() - (activity.fromDaysAgo ?? LOG_DAYS) * DAY,
      created.getTime() + HOUR,
      logStart,
    );
    const until = end.getTime() - (activity.untilDaysAgo ?? 0) * DAY;
    const ops = activity.ops.map(([key, weight, denied]) => ({
      op: operation(key),
      weight,
      denied: denied ?? 0,
    }));
    let ips: string[];
    if (activity.source.startsWith('service:')) {
      ips = [activity.source.slice('service:'.length)];
    } else {
      const [base, n] = IP_POOLS[activity.source]!;
      ips = Array.from({ length: n }, () => `${base}${streamRng.between(2, 254)}`);
    }
    streams.push({
      index: streams.length,
      who,
      activity,
      ops,
      opTotal: ops.reduce((s, o) => s + o.weight, 0),
      from,
      until,
      ips,
      res: activity.res ?? {},
      regions: activity.regions ?? [REGIONS[0]],
    });
  };
  for (const p of [...roles, ...users]) {
    for (const a of p.spec.activity)
      addStream({ kind: 'principal', principal: p }, a, p.createDate);
  }
  addStream({ kind: 'root' }, ROOT_ACTIVITY, ago(2000));
  for (const s of SERVICE_CALLERS) {
    const targets = s.roles.map((name) => byRoleName.get(name)!);
    addStream(
      { kind: 'service', invokedBy: s.invokedBy, roles: targets },
      {
        weight: s.weight,
        via: 'session',
        source: `service:${s.invokedBy}`,
        userAgents: [s.invokedBy],
        ops: [['sts:AssumeRole', 1]],
        regions: ['us-east-1'],
      },
      ago(2000),
    );
  }

  // Anchor events: every operation of every stream at least once (in the tracking period when the
  // stream is active then), so that what a principal uses does not depend on the event count.
  const anchorRng = root.fork('anchors');
  const anchors: { stream: Stream; opIndex: number; time: number }[] = [];
  for (const s of streams) {
    if (s.until <= s.from) continue;
    const lo = Math.max(s.from, windowStart) < s.until ? Math.max(s.from, windowStart) : s.from;
    s.ops.forEach((_, opIndex) => {
      const time = lo + Math.floor(anchorRng.next() * (s.until - lo - 1000));
      anchors.push({ stream: s, opIndex, time: Math.floor(time / 1000) * 1000 });
    });
  }
  const anchorsByDay = new Map<number, typeof anchors>();
  for (const a of anchors) {
    const day = Math.floor((a.time - logStart) / DAY);
    let list = anchorsByDay.get(day);
    if (!list) anchorsByDay.set(day, (list = []));
    list.push(a);
  }

  // The remaining events, spread over the days (weekends quieter).
  const remaining = Math.max(0, options.events - anchors.length);
  const dayWeight = (d: number) => {
    const dow = new Date(logStart + d * DAY).getUTCDay();
    return dow === 0 || dow === 6 ? 0.7 : 1;
  };
  const weights = Array.from({ length: LOG_DAYS }, (_, d) => dayWeight(d));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (remaining * w) / totalWeight);
  const perDay = exact.map(Math.floor);
  let short = remaining - perDay.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, d) => [x - Math.floor(x), d] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; short > 0; k++, short--) perDay[order[k % order.length]![1]]! += 1;

  // Observations: the ground truth of what happened.
  const observed = new Map<string, Observed>();
  const consoleLogin = new Map<string, Date>();
  const keyUse = new Map<string, CredentialUse>();
  let rootLogin: Date | undefined;
  const stats: DemoStats = {
    events: 0,
    files: 0,
    gzipBytes: 0,
    jsonBytes: 0,
    dataEvents: 0,
    deniedEvents: 0,
    rootEvents: 0,
    awsServiceEvents: 0,
    roles: roles.length,
    users: users.length,
    groups: groups.length,
    managedPolicies: 0,
  };

  const logsDir = join(options.dir, DEMO_FILES.cloudtrail);
  const pendingWrites: Promise<void>[] = [];
  const writeLog = async (key: string, json: string): Promise<void> => {
    const bytes = await gzip(Buffer.from(json, 'utf8'), { level: GZIP_LEVEL });
    const file = join(options.dir, key);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, bytes);
    stats.gzipBytes += bytes.length;
  };

  for (let day = 0; day < LOG_DAYS; day++) {
    const dayStart = logStart + day * DAY;
    const dayEnd = dayStart + DAY;
    const rng = root.fork(`day-${day}`);
    const weekend = dayWeight(day) < 1;
    // Streams active this day, weighted.
    const active: { stream: Stream; weight: number }[] = [];
    let total = 0;
    for (const s of streams) {
      const lo = Math.max(s.from, dayStart);
      const hi = Math.min(s.until, dayEnd);
      if (hi <= lo) continue;
      const w = s.activity.weight * ((hi - lo) / DAY) * (s.activity.human && weekend ? 0.15 : 1);
      if (w <= 0) continue;
      total += w;
      active.push({ stream: s, weight: total });
    }
    const planned: { stream: Stream; opIndex: number; time: number }[] = [
      ...(anchorsByDay.get(day) ?? []),
    ];
    const count = total > 0 ? perDay[day]! : 0;
    for (let i = 0; i < count; i++) {
      const x = rng.next() * total;
      let lo = 0;
      let hi = active.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (active[mid]!.weight > x) hi = mid;
        else lo = mid + 1;
      }
      const stream = active[lo]!.stream;
      let y = rng.next() * stream.opTotal;
      let opIndex = 0;
      while (opIndex < stream.ops.length - 1 && (y -= stream.ops[opIndex]!.weight) >= 0) opIndex++;
      const from = Math.max(stream.from, dayStart);
      const until = Math.min(stream.until, dayEnd);
      let time: number;
      if (stream.activity.human) {
        const hour = rng.chance(0.92) ? 8 + rng.int(10) : rng.int(24);
        time = dayStart + hour * HOUR + rng.int(HOUR);
        if (time < from || time >= until) time = from + rng.int(until - from);
      } else {
        time = from + rng.int(until - from);
      }
      planned.push({ stream, opIndex, time: Math.floor(time / 1000) * 1000 });
    }
    planned.sort(
      (a, b) => a.time - b.time || a.stream.index - b.stream.index || a.opIndex - b.opIndex,
    );

    // Build the records, per region.
    const sessions = new Map<string, { key: string; created: Date; name: string }>();
    const byRegion = new Map<string, { time: number; line: string }[]>();
    for (const ev of planned) {
      const { stream } = ev;
      const { op, denied: deniedRate } = stream.ops[ev.opIndex]!;
      const time = new Date(ev.time);
      const region = op.global ? 'us-east-1' : rng.pick(stream.regions);
      const hourKey = Math.floor(ev.time / HOUR);
      const session = (label: string, name: () => string) => {
        const k = `${stream.index}|${label}|${hourKey}`;
        let s = sessions.get(k);
        if (!s) {
          s = {
            key: `ASIA${rng.chars(IAM_ID_ALPHABET, 16)}`,
            created: new Date(hourKey * HOUR - rng.int(HOUR / 2)),
            name: name(),
          };
          sessions.set(k, s);
        }
        return s;
      };
      let res = stream.res;
      let caller: Caller;
      const who = stream.who;
      let principal: BuiltPrincipal | undefined;
      if (who.kind === 'principal') {
        principal = who.principal;
        const p = who.principal;
        if (p.spec.kind === 'role') {
          const names = stream.activity.sessionNames;
          const label = names ? rng.pick(names) : '';
          const s = session(label, () => label || (stream.res.function ?? rng.hex(32)));
          caller = {
            kind: 'role',
            account: ACCOUNT,
            roleName: p.spec.name,
            roleArn: p.arn,
            roleId: p.id,
            sessionName: s.name,
            accessKeyId: s.key,
            sessionCreated: s.created,
          };
          if (stream.activity.source.startsWith('service:')) {
            caller.invokedBy = stream.activity.source.slice('service:'.length);
          }
        } else {
          const spec = p.spec as UserSpec;
          const via = stream.activity.via;
          if (via === 'console') {
            const s = session('console', () => '');
            caller = {
              kind: 'user',
              account: ACCOUNT,
              userName: spec.name,
              userArn: p.arn,
              userId: p.id,
              accessKeyId: s.key,
              console: { created: s.created, mfa: spec.mfa },
            };
          } else {
            const slot = via === 'key2' ? 1 : 0;
            caller = {
              kind: 'user',
              account: ACCOUNT,
              userName: spec.name,
              userArn: p.arn,
              userId: p.id,
              accessKeyId: p.keyIds[slot]!,
            };
          }
        }
      } else if (who.kind === 'root') {
        const s = session('root', () => '');
        caller = { kind: 'root', account: ACCOUNT, accessKeyId: s.key, sessionCreated: s.created };
        stats.rootEvents++;
      } else {
        caller = { kind: 'service', invokedBy: who.invokedBy };
        const target = rng.pick(who.roles);
        res = {
          assumeRoleArn: target.arn,
          assumeSession: target.spec.activity[0]?.res?.function ?? rng.hex(32),
        };
        stats.awsServiceEvents++;
      }
      const denied = deniedRate > 0 && rng.chance(deniedRate);
      const record = buildRecord({
        op,
        caller,
        ctx: { rng, account: ACCOUNT, region, res, time },
        sourceIPAddress: rng.pick(stream.ips),
        userAgent: rng.pick(stream.activity.userAgents),
        denied,
        recipientAccountId: ACCOUNT,
      });
      let list = byRegion.get(region);
      if (!list) byRegion.set(region, (list = []));
      list.push({ time: ev.time, line: JSON.stringify(record) });
      stats.events++;
      if (op.data) stats.dataEvents++;
      if (denied) stats.deniedEvents++;

      // The ground truth.
      if (principal) {
        let o = observed.get(principal.arn);
        if (!o) observed.set(principal.arn, (o = { actions: new Set() }));
        if (!o.last || time > o.last) {
          o.last = time;
          o.lastRegion = region;
        }
        if (op.action !== null && ev.time >= windowStart) o.actions.add(op.action);
        if (principal.spec.kind === 'user') {
          const via = stream.activity.via;
          if (op.eventName === 'ConsoleLogin' && !denied) consoleLogin.set(principal.arn, time);
          if (via === 'key1' || via === 'key2') {
            const service = op.eventSource.slice(0, op.eventSource.indexOf('.'));
            keyUse.set(`${principal.arn}|${via === 'key1' ? 1 : 2}`, {
              time,
              region,
              service: service === 'monitoring' ? 'cloudwatch' : service,
            });
          }
        }
      } else if (who.kind === 'root' && op.eventName === 'ConsoleLogin') {
        rootLogin = time;
      }
    }

    // Every region the trail logs has records every day, as a real account's trail has (AWS
    // services call into every enabled region): a small demo's sparse regions would otherwise be
    // days without evidence there (see src/activity/coverage.ts). An AWS service assuming one of
    // its roles at noon, added only where a region has no record that day.
    const heartbeat = streams.find((x) => x.who.kind === 'service');
    for (const region of REGIONS) {
      if (byRegion.has(region) || heartbeat === undefined || heartbeat.who.kind !== 'service') {
        continue;
      }
      const target = heartbeat.who.roles[0]!;
      const time = dayStart + 12 * HOUR;
      const record = buildRecord({
        op: operation('sts:AssumeRole'),
        caller: { kind: 'service', invokedBy: heartbeat.who.invokedBy },
        ctx: {
          rng,
          account: ACCOUNT,
          region,
          res: { assumeRoleArn: target.arn, assumeSession: rng.hex(32) },
          time: new Date(time),
        },
        sourceIPAddress: heartbeat.who.invokedBy,
        userAgent: heartbeat.who.invokedBy,
        denied: false,
        recipientAccountId: ACCOUNT,
      });
      byRegion.set(region, [{ time, line: JSON.stringify(record) }]);
      stats.events++;
      stats.awsServiceEvents++;
    }

    // Files: per region, chunks of a few hundred records, named by delivery time.
    for (const region of [...byRegion.keys()].sort()) {
      const lines = byRegion.get(region)!;
      let start = 0;
      while (start < lines.length) {
        const size = Math.min(lines.length - start, rng.between(300, 700));
        const chunk = lines.slice(start, start + size);
        start += size;
        const lastTime = chunk[chunk.length - 1]!.time;
        const delivered = new Date(
          Math.ceil((lastTime + 1) / 300_000) * 300_000 + rng.int(4) * 60_000,
        );
        const key = logFileKey(
          ACCOUNT,
          region,
          delivered,
          rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 16),
        );
        const json = `{"Records":[${chunk.map((c) => c.line).join(',')}]}`;
        stats.jsonBytes += Buffer.byteLength(json);
        stats.files++;
        const write = writeLog(key, json);
        // Awaited below; a handler now so that a failure is not an unhandled rejection meanwhile.
        write.catch(() => undefined);
        pendingWrites.push(write);
      }
    }
    if (pendingWrites.length >= 8) await Promise.all(pendingWrites.splice(0));
    options.onProgress?.({
      days: day + 1,
      totalDays: LOG_DAYS,
      events: stats.events,
      files: stats.files,
    });
  }
  await Promise.all(pendingWrites.splice(0));
  await mkdir(logsDir, { recursive: true });

  // The exports, consistent with the logs.
  const roleLastUsed = new Map<string, { time: Date; region: string }>();
  for (const r of roles) {
    const o = observed.get(r.arn);
    if (o?.last) roleLastUsed.set(r.arn, { time: o.last, region: o.lastRegion! });
  }
  const exportInput: ExportInput = {
    account: ACCOUNT,
    end,
    roles,
    users,
    groups,
    customerPolicies,
    awsPolicies,
    roleLastUsed,
    consoleLogin,
    keyUse,
    ...(rootLogin ? { rootLogin } : {}),
    rootCreated: ago(2400),
  };
  const details = authorizationDetails(exportInput);
  stats.managedPolicies = (details.Policies as unknown[]).length;
  const paths = {
    authorizationDetails: join(options.dir, DEMO_FILES.authorizationDetails),
    credentialReport: join(options.dir, DEMO_FILES.credentialReport),
    cloudtrail: logsDir,
    expectations: join(options.dir, DEMO_FILES.expectations),
    organization: await writeDemoOrganization(
      join(options.dir, DEMO_FILES.organization),
      ACCOUNT,
      details,
      end,
    ),
  };
  await writeFile(paths.authorizationDetails, `${JSON.stringify(details, null, 2)}\n`);
  await writeFile(paths.credentialReport, credentialReport(exportInput));

  const expectations = buildExpectations(roles, users, observed, end);
  await writeFile(paths.expectations, `${JSON.stringify(expectations, null, 2)}\n`);
  await writeFile(
    join(options.dir, DEMO_FILES.readme),
    readme(options, stats, expectations, corpus.source),
  );

  return {
    dir: options.dir,
    accountId: ACCOUNT,
    now: end,
    trackingPeriodDays: TRACKING_DAYS,
    dataEventServices: [...DATA_EVENT_SERVICES],
    paths,
    stats,
    expectations,
    corpus: corpus.source,
  };
}

/** The folder's README: what the files are and what a scan must find. */
function readme(
  options: GenerateOptions,
  stats: DemoStats,
  e: DemoExpectations,
  corpus: { package: string; version: string; license: string },
): string {
  const list = (arns: readonly string[]) => arns.map((a) => `- \`${a}\``).join('\n') || '- (none)';
  return `# iam-refine demo account

Generated by \`iam-refine demo --seed ${options.seed} --events ${options.events}\` (the same seed and
event count give byte-identical files). Account ${ACCOUNT}, an online shop; the logs cover the
${LOG_DAYS} days before ${e.now.replace('.000Z', 'Z')}, the scan's tracking period is the last ${e.trackingPeriodDays} days.

| file | format |
|---|---|
| \`${DEMO_FILES.authorizationDetails}\` | \`aws iam get-account-authorization-details\` (AWS CLI output; one group policy URL-encoded as the raw API returns it) |
| \`${DEMO_FILES.credentialReport}\` | \`aws iam get-credential-report\`, decoded |
| \`${DEMO_FILES.cloudtrail}/\` | CloudTrail log files in the S3 layout: ${stats.events} events (${stats.dataEvents} S3 and Lambda data events, ${stats.deniedEvents} denied calls, ${stats.rootEvents} by root, ${stats.awsServiceEvents} by AWS services) in ${stats.files} files |
| \`${DEMO_FILES.expectations}\` | the ground truth: what a scan must find |
| \`${DEMO_FILES.organization}/\` | the organisation: \`permission-sets.json\` (IAM Identity Center, as \`iam-refine collect --identity-center\` writes it: three permission sets provisioned to four accounts), the exports of two member accounts' permission-set roles and their activity (\`activity.csv\`, with its coverage \`coverage.csv\`) |

AWS-managed policy documents come from ${corpus.package}@${corpus.version} (${corpus.license}).

Scan it:

\`\`\`sh
iam-refine scan --authorization-details ${DEMO_FILES.authorizationDetails} --credential-report ${DEMO_FILES.credentialReport} \\
  --cloudtrail ${DEMO_FILES.cloudtrail} --data-events ${DATA_EVENT_SERVICES.join(',')} --now ${e.now.replace('.000Z', 'Z')}
\`\`\`

With the organisation's permission sets (each refined with what is unused in every account it is
provisioned to):

\`\`\`sh
iam-refine scan --authorization-details ${DEMO_FILES.authorizationDetails} ${DEMO_FILES.organization}/authorization-details-*.json \\
  --credential-report ${DEMO_FILES.credentialReport} --cloudtrail ${DEMO_FILES.cloudtrail} --data-events ${DATA_EVENT_SERVICES.join(',')} \\
  --activity ${DEMO_FILES.organization}/activity.csv ${DEMO_FILES.organization}/coverage.csv --permission-sets ${DEMO_FILES.organization}/permission-sets.json \\
  --now ${e.now.replace('.000Z', 'Z')}
\`\`\`

Unused roles:

${list(e.unusedRoles)}

Unused console passwords:

${list(e.unusedPasswords)}

Unused access keys:

${list(e.unusedAccessKeys.map((k) => `${k.user} ${k.accessKeyId}`))}

Not evaluated:

${list(e.notEvaluated.map((n) => `${n.resource} (${n.reason})`))}

Principals with unused permissions:

${list(e.unusedPermission)}
`;
}

/** The ground truth, from the specs' expectations and what the generated logs contain. */
function buildExpectations(
  roles: readonly BuiltPrincipal[],
  users: readonly BuiltPrincipal[],
  observed: ReadonlyMap<string, Observed>,
  end: Date,
): DemoExpectations {
  const out: DemoExpectations = {
    accountId: ACCOUNT,
    now: end.toISOString(),
    trackingPeriodDays: TRACKING_DAYS,
    dataEventServices: [...DATA_EVENT_SERVICES],
    unusedRoles: [],
    unusedPasswords: [],
    unusedAccessKeys: [],
    notEvaluated: [],
    unusedPermission: [],
    unusedServices: {},
    unusedActions: {},
    usedActions: {},
  };
  for (const p of [...roles, ...users]) {
    const e = p.spec.expect;
    if (e.unusedRole) out.unusedRoles.push(p.arn);
    if (e.unusedPassword) out.unusedPasswords.push(p.arn);
    for (const slot of e.unusedKeys ?? []) {
      out.unusedAccessKeys.push({
        user: p.arn,
        accessKeyId: slot === 1 ? 'access_key_1' : 'access_key_2',
      });
    }
    if (e.notEvaluated) out.notEvaluated.push({ resource: p.arn, reason: e.notEvaluated });
    if (e.unusedPermission) out.unusedPermission.push(p.arn);
    if (e.unusedServices?.length) out.unusedServices[p.arn] = [...e.unusedServices];
    if (e.unusedActions?.length) out.unusedActions[p.arn] = [...e.unusedActions];
    const used = observed.get(p.arn)?.actions;
    if (used && used.size > 0 && !e.notEvaluated) out.usedActions[p.arn] = [...used].sort();
  }
  const byArn = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  out.unusedRoles.sort(byArn);
  out.unusedPasswords.sort(byArn);
  out.unusedPermission.sort(byArn);
  out.unusedAccessKeys.sort((a, b) => byArn(a.user, b.user) || byArn(a.accessKeyId, b.accessKeyId));
  out.notEvaluated.sort((a, b) => byArn(a.resource, b.resource));
  return out;
}
