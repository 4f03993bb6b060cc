/**
 * The scan pipeline as a library function: read the inputs (account exports, CloudTrail logs,
 * last-accessed reports, activity CSV) → activity summary → findings with their recommendations.
 * `iam-refine scan`, the demo, the dashboard and scripts call it; it prints nothing and writes no
 * file (the CLI formats and writes its outcome).
 */
import { availableParallelism } from 'node:os';
import {
  readCloudTrail,
  listCloudTrailFiles,
  type CloudTrailStats,
} from '../activity/cloudtrail.js';
import { createActionMapper } from '../activity/action-mapper.js';
import { parseActivityCsv } from '../activity/activity-csv.js';
import {
  CoverageCollector,
  EvidenceCoverage,
  spanClaim,
  type SourceCoverage,
} from '../activity/coverage.js';
import { isCoverageCsv, parseCoverageCsv } from '../activity/coverage-csv.js';
import { parseIsoTime } from '../activity/iso-time.js';
import { parseLastAccessed } from '../activity/last-accessed.js';
import { loadOperationData } from '../activity/load-operation-data.js';
import { ActivityAccumulator } from '../activity/summary.js';
import {
  countingMapper,
  describeUnmapped,
  UnmappedCounter,
  type UnmappedStats,
} from '../activity/unmapped.js';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { ValidationError, formatIssue, readEach, type Issue } from '../errors.js';
import type { FormStyle } from '../refine/forms/choose.js';
import { computeFindingsParallel } from './parallel-findings.js';
import { policyAttachments, type PolicyAttachments } from '../findings/policy-attachments.js';
import type { ScanCoverage, ScanResult } from '../findings/types.js';
import { parsePermissionSets } from '../identity-center/read.js';
import type { PermissionSetRecommendation } from '../identity-center/recommend.js';
import { permissionSetRecommendations } from '../identity-center/scan.js';
import { readInventory } from '../inventory/read.js';
import type { Inventory } from '../inventory/types.js';
import { readTextFile } from '../text-file.js';

/** Default tracking period, in days (Access Analyzer's default). */
export const DEFAULT_TRACKING_PERIOD_DAYS = 90;

/** What a scan reads and how it analyses it (the library side of `iam-refine scan`). */
export interface ScanOptions {
  /** `get-account-authorization-details` output files (at least one). */
  authorizationDetails: string[];
  /** `get-credential-report` files. */
  credentialReport?: string[];
  /** CloudTrail log files or directory trees. */
  cloudtrail?: string[];
  /** IAM prefixes of the services whose data events the logs hold (`s3,lambda`). */
  dataEvents?: string[];
  /** IAM last-accessed reports (ACTION_LEVEL), one per principal. */
  lastAccessed?: string[];
  /** Activity-summary CSV files (`principal_arn,service,action,last_accessed`). */
  activity?: string[];
  /** IAM Identity Center permission-set files (as `collect` writes them). */
  permissionSets?: string[];
  /** Tracking period in days, 1–365 (default 90). */
  trackingPeriod?: number;
  /** Analysis time, ISO 8601 (default: now). */
  now?: string;
  /** Accounts not to evaluate. */
  excludeAccount?: string[];
  /** `key=value` tags whose principals are not evaluated. */
  excludeTag?: string[];
  /** A `--catalog` file instead of the bundled catalog. */
  catalog?: string;
  /** Largest decompressed content of one CloudTrail log file, in bytes (larger files are skipped). */
  maxLogFileBytes?: number;
  /** Largest CloudTrail record, in bytes (a file holding a larger one is skipped). */
  maxRecordBytes?: number;
  /**
   * Evaluate a principal whose activity covers only the end of the tracking period over the
   * covered days (its findings say since when) instead of not evaluating it.
   */
  allowPartialCoverage?: boolean;
  /** The form of recommended policies (default `auto`). */
  style?: FormStyle;
  /** The principals' managed-policy attachment quota (default 10, at most 20). */
  maxManagedPolicies?: number;
  /**
   * Threads that compute the findings, this one included (default: `os.availableParallelism()`;
   * `1`: no worker thread). Scans of fewer than 1,000 principals use no worker anyway. The result
   * is the same whatever the number.
   */
  jobs?: number;
}

