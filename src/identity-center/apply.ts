/**
 * `apply --permission-set` and `rollback --permission-set`: carry out a permission set's
 * recommendation in IAM Identity Center, and undo it exactly.
 *
 * Apply: the live permission set is read again and compared with what the scan saw (refused if it
 * changed); then `PutInlinePolicyToPermissionSet` (or `DeleteInlinePolicyFromPermissionSet`),
 * `DetachManagedPolicyFromPermissionSet` for each AWS managed policy removed or merged, and
 * `ProvisionPermissionSet` to `ALL_PROVISIONED_ACCOUNTS`, polled with
 * `DescribePermissionSetProvisioningStatus` until it ends. A failed provisioning is reported with
 * Identity Center's reason and the accounts that do not have the latest version
 * (`ListAccountsForProvisionedPermissionSet` with `LATEST_PERMISSION_SET_NOT_PROVISIONED`).
 *
 * Every write is recorded in the change log (src/aws/changes.ts) under the id
 * `permission-set:<ARN>` with the exact calls that undo it; rollback makes them newest first
 * (the inline policy's previous text byte for byte, the detached policies attached again) and
 * provisions again.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  AttachManagedPolicyToPermissionSetCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  paginateListAccountsForProvisionedPermissionSet,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import type { ChangeLog, IamCall, LiveChange } from '../aws/changes.js';
import { awsCall, awsErrorCode, describeAwsError } from '../aws/errors.js';
import { poll, type PollTiming } from '../aws/pool.js';
import { IamRefineError } from '../errors.js';
import { readPermissionSetPolicies, type LivePermissionSetPolicies } from './aws.js';
import type { PermissionSetRecommendation, PermissionSetState } from './recommend.js';

/** The change-log id of a permission set's changes. */
export function permissionSetChangeId(permissionSetArn: string): string {
  return `permission-set:${permissionSetArn}`;
}

/** One write call of a plan and the calls that undo it. */
export interface PermissionSetStep {
  call: IamCall;
  undo: IamCall[];
  /** `inline` or the managed policy ARN. */
  policyId: string;
  previousDocument?: string;
  newDocument?: string;
}

/** What `apply --permission-set` will do. */
export interface PermissionSetPlan {
  recommendation: PermissionSetRecommendation;
  steps: PermissionSetStep[];
  /** Then provision to every account it is provisioned to. */
  provision: IamCall;
  notes: string[];
  /** Why it must not be carried out (empty: it may). */
  refusals: string[];
}

/** How provisioning ended. */
export interface ProvisioningOutcome {
  status: 'SUCCEEDED' | 'FAILED';
  requestId: string;
  failureReason?: string;
  /** Accounts that do not have the latest version of the permission set (after a failure). */
  notProvisioned: string[];
}

/** Why the live permission set is not the one scanned, one clause per difference. */
export function differences(
  live: LivePermissionSetPolicies,
  scanned: PermissionSetState,
): string[] {
  const out: string[] = [];
  const parse = (t: string | null): unknown => {
    if (t === null) return null;
    try {
      return JSON.parse(t);
    } catch {
      return t;
    }
  };
  if (!isDeepStrictEqual(parse(live.inlinePolicy), parse(scanned.inlinePolicy))) {
    out.push('its inline policy differs');
  }
  const arns = (l: readonly { arn: string }[]) => l.map((m) => m.arn).sort();
  if (!isDeepStrictEqual(arns(live.awsManagedPolicies), arns(scanned.awsManagedPolicies))) {
    out.push('its AWS managed policies differ');
  }
  const refs = (l: readonly { name: string; path: string }[]) =>
    l.map((r) => `${r.path}${r.name}`).sort();
  if (
    !isDeepStrictEqual(
      refs(live.customerManagedPolicyReferences),
      refs(scanned.customerManagedPolicyReferences),
    )
  ) {
    out.push('its customer managed policy references differ');
  }
  if (!isDeepStrictEqual(live.permissionsBoundary ?? null, scanned.permissionsBoundary ?? null)) {
    out.push('its permissions boundary differs');
  }
  return out;
}

