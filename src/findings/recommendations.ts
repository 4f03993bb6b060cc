/**
 * Recommendations of an UnusedPermission finding, in Access Analyzer's `GetFindingRecommendation`
 * shape: for each policy the principal has that refinement changes, CREATE_POLICY (the refined
 * document) then DETACH_POLICY of the existing one, or DETACH_POLICY alone when nothing in the
 * policy is used. Also what Access Analyzer does not do: NotAction policies and group policies
 * (refined with the actions unused by every member), labelled so.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import { IDENTITY_CENTER_ROLE_REASON, isIdentityCenterRoleArn } from '../identity-center/roles.js';
import type { Group } from '../inventory/types.js';
import type { UnusedSet } from '../policy/unused.js';
import { actionsByAccessLevel, type ActionsByAccessLevel } from '../refine/access-levels.js';
import { policySize } from '../policy/size.js';
import {
  chooseForm,
  summarizeForm,
  type FormStyle,
  type FormSummary,
  type Placement,
} from '../refine/forms/choose.js';
import type { Refinement } from '../refine/types.js';
import { unusedIndexFromFlags, type UnusedIndex } from '../refine/unused-index.js';
import type { GroupUnused } from './group-unused.js';
import {
  grantsUnused,
  relevantUnusedKey,
  type PrincipalPolicy,
  type UnusedFlags,
} from './permissions.js';
import type {
  FindingRecommendation,
  FindingRecommendedStep,
  PolicyLabel,
  PolicyRecommendation,
  ProofSummary,
  ScanWarning,
} from './types.js';

/** What {@link recommend} needs besides the principal. */
export interface RecommendContext {
  catalog: ActionCatalog;
  /** `now`, ISO-8601 (`startedAt` and `completedAt`). */
  nowIso: string;
  /** Whether (and with what) a group's policies can be refined; the caller caches it. */
  groupUnused(group: Group): GroupUnused;
  /**
   * Refinements shared between findings: group policies (keyed by group and policy) and managed
   * policies (keyed by policy and the part of the unused set that matters to it).
   */
  refinements: Map<string, Refined | Error>;
  /** Groups already warned about. */
  warnedGroups: Set<string>;
  warnings: ScanWarning[];
  /** The form of recommended policies (default `auto`). */
  style?: FormStyle;
  /** The principals' managed-policy attachment quota (default 10). */
  maxManagedPolicies?: number;
}

/** A finding's recommendation and per-policy detail. */
export interface FindingRecommendationResult {
  recommendation: FindingRecommendation;
  policies: PolicyRecommendation[];
}

/**
 * Recommends, for one principal with an UnusedPermission finding, a refinement of each of its
 * policies that grants some of its unused permissions (`own`). A group policy is refined with its
 * group's unused set instead (see `groupUnused`), or listed as `NONE` with a
 * `GROUP_POLICY_NOT_REFINED` label when it cannot be.
 */
