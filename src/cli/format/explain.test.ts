import { describe, expect, it } from 'vitest';
import { createCatalog, type ActionFacts } from '../../catalog/catalog.js';
import { parseUnused } from '../../policy/unused.js';
import { refinePolicy } from '../../refine/refine.js';
import type { TrieNode } from '../../refine/types.js';
import { drawTrie, formatExplain, wrapList } from './explain.js';
import { sizeReport } from '../../policy/size.js';

const R: ActionFacts = { accessLevel: 'Read' };
const W: ActionFacts = { accessLevel: 'Write' };
const catalog = createCatalog(
  {
    s3: [
      ['GetObject', R],
      ['GetObjectAcl', R],
      ['GetObjectTagging', R],
      ['GetBucketAcl', R],
      ['GetBucketPolicy', R],
      ['GetBucketPolicyStatus', R],
      ['GetJobTagging', R],
      ['PutObject', W],
      ['PutBucketTagging', { accessLevel: 'Tagging' }],
      ['ListBucket', { accessLevel: 'List' }],
      'DescribeThing',
    ],
    iam: [
      ['PassRole', W],
      ['GetRole', R],
    ],
  },
  'test-catalog@3',
);

const policy = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'S3',
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:PutObject', 's3:DescribeThing', 's3:ListBucket', 's3:NoSuchAction'],
      Resource: '*',
    },
    { Effect: 'Deny', Action: 's3:PutBucketTagging', Resource: '*' },
    { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' },
    { Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' },
  ],
};

const unused = parseUnused([
  's3:GetBucketAcl',
  's3:GetBucketPolicy',
  's3:GetBucketPolicyStatus',
  's3:PutObject',
  's3:DescribeThing',
  's3:PutBucketTagging',
  'iam:PassRole',
]);

