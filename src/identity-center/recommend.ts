/**
 * The recommendation for one permission set: its inline policy and AWS managed policies refined
 * with the permission set's unused permissions (./unused.ts), each refinement proved exact by
 * `refinePolicy`, checked against Identity Center's quotas, with the accounts and roles it covers.
 *
 * - The inline policy is refined in place (`DELETE` when nothing it allows is used).
 * - An AWS managed policy that allows unused permissions cannot be changed (AWS owns it): it is
 *   detached, and its refined statements are merged into the inline policy (`MERGE_INTO_INLINE`),
 *   so that the change stays in the permission set and is provisioned with it to every account;
 *   a customer managed policy reference instead would need the same policy created in every
 *   account first. A managed policy of which nothing is used is detached (`DETACH`).
 * - Customer managed policy references and the permissions boundary are kept: their documents live
 *   in each account (and may differ), so they are not refined here.
 *
 * Pure: catalog and inventory are parameters.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import { ValidationError } from '../errors.js';
import type { ProofSummary, UnusedPermissionDetails } from '../findings/types.js';
import type { Inventory } from '../inventory/types.js';
import { actionsByAccessLevel, type ActionsByAccessLevel } from '../refine/access-levels.js';
import { refinePolicy } from '../refine/refine.js';
import type { Refinement } from '../refine/types.js';
import type { AccountEvidence, PermissionSetUnused } from './unused.js';
import type {
  AttachedManagedPolicy,
  CustomerManagedPolicyReference,
  PermissionSet,
  PermissionsBoundary,
} from './types.js';

/** Identity Center's quota of the inline policy's length (characters, whitespace included). */
export const PERMISSION_SET_INLINE_QUOTA = 32768;
/** Identity Center's quota of the inline policy's characters without whitespace. */
export const PERMISSION_SET_INLINE_NON_WHITESPACE_QUOTA = 10240;
/** Identity Center's quota of AWS managed and customer managed policies per permission set. */
export const PERMISSION_SET_MANAGED_POLICIES_QUOTA = 20;

/** What happens to one policy of the permission set. */
export type PermissionSetPolicyAction =
  /** Nothing it allows is unused: kept as it is. */
  | 'KEEP'
  /** The inline policy is replaced by its refined document. */
  | 'REFINE'
  /** The inline policy is removed: nothing it allows is used. */
  | 'DELETE'
  /** An AWS managed policy of which nothing is used: detached. */
  | 'DETACH'
  /** An AWS managed policy: detached, its refined statements merged into the inline policy. */
  | 'MERGE_INTO_INLINE'
  /** Left as it is, for the reason given. */
  | 'NOT_REFINED';

/** One policy of the permission set and what the recommendation does with it. */
export interface PermissionSetPolicy {
  policyType: 'INLINE' | 'AWS_MANAGED' | 'CUSTOMER_MANAGED_REFERENCE';
  /** The managed policy ARN, `path + name` of a reference, or `inline`. */
  policyId: string;
  policyName: string;
  action: PermissionSetPolicyAction;
  /** Why (one sentence). */
  reason: string;
  /** The document as scanned (inline and AWS managed policies). */
  originalPolicy?: Record<string, unknown>;
  /** The refined document (`REFINE`, `MERGE_INTO_INLINE`). */
  policy?: Record<string, unknown> | null;
  removedByAccessLevel?: ActionsByAccessLevel;
  /** Services unused as a whole of which the policy allowed something. */
  removedServices?: string[];
  proof?: ProofSummary;
}

/** The permission set's policies as scanned, and as recommended. */
export interface PermissionSetState {
  /** Exact text, or null when there is none. */
  inlinePolicy: string | null;
  awsManagedPolicies: AttachedManagedPolicy[];
  customerManagedPolicyReferences: CustomerManagedPolicyReference[];
  permissionsBoundary?: PermissionsBoundary;
}

/** The size of the recommended inline policy against Identity Center's quotas. */
export interface PermissionSetSize {
  /** Length of the text, whitespace included (quota 32,768). */
  characters: number;
  /** Characters without whitespace (quota 10,240). */
  nonWhitespace: number;
  quota: number;
  nonWhitespaceQuota: number;
  /** AWS managed policies and references after the change (quota 20). */
  managedPolicies: number;
  managedPoliciesQuota: number;
  fits: boolean;
}

