/**
 * An edit script between two sequences: Myers' O(ND) difference algorithm, linear-space variant,
 * kept near-linear on large inputs. Used by the CLI's `diff` format and the dashboard's policy diff
 * (and any layer that needs a line diff), so it lives below both.
 *
 * Bounded work (issue 9, "every output format linear or near-linear"): Myers costs O((N+M)·D),
 * quadratic when the inputs differ a lot (a 5,000-statement policy took minutes). So
 * - a region larger than {@link EXACT_REGION} elements is first cut at *anchors* (as patience diff
 *   does): elements that occur exactly once in each side, kept in order (longest increasing
 *   subsequence); the gaps between anchors are diffed on their own;
 * - Myers runs under a work budget proportional to the input ({@link WORK_PER_ELEMENT} steps per
 *   element); a region whose middle snake is not found within the budget is given as "delete all,
 *   insert all".
 * The result is always a valid edit script (every `equal` pairs equal elements, in order); it is a
 * shortest one for inputs up to {@link EXACT_REGION} elements whose Myers work fits the budget
 * (every input of a few thousand lines), and may be longer than the shortest on larger ones.
 */

/** Regions with at most this many elements (both sides) are diffed by Myers without anchors. */
export const EXACT_REGION = 4096;

/** Myers' work budget: steps per input element (plus {@link MIN_WORK}). */
export const WORK_PER_ELEMENT = 200;

/** Myers' work budget for any input, however small. */
const MIN_WORK = 4_000_000;

/** One step of a line edit script. */
export type DiffOp =
  | { kind: 'equal'; a: number; b: number }
  | { kind: 'delete'; a: number }
  | { kind: 'insert'; b: number };

/**
 * A shortest edit script turning `a` into `b`, where elements are equal when their `key`s are
 * (default: the element itself). Within each changed region every deletion comes before every
 * insertion.
 */
export function diffSequences<T>(
  a: readonly T[],
  b: readonly T[],
  key: (x: T) => unknown = (x) => x,
): DiffOp[] {
  const ka = a.map(key);
  const kb = b.map(key);
  const raw: DiffOp[] = [];
  const budget: Budget = { left: MIN_WORK + WORK_PER_ELEMENT * (ka.length + kb.length) };
  region(ka, kb, 0, ka.length, 0, kb.length, raw, budget);
  // Regroup each changed region: deletions first, then insertions.
  const out: DiffOp[] = [];
  let dels: DiffOp[] = [];
  let inss: DiffOp[] = [];
  const flush = () => {
    out.push(...dels, ...inss);
    dels = [];
    inss = [];
  };
  for (const op of raw) {
    if (op.kind === 'equal') {
      flush();
      out.push(op);
    } else if (op.kind === 'delete') dels.push(op);
    else inss.push(op);
  }
  flush();
  return out;
}

/** Myers steps left to spend (shared by every region of one diff). */
interface Budget {
  left: number;
}

/**
 * Appends the edit script of `a[aLo, aHi)` → `b[bLo, bHi)` to `out`, in order: large regions are
 * cut at unique common elements first (see the module comment), the rest is left to Myers.
 */
function region(
  a: readonly unknown[],
  b: readonly unknown[],
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  out: DiffOp[],
  budget: Budget,
): void {
  if (aHi - aLo + (bHi - bLo) <= EXACT_REGION) {
    myers(a, b, aLo, aHi, bLo, bHi, out, budget);
    return;
  }
  const anchors = uniqueAnchors(a, b, aLo, aHi, bLo, bHi);
  if (anchors.length === 0) {
    myers(a, b, aLo, aHi, bLo, bHi, out, budget);
    return;
  }
  let i = aLo;
  let j = bLo;
  for (const [x, y] of anchors) {
    myers(a, b, i, x, j, y, out, budget);
    out.push({ kind: 'equal', a: x, b: y });
    i = x + 1;
    j = y + 1;
  }
  myers(a, b, i, aHi, j, bHi, out, budget);
}

/**
 * The elements occurring exactly once in `a[aLo, aHi)` and once in `b[bLo, bHi)`, as `[x, y]`
 * index pairs: the longest chain increasing in both (patience sorting, O(k log k)).
 */
function uniqueAnchors(
  a: readonly unknown[],
  b: readonly unknown[],
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
): [number, number][] {
  // Count in a (index when once, -1 when more), then match in b.
  const inA = new Map<unknown, number>();
  for (let i = aLo; i < aHi; i++) inA.set(a[i], inA.has(a[i]) ? -1 : i);
  const inB = new Map<unknown, number>();
  for (let j = bLo; j < bHi; j++) {
    const x = inA.get(b[j]);
    if (x === undefined || x < 0) continue;
    inB.set(b[j], inB.has(b[j]) ? -1 : j);
  }
  const pairs: [number, number][] = [];
  for (let i = aLo; i < aHi; i++) {
    const y = inB.get(a[i]);
    if (y !== undefined && y >= 0 && inA.get(a[i]) === i) pairs.push([i, y]);
  }
  // Longest increasing subsequence of the y's (pairs are in increasing x).
  const tails: number[] = []; // tails[k]: index in pairs of the smallest tail of a chain of k+1
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let p = 0; p < pairs.length; p++) {
    const y = pairs[p]![1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![1] < y) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[p] = tails[lo - 1]!;
    tails[lo] = p;
  }
  const chain: [number, number][] = [];
  for (let p = tails.length > 0 ? tails[tails.length - 1]! : -1; p >= 0; p = prev[p]!) {
    chain.push(pairs[p]!);
  }
  return chain.reverse();
}

