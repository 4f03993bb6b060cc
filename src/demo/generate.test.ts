import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScanCore, type ScanOutcome } from '../scan/run.js';
import { parseCredentialReport } from '../inventory/credential-report.js';
import { ACCOUNT, END, ROLES, USERS } from './account.js';
import { generateDemo, type DemoGenerated } from './generate.js';
import { policyAllows, verifyDemoScan } from './verify.js';

/** Every file under `dir` with the SHA-256 of its bytes, by relative path. */
async function digests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else
        out.set(
          relative(dir, p),
          createHash('sha256')
            .update(await readFile(p))
            .digest('hex'),
        );
    }
  };
  await walk(dir);
  return out;
}

const arn = (kind: 'role' | 'user', name: string): string => {
  const spec = (kind === 'role' ? ROLES : USERS).find((s) => s.name === name)!;
  return `arn:aws:iam::${ACCOUNT}:${kind}${spec.path}${name}`;
};

let tmp: string;
let demo: DemoGenerated;
let outcome: ScanOutcome;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'iam-refine-demo-'));
  demo = await generateDemo({ dir: join(tmp, 'a'), events: 3000, seed: 7 });
  outcome = await runScanCore({
    authorizationDetails: [demo.paths.authorizationDetails],
    credentialReport: [demo.paths.credentialReport],
    cloudtrail: [demo.paths.cloudtrail],
    dataEvents: demo.dataEventServices,
    trackingPeriod: demo.trackingPeriodDays,
    now: demo.now.toISOString(),
  });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('demo generator', () => {
  it('is deterministic: the same seed gives byte-identical files, another seed other files', async () => {
    await generateDemo({ dir: join(tmp, 'b'), events: 3000, seed: 7 });
    await generateDemo({ dir: join(tmp, 'c'), events: 3000, seed: 8 });
    const a = await digests(join(tmp, 'a'));
    const b = await digests(join(tmp, 'b'));
    const c = await digests(join(tmp, 'c'));
    expect(a.size).toBeGreaterThan(10);
    expect([...b]).toEqual([...a]);
    expect(c.get('authorization-details.json')).not.toBe(a.get('authorization-details.json'));
    expect([...c.keys()].filter((k) => k.endsWith('.gz'))).not.toEqual(
      [...a.keys()].filter((k) => k.endsWith('.gz')),
    );
  });

  it('writes CloudTrail logs in the S3 layout with realistic records', async () => {
    const files = [...(await digests(demo.paths.cloudtrail)).keys()];
    expect(files.length).toBe(demo.stats.files);
    const name =
      /^123456789012\/CloudTrail\/(us-east-1|eu-west-1|us-west-2)\/2026\/\d\d\/\d\d\/123456789012_CloudTrail_\1_2026\d{4}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;
    for (const f of files) expect(f).toMatch(name);
    const records: Record<string, unknown>[] = [];
    for (const f of files) {
      const text = gunzipSync(await readFile(join(demo.paths.cloudtrail, f))).toString('utf8');
      records.push(...(JSON.parse(text) as { Records: Record<string, unknown>[] }).Records);
    }
    expect(records.length).toBe(demo.stats.events);
    expect(records.length).toBeGreaterThanOrEqual(3000);
    const types = new Set(records.map((r) => (r.userIdentity as { type: string }).type));
    expect([...types].sort()).toEqual(['AWSService', 'AssumedRole', 'IAMUser', 'Root']);
    const names = new Set(records.map((r) => r.eventName as string));
    for (const n of [
      'Invoke',
      'GetObject',
      'UpdateFunctionCode20150331v2',
      'ListFunctions20150331',
      'ConsoleLogin',
      'AssumeRole',
    ]) {
      expect(names).toContain(n);
    }
    const data = records.filter((r) => r.eventCategory === 'Data');
    expect(new Set(data.map((r) => r.eventSource))).toEqual(
      new Set(['s3.amazonaws.com', 'lambda.amazonaws.com']),
    );
    expect(data.every((r) => r.managementEvent === false)).toBe(true);
    expect(records.some((r) => r.errorCode === 'AccessDenied')).toBe(true);
    expect(records.some((r) => r.eventSource === 'monitoring.amazonaws.com')).toBe(true);
    const role = records.find((r) => (r.userIdentity as { type: string }).type === 'AssumedRole')!;
    expect(Object.keys(role).slice(0, 8)).toEqual([
      'eventVersion',
      'userIdentity',
      'eventTime',
      'eventSource',
      'eventName',
      'awsRegion',
      'sourceIPAddress',
      'userAgent',
    ]);
    for (const k of [
      'requestID',
      'eventID',
      'readOnly',
      'eventType',
      'managementEvent',
      'recipientAccountId',
      'eventCategory',
    ]) {
      expect(role).toHaveProperty(k);
    }
    const identity = role.userIdentity as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.keys(identity.sessionContext!.sessionIssuer!)).toEqual([
      'type',
      'principalId',
      'arn',
      'accountId',
      'userName',
    ]);
    expect(Object.keys(identity.sessionContext!.attributes!)).toEqual([
      'creationDate',
      'mfaAuthenticated',
    ]);
    // Times stay inside the logs' span.
    const times = records.map((r) => Date.parse(r.eventTime as string));
    expect(Math.max(...times)).toBeLessThan(END.getTime());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(END.getTime() - 120 * 86_400_000);
  });

  it('writes the exports in the AWS formats, one policy URL-encoded', async () => {
    const details = JSON.parse(await readFile(demo.paths.authorizationDetails, 'utf8')) as Record<
      string,
      Record<string, unknown>[]
    >;
    expect(Object.keys(details)).toEqual([
      'UserDetailList',
      'GroupDetailList',
      'RoleDetailList',
      'Policies',
    ]);
    const encoded = details
      .GroupDetailList!.flatMap((g) => g.GroupPolicyList as { PolicyDocument: unknown }[])
      .filter((p) => typeof p.PolicyDocument === 'string');
    expect(encoded).toHaveLength(1);
    expect(encoded[0]!.PolicyDocument).toMatch(/^%7B%22Version%22/);
    const power = details.Policies!.find((p) => p.PolicyName === 'PowerUserAccess')!;
    expect(power.Arn).toBe('arn:aws:iam::aws:policy/PowerUserAccess');
    expect(JSON.stringify(power.PolicyVersionList)).toContain('NotAction');
    const rows = parseCredentialReport(
      await readFile(demo.paths.credentialReport, 'utf8'),
      'report.csv',
    );
    expect(rows.length).toBe(USERS.length + 1);
    expect(outcome.inputs.authorizationDetails).toMatchObject({
      roles: ROLES.length,
      users: USERS.length,
      groups: 8,
      accounts: [ACCOUNT],
    });
  });
});

