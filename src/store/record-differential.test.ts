/**
 * Recording scans, differential: the database a fixed sequence of scans leaves (every row of every
 * table, the clock fixed per step) is the one the store wrote before recording was made streaming
 * (a per-table digest recorded with that code in test/fixtures/store/record-golden.json), and the
 * batch size of the streaming recording never changes what is stored (random scan sequences
 * recorded with tiny batches give the same rows as with the default batch).
 *
 * The sequence covers: new, updated, unchanged, resolved and reopened findings, archive rules (a
 * tag criterion among them), findings archived and unarchived by hand, tags given, changed and
 * omitted, principals not evaluated for lack of coverage (their findings stay open), a covered
 * account with no findings, a scan's coverage, and a few thousand findings (many batches).
 *
 * To record the digest again (only when the stored format is meant to change):
 * `IAM_REFINE_WRITE_GOLDEN=1 npx vitest run src/store/record-differential.test.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, ScanCoverage, ScanResult } from '../findings/types.js';
import { bulkAccounts, bulkFindings, syntheticFinding, syntheticScan } from './fixtures.js';
import { openStore } from './sqlite.js';
import type { FindingsStore } from './types.js';

const GOLDEN = new URL('../../test/fixtures/store/record-golden.json', import.meta.url);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-record-diff-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every row of every table of the database `file`, sorted, per table. */
function dump(file: string): Record<string, string[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
      )
      .pluck()
      .all() as string[];
    const out: Record<string, string[]> = {};
    for (const t of tables) {
      // table names come from sqlite_master of a database this test created
      const rows = db.prepare(`SELECT * FROM "${t}"`).raw().all() as unknown[][];
      out[t] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    db.close();
  }
}

/** Per table: the row count and a digest of the sorted rows. */
function digest(
  tables: Record<string, string[]>,
): Record<string, { rows: number; sha256: string }> {
  return Object.fromEntries(
    Object.entries(tables).map(([t, rows]) => [
      t,
      { rows: rows.length, sha256: createHash('sha256').update(rows.join('\n')).digest('hex') },
    ]),
  );
}

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';

/** A store on `file` whose clock reads `clock.now`. */
function open(file: string, clock: { now: string }, batch?: number): FindingsStore {
  return openStore(file, {
    clock: () => new Date(clock.now),
    ...(batch === undefined ? {} : { recordBatchSize: batch }),
  });
}

const perm = (account: string, name: string, actions: string[]): Finding =>
  syntheticFinding({ account, name, services: { s3: actions, ec2: [] } });
const role = (account: string, name: string, last?: string): Finding =>
  syntheticFinding({
    account,
    name,
    type: 'UnusedIAMRole',
    ...(last === undefined ? {} : { lastAccessed: last }),
  });
const key = (account: string, name: string): Finding =>
  syntheticFinding({ account, name, type: 'UnusedIAMUserAccessKey', accessKeyId: 'AKIAX' });

const tagMap = (entries: Record<string, Record<string, string>>) =>
  new Map(Object.entries(entries).map(([arn, tags]) => [arn, new Map(Object.entries(tags))]));
const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

const COVERAGE: ScanCoverage = {
  complete: false,
  partialAllowed: false,
  notCovered: 1,
  shortened: 0,
  dataEventGaps: [],
  skipped: { files: 0, records: 0, where: [] },
  sources: {},
};

function scan(
  findings: Finding[],
  at: string,
  extra: Partial<Pick<ScanResult, 'notEvaluated' | 'coverage'>> = {},
): ScanResult {
  return { ...syntheticScan(findings, at), ...extra };
}

