/**
 * `refinePolicy`: the refinement of DESIGN.md ("Refinement semantics"), a pure function of the
 * policy, the unused permissions and the catalog. Every result is proven before it is returned; a
 * result that fails its own proof is an internal error ({@link ProofFailedError}), never output.
 */
import type { ActionCatalog, CatalogAction } from '../catalog/catalog.js';
import { ProofFailedError } from '../errors.js';
import { compileGlob, globContains, hasWildcard } from '../glob/glob.js';
import { withKey, withKeyRenamed } from '../policy/copy.js';
import { parsePolicy, type PolicyDocument, type PolicyStatement } from '../policy/document.js';
import type { UnusedPermissions, UnusedSet } from '../policy/unused.js';
import { actionsByAccessLevel } from './access-levels.js';
import { compactCover, compactEntries, entryCost } from './forms/compact.js';
import { exclusionPrefixes, shortestSafePrefixes } from './generalize.js';
import type { IndexSet } from './allowed-set.js';
import { prepareStatement } from './prepared.js';
import { prove, toDocument, toUnusedSet, type PolicyInput } from './proof.js';
import type {
  AddedEntry,
  EntryChange,
  Proof,
  RefineWarning,
  Refinement,
  StatementChange,
} from './types.js';
import { indexUnused, isUnusedIndex, type UnusedIndex } from './unused-index.js';

/** Options of {@link refinePolicy}. */
export interface RefineOptions {
  /** The action catalog (see `loadCatalog`). */
  catalog: ActionCatalog;
  /** Name of the policy's source, used in error messages (default `<input>`). */
  source?: string;
  /**
   * How replaced wildcards and NotAction exclusions are written (DESIGN.md, "Forms"):
   * `article` (default) the CamelCase-token trie's shortest safe prefixes; `compact` patterns cut
   * at any character, with leading or inner wildcards where smaller.
   */
  patterns?: 'article' | 'compact';
  /**
   * Whether an Allow statement whose `Action` allows every action (`*`, `*:*`) may become `Allow`
   * + `NotAction` of the unused actions, when that list is the smaller (default false).
   */
  notAction?: boolean;
  /**
   * Whether each statement's change explains itself (default true): every removed or replaced
   * entry's `unusedActions`, and the statement's `removedByAccessLevel`. With `false` those are
   * left empty (`[]`, `{}`), and everything else (the policy, `removed`, the proof, the warnings,
   * the entries' kinds, replacements and tries) is the same: for callers that keep only the
   * policy-level result (the findings), which would otherwise list a `"*"` statement's 20,000
   * removed actions by access level again for every form tried.
   */
  statementDetail?: boolean;
}

/** The part of {@link RefineOptions} the statement refinements use. */
type Style = Required<Pick<RefineOptions, 'patterns' | 'notAction' | 'statementDetail'>>;

interface StatementResult {
  change: StatementChange;
  /** The refined statement object, or null when dropped. */
  refined: Record<string, unknown> | null;
  /** Catalog indices of the actions removed (in any order, possibly repeated). */
  removed?: ArrayLike<number>;
  /** Removed entries that name no catalog action. */
  removedOther?: readonly string[];
}

/**
 * Refines `policy` by removing the `unused` permissions: literal entries that are unused go, a
 * wildcard that allows unused actions is replaced in place by the shortest safe prefixes of what it
 * allows minus the unused actions, NotAction lists grow by the unused actions they allowed, Deny
 * statements and every other field are kept as they are.
 *
 * @throws ValidationError when the policy or the unused list is malformed.
 * @throws ProofFailedError if the result fails its exactness proof (a bug; never returned).
 */
