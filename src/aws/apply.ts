/**
 * `apply` and `rollback`: act on an `UnusedPermission` finding's recommendation in a live account,
 * and undo it exactly.
 *
 * Per recommended policy:
 * - inline (a role's, user's or group's): `Put{Role,User,Group}Policy` with the refined document,
 *   or `Delete{...}Policy` for `DETACH_POLICY`;
 * - customer-managed, attached to this principal only: a new policy version set as default (the
 *   oldest non-default version is deleted first only when the policy already has IAM's 5
 *   versions, and the plan says so); `DETACH_POLICY`: `Detach{...}Policy`;
 * - AWS-managed, or customer-managed shared with other principals: `CreatePolicy` (a
 *   customer-managed policy with the refined document, path `/iam-refine/`), attach it, detach the
 *   original (Access Analyzer's CREATE_POLICY + DETACH_POLICY).
 * - a split form (the refined policy spread over several customer managed policies): every part
 *   created and attached, then the original detached (or, inline, deleted), so the principal never
 *   has less than the refined permissions nor more than the original ones; refused when the parts
 *   and the original together exceed the principal's managed-policy attachment quota;
 * - a managed policy whose refinement only fits as an inline policy of the role: `PutRolePolicy`
 *   of a new inline policy, then the original detached.
 *
 * Before anything is written, every policy is re-read live and compared with the policy the
 * recommendation was computed from (refused if it changed), and every refined document is checked
 * against IAM's size quotas (refused if over). Every write is recorded in the {@link ChangeLog}
 * with the document it replaced and the calls that undo it, so {@link planRollback} restores the
 * previous state byte for byte.
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  DeleteGroupPolicyCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListPolicyVersionsCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  UpdateAccessKeyCommand,
  DeleteLoginProfileCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { ActionCatalog } from '../catalog/catalog.js';
import { DEFAULT_MAX_MANAGED_POLICIES, groupDigits, policySize } from '../policy/size.js';
import { IamRefineError } from '../errors.js';
import type { Finding, PolicyRecommendation } from '../findings/types.js';
import { IDENTITY_CENTER_ROLE_REASON, identityCenterRoleOfArn } from '../identity-center/roles.js';
import { formLabel } from '../refine/forms/choose.js';
import { refinePolicy } from '../refine/refine.js';
import type { ChangeLog, IamCall, LiveChange } from './changes.js';
import { awsCall, awsErrorCode, describeAwsError } from './errors.js';
import { allIamPages, type IamPage } from './pages.js';

/** What `apply` needs of a finding (a stored finding's `finding`). */
export type ApplicableFinding = Pick<
  Finding,
  'id' | 'resource' | 'resourceOwnerAccount' | 'findingType' | 'policies'
>;

/**
 * A policy recommendation, possibly with the document the scan or import saw (`originalPolicy`):
 * when present, the live policy must equal it; otherwise the live policy must refine to the same
 * recommendation.
 */
export type RecommendationWithOriginal = PolicyRecommendation & {
  originalPolicy?: Record<string, unknown>;
};

/** The kinds of IAM entity policies are attached to. */
export type EntityKind = 'Role' | 'User' | 'Group';

/** A role, user or group named by an ARN. */
export interface EntityRef {
  kind: EntityKind;
  name: string;
  arn: string;
  account: string;
}

/** One write call of a plan. */
export interface PlannedStep {
  call: IamCall;
  /** The calls that undo it (completed from the call's answer by `undoAfter`). */
  undo: IamCall[];
  /** Undo calls that depend on the answer (the new version id). */
  undoAfter?: (answer: unknown) => IamCall[];
  /** The document the call replaces or removes (exact text). */
  previousDocument?: string;
  /** The document it writes. */
  newDocument?: string;
}

/** What `apply` will do to one policy. */
export interface PolicyPlan {
  recommendation: PolicyRecommendation;
  entity: EntityRef;
  /** One line: the policy, its kind and the action. */
  title: string;
  /** What the user should know (the 5-version limit, a shared policy, ...). */
  notes: string[];
  steps: PlannedStep[];
}

/** The plan of `apply` for a finding; it may be refused (then nothing may be written). */
export interface ApplyPlan {
  finding: ApplicableFinding;
  policies: PolicyPlan[];
  /** Why the plan must not be carried out, one line each (empty: it may). */
  refusals: string[];
}

/** What planning needs besides the IAM client. */
export interface PlanContext {
  /** The account the credentials are for (checked against the finding's). */
  accountId: string;
  /** The action catalog, loaded only when a policy must be re-refined to check it is unchanged. */
  catalog: () => Promise<ActionCatalog>;
}

