import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { PolicyAttachments } from '../findings/policy-attachments.js';
import type { Finding } from '../findings/types.js';
import { globMatch } from '../glob/glob.js';
import { remediate } from './remediate.js';
import type { SharedPolicyContext } from './shared-policy.js';
import { testFinding } from './test-helpers.js';

const A = '123456789012';
const POLICY = `arn:aws:iam::${A}:policy/shared`;
const role = (name: string) => `arn:aws:iam::${A}:role/${name}`;
let catalog: ActionCatalog;
let root: string;
let dirs = 0;

beforeAll(async () => {
  catalog = await loadCatalog();
  root = mkdtempSync(join(tmpdir(), 'iam-refine-shared-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder with one Terraform managed policy allowing `actions`. */
function source(actions: readonly string[]): string {
  const d = join(root, `tf-${dirs++}`);
  mkdirSync(d, { recursive: true });
  writeFileSync(
    join(d, 'main.tf'),
    `resource "aws_iam_policy" "shared" {
  name   = "shared"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = [${actions.map((a) => `"${a}"`).join(', ')}], Resource = "*" }]
  })
}
`,
  );
  return d;
}

const documentOf = (actions: readonly string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: [...actions], Resource: '*' }],
});

/** The finding of `principal` with `unused`, recommending to refine the shared policy. */
function findingOf(principal: string, unused: readonly string[], actions: readonly string[]) {
  return testFinding(
    `id-${principal.slice(principal.lastIndexOf('/') + 1)}`,
    principal,
    unused,
    [{ name: 'shared', id: POLICY, type: 'CUSTOMER_MANAGED', document: documentOf(actions) }],
    catalog,
  );
}

function context(
  attachments: Omit<PolicyAttachments, 'policyArn'>,
  findings: readonly Finding[],
): SharedPolicyContext {
  const byResource = new Map(findings.map((f) => [f.resource, f]));
  return {
    attachments: new Map([[POLICY, { policyArn: POLICY, ...attachments }]]),
    findingOf: (arn) => byResource.get(arn),
  };
}

const ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:ListBucket'];

describe('a managed policy shared by several principals', () => {
  it('is patched with what none of them used, once, for all their findings', async () => {
    const a = findingOf(role('a'), ['s3:PutObject', 's3:DeleteObject'], ACTIONS);
    const b = findingOf(role('b'), ['s3:DeleteObject', 's3:ListBucket'], ACTIONS);
    const r = await remediate({
      dirs: [source(ACTIONS)],
      findings: [a, b],
      catalog,
      sharing: context(
        { attachmentCount: 2, roles: [role('a'), role('b')], users: [], groups: [] },
        [a, b],
      ),
    });
    expect(r.notPatched).toEqual([]);
    expect(r.patches).toHaveLength(1);
    const p = r.patches[0]!;
    expect(p.sharedBy).toEqual([role('a'), role('b')]);
    expect(p.findingIds).toEqual([a.id, b.id]);
    expect(p.policy).toEqual(documentOf(['s3:GetObject', 's3:PutObject', 's3:ListBucket']));
    expect(p.removedByAccessLevel).toEqual({ Write: ['s3:DeleteObject'] });
    expect(p.proof.exact).toBe(true);
    expect(r.diff).toContain(
      '-    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]',
    );
  });

  it('counts a group member that did not use a permission as not using it, and one with no finding as using everything', async () => {
    const a = findingOf(role('a'), ['s3:DeleteObject'], ACTIONS);
    const user = `arn:aws:iam::${A}:user/u`;
    const group = `arn:aws:iam::${A}:group/g`;
    const u = findingOf(user, ['s3:DeleteObject', 's3:GetObject'], ACTIONS);
    const attachments = {
      attachmentCount: 2,
      roles: [role('a')],
      users: [],
      groups: [{ arn: group, members: [user] }],
    };
    const ok = await remediate({
      dirs: [source(ACTIONS)],
      findings: [a],
      catalog,
      sharing: context(attachments, [a, u]),
    });
    expect(ok.patches.map((p) => p.sharedBy)).toEqual([[role('a'), user]]);
    expect(ok.patches[0]!.policy).toEqual(
      documentOf(['s3:GetObject', 's3:PutObject', 's3:ListBucket']),
    );
    const missing = await remediate({
      dirs: [source(ACTIONS)],
      findings: [a],
      catalog,
      sharing: context(attachments, [a]),
    });
    expect(missing.patches).toEqual([]);
    expect(missing.notPatched.map((n) => n.reason)).toEqual([
      `the policy is also attached to ${user} (a member of ${group}), which has no active UnusedPermission finding (it used every permission it has, was not evaluated, or is an unused role): changed in place the policy could break it (a refined copy for this principal alone, as \`apply\` makes, does not)`,
    ]);
  });

  it('is not patched when the scan did not see every attachment, or does not say', async () => {
    const a = findingOf(role('a'), ['s3:DeleteObject'], ACTIONS);
    const partial = await remediate({
      dirs: [source(ACTIONS)],
      findings: [a],
      catalog,
      sharing: context({ attachmentCount: 3, roles: [role('a')], users: [], groups: [] }, [a]),
    });
    expect(partial.notPatched.map((n) => n.reason)).toEqual([
      'IAM counts 3 attachments of the policy and the scan saw 1: changed in place it could break a principal the scan did not see; scan every account it is attached in',
    ]);
    const unknown = await remediate({ dirs: [source(ACTIONS)], findings: [a], catalog });
    expect(unknown.patches).toEqual([]);
    expect(unknown.notPatched[0]!.reason).toMatch(
      /^the findings do not say who the policy is attached to/,
    );
  });

  it('is not patched when nothing it allows is unused by all of them', async () => {
    const a = findingOf(role('a'), ['s3:PutObject'], ACTIONS);
    const b = findingOf(role('b'), ['s3:DeleteObject'], ACTIONS);
    const r = await remediate({
      dirs: [source(ACTIONS)],
      findings: [a, b],
      catalog,
      sharing: context({ roles: [role('a'), role('b')], users: [], groups: [] }, [a, b]),
    });
    expect(r.patches).toEqual([]);
    const why = `nothing the policy allows is unused by all 2 principals it is attached to (${role('a')}, ${role('b')})`;
    expect(r.notPatched.map((n) => [n.findingId, n.reason])).toEqual([
      [a.id, why],
      [b.id, why],
    ]);
  });

  it('never removes an action that one of the principals used (property, against a glob reference)', async () => {
    const pool = [
      's3:GetObject',
      's3:PutObject',
      's3:DeleteObject',
      's3:ListBucket',
      's3:GetObjectTagging',
      's3:PutObjectTagging',
      's3:GetBucketPolicy',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(pool, { minLength: 2 }),
        fc.array(fc.tuple(fc.boolean(), fc.subarray(pool)), { minLength: 1, maxLength: 4 }),
        async (actions, principals) => {
          const findings = principals.map(([wholeS3, unused], i) =>
            findingOf(role(`p${i}`), wholeS3 ? ['s3:*'] : unused, actions),
          );
          const r = await remediate({
            dirs: [source(actions)],
            findings,
            catalog,
            sharing: context(
              { roles: findings.map((f) => f.resource), users: [], groups: [] },
              findings,
            ),
          });
          // Reference: an action may go only when every principal left it unused.
          const unusedBy = (i: number, action: string) =>
            principals[i]![0] || principals[i]![1].some((u) => u.toLowerCase() === action);
          const allows = (doc: unknown, action: string) =>
            ((doc as { Statement: { Action: string[] }[] }).Statement[0]?.Action ?? []).some((p) =>
              globMatch(p.toLowerCase(), action),
            );
          const before = catalog
            .serviceActions('s3')
            .map((a) => `s3:${a.name}`.toLowerCase())
            .filter((a) => allows(documentOf(actions), a));
          const removable = before.filter((a) => principals.every((_, i) => unusedBy(i, a)));
          if (removable.length === 0 || removable.length === before.length) {
            // Nothing to remove, or everything (removing the policy is left to the user).
            expect(r.patches).toEqual([]);
            return;
          }
          expect(r.patches).toHaveLength(1);
          const after = r.patches[0]!.policy;
          for (const a of before) expect(allows(after, a)).toBe(!removable.includes(a));
        },
      ),
      { numRuns: 40 },
    );
  });
});
