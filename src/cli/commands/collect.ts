/**
 * `iam-refine collect`: read an account's (or several accounts') IAM data from AWS into the files
 * `scan` reads: authorization details, the credential report, and action-level last-accessed
 * details of every role and user. Resumable: a re-run skips the files already complete.
 */
import { join } from 'node:path';
import { Command, Option } from 'commander';
import {
  connectionOf,
  EXIT_PARTIAL,
  policyJson,
  profileOption,
  regionOption,
  type LiveDeps,
} from '../../aws/cli.js';
import {
  AUTHORIZATION_DETAILS_FILE,
  CREDENTIAL_REPORT_FILE,
  DEFAULT_CONCURRENCY,
  DEFAULT_ORG_ROLE_NAME,
  LAST_ACCESSED_DIR,
  collect,
} from '../../aws/collect.js';
import { collectCallerPolicy, collectPolicy } from '../../aws/permissions.js';
import { createProgress } from '../../aws/progress.js';
import { identityCenterReadPolicy } from '../../identity-center/permissions.js';
import { CliError, EXIT_BAD_INPUT, PROGRAM, type CommandContext } from '../io.js';
import { parsePositiveInteger } from './recommend.js';

/** The options of `collect`, as parsed from the command line. */
export interface CollectCliOptions {
  out: string;
  profile?: string;
  region?: string;
  roleArn?: string[];
  org?: boolean;
  orgRoleName?: string;
  concurrency?: number;
  fresh?: boolean;
  quiet?: boolean;
  identityCenter?: boolean;
}

function helpText(): string {
  return `
Files written (per account; with --role-arn or --org in DIR/ACCOUNT_ID/):
  ${AUTHORIZATION_DETAILS_FILE}   every page of GetAccountAuthorizationDetails, merged
  ${CREDENTIAL_REPORT_FILE}        the credential report (generated, polled, decoded)
  ${LAST_ACCESSED_DIR}/role-NAME.json     action-level last-accessed details of each role
  ${LAST_ACCESSED_DIR}/user-NAME.json     ... and of each user (with the principal's "Arn")
  manifest.json                the files complete; a re-run skips them (--fresh: collect all)

Minimal IAM permissions of the collecting role (the caller, or the role assumed in each account):
${policyJson(collectPolicy())}

With --role-arn or --org, the caller also needs to assume that role (and, with --org, to list the
organization's accounts from the management account or a delegated administrator):
${policyJson(collectCallerPolicy('IamRefineCollector'))}

With --identity-center (the default with --org), the caller's account (the management or
delegated administrator account of IAM Identity Center) also reads every permission set, its
policies and the accounts it is provisioned to into DIR/permission-sets.json (scan
--permission-sets reads it); that needs:
${policyJson(identityCenterReadPolicy())}

Exit status: 0 every account collected, 1 some accounts collected and others not (each reported
in one line on stderr; run again to resume), 2 bad usage or nothing collected.

Examples:
  $ iam-refine collect --profile audit --out ./acme
  $ iam-refine scan --authorization-details acme/${AUTHORIZATION_DETAILS_FILE} \\
      --credential-report acme/${CREDENTIAL_REPORT_FILE} --last-accessed acme/${LAST_ACCESSED_DIR}/*.json
  $ iam-refine collect --org --org-role-name IamRefineCollector --out ./org
  $ iam-refine collect --role-arn arn:aws:iam::111122223333:role/IamRefineCollector \\
      --role-arn arn:aws:iam::444455556666:role/IamRefineCollector --out ./accounts
`;
}

/**
 * The `collect` command. Its action sets `ctx.exitCode` (see the help's exit statuses).
 *
 * @param deps - Test injections (a loopback endpoint, static credentials, fast polling).
 */