/** IAM's inline policy quota per entity kind (all inline policies of the entity together). */
export const INLINE_QUOTAS: Readonly<Record<EntityKind, number>> = {
  Role: 10240,
  User: 2048,
  Group: 5120,
};
/** IAM's managed policy quota. */
export const MANAGED_QUOTA = 6144;
/** IAM's limit of versions per managed policy. */
export const MAX_POLICY_VERSIONS = 5;
/** The path of the policies `apply` creates. */
export const CREATED_POLICY_PATH = '/iam-refine/';

const ENTITY_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(role|user|group)\/(?:[^/]+\/)*([^/]+)$/;

/** The entity an ARN names, or undefined. */
export function parseEntityArn(arn: string): EntityRef | undefined {
  const m = ENTITY_ARN.exec(arn);
  if (m === null) return undefined;
  const kind = (m[3]![0]!.toUpperCase() + m[3]!.slice(1)) as EntityKind;
  return { kind, name: m[4]!, arn, account: m[2]! };
}

/** The text `apply` writes for a refined document (two-space JSON, as the CLI prints it). */
export function documentText(policy: Record<string, unknown>): string {
  return JSON.stringify(policy, null, 2);
}

/** The name of the customer-managed policy that replaces `policyName` for one principal. */
export function refinedPolicyName(policyName: string, principalArn: string): string {
  const suffix = `-refined-${createHash('sha256').update(principalArn).digest('hex').slice(0, 8)}`;
  return policyName.slice(0, 128 - suffix.length) + suffix;
}

/**
 * Reads the live policies of a finding's recommendation and plans the write calls. Nothing is
 * written. Problems that forbid applying (the policy changed since the scan, a refined policy over
 * IAM's size quota, another account's credentials) are collected in {@link ApplyPlan.refusals}.
 *
 * @throws IamRefineError when the finding has no recommendation to apply; AwsCallError when a read
 *   fails (a missing permission names the IAM action).
 */
export async function planApply(
  finding: ApplicableFinding,
  iam: IAMClient,
  context: PlanContext,
): Promise<ApplyPlan> {
  if (finding.findingType !== 'UnusedPermission') {
    throw new IamRefineError(
      `finding ${finding.id} is ${finding.findingType}: only UnusedPermission findings have a policy recommendation to apply`,
    );
  }
  const ic = identityCenterRoleOfArn(finding.resource);
  if (ic !== undefined) {
    throw new IamRefineError(
      `finding ${finding.id} is for ${finding.resource}, a role ${IDENTITY_CENTER_ROLE_REASON}; iam-refine makes no IAM change to it: apply the recommendation of permission set ${ic.permissionSetName} instead (iam-refine apply --permission-set ${ic.permissionSetName})`,
    );
  }
  const recs = (finding.policies ?? []).filter(
    (p) => p.recommendedAction !== 'NONE' && p.error === undefined,
  );
  if (recs.length === 0) {
    throw new IamRefineError(`finding ${finding.id} has no policy recommendation to apply`);
  }
  const plan: ApplyPlan = { finding, policies: [], refusals: [] };
  if (finding.resourceOwnerAccount !== context.accountId) {
    plan.refusals.push(
      `finding ${finding.id} is in account ${finding.resourceOwnerAccount}, but the credentials are for account ${context.accountId}; use --profile or --role-arn for that account`,
    );
    return plan;
  }
  for (const rec of recs) {
    plan.policies.push(
      await planPolicy(finding, rec as RecommendationWithOriginal, iam, context, plan.refusals),
    );
  }
  return plan;
}

