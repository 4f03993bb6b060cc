import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { ValidationError } from '../errors.js';
import { readCloudTrail } from './cloudtrail.js';
import {
  CoverageCollector,
  DAY_MS,
  EvidenceCoverage,
  dayNumber,
  dayRanges,
  END_LATENCY_MS,
  logFileLocation,
} from './coverage.js';
import { isCoverageCsv, parseCoverageCsv } from './coverage-csv.js';
import { loadOperationData } from './load-operation-data.js';
import { coverageQuery } from './queries.js';
import { CLOUDTRAIL_FIXTURES, VALID_FIXTURE_FILES } from './test-helpers.js';

const day = (text: string) => dayNumber(Date.parse(`${text}T00:00:00Z`));

describe('logFileLocation', () => {
  it('reads the account, region and day from the CloudTrail name or the AWSLogs key', () => {
    const name = '123456789012_CloudTrail_eu-west-1_20260716T0915Z_AbCd1234EfGh5678.json.gz';
    expect(logFileLocation(`/x/${name}`)).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
      day: day('2026-07-16'),
    });
    expect(
      logFileLocation(
        '/b/AWSLogs/o-abcdefghij/123456789012/CloudTrail/us-east-1/2026/07/15/x.json.gz',
      ),
    ).toEqual({ account: '123456789012', region: 'us-east-1', day: day('2026-07-15') });
    expect(
      logFileLocation('/b/AWSLogs/123456789012/CloudTrail/us-east-1/2026/02/30/x.json'),
    ).toEqual({
      account: '123456789012',
      region: 'us-east-1',
    });
    expect(logFileLocation('/tmp/bad.json.gz')).toEqual({});
  });
});

describe('EvidenceCoverage.check', () => {
  it('agrees with a day-by-day reference over random read and skipped days', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 41 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 23 }),
        (read, skipped, length, hour) => {
          const base = day('2026-01-01');
          const c = new CoverageCollector('cloudtrail');
          c.addSeen(
            new Map([
              [
                '111111111111\tus-east-1',
                {
                  days: new Set(read.map((d) => base + d)),
                  from: base * DAY_MS,
                  to: base * DAY_MS,
                },
              ],
            ]),
          );
          for (const d of skipped)
            c.addSkipped({ account: '111111111111', day: base + d }, { files: 1 });
          const e = new EvidenceCoverage();
          for (const [a, claim] of c.claims('CloudTrail').accounts) e.addAccount(a, claim);
          const end = (base + 39) * DAY_MS + hour * 3_600_000;
          const start = end - length * DAY_MS;
          const got = e.check({ arn: 'r', accountId: '111111111111' }, start, end);
          const ok = (d: number) => read.includes(d - base) && !skipped.includes(d - base);
          // Reference: every day that has a moment in [start, end - 4 h) must be covered.
          const required: number[] = [];
          for (let t = start; t < end - END_LATENCY_MS; t += 3_600_000) {
            if (!required.includes(dayNumber(t))) required.push(dayNumber(t));
          }
          expect(got.complete).toBe(required.every(ok));
          if (!got.complete) {
            // The covered run reaching the end: trailing uncovered days after the required ones
            // are allowed.
            let last = dayNumber(end - 1);
            while (last > required[required.length - 1]! && !ok(last)) last--;
            let first = last + 1;
            while (first - 1 >= dayNumber(start) && ok(first - 1)) first--;
            expect(got.coveredFrom).toBe(
              first <= last ? Math.max(start, first * DAY_MS) : undefined,
            );
          }
        },
      ),
    );
  });

  it('does not cover an account no source has, nor any account after an unplaced skipped file', () => {
    const c = new CoverageCollector('cloudtrail');
    c.addSeen(
      new Map([
        ['111111111111\tus-east-1', { days: new Set([day('2026-01-01')]), from: 0, to: 0 }],
      ]),
    );
    c.addSkipped({}, { files: 1 });
    const claims = c.claims('CloudTrail');
    const e = new EvidenceCoverage().addAccount(
      '111111111111',
      claims.accounts.get('111111111111')!,
    );
    e.addEverywhere(claims.unplaced!);
    const start = Date.parse('2026-01-01T00:00:00Z');
    expect(e.check({ arn: 'r', accountId: '111111111111' }, start, start + DAY_MS).complete).toBe(
      false,
    );
    expect(e.check({ arn: 'r', accountId: '222222222222' }, start, start + DAY_MS)).toMatchObject({
      complete: false,
      detail: expect.stringContaining(
        'no activity source has any record of account 222222222222',
      ) as string,
    });
    expect(c.report().unplaced).toEqual({ files: 1, records: 0, days: [] });
  });

  it('names gap ranges', () => {
    expect(dayRanges([day('2026-01-01'), day('2026-01-02'), day('2026-01-05')])).toBe(
      '2026-01-01 to 2026-01-02, 2026-01-05',
    );
  });
});