/** The recommendation for one permission set (the scan output's `permissionSets[]`). */
export interface PermissionSetRecommendation {
  instanceArn: string;
  permissionSetArn: string;
  name: string;
  /**
   * - `UPDATE_PERMISSION_SET`: change the policies as `recommended` says, then provision;
   * - `NONE`: nothing is unused in every evaluated account;
   * - `NOT_EVALUATED`: no account has evidence (nothing can be called unused);
   * - `OVER_QUOTA`: the refined inline policy would exceed Identity Center's quotas (not offered);
   * - `INVALID_POLICY`: the inline policy is not a valid policy document (nothing offered; the
   *   notes say what is wrong).
   */
  recommendedAction:
    'UPDATE_PERMISSION_SET' | 'NONE' | 'NOT_EVALUATED' | 'OVER_QUOTA' | 'INVALID_POLICY';
  /** Every provisioned account and what the scan knows there. */
  accounts: AccountEvidence[];
  evaluatedAccounts: string[];
  /** Accounts without evidence: they made nothing unused (listed). */
  unobservedAccounts: string[];
  /** Unused in every evaluated account (what the recommendation removes). */
  unused: UnusedPermissionDetails[] | 'everything';
  /** Unused in some evaluated accounts but used in others: kept. */
  usedSomewhere: UnusedPermissionDetails[];
  policies: PermissionSetPolicy[];
  /** The permission set as scanned: what `apply` compares the live permission set with. */
  original: PermissionSetState;
  /** The permission set after the change (same as `original` when `NONE`). */
  recommended: PermissionSetState;
  size?: PermissionSetSize;
  /** Things to know, one sentence each. */
  notes: string[];
  /** The catalog version the refinement was computed with. */
  catalogVersion: string;
}

/** The inputs of {@link recommendPermissionSet}. */
export interface PermissionSetInput {
  instanceArn: string;
  permissionSet: PermissionSet;
  unused: PermissionSetUnused;
}

/** Characters of `text` that are not whitespace (how IAM counts a policy's size). */
export function nonWhitespaceLength(text: string): number {
  let n = 0;
  for (const ch of text) if (ch !== ' ' && ch !== '\t' && ch !== '\n' && ch !== '\r') n++;
  return n;
}

/** The text the recommended inline policy is written as: two-space JSON, or compact when that
 * does not fit Identity Center's length quota. */
export function inlinePolicyText(doc: Record<string, unknown>): string {
  const pretty = JSON.stringify(doc, null, 2);
  return pretty.length <= PERMISSION_SET_INLINE_QUOTA ? pretty : JSON.stringify(doc);
}

function proofSummary(r: Refinement): ProofSummary {
  return {
    exact: r.proof.exact,
    catalogActions: r.proof.catalogActions,
    statementsChecked: r.proof.statementsChecked,
    patternsChecked: r.proof.patternsChecked,
  };
}

function removedOf(
  r: Refinement,
  wholeServices: ReadonlySet<string>,
  catalog: ActionCatalog,
): { removedByAccessLevel: ActionsByAccessLevel; removedServices?: string[] } {
  const services = new Set<string>();
  const listed: number[] = [];
  for (const a of r.removed.actions) {
    if (wholeServices.has(a.service)) services.add(a.service);
    else listed.push(a.index);
  }
  return {
    removedByAccessLevel: actionsByAccessLevel(catalog, listed, r.removed.other),
    ...(services.size > 0 ? { removedServices: [...services].sort() } : {}),
  };
}

function statementsOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  const s = doc.Statement;
  if (Array.isArray(s)) return s as Record<string, unknown>[];
  return s !== undefined && s !== null ? [s as Record<string, unknown>] : [];
}

/**
 * Recommends the change of one permission set.
 *
 * @throws ValidationError when a policy document is malformed; ProofFailedError on a bug.
 */
