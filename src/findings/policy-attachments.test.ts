import { describe, expect, it } from 'vitest';
import type { Group, Inventory, ManagedPolicy, Principal } from '../inventory/types.js';
import { policyAttachments } from './policy-attachments.js';
import type { Finding, PolicyRecommendation } from './types.js';

const A = '123456789012';
const B = '210987654321';
const SHARED = `arn:aws:iam::${A}:policy/shared`;
const OTHER = `arn:aws:iam::${A}:policy/other`;
const AWS = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

function principal(
  kind: 'role' | 'user',
  account: string,
  name: string,
  attached: string[],
  groups: string[] = [],
): Principal {
  return {
    kind,
    arn: `arn:aws:iam::${account}:${kind}/${name}`,
    name,
    id: name,
    path: '/',
    accountId: account,
    createDate: new Date(0),
    tags: new Map(),
    inlinePolicies: [],
    attachedPolicies: attached,
    groups,
    accessKeys: [],
  };
}

function group(account: string, name: string, attached: string[]): Group {
  return {
    arn: `arn:aws:iam::${account}:group/${name}`,
    name,
    path: '/',
    accountId: account,
    createDate: new Date(0),
    inlinePolicies: [],
    attachedPolicies: attached,
  };
}

function policy(arn: string, attachmentCount?: number): ManagedPolicy {
  return {
    arn,
    name: arn.slice(arn.lastIndexOf('/') + 1),
    path: '/',
    owner: arn.includes(':aws:policy/') ? 'aws' : A,
    defaultVersionId: 'v1',
    document: {},
    ...(attachmentCount === undefined ? {} : { attachmentCount }),
  };
}

function finding(policies: Partial<PolicyRecommendation>[]): Finding {
  return {
    policies: policies.map((p) => ({ recommendedAction: 'CREATE_POLICY', ...p })),
  } as unknown as Finding;
}

describe('policyAttachments', () => {
  const principals = [
    principal('role', A, 'z-app', [SHARED, SHARED, OTHER]),
    principal('role', A, 'a-app', [SHARED, AWS]),
    principal('user', A, 'dev', [SHARED], ['devs', 'ops']),
    principal('user', A, 'alice', [], ['devs']),
    // Same group name in another account: not a member.
    principal('user', B, 'bob', [], ['devs']),
  ];
  const inventory: Inventory = {
    principals: new Map(principals.map((p) => [p.arn, p])),
    groups: new Map(
      [group(A, 'devs', [SHARED]), group(A, 'ops', [OTHER]), group(B, 'devs', [])].map((g) => [
        g.arn,
        g,
      ]),
    ),
    policies: new Map([policy(SHARED, 4), policy(OTHER), policy(AWS, 9)].map((p) => [p.arn, p])),
    accounts: new Set([A, B]),
  };

  it('lists the roles, users and groups (with their members) of every customer managed policy a recommendation refines', () => {
    const findings = [
      finding([{ policyId: SHARED, policyType: 'CUSTOMER_MANAGED' }]),
      finding([
        { policyId: AWS, policyType: 'AWS_MANAGED' },
        { policyId: 'inline', policyType: 'INLINE' },
      ]),
    ];
    expect(policyAttachments(inventory, findings)).toEqual([
      {
        policyArn: SHARED,
        attachmentCount: 4,
        roles: [`arn:aws:iam::${A}:role/a-app`, `arn:aws:iam::${A}:role/z-app`],
        users: [`arn:aws:iam::${A}:user/dev`],
        groups: [
          {
            arn: `arn:aws:iam::${A}:group/devs`,
            members: [`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:user/dev`],
          },
        ],
      },
    ]);
  });

  it('includes a group managed policy, without a count when IAM gave none, and nothing for DETACH or NONE', () => {
    const findings = [
      finding([{ policyId: OTHER, policyType: 'GROUP_MANAGED' }]),
      finding([
        { policyId: SHARED, policyType: 'CUSTOMER_MANAGED', recommendedAction: 'DETACH_POLICY' },
      ]),
    ];
    expect(policyAttachments(inventory, findings)).toEqual([
      {
        policyArn: OTHER,
        roles: [`arn:aws:iam::${A}:role/z-app`],
        users: [],
        groups: [{ arn: `arn:aws:iam::${A}:group/ops`, members: [`arn:aws:iam::${A}:user/dev`] }],
      },
    ]);
    expect(policyAttachments(inventory, [])).toEqual([]);
  });
});