/**
 * Reads the live permission set and plans the write calls. Nothing is written.
 *
 * @throws IamRefineError when the recommendation has nothing to apply; AwsCallError when a read
 *   fails.
 */
export async function planPermissionSetApply(
  rec: PermissionSetRecommendation,
  client: SSOAdminClient,
): Promise<PermissionSetPlan> {
  if (rec.recommendedAction !== 'UPDATE_PERMISSION_SET') {
    throw new IamRefineError(
      `permission set ${rec.name}: the recommendation is ${rec.recommendedAction}, nothing to apply${rec.notes.length > 0 ? ` (${rec.notes.join('; ')})` : ''}`,
    );
  }
  const key = { InstanceArn: rec.instanceArn, PermissionSetArn: rec.permissionSetArn };
  const live = await readPermissionSetPolicies(client, rec.instanceArn, rec.permissionSetArn);
  const plan: PermissionSetPlan = {
    recommendation: rec,
    steps: [],
    provision: {
      operation: 'ProvisionPermissionSet',
      params: { ...key, TargetType: 'ALL_PROVISIONED_ACCOUNTS' },
    },
    notes: [],
    refusals: [],
  };
  const diff = differences(live, rec.original);
  if (diff.length > 0) {
    plan.refusals.push(
      `permission set ${rec.name} changed since the scan (${diff.join(', ')}): run the scan again for a new recommendation; nothing was changed`,
    );
  }
  const before = live.inlinePolicy;
  const after = rec.recommended.inlinePolicy;
  const restoreInline: IamCall =
    before === null
      ? { operation: 'DeleteInlinePolicyFromPermissionSet', params: { ...key } }
      : { operation: 'PutInlinePolicyToPermissionSet', params: { ...key, InlinePolicy: before } };
  if (after !== null && after !== before) {
    plan.steps.push({
      call: {
        operation: 'PutInlinePolicyToPermissionSet',
        params: { ...key, InlinePolicy: after },
      },
      undo: [restoreInline],
      policyId: 'inline',
      ...(before === null ? {} : { previousDocument: before }),
      newDocument: after,
    });
  } else if (after === null && before !== null) {
    plan.steps.push({
      call: { operation: 'DeleteInlinePolicyFromPermissionSet', params: { ...key } },
      undo: [restoreInline],
      policyId: 'inline',
      previousDocument: before,
    });
  }
  const kept = new Set(rec.recommended.awsManagedPolicies.map((m) => m.arn));
  for (const m of rec.original.awsManagedPolicies) {
    if (kept.has(m.arn)) continue;
    const params = { ...key, ManagedPolicyArn: m.arn };
    plan.steps.push({
      call: { operation: 'DetachManagedPolicyFromPermissionSet', params },
      undo: [{ operation: 'AttachManagedPolicyToPermissionSet', params }],
      policyId: m.arn,
    });
  }
  const accounts = rec.accounts.map((a) => a.accountId);
  plan.notes.push(
    `provisioned to ${accounts.length} account(s) (${accounts.join(', ')}): ProvisionPermissionSet updates the role AWSReservedSSO_${rec.name}_… in each of them`,
  );
  if (rec.unobservedAccounts.length > 0) {
    plan.notes.push(
      `no evidence from ${rec.unobservedAccounts.join(', ')}: what is removed was unused in ${rec.evaluatedAccounts.join(', ')} only`,
    );
  }
  return plan;
}

/** Formats one call: `IdentityCenter PutInlinePolicyToPermissionSet PermissionSetArn=...`. */
export function formatPermissionSetCall(call: IamCall, indent = ''): string {
  const params = Object.entries(call.params)
    .filter(([k]) => k !== 'InlinePolicy' && k !== 'InstanceArn')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  let text = `IdentityCenter ${call.operation}${params ? ` ${params}` : ''}`;
  const doc = call.params.InlinePolicy;
  if (typeof doc === 'string') {
    text += `\n${indent}   InlinePolicy:\n${doc
      .split('\n')
      .map((line) => `${indent}     ${line}`)
      .join('\n')}`;
  }
  return text;
}

