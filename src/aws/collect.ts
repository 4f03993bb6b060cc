/**
 * `collect`: reads an account's IAM data from AWS into the files `scan` reads.
 *
 * Per account folder:
 * - `authorization-details.json`: every page of `GetAccountAuthorizationDetails` merged into one
 *   document in the API's shape (policy documents URL-encoded, as IAM returns them);
 * - `credential-report.csv`: `GenerateCredentialReport` (polled until `COMPLETE`), then
 *   `GetCredentialReport`, decoded;
 * - `last-accessed/role-NAME.json`, `last-accessed/user-NAME.json`: for every role and user,
 *   `GenerateServiceLastAccessedDetails` with `ACTION_LEVEL` granularity, polled, every page of
 *   `GetServiceLastAccessedDetails` merged, with the principal's `Arn`;
 * - `manifest.json`: the files that are complete (see {@link Manifest}); a re-run skips them.
 *
 * Several accounts (`--role-arn` per account, or `--org`): one folder per account id under the
 * output folder; an account whose role cannot be assumed is reported and the others go on.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GenerateCredentialReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  GetServiceLastAccessedDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  type GetServiceLastAccessedDetailsCommandOutput,
} from '@aws-sdk/client-iam';
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IamRefineError, ValidationError, type Issue } from '../errors.js';
import { readIdentityCenter } from '../identity-center/aws.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { onTerminationSignal } from '../io/signal-cleanup.js';
import { AwsSession, type AwsConnection } from './clients.js';
import { AwsCallError, awsCall, awsErrorCode, describeAwsError } from './errors.js';
import { Manifest, removeStaleTemporaries } from './manifest.js';
import { forEachLimit, poll, type PollTiming } from './pool.js';
import type { Progress } from './progress.js';

/** The authorization details file of an account folder. */
export const AUTHORIZATION_DETAILS_FILE = 'authorization-details.json';
/** The credential report file of an account folder. */
export const CREDENTIAL_REPORT_FILE = 'credential-report.csv';
/** The folder of the last-accessed files in an account folder. */
export const LAST_ACCESSED_DIR = 'last-accessed';
/** The role `--org` assumes in each member account when `--org-role-name` is not given. */
export const DEFAULT_ORG_ROLE_NAME = 'OrganizationAccountAccessRole';
/** Principals collected at once when `--concurrency` is not given. */
export const DEFAULT_CONCURRENCY = 4;

/** What to collect and where. */
export interface CollectOptions {
  /** Credentials, region, endpoint. */
  connection: AwsConnection;
  /** The output folder. */
  out: string;
  /** Roles to assume, one per account (each account gets a folder named by its id). */
  roleArns?: readonly string[];
  /** Collect every active account of the organization (each in a folder named by its id). */
  org?: boolean;
  /** With `org`: the role to assume in each member account. */
  orgRoleName?: string;
  /** Principals whose last-accessed details are collected at once (default 4). */
  concurrency?: number;
  /** Ignore what a previous run collected. */
  fresh?: boolean;
  /**
   * Also read IAM Identity Center's permission sets with the caller's credentials (the management
   * or delegated administrator account) into `permission-sets.json`. Default: true with `org`.
   */
  identityCenter?: boolean;
  /** How the credential report and last-accessed jobs are polled. */
  polling?: PollTiming;
  /** Progress bar and notes. */
  progress?: Progress;
  /** The clock (manifest times). */
  now?: () => Date;
}

/** The files collected for one account. */
export interface CollectedAccount {
  accountId: string;
  /** Its folder. */
  dir: string;
  /** The authorization details file. */
  authorizationDetails: string;
  /** The credential report file. */
  credentialReport: string;
  /** One last-accessed file per role and user. */
  lastAccessed: string[];
  /** Files written by this run. */
  written: number;
  /** Files a previous run had completed, skipped. */
  skipped: number;
}

/** An account that could not be collected (the others were). */
export interface CollectFailure {
  /** The account id, when known. */
  accountId?: string;
  /** The role that was to be assumed, if any. */
  roleArn?: string;
  /** One line: what failed and what to do. */
  message: string;
  /** The error. */
  cause: unknown;
}

