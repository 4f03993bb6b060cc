import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import { isUnused, parseUnused, type UnusedPermissions, type UnusedSet } from './unused.js';

/** The issues `parseUnused` throws for `input` (fails the test when nothing is thrown). */
function issuesOf(input: unknown, source?: string): readonly Issue[] {
  try {
    parseUnused(input, source === undefined ? {} : { source });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected the input to be rejected');
}

/** The single issue `parseUnused` throws. */
function issueOf(input: unknown, source?: string): Issue {
  const issues = issuesOf(input, source);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

/** The services map as a plain, comparable structure. */
function servicesOf(set: UnusedSet): Record<string, 'all' | string[]> {
  return Object.fromEntries(
    [...set.services].map(([service, actions]) => [
      service,
      actions === 'all' ? 'all' : [...actions].sort(),
    ]),
  );
}

/** A GetFindingV2 response for an UnusedPermission finding, as Access Analyzer returns it. */
const FINDING = {
  analyzedAt: '2024-06-01T00:00:00Z',
  createdAt: '2024-05-01T00:00:00Z',
  id: 'f7a8c1e2-0000-4000-8000-000000000000',
  resource: 'arn:aws:iam::123456789012:role/app',
  resourceType: 'AWS::IAM::Role',
  resourceOwnerAccount: '123456789012',
  status: 'ACTIVE',
  updatedAt: '2024-06-01T00:00:00Z',
  findingType: 'UnusedPermission',
  findingDetails: [
    {
      unusedPermissionDetails: {
        serviceNamespace: 's3',
        actions: [
          { action: 's3:GetObjectAcl', lastAccessed: '2024-01-01T00:00:00Z' },
          { action: 'PutBucketPolicy' },
        ],
        lastAccessed: '2024-03-01T00:00:00Z',
      },
    },
    { unusedPermissionDetails: { serviceNamespace: 'dynamodb' } },
  ],
};

describe('parseUnused: the article shape', () => {
  it('normalizes services and actions', () => {
    const input: UnusedPermissions = [
      { serviceNamespace: 's3', actions: ['GetObjectAcl', 's3:PutBucketPolicy'] },
      { serviceNamespace: 'DynamoDB' },
    ];
    const set = parseUnused(input);
    expect(servicesOf(set)).toEqual({
      s3: ['getobjectacl', 'putbucketpolicy'],
      dynamodb: 'all',
    });
    expect(set.entries).toEqual(['s3:GetObjectAcl', 's3:PutBucketPolicy', 'DynamoDB:*']);
  });

  it('lets a whole service win over listed actions, in either order', () => {
    for (const input of [
      [{ serviceNamespace: 's3', actions: ['GetObject'] }, { serviceNamespace: 'S3' }],
      [{ serviceNamespace: 's3' }, { serviceNamespace: 's3', actions: ['GetObject'] }],
    ]) {
      const set = parseUnused(input);
      expect(set.services.get('s3')).toBe('all');
      expect(isUnused(set, 's3', 'ListBuckets')).toBe(true);
    }
  });

  it('treats an empty actions list as nothing unused for that service', () => {
    const set = parseUnused([{ serviceNamespace: 's3', actions: [] }]);
    expect(set.services.size).toBe(0);
    expect(set.entries).toEqual([]);
    expect(isUnused(set, 's3', 'GetObject')).toBe(false);
  });

  it('accepts an empty list: nothing is unused', () => {
    const set = parseUnused([]);
    expect(set.services.size).toBe(0);
    expect(set.entries).toEqual([]);
    expect(parseUnused('[]').entries).toEqual([]);
  });

  it('rejects an action of another service', () => {
    const issue = issueOf([{ serviceNamespace: 's3', actions: ['GetObject', 'ec2:RunInstances'] }]);
    expect(issue).toMatchObject({ code: 'invalid_value', path: '$[0].actions[1]' });
    expect(issue.message).toContain('"ec2:RunInstances" is not an action of the service "s3"');
  });

  it('rejects wildcards in actions and in the service', () => {
    const issues = issuesOf([
      { serviceNamespace: 's3', actions: ['GetObject', 'ListBucket', 'Get*'] },
      { serviceNamespace: 'ec2', actions: ['s3:*', 'Describe?nstances'] },
      { serviceNamespace: '*' },
    ]);
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'unsupported_wildcard $[0].actions[2]',
      'unsupported_wildcard $[1].actions[0]',
      'unsupported_wildcard $[1].actions[1]',
      'unsupported_wildcard $[2].serviceNamespace',
    ]);
    expect(issues[0]!.message).toContain('"Get*" contains a wildcard, which is not supported');
  });

  it('reports shape errors with paths', () => {
    const issues = issuesOf([
      { actions: ['GetObject'] },
      { serviceNamespace: 3 },
      { serviceNamespace: 's3', actions: 'GetObject' },
      { serviceNamespace: 's3', actions: ['GetObject', 7, '', 'Get Object'] },
      { serviceNamespace: 's3:x' },
      null,
    ]);
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'missing_field $[0]',
      'invalid_type $[1].serviceNamespace',
      'invalid_type $[2].actions',
      'invalid_type $[3].actions[1]',
      'invalid_value $[3].actions[2]',
      'invalid_value $[3].actions[3]',
      'invalid_value $[4].serviceNamespace',
      'invalid_type $[5]',
    ]);
    for (const issue of issues) expect(issue.source).toBe('<input>');
  });
});

