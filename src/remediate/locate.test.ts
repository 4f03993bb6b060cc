import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { readStackResources, readTerraformState } from './deployed.js';
import { remediate } from './remediate.js';
import { sharingOf, testFinding } from './test-helpers.js';

const A = '123456789012';
let catalog: ActionCatalog;
let root: string;

beforeAll(async () => {
  catalog = await loadCatalog();
  root = mkdtempSync(join(tmpdir(), 'iam-refine-locate-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

const doc = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }],
};

const twoPolicies = `variable "a" {}
variable "b" {}

resource "aws_iam_role_policy" "a" {
  name   = var.a
  role   = "app"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "b" {
  name   = var.b
  role   = "app"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }]
  })
}
`;

describe('telling sources apart', () => {
  it('two sources with the scanned document and no literal names: ambiguous, until the state says which', async () => {
    const d = dir('tf-two', { 'main.tf': twoPolicies });
    const finding = testFinding(
      'f',
      `arn:aws:iam::${A}:role/app`,
      ['s3:PutObject'],
      [{ name: 'app-b', type: 'INLINE', document: doc }],
      catalog,
    );
    const without = await remediate({
      dirs: [d],
      findings: [finding],
      sharing: sharingOf([finding]),
      catalog,
    });
    expect(without.patches).toEqual([]);
    expect(without.notPatched[0]!.reason).toMatch(
      /^2 sources have the scanned document .*give --terraform-state or --cfn-resources/,
    );

    const state = {
      format_version: '1.0',
      values: {
        root_module: {
          resources: [],
          child_modules: [
            {
              address: 'module.iam',
              resources: [
                {
                  address: 'aws_iam_role_policy.a',
                  mode: 'managed',
                  type: 'aws_iam_role_policy',
                  name: 'a',
                  values: { id: 'app:app-a', name: 'app-a', role: 'app' },
                },
                {
                  address: 'aws_iam_role_policy.b',
                  mode: 'managed',
                  type: 'aws_iam_role_policy',
                  name: 'b',
                  values: { id: 'app:app-b', name: 'app-b', role: 'app' },
                },
              ],
            },
          ],
        },
      },
    };
    const withState = await remediate({
      dirs: [d],
      findings: [finding],
      sharing: sharingOf([finding]),
      catalog,
      deployed: readTerraformState(state, 'state.json'),
    });
    expect(withState.notPatched).toEqual([]);
    expect(withState.patches.map((p) => p.source.address)).toEqual(['aws_iam_role_policy.b']);
    expect(withState.diff).toContain(
      '-    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }]\n+    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }]\n',
    );
    expect(withState.diff.match(/^@@/gm)).toHaveLength(1);
  });

  it('CloudFormation: the stack resources name the managed policy', async () => {
    const template = `Resources:
  PolicyA:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: [s3:GetObject, s3:PutObject]
            Resource: '*'
  PolicyB:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: [s3:GetObject, s3:PutObject]
            Resource: '*'
`;
    const d = dir('cfn-two', { 'stack.yml': template });
    const arn = `arn:aws:iam::${A}:policy/stack-PolicyA-1X2Y3Z`;
    const finding = testFinding(
      'f',
      `arn:aws:iam::${A}:role/app`,
      ['s3:PutObject'],
      [{ name: 'stack-PolicyA-1X2Y3Z', id: arn, type: 'CUSTOMER_MANAGED', document: doc }],
      catalog,
    );
    const resources = {
      StackResourceSummaries: [
        {
          LogicalResourceId: 'PolicyA',
          PhysicalResourceId: arn,
          ResourceType: 'AWS::IAM::ManagedPolicy',
          ResourceStatus: 'CREATE_COMPLETE',
        },
        {
          LogicalResourceId: 'PolicyB',
          PhysicalResourceId: `arn:aws:iam::${A}:policy/stack-PolicyB-9Q8W7E`,
          ResourceType: 'AWS::IAM::ManagedPolicy',
          ResourceStatus: 'CREATE_COMPLETE',
        },
      ],
    };
    const r = await remediate({
      dirs: [d],
      findings: [finding],
      sharing: sharingOf([finding]),
      catalog,
      deployed: readStackResources(resources, 'stack.json'),
    });
    expect(r.patches.map((p) => p.source.address)).toEqual(['Resources.PolicyA']);
    expect(r.diff).toBe(
      "diff --git a/stack.yml b/stack.yml\n--- a/stack.yml\n+++ b/stack.yml\n@@ -6,7 +6,7 @@\n         Version: '2012-10-17'\n         Statement:\n           - Effect: Allow\n-            Action: [s3:GetObject, s3:PutObject]\n+            Action: [s3:GetObject]\n             Resource: '*'\n   PolicyB:\n     Type: AWS::IAM::ManagedPolicy\n",
    );
  });

  it('a source whose document differs from the scanned one is not patched (drift or not applied)', async () => {
    const d = dir('tf-drift', {
      'main.tf': `resource "aws_iam_role_policy" "a" {
  name   = "app-a"
  role   = "app"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }] })
}
`,
    });
    const finding = testFinding(
      'f',
      `arn:aws:iam::${A}:role/app`,
      ['s3:PutObject'],
      [{ name: 'app-a', type: 'INLINE', document: doc }],
      catalog,
    );
    const r = await remediate({
      dirs: [d],
      findings: [finding],
      sharing: sharingOf([finding]),
      catalog,
    });
    expect(r.patches).toEqual([]);
    expect(r.notPatched.map((n) => n.reason)).toEqual([
      'no source has the scanned document (1 with matching names differ: changed since the scan, or not applied)',
    ]);
  });

  it('drops a YAML statement with its comment lines, and a policy left with nothing is reported, not deleted', async () => {
    const template = `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              # objects
              - Effect: Allow
                Action: s3:GetObject
                Resource: '*'
              # queues (unused)
              - Effect: Allow
                Action:
                  - sqs:SendMessage
                Resource: '*'  # any queue
              - Effect: Deny
                Action: s3:DeleteBucket
                Resource: '*'
        - PolicyName: gone
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: sns:Publish
                Resource: '*'
`;
    const d = dir('cfn-drop', { 'role.yaml': template });
    const p = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
        { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' },
        { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
      ],
    };
    const gone = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }],
    };
    const finding = testFinding(
      'f',
      `arn:aws:iam::${A}:role/app`,
      ['sqs:*', 'sns:*'],
      [
        { name: 'p', type: 'INLINE', document: p },
        { name: 'gone', type: 'INLINE', document: gone },
      ],
      catalog,
    );
    const r = await remediate({
      dirs: [d],
      findings: [finding],
      sharing: sharingOf([finding]),
      catalog,
    });
    expect(r.files[0]!.after).toBe(
      template.replace(
        `              - Effect: Allow
                Action:
                  - sqs:SendMessage
                Resource: '*'  # any queue
`,
        '',
      ),
    );
    expect(r.notPatched.map((n) => `${n.policyName}: ${n.reason}`)).toEqual([
      'gone: nothing the policy allows is used: the recommendation is to remove it (left to you)',
    ]);
  });

  it('patches an indented heredoc with interpolations, and never reads a file() outside the directories', async () => {
    const tf = `resource "aws_iam_role_policy" "h" {
  name   = "h"
  role   = "app"
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": [
          "s3:GetObject",
          "s3:PutObject"
        ],
        "Resource": "\${aws_s3_bucket.b.arn}/*"
      }]
    }
  EOT
}

resource "aws_iam_role_policy" "outside" {
  name   = "o"
  role   = "app"
  policy = file("../secret.json")
}
`;
    writeFileSync(join(root, 'secret.json'), JSON.stringify(doc));
    const d = dir('tf-heredoc', { 'main.tf': tf });
    const scanned = {
      ...doc,
      Statement: [{ ...doc.Statement[0], Resource: 'arn:aws:s3:::bkt/*' }],
    };
    const finding = testFinding(
      'f',
      `arn:aws:iam::${A}:role/app`,
      ['s3:PutObject'],
      [{ name: 'h', type: 'INLINE', document: scanned }],
      catalog,
    );
    const r = await remediate({
      dirs: [d],
      findings: [finding],
      sharing: sharingOf([finding]),
      catalog,
    });
    expect(r.files[0]!.after).toBe(
      tf.replace('"s3:GetObject",\n          "s3:PutObject"\n', '"s3:GetObject"\n'),
    );
    expect(r.unsupported.map((u) => u.reason)).toEqual([
      `file() reads ${join(root, 'secret.json')}, outside the given directories; not followed`,
    ]);
  });

  it('a NotAction statement grows by the unused actions, appended in the list style', async () => {
    const template = `{
  "Resources": {
    "P": {
      "Type": "AWS::IAM::ManagedPolicy",
      "Properties": {
        "ManagedPolicyName": "not-iam",
        "PolicyDocument": {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Effect": "Allow",
              "NotAction": [
                "iam:*",
                "organizations:*"
              ],
              "Resource": "*"
            }
          ]
        }
      }
    }
  }
}
`;
    const d = dir('cfn-notaction', { 'p.json': template });
    const document = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }],
    };
    const finding = testFinding(
      'f',
      `arn:aws:iam::${A}:role/app`,
      ['sqs:*', 'ec2:RunInstances'],
      [
        {
          name: 'not-iam',
          id: `arn:aws:iam::${A}:policy/not-iam`,
          type: 'CUSTOMER_MANAGED',
          document,
        },
      ],
      catalog,
    );
    const r = await remediate({
      dirs: [d],
      findings: [finding],
      sharing: sharingOf([finding]),
      catalog,
    });
    expect(r.notPatched).toEqual([]);
    expect(r.patches[0]!.proof.exact).toBe(true);
    expect(r.diff).toContain(
      '                 "iam:*",\n-                "organizations:*"\n+                "organizations:*",\n+                "ec2:RunInstances",\n+                "sqs:*"\n',
    );
  });

  it('reports CDK apps and Fn::If around actions (long form), one line each', async () => {
    const d = dir('mixed', {
      'cdk.json': '{"app": "npx ts-node bin/app.ts"}',
      't.json': JSON.stringify(
        {
          Resources: {
            P: {
              Type: 'AWS::IAM::ManagedPolicy',
              Properties: {
                PolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: { 'Fn::If': ['Prod', ['s3:GetObject'], ['s3:*']] },
                      Resource: '*',
                    },
                  ],
                },
              },
            },
          },
        },
        null,
        2,
      ),
    });
    const r = await remediate({ dirs: [d], findings: [], sharing: sharingOf([]), catalog });
    expect(
      r.unsupported.map((u) => `${u.file.slice(d.length + 1)}:${u.line}: ${u.what}: ${u.reason}`),
    ).toEqual([
      'cdk.json:1: CDK app: CDK sources are code that generates templates; they are not rewritten (the synthesized templates under cdk.out are generated files)',
      't.json:11: Resources.P statement 0: Action is built from the intrinsic function Fn::If; it is left alone',
    ]);
  });

  it('the state of a role names the principal of its inline_policy blocks, not the policy', async () => {
    const tf = `variable "role" {}

resource "aws_iam_role" "a" {
  name = var.role
  assume_role_policy = "{}"
  inline_policy {
    name   = "p"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }] })
  }
}

resource "aws_iam_role" "b" {
  name = "\${var.role}-b"
  assume_role_policy = "{}"
  inline_policy {
    name   = "p"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }] })
  }
}
`;
    const d = dir('tf-roles', { 'main.tf': tf });
    const finding = testFinding(
      'f',
      `arn:aws:iam::${A}:role/app-b`,
      ['s3:PutObject'],
      [{ name: 'p', type: 'INLINE', document: doc }],
      catalog,
    );
    const state = {
      values: {
        root_module: {
          resources: [
            {
              mode: 'managed',
              type: 'aws_iam_role',
              name: 'a',
              values: { name: 'app', arn: `arn:aws:iam::${A}:role/app` },
            },
            {
              mode: 'managed',
              type: 'aws_iam_role',
              name: 'b',
              values: { name: 'app-b', arn: `arn:aws:iam::${A}:role/app-b` },
            },
          ],
        },
      },
    };
    const r = await remediate({
      dirs: [d],
      findings: [finding],
      sharing: sharingOf([finding]),
      catalog,
      deployed: readTerraformState(state, 's'),
    });
    expect(r.notPatched).toEqual([]);
    expect(r.patches.map((p) => p.source.address)).toEqual(['aws_iam_role.b.inline_policy[0]']);
  });
});
