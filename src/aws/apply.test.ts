/**
 * `apply` and `rollback` with the real IAM client against the loopback fake: the round trip leaves
 * every policy byte-identical, apply refuses when the live policy changed since the scan or a
 * refined policy is over IAM's size quota, and every write is recorded with what it replaced.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import type { PolicyRecommendation } from '../findings/types.js';
import {
  executeApply,
  executeRollback,
  formatPlan,
  planApply,
  planCalls,
  planRollback,
  refinedPolicyName,
  type ApplicableFinding,
  type PlanContext,
  type RecommendationWithOriginal,
} from './apply.js';
import { ChangeLog } from './changes.js';
import { AwsSession } from './clients.js';
import { connectionTo } from '../../test/fake-aws/fixture.js';
import type { FakeIamAccount } from '../../test/fake-aws/iam.js';
import { FakeAws, MAIN_ACCOUNT } from '../../test/fake-aws/world.js';

let world: FakeAws;
let account: FakeIamAccount;
let session: AwsSession;
let dir: string;
let log: ChangeLog;

const ROLE = `arn:aws:iam::${MAIN_ACCOUNT}:role/app`;
/** An inline policy with IAM-unusual spacing, to prove byte-identical restoration. */
const INLINE_TEXT =
  '{"Version":"2012-10-17",  "Statement":[{"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents","logs:DeleteLogGroup"],"Resource":"*"}]}';
const INLINE_REFINED = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: '*',
    },
  ],
};
const MANAGED_ORIGINAL = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteBucket'], Resource: '*' },
  ],
};
const MANAGED_REFINED = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }],
};
const AWS_ORIGINAL = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['sqs:*'], Resource: '*' }],
};
const AWS_REFINED = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' }],
};

const context: PlanContext = { accountId: MAIN_ACCOUNT, catalog: () => loadCatalog() };

function rec(
  extra: Partial<RecommendationWithOriginal> &
    Pick<PolicyRecommendation, 'policyId' | 'policyName' | 'policyType'>,
): RecommendationWithOriginal {
  return { recommendedAction: 'CREATE_POLICY', policy: null, removedByAccessLevel: {}, ...extra };
}

/** The customer-managed policy the data tests change. */
const DATA_POLICY = `arn:aws:iam::${MAIN_ACCOUNT}:policy/DataPolicy`;

/** The recommendation refining {@link DATA_POLICY} from MANAGED_ORIGINAL to MANAGED_REFINED. */
function dataPolicyRec(
  extra: Partial<RecommendationWithOriginal> = {},
): RecommendationWithOriginal {
  return rec({
    policyId: DATA_POLICY,
    policyName: 'DataPolicy',
    policyType: 'CUSTOMER_MANAGED',
    policy: MANAGED_REFINED,
    originalPolicy: MANAGED_ORIGINAL,
    ...extra,
  });
}

function finding(policies: RecommendationWithOriginal[]): ApplicableFinding {
  return {
    id: '0b7c5d1e-aaaa-8bbb-8ccc-000000000001',
    resource: ROLE,
    resourceOwnerAccount: MAIN_ACCOUNT,
    findingType: 'UnusedPermission',
    policies,
  };
}

const inlineRec = () =>
  rec({
    policyId: 'Logs',
    policyName: 'Logs',
    policyType: 'INLINE',
    policy: INLINE_REFINED,
    originalPolicy: JSON.parse(INLINE_TEXT) as Record<string, unknown>,
  });

beforeEach(async () => {
  world = new FakeAws();
  account = world.account(MAIN_ACCOUNT);
  world.addAwsManagedPolicy('AmazonSQSFullAccess', AWS_ORIGINAL);
  account.addPolicy('DataPolicy', [
    {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    },
    MANAGED_ORIGINAL,
  ]);
  account.addEntity('Role', {
    name: 'app',
    inline: { Logs: INLINE_TEXT, Other: '{"Version":"2012-10-17","Statement":[]}' },
    attached: [
      `arn:aws:iam::${MAIN_ACCOUNT}:policy/DataPolicy`,
      'arn:aws:iam::aws:policy/AmazonSQSFullAccess',
    ],
  });
  account.addEntity('Role', { name: 'other' });
  await world.start();
  session = AwsSession.base(connectionTo(world));
  dir = await mkdtemp(join(tmpdir(), 'iam-refine-apply-test-'));
  log = ChangeLog.open(join(dir, 'test.db'), () => new Date('2024-06-02T09:00:00Z'));
});

