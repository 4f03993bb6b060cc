import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCatalog, type ActionFacts } from '../../catalog/catalog.js';
import { loadCatalog } from '../../catalog/load.js';
import { parseUnused } from '../../policy/unused.js';
import { refinePolicy } from '../../refine/refine.js';
import { diffSequences, type DiffOp } from '../../text/diff-sequences.js';
import { formatDiff } from './diff.js';

/** Length of a longest common subsequence (quadratic reference). */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  return dp[0]![0]!;
}

/** Checks that `ops` is a valid edit script from `a` to `b`; returns its number of edits. */
function checkScript(a: readonly string[], b: readonly string[], ops: readonly DiffOp[]): number {
  let i = 0;
  let j = 0;
  let edits = 0;
  for (const op of ops) {
    if (op.kind === 'equal') {
      expect([op.a, op.b]).toEqual([i, j]);
      expect(a[i]).toBe(b[j]);
      i++;
      j++;
    } else if (op.kind === 'delete') {
      expect(op.a).toBe(i++);
      edits++;
    } else {
      expect(op.b).toBe(j++);
      edits++;
    }
  }
  expect([i, j]).toEqual([a.length, b.length]);
  return edits;
}

describe('diffSequences (Myers)', () => {
  it('finds a shortest edit script on random inputs', () => {
    const seq = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 });
    fc.assert(
      fc.property(seq, seq, (a, b) => {
        const ops = diffSequences(a, b);
        const edits = checkScript(a, b, ops);
        expect(edits).toBe(a.length + b.length - 2 * lcsLength(a, b));
      }),
      { numRuns: 500 },
    );
  });

  it('puts deletions before insertions in each changed region', () => {
    const ops = diffSequences(['x', 'a', 'y'], ['x', 'b', 'c', 'y']);
    expect(ops.map((o) => o.kind)).toEqual(['equal', 'delete', 'insert', 'insert', 'equal']);
  });

  it('compares by key', () => {
    const ops = diffSequences(['a,', 'b'], ['a'], (s) => s.replace(',', ''));
    expect(ops).toEqual([
      { kind: 'equal', a: 0, b: 0 },
      { kind: 'delete', a: 1 },
    ]);
  });

  it('handles empty sides and large inputs', () => {
    expect(diffSequences([], [])).toEqual([]);
    expect(diffSequences(['a'], []).map((o) => o.kind)).toEqual(['delete']);
    expect(diffSequences([], ['a']).map((o) => o.kind)).toEqual(['insert']);
    const a = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const b = a.filter((_, i) => i % 7 !== 0).concat(['new']);
    const ops = diffSequences(a, b);
    expect(checkScript(a, b, ops)).toBe(a.length - b.length + 2);
  });
});

const tiny = createCatalog(
  { s3: ['GetObject', 'GetObjectAcl', 'GetBucketAcl', 'PutObject', 'ListBucket'] },
  'test@1',
);

describe('formatDiff', () => {
  it('marks removed and added lines, and keeps the line before a removed last element unchanged', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:ListBucket', 's3:PutObject'], Resource: '*' }],
    };
    const r = refinePolicy(policy, parseUnused(['s3:PutObject']), { catalog: tiny });
    const lines = formatDiff(r, { color: false, source: 'p.json' }).split('\n');
    expect(lines[0]).toBe('--- p.json');
    expect(lines[1]).toBe('+++ recommended: CREATE_POLICY (catalog test@1)');
    expect(lines.slice(2)).toEqual([
      '  {',
      '    "Version": "2012-10-17",',
      '    "Statement": [',
      '      {',
      '        "Effect": "Allow",',
      '        "Action": [',
      '          "s3:ListBucket"',
      '-         "s3:PutObject"',
      '        ],',
      '        "Resource": "*"',
      '      }',
      '    ]',
      '  }',
      '',
    ]);
  });

  it('replaces a wildcard line by its new entries', () => {
    const policy = {
      Statement: { Effect: 'Allow', Action: ['s3:Get*', 's3:ListBucket'], Resource: '*' },
    };
    const r = refinePolicy(policy, parseUnused(['s3:GetBucketAcl']), { catalog: tiny });
    const body = formatDiff(r, { color: false }).split('\n').slice(2);
    expect(body.filter((l) => l.startsWith('-') || l.startsWith('+'))).toEqual([
      '-       "s3:Get*",',
      '+       "s3:GetObject*",',
    ]);
    expect(formatDiff(r, { color: false }).split('\n')[0]).toBe('--- original');
  });

  it('removes every line for DETACH_POLICY and none for NONE', () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }],
    };
    const detach = formatDiff(
      refinePolicy(policy, parseUnused(['s3:PutObject']), { catalog: tiny }),
      {
        color: false,
      },
    ).split('\n');
    expect(detach[1]).toContain('DETACH_POLICY');
    expect(detach.slice(2, -1).every((l) => l.startsWith('- '))).toBe(true);
    const none = formatDiff(refinePolicy(policy, parseUnused([]), { catalog: tiny }), {
      color: false,
    }).split('\n');
    expect(none[1]).toContain('NONE');
    expect(none.slice(2, -1).every((l) => l.startsWith('  '))).toBe(true);
  });

  it('colours removed lines red and added lines green only when asked', () => {
    const policy = { Statement: [{ Effect: 'Allow', Action: ['s3:Get*'], Resource: '*' }] };
    const r = refinePolicy(policy, parseUnused(['s3:GetBucketAcl']), { catalog: tiny });
    const colored = formatDiff(r, { color: true });
    expect(colored).toContain('\u001b[31m-         "s3:Get*"\u001b[39m');
    expect(colored).toContain('\u001b[32m+         "s3:GetObject*"\u001b[39m');
    expect(formatDiff(r, { color: false })).not.toContain('\u001b[');
  });
});

