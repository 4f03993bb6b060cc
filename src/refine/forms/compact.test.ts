/**
 * The compact and NotAction forms: exact and non-broadening on random catalogs and policies
 * (wildcards anywhere, `?`, NotAction, Deny), checked with the reference matcher; and the compact
 * cover compared with a brute-force optimum on small catalogs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog, type ActionCatalog } from '../../catalog/catalog.js';
import { compileGlob, globContains } from '../../glob/glob.js';
import { parseUnused } from '../../policy/unused.js';
import { referenceAllows, referenceMatch } from '../../test-support/reference.js';
import { verifyRefinement } from '../proof.js';
import { refinePolicy } from '../refine.js';
import { indexUnused } from '../unused-index.js';
import { compactEntries, entryCost, subKey } from './compact.js';

const WORDS = ['Get', 'Put', 'List', 'Object', 'Objects', 'Bucket', 'Acl', 'Tag', 'X', 'a', 'Ab'];

const arbCatalog = fc
  .record({
    a: fc.uniqueArray(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 }), {
      minLength: 1,
      maxLength: 14,
      selector: (w) => w.join('').toLowerCase(),
    }),
    b: fc.uniqueArray(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 6,
      selector: (w) => w.join('').toLowerCase(),
    }),
  })
  .map(({ a, b }) =>
    createCatalog({ svc: a.map((w) => w.join('')), sv: b.map((w) => w.join('')) }, 'random'),
  );

/** A pattern derived from a real action name: pieces replaced by `*`/`?`, case scrambled. */
function arbEntry(catalog: ActionCatalog): fc.Arbitrary<string> {
  const names = catalog.actions.map((a) => a.full);
  const derived = fc
    .tuple(
      fc.constantFrom(...names),
      fc.array(fc.tuple(fc.nat(), fc.nat(4), fc.constantFrom('*', '?', '')), { maxLength: 3 }),
      fc.boolean(),
    )
    .map(([name, edits, upper]) => {
      let s = name;
      for (const [at, len, w] of edits) {
        const i = at % (s.length + 1);
        s = s.slice(0, i) + w + s.slice(i + len);
      }
      return upper ? s.toUpperCase() : s;
    })
    .filter((s) => s.length > 0);
  return fc.oneof(
    derived,
    fc.constantFrom('*', '*:*', 'svc:*', 'sv*', '*:Get*', 'svc:*Acl', 'svc:Get?bject*', 'svc:*a*'),
  );
}

