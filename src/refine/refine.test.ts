import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog, type ActionCatalog } from '../catalog/catalog.js';
import { ProofFailedError } from '../errors.js';
import { parseUnused } from '../policy/unused.js';
import { referenceAllows } from '../test-support/reference.js';
import { verifyRefinement } from './proof.js';
import { distinctAscending, refinePolicy } from './refine.js';
import type { TrieNode } from './types.js';
import { indexUnused } from './unused-index.js';

const tiny = createCatalog(
  {
    s3: [
      ['GetObject', { accessLevel: 'Read' }],
      ['GetObjectAcl', { accessLevel: 'Read' }],
      ['GetObjectTagging', { accessLevel: 'Read' }],
      ['GetBucketAcl', { accessLevel: 'Read' }],
      ['GetBucketPolicy', { accessLevel: 'Read' }],
      ['GetBucketPolicyStatus', { accessLevel: 'Read' }],
      ['GetJobTagging', { accessLevel: 'Read' }],
      ['PutObject', { accessLevel: 'Write' }],
      ['PutObjectAcl', { accessLevel: 'Permissions management' }],
      ['ListBucket', { accessLevel: 'List' }],
      ['TagResource', { accessLevel: 'Tagging' }],
    ],
    ec2: ['DescribeInstances', 'DescribeVpcs', 'RunInstances', 'TerminateInstances'],
    iam: ['PassRole', 'GetRole'],
  },
  'test-catalog',
);

function policy(...statements: object[]) {
  return { Version: '2012-10-17', Statement: statements };
}

