/**
 * The permissions a principal has: its policies (inline, attached managed, and for a user its
 * groups' inline and attached policies), each parsed once and reduced to catalog action indices,
 * and the union of what they allow minus what any of their Deny statements names.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import { ValidationError } from '../errors.js';
import { compileGlob, literalPrefix } from '../glob/glob.js';
import type {
  Group,
  InlinePolicy,
  Inventory,
  ManagedPolicy,
  Principal,
} from '../inventory/types.js';
import { parsePolicy, type PolicyDocument } from '../policy/document.js';
import type { UnusedSet } from '../policy/unused.js';
import type { PolicyType, ScanWarning } from './types.js';

/** What one policy document allows and denies, over the catalog. */
export interface PolicyPermissions {
  /** Catalog indices named by the `Action` of Allow statements (union). */
  allowIn: Int32Array;
  /** Per Allow statement with `NotAction`: the catalog indices it excludes. */
  allowNotIn: Set<number>[];
  /** Catalog indices named by the `Action` of Deny statements (union). */
  denyIn: Int32Array;
  /** Per Deny statement with `NotAction`: the catalog indices it excludes (it denies the rest). */
  denyNotIn: Set<number>[];
  /**
   * Lower-case services written before the first wildcard of an Allow `Action` entry
   * (`s3:Get*` → `s3`): such entries are removed when the whole service is unused, even when they
   * match no catalog action.
   */
  literalServices: Set<string>;
  /**
   * Lower-case services the Allow `Action` statements can touch: those of `allowIn` and
   * `literalServices`, sorted. Refining the policy depends only on the unused permissions of these
   * services, unless it has an Allow `NotAction` statement (which reaches every service).
   */
  allowServices: readonly string[];
}

/** One policy a principal has, parsed. */
export interface PrincipalPolicy {
  /** The step's `existingPolicyId`: the managed policy ARN or the inline policy name. */
  policyId: string;
  policyName: string;
  policyType: PolicyType;
  /** For group policies, the group. */
  group?: Group;
  document: PolicyDocument;
  permissions: PolicyPermissions;
  /** A key unique to the document (ARN, or `<owner ARN>#<inline name>`), for caches. */
  key: string;
}

/**
 * Resolves principals' policies against an inventory, parsing each document once. Missing managed
 * policies, missing groups and unparsable documents become warnings (their permissions are unknown
 * and ignored), never errors.
 */
export class PolicyResolver {
  private readonly parsed = new Map<object, ParsedPolicy | null>();
  private readonly groupsByName = new Map<string, Group>();
  private readonly missingPolicies = new Map<string, Set<string>>();
  private readonly reported = new Set<string>();

  /**
   * @param inventory - The account inventory.
   * @param catalog - The action catalog.
   * @param warnings - Where warnings are appended.
   */
  constructor(
    private readonly inventory: Inventory,
    private readonly catalog: ActionCatalog,
    private readonly warnings: ScanWarning[],
  ) {
    for (const g of inventory.groups.values()) this.groupsByName.set(`${g.accountId}|${g.name}`, g);
  }

  /** The group named `name` in `accountId`, if the inventory has it. */
  group(accountId: string, name: string): Group | undefined {
    return this.groupsByName.get(`${accountId}|${name}`);
  }

  /**
   * The policies of `principal`, in this order: its inline policies, its attached managed
   * policies, then per group (in the user's order) the group's inline then attached policies.
   */
  policiesOf(principal: Principal): PrincipalPolicy[] {
    const out: PrincipalPolicy[] = [];
    for (const p of principal.inlinePolicies) {
      const r = this.inline(p, principal.arn, 'INLINE');
      if (r) out.push(r);
    }
    for (const arn of principal.attachedPolicies) {
      const r = this.managed(arn, principal.arn);
      if (r) out.push(r);
    }
    if (principal.kind !== 'user') return out;
    for (const name of new Set(principal.groups)) {
      const group = this.group(principal.accountId, name);
      if (!group) {
        this.warnOnce({
          code: 'missing_group',
          resource: principal.arn,
          message: `${principal.arn} is a member of group "${name}", which is not in the inventory: its policies are unknown and ignored`,
        });
        continue;
      }
      for (const p of group.inlinePolicies) {
        const r = this.inline(p, group.arn, 'GROUP_INLINE');
        if (r) out.push({ ...r, group });
      }
      for (const arn of group.attachedPolicies) {
        const r = this.managed(arn, group.arn);
        if (r) out.push({ ...r, policyType: 'GROUP_MANAGED', group });
      }
    }
    return out;
  }

