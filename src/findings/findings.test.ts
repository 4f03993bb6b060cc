import { describe, expect, it } from 'vitest';
import type { ActivitySummary, ServiceActivity } from '../activity/types.js';
import { createCatalog } from '../catalog/catalog.js';
import { ValidationError } from '../errors.js';
import type { Group, Inventory, ManagedPolicy, Principal } from '../inventory/types.js';
import { computeFindings, type FindingsOptions } from './findings.js';
import type { Finding, FindingDetails, ScanResult, UnusedPermissionDetails } from './types.js';

const ACCOUNT = '111122223333';
const NOW = new Date('2024-07-01T00:00:00.000Z');
const DAYS = 90;
/** Window start: NOW − 90 days. */
const START = new Date(NOW.getTime() - DAYS * 86_400_000);
const at = (ms: number) => new Date(START.getTime() + ms);
const OLD = new Date('2023-01-01T00:00:00.000Z');
const IN = new Date('2024-06-01T00:00:00.000Z');
const BEFORE = new Date('2024-03-01T00:00:00.000Z');

const catalog = createCatalog(
  {
    s3: [
      ['GetObject', { accessLevel: 'Read', tracked: false }],
      ['PutObject', { accessLevel: 'Write', tracked: false }],
      ['ListBucket', { accessLevel: 'List', tracked: true }],
      ['GetBucketPolicy', { accessLevel: 'Read', tracked: true }],
      ['PutBucketPolicy', { accessLevel: 'Permissions management', tracked: true }],
      ['DeleteBucket', { accessLevel: 'Write', tracked: true }],
    ],
    ec2: [
      ['DescribeInstances', { accessLevel: 'List', tracked: true }],
      ['RunInstances', { accessLevel: 'Write', tracked: true }],
    ],
    iam: [
      ['GetRole', { accessLevel: 'Read', tracked: true }],
      ['PassRole', { accessLevel: 'Write', tracked: true }],
    ],
    lambda: [
      ['InvokeFunction', { accessLevel: 'Write', tracked: false }],
      ['GetFunction', { accessLevel: 'Read', tracked: true }],
    ],
  },
  'test-catalog',
);

const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], extra: object = {}) => ({
  Effect: 'Allow',
  Action,
  Resource: '*',
  ...extra,
});

function principal(kind: 'role' | 'user', name: string, extra: Partial<Principal>): Principal {
  return {
    kind,
    arn: `arn:aws:iam::${extra.accountId ?? ACCOUNT}:${kind}${extra.path ?? '/'}${name}`,
    name,
    id: `${kind === 'role' ? 'AROA' : 'AIDA'}${name.toUpperCase()}`,
    path: '/',
    accountId: ACCOUNT,
    createDate: OLD,
    tags: new Map(),
    inlinePolicies: [],
    attachedPolicies: [],
    groups: [],
    accessKeys: [],
    ...extra,
  };
}
const role = (name: string, extra: Partial<Principal> = {}) => principal('role', name, extra);
const user = (name: string, extra: Partial<Principal> = {}) => principal('user', name, extra);
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

function managed(name: string, document: Record<string, unknown>, aws = false): ManagedPolicy {
  return {
    arn: aws ? `arn:aws:iam::aws:policy/${name}` : `arn:aws:iam::${ACCOUNT}:policy/${name}`,
    name,
    path: '/',
    owner: aws ? 'aws' : ACCOUNT,
    defaultVersionId: 'v1',
    document,
  };
}

function group(name: string, extra: Partial<Group> = {}): Group {
  return {
    arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
    name,
    path: '/',
    accountId: ACCOUNT,
    createDate: OLD,
    inlinePolicies: [],
    attachedPolicies: [],
    ...extra,
  };
}

function inventory(
  principals: Principal[],
  groups: Group[] = [],
  policies: ManagedPolicy[] = [],
): Inventory {
  return {
    principals: new Map(principals.map((p) => [p.arn, p])),
    groups: new Map(groups.map((g) => [g.arn, g])),
    policies: new Map(policies.map((p) => [p.arn, p])),
    accounts: new Set([ACCOUNT]),
  };
}

/** `{arn: {service: {action: date | [date, possible], '*': allActionsAt}}}`. */
type Uses = Record<string, Record<string, Record<string, Date | [Date, boolean]>>>;

function activity(
  uses: Uses = {},
  extra: { dataEvents?: string[]; keys?: Record<string, [string, Date]> } = {},
): ActivitySummary {
  const principals = new Map<string, { last?: Date; services: Map<string, ServiceActivity> }>();
  for (const [arn, services] of Object.entries(uses)) {
    const map = new Map<string, ServiceActivity>();
    let plast: Date | undefined;
    for (const [svc, actions] of Object.entries(services)) {
      const sa: ServiceActivity = { last: new Date(0), actions: new Map() };
      for (const [name, v] of Object.entries(actions)) {
        const [d, possible] = Array.isArray(v) ? v : [v, false];
        if (name === '*') sa.allActionsAt = d;
        else sa.actions.set(name.toLowerCase(), { last: d, possible });
        if (d > sa.last) sa.last = d;
      }
      if (!plast || sa.last > plast) plast = sa.last;
      map.set(svc, sa);
    }
    principals.set(arn, { ...(plast ? { last: plast } : {}), services: map });
  }
  return {
    principals,
    accessKeys: new Map(
      Object.entries(extra.keys ?? {}).map(([id, [arn, last]]) => [id, { userArn: arn, last }]),
    ),
    observability: {
      dataEventServices: new Set(extra.dataEvents ?? []),
      actionLastAccessed: true,
    },
  };
}

