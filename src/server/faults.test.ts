/**
 * The dashboard under faults, as a real HTTP server over a database file: another process holding
 * the write lock (BEGIN IMMEDIATE and BEGIN EXCLUSIVE) gives 503 "database busy" after a short
 * asynchronous wait while the stylesheet and the read-only pages keep answering; a database file
 * deleted or replaced while serving gives 503 naming it, and nothing is written into the old
 * file; a bad cursor gives 400 with one line on the log; the CLI's store fails with the typed
 * error (exit 2, naming the file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm, unlink } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { memoryIo, reportError } from '../cli/io.js';
import { DatabaseBusyError, DatabaseGoneError } from '../store/errors.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import { ARTICLE_ROLE_ARN, fillStore } from '../../test/browser/fixture.js';
import { startDashboard, type RunningDashboard } from './server.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const CLOCK = () => new Date('2026-11-01T07:00:00Z');
/** The dashboard's wait for the write lock in these tests (the default is 1 s). */
const RETRY_MS = 400;

let catalog: ActionCatalog;
let dir: string;
let dbFile: string;
let store: FindingsStore;
let dashboard: RunningDashboard;
let cookie: string;
let lines: string[];
let errors: unknown[];
let locker: ChildProcess | undefined;

beforeAll(async () => {
  catalog = await loadCatalog();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iam-refine-faults-'));
  dbFile = join(dir, 'findings.db');
  const filling = openStore(dbFile, { clock: CLOCK });
  fillStore(filling, catalog);
  filling.close();
  store = openStore(dbFile, { clock: CLOCK, busyTimeoutMs: 0 });
  lines = [];
  errors = [];
  dashboard = await startDashboard({
    store,
    catalog,
    version: '0.0.0-test',
    logLine: (line) => lines.push(line),
    logError: (error) => errors.push(error),
    busyRetryMs: RETRY_MS,
  });
  const signIn = await http('GET', `/?token=${dashboard.token}`);
  expect(signIn.status).toBe(303);
  cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
});