  /** Appends one `missing_policy` warning per missing managed policy (call once, at the end). */
  flushWarnings(): void {
    const arns = [...this.missingPolicies.keys()].sort();
    for (const arn of arns) {
      const users = [...this.missingPolicies.get(arn)!].sort();
      const shown = users.slice(0, 3).join(', ') + (users.length > 3 ? ', ...' : '');
      this.warnings.push({
        code: 'missing_policy',
        policyId: arn,
        message: `managed policy ${arn} is attached to ${users.length} principal(s) or group(s) (${shown}) but is not in the inventory: its permissions are unknown and ignored`,
      });
    }
    this.missingPolicies.clear();
  }

  private inline(
    p: InlinePolicy,
    ownerArn: string,
    policyType: 'INLINE' | 'GROUP_INLINE',
  ): PrincipalPolicy | undefined {
    const parsed = this.parse(p.document, `${ownerArn} inline policy ${p.name}`, ownerArn, p.name);
    if (!parsed) return undefined;
    return {
      policyId: p.name,
      policyName: p.name,
      policyType,
      document: parsed.document,
      permissions: parsed.permissions,
      key: `${ownerArn}#${p.name}`,
    };
  }

  private managed(arn: string, ownerArn: string): PrincipalPolicy | undefined {
    const policy: ManagedPolicy | undefined = this.inventory.policies.get(arn);
    if (!policy) {
      let set = this.missingPolicies.get(arn);
      if (!set) this.missingPolicies.set(arn, (set = new Set()));
      set.add(ownerArn);
      return undefined;
    }
    const parsed = this.parse(policy.document, `managed policy ${arn}`, undefined, arn);
    if (!parsed) return undefined;
    return {
      policyId: arn,
      policyName: policy.name,
      policyType: isAwsManaged(policy) ? 'AWS_MANAGED' : 'CUSTOMER_MANAGED',
      document: parsed.document,
      permissions: parsed.permissions,
      key: arn,
    };
  }

  private parse(
    document: Record<string, unknown>,
    source: string,
    resource: string | undefined,
    policyId: string,
  ): ParsedPolicy | null {
    const hit = this.parsed.get(document);
    if (hit !== undefined) return hit;
    let result: ParsedPolicy | null;
    try {
      const doc = parsePolicy(document, { source });
      result = { document: doc, permissions: policyPermissions(doc, this.catalog) };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      result = null;
      const first = error.issues[0];
      this.warnOnce({
        code: 'invalid_policy',
        ...(resource === undefined ? {} : { resource }),
        policyId,
        message: `${source} is not a valid policy (${first ? `${first.path}: ${first.message}` : error.message}): its permissions are unknown and ignored`,
      });
    }
    this.parsed.set(document, result);
    return result;
  }

  private warnOnce(w: ScanWarning): void {
    if (this.reported.has(w.message)) return;
    this.reported.add(w.message);
    this.warnings.push(w);
  }
}

interface ParsedPolicy {
  document: PolicyDocument;
  permissions: PolicyPermissions;
}

/** Whether a managed policy is AWS-managed. */
function isAwsManaged(policy: ManagedPolicy): boolean {
  return policy.owner === 'aws' || policy.arn.includes(':iam::aws:policy/');
}