describe('scanning the demo account', () => {
  it('finds exactly what the generator knows (its expected-findings.json)', () => {
    expect(outcome.inputWarnings).toEqual([]);
    expect(outcome.inputs.cloudtrail?.skippedFiles).toEqual([]);
    const originals = (principal: string, p: { policyId: string; groupArn?: string }) => {
      const inv = outcome.inventory;
      const managed = inv.policies.get(p.policyId);
      if (managed) return managed.document;
      const owner = p.groupArn ? inv.groups.get(p.groupArn) : inv.principals.get(principal);
      return owner?.inlinePolicies.find((x) => x.name === p.policyId)?.document;
    };
    expect(verifyDemoScan(outcome.result, demo.expectations, originals)).toEqual([]);
  });

  it('has every finding type, not-evaluated reason and recommendation kind', () => {
    const e = demo.expectations;
    expect(e.unusedRoles).toEqual(
      [
        arn('role', 'AWSReservedSSO_Billing_c2d4e6f8a0b1c3d5'),
        arn('role', 'break-glass-admin'),
        arn('role', 'legacy-reporting'),
        arn('role', 'old-batch-processor'),
        arn('role', 'quicksight-reader'),
      ].sort(),
    );
    expect(e.unusedPasswords).toEqual(
      [arn('user', 'carol.dev'), arn('user', 'dan.contractor'), arn('user', 'heidi.former')].sort(),
    );
    expect(e.unusedAccessKeys.map((k) => `${k.user} ${k.accessKeyId}`)).toEqual(
      [
        `${arn('user', 'carol.dev')} access_key_2`,
        `${arn('user', 'dan.contractor')} access_key_1`,
        `${arn('user', 'heidi.former')} access_key_1`,
        `${arn('user', 'svc-legacy-ftp')} access_key_1`,
        `${arn('user', 'svc-metrics-push')} access_key_2`,
      ].sort(),
    );
    expect(new Set(e.notEvaluated.map((n) => n.reason))).toEqual(
      new Set(['SERVICE_LINKED_ROLE', 'CREATED_IN_TRACKING_PERIOD']),
    );
    // Created exactly at the start of the tracking period: evaluated.
    expect(e.unusedPermission).toContain(arn('role', 'backup-verifier'));
    // Least privilege already: active, and no unused permission.
    expect(e.unusedPermission).not.toContain(arn('role', 'image-resizer'));
    expect(e.unusedPermission).not.toContain(arn('user', 'svc-metrics-push'));

    const f = (resource: string) =>
      outcome.result.findings.find(
        (x) => x.resource === resource && x.findingType === 'UnusedPermission',
      )!;
    const labels = (resource: string) =>
      (f(resource).policies ?? []).flatMap((p) => (p.labels ?? []).map((l) => l.code));
    expect(labels(arn('role', 'ci-deployer'))).toContain('NOT_ACTION_POLICY');
    expect(labels(arn('user', 'bob.dev'))).toContain('GROUP_POLICY');
    expect(labels(arn('user', 'frank.analyst'))).toEqual(['GROUP_POLICY']);
    expect(labels(arn('role', 'orders-api'))).toEqual([]);
    const actions = new Set(
      outcome.result.findings.flatMap((x) => (x.policies ?? []).map((p) => p.recommendedAction)),
    );
    expect(actions).toContain('CREATE_POLICY');
  });

  it("narrows the article's s3:Get* and drops the unused Lambda actions of orders-api", () => {
    const f = outcome.result.findings.find(
      (x) => x.resource === arn('role', 'orders-api') && x.findingType === 'UnusedPermission',
    )!;
    const p = f.policies!.find((x) => x.policyName === 'orders-api-policy')!;
    expect(p.recommendedAction).toBe('CREATE_POLICY');
    const refined = p.policy!;
    const text = JSON.stringify(refined);
    expect(text).not.toContain('"s3:Get*"');
    expect(text).not.toContain('lambda:AddPermission');
    for (const used of [
      's3:GetObject',
      's3:GetBucketLocation',
      's3:ListBucket',
      'lambda:InvokeFunction',
    ]) {
      expect(policyAllows(refined, used)).toBe(true);
    }
    for (const unused of ['s3:GetBucketPolicy', 's3:GetBucketAcl', 'lambda:CreateFunction']) {
      expect(policyAllows(refined, unused)).toBe(false);
    }
    const step = f.recommendation!.recommendedSteps.find(
      (s) =>
        s.unusedPermissionsRecommendedStep.existingPolicyId ===
        `arn:aws:iam::${ACCOUNT}:policy/app/orders-api-policy`,
    );
    expect(step?.unusedPermissionsRecommendedStep.recommendedAction).toBe('CREATE_POLICY');
  });
});

