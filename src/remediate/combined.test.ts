import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { remediate } from './remediate.js';
import { sharingOf, testFinding } from './test-helpers.js';

// The proof, made to fail on one chosen call (the combined proof of the first source).
const proofCalls = vi.hoisted(() => ({ n: 0, failOn: -1 }));
vi.mock('../refine/proof.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../refine/proof.js')>();
  return {
    ...real,
    verifyRefinement: (...args: Parameters<typeof real.verifyRefinement>) => {
      const proof = real.verifyRefinement(...args);
      return ++proofCalls.n === proofCalls.failOn ? { ...proof, exact: false } : proof;
    },
  };
});

const A = '123456789012';
let catalog: ActionCatalog;
let dir: string;

beforeAll(async () => {
  catalog = await loadCatalog();
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-combined-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const doc = (actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});
const block = (name: string, actions: string[]) => `resource "aws_iam_role_policy" "${name}" {
  name   = "${name}"
  role   = "app"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = [${actions.map((a) => `"${a}"`).join(', ')}], Resource = "*" }]
  })
}
`;

describe('patches of one file proved together', () => {
  it('lists every patch of the file as not patched when the combined proof of one fails', async () => {
    const one = ['s3:GetObject', 's3:PutObject'];
    const two = ['sqs:SendMessage', 'sqs:PurgeQueue'];
    writeFileSync(join(dir, 'main.tf'), block('one', one) + '\n' + block('two', two));
    const finding = testFinding(
      'f',
      `arn:aws:iam::${A}:role/app`,
      ['s3:PutObject', 'sqs:PurgeQueue'],
      [
        { name: 'one', type: 'INLINE', document: doc(one) },
        { name: 'two', type: 'INLINE', document: doc(two) },
      ],
      catalog,
    );
    const run = () =>
      remediate({ dirs: [dir], findings: [finding], catalog, sharing: sharingOf([finding]) });
    proofCalls.n = 0;
    proofCalls.failOn = -1;
    const ok = await run();
    expect(ok.patches).toHaveLength(2);
    const calls = proofCalls.n;
    expect(calls).toBe(4); // one proof per source when planned, one per source combined

    proofCalls.n = 0;
    proofCalls.failOn = 3; // the first source's combined proof
    const r = await run();
    expect(r.patches).toEqual([]);
    expect(r.diff).toBe('');
    expect(r.notPatched.map((n) => [n.policyName, n.reason])).toEqual([
      [
        'one',
        'the combined patch of main.tf was not written: the patched document fails the exactness proof',
      ],
      [
        'two',
        'not written: the combined patch of main.tf failed its proof for aws_iam_role_policy.one, so no patch of the file is written',
      ],
    ]);
  });
});
