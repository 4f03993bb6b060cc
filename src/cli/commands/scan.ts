/**
 * `iam-refine scan`: IAM Access Analyzer's unused-access findings from an account's exports and
 * activity (CloudTrail logs, IAM last-accessed reports, an activity-summary CSV), with a
 * recommendation for every unused-permission finding. With `--live`, the exports and last-accessed
 * reports are first collected from AWS into a temporary folder (removed afterwards, also when the
 * process is interrupted by SIGINT, SIGTERM or SIGHUP).
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
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
  DEFAULT_MAX_LOG_FILE_BYTES,
  DEFAULT_MAX_RECORD_BYTES,
  MAX_LOG_FILE_BYTES_LIMIT,
} from '../../activity/cloudtrail-file.js';
import { statusLine } from '../../io/status-line.js';
import { OUTPUT_FILE_RULES, checkOutput, writeOutputFile } from '../../io/atomic-write.js';
import { DEFAULT_MAX_MANAGED_POLICIES, MAX_MANAGED_POLICIES_LIMIT } from '../../policy/size.js';
import { FORM_STYLES } from '../../refine/forms/choose.js';
import { parseManagedQuota, parsePositiveInteger } from './recommend.js';
import { EXIT_FINDINGS } from '../../exit-codes.js';
import type { Finding } from '../../findings/types.js';
import { toAsff } from '../../report/asff.js';
import { toCsv } from '../../report/csv.js';
import { failingFindings, parseFailOn, type FailOnTerm } from '../../report/fail-on.js';
import { toSarif } from '../../report/sarif.js';
import { findingRisk, type FindingRisk } from '../../risk/risk.js';
import { colorEnabled } from '../../text/color.js';
import { packageVersion } from '../../version.js';
import { renderFindingsTable } from '../../findings/table.js';
import { renderPermissionSetsTable } from '../../identity-center/table.js';
import { formatCount, formatMegabytes, scanJsonChunks, summaryLine } from '../../scan/output.js';
import { DEFAULT_MIN_PRINCIPALS } from '../../scan/parallel-findings.js';
import { recordScanInStore } from '../../scan/record.js';
import { parseByteSize } from '../../text/byte-size.js';
import {
  DEFAULT_TRACKING_PERIOD_DAYS,
  runScanCore,
  type ScanOptions,
  type ScanOutcome,
  type ScanProgress,
} from '../../scan/run.js';
import {
  CliError,
  EXIT_BAD_INPUT,
  EXIT_INCOMPLETE,
  EXIT_OK,
  PROGRAM,
  processIo,
  type CliIo,
  type CommandContext,
  type TextSink,
} from '../io.js';

/** The output formats of `scan`. */
export type ScanFormat = 'table' | 'json' | 'sarif' | 'asff' | 'csv';

/** Every {@link ScanFormat}, the default first. */
export const SCAN_FORMATS: readonly ScanFormat[] = ['table', 'json', 'sarif', 'asff', 'csv'];

/**
 * The options of the `scan` command: {@link ScanOptions}, where `--authorization-details` is
 * required only without `--live`, and the live-AWS options.
 */
export interface ScanCliOptions extends Omit<ScanOptions, 'authorizationDetails'> {
  /** `get-account-authorization-details` output files (required without `--live`). */
  authorizationDetails?: string[];
  /** Output format (default `table`). */
  format?: ScanFormat;
  /** Write the output here (atomically) instead of stdout. */
  out?: string;
  /** Record the scan in this findings database. */
  db?: string;
  /** `false` with `--no-color`. */
  color?: boolean;
  /** Only warnings and errors on stderr. */
  quiet?: boolean;
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
  /** Exit with {@link EXIT_FINDINGS} when a finding matches this expression (see fail-on.ts). */
  failOn?: string;
  /** With `--format asff`: the Security Hub region (default `AWS_REGION`). */
  asffRegion?: string;
}

