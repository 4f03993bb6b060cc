import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import { IamRefineError } from '../errors.js';
import { createActionMapper } from './action-mapper.js';
import { Buffer } from 'node:buffer';
import { ByteInterner } from './byte-interner.js';
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

  it('gives the activity of recording every use in turn, however it is recorded (differential)', () => {
    // A step: a call by strings, a call by interned ids (of one of two interner pairs), a key by
    // string or by bytes, another activity merged, or one added as a worker's message.
    type Call = [number, number, number];
    type Key = [string, number, number];
    type Step =
      | { kind: 'call'; call: Call; pair: number }
      | { kind: 'ids'; call: Call; pair: number }
      | { kind: 'key'; key: Key }
      | { kind: 'keyBytes'; key: Key }
      | { kind: 'merge'; calls: Call[]; keys: Key[] }
      | { kind: 'message'; calls: Call[]; keys: Key[] };
    const principals = ['arn:aws:iam::1:role/r', 'arn:aws:iam::1:user/u', 'arn:aws:iam::1:role/a'];
    const calls = [
      ['s3.amazonaws.com', 'GetObject'],
      ['s3.amazonaws.com', 'PutObject'],
      ['kms.amazonaws.com', 'Decrypt'],
    ];
    const call = fc.tuple(fc.nat(2), fc.nat(2), fc.nat(3)) as fc.Arbitrary<Call>;
    const key = fc.tuple(
      fc.constantFrom('AKIA1', 'AKIA2', 'AKIA10'),
      fc.nat(2),
      fc.nat(3),
    ) as fc.Arbitrary<Key>;
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc
        .tuple(fc.constantFrom('call' as const, 'ids' as const), call, fc.nat(1))
        .map(([kind, c, pair]) => ({ kind, call: c, pair })),
      fc
        .tuple(fc.constantFrom('key' as const, 'keyBytes' as const), key)
        .map(([kind, k]) => ({ kind, key: k })),
      fc
        .tuple(
          fc.constantFrom('merge' as const, 'message' as const),
          fc.array(call, { maxLength: 4 }),
          fc.array(key, { maxLength: 4 }),
        )
        .map(([kind, cs, ks]) => ({ kind, calls: cs, keys: ks })),
    );
    const pairs = [0, 1].map(() => {
      const p = new ByteInterner(16, 4096);
      const c = new ByteInterner(16, 4096);
      const pid = principals.map((arn) => {
        const b = Buffer.from(arn, 'latin1');
        return p.id(b, 0, b.length, 0, 0);
      });
      const cid = calls.map(([source, name]) => {
        const b = Buffer.from(`${source}${name}`, 'latin1');
        return c.id(b, 0, source!.length, source!.length, b.length);
      });
      return { p, c, pid, cid };
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 14 }), (steps) => {
        const raw = new RawActivity();
        const reference = new ActivityAccumulator();
        const refCall = ([p, c, ms]: Call) =>
          reference.recordMapping(principals[p]!, mapper.map(calls[c]![0]!, calls[c]![1]!), ms);
        const refKey = ([id, u, ms]: Key) => reference.recordAccessKey(id, principals[u]!, ms);
        for (const s of steps) {
          if (s.kind === 'call') {
            const [p, c, ms] = s.call;
            raw.add(principals[p]!, calls[c]![0]!, calls[c]![1]!, ms);
            refCall(s.call);
          } else if (s.kind === 'ids') {
            const { p, c, pid, cid } = pairs[s.pair]!;
            raw.idGroups(p, c).add(pid[s.call[0]]!, cid[s.call[1]]!, s.call[2]);
            refCall(s.call);
          } else if (s.kind === 'key') {
            raw.addKey(s.key[0], principals[s.key[1]]!, s.key[2]);
            refKey(s.key);
          } else if (s.kind === 'keyBytes') {
            const b = Buffer.from(` ${s.key[0]} `, 'latin1');
            raw.addKeyBytes(b, 1, b.length - 1, principals[s.key[1]]!, s.key[2]);
            refKey(s.key);
          } else {
            const other = new RawActivity();
            for (const [p, c, ms] of s.calls) {
              other.add(principals[p]!, calls[c]![0]!, calls[c]![1]!, ms);
            }
            for (const [id, u, ms] of s.keys) other.addKey(id, principals[u]!, ms);
            if (s.kind === 'merge') raw.merge(other);
            else raw.addJSON(other.toMessage().activity);
            s.calls.forEach(refCall);
            // A message's keys arrive as its run: each key's latest use (first on ties).
            if (s.kind === 'merge') s.keys.forEach(refKey);
            else {
              const { ids, users, user, last } = other.toJSON().keys;
              ids.forEach((id, i) => reference.recordAccessKey(id, users[user[i]!]!, last[i]!));
            }
          }
        }
        const acc = new ActivityAccumulator();
        raw.applyTo(acc, mapper);
        expect(plainSummary(acc.finish())).toEqual(plainSummary(reference.finish()));
        // The JSON form says the same, in sorted order.
        const json = raw.toJSON();
        const again = new ActivityAccumulator();
        RawActivity.fromJSON(JSON.parse(JSON.stringify(json))).applyTo(again, mapper);
        expect(plainSummary(again.finish())).toEqual(plainSummary(reference.finish()));
        const names = json.principals.map(([p]) => p);
        expect(names).toEqual([...names].sort());
      }),
      { numRuns: 400 },
    );
  });

  it('sorts the keys of a message that are not sorted', () => {
    const raw = RawActivity.fromJSON({
      format: 2,
      principals: [],
      keys: {
        ids: ['AKIA2', 'AKIA1', 'AKIA2'],
        users: [USER, ROLE],
        user: [0, 0, 1],
        last: [1, 2, 3],
      },
      coverage: null,
    });
    expect(raw.toJSON().keys).toEqual({
      ids: ['AKIA1', 'AKIA2'],
      users: [USER, ROLE],
      user: [0, 1],
      last: [2, 3],
    });
  });
});
