import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IamRefineError } from '../errors.js';
import type { ActionMapping } from './action-mapper.js';
import { ActivityAccumulator, mergeSummaries } from './summary.js';
import type { ActivitySummary } from './types.js';

const ROLE = 'arn:aws:iam::123456789012:role/app/Worker';
const USER = 'arn:aws:iam::123456789012:user/alice';
const t = (iso: string) => Date.parse(iso);
const d = (iso: string) => new Date(iso);

/** A summary as plain nested objects (Maps and Sets become objects and sorted arrays). */
function plain(s: ActivitySummary) {
  return {
    principals: Object.fromEntries(
      [...s.principals].map(([arn, p]) => [
        arn,
        {
          last: p.last?.toISOString(),
          services: Object.fromEntries(
            [...p.services].map(([name, svc]) => [
              name,
              {
                last: svc.last.toISOString(),
                all: svc.allActionsAt?.toISOString(),
                actions: Object.fromEntries(
                  [...svc.actions].map(([a, u]) => [
                    a,
                    `${u.last.toISOString()}${u.possible ? ' possible' : ''}`,
                  ]),
                ),
              },
            ]),
          ),
        },
      ]),
    ),
    accessKeys: Object.fromEntries(
      [...s.accessKeys].map(([id, k]) => [id, `${k.userArn} ${k.last.toISOString()}`]),
    ),
    observability: {
      dataEventServices: [...s.observability.dataEventServices].sort(),
      actionLastAccessed: s.observability.actionLastAccessed,
    },
    coverage: s.coverage && [s.coverage.from.toISOString(), s.coverage.to.toISOString()],
  };
}