const EXAMPLES = `
Live AWS (--live): instead of --authorization-details, --credential-report and --last-accessed,
collect them from AWS with the standard credential chain (or --profile), exactly as
'iam-refine collect' does, into a temporary folder that is removed when the scan ends (also on
error, and on Ctrl-C, SIGTERM or SIGHUP). --cloudtrail and --activity can be added. Several
accounts: --role-arn per account, or --org to assume --org-role-name in every account of the
organization. The permissions needed are those of 'iam-refine collect' (see
'iam-refine collect --help').

Coverage: a permission or role is called unused only when the activity covers every day of the
tracking period for the principal's account (CloudTrail: a record read that day and no skipped
file or record; activity CSV: its coverage CSV from 'activity-query --coverage'; last-accessed
report: 400 days before its JobCompletionDate). A principal without that evidence is not
evaluated for unused roles and permissions (INCOMPLETE_ACTIVITY_COVERAGE, with the covered span);
--allow-partial-coverage evaluates it over the covered days that reach the period's end instead,
and every output says since when.

Formats: table (for people), json (Access Analyzer's shapes), sarif (SARIF 2.1.0 for code
scanning, e.g. GitHub's upload-sarif), asff (AWS Security Finding Format: a JSON array for
'aws securityhub batch-import-findings --findings file://FILE', 100 per call; needs
--asff-region or AWS_REGION), csv (one row per finding, for a spreadsheet).

Risk: every finding has a level. high: unused permissions include a high-risk action
(privilege escalation, data or key control, audit-trail tampering; the list and its sources are
in the README); medium: unused write or permissions-management actions, whole unused services,
unused roles, access keys and passwords; low: only list, read or tagging actions unused.

--fail-on EXPR: terms separated by commas, each 'any', a finding type, a level (that level or
higher) or TYPE:LEVEL, e.g. 'UnusedPermission:high,UnusedIAMUserAccessKey'. The output is
written in full either way.

Exit status: 0 done and complete; 1 with --live when some accounts were scanned and others could
not be collected (each named in one line on stderr); 2 bad input or usage (one line per problem on
stderr, nothing on stdout); 3 internal error; 4 done but incomplete: some log file or record was
skipped, some principal's activity does not cover the tracking period (not evaluated, or with
--allow-partial-coverage evaluated over fewer days), or a --data-events service has no data event
(what is missing is on stderr and in the output's coverage); 5 with --fail-on: at least one
finding matched (counted on stderr; 5 is returned rather than 1 or 4 when they also apply).

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

  # CI: SARIF for code scanning, fail the job on high-risk unused permissions or unused keys
  $ iam-refine scan --authorization-details auth.json --credential-report report.csv \\
      --last-accessed reports/*.json --format sarif --out iam-refine.sarif \\
      --fail-on UnusedPermission:high,UnusedIAMUserAccessKey

  # try it on a generated account
  $ iam-refine demo
`;

const DB_ORDER = `With --db: the output (stdout or --out) is written first, then the scan is recorded; a
scan whose output could not be written is not recorded. If recording fails (database busy,
deleted, not an iam-refine database), the status is 2, the output stays written and the message
says so: run the scan again to record it.
`;

/** Commander parser for `--tracking-period`: a whole number of days from 1 to 365. */
export function parseTrackingPeriod(value: string): number {
  const n = Number(value);
  if (value.trim() !== value || !Number.isInteger(n) || n < 1 || n > 365) {
    throw new InvalidArgumentError('expected a whole number of days from 1 to 365');
  }
  return n;
}

/**
 * Commander parser for `--max-log-file-bytes`: a byte size (`256MiB`, `1048576`) from 1 byte to
 * the largest file that can be parsed (about 512 MiB).
 */
export function parseMaxLogFileBytes(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes < 1 || bytes > MAX_LOG_FILE_BYTES_LIMIT) {
    throw new InvalidArgumentError(
      `expected a size from 1 to ${MAX_LOG_FILE_BYTES_LIMIT} bytes, such as 256MiB or 1048576`,
    );
  }
  return bytes;
}