describe('verifyDemoScan', () => {
  it('reports each difference from the ground truth', () => {
    const result = structuredClone(outcome.result);
    const role = arn('role', 'break-glass-admin');
    result.findings = result.findings.filter((f) => f.resource !== role);
    result.notEvaluated = result.notEvaluated.slice(1);
    const orders = result.findings.find(
      (f) => f.resource === arn('role', 'orders-api') && f.findingType === 'UnusedPermission',
    )!;
    const s3 = orders.findingDetails.find(
      (d) => 'unusedPermissionDetails' in d && d.unusedPermissionDetails.serviceNamespace === 's3',
    ) as { unusedPermissionDetails: { actions?: { action: string }[] } };
    s3.unusedPermissionDetails.actions!.push({ action: 'GetObject' });
    const problems = verifyDemoScan(result, demo.expectations);
    expect(problems).toContain(`UnusedIAMRole: missing ${role}`);
    expect(problems.some((p) => p.startsWith('not evaluated: missing '))).toBe(true);
    expect(problems).toContain(
      `${arn('role', 'orders-api')}: s3:GetObject was used but is reported unused`,
    );
  });

  it('reports incomplete coverage (the generated logs must cover the whole period)', () => {
    expect(outcome.result.coverage?.complete).toBe(true);
    const result = structuredClone(outcome.result);
    result.coverage = { ...result.coverage!, complete: false, notCovered: 2 };
    expect(verifyDemoScan(result, demo.expectations)[0]).toMatch(
      /^coverage: incomplete \(0 files and 0 records skipped, 2 principals not covered/,
    );
  });
});
