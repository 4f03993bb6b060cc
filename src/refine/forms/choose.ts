/**
 * Choosing the form of a refined policy (DESIGN.md, "Forms"): the article's form when it fits the
 * quota of where the policy will live, else the first exact form that fits, in the order compact,
 * NotAction, then (for a role) an inline policy or a split over several customer managed policies.
 * Every form offered is proved by the proof of src/refine/proof.ts (a split: the union of its
 * parts); when nothing fits, the smallest exact form is returned with `fits: false`, never a form
 * that is not exact.
 */
import type { ActionCatalog } from '../../catalog/catalog.js';
import { ProofFailedError } from '../../errors.js';
import { parsePolicy } from '../../policy/document.js';
import {
  DEFAULT_MAX_MANAGED_POLICIES,
  MANAGED_POLICY_QUOTA,
  POLICY_QUOTAS,
  policySize,
  type PolicyType,
} from '../../policy/size.js';
import type { UnusedPermissions, UnusedSet } from '../../policy/unused.js';
import { prove, toDocument, toUnusedSet, type PolicyInput } from '../proof.js';
import { allowsEverything, refinePolicy } from '../refine.js';
import type { Refinement } from '../types.js';
import { indexUnused, isUnusedIndex, type UnusedIndex } from '../unused-index.js';
import { mergeParts, splitPolicy } from './split.js';

/** The forms of a refined policy. */
export type PolicyForm = 'article' | 'compact' | 'notaction' | 'split';

/** Every {@link PolicyForm}, in the order `auto` tries them. */
export const POLICY_FORMS: readonly PolicyForm[] = ['article', 'compact', 'notaction', 'split'];

/** The `--style` choices: one pattern form, or `auto` (the first exact form that fits). */
export type FormStyle = 'article' | 'compact' | 'auto';

/** Every {@link FormStyle}, the default last. */
export const FORM_STYLES: readonly FormStyle[] = ['article', 'compact', 'auto'];

/** Where the refined policy will live, and what else the principal has. */
export interface Placement {
  /** The policy's kind, for its size quota (default `managed`). */
  policyType?: PolicyType;
  /** For an inline policy: characters the principal's other inline policies use (shared quota). */
  otherInlineSize?: number;
  /** Managed policies the principal keeps attached besides this one (default 0). */
  otherManaged?: number;
  /** The principal's managed-policy attachment quota (default 10; IAM raises it up to 20). */
  maxManaged?: number;
  /**
   * For a managed policy attached to a role: the characters the role's inline policies use, so
   * that the refinement may become an inline policy of the role instead (undefined: not a role).
   */
  roleInlineUsed?: number;
}

/** One part of a split form. */
export interface FormPart {
  /** The part's policy document. */
  policy: Record<string, unknown>;
  /** Its size (characters without whitespace). */
  size: number;
}

/** The chosen form of a refinement. */
export interface FormChoice {
  form: PolicyForm;
  /**
   * The refinement in the chosen pattern form (for `split`: the form that was split; its
   * `policy` is the union of the parts).
   */
  refinement: Refinement;
  /** Where the policy will live: `managed` (also every part of a split) or an inline kind. */
  policyType: PolicyType;
  /** Characters of the policy (of the largest part for a split); 0 when detached. */
  size: number;
  /** The size quota where it will live (for an inline policy: the room the others leave). */
  quota: number;
  /** Whether it fits (the size, and for a split the number of parts, within the quotas). */
  fits: boolean;
  /** For `split`: the parts, each within {@link FormChoice.quota}. */
  parts?: FormPart[];
  /** For `split`: managed policies the principal would have, and its attachment quota. */
  attachments?: { count: number; quota: number };
  /** One sentence: which form and why (`explain`, the finding page). */
  reason: string;
  /** The size of every exact form computed, in the order they were tried. */
  tried: { form: PolicyForm; size: number }[];
}

/** A {@link FormChoice} without the documents: what outputs and findings record about the form. */
export interface FormSummary {
  form: PolicyForm;
  policyType: PolicyType;
  size: number;
  quota: number;
  fits: boolean;
  /** For `split`: each part's size. */
  parts?: number[];
  attachments?: { count: number; quota: number };
  reason: string;
  tried: { form: PolicyForm; size: number }[];
}

/** The {@link FormSummary} of a choice. */
export function summarizeForm(c: FormChoice): FormSummary {
  return {
    form: c.form,
    policyType: c.policyType,
    size: c.size,
    quota: c.quota,
    fits: c.fits,
    ...(c.parts === undefined ? {} : { parts: c.parts.map((p) => p.size) }),
    ...(c.attachments === undefined ? {} : { attachments: c.attachments }),
    reason: c.reason,
    tried: c.tried,
  };
}