/** Reduces a parsed policy to catalog indices. */
export function policyPermissions(doc: PolicyDocument, catalog: ActionCatalog): PolicyPermissions {
  const allowIn = new Set<number>();
  const denyIn = new Set<number>();
  const allowNotIn: Set<number>[] = [];
  const denyNotIn: Set<number>[] = [];
  const literalServices = new Set<string>();
  for (const st of doc.statements) {
    const matched = new Set<number>();
    for (const entry of st.actions) {
      const glob = compileGlob(entry);
      for (const a of catalog.match(glob)) matched.add(a.index);
      if (st.effect === 'Allow' && st.actionKey === 'Action') {
        const lp = literalPrefix(glob);
        const colon = lp.indexOf(':');
        if (colon > 0) literalServices.add(lp.slice(0, colon));
      }
    }
    if (st.actionKey === 'Action') {
      const target = st.effect === 'Allow' ? allowIn : denyIn;
      for (const i of matched) target.add(i);
    } else {
      (st.effect === 'Allow' ? allowNotIn : denyNotIn).push(matched);
    }
  }
  const allowServices = new Set(literalServices);
  for (const i of allowIn) allowServices.add(catalog.actions[i]!.service);
  return {
    allowIn: Int32Array.from(allowIn),
    allowNotIn,
    denyIn: Int32Array.from(denyIn),
    denyNotIn,
    literalServices,
    allowServices: [...allowServices].sort(),
  };
}

/**
 * A NotAction statement's excluded indices as flags (`1` = excluded) over a catalog of `size`
 * actions, built once per set (the sets of {@link policyPermissions} never change once built): a
 * statement is shared by every principal that has its policy, and a flag is one load where
 * `Set.has` over the 22,000 catalog indices was a hash lookup each.
 */
const exclusionFlags = new WeakMap<ReadonlySet<number>, Uint8Array>();

function excludedFlags(ex: ReadonlySet<number>, size: number): Uint8Array {
  let flags = exclusionFlags.get(ex);
  if (flags === undefined || flags.length !== size) {
    flags = new Uint8Array(size);
    for (const i of ex) if (i >= 0 && i < size) flags[i] = 1;
    exclusionFlags.set(ex, flags);
  }
  return flags;
}

/**
 * What a set of policies allows, as flags over the catalog (`1` = allowed): the union of the
 * Allow statements (Action, and NotAction over the catalog) minus every action a Deny statement
 * names, whatever its Resource or Condition (conservative: a denied action is never reported
 * unused).
 *
 * @param into - A buffer of `size` bytes to fill and return instead of a new one (its content is
 *   overwritten): the findings reuse one for every principal.
 */
export function allowedActions(
  policies: readonly { permissions: PolicyPermissions }[],
  size: number,
  into?: Uint8Array,
): Uint8Array {
  let allowed: Uint8Array;
  if (into === undefined) allowed = new Uint8Array(size);
  else {
    if (into.length !== size)
      throw new RangeError(`allowedActions: into has ${into.length} bytes, not ${size}`);
    allowed = into.fill(0);
  }
  let anyDeny = false;
  for (const { permissions: p } of policies) {
    for (const i of p.allowIn) allowed[i] = 1;
    for (const ex of p.allowNotIn) {
      const excluded = excludedFlags(ex, size);
      for (let i = 0; i < size; i++) if (excluded[i] === 0) allowed[i] = 1;
    }
    anyDeny ||= p.denyIn.length > 0 || p.denyNotIn.length > 0;
  }
  if (!anyDeny) return allowed;
  for (const { permissions: p } of policies) {
    for (const i of p.denyIn) allowed[i] = 0;
    for (const ex of p.denyNotIn) {
      const excluded = excludedFlags(ex, size);
      for (let i = 0; i < size; i++) if (excluded[i] === 0) allowed[i] = 0;
    }
  }
  return allowed;
}

/**
 * The services a set of policies can allow anything in (a superset: Deny statements are not
 * subtracted), or undefined when an Allow `NotAction` statement can reach every service.
 */
