// CloudTrail ingest benchmark (issues 3 and 14): the built-in reader (`readCloudTrail`, worker
// threads) against DuckDB (`read_json` + `GROUP BY` over the same files, the query that
// `iam-refine activity-query --engine duckdb` prints), in the same run, interleaved.
//
//   npm run build && node bench/ingest.mjs [--runs=3] [--quick] [--no-verify] [--regenerate]
//                                          [--sets=ordinary-1M,manykeys-1M,ordinary-3M,manykeys-3M]
//   node bench/ingest.mjs --legacy         # issue 3's sets (250k and 1M events, a wider mix)
//
// By default it reads issue 14's trails (bench/trails.mjs: generated once, deterministically,
// cached in the OS temp folder): 1 M and 3 M events, each with a few dozen long-term keys
// (`ordinary`) and with ~175,000 distinct keys per million events (`manykeys`). Each reader runs
// in a fresh child process: wall time from the start of the read to the finished summary (catalog
// and data loading excluded, shown separately), events/s, and the child's peak resident memory
// (`process.resourceUsage().maxRSS`). With --verify (the default) it also checks, untimed, that
// both give the same summary on the first days of each distribution. Figures go to stdout and
// bench/results/ingest.json. See bench/README.md.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { mulberry32, stats, table } from './lib.mjs';
import { DEFAULT_TRAILS_DIR, generateTrails } from './trails.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const flag = (name) => argv.includes(`--${name}`);

const FILES = 200;
const EVENTS = 1_000_000;
const QUARTER_FILES = 50;
const SEED = 20260115;
const DATA_VERSION = 3; // bump when the generator changes
const DATA_DIR = join(os.tmpdir(), `iam-refine-bench-ingest-v${DATA_VERSION}`);

// ---------------------------------------------------------------------------------------------
// the parent: generate, run the children interleaved, report

async function main() {
  for (const f of [
    'dist/activity/cloudtrail.js',
    'dist/activity/queries.js',
    'generated/catalog.json',
  ]) {
    if (!existsSync(join(ROOT, f))) {
      console.error(`bench/ingest: missing ${f}: run \`npm run build\` first`);
      process.exit(1);
    }
  }
  const runs = Number(arg('runs') ?? (flag('quick') ? 1 : 3));
  return flag('legacy') ? legacy(runs) : trails(runs);
}

/** Issue 14's trails (bench/trails.mjs). */
async function trails(runs) {
  const manifest = generateTrails(arg('dir') ?? DEFAULT_TRAILS_DIR, flag('regenerate'), (l) =>
    console.error(l),
  );
  const wanted = (arg('sets') ?? 'ordinary-1M,manykeys-1M,ordinary-3M,manykeys-3M').split(',');
  const sets = wanted.map((name) => {
    const s = manifest.sets[name];
    if (s === undefined) throw new Error(`bench/ingest: no set ${name}`);
    return { name, ...s, glob: `${s.dir}/**/*.json.gz` };
  });
  console.log(
    `data: ${manifest.dir} (bench/trails.mjs v${manifest.version}, seed ${manifest.seed})`,
  );
  for (const s of sets) {
    console.log(
      `  ${s.name}: ${s.files} files, ${s.events.toLocaleString('en')} events, ${mib(s.bytes)} MiB gzip, ` +
        `${mib(s.rawBytes)} MiB JSON (${(s.rawBytes / s.events).toFixed(0)} B/event), ${s.longTermKeys.toLocaleString('en')} long-term keys`,
    );
  }
  printMachine();
  let verify;
  if (!flag('no-verify')) {
    verify = {};
    for (const distribution of ['ordinary', 'manykeys']) {
      // One region of the 1M trail (half of it: 500,000 events).
      const dir = join(
        manifest.sets[`${distribution}-1M`].dir,
        'AWSLogs/111122223333/CloudTrail/us-east-1',
      );
      const v = spawnChild('verify', dir, `${dir}/**/*.json.gz`);
      verify[distribution] = v;
      console.log(
        v.equal
          ? `verify (${distribution}, ${v.events.toLocaleString('en')} events): the built-in reader and DuckDB + the activity CSV reader give the same summary (${v.principals} principals, ${v.actions} action entries, ${v.keys} access keys)`
          : `!!! verify (${distribution}): the summaries differ: ${JSON.stringify(v.differences).slice(0, 2000)}`,
      );
    }
  }
  return measure(runs, sets, { trails: manifest }, verify);
}