/** Where a policy of a {@link PolicyType} lives, in words. */
const PLACE: Record<PolicyType, string> = {
  managed: 'managed policy',
  'role-inline': 'inline, role',
  'user-inline': 'inline, user',
  'group-inline': 'inline, group',
};

/**
 * One line about a form, for tables and pages: `compact, 5,980 of 6,144 characters (managed
 * policy)`, `split into 3 managed policies, largest 6,100 of 6,144 characters (5 of 10 attached)`,
 * or `OVER QUOTA: compact, 8,102 of 6,144 characters (managed policy)`.
 */
export function formLabel(f: FormSummary): string {
  const chars = `${fmt(f.size)} of ${fmt(f.quota)} characters`;
  const text =
    f.form === 'split' && f.parts !== undefined
      ? `split into ${f.parts.length} managed polic${f.parts.length === 1 ? 'y' : 'ies'}, largest ${chars}${f.attachments ? ` (${f.attachments.count} of ${f.attachments.quota} attached)` : ''}`
      : `${f.form}, ${chars} (${PLACE[f.policyType]})`;
  return f.fits ? text : `OVER QUOTA: ${text}`;
}

/** Options of {@link chooseForm}. */
export interface ChooseOptions {
  catalog: ActionCatalog;
  /** Default `auto`. */
  style?: FormStyle;
  placement?: Placement;
  /** Name of the policy's source for messages. */
  source?: string;
  /** Whether the refinements' statement changes explain themselves (see `RefineOptions`). */
  statementDetail?: boolean;
}