const options = (extra: Partial<FindingsOptions> = {}): FindingsOptions => ({
  catalog,
  now: NOW,
  trackingPeriodDays: DAYS,
  ...extra,
});

function scan(inv: Inventory, act: ActivitySummary = activity(), extra = {}): ScanResult {
  return computeFindings(inv, act, options(extra));
}

function findingsOf(r: ScanResult, arn: string, type?: string): Finding[] {
  return r.findings.filter((f) => f.resource === arn && (!type || f.findingType === type));
}

function permissionDetails(f: Finding | undefined): UnusedPermissionDetails[] {
  return (f?.findingDetails ?? []).flatMap((d: FindingDetails) =>
    'unusedPermissionDetails' in d ? [d.unusedPermissionDetails] : [],
  );
}

/** A role used in the period (so its permissions are analyzed). */
const activeRole = (name: string, extra: Partial<Principal> = {}) =>
  role(name, { roleLastUsed: IN, ...extra });

describe('computeFindings: options', () => {
  it.each([0, 366, 1.5, -1, Number.NaN])('rejects a tracking period of %s days', (days) => {
    expect(() => scan(inventory([]), activity(), { trackingPeriodDays: days })).toThrow(
      ValidationError,
    );
  });

  it.each([1, 365])('accepts %s days', (days) => {
    const r = scan(inventory([]), activity(), { trackingPeriodDays: days });
    expect(r.trackingPeriodDays).toBe(days);
  });

  it('rejects an invalid now', () => {
    expect(() => scan(inventory([]), activity(), { now: new Date('nope') })).toThrow(
      ValidationError,
    );
  });

  it('reports the scan header fields', () => {
    const r = scan(inventory([]));
    expect(r).toEqual({
      analyzedAt: NOW.toISOString(),
      trackingPeriodDays: 90,
      catalogVersion: 'test-catalog',
      findings: [],
      notEvaluated: [],
      warnings: [],
    });
  });
});

describe('computeFindings: not evaluated', () => {
  it('evaluates a principal created exactly at the window start, not one created 1 ms after', () => {
    const r = scan(
      inventory([role('edge', { createDate: START }), role('young', { createDate: at(1) })]),
    );
    expect(r.notEvaluated).toEqual([
      {
        resource: roleArn('young'),
        resourceType: 'AWS::IAM::Role',
        resourceOwnerAccount: ACCOUNT,
        reason: 'CREATED_IN_TRACKING_PERIOD',
        detail: expect.stringContaining(at(1).toISOString()) as string,
      },
    ]);
    expect(findingsOf(r, roleArn('edge'), 'UnusedIAMRole')).toHaveLength(1);
    expect(findingsOf(r, roleArn('young'))).toHaveLength(0);
  });

  it('lists service-linked roles and never reports them', () => {
    const slr = role('AWSServiceRoleForSupport', {
      path: '/aws-service-role/support.amazonaws.com/',
    });
    const r = scan(inventory([slr]));
    expect(r.findings).toEqual([]);
    expect(r.notEvaluated.map((n) => [n.resource, n.reason])).toEqual([
      [slr.arn, 'SERVICE_LINKED_ROLE'],
    ]);
  });

  it('lists principals of an excluded account and with an excluded tag', () => {
    const other = role('other', { accountId: '444455556666' });
    const tagged = user('tagged', { tags: new Map([['team', 'sec']]) });
    const almost = user('almost', {
      tags: new Map([['team', 'SEC']]),
      password: { enabled: true, lastUsed: null },
    });
    const r = scan(inventory([other, tagged, almost]), activity(), {
      excludeAccounts: new Set(['444455556666']),
      excludeTags: [{ key: 'team', value: 'sec' }],
    });
    expect(r.notEvaluated.map((n) => [n.resourceOwnerAccount, n.resource, n.reason])).toEqual([
      [ACCOUNT, userArn('tagged'), 'EXCLUDED_TAG'],
      ['444455556666', other.arn, 'EXCLUDED_ACCOUNT'],
    ]);
    expect(r.findings.map((f) => [f.resource, f.findingType])).toEqual([
      [userArn('almost'), 'UnusedIAMUserPassword'],
    ]);
  });

  it('gives an exclusion precedence over the other reasons', () => {
    const slr = role('x', {
      path: '/aws-service-role/x/',
      createDate: IN,
      tags: new Map([['k', 'v']]),
    });
    const r = scan(inventory([slr]), activity(), { excludeTags: [{ key: 'k', value: 'v' }] });
    expect(r.notEvaluated[0]!.reason).toBe('EXCLUDED_TAG');
  });
});

