import { describe, expect, it } from 'vitest';
import { renderFindingsTable } from './table.js';
import type { ScanResult } from './types.js';

const A = '111122223333';
const result: ScanResult = {
  analyzedAt: '2024-07-01T00:00:00.000Z',
  trackingPeriodDays: 90,
  catalogVersion: 'test-catalog',
  findings: [
    {
      analyzedAt: '2024-07-01T00:00:00.000Z',
      createdAt: '2024-07-01T00:00:00.000Z',
      id: '1',
      resource: `arn:aws:iam::${A}:role/app`,
      resourceType: 'AWS::IAM::Role',
      resourceOwnerAccount: A,
      status: 'ACTIVE',
      updatedAt: '2024-07-01T00:00:00.000Z',
      findingType: 'UnusedPermission',
      findingDetails: [
        { unusedPermissionDetails: { serviceNamespace: 'ec2' } },
        {
          unusedPermissionDetails: {
            serviceNamespace: 'iam',
            lastAccessed: '2024-03-01T00:00:00.000Z',
          },
        },
        {
          unusedPermissionDetails: {
            serviceNamespace: 's3',
            actions: [{ action: 'DeleteBucket' }, { action: 'GetBucketPolicy' }],
          },
        },
      ],
      recommendation: {
        recommendationType: 'UnusedPermissionRecommendation',
        status: 'SUCCEEDED',
        resourceArn: `arn:aws:iam::${A}:role/app`,
        startedAt: '2024-07-01T00:00:00.000Z',
        completedAt: '2024-07-01T00:00:00.000Z',
        recommendedSteps: [],
      },
      policies: [
        {
          policyId: `arn:aws:iam::${A}:policy/App`,
          policyName: 'App',
          policyType: 'CUSTOMER_MANAGED',
          recommendedAction: 'CREATE_POLICY',
          policy: {},
          removedByAccessLevel: { Read: ['s3:GetBucketPolicy'], Write: ['s3:DeleteBucket'] },
          labels: [{ code: 'NOT_ACTION_POLICY', message: 'has an Allow statement with NotAction' }],
        },
        {
          policyId: 'ec2-admin',
          policyName: 'ec2-admin',
          policyType: 'INLINE',
          recommendedAction: 'DETACH_POLICY',
          policy: null,
          removedByAccessLevel: {},
          removedServices: ['ec2'],
        },
        {
          policyId: 'devs-s3',
          policyName: 'devs-s3',
          policyType: 'GROUP_INLINE',
          groupArn: `arn:aws:iam::${A}:group/devs`,
          recommendedAction: 'NONE',
          policy: null,
          removedByAccessLevel: {},
          labels: [
            { code: 'GROUP_POLICY_NOT_REFINED', message: 'not refined: member x is not evaluated' },
          ],
        },
      ],
    },
    {
      analyzedAt: '2024-07-01T00:00:00.000Z',
      createdAt: '2024-07-01T00:00:00.000Z',
      id: '2',
      resource: `arn:aws:iam::${A}:role/old`,
      resourceType: 'AWS::IAM::Role',
      resourceOwnerAccount: A,
      status: 'ACTIVE',
      updatedAt: '2024-07-01T00:00:00.000Z',
      findingType: 'UnusedIAMRole',
      findingDetails: [{ unusedIamRoleDetails: { lastAccessed: '2024-03-01T12:00:00.000Z' } }],
    },
    ...(['UnusedIAMUserAccessKey', 'UnusedIAMUserPassword'] as const).map((findingType, k) => ({
      analyzedAt: '2024-07-01T00:00:00.000Z',
      createdAt: '2024-07-01T00:00:00.000Z',
      id: `u${k}`,
      resource: `arn:aws:iam::${A}:user/alice`,
      resourceType: 'AWS::IAM::User' as const,
      resourceOwnerAccount: A,
      status: 'ACTIVE' as const,
      updatedAt: '2024-07-01T00:00:00.000Z',
      findingType,
      findingDetails:
        findingType === 'UnusedIAMUserAccessKey'
          ? [{ unusedIamUserAccessKeyDetails: { accessKeyId: 'access_key_1' } }]
          : [{ unusedIamUserPasswordDetails: {} }],
    })),
  ],
  notEvaluated: [
    {
      resource: `arn:aws:iam::${A}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport`,
      resourceType: 'AWS::IAM::Role',
      resourceOwnerAccount: A,
      reason: 'SERVICE_LINKED_ROLE',
      detail:
        'service-linked role (path /aws-service-role/support.amazonaws.com/), managed by an AWS service',
    },
  ],
  warnings: [{ code: 'missing_policy', message: 'managed policy X is not in the inventory' }],
};

/** Removes ANSI color codes (ESC [ digits m). */
function strip(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 27 && text[i + 1] === '[') {
      let j = i + 2;
      while (j < text.length && text[j] !== 'm') j++;
      i = j;
      continue;
    }
    out += text[i];
  }
  return out;
}

const lines = (text: string) => text.split('\n');