/** The fixed sequence of the golden test, on a store whose clock is `clock`. */
function scenario(store: FindingsStore, clock: { now: string }): void {
  const step = (i: number) => {
    clock.now = `2024-07-${String(i).padStart(2, '0')}T00:00:00.000Z`;
    return clock.now;
  };
  step(1);
  store.createRule('ci', { resource: { contains: [':role/ci-'] } });
  store.createRule('sandbox', { 'tags.env': { eq: ['sandbox'] } });

  // 1: both accounts, tags given
  let at = step(2);
  store.recordScan(
    scan(
      [
        perm(A, 'app-1', ['GetObject']),
        perm(A, 'app-2', ['PutObject']),
        perm(A, 'ci-1', ['GetObject']),
        role(A, 'idle-1'),
        perm(B, 'app-3', ['GetObject', 'ListBucket']),
        perm(B, 'box-1', ['GetObject']),
        key(B, 'person-1'),
      ],
      at,
    ),
    {
      accounts: [A, B, C],
      tags: tagMap({
        [roleArn(A, 'app-1')]: { team: 'x', env: 'prod' },
        [roleArn(B, 'box-1')]: { env: 'sandbox' },
      }),
    },
  );
  // by hand: one archived, one archived then unarchived
  step(3);
  store.archive([perm(A, 'app-2', []).id], { actor: 'alice' });
  store.archive([perm(B, 'app-3', []).id]);
  store.unarchive([perm(B, 'app-3', []).id], { actor: 'bob' });

  // 2: account A only: app-1 changed (details and tags), app-2 (archived) and idle-1 absent,
  // a new ci- role (archived by the rule), tags given
  at = step(4);
  store.recordScan(
    scan(
      [
        perm(A, 'app-1', ['GetObject', 'DeleteObject']),
        perm(A, 'ci-1', ['GetObject']),
        perm(A, 'ci-2', ['PutObject']),
      ],
      at,
    ),
    { accounts: [A], tags: tagMap({ [roleArn(A, 'app-1')]: { team: 'y' } }) },
  );

  // 3: both accounts, no tags (stored tags kept): idle-1 back (reopened, new details), app-2 back
  // (reopened from resolved after being archived), B's box-1 absent but not covered (stays open),
  // app-3 absent (resolved), a coverage object
  at = step(5);
  store.recordScan(
    scan(
      [
        perm(A, 'app-1', ['GetObject', 'DeleteObject']),
        perm(A, 'app-2', ['PutObject']),
        role(A, 'idle-1', '2024-01-01T00:00:00.000Z'),
        perm(A, 'ci-1', ['GetObject']),
        key(B, 'person-1'),
      ],
      at,
      {
        coverage: COVERAGE,
        notEvaluated: [
          {
            resource: roleArn(B, 'box-1'),
            resourceType: 'AWS::IAM::Role',
            resourceOwnerAccount: B,
            reason: 'INCOMPLETE_ACTIVITY_COVERAGE',
            detail: 'the activity covers 2024-05-01 to 2024-06-01',
          },
        ],
      },
    ),
    { accounts: [A, B] },
  );

  // 4: many findings (many batches), tags for some; 5: a re-scan that changes 1 in 7, drops
  // 1 in 11 and moves the tags; 6: the first set again (the dropped ones reopen)
  const accounts = bulkAccounts(4);
  const bulk = bulkFindings(2300, { accounts: 4 });
  const bulkTags = (shift: number) =>
    new Map(
      bulk
        .filter((_, i) => i % 3 === shift)
        .map((f, i) => [f.resource, new Map([['n', String(i % 5)]])] as const),
    );
  at = step(6);
  store.recordScan(scan(bulk, at), { accounts, tags: bulkTags(0) });
  at = step(7);
  const changed = new Set(bulk.map((_, i) => i).filter((i) => i % 7 === 0));
  store.recordScan(
    scan(
      bulkFindings(2300, { accounts: 4, changed, variant: 2 }).filter((_, i) => i % 11 !== 5),
      at,
    ),
    { accounts, tags: bulkTags(1) },
  );
  at = step(8);
  store.recordScan(scan(bulk, at), { accounts, tags: bulkTags(1) });
}

