import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IamRefineError, ValidationError } from '../errors.js';
import { NotFoundError } from './errors.js';
import { syntheticFinding, syntheticScan } from './fixtures.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate } from './schema.js';
import { openStore } from './sqlite.js';
import { FINDING_SORT_KEYS, type FindingsStore } from './types.js';

const A = '111122223333';
const B = '444455556666';

let dir: string;
let now: number;
const clock = () => new Date(now);
const tick = () => (now += 60_000);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-store-'));
  now = Date.parse('2024-06-01T12:00:00.000Z');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(): FindingsStore {
  return openStore(join(dir, 'test.db'), { clock });
}

const roleA = syntheticFinding({
  account: A,
  name: 'ci-deployer',
  services: { s3: ['GetObject'] },
});
const roleA2 = syntheticFinding({ account: A, name: 'app', type: 'UnusedIAMRole' });
const userB = syntheticFinding({ account: B, name: 'alice', type: 'UnusedIAMUserPassword' });

describe('recording a scan whose coverage is incomplete', () => {
  it('records the coverage, and keeps open the findings of principals it could not evaluate', () => {
    const store = open();
    store.recordScan(syntheticScan([roleA, roleA2]), { accounts: [A] });
    tick();
    const coverage = {
      complete: false,
      partialAllowed: false,
      notCovered: 1,
      shortened: 0,
      dataEventGaps: [],
      skipped: { files: 1, records: 0, where: [`${A} us-east-1 2024-05-20`] },
      sources: {},
    };
    const scan = {
      ...syntheticScan([roleA2], '2024-06-02T00:00:00.000Z'),
      coverage,
      notEvaluated: [
        {
          resource: roleA.resource,
          resourceType: roleA.resourceType,
          resourceOwnerAccount: A,
          reason: 'INCOMPLETE_ACTIVITY_COVERAGE' as const,
          detail: 'the activity covers 89 of the 90 days',
        },
      ],
    };
    const record = store.recordScan(scan, { accounts: [A] });
    // roleA was not evaluated (no evidence it was resolved): still ACTIVE, not resolved.
    expect(record.stats.resolved).toBe(0);
    expect(store.getFinding(roleA.id)?.status).toBe('ACTIVE');
    expect(record.coverage).toEqual(coverage);
    expect(store.listScans()[0]!.coverage).toEqual(coverage);
    // A scan that evaluates it and does not find it again resolves it.
    tick();
    const third = store.recordScan(syntheticScan([roleA2], '2024-06-03T00:00:00.000Z'), {
      accounts: [A],
    });
    expect(third.stats.resolved).toBe(1);
    expect(third.coverage).toBeUndefined();
    store.close();
  });
});

describe('openStore', () => {
  it('creates a WAL database at the latest schema version', () => {
    const store = open();
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    store.close();
    const db = new Database(join(dir, 'test.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()).toEqual(
      MIGRATIONS.map((m) => m.version),
    );
    db.close();
  });

  it('upgrades a version 1 database with its data', () => {
    const file = join(dir, 'old.db');
    const db = new Database(file);
    migrate(db, () => '2024-01-01T00:00:00.000Z', 1);
    db.prepare(
      `INSERT INTO scans (id, analyzed_at, recorded_at, tracking_period_days, catalog_version, accounts, stats, counts_after)
       VALUES (1, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 90, 'v', '["${A}"]', '{}', '{}')`,
    ).run();
    db.prepare(
      `INSERT INTO findings (pk, id, account, resource, resource_type, finding_type, status, created_at, updated_at,
         first_scan_id, last_seen_scan_id, content_hash, services, unused_action_count, unused_service_count)
       VALUES (1, 'f-1', '${A}', 'arn:aws:iam::${A}:role/Legacy-Role', 'AWS::IAM::Role', 'UnusedIAMRole', 'ACTIVE',
         'x', 'x', 1, 1, 'h', '[]', 0, 0)`,
    ).run();
    db.prepare(`INSERT INTO finding_data (finding_pk, json) VALUES (1, '{}')`).run();
    db.prepare(`INSERT INTO accounts (account, last_scan_id) VALUES ('${A}', 1)`).run();
    db.close();

    const store = openStore(file, { clock });
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);

    expect(
      store.listFindings({ filter: { principal: 'legacy-r' } }).items.map((f) => f.id),
    ).toEqual(['f-1']);
    expect(store.getFinding('f-1')?.tags).toEqual({});
    store.close();
  });

  it('refuses a database from a newer iam-refine and a foreign database, in one line', () => {
    const newer = join(dir, 'newer.db');
    const db = new Database(newer);
    migrate(db, () => 'x');
    db.prepare("INSERT INTO schema_version VALUES (99, 'future', 'x')").run();
    db.close();
    expect(() => openStore(newer, { clock })).toThrow(/schema version 99, newer than/);

    const foreign = join(dir, 'foreign.db');
    const f = new Database(foreign);
    f.exec('CREATE TABLE t (x)');
    f.close();
    expect(() => openStore(foreign, { clock })).toThrow(IamRefineError);
    expect(() => openStore(foreign, { clock })).toThrow(/not an iam-refine database/);
  });
});

