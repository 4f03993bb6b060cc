/**
 * Test support for remediation: builds UnusedPermission findings the way a scan does (the policy
 * refined with the real refinement, the scanned document kept as `originalPolicy`), so that tests
 * need no account export; and copies the remediation fixtures into a work folder with the
 * catalogue's 700-action list, kept once in `catalogue-actions.json`, written out where the
 * fixtures mark it ({@link materializeFixture}).
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
import { ValidationError } from '../errors.js';
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { extname, join } from 'node:path';

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

/** The fixtures of the remediation forms (quota forms, splits), with the catalogue's action list. */
export const FORMS_FIXTURES = join(import.meta.dirname, '../../test/fixtures/remediate-forms');

/** The one copy of the catalogue's 700 EC2 actions the split fixtures are written with. */
export const CATALOGUE_ACTIONS_FILE = join(FORMS_FIXTURES, 'catalogue-actions.json');

/** What a fixture line that stands for the catalogue's action list starts with (after its indentation). */
export const CATALOGUE_MARKER = '# @catalogue-actions';

/** The marker's name: a line naming it that is not a marker line is an error. */
const MARKER_NAME = CATALOGUE_MARKER.slice(2);

/** The action names the catalogue list may hold: written into HCL strings and YAML plain scalars unquoted. */
const ACTION_NAME = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** `file:line: message` as the one line a bad fixture is reported with. */
function fixtureError(file: string, line: number | undefined, message: string): ValidationError {
  return new ValidationError([
    { code: 'invalid_value', path: '$', message, source: file, ...(line ? { line } : {}) },
  ]);
}

/**
 * The catalogue's action list (`catalogue-actions.json`: a JSON array of `service:Action`
 * strings, 700 EC2 actions), in its order.
 */
export function catalogueActions(): string[] {
  let list: unknown;
  try {
    list = JSON.parse(readFileSync(CATALOGUE_ACTIONS_FILE, 'utf8'));
  } catch (e) {
    throw new ValidationError(
      [
        {
          code: 'invalid_json',
          path: '$',
          message: `could not read the catalogue's action list: ${(e as Error).message}`,
          source: CATALOGUE_ACTIONS_FILE,
        },
      ],
      { cause: e },
    );
  }
  if (!Array.isArray(list) || list.length === 0)
    throw fixtureError(CATALOGUE_ACTIONS_FILE, undefined, 'expected a non-empty array of actions');
  list.forEach((a, i) => {
    if (typeof a !== 'string' || !ACTION_NAME.test(a))
      throw fixtureError(
        CATALOGUE_ACTIONS_FILE,
        undefined,
        `$[${i}]: expected an action name "service:Action", found ${JSON.stringify(a)}`,
      );
  });
  return list as string[];
}

/**
 * How one action is written as an entry of a list, by the fixture's language; undefined for a
 * file of another language (a README may name the marker: it is not expanded there).
 */
function entryWriter(file: string): ((action: string) => string) | undefined {
  const ext = extname(file).toLowerCase();
  // Terraform: a string of a list, with its trailing comma (`terraform fmt` keeps one per line).
  if (ext === '.tf') return (a) => `${JSON.stringify(a)},`;
  // CloudFormation YAML: an entry of a block sequence, plain scalar.
  if (ext === '.yaml' || ext === '.yml') return (a) => `- ${a}`;
  return undefined;
}

/**
 * `text` (the fixture `file`) with each marker line replaced by the `actions`, one per line, at
 * the marker's indentation, in the file's language (`"ec2:Action",` in `.tf`, `- ec2:Action` in
 * `.yaml` and `.yml`), with the marker line's line ending. A marker line is spaces,
 * {@link CATALOGUE_MARKER}, then nothing or a space and a comment; in these languages any other
 * line naming the marker is an error (a typo would otherwise leave a fixture without its list).
 * Everything else, and a file of another language, is kept byte for byte.
 */
export function expandCatalogueMarkers(
  text: string,
  file: string,
  actions: readonly string[],
): string {
  const write = entryWriter(file);
  if (!write || !text.includes(MARKER_NAME)) return text;
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.includes(MARKER_NAME)) {
      out.push(line);
      return;
    }
    const eol = line.endsWith('\r') ? '\r' : '';
    const body = eol ? line.slice(0, -1) : line;
    let indent = 0;
    while (body[indent] === ' ') indent++;
    const rest = body.slice(indent);
    if (rest !== CATALOGUE_MARKER && !rest.startsWith(`${CATALOGUE_MARKER} `))
      throw fixtureError(
        file,
        i + 1,
        `expected a marker line: spaces, "${CATALOGUE_MARKER}", then nothing or a space and a comment`,
      );
    const pad = ' '.repeat(indent);
    for (const a of actions) out.push(`${pad}${write(a)}${eol}`);
  });
  return out.join('\n');
}

/**
 * The text of the fixture file at `path` as tests see it: its marker lines expanded
 * ({@link expandCatalogueMarkers}).
 */
export function fixtureText(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.includes(MARKER_NAME) ? expandCatalogueMarkers(text, path, catalogueActions()) : text;
}

/**
 * Copies the fixture folder (or file) `source` to `dest` as `cpSync(source, dest, { recursive:
 * true })` does, expanding the marker lines of its Terraform and YAML files
 * ({@link expandCatalogueMarkers}); every other file is copied byte for byte.
 *
 * The split fixtures (test/fixtures/remediate/terraform-split*, test/fixtures/remediate-forms)
 * hold the catalogue's 700 actions once, in `catalogue-actions.json`, and a marker line where each
 * writes them out: a fixture with a marker is not a usable Terraform module or CloudFormation
 * template until it is copied with this function (`terraform validate` on the fixture folder
 * itself sees a policy without its actions).
 */
export function materializeFixture(source: string, dest: string): void {
  let actions: string[] | undefined;
  const copy = (from: string, to: string): void => {
    const stat = lstatSync(from);
    if (stat.isDirectory()) {
      mkdirSync(to, { recursive: true });
      for (const entry of readdirSync(from).sort()) copy(join(from, entry), join(to, entry));
    } else if (stat.isFile()) {
      const text = readFileSync(from, 'utf8');
      const expanded = text.includes(MARKER_NAME)
        ? expandCatalogueMarkers(text, from, (actions ??= catalogueActions()))
        : text;
      if (expanded === text) copyFileSync(from, to);
      else writeFileSync(to, expanded);
    } else
      throw fixtureError(from, undefined, 'expected a file or a folder (links are not copied)');
  };
  copy(source, dest);
}
