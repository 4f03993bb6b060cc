/**
 * `import-analyzer` refining with iam-refine's engine the findings Access Analyzer has no
 * recommendation for, against the loopback fake AWS in the real wire formats.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findingId } from '../findings/id.js';
import { openStore } from '../store/sqlite.js';
import { runCli, useTempDir } from '../test-support/cli.js';
import { FAST_POLLING, connectionTo, startWorld } from '../../test/fake-aws/fixture.js';
import { MAIN_ACCOUNT, type FakeAws } from '../../test/fake-aws/world.js';

let world: FakeAws;
const tmp = useTempDir('iam-refine-import-refine-', 'each');
const NOW = () => new Date('2024-06-02T09:00:00Z');
const ANALYZER = `arn:aws:access-analyzer:us-east-1:${MAIN_ACCOUNT}:analyzer/unused`;
const ROLE = `arn:aws:iam::${MAIN_ACCOUNT}:role/app-2`;
const INLINE = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Data', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' },
    { Effect: 'Allow', Action: 'sqs:*', Resource: '*' },
  ],
};

beforeEach(async () => {
  world = await startWorld();
  world.account(MAIN_ACCOUNT).entity('Role', 'app-2')!.inline.set('Data', JSON.stringify(INLINE));
  world.analyzers.set(ANALYZER, {
    arn: ANALYZER,
    name: 'unused',
    account: MAIN_ACCOUNT,
    unusedAccessAge: 90,
    findings: [
      {
        resourceOwnerAccount: MAIN_ACCOUNT,
        analyzedAt: '2024-06-01T00:00:00Z',
        createdAt: '2024-05-01T00:00:00Z',
        updatedAt: '2024-06-01T00:00:00Z',
        id: 'aa-perm-norec',
        resource: ROLE,
        resourceType: 'AWS::IAM::Role',
        findingType: 'UnusedPermission',
        status: 'ACTIVE',
        findingDetails: [
          {
            unusedPermissionDetails: { serviceNamespace: 's3', actions: [{ action: 'PutObject' }] },
          },
          { unusedPermissionDetails: { serviceNamespace: 'sqs' } },
        ],
      },
    ],
  });
});

afterEach(async () => {
  await world.close();
});

const run = (argv: string[]) =>
  runCli(argv, { deps: { connection: connectionTo(world), polling: FAST_POLLING, now: NOW } });

describe('import-analyzer without an Access Analyzer recommendation', () => {
  it("refines the live policies with iam-refine's engine, labelled, proven, from the live document", async () => {
    const db = join(tmp(), 'f.db');
    const r = await run(['import-analyzer', '--analyzer-arn', ANALYZER, '--db', db, '--quiet']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toBe(
      "refined 1 finding without an Access Analyzer recommendation with iam-refine's engine (labelled IAM_REFINE_RECOMMENDATION)",
    );
    expect(world.server.callsOf('ListRolePolicies')).toHaveLength(1);
    const store = openStore(db, { clock: NOW });
    const f = store.getFinding(findingId(MAIN_ACCOUNT, ROLE, 'UnusedPermission'))!;
    store.close();
    const [p] = f.finding.policies!;
    expect(p!.policyId).toBe('Data');
    expect(p!.policyType).toBe('INLINE');
    expect(p!.recommendedAction).toBe('CREATE_POLICY');
    expect(p!.labels!.map((l) => l.code)).toEqual(['IAM_REFINE_RECOMMENDATION']);
    expect(p!.proof!.exact).toBe(true);
    expect(p!.originalPolicy).toEqual(INLINE);
    // PutObject and the whole of sqs are gone; the Sid and Resource stay.
    expect(p!.policy).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'Data', Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
    });
    expect(
      f.finding.recommendation!.recommendedSteps.map(
        (s) => s.unusedPermissionsRecommendedStep.recommendedAction,
      ),
    ).toEqual(['CREATE_POLICY', 'DETACH_POLICY']);
    expect(
      JSON.parse(
        f.finding.recommendation!.recommendedSteps[0]!.unusedPermissionsRecommendedStep
          .recommendedPolicy!,
      ),
    ).toEqual(p!.policy);
  });

  it('--no-refine keeps the finding without a recommendation', async () => {
    const db = join(tmp(), 'f.db');
    const r = await run([
      'import-analyzer',
      '--analyzer-arn',
      ANALYZER,
      '--db',
      db,
      '--quiet',
      '--no-refine',
    ]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(world.server.callsOf('ListRolePolicies')).toHaveLength(0);
    const store = openStore(db, { clock: NOW });
    const f = store.getFinding(findingId(MAIN_ACCOUNT, ROLE, 'UnusedPermission'))!;
    store.close();
    expect(f.finding.recommendation).toBeUndefined();
  });
});