afterEach(async () => {
  locker?.kill('SIGKILL');
  locker = undefined;
  await dashboard.close();
  store.close();
  await rm(dir, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** One request to the dashboard, signed in (after sign-in), with its time in ms. */
function http(method: 'GET' | 'POST', path: string): Promise<Answer> {
  const started = performance.now();
  const headers: Record<string, string> = { host: `127.0.0.1:${dashboard.port}` };
  if (cookie !== undefined) headers.cookie = cookie;
  if (method === 'POST') headers.origin = dashboard.origin;
  return new Promise((done, fail) => {
    const req = request(
      { host: '127.0.0.1', port: dashboard.port, path, method, headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', fail);
    req.end();
  });
}

/** An id of an active finding. */
function someFindingId(): string {
  const page = store.listFindings({
    filter: { principal: ARTICLE_ROLE_ARN, statuses: ['ACTIVE'] },
  });
  return page.items[0]!.id;
}

/**
 * Another process that opens the database, takes the write lock with `begin` and holds it until
 * killed. Resolves once the lock is held.
 */
function holdWriteLock(begin: 'BEGIN IMMEDIATE' | 'BEGIN EXCLUSIVE'): Promise<void> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec(${JSON.stringify(begin)});
    db.prepare('UPDATE findings SET updated_at = updated_at WHERE 0').run();
    process.stdout.write('locked\\n');
    setInterval(() => {}, 60000);
  `;
  const child = spawn(process.execPath, ['-e', script, dbFile], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  locker = child;
  return new Promise((done, fail) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) done();
    });
    child.on('exit', (code) => fail(new Error(`the locking process exited (${code}): ${err}`)));
  });
}

async function releaseLock(): Promise<void> {
  const child = locker!;
  locker = undefined;
  const exited = new Promise((done) => child.on('exit', done));
  child.kill('SIGKILL');
  await exited;
}

describe('another process holds the write lock', () => {
  it.each(['BEGIN IMMEDIATE', 'BEGIN EXCLUSIVE'] as const)(
    '%s: archive answers 503 "database busy" after a short wait, the stylesheet and the pages do not wait',
    async (begin) => {
      const id = someFindingId();
      await holdWriteLock(begin);
      // The client in a worker thread (its own event loop): the archive, and meanwhile the
      // stylesheet every 20 ms until the archive answers.
      const worker = new Worker(new URL('../../test/server/busy-client.mjs', import.meta.url), {
        workerData: { port: dashboard.port, cookie, id },
      });
      const { archive: busy, css } = await new Promise<{ archive: Answer; css: Answer[] }>(
        (done, fail) => {
          worker.once('message', done);
          worker.once('error', fail);
        },
      );
      await worker.terminate();
      const overview = await http('GET', '/');

      expect(busy.status).toBe(503);
      expect(busy.ms).toBeGreaterThanOrEqual(RETRY_MS - 20);
      expect(busy.ms).toBeLessThan(RETRY_MS + 1500);
      // The stylesheet answered all along (SQLite's busy wait never blocks the event loop): with a
      // synchronous wait there would be one request, answered after it.
      expect(css.length).toBeGreaterThan(5);
      expect(css.every((a) => a.status === 200)).toBe(true);
      expect(Math.max(...css.map((a) => a.ms))).toBeLessThan(150);
      const again = await http('POST', `/findings/${id}/archive`);
      expect(again.status).toBe(503);
      expect(again.headers['retry-after']).toBe('1');
      expect(again.body).toContain('Database busy, try again');
      // Readers do not wait for a writer (WAL).
      expect(overview.status).toBe(200);
      const line = `503 POST /findings/${id}/archive: database ${dbFile} is busy (another process is writing it); try again in a moment`;
      expect(lines).toEqual([line, line]);
      expect(store.getFinding(id)?.status).toBe('ACTIVE');

      // Once the lock is released, the same request goes through.
      await releaseLock();
      const done = await http('POST', `/findings/${id}/archive`);
      expect(done.status).toBe(303);
      expect(store.getFinding(id)?.status).toBe('ARCHIVED');
    },
    20_000,
  );

  it('the CLI store waits its busy timeout, then fails naming the file (exit 2, one line)', async () => {
    await holdWriteLock('BEGIN IMMEDIATE');
    const cli = openStore(dbFile, { clock: CLOCK, busyTimeoutMs: 50 });
    try {
      let error: unknown;
      try {
        cli.archive([someFindingId()]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DatabaseBusyError);
      const io = memoryIo();
      expect(reportError(error, io, false)).toBe(2);
      expect(io.err).toBe(
        `iam-refine: database ${dbFile} is busy (another process is writing it); try again in a moment\n`,
      );
    } finally {
      cli.close();
    }
  });
});

describe('the database file deleted or replaced while serving', () => {
  it('deleted: 503 naming the file, nothing written into the unlinked file', async () => {
    const id = someFindingId();
    await unlink(dbFile);
    const archive = await http('POST', `/findings/${id}/archive`);
    expect(archive.status).toBe(503);
    expect(archive.body).toContain('Database file gone');
    expect(archive.body).toContain(`was deleted while it was open`);
    expect(archive.body).not.toContain('Finding archived');
    const overview = await http('GET', '/');
    expect(overview.status).toBe(503);
    // The static files need no database.
    expect((await http('GET', '/static/app.css')).status).toBe(200);
    expect(lines).toEqual([
      `503 POST /findings/${id}/archive: database ${dbFile} was deleted while it was open; nothing was read or changed (restart with the database you mean)`,
      `503 GET /: database ${dbFile} was deleted while it was open; nothing was read or changed (restart with the database you mean)`,
    ]);
  });

  it('replaced by another file: 503, and the CLI exits 2 naming the file', async () => {
    const copy = join(dir, 'copy.db');
    await copyFile(dbFile, copy);
    await rm(dbFile);
    await rm(`${dbFile}-wal`, { force: true });
    await rm(`${dbFile}-shm`, { force: true });
    await copyFile(copy, dbFile);
    const page = await http('GET', '/findings');
    expect(page.status).toBe(503);
    expect(page.body).toContain('was replaced by another file while it was open');
    let error: unknown;
    try {
      store.listScans();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseGoneError);
    const io = memoryIo();
    expect(reportError(error, io, false)).toBe(2);
    expect(io.err).toContain(`iam-refine: database ${dbFile} was replaced by another file`);
  });
});

describe('bad query parameters', () => {
  it('a cursor of another list (or garbage) gives 400 and one line on the log, no stack trace', async () => {
    for (const cursor of ['garbage', 'eyJ4IjoxfQ', '%E0%A4%A']) {
      const res = await http('GET', `/findings?cursor=${cursor}`);
      expect(res.status).toBe(400);
      expect(res.body).toContain('Bad request');
    }
    expect(lines.length).toBe(3);
    for (const line of lines) {
      expect(line.startsWith('400 GET /findings: $.cursor: ')).toBe(true);
      expect(line).not.toContain('\n');
    }
    // Unknown sort, direction, page: 400 too, the page with the form says what was wrong.
    const res = await http('GET', '/findings?sort=nope&dir=up&page=0');
    expect(res.body).toContain(
      'Ignored: unknown sort column, unknown sort direction, bad page number',
    );
    expect(lines.at(-1)).toBe(
      '400 GET /findings: unknown sort column, unknown sort direction, bad page number',
    );
    expect(res.status).toBe(400);
  });
});
