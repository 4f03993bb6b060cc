// Dashboard under a held write lock (issue 9, item 6): while another process holds the database's
// write lock (BEGIN IMMEDIATE), a POST archive waits for it; how long does GET /static/app.css,
// sent meanwhile, take to answer?
//
//   npm run build && node bench/dashboard-busy.mjs [--runs=3]
//
// Subject: the dashboard as `serve` opens it now (SQLite busy timeout 0, the change retried after
// asynchronous sleeps for up to 1 s, then 503). Baseline: the store's synchronous busy wait, as
// `serve` had it before (10 s there; 2 s here to keep the run short), which stops the event loop.
// Interleaved: run i does subject then baseline when i is even, baseline then subject when odd.
// The client is a worker thread (test/server/busy-client.mjs): it sends the archive, then the
// stylesheet every 20 ms until the archive answers. Prints the archive's status and time and the
// stylesheet's median and worst time per run. Nothing is asserted.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
const BASELINE_WAIT_MS = 2_000;

const { openStore } = await import(join(ROOT, 'dist/store/sqlite.js'));
const { syntheticScan, bulkFindings, bulkAccounts } = await import(
  join(ROOT, 'dist/store/fixtures.js')
);
const { startDashboard } = await import(join(ROOT, 'dist/server/server.js'));
const { loadCatalog } = await import(join(ROOT, 'dist/catalog/load.js'));

const dir = mkdtempSync(join(os.tmpdir(), 'iam-refine-bench-busy-'));
const db = join(dir, 'findings.db');
const clock = () => new Date('2026-11-01T07:00:00Z');
const accounts = bulkAccounts(2);
const findings = bulkFindings(200, { accounts: 2 });
{
  const s = openStore(db, { clock });
  s.recordScan(syntheticScan(findings), { accounts });
  s.close();
}
const catalog = await loadCatalog();

function http(port, method, path, cookie) {
  const started = performance.now();
  const headers = { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` };
  if (cookie) headers.cookie = cookie;
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        done({ status: res.statusCode, headers: res.headers, ms: performance.now() - started }),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

function holdLock() {
  const script = `const D = require('better-sqlite3'); const d = new D(process.argv[1]);
    d.exec('BEGIN IMMEDIATE'); d.prepare('UPDATE findings SET updated_at = updated_at WHERE 0').run();
    process.stdout.write('locked\\n'); setInterval(() => {}, 60000);`;
  const child = spawn(process.execPath, ['-e', script, db], { cwd: ROOT });
  return new Promise((done) =>
    child.stdout.on('data', (d) => String(d).includes('locked') && done(child)),
  );
}

async function once(kind) {
  const subject = kind === 'subject';
  const store = openStore(db, { clock, busyTimeoutMs: subject ? 0 : BASELINE_WAIT_MS });
  const dash = await startDashboard({
    store,
    catalog,
    version: 'bench',
    logLine: () => undefined,
    logError: () => undefined,
    ...(subject ? {} : { busyRetryMs: 0 }),
  });
  try {
    const signIn = await http(dash.port, 'GET', `/?token=${dash.token}`);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    const id = store.listFindings({ limit: 1 }).items[0].id;
    const locker = await holdLock();
    try {
      // The client runs in a worker thread: a blocked server event loop cannot hold back its clock.
      const worker = new Worker(new URL('../test/server/busy-client.mjs', import.meta.url), {
        workerData: { port: dash.port, cookie, id },
      });
      const { archive, css } = await new Promise((done, fail) => {
        worker.once('message', done);
        worker.once('error', fail);
      });
      await worker.terminate();
      const cssMs = css.map((c) => c.ms);
      return {
        kind,
        archiveStatus: archive.status,
        archiveMs: archive.ms,
        cssCount: css.length,
        cssOk: css.every((c) => c.status === 200),
        cssMax: Math.max(...cssMs),
        cssMedian: [...cssMs].sort((a, b) => a - b)[Math.floor(cssMs.length / 2)],
      };
    } finally {
      locker.kill('SIGKILL');
      await new Promise((r) => locker.on('exit', r));
    }
  } finally {
    await dash.close();
    store.close();
  }
}

const rows = [];
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? ['subject', 'baseline'] : ['baseline', 'subject'];
  for (const kind of order) rows.push(await once(kind));
}
rmSync(dir, { recursive: true, force: true });
console.log(
  `node ${process.version}, ${os.cpus().length} CPUs, load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  'kind      archive  archive ms  css requests  css median ms  css max ms (GET /static/app.css every 20 ms from 50 ms after the archive)',
);
for (const r of rows) {
  console.log(
    `${r.kind.padEnd(9)} ${String(r.archiveStatus).padEnd(8)} ${r.archiveMs.toFixed(0).padStart(10)}  ${String(r.cssCount).padStart(12)}${r.cssOk ? '' : ' (not all 200)'}  ${r.cssMedian.toFixed(1).padStart(13)}  ${r.cssMax.toFixed(1).padStart(10)}`,
  );
}