async function planPolicy(
  finding: ApplicableFinding,
  rec: RecommendationWithOriginal,
  iam: IAMClient,
  context: PlanContext,
  refusals: string[],
): Promise<PolicyPlan> {
  const group = rec.policyType === 'GROUP_INLINE' || rec.policyType === 'GROUP_MANAGED';
  const entityArn = group ? (rec.groupArn ?? '') : finding.resource;
  const entity = parseEntityArn(entityArn);
  if (entity === undefined) {
    throw new IamRefineError(
      `finding ${finding.id}: ${entityArn || 'the group'} is not a role, user or group ARN`,
    );
  }
  const K = entity.kind;
  const inline = rec.policyType === 'INLINE' || rec.policyType === 'GROUP_INLINE';
  const awsManaged = !inline && /^arn:aws[a-z-]*:iam::aws:policy\//.test(rec.policyId);
  const kindLabel = inline
    ? `inline policy of ${K.toLowerCase()} ${entity.name}`
    : awsManaged
      ? 'AWS managed'
      : 'customer managed';
  const plan: PolicyPlan = {
    recommendation: rec,
    entity,
    title: `policy ${rec.policyName} (${inline ? kindLabel : `${rec.policyId}, ${kindLabel}`}): ${rec.recommendedAction}`,
    notes: [],
    steps: [],
  };
  if (group) {
    plan.notes.push(`a group policy: the change applies to every member of group ${entity.name}`);
  }
  if (rec.form !== undefined && rec.recommendedAction === 'CREATE_POLICY') {
    plan.notes.push(`form: ${formLabel(rec.form)}`);
  }
  const where = `${rec.policyName}`;
  const refuse = (why: string) =>
    refusals.push(`policy ${rec.policyName}: ${why}; nothing was changed`);
  const newText = rec.policy === null ? undefined : documentText(rec.policy);
  const entityParam = { [`${K}Name`]: entity.name };

  if (inline) {
    const live = await readInline(iam, K, entity.name, rec.policyName, where);
    const changed = await changedSinceScan(rec, live, context);
    if (changed !== undefined) refuse(changed);
    // Deleting the inline policy, undone by putting the live document back.
    const remove: PlannedStep = {
      call: {
        operation: `Delete${K}Policy`,
        params: { ...entityParam, PolicyName: rec.policyName },
      },
      undo: [
        {
          operation: `Put${K}Policy`,
          params: { ...entityParam, PolicyName: rec.policyName, PolicyDocument: live },
        },
      ],
      previousDocument: live,
    };
    if (rec.recommendedAction === 'DETACH_POLICY') {
      plan.steps.push(remove);
      return plan;
    }
    if (rec.parts !== undefined) {
      // Too large for the inline quota: split over customer managed policies, then deleted.
      await planParts(finding, rec, entity, iam, plan, remove, refuse);
      return plan;
    }
    let total = policySize(JSON.parse(newText!));
    for (const other of await listInline(iam, K, entity.name, where)) {
      if (other === rec.policyName) continue;
      total += textSize(await readInline(iam, K, entity.name, other, where));
    }
    if (total > INLINE_QUOTAS[K]) {
      refuse(
        `the ${K.toLowerCase()}'s inline policies would be ${groupDigits(total)} characters with the refined policy, over IAM's ${K.toLowerCase()} inline policy quota of ${groupDigits(INLINE_QUOTAS[K])} (whitespace not counted)`,
      );
    }
    plan.steps.push({
      call: {
        operation: `Put${K}Policy`,
        params: { ...entityParam, PolicyName: rec.policyName, PolicyDocument: newText! },
      },
      undo: [
        {
          operation: `Put${K}Policy`,
          params: { ...entityParam, PolicyName: rec.policyName, PolicyDocument: live },
        },
      ],
      previousDocument: live,
      newDocument: newText!,
    });
    return plan;
  }

  // A managed policy.
  const arn = rec.policyId;
  const policy = await awsCall(
    'IAM:GetPolicy',
    () => iam.send(new GetPolicyCommand({ PolicyArn: arn })),
    where,
  );
  const defaultVersion = policy.Policy?.DefaultVersionId ?? '';
  const live = await readVersion(iam, arn, defaultVersion, where);
  const changed = await changedSinceScan(rec, live, context);
  if (changed !== undefined) refuse(changed);
  const attach = (policyArn: string): IamCall => ({
    operation: `Attach${K}Policy`,
    params: { ...entityParam, PolicyArn: policyArn },
  });
  const detach = (policyArn: string): IamCall => ({
    operation: `Detach${K}Policy`,
    params: { ...entityParam, PolicyArn: policyArn },
  });

  if (rec.recommendedAction === 'DETACH_POLICY') {
    plan.steps.push({ call: detach(arn), undo: [attach(arn)] });
    return plan;
  }
  if (rec.parts !== undefined) {
    // Split form: every part created and attached, then the original detached.
    await planParts(
      finding,
      rec,
      entity,
      iam,
      plan,
      { call: detach(arn), undo: [attach(arn)] },
      refuse,
    );
    return plan;
  }
  if (rec.form?.policyType === 'role-inline' && K === 'Role') {
    // Too large for a managed policy: an inline policy of the role, then the original detached.
    const name = refinedPolicyName(rec.policyName, entity.arn);
    let total = policySize(JSON.parse(newText!));
    for (const other of await listInline(iam, K, entity.name, where)) {
      if (other === name) {
        refuse(
          `the role already has an inline policy ${name} (applied before? run rollback first)`,
        );
        continue;
      }
      total += textSize(await readInline(iam, K, entity.name, other, where));
    }
    if (total > INLINE_QUOTAS.Role) {
      refuse(
        `the role's inline policies would be ${groupDigits(total)} characters with the refined policy, over IAM's role inline policy quota of ${groupDigits(INLINE_QUOTAS.Role)} (whitespace not counted)`,
      );
    }
    plan.notes.push(
      `the refined policy is too large for a managed policy: it becomes the inline policy ${name} of role ${entity.name}, written before the original is detached`,
    );
    plan.steps.push({
      call: {
        operation: 'PutRolePolicy',
        params: { RoleName: entity.name, PolicyName: name, PolicyDocument: newText! },
      },
      undo: [
        { operation: 'DeleteRolePolicy', params: { RoleName: entity.name, PolicyName: name } },
      ],
      newDocument: newText!,
    });
    plan.steps.push({ call: detach(arn), undo: [attach(arn)] });
    return plan;
  }
  const size = policySize(JSON.parse(newText!));
  if (size > MANAGED_QUOTA) {
    refuse(
      `the refined policy is ${groupDigits(size)} characters, over IAM's managed policy quota of ${groupDigits(MANAGED_QUOTA)} (whitespace not counted)`,
    );
  }

  let shared: string[] = [];
  if (!awsManaged) {
    const entities = await awsCall(
      'IAM:ListEntitiesForPolicy',
      () => iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn })),
      where,
    );
    shared = [
      ...(entities.PolicyRoles ?? [])
        .filter((r) => !(K === 'Role' && r.RoleName === entity.name))
        .map((r) => `role ${r.RoleName}`),
      ...(entities.PolicyUsers ?? [])
        .filter((u) => !(K === 'User' && u.UserName === entity.name))
        .map((u) => `user ${u.UserName}`),
      ...(entities.PolicyGroups ?? [])
        .filter((g) => !(K === 'Group' && g.GroupName === entity.name))
        .map((g) => `group ${g.GroupName}`),
    ];
  }

  if (!awsManaged && shared.length === 0) {
    // A new default version of the policy itself.
    const versions = await awsCall(
      'IAM:ListPolicyVersions',
      () => iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn })),
      where,
    );
    const list = versions.Versions ?? [];
    if (list.length >= MAX_POLICY_VERSIONS) {
      const oldest = list
        .filter((v) => v.IsDefaultVersion !== true)
        .sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))[0];
      if (oldest?.VersionId !== undefined) {
        const oldText = await readVersion(iam, arn, oldest.VersionId, where);
        plan.notes.push(
          `the policy has ${list.length} versions, IAM's limit: deleting its oldest non-default version ${oldest.VersionId}` +
            `${oldest.CreateDate === undefined ? '' : ` (created ${oldest.CreateDate.toISOString()})`} first; ` +
            'rollback restores its document as a new non-default version',
        );
        plan.steps.push({
          call: {
            operation: 'DeletePolicyVersion',
            params: { PolicyArn: arn, VersionId: oldest.VersionId },
          },
          undo: [
            {
              operation: 'CreatePolicyVersion',
              params: { PolicyArn: arn, PolicyDocument: oldText, SetAsDefault: false },
            },
          ],
          previousDocument: oldText,
        });
      }
    }
    const restoreDefault: IamCall = {
      operation: 'SetDefaultPolicyVersion',
      params: { PolicyArn: arn, VersionId: defaultVersion },
    };
    plan.steps.push({
      call: {
        operation: 'CreatePolicyVersion',
        params: { PolicyArn: arn, PolicyDocument: newText!, SetAsDefault: true },
      },
      undo: [restoreDefault],
      undoAfter: (answer) => {
        const version = (answer as { PolicyVersion?: { VersionId?: string } }).PolicyVersion
          ?.VersionId;
        return version === undefined
          ? [restoreDefault]
          : [
              restoreDefault,
              { operation: 'DeletePolicyVersion', params: { PolicyArn: arn, VersionId: version } },
            ];
      },
      previousDocument: live,
      newDocument: newText!,
    });
    return plan;
  }

  // A new customer-managed policy for this principal, attached instead of the original.
  if (shared.length > 0) {
    plan.notes.push(
      `the policy is also attached to ${shared.join(', ')}: a new version would change their permissions too, so a separate policy is created for ${K.toLowerCase()} ${entity.name}`,
    );
  }
  const newArn = await planNewPolicy(iam, plan, refuse, {
    name: refinedPolicyName(rec.policyName, entity.arn),
    entity,
    document: newText!,
    description: `iam-refine: ${rec.policyName} without the unused permissions of ${entity.arn} (finding ${finding.id})`,
    where,
  });
  plan.steps.push({ call: attach(newArn), undo: [detach(newArn)] });
  plan.steps.push({ call: detach(arn), undo: [attach(arn)] });
  return plan;
}