/** Commander parser for `--max-record-bytes`: a byte size (`1MiB`, `262144`) of at least 1 byte. */
export function parseMaxRecordBytes(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes < 1) {
    throw new InvalidArgumentError('expected a size of at least 1 byte, such as 1MiB or 262144');
  }
  return bytes;
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
      '--permission-sets <file...>',
      'IAM Identity Center permission sets (permission-sets.json, as collect writes it): refine ' +
        'each permission set with what is unused in every account it is provisioned to',
    )
    .option(
      '--tracking-period <days>',
      'tracking period in days, 1-365',
      parseTrackingPeriod,
      DEFAULT_TRACKING_PERIOD_DAYS,
    )
    .option(
      '--max-log-file-bytes <size>',
      'skip (and report) a CloudTrail log file whose decompressed content is larger, e.g. 512MiB; ' +
        'enforced before and while decompressing, so a gzip bomb costs at most this much',
      parseMaxLogFileBytes,
      DEFAULT_MAX_LOG_FILE_BYTES,
    )
    .option(
      '--max-record-bytes <size>',
      'skip (and report) a CloudTrail log file holding a record larger than this, e.g. 1MiB ' +
        '(CloudTrail events are at most 256 KB)',
      parseMaxRecordBytes,
      DEFAULT_MAX_RECORD_BYTES,
    )
    .option('--now <time>', 'analysis time, ISO 8601 (default: now)')
    .option(
      '--allow-partial-coverage',
      'evaluate principals whose activity covers only the end of the tracking period over the ' +
        'covered days (findings say since when; exit status 4) instead of not evaluating them',
    )
    .option('--exclude-account <id...>', 'do not evaluate principals of these accounts')
    .option(
      '--exclude-tag <key=value>',
      'do not evaluate principals with this tag (repeatable)',
      collect,
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(SCAN_FORMATS).default('table'),
    )
    .option(
      '--out <file>',
      'write the output to this file (atomically; see Output files below) instead of stdout',
    )
    .option(
      '--fail-on <expr>',
      "exit 5 when a finding matches: 'any', a finding type, a risk level (low, medium, high: " +
        "that level or higher) or TYPE:LEVEL, comma-separated (e.g. 'UnusedPermission:high')",
    )
    .option(
      '--asff-region <region>',
      'with --format asff: the Security Hub region the findings go to (default: AWS_REGION)',
    )
    .option(
      '--db <file>',
      'also record the scan in this findings database (SQLite), after the output is written',
    )
    .option(
      '--catalog <file>',
      'action catalog file ({"s3": ["GetObject", ...]}) instead of the bundled one',
    )
    .option(
      '--no-color',
      'no colour in the table (also NO_COLOR=1; FORCE_COLOR=1 colours even into a pipe, e.g. CI logs)',
    )
    .option('--quiet', 'only warnings and errors on stderr (no progress bar, no summary)')
    .addOption(
      new Option(
        '--style <style>',
        "form of the recommended policies: article (CamelCase-token prefixes), compact (patterns cut at any character), auto (the article's form when it fits the quota, else the first exact form that fits: compact, NotAction, inline for a role, split over managed policies)",
      )
        .choices(FORM_STYLES)
        .default('auto'),
    )
    .option(
      '--max-managed-policies <n>',
      `the principals' managed-policy attachment quota, for split forms (IAM's default ${DEFAULT_MAX_MANAGED_POLICIES}, at most ${MAX_MANAGED_POLICIES_LIMIT})`,
      parseManagedQuota,
      DEFAULT_MAX_MANAGED_POLICIES,
    )
    .option(
      '--jobs <n>',
      `threads that compute the findings and recommendations (default: the CPUs available to the process; 1: no worker thread); ` +
        `scans of fewer than ${DEFAULT_MIN_PRINCIPALS.toLocaleString('en')} principals use one. The output is the same for any number`,
      parsePositiveInteger,
    )
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
    .addHelpText('after', `${OUTPUT_FILE_RULES}\n\n${DB_ORDER}${EXAMPLES}`)
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
 * @returns the exit status: 0, or {@link EXIT_INCOMPLETE} when the scan's coverage is incomplete,
 *   or with `--live` {@link EXIT_PARTIAL} when some accounts could not be collected (the others
 *   were scanned) and 2 when none could.
 * @throws ValidationError / CliError / AwsCallError on bad input (see `reportError`).
 */
export async function runScan(
  options: ScanCliOptions,
  io: CliIo,
  deps: LiveDeps = {},
): Promise<number> {
  checkLiveUsage(options);
  const format = options.format ?? 'table';
  // Checked before any work: a typo in a CI gate must not cost a scan.
  const failOn: FailOnTerm[] | undefined =
    options.failOn === undefined ? undefined : parseFailOn(options.failOn);
  const asffRegion = options.asffRegion ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (format === 'asff' && (asffRegion === undefined || asffRegion === '')) {
    throw new CliError(
      '--format asff needs the Security Hub region: --asff-region REGION (or AWS_REGION)',
    );
  }
  if (options.asffRegion !== undefined && format !== 'asff') {
    throw new CliError('--asff-region needs --format asff');
  }
  // Before any long work: the output and the database can be written, and neither is an input.
  const inputs = scanInputFiles(options);
  if (options.out !== undefined) {
    await checkOutput(options.out, {
      inputs: options.db === undefined ? inputs : [...inputs, options.db],
    });
  }
  if (options.db !== undefined) await checkOutput(options.db, { label: '--db', inputs });
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
      ...(live.files.permissionSets.length > 0 && options.permissionSets === undefined
        ? { permissionSets: live.files.permissionSets }
        : {}),
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
  const toFile = options.out !== undefined;
  const color = colorEnabled({
    isTTY: !toFile && io.isTTY,
    env: io.env,
    ...(options.color === false ? { flag: false } : {}),
  });
  const risks = new Map<Finding, FindingRisk>();
  const riskOf = (f: Finding): FindingRisk => {
    let r = risks.get(f);
    if (r === undefined) risks.set(f, (r = findingRisk(f)));
    return r;
  };
  // JSON in pieces, finding by finding: an organisation's is hundreds of MB.
  const text: Iterable<string> = formatOutput(format, outcome, {
    color,
    riskOf,
    asffRegion: asffRegion ?? '',
    artifactUri: artifactUriOf(options),
  });

  // The output first, then the record: a scan is recorded only once its output was written, so
  // an exit status 2 never leaves a recorded scan behind (a re-run would record it twice).
  if (toFile) await writeOutputFile(options.out!, text, { inputs });
  else for (const chunk of text) io.stdout.write(chunk);

  let recorded: string | undefined;
  if (options.db !== undefined) {
    try {
      recorded = await recordScanInStore(outcome, options.db);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new CliError(
        `the scan was not recorded in ${options.db} (${why}); its output was written${toFile ? ` to ${options.out}` : ''}`,
        { cause: error },
      );
    }
  }

  const notes = outcome.inputWarnings.map((w) => `${PROGRAM}: warning: ${w}`);
  if (!options.quiet) {
    notes.push(summaryLine(outcome));
    if (recorded !== undefined) notes.push(recorded);
    if (toFile) notes.push(`wrote ${options.out}`);
  }
  let failing: Finding[] = [];
  if (failOn !== undefined) {
    failing = failingFindings(failOn, outcome.result.findings, (f) => riskOf(f).level);
    notes.push(
      failing.length === 0
        ? `--fail-on ${options.failOn}: no finding matched`
        : `--fail-on ${options.failOn}: ${failing.length} finding${failing.length === 1 ? '' : 's'} matched (exit ${EXIT_FINDINGS})`,
    );
  }
  if (notes.length > 0) io.stderr.write(`${notes.join('\n')}\n`);
  if (failing.length > 0) return EXIT_FINDINGS;
  if (live !== undefined && live.failures.length > 0) return EXIT_PARTIAL;
  return outcome.result.coverage?.complete === false ? EXIT_INCOMPLETE : EXIT_OK;
}