afterEach(async () => {
  log.close();
  session.destroy();
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** Everything apply may touch: entities' inline texts and attachments, every policy's versions. */
function state(): unknown {
  const policies = [...account.policies.values()].map((p) => ({
    arn: p.arn,
    defaultVersionId: p.defaultVersionId,
    versions: p.versions.map((v) => [v.versionId, v.document]),
  }));
  return { entities: account.snapshot(), policies };
}

const writes = () =>
  world.server.calls.filter((c) => /^(Put|Delete|Attach|Detach|Create|Set)/.test(c.operation));

describe('apply then rollback', () => {
  it('inline policy: PutRolePolicy, rollback restores the exact original text', async () => {
    const before = state();
    const plan = await planApply(finding([inlineRec()]), session.iam, context);
    expect(plan.refusals).toEqual([]);
    expect(planCalls(plan).map((c) => c.operation)).toEqual(['PutRolePolicy']);
    const text = formatPlan(plan);
    expect(text).toContain('policy Logs (inline policy of role app): CREATE_POLICY');
    expect(text).toContain('1. IAM PutRolePolicy RoleName=app PolicyName=Logs');
    expect(text).toContain('"logs:PutLogEvents"');
    expect(writes()).toEqual([]); // planning only reads

    const result = await executeApply(plan, session.iam, log);
    expect(result.calls).toBe(1);
    expect(account.entity('Role', 'app')!.inline.get('Logs')).toBe(
      JSON.stringify(INLINE_REFINED, null, 2),
    );
    const recorded = log.active(plan.finding.id);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.previousDocument).toBe(INLINE_TEXT);
    expect(recorded[0]!.state).toBe('done');

    const rollback = await planRollback(plan.finding.id, session.iam, log);
    expect(rollback.refusals).toEqual([]);
    await executeRollback(rollback, session.iam, log);
    expect(account.entity('Role', 'app')!.inline.get('Logs')).toBe(INLINE_TEXT);
    expect(state()).toEqual(before);
    expect(log.active(plan.finding.id)).toEqual([]);
    await expect(planRollback(plan.finding.id, session.iam, log)).rejects.toThrow(
      /already rolled back/,
    );
  });

  it('customer-managed policy at 5 versions: deletes the oldest non-default one, says so, and rolls back', async () => {
    const arn = DATA_POLICY;
    const policy = account.policies.get(arn)!;
    // v1..v5, default v2 (v3-v5 are later drafts that were never made default).
    for (let i = 3; i <= 5; i++) {
      policy.versions.push({
        versionId: `v${i}`,
        document: `{"Version":"2012-10-17","Statement":[],"Draft":${i}}`,
        createDate: new Date(`2023-0${i}-01T00:00:00Z`),
      });
    }
    policy.nextVersion = 6;
    const v1 = policy.versions[0]!.document;
    const before = state();
    const r = dataPolicyRec();
    const plan = await planApply(finding([r]), session.iam, context);
    expect(plan.refusals).toEqual([]);
    expect(planCalls(plan).map((c) => [c.operation, c.params.VersionId])).toEqual([
      ['DeletePolicyVersion', 'v1'],
      ['CreatePolicyVersion', undefined],
    ]);
    expect(plan.policies[0]!.notes.join(' ')).toContain(
      "the policy has 5 versions, IAM's limit: deleting its oldest non-default version v1",
    );
    await executeApply(plan, session.iam, log);
    expect(policy.defaultVersionId).toBe('v6');
    expect(account.defaultDocument(arn)).toBe(JSON.stringify(MANAGED_REFINED, null, 2));
    expect(policy.versions.map((v) => v.versionId)).toEqual(['v2', 'v3', 'v4', 'v5', 'v6']);

    await executeRollback(await planRollback(plan.finding.id, session.iam, log), session.iam, log);
    // The default version and its exact document are back; v1's document is kept as a new version.
    expect(policy.defaultVersionId).toBe('v2');
    expect(account.defaultDocument(arn)).toBe(JSON.stringify(MANAGED_ORIGINAL, null, 2));
    expect(policy.versions.map((v) => v.versionId)).toEqual(['v2', 'v3', 'v4', 'v5', 'v7']);
    expect(policy.versions[4]!.document).toBe(v1);
    const after = state() as { entities: unknown };
    expect(after.entities).toEqual((before as { entities: unknown }).entities);
  });

  it('customer-managed policy under the version limit: one new default version, rollback is byte-identical', async () => {
    const before = state();
    const r = dataPolicyRec();
    const plan = await planApply(finding([r]), session.iam, context);
    expect(planCalls(plan).map((c) => c.operation)).toEqual(['CreatePolicyVersion']);
    expect(plan.policies[0]!.notes).toEqual([]);
    await executeApply(plan, session.iam, log);
    await executeRollback(await planRollback(plan.finding.id, session.iam, log), session.iam, log);
    expect(state()).toEqual(before);
  });

  it('AWS-managed policy: CreatePolicy + attach + detach, rollback removes the created policy', async () => {
    const awsArn = 'arn:aws:iam::aws:policy/AmazonSQSFullAccess';
    const before = state();
    const r = rec({
      policyId: awsArn,
      policyName: 'AmazonSQSFullAccess',
      policyType: 'AWS_MANAGED',
      policy: AWS_REFINED,
      originalPolicy: AWS_ORIGINAL,
    });
    const plan = await planApply(finding([r]), session.iam, context);
    const name = refinedPolicyName('AmazonSQSFullAccess', ROLE);
    const created = `arn:aws:iam::${MAIN_ACCOUNT}:policy/iam-refine/${name}`;
    expect(
      planCalls(plan).map((c) => [c.operation, c.params.PolicyArn ?? c.params.PolicyName]),
    ).toEqual([
      ['CreatePolicy', name],
      ['AttachRolePolicy', created],
      ['DetachRolePolicy', awsArn],
    ]);
    await executeApply(plan, session.iam, log);
    expect(account.entity('Role', 'app')!.attached).toEqual([
      `arn:aws:iam::${MAIN_ACCOUNT}:policy/DataPolicy`,
      created,
    ]);
    expect(account.defaultDocument(created)).toBe(JSON.stringify(AWS_REFINED, null, 2));

    await executeRollback(await planRollback(plan.finding.id, session.iam, log), session.iam, log);
    expect(account.policies.has(created)).toBe(false);
    // Attachment order may differ; the set of attachments and every document are as before.
    const attached = account.entity('Role', 'app')!.attached;
    expect([...attached].sort()).toEqual(
      [awsArn, `arn:aws:iam::${MAIN_ACCOUNT}:policy/DataPolicy`].sort(),
    );
    expect(account.defaultDocument(awsArn)).toBe(JSON.stringify(AWS_ORIGINAL, null, 2));
    expect((state() as { policies: unknown }).policies).toEqual(
      (before as { policies: unknown }).policies,
    );
  });

  it('a customer-managed policy shared with another role gets its own copy instead of a new version', async () => {
    const arn = DATA_POLICY;
    account.entity('Role', 'other')!.attached.push(arn);
    const r = dataPolicyRec();
    const plan = await planApply(finding([r]), session.iam, context);
    expect(planCalls(plan).map((c) => c.operation)).toEqual([
      'CreatePolicy',
      'AttachRolePolicy',
      'DetachRolePolicy',
    ]);
    expect(plan.policies[0]!.notes[0]).toContain('also attached to role other');
  });

  it('DETACH_POLICY of an inline policy deletes it; rollback puts the exact text back', async () => {
    const before = state();
    const r = rec({
      policyId: 'Logs',
      policyName: 'Logs',
      policyType: 'INLINE',
      recommendedAction: 'DETACH_POLICY',
      originalPolicy: JSON.parse(INLINE_TEXT) as Record<string, unknown>,
    });
    const plan = await planApply(finding([r]), session.iam, context);
    expect(planCalls(plan).map((c) => c.operation)).toEqual(['DeleteRolePolicy']);
    await executeApply(plan, session.iam, log);
    expect(account.entity('Role', 'app')!.inline.has('Logs')).toBe(false);
    await executeRollback(await planRollback(plan.finding.id, session.iam, log), session.iam, log);
    expect(state()).toEqual(before);
  });
});

describe('apply then rollback of multi-policy forms', () => {
  const statement = (actions: string[]) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
  });
  const splitForm = (parts: number, quota = 10) => ({
    form: 'split' as const,
    policyType: 'managed' as const,
    size: 60,
    quota: 6144,
    fits: true,
    parts: Array<number>(parts).fill(60),
    attachments: { count: 2 + parts, quota },
    reason: 'test',
    tried: [],
  });
  const splitRec = (quota = 10) =>
    dataPolicyRec({
      policy: statement(['s3:GetObject', 's3:PutObject']),
      parts: [statement(['s3:GetObject']), statement(['s3:PutObject'])],
      form: splitForm(2, quota),
    });

  /**
   * The role's permissions after each write of the run, as the set of (policy, action) pairs its
   * attached and inline documents allow: never more than the original, never less than the refined.
   */
  function allowedNow(): Set<string> {
    const role = account.entity('Role', 'app')!;
    const actions = new Set<string>();
    const add = (doc: string) => {
      for (const st of [JSON.parse(doc).Statement].flat() as { Action: string | string[] }[]) {
        for (const a of [st.Action].flat()) actions.add(a);
      }
    };
    for (const [, text] of role.inline) add(text);
    for (const arn of role.attached) add(account.defaultDocument(arn)!);
    return actions;
  }

  /** {@link state} with every entity's attachments sorted (re-attaching appends at the end). */
  function sortedState(): unknown {
    const st = state() as {
      entities: Record<string, { attached: string[] }>;
      policies: unknown;
    };
    for (const e of Object.values(st.entities)) e.attached.sort();
    return st;
  }

  it('split of a customer-managed policy: every part created and attached, then the original detached; rollback removes every part', async () => {
    const before = sortedState();
    const initial = allowedNow();
    const plan = await planApply(finding([splitRec()]), session.iam, context);
    expect(plan.refusals).toEqual([]);
    expect(planCalls(plan).map((c) => c.operation)).toEqual([
      'CreatePolicy',
      'AttachRolePolicy',
      'CreatePolicy',
      'AttachRolePolicy',
      'DetachRolePolicy',
    ]);
    expect(formatPlan(plan)).toMatch(
      /split form: 2 customer managed policies are created and attached before the original is removed \(4 of 10/,
    );
    // Run the plan one call at a time and look at the role's permissions after each.
    const seen: Set<string>[] = [];
    for (let n = 1; n <= plan.policies[0]!.steps.length; n++) {
      const partial = {
        ...plan,
        policies: [{ ...plan.policies[0]!, steps: plan.policies[0]!.steps.slice(n - 1, n) }],
      };
      if (n > 1) {
        // executeApply refuses a second batch for the finding: drive the later calls one by one
        // through the same log under another finding id.
        partial.finding = { ...partial.finding, id: `${partial.finding.id.slice(0, -1)}${n}` };
      }
      await executeApply(partial, session.iam, log);
      seen.push(allowedNow());
    }
    const original = [...initial];
    const refined = original.filter((a) => a !== 's3:DeleteBucket');
    for (const set of seen) {
      for (const a of set) expect(original).toContain(a);
      for (const a of refined) expect(set.has(a)).toBe(true);
    }
    expect([...seen[seen.length - 1]!].sort()).toEqual([...refined].sort());
    const attached = account.entity('Role', 'app')!.attached;
    expect(attached.filter((a) => a.includes('/iam-refine/'))).toHaveLength(2);
    expect(attached).not.toContain(DATA_POLICY);
    // Rollback of every batch (newest first) restores the role and deletes both parts.
    for (let n = plan.policies[0]!.steps.length; n >= 1; n--) {
      const id = n === 1 ? plan.finding.id : `${plan.finding.id.slice(0, -1)}${n}`;
      const rb = await planRollback(id, session.iam, log);
      await executeRollback(rb, session.iam, log);
      const now = allowedNow();
      for (const a of refined) expect(now.has(a)).toBe(true);
    }
    expect(sortedState()).toEqual(before);
  });

  it('split in one apply run, and one rollback run that removes every part', async () => {
    const before = sortedState();
    const plan = await planApply(finding([splitRec()]), session.iam, context);
    const result = await executeApply(plan, session.iam, log);
    expect(result.calls).toBe(5);
    const rb = await planRollback(plan.finding.id, session.iam, log);
    expect(rb.changes.map((c) => c.call.operation)).toEqual([
      'DetachRolePolicy',
      'AttachRolePolicy',
      'CreatePolicy',
      'AttachRolePolicy',
      'CreatePolicy',
    ]);
    await executeRollback(rb, session.iam, log);
    expect(sortedState()).toEqual(before);
    expect([...account.policies.keys()].filter((a) => a.includes('/iam-refine/'))).toEqual([]);
  });

  it('split of an inline policy: parts attached, the inline policy deleted last; rollback puts the exact text back', async () => {
    const before = sortedState();
    const r = inlineRec();
    r.parts = [statement(['logs:CreateLogStream']), statement(['logs:PutLogEvents'])];
    r.form = splitForm(2);
    const plan = await planApply(finding([r]), session.iam, context);
    expect(plan.refusals).toEqual([]);
    expect(planCalls(plan).map((c) => c.operation)).toEqual([
      'CreatePolicy',
      'AttachRolePolicy',
      'CreatePolicy',
      'AttachRolePolicy',
      'DeleteRolePolicy',
    ]);
    await executeApply(plan, session.iam, log);
    expect(account.entity('Role', 'app')!.inline.has('Logs')).toBe(false);
    await executeRollback(await planRollback(plan.finding.id, session.iam, log), session.iam, log);
    expect(account.entity('Role', 'app')!.inline.get('Logs')).toBe(INLINE_TEXT);
    expect(sortedState()).toEqual(before);
  });

  it('refuses a split that would exceed the attachment quota while the original is still attached', async () => {
    const plan = await planApply(finding([splitRec(3)]), session.iam, context);
    expect(plan.refusals).toEqual([
      "policy DataPolicy: role app would have 4 managed policies attached while the 2 parts are attached before the original is removed, over the attachment quota of 3 (--max-managed-policies when the account's quota is raised); nothing was changed",
    ]);
    await expect(executeApply(plan, session.iam, log)).rejects.toThrow(/attachment quota of 3/);
    expect(writes()).toEqual([]);
  });

  it('a managed policy too large for its quota becomes an inline policy of the role, then the original is detached', async () => {
    const before = sortedState();
    const r = rec({
      policyId: 'arn:aws:iam::aws:policy/AmazonSQSFullAccess',
      policyName: 'AmazonSQSFullAccess',
      policyType: 'AWS_MANAGED',
      policy: AWS_REFINED,
      originalPolicy: AWS_ORIGINAL,
      form: { ...splitForm(0), form: 'compact', policyType: 'role-inline', quota: 10000 },
    });
    delete r.form!.parts;
    const plan = await planApply(finding([r]), session.iam, context);
    expect(plan.refusals).toEqual([]);
    expect(planCalls(plan).map((c) => c.operation)).toEqual(['PutRolePolicy', 'DetachRolePolicy']);
    await executeApply(plan, session.iam, log);
    const name = refinedPolicyName('AmazonSQSFullAccess', ROLE);
    expect(JSON.parse(account.entity('Role', 'app')!.inline.get(name)!)).toEqual(AWS_REFINED);
    await executeRollback(await planRollback(plan.finding.id, session.iam, log), session.iam, log);
    expect(sortedState()).toEqual(before);
  });
});

