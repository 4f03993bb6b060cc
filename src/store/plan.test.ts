/**
 * With 100,000 findings stored, the list page and the finding page are answered from indexes:
 * EXPLAIN QUERY PLAN of exactly the SQL the store runs shows no scan of the findings table or of a
 * whole index for the main filters (status, type, account, service, and their combinations), and
 * no sort of the filtered rows for the index-backed orders.
 *
 * The principal filter (a substring of the ARN) is not in this list: no B-tree index answers a
 * substring, so it reads the rows the other conditions select (~15 ms per 100,000; see
 * bench/store.mjs and src/store/schema.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkAccounts, bulkFindings, syntheticScan } from './fixtures.js';
import { FINDING_PAGE_SQL, buildListQuery } from './query.js';
import { openStore } from './sqlite.js';
import type { FindingListQuery } from './types.js';

const N = 100_000;
let dir: string;
let db: Database.Database;
let someId: string;
let cursorAfterFirstPage: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-plan-'));
  const file = join(dir, 'plan.db');
  const store = openStore(file, { clock: () => new Date('2024-06-01T00:00:00.000Z') });
  store.recordScan(syntheticScan(bulkFindings(N)), { accounts: bulkAccounts(10) });
  const page = store.listFindings({ filter: { statuses: ['ACTIVE'] } });
  someId = page.items[0]!.id;
  cursorAfterFirstPage = page.nextCursor!;
  expect(page.total).toBe(N);
  store.close();
  db = new Database(file, { readonly: true });
}, 300_000);

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function plan(sql: string, params: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map(
    (r) => r.detail,
  );
}

/** No full scan of findings (table or index), no temp B-tree sort, and an index search on f. */
function expectIndexed(lines: readonly string[], options: { sorts?: boolean } = {}): void {
  const text = lines.join('\n');
  expect(text, text).not.toMatch(/^SCAN f\b/m);
  expect(text, text).not.toMatch(/^SCAN (findings|finding_services|history)\b/m);
  if (!options.sorts) expect(text, text).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  expect(text, text).toMatch(/^SEARCH (f|s) USING (COVERING )?(INDEX|INTEGER PRIMARY KEY)/m);
}

const ACTIVE = ['ACTIVE'] as const;
const cases: [string, FindingListQuery, { sorts?: boolean }?][] = [
  ['status', { filter: { statuses: [...ACTIVE] } }],
  ['status, type', { filter: { statuses: [...ACTIVE], types: ['UnusedPermission'] } }],
  ['status, account', { filter: { statuses: [...ACTIVE], accounts: ['100000000003'] } }],
  ['type', { filter: { types: ['UnusedIAMRole'] } }],
  ['account', { filter: { accounts: ['100000000003'] } }],
  ['status, service', { filter: { statuses: [...ACTIVE], services: ['s3'] } }],
  // the service filter alone selects through the service index, then sorts that set
  ['service', { filter: { services: ['s3'] } }, { sorts: true }],
  [
    'status, sorted by principal',
    { filter: { statuses: [...ACTIVE] }, sort: 'resource', direction: 'asc' },
  ],
  [
    'status, sorted by unused actions',
    { filter: { statuses: [...ACTIVE] }, sort: 'unusedActionCount' },
  ],
  ['status, sorted by account', { filter: { statuses: [...ACTIVE] }, sort: 'account' }],
  ['status, sorted by type', { filter: { statuses: [...ACTIVE] }, sort: 'findingType' }],
  [
    'status, type, account',
    { filter: { statuses: [...ACTIVE], types: ['UnusedIAMRole'], accounts: ['100000000001'] } },
  ],
];

describe(`with ${N.toLocaleString('en-US')} findings`, () => {
  it.each(cases)('the list page filtered by %s uses an index', (_name, query, options) => {
    const q = buildListQuery(query);
    expectIndexed(plan(q.page.sql, q.page.params), options);
    expectIndexed(plan(q.count!.sql, q.count!.params), { sorts: true });
  });

  it('the next page (keyset cursor) seeks in the index', () => {
    const q = buildListQuery({ filter: { statuses: ['ACTIVE'] }, cursor: cursorAfterFirstPage });
    const lines = plan(q.page.sql, q.page.params);
    expectIndexed(lines);
    // seeks to the cursor's updated_at, then checks (updated_at, pk) < cursor on the entries
    expect(lines).toEqual([
      'SEARCH f USING INDEX findings_status_updated (status=? AND updated_at<?)',
    ]);
  });

  it('the unfiltered list walks the updatedAt index in order (LIMIT stops it)', () => {
    const q = buildListQuery({});
    expect(plan(q.page.sql, q.page.params)).toEqual(['SCAN f USING INDEX findings_updated']);
  });

  it('the finding page reads by unique id, primary key and the history index', () => {
    expect(plan(FINDING_PAGE_SQL.summary, [someId])).toEqual([
      'SEARCH f USING INDEX sqlite_autoindex_findings_1 (id=?)',
    ]);
    expect(plan(FINDING_PAGE_SQL.data, [1])).toEqual([
      'SEARCH finding_data USING INTEGER PRIMARY KEY (rowid=?)',
    ]);
    expect(plan(FINDING_PAGE_SQL.history, [1])).toEqual([
      'SEARCH history USING INDEX history_by_finding (finding_pk=?)',
    ]);
  });
});
