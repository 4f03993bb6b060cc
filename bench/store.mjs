// Findings store benchmark (issue 4, "Performance"): with 100,000 findings stored, the findings
// list page query, the finding page query, and the bookkeeping of a re-scan that changes 1 % of
// the findings, each against a naive baseline in the same run, interleaved.
//
//   npm run build && node --expose-gc bench/store.mjs [--quick] [--n=100000]
//
// Baselines:
// - list and finding pages: exactly the SQL the store runs (built by dist/store/query.js), on the
//   same database, with `NOT INDEXED` on the findings and history tables: what the queries cost
//   without the store's indexes (a full scan and a sort per page);
// - re-scan: a naive JSON-file store (the whole state in one JSON file: read it, diff the scan
//   against it with the same content hash, update statuses and history, write it back
//   atomically), the simplest thing that keeps statuses across scans.
// Figures: medians and p90s (ms) of the subject and the baseline, their ratio, and the issue's
// target (list and finding pages < 100 ms, re-scan bookkeeping < 2 s). Also printed: the time to
// record the first scan (100,000 new findings) and the database size. Results go to
// bench/results/store.json. Nothing here asserts a time.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { fmtMs, gc, measurePair, mulberry32, nowMs, stats, table } from './lib.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const N = Number(argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 100_000);
const SEED = 20240604;
const ACCOUNTS = 10;
/** The findings a re-scan changes: every 100th (1 %). */
const CHANGED = new Set(Array.from({ length: Math.ceil(N / 100) }, (_, j) => j * 100));

for (const f of ['dist/store/sqlite.js', 'dist/store/query.js', 'dist/store/fixtures.js']) {
  if (!existsSync(join(ROOT, f))) {
    console.error(`bench/store.mjs: ${f} is missing; run \`npm run build\` first`);
    process.exit(2);
  }
}
const { openStore } = await import(join(ROOT, 'dist/store/sqlite.js'));
const { buildListQuery, FINDING_PAGE_SQL } = await import(join(ROOT, 'dist/store/query.js'));
const { bulkAccounts, bulkFindings, syntheticScan } = await import(
  join(ROOT, 'dist/store/fixtures.js')
);

const started = nowMs();
const dir = mkdtempSync(join(os.tmpdir(), 'iam-refine-bench-store-'));
const dbFile = join(dir, 'findings.db');
const jsonFile = join(dir, 'findings.json');
const accounts = bulkAccounts(ACCOUNTS);
let clockMs = Date.parse('2024-06-01T00:00:00.000Z');
const clock = () => new Date(clockMs);

// ---------------------------------------------------------------------------------------------
// setup: the first scan, in the store and in the naive JSON store

console.log(
  `iam-refine store benchmark: ${N.toLocaleString('en-US')} findings, ${ACCOUNTS} accounts${QUICK ? ' (quick)' : ''}`,
);
let t = nowMs();
const first = bulkFindings(N, { accounts: ACCOUNTS });
const generateMs = nowMs() - t;
const store = openStore(dbFile, { clock });
t = nowMs();
store.recordScan(syntheticScan(first), { accounts });
const firstScanMs = nowMs() - t;
t = nowMs();
naiveRecordScan(jsonFile, syntheticScan(first), accounts);
const naiveFirstMs = nowMs() - t;
gc();
console.log(
  `first scan recorded: store ${fmtMs(firstScanMs)}, naive JSON store ${fmtMs(naiveFirstMs)} (generating the findings: ${fmtMs(generateMs)})`,
);

const raw = new Database(dbFile, { readonly: true });
const rng = mulberry32(SEED);
const ids = Array.from({ length: 200 }, () => first[Math.floor(rng() * first.length)].id);

// ---------------------------------------------------------------------------------------------
// cases

/** The same statement without the findings and history indexes. */
const unindexed = (sql) =>
  sql
    .replace(/FROM findings f\b/g, 'FROM findings f NOT INDEXED')
    .replace(/FROM history\b/g, 'FROM history NOT INDEXED');

