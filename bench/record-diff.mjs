// Recording, differential on real scans (issue 14): the same four scans of an organisation from
// `bench/scan.mjs --org --dir` (as it was earlier, as it is, earlier again, as it is again: new,
// updated, unchanged, resolved, reopened and rule-archived findings) recorded with a fixed clock
// by a baseline build and by this build; every row of every table compared (a digest per table).
//
//   npm run build && cp -r dist /tmp/base-dist     # on the baseline commit, before the change
//   (for d in node_modules generated data package.json; do ln -s $PWD/$d /tmp/$d; done)
//   node bench/record-diff.mjs --org=/tmp/org/org20x250 --baseline=/tmp/base-dist
//
// Prints each build's scan stats and table digests, then EQUAL (exit 0) or DIFFERENT (exit 1).
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const orgDir = arg('org');
const baseline = arg('baseline');
if (orgDir === undefined || baseline === undefined) {
  console.error('usage: node bench/record-diff.mjs --org=DIR --baseline=DIST_DIR');
  process.exit(2);
}
const load = (dist, p) => import(pathToFileURL(join(dist, p)).href);

const { runScanCore } = await load(join(ROOT, 'dist'), 'scan/run.js');
const accounts = readdirSync(orgDir).filter((d) => /^a\d+$/.test(d));
const scan = (earlier) =>
  runScanCore({
    authorizationDetails: accounts.map((a) =>
      join(
        orgDir,
        a,
        earlier ? 'authorization-details-earlier.json' : 'authorization-details.json',
      ),
    ),
    credentialReport: accounts.map((a) => join(orgDir, a, 'credential-report.csv')),
    activity: [
      join(orgDir, earlier ? 'activity-earlier.csv' : 'activity.csv'),
      join(orgDir, 'coverage.csv'),
    ],
    now: '2026-09-01T00:00:00Z',
  });
const outcomes = [await scan(true), await scan(false)];

const digests = {};
for (const [label, dist] of [
  ['baseline', baseline],
  ['this build', join(ROOT, 'dist')],
]) {
  const { openStore } = await load(dist, 'store/sqlite.js');
  const file = join(os.tmpdir(), `iam-refine-record-diff-${process.pid}.db`);
  const remove = () => {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  };
  remove();
  let now = Date.UTC(2026, 8, 1);
  const store = openStore(file, { clock: () => new Date(now) });
  store.createRule('retired', { resource: { contains: ['-retired'] } });
  const stats = [];
  for (const o of [outcomes[0], outcomes[1], outcomes[0], outcomes[1]]) {
    now += 86_400_000;
    const tags = new Map([...o.inventory.principals.values()].map((p) => [p.arn, p.tags]));
    const r = store.recordScan(o.result, {
      accounts: o.inputs.authorizationDetails.accounts,
      tags,
    });
    const s = r.stats;
    stats.push(
      `${s.created} new, ${s.updated} updated, ${s.unchanged} unchanged, ${s.resolved} resolved, ${s.reopened} reopened, ${s.archivedByRules} archived`,
    );
  }
  store.close();
  const db = new Database(file, { readonly: true });
  const out = {};
  const tables = db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all();
  for (const t of tables) {
    const rows = db
      .prepare(`SELECT * FROM "${t}"`)
      .raw()
      .all()
      .map((r) => JSON.stringify(r))
      .sort();
    out[t] =
      `${rows.length} rows, ${createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16)}`;
  }
  db.close();
  remove();
  digests[label] = out;
  console.log(`${label}:\n  ${stats.join('\n  ')}\n  ${JSON.stringify(out)}`);
}
const equal = JSON.stringify(digests.baseline) === JSON.stringify(digests['this build']);
console.log(equal ? 'EQUAL' : 'DIFFERENT');
process.exitCode = equal ? 0 : 1;