/** `6144` → `6,144` (not toLocaleString: ICU is slow and locale-dependent). */
function fmt(n: number): string {
  const digits = String(Math.trunc(Math.abs(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}

/**
 * Refines `policy` and chooses its form (see the module comment).
 *
 * @throws ValidationError on malformed input, ProofFailedError if a form fails its proof (a bug).
 */
export function chooseForm(
  policy: PolicyInput,
  unused: UnusedPermissions | UnusedSet | UnusedIndex,
  options: ChooseOptions,
): FormChoice {
  const { catalog } = options;
  const style = options.style ?? 'auto';
  const placement = options.placement ?? {};
  const policyType = placement.policyType ?? 'managed';
  const inline = policyType !== 'managed';
  const quota =
    POLICY_QUOTAS.get(policyType)!.quota - (inline ? (placement.otherInlineSize ?? 0) : 0);
  const doc = toDocument(policy, options.source);
  const uindex = isUnusedIndex(unused)
    ? unused
    : indexUnused(toUnusedSet(unused as UnusedPermissions | UnusedSet), catalog);
  const base = {
    catalog,
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.statementDetail === undefined ? {} : { statementDetail: options.statementDetail }),
  };
  const tried: FormChoice['tried'] = [];
  const single = (form: PolicyForm, r: Refinement, why: string): FormChoice => {
    const size = sizeOf(r);
    return {
      form,
      refinement: r,
      policyType,
      size,
      quota,
      fits: size <= quota,
      reason: why,
      tried,
    };
  };

  const article = refinePolicy(doc, uindex, { ...base, patterns: 'article' });
  const articleSize = sizeOf(article);
  tried.push({ form: 'article', size: articleSize });
  if (article.recommendedAction !== 'CREATE_POLICY') {
    return single('article', article, 'nothing to write: the article form is the only one');
  }
  const within = `within the ${fmt(quota)} characters of the ${POLICY_QUOTAS.get(policyType)!.label}`;
  if (style === 'article') {
    return single(
      'article',
      article,
      `--style article: the CamelCase-token form (${fmt(articleSize)} characters)`,
    );
  }
  if (style === 'auto' && articleSize <= quota) {
    return single(
      'article',
      article,
      `the article's form fits: ${fmt(articleSize)} characters ${within}`,
    );
  }
  const compact = refinePolicy(doc, uindex, { ...base, patterns: 'compact' });
  const compactSize = sizeOf(compact);
  tried.push({ form: 'compact', size: compactSize });
  if (style === 'compact') {
    return single(
      'compact',
      compact,
      `--style compact: patterns cut at any character (${fmt(compactSize)} characters)`,
    );
  }
  const over = `the article's form is ${fmt(articleSize)} characters, over the ${fmt(quota)} of the ${POLICY_QUOTAS.get(policyType)!.label}`;
  if (compactSize <= quota) {
    return single(
      'compact',
      compact,
      `${over}; the compact form (patterns cut at any character) is ${fmt(compactSize)}`,
    );
  }
  // The smallest exact form so far (the earlier one on a tie: literals stay literal in both).
  let smallest =
    compactSize < articleSize
      ? { form: 'compact' as PolicyForm, r: compact, size: compactSize }
      : { form: 'article' as PolicyForm, r: article, size: articleSize };
  if (doc.statements.some((st) => st.effect === 'Allow' && allowsEverything(st))) {
    const na = refinePolicy(doc, uindex, { ...base, patterns: 'compact', notAction: true });
    const naSize = sizeOf(na);
    tried.push({ form: 'notaction', size: naSize });
    if (naSize < smallest.size) smallest = { form: 'notaction', r: na, size: naSize };
    if (naSize <= quota) {
      return single(
        'notaction',
        na,
        `${over}, the compact form ${fmt(compactSize)}; Allow + NotAction of the unused actions is ${fmt(naSize)}`,
      );
    }
  }
  const tooLarge = `${over}, the smallest exact form (${smallest.form}) ${fmt(smallest.size)}`;
  // A role may take it as an inline policy when its inline room suffices.
  if (!inline && placement.roleInlineUsed !== undefined) {
    const room = POLICY_QUOTAS.get('role-inline')!.quota - placement.roleInlineUsed;
    if (smallest.size <= room) {
      return {
        form: smallest.form,
        refinement: smallest.r,
        policyType: 'role-inline',
        size: smallest.size,
        quota: room,
        fits: true,
        reason: `${tooLarge}; it fits as an inline policy of the role (${fmt(room)} characters of inline room left)`,
        tried,
      };
    }
  }
  const maxManaged = placement.maxManaged ?? DEFAULT_MAX_MANAGED_POLICIES;
  const slots = maxManaged - (placement.otherManaged ?? 0);
  const split =
    slots > 0 ? splitPolicy(smallest.r.policy!, MANAGED_POLICY_QUOTA, slots) : undefined;
  if (split !== undefined) {
    proveSplit(doc, smallest.r, mergeParts(split), uindex, catalog);
    const parts = split.parts.map((p) => ({ policy: p, size: policySize(p) }));
    const largest = Math.max(...parts.map((p) => p.size));
    tried.push({ form: 'split', size: largest });
    const count = (placement.otherManaged ?? 0) + parts.length;
    return {
      form: 'split',
      refinement: smallest.r,
      policyType: 'managed',
      size: largest,
      quota: MANAGED_POLICY_QUOTA,
      fits: true,
      parts,
      attachments: { count, quota: maxManaged },
      reason: `${tooLarge}; ${parts.length === 1 ? 'as one customer managed policy' : `split over ${parts.length} customer managed policies`} of at most ${fmt(MANAGED_POLICY_QUOTA)} characters (${count} of ${maxManaged} managed policies attached)`,
      tried,
    };
  }
  return {
    form: smallest.form,
    refinement: smallest.r,
    policyType,
    size: smallest.size,
    quota,
    fits: false,
    reason: `no exact form fits: ${tooLarge}, and splitting it would need more than the ${slots} managed polic${slots === 1 ? 'y' : 'ies'} the principal can still attach (quota ${maxManaged})`,
    tried,
  };
}

/** Characters of the policy that stays: the refined one, the unchanged one, none if detached. */
function sizeOf(r: Refinement): number {
  switch (r.recommendedAction) {
    case 'CREATE_POLICY':
      return policySize(r.policy);
    case 'NONE':
      return policySize(r.original);
    case 'DETACH_POLICY':
      return 0;
  }
}

/**
 * Proves the union of a split's parts against the original policy: original statement i pairs with
 * the merged statement standing for the refined statement i became.
 *
 * @throws ProofFailedError when the union is not exact (a bug; the split is never offered).
 */
function proveSplit(
  doc: ReturnType<typeof toDocument>,
  refinement: Refinement,
  merged: { policy: Record<string, unknown>; origins: number[] },
  uindex: UnusedIndex,
  catalog: ActionCatalog,
): void {
  const mergedIndex = new Map<number, number>();
  merged.origins.forEach((j, m) => {
    if (!mergedIndex.has(j)) mergedIndex.set(j, m);
  });
  let j = 0;
  const pairing = refinement.statements.map((s) =>
    s.outcome === 'dropped' ? null : (mergedIndex.get(j++) ?? null),
  );
  const proof = prove(
    doc,
    parsePolicy(merged.policy, { source: '<split>' }),
    uindex,
    catalog,
    pairing,
  );
  if (!proof.exact) {
    throw new ProofFailedError(
      `internal error: the split of ${doc.source} failed its proof and was withheld: ${JSON.stringify(proof.problems).slice(0, 2000)} ${proof.structural.join('; ')} ${proof.unmatchedRefined.join(',')}`,
    );
  }
}
