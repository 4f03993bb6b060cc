import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import {
  mergeAuthorizationDetails,
  parseAuthorizationDetails,
  type AuthorizationDetailsPage,
} from './authorization-details.js';
import type { Group, ManagedPolicy, Principal } from './types.js';

const FIXTURES = new URL('../../test/fixtures/account/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

const CLI = 'authorization-details.json';
const PAGE_1 = 'authorization-details-sdk-page-1.json';
const PAGE_2 = 'authorization-details-sdk-page-2.json';
const A = '111122223333';
const B = '444455556666';

const page = (name: string): AuthorizationDetailsPage =>
  parseAuthorizationDetails(fixture(name), name);

/** The issues `run` throws (fails the test when nothing is thrown). */
function issuesOf(run: () => unknown): readonly Issue[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

/** The issues of parsing `value` written as pretty JSON, and that text. */
function parseIssues(
  value: unknown,
  source = 'in.json',
): { issues: readonly Issue[]; text: string } {
  const text = JSON.stringify(value, null, 2);
  return { issues: issuesOf(() => parseAuthorizationDetails(text, source)), text };
}

/** 1-based line and column of the `occurrence`-th (0-based) occurrence of `needle` in `text`. */
function at(text: string, needle: string, occurrence = 0): { line: number; column: number } {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) {
    offset = text.indexOf(needle, offset + 1);
    if (offset < 0) throw new Error(`${needle} not found`);
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Where the value of the `occurrence`-th `"key": value` member starts. */
function valueAt(text: string, member: string, occurrence = 0): { line: number; column: number } {
  const { line, column } = at(text, member, occurrence);
  return { line, column: column + member.indexOf(': ') + 2 };
}

/** The CLI fixture as a mutable object. */
function cliExport(): Record<string, unknown> {
  return JSON.parse(fixture(CLI)) as Record<string, unknown>;
}

/** A mutable element of a list of the CLI fixture. */
function entry(doc: Record<string, unknown>, list: string, index: number): Record<string, unknown> {
  return (doc[list] as Record<string, unknown>[])[index]!;
}

const ALICE: Principal = {
  kind: 'user',
  arn: `arn:aws:iam::${A}:user/alice`,
  name: 'alice',
  id: 'AIDAQ3EGRJQY2ALICE001',
  path: '/',
  accountId: A,
  createDate: new Date('2023-11-02T09:58:31Z'),
  tags: new Map([
    ['team', 'payments'],
    ['cost-center', ''],
  ]),
  inlinePolicies: [
    {
      name: 'payments-reports-write',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:DeleteObject'],
            Resource: 'arn:aws:s3:::payments-reports/*',
          },
        ],
      },
    },
  ],
  attachedPolicies: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
  groups: ['Developers'],
  permissionsBoundary: `arn:aws:iam::${A}:policy/boundaries/DeveloperBoundary`,
  accessKeys: [],
};

const BOB: Principal = {
  kind: 'user',
  arn: `arn:aws:iam::${A}:user/engineering/bob`,
  name: 'bob',
  id: 'AIDAQ3EGRJQY2BOB00002',
  path: '/engineering/',
  accountId: A,
  createDate: new Date('2022-08-15T11:58:02Z'),
  tags: new Map(),
  inlinePolicies: [],
  attachedPolicies: [],
  groups: ['Developers'],
  accessKeys: [],
};

const DEVELOPERS: Group = {
  arn: `arn:aws:iam::${A}:group/Developers`,
  name: 'Developers',
  path: '/',
  accountId: A,
  createDate: new Date('2022-08-15T11:50:00Z'),
  inlinePolicies: [
    {
      name: 'developers-observability',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'logs:FilterLogEvents'],
            Resource: '*',
          },
        ],
      },
    },
  ],
  attachedPolicies: [`arn:aws:iam::${A}:policy/DeveloperAccess`],
};

