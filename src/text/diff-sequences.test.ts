import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffSequences, EXACT_REGION, type DiffOp } from './diff-sequences.js';

/** Checks `ops` is an edit script of `a` → `b` (throws if not); returns how many it keeps. */
function check<T>(a: readonly T[], b: readonly T[], ops: readonly DiffOp[]): number {
  let i = 0;
  let j = 0;
  let kept = 0;
  const fail = (what: string): never => {
    throw new Error(`not an edit script at a[${i}], b[${j}]: ${what}`);
  };
  for (const op of ops) {
    if (op.kind === 'equal') {
      if (op.a !== i || op.b !== j) fail('equal out of order');
      if (a[op.a] !== b[op.b]) fail('equal pairs different elements');
      i++;
      j++;
      kept++;
    } else if (op.kind === 'delete') {
      if (op.a !== i++) fail('delete out of order');
    } else if (op.b !== j++) fail('insert out of order');
  }
  expect([i, j]).toEqual([a.length, b.length]);
  return kept;
}

/** Reference: the length of a longest common subsequence (dynamic programming). */
function lcs<T>(a: readonly T[], b: readonly T[]): number {
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const next = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      next[j] = a[i - 1] === b[j - 1] ? row[j - 1]! + 1 : Math.max(row[j]!, next[j - 1]!);
    }
    row = next;
  }
  return row[b.length]!;
}

describe('diffSequences', () => {
  it('is a shortest edit script on small inputs (differential, against the LCS reference)', () => {
    const seq = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 40 });
    fc.assert(
      fc.property(seq, seq, (a, b) => {
        expect(check(a, b, diffSequences(a, b))).toBe(lcs(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('is a valid edit script on large inputs, anchored or not (property)', () => {
    const big = fc.array(fc.integer({ min: 0, max: 3000 }), {
      minLength: EXACT_REGION,
      maxLength: 3 * EXACT_REGION,
    });
    fc.assert(
      fc.property(big, big, (a, b) => {
        check(a, b, diffSequences(a, b));
      }),
      { numRuns: 10 },
    );
  });

  it('stays near-linear on a large input that differs everywhere', () => {
    // 200,000 lines against 200,000 others sharing every other line: Myers alone would take
    // about 10^10 steps; anchors (the unique shared lines) cut it into tiny regions.
    const n = 200_000;
    const a = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? `same ${i}` : `old ${i}`));
    const b = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? `same ${i}` : `new ${i}`));
    const started = performance.now();
    const kept = check(a, b, diffSequences(a, b));
    expect(kept).toBe(n / 2);
    // Generous: a quadratic algorithm would need hours.
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('falls back to delete-all/insert-all when the budget runs out, still valid', () => {
    // No unique anchors (two repeated values) and a large distance: the budget is exceeded.
    const n = 60_000;
    const a = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'x' : 'y'));
    const b = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 'y' : 'x'));
    check(a, b, diffSequences(a, b));
  });
});
