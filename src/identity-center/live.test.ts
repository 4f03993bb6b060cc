/**
 * Identity Center end to end, as users run it, against the loopback fake AWS (sso-admin in its
 * JSON 1.1 wire format): `collect --identity-center` (every page), `scan --permission-sets --db`
 * over three accounts where one account uses an action the others do not (it stays), `apply
 * --permission-set` (dry run writes nothing; apply; provisioning polled), `rollback` (exact
 * restore, provisioned again), a permission set changed after the scan (refused), a failed
 * provisioning in one account (reported with the account), and `apply FINDING_ID` on an
 * `AWSReservedSSO_` role (refused, with the reason).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, collectToTempDir } from '../aws/collect.js';
import { createProgress } from '../aws/progress.js';
import { openStore } from '../store/sqlite.js';
import { runCli, useTempDir } from '../test-support/cli.js';
import { FAST_POLLING, connectionTo, startWorld } from '../../test/fake-aws/fixture.js';
import type { FakePermissionSet } from '../../test/fake-aws/sso-admin.js';
import { MAIN_ACCOUNT, type FakeAws } from '../../test/fake-aws/world.js';
import { parsePermissionSets } from './read.js';
import type { PermissionSetRecommendation } from './recommend.js';

let world: FakeAws;
const tmp = useTempDir('iam-refine-idc-', 'each');
let dir: string;
const NOW = () => new Date('2026-09-01T00:00:00Z');
const [A, B, C] = ['222222222222', '333333333333', '444444444444'];
const PATH = '/aws-reserved/sso.amazonaws.com/';
const ROLE = 'AWSReservedSSO_Dev_0123456789abcdef';
const roleArn = (account: string) => `arn:aws:iam::${account}:role${PATH}${ROLE}`;
/** Unusual spacing: the rollback must restore these bytes exactly. */
const INLINE_TEXT =
  '{"Version":"2012-10-17",  "Statement":[{"Sid":"Iam","Effect":"Allow","Action":["iam:GetRole","iam:ListRoles","iam:GetUser","iam:ListUsers"],"Resource":"*"}]}';
const EC2_READ = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['ec2:DescribeInstances', 'ec2:DescribeVpcs', 'ec2:DescribeSubnets'],
      Resource: '*',
    },
  ],
};
const EC2_READ_ARN = 'arn:aws:iam::aws:policy/Ec2ReadExample';
let dev: FakePermissionSet;

