/**
 * Shortest safe prefixes (DESIGN.md, rule 3) and exclusion prefixes (rule 4), computed on a trie of
 * CamelCase tokens that is expanded lazily: only unsafe nodes are opened, so `*` minus a few actions
 * visits the paths to those actions and their siblings, not the whole catalog.
 */
import type { ActionCatalog, CatalogAction } from '../catalog/catalog.js';
import { GlobTooComplexError, prefixContained, type Glob } from '../glob/glob.js';
import type { TrieNode } from './types.js';
import type { UnusedIndex } from './unused-index.js';

/** The entries that replace one wildcard, and the trie that explains them. */
export interface Generalization {
  /** New entries in trie order (canonical casing): `prefix*` or a single action. */
  entries: string[];
  /** The explored trie, rooted at the empty prefix. */
  trie: TrieNode;
}

/**
 * Drops emitted entries already covered by another emitted `p*` (case-insensitive prefixes can cross
 * token boundaries: `GetObjects*` is inside `GetObject*`). Cosmetic only: the set allowed is the same.
 */
function dropCovered(emitted: { entry: string; node: TrieNode }[]): string[] {
  // In lexicographic order, everything a prefix p covers follows p directly; a stack of the open
  // wildcard prefixes tells in one pass which entries fall inside an earlier one.
  const order = emitted
    .map((e, i) => {
      const lower = e.entry.toLowerCase();
      const wildcard = lower.endsWith('*');
      return { i, text: wildcard ? lower.slice(0, -1) : lower, wildcard };
    })
    .sort((a, b) =>
      a.text < b.text ? -1 : a.text > b.text ? 1 : Number(b.wildcard) - Number(a.wildcard),
    );
  const covered = new Set<number>();
  const open: string[] = [];
  for (const item of order) {
    while (open.length > 0 && !item.text.startsWith(open[open.length - 1]!)) open.pop();
    if (open.length > 0) covered.add(item.i);
    else if (item.wildcard) open.push(item.text);
  }
  const out: string[] = [];
  emitted.forEach((e, i) => {
    if (covered.has(i)) delete e.node.emitted;
    else out.push(e.entry);
  });
  return out;
}

/** `prefix*` ⊆ glob; a question too complex to decide counts as "no" (the node stays unsafe). */
function containedOrNo(glob: Glob, lowerPrefix: string): boolean {
  try {
    return prefixContained(glob, lowerPrefix);
  } catch (e) {
    if (e instanceof GlobTooComplexError) return false;
    throw e;
  }
}

interface Group {
  token: string;
  lowerToken: string;
  members: CatalogAction[];
}

/** Groups `members` (all sharing the first `depth` tokens) by their token at `depth`. */
function groupByToken(
  catalog: ActionCatalog,
  members: readonly CatalogAction[],
  depth: number,
): { self: CatalogAction | undefined; groups: Group[] } {
  if (depth === 0) {
    const byService = groupByService(catalog, members);
    if (byService !== undefined) return { self: undefined, groups: byService };
  }
  let self: CatalogAction | undefined;
  // Most nodes have a few members: their groups are found by a scan of a short list, without a
  // Map and the copy of its values (the same groups, sorted the same way, as with the Map).
  const small = members.length <= SMALL_NODE;
  const list: Group[] = [];
  const groups = small ? undefined : new Map<string, Group>();
  for (let k = 0; k < members.length; k++) {
    const a = members[k]!;
    const lowerTokens = catalog.lowerTokens(a);
    if (lowerTokens.length === depth) {
      self = a;
      continue;
    }
    const lowerToken = lowerTokens[depth]!;
    let g: Group | undefined;
    if (groups === undefined) {
      for (let j = 0; j < list.length && g === undefined; j++) {
        if (list[j]!.lowerToken === lowerToken) g = list[j];
      }
    } else g = groups.get(lowerToken);
    if (g) g.members.push(a);
    else {
      g = { token: catalog.tokens(a)[depth]!, lowerToken, members: [a] };
      list.push(g);
      groups?.set(lowerToken, g);
    }
  }
  list.sort((x, y) => (x.lowerToken < y.lowerToken ? -1 : x.lowerToken > y.lowerToken ? 1 : 0));
  return { self, groups: list };
}