/** The plan as the dry run prints it. */
export function formatPermissionSetPlan(plan: PermissionSetPlan): string {
  const r = plan.recommendation;
  const lines = [`permission set ${r.name} (${r.permissionSetArn}), instance ${r.instanceArn}`];
  for (const note of plan.notes) lines.push(`  note: ${note}`);
  let n = 0;
  for (const step of plan.steps)
    lines.push(`  ${++n}. ${formatPermissionSetCall(step.call, '  ')}`);
  lines.push(`  ${n + 1}. ${formatPermissionSetCall(plan.provision)} (polled until it ends)`);
  return `${lines.join('\n')}\n`;
}

const COMMANDS: Record<string, new (input: never) => unknown> = {
  PutInlinePolicyToPermissionSet: PutInlinePolicyToPermissionSetCommand,
  DeleteInlinePolicyFromPermissionSet: DeleteInlinePolicyFromPermissionSetCommand,
  AttachManagedPolicyToPermissionSet: AttachManagedPolicyToPermissionSetCommand,
  DetachManagedPolicyFromPermissionSet: DetachManagedPolicyFromPermissionSetCommand,
};

/** Sends one recorded call with the SDK command of its operation. */
async function send(client: SSOAdminClient, call: IamCall, where: string): Promise<unknown> {
  const Command = COMMANDS[call.operation];
  if (Command === undefined) {
    throw new IamRefineError(`unknown Identity Center operation ${call.operation}`);
  }
  return awsCall(
    `SSOAdmin:${call.operation}`,
    () => client.send(new Command(call.params as never) as Parameters<SSOAdminClient['send']>[0]),
    where,
  );
}

/**
 * Provisions the permission set to every account it is provisioned to and polls until the request
 * ends; after a failure, lists the accounts without the latest version.
 */
export async function provisionAndWait(
  client: SSOAdminClient,
  instanceArn: string,
  permissionSetArn: string,
  polling?: PollTiming,
): Promise<ProvisioningOutcome> {
  const where = `permission set ${permissionSetArn}`;
  const key = { InstanceArn: instanceArn, PermissionSetArn: permissionSetArn };
  const started = await awsCall(
    'SSOAdmin:ProvisionPermissionSet',
    () =>
      client.send(
        new ProvisionPermissionSetCommand({ ...key, TargetType: 'ALL_PROVISIONED_ACCOUNTS' }),
      ),
    where,
  );
  const requestId = started.PermissionSetProvisioningStatus?.RequestId ?? '';
  let status = started.PermissionSetProvisioningStatus;
  if (status?.Status === 'IN_PROGRESS') {
    status = await poll(
      `the provisioning of ${where}`,
      async () => {
        const out = await awsCall(
          'SSOAdmin:DescribePermissionSetProvisioningStatus',
          () =>
            client.send(
              new DescribePermissionSetProvisioningStatusCommand({
                InstanceArn: instanceArn,
                ProvisionPermissionSetRequestId: requestId,
              }),
            ),
          where,
        );
        const s = out.PermissionSetProvisioningStatus;
        return s?.Status === 'IN_PROGRESS' ? undefined : s;
      },
      polling,
    );
  }
  if (status?.Status === 'SUCCEEDED') return { status: 'SUCCEEDED', requestId, notProvisioned: [] };
  const notProvisioned: string[] = [];
  try {
    for await (const page of paginateListAccountsForProvisionedPermissionSet(
      { client },
      { ...key, ProvisioningStatus: 'LATEST_PERMISSION_SET_NOT_PROVISIONED' },
    )) {
      notProvisioned.push(...(page.AccountIds ?? []));
    }
  } catch (error) {
    throw describeAwsError(error, 'SSOAdmin:ListAccountsForProvisionedPermissionSet', where);
  }
  return {
    status: 'FAILED',
    requestId,
    failureReason: status?.FailureReason ?? `ended ${status?.Status ?? 'without a status'}`,
    notProvisioned: notProvisioned.sort(),
  };
}

