import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ActivitySummary, ServiceActivity } from '../activity/types.js';
import { createCatalog } from '../catalog/catalog.js';
import { ValidationError } from '../errors.js';
import { computeFindings } from '../findings/findings.js';
import type { UnusedPermissionDetails } from '../findings/types.js';
import type { Inventory, ManagedPolicy, Principal } from '../inventory/types.js';
import { referenceAllows } from '../test-support/reference.js';
import { parsePermissionSets } from './read.js';
import type { PermissionSetRecommendation } from './recommend.js';
import { identityCenterRole, identityCenterRoleOfArn, isIdentityCenterRoleArn } from './roles.js';
import { permissionSetRecommendations } from './scan.js';
import { renderPermissionSetsTable } from './table.js';
import { PERMISSION_SETS_FORMAT, type PermissionSetsFile } from './types.js';
import { intersectUnused, unusedMapOf, type UnusedMap } from './unused.js';

const catalog = createCatalog(
  {
    s3: [
      ['ListBucket', { accessLevel: 'List', tracked: true }],
      ['GetBucketPolicy', { accessLevel: 'Read', tracked: true }],
      ['PutBucketPolicy', { accessLevel: 'Permissions management', tracked: true }],
      ['DeleteBucket', { accessLevel: 'Write', tracked: true }],
    ],
    ec2: [
      ['DescribeInstances', { accessLevel: 'List', tracked: true }],
      ['DescribeVpcs', { accessLevel: 'List', tracked: true }],
      ['RunInstances', { accessLevel: 'Write', tracked: true }],
    ],
    iam: [
      ['GetRole', { accessLevel: 'Read', tracked: true }],
      ['GetPolicy', { accessLevel: 'Read', tracked: true }],
      ['PassRole', { accessLevel: 'Write', tracked: true }],
    ],
  },
  'test-catalog',
);

const NOW = new Date('2026-09-01T00:00:00Z');
const OLD = new Date('2024-01-01T00:00:00Z');
const IN = new Date('2026-08-01T00:00:00Z');
const [A, B, C, D] = ['111111111111', '222222222222', '333333333333', '444444444444'];
const INSTANCE = 'arn:aws:sso:::instance/ssoins-0123456789abcdef';
const PS_ARN = 'arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef';
const ROLE = 'AWSReservedSSO_Dev_0123456789abcdef';
const PATH = '/aws-reserved/sso.amazonaws.com/';
const roleArn = (account: string) => `arn:aws:iam::${account}:role${PATH}${ROLE}`;

const INLINE = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Buckets', Effect: 'Allow', Action: 's3:*', Resource: '*' }],
};
const READ_ONLY: ManagedPolicy = {
  arn: 'arn:aws:iam::aws:policy/ReadOnlyish',
  name: 'ReadOnlyish',
  path: '/',
  owner: 'aws',
  defaultVersionId: 'v1',
  document: {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Buckets', Effect: 'Allow', Action: ['ec2:Describe*', 'iam:Get*'], Resource: '*' },
    ],
  },
};

function role(account: string): Principal {
  return {
    kind: 'role',
    arn: roleArn(account),
    name: ROLE,
    id: `AROA${account}`,
    path: PATH,
    accountId: account,
    createDate: OLD,
    tags: new Map(),
    inlinePolicies: [{ name: 'AwsSSOInlinePolicy', document: INLINE }],
    attachedPolicies: [READ_ONLY.arn],
    groups: [],
    accessKeys: [],
    roleLastUsed: IN,
  };
}

function inventory(accounts: string[]): Inventory {
  const principals = accounts.map(role);
  return {
    principals: new Map(principals.map((p) => [p.arn, p])),
    groups: new Map(),
    policies: new Map([[READ_ONLY.arn, READ_ONLY]]),
    accounts: new Set(accounts),
  };
}

/** `{account: ['s3:ListBucket', ...]}`: what each account's role used in the period. */
function activity(uses: Record<string, string[]>): ActivitySummary {
  const principals = new Map<string, { last?: Date; services: Map<string, ServiceActivity> }>();
  for (const [account, actions] of Object.entries(uses)) {
    const services = new Map<string, ServiceActivity>();
    for (const full of actions) {
      const [svc, name] = full.split(':') as [string, string];
      let sa = services.get(svc);
      if (sa === undefined) services.set(svc, (sa = { last: IN, actions: new Map() }));
      sa.actions.set(name.toLowerCase(), { last: IN, possible: false });
    }
    principals.set(roleArn(account), { ...(actions.length > 0 ? { last: IN } : {}), services });
  }
  return {
    principals,
    accessKeys: new Map(),
    observability: { dataEventServices: new Set(), actionLastAccessed: true },
  };
}

