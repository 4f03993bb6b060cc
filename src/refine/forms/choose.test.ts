/**
 * The split form and the choice of form: parts within the quota and the attachment quota, their
 * union exact and non-broadening (reference matcher), the order of `auto`, and "nothing fits".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../catalog/catalog.js';
import { parsePolicy } from '../../policy/document.js';
import { parseUnused } from '../../policy/unused.js';
import { policySize } from '../../policy/size.js';
import { referenceAllows, seededRandom } from '../../test-support/reference.js';
import { prove } from '../proof.js';
import { refinePolicy } from '../refine.js';
import { indexUnused } from '../unused-index.js';
import { chooseForm } from './choose.js';
import { mergeParts, splitPolicy } from './split.js';

type Stmt = { Effect: string; Action?: string | string[]; NotAction?: string | string[] };
const listOf = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;
const statementsOf = (doc: Record<string, unknown>): Stmt[] =>
  ([] as Stmt[]).concat(doc.Statement as Stmt | Stmt[]);

/** Whether any Allow statement of the documents allows `action` (Deny statements aside). */
function anyAllows(docs: Record<string, unknown>[], action: string): boolean {
  return docs.some((d) =>
    statementsOf(d).some(
      (s) =>
        s.Effect === 'Allow' &&
        referenceAllows(
          s.Action !== undefined ? 'Action' : 'NotAction',
          listOf(s.Action ?? s.NotAction),
          action,
        ),
    ),
  );
}

const WORDS = ['Get', 'Put', 'List', 'Object', 'Bucket', 'Acl', 'Tag', 'X', 'Describe', 'Ab'];
const arbCatalog = fc
  .uniqueArray(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 }), {
    minLength: 2,
    maxLength: 30,
    selector: (w) => w.join('').toLowerCase(),
  })
  .map((names) =>
    createCatalog(
      { svc: names.map((w) => w.join('')), ab: names.slice(0, 5).map((w) => w.join('')) },
      'r',
    ),
  );