/** Issue 3's sets: 250,000 and 1,000,000 events of a wider mix of identities. */
async function legacy(runs) {
  const generated = generate(flag('regenerate'));
  const sets = [
    {
      name: '250k',
      dir: join(DATA_DIR, 'quarter'),
      events: generated.quarterEvents,
      files: QUARTER_FILES,
      bytes: generated.quarterBytes,
      glob: `${join(DATA_DIR, 'quarter')}/*.json.gz`,
    },
    {
      name: '1M',
      dir: join(DATA_DIR, 'all'),
      events: generated.events,
      files: FILES,
      bytes: generated.bytes,
      glob: `${join(DATA_DIR, 'all')}/*.json.gz`,
    },
  ];
  console.log(
    `data: ${DATA_DIR} (${FILES} files, ${generated.events.toLocaleString('en')} events, ` +
      `${mib(generated.bytes)} MiB gzip, ${mib(generated.rawBytes)} MiB JSON)` +
      `${generated.seconds === undefined ? ', cached' : `, generated in ${generated.seconds.toFixed(1)} s`}`,
  );
  printMachine();

  let verify;
  if (!flag('no-verify')) {
    verify = spawnChild('verify', sets[0].dir, sets[0].glob);
    console.log(
      verify.equal
        ? `verify (250k): the built-in reader and DuckDB + the activity CSV reader give the same summary (${verify.principals} principals, ${verify.actions} action entries)`
        : `!!! verify (250k): the summaries differ: ${JSON.stringify(verify.differences).slice(0, 2000)}`,
    );
  }

  return measure(runs, sets, { dir: DATA_DIR, ...generated }, verify);
}