function file(accounts: string[], extra: Record<string, unknown> = {}): PermissionSetsFile {
  return {
    format: PERMISSION_SETS_FORMAT,
    instances: [
      {
        instanceArn: INSTANCE,
        permissionSets: [
          {
            permissionSetArn: PS_ARN,
            name: 'Dev',
            sessionDuration: 'PT8H',
            inlinePolicy: JSON.stringify(INLINE, null, 2),
            awsManagedPolicies: [{ arn: READ_ONLY.arn, name: READ_ONLY.name }],
            customerManagedPolicyReferences: [{ name: 'team-extra', path: '/' }],
            accounts,
            ...extra,
          },
        ],
      },
    ],
  };
}

function recommendFor(
  scanned: string[],
  provisioned: string[],
  uses: Record<string, string[]>,
  unusedRoles: string[] = [],
): PermissionSetRecommendation {
  const inv = inventory(scanned);
  for (const account of unusedRoles) inv.principals.get(roleArn(account))!.roleLastUsed = OLD;
  const result = computeFindings(inv, activity(uses), {
    catalog,
    now: NOW,
    trackingPeriodDays: 90,
  });
  const recs = permissionSetRecommendations([file(provisioned)], result, inv, catalog);
  expect(recs).toHaveLength(1);
  return recs[0]!;
}

/** What a set of Allow statements (Action only) allows over the catalog. */
function allowed(docs: readonly Record<string, unknown>[]): Set<string> {
  const out = new Set<string>();
  for (const doc of docs) {
    const st = doc.Statement as Record<string, unknown>[];
    for (const s of st) {
      if (s.Effect !== 'Allow') continue;
      const actions = ([] as string[]).concat(s.Action as string | string[]);
      for (const a of catalog.actions)
        if (referenceAllows('Action', actions, a.full)) out.add(a.full);
    }
  }
  return out;
}

function unusedSet(details: readonly UnusedPermissionDetails[]): Set<string> {
  const out = new Set<string>();
  for (const d of details) {
    for (const a of catalog.serviceActions(d.serviceNamespace)) {
      if (
        d.actions === undefined ||
        d.actions.some((x) => x.action.toLowerCase() === a.name.toLowerCase())
      ) {
        out.add(a.full);
      }
    }
  }
  return out;
}

/** The documents in force for a permission-set state (inline + AWS managed from the inventory). */
function docsOf(state: PermissionSetRecommendation['original']): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [];
  if (state.inlinePolicy !== null)
    docs.push(JSON.parse(state.inlinePolicy) as Record<string, unknown>);
  for (const m of state.awsManagedPolicies)
    docs.push(READ_ONLY.arn === m.arn ? READ_ONLY.document : {});
  return docs;
}

describe('identityCenterRole', () => {
  it('recognises a role by path and name, and names its permission set', () => {
    expect(identityCenterRole(PATH, 'AWSReservedSSO_My_Set_0123456789abcdef')).toEqual({
      roleName: 'AWSReservedSSO_My_Set_0123456789abcdef',
      permissionSetName: 'My_Set',
      suffix: '0123456789abcdef',
    });
    expect(identityCenterRole(`${PATH}eu-west-1/`, ROLE)?.permissionSetName).toBe('Dev');
    expect(isIdentityCenterRoleArn(roleArn(A))).toBe(true);
    expect(identityCenterRoleOfArn(roleArn(A))?.permissionSetName).toBe('Dev');
  });

  it.each([
    ['/', ROLE],
    [PATH, 'AWSReservedSSO_Dev'],
    [PATH, 'AWSReservedSSO_Dev_0123456789ABCDEX'],
    [PATH, 'AWSReservedSSO__0123456789abcdef'],
    [PATH, 'Other_Dev_0123456789abcdef'],
    ['/aws-reserved/', ROLE],
  ])('rejects path %s name %s', (path, name) => {
    expect(identityCenterRole(path, name)).toBeUndefined();
  });

  it('does not take a user or another service for a role', () => {
    expect(isIdentityCenterRoleArn(`arn:aws:iam::${A}:user${PATH}${ROLE}`)).toBe(false);
    expect(isIdentityCenterRoleArn(`arn:aws:sts::${A}:role${PATH}${ROLE}`)).toBe(false);
    expect(isIdentityCenterRoleArn(`arn:aws:iam::${A}:role/${ROLE}`)).toBe(false);
  });
});

