/**
 * `iam-refine apply`: carry out a finding's recommendation in the live account (a dry run unless
 * `--yes`), recording every change so that `rollback` restores it exactly.
 */
import { Command, Option } from 'commander';
import {
  executeApply,
  formatPlan,
  planApply,
  planCalls,
  type ApplicableFinding,
} from '../../aws/apply.js';
import { ChangeLog } from '../../aws/changes.js';
import {
  RECOMMENDATION_SOURCES,
  withRecommendation,
  type RecommendationSource,
} from '../../findings/choose-recommendation.js';
import {
  catalogLoader,
  connectionOf,
  EXIT_REFUSED,
  policyJson,
  profileOption,
  regionOption,
  withSession,
  type LiveDeps,
} from '../../aws/cli.js';
import { applyPolicy } from '../../aws/permissions.js';
import { planRemediation, type RemediableFinding } from '../../aws/remediate.js';
import {
  describeProvisioningFailure,
  executePermissionSetApply,
  formatPermissionSetPlan,
  planPermissionSetApply,
} from '../../identity-center/apply.js';
import { identityCenterApplyPolicy } from '../../identity-center/permissions.js';
import { readPermissionSet } from '../../identity-center/store.js';
import { resolveIds } from './findings.js';
import { dbOption, openCliStore } from '../../store/cli.js';
import type { FindingsStore } from '../../store/types.js';
import { CliError, PROGRAM, type CommandContext } from '../io.js';

/** The options of `apply` (and `rollback`), as parsed from the command line. */
export interface ApplyOptions {
  db?: string;
  yes?: boolean;
  profile?: string;
  region?: string;
  roleArn?: string;
  catalog?: string;
  force?: boolean;
  /** An IAM Identity Center permission set (name or ARN) instead of a finding. */
  permissionSet?: string;
  /** Which recommendation of the finding: its own (default) or iam-refine's next to Access Analyzer's. */
  use?: RecommendationSource;
}

const HELP = `
What it does, per policy of the recommendation:
  inline policy           Put{Role,User,Group}Policy with the refined document
                          (DETACH_POLICY: Delete{Role,User,Group}Policy)
  customer managed        CreatePolicyVersion with the refined document, set as default; only when
                          the policy already has 5 versions (IAM's limit) is its oldest non-default
                          version deleted first, and the plan says so (DETACH_POLICY: Detach...)
  AWS managed, or shared  CreatePolicy (path /iam-refine/) with the refined document, Attach it,
  with other principals   Detach the original (Access Analyzer's CREATE_POLICY + DETACH_POLICY)

Imported findings with both recommendations (import-analyzer keeps iam-refine's next to Access
Analyzer's): apply carries out Access Analyzer's; --use iam-refine carries out iam-refine's.

Unused roles, access keys and console passwords: the reversible first step of their remediation
(see 'iam-refine findings show ID'):
  unused access key       UpdateAccessKey Status=Inactive (rollback: Status=Active)
  unused role             PutRolePolicy iam-refine-quarantine, an inline deny-all policy
                          (rollback: DeleteRolePolicy)
  unused console password DeleteLoginProfile, after saving the login profile in the database;
                          rollback cannot restore a password (IAM never returns it) and says so
Deleting a key or a role is left to you: it cannot be undone.

Before any write every policy is read again and the plan is refused if it changed since the scan,
or if a refined policy is over IAM's size quota (managed 6,144; inline per role 10,240, per user
2,048, per group 5,120 characters, whitespace not counted). Every write is recorded in the
database with the document it replaced: 'iam-refine rollback FINDING_ID --yes' restores it.

Minimal IAM permissions (apply and rollback):
${policyJson(applyPolicy())}

IAM Identity Center (--permission-set NAME|ARN, instead of a finding id): the recommendation the
last 'scan --permission-sets --db' recorded for the permission set. The live permission set is
read again and the change refused if it differs from what was scanned; then
PutInlinePolicyToPermissionSet (or DeleteInlinePolicyFromPermissionSet),
DetachManagedPolicyFromPermissionSet for each AWS managed policy removed or merged into the inline
policy, and ProvisionPermissionSet to ALL_PROVISIONED_ACCOUNTS, polled until it ends (a failed
provisioning is reported with the accounts that do not have the new version; exit 1). A role
AWSReservedSSO_... is never changed through IAM (IAM refuses: UnmodifiableEntity). Run it in the
management or delegated administrator account; it needs:
${policyJson(identityCenterApplyPolicy())}

Exit status: 0 applied (or dry run printed), 1 refused (one line per reason; nothing changed),
2 bad usage, unknown finding or an AWS error (one line on stderr).

Examples:
  $ iam-refine apply 0b7c5d1e-2f3a-8c4d-9e5f-0a1b2c3d4e5f --db findings.db          # dry run
  $ iam-refine apply 0b7c5d1e-2f3a-8c4d-9e5f-0a1b2c3d4e5f --db findings.db --yes
  $ iam-refine apply --permission-set DeveloperAccess --db findings.db              # dry run
`;