describe('lifecycle over successive scans', () => {
  it('creates, updates, resolves, reopens, and keeps history with scan ids', () => {
    const store = open();
    const s1 = store.recordScan(syntheticScan([roleA, roleA2]), { accounts: [A] });
    expect(s1.stats).toMatchObject({ created: 2, updated: 0, resolved: 0 });
    expect(store.getFinding(roleA.id)).toMatchObject({
      status: 'ACTIVE',
      firstScanId: s1.id,
      lastSeenScanId: s1.id,
      createdAt: '2024-06-01T12:00:00.000Z',
    });

    tick();
    // scan 2: roleA's details changed, roleA2 unchanged
    const changed = syntheticFinding({
      account: A,
      name: 'ci-deployer',
      services: { s3: ['GetObject', 'PutObject'] },
    });
    expect(changed.id).toBe(roleA.id);
    const s2 = store.recordScan(syntheticScan([changed, roleA2], '2024-06-02T00:00:00.000Z'), {
      accounts: [A],
    });
    expect(s2.stats).toMatchObject({ created: 0, updated: 1, unchanged: 1, resolved: 0 });
    const f2 = store.getFinding(roleA.id)!;
    expect(f2.unusedActionCount).toBe(2);
    expect(f2.updatedAt).toBe('2024-06-01T12:01:00.000Z');
    expect(f2.analyzedAt).toBe('2024-06-02T00:00:00.000Z');
    expect(f2.finding.findingDetails).toEqual(changed.findingDetails);
    // unchanged: not rewritten, but seen by scan 2
    expect(store.getFinding(roleA2.id)).toMatchObject({
      updatedAt: '2024-06-01T12:00:00.000Z',
      lastSeenScanId: s2.id,
      analyzedAt: '2024-06-02T00:00:00.000Z',
    });

    tick();
    // scan 3: roleA absent → resolved by scan 3
    const s3 = store.recordScan(syntheticScan([roleA2], '2024-06-03T00:00:00.000Z'), {
      accounts: [A],
    });
    expect(s3.stats).toMatchObject({ resolved: 1, unchanged: 1 });
    expect(store.getFinding(roleA.id)).toMatchObject({
      status: 'RESOLVED',
      resolvedScanId: s3.id,
      lastSeenScanId: s2.id,
      analyzedAt: '2024-06-02T00:00:00.000Z',
    });

    tick();
    // scan 4: seen again → reopened
    const s4 = store.recordScan(syntheticScan([changed, roleA2]), { accounts: [A] });
    expect(s4.stats).toMatchObject({ reopened: 1, created: 0 });
    const f4 = store.getFinding(roleA.id)!;
    expect(f4.status).toBe('ACTIVE');
    expect(f4.resolvedScanId).toBeUndefined();
    expect(f4.history.map((h) => [h.event, h.scanId, h.fromStatus, h.toStatus])).toEqual([
      ['created', s1.id, undefined, 'ACTIVE'],
      ['updated', s2.id, 'ACTIVE', 'ACTIVE'],
      ['resolved', s3.id, 'ACTIVE', 'RESOLVED'],
      ['reopened', s4.id, 'RESOLVED', 'ACTIVE'],
    ]);
    expect(f4.history.map((h) => h.at)).toEqual([
      '2024-06-01T12:00:00.000Z',
      '2024-06-01T12:01:00.000Z',
      '2024-06-01T12:02:00.000Z',
      '2024-06-01T12:03:00.000Z',
    ]);
    store.close();
  });

  it('only resolves findings of the accounts the scan covered', () => {
    const store = open();
    store.recordScan(syntheticScan([roleA, userB]), { accounts: [A, B] });
    const s2 = store.recordScan(syntheticScan([]), { accounts: [A] });
    expect(s2.stats.resolved).toBe(1);
    expect(store.getFinding(roleA.id)?.status).toBe('RESOLVED');
    expect(store.getFinding(userB.id)?.status).toBe('ACTIVE');
    store.close();
  });

  it('keeps archived findings archived across scans, also when updated, until unarchived', () => {
    const store = open();
    store.recordScan(syntheticScan([roleA, roleA2]), { accounts: [A] });
    tick();
    expect(store.archive([roleA.id], { actor: 'alice' })).toEqual({
      changed: [roleA.id],
      unchanged: [],
    });
    tick();
    store.recordScan(syntheticScan([roleA, roleA2]), { accounts: [A] });
    expect(store.getFinding(roleA.id)).toMatchObject({ status: 'ARCHIVED', archivedBy: 'alice' });
    const changed = syntheticFinding({ account: A, name: 'ci-deployer', services: { s3: [] } });
    const s3 = store.recordScan(syntheticScan([changed, roleA2]), { accounts: [A] });
    expect(s3.stats.updated).toBe(1);
    expect(store.getFinding(roleA.id)?.status).toBe('ARCHIVED');
    tick();
    expect(store.unarchive([roleA.id, roleA2.id])).toEqual({
      changed: [roleA.id],
      unchanged: [{ id: roleA2.id, status: 'ACTIVE' }],
    });
    const f = store.getFinding(roleA.id)!;
    expect(f.status).toBe('ACTIVE');
    expect(f.archivedBy).toBeUndefined();
    expect(f.history.map((h) => [h.event, h.actor ?? h.scanId])).toEqual([
      ['created', 1],
      ['archived', 'alice'],
      ['updated', 3],
      ['unarchived', 'user'],
    ]);
    store.close();
  });

  it('resolves an archived finding whose issue is gone; reopened, it is active (rules run again)', () => {
    const store = open();
    store.recordScan(syntheticScan([roleA]), { accounts: [A] });
    store.archive([roleA.id]);
    store.recordScan(syntheticScan([]), { accounts: [A] });
    expect(store.getFinding(roleA.id)).toMatchObject({ status: 'RESOLVED' });
    expect(store.archive([roleA.id])).toEqual({
      changed: [],
      unchanged: [{ id: roleA.id, status: 'RESOLVED' }],
    });
    store.recordScan(syntheticScan([roleA]), { accounts: [A] });
    expect(store.getFinding(roleA.id)).toMatchObject({ status: 'ACTIVE' });
    store.createRule('ci', { resource: { contains: ['ci-'] } });
    store.recordScan(syntheticScan([]), { accounts: [A] });
    const s = store.recordScan(syntheticScan([roleA]), { accounts: [A] });
    expect(s.stats).toMatchObject({ reopened: 1, archivedByRules: 1 });
    expect(store.getFinding(roleA.id)).toMatchObject({ status: 'ARCHIVED', archivedByRule: 'ci' });
    store.close();
  });

  it('rejects unknown ids with every unknown id named, changing nothing', () => {
    const store = open();
    store.recordScan(syntheticScan([roleA]), { accounts: [A] });
    expect(() => store.archive([roleA.id, 'nope-1', 'nope-2'])).toThrow(
      new NotFoundError('finding', ['nope-1', 'nope-2']),
    );
    expect(store.getFinding(roleA.id)?.status).toBe('ACTIVE');
    expect(() => store.unarchive(['x'])).toThrow(/unknown finding id: x/);
    store.close();
  });

  it('validates the scan: accounts, duplicate ids', () => {
    const store = open();
    expect(() => store.recordScan(syntheticScan([roleA, userB]), { accounts: [A] })).toThrow(
      ValidationError,
    );
    expect(() => store.recordScan(syntheticScan([roleA, roleA]), { accounts: [A] })).toThrow(
      /appears twice/,
    );
    expect(() => store.recordScan(syntheticScan([]), { accounts: ['12'] })).toThrow(
      /not 12 digits/,
    );
    expect(() => store.recordScan(syntheticScan([]), { accounts: [] })).toThrow(
      /at least one account/,
    );
    expect(store.listScans()).toEqual([]);
    store.close();
  });

  it('a failure inside the transaction leaves the previous state', () => {
    const store = open();
    store.recordScan(syntheticScan([roleA, roleA2]), { accounts: [A] });
    const bad = { ...roleA2, findingDetails: undefined } as unknown as typeof roleA2; // JSON of undefined → throws
    Object.defineProperty(bad, 'findingDetails', {
      get() {
        throw new Error('boom');
      },
    });
    expect(() => store.recordScan(syntheticScan([roleA, bad]), { accounts: [A] })).toThrow('boom');
    expect(store.listScans()).toHaveLength(1);
    store.close();
  });
});

