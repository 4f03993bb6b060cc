import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import { IamRefineError } from '../errors.js';
import { createActionMapper } from './action-mapper.js';
import { RawActivity } from './raw-activity.js';
import { ActivityAccumulator } from './summary.js';
import { plainSummary } from './test-helpers.js';

const ROLE = 'arn:aws:iam::1:role/r';
const USER = 'arn:aws:iam::1:user/u';
const mapper = createActionMapper(
  {
    operations: { svc: { Do: ['svc:Do', 'iam:PassRole'] } },
    eventSourceToIamPrefix: {
      documented: [{ eventSource: 'alias.amazonaws.com', iamPrefix: 'svc' }],
    },
  },
  createCatalog({ svc: ['Do', 'Read'], iam: ['PassRole'] }, 'test'),
);

function sample(): RawActivity {
  const raw = new RawActivity();
  raw.add(ROLE, 'svc.amazonaws.com', 'Do', 2000);
  raw.add(ROLE, 'svc.amazonaws.com', 'Do', 1000);
  raw.add(ROLE, 'alias.amazonaws.com', 'Read', 3000);
  raw.add(USER, 'other.amazonaws.com', 'Thing', 500);
  raw.addKey('AKIA1', USER, 500);
  raw.cover(500);
  raw.cover(3000);
  return raw;
}

describe('RawActivity', () => {
  it('sends its keys sorted by key ID, each with its latest time and user (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom(USER, ROLE), fc.nat(50))),
        (uses) => {
          const raw = new RawActivity();
          const latest = new Map<string, { user: string; ms: number }>();
          for (const [id, user, ms] of uses) {
            raw.addKey(id, user, ms);
            const seen = latest.get(id);
            if (seen === undefined || ms > seen.ms) latest.set(id, { user, ms });
          }
          const { ids, users, user, last } = raw.toJSON().keys;
          expect(ids).toEqual([...latest.keys()].sort());
          ids.forEach((id, i) => {
            expect({ user: users[user[i]!], ms: last[i] }).toEqual(latest.get(id));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('maps each call once into an accumulator, like recording every event', () => {
    const acc = new ActivityAccumulator();
    sample().applyTo(acc, mapper);
    const direct = new ActivityAccumulator();
    for (const [p, source, name, ms] of [
      [ROLE, 'svc.amazonaws.com', 'Do', 2000],
      [ROLE, 'svc.amazonaws.com', 'Do', 1000],
      [ROLE, 'alias.amazonaws.com', 'Read', 3000],
      [USER, 'other.amazonaws.com', 'Thing', 500],
    ] as const) {
      direct.recordMapping(p, mapper.map(source, name), ms);
    }
    direct.recordAccessKey('AKIA1', USER, 500);
    direct.cover(500);
    direct.cover(3000);
    expect(plainSummary(acc.finish())).toEqual(plainSummary(direct.finish()));
    expect(plainSummary(acc.finish()).principals).toEqual({
      [ROLE]: {
        last: '1970-01-01T00:00:03.000Z',
        services: {
          iam: {
            last: '1970-01-01T00:00:02.000Z',
            actions: { passrole: '1970-01-01T00:00:02.000Z possible' },
          },
          svc: {
            last: '1970-01-01T00:00:03.000Z',
            actions: { do: '1970-01-01T00:00:02.000Z', read: '1970-01-01T00:00:03.000Z' },
          },
        },
      },
      [USER]: {
        last: '1970-01-01T00:00:00.500Z',
        services: {
          other: { last: '1970-01-01T00:00:00.500Z', all: '1970-01-01T00:00:00.500Z', actions: {} },
        },
      },
    });
  });

  it('round-trips through JSON and merges keeping the latest time', () => {
    const copy = RawActivity.fromJSON(JSON.parse(JSON.stringify(sample().toJSON())));
    expect(copy.toJSON()).toEqual(sample().toJSON());
    const later = new RawActivity();
    later.add(ROLE, 'svc.amazonaws.com', 'Do', 9000);
    later.addKey('AKIA1', USER, 9000);
    later.cover(9000);
    const merged = sample().merge(later).toJSON();
    // Sorted at every level.
    expect(merged.principals[0]).toEqual([
      ROLE,
      [
        ['alias.amazonaws.com', [['Read', 3000]]],
        ['svc.amazonaws.com', [['Do', 9000]]],
      ],
    ]);
    expect(merged.keys).toEqual({ ids: ['AKIA1'], users: [USER], user: [0], last: [9000] });
    // addJSON adds into an existing activity, as merge does.
    expect(
      sample()
        .addJSON(JSON.parse(JSON.stringify(later.toJSON())))
        .toJSON(),
    ).toEqual(merged);
    expect(merged.coverage).toEqual([500, 9000]);
    expect(new RawActivity().toJSON().coverage).toBeNull();
  });

  it('rejects JSON of another shape', () => {
    expect(() => RawActivity.fromJSON({ format: 2 })).toThrow(IamRefineError);
    const keys = { ids: [], users: [], user: [], last: [] };
    expect(() =>
      RawActivity.fromJSON({
        format: 2,
        principals: [[ROLE, [['s', [['n', 'x']]]]]],
        keys,
        coverage: null,
      }),
    ).toThrow(IamRefineError);
    expect(() =>
      RawActivity.fromJSON({ format: 1, principals: [], keys: [], coverage: null }),
    ).toThrow(IamRefineError);
    // A key whose user index points nowhere, or columns of different lengths.
    for (const bad of [
      { ids: ['AKIA1'], users: [USER], user: [1], last: [1] },
      { ids: ['AKIA1'], users: [USER], user: [0], last: [] },
    ]) {
      const into = sample();
      expect(() => into.addJSON({ format: 2, principals: [], keys: bad, coverage: null })).toThrow(
        IamRefineError,
      );
      // Nothing was added.
      expect(into.toJSON()).toEqual(sample().toJSON());
    }
  });
});
