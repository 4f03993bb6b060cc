/**
 * The set of catalog actions one statement allows, kept small: an `Action` statement is the union
 * of its entries' matches; a `NotAction` statement is stored as its complement (what it excludes).
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import { compileGlob } from '../glob/glob.js';

/** Catalog action indices a statement allows: `in` = exactly these; `notIn` = all but these. */
export interface AllowedSet {
  kind: 'in' | 'notIn';
  set: IndexSet;
}

/** A read-only set of catalog indices: a `Set<number>` or an {@link IndexList}. */
export interface IndexSet extends Iterable<number> {
  readonly size: number;
  has(i: number): boolean;
}

/**
 * Distinct catalog indices in a typed array: cheap to build and to iterate (a NotAction statement
 * can exclude 20,000 actions); membership tests build a bitmap on first use (one byte per index up
 * to the largest: at most the catalog's 22,000 bytes, and a lookup is one load, where a `Set` of
 * 20,000 numbers cost a hash lookup each and more memory).
 */
export class IndexList implements IndexSet {
  private bits: Uint8Array | undefined;

  /** @param list - Distinct non-negative indices (never modified). */
  constructor(readonly list: Int32Array) {}

  get size(): number {
    return this.list.length;
  }

  has(i: number): boolean {
    // Out of range (negative, past the largest, not a whole number) reads undefined: false.
    return (this.bits ??= bitmapOf(this.list))[i] === 1;
  }

  [Symbol.iterator](): Iterator<number> {
    return this.list[Symbol.iterator]();
  }
}

/** `bits[i] === 1` exactly for the indices in `list` (non-negative). */
function bitmapOf(list: Int32Array): Uint8Array {
  let max = -1;
  for (let k = 0; k < list.length; k++) if (list[k]! > max) max = list[k]!;
  const bits = new Uint8Array(max + 1);
  for (let k = 0; k < list.length; k++) bits[list[k]!] = 1;
  return bits;
}

/** Whether an entry is only stars: it matches every action. */
function matchesEverything(entry: string): boolean {
  return entry.length > 0 && entry.replaceAll('*', '') === '';
}

/** Per catalog: the indices each entry text matches (entries recur across refinements). */
const matchMemo = new WeakMap<ActionCatalog, Map<string, Int32Array>>();
/** Entries remembered per catalog before the memo starts over (bounds its memory). */
const MEMO_LIMIT = 100_000;

/** The catalog indices `entry` matches, ascending (memoized per catalog; never modify). */
function entryIndices(entry: string, catalog: ActionCatalog): Int32Array {
  let memo = matchMemo.get(catalog);
  if (memo === undefined) matchMemo.set(catalog, (memo = new Map()));
  let hit = memo.get(entry);
  if (hit === undefined) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    hit = Int32Array.from(catalog.match(compileGlob(entry)), (a) => a.index);
    memo.set(entry, hit);
  }
  return hit;
}

/** Per catalog: a zeroed scratch bitmap for de-duplicating (left zeroed after each use). */
const scratchBitmaps = new WeakMap<ActionCatalog, Uint8Array>();

/** Catalog indices matched by any of `entries`, each once. */
export function matchAny(entries: readonly string[], catalog: ActionCatalog): IndexList {
  let seen = scratchBitmaps.get(catalog);
  if (seen === undefined) {
    seen = new Uint8Array(catalog.actions.length);
    scratchBitmaps.set(catalog, seen);
  }
  const lists = entries.map((e) => entryIndices(e, catalog));
  let total = 0;
  for (const l of lists) total += l.length;
  const out = new Int32Array(total);
  let n = 0;
  for (const l of lists) {
    for (let k = 0; k < l.length; k++) {
      const i = l[k]!;
      if (seen[i] === 0) {
        seen[i] = 1;
        out[n++] = i;
      }
    }
  }
  for (let k = 0; k < n; k++) seen[out[k]!] = 0;
  return new IndexList(n === total ? out : out.slice(0, n));
}

/** What a statement with `actionKey: entries` allows, over the catalog. */
export function allowedSet(
  actionKey: 'Action' | 'NotAction',
  entries: readonly string[],
  catalog: ActionCatalog,
): AllowedSet {
  if (actionKey === 'Action' && entries.some(matchesEverything)) {
    // `"Action": "*"` allows every action: all but nothing, without listing 22,000 indices.
    return { kind: 'notIn', set: new Set<number>() };
  }
  return { kind: actionKey === 'Action' ? 'in' : 'notIn', set: matchAny(entries, catalog) };
}

/** Whether catalog action `i` is in the allowed set. */
export function allows(s: AllowedSet, i: number): boolean {
  return s.kind === 'in' ? s.set.has(i) : !s.set.has(i);
}

/**
 * Number of actions in `before` minus the unused ones (`unusedFlags[i] === 1`), over a catalog of
 * `size` actions, without building that set.
 */
export function sizeMinusUnused(
  before: AllowedSet,
  unusedFlags: Uint8Array,
  unusedCount: number,
  size: number,
): number {
  let unusedInSet = 0;
  const set = before.set;
  if (set instanceof IndexList) {
    // Indexed: iterating the (up to 22,000-element) list allocated an iterator result per index.
    const list = set.list;
    for (let k = 0; k < list.length; k++) unusedInSet += unusedFlags[list[k]!]!;
  } else {
    for (const i of set) unusedInSet += unusedFlags[i]!;
  }
  return before.kind === 'in'
    ? before.set.size - unusedInSet
    : size - (before.set.size + unusedCount - unusedInSet);
}

/**
 * Exact equality of `after` with `before` minus the unused actions, in time proportional to the
 * two sets as stored (a `"*"` statement minus 21,000 unused actions is compared without listing
 * them): equal sizes and `after` inside the expected set.
 */
export function equalsMinusUnused(
  before: AllowedSet,
  after: AllowedSet,
  unusedFlags: Uint8Array,
  unusedCount: number,
  size: number,
): boolean {
  const expectedSize = sizeMinusUnused(before, unusedFlags, unusedCount, size);
  const actualSize = after.kind === 'in' ? after.set.size : size - after.set.size;
  if (actualSize !== expectedSize) return false;
  // Same size: equal iff every action of `after` is expected (`in`), or no action `after`
  // excludes is expected (`notIn`: after = catalog minus X).
  const want = after.kind === 'in';
  const beforeIn = before.kind === 'in';
  const beforeSet = before.set;
  const list = after.set instanceof IndexList ? after.set.list : Int32Array.from(after.set);
  for (let k = 0; k < list.length; k++) {
    const i = list[k]!;
    const expected = beforeSet.has(i) === beforeIn && unusedFlags[i] === 0;
    if (expected !== want) return false;
  }
  return true;
}