/** What {@link executePermissionSetApply} did. */
export interface PermissionSetApplyResult {
  batch: number;
  calls: number;
  provisioning: ProvisioningOutcome;
}

/**
 * Carries out a plan without refusals: each write recorded as planned, made, recorded done; then
 * provisioning, polled. A failed write stops the run (earlier writes stay recorded for rollback).
 *
 * @throws IamRefineError when the plan has refusals, the permission set has unrolled changes, or a
 *   write fails (saying how many were made).
 */
export async function executePermissionSetApply(
  plan: PermissionSetPlan,
  client: SSOAdminClient,
  log: ChangeLog,
  polling?: PollTiming,
): Promise<PermissionSetApplyResult> {
  if (plan.refusals.length > 0) throw new IamRefineError(plan.refusals.join('\n'));
  const r = plan.recommendation;
  const id = permissionSetChangeId(r.permissionSetArn);
  const active = log.active(id);
  if (active.length > 0) {
    throw new IamRefineError(
      `permission set ${r.name} was changed by apply at ${active[0]!.appliedAt} and not rolled back; run rollback --permission-set ${r.name} first`,
    );
  }
  const batch = log.newBatch();
  let calls = 0;
  for (const step of plan.steps) {
    const row = log.plan({
      batch,
      findingId: id,
      principalArn: r.permissionSetArn,
      policyId: step.policyId,
      call: step.call,
      undo: step.undo,
      ...(step.previousDocument === undefined ? {} : { previousDocument: step.previousDocument }),
      ...(step.newDocument === undefined ? {} : { newDocument: step.newDocument }),
    });
    try {
      await send(client, step.call, `permission set ${r.name}`);
    } catch (error) {
      log.discard(row);
      const made =
        calls === 0
          ? 'no call was made'
          : `${calls} earlier call(s) were made: run rollback --permission-set ${r.name} to undo them`;
      throw new IamRefineError(`${(error as Error).message}; ${made}`, { cause: error });
    }
    log.done(row);
    calls++;
  }
  let provisioning: ProvisioningOutcome;
  try {
    provisioning = await provisionAndWait(client, r.instanceArn, r.permissionSetArn, polling);
  } catch (error) {
    throw new IamRefineError(
      `${(error as Error).message}; the permission set was changed (${calls} call(s), recorded) but not provisioned: provision it again (aws sso-admin provision-permission-set --target-type ALL_PROVISIONED_ACCOUNTS) or undo with rollback --permission-set ${r.name}`,
      { cause: error },
    );
  }
  return { batch, calls, provisioning };
}

/** What rollback will do. */
export interface PermissionSetRollbackPlan {
  recommendation: Pick<PermissionSetRecommendation, 'name' | 'permissionSetArn' | 'instanceArn'>;
  /** Newest first. */
  changes: LiveChange[];
  refusals: string[];
}

/**
 * Plans the rollback of a permission set's applied changes. Refused when the inline policy apply
 * wrote was changed since (unless forced).
 *
 * @throws IamRefineError when nothing is recorded.
 */
export async function planPermissionSetRollback(
  target: PermissionSetRollbackPlan['recommendation'],
  client: SSOAdminClient,
  log: ChangeLog,
): Promise<PermissionSetRollbackPlan> {
  const id = permissionSetChangeId(target.permissionSetArn);
  const changes = log.active(id).reverse();
  if (changes.length === 0) {
    throw new IamRefineError(
      log.history(id).length > 0
        ? `permission set ${target.name}: every change applied was already rolled back`
        : `permission set ${target.name}: no change was applied (nothing to roll back)`,
    );
  }
  const refusals: string[] = [];
  const wrote = changes.find(
    (c) => c.state === 'done' && c.call.operation === 'PutInlinePolicyToPermissionSet',
  );
  if (wrote !== undefined) {
    const live = await readPermissionSetPolicies(
      client,
      target.instanceArn,
      target.permissionSetArn,
    );
    // Compared as JSON: Identity Center may give the text back formatted differently.
    if (!sameJsonText(live.inlinePolicy, wrote.newDocument ?? null)) {
      refusals.push(
        `permission set ${target.name}: its inline policy changed since apply (${wrote.appliedAt}); rolling back would discard that change (use --force to roll back anyway)`,
      );
    }
  }
  return { recommendation: target, changes, refusals };
}

