/**
 * Test support for remediation: builds UnusedPermission findings the way a scan does (the policy
 * refined with the real refinement, the scanned document kept as `originalPolicy`), so that tests
 * need no account export.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import type {
  Finding,
  PolicyRecommendation,
  PolicyType,
  UnusedPermissionDetails,
} from '../findings/types.js';
import { actionsByAccessLevel } from '../refine/access-levels.js';
import { chooseForm, summarizeForm } from '../refine/forms/choose.js';
import { refinePolicy } from '../refine/refine.js';
import type { PolicyAttachments } from '../findings/policy-attachments.js';
import type { SharedPolicyContext } from './shared-policy.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The remediation fixtures (sources in the shapes real repositories use). */
export const FIXTURES = join(import.meta.dirname, '../../test/fixtures/remediate');
const ACCOUNT = '123456789012';

/** One policy of a test finding. */
export interface TestPolicy {
  name: string;
  /** The ARN of a managed policy; the name of an inline one by default. */
  id?: string;
  type: PolicyType;
  /** The document as AWS has it (interpolations resolved). */
  document: Record<string, unknown>;
}

/**
 * An UnusedPermission finding for `resource` with `unused` (`service:Action`, `service:*` for a
 * whole service) and a recommendation per policy.
 */
export function testFinding(
  id: string,
  resource: string,
  unused: readonly string[],
  policies: readonly TestPolicy[],
  catalog: ActionCatalog,
  options: { forms?: boolean } = {},
): Finding {
  const byService = new Map<string, string[] | 'all'>();
  for (const u of unused) {
    const [service = '', action = ''] = u.split(':');
    if (action === '*') byService.set(service, 'all');
    else {
      const list = byService.get(service);
      if (list === 'all') continue;
      byService.set(service, [...(list ?? []), action]);
    }
  }
  const details: UnusedPermissionDetails[] = [...byService].map(([serviceNamespace, actions]) =>
    actions === 'all'
      ? { serviceNamespace }
      : { serviceNamespace, actions: actions.map((action) => ({ action })) },
  );
  const recs: PolicyRecommendation[] = policies.map((p) => {
    const unusedPermissions = {
      findingDetails: details.map((d) => ({ unusedPermissionDetails: d })),
    };
    // With forms, as a scan chooses them (`--style auto`, a managed policy alone on its principal).
    const choice = options.forms
      ? chooseForm(p.document, unusedPermissions, {
          catalog,
          placement: {
            policyType:
              p.type === 'CUSTOMER_MANAGED' || p.type === 'GROUP_MANAGED'
                ? 'managed'
                : resource.includes(':user/')
                  ? 'user-inline'
                  : 'role-inline',
          },
        })
      : undefined;
    const r = choice?.refinement ?? refinePolicy(p.document, unusedPermissions, { catalog });
    return {
      policyId: p.id ?? p.name,
      policyName: p.name,
      policyType: p.type,
      recommendedAction: r.recommendedAction,
      policy: r.policy,
      // As a scan reports them: services unused as a whole are named, not enumerated.
      removedByAccessLevel: actionsByAccessLevel(
        catalog,
        r.removed.actions.filter((a) => byService.get(a.service) !== 'all').map((a) => a.index),
        [...r.removed.other],
      ),
      removedServices: [
        ...new Set(
          r.removed.actions.filter((a) => byService.get(a.service) === 'all').map((a) => a.service),
        ),
      ].sort(),
      proof: {
        exact: r.proof.exact,
        catalogActions: r.proof.catalogActions,
        statementsChecked: r.proof.statementsChecked,
        patternsChecked: r.proof.patternsChecked,
      },
      originalPolicy: p.document,
      ...(choice && r.recommendedAction === 'CREATE_POLICY' ? { form: summarizeForm(choice) } : {}),
      ...(choice?.parts === undefined ? {} : { parts: choice.parts.map((x) => x.policy) }),
    };
  });
  const at = '2026-09-01T00:00:00Z';
  return {
    analyzedAt: at,
    createdAt: at,
    updatedAt: at,
    id,
    resource,
    resourceType: resource.includes(':user/') ? 'AWS::IAM::User' : 'AWS::IAM::Role',
    resourceOwnerAccount: '123456789012',
    status: 'ACTIVE',
    findingType: 'UnusedPermission',
    findingDetails: details.map((d) => ({ unusedPermissionDetails: d })),
    policies: recs,
  };
}

