/**
 * The substring interner: the characters asked for, always; the same kept string for the same
 * characters while the table has room; bounded probing and overflow (small tables force both).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubstringInterner } from './substring-interner.js';

/** Texts over a small alphabet: many equal substrings, prefixes of one another, and collisions. */
const text = fc.string({ unit: fc.constantFrom('a', 'b', 'A', ':', '/', 'é'), maxLength: 40 });
const lookups = fc.array(
  fc.tuple(text, fc.nat(), fc.nat()).map(([t, x, y]) => {
    const a = x % (t.length + 1);
    const b = y % (t.length + 1);
    return { t, start: Math.min(a, b), end: Math.max(a, b) };
  }),
  { maxLength: 80 },
);

describe('SubstringInterner', () => {
  it('returns exactly text.slice(start, end), whatever the table size (property)', () => {
    fc.assert(
      fc.property(
        lookups,
        fc.constantFrom(2, 4, 16, 8192),
        fc.constantFrom(0, 3, 1000),
        (list, tableSize, maxOverflow) => {
          const interner = new SubstringInterner({ tableSize, maxOverflow });
          for (const { t, start, end } of list) {
            expect(interner.intern(t, start, end)).toBe(t.slice(start, end));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives the same string object for the same characters from different texts', () => {
    const interner = new SubstringInterner();
    const a = interner.intern('xx"arn:aws:iam::111122223333:role/Orders"', 3, 40);
    const b = interner.intern('{"arn:aws:iam::111122223333:role/Orders"}', 2, 39);
    expect(a).toBe('arn:aws:iam::111122223333:role/Orders');
    expect(Object.is(a, b)).toBe(true);
    // A prefix and an extension of a kept value are other values.
    expect(interner.intern('arn:aws:iam::111122223333:role/Orders2', 0, 37)).toBe(a);
    expect(interner.intern('arn:aws:iam::111122223333:role/Orders2', 0, 38)).toBe(
      'arn:aws:iam::111122223333:role/Orders2',
    );
    expect(interner.intern('arn:aws:iam::111122223333:role/Orders2', 0, 36)).toBe(
      'arn:aws:iam::111122223333:role/Order',
    );
  });

  it('keeps working when the table is full: overflow, then plain slices', () => {
    const interner = new SubstringInterner({ tableSize: 2, maxOverflow: 2 });
    const values = ['one', 'two', 'three', 'four', 'five'];
    for (let round = 0; round < 3; round++) {
      for (const v of values) expect(interner.intern(`"${v}"`, 1, v.length + 1)).toBe(v);
    }
    expect(interner.intern('x', 0, 0)).toBe('');
    const long = 'a'.repeat(5000);
    expect(interner.intern(long, 0, 5000)).toBe(long);
  });
});