/**
 * The steps of a split form: each part created (path `/iam-refine/`) and attached to the entity,
 * then `remove` (the original's detach or delete). At every moment the entity has the original's
 * permissions or the refined ones: the parts together allow the refined set, each inside the
 * original, and the original goes last. Rollback undoes newest first: the original comes back,
 * then every part is detached and deleted. Refused when a part is over the managed policy quota
 * or the entity would exceed its managed-policy attachment quota while the parts and the original
 * are attached together.
 */
async function planParts(
  finding: ApplicableFinding,
  rec: RecommendationWithOriginal,
  entity: EntityRef,
  iam: IAMClient,
  plan: PolicyPlan,
  remove: PlannedStep,
  refuse: (why: string) => void,
): Promise<void> {
  const parts = rec.parts!;
  const K = entity.kind;
  const where = rec.policyName;
  const entityParam = { [`${K}Name`]: entity.name };
  const attached = await listAttached(iam, K, entity.name, where);
  const quota = rec.form?.attachments?.quota ?? DEFAULT_MAX_MANAGED_POLICIES;
  const peak = attached.length + parts.length;
  if (peak > quota) {
    refuse(
      `${K.toLowerCase()} ${entity.name} would have ${peak} managed policies attached while the ${parts.length} parts are attached before the original is removed, over the attachment quota of ${quota} (--max-managed-policies when the account's quota is raised)`,
    );
  }
  plan.notes.push(
    `split form: ${parts.length} customer managed policies are created and attached before the original is removed (${peak} of ${quota} managed policies attached meanwhile); rollback brings the original back first, then removes every part`,
  );
  for (let k = 0; k < parts.length; k++) {
    const text = documentText(parts[k]!);
    const size = policySize(parts[k]);
    if (size > MANAGED_QUOTA) {
      refuse(
        `part ${k + 1} is ${groupDigits(size)} characters, over IAM's managed policy quota of ${groupDigits(MANAGED_QUOTA)}`,
      );
    }
    const arn = await planNewPolicy(iam, plan, refuse, {
      name: refinedPolicyName(`${rec.policyName}-part${k + 1}`, entity.arn),
      entity,
      document: text,
      description: `iam-refine: part ${k + 1} of ${parts.length} of ${rec.policyName} without the unused permissions of ${entity.arn} (finding ${finding.id})`,
      where,
    });
    plan.steps.push({
      call: { operation: `Attach${K}Policy`, params: { ...entityParam, PolicyArn: arn } },
      undo: [{ operation: `Detach${K}Policy`, params: { ...entityParam, PolicyArn: arn } }],
    });
  }
  plan.steps.push(remove);
}

