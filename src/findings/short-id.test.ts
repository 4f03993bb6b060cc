import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveIdPrefix, shortIdLength } from './short-id.js';

const hexId = fc.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}$/);

describe('shortIdLength', () => {
  it('is the smallest length >= 8 at which all prefixes differ (against brute force)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(hexId, { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        (ids, min) => {
          const length = shortIdLength(ids, min);
          const distinct = (l: number) =>
            new Set(ids.map((id) => id.slice(0, l))).size === ids.length;
          let brute = min;
          while (!distinct(brute)) brute++;
          expect(length).toBe(brute);
        },
      ),
    );
  });

  it('grows with a shared prefix', () => {
    expect(shortIdLength(['abcdefgh12', 'abcdefgh34'])).toBe(9);
    expect(shortIdLength(['ab', 'cd'], 8)).toBe(8);
  });
});

describe('resolveIdPrefix', () => {
  const ids = ['599d6227-aaaa', '599d6227-bbbb', '12345678-cccc'];
  it('exact, unique, ambiguous and none', () => {
    expect(resolveIdPrefix('12345678-CCCC', ids)).toEqual({ kind: 'exact', id: '12345678-cccc' });
    expect(resolveIdPrefix('1234', ids)).toEqual({ kind: 'unique', id: '12345678-cccc' });
    expect(resolveIdPrefix('599d6227', ids)).toEqual({
      kind: 'ambiguous',
      ids: ['599d6227-aaaa', '599d6227-bbbb'],
    });
    expect(resolveIdPrefix('599d6227-b', ids)).toEqual({ kind: 'unique', id: '599d6227-bbbb' });
    expect(resolveIdPrefix('ffff', ids)).toEqual({ kind: 'none' });
    expect(resolveIdPrefix('', ids)).toEqual({ kind: 'none' });
  });

  it('a prefix of the short length always resolves to its own id', () => {
    fc.assert(
      fc.property(fc.uniqueArray(hexId, { minLength: 1, maxLength: 30 }), (ids) => {
        const l = shortIdLength(ids);
        for (const id of ids) {
          const m = resolveIdPrefix(id.slice(0, l), ids);
          expect(m.kind === 'unique' || m.kind === 'exact').toBe(true);
          expect((m as { id: string }).id).toBe(id);
        }
      }),
    );
  });
});
