import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable, MAX_KEY_PROBES } from './key-table.js';

/** A key use: its ID, the user (an index), the time, and whether it is added from bytes. */
type Use = [string, number, number, boolean];

/** The reference: a `Map` in the order of first use, the latest time winning (first on ties). */
function reference(uses: readonly Use[]): Map<string, { user: number; ms: number }> {
  const latest = new Map<string, { user: number; ms: number }>();
  for (const [id, user, ms] of uses) {
    const seen = latest.get(id);
    if (seen === undefined || ms > seen.ms) latest.set(id, { user, ms });
  }
  return latest;
}

function fill(table: KeyTable, uses: readonly Use[]): void {
  for (const [id, user, ms, asBytes] of uses) {
    if (asBytes) {
      // Somewhere inside a larger buffer, as in a log file.
      const bytes = Buffer.from(`{"x":"${id}"}`, 'latin1');
      table.addBytes(bytes, 6, 6 + id.length, user, ms);
    } else table.addString(id, user, ms);
  }
}

const ascii = (chars: string, maxLength: number) =>
  fc.array(fc.constantFrom(...chars.split('')), { maxLength }).map((cs) => cs.join(''));
/** IDs: AKIA keys (a long shared prefix), short and empty strings, one prefix of another. */
const asciiId = fc.oneof(
  ascii('AB27', 6).map((s) => `AKIA${s}`),
  ascii('AKIB', 3),
  fc.constant('AKIA'),
);
const asciiUse = fc.tuple(asciiId, fc.nat(3), fc.nat(5), fc.boolean()) as fc.Arbitrary<Use>;
/** Any string (not from bytes: the byte path is for ASCII only). */
const anyUse = fc
  .tuple(fc.oneof(asciiId, fc.string({ maxLength: 5, unit: 'binary' })), fc.nat(3), fc.nat(5))
  .map(([id, user, ms]) => [id, user, ms, false]) as fc.Arbitrary<Use>;

function check(uses: readonly Use[], maxProbes: number, slots?: number): void {
  const table = new KeyTable(maxProbes, slots);
  fill(table, uses);
  const latest = reference(uses);
  expect(table.size).toBe(latest.size);
  // In the order of first use.
  const seen: [string, number, number][] = [];
  table.forEach((id, ms, user) => seen.push([id, user, ms]));
  expect(seen).toEqual([...latest].map(([id, k]) => [id, k.user, k.ms]));
  // Sorted as Array.prototype.sort sorts strings.
  const users = ['u0', 'u1', 'u2', 'u3'];
  const run = table.sortedRun(users);
  const ids = [...latest.keys()].sort();
  expect(run.ids).toEqual(ids);
  expect(run.users).toEqual(users);
  expect(Array.from(run.user)).toEqual(ids.map((id) => latest.get(id)!.user));
  expect(Array.from(run.last)).toEqual(ids.map((id) => latest.get(id)!.ms));
}

describe('KeyTable', () => {
  it('keeps the latest use of each key, sorted by ID, as a Map does (differential)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(asciiUse, anyUse), { maxLength: 80 }), (uses) => {
        check(uses, MAX_KEY_PROBES);
      }),
      { numRuns: 400 },
    );
  });

  it('finds keys whose slots are all taken in its overflow index (one probe)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(asciiUse, anyUse), { maxLength: 80 }), (uses) => {
        check(uses, 1, 2);
        check(uses, 2, 4);
      }),
      { numRuns: 400 },
    );
  });

  it('sorts many keys of one length by the units past those packed with the index', () => {
    // 3,000 keys of 20 units that differ only in their last units (equal packed prefixes), and
    // keys of other lengths, in random order.
    const ids: string[] = [];
    for (let i = 0; i < 3000; i++) ids.push(`AKIA${'Q'.repeat(10)}${String(i).padStart(6, '0')}`);
    ids.push('AKIA', 'AKIAQ', `AKIA${'Q'.repeat(16)}`, `AKIA${'Q'.repeat(10)}00000`);
    const shuffled = fc.sample(fc.shuffledSubarray(ids, { minLength: ids.length }), 1)[0]!;
    const uses = shuffled.map((id, i): Use => [id, i % 4, i, i % 2 === 0]);
    check(uses, MAX_KEY_PROBES);
    // Not Latin-1: decoded key by key.
    check([...uses, ['AKIA\u20ac', 1, 5, false]], MAX_KEY_PROBES);
  });

  it('keeps a key ID of any length', () => {
    const long = `AKIA${'x'.repeat(70_000)}`;
    const table = new KeyTable();
    table.addString(long, 0, 1);
    table.addBytes(Buffer.from(long, 'latin1'), 0, long.length, 1, 2);
    expect(table.sortedRun(['a', 'b']).ids).toEqual([long]);
    expect(Array.from(table.sortedRun(['a', 'b']).user)).toEqual([1]);
  });
});