/**
 * Plans a new customer managed policy for `entity` (path `/iam-refine/`): refused when a policy of
 * that name already exists (an earlier apply not rolled back), else a CreatePolicy step undone by
 * DeletePolicy. Returns the new policy's ARN.
 */
async function planNewPolicy(
  iam: IAMClient,
  plan: PolicyPlan,
  refuse: (why: string) => void,
  p: { name: string; entity: EntityRef; document: string; description: string; where: string },
): Promise<string> {
  const partition = ENTITY_ARN.exec(p.entity.arn)![1]!;
  const arn = `arn:${partition}:iam::${p.entity.account}:policy${CREATED_POLICY_PATH}${p.name}`;
  try {
    await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    refuse(`the policy ${arn} already exists (applied before? run rollback first, or delete it)`);
  } catch (error) {
    if (awsErrorCode(error) !== 'NoSuchEntity') {
      throw describeAwsError(error, 'IAM:GetPolicy', p.where);
    }
  }
  plan.steps.push({
    call: {
      operation: 'CreatePolicy',
      params: {
        PolicyName: p.name,
        Path: CREATED_POLICY_PATH,
        PolicyDocument: p.document,
        Description: p.description.slice(0, 1000),
      },
    },
    undo: [{ operation: 'DeletePolicy', params: { PolicyArn: arn } }],
    newDocument: p.document,
  });
  return arn;
}

/** The managed policies attached to an entity (ARNs). */
async function listAttached(
  iam: IAMClient,
  kind: EntityKind,
  name: string,
  where: string,
): Promise<string[]> {
  return allIamPages<IamPage & { AttachedPolicies?: { PolicyArn?: string }[] }, string>(
    `IAM:ListAttached${kind}Policies`,
    (m) => {
      switch (kind) {
        case 'Role':
          return iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, ...m }));
        case 'User':
          return iam.send(new ListAttachedUserPoliciesCommand({ UserName: name, ...m }));
        case 'Group':
          return iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: name, ...m }));
      }
    },
    (page) => (page.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])),
    where,
  );
}

