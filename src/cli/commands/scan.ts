/**
 * `iam-refine scan`: IAM Access Analyzer's unused-access findings from an account's exports and
 * activity (CloudTrail logs, IAM last-accessed reports, an activity-summary CSV), with a
 * recommendation for every unused-permission finding. With `--live`, the exports and last-accessed
 * reports are first collected from AWS into a temporary folder (removed afterwards, also when the
 * process is interrupted by SIGINT, SIGTERM or SIGHUP).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  connectionOf,
  EXIT_PARTIAL,
  profileOption,
  regionOption,
  type LiveDeps,
} from '../../aws/cli.js';
import { DEFAULT_ORG_ROLE_NAME, collectToTempDir, type TempCollection } from '../../aws/collect.js';
import { createProgress, type Progress } from '../../aws/progress.js';
import {
  readCloudTrail,
  listCloudTrailFiles,
  type CloudTrailStats,
} from '../../activity/cloudtrail.js';
import { createActionMapper } from '../../activity/action-mapper.js';
import { parseActivityCsv } from '../../activity/activity-csv.js';
import { parseIsoTime } from '../../activity/iso-time.js';
import { parseLastAccessed } from '../../activity/last-accessed.js';
import { loadOperationData } from '../../activity/load-operation-data.js';
import { ActivityAccumulator } from '../../activity/summary.js';
import type { ActionCatalog } from '../../catalog/catalog.js';
import { loadCatalog } from '../../catalog/load.js';
import { ValidationError, formatIssue, type Issue } from '../../errors.js';
import { computeFindings } from '../../findings/findings.js';
import { renderFindingsTable } from '../../findings/table.js';
import type { ScanResult } from '../../findings/types.js';
import { readInventory } from '../../inventory/read.js';
import type { Inventory } from '../../inventory/types.js';
import { readTextFile } from '../../text-file.js';
import {
  CliError,
  EXIT_BAD_INPUT,
  EXIT_OK,
  PROGRAM,
  processIo,
  readEach,
  writeFileAtomic,
  type CliIo,
  type CommandContext,
  type TextSink,
} from '../io.js';

/** The output formats of `scan`. */
export type ScanFormat = 'table' | 'json';

/** Every {@link ScanFormat}, the default first. */
export const SCAN_FORMATS: readonly ScanFormat[] = ['table', 'json'];

/** Default tracking period, in days (Access Analyzer's default). */
export const DEFAULT_TRACKING_PERIOD_DAYS = 90;

/** The options of `scan`, as parsed from the command line. */
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
  /** Tracking period in days, 1–365 (default 90). */
  trackingPeriod?: number;
  /** Analysis time, ISO 8601 (default: now). */
  now?: string;
  /** Accounts not to evaluate. */
  excludeAccount?: string[];
  /** `key=value` tags whose principals are not evaluated. */
  excludeTag?: string[];
  /** Output format (default `table`). */
  format?: ScanFormat;
  /** Write the output here (atomically) instead of stdout. */
  out?: string;
  /** Record the scan in this findings database. */
  db?: string;
  /** A `--catalog` file instead of the bundled catalog. */
  catalog?: string;
  /** `false` with `--no-color`. */
  color?: boolean;
  /** Only warnings and errors on stderr. */
  quiet?: boolean;
}

/**
 * The options of the `scan` command: {@link ScanOptions}, where `--authorization-details` is
 * required only without `--live`, and the live-AWS options.
 */
export interface ScanCliOptions extends Omit<ScanOptions, 'authorizationDetails'> {
  /** `get-account-authorization-details` output files (required without `--live`). */
  authorizationDetails?: string[];
  /** Collect the inputs from AWS into a temporary folder first (`collect` + `scan`). */
  live?: boolean;
  /** With `--live`: the AWS profile. */
  profile?: string;
  /** With `--live`: the region of STS and regional calls. */
  region?: string;
  /** With `--live`: roles to assume, one per account. */
  roleArn?: string[];
  /** With `--live`: every active account of the organization. */
  org?: boolean;
  /** With `--live --org`: the role assumed in each member account. */
  orgRoleName?: string;
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
  };
  /** Services whose data events were declared (`--data-events`). */
  declaredDataEvents: string[];
  lastAccessed: { files: string[] };
  activity: { files: string[]; rows: number };
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
}

