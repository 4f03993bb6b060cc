/**
 * The store across processes: a scan killed with SIGKILL while it writes leaves the database
 * consistent with the previous scan intact, and a reader in another process sees the state
 * before a scan or after it, never a mix.
 *
 * The child processes are plain Node scripts importing the store transpiled (TypeScript's
 * `transpileModule`) into a temporary folder under node_modules/.cache, so they resolve
 * better-sqlite3 from the project and do not depend on a previous `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkAccounts, bulkFindings, syntheticScan } from './fixtures.js';
import { openStore } from './sqlite.js';
import type { FindingStatus, FindingsStore } from './types.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/** Transpiles `entries` and the relative imports they reach into `out` (same layout as src/). */
function transpile(entries: readonly string[], out: string): void {
  const todo = [...entries];
  const done = new Set<string>();
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      todo.push(resolve(dirname(file), `${m[1]!}.ts`));
    }
    const js = ts.transpileModule(text, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    }).outputText;
    const target = join(out, relative(SRC, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
}

let build: string;
let dir: string;

beforeAll(() => {
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  build = mkdtempSync(join(cache, 'iam-refine-store-test-'));
  transpile([join(SRC, 'store', 'sqlite.ts'), join(SRC, 'store', 'fixtures.ts')], build);
  writeFileSync(
    join(build, 'record-scan.mjs'),
    `import { bulkAccounts, bulkFindings, syntheticScan } from './store/fixtures.js';
import { openStore } from './store/sqlite.js';
const [file, n, variant] = process.argv.slice(2);
const store = openStore(file, { clock: () => new Date('2024-06-02T00:00:00.000Z') });
const changed = new Set();
for (let i = 0; i < Number(n); i += 3) changed.add(i);
const scan = syntheticScan(bulkFindings(Number(n), { changed, variant: Number(variant) }), '2024-06-02T00:00:00.000Z');
process.stdout.write('begin\\n');
store.recordScan(scan, { accounts: bulkAccounts(10) });
process.stdout.write('done\\n');
store.close();
`,
  );
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-store-process-'));
});

afterAll(() => {
  rmSync(build, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the child that records a scan of `n` bulk findings; resolves once it says `begin`. */
function startScan(
  file: string,
  n: number,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [join(build, 'record-scan.mjs'), file, String(n), '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolvePromise, reject) => {
    const poll = setInterval(() => {
      if (out.includes('begin')) {
        clearInterval(poll);
        resolvePromise({ child, output: () => out + err });
      }
    }, 2);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (!out.includes('begin')) reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.on('exit', () => r());
  });
}

function sizeOf(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

/** Everything a reader can see, from one snapshot. */
function observe(store: FindingsStore) {
  return store.readSnapshot(() => {
    const trend = store.scanTrend();
    const counts = new Map<FindingStatus, number>([
      ['ACTIVE', 0],
      ['ARCHIVED', 0],
      ['RESOLVED', 0],
    ]);
    for (const c of store.countByTypeAndStatus())
      counts.set(c.status, counts.get(c.status)! + c.count);
    const page = store.listFindings({ filter: { statuses: ['ACTIVE'] }, limit: 5 });
    return {
      scans: trend.length,
      active: counts.get('ACTIVE')!,
      resolved: counts.get('RESOLVED')!,
      pageTotal: page.total!,
      trendActive: trend[trend.length - 1]?.byStatus.ACTIVE,
    };
  });
}

describe('a scan killed mid-way (SIGKILL)', () => {
  it('leaves the database consistent with the previous scan intact', async () => {
    const file = join(dir, 'killed.db');
    const clock = () => new Date('2024-06-01T00:00:00.000Z');
    const before = openStore(file, { clock });
    before.recordScan(syntheticScan(bulkFindings(3000)), { accounts: bulkAccounts(10) });
    const archived = before.listFindings({ limit: 3 }).items.map((f) => f.id);
    before.archive(archived);
    const snapshot = observe(before);
    const firstPage = before.listFindings({ limit: 20 });
    before.close();

    // 40,000 findings (37,000 new, 1,000 changed): more than the page cache holds, so SQLite
    // writes WAL frames before the commit. Kill as soon as the WAL has grown by 4 MB.
    const wal = `${file}-wal`;
    const walBefore = sizeOf(wal);
    const { child, output } = await startScan(file, 40_000);
    let grown = false;
    for (let i = 0; i < 3000 && child.exitCode === null; i++) {
      if (sizeOf(wal) > walBefore + 4_000_000) {
        grown = true;
        child.kill('SIGKILL');
        break;
      }
      await sleep(5);
    }
    await exited(child);
    expect(output()).not.toContain('done');
    expect(grown).toBe(true);
    expect(child.signalCode).toBe('SIGKILL');

    const raw = new Database(file);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
    const after = openStore(file, { clock });
    expect(observe(after)).toEqual(snapshot);
    expect(after.listScans()).toHaveLength(1);
    expect(after.listFindings({ limit: 20 })).toEqual(firstPage);
    for (const id of archived) expect(after.getFinding(id)?.status).toBe('ARCHIVED');
    // and the store still works: the same scan recorded again goes through
    const done = after.recordScan(syntheticScan(bulkFindings(3000)), {
      accounts: bulkAccounts(10),
    });
    expect(done.stats).toMatchObject({ created: 0, unchanged: 3000, resolved: 0 });
    after.close();
  });
});

describe('a reader during a scan', () => {
  it('sees the state before the scan or after it, never a mix', async () => {
    const file = join(dir, 'concurrent.db');
    const store = openStore(file, { clock: () => new Date('2024-06-01T00:00:00.000Z') });
    store.recordScan(syntheticScan(bulkFindings(3000)), { accounts: bulkAccounts(10) });
    const old = observe(store);
    expect(old).toMatchObject({ scans: 1, active: 3000, pageTotal: 3000 });

    // scan 2: 20,000 findings (3,000 seen again, 17,000 new)
    const { child } = await startScan(file, 20_000);
    const seen: ReturnType<typeof observe>[] = [];
    while (child.exitCode === null && child.signalCode === null) {
      seen.push(observe(store));
      await sleep(1);
    }
    await exited(child);
    expect(child.exitCode).toBe(0);
    const fresh = observe(store);
    expect(fresh).toMatchObject({
      scans: 2,
      active: 20_000,
      pageTotal: 20_000,
      trendActive: 20_000,
    });
    for (const s of seen) expect([old, fresh]).toContainEqual(s);
    // the reader ran while the writer held its transaction
    expect(seen.filter((s) => s.scans === 1).length).toBeGreaterThan(0);
    store.close();
  });
});
