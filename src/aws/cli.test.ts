/**
 * The live commands as users run them (`collect`, `import-analyzer`, `apply`, `rollback`), in
 * process with captured streams, the real SDK clients and the loopback fake AWS: help texts, exit
 * statuses, one line per problem, and the import → apply → rollback round trip through the store.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findingId } from '../findings/id.js';
import { openStore } from '../store/sqlite.js';
import { runCli, useTempDir } from '../test-support/cli.js';
import { FAST_POLLING, connectionTo, startWorld } from '../../test/fake-aws/fixture.js';
import { MAIN_ACCOUNT, type FakeAws } from '../../test/fake-aws/world.js';

let world: FakeAws;
const tmp = useTempDir('iam-refine-live-cli-', 'each');
let dir: string;
const NOW = () => new Date('2024-06-02T09:00:00Z');

beforeEach(async () => {
  world = await startWorld();
  dir = tmp();
});

afterEach(async () => {
  await world.close();
});

/** Runs `iam-refine <argv>` in-process with the fake AWS and a fixed clock injected. */
const run = (argv: string[]) =>
  runCli(argv, { deps: { connection: connectionTo(world), polling: FAST_POLLING, now: NOW } });

describe('collect', () => {
  it('--help prints the minimal IAM permissions as a ready-to-use policy document', async () => {
    const r = await run(['collect', '--help']);
    expect(r.code).toBe(0);
    const start = r.out.indexOf('{', r.out.indexOf('Minimal IAM permissions'));
    let depth = 0;
    let end = start;
    for (; end < r.out.length; end++) {
      if (r.out[end] === '{') depth++;
      if (r.out[end] === '}' && --depth === 0) break;
    }
    const policy = JSON.parse(r.out.slice(start, end + 1)) as {
      Version: string;
      Statement: { Effect: string; Action: string[]; Resource: string }[];
    };
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement[0]!.Action).toEqual([
      'iam:GenerateCredentialReport',
      'iam:GenerateServiceLastAccessedDetails',
      'iam:GetAccountAuthorizationDetails',
      'iam:GetCredentialReport',
      'iam:GetServiceLastAccessedDetails',
    ]);
    expect(r.out).toContain('organizations:ListAccounts');
    expect(r.out).toContain('sts:AssumeRole');
  });

  it('collects: the folder on stdout, a summary and the scan command on stderr, exit 0', async () => {
    const out = join(dir, 'acct');
    const r = await run(['collect', '--out', out, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${out}\n`);
    expect(r.err).toBe('');
    const loud = await run(['collect', '--out', out]);
    expect(loud.err).toContain(
      'account 111111111111: 5 principals, 0 files written, 7 already complete',
    );
    expect(loud.err).toContain(
      `next: iam-refine scan --authorization-details ${out}/authorization-details.json`,
    );
  });

  it('partial failure: exit 1, one line per account that failed', async () => {
    world.account('222222222222').addEntity('Role', { name: 'C' });
    world.assumable.add('arn:aws:iam::222222222222:role/C');
    const r = await run([
      'collect',
      '--out',
      dir,
      '--quiet',
      '--role-arn',
      'arn:aws:iam::222222222222:role/C',
      'arn:aws:iam::333333333333:role/C',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toBe(`${join(dir, '222222222222')}\n`);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^iam-refine: account 333333333333: cannot assume arn:aws:iam::333333333333:role\/C: STS AssumeRole was denied/,
    );
  });

  it('a missing permission: exit 2 with one line naming the call and the IAM action', async () => {
    world.deny(MAIN_ACCOUNT, 'iam:GetAccountAuthorizationDetails');
    const r = await run(['collect', '--out', dir, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^iam-refine: account 111111111111: IAM GetAccountAuthorizationDetails was denied \(AccessDenied\): the credentials need the IAM permission iam:GetAccountAuthorizationDetails — AWS said: User: .*; not collected \(run again to resume\)$/,
      ),
    ]);
  });

  it('bad options: exit 2, one line per problem, nothing called', async () => {
    const r = await run(['collect', '--out', dir, '--org', '--role-arn', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([
      'iam-refine: --org: $: cannot be used together with --role-arn [invalid_value]',
      'iam-refine: --role-arn: $: nope is not a role ARN; expected arn:aws:iam::123456789012:role/NAME [invalid_value]',
    ]);
    expect(world.server.calls).toEqual([]);
  });
});

describe('import-analyzer, apply, rollback', () => {
  const ANALYZER = `arn:aws:access-analyzer:us-east-1:${MAIN_ACCOUNT}:analyzer/unused`;
  const ROLE = `arn:aws:iam::${MAIN_ACCOUNT}:role/app-2`;
  const APP = `arn:aws:iam::${MAIN_ACCOUNT}:policy/AppPolicy`;
  const REFINED_LOGS =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:PutLogEvents"],"Resource":"*"}]}';

  beforeEach(() => {
    const account = world.account(MAIN_ACCOUNT);
    account.entity('Role', 'app-2')!.attached.push(APP);
    const base = {
      resourceOwnerAccount: MAIN_ACCOUNT,
      analyzedAt: '2024-06-01T00:00:00Z',
      createdAt: '2024-05-01T00:00:00Z',
      updatedAt: '2024-06-01T00:00:00Z',
    };
    world.analyzers.set(ANALYZER, {
      arn: ANALYZER,
      name: 'unused',
      account: MAIN_ACCOUNT,
      unusedAccessAge: 60,
      findings: [
        {
          ...base,
          id: 'aa-perm-1',
          resource: ROLE,
          resourceType: 'AWS::IAM::Role',
          findingType: 'UnusedPermission',
          status: 'ACTIVE',
          findingDetails: [
            {
              unusedPermissionDetails: {
                serviceNamespace: 'logs',
                actions: [{ action: 'CreateLogStream' }],
              },
            },
            {
              unusedPermissionDetails: {
                serviceNamespace: 'sqs',
                lastAccessed: '2023-01-01T00:00:00Z',
              },
            },
            {
              unusedPermissionDetails: {
                serviceNamespace: 's3',
                actions: [{ action: 'ListBucket' }],
              },
            },
          ],
          recommendation: {
            startedAt: '2024-06-01T00:00:00Z',
            completedAt: '2024-06-01T00:00:05Z',
            resourceArn: ROLE,
            recommendationType: 'UnusedPermissionRecommendation',
            status: 'SUCCEEDED',
            recommendedSteps: [
              {
                unusedPermissionsRecommendedStep: {
                  recommendedAction: 'CREATE_POLICY',
                  existingPolicyId: 'Logs',
                  recommendedPolicy: REFINED_LOGS,
                },
              },
              {
                unusedPermissionsRecommendedStep: {
                  recommendedAction: 'DETACH_POLICY',
                  existingPolicyId: 'Logs',
                },
              },
              {
                unusedPermissionsRecommendedStep: {
                  recommendedAction: 'DETACH_POLICY',
                  existingPolicyId: APP,
                  policyUpdatedAt: '2024-05-01T00:00:00Z',
                },
              },
            ],
          },
        },
        {
          ...base,
          id: 'aa-role-1',
          resource: `arn:aws:iam::${MAIN_ACCOUNT}:role/app-3`,
          resourceType: 'AWS::IAM::Role',
          findingType: 'UnusedIAMRole',
          status: 'ACTIVE',
          findingDetails: [{ unusedIamRoleDetails: { lastAccessed: '2023-12-01T00:00:00Z' } }],
        },
        {
          ...base,
          id: 'aa-key-1',
          resource: `arn:aws:iam::${MAIN_ACCOUNT}:user/bob`,
          resourceType: 'AWS::IAM::User',
          findingType: 'UnusedIAMUserAccessKey',
          status: 'ARCHIVED',
          findingDetails: [
            { unusedIamUserAccessKeyDetails: { accessKeyId: 'AKIAEXAMPLEBOB000001' } },
          ],
        },
        {
          ...base,
          id: 'aa-perm-2',
          resource: `arn:aws:iam::${MAIN_ACCOUNT}:role/app-3`,
          resourceType: 'AWS::IAM::Role',
          findingType: 'UnusedPermission',
          status: 'ACTIVE',
          findingDetails: [{ unusedPermissionDetails: { serviceNamespace: 'sqs' } }],
          recommendationPolls: 2,
        },
        {
          ...base,
          id: 'aa-gone',
          resource: `arn:aws:iam::${MAIN_ACCOUNT}:role/app-1`,
          resourceType: 'AWS::IAM::Role',
          findingType: 'UnusedIAMRole',
          status: 'RESOLVED',
          findingDetails: [],
        },
      ],
    });
  });

  it('imports (paginated lists, details and steps), applies by Access Analyzer id, and rolls back byte-identically', async () => {
    const db = join(dir, 'findings.db');
    const imported = await run([
      'import-analyzer',
      '--analyzer-arn',
      ANALYZER,
      '--db',
      db,
      '--quiet',
      '--generate-recommendations',
    ]);
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.out).toBe(
      `imported 4 findings from ${ANALYZER} into ${db} (scan 1): 4 new, 0 updated, 0 unchanged, 0 reopened, 0 resolved, 1 archived as in Access Analyzer\n` +
        // Both UnusedPermission findings have Access Analyzer's recommendation: ours is kept next to it.
        "refined 2 findings with an Access Analyzer recommendation with iam-refine's engine as well (kept side by side; apply --use iam-refine applies ours)\n",
    );
    expect(world.server.callsOf('ListFindingsV2')).toHaveLength(2);
    expect(world.server.callsOf('GenerateFindingRecommendation')).toHaveLength(1); // aa-perm-2 only

    const store = openStore(db, { clock: NOW });
    const id = findingId(MAIN_ACCOUNT, ROLE, 'UnusedPermission');
    const stored = store.getFinding(id)!;
    expect(stored.status).toBe('ACTIVE');
    expect(stored.finding.findingDetails).toHaveLength(3); // GetFindingV2 pages merged
    expect(stored.finding.recommendation!.recommendedSteps).toHaveLength(3); // steps pages merged
    expect(
      stored.finding.policies!.map((p) => [p.policyId, p.policyType, p.recommendedAction]),
    ).toEqual([
      ['Logs', 'INLINE', 'CREATE_POLICY'],
      [APP, 'CUSTOMER_MANAGED', 'DETACH_POLICY'],
    ]);
    const key = store.getFinding(
      findingId(
        MAIN_ACCOUNT,
        `arn:aws:iam::${MAIN_ACCOUNT}:user/bob`,
        'UnusedIAMUserAccessKey',
        'AKIAEXAMPLEBOB000001',
      ),
    )!;
    expect(key.status).toBe('ARCHIVED');
    expect(store.listScans()[0]!.trackingPeriodDays).toBe(60);
    store.close();

    const account = world.account(MAIN_ACCOUNT);
    const before = JSON.stringify(account.snapshot());
    const dry = await run(['apply', 'aa-perm-1', '--db', db]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`finding ${id}: UnusedPermission of ${ROLE}`);
    expect(dry.out).toContain('1. IAM PutRolePolicy RoleName=app-2 PolicyName=Logs');
    expect(dry.out).toContain(`2. IAM DetachRolePolicy RoleName=app-2 PolicyArn=${APP}`);
    expect(dry.err).toBe(
      'dry run: nothing was changed; run again with --yes to make these 2 call(s)\n',
    );
    expect(JSON.stringify(account.snapshot())).toBe(before);

    const applied = await run(['apply', 'aa-perm-1', '--db', db, '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.err).toContain(
      `applied: 2 call(s) made, recorded in ${db} (batch 1); undo with: iam-refine rollback ${id}`,
    );
    expect(account.entity('Role', 'app-2')!.attached).not.toContain(APP);
    expect(JSON.parse(account.entity('Role', 'app-2')!.inline.get('Logs')!)).toEqual(
      JSON.parse(REFINED_LOGS),
    );

    const rollDry = await run(['rollback', id, '--db', db]);
    expect(rollDry.code).toBe(0);
    expect(rollDry.out).toContain(`IAM AttachRolePolicy RoleName=app-2 PolicyArn=${APP}`);
    expect(rollDry.out).toContain('IAM PutRolePolicy RoleName=app-2 PolicyName=Logs');
    const rolled = await run(['rollback', 'aa-perm-1', '--db', db, '--yes']);
    expect(rolled.code).toBe(0);
    expect(JSON.stringify(account.snapshot())).toBe(before);
  });

  it('apply refuses (exit 1) when the live policy changed after the import', async () => {
    const db = join(dir, 'findings.db');
    expect(
      (await run(['import-analyzer', '--analyzer-arn', ANALYZER, '--db', db, '--quiet'])).code,
    ).toBe(0);
    world
      .account(MAIN_ACCOUNT)
      .entity('Role', 'app-2')!
      .inline.set('Logs', '{"Version":"2012-10-17","Statement":[]}');
    const r = await run(['apply', 'aa-perm-1', '--db', db, '--yes']);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'iam-refine: refused: policy Logs: the live policy changed since the scan (run the scan again for a new recommendation); nothing was changed\n',
    );
    expect(world.server.calls.filter((c) => /^(Put|Detach)/.test(c.operation))).toEqual([]);
  });

  it('import-analyzer without permission: one line naming access-analyzer:ListFindings', async () => {
    world.deny(MAIN_ACCOUNT, 'access-analyzer:ListFindings');
    const r = await run([
      'import-analyzer',
      '--analyzer-arn',
      ANALYZER,
      '--db',
      join(dir, 'x.db'),
      '--quiet',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^iam-refine: analyzer arn:aws:access-analyzer:us-east-1:111111111111:analyzer\/unused: Access Analyzer ListFindingsV2 was denied \(AccessDeniedException\): the credentials need the IAM permission access-analyzer:ListFindings/,
    );
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('apply --role-arn: a role that cannot be assumed is one line naming sts:AssumeRole', async () => {
    const db = join(dir, 'findings.db');
    await run(['import-analyzer', '--analyzer-arn', ANALYZER, '--db', db, '--quiet']);
    const r = await run([
      'apply',
      'aa-perm-1',
      '--db',
      db,
      '--role-arn',
      `arn:aws:iam::${MAIN_ACCOUNT}:role/Nope`,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^iam-refine: role arn:aws:iam::111111111111:role\/Nope: STS AssumeRole was denied \(AccessDenied\): the credentials need the IAM permission sts:AssumeRole and the role must trust the caller/,
    );
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
  });

  it('unknown finding, missing database, nothing to roll back: exit 2, one line', async () => {
    const db = join(dir, 'findings.db');
    const missing = await run(['apply', 'nope', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^iam-refine: database .* does not exist/);
    await run(['import-analyzer', '--analyzer-arn', ANALYZER, '--db', db, '--quiet']);
    const unknown = await run(['apply', 'nope', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe(
      `iam-refine: finding nope is not in ${db} (list them with: iam-refine findings list --db ${db})\n`,
    );
    const nothing = await run(['rollback', 'aa-perm-1', '--db', db, '--yes']);
    expect(nothing.code).toBe(2);
    expect(nothing.err).toMatch(/no change was applied \(nothing to roll back\)\n$/);
  });
});