/** Progress of reading CloudTrail, as {@link runScanCore} reports it. */
export interface ScanProgress {
  files: number;
  filesDone: number;
  bytesDone: number;
  bytesTotal: number;
  events: number;
}

const EXAMPLES = `
Live AWS (--live): instead of --authorization-details, --credential-report and --last-accessed,
collect them from AWS with the standard credential chain (or --profile), exactly as
'iam-refine collect' does, into a temporary folder that is removed when the scan ends (also on
error, and on Ctrl-C, SIGTERM or SIGHUP). --cloudtrail and --activity can be added. Several
accounts: --role-arn per account, or --org to assume --org-role-name in every account of the
organization. The permissions needed are those of 'iam-refine collect' (see
'iam-refine collect --help').

Exit status: 0 done (also when some CloudTrail files were skipped: they are listed on stderr and
counted in the summary), 1 with --live when some accounts were scanned and others could not be
collected (each named in one line on stderr), 2 bad input or usage (one line per problem on
stderr, nothing on stdout), 3 internal error.

Examples:
  # an account's exports and its CloudTrail logs (S3 layout), with S3 and Lambda data events
  $ iam-refine scan --authorization-details auth.json --credential-report report.csv \\
      --cloudtrail AWSLogs/ --data-events s3,lambda

  # reproducible: fixed analysis time, JSON in Access Analyzer's shapes, into a file
  $ iam-refine scan --authorization-details auth.json --cloudtrail logs/ \\
      --now 2026-09-01T00:00:00Z --format json --out findings.json

  # IAM last-accessed reports instead of logs, one per principal; keep the findings in a database
  $ iam-refine scan --authorization-details auth.json --last-accessed reports/*.json \\
      --db iam-refine.db

  # live: collect the account of the "audit" profile into a temporary folder and scan it
  $ iam-refine scan --live --profile audit

  # live, every account of the organization, with their CloudTrail logs; into a database
  $ iam-refine scan --live --org --org-role-name IamRefineCollector --cloudtrail AWSLogs/ \\
      --db iam-refine.db

  # try it on a generated account
  $ iam-refine demo
`;

