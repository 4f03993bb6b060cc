/**
 * The dashboard as a real HTTP server on 127.0.0.1 (Host checks over a socket, the token exchange,
 * listening address) and the `serve` command (database checks, URL printed once, `--open`, port in
 * use, stopping).
 */
import { request } from 'node:http';
import { createServer } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { openWithXdg, parsePort, runServe, serveCommand } from '../cli/commands/serve.js';
import { CliError, memoryIo } from '../cli/io.js';
import { openStore } from '../store/sqlite.js';
import { fillStore } from '../../test/browser/fixture.js';
import { cookieName } from './security.js';
import { startDashboard } from './server.js';

let dir: string;
let dbFile: string;
let catalog: ActionCatalog;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iam-refine-serve-'));
  dbFile = join(dir, 'findings.db');
  catalog = await loadCatalog();
  const store = openStore(dbFile, { clock: () => new Date('2026-11-01T07:00:00Z') });
  fillStore(store, catalog);
  store.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A raw HTTP GET with exactly these headers (fetch would set Host itself). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('startDashboard', () => {
  it('listens on 127.0.0.1 only and enforces Host, token and cookie over real HTTP', async () => {
    const store = openStore(dbFile, { clock: () => new Date() });
    const running = await startDashboard({ store, catalog, version: 'test' });
    try {
      expect(running.origin).toBe(`http://127.0.0.1:${running.port}`);
      expect(running.url).toBe(`${running.origin}/?token=${running.token}`);
      expect(running.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const host = `127.0.0.1:${running.port}`;
      expect((await rawGet(running.port, '/', { host })).status).toBe(401);
      expect(
        (await rawGet(running.port, '/', { host: `rebound.example:${running.port}` })).status,
      ).toBe(403);
      const signIn = await rawGet(running.port, `/?token=${running.token}`, { host });
      expect(signIn.status).toBe(303);
      expect(signIn.headers.location).toBe('/');
      const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
      expect(cookie.startsWith(`${cookieName(running.port)}=`)).toBe(true);
      expect(cookie).not.toBe(`${cookieName(running.port)}=${running.token}`);
      // The token is void once used.
      expect((await rawGet(running.port, `/?token=${running.token}`, { host })).status).toBe(401);
      expect((await rawGet(running.port, '/', { host, cookie })).status).toBe(200);
      expect(
        (await rawGet(running.port, '/findings', { host: `localhost:${running.port}`, cookie }))
          .status,
      ).toBe(200);
    } finally {
      await running.close();
      store.close();
    }
  });

  it('makes a new token for every start', async () => {
    const store = openStore(dbFile, { clock: () => new Date() });
    const a = await startDashboard({ store, catalog, version: 'test' });
    const b = await startDashboard({ store, catalog, version: 'test' });
    try {
      expect(a.token).not.toBe(b.token);
      expect(a.port).not.toBe(b.port);
    } finally {
      await a.close();
      await b.close();
      store.close();
    }
  });
});

describe('serve command', () => {
  it('prints the URL once, opens it with --open, serves until stopped', async () => {
    const io = memoryIo();
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const opened: string[] = [];
    let status = 0;
    const code = await runServe({ db: dbFile, port: 0, open: true }, io, {
      stopped,
      openUrl: (url) => opened.push(url),
      onListening: (url) => {
        void fetch(url, { redirect: 'manual' }).then((res) => {
          status = res.status;
          stop();
        });
      },
    });
    expect(code).toBe(0);
    const lines = io.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(opened).toEqual([lines[0]]);
    expect(status).toBe(303);
    expect(io.err).toContain('Ctrl+C stops it');
    // The server is closed afterwards.
    await expect(fetch(lines[0]!)).rejects.toThrow();
  });

  it('refuses a missing database and a port in use', async () => {
    await expect(runServe({ db: join(dir, 'nope.db') }, memoryIo(), {})).rejects.toThrow(
      /does not exist/,
    );
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await runServe({ db: dbFile, port }, memoryIo(), {
        stopped: Promise.resolve(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CliError);
      expect((error as Error).message).toBe(
        `cannot listen on 127.0.0.1:${port} (port in use); try --port 0`,
      );
    } finally {
      blocker.close();
    }
  });

  it('notes, and does not fail, when there is no browser opener', async () => {
    const io = memoryIo();
    openWithXdg('http://127.0.0.1:1/', io, 'iam-refine-test-no-such-opener');
    for (let i = 0; i < 50 && io.err === ''; i++) await new Promise((r) => setTimeout(r, 20));
    expect(io.err).toBe(
      'iam-refine: could not open a browser (iam-refine-test-no-such-opener: ENOENT); open the URL above\n',
    );
  });

  it('parses ports and declares its options', () => {
    expect(parsePort('0')).toBe(0);
    expect(parsePort('8080')).toBe(8080);
    for (const bad of ['-1', '65536', '1.5', 'abc', '', ' 80']) {
      expect(() => parsePort(bad), bad).toThrow(/port number/);
    }
    const command = serveCommand({ io: memoryIo(), exitCode: 0 });
    expect(command.name()).toBe('serve');
    expect(command.options.map((o) => o.long)).toEqual([
      '--db',
      '--port',
      '--open',
      '--catalog',
      '--iac',
    ]);
  });
});