export function recommend(
  resourceArn: string,
  policies: readonly PrincipalPolicy[],
  own: { set: UnusedSet; flags: UnusedFlags },
  ctx: RecommendContext,
): FindingRecommendationResult {
  const out: PolicyRecommendation[] = [];
  const steps: FindingRecommendedStep[] = [];
  const errors: string[] = [];
  // The principal's unused set as the refinement takes it, built once (and only when needed) from
  // the flags the findings engine already resolved.
  let ownIndex: UnusedIndex | undefined;
  const ownUnused = (): Unused => {
    ownIndex ??= unusedIndexFromFlags(own.set, own.flags.flags, own.flags.sorted);
    return { index: ownIndex, wholeServices: own.flags.wholeServices };
  };
  for (const p of policies) {
    if (!grantsUnused(p.permissions, own.flags)) continue;
    const labels: PolicyLabel[] = [];
    let result: Refined | Error;
    if (p.group) {
      const g = ctx.groupUnused(p.group);
      if (!g.refinable) {
        warnGroup(p.group, g.why, ctx);
        out.push(
          notRefined(p, `not refined: ${g.why}, so what the group's members need is not known`),
        );
        continue;
      }
      if (!grantsUnused(p.permissions, g.flags)) {
        out.push(
          notRefined(
            p,
            `not refined: the unused permissions it grants are used by other members of group ${p.group.name}`,
          ),
        );
        continue;
      }
      const where = placementOf(p, policies, resourceArn, ctx);
      const groupSet = {
        index: unusedIndexFromFlags(g.set, g.flags.flags, g.flags.sorted),
        wholeServices: g.flags.wholeServices,
      };
      result = cachedForm(ctx, `group|${p.group.arn}|${p.key}`, where.key, () =>
        refine(p, groupSet, ctx, where.placement),
      );
      labels.push({
        code: 'GROUP_POLICY',
        message: `policy of group ${p.group.name}, refined with the actions unused by all ${g.members} member(s) of the group (Access Analyzer does not refine group policies)`,
      });
    } else {
      // A managed policy's refinement depends only on the part of the unused set its statements
      // can reach (see relevantUnused), so principals with the same part share it.
      // Where it lives matters only to the form when the policy is large (the key says so).
      const where = placementOf(p, policies, resourceArn, ctx);
      result =
        p.policyType === 'INLINE'
          ? refine(p, ownUnused(), ctx, where.placement)
          : cachedForm(
              ctx,
              `managed|${p.key}|${relevantUnusedKey(own.set, p.permissions)}`,
              where.key,
              () => refine(p, ownUnused(), ctx, where.placement),
            );
    }
    if (result instanceof Error) {
      errors.push(`${p.policyId}: ${result.message}`);
      ctx.warnings.push({
        code: 'refinement_failed',
        resource: resourceArn,
        policyId: p.policyId,
        message: `refining ${describe(p)} for ${resourceArn} failed, no recommendation is given for it: ${result.message}`,
      });
      out.push({ ...base(p), recommendedAction: 'NONE', policy: null, error: result.message });
      continue;
    }
    if (result.recommendedAction === 'NONE') continue;
    if (p.permissions.allowNotIn.length > 0) {
      labels.unshift({
        code: 'NOT_ACTION_POLICY',
        message:
          'has an Allow statement with NotAction, refined by adding the unused actions to NotAction (Access Analyzer gives no recommendation for such policies)',
      });
    }
    const rec: PolicyRecommendation = {
      ...base(p),
      recommendedAction: result.recommendedAction,
      policy: result.policy,
      removedByAccessLevel: result.removedByAccessLevel,
      proof: result.proof,
      ...(result.form === undefined ? {} : { form: result.form }),
      ...(result.parts === undefined ? {} : { parts: result.parts }),
    };
    if (result.removedServices.length > 0) rec.removedServices = result.removedServices;
    if (labels.length > 0) rec.labels = labels;
    if (result.warnings.length > 0) rec.warnings = result.warnings;
    out.push(rec);
    if (result.recommendedAction === 'CREATE_POLICY') {
      // A split form: one CREATE_POLICY step per part.
      for (const json of result.parts?.map((d) => JSON.stringify(d)) ?? [result.json]) {
        steps.push({
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'CREATE_POLICY',
            recommendedPolicy: json,
            existingPolicyId: p.policyId,
          },
        });
      }
    }
    steps.push({
      unusedPermissionsRecommendedStep: {
        recommendedAction: 'DETACH_POLICY',
        existingPolicyId: p.policyId,
      },
    });
  }
  if (isIdentityCenterRoleArn(resourceArn)) {
    // IAM refuses writes to an Identity Center role: no IAM step, and every policy says why.
    steps.length = 0;
    const label: PolicyLabel = {
      code: 'IDENTITY_CENTER_ROLE',
      message: `${IDENTITY_CENTER_ROLE_REASON}; no IAM change is offered (see the permission set's recommendation)`,
    };
    for (const rec of out) rec.labels = [label, ...(rec.labels ?? [])];
  }
  const recommendation: FindingRecommendation = {
    recommendationType: 'UnusedPermissionRecommendation',
    status: errors.length === 0 ? 'SUCCEEDED' : 'FAILED',
    resourceArn,
    startedAt: ctx.nowIso,
    completedAt: ctx.nowIso,
    recommendedSteps: steps,
  };
  if (errors.length > 0) {
    recommendation.error = {
      code: 'REFINEMENT_FAILED',
      message: `internal error refining ${errors.length} polic${errors.length === 1 ? 'y' : 'ies'} (the other steps are valid): ${errors.join('; ')}`,
    };
  }
  return { recommendation, policies: out };
}