/** Nodes with at most this many members group them without a Map. */
const SMALL_NODE = 16;

/**
 * The root's groups when `members` are in catalog order (as the callers pass them): the first
 * token is the service prefix (`s3:`), a service's actions are contiguous in the catalog and the
 * services come in the order of their tokens, so runs of one service are the groups, in order,
 * without looking tokens up (the root of `"*"` has 22,000 members). `undefined` when the members are
 * not in catalog order (the general grouping then applies).
 */
function groupByService(
  catalog: ActionCatalog,
  members: readonly CatalogAction[],
): Group[] | undefined {
  // Indexed, and each run sliced out at its size once it ends: with 22,000 members, `for…of` and
  // growing `push` lists were a large share of the refinement's allocation.
  const groups: Group[] = [];
  let start = 0;
  let last = -1;
  for (let k = 0; k <= members.length; k++) {
    const a = members[k];
    if (a !== undefined) {
      if (a.index <= last) return undefined;
      last = a.index;
      if (k > start && a.service === members[start]!.service) continue;
    }
    if (k > start) {
      const token = catalog.tokens(members[start]!)[0]!;
      groups.push({ token, lowerToken: token.toLowerCase(), members: members.slice(start, k) });
    }
    start = k;
  }
  return groups;
}

/**
 * Replaces wildcard `glob` (which matches the catalog actions `matched`, some of them unused) by the
 * shortest safe prefixes of `matched` minus the unused actions.
 *
 * A node with prefix p is safe when `p*` is contained in `glob` (so it can grant no string, known or
 * future, that `glob` does not) and no catalog action starting with p is unused (with containment,
 * every catalog action starting with p is then matched and used). Safe nodes whose parent is unsafe
 * are emitted (`p*`, or the action itself when exactly one catalog action starts with p); an unsafe
 * node that is itself a used matched action is emitted as that action; unsafe nodes are expanded.
 */
export function shortestSafePrefixes(
  glob: Glob,
  matched: readonly CatalogAction[],
  unused: UnusedIndex,
  catalog: ActionCatalog,
): Generalization {
  const walk: Walk = { glob, unused, catalog, emitted: [] };
  const trie = visitSafe(walk, '', '', '', matched, 0, 0, catalog.actions.length);
  return { entries: dropCovered(walk.emitted), trie };
}

/** What one walk of the trie shares (module-level visitors keep V8's feedback across calls). */
interface Walk {
  glob: Glob | null;
  unused: UnusedIndex;
  catalog: ActionCatalog;
  emitted: { entry: string; node: TrieNode }[];
}

/**
 * Emits a node's whole prefix: `prefix*`, or the action itself when it is the only catalog action
 * in `[start, end)` (the actions starting with the prefix).
 */
function emitWhole(w: Walk, node: TrieNode, lower: string, start: number, end: number): TrieNode {
  const single = end - start === 1 ? w.catalog.actions[start]! : undefined;
  node.emitted = single ? single.full : `${node.prefix}*`;
  node.isAction = single !== undefined && single.key === lower;
  w.emitted.push({ entry: node.emitted, node });
  return node;
}

/**
 * A trie visitor: the node with prefix `prefix` (`lower` in lower case; `token` its last token),
 * whose matched actions are `members`, at token depth `depth` (0: the root), and whose catalog
 * range lies inside `[lo, hi)` (its parent's).
 */
type Visitor = (
  w: Walk,
  prefix: string,
  lower: string,
  token: string,
  members: readonly CatalogAction[],
  depth: number,
  lo: number,
  hi: number,
) => TrieNode;