/** The `apply` command. */
export function applyCommand(ctx: CommandContext, deps: LiveDeps = {}): Command {
  return new Command('apply')
    .summary("apply a finding's recommendation to the live account (dry run unless --yes)")
    .description(
      "Apply an UnusedPermission finding's recommended policies in the live account. By default " +
        'a dry run: prints the exact IAM API calls and policy documents, changes nothing.',
    )
    .argument(
      '[finding-id]',
      "the finding's id (iam-refine's, or Access Analyzer's for imported findings)",
    )
    .option(
      '--permission-set <name-or-arn>',
      "instead of a finding: an IAM Identity Center permission set's recommendation (from the last scan with --permission-sets)",
    )
    .option('--yes', 'make the changes (default: dry run)')
    .addOption(
      new Option(
        '--use <which>',
        "which recommendation: the finding's own (primary: Access Analyzer's for an imported finding that has one) or iam-refine's, which import-analyzer keeps next to Access Analyzer's",
      )
        .choices([...RECOMMENDATION_SOURCES])
        .default('primary'),
    )
    .addOption(dbOption())
    .addOption(profileOption())
    .addOption(regionOption())
    .option('--role-arn <arn>', "assume this role (in the finding's account) to make the changes")
    .option(
      '--catalog <file>',
      'the action catalog the scan used, to check that a policy is unchanged',
    )
    .addHelpText('after', HELP)
    .action(async (id: string | undefined, options: ApplyOptions) => {
      ctx.exitCode =
        options.permissionSet !== undefined
          ? await runPermissionSetApply(id, options, ctx, deps)
          : await runApply(requireFindingId(id), options, ctx, deps);
    });
}

/**
 * The finding id argument, required without `--permission-set`.
 *
 * @throws CliError when it is missing.
 */
export function requireFindingId(id: string | undefined): string {
  if (id === undefined) {
    throw new CliError("missing argument 'finding-id' (or --permission-set NAME)");
  }
  return id;
}

/** Runs `apply --permission-set`: the plan on stdout; with `--yes`, the changes and provisioning. */
export async function runPermissionSetApply(
  id: string | undefined,
  options: ApplyOptions,
  ctx: CommandContext,
  deps: LiveDeps = {},
): Promise<number> {
  const { io } = ctx;
  if (id !== undefined) throw new CliError('give a finding id or --permission-set, not both');
  return withChangeLog(options, deps, async (store, log) => {
    const stored = readPermissionSet(store.path, options.permissionSet!);
    if (stored === undefined) {
      throw new CliError(
        `permission set ${options.permissionSet!} has no recommendation in ${store.path} (scan with --permission-sets FILE --db ${store.path} first)`,
      );
    }
    const rec = stored.recommendation;
    return withSession(connectionOf(options, io, deps), options.roleArn, async (session) => {
      const plan = await planPermissionSetApply(rec, session.ssoAdmin);
      io.stdout.write(formatPermissionSetPlan(plan));
      if (plan.refusals.length > 0) {
        for (const r of plan.refusals) io.stderr.write(`${PROGRAM}: refused: ${r}\n`);
        return EXIT_REFUSED;
      }
      if (options.yes !== true) {
        io.stderr.write(
          `dry run: nothing was changed; run again with --yes to make these ${plan.steps.length} change(s) and provision\n`,
        );
        return 0;
      }
      const result = await executePermissionSetApply(plan, session.ssoAdmin, log, deps.polling);
      io.stderr.write(
        `applied: ${result.calls} call(s) made, recorded in ${store.path} (batch ${result.batch}); undo with: ${PROGRAM} rollback --permission-set ${rec.name} --db ${store.path} --yes\n`,
      );
      if (result.provisioning.status === 'FAILED') {
        io.stderr.write(
          `${PROGRAM}: ${describeProvisioningFailure(rec.name, result.provisioning)}\n`,
        );
        return EXIT_REFUSED;
      }
      io.stderr.write(
        `provisioned to every account of permission set ${rec.name} (request ${result.provisioning.requestId})\n`,
      );
      return 0;
    });
  });
}