export function refinePolicy(
  policy: PolicyInput,
  unused: UnusedPermissions | UnusedSet | UnusedIndex,
  options: RefineOptions,
): Refinement {
  const { catalog } = options;
  const doc = toDocument(policy, options.source);
  const uindex = isUnusedIndex(unused) ? unused : indexUnused(toUnusedSet(unused), catalog);
  if (uindex.flags.length !== catalog.actions.length) {
    throw new RangeError('the unused index was resolved against another catalog');
  }
  const warnings: RefineWarning[] = [
    ...uindex.warnings,
    ...unknownEntryWarnings(doc, catalog).map((w) => ({ ...w })),
  ];

  const style: Style = {
    patterns: options.patterns ?? 'article',
    notAction: options.notAction ?? false,
    statementDetail: options.statementDetail ?? true,
  };
  const results = doc.statements.map((st): StatementResult => {
    if (st.effect === 'Deny') return { change: unchanged(st), refined: st.raw };
    if (st.actionKey === 'NotAction') return refineNotAction(st, uindex, catalog, style);
    const r = refineAction(st, uindex, catalog, style);
    return style.notAction &&
      r.refined !== null &&
      r.change.outcome === 'changed' &&
      uindex.sorted.length > 0 &&
      allowsEverything(st)
      ? smallerOf(r, asNotAction(st, uindex, catalog, style))
      : r;
  });

  const changed = results.some((r) => r.change.outcome !== 'unchanged');
  const pairing: (number | null)[] = [];
  const kept: Record<string, unknown>[] = [];
  for (const r of results) {
    pairing.push(r.refined === null ? null : kept.length);
    if (r.refined !== null) kept.push(r.refined);
  }
  const statementValue = doc.statementIsArray ? kept : (kept[0] ?? []);
  const refinedRaw = withKey(doc.raw, 'Statement', statementValue);
  const anyAllow = results.some((r) => r.refined !== null && r.change.effect === 'Allow');
  const anyDeny = results.some((r) => r.change.effect === 'Deny');

  let recommendedAction: Refinement['recommendedAction'] = 'NONE';
  let proof: Proof;
  if (!changed) {
    proof = prove(doc, doc, uindex, catalog, pairing);
  } else if (!anyAllow && !anyDeny) {
    recommendedAction = 'DETACH_POLICY';
    proof = prove(doc, null, uindex, catalog, pairing);
  } else {
    // With Deny statements left, the policy is kept with only them: detaching it would drop its
    // Deny statements and could widen what other policies grant.
    recommendedAction = 'CREATE_POLICY';
    const refinedDoc = parsePolicy(refinedRaw, { source: '<refined>' });
    proof = prove(doc, refinedDoc, uindex, catalog, pairing);
  }
  if (!proof.exact) {
    throw new ProofFailedError(
      `internal error: the refinement of ${doc.source} failed its own proof and was withheld: ${JSON.stringify(proof.problems).slice(0, 2000)} ${proof.structural.join('; ')}`,
    );
  }
  return {
    recommendedAction,
    policy: recommendedAction === 'CREATE_POLICY' ? refinedRaw : null,
    original: doc.raw,
    statements: results.map((r) => r.change),
    removed: mergeRemoved(results, catalog),
    proof,
    warnings,
    catalogVersion: catalog.version,
  };
}

function unchanged(st: PolicyStatement): StatementChange {
  return {
    index: st.index,
    ...(st.sid === undefined ? {} : { sid: st.sid }),
    effect: st.effect,
    actionKey: st.actionKey,
    outcome: 'unchanged',
    entries: [],
    added: [],
    removedByAccessLevel: {},
  };
}