describe('ActivityAccumulator', () => {
  it('keeps only the latest time per principal, service and action', () => {
    const acc = new ActivityAccumulator();
    acc.record(ROLE, 'S3', 'GetObject', t('2026-01-02T00:00:00Z'));
    acc.record(ROLE, 's3', 'getobject', t('2026-01-01T00:00:00Z'));
    acc.record(ROLE, 's3', 'PutObject', d('2026-01-03T00:00:00Z'));
    acc.record(ROLE, 'kms', null, t('2026-01-04T00:00:00Z'));
    acc.touchService(ROLE, 'ec2', t('2026-01-05T00:00:00Z'));
    expect(plain(acc.finish()).principals).toEqual({
      [ROLE]: {
        last: '2026-01-05T00:00:00.000Z',
        services: {
          ec2: { last: '2026-01-05T00:00:00.000Z', all: undefined, actions: {} },
          kms: { last: '2026-01-04T00:00:00.000Z', all: '2026-01-04T00:00:00.000Z', actions: {} },
          s3: {
            last: '2026-01-03T00:00:00.000Z',
            all: undefined,
            actions: {
              getobject: '2026-01-02T00:00:00.000Z',
              putobject: '2026-01-03T00:00:00.000Z',
            },
          },
        },
      },
    });
  });

  it('labels an action possible only when its latest evidence is possible use', () => {
    const acc = new ActivityAccumulator();
    acc.record(ROLE, 's3', 'a', t('2026-01-01T00:00:00Z'), true);
    acc.record(ROLE, 's3', 'b', t('2026-01-01T00:00:00Z'), true);
    acc.record(ROLE, 's3', 'b', t('2026-01-02T00:00:00Z'), false);
    acc.record(ROLE, 's3', 'c', t('2026-01-02T00:00:00Z'), false);
    acc.record(ROLE, 's3', 'c', t('2026-01-03T00:00:00Z'), true);
    acc.record(ROLE, 's3', 'e', t('2026-01-03T00:00:00Z'), true);
    acc.record(ROLE, 's3', 'e', t('2026-01-03T00:00:00Z'), false);
    expect(plain(acc.finish()).principals[ROLE]!.services.s3!.actions).toEqual({
      a: '2026-01-01T00:00:00.000Z possible',
      b: '2026-01-02T00:00:00.000Z',
      c: '2026-01-03T00:00:00.000Z possible',
      e: '2026-01-03T00:00:00.000Z',
    });
  });

  it('expands mapped calls like the equivalent records, cross-service possible actions included', () => {
    const mapping: ActionMapping = {
      service: 'lambda',
      used: ['createfunction'],
      possible: [
        { service: 'iam', action: 'passrole' },
        { service: 'lambda', action: 'tagresource' },
      ],
      wholeService: false,
    };
    const whole: ActionMapping = { service: 'foo', used: [], possible: [], wholeService: true };
    const fast = new ActivityAccumulator();
    fast.recordMapping(ROLE, mapping, t('2026-01-02T00:00:00Z'));
    fast.recordMapping(ROLE, mapping, t('2026-01-01T00:00:00Z'));
    fast.recordMapping(ROLE, whole, t('2026-01-03T00:00:00Z'));
    const slow = new ActivityAccumulator();
    slow.record(ROLE, 'lambda', 'createfunction', t('2026-01-02T00:00:00Z'));
    slow.record(ROLE, 'iam', 'passrole', t('2026-01-02T00:00:00Z'), true);
    slow.record(ROLE, 'lambda', 'tagresource', t('2026-01-02T00:00:00Z'), true);
    slow.record(ROLE, 'foo', null, t('2026-01-03T00:00:00Z'));
    expect(plain(fast.finish())).toEqual(plain(slow.finish()));
    expect(plain(fast.finish()).principals[ROLE]!.services.iam).toEqual({
      last: '2026-01-02T00:00:00.000Z',
      all: undefined,
      actions: { passrole: '2026-01-02T00:00:00.000Z possible' },
    });
  });

  it('keeps the latest use of each access key, with the user of that use', () => {
    const acc = new ActivityAccumulator();
    acc.recordAccessKey('AKIAEXAMPLE', USER, t('2026-01-02T00:00:00Z'));
    acc.recordAccessKey('AKIAEXAMPLE', USER, t('2026-01-01T00:00:00Z'));
    expect(plain(acc.finish()).accessKeys).toEqual({
      AKIAEXAMPLE: `${USER} 2026-01-02T00:00:00.000Z`,
    });
  });

  it('tracks coverage and observability', () => {
    const acc = new ActivityAccumulator();
    expect(acc.finish().coverage).toBeUndefined();
    acc.cover(t('2026-01-05T00:00:00Z'));
    acc.cover(d('2026-01-01T00:00:00Z'));
    acc.observe({ dataEventServices: ['S3', 'lambda'] });
    acc.observe({ actionLastAccessed: true });
    const s = plain(acc.finish());
    expect(s.coverage).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-05T00:00:00.000Z']);
    expect(s.observability).toEqual({
      dataEventServices: ['lambda', 's3'],
      actionLastAccessed: true,
    });
  });

  it('returns sorted maps', () => {
    const acc = new ActivityAccumulator();
    acc.record('b', 'z', 'y', 1);
    acc.record('b', 'a', 'y', 1);
    acc.record('b', 'a', 'b', 1);
    acc.record('a', 'x', 'x', 1);
    const s = acc.finish();
    expect([...s.principals.keys()]).toEqual(['a', 'b']);
    expect([...s.principals.get('b')!.services.keys()]).toEqual(['a', 'z']);
    expect([...s.principals.get('b')!.services.get('a')!.actions.keys()]).toEqual(['b', 'y']);
  });

  it('rejects invalid times', () => {
    expect(() => new ActivityAccumulator().record(ROLE, 's3', 'x', Number.NaN)).toThrow(
      IamRefineError,
    );
    expect(() => new ActivityAccumulator().cover(new Date('nope'))).toThrow(IamRefineError);
  });

  it('round-trips through JSON (worker transfer)', () => {
    const acc = sample();
    const json = JSON.parse(JSON.stringify(acc.toJSON())) as unknown;
    expect(plain(ActivityAccumulator.fromJSON(json).finish())).toEqual(plain(acc.finish()));
  });

  it('rejects JSON that is not an accumulator', () => {
    expect(() => ActivityAccumulator.fromJSON({})).toThrow(IamRefineError);
    expect(() => ActivityAccumulator.fromJSON(null)).toThrow(IamRefineError);
    expect(() =>
      ActivityAccumulator.fromJSON({ ...sample().toJSON(), principals: [[1, 2, []]] }),
    ).toThrow(/bad principal/);
  });

  it('merges: the result is the same as recording everything in one accumulator', () => {
    type Ev = [number, number, number, number, boolean, number];
    const ev = fc.tuple(
      fc.nat(3),
      fc.nat(2),
      fc.nat(4),
      fc.nat(1_000_000),
      fc.boolean(),
      fc.nat(3),
    ) as fc.Arbitrary<Ev>;
    fc.assert(
      fc.property(fc.array(ev), fc.array(ev), (xs, ys) => {
        const apply = (acc: ActivityAccumulator, [p, s, a, ms, possible, kind]: Ev) => {
          if (kind === 0) acc.record(`p${p}`, `s${s}`, null, ms);
          else if (kind === 1) acc.touchService(`p${p}`, `s${s}`, ms);
          else if (kind === 2) acc.recordAccessKey(`AKIA${a}`, `p${p}`, ms);
          else acc.record(`p${p}`, `s${s}`, `a${a}`, ms, possible);
          acc.cover(ms);
        };
        const one = new ActivityAccumulator();
        const left = new ActivityAccumulator();
        const right = new ActivityAccumulator();
        for (const e of xs) {
          apply(one, e);
          apply(left, e);
        }
        for (const e of ys) {
          apply(one, e);
          apply(right, e);
        }
        const merged = plain(left.merge(right).finish());
        // Access keys tie on time: which user wins is order-dependent only for equal times.
        expect(merged.principals).toEqual(plain(one.finish()).principals);
        expect(merged.coverage).toEqual(plain(one.finish()).coverage);
        expect(Object.keys(merged.accessKeys)).toEqual(Object.keys(plain(one.finish()).accessKeys));
      }),
    );
  });
});

