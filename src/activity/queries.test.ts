import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { IamRefineError } from '../errors.js';
import { createActionMapper } from './action-mapper.js';
import { parseActivityCsv } from './activity-csv.js';
import { readCloudTrail } from './cloudtrail.js';
import { loadOperationData } from './load-operation-data.js';
import { activityQuery } from './queries.js';
import { CLOUDTRAIL_FIXTURES, VALID_FIXTURE_FILES, plainSummary } from './test-helpers.js';

let catalog: ActionCatalog;
let operationData: object;
let dir: string;
beforeAll(async () => {
  [catalog, operationData] = await Promise.all([loadCatalog(), loadOperationData()]);
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-queries-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows as a CSV text with a header, every field quoted (as Athena writes results). */
function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const quote = (v: unknown) =>
    `"${v === null || v === undefined ? '' : String(v).split('"').join('""')}"`;
  return [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join(
    '\r\n',
  );
}

describe('the DuckDB query', () => {
  it('gives, through the activity CSV reader, the same summary as the built-in reader', async () => {
    // DuckDB stops at the first bad file, so it reads a copy of the valid fixture files only.
    const logs = join(dir, 'valid');
    for (const file of VALID_FIXTURE_FILES) {
      mkdirSync(dirname(join(logs, file)), { recursive: true });
      cpSync(join(CLOUDTRAIL_FIXTURES, file), join(logs, file));
    }
    const sql = activityQuery('duckdb', { table: `${logs}/AWSLogs/**/*.json*` });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    let csv: string;
    try {
      const reader = await connection.runAndReadAll(sql);
      csv = toCsv(reader.columnNames(), reader.getRowObjectsJS() as Record<string, unknown>[]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    expect(csv.split('\r\n')[0]).toBe('principal_arn,service,action,last_accessed,access_key_id');

    const mapper = createActionMapper(operationData, catalog);
    const fromSql = parseActivityCsv(csv, 'duckdb.csv', mapper).accumulator;
    fromSql.observe({ dataEventServices: ['s3'] });
    const builtIn = await readCloudTrail([logs], {
      catalog,
      operationData,
      dataEventServices: new Set(['s3']),
    });
    const expected = plainSummary(builtIn.accumulator.finish());
    expect(expected.principals).not.toEqual({});
    // The CSV gives the latest use per group, not the first event: no coverage.
    expect(plainSummary(fromSql.finish())).toEqual({ ...expected, coverage: undefined });
  });

  it('filters by time and quotes the path', () => {
    const sql = activityQuery('duckdb', {
      table: "it's/*.json.gz",
      since: '2026-01-16T00:00:00+01:00',
    });
    expect(sql).toContain("read_json('it''s/*.json.gz'");
    expect(sql).toContain("AND r.eventTime >= '2026-01-15T23:00:00Z'");
  });
});

describe('the Athena query', () => {
  it('reads the documented CloudTrail table columns', () => {
    const sql = activityQuery('athena', { since: '2026-01-01T00:00:00Z' });
    expect(sql).toContain('FROM cloudtrail_logs\n');
    expect(sql).toContain('useridentity.sessioncontext.sessionissuer.arn');
    expect(sql).toContain("WHERE useridentity.type IN ('AssumedRole', 'IAMUser', 'FederatedUser')");
    expect(sql).toContain("AND eventtime >= '2026-01-01T00:00:00Z'");
    expect(sql).toContain('max(eventtime) AS last_accessed');
    expect(sql).toContain('GROUP BY 1, 2, 3, 5');
    expect(activityQuery('athena', { table: 'security.trail_logs' })).toContain(
      'FROM security.trail_logs\n',
    );
  });
});

describe('the CloudTrail Lake query', () => {
  it('reads the event data store columns and formats the timestamp', () => {
    const sql = activityQuery('cloudtrail-lake', {
      table: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      since: '2026-01-01T00:00:00Z',
    });
    expect(sql).toContain('FROM a1b2c3d4-5678-90ab-cdef-EXAMPLE11111\n');
    expect(sql).toContain('userIdentity.sessionContext.sessionIssuer.arn');
    expect(sql).toContain("date_format(max(eventTime), '%Y-%m-%dT%H:%i:%sZ') AS last_accessed");
    expect(sql).toContain("AND eventTime >= '2026-01-01 00:00:00'");
  });
});

describe('activityQuery', () => {
  it('rejects a bad engine, time or table name', () => {
    expect(() => activityQuery('mysql' as never)).toThrow(/unknown engine "mysql"/);
    expect(() => activityQuery('athena', { since: 'last week' })).toThrow(IamRefineError);
    expect(() => activityQuery('athena', { table: 'logs; DROP TABLE x' })).toThrow(
      /not an Athena table name/,
    );
    expect(() => activityQuery('cloudtrail-lake', { table: "x' OR 1=1" })).toThrow(
      /event data store ID/,
    );
    expect(() => activityQuery('duckdb', { table: 'a\nb' })).toThrow(/not a path/);
    expect(() => activityQuery('cloudtrail-lake')).toThrow(/give its ID with --table/);
  });
});