function naiveList(query) {
  const q = buildListQuery(query);
  raw.prepare(unindexed(q.page.sql)).all(...q.page.params);
  if (q.count) raw.prepare(unindexed(q.count.sql)).get(...q.count.params);
}

const ACTIVE = ['ACTIVE'];
const deepCursor = (() => {
  let page = store.listFindings({ filter: { statuses: ACTIVE }, limit: 1000, withTotal: false });
  for (let i = 0; i < 49; i++)
    page = store.listFindings({
      filter: { statuses: ACTIVE },
      limit: 1000,
      cursor: page.nextCursor,
      withTotal: false,
    });
  return page.nextCursor;
})();
const listCases = [
  ['list: status=ACTIVE, newest first', { filter: { statuses: ACTIVE } }],
  ['list: + type', { filter: { statuses: ACTIVE, types: ['UnusedPermission'] } }],
  ['list: + account', { filter: { statuses: ACTIVE, accounts: [accounts[3]] } }],
  ['list: + service s3', { filter: { statuses: ACTIVE, services: ['s3'] } }],
  ['list: service s3 (no status)', { filter: { services: ['s3'] } }],
  ['list: principal contains "app-99"', { filter: { statuses: ACTIVE, principal: 'app-99' } }],
  [
    'list: sorted by principal',
    { filter: { statuses: ACTIVE }, sort: 'resource', direction: 'asc' },
  ],
  ['list: page 1,001 (cursor)', { filter: { statuses: ACTIVE }, cursor: deepCursor }],
  ['list: page 1,001 (offset 50,000)', { filter: { statuses: ACTIVE }, offset: 50_000 }],
];

const rows = [];
const results = [];
const runs = QUICK ? 5 : 15;

function record(name, target, samples, note = '') {
  const s = stats(samples.subject);
  const b = stats(samples.baseline);
  const ok = target === undefined ? '' : s.median < target ? 'yes' : 'NO';
  rows.push([
    name,
    fmtMs(s.median),
    fmtMs(s.p90),
    fmtMs(b.median),
    `${(s.median / b.median).toFixed(3)}`,
    target === undefined ? '' : `< ${fmtMs(target)}`,
    ok,
    note,
  ]);
  results.push({
    name,
    subject: s,
    baseline: b,
    ratio: s.median / b.median,
    targetMs: target ?? null,
    meetsTarget: target === undefined ? null : s.median < target,
  });
}

for (const [name, query] of listCases) {
  const samples = await measurePair({
    subject: () => store.listFindings(query),
    baseline: () => naiveList(query),
    warmup: 2,
    runs,
    minRuns: 3,
    budgetMs: 20_000,
  });
  record(name, 100, samples);
}

let k = 0;
const findingSamples = await measurePair({
  subject: () => store.getFinding(ids[k++ % ids.length]),
  baseline: () => {
    const id = ids[k++ % ids.length];
    const row = raw.prepare(unindexed(FINDING_PAGE_SQL.summary)).get(id);
    raw.prepare(FINDING_PAGE_SQL.data).get(row.pk);
    raw.prepare(unindexed(FINDING_PAGE_SQL.history)).all(row.pk);
  },
  warmup: 3,
  runs: runs * 2,
  minRuns: 3,
  budgetMs: 20_000,
});
record('finding page (row, JSON, history)', 100, findingSamples);

const overview = await measurePair({
  subject: () =>
    store.readSnapshot(() => {
      store.countByTypeAndStatus();
      store.countByAccount();
      store.topServices({ limit: 10 });
      store.scanTrend({ limit: 30 });
    }),
  baseline: () => {
    for (const sql of [
      'SELECT finding_type, status, count(*) FROM findings NOT INDEXED GROUP BY 1, 2',
      'SELECT account, status, count(*) FROM findings NOT INDEXED GROUP BY 1, 2',
      `SELECT s.service, count(*) AS n, sum(s.unused_actions) FROM findings f NOT INDEXED JOIN finding_services s ON s.finding_pk = f.pk
        WHERE f.status = 'ACTIVE' AND f.finding_type = 'UnusedPermission' GROUP BY s.service ORDER BY n DESC LIMIT 10`,
    ])
      raw.prepare(sql).all();
  },
  warmup: 1,
  runs: QUICK ? 3 : 7,
  minRuns: 3,
});
record('overview (counts, accounts, top services, trend)', undefined, overview, 'info');