export function recommendPermissionSet(
  input: PermissionSetInput,
  inventory: Inventory,
  catalog: ActionCatalog,
): PermissionSetRecommendation {
  const ps = input.permissionSet;
  const u = input.unused;
  const original: PermissionSetState = {
    inlinePolicy: ps.inlinePolicy,
    awsManagedPolicies: ps.awsManagedPolicies.map((p) => ({ ...p })),
    customerManagedPolicyReferences: ps.customerManagedPolicyReferences.map((r) => ({ ...r })),
    ...(ps.permissionsBoundary === undefined
      ? {}
      : { permissionsBoundary: ps.permissionsBoundary }),
  };
  const out: PermissionSetRecommendation = {
    instanceArn: input.instanceArn,
    permissionSetArn: ps.permissionSetArn,
    name: ps.name,
    recommendedAction: 'NONE',
    accounts: u.accounts,
    evaluatedAccounts: u.evaluatedAccounts,
    unobservedAccounts: u.unobservedAccounts,
    unused: u.unused,
    usedSomewhere: u.usedSomewhere,
    policies: [],
    original,
    recommended: original,
    notes: [],
    catalogVersion: catalog.version,
  };
  if (u.unobservedAccounts.length > 0) {
    out.notes.push(
      `${u.unobservedAccounts.length} of ${ps.accounts.length} provisioned account(s) have no evidence (${u.unobservedAccounts.join(', ')}): they made nothing unused, but a change of the permission set reaches them too`,
    );
  }
  if (u.unlistedRoles.length > 0) {
    out.notes.push(
      `role(s) of this permission set's name in accounts it is not provisioned to, not taken into account: ${u.unlistedRoles.join(', ')}`,
    );
  }
  if (u.evaluatedAccounts.length === 0) {
    out.recommendedAction = 'NOT_EVALUATED';
    out.notes.push(
      'no provisioned account has a role that was evaluated: nothing can be called unused',
    );
    return out;
  }
  const unusedList =
    u.unused === 'everything'
      ? catalog.services.map((serviceNamespace) => ({ serviceNamespace }))
      : u.unused.map((d) =>
          d.actions === undefined
            ? { serviceNamespace: d.serviceNamespace }
            : { serviceNamespace: d.serviceNamespace, actions: d.actions.map((a) => a.action) },
        );
  const wholeServices = new Set(
    unusedList
      .filter((d) => !('actions' in d) || d.actions === undefined)
      .map((d) => d.serviceNamespace),
  );
  if (u.unused === 'everything') {
    out.notes.push(
      'the role was not used at all in any evaluated account: everything the permission set allows is unused there (consider removing its assignments)',
    );
  }

  let changed = false;
  let inlineStatements: Record<string, unknown>[] | undefined;
  let inlineDoc: Record<string, unknown> | undefined;
  if (ps.inlinePolicy !== null) {
    const doc = JSON.parse(ps.inlinePolicy) as Record<string, unknown>;
    let r: Refinement;
    try {
      r = refinePolicy(doc, unusedList, { catalog, source: `${ps.name} inline policy` });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      out.recommendedAction = 'INVALID_POLICY';
      out.notes.push(
        `the inline policy is not a valid policy document, nothing is offered: ${error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
      return out;
    }
    const base: PermissionSetPolicy = {
      policyType: 'INLINE',
      policyId: 'inline',
      policyName: `${ps.name} inline policy`,
      action: 'KEEP',
      reason: 'nothing it allows is unused in every evaluated account',
      originalPolicy: doc,
    };
    if (r.recommendedAction === 'NONE') {
      inlineDoc = doc;
      inlineStatements = statementsOf(doc);
      out.policies.push(base);
    } else {
      changed = true;
      const refined = r.policy;
      inlineDoc = refined ?? undefined;
      inlineStatements = refined === null ? [] : statementsOf(refined);
      out.policies.push({
        ...base,
        action: r.recommendedAction === 'DETACH_POLICY' ? 'DELETE' : 'REFINE',
        reason:
          r.recommendedAction === 'DETACH_POLICY'
            ? 'nothing it allows is used in any evaluated account'
            : 'refined: the permissions unused in every evaluated account are removed',
        policy: refined,
        ...removedOf(r, wholeServices, catalog),
        proof: proofSummary(r),
      });
    }
  }

  // The Version of the inline policy the merged statements go into (undefined: none yet).
  // (A document without Version is read by IAM as 2008-10-17.)
  let targetVersion: unknown =
    inlineDoc === undefined ? undefined : (inlineDoc.Version ?? '2008-10-17');
  const keptManaged: AttachedManagedPolicy[] = [];
  const merged: Record<string, unknown>[] = [];
  for (const m of ps.awsManagedPolicies) {
    const stored = inventory.policies.get(m.arn);
    const base: PermissionSetPolicy = {
      policyType: 'AWS_MANAGED',
      policyId: m.arn,
      policyName: m.name,
      action: 'KEEP',
      reason: 'nothing it allows is unused in every evaluated account',
    };
    if (stored === undefined) {
      keptManaged.push(m);
      out.policies.push({
        ...base,
        action: 'NOT_REFINED',
        reason:
          'its document is not in the authorization details read (no scanned principal has it attached), so what it allows is unknown; kept',
      });
      continue;
    }
    let r: Refinement;
    try {
      r = refinePolicy(stored.document, unusedList, { catalog, source: m.arn });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      keptManaged.push(m);
      out.policies.push({
        ...base,
        action: 'NOT_REFINED',
        reason: `its document is not a valid policy (${error.issues[0]?.message ?? error.message}); kept`,
      });
      continue;
    }
    if (r.recommendedAction === 'NONE') {
      keptManaged.push(m);
      out.policies.push({ ...base, originalPolicy: stored.document });
      continue;
    }
    changed = true;
    if (r.recommendedAction === 'DETACH_POLICY') {
      out.policies.push({
        ...base,
        action: 'DETACH',
        reason: 'nothing it allows is used in any evaluated account: detached',
        originalPolicy: stored.document,
        policy: null,
        ...removedOf(r, wholeServices, catalog),
        proof: proofSummary(r),
      });
      continue;
    }
    const version = r.policy!.Version;
    if (targetVersion !== undefined && version !== targetVersion) {
      // Policy variables mean different things in another policy language version: not merged.
      keptManaged.push(m);
      out.policies.push({
        ...base,
        action: 'NOT_REFINED',
        reason: `its policy language Version (${String(version)}) differs from the inline policy's (${String(targetVersion)}), so its statements cannot be merged into it; kept (its roles' findings show what it grants that is unused)`,
        originalPolicy: stored.document,
      });
      continue;
    }
    targetVersion = version;
    merged.push(...statementsOf(r.policy!));
    out.policies.push({
      ...base,
      action: 'MERGE_INTO_INLINE',
      reason:
        "an AWS managed policy cannot be changed: it is detached and its refined statements are added to the permission set's inline policy, which Identity Center provisions to every account (a customer managed policy reference would need the policy created in each account first)",
      originalPolicy: stored.document,
      policy: r.policy,
      ...removedOf(r, wholeServices, catalog),
      proof: proofSummary(r),
    });
  }
  for (const ref of ps.customerManagedPolicyReferences) {
    out.policies.push({
      policyType: 'CUSTOMER_MANAGED_REFERENCE',
      policyId: `${ref.path}${ref.name}`,
      policyName: ref.name,
      action: 'NOT_REFINED',
      reason:
        "a customer managed policy reference: the document lives in each account (and may differ between them); kept (its roles' findings show what it grants that is unused)",
    });
  }
  if (ps.permissionsBoundary !== undefined) {
    out.notes.push('the permissions boundary is kept as it is (boundaries are not refined)');
  }
  if (!changed) return out;

  // The new inline policy: the refined inline statements, then each merged managed policy's.
  const statements = [...(inlineStatements ?? [])];
  const sids = new Set(
    statements.map((s) => s.Sid).filter((s): s is string => typeof s === 'string'),
  );
  for (const s of merged) {
    let st = s;
    if (typeof s.Sid === 'string' && sids.has(s.Sid)) {
      let n = 2;
      while (sids.has(`${s.Sid}${n}`)) n++;
      st = Object.fromEntries(
        Object.entries(s).map(([k, v]) => [k, k === 'Sid' ? `${s.Sid}${n}` : v]),
      );
      out.notes.push(
        `statement Sid ${String(s.Sid)} of a merged managed policy renamed ${String(st.Sid)} (Sids must be unique in a policy)`,
      );
    }
    if (typeof st.Sid === 'string') sids.add(st.Sid);
    statements.push(st);
  }
  let inlineText: string | null = null;
  if (statements.length > 0) {
    const doc: Record<string, unknown> =
      inlineDoc !== undefined
        ? Object.fromEntries(
            Object.entries(inlineDoc).map(([k, v]) => [k, k === 'Statement' ? statements : v]),
          )
        : { Version: targetVersion ?? '2012-10-17', Statement: statements };
    if (!('Statement' in doc)) doc.Statement = statements;
    inlineText = inlinePolicyText(doc);
  }
  out.recommended = {
    inlinePolicy: inlineText,
    awsManagedPolicies: keptManaged,
    customerManagedPolicyReferences: original.customerManagedPolicyReferences,
    ...(ps.permissionsBoundary === undefined
      ? {}
      : { permissionsBoundary: ps.permissionsBoundary }),
  };
  const managedPolicies = keptManaged.length + ps.customerManagedPolicyReferences.length;
  const size: PermissionSetSize = {
    characters: inlineText?.length ?? 0,
    nonWhitespace: inlineText === null ? 0 : nonWhitespaceLength(inlineText),
    quota: PERMISSION_SET_INLINE_QUOTA,
    nonWhitespaceQuota: PERMISSION_SET_INLINE_NON_WHITESPACE_QUOTA,
    managedPolicies,
    managedPoliciesQuota: PERMISSION_SET_MANAGED_POLICIES_QUOTA,
    fits: true,
  };
  size.fits =
    size.characters <= size.quota &&
    size.nonWhitespace <= size.nonWhitespaceQuota &&
    managedPolicies <= PERMISSION_SET_MANAGED_POLICIES_QUOTA;
  out.size = size;
  if (!size.fits) {
    out.recommendedAction = 'OVER_QUOTA';
    out.notes.push(
      `the refined inline policy would be ${size.characters.toLocaleString('en-US')} characters (${size.nonWhitespace.toLocaleString('en-US')} without whitespace), over Identity Center's quota of ${PERMISSION_SET_INLINE_QUOTA.toLocaleString('en-US')} (${PERMISSION_SET_INLINE_NON_WHITESPACE_QUOTA.toLocaleString('en-US')} without whitespace): not offered`,
    );
    return out;
  }
  out.recommendedAction = 'UPDATE_PERMISSION_SET';
  return out;
}