describe('renderFindingsTable', () => {
  it('summarizes per principal, then the principals not evaluated and the warnings', () => {
    expect(renderFindingsTable(result, { color: false })).toBe(
      [
        'iam-refine unused access findings',
        'Analyzed at 2024-07-01T00:00:00Z',
        'Tracking period: 90 days (since 2024-04-02T00:00:00Z)',
        'Catalog: test-catalog',
        'Findings: 4 (UnusedIAMRole 1, UnusedIAMUserPassword 1, UnusedIAMUserAccessKey 1, UnusedPermission 1)',
        'Not evaluated: 1, warnings: 1',
        '',
        'arn:aws:iam::111122223333:role/app  (role)',
        '  Unused permissions:',
        '    2 services unused entirely: ec2, iam',
        '    2 actions unused in 1 service: s3 (2)',
        '    Recommendations: 2 of 3 policies',
        '      CREATE_POLICY CUSTOMER_MANAGED arn:aws:iam::111122223333:policy/App  removes 2 actions (Read 1, Write 1)',
        '        note: has an Allow statement with NotAction',
        '      DETACH_POLICY INLINE           ec2-admin  removes 1 service unused as a whole',
        '      NONE          GROUP_INLINE     devs-s3 (group devs)',
        '        note: not refined: member x is not evaluated',
        '',
        'arn:aws:iam::111122223333:role/old  (role)',
        '  Unused role: last used 2024-03-01T12:00:00Z (121 days before analysis)',
        '',
        'arn:aws:iam::111122223333:user/alice  (user)',
        '  Unused access key access_key_1: last used never',
        '  Unused console password: last used never',
        '',
        'Not evaluated (1):',
        '  arn:aws:iam::111122223333:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport',
        '    SERVICE_LINKED_ROLE: service-linked role (path /aws-service-role/support.amazonaws.com/), managed by an AWS service',
        '',
        'Warnings (1):',
        '  [missing_policy] managed policy X is not in the inventory',
        '',
      ].join('\n'),
    );
  });

  it('colors with ANSI codes only when asked, and the text is the same', () => {
    const plain = renderFindingsTable(result, { color: false });
    const colored = renderFindingsTable(result, { color: true });
    expect(plain).not.toContain('\x1b');
    expect(colored).toContain('\x1b[1m');
    expect(strip(colored)).toBe(plain);
  });

  it('keeps every line under 120 characters, shortening lists and wrapping prose', () => {
    const longArn = `arn:aws:iam::${A}:role/${'very-long-path/'.repeat(12)}app`;
    const services = Array.from({ length: 60 }, (_, i) => `service${i}`);
    const message = `${'word '.repeat(60)}${'x'.repeat(300)} end`;
    const f = result.findings[0]!;
    const big: ScanResult = {
      ...result,
      findings: [
        {
          ...f,
          resource: longArn,
          findingDetails: [
            ...services.map((s) => ({ unusedPermissionDetails: { serviceNamespace: s } })),
            ...services.map((s) => ({
              unusedPermissionDetails: { serviceNamespace: `${s}x`, actions: [{ action: 'A' }] },
            })),
          ],
          recommendation: {
            ...f.recommendation!,
            status: 'FAILED',
            error: { code: 'REFINEMENT_FAILED', message },
          },
          policies: [
            {
              ...f.policies![0]!,
              policyId: `arn:aws:iam::${A}:policy/${'p'.repeat(200)}`,
              labels: [{ code: 'GROUP_POLICY', message }],
            },
          ],
        },
      ],
      warnings: [{ code: 'invalid_policy', message }],
    };
    for (const color of [false, true]) {
      const text = renderFindingsTable(big, { color });
      for (const line of lines(strip(text))) expect(line.length).toBeLessThan(120);
    }
    const text = renderFindingsTable(big, { color: false });
    expect(text).toContain('60 services unused entirely: service0, service1');
    expect(text).toMatch(/service\d+, \+\d+ more\n/);
    expect(text).toContain('60 actions unused in 60 services: service0x (1)');
    expect(text).toContain('Recommendation incomplete: ');
    // Wrapped prose keeps every character of the message.
    const warning = lines(text).slice(lines(text).indexOf('Warnings (1):') + 1);
    expect(warning.map((l) => l.trim()).join(' ')).toContain(
      `${'word '.repeat(60).trim()} ${'x'.repeat(117 - 2)}`,
    );
    expect(warning.join('').replaceAll(' ', '')).toContain(`${'x'.repeat(300)}end`);
  });

  it('counts the services a policy removes as a whole beside its removed actions, never cut', () => {
    const f = result.findings[0]!;
    const text = renderFindingsTable(
      {
        ...result,
        findings: [
          {
            ...f,
            policies: [
              {
                ...f.policies![0]!,
                labels: [],
                removedByAccessLevel: {
                  Read: ['s3:GetBucketPolicy', 's3:GetObject'],
                  Write: ['s3:DeleteBucket'],
                },
                removedServices: ['ec2', 'iam'],
              },
              { ...f.policies![1]!, removedServices: ['ec2', 'iam', 'kms'] },
              { ...f.policies![1]!, policyId: 'empty', removedServices: [] },
            ],
          },
        ],
      },
      { color: false },
    );
    const all = lines(text);
    const start = all.findIndex((l) => l.includes('Recommendations:')) + 1;
    // A summary too long to follow the policy on its line gets a line of its own, not cut.
    expect(all.slice(start, start + 4)).toEqual([
      '      CREATE_POLICY CUSTOMER_MANAGED arn:aws:iam::111122223333:policy/App',
      '        removes 3 actions (Read 2, Write 1) and 2 services unused as a whole',
      '      DETACH_POLICY INLINE           ec2-admin  removes 3 services unused as a whole',
      '      DETACH_POLICY INLINE           empty',
    ]);
  });

  it('says so when there is no finding', () => {
    const text = renderFindingsTable(
      { ...result, findings: [], notEvaluated: [], warnings: [] },
      { color: false },
    );
    expect(text).toContain('Findings: 0 (UnusedIAMRole 0, UnusedIAMUserPassword 0');
    expect(text).toContain('\nNo unused access found.\n');
    expect(text).not.toContain('Not evaluated (');
    expect(text).not.toContain('Warnings (');
  });
});