beforeEach(async () => {
  world = await startWorld();
  dir = tmp();
  const inst = world.identityCenter.addInstance(MAIN_ACCOUNT);
  dev = world.identityCenter.addPermissionSet(inst, {
    name: 'Dev',
    sessionDuration: 'PT8H',
    inlinePolicy: INLINE_TEXT,
    managed: [{ Arn: EC2_READ_ARN, Name: 'Ec2ReadExample' }],
    references: [],
    accounts: [A, B, C],
  });
  world.identityCenter.addPermissionSet(inst, {
    name: 'Billing',
    inlinePolicy: null,
    managed: [{ Arn: 'arn:aws:iam::aws:policy/job-function/Billing', Name: 'Billing' }],
    references: [{ Name: 'team-extra', Path: '/teams/' }],
    boundary: { ManagedPolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' },
    accounts: [A, B],
  });
  world.identityCenter.addPermissionSet(inst, {
    name: 'Audit',
    description: 'read only',
    inlinePolicy: null,
    managed: [],
    references: [],
    accounts: [C],
  });
});

afterEach(async () => {
  await world.close();
});

const run = (argv: string[]) =>
  runCli(argv, { deps: { connection: connectionTo(world), polling: FAST_POLLING, now: NOW } });

/** An account's authorization details with the permission set's role (used recently). */
function authorizationDetails(account: string): object {
  return {
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: [
      {
        Path: PATH,
        RoleName: ROLE,
        RoleId: `AROA${account}`,
        Arn: roleArn(account),
        CreateDate: '2024-01-01T00:00:00Z',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
        RolePolicyList: [
          { PolicyName: 'AwsSSOInlinePolicy', PolicyDocument: JSON.parse(INLINE_TEXT) },
        ],
        AttachedManagedPolicies: [{ PolicyName: 'Ec2ReadExample', PolicyArn: EC2_READ_ARN }],
        Tags: [],
        RoleLastUsed: { LastUsedDate: '2026-08-30T00:00:00Z', Region: 'us-east-1' },
      },
    ],
    Policies: [
      {
        PolicyName: 'Ec2ReadExample',
        PolicyId: 'ANPAEC2READEXAMPLE01',
        Arn: EC2_READ_ARN,
        Path: '/',
        DefaultVersionId: 'v1',
        AttachmentCount: 1,
        IsAttachable: true,
        CreateDate: '2020-01-01T00:00:00Z',
        UpdateDate: '2020-01-01T00:00:00Z',
        PolicyVersionList: [
          {
            Document: EC2_READ,
            VersionId: 'v1',
            IsDefaultVersion: true,
            CreateDate: '2020-01-01T00:00:00Z',
          },
        ],
      },
    ],
  };
}

/** Collects Identity Center, writes the three accounts' exports and activity, scans into a db. */
async function collectAndScan(): Promise<{ db: string; recs: PermissionSetRecommendation[] }> {
  const out = join(dir, 'collected');
  const collected = await run(['collect', '--identity-center', '--out', out, '--quiet']);
  expect(collected.code, collected.err).toBe(0);
  const psFile = join(out, 'permission-sets.json');
  expect(collected.out).toContain(psFile);
  const files: string[] = [];
  for (const account of [A, B, C]) {
    const f = join(dir, `auth-${account}.json`);
    await writeFile(f, JSON.stringify(authorizationDetails(account)));
    files.push(f);
  }
  // A uses ec2:DescribeInstances; only B uses iam:ListRoles; every account uses iam:GetRole.
  const csv = [
    'principal_arn,service,action,last_accessed',
    `${roleArn(A)},iam,GetRole,2026-08-20T00:00:00Z`,
    `${roleArn(A)},ec2,DescribeInstances,2026-08-20T00:00:00Z`,
    `${roleArn(B)},iam,GetRole,2026-08-20T00:00:00Z`,
    `${roleArn(B)},iam,ListRoles,2026-08-21T00:00:00Z`,
    `${roleArn(C)},iam,GetRole,2026-08-22T00:00:00Z`,
  ].join('\n');
  await writeFile(join(dir, 'activity.csv'), `${csv}\n`);
  // Its coverage CSV (activity-query --coverage): the logs of the three accounts have every day.
  const days = Array.from({ length: 91 }, (_, i) =>
    new Date(Date.parse('2026-09-01T00:00:00Z') - i * 86_400_000).toISOString().slice(0, 10),
  );
  const coverage = ['account_id,region,day,events'];
  for (const account of [A, B, C])
    for (const d of days) coverage.push(`${account},us-east-1,${d},1`);
  await writeFile(join(dir, 'coverage.csv'), `${coverage.join('\n')}\n`);
  const db = join(dir, 'findings.db');
  const scan = await run([
    'scan',
    '--authorization-details',
    ...files,
    '--activity',
    join(dir, 'activity.csv'),
    join(dir, 'coverage.csv'),
    '--permission-sets',
    psFile,
    '--now',
    '2026-09-01T00:00:00Z',
    '--format',
    'json',
    '--db',
    db,
    '--quiet',
  ]);
  expect(scan.code, scan.err).toBe(0);
  const json = JSON.parse(scan.out) as { permissionSets: PermissionSetRecommendation[] };
  return { db, recs: json.permissionSets };
}

describe('collect --identity-center', () => {
  it('reads every instance, permission set and account, page by page, into the documented file', async () => {
    const out = join(dir, 'c');
    const r = await run(['collect', '--identity-center', '--out', out, '--quiet']);
    expect(r.code, r.err).toBe(0);
    const text = await readFile(join(out, 'permission-sets.json'), 'utf8');
    const file = parsePermissionSets(text, 'permission-sets.json');
    const sets = file.instances[0]!.permissionSets;
    expect(sets.map((p) => p.name)).toEqual(['Dev', 'Billing', 'Audit']);
    expect(sets[0]).toEqual({
      permissionSetArn: dev.arn,
      name: 'Dev',
      sessionDuration: 'PT8H',
      inlinePolicy: INLINE_TEXT,
      awsManagedPolicies: [{ arn: EC2_READ_ARN, name: 'Ec2ReadExample' }],
      customerManagedPolicyReferences: [],
      accounts: [A, B, C],
    });
    expect(sets[1]).toMatchObject({
      inlinePolicy: null,
      customerManagedPolicyReferences: [{ name: 'team-extra', path: '/teams/' }],
      permissionsBoundary: { managedPolicyArn: 'arn:aws:iam::aws:policy/PowerUserAccess' },
    });
    expect(sets[2]).toMatchObject({ description: 'read only', accounts: [C] });
    // Three permission sets, two per page: two pages, the second with the first's token.
    const pages = world.server.callsOf('ListPermissionSets', 'sso');
    expect(pages.map((c) => c.params.NextToken)).toEqual([undefined, '2']);
    const accountPages = world.server
      .callsOf('ListAccountsForProvisionedPermissionSet', 'sso')
      .filter((c) => c.params.PermissionSetArn === dev.arn);
    expect(accountPages).toHaveLength(2);
  });

  it('an account that administers no instance: a note, no file, exit 0', async () => {
    world.identityCenter.instances.length = 0;
    const r = await run(['collect', '--identity-center', '--out', join(dir, 'c')]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('Identity Center not read');
  });
});

describe('collect --org', () => {
  it('reads Identity Center from the management account by default (scan --live gets the file)', async () => {
    world.organization.push({ Id: MAIN_ACCOUNT, Name: 'management', Status: 'ACTIVE' });
    const live = await collectToTempDir({
      connection: connectionTo(world),
      org: true,
      polling: FAST_POLLING,
    });
    try {
      expect(live.files.permissionSets).toEqual([join(live.dir, 'permission-sets.json')]);
      const file = parsePermissionSets(await readFile(live.files.permissionSets[0]!, 'utf8'), 'f');
      expect(file.instances[0]!.permissionSets).toHaveLength(3);
    } finally {
      await live.cleanup();
    }
  });

  it('without the sso permissions: the accounts are collected, one note names the action', async () => {
    world.organization.push({ Id: MAIN_ACCOUNT, Name: 'management', Status: 'ACTIVE' });
    world.deny(MAIN_ACCOUNT, 'sso:ListInstances');
    let notes = '';
    const result = await collect({
      connection: connectionTo(world),
      out: join(dir, 'org'),
      org: true,
      polling: FAST_POLLING,
      progress: createProgress({ write: (t: string) => (notes += t) }),
    });
    expect(result.failures).toEqual([]);
    expect(result.accounts).toHaveLength(1);
    expect(result.permissionSets).toBeUndefined();
    expect(notes).toContain(
      'Identity Center not read: Identity Center ListInstances was denied (AccessDeniedException): the credentials need the IAM permission sso:ListInstances',
    );
  });
});

describe('scan --permission-sets', () => {
  it('keeps what any account uses, and records the recommendation', async () => {
    const { db, recs } = await collectAndScan();
    const d = recs.find((r) => r.name === 'Dev')!;
    expect(d.recommendedAction).toBe('UPDATE_PERMISSION_SET');
    expect(d.evaluatedAccounts).toEqual([A, B, C]);
    const refined = JSON.parse(d.recommended.inlinePolicy!) as {
      Statement: { Action: string[] }[];
    };
    const actions = refined.Statement.flatMap((s) => s.Action);
    // iam:ListRoles is used in B only: it stays; ec2:DescribeInstances (A) too.
    expect(actions).toEqual(
      expect.arrayContaining(['iam:GetRole', 'iam:ListRoles', 'ec2:DescribeInstances']),
    );
    expect(actions).not.toContain('iam:GetUser');
    expect(actions).not.toContain('ec2:DescribeVpcs');
    expect(d.recommended.awsManagedPolicies).toEqual([]);
    expect(d.policies.find((p) => p.policyId === EC2_READ_ARN)?.action).toBe('MERGE_INTO_INLINE');
    const billing = recs.find((r) => r.name === 'Billing')!;
    expect(billing.recommendedAction).toBe('NOT_EVALUATED');
    expect(billing.accounts.map((a) => a.status)).toEqual(['ROLE_NOT_FOUND', 'ROLE_NOT_FOUND']);
    // The role's own findings: no IAM step.
    const store = openStore(db, { clock: NOW });
    try {
      const page = store.listFindings({});
      const f = page.items.find(
        (x) => x.resource === roleArn(A) && x.findingType === 'UnusedPermission',
      );
      expect(f).toBeDefined();
      const full = store.getFinding(f!.id)!.finding;
      expect(full.recommendation?.recommendedSteps).toEqual([]);
      const applied = await run(['apply', f!.id, '--db', db]);
      expect(applied.code).toBe(2);
      expect(applied.err).toContain('managed by IAM Identity Center');
      expect(applied.err).toContain('--permission-set Dev');
    } finally {
      store.close();
    }
  });
});

describe('apply and rollback --permission-set', () => {
  it('dry run writes nothing; apply changes and provisions; rollback restores exactly', async () => {
    const { db } = await collectAndScan();
    const writes = () =>
      world.server.calls.filter(
        (c) => c.service === 'sso' && /^(Put|Delete|Attach|Detach|Provision)/.test(c.operation),
      );

    const dry = await run(['apply', '--permission-set', 'Dev', '--db', db]);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('PutInlinePolicyToPermissionSet');
    expect(dry.out).toContain(
      `DetachManagedPolicyFromPermissionSet PermissionSetArn=${dev.arn} ManagedPolicyArn=${EC2_READ_ARN}`,
    );
    expect(dry.out).toContain('ProvisionPermissionSet');
    expect(dry.err).toContain('dry run: nothing was changed');
    expect(writes()).toEqual([]);

    const applied = await run(['apply', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(applied.code, applied.err).toBe(0);
    expect(applied.err).toContain('provisioned to every account');
    expect(dev.inlinePolicy).not.toBe(INLINE_TEXT);
    expect(dev.managed).toEqual([]);
    expect([...dev.provisioned.values()].every((v) => v === dev.version)).toBe(true);
    expect(
      world.server.callsOf('DescribePermissionSetProvisioningStatus', 'sso').length,
    ).toBeGreaterThan(0);
    expect(world.server.callsOf('ProvisionPermissionSet', 'sso')[0]!.params.TargetType).toBe(
      'ALL_PROVISIONED_ACCOUNTS',
    );

    // Applying again before a rollback is refused (the live permission set changed).
    const again = await run(['apply', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(again.code).toBe(1);

    const back = await run(['rollback', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(back.code, back.err).toBe(0);
    expect(dev.inlinePolicy).toBe(INLINE_TEXT);
    expect(dev.managed).toEqual([{ Arn: EC2_READ_ARN, Name: 'Ec2ReadExample' }]);
    expect([...dev.provisioned.values()].every((v) => v === dev.version)).toBe(true);
    const none = await run(['rollback', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('already rolled back');
  });

  it('refuses a permission set changed after the scan, and changes nothing', async () => {
    const { db } = await collectAndScan();
    dev.inlinePolicy = INLINE_TEXT.replace('"iam:GetUser",', '');
    const r = await run(['apply', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('changed since the scan (its inline policy differs');
    expect(dev.managed).toHaveLength(1);
    expect(world.server.callsOf('PutInlinePolicyToPermissionSet', 'sso')).toEqual([]);
  });

  it('provisioning refused by Identity Center: the recorded change is explained, rollback undoes it', async () => {
    const { db } = await collectAndScan();
    world.server.addFault({
      operation: 'ProvisionPermissionSet',
      service: 'sso',
      respond: { code: 'ConflictException', message: 'Another provisioning is in progress' },
    });
    const r = await run(['apply', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('ConflictException');
    expect(r.err).toContain(
      'the permission set was changed (2 call(s), recorded) but not provisioned',
    );
    expect(dev.inlinePolicy).not.toBe(INLINE_TEXT);
    const back = await run(['rollback', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(back.code, back.err).toBe(0);
    expect(dev.inlinePolicy).toBe(INLINE_TEXT);
    expect(dev.managed).toEqual([{ Arn: EC2_READ_ARN, Name: 'Ec2ReadExample' }]);
  });

  it('a failed provisioning in one account is reported with the account; rollback undoes it', async () => {
    const { db } = await collectAndScan();
    world.identityCenter.failingAccounts.add(B);
    const r = await run(['apply', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('FAILED');
    expect(r.err).toContain(`accounts without the latest version: ${B}`);
    expect(r.err).toContain('rollback --permission-set Dev');
    expect(dev.provisioned.get(A)).toBe(dev.version);
    expect(dev.provisioned.get(B)).not.toBe(dev.version);
    world.identityCenter.failingAccounts.clear();
    const back = await run(['rollback', '--permission-set', 'Dev', '--db', db, '--yes']);
    expect(back.code, back.err).toBe(0);
    expect(dev.inlinePolicy).toBe(INLINE_TEXT);
    expect([...dev.provisioned.values()].every((v) => v === dev.version)).toBe(true);
  });
});