describe('apply refuses', () => {
  it('when the live policy changed since the scan (nothing is written)', async () => {
    account
      .entity('Role', 'app')!
      .inline.set('Logs', INLINE_TEXT.replace('logs:DeleteLogGroup', 'logs:DeleteLogStream'));
    const plan = await planApply(finding([inlineRec()]), session.iam, context);
    expect(plan.refusals).toEqual([
      'policy Logs: the live policy changed since the scan (run the scan again for a new recommendation); nothing was changed',
    ]);
    await expect(executeApply(plan, session.iam, log)).rejects.toThrow(/changed since the scan/);
    expect(writes()).toEqual([]);
    expect(log.history(plan.finding.id)).toEqual([]);
  });

  it('when the finding recorded no original: re-refining the live policy must give the recommendation', async () => {
    const arn = DATA_POLICY;
    const r = rec({
      policyId: arn,
      policyName: 'DataPolicy',
      policyType: 'CUSTOMER_MANAGED',
      policy: MANAGED_REFINED,
      removedByAccessLevel: { Write: ['s3:PutObject', 's3:DeleteBucket'] },
    });
    const ok = await planApply(finding([r]), session.iam, context);
    expect(ok.refusals).toEqual([]);
    account.policies.get(arn)!.versions[1]!.document = JSON.stringify({
      ...MANAGED_ORIGINAL,
      Statement: [{ ...MANAGED_ORIGINAL.Statement[0], Resource: 'arn:aws:s3:::bucket/*' }],
    });
    const changed = await planApply(finding([r]), session.iam, context);
    expect(changed.refusals[0]).toMatch(/changed since the scan/);
  });

  it("a refined managed policy over IAM's 6,144-character quota", async () => {
    const big = {
      Version: '2012-10-17',
      Statement: Array.from({ length: 120 }, (_, i) => ({
        Sid: `S${i}`,
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::bucket-${i}/*`,
      })),
    };
    const r = dataPolicyRec({ policy: big });
    const plan = await planApply(finding([r]), session.iam, context);
    expect(plan.refusals).toHaveLength(1);
    expect(plan.refusals[0]).toMatch(
      /^policy DataPolicy: the refined policy is [\d,]+ characters, over IAM's managed policy quota of 6,144 \(whitespace not counted\); nothing was changed$/,
    );
    await expect(executeApply(plan, session.iam, log)).rejects.toThrow(/quota/);
    expect(writes()).toEqual([]);
  });

  it("inline policies over the user's 2,048-character quota (all inline policies counted)", async () => {
    account.addEntity('User', {
      name: 'carol',
      inline: {
        Small: INLINE_TEXT,
        Big: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: 'x'.repeat(1950) }],
        }),
      },
    });
    const r = rec({
      policyId: 'Small',
      policyName: 'Small',
      policyType: 'INLINE',
      policy: INLINE_REFINED,
      originalPolicy: JSON.parse(INLINE_TEXT) as Record<string, unknown>,
    });
    const plan = await planApply(
      { ...finding([r]), resource: `arn:aws:iam::${MAIN_ACCOUNT}:user/carol` },
      session.iam,
      context,
    );
    expect(plan.refusals[0]).toMatch(/over IAM's user inline policy quota of 2,048/);
  });

  it("another account's finding, a finding without recommendation, a non-permission finding", async () => {
    const plan = await planApply(
      { ...finding([inlineRec()]), resourceOwnerAccount: '222222222222' },
      session.iam,
      context,
    );
    expect(plan.refusals[0]).toMatch(
      /is in account 222222222222, but the credentials are for account 111111111111/,
    );
    await expect(planApply(finding([]), session.iam, context)).rejects.toThrow(
      /no policy recommendation to apply/,
    );
    await expect(
      planApply({ ...finding([]), findingType: 'UnusedIAMRole' }, session.iam, context),
    ).rejects.toThrow(/only UnusedPermission findings/);
  });

  it('a missing permission names the call and the action, and says no call was made', async () => {
    world.deny(MAIN_ACCOUNT, 'iam:PutRolePolicy');
    const plan = await planApply(finding([inlineRec()]), session.iam, context);
    await expect(executeApply(plan, session.iam, log)).rejects.toThrow(
      /IAM PutRolePolicy was denied \(AccessDenied\): the credentials need the IAM permission iam:PutRolePolicy.*; no call was made$/,
    );
    expect(log.history(plan.finding.id)).toEqual([]);
  });

  it('a second apply before rollback, and a rollback after the policy changed again', async () => {
    const plan = await planApply(finding([inlineRec()]), session.iam, context);
    await executeApply(plan, session.iam, log);
    await expect(executeApply(plan, session.iam, log)).rejects.toThrow(
      /was applied at 2024-06-02T09:00:00.000Z and not rolled back/,
    );
    account.entity('Role', 'app')!.inline.set('Logs', '{"Version":"2012-10-17","Statement":[]}');
    const rollback = await planRollback(plan.finding.id, session.iam, log);
    expect(rollback.refusals[0]).toMatch(/^policy Logs: changed since apply/);
    await expect(executeRollback(rollback, session.iam, log)).rejects.toThrow(/--force/);
    await executeRollback(rollback, session.iam, log, { force: true });
    expect(account.entity('Role', 'app')!.inline.get('Logs')).toBe(INLINE_TEXT);
  });
});
