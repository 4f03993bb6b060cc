/**
 * `refinePolicy`: the refinement of DESIGN.md ("Refinement semantics"), a pure function of the
 * policy, the unused permissions and the catalog. Every result is proven before it is returned; a
 * result that fails its own proof is an internal error ({@link ProofFailedError}), never output.
 */
import { ACCESS_LEVELS, type AccessLevel, type ActionCatalog } from '../catalog/catalog.js';
import { ProofFailedError } from '../errors.js';
import { compileGlob, hasWildcard, literalPrefix } from '../glob/glob.js';
import { withKey } from '../policy/copy.js';
import { parsePolicy, type PolicyDocument, type PolicyStatement } from '../policy/document.js';
import type { UnusedPermissions, UnusedSet } from '../policy/unused.js';
import { exclusionPrefixes, shortestSafePrefixes } from './generalize.js';
import { prove, toDocument, toUnusedSet, type PolicyInput } from './proof.js';
import type {
  AddedEntry,
  EntryChange,
  Proof,
  RefineWarning,
  Refinement,
  StatementChange,
} from './types.js';
import { indexUnused, type UnusedIndex } from './unused-index.js';

/** Options of {@link refinePolicy}. */
export interface RefineOptions {
  /** The action catalog (see `loadCatalog`). */
  catalog: ActionCatalog;
  /** Name of the policy's source, used in error messages (default `<input>`). */
  source?: string;
}

interface StatementResult {
  change: StatementChange;
  /** The refined statement object, or null when dropped. */
  refined: Record<string, unknown> | null;
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
  unused: UnusedPermissions | UnusedSet,
  options: RefineOptions,
): Refinement {
  const { catalog } = options;
  const doc = toDocument(policy, options.source);
  const uindex = indexUnused(toUnusedSet(unused), catalog);
  const warnings: RefineWarning[] = [
    ...uindex.warnings,
    ...unknownEntryWarnings(doc, catalog).map((w) => ({ ...w })),
  ];

  const results = doc.statements.map((st): StatementResult => {
    if (st.effect === 'Deny') return { change: unchanged(st), refined: st.raw };
    return st.actionKey === 'Action'
      ? refineAction(st, uindex, catalog)
      : refineNotAction(st, uindex, catalog);
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
): StatementResult {
  type Fate = { keep: true } | { keep: false; change: EntryChange };
  const fates: Fate[] = st.actions.map((entry): Fate => {
    if (!hasWildcard(entry)) {
      if (!uindex.isUnused(entry)) return { keep: true };
      const known = catalog.get(entry);
      return {
        keep: false,
        change: { entry, kind: 'removed', replacement: [], unusedActions: [known?.full ?? entry] },
      };
    }
    const glob = compileGlob(entry);
    const matched = catalog.match(glob);
    const lp = literalPrefix(glob);
    const colon = lp.indexOf(':');
    if (colon > 0 && uindex.isWholeServiceUnused(lp.slice(0, colon))) {
      // The pattern stays inside one service that is entirely unused, future actions included.
      return {
        keep: false,
        change: {
          entry,
          kind: 'removed',
          replacement: [],
          unusedActions: matched.map((a) => a.full),
        },
      };
    }
    const unusedMatched = matched.filter((a) => uindex.flags[a.index] === 1);
    if (unusedMatched.length === 0) return { keep: true };
    const unusedActions = unusedMatched.map((a) => a.full);
    if (unusedMatched.length === matched.length) {
      return { keep: false, change: { entry, kind: 'removed', replacement: [], unusedActions } };
    }
    const gen = shortestSafePrefixes(glob, matched, uindex, catalog);
    return {
      keep: false,
      change: { entry, kind: 'replaced', replacement: gen.entries, unusedActions, trie: gen.trie },
    };
  });

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
    removedByAccessLevel: byAccessLevel(
      entries.flatMap((c) => c.unusedActions),
      catalog,
    ),
  };
  if (list.length === 0) return { change, refined: null };
  const value = st.actionIsString && list.length === 1 ? list[0] : list;
  return { change, refined: withKey(st.raw, 'Action', value) };
}

/** Rule 4: NotAction grows by the unused actions the statement allowed. */
function refineNotAction(
  st: PolicyStatement,
  uindex: UnusedIndex,
  catalog: ActionCatalog,
): StatementResult {
  const excluded = st.actions.map(compileGlob);
  const toExclude = [];
  for (const i of uindex.sorted) {
    const a = catalog.actions[i]!;
    if (!excluded.some((g) => g.testLower(a.key))) toExclude.push(a);
  }
  if (toExclude.length === 0) return { change: unchanged(st), refined: st.raw };
  const gen = exclusionPrefixes(toExclude, uindex, catalog);
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
    exclusionTrie: gen.trie,
    removedByAccessLevel: byAccessLevel(
      toExclude.map((a) => a.full),
      catalog,
    ),
  };
  return { change, refined: withKey(st.raw, 'NotAction', list) };
}

/** Per catalog: each action's access level by its canonical `service:Name` (see byAccessLevel). */
const actionsByFull = new WeakMap<
  ActionCatalog,
  Map<string, { rank: number; level: AccessLevel | 'Unknown' }>
>();

function byAccessLevel(
  actions: readonly string[],
  catalog: ActionCatalog,
): Partial<Record<AccessLevel | 'Unknown', string[]>> {
  // The names are mostly catalog actions' `full` strings (thousands for `*` or NotAction): they are
  // looked up as they are (no lower-casing) and sorted by a rank computed once per catalog, which
  // orders them exactly as the default string sort of their names would.
  let byFull = actionsByFull.get(catalog);
  if (byFull === undefined) {
    const ordered = [...catalog.actions].sort((a, b) =>
      a.full < b.full ? -1 : a.full > b.full ? 1 : 0,
    );
    byFull = new Map(
      ordered.map((a, rank) => [a.full, { rank, level: a.accessLevel ?? ('Unknown' as const) }]),
    );
    actionsByFull.set(catalog, byFull);
  }
  const known = new Map<AccessLevel | 'Unknown', Map<number, string>>();
  const other = new Map<AccessLevel | 'Unknown', Set<string>>();
  for (const name of actions) {
    const hit = byFull.get(name);
    if (hit) {
      let g = known.get(hit.level);
      if (!g) known.set(hit.level, (g = new Map()));
      g.set(hit.rank, name);
      continue;
    }
    const level = catalog.get(name)?.accessLevel ?? 'Unknown';
    let g = other.get(level);
    if (!g) other.set(level, (g = new Set()));
    g.add(name);
  }
  const out: Partial<Record<AccessLevel | 'Unknown', string[]>> = {};
  for (const level of [...ACCESS_LEVELS, 'Unknown' as const]) {
    const k = known.get(level);
    const o = other.get(level);
    if (!k && !o) continue;
    const names = k ? [...k.keys()].sort((a, b) => a - b).map((r) => k.get(r)!) : [];
    // Names the catalog spells differently (or not at all) are rare: merge them by string order.
    out[level] = o ? [...new Set([...names, ...o])].sort() : names;
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