describe('parseUnused: "service:Action" strings', () => {
  it('normalizes actions and whole services', () => {
    const set = parseUnused(['s3:GetObject', 'iam:*', 'S3:PutObject', 'iam:PassRole']);
    expect(servicesOf(set)).toEqual({ s3: ['getobject', 'putobject'], iam: 'all' });
    expect(set.entries).toEqual(['s3:GetObject', 'iam:*', 'S3:PutObject', 'iam:PassRole']);
  });

  it('de-duplicates entries case-insensitively, keeping the first spelling', () => {
    const set = parseUnused(['s3:GetObject', 'S3:getobject', 's3:GETOBJECT', 'ec2:*', 'EC2:*']);
    expect(set.entries).toEqual(['s3:GetObject', 'ec2:*']);
    expect(servicesOf(set)).toEqual({ s3: ['getobject'], ec2: 'all' });
  });

  it('de-duplicates the same action written with and without its prefix', () => {
    const set = parseUnused([{ serviceNamespace: 's3', actions: ['GetObject', 's3:getObject'] }]);
    expect(set.entries).toEqual(['s3:GetObject']);
  });

  it('rejects every wildcard but service:*', () => {
    const issues = issuesOf([
      's3:GetObject',
      's3:Get*',
      '*',
      's3:*Object',
      's?:*',
      '*:*',
      's3:Get?bject',
    ]);
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'unsupported_wildcard $[1]',
      'unsupported_wildcard $[2]',
      'unsupported_wildcard $[3]',
      'unsupported_wildcard $[4]',
      'unsupported_wildcard $[5]',
      'unsupported_wildcard $[6]',
    ]);
    expect(issues[0]!.message).toBe(
      '"s3:Get*" contains a wildcard, which is not supported here: list exact actions such as "s3:GetObject", or "s3:*" for a whole service',
    );
  });

  it('rejects strings that are not service:Action', () => {
    const issues = issuesOf([
      'GetObject',
      's3:',
      ':GetObject',
      's3:Get:Object',
      's3 :GetObject',
      5,
    ]);
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'invalid_value $[0]',
      'invalid_value $[1]',
      'invalid_value $[2]',
      'invalid_value $[3]',
      'invalid_value $[4]',
      'invalid_type $[5]',
    ]);
  });
});

