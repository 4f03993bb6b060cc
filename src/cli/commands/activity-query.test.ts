import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activityQuery } from '../../activity/queries.js';
import { runCli, useTempDir } from '../../test-support/cli.js';

const dir = useTempDir('iam-refine-activity-query-');

/** Runs `iam-refine <args>` in-process. */
const run = (args: readonly string[]) => runCli(args);

describe('activity-query', () => {
  it('prints the SQL of each engine', async () => {
    for (const engine of ['athena', 'cloudtrail-lake', 'duckdb'] as const) {
      const table = engine === 'cloudtrail-lake' ? ['--table', 'eds-1'] : [];
      const r = await run([
        'activity-query',
        '--engine',
        engine,
        '--since',
        '2026-01-01',
        ...table,
      ]);
      const since = '2026-01-01';
      expect(r.out).toBe(
        activityQuery(engine, { since, ...(table[1] ? { table: table[1] } : {}) }),
      );
      expect(r.code).toBe(0);
    }
    const r = await run(['activity-query', '--engine', 'athena', '--table', 'db.trail']);
    expect(r.out).toContain('FROM db.trail\n');
  });

  it('passes the period, the accounts and the partition layout', async () => {
    const r = await run([
      'activity-query',
      '--engine',
      'athena',
      '--since',
      '2026-01-13',
      '--until',
      '2026-01-17',
      '--accounts',
      '222222222222, 111111111111',
      '--partitions',
      'region-date',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      activityQuery('athena', {
        since: '2026-01-13',
        until: '2026-01-17',
        accounts: ['222222222222', '111111111111'],
        partitions: 'region-date',
      }),
    );
    expect(r.out).toContain("(month = '01' AND day >= '12')");
    expect(r.out).toContain("AND recipientaccountid IN ('111111111111', '222222222222')");
    // The default layout is partition projection.
    const pp = await run(['activity-query', '--engine', 'athena', '--since', '2026-01-13']);
    expect(pp.out).toContain(`AND "timestamp" >= '2026/01/12'`);
    const bad = await run(['activity-query', '--engine', 'athena', '--accounts', '12']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('"12" is not an AWS account ID');
  });

  it('writes to --out', async () => {
    const out = join(dir(), 'q.sql');
    const r = await run(['activity-query', '--engine', 'duckdb', '--out', out]);
    expect(r.out).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(activityQuery('duckdb'));
  });

  it('requires a known engine', async () => {
    expect((await run(['activity-query'])).err).toContain("required option '--engine <engine>'");
    expect((await run(['activity-query', '--engine', 'mysql'])).err).toContain(
      'Allowed choices are athena, cloudtrail-lake, duckdb',
    );
  });

  it('rejects a bad --since or --table with the library error', async () => {
    const r = await run(['activity-query', '--engine', 'athena', '--since', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--since "soon" is not an ISO 8601 date-time');
    const lake = await run(['activity-query', '--engine', 'cloudtrail-lake']);
    expect(lake.code).toBe(2);
    expect(lake.err).toContain('give its ID with --table');
  });
});