function printMachine() {
  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

/** Times both readers on every set, interleaved (run i: all sets, the readers' order alternating). */
async function measure(runs, sets, data, verify) {
  const machineStart = machine();
  const results = {};
  for (const set of sets) results[set.name] = { set, samples: { builtin: [], duckdb: [] } };
  for (let i = 0; i < runs; i++) {
    for (const set of sets) {
      const order = i % 2 === 0 ? ['builtin', 'duckdb'] : ['duckdb', 'builtin'];
      for (const which of order) {
        const sample = spawnChild(which, set.dir, set.glob);
        sample.loadavg = os.loadavg()[0];
        results[set.name].samples[which].push(sample);
        console.error(
          `run ${i + 1}/${runs} ${set.name} ${which}: ${(sample.ms / 1000).toFixed(2)} s, ${sample.maxRssMiB.toFixed(0)} MiB, load ${sample.loadavg.toFixed(1)}`,
        );
      }
    }
  }

  const rows = [];
  const json = {
    date: new Date().toISOString(),
    runs,
    machine: machineStart,
    data,
    verify,
    sets: {},
  };
  for (const [name, { set, samples }] of Object.entries(results)) {
    const summary = {};
    for (const which of ['builtin', 'duckdb']) {
      const ms = stats(samples[which].map((s) => s.ms));
      const cpu = stats(samples[which].map((s) => s.cpuMs));
      const rss = Math.max(...samples[which].map((s) => s.maxRssMiB));
      summary[which] = {
        ms,
        cpuMs: cpu,
        eventsPerSecond: Math.round(set.events / (ms.median / 1000)),
        eventsPerCpuSecond: Math.round(set.events / (cpu.median / 1000)),
        maxRssMiB: rss,
        samples: samples[which],
      };
      rows.push([
        name,
        which === 'builtin'
          ? `built-in (${samples[which][0].workers} workers)`
          : `DuckDB ${samples[which][0].version} (${samples[which][0].threads} threads)`,
        `${(ms.median / 1000).toFixed(2)} s`,
        `${(ms.min / 1000).toFixed(2)}–${(ms.max / 1000).toFixed(2)} s`,
        Math.round(set.events / (ms.median / 1000)).toLocaleString('en'),
        `${(cpu.median / 1000).toFixed(2)} s`,
        Math.round(set.events / (cpu.median / 1000)).toLocaleString('en'),
        `${rss.toFixed(0)} MiB`,
        which === 'builtin' ? `${samples[which][0].loadMs.toFixed(0)} ms` : '—',
      ]);
    }
    summary.ratio = summary.builtin.eventsPerSecond / summary.duckdb.eventsPerSecond;
    summary.cpuRatio = summary.duckdb.cpuMs.median / summary.builtin.cpuMs.median;
    json.sets[name] = { events: set.events, files: set.files, bytes: set.bytes, ...summary };
  }
  console.log();
  console.log(
    table(
      [
        'events',
        'reader',
        'wall (median)',
        'wall range',
        'events/s',
        'CPU (median)',
        'events/CPU-s',
        'peak RSS',
        'catalog+data load',
      ],
      rows,
    ),
  );
  console.log();
  for (const [name, s] of Object.entries(json.sets)) {
    // Issue 14's targets: >= 1.5x DuckDB's events/s; peak RSS < 400 MiB on ordinary trails, and
    // no more than DuckDB's when the number of groups grows with the events.
    const fast = s.ratio >= 1.5;
    const manyGroups = name.startsWith('manykeys');
    const small = manyGroups
      ? s.builtin.maxRssMiB <= s.duckdb.maxRssMiB
      : s.builtin.maxRssMiB < 400;
    console.log(
      `${name}: built-in/DuckDB throughput ${s.ratio.toFixed(2)}× wall-clock (target ≥ 1.5: ${fast ? 'met' : 'NOT met'}), ` +
        `${s.cpuRatio.toFixed(2)}× per CPU second, peak RSS built-in ${s.builtin.maxRssMiB.toFixed(0)} MiB, DuckDB ${s.duckdb.maxRssMiB.toFixed(0)} MiB ` +
        `(target ${manyGroups ? '≤ DuckDB' : '< 400 MiB'}: ${small ? 'met' : 'NOT met'})`,
    );
  }
  json.machine.loadavgEnd = os.loadavg();
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/ingest.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log('\nwritten: bench/results/ingest.json');
}

function spawnChild(which, dir, glob) {
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), `--child=${which}`, `--dir=${dir}`, `--glob=${glob}`],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`bench/ingest: the ${which} child failed (status ${r.status})`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function machine() {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    loadavgStart: os.loadavg(),
  };
}

const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);

// ---------------------------------------------------------------------------------------------
// the children: one measurement each, in a fresh process