// re-scans: each changes the details of 1 % of the findings (each time to a new value)
const rescanRuns = QUICK ? 2 : 5;
let variant = 2;
let last;
// Generating each scan's input is not timed; a GC runs before each timed recording.
const bookkeeping = { subject: [], baseline: [] };
for (let i = 0; i < rescanRuns; i++) {
  const a = rescanInput(variant++);
  clockMs += 60_000;
  gc();
  let t0 = nowMs();
  last = store.recordScan(a, { accounts });
  bookkeeping.subject.push(nowMs() - t0);
  const b = rescanInput(variant++);
  gc();
  t0 = nowMs();
  naiveRecordScan(jsonFile, b, accounts);
  bookkeeping.baseline.push(nowMs() - t0);
}
record(
  're-scan, 1 % changed (bookkeeping)',
  2000,
  bookkeeping,
  `${last.stats.updated} updated, ${last.stats.unchanged} unchanged`,
);

/** The findings again, with the details of the same 1 % (every 100th) different from last time. */
function rescanInput(v) {
  const changed = CHANGED;
  return syntheticScan(bulkFindings(N, { accounts: ACCOUNTS, changed, variant: v }));
}

// ---------------------------------------------------------------------------------------------
// report

const size = (f) => (existsSync(f) ? statSync(f).size : 0);
raw.close();
store.close();
const dbBytes = size(dbFile) + size(`${dbFile}-wal`);
console.log('');
console.log(table(['case', 'median', 'p90', 'baseline', 'ratio', 'target', 'met', 'note'], rows));
console.log('');
console.log(
  `database: ${(dbBytes / 1_048_576).toFixed(0)} MB (naive JSON store ${(size(jsonFile) / 1_048_576).toFixed(0)} MB); ` +
    `first scan ${fmtMs(firstScanMs)}; total ${fmtMs(nowMs() - started)}; node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench/results/store.json'),
  `${JSON.stringify(
    {
      findings: N,
      accounts: ACCOUNTS,
      quick: QUICK,
      firstScanMs,
      naiveFirstScanMs: naiveFirstMs,
      databaseBytes: dbBytes,
      results,
      machine: {
        node: process.version,
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        loadavg: os.loadavg(),
      },
    },
    null,
    2,
  )}\n`,
);
rmSync(dir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// the naive baseline: one JSON file holding every finding, its status and its history

function contentHash(f) {
  const r = f.recommendation;
  return createHash('sha256')
    .update(
      JSON.stringify([
        f.findingDetails,
        f.policies ?? null,
        r === undefined ? null : [r.status, r.recommendedSteps, r.error ?? null],
      ]),
    )
    .digest('base64url');
}

function naiveRecordScan(file, result, covered) {
  const now = new Date(clockMs).toISOString();
  const state = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : { scans: 0, findings: {} };
  const scanId = ++state.scans;
  const seen = new Set();
  for (const f of result.findings) {
    seen.add(f.id);
    const hash = contentHash(f);
    const old = state.findings[f.id];
    if (old === undefined) {
      state.findings[f.id] = {
        status: 'ACTIVE',
        hash,
        finding: f,
        history: [{ event: 'created', at: now, scanId }],
      };
    } else if (old.status === 'RESOLVED') {
      Object.assign(old, { status: 'ACTIVE', hash, finding: f });
      old.history.push({ event: 'reopened', at: now, scanId });
    } else if (old.hash !== hash) {
      Object.assign(old, { hash, finding: f });
      old.history.push({ event: 'updated', at: now, scanId });
    }
  }
  const accountsSet = new Set(covered);
  for (const [id, old] of Object.entries(state.findings)) {
    if (
      !seen.has(id) &&
      old.status !== 'RESOLVED' &&
      accountsSet.has(old.finding.resourceOwnerAccount)
    ) {
      old.status = 'RESOLVED';
      old.history.push({ event: 'resolved', at: now, scanId });
    }
  }
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}
