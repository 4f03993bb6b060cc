/**
 * The unused set resolved against a catalog: which catalog actions are unused, as a flag array and
 * a sorted index list, so that "how many unused actions start with this prefix" is two binary
 * searches.
 */
import type { ActionCatalog, CatalogAction } from '../catalog/catalog.js';
import type { UnusedSet } from '../policy/unused.js';
import type { RefineWarning } from './types.js';

/** {@link UnusedSet} resolved against one catalog. */
export interface UnusedIndex {
  readonly set: UnusedSet;
  /** `flags[i] === 1` when catalog action `i` is unused. */
  readonly flags: Uint8Array;
  /** Indices of the unused catalog actions, ascending. */
  readonly sorted: Int32Array;
  /** Whether a (possibly unknown) `service:Action` string is unused, case-insensitively. */
  isUnused(action: string): boolean;
  /** Whether every action of `service` (known or future) is unused. */
  isWholeServiceUnused(service: string): boolean;
  /** Number of unused catalog actions with index in `[start, end)`. */
  countIn(start: number, end: number): number;
  /** Unused entries that name no catalog action or service. */
  readonly warnings: readonly RefineWarning[];
}

/** Resolves `set` against `catalog`. */
export function indexUnused(set: UnusedSet, catalog: ActionCatalog): UnusedIndex {
  const flags = new Uint8Array(catalog.actions.length);
  const warnings: RefineWarning[] = [];
  for (const [service, actions] of set.services) {
    if (actions === 'all') {
      const list = catalog.serviceActions(service);
      if (list.length === 0) {
        warnings.push({
          code: 'unknown_unused_service',
          path: '$',
          message: `unused service "${service}" is not in the catalog; policy entries for it are only removed where they are limited to "${service}:*"`,
        });
      }
      for (const a of list) flags[a.index] = 1;
      continue;
    }
    for (const name of actions) {
      const a: CatalogAction | undefined = catalog.get(`${service}:${name}`);
      if (a) flags[a.index] = 1;
      else
        warnings.push({
          code: 'unknown_unused_action',
          path: '$',
          message: `unused action "${service}:${name}" is not in the catalog; only a literal policy entry naming it is removed`,
        });
    }
  }
  return makeIndex(set, flags, flaggedIndices(flags), warnings);
}

/** The indices `i` with `flags[i] === 1`, ascending. */
export function flaggedIndices(flags: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < flags.length; i++) n += flags[i]!;
  const out = new Int32Array(n);
  for (let i = 0, k = 0; k < n; i++) if (flags[i] === 1) out[k++] = i;
  return out;
}

/**
 * An index of `set` from flags already resolved against the catalog (the findings engine has them
 * for every principal): `flags[i] === 1` exactly for the catalog actions `set` names, `sorted` their
 * indices ascending. The caller guarantees that `flags` is `set` resolved; that `sorted` lists
 * exactly the flagged indices, ascending, is checked here (the binary searches depend on it).
 *
 * @throws RangeError when `sorted` is not the ascending list of the flagged indices.
 */
export function unusedIndexFromFlags(
  set: UnusedSet,
  flags: Uint8Array,
  sorted: Int32Array,
): UnusedIndex {
  // The loops are in their own functions: a loop this hot is optimized while it runs, on the first
  // call, before the code after it has any type feedback, and that code was then thrown away on
  // reaching it on every later call (1,700 deoptimizations in the 5,000-principal scan).
  if (countFlagged(flags) !== sorted.length || !flaggedAscending(flags, sorted)) {
    throw new RangeError('unused index: sorted is not the ascending list of flagged indices');
  }
  return makeIndex(set, flags, sorted, []);
}

/** The number of `flags[i] === 1` (flags are 0 or 1). */
function countFlagged(flags: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < flags.length; i++) n += flags[i]!;
  return n;
}

/** Whether `sorted` is strictly ascending and every index in it is flagged. */
function flaggedAscending(flags: Uint8Array, sorted: Int32Array): boolean {
  for (let k = 0; k < sorted.length; k++) {
    if (flags[sorted[k]!] !== 1 || (k > 0 && sorted[k]! <= sorted[k - 1]!)) return false;
  }
  return true;
}

/** Whether `x` is an {@link UnusedIndex} (rather than a set or the JSON shape). */
export function isUnusedIndex(x: unknown): x is UnusedIndex {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as UnusedIndex).flags instanceof Uint8Array &&
    (x as UnusedIndex).sorted instanceof Int32Array
  );
}

function makeIndex(
  set: UnusedSet,
  flags: Uint8Array,
  sorted: Int32Array,
  warnings: readonly RefineWarning[],
): UnusedIndex {
  const lowerBound = (x: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const isWholeServiceUnused = (service: string): boolean =>
    set.services.get(service.toLowerCase()) === 'all';
  return {
    set,
    flags,
    sorted,
    warnings,
    isWholeServiceUnused,
    isUnused(action: string): boolean {
      const colon = action.indexOf(':');
      if (colon < 0) return false;
      const entry = set.services.get(action.slice(0, colon).toLowerCase());
      if (entry === undefined) return false;
      return entry === 'all' || entry.has(action.slice(colon + 1).toLowerCase());
    },
    countIn(start: number, end: number): number {
      return end <= start ? 0 : lowerBound(end) - lowerBound(start);
    },
  };
}