/** Rule 2 and 3: literal entries removed if unused, wildcards replaced by safe prefixes. */
function refineAction(
  st: PolicyStatement,
  uindex: UnusedIndex,
  catalog: ActionCatalog,
  style: Style,
): StatementResult {
  type Fate = { keep: true } | { keep: false; change: EntryChange };
  const flags = uindex.flags;
  const detail = style.statementDetail;
  // Removed catalog actions (by index) and removed names the catalog does not know.
  const removed: number[] = [];
  const removedOther: string[] = [];
  const fates: Fate[] = prepareStatement(st, catalog).entries.map(
    ({ entry, glob, matched, service }): Fate => {
      if (!glob.isWildcard) {
        if (!uindex.isUnused(entry)) return { keep: true };
        const known = matched[0];
        if (known) removed.push(known.index);
        else removedOther.push(entry);
        return {
          keep: false,
          change: {
            entry,
            kind: 'removed',
            replacement: [],
            unusedActions: detail ? [known?.full ?? entry] : [],
          },
        };
      }
      if (service !== undefined && uindex.isWholeServiceUnused(service)) {
        // The pattern stays inside one service that is entirely unused, future actions included.
        const unusedActions = new Array<string>(detail ? matched.length : 0);
        matched.forEach((a, k) => {
          if (detail) unusedActions[k] = a.full;
          removed.push(a.index);
        });
        return { keep: false, change: { entry, kind: 'removed', replacement: [], unusedActions } };
      }
      const unusedActions: string[] = [];
      const unusedCount = collectUnused(matched, flags, removed, detail ? unusedActions : null);
      if (unusedCount === 0) return { keep: true };
      if (unusedCount === matched.length) {
        return { keep: false, change: { entry, kind: 'removed', replacement: [], unusedActions } };
      }
      if (style.patterns === 'compact') {
        const replacement = compactEntries(glob, matched, uindex, catalog);
        return { keep: false, change: { entry, kind: 'replaced', replacement, unusedActions } };
      }
      const gen = shortestSafePrefixes(glob, matched, uindex, catalog);
      return {
        keep: false,
        change: {
          entry,
          kind: 'replaced',
          replacement: gen.entries,
          unusedActions,
          trie: gen.trie,
        },
      };
    },
  );

  const entries = fates.flatMap((f) => (f.keep ? [] : [f.change]));
  if (entries.length === 0) return { change: unchanged(st), refined: st.raw };

  const present = new Set<string>();
  st.actions.forEach((e, k) => {
    if (fates[k]!.keep) present.add(e.toLowerCase());
  });
  const list: string[] = [];
  const added: AddedEntry[] = [];
  st.actions.forEach((e, k) => {
    const f = fates[k]!;
    if (f.keep) {
      list.push(e);
      return;
    }
    for (const n of f.change.replacement) {
      const lower = n.toLowerCase();
      if (present.has(lower)) continue;
      present.add(lower);
      list.push(n);
      added.push({ entry: n, replaces: e });
    }
  });

  const change: StatementChange = {
    ...unchanged(st),
    outcome: list.length === 0 ? 'dropped' : 'changed',
    entries,
    added,
    removedByAccessLevel: detail ? actionsByAccessLevel(catalog, removed, removedOther) : {},
  };
  if (list.length === 0) return { change, refined: null, removed, removedOther };
  const value = st.actionIsString && list.length === 1 ? list[0] : list;
  return { change, refined: withKey(st.raw, 'Action', value), removed, removedOther };
}

/**
 * Appends the unused actions of `matched` to `removed` (indices) and `names` (when given), and
 * returns how many there were. A function of its own: inline, this loop (22,000 actions for `*`)
 * was optimized while it ran, and the code after it, without type feedback yet, deoptimized that
 * code on every later such call.
 */
function collectUnused(
  matched: readonly CatalogAction[],
  flags: Uint8Array,
  removed: number[],
  names: string[] | null,
): number {
  let count = 0;
  for (let k = 0; k < matched.length; k++) {
    const a = matched[k]!;
    if (flags[a.index] !== 1) continue;
    if (names !== null) names.push(a.full);
    removed.push(a.index);
    count++;
  }
  return count;
}

/**
 * The indices of `sorted` not in `excluded`, in order: counted first, so that the (often
 * 20,000-element) list is allocated once at its size. A function of its own, for the reason
 * {@link collectUnused} is.
 */
function allowedUnused(sorted: Int32Array, excluded: IndexSet): Int32Array {
  let count = 0;
  for (let k = 0; k < sorted.length; k++) if (!excluded.has(sorted[k]!)) count++;
  const out = new Int32Array(count);
  for (let k = 0, m = 0; k < sorted.length; k++) {
    const i = sorted[k]!;
    if (!excluded.has(i)) out[m++] = i;
  }
  return out;
}