/** Whether two policy texts hold the same JSON value (texts that are not JSON: the same text). */
function sameJsonText(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** The rollback plan as the dry run prints it. */
export function formatPermissionSetRollback(plan: PermissionSetRollbackPlan): string {
  const r = plan.recommendation;
  const lines = [
    `permission set ${r.name} (${r.permissionSetArn}): undo ${plan.changes.length} change(s), newest first, then provision again`,
  ];
  let n = 0;
  for (const c of plan.changes) {
    lines.push(
      `undo ${formatPermissionSetCall({ operation: c.call.operation, params: { ...c.call.params, InlinePolicy: '' } }).split('\n')[0]} (${c.appliedAt}${c.state === 'planned' ? ', may not have completed' : ''})`,
    );
    for (const u of c.undo) lines.push(`  ${++n}. ${formatPermissionSetCall(u, '  ')}`);
  }
  lines.push(
    `  ${n + 1}. IdentityCenter ProvisionPermissionSet PermissionSetArn=${r.permissionSetArn} TargetType=ALL_PROVISIONED_ACCOUNTS (polled until it ends)`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Carries out a rollback: every undo call newest first (a change recorded only as planned whose
 * undo finds nothing to undo is skipped), each change marked rolled back, then provisioning.
 *
 * @throws IamRefineError when refused and not forced; AwsCallError when a call fails.
 */
export async function executePermissionSetRollback(
  plan: PermissionSetRollbackPlan,
  client: SSOAdminClient,
  log: ChangeLog,
  options: { force?: boolean; polling?: PollTiming } = {},
): Promise<{ calls: number; provisioning: ProvisioningOutcome }> {
  if (plan.refusals.length > 0 && options.force !== true) {
    throw new IamRefineError(plan.refusals.join('\n'));
  }
  const r = plan.recommendation;
  let calls = 0;
  for (const c of plan.changes) {
    for (const u of c.undo) {
      try {
        await send(client, u, `permission set ${r.name}`);
        calls++;
      } catch (error) {
        const code = (error as { code?: string }).code ?? awsErrorCode(error);
        if (
          c.state === 'planned' &&
          (code === 'ConflictException' || code === 'ResourceNotFoundException')
        ) {
          continue;
        }
        throw error;
      }
    }
    log.rolledBack(c.id);
  }
  const provisioning = await provisionAndWait(
    client,
    r.instanceArn,
    r.permissionSetArn,
    options.polling,
  );
  return { calls, provisioning };
}

/**
 * One paragraph on a failed provisioning after `apply` or `rollback`: the reason, the accounts,
 * what to do.
 */
export function describeProvisioningFailure(
  name: string,
  p: ProvisioningOutcome,
  after: 'apply' | 'rollback' = 'apply',
): string {
  const head =
    `provisioning of permission set ${name} FAILED (request ${p.requestId}): ${p.failureReason ?? 'no reason given'}; ` +
    `accounts without the latest version: ${p.notProvisioned.join(', ') || 'none reported'}. `;
  return after === 'apply'
    ? `${head}The permission set itself was changed (recorded): fix the cause and provision again ` +
        '(aws sso-admin provision-permission-set --target-type ALL_PROVISIONED_ACCOUNTS), ' +
        `or undo with: iam-refine rollback --permission-set ${name} --yes`
    : `${head}The permission set itself was restored: fix the cause and provision again ` +
        '(aws sso-admin provision-permission-set --target-type ALL_PROVISIONED_ACCOUNTS) so that ' +
        'those accounts get the restored policies';
}
