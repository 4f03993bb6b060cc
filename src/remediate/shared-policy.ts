/**
 * What a customer managed policy may lose when it is changed in place.
 *
 * A patch to the Terraform or CloudFormation that owns a managed policy changes it for every
 * role, user and group it is attached to, not only for the finding's principal. So it may remove
 * only the permissions that none of them used: the intersection of the unused sets of every
 * principal it reaches (directly, or as a member of a group it is attached to). That is known only
 * when the scan saw every attachment (IAM's `AttachmentCount` is not larger than what it saw) and
 * every one of those principals has an UnusedPermission finding; a principal without one used
 * everything it has, or was not evaluated, so nothing can be said about what it needs.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import { intersectUnused } from '../findings/group-unused.js';
import type { PolicyAttachments } from '../findings/policy-attachments.js';
import type { Finding } from '../findings/types.js';
import { parseUnused, type UnusedSet } from '../policy/unused.js';

/** Who managed policies are attached to, and the findings of those principals. */
export interface SharedPolicyContext {
  /** The attachments the scan recorded, by policy ARN. */
  attachments: ReadonlyMap<string, PolicyAttachments>;
  /** The active UnusedPermission finding of a principal, if it has one. */
  findingOf(principalArn: string): Finding | undefined;
}

/** The unused set a shared policy may lose, and who it is attached to. */
export interface SharedUnused {
  /** The actions unused by every principal the policy reaches. */
  unused: UnusedSet;
  /** Every principal it reaches (sorted), the finding's included. */
  principals: string[];
  /** Their findings, in the order of `principals`. */
  findings: Finding[];
}

/** Code-unit order (locale-independent). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The unused set that managed policy `policyArn` may lose when changed in place, given that
 * `finding` recommends refining it; or why nothing can be said (one line).
 */
export function sharedUnused(
  policyArn: string,
  finding: Finding,
  context: SharedPolicyContext | undefined,
  catalog: ActionCatalog,
): SharedUnused | string {
  const attachments = context?.attachments.get(policyArn);
  if (context === undefined || attachments === undefined) {
    return 'the findings do not say who the policy is attached to (a scan recorded before iam-refine kept its attachments, or an imported finding): changed in place it could break another principal; scan again';
  }
  const via = new Map<string, string>();
  for (const arn of [...attachments.roles, ...attachments.users]) via.set(arn, '');
  for (const g of attachments.groups) {
    for (const m of g.members) if (!via.has(m)) via.set(m, ` (a member of ${g.arn})`);
  }
  const seen = attachments.roles.length + attachments.users.length + attachments.groups.length;
  if (attachments.attachmentCount !== undefined && attachments.attachmentCount > seen) {
    return `IAM counts ${attachments.attachmentCount} attachments of the policy and the scan saw ${seen}: changed in place it could break a principal the scan did not see; scan every account it is attached in`;
  }
  if (!via.has(finding.resource)) via.set(finding.resource, '');
  const principals = [...via.keys()].sort(cmp);
  const findings: Finding[] = [];
  const sets: UnusedSet[] = [];
  for (const arn of principals) {
    const f = arn === finding.resource ? finding : context.findingOf(arn);
    if (f === undefined || f.findingType !== 'UnusedPermission') {
      return `the policy is also attached to ${arn}${via.get(arn)!}, which has no active UnusedPermission finding (it used every permission it has, was not evaluated, or is an unused role): changed in place the policy could break it (a refined copy for this principal alone, as \`apply\` makes, does not)`;
    }
    findings.push(f);
    try {
      sets.push(parseUnused({ findingDetails: f.findingDetails }, { source: `finding ${f.id}` }));
    } catch (error) {
      return `the unused permissions of finding ${f.id} (${arn}), to which the policy is also attached, cannot be read: ${(error as Error).message}`;
    }
  }
  return { unused: intersectUnused(sets, catalog), principals, findings };
}

/**
 * For a split of shared managed policy `policyArn` into `parts` policies: the first principal the
 * scan counted whose managed policies would then be over IAM's quota (the policy's attachment
 * becomes `parts` of them), as one line; undefined when none is. Counted where a principal's
 * finding says (the form of its own recommendation of the policy records its attachments and quota
 * when that form is a split); `principals` other than `finding`'s are looked up in `context`.
 */
export function splitOverAttachmentQuota(
  policyArn: string,
  parts: number,
  principals: readonly string[],
  finding: Finding,
  context: SharedPolicyContext | undefined,
): string | undefined {
  for (const arn of principals) {
    const f = arn === finding.resource ? finding : context?.findingOf(arn);
    const form = f?.policies?.find((p) => p.policyId === policyArn)?.form;
    if (form?.form !== 'split' || !form.attachments || !form.parts) continue;
    const others = form.attachments.count - form.parts.length;
    const total = others + parts;
    if (total > form.attachments.quota) {
      return `${arn} would have ${total} managed policies attached (${others} others and the ${parts} parts), over its quota of ${form.attachments.quota}`;
    }
  }
  return undefined;
}