const arbCase = arbCatalog.chain((catalog) =>
  fc.record({
    catalog: fc.constant(catalog),
    statements: fc.array(
      fc.record({
        Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'),
        key: fc.constantFrom('Action', 'Action', 'NotAction'),
        entries: fc.array(arbEntry(catalog), { minLength: 1, maxLength: 4 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    unused: fc.subarray(catalog.actions.map((a) => a.full)),
    notAction: fc.boolean(),
  }),
);

/** Random strings a pattern matches: each `*` replaced by 0–3 random characters, `?` by one. */
function samples(pattern: string, random: () => number, n: number): string[] {
  const chars = 'abgtxo:*?Z1-';
  const pick = () => chars[Math.floor(random() * chars.length)]!;
  const out: string[] = [];
  for (let k = 0; k < n; k++) {
    let s = '';
    for (const c of pattern) {
      if (c === '*') {
        const len = Math.floor(random() * 4);
        for (let i = 0; i < len; i++) s += pick();
      } else if (c === '?') s += pick();
      else s += c;
    }
    out.push(s);
  }
  return out;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

type Stmt = Record<string, unknown>;
const listOf = (v: unknown): string[] => ([] as string[]).concat((v ?? []) as string[]);

describe('compact and NotAction forms, on random cases', () => {
  it('allow exactly the original minus the unused actions and never broaden a pattern', () => {
    fc.assert(
      fc.property(arbCase, ({ catalog, statements, unused, notAction }) => {
        const doc = {
          Version: '2012-10-17',
          Statement: statements.map((s) => ({
            Effect: s.Effect,
            [s.key]: s.entries,
            Resource: '*',
          })),
        };
        const isUnused = new Set(unused.map((u) => u.toLowerCase()));
        const r = refinePolicy(doc, unused, { catalog, patterns: 'compact', notAction });
        expect(r.proof.exact).toBe(true);
        const refinedDoc = r.recommendedAction === 'NONE' ? doc : r.policy;
        const refined = refinedDoc === null ? [] : (refinedDoc.Statement as Stmt[]);
        const random = lcg(refined.length + unused.length);
        let k = 0;
        statements.forEach((s, i) => {
          const dropped = r.statements[i]!.outcome === 'dropped' || refinedDoc === null;
          const out = dropped ? undefined : refined[k++]!;
          if (s.Effect === 'Deny') {
            expect(out).toEqual({ Effect: 'Deny', [s.key]: s.entries, Resource: '*' });
            return;
          }
          const key = s.key as 'Action' | 'NotAction';
          const outKey = out?.Action !== undefined ? 'Action' : 'NotAction';
          const outEntries = listOf(out?.Action ?? out?.NotAction);
          for (const a of catalog.actions) {
            const before = referenceAllows(key, s.entries, a.full);
            const after = out ? referenceAllows(outKey, outEntries, a.full) : false;
            expect(after, `${a.full} in statement ${i}`).toBe(before && !isUnused.has(a.key));
          }
          if (!out) return;
          // Non-broadening, on strings that are not catalog actions too.
          if (key === 'Action' && outKey === 'Action') {
            for (const e of outEntries) {
              for (const str of samples(e, random, 20)) {
                expect(referenceAllows('Action', s.entries, str), `${e} gives ${str}`).toBe(true);
              }
            }
          } else if (key === 'Action') {
            // Action became NotAction: only when the original allowed every action.
            expect(
              s.entries.some((e) => referenceMatch(e, 'Zq1:-x') && referenceMatch(e, ':')),
            ).toBe(true);
          } else {
            for (const e of s.entries) {
              for (const str of samples(e, random, 20)) {
                expect(referenceAllows('NotAction', outEntries, str), `${e} gives ${str}`).toBe(
                  false,
                );
              }
            }
          }
        });
      }),
      { numRuns: 400 },
    );
  });
});

/** The smallest cost of covering exactly `kept` with the given candidates (bitmask DP). */
function bruteForceOptimum(kept: string[], candidates: string[], all: string[]): number {
  const keptSet = new Set(kept);
  const masks: { cost: number; mask: number }[] = [];
  for (const c of candidates) {
    const hits = all.filter((a) => referenceMatch(c, a));
    if (hits.length === 0 || hits.some((h) => !keptSet.has(h))) continue;
    let mask = 0;
    for (const h of hits) mask |= 1 << kept.indexOf(h);
    masks.push({ cost: entryCost(c), mask });
  }
  const full = (1 << kept.length) - 1;
  const best = new Array<number>(full + 1).fill(Infinity);
  best[0] = 0;
  for (let m = 0; m <= full; m++) {
    if (best[m] === Infinity) continue;
    for (const c of masks) {
      const n = m | c.mask;
      if (best[m]! + c.cost < best[n]!) best[n] = best[m]! + c.cost;
    }
  }
  return best[full]!;
}

describe('compactEntries against a brute-force optimum', () => {
  const arbSmall = arbCatalog.chain((catalog) =>
    fc.record({
      catalog: fc.constant(catalog),
      unused: fc.subarray(catalog.actions.map((a) => a.full)),
      pattern: fc.constantFrom('*', 'svc:*', 'sv*', 'svc:G*', 'svc:*t'),
    }),
  );

  it('is no larger than the best cover by prefixes and literals, and no smaller than the best cover by any pattern of its families', () => {
    fc.assert(
      fc.property(arbSmall, ({ catalog, unused, pattern }) => {
        const glob = compileGlob(pattern);
        const matched = catalog.match(glob);
        const uindex = indexUnused(parseUnused(unused), catalog);
        const keptActions = matched.filter((a) => uindex.flags[a.index] === 0);
        fc.pre(keptActions.length > 0 && keptActions.length <= 10);
        const all = catalog.actions.map((a) => a.key);
        const kept = keptActions.map((a) => a.key);
        const entries = compactEntries(glob, matched, uindex, catalog);
        // Exact over the catalog.
        const covered = all.filter((a) => entries.some((e) => referenceMatch(e, a)));
        expect(covered.sort()).toEqual([...kept].sort());
        const cost = entries.reduce((n, e) => n + entryCost(e), 0);
        // Every prefix of a kept action (that lies in the original pattern), and every literal.
        const contained = (c: string) => globContains(glob, c);
        const prefixes = new Set<string>();
        for (const k of kept) {
          prefixes.add(k);
          for (let i = 1; i <= k.length; i++) prefixes.add(`${k.slice(0, i)}*`);
        }
        const prefixFamily = [...prefixes].filter(
          (c) => !c.endsWith('*') || glob.lower === '*' || contained(c),
        );
        const prefixOptimum = bruteForceOptimum(kept, prefixFamily, all);
        expect(cost).toBeLessThanOrEqual(prefixOptimum);
        // The families compact draws from (per service: `s:*S`, `s:*X*`) bound it from below.
        const wide = new Set(prefixFamily);
        for (const k of kept) {
          const lit = /^[^*?]*\*$/.test(pattern) ? pattern.slice(0, -1).toLowerCase() : '';
          const colon = Math.max(k.indexOf(':') + 1, lit.length);
          const base = k.slice(0, colon);
          const rest = k.slice(colon);
          for (let i = 0; i < rest.length; i++) {
            wide.add(`${base}*${rest.slice(i)}`);
            for (let j = i + 1; j <= rest.length; j++) wide.add(`${base}*${rest.slice(i, j)}*`);
          }
        }
        const family = [...wide].filter((c) => glob.lower === '*' || contained(c));
        expect(cost).toBeGreaterThanOrEqual(bruteForceOptimum(kept, family, all));
      }),
      { numRuns: 300 },
    );
  });
});

describe('compact form on a hand-made catalog', () => {
  const catalog = createCatalog(
    {
      ec2: [
        'CreateSnapshots',
        'DeleteSnapshots',
        'DescribeSnapshots',
        'DescribeInstances',
        'DescribeVolumes',
        'DescribeVpcs',
        'CreateVolume',
      ],
      s3: ['GetBucketTagging', 'GetObjectTagging', 'GetObject', 'GetBucketAcl', 'PutObject'],
    },
    'hand-made',
  );

  it('finds a leading wildcard where it is smaller (ec2:*Snapshots)', () => {
    const r = refinePolicy(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] },
      ['ec2:DescribeInstances', 'ec2:DescribeVolumes', 'ec2:CreateVolume'],
      { catalog, patterns: 'compact' },
    );
    const action = (r.policy!.Statement as Stmt[])[0]!.Action as string;
    // `ec2:*p*`: every kept action, and only they, has a `p` (Snapshots, Vpcs).
    expect(action).toEqual('ec2:*p*');
    expect(entryCost(action)).toBeLessThan(
      ['ec2:CreateS*', 'ec2:De*ots', 'ec2:DescribeS*', 'ec2:DescribeVp*'].reduce(
        (n, e) => n + entryCost(e),
        0,
      ),
    );
  });

  it('keeps a pattern inside an original with an inner wildcard (s3:Get*Tagging)', () => {
    const r = refinePolicy(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['s3:Get*Tagging', 's3:GetObject'], Resource: '*' }],
      },
      ['s3:GetBucketTagging'],
      { catalog, patterns: 'compact' },
    );
    expect((r.policy!.Statement as Stmt[])[0]!.Action).toEqual([
      's3:GetObjectTagging',
      's3:GetObject',
    ]);
  });

  it('turns an Allow * into NotAction of the unused actions when that is smaller', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'All',
          Effect: 'Allow',
          Action: '*',
          Resource: '*',
          Condition: { Bool: { x: 'true' } },
        },
      ],
    };
    const r = refinePolicy(doc, ['ec2:DescribeVpcs'], {
      catalog,
      patterns: 'compact',
      notAction: true,
    });
    expect(r.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'All',
          Effect: 'Allow',
          NotAction: ['ec2:DescribeVp*'],
          Resource: '*',
          Condition: { Bool: { x: 'true' } },
        },
      ],
    });
    // Without the option the statement stays an Action statement.
    const plain = refinePolicy(doc, ['ec2:DescribeVpcs'], { catalog, patterns: 'compact' });
    expect((plain.policy!.Statement as Stmt[])[0]!.Action).toBeDefined();
  });
});

