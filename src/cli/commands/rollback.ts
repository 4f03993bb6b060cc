/**
 * `iam-refine rollback`: undo what `apply` did for a finding, restoring every policy exactly (a
 * dry run unless `--yes`).
 */
import { Command } from 'commander';
import { executeRollback, formatRollback, planRollback } from '../../aws/apply.js';
import {
  connectionOf,
  EXIT_REFUSED,
  profileOption,
  regionOption,
  withSession,
  type LiveDeps,
} from '../../aws/cli.js';
import {
  describeProvisioningFailure,
  executePermissionSetRollback,
  formatPermissionSetRollback,
  planPermissionSetRollback,
} from '../../identity-center/apply.js';
import { readPermissionSet } from '../../identity-center/store.js';
import { dbOption } from '../../store/cli.js';
import { CliError, PROGRAM, type CliIo, type CommandContext } from '../io.js';
import { requireFindingId, resolveFindingId, withChangeLog, type ApplyOptions } from './apply.js';

const HELP = `
Undoes the recorded changes newest first: an inline policy gets its previous document back byte for
byte; a new policy version is removed and the previous default version set again; a created policy
is detached, the original attached again, and the created policy deleted. Refused (exit 1) when a
policy apply wrote was changed since, unless --force.

With --permission-set NAME|ARN (instead of a finding id): the permission set's inline policy
gets its previous text back byte for byte, the AWS managed policies apply detached are attached
again, and the permission set is provisioned again to every account (polled until it ends).

Exit status: 0 rolled back (or dry run printed), 1 refused (or, with --permission-set, the
provisioning failed), 2 bad usage or an AWS error.

Example:
  $ iam-refine rollback 0b7c5d1e-2f3a-8c4d-9e5f-0a1b2c3d4e5f --db findings.db --yes
`;

/** The `rollback` command. */
export function rollbackCommand(ctx: CommandContext, deps: LiveDeps = {}): Command {
  return new Command('rollback')
    .summary('undo what apply changed for a finding (dry run unless --yes)')
    .description('Restore the policies apply changed for a finding, exactly as they were.')
    .argument(
      '[finding-id]',
      "the finding's id (iam-refine's, or Access Analyzer's for imported findings)",
    )
    .option(
      '--permission-set <name-or-arn>',
      'instead of a finding: undo what apply --permission-set changed in IAM Identity Center',
    )
    .option('--yes', 'make the changes (default: dry run)')
    .option('--force', 'roll back even if a policy was changed since apply')
    .addOption(dbOption())
    .addOption(profileOption())
    .addOption(regionOption())
    .option('--role-arn <arn>', "assume this role (in the finding's account) to make the changes")
    .addHelpText('after', HELP)
    .action(async (id: string | undefined, options: ApplyOptions) => {
      ctx.exitCode =
        options.permissionSet !== undefined
          ? await runPermissionSetRollback(id, options, ctx, deps)
          : await runRollback(requireFindingId(id), options, ctx, deps);
    });
}

/** Runs `rollback --permission-set`: the undo calls; with `--yes`, makes them and provisions. */
export async function runPermissionSetRollback(
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
        `permission set ${options.permissionSet!} is not in ${store.path} (nothing was applied to it from this database)`,
      );
    }
    const target = stored.recommendation;
    return withSession(connectionOf(options, io, deps), options.roleArn, async (session) => {
      const plan = await planPermissionSetRollback(target, session.ssoAdmin, log);
      io.stdout.write(formatPermissionSetRollback(plan));
      const stop = stopBeforeRollback(plan.refusals, options, io);
      if (stop !== undefined) return stop;
      const result = await executePermissionSetRollback(plan, session.ssoAdmin, log, {
        force: options.force === true,
        ...(deps.polling === undefined ? {} : { polling: deps.polling }),
      });
      io.stderr.write(
        `rolled back: ${result.calls} call(s) made; permission set ${target.name} is as before apply\n`,
      );
      if (result.provisioning.status === 'FAILED') {
        io.stderr.write(
          `${PROGRAM}: ${describeProvisioningFailure(target.name, result.provisioning, 'rollback')}\n`,
        );
        return EXIT_REFUSED;
      }
      io.stderr.write(`provisioned again to every account of permission set ${target.name}\n`);
      return 0;
    });
  });
}

/** Runs `rollback`: the undo calls on stdout; with `--yes`, makes them. */
export async function runRollback(
  id: string,
  options: ApplyOptions,
  ctx: CommandContext,
  deps: LiveDeps = {},
): Promise<number> {
  const { io } = ctx;
  return withChangeLog(options, deps, async (store, log) => {
    const findingId = resolveFindingId(id, store, log) ?? id;
    return withSession(connectionOf(options, io, deps), options.roleArn, async (session) => {
      const plan = await planRollback(findingId, session.iam, log);
      io.stdout.write(formatRollback(plan));
      const stop = stopBeforeRollback(plan.refusals, options, io);
      if (stop !== undefined) return stop;
      const result = await executeRollback(plan, session.iam, log, {
        force: options.force === true,
      });
      io.stderr.write(
        `rolled back: ${result.calls} call(s) made; the policies are as before apply\n`,
      );
      return 0;
    });
  });
}

/**
 * The gate before rolling back, after the plan is printed: the refusals (exit {@link EXIT_REFUSED})
 * unless `--force`, then the dry run's notice (exit 0) unless `--yes`; undefined when the rollback
 * goes ahead.
 */
function stopBeforeRollback(
  refusals: readonly string[],
  options: ApplyOptions,
  io: CliIo,
): number | undefined {
  if (refusals.length > 0 && options.force !== true) {
    for (const r of refusals) io.stderr.write(`${PROGRAM}: refused: ${r}\n`);
    return EXIT_REFUSED;
  }
  if (options.yes !== true) {
    io.stderr.write('dry run: nothing was changed; run again with --yes to roll back\n');
    return 0;
  }
  return undefined;
}