/**
 * Appends the edit script of `a[aLo, aHi)` → `b[bLo, bHi)` to `out`, in order (Myers); a region
 * whose middle snake cannot be found within the budget is "delete all, insert all".
 */
function myers(
  a: readonly unknown[],
  b: readonly unknown[],
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  out: DiffOp[],
  budget: Budget,
): void {
  // Common prefix.
  while (aLo < aHi && bLo < bHi && a[aLo] === b[bLo])
    out.push({ kind: 'equal', a: aLo++, b: bLo++ });
  // Common suffix (emitted after the middle).
  let suffix = 0;
  while (aHi - suffix > aLo && bHi - suffix > bLo && a[aHi - suffix - 1] === b[bHi - suffix - 1]) {
    suffix++;
  }
  const aEnd = aHi - suffix;
  const bEnd = bHi - suffix;
  if (aLo === aEnd) {
    for (let j = bLo; j < bEnd; j++) out.push({ kind: 'insert', b: j });
  } else if (bLo === bEnd) {
    for (let i = aLo; i < aEnd; i++) out.push({ kind: 'delete', a: i });
  } else {
    const snake = middleSnake(a, b, aLo, aEnd, bLo, bEnd, budget);
    if (snake === undefined) {
      for (let i = aLo; i < aEnd; i++) out.push({ kind: 'delete', a: i });
      for (let j = bLo; j < bEnd; j++) out.push({ kind: 'insert', b: j });
    } else {
      const [x, y, u, v] = snake;
      myers(a, b, aLo, x, bLo, y, out, budget);
      for (let i = x, j = y; i < u; i++, j++) out.push({ kind: 'equal', a: i, b: j });
      myers(a, b, u, aEnd, v, bEnd, out, budget);
    }
  }
  for (let s = suffix; s > 0; s--) out.push({ kind: 'equal', a: aHi - s, b: bHi - s });
}

/**
 * The middle snake of `a[aLo, aHi)` → `b[bLo, bHi)` (both non-empty, first and last elements
 * differing): `[x, y, u, v]` such that `(x, y)`–`(u, v)` is a diagonal run on some shortest path;
 * `undefined` when the budget runs out first (each diagonal step and each slide costs one).
 */
function middleSnake(
  a: readonly unknown[],
  b: readonly unknown[],
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  budget: Budget,
): [number, number, number, number] | undefined {
  const n = aHi - aLo;
  const m = bHi - bLo;
  const delta = n - m;
  const odd = (delta & 1) !== 0;
  const max = Math.ceil((n + m) / 2);
  const off = max + 1;
  // vf[k]: furthest x on diagonal k = x - y going forward from (0, 0).
  // vb[k]: furthest x' on diagonal k = x' - y' going forward on the reversed sequences.
  const vf = new Int32Array(2 * max + 3);
  const vb = new Int32Array(2 * max + 3);
  // The furthest x on diagonal k after d differences, sliding along equal elements (`same`).
  const reach = (v: Int32Array, k: number, d: number, same: (x: number, y: number) => boolean) => {
    let x =
      k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!)
        ? v[off + k + 1]!
        : v[off + k - 1]! + 1;
    const start = x;
    while (x < n && x - k < m && same(x, x - k)) x++;
    v[off + k] = x;
    budget.left -= 1 + x - start;
    return start;
  };
  const forward = (x: number, y: number) => a[aLo + x] === b[bLo + y];
  const backward = (x: number, y: number) => a[aHi - 1 - x] === b[bHi - 1 - y];
  for (let d = 0; d <= max; d++) {
    if (budget.left < 0) return undefined;
    for (let k = -d; k <= d; k += 2) {
      const x0 = reach(vf, k, d, forward);
      const x = vf[off + k]!;
      const kb = delta - k;
      if (odd && kb >= -(d - 1) && kb <= d - 1 && x + vb[off + kb]! >= n) {
        return [aLo + x0, bLo + x0 - k, aLo + x, bLo + x - k];
      }
    }
    for (let k = -d; k <= d; k += 2) {
      const x0 = reach(vb, k, d, backward);
      const x = vb[off + k]!;
      const kf = delta - k;
      if (!odd && kf >= -d && kf <= d && x + vf[off + kf]! >= n) {
        return [aHi - x, bHi - (x - k), aHi - x0, bHi - (x0 - k)];
      }
    }
  }
  /* c8 ignore next 2 */
  throw new Error('internal error: no middle snake found');
}