describe('the proof of the forms', () => {
  const catalog = createCatalog(
    { ec2: ['DescribeVpcs', 'DescribeInstances', 'RunInstances'], s3: ['GetObject', 'PutObject'] },
    'proof',
  );
  const doc = (st: object) => ({ Version: '2012-10-17', Statement: [st] });
  const allow = (key: string, v: unknown) => doc({ Effect: 'Allow', [key]: v, Resource: '*' });

  it('accepts Action * becoming the NotAction of exactly the unused actions', () => {
    const p = verifyRefinement(
      allow('Action', '*'),
      allow('NotAction', ['s3:P*']),
      ['s3:PutObject'],
      {
        catalog,
      },
    );
    expect(p.exact).toBe(true);
  });

  it('rejects a NotAction that misses an unused action, or replaces a narrower Action', () => {
    const unused = ['s3:PutObject', 'ec2:RunInstances'];
    expect(
      verifyRefinement(allow('Action', '*'), allow('NotAction', ['s3:P*']), unused, { catalog })
        .exact,
    ).toBe(false);
    // ec2:* minus RunInstances as NotAction would allow every future action of other services.
    const p = verifyRefinement(
      allow('Action', 'ec2:*'),
      allow('NotAction', ['ec2:R*', 's3:*']),
      unused,
      {
        catalog,
      },
    );
    expect(p.exact).toBe(false);
    expect(p.problems[0]!.widenedPatterns[0]).toMatch(/became NotAction/);
  });

  it('never takes a pattern as contained in literals, even when it matches only them today', () => {
    const p = verifyRefinement(
      allow('Action', ['ec2:DescribeVpcs', 'ec2:DescribeInstances', 'ec2:RunInstances']),
      allow('Action', ['ec2:Describe*']),
      ['ec2:RunInstances'],
      { catalog },
    );
    expect(p.exact).toBe(false);
    expect(p.problems[0]!.widenedPatterns).toEqual(['ec2:Describe*']);
  });

  it('decides containment in `lit*` by the literal start, wildcards inside included', () => {
    const unused = ['ec2:RunInstances'];
    expect(
      verifyRefinement(allow('Action', 'ec2:*'), allow('Action', ['ec2:*sc*']), unused, { catalog })
        .exact,
    ).toBe(true);
    // `ec?:*sc*` can match `ecx:...`: not inside `ec2:*` even though it matches the same actions.
    const p = verifyRefinement(allow('Action', 'ec2:*'), allow('Action', ['ec?:*sc*']), unused, {
      catalog,
    });
    expect(p.problems[0]!.widenedPatterns).toEqual(['ec?:*sc*']);
  });
});