/** The documents AWS has for the fixtures' policies (interpolations resolved as deployed). */
export function fixtureFindings(catalog: ActionCatalog): Finding[] {
  const bucket = 'arn:aws:s3:::orders-artifacts';
  const deploy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Artifacts',
        Effect: 'Allow',
        Action: ['s3:Get*', 's3:PutObject', 's3:ListBucket'],
        Resource: [bucket, `${bucket}/*`],
      },
      {
        Sid: 'Functions',
        Effect: 'Allow',
        Action: ['lambda:UpdateFunctionCode', 'lambda:GetFunction', 'lambda:PublishVersion'],
        Resource: '*',
      },
    ],
  };
  const queue = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue'],
        Resource: `arn:aws:sqs:eu-west-1:${ACCOUNT}:orders`,
      },
      { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
    ],
  };
  // As the AWS provider writes a policy document: sorted sets, one-element lists as strings.
  const data = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Table',
        Effect: 'Allow',
        Action: [
          'dynamodb:PutItem',
          'dynamodb:GetItem',
          'dynamodb:DeleteTable',
          'dynamodb:BatchWriteItem',
        ],
        Resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`,
      },
      {
        Sid: 'Streams',
        Effect: 'Allow',
        Action: ['dynamodb:GetRecords', 'dynamodb:DescribeStream'],
        Resource: `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders/stream/*`,
      },
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Action: ['logs:PutLogEvents', 'logs:CreateLogStream'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      },
    ],
  };
  const ci = JSON.parse(
    readFileSync(join(FIXTURES, 'terraform/policies/ci.json'), 'utf8'),
  ) as Record<string, unknown>;
  const billing = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Invoices',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:PutObjectAcl'],
        Resource: 'arn:aws:s3:::billing-prod/*',
      },
      {
        Sid: 'Queue',
        Effect: 'Allow',
        Action: 'sqs:*',
        Resource: `arn:aws:sqs:eu-west-1:${ACCOUNT}:billing-queue`,
      },
    ],
  };
  const secrets = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'secretsmanager:GetSecretValue',
          'secretsmanager:DescribeSecret',
          'secretsmanager:PutSecretValue',
        ],
        Resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:billing/*`,
      },
      { Effect: 'Allow', Action: ['ses:SendEmail', 'ses:SendRawEmail'], Resource: '*' },
    ],
  };
  const audit = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['cloudtrail:LookupEvents', 'cloudtrail:GetTrail', 'cloudtrail:DeleteTrail'],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Action: ['iam:CreateUser', 'iam:DeleteUser'],
        Resource: `arn:aws:iam::${ACCOUNT}:user/*`,
      },
    ],
  };
  return [
    testFinding(
      'deployer',
      `arn:aws:iam::${ACCOUNT}:role/orders-deployer`,
      ['s3:GetBucketAcl', 's3:GetBucketPolicy', 'lambda:PublishVersion'],
      [
        {
          name: 'orders-deploy',
          id: `arn:aws:iam::${ACCOUNT}:policy/orders-deploy`,
          type: 'CUSTOMER_MANAGED',
          document: deploy,
        },
      ],
      catalog,
    ),
    testFinding(
      'app',
      `arn:aws:iam::${ACCOUNT}:role/orders-app`,
      [
        'sqs:PurgeQueue',
        'kms:*',
        'dynamodb:DeleteTable',
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
      ],
      [
        { name: 'orders-queue', type: 'INLINE', document: queue },
        { name: 'orders-data', type: 'INLINE', document: data },
      ],
      catalog,
    ),
    testFinding(
      'ci',
      `arn:aws:iam::${ACCOUNT}:user/ci-bot`,
      ['ecr:DeleteRepository'],
      [{ name: 'ci-publish', type: 'INLINE', document: ci }],
      catalog,
    ),
    testFinding(
      'billing',
      `arn:aws:iam::${ACCOUNT}:role/billing-worker`,
      [
        's3:DeleteObject',
        's3:PutObjectAcl',
        'sqs:PurgeQueue',
        'sqs:DeleteQueue',
        'sqs:CreateQueue',
        'secretsmanager:PutSecretValue',
        'ses:SendRawEmail',
      ],
      [
        {
          name: 'billing-workers',
          id: `arn:aws:iam::${ACCOUNT}:policy/billing-workers`,
          type: 'CUSTOMER_MANAGED',
          document: billing,
        },
        { name: 'billing-secrets', type: 'INLINE', document: secrets },
      ],
      catalog,
    ),
    testFinding(
      'audit',
      `arn:aws:iam::${ACCOUNT}:role/auditor`,
      ['cloudtrail:DeleteTrail', 'iam:*'],
      [
        {
          name: 'audit-reader',
          id: `arn:aws:iam::${ACCOUNT}:policy/audit-reader`,
          type: 'CUSTOMER_MANAGED',
          document: audit,
        },
      ],
      catalog,
    ),
  ];
}

/**
 * The sharing context a scan of exactly `findings`' principals would give: every managed policy
 * a finding names is attached to the principals of the findings that name it (and to nothing
 * else), every finding is its principal's.
 */
export function sharingOf(findings: readonly Finding[]): SharedPolicyContext {
  const attachments = new Map<string, PolicyAttachments>();
  for (const f of findings) {
    for (const p of f.policies ?? []) {
      if (p.policyType !== 'CUSTOMER_MANAGED' && p.policyType !== 'GROUP_MANAGED') continue;
      let a = attachments.get(p.policyId);
      if (!a)
        attachments.set(
          p.policyId,
          (a = { policyArn: p.policyId, roles: [], users: [], groups: [] }),
        );
      const list = f.resource.includes(':user/') ? a.users : a.roles;
      if (!list.includes(f.resource)) list.push(f.resource);
      a.attachmentCount = a.roles.length + a.users.length;
    }
  }
  const byResource = new Map(findings.map((f) => [f.resource, f]));
  return { attachments, findingOf: (arn) => byResource.get(arn) };
}