export function collectCommand(ctx: CommandContext, deps: LiveDeps = {}): Command {
  return new Command('collect')
    .summary('collect IAM data from AWS into the files scan reads')
    .description(
      'Read IAM data from AWS with the standard credential chain: authorization details, the ' +
        'credential report, and action-level last-accessed details of every role and user, ' +
        'written as the files scan reads. Several accounts: --role-arn per account, or --org to ' +
        'assume a named role in every account of the organization; an account that cannot be ' +
        "read is reported and the others are collected. Throttled calls are retried (the SDK's " +
        'adaptive retry mode).',
    )
    .requiredOption(
      '--out <dir>',
      'the output folder (created; one sub-folder per account with --role-arn or --org)',
    )
    .addOption(profileOption())
    .addOption(regionOption())
    .option(
      '--role-arn <arn...>',
      'assume this role and collect its account (repeatable, one per account)',
    )
    .option(
      '--org',
      'collect every active account of the organization (from the management account)',
    )
    .addOption(
      new Option(
        '--org-role-name <name>',
        'with --org: the role to assume in each member account',
      ).default(DEFAULT_ORG_ROLE_NAME),
    )
    .option(
      '--concurrency <n>',
      'principals whose last-accessed details are collected at once',
      parsePositiveInteger,
      DEFAULT_CONCURRENCY,
    )
    .option('--fresh', 'collect everything again, ignoring what a previous run completed')
    .option(
      '--identity-center',
      "also read IAM Identity Center's permission sets into DIR/permission-sets.json (from the " +
        'management or delegated administrator account; the default with --org)',
    )
    .option('--quiet', 'no progress bar; only problems on stderr')
    .addHelpText('after', helpText())
    .action(async (options: CollectCliOptions) => {
      ctx.exitCode = await runCollect(options, ctx, deps);
    });
}

/**
 * Runs `collect`: prints each collected account's folder on stdout, a summary per account and one
 * line per failed account on stderr.
 *
 * @returns 0, {@link EXIT_PARTIAL} when some accounts failed, 2 when none was collected.
 */
export async function runCollect(
  options: CollectCliOptions,
  ctx: CommandContext,
  deps: LiveDeps = {},
): Promise<number> {
  const { io } = ctx;
  if (
    options.orgRoleName !== undefined &&
    options.orgRoleName !== DEFAULT_ORG_ROLE_NAME &&
    options.org !== true
  ) {
    throw new CliError('--org-role-name needs --org');
  }
  const progress = createProgress(io.stderr, options.quiet === true ? { quiet: true } : {});
  const result = await collect({
    connection: connectionOf(options, io, deps),
    out: options.out,
    ...(options.roleArn === undefined ? {} : { roleArns: options.roleArn }),
    ...(options.org === undefined ? {} : { org: options.org }),
    ...(options.orgRoleName === undefined ? {} : { orgRoleName: options.orgRoleName }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.fresh === undefined ? {} : { fresh: options.fresh }),
    ...(options.identityCenter === undefined ? {} : { identityCenter: options.identityCenter }),
    ...(deps.polling === undefined ? {} : { polling: deps.polling }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    progress,
  });
  for (const a of result.accounts) {
    io.stdout.write(`${a.dir}\n`);
    if (options.quiet !== true) {
      io.stderr.write(
        `account ${a.accountId}: ${a.lastAccessed.length} principals, ${a.written} files written, ${a.skipped} already complete -> ${a.dir}\n`,
      );
    }
  }
  if (result.accounts.length > 0 && options.quiet !== true) {
    const dir =
      result.accounts.length === 1 ? result.accounts[0]!.dir : join(options.out, 'ACCOUNT');
    io.stderr.write(
      `next: ${PROGRAM} scan --authorization-details ${join(dir, AUTHORIZATION_DETAILS_FILE)} --credential-report ${join(dir, CREDENTIAL_REPORT_FILE)} --last-accessed ${join(dir, LAST_ACCESSED_DIR)}/*.json\n`,
    );
  }
  if (result.permissionSets !== undefined) {
    io.stdout.write(`${result.permissionSets}\n`);
    if (options.quiet !== true) {
      io.stderr.write(
        `Identity Center permission sets -> ${result.permissionSets} (scan it with --permission-sets)\n`,
      );
    }
  }
  if (result.failures.length === 0) return 0;
  return result.accounts.length > 0 ? EXIT_PARTIAL : EXIT_BAD_INPUT;
}