/** The result of a collection. */
export interface CollectResult {
  /** The accounts collected completely, in order. */
  accounts: CollectedAccount[];
  /** The accounts that failed. */
  failures: CollectFailure[];
  /**
   * The IAM Identity Center permission sets file (`permission-sets.json` in the output folder),
   * when the caller's account administers an Identity Center instance.
   */
  permissionSets?: string;
  /** Why Identity Center was not read (no instance, or access denied), one line. */
  permissionSetsNote?: string;
}

/** An account to collect: a session and where its files go. */
interface Target {
  session: AwsSession;
  /** Known before the first call (from the role ARN or the organization). */
  accountId?: string;
  roleArn?: string;
  /** Sub-folder named by the account id (several accounts), or the output folder itself. */
  perAccountFolder: boolean;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * Collects every target account into its folder. Failures of one account (a role that cannot be
 * assumed, a missing permission) are returned in {@link CollectResult.failures}; the other
 * accounts are collected.
 *
 * @throws IamRefineError for bad options (a malformed role ARN, `--org` with `--role-arn`), or when
 *   the organization's accounts cannot be listed.
 */
export async function collect(options: CollectOptions): Promise<CollectResult> {
  validateOptions(options);
  const base = AwsSession.base(options.connection);
  const sessions: AwsSession[] = [base];
  try {
    const targets = await resolveTargets(options, base, sessions);
    const result: CollectResult = { accounts: [], failures: [] };
    if (options.identityCenter ?? options.org === true) {
      Object.assign(result, await collectIdentityCenter(base, options));
    }
    for (const target of targets) {
      try {
        result.accounts.push(await collectTarget(target, options));
      } catch (error) {
        const message = failureMessage(target, error);
        options.progress?.note(`iam-refine: ${message}`);
        result.failures.push({
          ...(target.accountId === undefined ? {} : { accountId: target.accountId }),
          ...(target.roleArn === undefined ? {} : { roleArn: target.roleArn }),
          message,
          cause: error,
        });
      }
    }
    return result;
  } finally {
    for (const session of sessions) session.destroy();
  }
}

/** The file `collect` writes the Identity Center permission sets to, in the output folder. */
export const PERMISSION_SETS_FILE = 'permission-sets.json';

/**
 * Reads IAM Identity Center with the caller's credentials (the management or delegated
 * administrator account) into {@link PERMISSION_SETS_FILE}. Not an account failure when the
 * account administers no instance or may not read it: a note says so.
 */
async function collectIdentityCenter(
  base: AwsSession,
  options: CollectOptions,
): Promise<Pick<CollectResult, 'permissionSets' | 'permissionSetsNote'>> {
  const file = join(options.out, PERMISSION_SETS_FILE);
  if (options.fresh !== true && existsSync(file)) return { permissionSets: file };
  let data;
  try {
    data = await readIdentityCenter(base.ssoAdmin, (options.now ?? (() => new Date()))());
  } catch (error) {
    const message = `Identity Center not read: ${error instanceof Error ? error.message : String(error)}`;
    options.progress?.note(`iam-refine: ${message}`);
    return { permissionSetsNote: message };
  }
  if (data.instances.length === 0) {
    const message =
      "Identity Center not read: the caller's account administers no instance (collect from the management or delegated administrator account)";
    options.progress?.note(`iam-refine: ${message}`);
    return { permissionSetsNote: message };
  }
  await mkdir(options.out, { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`);
  return { permissionSets: file };
}

/** What `scan --live` gets: the collection in a temporary folder, and how to remove it. */
export interface TempCollection extends CollectResult {
  /** The temporary folder. */
  dir: string;
  /** Every account's files, for the scan's options. */
  files: {
    authorizationDetails: string[];
    credentialReports: string[];
    lastAccessed: string[];
    /** The permission sets file, when Identity Center was read. */
    permissionSets: string[];
  };
  /** Removes the temporary folder (and stops listening for signals to remove it). */
  cleanup(): Promise<void>;
}

/** The options of {@link collectToTempDir}: as {@link collect}, without `out`. */
export interface TempCollectOptions extends Omit<CollectOptions, 'out'> {
  /**
   * Remove the folder when the process gets SIGINT, SIGTERM or SIGHUP before
   * {@link TempCollection.cleanup}, then end the process by that signal (default false: a library
   * caller's process gets no signal listeners). For a CLI: the folder holds the account's data.
   */
  removeOnSignal?: boolean;
}

/**
 * Collects into a new temporary folder (for `scan --live`). The caller scans
 * {@link TempCollection.files} and then calls {@link TempCollection.cleanup}; on failure the
 * folder is removed before the error is thrown, and with
 * {@link TempCollectOptions.removeOnSignal} also on SIGINT, SIGTERM or SIGHUP until `cleanup`.
 *
 * @throws AwsCallError / IamRefineError when no account could be collected (the first failure).
 */
export async function collectToTempDir(options: TempCollectOptions): Promise<TempCollection> {
  const { removeOnSignal, ...collectOptions } = options;
  // The listeners are added and the folder made in one synchronous step: a listener runs only
  // after it, so no signal can come between the folder's creation and its listeners.
  let dir = '';
  const unlisten =
    removeOnSignal === true ? removeDirOnSignal(() => dir, options.progress) : () => undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'iam-refine-collect-'));
  } catch (error) {
    unlisten();
    throw error;
  }
  const cleanup = async () => {
    try {
      await rm(dir, { recursive: true, force: true });
    } finally {
      unlisten();
    }
  };
  try {
    const result = await collect({ ...collectOptions, out: dir });
    if (result.accounts.length === 0 && result.failures.length > 0) throw result.failures[0]!.cause;
    return {
      ...result,
      dir,
      files: {
        authorizationDetails: result.accounts.map((a) => a.authorizationDetails),
        credentialReports: result.accounts.map((a) => a.credentialReport),
        lastAccessed: result.accounts.flatMap((a) => a.lastAccessed),
        permissionSets: result.permissionSets === undefined ? [] : [result.permissionSets],
      },
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Until the returned function is called, SIGINT, SIGTERM and SIGHUP remove the folder `dir()`
 * (synchronously: the process is about to end; see {@link onTerminationSignal}, which then ends
 * the process by the signal). When the folder cannot be removed, a note on `progress` names it.
 */
function removeDirOnSignal(dir: () => string, progress: Progress | undefined): () => void {
  return onTerminationSignal(() => {
    try {
      if (dir() !== '') rmSync(dir(), { recursive: true, force: true, maxRetries: 2 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      progress?.note(
        `iam-refine: interrupted; could not remove the temporary folder ${dir()} (${code}): it holds the collected IAM data, remove it`,
      );
    }
  });
}

function validateOptions(options: CollectOptions): void {
  const issues: Issue[] = [];
  const problem = (source: string, message: string) =>
    issues.push({ code: 'invalid_value', path: '$', message, source });
  if (options.org === true && (options.roleArns?.length ?? 0) > 0) {
    problem('--org', 'cannot be used together with --role-arn');
  }
  for (const arn of options.roleArns ?? []) {
    if (!ROLE_ARN.test(arn)) {
      problem(
        '--role-arn',
        `${arn} is not a role ARN; expected arn:aws:iam::123456789012:role/NAME`,
      );
    }
  }
  if (options.orgRoleName !== undefined && !ROLE_NAME.test(options.orgRoleName)) {
    problem(
      '--org-role-name',
      `${options.orgRoleName} is not a role name; expected 1-64 letters, digits and +=,.@_-`,
    );
  }
  if (
    options.concurrency !== undefined &&
    !(Number.isSafeInteger(options.concurrency) && options.concurrency >= 1)
  ) {
    problem('--concurrency', 'expected a positive integer');
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

async function resolveTargets(
  options: CollectOptions,
  base: AwsSession,
  sessions: AwsSession[],
): Promise<Target[]> {
  const assume = (roleArn: string) => {
    const session = base.assume(roleArn);
    sessions.push(session);
    return session;
  };
  if ((options.roleArns?.length ?? 0) > 0) {
    const seen = new Set<string>();
    return options
      .roleArns!.filter((arn) => !seen.has(arn) && seen.add(arn))
      .map((roleArn) => ({
        session: assume(roleArn),
        accountId: ROLE_ARN.exec(roleArn)![1]!,
        roleArn,
        perAccountFolder: true,
      }));
  }
  if (options.org !== true) return [{ session: base, perAccountFolder: false }];

  const me = await awsCall('STS:GetCallerIdentity', () =>
    base.sts.send(new GetCallerIdentityCommand({})),
  );
  const roleName = options.orgRoleName ?? DEFAULT_ORG_ROLE_NAME;
  const partition = (me.Arn ?? 'arn:aws:').split(':')[1] || 'aws';
  const targets: Target[] = [];
  try {
    for await (const page of paginateListAccounts({ client: base.organizations }, {})) {
      for (const account of page.Accounts ?? []) {
        const id = account.Id ?? '';
        const state = account.State ?? account.Status ?? 'ACTIVE';
        if (state !== 'ACTIVE') {
          options.progress?.note(
            `iam-refine: account ${id} (${account.Name ?? ''}) is ${state}; skipped`,
          );
          continue;
        }
        if (id === me.Account) {
          targets.push({ session: base, accountId: id, perAccountFolder: true });
        } else {
          const roleArn = `arn:${partition}:iam::${id}:role/${roleName}`;
          targets.push({
            session: assume(roleArn),
            accountId: id,
            roleArn,
            perAccountFolder: true,
          });
        }
      }
    }
  } catch (error) {
    throw describeAwsError(
      error,
      'Organizations:ListAccounts',
      "listing the organization's accounts",
    );
  }
  return targets;
}

function failureMessage(target: Target, error: unknown): string {
  const who = `account ${target.accountId ?? '(unknown)'}`;
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof AwsCallError && error.call === 'STS:AssumeRole') {
    return `${who}: cannot assume ${target.roleArn}: ${text}; skipped`;
  }
  return `${text.startsWith(who) ? text : `${who}: ${text}`}; not collected (run again to resume)`;
}

/** Collects one account. */
async function collectTarget(target: Target, options: CollectOptions): Promise<CollectedAccount> {
  const where = `account ${target.accountId ?? '(caller)'}`;
  let identity;
  try {
    identity = await target.session.sts.send(new GetCallerIdentityCommand({}));
  } catch (error) {
    // With an assumed role, the first call is where AssumeRole fails.
    const code = awsErrorCode(error);
    const assumeFailed =
      target.roleArn !== undefined &&
      (code === 'AccessDenied' || String((error as Error).message).includes('AssumeRole'));
    throw assumeFailed
      ? describeAwsError(error, 'STS:AssumeRole')
      : describeAwsError(error, 'STS:GetCallerIdentity', where);
  }
  const accountId = identity.Account ?? '';
  if (target.accountId !== undefined && accountId !== target.accountId) {
    throw new IamRefineError(
      `${where}: the credentials are for account ${accountId}, not ${target.accountId}`,
    );
  }
  target.accountId = accountId;
  const dir = target.perAccountFolder ? join(options.out, accountId) : options.out;
  return collectAccount(target.session, accountId, dir, options);
}

/** A role or user whose last-accessed details are collected. */
interface PrincipalRef {
  kind: 'role' | 'user';
  name: string;
  arn: string;
  /** Path of its file, relative to the account folder. */
  file: string;
}

async function collectAccount(
  session: AwsSession,
  accountId: string,
  dir: string,
  options: CollectOptions,
): Promise<CollectedAccount> {
  const where = `account ${accountId}`;
  const progress = options.progress;
  await mkdir(join(dir, LAST_ACCESSED_DIR), { recursive: true });
  await removeStaleTemporaries(dir);
  await removeStaleTemporaries(join(dir, LAST_ACCESSED_DIR));
  const manifest = await Manifest.load(dir, accountId, {
    ...(options.fresh === undefined ? {} : { fresh: options.fresh }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  let written = 0;
  let skipped = 0;

  // 1. Authorization details, every page.
  let details: string;
  if (await manifest.isComplete(AUTHORIZATION_DETAILS_FILE)) {
    details = await readFile(join(dir, AUTHORIZATION_DETAILS_FILE), 'utf8');
    skipped++;
  } else {
    const label = `${accountId} authorization details`;
    progress?.start(label, 1);
    details = await fetchAuthorizationDetails(session, where, label, progress);
    await manifest.write(AUTHORIZATION_DETAILS_FILE, details);
    progress?.done();
    written++;
  }

  // 2. The credential report.
  if (await manifest.isComplete(CREDENTIAL_REPORT_FILE)) {
    skipped++;
  } else {
    progress?.start(`${accountId} credential report`, 1);
    const csv = await fetchCredentialReport(session, where, options.polling);
    await manifest.write(CREDENTIAL_REPORT_FILE, csv);
    progress?.advance();
    progress?.done();
    written++;
  }

  // 3. Action-level last-accessed details of every role and user.
  const principals = principalsOf(details);
  const todo: PrincipalRef[] = [];
  for (const p of principals) {
    if (await manifest.isComplete(p.file)) skipped++;
    else todo.push(p);
  }
  progress?.start(`${accountId} last accessed`, principals.length);
  progress?.advance(principals.length - todo.length);
  await forEachLimit(todo, options.concurrency ?? DEFAULT_CONCURRENCY, async (p) => {
    const text = await fetchLastAccessed(session, p, where, options.polling);
    await manifest.write(p.file, text);
    written++;
    progress?.advance();
  });
  progress?.done();
  await manifest.finish();

  return {
    accountId,
    dir,
    authorizationDetails: join(dir, AUTHORIZATION_DETAILS_FILE),
    credentialReport: join(dir, CREDENTIAL_REPORT_FILE),
    lastAccessed: principals.map((p) => join(dir, p.file)),
    written,
    skipped,
  };
}

type DetailsPage = Omit<GetAccountAuthorizationDetailsCommandOutput, '$metadata'>;

/** Every page of `GetAccountAuthorizationDetails`, merged, as JSON text. */
async function fetchAuthorizationDetails(
  session: AwsSession,
  where: string,
  label: string,
  progress: Progress | undefined,
): Promise<string> {
  const merged = {
    UserDetailList: [] as NonNullable<DetailsPage['UserDetailList']>,
    GroupDetailList: [] as NonNullable<DetailsPage['GroupDetailList']>,
    RoleDetailList: [] as NonNullable<DetailsPage['RoleDetailList']>,
    Policies: [] as NonNullable<DetailsPage['Policies']>,
    IsTruncated: false,
  };
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await awsCall(
      'IAM:GetAccountAuthorizationDetails',
      () =>
        session.iam.send(
          new GetAccountAuthorizationDetailsCommand({
            MaxItems: 1000,
            ...(marker === undefined ? {} : { Marker: marker }),
          }),
        ),
      where,
    );
    merged.UserDetailList.push(...(page.UserDetailList ?? []));
    merged.GroupDetailList.push(...(page.GroupDetailList ?? []));
    merged.RoleDetailList.push(...(page.RoleDetailList ?? []));
    merged.Policies.push(...(page.Policies ?? []));
    marker = page.IsTruncated === true ? page.Marker : undefined;
    pages++;
    // The number of pages is known only at the end: the bar shows the pages read so far.
    progress?.start(`${label} (page ${pages + (marker === undefined ? 0 : 1)})`, 1);
    if (marker === undefined) progress?.advance();
  } while (marker !== undefined);
  return `${JSON.stringify(merged, null, 2)}\n`;
}

/** Generates the credential report (polling until complete) and returns its CSV. */
async function fetchCredentialReport(
  session: AwsSession,
  where: string,
  timing: PollTiming | undefined,
): Promise<string> {
  const report = await poll(
    `the credential report of ${where}`,
    async () => {
      const state = await awsCall(
        'IAM:GenerateCredentialReport',
        () => session.iam.send(new GenerateCredentialReportCommand({})),
        where,
      );
      if (state.State !== 'COMPLETE') return undefined;
      try {
        return await session.iam.send(new GetCredentialReportCommand({}));
      } catch (error) {
        const code = awsErrorCode(error);
        // Generated a moment ago but not yet readable, or expired in between: generate again.
        if (
          code === 'ReportInProgress' ||
          code === 'ReportNotPresent' ||
          code === 'ReportExpired'
        ) {
          return undefined;
        }
        throw describeAwsError(error, 'IAM:GetCredentialReport', where);
      }
    },
    timing,
  );
  const text = new TextDecoder('utf-8').decode(report.Content ?? new Uint8Array());
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** The roles and users of an authorization details document. */
function principalsOf(detailsText: string): PrincipalRef[] {
  const details = JSON.parse(detailsText) as {
    RoleDetailList?: { RoleName?: string; Arn?: string }[];
    UserDetailList?: { UserName?: string; Arn?: string }[];
  };
  const out: PrincipalRef[] = [];
  for (const r of details.RoleDetailList ?? []) {
    if (r.RoleName && r.Arn) out.push(principalRef('role', r.RoleName, r.Arn));
  }
  for (const u of details.UserDetailList ?? []) {
    if (u.UserName && u.Arn) out.push(principalRef('user', u.UserName, u.Arn));
  }
  return out;
}

function principalRef(kind: 'role' | 'user', name: string, arn: string): PrincipalRef {
  return { kind, name, arn, file: `${LAST_ACCESSED_DIR}/${kind}-${name}.json` };
}

/**
 * The content of a last-accessed file, in the wrapper form `scan --last-accessed` reads
 * (src/activity/last-accessed.ts): `{"Arn": ARN, "ServiceLastAccessed": RESPONSE}`, where RESPONSE
 * is the `GetServiceLastAccessedDetails` response with every page's services merged (no `Marker`).
 */
export function lastAccessedFileContent(
  arn: string,
  report: Omit<GetServiceLastAccessedDetailsCommandOutput, '$metadata' | 'Marker'>,
): string {
  const response = { ...report, IsTruncated: false };
  return `${JSON.stringify({ Arn: arn, ServiceLastAccessed: response }, null, 2)}\n`;
}

/** Generates, polls and pages one principal's action-level last-accessed details. */
async function fetchLastAccessed(
  session: AwsSession,
  principal: PrincipalRef,
  where: string,
  timing: PollTiming | undefined,
): Promise<string> {
  const job = await awsCall(
    'IAM:GenerateServiceLastAccessedDetails',
    () =>
      session.iam.send(
        new GenerateServiceLastAccessedDetailsCommand({
          Arn: principal.arn,
          Granularity: 'ACTION_LEVEL',
        }),
      ),
    where,
  );
  const jobId = job.JobId ?? '';
  const get = (marker?: string) =>
    awsCall(
      'IAM:GetServiceLastAccessedDetails',
      () =>
        session.iam.send(
          new GetServiceLastAccessedDetailsCommand({
            JobId: jobId,
            MaxItems: 1000,
            ...(marker === undefined ? {} : { Marker: marker }),
          }),
        ),
      where,
    );
  const first = await poll(
    `the last-accessed details of ${principal.arn}`,
    async () => {
      const page = await get();
      return page.JobStatus === 'IN_PROGRESS' ? undefined : page;
    },
    timing,
  );
  if (first.JobStatus !== 'COMPLETED') {
    throw new IamRefineError(
      `${where}: IAM GetServiceLastAccessedDetails: the job for ${principal.arn} ${first.JobStatus ?? 'failed'}` +
        (first.Error?.Message ? `: ${first.Error.Message}` : ''),
    );
  }
  const services = [...(first.ServicesLastAccessed ?? [])];
  let marker = first.IsTruncated === true ? first.Marker : undefined;
  while (marker !== undefined) {
    const page = await get(marker);
    services.push(...(page.ServicesLastAccessed ?? []));
    marker = page.IsTruncated === true ? page.Marker : undefined;
  }
  const { $metadata: _m, Marker: _k, ...rest } = first;
  return lastAccessedFileContent(principal.arn, { ...rest, ServicesLastAccessed: services });
}