describe('refinePolicy on a tiny catalog', () => {
  it('removes unused literals and keeps used ones verbatim', () => {
    const r = refinePolicy(
      policy({ Effect: 'Allow', Action: ['s3:getobject', 'S3:PutObject'], Resource: '*' }),
      ['s3:PutObject'],
      { catalog: tiny },
    );
    expect(r.recommendedAction).toBe('CREATE_POLICY');
    expect(r.policy).toEqual(policy({ Effect: 'Allow', Action: ['s3:getobject'], Resource: '*' }));
    expect(r.statements[0]!.removedByAccessLevel).toEqual({ Write: ['s3:PutObject'] });
  });

  it('replaces a wildcard by the shortest safe prefixes, in place', () => {
    const r = refinePolicy(
      policy({ Effect: 'Allow', Action: ['s3:ListBucket', 's3:Get*', 'ec2:*'], Resource: '*' }),
      [{ serviceNamespace: 's3', actions: ['GetBucketPolicy'] }],
      { catalog: tiny },
    );
    expect(r.policy).toEqual(
      policy({
        Effect: 'Allow',
        Action: [
          's3:ListBucket',
          's3:GetBucketAcl',
          's3:GetBucketPolicyStatus',
          's3:GetJobTagging',
          's3:GetObject*',
          'ec2:*',
        ],
        Resource: '*',
      }),
    );
    const change = r.statements[0]!.entries[0]!;
    expect(change).toMatchObject({ entry: 's3:Get*', kind: 'replaced' });
    expect(r.statements[0]!.added.every((a) => a.replaces === 's3:Get*')).toBe(true);
  });

  it('keeps the string shape when one entry remains and turns it into a list when several do', () => {
    const one = refinePolicy(
      policy({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }),
      ['iam:PassRole'],
      { catalog: tiny },
    );
    expect(one.policy).toEqual(policy({ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*' }));
    const many = refinePolicy(
      policy({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }),
      ['ec2:RunInstances'],
      { catalog: tiny },
    );
    expect(many.policy).toEqual(
      policy({
        Effect: 'Allow',
        Action: ['ec2:Describe*', 'ec2:TerminateInstances'],
        Resource: '*',
      }),
    );
  });

  it('never emits a prefix wider than the original pattern (wildcard in the middle)', () => {
    const r = refinePolicy(
      policy({ Effect: 'Allow', Action: 's3:Get*Acl', Resource: '*' }),
      ['s3:GetBucketAcl'],
      { catalog: tiny },
    );
    // s3:GetObject* would also grant s3:GetObjectTagging, which s3:Get*Acl never did.
    expect(r.policy).toEqual(policy({ Effect: 'Allow', Action: 's3:GetObjectAcl', Resource: '*' }));
  });

  it('carries Deny statements, Sid, Resource, Condition and key order over unchanged', () => {
    const deny = { Sid: 'NoDelete', Effect: 'Deny', Action: 's3:*', Resource: '*' };
    const allow = {
      Condition: { Bool: { 'aws:SecureTransport': 'true' } },
      Sid: 'Read',
      Action: ['s3:Get*'],
      NotResource: ['arn:aws:s3:::secret/*'],
      Effect: 'Allow',
    };
    const r = refinePolicy(policy(deny, allow), ['s3:GetObjectTagging'], { catalog: tiny });
    const out = r.policy as { Statement: Record<string, unknown>[] };
    expect(out.Statement[0]).toEqual(deny);
    expect(Object.keys(out.Statement[1]!)).toEqual([
      'Condition',
      'Sid',
      'Action',
      'NotResource',
      'Effect',
    ]);
    expect(out.Statement[1]!.Condition).toEqual(allow.Condition);
    expect(out.Statement[1]!.NotResource).toEqual(allow.NotResource);
  });

  it('adds unused actions to NotAction, as prefixes where the whole prefix is unused', () => {
    const r = refinePolicy(
      policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }),
      [{ serviceNamespace: 'ec2' }, { serviceNamespace: 's3', actions: ['PutObject'] }],
      { catalog: tiny },
    );
    expect(r.policy).toEqual(
      policy({ Effect: 'Allow', NotAction: ['iam:*', 'ec2:*', 's3:PutObject'], Resource: '*' }),
    );
  });

  it('drops statements left empty and detaches a policy left with nothing', () => {
    const r = refinePolicy(
      policy(
        { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
        { Effect: 'Allow', Action: ['iam:PassRole'], Resource: '*' },
      ),
      ['ec2:*', 'iam:PassRole'],
      { catalog: tiny },
    );
    expect(r.recommendedAction).toBe('DETACH_POLICY');
    expect(r.policy).toBeNull();
    expect(r.statements.map((s) => s.outcome)).toEqual(['dropped', 'dropped']);
  });

  it('keeps a Deny-only remainder instead of detaching (detaching would drop the Deny)', () => {
    const deny = { Effect: 'Deny', Action: 'iam:*', Resource: '*' };
    const r = refinePolicy(
      policy({ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' }, deny),
      ['ec2:RunInstances'],
      { catalog: tiny },
    );
    expect(r.recommendedAction).toBe('CREATE_POLICY');
    expect(r.policy).toEqual(policy(deny));
  });

  it('says NONE when nothing the policy allows is unused', () => {
    const r = refinePolicy(
      policy({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }),
      ['ec2:RunInstances'],
      { catalog: tiny },
    );
    expect(r.recommendedAction).toBe('NONE');
    expect(r.policy).toBeNull();
  });

  it('keeps unknown actions and services and warns about them', () => {
    const r = refinePolicy(
      policy({
        Effect: 'Allow',
        Action: ['s3:GetNothing', 'foo:Bar', 's3:PutObject'],
        Resource: '*',
      }),
      ['s3:PutObject'],
      { catalog: tiny },
    );
    expect(r.policy).toEqual(
      policy({ Effect: 'Allow', Action: ['s3:GetNothing', 'foo:Bar'], Resource: '*' }),
    );
    expect(r.warnings.map((w) => [w.code, w.path])).toEqual([
      ['unknown_action', '$.Statement[0].Action[0]'],
      ['unknown_service', '$.Statement[0].Action[1]'],
    ]);
  });

  it('removes a wildcard limited to a service that is wholly unused, even one the catalog lacks', () => {
    const r = refinePolicy(
      policy({ Effect: 'Allow', Action: ['foo:Get*', 's3:GetObject'], Resource: '*' }),
      ['foo:*'],
      { catalog: tiny },
    );
    expect(r.policy).toEqual(policy({ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }));
  });

  it('does not add an entry twice', () => {
    const r = refinePolicy(
      policy({ Effect: 'Allow', Action: ['s3:Get*', 's3:GetJobTagging'], Resource: '*' }),
      ['s3:GetObject'],
      { catalog: tiny },
    );
    const actions = (r.policy as { Statement: { Action: string[] }[] }).Statement[0]!.Action;
    expect(actions.filter((a) => a.toLowerCase() === 's3:getjobtagging')).toHaveLength(1);
  });

  it('proves what it returns: the same proof rejects a wrong refinement', () => {
    const original = policy({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' });
    const unused = ['s3:GetBucketPolicy'];
    const r = refinePolicy(original, unused, { catalog: tiny });
    expect(verifyRefinement(original, r.policy, unused, { catalog: tiny }).exact).toBe(true);
    // Keeping the wildcard grants the unused action; narrowing too far loses a used one.
    const kept = verifyRefinement(original, original, unused, { catalog: tiny });
    expect(kept.exact).toBe(false);
    expect(kept.problems[0]!.grantsUnused).toEqual(['s3:GetBucketPolicy']);
    const narrow = policy({ Effect: 'Allow', Action: 's3:GetObject*', Resource: '*' });
    const lost = verifyRefinement(original, narrow, unused, { catalog: tiny });
    expect(lost.problems[0]!.lostUsed).toEqual([
      's3:GetBucketAcl',
      's3:GetBucketPolicyStatus',
      's3:GetJobTagging',
    ]);
    // A different but equivalent hand-written refinement is exact...
    const handWritten = [
      's3:GetObject*',
      's3:GetBucketAcl',
      's3:GetBucketPolicyStatus',
      's3:GetJob*',
    ];
    const equivalent = policy({ Effect: 'Allow', Action: handWritten, Resource: '*' });
    expect(verifyRefinement(original, equivalent, unused, { catalog: tiny }).exact).toBe(true);
    // ...but a pattern that could match a future action the original never allowed is caught,
    // although no catalog action shows it.
    const future = policy({ Effect: 'Allow', Action: [...handWritten, 's3:Gx*'], Resource: '*' });
    const widened = verifyRefinement(original, future, unused, { catalog: tiny });
    expect(widened.exact).toBe(false);
    expect(widened.problems[0]).toMatchObject({
      grantsNew: [],
      grantsUnused: [],
      lostUsed: [],
      widenedPatterns: ['s3:Gx*'],
    });
  });

  it('withholds nothing silently: ProofFailedError is a typed internal error', () => {
    const e = new ProofFailedError('x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ProofFailedError');
  });
});

// ---------------------------------------------------------------------------------------------
// Property-based: random catalogs, policies and unused sets.

const WORDS = [
  'Get',
  'Put',
  'List',
  'Object',
  'Objects',
  'Bucket',
  'Acl',
  'Policy',
  'Status',
  'Tag',
  'X',
];

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
    fc.constantFrom('*', 'svc:*', 'sv*', '*:Get*', 'svc:*Acl', 'svc:Get?bject*', 'nope:Thing'),
  );
}

const arbCase = arbCatalog.chain((catalog) =>
  fc.record({
    catalog: fc.constant(catalog),
    statements: fc.array(
      fc.record({
        Effect: fc.constantFrom('Allow', 'Allow', 'Allow', 'Deny'),
        key: fc.constantFrom('Action', 'Action', 'NotAction'),
        entries: fc.array(arbEntry(catalog), { minLength: 1, maxLength: 5 }),
        asString: fc.boolean(),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    unused: fc.subarray(catalog.actions.map((a) => a.full)),
    wholeService: fc.constantFrom(null, 'svc', 'sv'),
  }),
);

function collectEmitted(
  node: TrieNode,
  parentSafe: boolean | null,
  out: [TrieNode, boolean | null][],
) {
  if (node.emitted !== undefined) out.push([node, parentSafe]);
  for (const c of node.children) collectEmitted(c, node.safe, out);
}

describe('refinePolicy properties', () => {
  it('allows exactly the original minus the unused actions, per statement, on random cases', () => {
    fc.assert(
      fc.property(arbCase, ({ catalog, statements, unused, wholeService }) => {
        const doc = policy(
          ...statements.map((s) => ({
            Effect: s.Effect,
            [s.key]: s.asString && s.entries.length === 1 ? s.entries[0] : s.entries,
            Resource: '*',
          })),
        );
        const unusedList = wholeService ? [...unused, `${wholeService}:*`] : unused;
        const isUnused = (full: string) =>
          unusedList.some((u) => u.toLowerCase() === full.toLowerCase()) ||
          (wholeService !== null && full.startsWith(`${wholeService}:`));
        const r = refinePolicy(doc, unusedList, { catalog });
        expect(r.proof.exact).toBe(true);
        const refinedDoc = r.recommendedAction === 'NONE' ? doc : r.policy;
        const refined =
          refinedDoc === null
            ? []
            : ((refinedDoc as { Statement: Record<string, unknown>[] }).Statement ?? []);
        // Independent check with the reference matcher, statement by statement.
        let k = 0;
        statements.forEach((s, i) => {
          const change = r.statements[i]!;
          const out =
            change.outcome === 'dropped' || refinedDoc === null ? undefined : refined[k++];
          if (s.Effect === 'Deny') return;
          for (const a of catalog.actions) {
            const before = referenceAllows(s.key as 'Action', s.entries, a.full);
            const after = out
              ? referenceAllows(
                  (out.Action ? 'Action' : 'NotAction') as 'Action',
                  ([] as string[]).concat((out.Action ?? out.NotAction) as string[]),
                  a.full,
                )
              : false;
            expect(after, `${a.full} in statement ${i}`).toBe(before && !isUnused(a.full));
          }
          // The article's shape: every emitted wildcard is a safe node whose parent is unsafe,
          // and a safe node with a single catalog action under it is emitted as that action.
          for (const e of change.entries) {
            if (!e.trie) continue;
            const emitted: [TrieNode, boolean | null][] = [];
            collectEmitted(e.trie, null, emitted);
            for (const [node, parentSafe] of emitted) {
              if (node.emitted!.endsWith('*')) {
                expect(node.safe).toBe(true);
                expect(parentSafe).toBe(false);
                expect(catalog.match(node.emitted!).length).toBeGreaterThan(1);
              } else {
                expect(catalog.get(node.emitted!)).toBeDefined();
              }
            }
          }
        });
      }),
      { numRuns: 400 },
    );
  });
});

describe('refinePolicy: what it says it removed', () => {
  it('lists per statement exactly the unused actions it allowed, by level, sorted; `removed` is their union', () => {
    fc.assert(
      fc.property(arbCase, ({ catalog, statements, unused, wholeService }) => {
        const doc = policy(
          ...statements.map((s) => ({ Effect: s.Effect, [s.key]: s.entries, Resource: '*' })),
        );
        const unusedList = wholeService ? [...unused, `${wholeService}:*`] : unused;
        const isUnused = (full: string) =>
          unusedList.some((u) => u.toLowerCase() === full.toLowerCase()) ||
          (wholeService !== null && full.toLowerCase().startsWith(`${wholeService}:`));
        const r = refinePolicy(doc, unusedList, { catalog });
        const union = new Set<string>();
        statements.forEach((s, i) => {
          const expected = new Map<string, Set<string>>();
          const add = (level: string, name: string) => {
            if (!expected.has(level)) expected.set(level, new Set());
            expected.get(level)!.add(name);
          };
          if (s.Effect === 'Allow' && r.statements[i]!.outcome !== 'unchanged') {
            for (const a of catalog.actions) {
              if (referenceAllows(s.key as 'Action', s.entries, a.full) && isUnused(a.full)) {
                add(a.accessLevel ?? 'Unknown', a.full);
              }
            }
            // A literal entry the catalog does not know is removed as written when unused.
            for (const e of s.key === 'Action' ? s.entries : []) {
              if (!/[*?]/.test(e) && catalog.get(e) === undefined && isUnused(e)) add('Unknown', e);
            }
          }
          const want = Object.fromEntries(
            [...expected].map(([level, names]) => [level, [...names].sort()]),
          );
          expect(r.statements[i]!.removedByAccessLevel).toEqual(want);
          for (const names of expected.values()) for (const n of names) union.add(n);
        });
        const actions = r.removed.actions.map((a) => a.index);
        expect(actions).toEqual([...new Set(actions)].sort((x, y) => x - y));
        expect([...r.removed.actions.map((a) => a.full), ...r.removed.other].sort()).toEqual(
          [...union].sort(),
        );
        // The same refinement from an unused set already resolved against the catalog.
        const fromIndex = refinePolicy(doc, indexUnused(parseUnused(unusedList), catalog), {
          catalog,
        });
        expect(fromIndex).toEqual(r);
      }),
      { numRuns: 300 },
    );
  });
});

describe('refinePolicy with statementDetail: false', () => {
  it('is the full refinement with only the explanations left empty, in every pattern style', () => {
    fc.assert(
      fc.property(
        arbCase,
        fc.constantFrom('article' as const, 'compact' as const),
        fc.boolean(),
        ({ catalog, statements, unused, wholeService }, patterns, notAction) => {
          const doc = policy(
            ...statements.map((s) => ({ Effect: s.Effect, [s.key]: s.entries, Resource: '*' })),
          );
          const unusedList = wholeService ? [...unused, `${wholeService}:*`] : unused;
          const full = refinePolicy(doc, unusedList, { catalog, patterns, notAction });
          const lean = refinePolicy(doc, unusedList, {
            catalog,
            patterns,
            notAction,
            statementDetail: false,
          });
          // What the lean refinement leaves out, cleared from the full one: nothing else differs.
          const cleared = {
            ...full,
            statements: full.statements.map((st) => ({
              ...st,
              entries: st.entries.map((e) => ({ ...e, unusedActions: [] })),
              removedByAccessLevel: {},
            })),
          };
          expect(lean).toEqual(cleared);
          expect(JSON.stringify(lean)).toBe(JSON.stringify(cleared));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('distinctAscending', () => {
  it('gives the distinct indices ascending, by sorting or by the bitmap, and leaves the bitmap clear', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        (size, raw) => {
          const list = Int32Array.from(raw, (x) => x % size);
          const want = [...new Set(list)].sort((a, b) => a - b);
          expect([...distinctAscending(list, size)]).toEqual(want);
          // Again, on a copy: a mark left behind would drop an index the second time.
          expect([...distinctAscending(list.slice(), size)]).toEqual(want);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
