/**
 * The set of catalog actions one statement allows, kept small: an `Action` statement is the union
 * of its entries' matches; a `NotAction` statement is stored as its complement (what it excludes).
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import { compileGlob } from '../glob/glob.js';

/** Catalog action indices a statement allows: `in` = exactly these; `notIn` = all but these. */
export interface AllowedSet {
  kind: 'in' | 'notIn';
  set: Set<number>;
}

/** Whether an entry is only stars: it matches every action. */
function matchesEverything(entry: string): boolean {
  return entry.length > 0 && entry.replaceAll('*', '') === '';
}

/** Catalog indices matched by any of `entries`. */
export function matchAny(entries: readonly string[], catalog: ActionCatalog): Set<number> {
  const out = new Set<number>();
  for (const e of entries) {
    for (const a of catalog.match(compileGlob(e))) out.add(a.index);
  }
  return out;
}

/** What a statement with `actionKey: entries` allows, over the catalog. */
export function allowedSet(
  actionKey: 'Action' | 'NotAction',
  entries: readonly string[],
  catalog: ActionCatalog,
): AllowedSet {
  if (actionKey === 'Action' && entries.some(matchesEverything)) {
    // `"Action": "*"` allows every action: all but nothing, without listing 22,000 indices.
    return { kind: 'notIn', set: new Set() };
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
  for (const i of before.set) unusedInSet += unusedFlags[i]!;
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
  const expects = (i: number) => allows(before, i) && unusedFlags[i] === 0;
  if (after.kind === 'in') {
    if (after.set.size !== expectedSize) return false;
    for (const i of after.set) if (!expects(i)) return false;
    return true;
  }
  // after = catalog minus X: equal iff same size and no expected action is in X.
  if (size - after.set.size !== expectedSize) return false;
  for (const i of after.set) if (expects(i)) return false;
  return true;
}
