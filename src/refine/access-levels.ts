/**
 * Removed actions grouped by access level, each list in the order the default string sort of the
 * `service:Name` names gives. Built from catalog indices: a per-catalog rank (the position of each
 * action's `full` name in that order) replaces string sorting, and a large set (a `"*"` statement
 * minus 20,000 unused actions) is listed by one pass over the catalog in rank order.
 */
import { ACCESS_LEVELS, type AccessLevel, type ActionCatalog } from '../catalog/catalog.js';

/** Removed actions per access level; `Unknown` when the catalog gives none (or the action is not in it). */
export type ActionsByAccessLevel = Partial<Record<AccessLevel | 'Unknown', string[]>>;

/** The levels in output order. */
const LEVELS: readonly (AccessLevel | 'Unknown')[] = [...ACCESS_LEVELS, 'Unknown'];
const UNKNOWN = LEVELS.length - 1;

interface RankIndex {
  /** `byRank[r]` = catalog index of the action of rank r. */
  byRank: Int32Array;
  /** `rankOf[i]` = rank of catalog action i. */
  rankOf: Int32Array;
  /** `levelOf[i]` = position in {@link LEVELS} of catalog action i's level. */
  levelOf: Uint8Array;
}

const rankIndexes = new WeakMap<ActionCatalog, RankIndex>();

function rankIndex(catalog: ActionCatalog): RankIndex {
  let r = rankIndexes.get(catalog);
  if (r !== undefined) return r;
  const n = catalog.actions.length;
  const ordered = [...catalog.actions].sort((a, b) =>
    a.full < b.full ? -1 : a.full > b.full ? 1 : 0,
  );
  const byRank = new Int32Array(n);
  const rankOf = new Int32Array(n);
  const levelOf = new Uint8Array(n);
  ordered.forEach((a, rank) => {
    byRank[rank] = a.index;
    rankOf[a.index] = rank;
  });
  for (const a of catalog.actions) {
    levelOf[a.index] = a.accessLevel === undefined ? UNKNOWN : LEVELS.indexOf(a.accessLevel);
  }
  r = { byRank, rankOf, levelOf };
  rankIndexes.set(catalog, r);
  return r;
}

let scratchMarks = new Uint8Array(0);

/** A zeroed buffer of at least `n` bytes, reused across calls (callers zero what they set). */
function scratch(n: number): Uint8Array {
  if (scratchMarks.length < n) scratchMarks = new Uint8Array(n);
  return scratchMarks;
}

/**
 * The catalog actions `indices` (duplicates allowed) and the names `others` (strings that are not
 * a catalog action's canonical `full` name, kept as written), grouped by access level: each list
 * sorted and de-duplicated, levels in {@link ACCESS_LEVELS} order then `Unknown`, empty levels left
 * out. A name in `others` gets its catalog level when the catalog knows it in another casing.
 */
export function actionsByAccessLevel(
  catalog: ActionCatalog,
  indices: ArrayLike<number>,
  others: Iterable<string> = [],
): ActionsByAccessLevel {
  const { byRank, rankOf, levelOf } = rankIndex(catalog);
  const lists: string[][] = LEVELS.map(() => []);
  const n = catalog.actions.length;
  const push = (i: number) => lists[levelOf[i]!]!.push(catalog.actions[i]!.full);
  if (indices.length * 16 > n) {
    // Many: mark them, then one pass over the catalog in rank order. The marks live in a scratch
    // buffer shared by calls (this function is synchronous and calls nothing that re-enters it);
    // every mark is cleared before it returns. Each level's list is allocated once at its size
    // (counted while marking).
    const marked = scratch(n);
    const counts = new Array<number>(LEVELS.length).fill(0);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (marked[i] === 1) continue;
      marked[i] = 1;
      counts[levelOf[i]!]!++;
    }
    const filled = new Array<number>(LEVELS.length).fill(0);
    for (let l = 0; l < LEVELS.length; l++) lists[l] = new Array<string>(counts[l]!);
    for (let r = 0; r < n; r++) {
      const i = byRank[r]!;
      if (marked[i] !== 1) continue;
      const l = levelOf[i]!;
      lists[l]![filled[l]!++] = catalog.actions[i]!.full;
    }
    for (let k = 0; k < indices.length; k++) marked[indices[k]!] = 0;
  } else {
    const ranks = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) ranks[k] = rankOf[indices[k]!]!;
    ranks.sort();
    for (let k = 0; k < ranks.length; k++) {
      if (k > 0 && ranks[k] === ranks[k - 1]) continue;
      push(byRank[ranks[k]!]!);
    }
  }
  const extra = new Map<number, Set<string>>();
  for (const name of others) {
    const a = catalog.get(name);
    const level = a === undefined ? UNKNOWN : levelOf[a.index]!;
    let set = extra.get(level);
    if (set === undefined) extra.set(level, (set = new Set()));
    set.add(name);
  }
  const out: ActionsByAccessLevel = {};
  LEVELS.forEach((level, k) => {
    const list = lists[k]!;
    const more = extra.get(k);
    // Names the catalog spells differently (or not at all) are rare: merged by string order.
    if (more !== undefined) out[level] = [...new Set([...list, ...more])].sort();
    else if (list.length > 0) out[level] = list;
  });
  return out;
}