/**
 * What a finding keeps of a refinement (not the tries and per-statement detail, which can be large
 * and are not part of the output). Shared, read-only, by the findings it is cached for.
 */
export interface Refined {
  recommendedAction: Refinement['recommendedAction'];
  policy: Record<string, unknown> | null;
  /** `policy` as compact JSON text (the step's `recommendedPolicy`). */
  json: string;
  /** Removed actions of the services still in use (see `PolicyRecommendation`). */
  removedByAccessLevel: ActionsByAccessLevel;
  /** Services unused as a whole of which the policy allowed something (all of it removed). */
  removedServices: string[];
  proof: ProofSummary;
  warnings: Refinement['warnings'];
  /** The form chosen, its size and quota (CREATE_POLICY only). */
  form?: FormSummary;
  /** For a split form: the parts, each a customer managed policy. */
  parts?: Record<string, unknown>[];
}

/** The cached value of `key`, computed once. */
function cached(
  ctx: RecommendContext,
  key: string,
  compute: () => Refined | Error,
): Refined | Error {
  let value = ctx.refinements.get(key);
  if (value === undefined) {
    value = compute();
    ctx.refinements.set(key, value);
  }
  return value;
}

/**
 * The cached refinement of `key`. Its form depends on where the policy lives only when it is
 * large: a managed policy whose form fits as one managed policy is the same for every principal;
 * otherwise (inline, split, nothing fits) it is cached per placement too (`placementKey`).
 */
function cachedForm(
  ctx: RecommendContext,
  key: string,
  placementKey: string,
  compute: () => Refined | Error,
): Refined | Error {
  const first = cached(ctx, key, compute);
  if (first instanceof Error || first.form === undefined) return first;
  const f = first.form;
  const independent = f.policyType === 'managed' && f.form !== 'split' && f.fits;
  return independent ? first : cached(ctx, `${key}|${placementKey}`, compute);
}

/** An unused set as {@link refine} takes it. */
interface Unused {
  index: UnusedIndex;
  /** Lower-case services unused as a whole. */
  wholeServices: ReadonlySet<string>;
}