async function runChild(which, dir, glob) {
  if (which === 'builtin') {
    const { catalog, operationData, loadMs } = await loadInputs();
    const { readCloudTrail } = await import('../dist/activity/cloudtrail.js');
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { accumulator, stats: s } = await readCloudTrail([dir], {
      catalog,
      operationData,
      dataEventServices: new Set(['s3', 'lambda', 'dynamodb']),
    });
    const summary = accumulator.finish();
    const ms = performance.now() - t0;
    const cpuMs = cpuSince(c0);
    let actions = 0;
    for (const p of summary.principals.values())
      for (const svc of p.services.values()) actions += svc.actions.size;
    out({
      which,
      files: s.files,
      events: s.events,
      ms,
      cpuMs,
      loadMs,
      workers: s.workers,
      principals: summary.principals.size,
      actions,
      maxRssMiB: maxRss(),
    });
  } else if (which === 'duckdb') {
    const { activityQuery } = await import('../dist/activity/queries.js');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const sql = activityQuery('duckdb', { table: glob });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(sql);
    const rows = reader.getRows().length;
    const ms = performance.now() - t0;
    const cpuMs = cpuSince(c0);
    const threads = Number(
      (await connection.runAndReadAll("SELECT current_setting('threads') AS t")).getRows()[0][0],
    );
    const version = (await connection.runAndReadAll('SELECT version()')).getRows()[0][0];
    out({ which, ms, cpuMs, rows, threads, version, maxRssMiB: maxRss() });
  } else if (which === 'verify') {
    const { catalog, operationData } = await loadInputs();
    const { readCloudTrail } = await import('../dist/activity/cloudtrail.js');
    const { activityQuery } = await import('../dist/activity/queries.js');
    const { createActionMapper } = await import('../dist/activity/action-mapper.js');
    const { parseActivityCsv } = await import('../dist/activity/activity-csv.js');
    const { plainSummary } = await import('../dist/activity/test-helpers.js');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const read = await readCloudTrail([dir], {
      catalog,
      operationData,
      dataEventServices: new Set(),
    });
    const builtIn = plainSummary(read.accumulator.finish());
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(activityQuery('duckdb', { table: glob }));
    const columns = reader.columnNames();
    const quote = (v) =>
      `"${v === null || v === undefined ? '' : String(v).split('"').join('""')}"`;
    const csv = [
      columns.join(','),
      ...reader.getRowObjectsJS().map((r) => columns.map((c) => quote(r[c])).join(',')),
    ].join('\n');
    const fromSql = plainSummary(
      parseActivityCsv(
        csv,
        'duckdb.csv',
        createActionMapper(operationData, catalog),
      ).accumulator.finish(),
    );
    const differences = [];
    for (const key of ['principals', 'accessKeys', 'observability']) {
      const a = JSON.stringify(builtIn[key]);
      const b = JSON.stringify(fromSql[key]);
      if (a !== b) differences.push({ key, builtIn: a.slice(0, 500), duckdb: b.slice(0, 500) });
    }
    let actions = 0;
    for (const p of Object.values(builtIn.principals))
      for (const s of Object.values(p.services)) actions += Object.keys(s.actions).length;
    out({
      which,
      equal: differences.length === 0,
      differences,
      events: read.stats.events,
      principals: Object.keys(builtIn.principals).length,
      keys: Object.keys(builtIn.accessKeys ?? {}).length,
      actions,
    });
  } else {
    throw new Error(`unknown child ${which}`);
  }
}

async function loadInputs() {
  const t = performance.now();
  const { loadCatalog } = await import('../dist/catalog/load.js');
  const { loadOperationData } = await import('../dist/activity/load-operation-data.js');
  const [catalog, operationData] = await Promise.all([loadCatalog(), loadOperationData()]);
  return { catalog, operationData, loadMs: performance.now() - t };
}

const maxRss = () => process.resourceUsage().maxRSS / 1024;
/** CPU time (user + system, all threads of the process) since `start`, in ms. */
const cpuSince = (start) => {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1000;
};
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

// ---------------------------------------------------------------------------------------------
// the data: realistic CloudTrail records, deterministic

function generate(force) {
  const manifestFile = join(DATA_DIR, 'manifest.json');
  if (!force && existsSync(manifestFile)) {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (m.version === DATA_VERSION && m.files === FILES && m.events === EVENTS) return m;
  }
  const started = performance.now();
  rmSync(DATA_DIR, { recursive: true, force: true });
  const all = join(DATA_DIR, 'all');
  const quarter = join(DATA_DIR, 'quarter');
  mkdirSync(all, { recursive: true });
  mkdirSync(quarter, { recursive: true });
  const rng = mulberry32(SEED);
  const world = makeWorld(rng);
  const perFile = EVENTS / FILES;
  let bytes = 0;
  let rawBytes = 0;
  let quarterBytes = 0;
  let quarterEvents = 0;
  const start = Date.UTC(2026, 0, 1);
  const step = (90 * 86_400_000) / EVENTS; // 90 days of activity
  for (let f = 0; f < FILES; f++) {
    const records = [];
    for (let i = 0; i < perFile; i++) {
      const n = f * perFile + i;
      records.push(makeRecord(rng, world, start + Math.floor(n * step)));
    }
    const json = JSON.stringify({ Records: records });
    const gz = gzipSync(json);
    const stamp = new Date(start + Math.floor(f * perFile * step))
      .toISOString()
      .replace(/[-:]/g, '')
      .slice(0, 13);
    const name = `123456789012_CloudTrail_us-east-1_${stamp}Z_${String(f).padStart(4, '0')}${hex(rng, 12)}.json.gz`;
    writeFileSync(join(all, name), gz);
    bytes += gz.length;
    rawBytes += Buffer.byteLength(json);
    if (f < QUARTER_FILES) {
      linkSync(join(all, name), join(quarter, name));
      quarterBytes += gz.length;
      quarterEvents += perFile;
    }
  }
  const manifest = {
    version: DATA_VERSION,
    files: FILES,
    events: EVENTS,
    seed: SEED,
    bytes,
    rawBytes,
    quarterBytes,
    quarterEvents,
  };
  writeFileSync(manifestFile, JSON.stringify(manifest));
  return { ...manifest, seconds: (performance.now() - started) / 1000 };
}

