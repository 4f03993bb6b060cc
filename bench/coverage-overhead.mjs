// The cost of counting coverage per record (noteRecord in dist/activity/cloudtrail-file.js): reads
// every log file of a folder in this thread with dist/ and with a copy of dist/ whose
// cloudtrail-file.js has the noteRecord call removed, interleaved, and prints the median CPU time.
//
//   npm run build && node bin/iam-refine.js demo --dir /tmp/demo --force
//   rm -rf /tmp/dist-base && cp -r dist /tmp/dist-base \
//     && sed -i -z 's/noteRecord(result.coverage,[^;]*);/;/' /tmp/dist-base/activity/cloudtrail-file.js
//   node bench/coverage-overhead.mjs /tmp/demo/AWSLogs /tmp/dist-base
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
const cand = await import(new URL('../dist/activity/cloudtrail-file.js', import.meta.url).href);
const candRaw = await import(new URL('../dist/activity/raw-activity.js', import.meta.url).href);
const base = await import(join(process.argv[3], 'activity/cloudtrail-file.js'));
const baseRaw = await import(join(process.argv[3], 'activity/raw-activity.js'));
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.json.gz')) files.push(p);
  }
};
walk(process.argv[2]);
const run = (m, R) => {
  const raw = new R.RawActivity();
  let ev = 0;
  const c = process.cpuUsage();
  for (const f of files) ev += m.readCloudTrailFile(f, raw).events;
  const u = process.cpuUsage(c);
  return [(u.user + u.system) / 1000, ev];
};
const times = { base: [], cand: [] };
for (let i = 0; i < 15; i++) {
  if (i % 2) {
    times.base.push(run(base, baseRaw)[0]);
    times.cand.push(run(cand, candRaw)[0]);
  } else {
    times.cand.push(run(cand, candRaw)[0]);
    times.base.push(run(base, baseRaw)[0]);
  }
}
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
const ev = run(cand, candRaw)[1];
console.log(
  `${files.length} files, ${ev} events; median CPU time of 15 interleaved: baseline ${med(times.base).toFixed(0)} ms, with coverage ${med(times.cand).toFixed(0)} ms (${((med(times.cand) / med(times.base) - 1) * 100).toFixed(1)}%)`,
);
