/** openSideTables: the tables are created (and re-opening keeps them); a file that cannot be opened is named. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IamRefineError } from '../errors.js';
import { openSideTables } from './side-tables.js';

const SCHEMA = 'CREATE TABLE IF NOT EXISTS side (k TEXT PRIMARY KEY, v TEXT NOT NULL);';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iam-refine-side-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openSideTables', () => {
  it('creates the tables if missing, keeps their rows when opened again, and waits for a busy file', () => {
    const file = join(dir, 'findings.db');
    const db = openSideTables(file, SCHEMA, 'the side table');
    db.prepare('INSERT INTO side (k, v) VALUES (?, ?)').run('a', '1');
    db.close();
    const again = openSideTables(file, SCHEMA, 'the side table');
    expect(again.prepare('SELECT v FROM side WHERE k = ?').get('a')).toEqual({ v: '1' });
    expect(again.pragma('busy_timeout', { simple: true })).toBe(10000);
    again.close();
  });

  it('names what it opens and the file when the file cannot be opened', () => {
    const file = join(dir, 'no-such-dir', 'findings.db');
    let thrown: unknown;
    try {
      openSideTables(file, SCHEMA, 'the change log');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IamRefineError);
    const message = (thrown as Error).message;
    expect(message.startsWith(`cannot open the change log in ${file} (`)).toBe(true);
    expect(message.endsWith(')')).toBe(true);
    expect((thrown as Error).cause).toBeInstanceOf(Error);
  });
});