/** Rule 4: NotAction grows by the unused actions the statement allowed. */
function refineNotAction(
  st: PolicyStatement,
  uindex: UnusedIndex,
  catalog: ActionCatalog,
  style: Style,
): StatementResult {
  // The statement allows every catalog action outside `excluded`.
  const excluded = prepareStatement(st, catalog).allowed.set;
  const removed = allowedUnused(uindex.sorted, excluded);
  if (removed.length === 0) return { change: unchanged(st), refined: st.raw };
  const toExclude = new Array<CatalogAction>(removed.length);
  for (let m = 0; m < removed.length; m++) toExclude[m] = catalog.actions[removed[m]!]!;
  const gen =
    style.patterns === 'compact'
      ? { entries: compactCover(EVERYTHING, toExclude, catalog), trie: undefined }
      : exclusionPrefixes(toExclude, uindex, catalog);
  const present = new Set(st.actions.map((e) => e.toLowerCase()));
  const added: AddedEntry[] = [];
  for (const n of gen.entries) {
    if (present.has(n.toLowerCase())) continue;
    present.add(n.toLowerCase());
    added.push({ entry: n, replaces: null });
  }
  const list = [...st.actions, ...added.map((a) => a.entry)];
  const change: StatementChange = {
    ...unchanged(st),
    outcome: 'changed',
    added,
    ...(gen.trie === undefined ? {} : { exclusionTrie: gen.trie }),
    removedByAccessLevel: style.statementDetail ? actionsByAccessLevel(catalog, removed) : {},
  };
  return { change, refined: withKey(st.raw, 'NotAction', list), removed };
}

const EVERYTHING = compileGlob('*');

/** Whether an `Action` statement allows every action, future ones included (`*`, `*:*`). */
export function allowsEverything(st: PolicyStatement): boolean {
  return (
    st.actionKey === 'Action' && st.actions.some((e) => e.includes('*') && globContains(e, '*:*'))
  );
}

/**
 * The NotAction form of an Allow statement that allows every action (DESIGN.md, "Forms", 3): the
 * same statement with `NotAction` listing the unused catalog actions (as patterns where everything
 * under them is unused) in place of its `Action`.
 */
function asNotAction(
  st: PolicyStatement,
  uindex: UnusedIndex,
  catalog: ActionCatalog,
  style: Style,
): StatementResult {
  const toExclude = Array.from(uindex.sorted, (i) => catalog.actions[i]!);
  const entries =
    style.patterns === 'compact'
      ? compactCover(EVERYTHING, toExclude, catalog)
      : exclusionPrefixes(toExclude, uindex, catalog).entries;
  const removed = uindex.sorted; // read only, never written
  const change: StatementChange = {
    ...unchanged(st),
    outcome: 'changed',
    added: entries.map((entry) => ({ entry, replaces: null })),
    removedByAccessLevel: style.statementDetail ? actionsByAccessLevel(catalog, removed) : {},
  };
  const refined = withKeyRenamed(st.raw, 'Action', 'NotAction', entries);
  return { change, refined, removed };
}

/** The refinement of one statement with the shorter action list (the first when equal). */
function smallerOf(a: StatementResult, b: StatementResult): StatementResult {
  const size = (r: StatementResult): number => {
    const v = r.refined?.Action ?? r.refined?.NotAction;
    return Array.isArray(v) ? v.reduce((n: number, e) => n + entryCost(String(e)), 0) : 0;
  };
  return size(b) < size(a) ? b : a;
}

/** The statements' removed actions, merged: catalog actions in catalog order, each once. */
function mergeRemoved(
  results: readonly StatementResult[],
  catalog: ActionCatalog,
): Refinement['removed'] {
  let total = 0;
  const other = new Set<string>();
  // Indexed loops: `for…of` over these (often 20,000-element) arrays allocated iterator results.
  for (let m = 0; m < results.length; m++) {
    const r = results[m]!;
    total += r.removed?.length ?? 0;
    const names = r.removedOther;
    if (names !== undefined) for (let j = 0; j < names.length; j++) other.add(names[j]!);
  }
  const all = new Int32Array(total);
  let k = 0;
  let ascending = true;
  for (let m = 0; m < results.length; m++) {
    const removed = results[m]!.removed;
    if (removed === undefined) continue;
    for (let j = 0; j < removed.length; j++) {
      const i = removed[j]!;
      if (k > 0 && i <= all[k - 1]!) ascending = false;
      all[k++] = i;
    }
  }
  const distinct = ascending ? all : distinctAscending(all, catalog.actions.length);
  const actions = new Array<CatalogAction>(distinct.length);
  for (let j = 0; j < distinct.length; j++) actions[j] = catalog.actions[distinct[j]!]!;
  return { actions, other: [...other].sort() };
}