export function allowableServices(
  policies: readonly { permissions: PolicyPermissions }[],
): ReadonlySet<string> | undefined {
  const out = new Set<string>();
  for (const { permissions: p } of policies) {
    if (p.allowNotIn.length > 0) return undefined;
    for (const s of p.allowServices) out.add(s);
  }
  return out;
}

/** Unused permissions resolved against the catalog, for quick "does this policy grant any". */
export interface UnusedFlags {
  /** `flags[i] === 1` when catalog action `i` is unused. */
  flags: Uint8Array;
  /** The unused catalog indices, ascending (a typed array: off the JS heap, cheap for the GC). */
  sorted: Int32Array;
  /** Lower-case services unused as a whole. */
  wholeServices: ReadonlySet<string>;
}

/**
 * The part of `set` that refining a policy with permissions `p` depends on: the services its Allow
 * `Action` statements can touch, or all of `set` when it has an Allow `NotAction` statement. The
 * refinement with the part is the same as with the whole set (same document, same proof), and the
 * part is small, which keeps refinement fast and lets principals share it.
 */
export function relevantUnused(set: UnusedSet, p: PolicyPermissions): UnusedSet {
  if (p.allowNotIn.length > 0) return set;
  const services = new Map<string, 'all' | ReadonlySet<string>>();
  for (const s of p.allowServices) {
    const v = set.services.get(s);
    if (v !== undefined) services.set(s, v);
  }
  if (services.size === set.services.size) return set;
  const entries = set.entries.filter((e) => services.has(e.slice(0, e.indexOf(':')).toLowerCase()));
  return { services, entries };
}

/** A canonical text of an unused set, for caches: `s3=all;ec2=describeinstances,runinstances`. */
export function unusedKey(set: UnusedSet): string {
  return [...set.services.keys()]
    .sort()
    .map((s) => {
      const v = set.services.get(s)!;
      return `${s}=${v === 'all' ? '*' : [...v].sort().join(',')}`;
    })
    .join(';');
}

/** Per unused set, each service's `service=…` part of {@link unusedKey}, built once. */
const keyParts = new WeakMap<UnusedSet, Map<string, string>>();

/**
 * `unusedKey(relevantUnused(set, p))` without building the part: the relevant services' key parts,
 * each computed once per set (a principal's set is keyed once per policy it has), sorted and joined.
 * The set must not change after its first key (findings build sets once and never change them).
 */
export function relevantUnusedKey(set: UnusedSet, p: PolicyPermissions): string {
  const services: string[] = [];
  if (p.allowNotIn.length > 0) for (const s of set.services.keys()) services.push(s);
  else for (const s of p.allowServices) if (set.services.has(s)) services.push(s);
  services.sort();
  let parts = keyParts.get(set);
  if (parts === undefined) keyParts.set(set, (parts = new Map()));
  let key = '';
  for (let k = 0; k < services.length; k++) {
    const s = services[k]!;
    let part = parts.get(s);
    if (part === undefined) {
      const v = set.services.get(s)!;
      part = `${s}=${v === 'all' ? '*' : [...v].sort().join(',')}`;
      parts.set(s, part);
    }
    key = k === 0 ? part : `${key};${part}`;
  }
  return key;
}

/**
 * Whether refining a policy with these unused permissions changes it: an Allow statement allows an
 * unused catalog action, or an Allow `Action` entry is confined to a service unused as a whole.
 * This is exactly when `refinePolicy` returns something other than `NONE`, without running it.
 */
export function grantsUnused(p: PolicyPermissions, unused: UnusedFlags): boolean {
  for (const i of p.allowIn) if (unused.flags[i]) return true;
  for (const ex of p.allowNotIn) {
    const excluded = excludedFlags(ex, unused.flags.length);
    const sorted = unused.sorted;
    for (let k = 0; k < sorted.length; k++) if (excluded[sorted[k]!] === 0) return true;
  }
  for (const s of p.literalServices) if (unused.wholeServices.has(s)) return true;
  return false;
}