/** The article's figure: marker ('-', '+' or ' ') and the line without any whitespace. */
const ARTICLE_FIGURE: [string, string][] = [
  [' ', '{'],
  [' ', '"Version":"2012-10-17",'],
  [' ', '"Statement":['],
  [' ', '{'],
  [' ', '"Effect":"Allow",'],
  [' ', '"Action":['],
  ...[
    'AddPermission',
    'GetFunctionConfiguration',
    'UpdateFunctionConfiguration',
    'UpdateFunctionCode',
    'CreateFunction',
    'DeleteFunction',
    'ListVersionsByFunction',
    'GetFunction',
  ].map((a): [string, string] => ['-', `"lambda:${a}",`]),
  [' ', '"lambda:Invoke*"'],
  [' ', '],'],
  [' ', '"Resource":"arn:aws:lambda:us-east-1:123456789012:function:my-lambda"'],
  [' ', '},'],
  [' ', '{'],
  [' ', '"Effect":"Allow",'],
  [' ', '"Action":['],
  ['-', '"s3:Get*",'],
  ...[
    'GetAccess*',
    'GetAccountPublicAccessBlock',
    'GetDataAccess',
    'GetJobTagging',
    'GetMulti*',
    'GetObject*',
    'GetStorage*',
  ].map((a): [string, string] => ['+', `"s3:${a}",`]),
  [' ', '"s3:List*"'],
  [' ', '],'],
  [' ', '"Resource":"*"'],
  [' ', '}'],
  [' ', ']'],
  [' ', '}'],
];

/** S3 actions added to the catalog after the article (June 2024). */
const AFTER_JUNE_2024 = new Set(
  [
    'GetBucketAbac',
    'GetBucketMetadataTableConfiguration',
    'GetObjectAnnotation',
    'GetObjectVersionAnnotation',
    'GetObjectVersionAnnotationForReplication',
  ].map((a) => `s3:${a}`.toLowerCase()),
);

describe('formatDiff on the article example', () => {
  it("reproduces the article's figure with the June-2024 catalog", async () => {
    const today = await loadCatalog();
    const services = new Map<string, [string, ActionFacts][]>();
    for (const a of today.actions) {
      if (AFTER_JUNE_2024.has(a.key)) continue;
      const list = services.get(a.service) ?? [];
      list.push([a.name, a.accessLevel === undefined ? {} : { accessLevel: a.accessLevel }]);
      services.set(a.service, list);
    }
    const june = createCatalog(services, 'june-2024');
    const read = (f: string) =>
      readFileSync(new URL(`../../../examples/article/${f}`, import.meta.url), 'utf8');
    const r = refinePolicy(read('policy.json'), parseUnused(read('unused.json')), {
      catalog: june,
    });
    const body = formatDiff(r, { color: false }).split('\n').slice(2, -1);
    const got = body.map((l) => [l[0] === ' ' ? ' ' : l[0]!, l.slice(2).replace(/\s+/g, '')]);
    expect(got).toEqual(ARTICLE_FIGURE);
  });
});