function sample(): ActivityAccumulator {
  const acc = new ActivityAccumulator();
  acc.record(ROLE, 's3', 'getobject', t('2026-01-02T00:00:00Z'));
  acc.record(ROLE, 's3', 'getobjectversion', t('2026-01-02T00:00:00Z'), true);
  acc.record(ROLE, 'kms', null, t('2026-01-03T00:00:00Z'));
  acc.touchService(USER, 'ec2', t('2026-01-04T00:00:00Z'));
  acc.recordAccessKey('AKIAEXAMPLE', USER, t('2026-01-04T00:00:00Z'));
  acc.cover(t('2026-01-01T00:00:00Z'));
  acc.cover(t('2026-01-04T00:00:00Z'));
  acc.observe({ dataEventServices: ['s3'], actionLastAccessed: true });
  return acc;
}

describe('mergeSummaries', () => {
  it('takes the latest use across sources and leaves its inputs unchanged', () => {
    const a = new ActivityAccumulator();
    a.record(ROLE, 's3', 'getobject', t('2026-01-02T00:00:00Z'));
    a.record(ROLE, 's3', 'putobject', t('2026-01-05T00:00:00Z'), true);
    a.recordAccessKey('AKIA1', USER, t('2026-01-01T00:00:00Z'));
    a.cover(t('2026-01-01T00:00:00Z'));
    a.cover(t('2026-01-05T00:00:00Z'));
    a.observe({ dataEventServices: ['s3'] });
    const b = new ActivityAccumulator();
    b.record(ROLE, 's3', 'getobject', t('2026-01-03T00:00:00Z'));
    b.record(ROLE, 's3', 'putobject', t('2026-01-04T00:00:00Z'));
    b.record(USER, 'iam', null, t('2026-01-04T00:00:00Z'));
    b.recordAccessKey('AKIA1', USER, t('2026-01-06T00:00:00Z'));
    b.observe({ actionLastAccessed: true });
    const sa = a.finish();
    const sb = b.finish();
    const before = [plain(sa), plain(sb)];
    const merged = plain(mergeSummaries(sa, sb));
    expect([plain(sa), plain(sb)]).toEqual(before);
    expect(merged).toEqual({
      principals: {
        [ROLE]: {
          last: '2026-01-05T00:00:00.000Z',
          services: {
            s3: {
              last: '2026-01-05T00:00:00.000Z',
              all: undefined,
              actions: {
                getobject: '2026-01-03T00:00:00.000Z',
                putobject: '2026-01-05T00:00:00.000Z possible',
              },
            },
          },
        },
        [USER]: {
          last: '2026-01-04T00:00:00.000Z',
          services: {
            iam: { last: '2026-01-04T00:00:00.000Z', all: '2026-01-04T00:00:00.000Z', actions: {} },
          },
        },
      },
      accessKeys: { AKIA1: `${USER} 2026-01-06T00:00:00.000Z` },
      observability: { dataEventServices: ['s3'], actionLastAccessed: true },
      coverage: ['2026-01-01T00:00:00.000Z', '2026-01-05T00:00:00.000Z'],
    });
  });

  it('is commutative and has the empty summary as identity', () => {
    const empty = new ActivityAccumulator().finish();
    const s = sample().finish();
    expect(plain(mergeSummaries(s, empty))).toEqual(plain(s));
    expect(plain(mergeSummaries(empty, s))).toEqual(plain(s));
  });
});