describe('parseUnused: GetFindingV2 responses', () => {
  it('reads unusedPermissionDetails', () => {
    const set = parseUnused(FINDING);
    expect(servicesOf(set)).toEqual({ s3: ['getobjectacl', 'putbucketpolicy'], dynamodb: 'all' });
    expect(set.entries).toEqual(['s3:GetObjectAcl', 's3:PutBucketPolicy', 'dynamodb:*']);
  });

  it('ignores details of other kinds next to unusedPermissionDetails', () => {
    const set = parseUnused({
      findingDetails: [
        { somethingElse: { x: 1 } },
        {
          unusedPermissionDetails: {
            serviceNamespace: 'sqs',
            actions: [{ action: 'SendMessage' }],
          },
        },
      ],
    });
    expect(set.entries).toEqual(['sqs:SendMessage']);
  });

  it('accepts a finding with no details', () => {
    expect(parseUnused({ findingType: 'UnusedPermission', findingDetails: [] }).entries).toEqual(
      [],
    );
  });

  it('reports a wildcard at its full path', () => {
    const input = {
      findingDetails: [
        FINDING.findingDetails[0],
        {
          unusedPermissionDetails: {
            serviceNamespace: 'ec2',
            actions: [{ action: 'ec2:Describe*' }],
          },
        },
      ],
    };
    expect(issueOf(input)).toMatchObject({
      code: 'unsupported_wildcard',
      path: '$.findingDetails[1].unusedPermissionDetails.actions[0].action',
    });
  });

  it('says so when the finding is not an UnusedPermission finding', () => {
    const role = issueOf({
      findingType: 'UnusedIAMRole',
      findingDetails: [{ unusedIamRoleDetails: { lastAccessed: '2024-01-01T00:00:00Z' } }],
    });
    expect(role).toMatchObject({ code: 'invalid_value', path: '$.findingType' });
    expect(role.message).toContain('not an "UnusedPermission" finding');

    const untyped = issueOf({
      findingDetails: [{ unusedIamUserAccessKeyDetails: { accessKeyId: 'AKIA...' } }],
    });
    expect(untyped).toMatchObject({ code: 'invalid_value', path: '$.findingDetails' });
    expect(untyped.message).toContain('not an UnusedPermission finding');
    expect(untyped.message).toContain('"unusedIamUserAccessKeyDetails"');
  });

  it('reports shape errors with paths', () => {
    const issues = issuesOf({
      findingDetails: [
        'x',
        { unusedPermissionDetails: [] },
        {
          unusedPermissionDetails: {
            serviceNamespace: 's3',
            actions: ['GetObject', {}, { action: 1 }],
          },
        },
      ],
    });
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'invalid_type $.findingDetails[0]',
      'invalid_type $.findingDetails[1].unusedPermissionDetails',
      'invalid_type $.findingDetails[2].unusedPermissionDetails.actions[0]',
      'missing_field $.findingDetails[2].unusedPermissionDetails.actions[1]',
      'invalid_type $.findingDetails[2].unusedPermissionDetails.actions[2].action',
    ]);
    expect(issueOf({ findingDetails: {} })).toMatchObject({
      code: 'invalid_type',
      path: '$.findingDetails',
    });
  });
});

describe('parseUnused: input kinds', () => {
  it('rejects values of no known shape', () => {
    for (const input of [42, null, { serviceNamespace: 's3' }, 'true']) {
      const issue = issueOf(input);
      expect(issue).toMatchObject({ code: 'invalid_type', path: '$' });
      expect(issue.message).toContain('GetFindingV2');
    }
  });

  it('parses JSON text and locates issues by line and column', () => {
    const text =
      '[\n  {"serviceNamespace": "s3", "actions": ["GetObject", "List*"]},\n  "ec2:Run*"\n]';
    const issues = issuesOf(text, 'unused.json');
    expect(issues).toEqual([
      {
        code: 'unsupported_wildcard',
        path: '$[0].actions[1]',
        message:
          '"List*" contains a wildcard, which is not supported here: list exact actions such as "GetObject", or leave out "actions" when the whole service is unused',
        source: 'unused.json',
        line: 2,
        column: 55,
      },
      {
        code: 'unsupported_wildcard',
        path: '$[1]',
        message:
          '"ec2:Run*" contains a wildcard, which is not supported here: list exact actions such as "s3:GetObject", or "s3:*" for a whole service',
        source: 'unused.json',
        line: 3,
        column: 3,
      },
    ]);
  });

  it('reports invalid and empty JSON text', () => {
    expect(issueOf('[{"serviceNamespace": "s3",]', 'u.json')).toMatchObject({
      code: 'invalid_json',
      source: 'u.json',
      line: 1,
      column: 28,
    });
    expect(issueOf('{"findingDetails": [], "findingDetails": []}')).toMatchObject({
      code: 'duplicate_key',
      path: '$',
    });
    expect(issueOf('')).toMatchObject({ code: 'empty_input' });
  });

  it('does not let a "__proto__" key stand in for a missing field', () => {
    const set = parseUnused(
      '[{"serviceNamespace": "s3", "__proto__": {"actions": ["GetObject"]}}]',
    );
    expect(set.services.get('s3')).toBe('all');
    expect(({} as { actions?: unknown }).actions).toBeUndefined();
  });
});

describe('isUnused', () => {
  const set = parseUnused(['s3:GetObject', 'iam:*']);

  it('matches case-insensitively', () => {
    expect(isUnused(set, 'S3', 'getobject')).toBe(true);
    expect(isUnused(set, 's3', 'GetObject')).toBe(true);
    expect(isUnused(set, 'IAM', 'CreateRole')).toBe(true);
  });

  it('is false for other actions and services', () => {
    expect(isUnused(set, 's3', 'PutObject')).toBe(false);
    expect(isUnused(set, 's3', 'GetObjectAcl')).toBe(false);
    expect(isUnused(set, 'ec2', 'GetObject')).toBe(false);
  });
});
