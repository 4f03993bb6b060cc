import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { activityQuery } from '../../activity/queries.js';
import { memoryIo, type CommandContext } from '../io.js';
import { activityQueryCommand } from './activity-query.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-refine-activity-query-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `iam-refine <args>` with only this command, in memory. */
async function run(args: string[]) {
  const io = memoryIo();
  const ctx: CommandContext = { io, exitCode: -1 };
  let err = '';
  const command = activityQueryCommand(ctx)
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.stdout.write(t), writeErr: (t) => (err += t) });
  const program = new Command().exitOverride().addCommand(command);
  let thrown: unknown;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    thrown = error;
  }
  return { out: io.out, err, exitCode: ctx.exitCode, thrown };
}

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
      expect(r.exitCode).toBe(0);
    }
    const r = await run(['activity-query', '--engine', 'athena', '--table', 'db.trail']);
    expect(r.out).toContain('FROM db.trail\n');
  });

  it('writes to --out', async () => {
    const out = join(dir, 'q.sql');
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
    expect(String(r.thrown)).toContain('--since "soon" is not an ISO 8601 date-time');
    const lake = await run(['activity-query', '--engine', 'cloudtrail-lake']);
    expect(String(lake.thrown)).toContain('give its ID with --table');
  });
});