describe('ActivityAccumulator access keys recorded as sorted runs', () => {
  /** One step: a key used (`one`), a worker's run of uses (`run`), or another accumulator merged. */
  type Use = [string, string, number];
  type Step = { kind: 'one'; use: Use } | { kind: 'run' | 'merge'; uses: Use[] };
  const use = fc.tuple(
    fc.constantFrom('AKIA1', 'AKIA2', 'AKIA10', 'AKIA3'),
    fc.constantFrom(USER, ROLE, 'u3'),
    fc.nat(3),
  ) as fc.Arbitrary<Use>;
  const step: fc.Arbitrary<Step> = fc.oneof(
    use.map((u) => ({ kind: 'one' as const, use: u })),
    fc.array(use, { maxLength: 6 }).map((uses) => ({ kind: 'run' as const, uses })),
    fc.array(use, { maxLength: 6 }).map((uses) => ({ kind: 'merge' as const, uses })),
  );
  /** The run of `uses` as a worker sends it: each key once, its latest (first on ties). */
  const runOf = (uses: Use[]) => {
    const latest = new Map<string, Use>();
    for (const u of uses) if ((latest.get(u[0])?.[2] ?? -1) < u[2]) latest.set(u[0], u);
    const ids = [...latest.keys()].sort();
    return {
      ids,
      users: ids.map((id) => latest.get(id)![1]),
      user: ids.map((_, i) => i),
      last: ids.map((id) => latest.get(id)![2]),
    };
  };

  it('gives the summary of recording every use in turn (differential, ties included)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 10 }), fc.boolean(), (steps, viaJson) => {
        const acc = new ActivityAccumulator();
        const reference = new ActivityAccumulator();
        for (const s of steps) {
          if (s.kind === 'one') acc.recordAccessKey(...s.use);
          else if (s.kind === 'run') acc.recordAccessKeyRuns([runOf(s.uses)]);
          else {
            // Another accumulator of runs, merged in (as `scan` merges the CloudTrail activity).
            const other = new ActivityAccumulator();
            other.recordAccessKeyRuns([runOf(s.uses.slice(0, 3)), runOf(s.uses.slice(3))]);
            acc.merge(other);
          }
          const uses = s.kind === 'one' ? [s.use] : s.uses;
          if (s.kind === 'one') reference.recordAccessKey(...s.use);
          else if (s.kind === 'run') {
            const r = runOf(uses);
            r.ids.forEach((id, i) => reference.recordAccessKey(id, r.users[i]!, r.last[i]!));
          } else {
            for (const part of [uses.slice(0, 3), uses.slice(3)]) {
              const r = runOf(part);
              r.ids.forEach((id, i) => reference.recordAccessKey(id, r.users[i]!, r.last[i]!));
            }
          }
        }
        const got = viaJson ? ActivityAccumulator.fromJSON(acc.toJSON()) : acc;
        // Exactly: the same user on equal times too.
        expect(plain(got.finish())).toEqual(plain(reference.finish()));
        expect(acc.toJSON().accessKeys).toEqual(
          [...reference.finish().accessKeys].map(([id, k]) => [id, k.userArn, k.last.getTime()]),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('rejects a run with a time that is not a finite number', () => {
    const acc = new ActivityAccumulator();
    expect(() =>
      acc.recordAccessKeyRuns([{ ids: ['AKIA1'], users: [USER], user: [0], last: [NaN] }]),
    ).toThrow(IamRefineError);
  });
});
