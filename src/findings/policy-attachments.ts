/**
 * Who a customer managed policy is attached to, as the scan saw it: its roles, its users and its
 * groups with their members, and the `AttachmentCount` IAM reported for it.
 *
 * A finding's recommendation for a managed policy is per principal (create a refined copy, attach
 * it, detach the original), which never touches the others the policy is attached to. Changing
 * the policy itself in place (`remediate` patching the Terraform or CloudFormation that owns it)
 * reaches every one of them, so it may only remove what none of them used: this is what tells
 * `remediate` who they are, and whether the scan saw them all.
 */
import type { Inventory } from '../inventory/types.js';
import { groupMembers } from './group-unused.js';
import type { Finding } from './types.js';

/** The attachments of one customer managed policy. */
export interface PolicyAttachments {
  /** The policy's ARN. */
  policyArn: string;
  /**
   * IAM's `AttachmentCount` of the policy (roles, users and groups), when the inventory has it:
   * more than the entities listed means the scan did not see every attachment.
   */
  attachmentCount?: number;
  /** Roles it is attached to, sorted. */
  roles: string[];
  /** Users it is attached to directly, sorted. */
  users: string[];
  /** Groups it is attached to, sorted by ARN, each with its members (user ARNs, sorted). */
  groups: { arn: string; members: string[] }[];
}

/** Code-unit order (locale-independent). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The attachments of every customer managed policy that one of `findings`' policy
 * recommendations refines (CREATE_POLICY of a managed policy not owned by AWS), sorted by ARN.
 * Group members are the inventory's users naming the group (same account).
 */
export function policyAttachments(
  inventory: Inventory,
  findings: readonly Finding[],
): PolicyAttachments[] {
  const wanted = new Set<string>();
  for (const f of findings) {
    for (const p of f.policies ?? []) {
      if (p.recommendedAction !== 'CREATE_POLICY') continue;
      if (p.policyType !== 'CUSTOMER_MANAGED' && p.policyType !== 'GROUP_MANAGED') continue;
      if (p.policyId.includes(':iam::aws:policy/')) continue;
      wanted.add(p.policyId);
    }
  }
  if (wanted.size === 0) return [];
  const byPolicy = new Map<string, PolicyAttachments>();
  const entry = (arn: string): PolicyAttachments => {
    let e = byPolicy.get(arn);
    if (!e) {
      const count = inventory.policies.get(arn)?.attachmentCount;
      e = {
        policyArn: arn,
        ...(count === undefined ? {} : { attachmentCount: count }),
        roles: [],
        users: [],
        groups: [],
      };
      byPolicy.set(arn, e);
    }
    return e;
  };
  for (const arn of wanted) entry(arn);
  for (const p of inventory.principals.values()) {
    for (const policy of new Set(p.attachedPolicies)) {
      if (wanted.has(policy))
        (p.kind === 'role' ? entry(policy).roles : entry(policy).users).push(p.arn);
    }
  }
  const members = groupMembers(inventory);
  for (const g of inventory.groups.values()) {
    for (const policy of new Set(g.attachedPolicies)) {
      if (!wanted.has(policy)) continue;
      const list = [...(members.get(`${g.accountId}|${g.name}`) ?? [])];
      entry(policy).groups.push({ arn: g.arn, members: list });
    }
  }
  const out = [...byPolicy.values()].sort((a, b) => cmp(a.policyArn, b.policyArn));
  for (const e of out) {
    e.roles.sort(cmp);
    e.users.sort(cmp);
    e.groups.sort((a, b) => cmp(a.arn, b.arn));
  }
  return out;
}