describe('computeFindings: UnusedIAMRole', () => {
  it('counts a use exactly at the window start as in the period, not one 1 ms before', () => {
    const r = scan(
      inventory([role('edge', { roleLastUsed: START }), role('stale', { roleLastUsed: at(-1) })]),
    );
    expect(findingsOf(r, roleArn('edge'))).toEqual([]);
    expect(findingsOf(r, roleArn('stale'))).toMatchObject([
      {
        findingType: 'UnusedIAMRole',
        resourceType: 'AWS::IAM::Role',
        resourceOwnerAccount: ACCOUNT,
        status: 'ACTIVE',
        analyzedAt: NOW.toISOString(),
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
        findingDetails: [{ unusedIamRoleDetails: { lastAccessed: at(-1).toISOString() } }],
      },
    ]);
  });

  it('reports a never-used role without lastAccessed, and no UnusedPermission for it', () => {
    const r = scan(
      inventory([
        role('never', { inlinePolicies: [{ name: 'p', document: policy(allow('s3:*')) }] }),
      ]),
    );
    expect(findingsOf(r, roleArn('never'))).toMatchObject([
      { findingType: 'UnusedIAMRole', findingDetails: [{ unusedIamRoleDetails: {} }] },
    ]);
  });

  it('takes the latest use across RoleLastUsed and the activity record', () => {
    const r1 = scan(
      inventory([role('a', { roleLastUsed: BEFORE })]),
      activity({ [roleArn('a')]: { ec2: { DescribeInstances: IN } } }),
    );
    expect(findingsOf(r1, roleArn('a'), 'UnusedIAMRole')).toEqual([]);
    const r2 = scan(
      inventory([role('a', { roleLastUsed: OLD })]),
      activity({ [roleArn('a')]: { ec2: { DescribeInstances: BEFORE } } }),
    );
    expect(findingsOf(r2, roleArn('a'))[0]!.findingDetails).toEqual([
      { unusedIamRoleDetails: { lastAccessed: BEFORE.toISOString() } },
    ]);
  });
});

describe('computeFindings: UnusedIAMUserPassword', () => {
  it.each([
    ['never used', null, true, {}],
    ['used 1 ms before the period', at(-1), true, { lastAccessed: at(-1).toISOString() }],
    ['used at the window start', START, false, undefined],
  ] as const)('an enabled password %s', (_label, lastUsed, reported, details) => {
    const r = scan(inventory([user('u', { password: { enabled: true, lastUsed } })]));
    const f = findingsOf(r, userArn('u'), 'UnusedIAMUserPassword');
    expect(f).toHaveLength(reported ? 1 : 0);
    if (reported) expect(f[0]!.findingDetails).toEqual([{ unusedIamUserPasswordDetails: details }]);
  });

  it('ignores a disabled password', () => {
    const r = scan(inventory([user('u', { password: { enabled: false, lastUsed: null } })]));
    expect(r.findings).toEqual([]);
  });
});

describe('computeFindings: UnusedIAMUserAccessKey', () => {
  it('reports each active key not used in the period, by id when known, else by slot', () => {
    const u = user('u', {
      accessKeys: [
        { slot: 1, active: true, lastUsed: BEFORE },
        { id: 'AKIAUNUSED', slot: 2, active: true, lastUsed: null },
      ],
    });
    const r = scan(inventory([u]));
    expect(findingsOf(r, u.arn).map((f) => f.findingDetails)).toEqual([
      [{ unusedIamUserAccessKeyDetails: { accessKeyId: 'AKIAUNUSED' } }],
      [
        {
          unusedIamUserAccessKeyDetails: {
            accessKeyId: 'access_key_1',
            lastAccessed: BEFORE.toISOString(),
          },
        },
      ],
    ]);
  });

  it('ignores inactive keys and keys used in the period (credential report or activity by id)', () => {
    const u = user('u', {
      accessKeys: [
        { slot: 1, active: false, lastUsed: null },
        { id: 'AKIAUSED', slot: 2, active: true, lastUsed: BEFORE },
      ],
    });
    const r = scan(inventory([u]), activity({}, { keys: { AKIAUSED: [u.arn, START] } }));
    expect(findingsOf(r, u.arn, 'UnusedIAMUserAccessKey')).toEqual([]);
  });

  it('does not attribute activity by key id to a key whose id is unknown', () => {
    const u = user('u', { accessKeys: [{ slot: 1, active: true, lastUsed: at(-1) }] });
    const r = scan(inventory([u]), activity({}, { keys: { AKIAOTHER: [u.arn, IN] } }));
    expect(findingsOf(r, u.arn, 'UnusedIAMUserAccessKey')[0]!.findingDetails).toEqual([
      {
        unusedIamUserAccessKeyDetails: {
          accessKeyId: 'access_key_1',
          lastAccessed: at(-1).toISOString(),
        },
      },
    ]);
  });

  it('uses the later of the credential report and the activity for a known key', () => {
    const u = user('u', { accessKeys: [{ id: 'AKIA1', slot: 1, active: true, lastUsed: OLD }] });
    const r = scan(inventory([u]), activity({}, { keys: { AKIA1: [u.arn, BEFORE] } }));
    expect(findingsOf(r, u.arn)[0]!.findingDetails).toEqual([
      {
        unusedIamUserAccessKeyDetails: { accessKeyId: 'AKIA1', lastAccessed: BEFORE.toISOString() },
      },
    ]);
  });
});

