/**
 * `apply` and `rollback` for unused roles, access keys and console passwords: the reversible
 * first step of their remediation (src/report/remediation.ts), as an {@link ApplyPlan} that
 * `executeApply` carries out and records, so `rollback` undoes it through the change log.
 *
 * - `UnusedIAMUserAccessKey`: `UpdateAccessKey Status=Inactive` (undo: `Status=Active`). The key
 *   must be named by its id (a credential-report slot is resolved only when the user has exactly
 *   one key); refused when the key is already inactive or gone.
 * - `UnusedIAMRole`: quarantine, `PutRolePolicy` of the inline deny-all policy
 *   `iam-refine-quarantine` (undo: `DeleteRolePolicy`); refused when the role already has an
 *   inline policy of that name.
 * - `UnusedIAMUserPassword`: `DeleteLoginProfile`, after saving the login profile (its creation
 *   date and whether a reset was required) in the change log. It cannot be undone: IAM never
 *   returns a password, so `rollback` cannot restore it and says so (with the command that gives
 *   the user console access again with a new password).
 *
 * Deleting a key or a role is not offered: it cannot be undone.
 */
import {
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { IamRefineError } from '../errors.js';
import type { Finding, PolicyRecommendation } from '../findings/types.js';
import { QUARANTINE_DOCUMENT, QUARANTINE_POLICY_NAME } from '../report/remediation.js';
import { parseEntityArn, type ApplyPlan, type EntityRef, type PlannedStep } from './apply.js';
import { awsCall, awsErrorCode, describeAwsError } from './errors.js';

/** What a remediation needs of a finding. */
export type RemediableFinding = Pick<
  Finding,
  'id' | 'resource' | 'resourceOwnerAccount' | 'findingType' | 'findingDetails' | 'policies'
>;

/** The policy id a login-profile change is recorded under (`rollback` recognises it). */
export const LOGIN_PROFILE_ID = 'login-profile';

/** A stand-in recommendation naming what a remediation step changes (for the change log). */
function target(id: string): PolicyRecommendation {
  return {
    policyId: id,
    policyName: id,
    policyType: 'INLINE',
    recommendedAction: 'NONE',
    policy: null,
    removedByAccessLevel: {},
  };
}

/**
 * Plans the reversible remediation step of an unused role, key or password finding.
 *
 * @throws IamRefineError for an `UnusedPermission` finding or a principal ARN that is not a role
 *   or user.
 */
export async function planRemediation(
  finding: RemediableFinding,
  iam: IAMClient,
  context: { accountId: string },
): Promise<ApplyPlan> {
  if (finding.findingType === 'UnusedPermission') {
    throw new IamRefineError(`finding ${finding.id} is UnusedPermission: use its recommendation`);
  }
  const entity = parseEntityArn(finding.resource);
  if (entity === undefined || entity.kind === 'Group') {
    throw new IamRefineError(`finding ${finding.id}: ${finding.resource} is not a role or user`);
  }
  const plan: ApplyPlan = { finding, policies: [], refusals: [] };
  if (finding.resourceOwnerAccount !== context.accountId) {
    plan.refusals.push(
      `finding ${finding.id} is in account ${finding.resourceOwnerAccount}, but the credentials are for account ${context.accountId}; use --profile or --role-arn for that account`,
    );
    return plan;
  }
  const add = (id: string, title: string, notes: string[], steps: PlannedStep[]) =>
    plan.policies.push({ recommendation: target(id), entity, title, notes, steps });
  switch (finding.findingType) {
    case 'UnusedIAMUserAccessKey':
      await planKey(finding, entity, iam, plan, add);
      break;
    case 'UnusedIAMRole':
      await planQuarantine(entity, iam, plan, add);
      break;
    case 'UnusedIAMUserPassword':
      await planLoginProfile(entity, iam, plan, add);
      break;
  }
  return plan;
}

type Add = (id: string, title: string, notes: string[], steps: PlannedStep[]) => void;

async function planKey(
  finding: RemediableFinding,
  entity: EntityRef,
  iam: IAMClient,
  plan: ApplyPlan,
  add: Add,
): Promise<void> {
  const d = finding.findingDetails[0];
  const named =
    d !== undefined && 'unusedIamUserAccessKeyDetails' in d
      ? d.unusedIamUserAccessKeyDetails.accessKeyId
      : '';
  const listed = await awsCall(
    'IAM:ListAccessKeys',
    () => iam.send(new ListAccessKeysCommand({ UserName: entity.name })),
    entity.arn,
  );
  const keys = listed.AccessKeyMetadata ?? [];
  let key = keys.find((k) => k.AccessKeyId === named);
  if (key === undefined && /^access_key_[12]$/.test(named)) {
    if (keys.length === 1) key = keys[0];
    else {
      plan.refusals.push(
        `finding ${finding.id} names the key by its credential-report slot (${named}) and user ${entity.name} has ${keys.length} keys: deactivate it by id (aws iam update-access-key --user-name ${entity.name} --access-key-id KEY_ID --status Inactive)`,
      );
      return;
    }
  }
  if (key?.AccessKeyId === undefined) {
    plan.refusals.push(`access key ${named} of user ${entity.name} no longer exists`);
    return;
  }
  if (key.Status === 'Inactive') {
    plan.refusals.push(`access key ${key.AccessKeyId} of user ${entity.name} is already inactive`);
    return;
  }
  const params = { UserName: entity.name, AccessKeyId: key.AccessKeyId };
  add(
    `access-key/${key.AccessKeyId}`,
    `access key ${key.AccessKeyId} of user ${entity.name}: deactivate`,
    ['requests signed with the key are refused from now on; rollback reactivates it'],
    [
      {
        call: { operation: 'UpdateAccessKey', params: { ...params, Status: 'Inactive' } },
        undo: [{ operation: 'UpdateAccessKey', params: { ...params, Status: 'Active' } }],
      },
    ],
  );
}

async function planQuarantine(
  entity: EntityRef,
  iam: IAMClient,
  plan: ApplyPlan,
  add: Add,
): Promise<void> {
  const names = await awsCall(
    'IAM:ListRolePolicies',
    () => iam.send(new ListRolePoliciesCommand({ RoleName: entity.name })),
    entity.arn,
  );
  if ((names.PolicyNames ?? []).includes(QUARANTINE_POLICY_NAME)) {
    plan.refusals.push(
      `role ${entity.name} already has the inline policy ${QUARANTINE_POLICY_NAME} (quarantined)`,
    );
    return;
  }
  const params = { RoleName: entity.name, PolicyName: QUARANTINE_POLICY_NAME };
  add(
    QUARANTINE_POLICY_NAME,
    `role ${entity.name}: quarantine (inline deny-all policy ${QUARANTINE_POLICY_NAME})`,
    [
      'every request of the role is refused, also by sessions already issued; rollback deletes the policy',
    ],
    [
      {
        call: {
          operation: 'PutRolePolicy',
          params: { ...params, PolicyDocument: QUARANTINE_DOCUMENT },
        },
        undo: [{ operation: 'DeleteRolePolicy', params }],
        newDocument: QUARANTINE_DOCUMENT,
      },
    ],
  );
}

async function planLoginProfile(
  entity: EntityRef,
  iam: IAMClient,
  plan: ApplyPlan,
  add: Add,
): Promise<void> {
  let profile;
  try {
    profile = (await iam.send(new GetLoginProfileCommand({ UserName: entity.name }))).LoginProfile;
  } catch (error) {
    if (awsErrorCode(error) === 'NoSuchEntity') {
      plan.refusals.push(`user ${entity.name} has no console password (login profile) any more`);
      return;
    }
    throw describeAwsError(error, 'IAM:GetLoginProfile', entity.arn);
  }
  const saved = JSON.stringify({
    UserName: entity.name,
    CreateDate: profile?.CreateDate?.toISOString(),
    PasswordResetRequired: profile?.PasswordResetRequired ?? false,
  });
  add(
    LOGIN_PROFILE_ID,
    `user ${entity.name}: delete the console password (login profile)`,
    [
      `saved in the change log: ${saved}`,
      'cannot be undone: IAM never returns a password, so rollback cannot restore it; to give console access back: aws iam create-login-profile --user-name USER --password NEW --password-reset-required',
    ],
    [
      {
        call: { operation: 'DeleteLoginProfile', params: { UserName: entity.name } },
        undo: [],
        previousDocument: saved,
      },
    ],
  );
}