/** Finds a stored finding by iam-refine id (or a unique prefix of it) or imported Access Analyzer id. */
export function resolveFindingId(
  id: string,
  store: FindingsStore,
  log: ChangeLog,
): string | undefined {
  if (store.getFinding(id) !== undefined) return id;
  const analyzer = log.findingOfAnalyzerId(id);
  if (analyzer !== undefined) return analyzer;
  // A unique prefix of an iam-refine id, as findings list shows them (ambiguous: CliError).
  const [full] = resolveIds(store, [id]);
  return full !== undefined && store.getFinding(full) !== undefined ? full : undefined;
}

/** Runs `apply`: the plan on stdout; with `--yes`, the changes. */
export async function runApply(
  id: string,
  options: ApplyOptions,
  ctx: CommandContext,
  deps: LiveDeps = {},
): Promise<number> {
  const { io } = ctx;
  return withChangeLog(options, deps, async (store, log) => {
    const stored = resolveFindingId(id, store, log);
    const found = stored === undefined ? undefined : store.getFinding(stored)?.finding;
    if (found === undefined) {
      throw new CliError(
        `finding ${id} is not in ${store.path} (list them with: ${PROGRAM} findings list --db ${store.path})`,
      );
    }
    const finding = options.use === 'iam-refine' ? withRecommendation(found, 'iam-refine') : found;
    return withSession(
      connectionOf(options, io, deps),
      options.roleArn,
      async (session, accountId) => {
        const plan =
          finding.findingType === 'UnusedPermission'
            ? await planApply(finding as ApplicableFinding, session.iam, {
                accountId,
                catalog: catalogLoader(options.catalog, deps),
              })
            : await planRemediation(finding as RemediableFinding, session.iam, { accountId });
        io.stdout.write(formatPlan(plan));
        if (plan.refusals.length > 0) {
          for (const r of plan.refusals) io.stderr.write(`${PROGRAM}: refused: ${r}\n`);
          return EXIT_REFUSED;
        }
        const n = planCalls(plan).length;
        if (options.yes !== true) {
          io.stderr.write(
            `dry run: nothing was changed; run again with --yes to make these ${n} call(s)\n`,
          );
          return 0;
        }
        const result = await executeApply(plan, session.iam, log);
        io.stderr.write(
          `applied: ${result.calls} call(s) made, recorded in ${store.path} (batch ${result.batch}); undo with: ${PROGRAM} rollback ${finding.id} --db ${store.path} --yes\n`,
        );
        return 0;
      },
    );
  });
}

/**
 * Opens the findings store of `--db` (it must exist) and its change log, runs `use` with them, and
 * closes both, also when `use` throws. What `apply` and `rollback` work on.
 */
export async function withChangeLog<T>(
  options: Pick<ApplyOptions, 'db'>,
  deps: LiveDeps,
  use: (store: FindingsStore, log: ChangeLog) => Promise<T>,
): Promise<T> {
  const store = openCliStore(options.db, {
    mustExist: true,
    ...(deps.now === undefined ? {} : { clock: deps.now }),
  });
  const log = ChangeLog.open(store.path, deps.now);
  try {
    return await use(store, log);
  } finally {
    log.close();
    store.close();
  }
}