const ORDERS_PROCESSOR: Principal = {
  kind: 'role',
  arn: `arn:aws:iam::${A}:role/service-role/orders-processor`,
  name: 'orders-processor',
  id: 'AROAQ3EGRJQY2ORDERS01',
  path: '/service-role/',
  accountId: A,
  createDate: new Date('2024-01-15T10:00:00Z'),
  tags: new Map([
    ['app', 'orders'],
    ['env', 'prod'],
  ]),
  inlinePolicies: [
    {
      name: 'orders-queue-and-table',
      document: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'Queue',
            Effect: 'Allow',
            Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            Resource: `arn:aws:sqs:us-east-1:${A}:orders`,
          },
          {
            Sid: 'Table',
            Effect: 'Allow',
            Action: 'dynamodb:PutItem',
            Resource: `arn:aws:dynamodb:us-east-1:${A}:table/orders`,
          },
        ],
      },
    },
  ],
  attachedPolicies: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
  groups: [],
  roleLastUsed: new Date('2024-06-03T22:14:09Z'),
  accessKeys: [],
};

const ELB_SLR: Principal = {
  kind: 'role',
  arn: `arn:aws:iam::${A}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
  name: 'AWSServiceRoleForElasticLoadBalancing',
  id: 'AROAQ3EGRJQY2ELBSLR01',
  path: '/aws-service-role/elasticloadbalancing.amazonaws.com/',
  accountId: A,
  createDate: new Date('2021-03-09T14:21:37Z'),
  tags: new Map(),
  inlinePolicies: [],
  attachedPolicies: [
    'arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy',
  ],
  groups: [],
  accessKeys: [],
};

const CI_DEPLOY: Principal = {
  kind: 'role',
  arn: `arn:aws:iam::${A}:role/ci-deploy`,
  name: 'ci-deploy',
  id: 'AROAQ3EGRJQY2CIDEPLOY',
  path: '/',
  accountId: A,
  createDate: new Date('2023-05-20T08:30:00Z'),
  tags: new Map(),
  inlinePolicies: [
    {
      name: 'deploy',
      document: {
        Version: '2012-10-17',
        Statement: { Effect: 'Allow', Action: ['cloudformation:*', 's3:PutObject'], Resource: '*' },
      },
    },
  ],
  attachedPolicies: [`arn:aws:iam::${A}:policy/DeveloperAccess`],
  groups: [],
  permissionsBoundary: `arn:aws:iam::${A}:policy/boundaries/DeveloperBoundary`,
  accessKeys: [],
};

const DEVELOPER_ACCESS: ManagedPolicy = {
  arn: `arn:aws:iam::${A}:policy/DeveloperAccess`,
  name: 'DeveloperAccess',
  path: '/',
  owner: A,
  defaultVersionId: 'v2',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Dynamo',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: `arn:aws:dynamodb:us-east-1:${A}:table/orders`,
      },
      { Sid: 'NoIam', Effect: 'Deny', Action: 'iam:*', Resource: '*' },
    ],
  },
  attachmentCount: 2,
};

const DEVELOPER_BOUNDARY: ManagedPolicy = {
  arn: `arn:aws:iam::${A}:policy/boundaries/DeveloperBoundary`,
  name: 'DeveloperBoundary',
  path: '/boundaries/',
  owner: A,
  defaultVersionId: 'v1',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        NotAction: ['iam:*', 'organizations:*', 'account:*'],
        Resource: '*',
      },
    ],
  },
  attachmentCount: 0,
};

const S3_READ_ONLY: ManagedPolicy = {
  arn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
  name: 'AmazonS3ReadOnlyAccess',
  path: '/',
  owner: 'aws',
  defaultVersionId: 'v3',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          's3:Get*',
          's3:List*',
          's3:Describe*',
          's3-object-lambda:Get*',
          's3-object-lambda:List*',
        ],
        Resource: '*',
      },
    ],
  },
  attachmentCount: 1,
};

const LAMBDA_BASIC: ManagedPolicy = {
  arn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
  name: 'AWSLambdaBasicExecutionRole',
  path: '/service-role/',
  owner: 'aws',
  defaultVersionId: 'v1',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
  attachmentCount: 1,
};

describe('parseAuthorizationDetails: the AWS CLI output', () => {
  const parsed = page(CLI);

  it('reads every user, group, role and managed policy exactly', () => {
    expect(parsed.users.map((u) => u.value)).toEqual([ALICE, BOB]);
    expect(parsed.groups.map((g) => g.value)).toEqual([DEVELOPERS]);
    expect(parsed.roles.map((r) => r.value)).toEqual([ORDERS_PROCESSOR, ELB_SLR, CI_DEPLOY]);
    expect(parsed.policies.map((p) => p.value)).toEqual([
      DEVELOPER_ACCESS,
      DEVELOPER_BOUNDARY,
      S3_READ_ONLY,
      LAMBDA_BASIC,
    ]);
    expect(parsed.isTruncated).toBe(false);
    expect(parsed.marker).toBeUndefined();
    expect(parsed.source).toBe(CLI);
  });

  it('keeps where each entity is', () => {
    const text = fixture(CLI);
    expect(parsed.roles[2]!.origin).toEqual({
      source: CLI,
      path: '$.RoleDetailList[2]',
      ...at(text, '{\n      "Path": "/",\n      "RoleName": "ci-deploy"'),
    });
  });

  it('decodes the URL-encoded document and keeps key order', () => {
    const doc = parsed.groups[0]!.value.inlinePolicies[0]!.document;
    expect(Object.keys(doc)).toEqual(['Version', 'Statement']);
    expect(Object.keys((doc.Statement as object[])[0]!)).toEqual(['Effect', 'Action', 'Resource']);
  });

  it('takes the default version, not the first or the latest listed', () => {
    expect(parsed.policies[0]!.value.document).toEqual(DEVELOPER_ACCESS.document);
  });

  it('treats RoleLastUsed {} and an absent RoleLastUsed as never used', () => {
    expect(parsed.roles[1]!.value.roleLastUsed).toBeUndefined();
    expect(Object.hasOwn(parsed.roles[2]!.value, 'roleLastUsed')).toBe(false);
  });

  it('does not require the policies that are referenced to be in Policies', () => {
    const arns = parsed.policies.map((p) => p.value.arn);
    expect(arns).not.toContain(ELB_SLR.attachedPolicies[0]);
  });

  it('keeps tags in a Map, so keys such as __proto__ are plain data', () => {
    const doc = cliExport();
    entry(doc, 'UserDetailList', 1).Tags = [
      { Key: '__proto__', Value: 'x' },
      { Key: 'constructor', Value: 'y' },
    ];
    const bob = parseAuthorizationDetails(JSON.stringify(doc), 'in.json').users[1]!.value;
    expect([...bob.tags]).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
  });

  it('accepts absent lists and optional members', () => {
    const text = JSON.stringify({
      RoleDetailList: [
        {
          Path: '/',
          RoleName: 'r',
          RoleId: 'AROAEXAMPLE',
          Arn: `arn:aws:iam::${A}:role/r`,
          CreateDate: '2024-01-15T10:00:00.000Z',
        },
      ],
    });
    const parsedPage = parseAuthorizationDetails(text, 'in.json');
    expect(parsedPage.roles[0]!.value).toEqual({
      kind: 'role',
      arn: `arn:aws:iam::${A}:role/r`,
      name: 'r',
      id: 'AROAEXAMPLE',
      path: '/',
      accountId: A,
      createDate: new Date('2024-01-15T10:00:00Z'),
      tags: new Map(),
      inlinePolicies: [],
      attachedPolicies: [],
      groups: [],
      accessKeys: [],
    });
    expect(parsedPage.users).toEqual([]);
  });

  it('accepts a document given as JSON text, and rejects one that is neither object nor text', () => {
    const doc = cliExport();
    const inline = (
      entry(doc, 'UserDetailList', 0).UserPolicyList as Record<string, unknown>[]
    )[0]!;
    inline.PolicyDocument = JSON.stringify(inline.PolicyDocument);
    const parsedPage = parseAuthorizationDetails(JSON.stringify(doc), 'in.json');
    expect(parsedPage.users[0]!.value.inlinePolicies).toEqual(ALICE.inlinePolicies);
    inline.PolicyDocument = ['not', 'a', 'document'];
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'invalid_type',
        path: '$.UserDetailList[0].UserPolicyList[0].PolicyDocument',
        message:
          'expected a policy document (a JSON object, or URL-encoded JSON text), found an array',
        source: 'in.json',
        ...valueAt(text, '"PolicyDocument": ['),
      },
    ]);
  });

  it('reads the CLI NextToken of an output cut by --max-items as a truncated page', () => {
    const doc = cliExport();
    doc.NextToken = 'eyJNYXJrZXIiOiBudWxsfQ==';
    const parsedPage = parseAuthorizationDetails(JSON.stringify(doc), 'in.json');
    expect(parsedPage.isTruncated).toBe(true);
    expect(parsedPage.marker).toBe('eyJNYXJrZXIiOiBudWxsfQ==');
  });
});

describe('parseAuthorizationDetails: SDK pages', () => {
  it('reads URL-encoded documents, millisecond dates, IsTruncated and Marker', () => {
    const first = page(PAGE_1);
    expect(first.isTruncated).toBe(true);
    expect(first.marker).toBe('AAQm9xZ2Vu5pY2t1ZXN0L3BhZ2UtMg==');
    expect(first.users.map((u) => u.value)).toEqual([
      {
        kind: 'user',
        arn: `arn:aws:iam::${B}:user/erin`,
        name: 'erin',
        id: 'AIDAWXYZ4ERIN0000001',
        path: '/',
        accountId: B,
        createDate: new Date('2024-02-20T13:05:00Z'),
        tags: new Map([['team', 'data']]),
        inlinePolicies: [],
        attachedPolicies: [],
        groups: ['Analysts'],
        accessKeys: [],
      },
    ]);
    expect(first.groups[0]!.value.inlinePolicies).toEqual([
      {
        name: 'analytics',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['athena:StartQueryExecution', 'athena:GetQueryResults', 'glue:GetTable'],
              Resource: '*',
            },
          ],
        },
      },
    ]);
    const second = page(PAGE_2);
    expect(second.isTruncated).toBe(false);
    expect(second.marker).toBeUndefined();
    expect(second.roles[0]!.value.roleLastUsed).toEqual(new Date('2024-06-04T02:00:13Z'));
    expect(second.policies[0]!.value).toEqual({ ...S3_READ_ONLY, attachmentCount: 2 });
  });
});

describe('mergeAuthorizationDetails', () => {
  it('merges the pages of one export', () => {
    const inventory = mergeAuthorizationDetails([page(PAGE_1), page(PAGE_2)]);
    expect([...inventory.principals.keys()]).toEqual([
      `arn:aws:iam::${B}:user/erin`,
      `arn:aws:iam::${B}:role/etl-nightly`,
    ]);
    expect([...inventory.groups.keys()]).toEqual([`arn:aws:iam::${B}:group/Analysts`]);
    expect([...inventory.policies.keys()]).toEqual([S3_READ_ONLY.arn]);
    expect(inventory.accounts).toEqual(new Set([B]));
  });

  it('merges the exports of two accounts; an AWS-managed policy is kept once', () => {
    const inventory = mergeAuthorizationDetails([page(CLI), page(PAGE_1), page(PAGE_2)]);
    expect(inventory.principals.size).toBe(7);
    expect(inventory.principals.get(ALICE.arn)).toEqual(ALICE);
    expect(inventory.groups.get(DEVELOPERS.arn)).toEqual(DEVELOPERS);
    expect([...inventory.policies.keys()]).toEqual([
      DEVELOPER_ACCESS.arn,
      DEVELOPER_BOUNDARY.arn,
      S3_READ_ONLY.arn,
      LAMBDA_BASIC.arn,
    ]);
    // Each account counts its own attachments (1 and 2): the merged count is unknown.
    const { attachmentCount: _, ...s3WithoutCount } = S3_READ_ONLY;
    expect(inventory.policies.get(S3_READ_ONLY.arn)).toEqual(s3WithoutCount);
    expect(inventory.policies.get(LAMBDA_BASIC.arn)).toEqual(LAMBDA_BASIC);
    expect(inventory.accounts).toEqual(new Set([A, B]));
  });

  it('keeps identical copies once, with the latest RoleLastUsed', () => {
    const doc = cliExport();
    const later = structuredClone(doc);
    (entry(later, 'RoleDetailList', 0).RoleLastUsed as Record<string, unknown>).LastUsedDate =
      '2024-06-05T01:00:00Z';
    entry(later, 'RoleDetailList', 1).RoleLastUsed = {
      LastUsedDate: '2024-06-01T00:00:00Z',
      Region: 'us-east-1',
    };
    const inventory = mergeAuthorizationDetails([
      parseAuthorizationDetails(JSON.stringify(later), 'later.json'),
      parseAuthorizationDetails(JSON.stringify(doc), 'earlier.json'),
    ]);
    expect(inventory.principals.size).toBe(5);
    expect(inventory.principals.get(ORDERS_PROCESSOR.arn)!.roleLastUsed).toEqual(
      new Date('2024-06-05T01:00:00Z'),
    );
    expect(inventory.principals.get(ELB_SLR.arn)!.roleLastUsed).toEqual(
      new Date('2024-06-01T00:00:00Z'),
    );
    expect(inventory.principals.get(ALICE.arn)).toEqual(ALICE);
  });

  it('keeps the highest default version of an AWS-managed policy', () => {
    const newer = JSON.parse(fixture(PAGE_2)) as Record<string, unknown>;
    const policy = entry(newer, 'Policies', 0);
    policy.DefaultVersionId = 'v4';
    const versions = policy.PolicyVersionList as Record<string, unknown>[];
    versions[0]!.IsDefaultVersion = false;
    versions.unshift({
      Document: encodeURIComponent(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}',
      ),
      VersionId: 'v4',
      IsDefaultVersion: true,
    });
    const inventory = mergeAuthorizationDetails([
      page(CLI),
      parseAuthorizationDetails(JSON.stringify(newer), 'newer.json'),
      page(CLI),
    ]);
    expect(inventory.policies.get(S3_READ_ONLY.arn)).toEqual({
      arn: S3_READ_ONLY.arn,
      name: 'AmazonS3ReadOnlyAccess',
      path: '/',
      owner: 'aws',
      defaultVersionId: 'v4',
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }],
      },
    });
  });

  it('reports conflicting copies at the later one, naming the earlier', () => {
    const doc = cliExport();
    const changed = structuredClone(doc);
    entry(changed, 'UserDetailList', 0).GroupList = ['Admins'];
    entry(changed, 'UserDetailList', 0).Tags = [];
    const policy = entry(changed, 'Policies', 0);
    policy.AttachmentCount = 3;
    const text = JSON.stringify(changed, null, 2);
    const issues = issuesOf(() =>
      mergeAuthorizationDetails([page(CLI), parseAuthorizationDetails(text, 'other.json')]),
    );
    expect(issues).toEqual([
      {
        code: 'conflicting_fields',
        path: '$.UserDetailList[0]',
        message: `user ${ALICE.arn} is also in ${CLI} at $.UserDetailList[0] (line 3) with a different "Tags", "GroupList": expected every copy of an entity to be identical (give the pages of one export, or one export per account)`,
        source: 'other.json',
        line: 3,
        column: 5,
      },
      {
        code: 'conflicting_fields',
        path: '$.Policies[0]',
        message: `policy ${DEVELOPER_ACCESS.arn} is also in ${CLI} at $.Policies[0] (line ${at(fixture(CLI), '"PolicyName": "DeveloperAccess",\n      "PolicyId"').line - 1}) with a different "AttachmentCount": expected every copy of an entity to be identical (give the pages of one export, or one export per account)`,
        source: 'other.json',
        ...at(text, '{\n      "PolicyName": "DeveloperAccess",\n      "PolicyId"'),
      },
    ]);
  });

  it('reports an AWS-managed policy whose copies differ in the same version', () => {
    const changed = JSON.parse(fixture(PAGE_2)) as Record<string, unknown>;
    const versions = entry(changed, 'Policies', 0).PolicyVersionList as Record<string, unknown>[];
    versions[0]!.Document = encodeURIComponent(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
    );
    const issues = issuesOf(() =>
      mergeAuthorizationDetails([
        page(CLI),
        parseAuthorizationDetails(JSON.stringify(changed), 'changed.json'),
      ]),
    );
    expect(issues.map((i) => [i.path, i.source, i.message])).toEqual([
      [
        '$.Policies[0]',
        'changed.json',
        `AWS-managed policy ${S3_READ_ONLY.arn} is also in ${CLI} at $.Policies[2] (line ${parsedLine(CLI, 'Policies', 2)}) with a different default version document: expected every copy of an entity to be identical (give the pages of one export, or one export per account)`,
      ],
    ]);
  });

  it('reports a missing last page', () => {
    expect(issuesOf(() => mergeAuthorizationDetails([page(PAGE_1)]))).toEqual([
      {
        code: 'missing_field',
        path: '$',
        message:
          'every authorization-details file given is a truncated page (it has "IsTruncated": true or a "NextToken"): the last page is missing, expected the pages up to one without "IsTruncated" (or the CLI\'s output without --max-items)',
        source: PAGE_1,
      },
    ]);
  });

  it('returns an empty inventory for no pages', () => {
    expect(mergeAuthorizationDetails([])).toEqual({
      principals: new Map(),
      groups: new Map(),
      policies: new Map(),
      accounts: new Set(),
    });
  });
});

/** The line of element `index` of `list` in a fixture. */
function parsedLine(name: string, list: 'Policies', index: number): number {
  return page(name).policies[index]!.origin.line!;
}

describe('parseAuthorizationDetails: bad input', () => {
  it('reports malformed JSON with line and column', () => {
    const text = fixture(CLI).replace('"UserName": "bob",', '"UserName": "bob"');
    expect(issuesOf(() => parseAuthorizationDetails(text, 'bad.json'))).toEqual([
      {
        code: 'invalid_json',
        path: '$.UserDetailList[1]',
        message: `unexpected character '"', expected ',' or '}' after the value of "UserName"`,
        source: 'bad.json',
        ...at(text, '"UserId": "AIDAQ3EGRJQY2BOB00002"'),
      },
    ]);
  });

  it('reports a truncated file', () => {
    const text = fixture(CLI).slice(0, 200);
    const [issue] = issuesOf(() => parseAuthorizationDetails(text, 'cut.json'));
    expect(issue).toMatchObject({ code: 'invalid_json', source: 'cut.json' });
    expect(issue!.message).toContain('the JSON is truncated');
  });

  it('reports a file that is not an export', () => {
    expect(issuesOf(() => parseAuthorizationDetails('[]', 'x.json'))).toEqual([
      {
        code: 'invalid_type',
        path: '$',
        message:
          'expected the output of "aws iam get-account-authorization-details" (an object with "UserDetailList", "GroupDetailList", "RoleDetailList" and "Policies"), found an array',
        source: 'x.json',
        line: 1,
        column: 1,
      },
    ]);
    expect(issuesOf(() => parseAuthorizationDetails('{"Content": "abc"}', 'x.json'))).toEqual([
      {
        code: 'missing_field',
        path: '$',
        message:
          'the object has none of "UserDetailList", "GroupDetailList", "RoleDetailList" and "Policies", expected the output of "aws iam get-account-authorization-details"',
        source: 'x.json',
        line: 1,
        column: 1,
      },
    ]);
  });

  it('reports wrong types with their JSON path, line and column, all at once', () => {
    const doc = cliExport();
    entry(doc, 'UserDetailList', 0).UserName = 42;
    entry(doc, 'UserDetailList', 1).GroupList = 'Developers';
    delete entry(doc, 'GroupDetailList', 0).CreateDate;
    entry(doc, 'RoleDetailList', 0).Tags = [{ Key: 'app' }];
    entry(doc, 'Policies', 0).AttachmentCount = '2';
    doc.IsTruncated = 'false';
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'invalid_type',
        path: '$.UserDetailList[0].UserName',
        message: '"UserName" must be a string, found 42',
        source: 'in.json',
        ...at(text, '42'),
      },
      {
        code: 'invalid_type',
        path: '$.UserDetailList[1].GroupList',
        message: '"GroupList" must be an array of group names, found "Developers"',
        source: 'in.json',
        ...valueAt(text, '"GroupList": "Developers"'),
      },
      {
        code: 'missing_field',
        path: '$.GroupDetailList[0]',
        message:
          'the group has no "CreateDate" field, expected an ISO 8601 date-time with a time zone, such as "2024-01-15T10:00:00Z" or "2024-01-15T10:00:00+00:00"',
        source: 'in.json',
        ...at(text, '{\n      "Path": "/",\n      "GroupName"'),
      },
      {
        code: 'missing_field',
        path: '$.RoleDetailList[0].Tags[0]',
        message: 'the tag has no "Value" field, expected a string',
        source: 'in.json',
        ...at(text, '{\n          "Key": "app"\n'),
      },
      {
        code: 'invalid_type',
        path: '$.Policies[0].AttachmentCount',
        message: '"AttachmentCount" must be a non-negative integer, found "2"',
        source: 'in.json',
        ...at(text, '"2"'),
      },
      {
        code: 'invalid_type',
        path: '$.IsTruncated',
        message: '"IsTruncated" must be true or false, found "false"',
        source: 'in.json',
        ...at(text, '"false"'),
      },
    ]);
  });

  it('reports a bad date', () => {
    const doc = cliExport();
    entry(doc, 'RoleDetailList', 0).CreateDate = '2024-02-30T10:00:00Z';
    (entry(doc, 'RoleDetailList', 0).RoleLastUsed as Record<string, unknown>).LastUsedDate =
      'yesterday';
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'invalid_value',
        path: '$.RoleDetailList[0].CreateDate',
        message:
          '"CreateDate" must be an ISO 8601 date-time with a time zone, such as "2024-01-15T10:00:00Z" or "2024-01-15T10:00:00+00:00", found "2024-02-30T10:00:00Z"',
        source: 'in.json',
        ...at(text, '"2024-02-30T10:00:00Z"'),
      },
      {
        code: 'invalid_value',
        path: '$.RoleDetailList[0].RoleLastUsed.LastUsedDate',
        message:
          '"LastUsedDate" must be an ISO 8601 date-time with a time zone, such as "2024-01-15T10:00:00Z" or "2024-01-15T10:00:00+00:00", found "yesterday"',
        source: 'in.json',
        ...at(text, '"yesterday"'),
      },
    ]);
  });

  it('reports ARNs that are not IAM ARNs or do not match the path and name', () => {
    const doc = cliExport();
    entry(doc, 'UserDetailList', 1).Arn = `arn:aws:iam::${A}:user/bob`;
    entry(doc, 'RoleDetailList', 2).Arn = `arn:aws:iam::${A}:user/ci-deploy`;
    const attached = entry(doc, 'GroupDetailList', 0).AttachedManagedPolicies as Record<
      string,
      unknown
    >[];
    attached[0]!.PolicyArn = 'DeveloperAccess';
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'invalid_value',
        path: '$.UserDetailList[1].Arn',
        message: `"Arn" is "arn:aws:iam::${A}:user/bob", which does not match "Path" "/engineering/" and "UserName" "bob": expected "arn:aws:iam::${A}:user/engineering/bob"`,
        source: 'in.json',
        ...at(text, `"arn:aws:iam::${A}:user/bob"`),
      },
      {
        code: 'invalid_value',
        path: '$.GroupDetailList[0].AttachedManagedPolicies[0].PolicyArn',
        message:
          '"PolicyArn" is "DeveloperAccess", expected a managed policy ARN such as "arn:aws:iam::123456789012:policy/name" or "arn:aws:iam::aws:policy/ReadOnlyAccess"',
        source: 'in.json',
        ...at(text, '"DeveloperAccess"', 1),
      },
      {
        code: 'invalid_value',
        path: '$.RoleDetailList[2].Arn',
        message: `"Arn" is "arn:aws:iam::${A}:user/ci-deploy", expected an IAM role ARN such as "arn:aws:iam::123456789012:role/service-role/name"`,
        source: 'in.json',
        ...at(text, `"arn:aws:iam::${A}:user/ci-deploy"`),
      },
    ]);
  });

  it('reports a bad policy document at its path in the file', () => {
    const doc = cliExport();
    const inline = (
      entry(doc, 'UserDetailList', 0).UserPolicyList as Record<string, unknown>[]
    )[0]!;
    (
      (inline.PolicyDocument as Record<string, unknown>).Statement as Record<string, unknown>[]
    )[0]!.Effect = 'allow';
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'invalid_value',
        path: '$.UserDetailList[0].UserPolicyList[0].PolicyDocument.Statement[0].Effect',
        message:
          '"Effect" is "allow", expected "Allow" or "Deny" (case-sensitive) (did you mean "Allow"?)',
        source: 'in.json',
        ...at(text, '"allow"'),
      },
    ]);
  });

  it('reports a bad URL-encoded document at the string, saying where in the decoded text', () => {
    const doc = cliExport();
    const inline = (
      entry(doc, 'GroupDetailList', 0).GroupPolicyList as Record<string, unknown>[]
    )[0]!;
    inline.PolicyDocument = encodeURIComponent('{"Version":"2012-10-17","Statement":[}');
    const broken = entry(doc, 'RoleDetailList', 2).RolePolicyList as Record<string, unknown>[];
    broken[0]!.PolicyDocument = '%7B%22Version%ZZ';
    const missing = entry(doc, 'Policies', 1).PolicyVersionList as Record<string, unknown>[];
    missing[0]!.Document = encodeURIComponent('{"Version":"2012-10-17"}');
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'invalid_json',
        path: '$.GroupDetailList[0].GroupPolicyList[0].PolicyDocument.Statement[0]',
        message:
          "unexpected character '}', expected a value (at 1:38 of the URL-decoded policy document)",
        source: 'in.json',
        ...at(text, '"%7B%22Version'),
      },
      {
        code: 'invalid_url_encoding',
        path: '$.RoleDetailList[2].RolePolicyList[0].PolicyDocument',
        message:
          'the policy looks URL-encoded (it starts with "%7B") but cannot be URL-decoded: it contains a malformed %-escape',
        source: 'in.json',
        ...at(text, '"%7B%22Version%ZZ"'),
      },
      {
        code: 'missing_field',
        path: '$.Policies[1].PolicyVersionList[0].Document',
        message:
          'the policy document has no "Statement" field (expected a statement object or an array of statement objects)',
        source: 'in.json',
        ...at(text, '"%7B%22Version', 2),
      },
    ]);
  });

  it('reports a policy whose default version is missing or inconsistent', () => {
    const doc = cliExport();
    entry(doc, 'Policies', 0).DefaultVersionId = 'v3';
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'conflicting_fields',
        path: '$.Policies[0].PolicyVersionList[0].IsDefaultVersion',
        message:
          '"IsDefaultVersion" is true but the policy\'s "DefaultVersionId" is "v3", not "v2"',
        source: 'in.json',
        ...valueAt(text, '"IsDefaultVersion": true'),
      },
      {
        code: 'missing_field',
        path: '$.Policies[0].PolicyVersionList',
        message:
          'no version in "PolicyVersionList" has the "DefaultVersionId" "v3", expected the default version with its document',
        source: 'in.json',
        ...at(text, '[\n        {\n          "Document"'),
      },
    ]);
  });

  it('reports duplicate tag keys and inline policy names', () => {
    const doc = cliExport();
    entry(doc, 'RoleDetailList', 0).Tags = [
      { Key: 'env', Value: 'prod' },
      { Key: 'env', Value: 'dev' },
    ];
    const inline = entry(doc, 'RoleDetailList', 2).RolePolicyList as unknown[];
    inline.push(structuredClone(inline[0]));
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'duplicate_key',
        path: '$.RoleDetailList[0].Tags[1].Key',
        message:
          'the tag key "env" is already used by $.RoleDetailList[0].Tags[0], expected unique tag keys',
        source: 'in.json',
        ...at(text, '"env"', 1),
      },
      {
        code: 'duplicate_key',
        path: '$.RoleDetailList[2].RolePolicyList[1].PolicyName',
        message:
          'the inline policy name "deploy" is already used by $.RoleDetailList[2].RolePolicyList[0], expected unique inline policy names',
        source: 'in.json',
        ...at(text, '"deploy"', 1),
      },
    ]);
  });

  it('reports IsTruncated without a Marker', () => {
    expect(
      issuesOf(() => parseAuthorizationDetails('{"Policies": [], "IsTruncated": true}', 'p.json')),
    ).toEqual([
      {
        code: 'missing_field',
        path: '$',
        message:
          '"IsTruncated" is true but there is no "Marker", expected the marker of the next page',
        source: 'p.json',
        line: 1,
        column: 1,
      },
    ]);
  });

  it('reports elements that are not objects and a path without slashes', () => {
    const doc = cliExport();
    (doc.UserDetailList as unknown[]).push('carol');
    entry(doc, 'GroupDetailList', 0).Path = 'devs';
    const { issues, text } = parseIssues(doc);
    expect(issues).toEqual([
      {
        code: 'invalid_type',
        path: '$.UserDetailList[2]',
        message: 'expected a user object, found "carol"',
        source: 'in.json',
        ...at(text, '"carol"'),
      },
      {
        code: 'invalid_value',
        path: '$.GroupDetailList[0].Path',
        message:
          '"Path" is "devs", expected a path that starts and ends with "/", such as "/" or "/service-role/"',
        source: 'in.json',
        ...at(text, '"devs"'),
      },
    ]);
  });
});