/** Commander parser for `--tracking-period`: a whole number of days from 1 to 365. */
export function parseTrackingPeriod(value: string): number {
  const n = Number(value);
  if (value.trim() !== value || !Number.isInteger(n) || n < 1 || n > 365) {
    throw new InvalidArgumentError('expected a whole number of days from 1 to 365');
  }
  return n;
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

/**
 * The `scan` command (the lead adds it to the program).
 *
 * @param deps - Test injections for `--live` (a loopback endpoint, static credentials, fast
 *   polling).
 */
export function scanCommand(
  ctx: CommandContext = { io: processIo(), exitCode: EXIT_OK },
  deps: LiveDeps = {},
): Command {
  return new Command('scan')
    .summary('find unused roles, keys, passwords and permissions, with recommendations')
    .description(
      "Reproduce IAM Access Analyzer's unused-access findings from an account's exported IAM data " +
        'and its activity: unused roles, access keys and console passwords, and for active ' +
        'principals the services and actions they are allowed but did not use in the tracking ' +
        'period, each with a least-privilege recommendation proven exact. An action is reported ' +
        'unused only when the activity sources can see it (IAM action last accessed tracks it, or ' +
        "its service's data events are in the logs). With --live, the account's IAM data is " +
        'first collected from AWS (as collect does) into a temporary folder, removed afterwards.',
    )
    .option(
      '--authorization-details <file...>',
      'aws iam get-account-authorization-details output (several pages or accounts allowed; ' +
        'required unless --live)',
    )
    .option('--credential-report <file...>', 'aws iam get-credential-report output (CSV or JSON)')
    .option(
      '--cloudtrail <path...>',
      'CloudTrail log files (.json, .json.gz) or directories (the AWSLogs/ S3 layout)',
    )
    .option(
      '--data-events <services>',
      'services whose data events the logs contain, comma-separated (e.g. s3,lambda)',
      (value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        ...value.split(',').map((s) => s.trim()),
      ],
    )
    .option(
      '--last-accessed <file...>',
      'aws iam get-service-last-accessed-details output (ACTION_LEVEL), one per principal',
    )
    .option(
      '--activity <file...>',
      'activity summary CSV: principal_arn,service,action,last_accessed (see activity-query)',
    )
    .option(
      '--tracking-period <days>',
      'tracking period in days, 1-365',
      parseTrackingPeriod,
      DEFAULT_TRACKING_PERIOD_DAYS,
    )
    .option('--now <time>', 'analysis time, ISO 8601 (default: now)')
    .option('--exclude-account <id...>', 'do not evaluate principals of these accounts')
    .option(
      '--exclude-tag <key=value>',
      'do not evaluate principals with this tag (repeatable)',
      collect,
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(SCAN_FORMATS).default('table'),
    )
    .option('--out <file>', 'write the output to this file (atomically) instead of stdout')
    .option('--db <file>', 'also record the scan in this findings database (SQLite)')
    .option(
      '--catalog <file>',
      'action catalog file ({"s3": ["GetObject", ...]}) instead of the bundled one',
    )
    .option('--no-color', 'no colour in the table (also: NO_COLOR=1)')
    .option('--quiet', 'only warnings and errors on stderr (no progress bar, no summary)')
    .option(
      '--live',
      'collect the authorization details, credential report and last-accessed reports from AWS ' +
        'into a temporary folder, scan them, and remove the folder',
    )
    .addOption(profileOption())
    .addOption(regionOption())
    .option(
      '--role-arn <arn...>',
      'with --live: assume this role and scan its account (repeatable)',
    )
    .option('--org', 'with --live: scan every active account of the organization')
    .addOption(
      new Option(
        '--org-role-name <name>',
        'with --live --org: the role to assume in each member account',
      ).default(DEFAULT_ORG_ROLE_NAME),
    )
    .addHelpText('after', EXAMPLES)
    .action(async (options: ScanCliOptions) => {
      ctx.exitCode = await runScan(options, ctx.io, deps);
    });
}

/** The options `--live` replaces, and the ones only `--live` uses, as the user spells them. */
const COLLECTED_OPTIONS = [
  ['authorizationDetails', '--authorization-details'],
  ['credentialReport', '--credential-report'],
  ['lastAccessed', '--last-accessed'],
] as const;
const LIVE_ONLY_OPTIONS = [
  ['profile', '--profile'],
  ['region', '--region'],
  ['roleArn', '--role-arn'],
  ['org', '--org'],
] as const;

/**
 * Checks the combination of `--live` and the file inputs.
 *
 * @throws CliError (exit 2, one line) on a bad combination.
 */
function checkLiveUsage(options: ScanCliOptions): void {
  const given = (keys: readonly (readonly [keyof ScanCliOptions, string])[]) =>
    keys.filter(([key]) => options[key] !== undefined && options[key] !== false).map(([, f]) => f);
  const list = (flags: string[]) =>
    flags.length === 1 ? flags[0]! : `${flags.slice(0, -1).join(', ')} and ${flags.at(-1)!}`;
  const orgRoleName =
    options.orgRoleName !== undefined && options.orgRoleName !== DEFAULT_ORG_ROLE_NAME;
  if (options.live === true) {
    const conflicting = given(COLLECTED_OPTIONS);
    if (conflicting.length > 0) {
      throw new CliError(
        `--live cannot be used with ${list(conflicting)}: --live collects the authorization details, credential report and last-accessed reports from AWS itself (scan the files without --live, or drop ${conflicting.length === 1 ? 'it' : 'them'})`,
      );
    }
    if (orgRoleName && options.org !== true) throw new CliError('--org-role-name needs --org');
    return;
  }
  const liveOnly = given(LIVE_ONLY_OPTIONS);
  if (orgRoleName) liveOnly.push('--org-role-name');
  if (liveOnly.length > 0) {
    throw new CliError(
      `${list(liveOnly)} ${liveOnly.length === 1 ? 'needs' : 'need'} --live (collect from AWS and scan)`,
    );
  }
  if (options.authorizationDetails === undefined) {
    throw new CliError(
      "required option '--authorization-details <file...>' not specified (or --live to collect it from AWS)",
    );
  }
}

/**
 * The progress of the `--live` collection: `collect`'s bar (terminal only), with the failure
 * notes of accounts reworded for a scan (a temporary folder has nothing to resume). Records every
 * note, so that a failure already reported is not reported twice.
 */
function liveProgress(io: CliIo, quiet: boolean): Progress & { notes: string[] } {
  const inner = createProgress(io.stderr, quiet ? { quiet: true } : {});
  const notes: string[] = [];
  return {
    notes,
    start: (label, total) => inner.start(label, total),
    advance: (n) => inner.advance(n),
    done: () => inner.done(),
    note(line) {
      const text = line.replace(/; not collected \(run again to resume\)$/, '; not scanned');
      notes.push(text);
      inner.note(text);
    },
  };
}

/**
 * `--live`: collects every account into a temporary folder (the caller scans its files and then
 * removes it; on failure it is already removed).
 *
 * @returns the collection, or the exit status when no account could be collected and the failures
 *   are already reported on stderr (one line each).
 */
async function collectLive(
  options: ScanCliOptions,
  io: CliIo,
  deps: LiveDeps,
): Promise<TempCollection | number> {
  const progress = liveProgress(io, options.quiet === true);
  try {
    return await collectToTempDir({
      connection: connectionOf(options, io, deps),
      ...(options.roleArn === undefined ? {} : { roleArns: options.roleArn }),
      ...(options.org === undefined ? {} : { org: options.org }),
      ...(options.orgRoleName === undefined ? {} : { orgRoleName: options.orgRoleName }),
      ...(deps.polling === undefined ? {} : { polling: deps.polling }),
      ...(deps.now === undefined ? {} : { now: deps.now }),
      progress,
      // The folder holds the account's IAM data: Ctrl-C, SIGTERM or SIGHUP must not leave it.
      removeOnSignal: true,
    });
  } catch (error) {
    // No account was collected: each failed account is already named on stderr.
    const message = error instanceof Error ? error.message : undefined;
    if (
      message !== undefined &&
      message !== '' &&
      progress.notes.some((n) => n.includes(message))
    ) {
      return EXIT_BAD_INPUT;
    }
    throw error;
  } finally {
    progress.done();
  }
}

/**
 * Runs `scan`: with `--live`, first collects the inputs from AWS into a temporary folder; reads
 * and checks every input (all problems reported together), reads the CloudTrail logs with a
 * progress bar, computes the findings, removes the temporary folder (also on error), writes the
 * output (stdout or `--out`), records the scan (`--db`) and prints a summary on stderr.
 *
 * @param deps - Test injections for `--live`.
 * @returns the exit status: 0, or with `--live` {@link EXIT_PARTIAL} when some accounts could not
 *   be collected (the others were scanned) and 2 when none could.
 * @throws ValidationError / CliError / AwsCallError on bad input (see `reportError`).
 */
export async function runScan(
  options: ScanCliOptions,
  io: CliIo,
  deps: LiveDeps = {},
): Promise<number> {
  checkLiveUsage(options);
  let live: TempCollection | undefined;
  let scanOptions: ScanOptions;
  if (options.live === true) {
    const collected = await collectLive(options, io, deps);
    if (typeof collected === 'number') return collected;
    live = collected;
    scanOptions = {
      ...options,
      authorizationDetails: live.files.authorizationDetails,
      credentialReport: live.files.credentialReports,
      lastAccessed: live.files.lastAccessed,
    };
    if (!options.quiet) {
      for (const a of live.accounts) {
        io.stderr.write(
          `collected account ${a.accountId}: ${a.lastAccessed.length} roles and users\n`,
        );
      }
    }
  } else {
    scanOptions = { ...options, authorizationDetails: options.authorizationDetails! };
  }

  const progress = options.quiet ? undefined : progressBar(io.stderr);
  let outcome: ScanOutcome;
  try {
    outcome = await runScanCore(scanOptions, progress?.update);
  } finally {
    progress?.clear();
    await live?.cleanup();
  }
  const format = options.format ?? 'table';
  const toFile = options.out !== undefined;
  const color = !toFile && io.isTTY && options.color !== false && (io.env.NO_COLOR ?? '') === '';
  const text =
    format === 'json' ? formatScanJson(outcome) : renderFindingsTable(outcome.result, { color });

  let recorded: string | undefined;
  if (options.db !== undefined) recorded = await recordScanInStore(outcome, options.db);

  if (toFile) await writeFileAtomic(options.out!, text);
  else io.stdout.write(text);

  const notes = outcome.inputWarnings.map((w) => `${PROGRAM}: warning: ${w}`);
  if (!options.quiet) {
    notes.push(summaryLine(outcome));
    if (recorded !== undefined) notes.push(recorded);
    if (toFile) notes.push(`wrote ${options.out}`);
  }
  if (notes.length > 0) io.stderr.write(`${notes.join('\n')}\n`);
  return live !== undefined && live.failures.length > 0 ? EXIT_PARTIAL : EXIT_OK;
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
  const declared = [
    ...new Set((options.dataEvents ?? []).filter((s) => s !== '').map((s) => s.toLowerCase())),
  ].sort();

  // Inputs, read together so that one run names every problem.
  const cloudtrailPaths = options.cloudtrail ?? [];
  const lastAccessedFiles = options.lastAccessed ?? [];
  const activityFiles = options.activity ?? [];
  const needsMapper = cloudtrailPaths.length > 0 || activityFiles.length > 0;
  const [catalog, inventory, operationData, , lastAccessed, activityTexts] = await Promise.all([
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
  const activityCsv = new ActivityAccumulator();
  if (catalog !== undefined && activityTexts !== undefined && activityTexts.length > 0) {
    const mapper = createActionMapper(operationData!, catalog);
    for (const { text, file } of activityTexts) {
      const parsed = await guard(() => parseActivityCsv(text, file, mapper));
      if (parsed !== undefined) {
        activityCsv.merge(parsed.accumulator);
        activityRows += parsed.rows;
      }
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  const cat = catalog as ActionCatalog;
  const inv = inventory as Inventory;
  const readSeconds = (performance.now() - started) / 1000;

  const inputWarnings: string[] = [];
  const accumulator = new ActivityAccumulator();
  let cloudtrail: InputStats['cloudtrail'];
  const ctStarted = performance.now();
  if (cloudtrailPaths.length > 0) {
    const read = await readCloudTrail(cloudtrailPaths, {
      catalog: cat,
      operationData: operationData!,
      dataEventServices: new Set(declared),
      ...(onProgress ? { onProgress } : {}),
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
    };
    const undeclared = [...s.dataEvents.keys()].filter((svc) => !declared.includes(svc)).sort();
    if (undeclared.length > 0) {
      inputWarnings.push(
        `the logs contain data events of ${undeclared.join(', ')}, which --data-events does not declare: actions only data events show are not reported unused for ${undeclared.length === 1 ? 'it' : 'them'} (declare --data-events ${[...declared, ...undeclared].sort().join(',')} if the trail logs all of ${undeclared.length === 1 ? 'its' : 'their'} data events)`,
      );
    }
  }
  const ctSeconds = (performance.now() - ctStarted) / 1000;
  for (const r of lastAccessed ?? []) {
    accumulator.merge(r.accumulator);
    for (const w of r.warnings) inputWarnings.push(formatIssue(w));
  }
  accumulator.merge(activityCsv);
  accumulator.observe({ dataEventServices: declared });

  const fStarted = performance.now();
  const result = computeFindings(inv, accumulator.finish(), {
    catalog: cat,
    now,
    trackingPeriodDays,
    excludeAccounts,
    excludeTags,
  });
  const findingsSeconds = (performance.now() - fStarted) / 1000;

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
    activity: { files: [...activityFiles], rows: activityRows },
  };
  return {
    result,
    inventory: inv,
    inputs,
    inputWarnings,
    seconds: { read: readSeconds, cloudtrail: ctSeconds, findings: findingsSeconds },
  };
}

/** Reads every last-accessed report; throws one ValidationError with the issues of all. */
function readLastAccessed(files: readonly string[]) {
  return readEach(files, async (file) => parseLastAccessed(await readTextFile(file), file));
}

/** Reads every file's text; throws one ValidationError naming every file that cannot be read. */
function readTexts(files: readonly string[]): Promise<{ text: string; file: string }[]> {
  return readEach(files, async (file) => ({ text: await readTextFile(file), file }));
}

/**
 * The `json` output: the scan result in Access Analyzer's shapes
 * (`analyzedAt, trackingPeriodDays, catalogVersion, findings, notEvaluated`), then the warnings
 * and what was read. Deterministic for the same inputs and `--now` (no timings).
 */
export function formatScanJson(outcome: ScanOutcome): string {
  const r = outcome.result;
  return `${JSON.stringify(
    {
      analyzedAt: r.analyzedAt,
      trackingPeriodDays: r.trackingPeriodDays,
      catalogVersion: r.catalogVersion,
      findings: r.findings,
      notEvaluated: r.notEvaluated,
      warnings: r.warnings,
      inputWarnings: outcome.inputWarnings,
      inputs: outcome.inputs,
    },
    null,
    2,
  )}\n`;
}

/**
 * Records the scan in the findings database `file` (created when missing) and returns a one-line
 * note of what changed. The store is loaded only here, so a scan without `--db` never loads SQLite.
 */
export async function recordScanInStore(outcome: ScanOutcome, file: string): Promise<string> {
  const { openCliStore } = await import('../../store/cli.js');
  const tags = new Map<string, ReadonlyMap<string, string>>();
  for (const p of outcome.inventory.principals.values()) tags.set(p.arn, p.tags);
  const store = openCliStore(file);
  try {
    const record = store.recordScan(outcome.result, {
      accounts: outcome.inputs.authorizationDetails.accounts,
      tags,
    });
    const s = record.stats;
    return `recorded scan ${record.id} in ${file}: ${s.findings} findings (${s.created} new, ${s.updated} updated, ${s.unchanged} unchanged, ${s.resolved} resolved, ${s.reopened} reopened, ${s.archivedByRules} archived by rules)`;
  } finally {
    store.close();
  }
}

const number = (n: number): string => n.toLocaleString('en-US');
const megabytes = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

/**
 * The one-line summary on stderr: what was read, how fast the logs were read, what was found.
 */
export function summaryLine(outcome: ScanOutcome): string {
  const i = outcome.inputs;
  const a = i.authorizationDetails;
  const parts = [
    `scanned ${a.roles} roles and ${a.users} users (${a.accounts.length} account${a.accounts.length === 1 ? '' : 's'})`,
  ];
  const ct = i.cloudtrail;
  if (ct) {
    const secs = outcome.seconds.cloudtrail;
    const rate = secs > 0 ? Math.round(ct.events / secs) : 0;
    const skipped = ct.skippedFiles.length;
    parts.push(
      `CloudTrail ${number(ct.files)} files, ${megabytes(ct.bytes)}, ${number(ct.events)} events in ${secs.toFixed(1)} s (${number(rate)} events/s), ${skipped} file${skipped === 1 ? '' : 's'} skipped` +
        (ct.badRecords > 0 ? `, ${number(ct.badRecords)} bad records` : ''),
    );
  }
  const r = outcome.result;
  parts.push(
    `${r.findings.length} findings, ${r.notEvaluated.length} not evaluated, ${r.warnings.length} warnings`,
  );
  return parts.join(' · ');
}

/**
 * A progress bar drawn on `stderr` only when it is a terminal: items done/total (`unit`, default
 * files), MB (when `bytesTotal` is known), events, events/s and the time left. `update` is cheap
 * to call often (redraws at most 10 times a second); `clear` erases the line.
 */
export function progressBar(
  stderr: TextSink,
  options: { label?: string; unit?: string } = {},
): { update: (p: ScanProgress) => void; clear: () => void } | undefined {
  const tty = stderr as TextSink & { isTTY?: boolean; columns?: number };
  if (tty.isTTY !== true) return undefined;
  const label = options.label ?? 'CloudTrail';
  const unit = options.unit ?? 'files';
  const started = performance.now();
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const t = performance.now();
      if (t - last < 100 && p.filesDone < p.files) return;
      last = t;
      const secs = (t - started) / 1000;
      const fraction =
        p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.files > 0 ? p.filesDone / p.files : 0;
      const rate = secs > 0 ? p.events / secs : 0;
      const eta = fraction > 0 && fraction < 1 ? (secs * (1 - fraction)) / fraction : 0;
      const width = 20;
      const full = Math.round(fraction * width);
      const size =
        p.bytesTotal > 0
          ? ` · ${(p.bytesDone / 1_048_576).toFixed(1)}/${megabytes(p.bytesTotal)}`
          : '';
      const line =
        `${label} [${'█'.repeat(full)}${'░'.repeat(width - full)}] ` +
        `${number(p.filesDone)}/${number(p.files)} ${unit}${size} · ` +
        `${number(p.events)} events · ${number(Math.round(rate))} events/s · ETA ${Math.ceil(eta)} s`;
      const columns = tty.columns !== undefined && tty.columns >= 40 ? tty.columns : 120;
      stderr.write(`\r${line.slice(0, columns - 1)}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stderr.write('\r\x1b[K');
    },
  };
}
