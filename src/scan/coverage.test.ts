/**
 * Coverage end to end through `runScanCore`, on CloudTrail files in the real S3 layout and
 * format: full, one-day, 60-day and gapped slices of a 90-day period, a skipped file in one
 * account of two, a last-accessed report with a late tracking start, and a declared data-event
 * service without data events.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../test-support/cli.js';
import { runScanCore, type ScanOptions } from './run.js';

const NOW = '2026-09-01T00:00:00Z';
const DAY = 86_400_000;
const A = '111111111111';
const B = '222222222222';
const roleArn = (account: string) => `arn:aws:iam::${account}:role/app`;
const tmp = useTempDir('iam-refine-coverage-', 'each');

/** Authorization details of one account: one role allowed sqs and s3 (created long ago). */
function authDetails(account: string): string {
  return JSON.stringify({
    UserDetailList: [],
    GroupDetailList: [],
    Policies: [],
    RoleDetailList: [
      {
        Path: '/',
        RoleName: 'app',
        RoleId: `AROA${account}`,
        Arn: roleArn(account),
        CreateDate: '2024-01-01T00:00:00+00:00',
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        },
        InstanceProfileList: [],
        RolePolicyList: [
          {
            PolicyName: 'app',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: [
                    'sqs:GetQueueUrl',
                    'sqs:SendMessage',
                    's3:ListAllMyBuckets',
                    's3:GetObject',
                    's3:PutObject',
                  ],
                  Resource: '*',
                },
              ],
            },
          },
        ],
        AttachedManagedPolicies: [],
        Tags: [],
        RoleLastUsed: {},
      },
    ],
  });
}

/** A CloudTrail record of the account's role calling `source`/`name` at `time`. */
function record(account: string, time: number, source = 'sqs.amazonaws.com', name = 'GetQueueUrl') {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA${account}:s`,
      arn: `arn:aws:sts::${account}:assumed-role/app/s`,
      accountId: account,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROA${account}`,
          arn: roleArn(account),
          accountId: account,
          userName: 'app',
        },
      },
    },
    eventTime: `${new Date(time).toISOString().slice(0, 19)}Z`,
    eventSource: source,
    eventName: name,
    awsRegion: 'us-east-1',
    recipientAccountId: account,
    managementEvent: true,
    eventCategory: 'Management',
  };
}

/** The S3 key CloudTrail gives the file of `account` delivered on `day` (ms of its midnight). */
function key(root: string, account: string, day: number, id: string): string {
  const d = new Date(day).toISOString();
  const [y, m, dd] = [d.slice(0, 4), d.slice(5, 7), d.slice(8, 10)];
  return join(
    root,
    'AWSLogs',
    account,
    'CloudTrail',
    'us-east-1',
    y,
    m,
    dd,
    `${account}_CloudTrail_us-east-1_${y}${m}${dd}T1200Z_${id}.json.gz`,
  );
}

