import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
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
import { activityQuery, coverageQuery } from './queries.js';
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

// --- the DuckDB twin of Athena and CloudTrail Lake -----------------------------------------------

/** Two accounts, two regions, twelve days; events near midnight are delivered the next day. */
const TWIN_ACCOUNTS = ['111111111111', '222222222222'];
const TWIN_REGIONS = ['us-east-1', 'eu-west-1'];
const TWIN_CALLS: [string, string][] = [
  ['s3.amazonaws.com', 'GetObject'],
  ['s3.amazonaws.com', 'PutObject'],
  ['kms.amazonaws.com', 'Decrypt'],
  ['lambda.amazonaws.com', 'Invoke'],
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['iam.amazonaws.com', 'ListRoles'],
];

interface TwinRecord {
  account: string;
  region: string;
  ms: number;
  record: Record<string, unknown>;
}

/** Deterministic CloudTrail records of every identity type the reader knows. */
function twinRecords(): TwinRecord[] {
  const out: TwinRecord[] = [];
  const start = Date.UTC(2026, 0, 10);
  for (let n = 0; n < 600; n++) {
    const account = TWIN_ACCOUNTS[n % 2]!;
    const region = TWIN_REGIONS[(n >> 1) % 2]!;
    // Spread over 12 days, with a cluster in the last 10 minutes before and after midnight.
    const day = Math.floor(n / 4) % 12;
    const minute = n % 5 === 0 ? 1440 - 1 - (n % 10) : n % 7 === 0 ? n % 10 : (n * 37) % 1440;
    const ms = start + day * 86_400_000 + minute * 60_000 + (n % 60) * 1000;
    const [eventSource, eventName] = TWIN_CALLS[n % TWIN_CALLS.length]!;
    const kind = n % 9;
    let userIdentity: Record<string, unknown>;
    if (kind <= 3) {
      const arn = `arn:aws:iam::${account}:role/app/Role${n % 4}`;
      userIdentity = {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${account}:assumed-role/Role${n % 4}/s`,
        accessKeyId: 'ASIAEXAMPLE',
        sessionContext: { sessionIssuer: { type: 'Role', arn, accountId: account } },
      };
    } else if (kind <= 6) {
      userIdentity = {
        type: 'IAMUser',
        arn: `arn:aws:iam::${account}:user/u${n % 3}`,
        accessKeyId:
          kind === 6 ? 'ASIACONSOLE' : `AKIA${account.slice(0, 4)}USER${n % 3}KEY${n % 2}`,
      };
    } else if (kind === 7) {
      userIdentity = {
        type: 'FederatedUser',
        arn: `arn:aws:sts::${account}:federated-user/f`,
        sessionContext: {
          sessionIssuer: { type: 'IAMUser', arn: `arn:aws:iam::${account}:user/u0` },
        },
      };
    } else {
      userIdentity = { type: n % 2 ? 'Root' : 'AWSService', invokedBy: 'lambda.amazonaws.com' };
    }
    out.push({
      account,
      region,
      ms,
      record: {
        eventVersion: '1.10',
        userIdentity,
        eventTime: new Date(ms).toISOString().slice(0, 19) + 'Z',
        eventSource,
        eventName,
        awsRegion: region,
        ...(n % 20 === 0 ? { errorCode: 'AccessDenied' } : {}),
        recipientAccountId: account,
        managementEvent: !['GetObject', 'PutObject', 'Invoke'].includes(eventName),
        eventCategory: ['GetObject', 'PutObject', 'Invoke'].includes(eventName)
          ? 'Data'
          : 'Management',
      },
    });
  }
  return out;
}

/** Delivery: 10 minutes after the event (so 23:50-23:59 events are in the next day's folder). */
const DELIVERY_MS = 10 * 60_000;

/**
 * Writes `records` as gzip log files: hive-style folders (`region=…/year=…/month=…/day=…`, the
 * S3 layout's partitions as DuckDB reads them) or the plain S3 layout, one file per account,
 * region and delivery day.
 */
function writeTrail(root: string, records: TwinRecord[], hive: boolean): void {
  const files = new Map<string, Record<string, unknown>[]>();
  for (const r of records) {
    const d = new Date(r.ms + DELIVERY_MS).toISOString();
    const [y, m, day] = [d.slice(0, 4), d.slice(5, 7), d.slice(8, 10)];
    const folder = hive
      ? join(
          root,
          'AWSLogs',
          r.account,
          'CloudTrail',
          `region=${r.region}`,
          `year=${y}`,
          `month=${m}`,
          `day=${day}`,
        )
      : join(root, 'AWSLogs', r.account, 'CloudTrail', r.region, y, m, day);
    const file = join(folder, `${r.account}_CloudTrail_${r.region}_${y}${m}${day}T0000Z_x.json.gz`);
    let list = files.get(file);
    if (list === undefined) files.set(file, (list = []));
    list.push(r.record);
  }
  for (const [file, list] of files) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, gzipSync(JSON.stringify({ Records: list })));
  }
}

/** The DuckDB type of the fields the twin tables expose. */
const TWIN_RECORD =
  'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, recipientAccountId VARCHAR, ' +
  'awsRegion VARCHAR, ' +
  'userIdentity STRUCT(type VARCHAR, arn VARCHAR, accessKeyId VARCHAR, ' +
  'sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))))[]';

/**
 * DuckDB views standing for the Athena tables of both documented layouts (`cloudtrail_logs`:
 * region/year/month/day partitions; `cloudtrail_logs_pp`: the projected `timestamp`
 * `yyyy/MM/dd`) and a CloudTrail Lake event data store (`eds1`, `eventTime` a timestamp), over the
 * hive-partitioned files under `root`; plus `date_format`, the Trino function the Lake query uses.
 */
function twinViews(root: string): string {
  const source = `(SELECT unnest(Records) AS r, region, year, month, day
    FROM read_json('${root}/**/*.json.gz', format = 'auto', hive_partitioning = true,
      hive_types_autocast = false, columns = {Records: '${TWIN_RECORD}'}))`;
  const athenaColumns = `r.eventTime AS eventtime, r.eventSource AS eventsource,
    r.eventName AS eventname, r.recipientAccountId AS recipientaccountid, r.awsRegion AS awsregion,
    {'type': r.userIdentity.type, 'arn': r.userIdentity.arn,
     'accesskeyid': r.userIdentity.accessKeyId,
     'sessioncontext': {'sessionissuer': {'arn': r.userIdentity.sessionContext.sessionIssuer.arn}}}
      AS useridentity`;
  return `
CREATE VIEW cloudtrail_logs AS SELECT ${athenaColumns}, region, year, month, day FROM ${source};
CREATE VIEW cloudtrail_logs_pp AS SELECT ${athenaColumns},
  year || '/' || month || '/' || day AS "timestamp" FROM ${source};
CREATE VIEW eds1 AS SELECT CAST(r.eventTime AS TIMESTAMP) AS eventTime, r.eventSource AS eventSource,
  r.eventName AS eventName, r.recipientAccountId AS recipientAccountId, r.awsRegion AS awsRegion,
  r.userIdentity AS userIdentity
  FROM ${source};
CREATE MACRO date_format(ts, fmt) AS strftime(ts, replace(replace(fmt, '%i', '%M'), '%s', '%S'));
`;
}

describe('the Athena and CloudTrail Lake queries, run by a DuckDB twin', () => {
  const records = twinRecords();
  /** The trail in hive-style folders. */
  let plain: string;
  /** The same, plus probes: records inside the period in folders outside it. */
  let probed: string;
  const PROBE = 'arn:aws:iam::111111111111:role/InAFolderOutsideThePeriod';
  beforeAll(() => {
    plain = join(dir, 'twin-hive');
    writeTrail(plain, records, true);
    probed = join(dir, 'twin-hive-probed');
    writeTrail(probed, records, true);
    // Folders the partition predicates must not select (the margin is one day on each side of
    // 13-16 January): 11 January and 18 January. Their records are inside the period, so only
    // the partition predicates can leave them out (real folders never hold such records).
    for (const [day, time] of [
      ['11', '2026-01-14T12:00:00Z'],
      ['18', '2026-01-15T12:00:00Z'],
    ] as const) {
      const folder = join(
        probed,
        'AWSLogs/111111111111/CloudTrail/region=us-east-1/year=2026/month=01',
        `day=${day}`,
      );
      mkdirSync(folder, { recursive: true });
      const record = {
        eventVersion: '1.10',
        userIdentity: {
          type: 'AssumedRole',
          arn: 'arn:aws:sts::111111111111:assumed-role/InAFolderOutsideThePeriod/s',
          sessionContext: { sessionIssuer: { type: 'Role', arn: PROBE } },
        },
        eventTime: time,
        eventSource: 'sqs.amazonaws.com',
        eventName: 'SendMessage',
        awsRegion: 'us-east-1',
        recipientAccountId: '111111111111',
      };
      writeFileSync(join(folder, 'probe.json.gz'), gzipSync(JSON.stringify({ Records: [record] })));
    }
  });

  /** Runs `sql` on the twin over `root` and reads the result as the activity CSV. */
  async function runTwin(root: string, sql: string) {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(twinViews(root));
      const reader = await connection.runAndReadAll(sql);
      const csv = toCsv(
        reader.columnNames(),
        reader.getRowObjectsJS() as Record<string, unknown>[],
      );
      const acc = parseActivityCsv(
        csv,
        'twin.csv',
        createActionMapper(operationData, catalog),
      ).accumulator;
      acc.observe({ dataEventServices: [] });
      return plainSummary(acc.finish());
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /** The built-in reader on the records kept by `keep`, written in the S3 layout. */
  async function builtIn(name: string, keep: (r: TwinRecord) => boolean) {
    const logs = join(dir, name);
    writeTrail(logs, records.filter(keep), false);
    const read = await readCloudTrail([logs], {
      catalog,
      operationData,
      dataEventServices: new Set<string>(),
      concurrency: 0,
    });
    return { ...plainSummary(read.accumulator.finish()), coverage: undefined } as Record<
      string,
      unknown
    >;
  }

  const since = '2026-01-13T00:00:00Z';
  const until = '2026-01-17T00:00:00Z';
  const inPeriod = (r: TwinRecord, accounts?: string[]) =>
    r.ms >= Date.parse(since) &&
    r.ms < Date.parse(until) &&
    (accounts === undefined || accounts.includes(r.account));

  it('prints the partition predicates of both Athena layouts for the period', () => {
    const projection = activityQuery('athena', { since, until, partitions: 'projection' });
    // One day of margin on each side for files that span midnight or are delivered after it.
    expect(projection).toContain(
      `AND "timestamp" >= '2026/01/12'\n  AND "timestamp" <= '2026/01/17'`,
    );
    expect(projection).toContain(
      "AND eventtime >= '2026-01-13T00:00:00Z'\n  AND eventtime < '2026-01-17T00:00:00Z'",
    );
    const manual = activityQuery('athena', { since, until, partitions: 'region-date' });
    expect(manual).toContain(
      "AND (year > '2026' OR (year = '2026' AND (month > '01' OR (month = '01' AND day >= '12'))))",
    );
    expect(manual).toContain(
      "AND (year < '2026' OR (year = '2026' AND (month < '01' OR (month = '01' AND day <= '17'))))",
    );
    expect(manual).not.toContain('timestamp');
    // Month and year boundaries.
    expect(
      activityQuery('athena', { since: '2026-01-01', until: '2026-12-31T23:59:59Z' }),
    ).toContain(`AND "timestamp" >= '2025/12/31'\n  AND "timestamp" <= '2027/01/01'`);
    const none = activityQuery('athena', { since, partitions: 'none' });
    expect(none).not.toMatch(/timestamp|year/);
    expect(none).toContain("AND eventtime >= '2026-01-13T00:00:00Z'");
    expect(activityQuery('athena', { accounts: ['222222222222', '111111111111'] })).toContain(
      "AND recipientaccountid IN ('111111111111', '222222222222')",
    );
  });

  it("gives the built-in reader's activity on both Athena layouts, without filters", async () => {
    const expected = await builtIn('twin-all', () => true);
    expect(Object.keys(expected.principals as object).length).toBeGreaterThanOrEqual(8);
    for (const partitions of ['region-date', 'projection', 'none'] as const) {
      const table = partitions === 'projection' ? 'cloudtrail_logs_pp' : 'cloudtrail_logs';
      const sql = activityQuery('athena', { table, partitions });
      expect(await runTwin(plain, sql), partitions).toEqual(expected);
    }
  });

  it("gives the built-in reader's activity for a period and accounts, reading only its partitions", async () => {
    for (const accounts of [undefined, ['222222222222']]) {
      const expected = await builtIn(`twin-period-${accounts?.length ?? 0}`, (r) =>
        inPeriod(r, accounts),
      );
      expect(Object.keys(expected.principals as object).length).toBeGreaterThan(3);
      for (const partitions of ['region-date', 'projection'] as const) {
        const table = partitions === 'projection' ? 'cloudtrail_logs_pp' : 'cloudtrail_logs';
        const sql = activityQuery('athena', {
          table,
          partitions,
          since,
          until,
          ...(accounts === undefined ? {} : { accounts }),
        });
        // The probes are in folders outside the partitions read.
        expect(await runTwin(probed, sql), `${partitions} ${accounts}`).toEqual(expected);
      }
    }
    // Without partition predicates, the probes are read: it is the predicates that leave them out.
    const unpruned = await runTwin(
      probed,
      activityQuery('athena', { since, until, partitions: 'none' }),
    );
    expect(Object.keys(unpruned.principals as object)).toContain(PROBE);
  });

  it("gives the built-in reader's activity from the CloudTrail Lake query", async () => {
    const accounts = ['111111111111'];
    const expected = await builtIn('twin-lake', (r) => inPeriod(r, accounts));
    const sql = activityQuery('cloudtrail-lake', { table: 'eds1', since, until, accounts });
    expect(sql).toContain(
      "AND eventTime >= '2026-01-13 00:00:00'\n  AND eventTime < '2026-01-17 00:00:00'",
    );
    expect(sql).toContain("AND recipientAccountId IN ('111111111111')");
    expect(await runTwin(plain, sql)).toEqual(expected);
  });

  it('gives the coverage rows (account, region, day, events) of the period and accounts on both layouts and Lake', async () => {
    const accounts = ['222222222222'];
    // The reference: from the records themselves.
    const reference = (keep: (r: TwinRecord) => boolean): string[] => {
      const counts = new Map<string, number>();
      for (const r of records.filter(keep)) {
        const key = [r.account, r.region, (r.record.eventTime as string).slice(0, 10)].join(',');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return [...counts.keys()].sort().map((k) => `${k},${counts.get(k)}`);
    };
    const expected = reference((r) => inPeriod(r, accounts));
    expect(expected.length).toBeGreaterThanOrEqual(8);
    const allAccounts = reference((r) => inPeriod(r));
    const rows = async (root: string, sql: string): Promise<string[]> => {
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        await connection.run(twinViews(root));
        const reader = await connection.runAndReadAll(sql);
        expect(reader.columnNames()).toEqual(['account_id', 'region', 'day', 'events']);
        return reader.getRowsJS().map((row) => row.map(String).join(','));
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    };
    for (const partitions of ['region-date', 'projection'] as const) {
      const table = partitions === 'projection' ? 'cloudtrail_logs_pp' : 'cloudtrail_logs';
      const sql = coverageQuery('athena', { table, partitions, since, until, accounts });
      expect(await rows(plain, sql), partitions).toEqual(expected);
      // The probes (account 111111111111, in folders outside the period) are left out by the
      // partition predicates.
      const all = coverageQuery('athena', { table, partitions, since, until });
      expect(await rows(probed, all), partitions).toEqual(allAccounts);
    }
    const lake = coverageQuery('cloudtrail-lake', { table: 'eds1', since, until, accounts });
    expect(await rows(plain, lake)).toEqual(expected);
  });

  it('rejects a bad period or account', () => {
    expect(() => activityQuery('athena', { since: until, until: since })).toThrow(
      /not after --since/,
    );
    expect(() => activityQuery('athena', { until: 'tomorrow' })).toThrow(/--until "tomorrow"/);
    expect(() => activityQuery('athena', { accounts: ['12345'] })).toThrow(/not an AWS account ID/);
    expect(() => activityQuery('athena', { accounts: [] })).toThrow(/names no account/);
    expect(() => activityQuery('athena', { partitions: 'daily' as never })).toThrow(
      /unknown partition layout/,
    );
  });
});