describe('coverage CSV', () => {
  it('is told apart by its header, and reads its days', () => {
    const text =
      'account_id,region,day,events\n111111111111,us-east-1,2026-01-01,3\n111111111111,us-east-1,2026-01-02,1\n';
    expect(isCoverageCsv(text)).toBe(true);
    expect(isCoverageCsv('principal_arn,service,action,last_accessed\n')).toBe(false);
    const c = new CoverageCollector('activity');
    expect(parseCoverageCsv(text, 'c.csv', c)).toBe(2);
    expect(c.report().accounts[0]!.regions[0]).toMatchObject({ days: 2, missingDays: [] });
  });

  it('names the line and column of a bad field', () => {
    const text = 'account_id,region,day\n1234,us-east-1,2026-02-30\n';
    try {
      parseCoverageCsv(text, 'c.csv', new CoverageCollector('activity'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const issues = (error as ValidationError).issues;
      expect(issues.map((i) => [i.line, i.column, i.path])).toEqual([
        [2, 1, 'account_id'],
        [2, 16, 'day'],
      ]);
    }
  });

  it('comes from activity-query --coverage on each engine', () => {
    const athena = coverageQuery('athena', { table: 'db.trail', since: '2026-01-01' });
    expect(athena).toContain('recipientaccountid AS account_id');
    expect(athena).toContain("AND eventtime >= '2026-01-01T00:00:00Z'");
    expect(coverageQuery('duckdb')).toContain('substr(r.eventTime, 1, 10) AS day');
    expect(() => coverageQuery('cloudtrail-lake')).toThrow(/event data store/);
  });
});

describe('the DuckDB coverage query', () => {
  it('gives, through the coverage CSV reader, the days the built-in reader covers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-refine-coverage-'));
    try {
      for (const file of VALID_FIXTURE_FILES) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        cpSync(join(CLOUDTRAIL_FIXTURES, file), join(dir, file));
      }
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      let csv: string;
      try {
        const reader = await connection.runAndReadAll(
          coverageQuery('duckdb', { table: `${dir}/AWSLogs/**/*.json*` }),
        );
        const rows = reader.getRowObjectsJS() as Record<string, unknown>[];
        csv = [
          reader.columnNames().join(','),
          ...rows.map((r) =>
            reader
              .columnNames()
              .map((c) => String(r[c]))
              .join(','),
          ),
        ].join('\n');
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
      expect(csv.split('\n')[0]).toBe('account_id,region,day,events');
      const fromSql = new CoverageCollector('activity');
      parseCoverageCsv(csv, 'coverage.csv', fromSql);
      const [catalog, operationData] = await Promise.all([loadCatalog(), loadOperationData()]);
      const builtIn = await readCloudTrail([dir], {
        catalog,
        operationData,
        dataEventServices: new Set(),
      });
      const days = (c: CoverageCollector) =>
        c.report().accounts.map((a) => ({
          account: a.account,
          regions: a.regions.map((r) => [r.region, r.days, r.missingDays]),
        }));
      expect(days(fromSql)).toEqual(days(builtIn.coverage));
      expect(days(fromSql)).not.toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