describe('formatExplain', () => {
  const r = refinePolicy(policy, unused, { catalog, source: 'p.json' });
  const text = formatExplain(r, { source: 'p.json', size: sizeReport(r.policy, 'managed') });
  const lines = text.split('\n');

  it('starts with the source, the catalog version and the recommended action', () => {
    expect(lines.slice(0, 3)).toEqual([
      'policy:  p.json',
      'catalog: test-catalog@3',
      'recommended action: CREATE_POLICY (3 of 4 statements changed)',
    ]);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('groups the removed actions by access level, with counts', () => {
    const start = lines.indexOf('statement #0 (Sid "S3"): Allow Action, changed');
    expect(start).toBeGreaterThan(0);
    expect(lines.slice(start + 1, start + 5)).toEqual([
      '  removed 5 unused actions:',
      '    Read (3): s3:GetBucketAcl, s3:GetBucketPolicy, s3:GetBucketPolicyStatus',
      '    Write (1): s3:PutObject',
      '    Unknown (1): s3:DescribeThing',
    ]);
    expect(lines).toContain('  entries removed (2): s3:PutObject, s3:DescribeThing');
  });

  it('draws each replaced wildcard as a trie of safe and unsafe nodes', () => {
    expect(lines).toContain('  s3:Get* → 2 entries: s3:GetJobTagging, s3:GetObject*');
    const at = lines.findIndex((l) => l.startsWith('    trie (safe:'));
    expect(lines.slice(at + 1, at + 5)).toEqual([
      '      s3:Get  unsafe (7 actions, 3 unused)',
      '        Bucket  unsafe, all unused (3 actions)',
      '        Job  safe → s3:GetJobTagging',
      '        Object  safe → s3:GetObject* (3 actions)',
    ]);
  });

  it('says what happened to unchanged, dropped and NotAction statements', () => {
    expect(lines).toContain('statement #1: Deny Action, unchanged');
    expect(lines).toContain('  kept as is: Deny statements are never changed');
    expect(lines).toContain('statement #2: Allow Action, dropped');
    expect(lines).toContain('  dropped: every action it allowed is unused');
    const at = lines.indexOf('statement #3: Allow NotAction, changed');
    expect(at).toBeGreaterThan(0);
    const rest = lines.slice(at);
    expect(rest).toContain(
      '  NotAction gained 3 exclusions: s3:DescribeThing, s3:GetBucket*, s3:Put*',
    );
    expect(
      rest.some((l) =>
        l.startsWith('    trie (safe: every catalog action under the prefix is unused'),
      ),
    ).toBe(true);
    expect(rest).toContain('        GetBucket  safe → s3:GetBucket* (3 unused actions)');
  });

  it('lists warnings, the size and the proof', () => {
    expect(lines).toContain('warnings (1):');
    expect(lines.some((l) => l.includes('s3:NoSuchAction') && l.endsWith('[unknown_action]'))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('refined policy size: '))).toBe(true);
    expect(lines.at(-2)).toMatch(
      /^proof: EXACT \(3 statements checked against 13 catalog actions, \d+ new patterns? checked for containment\)$/,
    );
  });

  it('explains NONE and DETACH_POLICY in the header', () => {
    const none = formatExplain(refinePolicy(policy, parseUnused([]), { catalog }));
    expect(none.split('\n')[2]).toBe(
      'recommended action: NONE (no change: nothing in this policy is unused)',
    );
    expect(none).toContain('  kept as is: it allows no unused action');
    const detach = formatExplain(
      refinePolicy(
        { Statement: { Effect: 'Allow', Action: 'iam:*', Resource: '*' } },
        parseUnused(['iam:*']),
        {
          catalog,
        },
      ),
    );
    expect(detach.split('\n')[2]).toBe(
      'recommended action: DETACH_POLICY (detach: every permission this policy grants is unused)',
    );
  });

  it('caps each tree at maxTreeLines', () => {
    const capped = formatExplain(r, { maxTreeLines: 2 }).split('\n');
    const at = capped.findIndex((l) => l.startsWith('    trie (safe:'));
    expect(capped.slice(at + 1, at + 4)).toEqual([
      '      s3:Get  unsafe (7 actions, 3 unused)',
      '        Bucket  unsafe, all unused (3 actions)',
      '      … 2 more nodes',
    ]);
  });
});

describe('drawTrie', () => {
  it('merges chains of unsafe single-child nodes into one line', () => {
    const leaf: TrieNode = {
      prefix: 's3:GetBucketAcl',
      token: 'Acl',
      safe: false,
      isAction: true,
      unused: true,
      actionCount: 1,
      unusedCount: 1,
      children: [],
    };
    const mid: TrieNode = {
      ...leaf,
      prefix: 's3:GetBucket',
      token: 'Bucket',
      isAction: false,
      unused: false,
      children: [leaf],
    };
    const other: TrieNode = {
      ...leaf,
      prefix: 's3:GetObject',
      token: 'Object',
      safe: true,
      unused: false,
      unusedCount: 0,
      actionCount: 2,
      isAction: false,
      emitted: 's3:GetObject*',
    };
    const root: TrieNode = {
      ...leaf,
      prefix: 's3:Get',
      token: 'Get',
      isAction: false,
      unused: false,
      actionCount: 3,
      children: [mid, other],
    };
    const top: TrieNode = {
      ...root,
      prefix: '',
      token: '',
      children: [{ ...root, prefix: 's3:', token: 's3:', children: [root] }],
    };
    expect(drawTrie(top, 'action', '')).toEqual([
      's3:Get  unsafe (3 actions, 1 unused)',
      '  BucketAcl  unsafe, unused',
      '  Object  safe → s3:GetObject* (2 actions)',
    ]);
  });
});

describe('wrapList', () => {
  it('wraps at 100 columns with the given indent', () => {
    const items = Array.from({ length: 12 }, (_, i) => `service:SomeAction${i}`);
    const lines = wrapList('  head: ', items, '    ');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(lines.slice(1).every((l) => l.startsWith('    s'))).toBe(true);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toBe(
      `  head: ${items.join(', ')}`.replace(/\s+/g, ' '),
    );
  });
});