function textSize(text: string): number {
  let n = 0;
  for (const ch of text) if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') n++;
  return n;
}

/** Decodes a policy document as IAM returns it (URL-encoded JSON). */
export function decodeDocument(text: string | undefined): string {
  if (text === undefined) return '';
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The exact text of an inline policy (decoded from IAM's URL encoding). */
export async function readInline(
  iam: IAMClient,
  kind: EntityKind,
  name: string,
  policyName: string,
  where: string,
): Promise<string> {
  const call = `IAM:Get${kind}Policy`;
  const out = await awsCall<{ PolicyDocument?: string }>(
    call,
    () => {
      switch (kind) {
        case 'Role':
          return iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }));
        case 'User':
          return iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }));
        case 'Group':
          return iam.send(new GetGroupPolicyCommand({ GroupName: name, PolicyName: policyName }));
      }
    },
    where,
  );
  return decodeDocument(out.PolicyDocument);
}

async function listInline(
  iam: IAMClient,
  kind: EntityKind,
  name: string,
  where: string,
): Promise<string[]> {
  return allIamPages<IamPage & { PolicyNames?: string[] }, string>(
    `IAM:List${kind}Policies`,
    (m) => {
      switch (kind) {
        case 'Role':
          return iam.send(new ListRolePoliciesCommand({ RoleName: name, ...m }));
        case 'User':
          return iam.send(new ListUserPoliciesCommand({ UserName: name, ...m }));
        case 'Group':
          return iam.send(new ListGroupPoliciesCommand({ GroupName: name, ...m }));
      }
    },
    (page) => page.PolicyNames ?? [],
    where,
  );
}

/** The exact text of one version of a managed policy (decoded from IAM's URL encoding). */
export async function readVersion(
  iam: IAMClient,
  arn: string,
  versionId: string,
  where: string,
): Promise<string> {
  const out = await awsCall(
    'IAM:GetPolicyVersion',
    () => iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId })),
    where,
  );
  return decodeDocument(out.PolicyVersion?.Document);
}

/**
 * Why the live policy is not the one the recommendation was computed from, or undefined when it
 * is: equal to `originalPolicy` when the finding recorded it, else refining the live policy with
 * the removed actions gives the same recommendation.
 */
async function changedSinceScan(
  rec: RecommendationWithOriginal,
  liveText: string,
  context: PlanContext,
): Promise<string | undefined> {
  let live: unknown;
  try {
    live = JSON.parse(liveText);
  } catch {
    return 'the live policy document is not JSON';
  }
  const changed =
    'the live policy changed since the scan (run the scan again for a new recommendation)';
  if (rec.originalPolicy !== undefined) {
    return isDeepStrictEqual(live, rec.originalPolicy) ? undefined : changed;
  }
  const removed = [
    ...Object.values(rec.removedByAccessLevel ?? {}).flat(),
    ...(rec.removedServices ?? []).map((service) => `${service}:*`),
  ];
  if (removed.length === 0) {
    return 'the finding does not record the policy it was computed from, so a change since the scan cannot be ruled out (run the scan again)';
  }
  try {
    const refined = refinePolicy(live as object, removed, { catalog: await context.catalog() });
    const same =
      rec.recommendedAction === 'DETACH_POLICY'
        ? refined.recommendedAction === 'DETACH_POLICY'
        : refined.recommendedAction === 'CREATE_POLICY' &&
          isDeepStrictEqual(refined.policy, rec.policy);
    return same ? undefined : changed;
  } catch {
    return changed;
  }
}

/** Formats one call: `IAM PutRolePolicy RoleName=app PolicyName=Logs`, the document below. */
export function formatCall(call: IamCall, indent = ''): string {
  const params = Object.entries(call.params)
    .filter(([k]) => k !== 'PolicyDocument')
    .map(
      ([k, v]) =>
        `${k}=${typeof v === 'string' && /[\s"]/.test(v) ? JSON.stringify(v) : String(v)}`,
    )
    .join(' ');
  let text = `IAM ${call.operation}${params ? ` ${params}` : ''}`;
  const doc = call.params.PolicyDocument;
  if (typeof doc === 'string') {
    text += `\n${indent}   PolicyDocument:\n${doc
      .split('\n')
      .map((line) => `${indent}     ${line}`)
      .join('\n')}`;
  }
  return text;
}