/** What the scan read, for the summary and the `json` output. */
export interface InputStats {
  authorizationDetails: {
    files: string[];
    roles: number;
    users: number;
    groups: number;
    managedPolicies: number;
    accounts: string[];
  };
  credentialReports: { files: string[] };
  cloudtrail?: {
    paths: string[];
    files: number;
    events: number;
    bytes: number;
    /** Log files that could not be used, with the reason. */
    skippedFiles: { file: string; reason: string }[];
    /** Records not attributed to a principal, by reason. */
    ignoredEvents: CloudTrailStats['ignoredEvents'];
    /** Malformed records (the first ones are listed as warnings). */
    badRecords: number;
    /** Data events read per service. */
    dataEvents: Record<string, number>;
    /** Calls that could not be mapped exactly to IAM actions (top entries; see `unmapped.ts`). */
    unmapped: UnmappedStats;
  };
  /** Services whose data events were declared (`--data-events`). */
  declaredDataEvents: string[];
  lastAccessed: { files: string[] };
  activity: {
    files: string[];
    rows: number;
    /** Rows whose service and action could not be mapped exactly (counted per row). */
    unmapped: UnmappedStats;
    /** Coverage CSVs given with `--activity` (told apart by their header), and their rows. */
    coverageFiles: string[];
    coverageRows: number;
  };
  /** `--permission-sets` files and the permission sets they hold. */
  permissionSets?: { files: string[]; instances: number; permissionSets: number };
}

/** Everything a scan produced. */
export interface ScanOutcome {
  result: ScanResult;
  inventory: Inventory;
  inputs: InputStats;
  /** Input problems that did not stop the scan (skipped files, bad records, report warnings). */
  inputWarnings: string[];
  /** Wall-clock seconds per phase. */
  seconds: { read: number; cloudtrail: number; findings: number };
  /** One recommendation per permission set of `permissionSets` (empty without it). */
  permissionSets: PermissionSetRecommendation[];
  /**
   * Who each customer managed policy that a recommendation refines is attached to (what
   * `remediate` needs before it changes a shared policy in place).
   */
  policyAttachments: PolicyAttachments[];
}

/** Progress of reading CloudTrail, as {@link runScanCore} reports it. */
export interface ScanProgress {
  files: number;
  filesDone: number;
  bytesDone: number;
  bytesTotal: number;
  events: number;
}

/**
 * Reads the inputs and computes the findings: the part of `scan` that the demo shares. Every
 * problem with the inputs (missing or malformed files, bad option values) is collected and thrown
 * together before the logs are read; bad log files and records are skipped and reported in
 * `inputWarnings`.
 *
 * @throws ValidationError listing every input problem.
 */