describe('tags', () => {
  it('stores the principal tags given with the scan and matches tags.KEY criteria', () => {
    const store = open();
    const tags = new Map([
      [
        roleA.resource,
        new Map([
          ['team', 'platform'],
          ['env', 'ci'],
        ]),
      ],
    ]);
    store.createRule('ci-env', { 'tags.env': { eq: ['ci'] } });
    const s = store.recordScan(syntheticScan([roleA, roleA2]), { accounts: [A], tags });
    expect(s.stats.archivedByRules).toBe(1);
    expect(store.getFinding(roleA.id)).toMatchObject({
      status: 'ARCHIVED',
      archivedByRule: 'ci-env',
      tags: { env: 'ci', team: 'platform' },
    });
    expect(store.getFinding(roleA2.id)?.tags).toEqual({});
    // omitted: kept; given: replaced
    store.recordScan(syntheticScan([roleA, roleA2]), { accounts: [A] });
    expect(store.getFinding(roleA.id)?.tags).toEqual({ env: 'ci', team: 'platform' });
    store.recordScan(syntheticScan([roleA, roleA2]), {
      accounts: [A],
      tags: new Map([[roleA.resource, new Map([['env', 'prod']])]]),
    });
    expect(store.getFinding(roleA.id)?.tags).toEqual({ env: 'prod' });
    expect(store.previewRule({ 'tags.env': { exists: true } }, {}).items).toEqual([]); // archived
    expect(store.previewRule({ 'tags.env': { exists: false } }).items.map((f) => f.id)).toEqual([
      roleA2.id,
    ]);
    store.close();
  });
});