describe('subKey (the re-cover’s substring identity)', () => {
  // Coded characters, uncoded ones (`_`, `:`, `é`, an astral half) and lengths past the coded 8.
  const arbText = fc
    .array(fc.constantFrom('a', 'b', 'A', 'z', '0', '9', '-', '_', ':', 'é', '\ud83d'), {
      maxLength: 14,
    })
    .map((cs) => cs.join(''));
  const arbSlice = arbText.chain((s) =>
    fc
      .tuple(fc.nat(s.length), fc.nat(s.length))
      .map(([x, y]) => ({ s, from: Math.min(x, y), to: Math.max(x, y) })),
  );

  it('two slices have the same key exactly when they are the same text', () => {
    fc.assert(
      fc.property(arbSlice, arbSlice, (p, q) => {
        const same = p.s.slice(p.from, p.to) === q.s.slice(q.from, q.to);
        expect(subKey(p.s, p.from, p.to) === subKey(q.s, q.from, q.to)).toBe(same);
      }),
      { numRuns: 20_000 },
    );
  });

  it('codes short common texts as numbers, others as the text', () => {
    expect(typeof subKey('xGetObject', 1, 9)).toBe('number');
    expect(subKey('xGetObjects', 1, 11)).toBe('GetObjects');
    expect(subKey('a_b', 0, 3)).toBe('a_b');
    expect(subKey('ab', 0, 1)).not.toBe(subKey('ab', 0, 2));
  });
});

describe('compactEntries picks suffix and substring patterns', () => {
  const run = (names: string[], unused: string[]) => {
    const catalog = createCatalog({ svc: names }, 'suffix-infix');
    const glob = compileGlob('svc:*');
    const uindex = indexUnused(parseUnused(unused.map((n) => `svc:${n}`)), catalog);
    return compactEntries(glob, catalog.match(glob), uindex, catalog);
  };

  it('covers kept actions sharing a suffix with one `B*S` pattern', () => {
    const kept = ['GetFooAcl', 'PutBarAcl', 'ListBazAcl', 'DeleteQuxAcl'];
    const unused = ['GetFoo', 'PutBar', 'ListBaz', 'DeleteQux'];
    expect(run([...kept, ...unused], unused)).toEqual(['svc:*l']);
  });

  it('covers kept actions sharing an inner text with one `B*X*` pattern', () => {
    const kept = ['GetQuuxFoo', 'PutQuuxBar', 'ListQuuxBaz', 'DeleteQuuxAll'];
    const unused = ['GetFoo', 'PutBar', 'ListBaz', 'DeleteAll'];
    expect(run([...kept, ...unused], unused)).toEqual(['svc:*Q*']);
  });
});