export async function runScanCore(
  options: ScanOptions,
  onProgress?: (p: ScanProgress) => void,
): Promise<ScanOutcome> {
  const started = performance.now();
  const issues: Issue[] = [];
  const guard = async <T>(run: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const option = (source: string, message: string): void => {
    issues.push({ code: 'invalid_value', path: '$', source, message });
  };

  // Option values.
  let now = new Date();
  if (options.now !== undefined) {
    const ms = parseIsoTime(options.now);
    if (ms === undefined) {
      option(
        '--now',
        `expected an ISO 8601 time such as 2026-09-01T00:00:00Z, found "${options.now}"`,
      );
    } else now = new Date(ms);
  }
  const trackingPeriodDays = options.trackingPeriod ?? DEFAULT_TRACKING_PERIOD_DAYS;
  const excludeAccounts = new Set<string>();
  for (const a of options.excludeAccount ?? []) {
    if (/^\d{12}$/.test(a)) excludeAccounts.add(a);
    else option('--exclude-account', `expected a 12-digit account id, found "${a}"`);
  }
  const excludeTags: { key: string; value: string }[] = [];
  for (const t of options.excludeTag ?? []) {
    const eq = t.indexOf('=');
    if (eq <= 0) option('--exclude-tag', `expected key=value, found "${t}"`);
    else excludeTags.push({ key: t.slice(0, eq), value: t.slice(eq + 1) });
  }
  const jobs = options.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) {
    option('--jobs', `expected a whole number of threads, at least 1, found ${String(jobs)}`);
  }
  const declared = [
    ...new Set((options.dataEvents ?? []).filter((s) => s !== '').map((s) => s.toLowerCase())),
  ].sort();

  // Inputs, read together so that one run names every problem.
  const cloudtrailPaths = options.cloudtrail ?? [];
  const lastAccessedFiles = options.lastAccessed ?? [];
  const activityFiles = options.activity ?? [];
  const needsMapper = cloudtrailPaths.length > 0 || activityFiles.length > 0;
  const permissionSetFiles = options.permissionSets ?? [];
  const [catalog, inventory, operationData, , lastAccessed, activityTexts, permissionSetsRead] =
    await Promise.all([
      guard(() => loadCatalog(options.catalog === undefined ? {} : { file: options.catalog })),
      guard(() =>
        readInventory({
          authorizationDetails: options.authorizationDetails,
          credentialReports: options.credentialReport ?? [],
        }),
      ),
      needsMapper ? loadOperationData() : Promise.resolve(undefined),
      cloudtrailPaths.length > 0 ? guard(() => listCloudTrailFiles(cloudtrailPaths)) : undefined,
      guard(() => readLastAccessed(lastAccessedFiles)),
      guard(() => readTexts(activityFiles)),
      guard(() => readPermissionSetFiles(permissionSetFiles)),
    ]);
  if (catalog !== undefined) {
    for (const s of declared) {
      if (!catalog.hasService(s)) {
        option(
          '--data-events',
          `"${s}" is not a service prefix of the catalog (e.g. s3, lambda, dynamodb)`,
        );
      }
    }
  }
  let activityRows = 0;
  let coverageRows = 0;
  const coverageFiles: string[] = [];
  const activityCsv = new ActivityAccumulator();
  const csvUnmapped = new UnmappedCounter();
  const csvCoverage = new CoverageCollector('activity');
  if (catalog !== undefined && activityTexts !== undefined && activityTexts.length > 0) {
    const mapper = countingMapper(createActionMapper(operationData!, catalog), csvUnmapped);
    for (const { text, file } of activityTexts) {
      if (isCoverageCsv(text)) {
        const rows = await guard(() => parseCoverageCsv(text, file, csvCoverage));
        if (rows !== undefined) coverageRows += rows;
        coverageFiles.push(file);
        continue;
      }
      const parsed = await guard(() => parseActivityCsv(text, file, mapper));
      if (parsed !== undefined) {
        activityCsv.merge(parsed.accumulator);
        activityRows += parsed.rows;
      }
    }
  }
  if (coverageFiles.length > 0 && coverageFiles.length === activityFiles.length) {
    // Days covered with no activity to go with them would make every principal look unused.
    issues.push({
      code: 'missing_field',
      path: '$',
      source: coverageFiles[0],
      message: `${coverageFiles.join(', ')} ${coverageFiles.length === 1 ? 'is a coverage CSV' : 'are coverage CSVs'} (account_id,region,day), but no activity CSV (principal_arn,service,action,last_accessed) is given with --activity: the coverage of logs whose activity is missing would make every principal look unused`,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  const cat = catalog as ActionCatalog;
  const inv = inventory as Inventory;
  const readSeconds = (performance.now() - started) / 1000;

  const inputWarnings: string[] = [];
  const accumulator = new ActivityAccumulator();
  const evidence = new EvidenceCoverage();
  const sources: ScanCoverage['sources'] = {};
  const dataEventGaps: ScanCoverage['dataEventGaps'] = [];
  const gapsByAccount = new Map<string, Set<string>>();
  let cloudtrail: InputStats['cloudtrail'];
  const ctStarted = performance.now();
  if (cloudtrailPaths.length > 0) {
    const read = await readCloudTrail(cloudtrailPaths, {
      catalog: cat,
      operationData: operationData!,
      dataEventServices: new Set(declared),
      ...(onProgress ? { onProgress } : {}),
      ...(options.maxLogFileBytes === undefined
        ? {}
        : { maxLogFileBytes: options.maxLogFileBytes }),
      ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
    });
    accumulator.merge(read.accumulator);
    const s = read.stats;
    for (const f of s.skippedFiles) inputWarnings.push(`${f.file}: skipped: ${f.reason}`);
    for (const issue of s.badRecords) inputWarnings.push(`${formatIssue(issue)} (record skipped)`);
    const bad = s.ignoredEvents.malformed + s.ignoredEvents.noIdentity;
    if (bad > s.badRecords.length) {
      inputWarnings.push(`${bad - s.badRecords.length} more malformed CloudTrail records skipped`);
    }
    cloudtrail = {
      paths: [...cloudtrailPaths],
      files: s.files,
      events: s.events,
      bytes: s.bytes,
      skippedFiles: s.skippedFiles,
      ignoredEvents: s.ignoredEvents,
      badRecords: bad,
      dataEvents: Object.fromEntries([...s.dataEvents].sort(([a], [b]) => (a < b ? -1 : 1))),
      unmapped: s.unmapped,
    };
    if (s.unmapped.operations > 0)
      inputWarnings.push(unmappedWarning('CloudTrail calls', s.unmapped));
    const ctClaims = read.coverage.claims('CloudTrail');
    for (const [account, claim] of ctClaims.accounts) evidence.addAccount(account, claim);
    if (ctClaims.unplaced !== undefined) evidence.addEverywhere(ctClaims.unplaced);
    sources.cloudtrail = read.coverage.report();
    inputWarnings.push(...regionGapWarnings(sources.cloudtrail, now, trackingPeriodDays));
    // A declared data-event service without a single data event in an account's logs: its
    // trail may not log them, so there they observe nothing.
    // Only accounts with log files: an account known from other sources only (an activity CSV,
    // reports) cannot show whether its trail logs data events.
    const logged = new Set(sources.cloudtrail.accounts.map((a) => a.account));
    for (const svc of declared) {
      const accounts = [...inv.accounts]
        .filter((a) => logged.has(a) && (s.dataEventsByAccount.get(a)?.get(svc) ?? 0) === 0)
        .sort();
      if (accounts.length === 0) continue;
      dataEventGaps.push({ service: svc, accounts });
      for (const a of accounts) {
        let set = gapsByAccount.get(a);
        if (set === undefined) gapsByAccount.set(a, (set = new Set()));
        set.add(svc);
      }
      inputWarnings.push(
        `--data-events declares ${svc}, but the logs hold no ${svc} data event of account${accounts.length === 1 ? '' : 's'} ${accounts.length > 10 ? `${accounts.slice(0, 10).join(', ')} and ${accounts.length - 10} more` : accounts.join(', ')}: the trail may not log them there, so ${svc}'s data-event-only actions are not evaluated as unused for ${accounts.length === 1 ? 'its' : 'their'} principals (a coverage gap)`,
      );
    }
    const undeclared = [...s.dataEvents.keys()].filter((svc) => !declared.includes(svc)).sort();
    if (undeclared.length > 0) {
      inputWarnings.push(
        `the logs contain data events of ${undeclared.join(', ')}, which --data-events does not declare: actions only data events show are not reported unused for ${undeclared.length === 1 ? 'it' : 'them'} (declare --data-events ${[...declared, ...undeclared].sort().join(',')} if the trail logs all of ${undeclared.length === 1 ? 'its' : 'their'} data events)`,
      );
    }
  }
  const ctSeconds = (performance.now() - ctStarted) / 1000;
  const reports: NonNullable<ScanCoverage['sources']['lastAccessed']> = [];
  (lastAccessed ?? []).forEach((r, i) => {
    accumulator.merge(r.accumulator);
    for (const w of r.warnings) inputWarnings.push(formatIssue(w));
    const span = r.accumulator.finish().coverage;
    const file = lastAccessedFiles[i]!;
    if (span !== undefined) {
      evidence.addPrincipal(
        r.arn,
        spanClaim(`last-accessed report ${file}`, span.from.getTime(), span.to.getTime()),
      );
      reports.push({
        arn: r.arn,
        file,
        from: span.from.toISOString(),
        to: span.to.toISOString(),
      });
    } else {
      inputWarnings.push(
        `${file}: the report has no JobCompletionDate, so what it covers is unknown: it is evidence of use only`,
      );
    }
  });
  if (reports.length > 0) sources.lastAccessed = reports;
  accumulator.merge(activityCsv);
  if (coverageFiles.length > 0) {
    const csvClaims = csvCoverage.claims('activity CSV coverage');
    for (const [account, claim] of csvClaims.accounts) evidence.addAccount(account, claim);
    sources.activity = csvCoverage.report();
  } else if (activityFiles.length > 0) {
    inputWarnings.push(
      'the activity CSV comes without a coverage CSV (activity-query --coverage), so it is evidence of use only: it covers no day of the tracking period',
    );
  }
  accumulator.observe({ dataEventServices: declared });
  const csvUnmappedStats = csvUnmapped.stats();
  if (csvUnmappedStats.operations > 0) {
    inputWarnings.push(unmappedWarning('activity CSV rows', csvUnmappedStats));
  }
  const summary = accumulator.finish();

  const fStarted = performance.now();
  const result = await computeFindingsParallel(
    inv,
    summary,
    {
      catalog: cat,
      now,
      trackingPeriodDays,
      excludeAccounts,
      excludeTags,
      coverage: evidence,
      allowPartialCoverage: options.allowPartialCoverage === true,
      dataEventGaps: gapsByAccount,
      ...(options.style === undefined ? {} : { style: options.style }),
      ...(options.maxManagedPolicies === undefined
        ? {}
        : { maxManagedPolicies: options.maxManagedPolicies }),
    },
    { jobs },
  );
  const permissionSets =
    permissionSetsRead === undefined || permissionSetsRead.length === 0
      ? []
      : permissionSetRecommendations(permissionSetsRead, result, inv, cat);
  const findingsSeconds = (performance.now() - fStarted) / 1000;
  const coverage = result.coverage!;
  coverage.dataEventGaps = dataEventGaps;
  coverage.skipped = skippedInput(
    [sources.cloudtrail, sources.activity],
    cloudtrail?.skippedFiles.length ?? 0,
    cloudtrail?.badRecords ?? 0,
  );
  coverage.sources = sources;
  coverage.complete =
    coverage.complete &&
    dataEventGaps.length === 0 &&
    coverage.skipped.files === 0 &&
    coverage.skipped.records === 0;
  inputWarnings.push(...coverageWarnings(coverage));

  let roles = 0;
  let users = 0;
  for (const p of inv.principals.values()) {
    if (p.kind === 'role') roles++;
    else users++;
  }
  const inputs: InputStats = {
    authorizationDetails: {
      files: [...options.authorizationDetails],
      roles,
      users,
      groups: inv.groups.size,
      managedPolicies: inv.policies.size,
      accounts: [...inv.accounts].sort(),
    },
    credentialReports: { files: [...(options.credentialReport ?? [])] },
    ...(cloudtrail ? { cloudtrail } : {}),
    declaredDataEvents: declared,
    lastAccessed: { files: [...lastAccessedFiles] },
    activity: {
      files: activityFiles.filter((f) => !coverageFiles.includes(f)),
      rows: activityRows,
      unmapped: csvUnmappedStats,
      coverageFiles,
      coverageRows,
    },
    ...(permissionSetFiles.length > 0
      ? {
          permissionSets: {
            files: [...permissionSetFiles],
            instances: (permissionSetsRead ?? []).reduce((n, f) => n + f.instances.length, 0),
            permissionSets: permissionSets.length,
          },
        }
      : {}),
  };
  return {
    result,
    inventory: inv,
    inputs,
    inputWarnings,
    seconds: { read: readSeconds, cloudtrail: ctSeconds, findings: findingsSeconds },
    permissionSets,
    policyAttachments: policyAttachments(inv, result.findings),
  };
}

/**
 * The warning for calls that could not be mapped exactly: how many, what they count for (the
 * safe side), and the top entries.
 */
function unmappedWarning(what: string, u: UnmappedStats): string {
  const unknownSource = u.byReason['unknown-event-source'];
  return (
    `${u.calls} ${what} (${u.operations} distinct operation${u.operations === 1 ? '' : 's'}) could not be mapped to IAM actions: ` +
    `each counts as use of its whole service, so unused access there is not reported` +
    (unknownSource > 0
      ? `; ${unknownSource} of them ${unknownSource === 1 ? 'comes from an event source that is' : 'come from event sources that are'} no IAM service and give${unknownSource === 1 ? 's' : ''} no permission evidence`
      : '') +
    ` (${describeUnmapped(u)})`
  );
}

/**
 * Skipped input in numbers and places: `account region day` for each day of a skipped file or
 * record (at most 50 places listed, then a count).
 */
function skippedInput(
  reports: readonly (SourceCoverage | undefined)[],
  files: number,
  records: number,
): ScanCoverage['skipped'] {
  const where: string[] = [];
  for (const report of reports) {
    if (report === undefined) continue;
    for (const a of report.accounts) {
      for (const r of a.regions) {
        for (const d of r.skippedDays) {
          where.push(`${a.account} ${r.region} ${d === 'unknown' ? '(day unknown)' : d}`);
        }
      }
    }
    const u = report.unplaced;
    if (u.files + u.records > 0) {
      where.push(
        `unknown account (${u.days.length === 0 ? 'day unknown' : u.days.join(', ')}): every account`,
      );
    }
  }
  const shown = where.slice(0, 50);
  if (where.length > 50) shown.push(`and ${where.length - 50} more`);
  return { files, records, where: shown };
}

/** At most this many regions with missing days are named in warnings. */
const MAX_REGION_WARNINGS = 10;

/**
 * A warning per region whose logs miss days of the tracking period between the region's own first
 * and last day: not a gap of the account when another region has those days (a quiet region has
 * days without events), but a trail stopped in one region looks the same, so it is named.
 */
function regionGapWarnings(report: SourceCoverage, now: Date, days: number): string[] {
  const startDay = new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
  const out: string[] = [];
  let more = 0;
  for (const a of report.accounts) {
    for (const r of a.regions) {
      const missing = r.missingDays.filter((d) => d >= startDay);
      if (missing.length === 0) continue;
      if (out.length >= MAX_REGION_WARNINGS) {
        more++;
        continue;
      }
      out.push(
        `CloudTrail logs of account ${a.account} in ${r.region} have no record on ${missing.length} day${missing.length === 1 ? '' : 's'} of the tracking period between their first and last day (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}): a day counts as covered when any region of the account has records, so if the trail stopped there, activity in ${r.region} is missing`,
      );
    }
  }
  if (more > 0)
    out.push(`${more} more regions have days without records (see coverage in --format json)`);
  return out;
}

/** The warnings that say what the findings do not cover (one line each). */
function coverageWarnings(c: ScanCoverage): string[] {
  const out: string[] = [];
  if (c.skipped.files + c.skipped.records > 0) {
    out.push(
      `skipped ${c.skipped.files} log file${c.skipped.files === 1 ? '' : 's'} and ${c.skipped.records} record${c.skipped.records === 1 ? '' : 's'}, on ${c.skipped.where.join('; ')}: those days are gaps in the evidence of their accounts`,
    );
  }
  if (c.notCovered > 0) {
    out.push(
      `${c.notCovered} principal${c.notCovered === 1 ? ' was' : 's were'} not evaluated for unused roles and permissions: ${c.notCovered === 1 ? 'its' : 'their'} activity does not cover the whole tracking period (INCOMPLETE_ACTIVITY_COVERAGE in the not-evaluated list; --allow-partial-coverage evaluates them over the covered days)`,
    );
  }
  if (c.shortened > 0) {
    out.push(
      `--allow-partial-coverage: ${c.shortened} principal${c.shortened === 1 ? ' was' : 's were'} evaluated over a shortened period (the shortest since ${c.shortestSince}); their findings say since when`,
    );
  }
  return out;
}

/** Reads every last-accessed report; throws one ValidationError with the issues of all. */
function readLastAccessed(files: readonly string[]) {
  return readEach(files, async (file) => parseLastAccessed(await readTextFile(file), file));
}

/** Reads every permission-sets file; throws one ValidationError with the issues of all. */
function readPermissionSetFiles(files: readonly string[]) {
  return readEach(files, async (file) => parsePermissionSets(await readTextFile(file), file));
}

/** Reads every file's text; throws one ValidationError naming every file that cannot be read. */
function readTexts(files: readonly string[]): Promise<{ text: string; file: string }[]> {
  return readEach(files, async (file) => ({ text: await readTextFile(file), file }));
}