/** The plan as the dry run prints it. */
export function formatPlan(plan: ApplyPlan): string {
  const lines = [
    `finding ${plan.finding.id}: ${plan.finding.findingType} of ${plan.finding.resource} (account ${plan.finding.resourceOwnerAccount})`,
  ];
  let n = 0;
  for (const p of plan.policies) {
    lines.push('', p.title);
    for (const note of p.notes) lines.push(`  note: ${note}`);
    for (const step of p.steps) lines.push(`  ${++n}. ${formatCall(step.call, '  ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every call of a plan, in order. */
export function planCalls(plan: ApplyPlan): IamCall[] {
  return plan.policies.flatMap((p) => p.steps.map((s) => s.call));
}

const COMMANDS: Record<string, new (input: never) => unknown> = {
  PutRolePolicy: PutRolePolicyCommand,
  PutUserPolicy: PutUserPolicyCommand,
  PutGroupPolicy: PutGroupPolicyCommand,
  DeleteRolePolicy: DeleteRolePolicyCommand,
  DeleteUserPolicy: DeleteUserPolicyCommand,
  DeleteGroupPolicy: DeleteGroupPolicyCommand,
  AttachRolePolicy: AttachRolePolicyCommand,
  AttachUserPolicy: AttachUserPolicyCommand,
  AttachGroupPolicy: AttachGroupPolicyCommand,
  DetachRolePolicy: DetachRolePolicyCommand,
  DetachUserPolicy: DetachUserPolicyCommand,
  DetachGroupPolicy: DetachGroupPolicyCommand,
  CreatePolicy: CreatePolicyCommand,
  DeletePolicy: DeletePolicyCommand,
  CreatePolicyVersion: CreatePolicyVersionCommand,
  DeletePolicyVersion: DeletePolicyVersionCommand,
  SetDefaultPolicyVersion: SetDefaultPolicyVersionCommand,
  // The reversible remediations of unused keys, roles and passwords (src/aws/remediate.ts).
  UpdateAccessKey: UpdateAccessKeyCommand,
  DeleteLoginProfile: DeleteLoginProfileCommand,
};

/** Sends one recorded call with the real SDK command of its operation. */
export async function sendCall(iam: IAMClient, call: IamCall, where?: string): Promise<unknown> {
  const Command = COMMANDS[call.operation];
  if (Command === undefined) throw new IamRefineError(`unknown IAM operation ${call.operation}`);
  return awsCall(
    `IAM:${call.operation}`,
    () => iam.send(new Command(call.params as never) as Parameters<IAMClient['send']>[0]),
    where,
  );
}

/** What {@link executeApply} did. */
export interface ApplyResult {
  /** The change log batch. */
  batch: number;
  /** Calls made. */
  calls: number;
}

/**
 * Carries out a plan that has no refusals: each call is recorded as planned, made, then recorded
 * done with its undo calls. A failed call stops the run (earlier calls stay recorded, so
 * `rollback` undoes them).
 *
 * @throws IamRefineError when the plan has refusals; AwsCallError when a call fails (the message
 *   says how many calls were made before and that rollback undoes them).
 */
export async function executeApply(
  plan: ApplyPlan,
  iam: IAMClient,
  log: ChangeLog,
): Promise<ApplyResult> {
  if (plan.refusals.length > 0) throw new IamRefineError(plan.refusals.join('\n'));
  const active = log.active(plan.finding.id);
  if (active.length > 0) {
    throw new IamRefineError(
      `finding ${plan.finding.id} was applied at ${active[0]!.appliedAt} and not rolled back; run rollback first`,
    );
  }
  const batch = log.newBatch();
  let calls = 0;
  for (const p of plan.policies) {
    for (const step of p.steps) {
      const id = log.plan({
        batch,
        findingId: plan.finding.id,
        principalArn: p.entity.arn,
        policyId: p.recommendation.policyId,
        call: step.call,
        undo: step.undo,
        ...(step.previousDocument === undefined ? {} : { previousDocument: step.previousDocument }),
        ...(step.newDocument === undefined ? {} : { newDocument: step.newDocument }),
      });
      let answer: unknown;
      try {
        answer = await sendCall(iam, step.call, `policy ${p.recommendation.policyName}`);
      } catch (error) {
        log.discard(id);
        const made =
          calls === 0
            ? 'no call was made'
            : `${calls} earlier call(s) were made: run rollback ${plan.finding.id} to undo them`;
        throw new IamRefineError(`${(error as Error).message}; ${made}`, { cause: error });
      }
      log.done(id, step.undoAfter?.(answer));
      calls++;
    }
  }
  return { batch, calls };
}

/** What `rollback` will do. */
export interface RollbackPlan {
  findingId: string;
  /** The changes to undo, newest first, each with its undo calls. */
  changes: LiveChange[];
  /** Why it must not be carried out (the policy changed since apply), one line each. */
  refusals: string[];
}

/**
 * Plans the rollback of a finding's applied changes: the undo calls of every change not rolled
 * back, newest first. Refused when a policy `apply` wrote was changed since (use `force` to undo
 * anyway).
 *
 * @throws IamRefineError when nothing is recorded for the finding.
 */
export async function planRollback(
  findingId: string,
  iam: IAMClient,
  log: ChangeLog,
): Promise<RollbackPlan> {
  const changes = log.active(findingId).reverse();
  if (changes.length === 0) {
    const any = log.history(findingId).length > 0;
    throw new IamRefineError(
      any
        ? `finding ${findingId}: every change applied was already rolled back`
        : `finding ${findingId}: no change was applied (nothing to roll back)`,
    );
  }
  const refusals: string[] = [];
  for (const c of changes) {
    if (c.undo.length === 0 && c.state === 'done') {
      // A deleted console password (src/aws/remediate.ts): nothing can bring it back.
      refusals.push(
        `${c.policyId} deleted at ${c.appliedAt} cannot be undone: IAM never returns a password (saved: ${c.previousDocument ?? 'nothing'}); give console access back with a new password: aws iam create-login-profile --user-name USER --password NEW --password-reset-required (--force marks it rolled back without a call)`,
      );
      continue;
    }
    if (c.state !== 'done' || c.newDocument === undefined) continue;
    const live = await liveDocumentWritten(iam, c);
    if (live !== undefined && live !== c.newDocument) {
      refusals.push(
        `policy ${c.policyId}: changed since apply (${c.appliedAt}); rolling back would discard that change (use --force to roll back anyway)`,
      );
    }
  }
  return { findingId, changes, refusals };
}

/** The live document where a change wrote one (undefined when it cannot be read back). */
async function liveDocumentWritten(iam: IAMClient, c: LiveChange): Promise<string | undefined> {
  const p = c.call.params;
  const put = /^Put(Role|User|Group)Policy$/.exec(c.call.operation);
  try {
    if (put !== null) {
      const kind = put[1] as EntityKind;
      return await readInline(
        iam,
        kind,
        String(p[`${kind}Name`]),
        String(p.PolicyName),
        c.policyId,
      );
    }
    if (c.call.operation === 'CreatePolicyVersion') {
      const policy = await iam.send(new GetPolicyCommand({ PolicyArn: String(p.PolicyArn) }));
      return await readVersion(
        iam,
        String(p.PolicyArn),
        policy.Policy?.DefaultVersionId ?? '',
        c.policyId,
      );
    }
  } catch (error) {
    if (awsErrorCode(error) === 'NoSuchEntity') return '';
    throw error;
  }
  return undefined;
}

/** The rollback plan as the dry run prints it. */
export function formatRollback(plan: RollbackPlan): string {
  const lines = [`finding ${plan.findingId}: undo ${plan.changes.length} change(s), newest first`];
  let n = 0;
  for (const c of plan.changes) {
    lines.push(
      '',
      `undo ${formatCall({ operation: c.call.operation, params: { ...c.call.params, PolicyDocument: '' } }).split('\n')[0]} (${c.appliedAt}${c.state === 'planned' ? ', may not have completed' : ''})`,
    );
    for (const u of c.undo) lines.push(`  ${++n}. ${formatCall(u, '  ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Carries out a rollback: each change's undo calls, newest change first; each change is marked
 * rolled back once its calls succeeded. For a change recorded only as planned (the apply run died
 * around its call), `NoSuchEntity` answers are ignored (the call never happened).
 *
 * @throws IamRefineError when the plan has refusals and `force` is not set; AwsCallError when a
 *   call fails.
 */
export async function executeRollback(
  plan: RollbackPlan,
  iam: IAMClient,
  log: ChangeLog,
  options: { force?: boolean } = {},
): Promise<{ calls: number }> {
  if (plan.refusals.length > 0 && options.force !== true) {
    throw new IamRefineError(plan.refusals.join('\n'));
  }
  let calls = 0;
  for (const c of plan.changes) {
    for (const u of c.undo) {
      try {
        await sendCall(iam, u, `policy ${c.policyId}`);
        calls++;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (c.state === 'planned' && (code === 'NoSuchEntity' || code === 'DeleteConflict'))
          continue;
        throw error;
      }
    }
    log.rolledBack(c.id);
  }
  return { calls };
}