/** Runs the refinement; an error (a bug: refinements are proven) is returned, not thrown. */
function refine(
  p: PrincipalPolicy,
  unused: Unused,
  ctx: Pick<RecommendContext, 'catalog' | 'style'>,
  placement: Placement,
): Refined | Error {
  const catalog = ctx.catalog;
  try {
    const choice = chooseForm(p.document, unused.index, {
      catalog,
      source: describe(p),
      style: ctx.style ?? 'auto',
      placement,
      // Only the policy-level result is kept (see Refined): no per-statement explanation.
      statementDetail: false,
    });
    const r = choice.refinement;
    return {
      recommendedAction: r.recommendedAction,
      policy: r.policy,
      json: r.policy === null ? '' : JSON.stringify(r.policy),
      ...removedSummary(r, unused.wholeServices, catalog),
      proof: {
        exact: r.proof.exact,
        catalogActions: r.proof.catalogActions,
        statementsChecked: r.proof.statementsChecked,
        patternsChecked: r.proof.patternsChecked,
      },
      warnings: r.warnings,
      ...(r.recommendedAction === 'CREATE_POLICY' ? { form: summarizeForm(choice) } : {}),
      ...(choice.parts === undefined ? {} : { parts: choice.parts.map((x) => x.policy) }),
    };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Where a refined policy will live, from the principal's other policies: its kind (quota), the
 * managed policies that stay attached besides it, the inline room the others leave; and a cache
 * key part for it.
 */
function placementOf(
  p: PrincipalPolicy,
  all: readonly PrincipalPolicy[],
  resourceArn: string,
  ctx: Pick<RecommendContext, 'maxManagedPolicies'>,
): { placement: Placement; key: string } {
  const sameOwner = all.filter((q) => q !== p && q.group?.arn === p.group?.arn);
  const managed = (q: PrincipalPolicy) =>
    q.policyType === 'AWS_MANAGED' ||
    q.policyType === 'CUSTOMER_MANAGED' ||
    q.policyType === 'GROUP_MANAGED';
  const inline = (q: PrincipalPolicy) =>
    q.policyType === 'INLINE' || q.policyType === 'GROUP_INLINE';
  const otherManaged = sameOwner.filter(managed).length;
  const inlineUsed = sameOwner.filter(inline).reduce((n, q) => n + documentSize(q), 0);
  const kind = p.group ? 'group' : resourceArn.includes(':role/') ? 'role' : 'user';
  const placement: Placement = {
    policyType: inline(p) ? `${kind}-inline` : 'managed',
    otherManaged,
    maxManaged: ctx.maxManagedPolicies ?? 10,
    ...(inline(p) ? { otherInlineSize: inlineUsed } : {}),
    ...(!inline(p) && kind === 'role' ? { roleInlineUsed: inlineUsed } : {}),
  };
  return {
    placement,
    key: `${placement.policyType}|${otherManaged}|${inlineUsed}|${placement.maxManaged}`,
  };
}

/** Sizes of the inventory's documents (parsed once, never changed), for {@link documentSize}. */
const documentSizes = new WeakMap<object, number>();

/**
 * `policySize` of a principal's policy document, computed once per document: a principal's other
 * inline policies are measured for each of its policies, and a group's for each of its members.
 */
function documentSize(p: PrincipalPolicy): number {
  const raw = p.document.raw;
  let size = documentSizes.get(raw);
  if (size === undefined) documentSizes.set(raw, (size = policySize(raw)));
  return size;
}

/**
 * What the refinement removed, as a finding shows it: services unused as a whole are named (as the
 * finding's own details name them), not enumerated (a `"*"` policy would list 20,000 actions); the
 * removed actions of the other services are listed by access level.
 */
export function removedSummary(
  r: Pick<Refinement, 'removed'>,
  wholeServices: ReadonlySet<string>,
  catalog: ActionCatalog,
): { removedByAccessLevel: ActionsByAccessLevel; removedServices: string[] } {
  const services = new Set<string>();
  const listed: number[] = [];
  const actions = r.removed.actions;
  for (let k = 0; k < actions.length; k++) {
    const a = actions[k]!;
    if (wholeServices.has(a.service)) services.add(a.service);
    else listed.push(a.index);
  }
  const other: string[] = [];
  for (const name of r.removed.other) {
    const colon = name.indexOf(':');
    const service = colon > 0 ? name.slice(0, colon).toLowerCase() : '';
    if (wholeServices.has(service)) services.add(service);
    else other.push(name);
  }
  return {
    removedByAccessLevel: actionsByAccessLevel(catalog, listed, other),
    removedServices: [...services].sort(),
  };
}

function base(
  p: PrincipalPolicy,
): Pick<
  PolicyRecommendation,
  'policyId' | 'policyName' | 'policyType' | 'groupArn' | 'removedByAccessLevel' | 'originalPolicy'
> {
  return {
    policyId: p.policyId,
    policyName: p.policyName,
    policyType: p.policyType,
    ...(p.group ? { groupArn: p.group.arn } : {}),
    removedByAccessLevel: {},
    originalPolicy: p.document.raw,
  };
}

function notRefined(p: PrincipalPolicy, message: string): PolicyRecommendation {
  return {
    ...base(p),
    recommendedAction: 'NONE',
    policy: null,
    labels: [{ code: 'GROUP_POLICY_NOT_REFINED', message }],
  };
}

function warnGroup(group: Group, why: string, ctx: RecommendContext): void {
  if (ctx.warnedGroups.has(group.arn)) return;
  ctx.warnedGroups.add(group.arn);
  ctx.warnings.push({
    code: 'group_policy_not_refined',
    resource: group.arn,
    message: `the policies of group ${group.name} are not refined: ${why}`,
  });
}

function describe(p: PrincipalPolicy): string {
  switch (p.policyType) {
    case 'INLINE':
      return `inline policy ${p.policyName}`;
    case 'GROUP_INLINE':
      return `inline policy ${p.policyName} of group ${p.group?.name ?? '?'}`;
    default:
      return p.policyId;
  }
}