function hex(rng, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rng() * 16)];
  return s;
}
const HEX_UP = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
function upper(rng, n) {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX_UP[Math.floor(rng() * 36)];
  return s;
}
const pick = (rng, list) => list[Math.floor(rng() * list.length)];
function weighted(rng, list) {
  let r = rng() * list.total;
  for (const item of list.items) {
    r -= item[0];
    if (r < 0) return item;
  }
  return list.items[list.items.length - 1];
}
const weights = (items) => ({ items, total: items.reduce((n, i) => n + i[0], 0) });

const ACCOUNT = '123456789012';
const AGENTS = [
  'aws-sdk-java/2.25.16 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/adaptive',
  'Boto3/1.34.84 md/Botocore#1.34.84 ua/2.0 os/linux#5.10.214-202.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.84',
  'aws-cli/2.15.40 Python/3.11.8 Linux/6.5.0-1018-aws exe/x86_64.ubuntu.22 prompt/off command/s3.cp',
  'aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 api/kms#1.31.1',
  'AWS Internal',
  'console.amazonaws.com',
];

function makeWorld(rng) {
  const paths = ['/', '/service-role/', '/app/orders/', '/app/billing/', '/platform/', '/ci/'];
  const roles = Array.from({ length: 300 }, (_, i) => {
    const path = pick(rng, paths);
    const name = `${pick(rng, ['Orders', 'Billing', 'Ingest', 'Reports', 'Deploy', 'Etl', 'Api', 'Worker'])}${pick(rng, ['Role', 'TaskRole', 'LambdaRole', 'ExecutionRole'])}${i}`;
    return { arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`, name, id: `AROA${upper(rng, 17)}` };
  });
  const users = Array.from({ length: 60 }, (_, i) => {
    const name = `${pick(rng, ['alice', 'bob', 'carol', 'dave', 'erin', 'ci-bot', 'backup'])}${i}`;
    const path = pick(rng, ['/', '/engineering/', '/ops/']);
    return {
      arn: `arn:aws:iam::${ACCOUNT}:user${path}${name}`,
      name,
      id: `AIDA${upper(rng, 17)}`,
      keys: Array.from({ length: 1 + Math.floor(rng() * 2) }, () => `AKIA${upper(rng, 16)}`),
    };
  });
  const buckets = Array.from(
    { length: 40 },
    (_, i) => `acme-${pick(rng, ['data', 'logs', 'artifacts', 'reports'])}-${i}`,
  );
  const tables = Array.from({ length: 25 }, (_, i) => `acme-table-${i}`);
  const functions = Array.from({ length: 30 }, (_, i) => `acme-fn-${i}`);
  return { roles, users, buckets, tables, functions };
}

// [weight, eventSource, eventName, kind] where kind is 'data' or 'mgmt' (and read-only-ness).
const ROLE_CALLS = weights([
  [20, 's3.amazonaws.com', 'GetObject', 'data'],
  [8, 's3.amazonaws.com', 'PutObject', 'data'],
  [3, 's3.amazonaws.com', 'HeadObject', 'data'],
  [2, 's3.amazonaws.com', 'ListObjects', 'data'],
  [10, 'kms.amazonaws.com', 'Decrypt', 'mgmt'],
  [4, 'kms.amazonaws.com', 'GenerateDataKey', 'mgmt'],
  [4, 'sts.amazonaws.com', 'AssumeRole', 'mgmt'],
  [6, 'dynamodb.amazonaws.com', 'GetItem', 'data'],
  [3, 'dynamodb.amazonaws.com', 'PutItem', 'data'],
  [3, 'dynamodb.amazonaws.com', 'Query', 'data'],
  [3, 'lambda.amazonaws.com', 'Invoke', 'data'],
  [1, 'lambda.amazonaws.com', 'ListFunctions20150331', 'mgmt'],
  [1, 'lambda.amazonaws.com', 'GetFunction20150331v2', 'mgmt'],
  [2, 'logs.amazonaws.com', 'CreateLogStream', 'mgmt'],
  [1, 'logs.amazonaws.com', 'DescribeLogGroups', 'mgmt'],
  [3, 'monitoring.amazonaws.com', 'PutMetricData', 'mgmt'],
  [2, 'monitoring.amazonaws.com', 'GetMetricData', 'mgmt'],
  [4, 'ec2.amazonaws.com', 'DescribeInstances', 'mgmt'],
  [1, 'ec2.amazonaws.com', 'DescribeVolumes', 'mgmt'],
  [0.3, 'ec2.amazonaws.com', 'RunInstances', 'mgmt'],
  [3, 'ssm.amazonaws.com', 'GetParameter', 'mgmt'],
  [3, 'secretsmanager.amazonaws.com', 'GetSecretValue', 'mgmt'],
  [2, 'sqs.amazonaws.com', 'ReceiveMessage', 'data'],
  [2, 'sqs.amazonaws.com', 'SendMessage', 'data'],
  [1, 'ecr.amazonaws.com', 'GetAuthorizationToken', 'mgmt'],
  [1, 'ecr.amazonaws.com', 'BatchGetImage', 'mgmt'],
  [1, 'iam.amazonaws.com', 'GetRole', 'mgmt'],
  [0.5, 'streams.dynamodb.amazonaws.com', 'GetRecords', 'data'],
  [0.2, 'cloudshell.amazonaws.com', 'CreateSession', 'mgmt'],
  [0.2, 'ec2.amazonaws.com', 'DescribeImagesInternal', 'mgmt'],
]);
const USER_CALLS = weights([
  [5, 'iam.amazonaws.com', 'ListRoles', 'mgmt'],
  [5, 's3.amazonaws.com', 'ListBuckets', 'mgmt'],
  [5, 'ec2.amazonaws.com', 'DescribeInstances', 'mgmt'],
  [3, 'cloudformation.amazonaws.com', 'DescribeStacks', 'mgmt'],
  [3, 's3.amazonaws.com', 'GetObject', 'data'],
  [2, 'sts.amazonaws.com', 'GetCallerIdentity', 'mgmt'],
  [1, 'iam.amazonaws.com', 'CreateAccessKey', 'mgmt'],
  [1, 'signin.amazonaws.com', 'ConsoleLogin', 'mgmt'],
]);
const IDENTITIES = weights([
  [75, 'role'],
  [10, 'user-key'],
  [3, 'user-console'],
  [8, 'service'],
  [0.5, 'root'],
  [0.5, 'federated'],
  [1.5, 'web'],
  [1.5, 'saml'],
]);

function makeRecord(rng, world, ms) {
  const time = new Date(ms).toISOString().slice(0, 19) + 'Z';
  const who = weighted(rng, IDENTITIES)[1];
  let userIdentity;
  let call;
  if (who === 'role') {
    const role = pick(rng, world.roles);
    const session = pick(rng, [
      'i-0a1b2c3d4e5f60718',
      'botocore-session-1718000000',
      `${role.name}-session`,
      'GitHubActions',
    ]);
    userIdentity = {
      type: 'AssumedRole',
      principalId: `${role.id}:${session}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role.name}/${session}`,
      accountId: ACCOUNT,
      accessKeyId: `ASIA${upper(rng, 16)}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: role.id,
          arn: role.arn,
          accountId: ACCOUNT,
          userName: role.name,
        },
        attributes: {
          creationDate: new Date(ms - 600_000).toISOString().slice(0, 19) + 'Z',
          mfaAuthenticated: 'false',
        },
        ...(rng() < 0.3 ? { ec2RoleDelivery: '2.0' } : {}),
      },
      ...(rng() < 0.1
        ? { invokedBy: pick(rng, ['lambda.amazonaws.com', 'ecs-tasks.amazonaws.com']) }
        : {}),
    };
    call = weighted(rng, ROLE_CALLS);
  } else if (who === 'user-key' || who === 'user-console') {
    const user = pick(rng, world.users);
    userIdentity = {
      type: 'IAMUser',
      principalId: user.id,
      arn: user.arn,
      accountId: ACCOUNT,
      accessKeyId: who === 'user-key' ? pick(rng, user.keys) : `ASIA${upper(rng, 16)}`,
      userName: user.name,
      ...(who === 'user-console'
        ? { sessionContext: { attributes: { creationDate: time, mfaAuthenticated: 'true' } } }
        : {}),
    };
    call = weighted(rng, USER_CALLS);
  } else if (who === 'service') {
    userIdentity = {
      type: 'AWSService',
      invokedBy: pick(rng, [
        'lambda.amazonaws.com',
        'ec2.amazonaws.com',
        'cloudtrail.amazonaws.com',
      ]),
    };
    call = [1, 'sts.amazonaws.com', 'AssumeRole', 'mgmt'];
  } else if (who === 'root') {
    userIdentity = {
      type: 'Root',
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
      accessKeyId: '',
    };
    call = [1, 'signin.amazonaws.com', 'ConsoleLogin', 'mgmt'];
  } else if (who === 'federated') {
    const user = pick(rng, world.users);
    userIdentity = {
      type: 'FederatedUser',
      principalId: `${ACCOUNT}:fed-${user.name}`,
      arn: `arn:aws:sts::${ACCOUNT}:federated-user/fed-${user.name}`,
      accountId: ACCOUNT,
      accessKeyId: `ASIA${upper(rng, 16)}`,
      sessionContext: {
        sessionIssuer: {
          type: 'IAMUser',
          principalId: user.id,
          arn: user.arn,
          accountId: ACCOUNT,
          userName: user.name,
        },
        attributes: { creationDate: time, mfaAuthenticated: 'false' },
      },
    };
    call = weighted(rng, USER_CALLS);
  } else if (who === 'web') {
    userIdentity = {
      type: 'WebIdentityUser',
      principalId: `accounts.google.com:${upper(rng, 10)}`,
      userName: upper(rng, 10),
      identityProvider: 'accounts.google.com',
    };
    call = [1, 'sts.amazonaws.com', 'AssumeRoleWithWebIdentity', 'mgmt'];
  } else {
    userIdentity = {
      type: 'SAMLUser',
      principalId: `${upper(rng, 20)}:user@example.com`,
      userName: 'user@example.com',
      identityProvider: upper(rng, 20),
    };
    call = [1, 'sts.amazonaws.com', 'AssumeRoleWithSAML', 'mgmt'];
  }
  const [, eventSource, eventName, kind] = call;
  const data = kind === 'data';
  const record = {
    eventVersion: data ? '1.10' : '1.09',
    userIdentity,
    eventTime: time,
    eventSource,
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress:
      rng() < 0.2
        ? pick(rng, ['lambda.amazonaws.com', 'AWS Internal'])
        : `10.${Math.floor(rng() * 256)}.${Math.floor(rng() * 256)}.${Math.floor(rng() * 256)}`,
    userAgent: pick(rng, AGENTS),
    requestParameters: requestParameters(rng, world, eventSource, eventName),
    responseElements: data || rng() < 0.7 ? null : { requestId: `${hex(rng, 8)}-${hex(rng, 4)}` },
    requestID: upper(rng, 16),
    eventID: `${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}`,
    readOnly: !/^(Put|Create|Run|Send|Generate)/.test(eventName),
    eventType: eventName === 'ConsoleLogin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
    managementEvent: !data,
    recipientAccountId: ACCOUNT,
    eventCategory: data ? 'Data' : 'Management',
    tlsDetails: {
      tlsVersion: 'TLSv1.3',
      cipherSuite: 'TLS_AES_128_GCM_SHA256',
      clientProvidedHostHeader: `${eventSource.replace('.amazonaws.com', '')}.us-east-1.amazonaws.com`,
    },
  };
  if (data && eventSource === 's3.amazonaws.com') {
    const bucket = record.requestParameters.bucketName;
    record.additionalEventData = {
      SignatureVersion: 'SigV4',
      CipherSuite: 'TLS_AES_128_GCM_SHA256',
      bytesTransferredIn: 0,
      AuthenticationMethod: 'AuthHeader',
      'x-amz-id-2': `${hex(rng, 40)}=`,
      bytesTransferredOut: Math.floor(rng() * 1e6),
    };
    record.resources = [
      {
        type: 'AWS::S3::Object',
        ARN: `arn:aws:s3:::${bucket}/${record.requestParameters.key ?? ''}`,
      },
      { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ];
  }
  if (rng() < 0.03) {
    record.errorCode = pick(rng, [
      'AccessDenied',
      'Client.UnauthorizedOperation',
      'ThrottlingException',
    ]);
    record.errorMessage = `User: ${userIdentity.arn ?? 'unknown'} is not authorized to perform this operation`;
  }
  return record;
}

