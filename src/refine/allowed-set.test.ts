import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexList, equalsMinusUnused, sizeMinusUnused, type AllowedSet } from './allowed-set.js';

const SIZE = 12;

const arbSet: fc.Arbitrary<AllowedSet> = fc.record({
  kind: fc.constantFrom('in' as const, 'notIn' as const),
  set: fc.oneof(
    fc.uniqueArray(fc.nat(SIZE - 1), { maxLength: SIZE }).map((a) => new Set(a)),
    fc
      .uniqueArray(fc.nat(SIZE - 1), { maxLength: SIZE })
      .map((a) => new IndexList(Int32Array.from(a))),
  ),
});

/** The allowed set as an explicit list of catalog indices. */
function members(s: AllowedSet): number[] {
  return [...Array(SIZE).keys()].filter((i) => (s.kind === 'in' ? s.set.has(i) : !s.set.has(i)));
}

describe('equalsMinusUnused', () => {
  it('agrees with explicit set comparison on random sets, kinds and unused flags', () => {
    fc.assert(
      fc.property(
        arbSet,
        arbSet,
        fc.array(fc.boolean(), { minLength: SIZE, maxLength: SIZE }),
        (before, after, unused) => {
          const flags = Uint8Array.from(unused, (u) => (u ? 1 : 0));
          const count = unused.filter(Boolean).length;
          const expected = members(before).filter((i) => flags[i] === 0);
          const actual = members(after);
          expect(sizeMinusUnused(before, flags, count, SIZE)).toBe(expected.length);
          expect(equalsMinusUnused(before, after, flags, count, SIZE)).toBe(
            expected.join() === actual.join(),
          );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('finds the equal case, which random sets rarely hit', () => {
    const flags = Uint8Array.from([0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const all: AllowedSet = { kind: 'notIn', set: new Set() };
    const asIn: AllowedSet = { kind: 'in', set: new Set([0, 2, 4, 5, 6, 7, 8, 9, 10, 11]) };
    const asNotIn: AllowedSet = { kind: 'notIn', set: new Set([1, 3]) };
    expect(equalsMinusUnused(all, asIn, flags, 2, SIZE)).toBe(true);
    expect(equalsMinusUnused(all, asNotIn, flags, 2, SIZE)).toBe(true);
    expect(equalsMinusUnused(all, all, flags, 2, SIZE)).toBe(false);
  });
});

describe('IndexList', () => {
  it('has exactly the members of a Set of its list, for any number asked', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat(300), { maxLength: 60 }),
        fc.array(fc.oneof(fc.integer({ min: -5, max: 310 }), fc.double()), { maxLength: 40 }),
        (list, asked) => {
          const reference = new Set(list);
          const l = new IndexList(Int32Array.from(list));
          expect(l.size).toBe(reference.size);
          expect([...l]).toEqual(list);
          for (const i of [...list, ...asked]) expect(l.has(i)).toBe(reference.has(i));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
