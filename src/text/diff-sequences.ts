/**
 * A shortest edit script between two sequences: Myers' O(ND) difference algorithm, linear-space
 * variant. Used by the CLI's `diff` format and the dashboard's policy diff (and any layer that needs
 * a line diff), so it lives below both.
 */

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
  myers(ka, kb, 0, ka.length, 0, kb.length, raw);
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

/** Appends the edit script of `a[aLo, aHi)` → `b[bLo, bHi)` to `out`, in order. */
function myers(
  a: readonly unknown[],
  b: readonly unknown[],
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
  out: DiffOp[],
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
    const [x, y, u, v] = middleSnake(a, b, aLo, aEnd, bLo, bEnd);
    myers(a, b, aLo, x, bLo, y, out);
    for (let i = x, j = y; i < u; i++, j++) out.push({ kind: 'equal', a: i, b: j });
    myers(a, b, u, aEnd, v, bEnd, out);
  }
  for (let s = suffix; s > 0; s--) out.push({ kind: 'equal', a: aHi - s, b: bHi - s });
}

/**
 * The middle snake of `a[aLo, aHi)` → `b[bLo, bHi)` (both non-empty, first and last elements
 * differing): `[x, y, u, v]` such that `(x, y)`–`(u, v)` is a diagonal run on some shortest path.
 */
function middleSnake(
  a: readonly unknown[],
  b: readonly unknown[],
  aLo: number,
  aHi: number,
  bLo: number,
  bHi: number,
): [number, number, number, number] {
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
    return start;
  };
  const forward = (x: number, y: number) => a[aLo + x] === b[bLo + y];
  const backward = (x: number, y: number) => a[aHi - 1 - x] === b[bHi - 1 - y];
  for (let d = 0; d <= max; d++) {
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
