// Timing helpers for bench/run.mjs: interleaved subject/baseline sampling, medians, a seeded PRNG.
// Plain ESM, no dependencies. Figures are milliseconds (numbers) measured with
// process.hrtime.bigint(). On a noisy machine only medians and same-process ratios mean anything.

/** Milliseconds since an arbitrary origin, from the monotonic high-resolution clock. */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs a full GC when node was started with --expose-gc; otherwise does nothing. */
export function gc() {
  globalThis.gc?.();
}

/** Summary statistics of a list of samples (ms). */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { n: 0, median: NaN, p90: NaN, min: NaN, max: NaN, mean: NaN };
  const q = (p) => {
    // linear interpolation between closest ranks
    const pos = (n - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  };
  return {
    n,
    median: q(0.5),
    p90: q(0.9),
    min: s[0],
    max: s[n - 1],
    mean: s.reduce((a, b) => a + b, 0) / n,
  };
}

async function timeOnce(fn, gcBefore) {
  if (gcBefore) gc();
  const t0 = process.hrtime.bigint();
  const r = fn();
  if (r && typeof r.then === 'function') await r;
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Measures `subject` and `baseline` in the same process, interleaved: after `warmup` untimed calls
 * of each, run i times subject then baseline when i is even, baseline then subject when odd, so
 * that drift (other load, thermal, GC debt) hits both alike. Stops after `runs` pairs, or earlier
 * once `budgetMs` of measured time is spent and at least `minRuns` pairs are done.
 * Warm-up goes on until `warmup` pairs are done and `warmupMs` has passed (the JIT needs ~10-20
 * calls to tier up a function). A run also stops once `hardBudgetMs` is spent, even before
 * `minRuns`. Functions may be sync or async. A full GC runs before the warm-up (a phase boundary)
 * and after the last sample; with `gcEach` also (untimed) before every sample. Off by default: right after a forced
 * GC, V8 runs allocation-heavy code about 2x slower (measured on case 3), so per-sample GCs
 * measure a state no caller is in.
 *
 * @returns {{subject: number[], baseline: number[]}} samples in ms
 */
export async function measurePair({
  subject,
  baseline,
  warmup = 2,
  warmupMs = 0,
  runs = 15,
  minRuns = 3,
  budgetMs = Infinity,
  hardBudgetMs = Infinity,
  gcEach = false,
  onSample,
}) {
  const w0 = nowMs();
  gc();
  for (let i = 0; i < warmup || nowMs() - w0 < warmupMs; i++) {
    await timeOnce(subject, false);
    await timeOnce(baseline, false);
  }
  const out = { subject: [], baseline: [] };
  let spent = 0;
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['subject', 'baseline'] : ['baseline', 'subject'];
    for (const which of order) {
      const fn = which === 'subject' ? subject : baseline;
      const ms = await timeOnce(fn, gcEach);
      out[which].push(ms);
      spent += ms;
      onSample?.(which, ms, i);
    }
    if ((i + 1 >= minRuns && spent >= budgetMs) || spent >= hardBudgetMs) break;
  }
  gc();
  return out;
}

/** Single-function variant of {@link measurePair}. */
export async function measure({
  fn,
  warmup = 2,
  warmupMs = 0,
  runs = 15,
  minRuns = 3,
  budgetMs = Infinity,
  gcEach = false,
}) {
  gc();
  const w0 = nowMs();
  for (let i = 0; i < warmup || nowMs() - w0 < warmupMs; i++) await timeOnce(fn, false);
  const samples = [];
  let spent = 0;
  for (let i = 0; i < runs; i++) {
    const ms = await timeOnce(fn, gcEach);
    samples.push(ms);
    spent += ms;
    if (i + 1 >= minRuns && spent >= budgetMs) break;
  }
  gc();
  return samples;
}

/** mulberry32: a tiny deterministic 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A deterministic sample of `round(fraction * items.length)` items (partial Fisher-Yates on a
 * copy), returned in their original order.
 */
export function sampleFraction(items, fraction, rng) {
  const k = Math.round(fraction * items.length);
  const idx = items.map((_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => items[i]);
}

/** Formats ms for the table: 3 significant-ish digits. */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Renders rows (arrays of strings) as a plain-text table with a header rule. */
export function table(header, rows) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (r) =>
    r
      .map((v, c) => String(v).padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