let mergeMarks = new Uint8Array(0);

/**
 * The distinct values of `list` (indices below `size`), ascending. A long list is marked in a
 * scratch bitmap and read back in order (linear; sorting 20,000 indices was most of the merge),
 * a short one sorted. The bitmap is shared by calls (this is synchronous and re-enters nothing)
 * and left zeroed.
 */
export function distinctAscending(list: Int32Array, size: number): Int32Array {
  if (list.length * 8 < size) {
    const sorted = list.slice().sort();
    let n = 0;
    for (let j = 0; j < sorted.length; j++) {
      if (j === 0 || sorted[j] !== sorted[n - 1]) sorted[n++] = sorted[j]!;
    }
    return n === sorted.length ? sorted : sorted.slice(0, n);
  }
  if (mergeMarks.length < size) mergeMarks = new Uint8Array(size);
  const marks = mergeMarks;
  let lo = size;
  let hi = -1;
  let n = 0;
  for (let j = 0; j < list.length; j++) {
    const i = list[j]!;
    if (marks[i] === 1) continue;
    marks[i] = 1;
    n++;
    if (i < lo) lo = i;
    if (i > hi) hi = i;
  }
  const out = new Int32Array(n);
  for (let i = lo, k = 0; i <= hi; i++) {
    if (marks[i] !== 1) continue;
    marks[i] = 0;
    out[k++] = i;
  }
  return out;
}

/** The warnings of {@link warnUnknown} per parsed document (findings refine one many times). */
const unknownEntryCache = new WeakMap<
  PolicyDocument,
  { catalog: ActionCatalog; warnings: readonly RefineWarning[] }
>();

/**
 * The {@link warnUnknown} warnings of every statement of `doc`, in statement order. They depend
 * only on the document and the catalog, so they are computed once per document (callers copy them).
 */
function unknownEntryWarnings(
  doc: PolicyDocument,
  catalog: ActionCatalog,
): readonly RefineWarning[] {
  const hit = unknownEntryCache.get(doc);
  if (hit !== undefined && hit.catalog === catalog) return hit.warnings;
  const warnings: RefineWarning[] = [];
  for (const st of doc.statements) warnUnknown(st, doc, catalog, warnings);
  unknownEntryCache.set(doc, { catalog, warnings });
  return warnings;
}

/** Unknown actions and services are kept, never dropped, and reported. */
function warnUnknown(
  st: PolicyStatement,
  doc: PolicyDocument,
  catalog: ActionCatalog,
  warnings: RefineWarning[],
): void {
  const base = doc.documentPath === '$' ? st.path : `${doc.documentPath}${st.path.slice(1)}`;
  st.actions.forEach((entry, k) => {
    const path = st.actionIsString ? `${base}.${st.actionKey}` : `${base}.${st.actionKey}[${k}]`;
    if (entry.replaceAll('*', '') === '') return; // `*`, `**`: every action, nothing to warn
    const colon = entry.indexOf(':');
    if (colon < 0) {
      warnings.push({
        code: 'unknown_action',
        path,
        message: `"${entry}" has no service prefix (expected service:Action); kept as written`,
      });
      return;
    }
    const service = entry.slice(0, colon);
    if (!hasWildcard(service) && !catalog.hasService(service)) {
      warnings.push({
        code: 'unknown_service',
        path,
        message: `service "${service}" is not in the catalog (${catalog.version}); "${entry}" kept as written`,
      });
      return;
    }
    if (!hasWildcard(entry) && catalog.get(entry) === undefined) {
      warnings.push({
        code: 'unknown_action',
        path,
        message: `action "${entry}" is not in the catalog (${catalog.version}); kept as written`,
      });
    } else if (hasWildcard(entry) && catalog.match(entry).length === 0) {
      warnings.push({
        code: 'unknown_action',
        path,
        message: `pattern "${entry}" matches no action in the catalog (${catalog.version}); kept as written`,
      });
    }
  });
}
