import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IamRefineError } from '../errors.js';
import { mergeKeyRuns, toKeyRun, type KeyRun } from './key-runs.js';

/** A key use: ID, user ARN, time (few values: ties are frequent). */
type Use = [string, string, number];
const use = fc.tuple(
  fc.constantFrom('AKIA1', 'AKIA2', 'AKIA10', 'AKIA', 'B', ''),
  fc.constantFrom('u1', 'u2', 'u3'),
  fc.nat(4),
) as fc.Arbitrary<Use>;

/** Each use recorded in turn: the latest time wins, the first recorded on ties. */
function reference(uses: readonly Use[]): [string, string, number][] {
  const latest = new Map<string, { user: string; ms: number }>();
  for (const [id, user, ms] of uses) {
    const seen = latest.get(id);
    if (seen === undefined || ms > seen.ms) latest.set(id, { user, ms });
  }
  return [...latest.keys()].sort().map((id) => [id, latest.get(id)!.user, latest.get(id)!.ms]);
}

/** `uses` as a run, through the columns of a worker (users listed once, in any order). */
function run(uses: readonly Use[]): KeyRun {
  const users = [...new Set(uses.map((u) => u[1]))].reverse();
  return toKeyRun(
    uses.map((u) => u[0]),
    users,
    uses.map((u) => users.indexOf(u[1])),
    uses.map((u) => u[2]),
  );
}

function merged(runs: readonly KeyRun[]): [string, string, number][] {
  const out: [string, string, number][] = [];
  mergeKeyRuns(runs, (id, user, ms) => out.push([id, user, ms]));
  return out;
}

describe('key runs', () => {
  it('merges runs as recording each run in turn does, ties included (differential)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(use, { maxLength: 12 }), { maxLength: 7 }), (parts) => {
        // Each part is one worker's keys (its own latest uses), in the order the runs arrive.
        const runs = parts.map((uses) => run(uses));
        for (const [k, r] of runs.entries()) {
          expect(merged([r])).toEqual(reference(parts[k]!));
        }
        expect(merged(runs)).toEqual(reference(parts.flat()));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps columns that are already a run, and checks them', () => {
    const ids = ['AKIA1', 'AKIA2'];
    const r = toKeyRun(ids, ['u'], [0, 0], [1, 2]);
    expect(r.ids).toBe(ids);
    expect(() => toKeyRun(ids, ['u'], [0], [1, 2])).toThrow(IamRefineError);
    expect(() => toKeyRun(ids, ['u'], [0, 1], [1, 2])).toThrow(/no user/);
    expect(() => toKeyRun(ids, ['u'], [0, -1], [1, 2])).toThrow(/no user/);
    expect(() => toKeyRun(ids, ['u'], [0, 0.5], [1, 2])).toThrow(/no user/);
  });
});