/** Visits `node`'s groups as its children, each inside the node's range `[start, end)`. */
function visitGroups(
  w: Walk,
  visit: Visitor,
  node: TrieNode,
  lower: string,
  groups: readonly Group[],
  depth: number,
  start: number,
  end: number,
): void {
  for (const g of groups) {
    node.children.push(
      visit(
        w,
        node.prefix + g.token,
        lower + g.lowerToken,
        g.token,
        g.members,
        depth + 1,
        start,
        end,
      ),
    );
  }
}

const visitSafe: Visitor = (w, prefix, lower, token, members, depth, lo, hi) => {
  const { catalog, unused } = w;
  const isRoot = depth === 0;
  // A child's actions lie inside its parent's range: only that range is searched.
  const [start, end] = catalog.prefixRange(lower, lo, hi);
  // The members are catalog actions starting with the prefix, so they lie in [start, end); when
  // they are all of it (every node of `*` or `svc:*`), their unused count is the range's.
  let unusedCount = 0;
  if (members.length === end - start) unusedCount = unused.countIn(start, end);
  else for (let k = 0; k < members.length; k++) unusedCount += unused.flags[members[k]!.index]!;
  const safe = !isRoot && unused.countIn(start, end) === 0 && containedOrNo(w.glob!, lower);
  const node: TrieNode = {
    prefix,
    token,
    safe,
    isAction: false,
    unused: false,
    actionCount: members.length,
    unusedCount,
    children: [],
  };
  if (safe) return emitWhole(w, node, lower, start, end);
  if (!isRoot && unusedCount === members.length && members.length > 1) {
    // Everything the pattern allows under this node is unused: nothing below can be emitted.
    // (A single unused action is still followed down, a short chain, so it is drawn by name.)
    node.unused = true;
    return node;
  }
  const { self, groups } = groupByToken(catalog, members, depth);
  if (self) {
    node.isAction = true;
    node.unused = unused.flags[self.index] === 1;
    if (!node.unused) {
      node.emitted = self.full;
      w.emitted.push({ entry: self.full, node });
    }
  }
  visitGroups(w, visitSafe, node, lower, groups, depth, start, end);
  return node;
};

/**
 * The entries to add to a `NotAction` list so that the statement stops allowing `toExclude` (unused
 * catalog actions it allows today): a prefix `p*` wherever every catalog action starting with p is
 * unused (which also excludes future actions under p, never a used one), otherwise single actions.
 * Prefixes start at the service level; `*` itself is never emitted.
 */
export function exclusionPrefixes(
  toExclude: readonly CatalogAction[],
  unused: UnusedIndex,
  catalog: ActionCatalog,
): Generalization {
  const walk: Walk = { glob: null, unused, catalog, emitted: [] };
  const trie = visitExclusion(walk, '', '', '', toExclude, 0, 0, catalog.actions.length);
  return { entries: dropCovered(walk.emitted), trie };
}

const visitExclusion: Visitor = (w, prefix, lower, token, members, depth, lo, hi) => {
  const { catalog, unused } = w;
  const isRoot = depth === 0;
  // A child's actions lie inside its parent's range: only that range is searched.
  const [start, end] = catalog.prefixRange(lower, lo, hi);
  // "safe" here: everything under the prefix is unused, so the prefix may be excluded whole.
  const safe = !isRoot && unused.countIn(start, end) === end - start;
  const node: TrieNode = {
    prefix,
    token,
    safe,
    isAction: false,
    unused: false,
    actionCount: members.length,
    unusedCount: members.length,
    children: [],
  };
  if (safe) {
    node.unused = true;
    return emitWhole(w, node, lower, start, end);
  }
  const { self, groups } = groupByToken(catalog, members, depth);
  if (self) {
    node.isAction = true;
    node.unused = true;
    node.emitted = self.full;
    w.emitted.push({ entry: self.full, node });
  }
  visitGroups(w, visitExclusion, node, lower, groups, depth, start, end);
  return node;
};
