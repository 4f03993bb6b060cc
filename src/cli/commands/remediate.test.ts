import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/load.js';
import type { Finding } from '../../findings/types.js';
import { FIXTURES, fixtureFindings, sharingOf, testFinding } from '../../remediate/test-helpers.js';
import { catalogueActions, materializeFixture } from '../../remediate/test-fixtures.js';
import { runCli, useTempDir } from '../../test-support/cli.js';

const tmp = useTempDir('iam-refine-remediate-cli-');
let findings: Finding[];
let scan: string;
let iac: string;

beforeAll(async () => {
  findings = fixtureFindings(await loadCatalog());
  iac = join(tmp(), 'iac');
  materializeFixture(FIXTURES, iac);
  scan = join(tmp(), 'scan.json');
  writeFileSync(
    scan,
    JSON.stringify({
      findings,
      notEvaluated: [],
      warnings: [],
      policyAttachments: [...sharingOf(findings).attachments.values()],
    }),
  );
});

describe('iam-refine remediate', () => {
  it('writes the patch and the PR body, lists what it cannot rewrite, exits 0', async () => {
    const out = join(tmp(), 'fix.patch');
    const md = join(tmp(), 'pr.md');
    const r = await runCli([
      'remediate',
      '--iac',
      join(iac, 'terraform'),
      '--iac',
      join(iac, 'cloudformation'),
      '--scan',
      scan,
      '--out',
      out,
      '--pr-body',
      md,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(FIXTURES, 'expected.patch'), 'utf8'));
    const body = readFileSync(md, 'utf8');
    expect(body).toContain('## Least privilege for `arn:aws:iam::123456789012:role/orders-app`');
    expect(body).toContain('- **Write** (2): `dynamodb:DeleteTable`, `sqs:PurgeQueue`');
    expect(body).toContain('**EXACT**');
    const lines = r.err.trim().split('\n');
    expect(lines.filter((l) => l.includes('not rewritten'))).toHaveLength(4);
    expect(r.err).toContain(
      'iam.tf:127: aws_iam_role_policy.per_env: not rewritten: the resource uses for_each',
    );
    expect(r.err).toContain('7 policy patch(es) in 4 file(s), proved');
  });

  it('prints the diff on stdout without --out, and JSON with --format json', async () => {
    const args = [
      'remediate',
      '--iac',
      join(iac, 'cloudformation'),
      '--scan',
      scan,
      '--finding',
      'audit',
    ];
    const text = await runCli(args);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^diff --git a\/audit\.json b\/audit\.json\n/);
    const json = await runCli([...args, '--format', 'json']);
    const parsed = JSON.parse(json.out) as {
      patches: { policyName: string; diff: string }[];
      prBody: string;
    };
    expect(parsed.patches.map((p) => p.policyName)).toEqual(['audit-reader']);
    expect(parsed.patches[0]!.diff).toBe(text.out);
    expect(parsed.prBody).toContain('auditor');
  });

  it('refuses bad input with one line and exit 2, writing nothing', async () => {
    const out = join(tmp(), 'never.patch');
    const missing = await runCli([
      'remediate',
      '--iac',
      iac,
      '--scan',
      scan,
      '--finding',
      'nope',
      '--out',
      out,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`iam-refine: no active UnusedPermission finding nope in ${scan}\n`);
    const notDir = await runCli(['remediate', '--iac', scan, '--scan', scan, '--out', out]);
    expect(notDir.code).toBe(2);
    expect(notDir.err).toBe(`iam-refine: --iac ${scan}: not a directory\n`);
    const bad = join(tmp(), 'bad.json');
    writeFileSync(bad, '{"findings": 3}');
    const badScan = await runCli(['remediate', '--iac', iac, '--scan', bad, '--out', out]);
    expect(badScan.code).toBe(2);
    expect(badScan.err).toContain(`${bad}: expected the output of 'scan --format json'`);
    const state = join(tmp(), 'state.json');
    writeFileSync(state, '{"format_version": "1.0"}');
    const badState = await runCli([
      'remediate',
      '--iac',
      iac,
      '--scan',
      scan,
      '--terraform-state',
      state,
    ]);
    expect(badState.code).toBe(2);
    expect(badState.err).toContain(
      '$.values.root_module: expected the output of `terraform show -json`',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('is in --help with its options', async () => {
    const r = await runCli(['remediate', '--help']);
    for (const flag of [
      '--iac',
      '--db',
      '--scan',
      '--finding',
      '--terraform-state',
      '--cfn-resources',
      '--out',
      '--pr-body',
      '--format',
    ]) {
      expect(r.out).toContain(flag);
    }
    expect(r.out).toContain('Exit status: 0 done');
  });

  it("patches the demo's Terraform and CloudFormation sources (the command demo prints)", async () => {
    const dir = join(tmp(), 'demo');
    const demo = await runCli(['demo', '--dir', dir, '--events', '2000', '--seed', '3', '--quiet']);
    expect(demo.code).toBe(0);
    const out = join(tmp(), 'demo.patch');
    const r = await runCli([
      'remediate',
      '--iac',
      join(dir, 'iac/terraform'),
      '--iac',
      join(dir, 'iac/cloudformation'),
      '--db',
      join(dir, 'iam-refine.db'),
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('4 policy patch(es) in 2 file(s), proved');
    const patch = readFileSync(out, 'utf8');
    expect(patch).toContain('-      "kms:GenerateDataKey",\n');
    expect(patch).toContain('-          "secretsmanager:DescribeSecret",\n');
    expect(patch).toContain('-                  - ecs:ListClusters\n');
    // The managed policy shared by two roles with different unused permissions loses only what
    // neither used (the database recorded who it is attached to).
    expect(r.err).toContain('aws_iam_policy.orders_api (orders-api-policy, jsonencode)');
    expect(r.err).not.toContain('orders-api-policy: not patched');
    expect(patch).toContain('-          "lambda:AddPermission",\n');
  });

  it('leaves managed policies alone when the scan does not say who they are attached to', async () => {
    const bare = join(tmp(), 'bare-scan.json');
    writeFileSync(bare, JSON.stringify({ findings, notEvaluated: [], warnings: [] }));
    const r = await runCli([
      'remediate',
      '--iac',
      join(iac, 'terraform'),
      '--iac',
      join(iac, 'cloudformation'),
      '--scan',
      bare,
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as {
      patches: { policyType: string }[];
      notPatched: { policyId: string; reason: string }[];
    };
    expect(out.patches.length).toBeGreaterThan(0);
    expect(out.patches.filter((p) => p.policyType === 'CUSTOMER_MANAGED')).toEqual([]);
    const managed = out.notPatched.filter((n) => n.reason.startsWith('the findings do not say'));
    expect(managed.length).toBeGreaterThan(0);
  });

  it('refuses a policyAttachments entry of the wrong shape, naming the file', async () => {
    const bad = join(tmp(), 'bad-scan.json');
    writeFileSync(bad, JSON.stringify({ findings, policyAttachments: [{ policyArn: 1 }] }));
    const r = await runCli(['remediate', '--iac', join(iac, 'terraform'), '--scan', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: $.policyAttachments: expected objects with "policyArn"`);
  });

  it('names every file a patch changes in its summary line (a Terraform split with an attachment in roles.tf)', async () => {
    const catalog = await loadCatalog();
    const actions = catalogueActions();
    const arn = 'arn:aws:iam::123456789012';
    const managed = {
      name: 'ec2-catalogue',
      id: `${arn}:policy/ec2-catalogue`,
      type: 'CUSTOMER_MANAGED' as const,
      document: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'Catalogue', Effect: 'Allow', Action: actions, Resource: '*' }],
      },
    };
    const unused = actions.filter((_, i) => i % 10 === 0);
    const split = ['catalogue-api', 'catalogue-batch'].map((role) =>
      testFinding(role, `${arn}:role/${role}`, unused, [managed], catalog, { forms: true }),
    );
    const dir = join(tmp(), 'split-files');
    materializeFixture(join(FIXTURES, 'terraform-split-files'), dir);
    const file = join(tmp(), 'split-scan.json');
    writeFileSync(
      file,
      JSON.stringify({
        findings: split,
        policyAttachments: [...sharingOf(split).attachments.values()],
      }),
    );
    const r = await runCli([
      'remediate',
      '--iac',
      dir,
      '--scan',
      file,
      '--out',
      join(tmp(), 'split.patch'),
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('1 policy patch(es) in 2 file(s), proved');
    expect(r.err).toMatch(
      /main\.tf: aws_iam_policy\.catalogue \(ec2-catalogue, jsonencode, split form\), [0-9]+ → [0-9]+ of 6144 characters \(also roles\.tf\), proof EXACT/,
    );
  });
});
