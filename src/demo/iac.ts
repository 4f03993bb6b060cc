/**
 * The demo account's infrastructure as code: a small Terraform module and a CloudFormation
 * template that write some of the account's policies, in the forms real repositories use (a
 * policy document data source, `jsonencode`, a heredoc, a YAML template with `!Sub` and comments),
 * so that `iam-refine remediate` has sources to patch. Generated from the account's own documents,
 * so the sources say exactly what the exports hold.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CUSTOMER_POLICIES, ROLES } from './account.js';
import type { PolicyJson } from './types.js';

/** The folders written under the demo folder. */
export const DEMO_IAC = {
  dir: 'iac',
  terraform: 'iac/terraform',
  cloudformation: 'iac/cloudformation',
};

function managed(name: string): PolicyJson {
  const spec = CUSTOMER_POLICIES.find((p) => p.name === name);
  const doc = spec?.versions[spec.versions.length - 1]?.document;
  if (!doc) throw new Error(`demo: no customer policy ${name}`);
  return doc;
}

function inline(role: string, name: string): PolicyJson {
  const doc = ROLES.find((r) => r.name === role)?.inline.find((p) => p.name === name)?.document;
  if (!doc) throw new Error(`demo: no inline policy ${name} of ${role}`);
  return doc;
}

type Statement = Record<string, unknown>;

function statements(doc: PolicyJson): Statement[] {
  const s = doc.Statement;
  return (Array.isArray(s) ? s : [s]) as Statement[];
}

const q = (s: string) => JSON.stringify(s).replaceAll('${', () => '$${');

/** An HCL value (for jsonencode): lists of strings one per line. */
function hcl(value: unknown, indent: string): string {
  if (typeof value === 'string') return q(value);
  if (Array.isArray(value)) {
    const inner = `${indent}  `;
    return `[\n${value.map((v) => `${inner}${hcl(v, inner)},`).join('\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const inner = `${indent}  `;
    const entries = Object.entries(value).map(([k, v]) => {
      const key = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : q(k);
      return `${inner}${key} = ${hcl(v, inner)}`;
    });
    return `{\n${entries.join('\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : [v as string]);

/** A `data "aws_iam_policy_document"` block for a document of plain statements. */
function policyDocument(name: string, doc: PolicyJson): string {
  const blocks = statements(doc).map((st) => {
    const lines = ['  statement {'];
    if (typeof st.Sid === 'string') lines.push(`    sid = ${q(st.Sid)}`);
    if (st.Effect !== 'Allow') lines.push(`    effect = ${q(String(st.Effect))}`);
    lines.push(
      `    actions = [\n${list(st.Action)
        .map((a) => `      ${q(a)},`)
        .join('\n')}\n    ]`,
    );
    lines.push(`    resources = [${list(st.Resource).map(q).join(', ')}]`);
    lines.push('  }');
    return lines.join('\n');
  });
  return `data "aws_iam_policy_document" "${name}" {\n${blocks.join('\n\n')}\n}\n`;
}

function terraform(): string {
  const secrets = inline('orders-api', 'orders-secrets');
  const inventory = inline('inventory-sync', 'inventory-table-rw');
  return `# The orders and inventory services' IAM (demo module written by iam-refine demo).

resource "aws_iam_role" "orders_api" {
  name = "orders-api"
  path = "/app/"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# Shared by orders-api and staging-orders-api.
resource "aws_iam_policy" "orders_api" {
  name        = "orders-api-policy"
  path        = "/app/"
  description = "Orders API: pricing function and read access to S3"
  policy      = jsonencode(${hcl(managed('orders-api-policy'), '  ')})
}

resource "aws_iam_policy" "orders_data_access" {
  name        = "orders-data-access"
  path        = "/app/"
  description = "Orders table, events queue and the orders KMS key"
  policy      = data.aws_iam_policy_document.orders_data_access.json
}

${policyDocument('orders_data_access', managed('orders-data-access'))}
resource "aws_iam_role_policy" "orders_secrets" {
  name = "orders-secrets"
  role = aws_iam_role.orders_api.id
  policy = jsonencode(${hcl(secrets, '  ')})
}

resource "aws_iam_role_policy" "inventory_table_rw" {
  name   = "inventory-table-rw"
  role   = "inventory-sync"
  policy = <<-EOT
${JSON.stringify(inventory, null, 2)
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
  EOT
}
`;
}

function yamlScalar(s: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9:*._/-]*$/.test(s) && !/^(true|false|yes|no|null)$/i.test(s)
    ? s
    : `'${s.replaceAll("'", "''")}'`;
}

function cloudformation(): string {
  const deploy = inline('deploy-staging', 'staging-deploy');
  const lines: string[] = [
    "AWSTemplateFormatVersion: '2010-09-09'",
    'Description: Staging deployments (demo template written by iam-refine demo)',
    '',
    'Resources:',
    '  # Humans deploy staging with this role (assumed from the office network).',
    '  DeployStagingRole:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      RoleName: deploy-staging',
    '      AssumeRolePolicyDocument:',
    "        Version: '2012-10-17'",
    '        Statement:',
    '          - Effect: Allow',
    "            Principal: { AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' }",
    '            Action: sts:AssumeRole',
    '      Policies:',
    '        - PolicyName: staging-deploy',
    '          PolicyDocument:',
    "            Version: '2012-10-17'",
    '            Statement:',
  ];
  for (const st of statements(deploy)) {
    lines.push(`              - Effect: ${String(st.Effect)}`, '                Action:');
    for (const a of list(st.Action)) lines.push(`                  - ${yamlScalar(a)}`);
    const resources = list(st.Resource);
    const r = resources[0]!;
    const account = /^arn:aws:([a-z0-9-]+):([a-z0-9-]+):(\d{12}):(.*)$/.exec(r);
    if (resources.length === 1 && account) {
      lines.push(
        `                Resource: !Sub 'arn:\${AWS::Partition}:${account[1]}:${account[2]}:\${AWS::AccountId}:${account[4]}'`,
      );
    } else
      lines.push(
        `                Resource: ${resources.length === 1 ? yamlScalar(r) : `[${resources.map(yamlScalar).join(', ')}]`}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the demo's Terraform module and CloudFormation template under `dir` (the demo folder).
 *
 * @returns The two folders written (absolute).
 */
export async function writeDemoIac(
  dir: string,
): Promise<{ terraform: string; cloudformation: string }> {
  const tf = join(dir, DEMO_IAC.terraform);
  const cfn = join(dir, DEMO_IAC.cloudformation);
  await mkdir(tf, { recursive: true });
  await mkdir(cfn, { recursive: true });
  await writeFile(join(tf, 'orders.tf'), terraform());
  await writeFile(join(cfn, 'staging-deploy.yaml'), cloudformation());
  return { terraform: tf, cloudformation: cfn };
}
