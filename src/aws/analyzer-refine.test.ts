/**
 * `import-analyzer` refining with iam-refine's engine the findings Access Analyzer has no
 * recommendation for, against the loopback fake AWS in the real wire formats.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { findingId } from '../findings/id.js';
import type { Finding } from '../findings/types.js';
import { createApp } from '../server/app.js';
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

describe('import-analyzer with an Access Analyzer recommendation: both, side by side', () => {
  // Access Analyzer's keeps s3:GetObject without the Sid; iam-refine's keeps the Sid.
  const AA_POLICY = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
  };
  const OURS = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Data', Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
  };
  const ID = findingId(MAIN_ACCOUNT, ROLE, 'UnusedPermission');
  beforeEach(() => {
    world.analyzers.get(ANALYZER)!.findings[0]!.recommendation = {
      startedAt: '2024-06-01T00:00:00Z',
      completedAt: '2024-06-01T00:00:05Z',
      resourceArn: ROLE,
      recommendationType: 'UnusedPermissionRecommendation',
      status: 'SUCCEEDED',
      recommendedSteps: [
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'CREATE_POLICY',
            existingPolicyId: 'Data',
            recommendedPolicy: JSON.stringify(AA_POLICY),
          },
        },
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'DETACH_POLICY',
            existingPolicyId: 'Data',
          },
        },
      ],
    };
  });
  const importTo = async (db: string, ...more: string[]) => {
    const r = await run([
      'import-analyzer',
      '--analyzer-arn',
      ANALYZER,
      '--db',
      db,
      '--quiet',
      ...more,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r;
  };
  const stored = (db: string) => {
    const store = openStore(db, { clock: NOW });
    try {
      return store.getFinding(ID)!.finding as unknown as Finding;
    } finally {
      store.close();
    }
  };

  it("keeps Access Analyzer's as the finding's recommendation and records iam-refine's next to it, proven and labelled", async () => {
    const db = join(tmp(), 'f.db');
    const r = await importTo(db);
    expect(r.out.split('\n')[1]).toBe(
      "refined 1 finding with an Access Analyzer recommendation with iam-refine's engine as well (kept side by side; apply --use iam-refine applies ours)",
    );
    const f = stored(db);
    const [aa] = f.policies!;
    expect(aa!.policy).toEqual(AA_POLICY);
    expect((aa!.labels ?? []).map((l) => l.code)).not.toContain('IAM_REFINE_RECOMMENDATION');
    // Access Analyzer's recommendation, not the import's (the engine's would start at NOW).
    expect(f.recommendation!.startedAt).toBe('2024-06-01T00:00:00.000Z');
    const ours = f.iamRefineRecommendation!;
    expect(ours.policies).toHaveLength(1);
    const [p] = ours.policies;
    expect(p!.policyId).toBe('Data');
    expect(p!.recommendedAction).toBe('CREATE_POLICY');
    expect(p!.policy).toEqual(OURS);
    expect(p!.proof!.exact).toBe(true);
    expect(p!.originalPolicy).toEqual(INLINE);
    expect(p!.labels!.map((l) => l.code)).toEqual(['IAM_REFINE_RECOMMENDATION']);
    expect(
      ours.recommendation.recommendedSteps.map(
        (s) => s.unusedPermissionsRecommendedStep.recommendedAction,
      ),
    ).toEqual(['CREATE_POLICY', 'DETACH_POLICY']);

    // findings show: both sections.
    const show = await run(['findings', 'show', ID, '--db', db]);
    expect(show.code).toBe(0);
    const text = show.out;
    expect(text.indexOf('\nRecommendation\n')).toBeGreaterThan(0);
    expect(text.indexOf("\niam-refine's recommendation")).toBeGreaterThan(
      text.indexOf('\nRecommendation\n'),
    );
    expect(text).toContain(`apply ${ID} --use iam-refine`);
  });

  it("apply carries out Access Analyzer's; apply --use iam-refine carries out iam-refine's", async () => {
    const db = join(tmp(), 'f.db');
    await importTo(db);
    const dryAa = await run(['apply', ID, '--db', db]);
    expect(dryAa.code).toBe(0);
    expect(dryAa.out).not.toContain('"Sid"');
    const dryOurs = await run(['apply', ID, '--db', db, '--use', 'iam-refine']);
    expect(dryOurs.code).toBe(0);
    expect(dryOurs.out).toContain('"Sid": "Data"');
    const applied = await run(['apply', ID, '--db', db, '--use', 'iam-refine', '--yes']);
    expect(applied.err).toContain('applied:');
    expect(applied.code).toBe(0);
    const live = world.account(MAIN_ACCOUNT).entity('Role', 'app-2')!.inline.get('Data')!;
    expect(JSON.parse(live)).toEqual(OURS);
    const rolled = await run(['rollback', ID, '--db', db, '--yes']);
    expect(rolled.code).toBe(0);
    expect(
      JSON.parse(world.account(MAIN_ACCOUNT).entity('Role', 'app-2')!.inline.get('Data')!),
    ).toEqual(INLINE);
  });

  it('--no-refine: no iam-refine recommendation, and apply --use iam-refine says so', async () => {
    const db = join(tmp(), 'f.db');
    await importTo(db, '--no-refine');
    expect(stored(db).iamRefineRecommendation).toBeUndefined();
    expect(world.server.callsOf('ListRolePolicies')).toHaveLength(0);
    const r = await run(['apply', ID, '--db', db, '--use', 'iam-refine']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("has Access Analyzer's recommendation only");
    expect(world.server.callsOf('PutRolePolicy')).toHaveLength(0);
  });

  it("the dashboard shows a second section with iam-refine's recommendation and its download", async () => {
    const db = join(tmp(), 'f.db');
    await importTo(db);
    const store = openStore(db, { clock: NOW });
    try {
      const catalog = await loadCatalog();
      const port = 4569;
      const token = 'test-token-side-by-side-0123456789';
      const origin = `http://127.0.0.1:${port}`;
      const app = createApp({ store, catalog, security: { token, port }, version: 'test' });
      const first = await app.request(`${origin}/?token=${token}`, {
        headers: { host: `127.0.0.1:${port}` },
      });
      const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0]!;
      const get = (path: string) =>
        app.request(`${origin}${path}`, { headers: { host: `127.0.0.1:${port}`, cookie } });
      const page = await (await get(`/findings/${ID}`)).text();
      const aaAt = page.indexOf('id="recommendations"');
      const oursAt = page.indexOf('id="iam-refine-recommendation"');
      expect(aaAt).toBeGreaterThan(0);
      expect(oursAt).toBeGreaterThan(aaAt);
      expect(page.slice(oursAt)).toContain('iam-refine&#39;s recommendation');
      expect(page).toContain(`/findings/${ID}/policies/0/refined.json?from=iam-refine`);
      const oursDoc = await get(`/findings/${ID}/policies/0/refined.json?from=iam-refine`);
      expect(await oursDoc.json()).toEqual(OURS);
      const aaDoc = await get(`/findings/${ID}/policies/0/refined.json`);
      expect(await aaDoc.json()).toEqual(AA_POLICY);
    } finally {
      store.close();
    }
  });
});

describe('importing again', () => {
  it("is unchanged when nothing changed, and updates iam-refine's recommendation when only it changed (a managed policy attached since)", async () => {
    world.analyzers.get(ANALYZER)!.findings[0]!.recommendation = {
      startedAt: '2024-06-01T00:00:00Z',
      completedAt: '2024-06-01T00:00:05Z',
      resourceArn: ROLE,
      recommendationType: 'UnusedPermissionRecommendation',
      status: 'SUCCEEDED',
      recommendedSteps: [
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'DETACH_POLICY',
            existingPolicyId: 'Data',
          },
        },
      ],
    };
    const db = join(tmp(), 'f.db');
    const args = ['import-analyzer', '--analyzer-arn', ANALYZER, '--db', db, '--quiet'];
    expect((await run(args)).code).toBe(0);
    const again = await run(args);
    expect(again.out).toContain('1 findings from');
    expect(again.out).toContain('0 new, 0 updated, 1 unchanged');
    // A managed policy granting sqs:* is attached since: Access Analyzer's recommendation (and the
    // live document of its policy) is the same, ours gains a step for the new policy.
    const sqs = world.addAwsManagedPolicy('SqsEverything', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
    });
    world.account(MAIN_ACCOUNT).entity('Role', 'app-2')!.attached.push(sqs.arn);
    const third = await run(args);
    expect(third.out).toContain('0 new, 1 updated, 0 unchanged');
    const store = openStore(db, { clock: NOW });
    const f = store.getFinding(findingId(MAIN_ACCOUNT, ROLE, 'UnusedPermission'))!
      .finding as unknown as Finding;
    store.close();
    expect(f.policies!.map((p) => p.policyId)).toEqual(['Data']);
    expect(
      f.iamRefineRecommendation!.policies.map((p) => [p.policyId, p.recommendedAction]),
    ).toEqual([
      ['Data', 'CREATE_POLICY'],
      [sqs.arn, 'DETACH_POLICY'],
    ]);
  });
});