function requestParameters(rng, world, source, name) {
  switch (source) {
    case 's3.amazonaws.com':
      if (name === 'ListBuckets') return { Host: 's3.us-east-1.amazonaws.com' };
      return {
        bucketName: pick(rng, world.buckets),
        Host: 's3.us-east-1.amazonaws.com',
        ...(name === 'ListObjects'
          ? { prefix: 'in/', 'max-keys': '1000' }
          : { key: `in/${hex(rng, 8)}/${hex(rng, 16)}.parquet` }),
      };
    case 'kms.amazonaws.com':
      return {
        encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        keyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${hex(rng, 8)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 4)}-${hex(rng, 12)}`,
        encryptionContext: { 'aws:s3:arn': `arn:aws:s3:::${pick(rng, world.buckets)}` },
      };
    case 'dynamodb.amazonaws.com':
    case 'streams.dynamodb.amazonaws.com':
      return { tableName: pick(rng, world.tables), key: { pk: { S: hex(rng, 12) } } };
    case 'lambda.amazonaws.com':
      return name.startsWith('List')
        ? { maxItems: 50 }
        : {
            functionName: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${pick(rng, world.functions)}`,
          };
    case 'sts.amazonaws.com':
      return name === 'AssumeRole'
        ? {
            roleArn: pick(rng, world.roles).arn,
            roleSessionName: `s-${hex(rng, 8)}`,
            durationSeconds: 3600,
          }
        : null;
    case 'ec2.amazonaws.com':
      return { instancesSet: { items: [{ instanceId: `i-${hex(rng, 17)}` }] }, filterSet: {} };
    case 'ssm.amazonaws.com':
      return { name: `/acme/${pick(rng, ['prod', 'dev'])}/${hex(rng, 6)}`, withDecryption: true };
    case 'secretsmanager.amazonaws.com':
      return { secretId: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:acme/${hex(rng, 6)}` };
    case 'sqs.amazonaws.com':
      return {
        queueUrl: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/acme-queue-${Math.floor(rng() * 10)}`,
      };
    default:
      return rng() < 0.5 ? null : { maxResults: 100 };
  }
}

// ---------------------------------------------------------------------------------------------
// entry (last: every constant above is initialized)

const child = arg('child');
if (child !== undefined) {
  await runChild(child, arg('dir'), arg('glob'));
} else {
  await main();
}