describe('splitPolicy', () => {
  it('gives parts within the quota whose union is exactly the refined policy (proved and re-checked)', () => {
    const arb = arbCatalog.chain((catalog) =>
      fc.record({
        catalog: fc.constant(catalog),
        unused: fc.subarray(catalog.actions.map((a) => a.full)),
        quota: fc.integer({ min: 60, max: 400 }),
        statements: fc.array(
          fc.record({
            Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
            key: fc.constantFrom('Action', 'Action', 'NotAction'),
            entries: fc.subarray(
              [
                '*',
                'svc:*',
                'ab:*',
                'svc:G*',
                'svc:*t',
                'svc:?et*',
                ...catalog.actions.map((a) => a.full),
              ],
              { minLength: 1 },
            ),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        patterns: fc.constantFrom('article' as const, 'compact' as const),
      }),
    );
    fc.assert(
      fc.property(arb, ({ catalog, unused, quota, statements, patterns }) => {
        const doc = {
          Version: '2012-10-17',
          Statement: statements.map((s, i) => ({
            Sid: `S${i}`,
            Effect: s.Effect,
            [s.key]: s.entries,
            Resource: '*',
          })),
        };
        const r = refinePolicy(doc, unused, { catalog, patterns });
        fc.pre(r.recommendedAction === 'CREATE_POLICY');
        const split = splitPolicy(r.policy!, quota, 100);
        if (split === undefined) {
          // Only when some statement that cannot be cut, or one entry of a statement that can, is
          // over the quota alone in a policy of its own.
          const alone = (st: Record<string, unknown>) =>
            policySize({ ...r.policy!, Statement: [st] }) > quota;
          const big = statementsOf(r.policy!).some((s) =>
            s.Effect === 'Deny' || s.NotAction !== undefined || typeof s.Action === 'string'
              ? alone(s)
              : (s.Action as string[]).some((e) => alone({ ...s, Action: [e] })),
          );
          expect(big).toBe(true);
          return;
        }
        for (const p of split.parts) expect(policySize(p)).toBeLessThanOrEqual(quota);
        // Deny statements: each exactly once.
        const denies = split.parts.flatMap((p) =>
          statementsOf(p).filter((s) => s.Effect === 'Deny'),
        );
        expect(denies).toEqual(statementsOf(r.policy!).filter((s) => s.Effect === 'Deny'));
        // The union, by the reference matcher, over the catalog and over strings that are not actions.
        const isUnused = new Set(unused.map((u) => u.toLowerCase()));
        for (const a of [...catalog.actions.map((x) => x.full), 'svc:Zz', 'ab:GetQ', 'new:Get']) {
          const want = anyAllows([doc], a) && !isUnused.has(a.toLowerCase());
          const got = anyAllows(split.parts, a);
          if (catalog.get(a)) expect(got, a).toBe(want);
          else if (got) expect(anyAllows([doc], a), a).toBe(true);
        }
        // And the proof of the merged union passes.
        const merged = mergeParts(split);
        const uindex = indexUnused(parseUnused(unused), catalog);
        const proof = prove(parsePolicy(doc), parsePolicy(merged.policy), uindex, catalog);
        expect(proof.exact).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses when more parts than allowed would be needed', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: Array.from({ length: 40 }, (_, i) => `s:A${i}`) }],
    };
    const one = splitPolicy(doc, 120, 100)!;
    expect(one.parts.length).toBeGreaterThan(3);
    expect(splitPolicy(doc, 120, one.parts.length - 1)).toBeUndefined();
    expect(splitPolicy(doc, 120, one.parts.length)!.parts).toHaveLength(one.parts.length);
  });
});

/** A catalog large enough for IAM's real quotas: 3 services × 400 long names. */
function bigCatalog() {
  const random = seededRandom(7);
  const words = ['Describe', 'Create', 'Delete', 'Modify', 'Get', 'List', 'Update', 'Put'];
  const nouns = [
    'Instance',
    'Volume',
    'Snapshot',
    'Network',
    'Interface',
    'Gateway',
    'Route',
    'Table',
  ];
  const services: Record<string, string[]> = {};
  for (const s of ['alpha', 'beta', 'gamma']) {
    const names = new Set<string>();
    while (names.size < 400) {
      const pick = (l: string[]) => l[Math.floor(random() * l.length)]!;
      names.add(
        `${pick(words)}${pick(nouns)}${pick(nouns)}${pick(nouns)}${Math.floor(random() * 50)}`,
      );
    }
    services[s] = [...names];
  }
  return createCatalog(services, 'big');
}

describe('chooseForm', () => {
  const catalog = bigCatalog();
  const star = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  const random = seededRandom(11);
  const some = (fraction: number) =>
    catalog.actions.filter(() => random() < fraction).map((a) => a.full);

  it('keeps the article form when it fits', () => {
    const c = chooseForm(star, ['alpha:*'], { catalog });
    expect(c).toMatchObject({ form: 'article', fits: true, policyType: 'managed', quota: 6144 });
    expect(c.refinement.policy).toEqual(refinePolicy(star, ['alpha:*'], { catalog }).policy);
    expect(c.reason).toMatch(/article's form fits/);
  });

  it('takes the first exact form that fits, in the order compact, notaction, split', () => {
    const fewUnused = some(0.05);
    const c = chooseForm(star, fewUnused, { catalog });
    expect(c.tried[0]!.size).toBeGreaterThan(6144);
    expect(c.fits).toBe(true);
    expect(c.size).toBeLessThanOrEqual(6144);
    // The chosen form is the first of the tried ones that fits.
    const firstFit = c.tried.find((t) => t.size <= 6144)!;
    expect(c.form).toBe(firstFit.form);
    expect(c.tried.slice(0, c.tried.indexOf(firstFit)).every((t) => t.size > 6144)).toBe(true);
  });

  it('splits over managed policies when no single form fits, within the attachment quota', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['alpha:*', 'beta:*', 'gamma:*'], Resource: '*' }],
    };
    const unused = some(0.5);
    const c = chooseForm(policy, unused, { catalog, placement: { otherManaged: 3 } });
    expect(c.form).toBe('split');
    expect(c.fits).toBe(true);
    expect(c.parts!.length).toBeGreaterThan(1);
    for (const p of c.parts!) expect(p.size).toBeLessThanOrEqual(6144);
    expect(c.attachments).toEqual({ count: 3 + c.parts!.length, quota: 10 });
    // The union of the parts allows exactly the original minus the unused actions.
    const isUnused = new Set(unused.map((u) => u.toLowerCase()));
    for (const a of catalog.actions) {
      expect(
        anyAllows(
          c.parts!.map((p) => p.policy),
          a.full,
        ),
      ).toBe(!isUnused.has(a.key));
    }
    // No room for the parts: nothing fits, and the smallest exact size is reported.
    const none = chooseForm(policy, unused, { catalog, placement: { otherManaged: 9 } });
    expect(none.fits).toBe(false);
    expect(none.size).toBe(Math.min(...none.tried.map((t) => t.size)));
    expect(none.reason).toMatch(/^no exact form fits: .* more than the 1 managed policy/);
    // A role with inline room takes it inline instead.
    const role = chooseForm(policy, unused, { catalog, placement: { roleInlineUsed: 100 } });
    expect(none.size).toBeLessThanOrEqual(10240 - 100);
    expect(role).toMatchObject({ policyType: 'role-inline', fits: true, quota: 10140 });
  });

  it('turns Allow * into NotAction when the compact form is over the quota', () => {
    const r = seededRandom(3);
    const unused = catalog.actions.filter(() => r() < 0.3).map((a) => a.full);
    const c = chooseForm(star, unused, { catalog });
    expect(c.tried.map((t) => t.form)).toEqual(['article', 'compact', 'notaction']);
    expect(c.tried[1]!.size).toBeGreaterThan(6144);
    expect(c).toMatchObject({ form: 'notaction', fits: true });
    const st = statementsOf(c.refinement.policy!)[0]!;
    expect(st.Action).toBeUndefined();
    const isUnused = new Set(unused.map((u) => u.toLowerCase()));
    for (const a of catalog.actions) {
      expect(anyAllows([c.refinement.policy!], a.full)).toBe(!isUnused.has(a.key));
    }
  });

  it('uses only the requested form with --style article or compact', () => {
    const unused = some(0.05);
    expect(chooseForm(star, unused, { catalog, style: 'article' })).toMatchObject({
      form: 'article',
      fits: false,
    });
    expect(chooseForm(star, unused, { catalog, style: 'compact' }).form).toBe('compact');
  });
});