/** Writes one log file per account and day (days counted back from NOW: 1 = the last day). */
async function writeLogs(root: string, account: string, daysAgo: Iterable<number>): Promise<void> {
  for (const ago of daysAgo) {
    const day = Date.parse(NOW) - ago * DAY;
    const file = key(root, account, day, `Id${ago}x${account.slice(0, 4)}`);
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(
      file,
      gzipSync(JSON.stringify({ Records: [record(account, day + 12 * 3_600_000)] })),
    );
  }
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function setup(accounts: string[]): Promise<{ root: string; auth: string[] }> {
  const root = tmp();
  const auth = [];
  for (const a of accounts) {
    const file = join(root, `auth-${a}.json`);
    await writeFile(file, authDetails(a));
    auth.push(file);
  }
  return { root, auth };
}

const scanOf = (auth: string[], extra: Partial<ScanOptions>) =>
  runScanCore({ authorizationDetails: auth, now: NOW, ...extra });

const reasonOf = (o: Awaited<ReturnType<typeof scanOf>>, arn: string) =>
  o.result.notEvaluated.find((n) => n.resource === arn);
const findingsOf = (o: Awaited<ReturnType<typeof scanOf>>, arn: string) =>
  o.result.findings.filter((f) => f.resource === arn).map((f) => f.findingType);

describe('scan coverage on CloudTrail files (90-day period)', () => {
  it('evaluates a principal whose logs cover every day, and says the scan is complete', async () => {
    const { root, auth } = await setup([A]);
    await writeLogs(root, A, range(1, 91));
    const o = await scanOf(auth, { cloudtrail: [join(root, 'AWSLogs')] });
    expect(o.result.coverage?.complete).toBe(true);
    expect(reasonOf(o, roleArn(A))).toBeUndefined();
    // s3 was not used at all: unused as a whole service.
    expect(findingsOf(o, roleArn(A))).toEqual(['UnusedPermission']);
    const region = o.result.coverage!.sources.cloudtrail!.accounts[0]!.regions[0]!;
    expect(region).toMatchObject({
      region: 'us-east-1',
      days: 91,
      missingDays: [],
      skippedFiles: 0,
    });
  });

  it('does not evaluate a principal with one day of logs; --allow-partial-coverage evaluates that day', async () => {
    const { root, auth } = await setup([A]);
    await writeLogs(root, A, [1]);
    const o = await scanOf(auth, { cloudtrail: [join(root, 'AWSLogs')] });
    expect(o.result.coverage).toMatchObject({ complete: false, notCovered: 1, shortened: 0 });
    const n = reasonOf(o, roleArn(A))!;
    expect(n.reason).toBe('INCOMPLETE_ACTIVITY_COVERAGE');
    expect(n.detail).toContain('covers 1 of the 90 days');
    expect(n.detail).toContain('no evidence for 2026-06-03 to 2026-08-30');
    expect(n.coveredFrom).toBe('2026-08-31T00:00:00.000Z');
    expect(findingsOf(o, roleArn(A))).toEqual([]);
    expect(o.inputWarnings.join('\n')).toContain('1 principal was not evaluated');

    const p = await scanOf(auth, {
      cloudtrail: [join(root, 'AWSLogs')],
      allowPartialCoverage: true,
    });
    expect(p.result.coverage).toMatchObject({
      complete: false,
      shortened: 1,
      shortestSince: '2026-08-31T00:00:00.000Z',
    });
    const f = p.result.findings.find((x) => x.resource === roleArn(A))!;
    expect(f.findingType).toBe('UnusedPermission');
    expect(f.evaluatedSince).toBe('2026-08-31T00:00:00.000Z');
  });

  it('shortens to the last 60 days of a 60-day slice', async () => {
    const { root, auth } = await setup([A]);
    await writeLogs(root, A, range(1, 60));
    const p = await scanOf(auth, {
      cloudtrail: [join(root, 'AWSLogs')],
      allowPartialCoverage: true,
    });
    const f = p.result.findings.find((x) => x.resource === roleArn(A))!;
    expect(f.evaluatedSince).toBe(new Date(Date.parse(NOW) - 60 * DAY).toISOString());
  });

  it('names a region missing days inside its own span, without making them gaps', async () => {
    const { root, auth } = await setup([A]);
    await writeLogs(root, A, range(1, 91));
    for (const ago of [2, 10]) {
      const day = Date.parse(NOW) - ago * DAY;
      const file = key(root, A, day, `Eu${ago}`).replaceAll('us-east-1', 'eu-west-1');
      await mkdir(join(file, '..'), { recursive: true });
      const r = { ...record(A, day + 3_600_000), awsRegion: 'eu-west-1' };
      await writeFile(file, gzipSync(JSON.stringify({ Records: [r] })));
    }
    const o = await scanOf(auth, { cloudtrail: [join(root, 'AWSLogs')] });
    expect(o.result.coverage?.complete).toBe(true);
    expect(reasonOf(o, roleArn(A))).toBeUndefined();
    const eu = o.result.coverage!.sources.cloudtrail!.accounts[0]!.regions[0]!;
    expect(eu).toMatchObject({ region: 'eu-west-1', days: 2 });
    expect(eu.missingDays).toHaveLength(7);
    expect(o.inputWarnings.join('\n')).toContain(
      `CloudTrail logs of account ${A} in eu-west-1 have no record on 7 days of the tracking period`,
    );
  });

  it('treats a day in the middle without logs as a gap', async () => {
    const { root, auth } = await setup([A]);
    await writeLogs(root, A, [...range(1, 44), ...range(46, 91)]);
    const o = await scanOf(auth, { cloudtrail: [join(root, 'AWSLogs')] });
    const n = reasonOf(o, roleArn(A))!;
    expect(n.reason).toBe('INCOMPLETE_ACTIVITY_COVERAGE');
    const gap = new Date(Date.parse(NOW) - 45 * DAY).toISOString().slice(0, 10);
    expect(n.detail).toContain(`no evidence for ${gap} (CloudTrail: no record read on 1 day)`);
    expect(o.result.coverage!.sources.cloudtrail!.accounts[0]!.regions[0]!.missingDays).toEqual([
      gap,
    ]);
    const p = await scanOf(auth, {
      cloudtrail: [join(root, 'AWSLogs')],
      allowPartialCoverage: true,
    });
    expect(p.result.findings[0]!.evaluatedSince).toBe(
      new Date(Date.parse(NOW) - 44 * DAY).toISOString(),
    );
  });

  it('a skipped file in one account of two is a gap of that account only, placed by its key', async () => {
    const { root, auth } = await setup([A, B]);
    await writeLogs(root, A, range(1, 91));
    await writeLogs(root, B, range(1, 91));
    const day = Date.parse(NOW) - 30 * DAY;
    const bad = key(root, B, day, 'Truncated');
    await writeFile(bad, gzipSync(JSON.stringify({ Records: [record(B, day)] })).subarray(0, 40));
    const o = await scanOf(auth, { cloudtrail: [join(root, 'AWSLogs')] });
    const text = new Date(day).toISOString().slice(0, 10);
    expect(reasonOf(o, roleArn(A))).toBeUndefined();
    expect(findingsOf(o, roleArn(A))).toEqual(['UnusedPermission']);
    const n = reasonOf(o, roleArn(B))!;
    expect(n.reason).toBe('INCOMPLETE_ACTIVITY_COVERAGE');
    expect(n.detail).toContain(`no evidence for ${text} (CloudTrail: skipped input on 1 day)`);
    expect(o.result.coverage!.skipped).toEqual({
      files: 1,
      records: 0,
      where: [`${B} us-east-1 ${text}`],
    });
    expect(o.inputWarnings.join('\n')).toContain(
      `skipped 1 log file and 0 records, on ${B} us-east-1 ${text}`,
    );
  });

  it('an account with no readable log at all evaluates nothing, even with partial coverage allowed', async () => {
    const { root, auth } = await setup([A, B]);
    await writeLogs(root, A, range(1, 91));
    const o = await scanOf(auth, {
      cloudtrail: [join(root, 'AWSLogs')],
      allowPartialCoverage: true,
    });
    expect(reasonOf(o, roleArn(B))?.detail).toContain(
      `no activity source has any record of account ${B}`,
    );
    expect(findingsOf(o, roleArn(B))).toEqual([]);
  });

  it('a declared data-event service without data events in an account is a gap there only', async () => {
    const { root, auth } = await setup([A, B]);
    await writeLogs(root, A, range(1, 91));
    await writeLogs(root, B, range(1, 91));
    const t = Date.parse(NOW) - DAY;
    // A: a GetObject data event; B: only a management event of s3 (ListBuckets).
    const data = {
      ...record(A, t + 1000, 's3.amazonaws.com', 'GetObject'),
      managementEvent: false,
      eventCategory: 'Data',
    };
    await writeFile(key(root, A, t, 'S3data'), gzipSync(JSON.stringify({ Records: [data] })));
    const mgmt = record(B, t + 1000, 's3.amazonaws.com', 'ListBuckets');
    await writeFile(key(root, B, t, 'S3mgmt'), gzipSync(JSON.stringify({ Records: [mgmt] })));
    const o = await scanOf(auth, { cloudtrail: [join(root, 'AWSLogs')], dataEvents: ['s3'] });
    expect(o.result.coverage?.dataEventGaps).toEqual([{ service: 's3', accounts: [B] }]);
    expect(o.result.coverage?.complete).toBe(false);
    expect(o.inputWarnings.join('\n')).toContain(
      `--data-events declares s3, but the logs hold no s3 data event of account ${B}`,
    );
    const s3Unused = (arn: string) =>
      o.result.findings
        .filter((f) => f.resource === arn)
        .flatMap((f) => f.findingDetails)
        .flatMap((d) => ('unusedPermissionDetails' in d ? [d.unusedPermissionDetails] : []))
        .filter((d) => d.serviceNamespace === 's3')
        .flatMap((d) => (d.actions ?? []).map((a) => a.action));
    // A's logs hold s3 data events: PutObject (a data event only) is observable, and unused.
    expect(s3Unused(roleArn(A))).toContain('PutObject');
    expect(s3Unused(roleArn(A))).not.toContain('GetObject');
    // B's hold none: neither GetObject nor PutObject can be called unused there.
    expect(s3Unused(roleArn(B))).not.toContain('GetObject');
    expect(s3Unused(roleArn(B))).not.toContain('PutObject');
  });

  it('a last-accessed report covers 400 days before its job completed: a late tracking start is not coverage', async () => {
    const { root, auth } = await setup([A]);
    const report = (completion: string) =>
      JSON.stringify({
        Arn: roleArn(A),
        ServiceLastAccessed: {
          JobStatus: 'COMPLETED',
          JobType: 'ACTION_LEVEL',
          JobCreationDate: completion,
          JobCompletionDate: completion,
          IsTruncated: false,
          ServicesLastAccessed: [
            {
              ServiceName: 'Amazon SQS',
              ServiceNamespace: 'sqs',
              LastAuthenticated: '2026-08-20T10:00:00Z',
              TotalAuthenticatedEntities: 1,
              TrackedActionsLastAccessed: [
                { ActionName: 'GetQueueUrl', LastAccessedTime: '2026-08-20T10:00:00Z' },
              ],
            },
          ],
        },
      });
    const good = join(root, 'good.json');
    await writeFile(good, report('2026-09-01T00:00:00Z'));
    const o = await scanOf(auth, { lastAccessed: [good] });
    expect(o.result.coverage?.complete).toBe(true);
    expect(reasonOf(o, roleArn(A))).toBeUndefined();
    // Generated 2027-08-01: IAM's data then reaches back to 2026-06-27 only, after the start of a
    // 365-day period ending 2026-09-01.
    const late = join(root, 'late.json');
    await writeFile(late, report('2027-08-01T00:00:00Z'));
    const l = await scanOf(auth, { lastAccessed: [late], trackingPeriod: 365 });
    const n = reasonOf(l, roleArn(A))!;
    expect(n.reason).toBe('INCOMPLETE_ACTIVITY_COVERAGE');
    expect(n.detail).toContain('tracked only from 2026-06-27');
    expect(n.coveredFrom).toBe('2026-06-27T00:00:00.000Z');
    // Without JobCompletionDate, what a report covers is unknown: evidence of use only.
    const undated = join(root, 'undated.json');
    const parsed = JSON.parse(report('2026-09-01T00:00:00Z')) as {
      ServiceLastAccessed: Record<string, unknown>;
    };
    delete parsed.ServiceLastAccessed.JobCompletionDate;
    await writeFile(undated, JSON.stringify(parsed));
    const u = await scanOf(auth, { lastAccessed: [undated] });
    expect(reasonOf(u, roleArn(A))?.reason).toBe('INCOMPLETE_ACTIVITY_COVERAGE');
    expect(u.inputWarnings.join('\n')).toContain(`${undated}: the report has no JobCompletionDate`);
    expect(l.result.coverage?.sources.lastAccessed).toEqual([
      {
        arn: roleArn(A),
        file: late,
        from: '2026-06-27T00:00:00.000Z',
        to: '2027-08-01T00:00:00.000Z',
      },
    ]);
  });
});