/** Every file the scan reads (the output may not be one of them). */
function scanInputFiles(options: ScanCliOptions): string[] {
  return [
    ...(options.authorizationDetails ?? []),
    ...(options.credentialReport ?? []),
    ...(options.cloudtrail ?? []),
    ...(options.lastAccessed ?? []),
    ...(options.activity ?? []),
    ...(options.catalog === undefined ? [] : [options.catalog]),
  ];
}

/** The file SARIF results point at: the first authorization-details file, relative, with `/`. */
function artifactUriOf(options: ScanCliOptions): string {
  const first = options.authorizationDetails?.[0];
  if (first === undefined) return 'authorization-details.json';
  const rel = relative(process.cwd(), resolve(first));
  return (rel.startsWith('..') || isAbsolute(rel) ? resolve(first) : rel).split(sep).join('/');
}

/** Renders the scan outcome in one of the {@link SCAN_FORMATS}. */
export function formatOutput(
  format: ScanFormat,
  outcome: ScanOutcome,
  options: {
    color: boolean;
    riskOf: (f: Finding) => FindingRisk;
    asffRegion: string;
    artifactUri: string;
  },
): Iterable<string> {
  switch (format) {
    case 'json':
      return scanJsonChunks(outcome);
    case 'sarif': {
      const log = toSarif(outcome.result, {
        toolVersion: packageVersion(),
        artifactUri: options.artifactUri,
        riskOf: options.riskOf,
      });
      return [`${JSON.stringify(log, null, 2)}\n`];
    }
    case 'asff': {
      const findings = toAsff(outcome.result, {
        region: options.asffRegion,
        riskOf: options.riskOf,
      });
      return [`${JSON.stringify(findings, null, 2)}\n`];
    }
    case 'csv':
      return [toCsv(outcome.result, { riskOf: options.riskOf })];
    case 'table':
      return [
        renderFindingsTable(outcome.result, { color: options.color }) +
          (outcome.inputs.permissionSets !== undefined
            ? renderPermissionSetsTable(outcome.permissionSets)
            : ''),
      ];
  }
}

const number = formatCount;
const megabytes = formatMegabytes;

/**
 * A progress bar drawn on `stderr` only when it is a terminal: items done/total (`unit`, default
 * files), MB (when `bytesTotal` is known), events, events/s and the time left. `update` is cheap
 * to call often (redraws at most 10 times a second); `clear` erases the line.
 */
export function progressBar(
  stderr: TextSink,
  options: { label?: string; unit?: string } = {},
): { update: (p: ScanProgress) => void; clear: () => void } | undefined {
  const status = statusLine(stderr);
  if (!status.active) return undefined;
  const label = options.label ?? 'CloudTrail';
  const unit = options.unit ?? 'files';
  const started = performance.now();
  return {
    update(p) {
      status.draw(() => {
        const secs = (performance.now() - started) / 1000;
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
        return (
          `${label} [${'█'.repeat(full)}${'░'.repeat(width - full)}] ` +
          `${number(p.filesDone)}/${number(p.files)} ${unit}${size} · ` +
          `${number(p.events)} events · ${number(Math.round(rate))} events/s · ETA ${Math.ceil(eta)} s`
        );
      }, p.filesDone >= p.files);
    },
    clear() {
      status.clear();
    },
  };
}