describe('recording scans (differential)', () => {
  it.each([undefined, 1, 7, 1000])(
    'stores exactly what the store stored before streaming (per-table digest; batches of %s)',
    (batch) => {
      const file = join(dir, 'findings.db');
      const clock = { now: '2024-07-01T00:00:00.000Z' };
      const store = open(file, clock, batch);
      scenario(store, clock);
      store.close();
      const tables = dump(file);
      const got = digest(tables);
      if (process.env.IAM_REFINE_WRITE_GOLDEN === '1' && batch === undefined) {
        writeFileSync(GOLDEN, `${JSON.stringify(got, null, 2)}\n`);
      }
      const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as unknown;
      // the scenario did reach every path (else the digest proves little)
      const events = new Set(tables.history!.map((r) => (JSON.parse(r) as unknown[])[2]));
      expect([...events].sort()).toEqual([
        'archived',
        'created',
        'reopened',
        'resolved',
        'unarchived',
        'updated',
      ]);
      expect(got).toEqual(want);
    },
  );

  it('stores the same rows whatever the batch size (random scan sequences)', () => {
    const accounts = [A, B];
    const names = ['ci-a', 'app-a', 'app-b', 'web', 'batch'];
    const pool = accounts.flatMap((account) => names.map((name) => ({ account, name })));
    const scanArb = fc.record({
      accounts: fc.subarray(accounts, { minLength: 1 }),
      // per pool entry: absent (null) or present with details variant 0..2
      present: fc.array(fc.option(fc.integer({ min: 0, max: 2 })), {
        minLength: pool.length,
        maxLength: pool.length,
      }),
      // per pool entry: its tags variant (0: none), or no tags given at all
      tags: fc.option(
        fc.array(fc.integer({ min: 0, max: 2 }), {
          minLength: pool.length,
          maxLength: pool.length,
        }),
      ),
      uncovered: fc.array(fc.integer({ min: 0, max: pool.length - 1 }), { maxLength: 3 }),
      reverse: fc.boolean(),
    });
    const opArb = fc.oneof(
      { weight: 4, arbitrary: scanArb.map((x) => ({ kind: 'scan' as const, ...x })) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constantFrom('archive' as const, 'unarchive' as const),
          index: fc.integer({ min: 0, max: pool.length - 1 }),
        }),
      },
    );
    let run = 0;
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        (ops, batch, withRule) => {
          const dumps = [undefined, batch].map((size) => {
            const file = join(dir, `p${run++}.db`);
            const clock = { now: '2024-07-01T00:00:00.000Z' };
            const store = open(file, clock, size);
            if (withRule) {
              store.createRule('ci', { resource: { contains: [':role/ci-'] } });
              store.createRule('tagged', { 'tags.v': { eq: ['1'] } });
            }
            ops.forEach((op, step) => {
              clock.now = new Date(Date.UTC(2024, 6, 2 + step)).toISOString();
              if (op.kind !== 'scan') {
                const f = variant(pool[op.index]!, 0);
                try {
                  store[op.kind]([f.id]);
                } catch {
                  // unknown id: nothing changed
                }
                return;
              }
              const findings: Finding[] = [];
              pool.forEach((p, i) => {
                const v = op.present[i];
                if (v !== null && v !== undefined && op.accounts.includes(p.account)) {
                  findings.push(variant(p, v));
                }
              });
              if (op.reverse) findings.reverse();
              const tags =
                op.tags === null
                  ? undefined
                  : new Map(
                      pool
                        .map((p, i) => [p, op.tags![i]!] as const)
                        .filter(([, t]) => t > 0)
                        .map(([p, t]) => [roleArn(p.account, p.name), new Map([['v', String(t)]])]),
                    );
              const notEvaluated = op.uncovered
                .map((i) => pool[i]!)
                .filter((p) => op.accounts.includes(p.account))
                .map((p) => ({
                  resource: roleArn(p.account, p.name),
                  resourceType: 'AWS::IAM::Role' as const,
                  resourceOwnerAccount: p.account,
                  reason: 'INCOMPLETE_ACTIVITY_COVERAGE' as const,
                  detail: 'not covered',
                }));
              store.recordScan(scan(findings, clock.now, { notEvaluated }), {
                accounts: op.accounts,
                ...(tags === undefined ? {} : { tags }),
              });
            });
            store.close();
            return dump(file);
          });
          expect(dumps[1]).toEqual(dumps[0]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** A pool entry's finding: an unused role (variant 0) or unused permissions (1, 2). */
const variant = (p: { account: string; name: string }, v: number): Finding =>
  v === 0 ? role(p.account, p.name) : perm(p.account, p.name, [`Get${v}`, `Put${v}`]);
