/**
 * A document written once and used by several policies (a Terraform
 * `data.aws_iam_policy_document` or `file()` JSON read by several resources, a CloudFormation
 * YAML anchor used through an alias): its patch would change every one of them, so it is written
 * only when each is patched here with the same refined document, as one patch; otherwise none is,
 * with a line naming the others.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { Finding } from '../findings/types.js';
import { remediate } from './remediate.js';
import { testFinding } from './test-helpers.js';

const ARN = 'arn:aws:iam::123456789012';
const DOC = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: '*' },
  ],
};
let catalog: ActionCatalog;
let work: string;

const role = (name: string, policy: string) => `
resource "aws_iam_role_policy" "${name}" {
  name   = "${name}"
  role   = "${name}"
  policy = ${policy}
}
`;
const DATA = `data "aws_iam_policy_document" "shared" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["*"]
  }
}
`;
const TF =
  DATA +
  role('a', 'data.aws_iam_policy_document.shared.json') +
  role('b', 'data.aws_iam_policy_document.shared.json');

const finding = (name: string, unused: string[]): Finding =>
  testFinding(
    `f-${name}`,
    `${ARN}:role/${name}`,
    unused,
    [{ name, type: 'INLINE', document: DOC }],
    catalog,
  );

async function run(files: Record<string, string>, findings: Finding[]) {
  const dir = mkdtempSync(join(work, 'case-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const r = await remediate({ dirs: [dir], findings, catalog });
  const clean = (s: string) => s.split(`${dir}/`).join('');
  return {
    patches: r.patches.map((p) => `${p.findingIds.join('+')} ${p.source.file}`),
    notPatched: r.notPatched.map((n) => `${n.findingId}: ${clean(n.reason)}`),
    unsupported: r.unsupported.map((u) => `${u.what}: ${clean(u.reason)}`),
    diff: clean(r.diff),
  };
}

beforeAll(async () => {
  catalog = await loadCatalog();
  work = mkdtempSync(join(tmpdir(), 'iam-refine-shared-doc-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a data.aws_iam_policy_document read by two inline policies', () => {
  it('is not patched for one of them: the other would lose what it may use', async () => {
    const r = await run({ 'main.tf': TF }, [finding('a', ['s3:PutObject'])]);
    expect(r.patches).toEqual([]);
    expect(r.diff).toBe('');
    expect(r.notPatched).toEqual([
      'f-a: the document at main.tf:1 is also the policy of aws_iam_role_policy.b (main.tf:14), which no finding patches here the same way: a patch would change that policy too; patch by hand',
    ]);
  });

  it('is patched once when both are patched with the same refined document', async () => {
    const r = await run({ 'main.tf': TF }, [
      finding('a', ['s3:PutObject']),
      finding('b', ['s3:PutObject']),
    ]);
    expect(r.patches).toEqual(['f-a+f-b main.tf']);
    expect(r.notPatched).toEqual([]);
    expect(r.diff).toContain('+    actions   = ["s3:GetObject", "s3:DeleteObject"]');
  });

  it('is not patched when their refined documents differ', async () => {
    const r = await run({ 'main.tf': TF }, [
      finding('a', ['s3:PutObject']),
      finding('b', ['s3:DeleteObject']),
    ]);
    expect(r.patches).toEqual([]);
    expect(r.notPatched).toEqual([
      'f-a: the document at main.tf:1 is the policy of aws_iam_role_policy.a (main.tf:8), aws_iam_role_policy.b (main.tf:14), whose refined documents differ: patch by hand',
      'f-b: the document at main.tf:1 is the policy of aws_iam_role_policy.a (main.tf:8), aws_iam_role_policy.b (main.tf:14), whose refined documents differ: patch by hand',
    ]);
  });

  it('a document read by one policy only is patched (the control)', async () => {
    const r = await run(
      { 'main.tf': DATA + role('a', 'data.aws_iam_policy_document.shared.json') },
      [finding('a', ['s3:PutObject'])],
    );
    expect(r.patches).toEqual(['f-a main.tf']);
  });
});

describe('a file() JSON read by two inline policies', () => {
  it('is not patched for one of them', async () => {
    const tf =
      role('a', 'file("${path.module}/s3.json")') + role('b', 'file("${path.module}/s3.json")');
    const r = await run({ 'main.tf': tf, 's3.json': JSON.stringify(DOC, null, 2) }, [
      finding('a', ['s3:PutObject']),
    ]);
    expect(r.patches).toEqual([]);
    expect(r.notPatched).toHaveLength(1);
    expect(r.notPatched[0]).toMatch(
      /^f-a: the document at s3\.json:1 is also the policy of aws_iam_role_policy\.b \(main\.tf:8\)/,
    );
  });
});

describe('a CloudFormation YAML anchor used through an alias', () => {
  const template = (alias: boolean) => `Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      RoleName: a
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: a
          PolicyDocument: &doc
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']
                Resource: '*'
  B:
    Type: AWS::IAM::Role
    Properties:
      RoleName: b
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: b
          PolicyDocument: ${alias ? '*doc' : "{ Version: '2012-10-17', Statement: [] }"}
`;

  it('is not patched: the alias would change too', async () => {
    const r = await run({ 'stack.yaml': template(true) }, [finding('a', ['s3:PutObject'])]);
    expect(r.patches).toEqual([]);
    expect(r.unsupported).toEqual([
      'Resources.A.Policies[0]: the document is also used through the YAML alias *doc (line 22): a patch would change that use too; not patched',
      'Resources.B.Policies[0]: the PolicyDocument is a YAML alias',
    ]);
  });

  it('an anchor that no alias uses changes nothing (the control)', async () => {
    const r = await run({ 'stack.yaml': template(false) }, [finding('a', ['s3:PutObject'])]);
    expect(r.patches).toEqual(['f-a stack.yaml']);
  });
});