describe('pagination', () => {
  it('cursor pages and offset pages list every finding once, in order, for every sort', () => {
    const store = open();
    const findings = Array.from({ length: 130 }, (_, i) =>
      syntheticFinding({
        account: i % 2 === 0 ? A : B,
        name: `p-${i % 40}`,
        type: (['UnusedIAMRole', 'UnusedPermission', 'UnusedIAMUserPassword'] as const)[i % 3],
        services: { s3: Array.from({ length: i % 5 }, (_, k) => `A${k}`) },
      }),
    );
    const unique = [...new Map(findings.map((f) => [f.id, f])).values()];
    store.recordScan(syntheticScan(unique.slice(0, 60)), { accounts: [A, B] });
    tick();
    store.recordScan(syntheticScan(unique), { accounts: [A, B] }); // two updated_at values, many ties
    store.archive(unique.slice(0, 10).map((f) => f.id));
    for (const sort of FINDING_SORT_KEYS) {
      for (const direction of ['asc', 'desc'] as const) {
        const all = store.listFindings({ sort, direction, limit: 1000 }).items.map((f) => f.id);
        expect(new Set(all).size).toBe(unique.length);
        const byCursor: string[] = [];
        let page = store.listFindings({ sort, direction, limit: 7 });
        byCursor.push(...page.items.map((f) => f.id));
        while (page.nextCursor !== undefined) {
          page = store.listFindings({ sort, direction, limit: 7, cursor: page.nextCursor });
          byCursor.push(...page.items.map((f) => f.id));
        }
        expect(byCursor).toEqual(all);
        const byOffset: string[] = [];
        for (let offset = 0; offset < all.length; offset += 9) {
          byOffset.push(
            ...store.listFindings({ sort, direction, limit: 9, offset }).items.map((f) => f.id),
          );
        }
        expect(byOffset).toEqual(all);
      }
    }
    expect(() => store.listFindings({ sort: 'updatedAt', cursor: 'garbage' })).toThrow(
      /cursor is not one of this list/,
    );
    expect(() => store.listFindings({ limit: 0 })).toThrow(
      /limit must be an integer from 1 to 1000/,
    );
    store.close();
  });

  it('counts, services chart and trend', () => {
    const store = open();
    const p1 = syntheticFinding({
      account: A,
      name: 'a',
      services: { s3: ['GetObject', 'PutObject'], iam: [] },
    });
    const p2 = syntheticFinding({ account: B, name: 'b', services: { s3: ['GetObject'] } });
    store.recordScan(syntheticScan([p1, p2, roleA2, userB]), { accounts: [A, B] });
    store.archive([p2.id]);
    tick();
    store.recordScan(syntheticScan([p1, p2, userB]), { accounts: [A, B] });
    expect(store.countByTypeAndStatus()).toEqual([
      { findingType: 'UnusedIAMRole', status: 'RESOLVED', count: 1 },
      { findingType: 'UnusedIAMUserPassword', status: 'ACTIVE', count: 1 },
      { findingType: 'UnusedPermission', status: 'ACTIVE', count: 1 },
      { findingType: 'UnusedPermission', status: 'ARCHIVED', count: 1 },
    ]);
    expect(store.countByAccount()).toEqual([
      { account: A, byStatus: { ACTIVE: 1, ARCHIVED: 0, RESOLVED: 1 }, total: 2 },
      { account: B, byStatus: { ACTIVE: 1, ARCHIVED: 1, RESOLVED: 0 }, total: 2 },
    ]);
    expect(store.topServices()).toEqual([
      { service: 's3', findings: 1, unusedActions: 2, wholeServiceUnused: 0 },
      { service: 'iam', findings: 1, unusedActions: 0, wholeServiceUnused: 1 },
    ]);
    expect(store.topServices({ filter: { statuses: ['ACTIVE', 'ARCHIVED'] }, limit: 1 })).toEqual([
      { service: 's3', findings: 2, unusedActions: 3, wholeServiceUnused: 0 },
    ]);
    expect(
      store.scanTrend().map((p) => [p.scanId, p.byStatus, p.openByType.UnusedPermission]),
    ).toEqual([
      [1, { ACTIVE: 4, ARCHIVED: 0, RESOLVED: 0 }, 2],
      [2, { ACTIVE: 2, ARCHIVED: 1, RESOLVED: 1 }, 2],
    ]);
    expect(store.listScans().map((s) => s.id)).toEqual([2, 1]);
    store.close();
  });
});