describe('computeFindings: UnusedPermission details', () => {
  const doc = policy(allow(['s3:*', 'ec2:Describe*', 'iam:PassRole', 'lambda:*']));
  const r1 = activeRole('app', { inlinePolicies: [{ name: 'app', document: doc }] });

  it('reports unused services whole and unused observable actions of used services', () => {
    const r = scan(
      inventory([r1]),
      activity({
        [r1.arn]: {
          s3: { ListBucket: IN, GetBucketPolicy: at(-1) },
          iam: { PassRole: BEFORE },
          lambda: { InvokeFunction: IN },
        },
      }),
    );
    const [f] = findingsOf(r, r1.arn, 'UnusedPermission');
    expect(permissionDetails(f)).toEqual([
      { serviceNamespace: 'ec2' },
      { serviceNamespace: 'iam', lastAccessed: BEFORE.toISOString() },
      {
        serviceNamespace: 'lambda',
        actions: [{ action: 'GetFunction' }],
        lastAccessed: IN.toISOString(),
      },
      {
        serviceNamespace: 's3',
        actions: [
          { action: 'DeleteBucket' },
          { action: 'GetBucketPolicy', lastAccessed: at(-1).toISOString() },
          { action: 'PutBucketPolicy' },
        ],
        // The service's last use (of any action), as Access Analyzer reports it.
        lastAccessed: IN.toISOString(),
      },
    ]);
  });

  it('never reports an unobservable action; declared data events make a service observable', () => {
    const uses: Uses = { [r1.arn]: { s3: { ListBucket: IN }, lambda: { GetFunction: IN } } };
    const plain = permissionDetails(findingsOf(scan(inventory([r1]), activity(uses)), r1.arn)[0]);
    const s3 = plain.find((d) => d.serviceNamespace === 's3')!;
    expect(s3.actions!.map((a) => a.action)).toEqual([
      'DeleteBucket',
      'GetBucketPolicy',
      'PutBucketPolicy',
    ]);
    expect(plain.find((d) => d.serviceNamespace === 'lambda')).toBeUndefined();

    const withData = scan(inventory([r1]), activity(uses, { dataEvents: ['s3'] }));
    const s3d = permissionDetails(findingsOf(withData, r1.arn)[0]).find(
      (d) => d.serviceNamespace === 's3',
    )!;
    expect(s3d.actions!.map((a) => a.action)).toEqual([
      'DeleteBucket',
      'GetBucketPolicy',
      'GetObject',
      'PutBucketPolicy',
      'PutObject',
    ]);
  });

  it('counts an action used at the window start, a possible use and allActionsAt as used', () => {
    const r = scan(
      inventory([r1]),
      activity({
        [r1.arn]: {
          s3: { ListBucket: START, DeleteBucket: [IN, true], GetBucketPolicy: at(-1) },
          ec2: { '*': START },
          iam: { PassRole: IN },
          lambda: { GetFunction: IN },
        },
      }),
    );
    expect(permissionDetails(findingsOf(r, r1.arn)[0])).toEqual([
      {
        serviceNamespace: 's3',
        actions: [
          { action: 'GetBucketPolicy', lastAccessed: at(-1).toISOString() },
          { action: 'PutBucketPolicy' },
        ],
        lastAccessed: IN.toISOString(),
      },
    ]);
  });

  it('counts a service last used 1 ms before the period as unused as a whole', () => {
    const r = scan(
      inventory([r1]),
      activity({
        [r1.arn]: {
          s3: { '*': IN },
          ec2: { DescribeInstances: at(-1) },
          iam: { PassRole: IN },
          lambda: { GetFunction: IN },
        },
      }),
    );
    expect(permissionDetails(findingsOf(r, r1.arn)[0])).toEqual([
      { serviceNamespace: 'ec2', lastAccessed: at(-1).toISOString() },
    ]);
  });

  it('gives no finding when nothing observable is unused', () => {
    const r = scan(
      inventory([r1]),
      activity({
        [r1.arn]: {
          s3: { '*': IN },
          ec2: { DescribeInstances: IN },
          iam: { PassRole: IN },
          lambda: { GetFunction: IN },
        },
      }),
    );
    expect(r.findings).toEqual([]);
  });

  it('subtracts every action a Deny statement names (Action and NotAction)', () => {
    const p = activeRole('d', {
      inlinePolicies: [
        {
          name: 'd',
          document: policy(
            allow(['s3:*', 'ec2:*']),
            { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::prod' },
            { Effect: 'Deny', NotAction: ['s3:*', 'ec2:DescribeInstances'], Resource: '*' },
          ),
        },
      ],
    });
    const r = scan(inventory([p]), activity({ [p.arn]: { s3: { ListBucket: IN } } }));
    expect(permissionDetails(findingsOf(r, p.arn)[0])).toEqual([
      { serviceNamespace: 'ec2' },
      {
        serviceNamespace: 's3',
        actions: [{ action: 'GetBucketPolicy' }, { action: 'PutBucketPolicy' }],
        lastAccessed: IN.toISOString(),
      },
    ]);
    // The recommendation keeps the Deny statements byte for byte.
    const rec = findingsOf(r, p.arn)[0]!.policies![0]!;
    expect(rec.recommendedAction).toBe('CREATE_POLICY');
    expect((rec.policy as { Statement: object[] }).Statement.slice(1)).toEqual([
      { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::prod' },
      { Effect: 'Deny', NotAction: ['s3:*', 'ec2:DescribeInstances'], Resource: '*' },
    ]);
  });

  it('analyzes a user with any activity in the period, and not a user without', () => {
    const doc2 = policy(allow('ec2:DescribeInstances'));
    const viaPassword = user('console', {
      password: { enabled: true, lastUsed: IN },
      inlinePolicies: [{ name: 'p', document: doc2 }],
    });
    const viaKey = user('key', {
      accessKeys: [{ id: 'AKIAK', slot: 1, active: true, lastUsed: null }],
      inlinePolicies: [{ name: 'p', document: doc2 }],
    });
    const idle = user('idle', {
      password: { enabled: true, lastUsed: BEFORE },
      inlinePolicies: [{ name: 'p', document: doc2 }],
    });
    const r = scan(
      inventory([viaPassword, viaKey, idle]),
      activity({}, { keys: { AKIAK: [viaKey.arn, IN] } }),
    );
    expect(r.findings.map((f) => [f.resource, f.findingType])).toEqual([
      [viaPassword.arn, 'UnusedPermission'],
      [idle.arn, 'UnusedIAMUserPassword'],
      [viaKey.arn, 'UnusedPermission'],
    ]);
  });

  it('warns when an active principal has no service activity at all', () => {
    const r = scan(inventory([r1]));
    expect(findingsOf(r, r1.arn, 'UnusedPermission')).toHaveLength(1);
    expect(r.warnings.map((w) => [w.code, w.resource])).toEqual([['no_service_activity', r1.arn]]);
  });
});

describe('computeFindings: policies of a principal', () => {
  it('warns about a missing managed policy or group and an invalid document, and carries on', () => {
    const p = user('u', {
      password: { enabled: true, lastUsed: IN },
      attachedPolicies: ['arn:aws:iam::111122223333:policy/Gone'],
      groups: ['NoSuchGroup'],
      inlinePolicies: [
        { name: 'bad', document: { Statement: [{ Effect: 'Permit', Action: 's3:*' }] } },
        { name: 'ok', document: policy(allow('ec2:RunInstances')) },
      ],
    });
    const r = scan(inventory([p]), activity({ [p.arn]: { iam: { GetRole: IN } } }));
    expect(r.warnings.map((w) => w.code).sort()).toEqual([
      'invalid_policy',
      'missing_group',
      'missing_policy',
    ]);
    expect(r.warnings.find((w) => w.code === 'missing_policy')!.message).toContain(p.arn);
    expect(permissionDetails(findingsOf(r, p.arn)[0])).toEqual([{ serviceNamespace: 'ec2' }]);
  });

  it('gathers inline, managed, AWS-managed and group policies', () => {
    const cm = managed('Cm', policy(allow('ec2:RunInstances')));
    const am = managed('ReadOnly', policy(allow('iam:Get*')), true);
    const gm = managed('Gm', policy(allow('lambda:GetFunction')));
    const g = group('devs', {
      inlinePolicies: [{ name: 'gi', document: policy(allow('s3:ListBucket')) }],
      attachedPolicies: [gm.arn],
    });
    const u = user('u', {
      password: { enabled: true, lastUsed: IN },
      inlinePolicies: [{ name: 'own', document: policy(allow('ec2:DescribeInstances')) }],
      attachedPolicies: [cm.arn, am.arn],
      groups: ['devs'],
    });
    const r = scan(inventory([u], [g], [cm, am, gm]), activity({ [u.arn]: { sts: { X: IN } } }));
    const f = findingsOf(r, u.arn, 'UnusedPermission')[0]!;
    expect(permissionDetails(f).map((d) => d.serviceNamespace)).toEqual([
      'ec2',
      'iam',
      'lambda',
      's3',
    ]);
    expect(f.policies!.map((p) => [p.policyType, p.policyId, p.recommendedAction])).toEqual([
      ['INLINE', 'own', 'DETACH_POLICY'],
      ['CUSTOMER_MANAGED', cm.arn, 'DETACH_POLICY'],
      ['AWS_MANAGED', am.arn, 'DETACH_POLICY'],
      ['GROUP_INLINE', 'gi', 'DETACH_POLICY'],
      ['GROUP_MANAGED', gm.arn, 'DETACH_POLICY'],
    ]);
    expect(f.recommendation!.recommendedSteps).toEqual(
      ['own', cm.arn, am.arn, 'gi', gm.arn].map((id) => ({
        unusedPermissionsRecommendedStep: {
          recommendedAction: 'DETACH_POLICY',
          existingPolicyId: id,
        },
      })),
    );
  });
});

describe('computeFindings: the form of each recommendation, from where it lives', () => {
  // 350 actions the catalog does not know: kept as written in every form (about 8,800 characters).
  const extra = Array.from(
    { length: 350 },
    (_, i) => `custom:DoSomething${String(i).padStart(4, '0')}`,
  );
  const big = managed('Big', policy(allow(['s3:ListBucket', 's3:DeleteBucket', ...extra])));
  const small = managed('Small', policy(allow('s3:ListBucket')));
  const used = { s3: { ListBucket: IN } };

  it('a role with inline room takes the refinement as an inline policy', () => {
    const r1 = activeRole('roomy', { attachedPolicies: [big.arn] });
    const r = scan(inventory([r1], [], [big]), activity({ [r1.arn]: used }));
    const p = findingsOf(r, r1.arn, 'UnusedPermission')[0]!.policies![0]!;
    expect(p.form).toMatchObject({ policyType: 'role-inline', fits: true, quota: 10240 });
    expect(p.form!.tried[0]!.size).toBeGreaterThan(6144);
    expect(p.parts).toBeUndefined();
  });

  it('without the room (or for a user) it is split over managed policies, counting the others', () => {
    const inlineText = policy(allow(extra.slice(0, 200)));
    const r1 = activeRole('full', {
      attachedPolicies: [big.arn, small.arn],
      inlinePolicies: [{ name: 'mine', document: inlineText }],
    });
    const u1 = user('bob', { attachedPolicies: [big.arn] });
    const r = scan(
      inventory([r1, u1], [], [big, small]),
      activity({ [r1.arn]: used, [u1.arn]: used }),
    );
    const f = findingsOf(r, r1.arn, 'UnusedPermission')[0]!;
    const p = f.policies!.find((x) => x.policyName === 'Big')!;
    expect(p.form).toMatchObject({ form: 'split', fits: true, policyType: 'managed' });
    expect(p.parts).toHaveLength(2);
    expect(p.form!.attachments).toEqual({ count: 1 + 2, quota: 10 });
    for (const part of p.parts!) expect(JSON.stringify(part).length).toBeLessThanOrEqual(6144);
    // One CREATE_POLICY step per part, then the DETACH_POLICY of the original.
    const steps = f
      .recommendation!.recommendedSteps.map((s) => s.unusedPermissionsRecommendedStep)
      .filter((s) => s.existingPolicyId === big.arn);
    expect(steps.map((s) => s.recommendedAction)).toEqual([
      'CREATE_POLICY',
      'CREATE_POLICY',
      'DETACH_POLICY',
    ]);
    expect(steps[0]!.recommendedPolicy).toBe(JSON.stringify(p.parts![0]));
    const bob = findingsOf(r, u1.arn, 'UnusedPermission')[0]!.policies![0]!;
    expect(bob.form).toMatchObject({ form: 'split', fits: true });
    // With room for one more managed policy only, nothing fits: the smallest size is given.
    const tight = scan(inventory([r1], [], [big, small]), activity({ [r1.arn]: used }), {
      maxManagedPolicies: 2,
    });
    const q = findingsOf(tight, r1.arn, 'UnusedPermission')[0]!.policies!.find(
      (x) => x.policyName === 'Big',
    )!;
    expect(q.form).toMatchObject({ fits: false, form: 'article' });
    expect(q.parts).toBeUndefined();
  });
});

describe('computeFindings: recommendations', () => {
  it('gives CREATE_POLICY with the compact refined document, then DETACH_POLICY', () => {
    const mp = managed('App', policy(allow(['s3:Get*', 's3:ListBucket'])));
    const r1 = activeRole('app', { attachedPolicies: [mp.arn] });
    const r = scan(inventory([r1], [], [mp]), activity({ [r1.arn]: { s3: { ListBucket: IN } } }));
    const f = findingsOf(r, r1.arn, 'UnusedPermission')[0]!;
    expect(permissionDetails(f)).toEqual([
      {
        serviceNamespace: 's3',
        actions: [{ action: 'GetBucketPolicy' }],
        lastAccessed: IN.toISOString(),
      },
    ]);
    const refined = policy(allow(['s3:GetObject', 's3:ListBucket']));
    expect(f.recommendation).toEqual({
      recommendationType: 'UnusedPermissionRecommendation',
      status: 'SUCCEEDED',
      resourceArn: r1.arn,
      startedAt: NOW.toISOString(),
      completedAt: NOW.toISOString(),
      recommendedSteps: [
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'CREATE_POLICY',
            recommendedPolicy: JSON.stringify(refined),
            existingPolicyId: mp.arn,
          },
        },
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'DETACH_POLICY',
            existingPolicyId: mp.arn,
          },
        },
      ],
    });
    expect(f.policies).toEqual([
      {
        policyId: mp.arn,
        policyName: 'App',
        policyType: 'CUSTOMER_MANAGED',
        recommendedAction: 'CREATE_POLICY',
        policy: refined,
        originalPolicy: mp.document,
        removedByAccessLevel: { Read: ['s3:GetBucketPolicy'] },
        proof: {
          exact: true,
          catalogActions: catalog.actions.length,
          statementsChecked: 1,
          patternsChecked: 1,
        },
        form: {
          form: 'article',
          policyType: 'managed',
          size: JSON.stringify(refined).length,
          quota: 6144,
          fits: true,
          reason: `the article's form fits: ${JSON.stringify(refined).length} characters within the 6,144 characters of the managed policy quota`,
          tried: [{ form: 'article', size: JSON.stringify(refined).length }],
        },
      },
    ]);
  });

  it('leaves out policies that grant nothing unused', () => {
    const r1 = activeRole('app', {
      inlinePolicies: [
        { name: 'used', document: policy(allow('s3:ListBucket')) },
        { name: 'unused', document: policy(allow('ec2:*')) },
      ],
    });
    const r = scan(inventory([r1]), activity({ [r1.arn]: { s3: { ListBucket: IN } } }));
    const f = findingsOf(r, r1.arn, 'UnusedPermission')[0]!;
    expect(f.policies!.map((p) => p.policyId)).toEqual(['unused']);
  });

  it('refines a NotAction policy and labels it', () => {
    const r1 = activeRole('na', {
      inlinePolicies: [
        { name: 'na', document: policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }) },
      ],
    });
    const r = scan(
      inventory([r1]),
      activity({ [r1.arn]: { s3: { ListBucket: IN }, lambda: { GetFunction: IN } } }),
    );
    const rec = findingsOf(r, r1.arn, 'UnusedPermission')[0]!.policies![0]!;
    expect(rec.recommendedAction).toBe('CREATE_POLICY');
    expect(rec.labels?.map((l) => l.code)).toEqual(['NOT_ACTION_POLICY']);
    expect(rec.policy).toEqual(
      policy({
        Effect: 'Allow',
        NotAction: [
          'iam:*',
          'ec2:*',
          's3:DeleteBucket',
          's3:GetBucketPolicy',
          's3:PutBucketPolicy',
        ],
        Resource: '*',
      }),
    );
  });

  it('gives stable ids: same data, same ids; UUID-formatted', () => {
    const u = user('u', {
      password: { enabled: true, lastUsed: null },
      accessKeys: [
        { slot: 1, active: true, lastUsed: null },
        { slot: 2, active: true, lastUsed: null },
      ],
    });
    const a = scan(inventory([u]));
    const b = scan(inventory([u]), activity(), { now: new Date(NOW.getTime() + 1000) });
    expect(a.findings.map((f) => f.id)).toEqual(b.findings.map((f) => f.id));
    expect(new Set(a.findings.map((f) => f.id)).size).toBe(3);
    for (const f of a.findings) {
      expect(f.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('orders findings by account, resource, type and key, whatever the inventory order', () => {
    const users = ['b', 'a'].map((n) =>
      user(n, {
        password: { enabled: true, lastUsed: null },
        accessKeys: [
          { slot: 2, active: true, lastUsed: null },
          { slot: 1, active: true, lastUsed: null },
        ],
      }),
    );
    const r = scan(inventory([...users, role('z', { accountId: '000000000000' })]));
    expect(
      r.findings.map((f) => [
        f.resource.split(':').slice(4).join(':'),
        f.findingType,
        f.findingDetails,
      ]),
    ).toEqual([
      ['000000000000:role/z', 'UnusedIAMRole', [{ unusedIamRoleDetails: {} }]],
      ...['a', 'b'].flatMap((n) => [
        [
          `${ACCOUNT}:user/${n}`,
          'UnusedIAMUserAccessKey',
          [{ unusedIamUserAccessKeyDetails: { accessKeyId: 'access_key_1' } }],
        ],
        [
          `${ACCOUNT}:user/${n}`,
          'UnusedIAMUserAccessKey',
          [{ unusedIamUserAccessKeyDetails: { accessKeyId: 'access_key_2' } }],
        ],
        [`${ACCOUNT}:user/${n}`, 'UnusedIAMUserPassword', [{ unusedIamUserPasswordDetails: {} }]],
      ]),
    ]);
  });
});

describe('computeFindings: group policies', () => {
  const groupDoc = policy(allow('s3:*'));
  const g = group('devs', { inlinePolicies: [{ name: 'devs-s3', document: groupDoc }] });
  const member = (name: string, extra: Partial<Principal> = {}) =>
    user(name, { groups: ['devs'], password: { enabled: true, lastUsed: IN }, ...extra });
  const alice = member('alice');
  const bob = member('bob');
  const uses: Uses = {
    [alice.arn]: { s3: { ListBucket: IN, PutBucketPolicy: IN } },
    [bob.arn]: { s3: { ListBucket: IN, GetBucketPolicy: IN } },
  };

  it('refines a group policy with the actions unused by every member, labelled', () => {
    const r = scan(inventory([alice, bob], [g]), activity(uses));
    const actionsOf = (arn: string) =>
      permissionDetails(findingsOf(r, arn, 'UnusedPermission')[0])[0]!.actions!.map(
        (a) => a.action,
      );
    expect(actionsOf(alice.arn)).toEqual(['DeleteBucket', 'GetBucketPolicy']);
    expect(actionsOf(bob.arn)).toEqual(['DeleteBucket', 'PutBucketPolicy']);
    for (const who of [alice, bob]) {
      const f = findingsOf(r, who.arn, 'UnusedPermission')[0]!;
      const [rec] = f.policies!;
      expect(rec).toMatchObject({
        policyId: 'devs-s3',
        policyType: 'GROUP_INLINE',
        groupArn: g.arn,
        recommendedAction: 'CREATE_POLICY',
        // s3:* minus DeleteBucket: every other s3 action stays allowed.
        policy: policy(allow(['s3:Get*', 's3:ListBucket', 's3:Put*'])),
        labels: [{ code: 'GROUP_POLICY' }],
      });
      expect(rec!.removedByAccessLevel).toEqual({ Write: ['s3:DeleteBucket'] });
      expect(
        f.recommendation!.recommendedSteps.map(
          (s) => s.unusedPermissionsRecommendedStep.recommendedAction,
        ),
      ).toEqual(['CREATE_POLICY', 'DETACH_POLICY']);
    }
  });

  it.each([
    ['a member is not evaluated', member('carol', { createDate: IN }), {}],
    [
      'a member has no activity',
      member('dave', { password: { enabled: true, lastUsed: BEFORE } }),
      {},
    ],
    ['a member used everything observable', member('erin'), { s3: { '*': IN } } as Uses[string]],
  ])('does not refine a group policy when %s', (_label, third, thirdUses) => {
    const r = scan(
      inventory([alice, bob, third], [g]),
      activity({ ...uses, [third.arn]: thirdUses }),
    );
    for (const who of [alice, bob]) {
      const f = findingsOf(r, who.arn, 'UnusedPermission')[0]!;
      expect(f.policies).toMatchObject([
        {
          policyId: 'devs-s3',
          recommendedAction: 'NONE',
          policy: null,
          labels: [
            {
              code: 'GROUP_POLICY_NOT_REFINED',
              message: expect.stringContaining(third.arn) as string,
            },
          ],
        },
      ]);
      expect(f.recommendation!.recommendedSteps).toEqual([]);
    }
    expect(r.warnings.filter((w) => w.code === 'group_policy_not_refined')).toMatchObject([
      { resource: g.arn, message: expect.stringContaining(third.arn) as string },
    ]);
  });

  it('does not refine a group policy whose unused actions other members use', () => {
    const u2: Uses = {
      [alice.arn]: { s3: { ListBucket: IN, PutBucketPolicy: IN, DeleteBucket: IN } },
      [bob.arn]: { s3: { ListBucket: IN, GetBucketPolicy: IN } },
    };
    const r = scan(inventory([alice, bob], [g]), activity(u2));
    const bobFinding = findingsOf(r, bob.arn, 'UnusedPermission')[0]!;
    expect(bobFinding.policies).toMatchObject([
      { recommendedAction: 'NONE', labels: [{ code: 'GROUP_POLICY_NOT_REFINED' }] },
    ]);
    expect(bobFinding.policies![0]!.labels![0]!.message).toContain('used by other members');
  });

  it('refines a user-attached copy of a policy with the user own unused set', () => {
    const mp = managed('S3', groupDoc);
    const g2 = group('devs', { attachedPolicies: [mp.arn] });
    const solo = user('solo', {
      password: { enabled: true, lastUsed: IN },
      attachedPolicies: [mp.arn],
      groups: ['devs'],
    });
    const other = member('other');
    const r = scan(
      inventory([solo, other], [g2], [mp]),
      activity({ [solo.arn]: { s3: { ListBucket: IN } }, [other.arn]: { s3: { '*': IN } } }),
    );
    const f = findingsOf(r, solo.arn, 'UnusedPermission')[0]!;
    expect(f.policies!.map((p) => [p.policyType, p.recommendedAction])).toEqual([
      ['CUSTOMER_MANAGED', 'CREATE_POLICY'],
      ['GROUP_MANAGED', 'NONE'],
    ]);
  });
});