describe('findings of an Identity Center role', () => {
  it('keep their unused permissions but offer no IAM step, and say why', () => {
    const inv = inventory([A]);
    const r = computeFindings(inv, activity({ [A]: ['s3:ListBucket'] }), {
      catalog,
      now: NOW,
      trackingPeriodDays: 90,
    });
    const f = r.findings.find((x) => x.findingType === 'UnusedPermission')!;
    expect(f.resource).toBe(roleArn(A));
    expect(f.policies!.length).toBeGreaterThan(0);
    expect(f.recommendation!.recommendedSteps).toEqual([]);
    for (const p of f.policies!) expect(p.labels?.[0]?.code).toBe('IDENTITY_CENTER_ROLE');
  });
});

describe('permission set recommendation', () => {
  it('keeps an action used in one account of three, lists the account without evidence', () => {
    const r = recommendFor([A, B, C], [A, B, C, D], {
      [A]: ['s3:ListBucket', 'ec2:DescribeInstances'],
      [B]: ['s3:ListBucket', 's3:DeleteBucket'],
      [C]: ['s3:ListBucket', 'iam:GetRole'],
    });
    expect(r.recommendedAction).toBe('UPDATE_PERMISSION_SET');
    expect(r.evaluatedAccounts).toEqual([A, B, C]);
    expect(r.unobservedAccounts).toEqual([D]);
    expect(r.accounts.find((a) => a.accountId === D)?.status).toBe('ACCOUNT_NOT_SCANNED');
    // s3:DeleteBucket (B), ec2:DescribeInstances (A), iam:GetRole (C) are used somewhere: they stay.
    expect(unusedSet(r.unused as UnusedPermissionDetails[])).toEqual(
      new Set(['s3:GetBucketPolicy', 's3:PutBucketPolicy', 'ec2:DescribeVpcs', 'iam:GetPolicy']),
    );
    expect(r.usedSomewhere.map((d) => d.serviceNamespace)).toEqual(['ec2', 'iam', 's3']);
    const inline = r.policies.find((p) => p.policyType === 'INLINE')!;
    expect(inline.action).toBe('REFINE');
    expect(inline.proof?.exact).toBe(true);
    const managed = r.policies.find((p) => p.policyType === 'AWS_MANAGED')!;
    expect(managed.action).toBe('MERGE_INTO_INLINE');
    expect(r.policies.find((p) => p.policyType === 'CUSTOMER_MANAGED_REFERENCE')?.action).toBe(
      'NOT_REFINED',
    );
    expect(r.recommended.awsManagedPolicies).toEqual([]);
    expect(r.recommended.customerManagedPolicyReferences).toEqual([
      { name: 'team-extra', path: '/' },
    ]);
    const doc = JSON.parse(r.recommended.inlinePolicy!) as { Statement: { Sid?: string }[] };
    // The merged statement's Sid collided with the inline one's: renamed.
    expect(doc.Statement.map((s) => s.Sid)).toEqual(['Buckets', 'Buckets2']);
    expect(r.size).toMatchObject({ quota: 32768, nonWhitespaceQuota: 10240, fits: true });
    // Exact: the permission set allows what it did minus what is unused in every account.
    const before = allowed(docsOf(r.original));
    const after = allowed(docsOf(r.recommended));
    const unused = unusedSet(r.unused as UnusedPermissionDetails[]);
    expect(after).toEqual(new Set([...before].filter((a) => !unused.has(a))));
    expect(renderPermissionSetsTable([r])).toContain('444444444444: ACCOUNT_NOT_SCANNED');
    expect(r.notes.join(' ')).not.toContain('not provisioned to');
  });

  it('lists a role of the permission set in an account it is not provisioned to, and ignores it', () => {
    const r = recommendFor([A, B], [A], { [A]: ['s3:ListBucket'], [B]: [] });
    expect(r.evaluatedAccounts).toEqual([A]);
    expect(r.notes.join(' ')).toContain(`not taken into account: ${roleArn(B)}`);
  });

  it('an account without evidence makes nothing unused; no evaluated account: NOT_EVALUATED', () => {
    const r = recommendFor([], [A, B], {});
    expect(r.recommendedAction).toBe('NOT_EVALUATED');
    expect(r.unused).toEqual([]);
    expect(r.recommended).toEqual(r.original);
  });

  it('NONE when every account together used all it allows', () => {
    const r = recommendFor([A, B], [A, B], {
      [A]: ['s3:ListBucket', 's3:GetBucketPolicy', 'ec2:DescribeInstances', 'iam:GetRole'],
      [B]: ['s3:PutBucketPolicy', 's3:DeleteBucket', 'ec2:DescribeVpcs', 'iam:GetPolicy'],
    });
    expect(r.recommendedAction).toBe('NONE');
    expect(r.unused).toEqual([]);
  });

  it('a role unused in every account: everything unused, the policies removed', () => {
    const r = recommendFor([A, B], [A, B], {}, [A, B]);
    expect(r.accounts.map((a) => a.status)).toEqual(['ROLE_UNUSED', 'ROLE_UNUSED']);
    expect(r.unused).toBe('everything');
    expect(r.recommendedAction).toBe('UPDATE_PERMISSION_SET');
    expect(r.recommended.inlinePolicy).toBeNull();
    expect(r.recommended.awsManagedPolicies).toEqual([]);
  });

  it('a role unused in one account takes no part in the intersection', () => {
    const r = recommendFor([A, B], [A, B], { [B]: ['s3:ListBucket'] }, [A]);
    expect(r.accounts.map((a) => a.status)).toEqual(['ROLE_UNUSED', 'EVALUATED']);
    expect([...unusedSet(r.unused as UnusedPermissionDetails[])].sort()).toEqual([
      'ec2:DescribeInstances',
      'ec2:DescribeVpcs',
      'ec2:RunInstances',
      'iam:GetPolicy',
      'iam:GetRole',
      'iam:PassRole',
      's3:DeleteBucket',
      's3:GetBucketPolicy',
      's3:PutBucketPolicy',
    ]);
    expect(r.unused).toContainEqual({ serviceNamespace: 'ec2' });
  });

  it('does not merge a managed policy into an inline policy of another language Version', () => {
    const inv = inventory([A]);
    const result = computeFindings(
      inv,
      activity({ [A]: ['s3:ListBucket', 'ec2:DescribeInstances'] }),
      {
        catalog,
        now: NOW,
        trackingPeriodDays: 90,
      },
    );
    const old = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
    const [r] = permissionSetRecommendations(
      [file([A], { inlinePolicy: old })],
      result,
      inv,
      catalog,
    );
    const managed = r!.policies.find((p) => p.policyType === 'AWS_MANAGED')!;
    expect(managed.action).toBe('NOT_REFINED');
    expect(managed.reason).toContain('differs from the inline policy');
    expect(r!.recommended.awsManagedPolicies).toEqual([
      { arn: READ_ONLY.arn, name: READ_ONLY.name },
    ]);
    expect(r!.recommendedAction).toBe('UPDATE_PERMISSION_SET');
    expect(JSON.parse(r!.recommended.inlinePolicy!)).not.toHaveProperty('Version');
  });

  it('an inline policy that is not a valid policy: INVALID_POLICY, nothing offered', () => {
    const inv = inventory([A]);
    const result = computeFindings(inv, activity({ [A]: ['s3:ListBucket'] }), {
      catalog,
      now: NOW,
      trackingPeriodDays: 90,
    });
    const bad = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'allow', Action: 's3:*' }],
    });
    const [r] = permissionSetRecommendations(
      [file([A], { inlinePolicy: bad })],
      result,
      inv,
      catalog,
    );
    expect(r!.recommendedAction).toBe('INVALID_POLICY');
    expect(r!.recommended).toEqual(r!.original);
    expect(r!.notes.join(' ')).toContain('$.Statement[0].Effect');
  });

  it('the recommended permission set allows exactly the original minus what no account used (property)', () => {
    const actions = catalog.actions.map((x) => x.full);
    const patterns = [
      's3:*',
      's3:Get*',
      's3:ListBucket',
      'ec2:Describe*',
      'ec2:*',
      'iam:Get*',
      'iam:PassRole',
      '*',
    ];
    const docArb = fc
      .array(fc.subarray(patterns, { minLength: 1 }), { minLength: 1, maxLength: 3 })
      .map((lists) => ({
        Version: '2012-10-17',
        Statement: lists.map((Action, i) => ({
          Sid: `S${i}`,
          Effect: 'Allow',
          Action,
          Resource: '*',
        })),
      }));
    fc.assert(
      fc.property(
        docArb,
        docArb,
        fc.array(fc.subarray(actions), { minLength: 1, maxLength: 3 }),
        (inlineDoc, managedDoc, uses) => {
          const accounts = ['111111111111', '222222222222', '333333333333'].slice(0, uses.length);
          const managed = { ...READ_ONLY, document: managedDoc };
          const inv = inventory(accounts);
          inv.policies.set(managed.arn, managed);
          for (const p of inv.principals.values())
            p.inlinePolicies = [{ name: 'AwsSSOInlinePolicy', document: inlineDoc }];
          const result = computeFindings(
            inv,
            activity(Object.fromEntries(accounts.map((a, i) => [a, uses[i]!]))),
            { catalog, now: NOW, trackingPeriodDays: 90 },
          );
          const [r] = permissionSetRecommendations(
            [
              file(accounts, {
                inlinePolicy: JSON.stringify(inlineDoc),
                customerManagedPolicyReferences: [],
              }),
            ],
            result,
            inv,
            catalog,
          );
          const docs = (state: PermissionSetRecommendation['original']) => [
            ...(state.inlinePolicy === null
              ? []
              : [JSON.parse(state.inlinePolicy) as Record<string, unknown>]),
            ...state.awsManagedPolicies.map(() => managedDoc),
          ];
          const before = allowed(docs(r!.original));
          const after = allowed(docs(r!.recommended));
          const unused = r!.unused === 'everything' ? new Set(actions) : unusedSet(r!.unused);
          expect([...after].sort()).toEqual([...before].filter((x) => !unused.has(x)).sort());
          // Nothing any account used is removed.
          for (const list of uses)
            for (const x of list) if (before.has(x)) expect(after.has(x)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('intersection agrees with a brute-force reference (property)', () => {
    const all = catalog.actions.map((a) => a.full);
    const detailsArb = fc.subarray(catalog.services as string[]).chain((services) =>
      fc.tuple(
        ...services.map((s) =>
          fc.oneof(
            fc.constant<UnusedPermissionDetails>({ serviceNamespace: s }),
            fc
              .subarray(
                catalog.serviceActions(s).map((a) => a.name),
                { minLength: 1 },
              )
              .map((names) => ({
                serviceNamespace: s,
                actions: names.map((action) => ({ action })),
              })),
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(fc.array(detailsArb, { minLength: 1, maxLength: 4 }), (sets) => {
        let x: UnusedMap | undefined;
        for (const s of sets) x = intersectUnused(x, unusedMapOf(s));
        const got = new Set<string>();
        for (const [service, v] of x!) {
          for (const a of catalog.serviceActions(service)) {
            if (v === 'all' || v.has(a.name.toLowerCase())) got.add(a.full);
          }
        }
        const want = all.filter((a) => sets.every((s) => unusedSet(s).has(a)));
        expect([...got].sort()).toEqual(want.sort());
      }),
    );
  });
});

describe('parsePermissionSets', () => {
  it('reads what it is given', () => {
    const f = file([A, B]);
    expect(parsePermissionSets(JSON.stringify(f, null, 2), 'ps.json')).toEqual(f);
  });

  it('names every problem with its path and line', () => {
    const bad = file(['12345', A], { inlinePolicy: 'not json', name: 'bad name!' });
    let error: unknown;
    try {
      parsePermissionSets(JSON.stringify(bad, null, 2), 'ps.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues.map((i) => `${i.path} ${i.code} ${i.line}`);
    expect(issues).toEqual([
      '$.instances[0].permissionSets[0].name invalid_value 9',
      '$.instances[0].permissionSets[0].inlinePolicy invalid_value 11',
      '$.instances[0].permissionSets[0].accounts[0] invalid_value 25',
    ]);
    expect((error as ValidationError).issues[0]!.source).toBe('ps.json');
  });

  it('rejects another format, and a permission set of another instance', () => {
    const f = file([A]);
    const wrong = { ...f, format: 'other' };
    expect(() => parsePermissionSets(JSON.stringify(wrong), 'x.json')).toThrow(/format/);
    const other = file([A], {
      permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-ffffffffffffffff/ps-0123456789abcdef',
    });
    expect(() => parsePermissionSets(JSON.stringify(other), 'x.json')).toThrow(/does not belong/);
  });
});
