import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../../test-support/cli.js';
import { progressBar } from './scan.js';

/** Runs `iam-refine scan <args>` in-process as users run it: exit status, captured output. */
const scan = (args: readonly string[]) => runCli(['scan', ...args]);

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url).pathname;
const AUTH = join(FIXTURES, 'account/authorization-details.json');
const REPORT = join(FIXTURES, 'account/credential-report.csv');
const TRAIL = join(FIXTURES, 'cloudtrail');
const NOW = '2024-06-30T00:00:00Z';

/** `scan` arguments: the account fixtures, `extra`, then `--now NOW --format json`. */
const accountJson = (...extra: string[]) => [
  '--authorization-details',
  AUTH,
  '--credential-report',
  REPORT,
  ...extra,
  '--now',
  NOW,
  '--format',
  'json',
];
const ACCOUNT = 'arn:aws:iam::111122223333';

interface JsonOutput {
  analyzedAt: string;
  trackingPeriodDays: number;
  catalogVersion: string;
  findings: {
    id: string;
    findingType: string;
    resource: string;
    findingDetails: Record<string, { accessKeyId?: string }>[];
  }[];
  notEvaluated: { resource: string; reason: string }[];
  inputs: {
    cloudtrail: { files: number; skippedFiles: unknown[]; badRecords: number; events: number };
    declaredDataEvents: string[];
  };
}

function summarize(out: JsonOutput): string[] {
  return out.findings.map((f) => {
    const key = f.findingDetails[0]?.unusedIamUserAccessKeyDetails?.accessKeyId;
    return `${f.findingType} ${f.resource}${key ? ` ${key}` : ''}`;
  });
}

const tmp = useTempDir('iam-refine-scan-');

describe('scan end to end on the account and CloudTrail fixtures', () => {
  it('finds exactly the expected findings, skips the 3 bad log files and counts them', async () => {
    const r = await scan(accountJson('--cloudtrail', TRAIL, '--data-events', 's3'));
    // The fixture logs are of January 2026 and account 123456789012: they cover no day of the
    // tracking period of account 111122223333, so no role or permission can be called unused.
    expect(r.code).toBe(4);
    const out = JSON.parse(r.out) as JsonOutput;
    expect(Object.keys(out).slice(0, 5)).toEqual([
      'analyzedAt',
      'trackingPeriodDays',
      'catalogVersion',
      'findings',
      'notEvaluated',
    ]);
    expect(out.analyzedAt).toBe('2024-06-30T00:00:00.000Z');
    expect(out.trackingPeriodDays).toBe(90);
    expect(summarize(out)).toEqual([
      `UnusedIAMUserAccessKey ${ACCOUNT}:user/engineering/bob access_key_1`,
    ]);
    expect(out.notEvaluated.map((n) => `${n.reason} ${n.resource}`)).toEqual([
      `SERVICE_LINKED_ROLE ${ACCOUNT}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
      `INCOMPLETE_ACTIVITY_COVERAGE ${ACCOUNT}:role/ci-deploy`,
      `INCOMPLETE_ACTIVITY_COVERAGE ${ACCOUNT}:role/service-role/orders-processor`,
      `INCOMPLETE_ACTIVITY_COVERAGE ${ACCOUNT}:user/alice`,
      `CREATED_IN_TRACKING_PERIOD ${ACCOUNT}:user/contractors/dave`,
      `INCOMPLETE_ACTIVITY_COVERAGE ${ACCOUNT}:user/engineering/bob`,
    ]);
    expect(out.inputs.cloudtrail.files).toBe(6);
    expect(out.inputs.cloudtrail.skippedFiles).toHaveLength(3);
    expect(out.inputs.cloudtrail.badRecords).toBe(1);
    expect(out.inputs.declaredDataEvents).toEqual(['s3']);
    // Each skipped file is named on stderr, and the summary counts them.
    const skipped = r.err.split('\n').filter((l) => l.includes(': skipped: '));
    expect(skipped).toHaveLength(3);
    expect(skipped.every((l) => l.startsWith('iam-refine: warning: '))).toBe(true);
    expect(r.err).toMatch(/CloudTrail 6 files, .*, 3 files skipped, 1 bad records/);
    expect(r.err).toContain('1 findings, 6 not evaluated');
    expect(r.err).toContain(
      'coverage INCOMPLETE (3 files and 1 records skipped, 4 principals not covered)',
    );
  });

  it('gives stable finding ids and the same JSON for the same inputs', async () => {
    const args = ['--authorization-details', AUTH, '--credential-report', REPORT, '--now', NOW];
    const a = await scan([...args, '--format', 'json', '--quiet']);
    const b = await scan([...args, '--format', 'json', '--quiet']);
    expect(a.out).toBe(b.out);
    // No activity source: only the warning that nothing covers the period.
    expect(a.err).toBe(b.err);
    expect(a.err.trim().split('\n')).toHaveLength(1);
    expect(a.err).toContain('not evaluated for unused roles and permissions');
  });

  it('prints the table by default and writes --out atomically', async () => {
    const table = await scan([
      '--authorization-details',
      AUTH,
      '--credential-report',
      REPORT,
      '--now',
      NOW,
    ]);
    expect(table.code).toBe(4);
    expect(table.out).toContain('iam-refine unused access findings');
    expect(table.out).not.toContain('\u001b[');
    const file = join(tmp(), 'findings.json');
    const written = await scan([
      '--authorization-details',
      AUTH,
      '--now',
      NOW,
      '--format',
      'json',
      '--out',
      file,
    ]);
    expect(written.code).toBe(4);
    expect(written.out).toBe('');
    expect(written.err).toContain(`wrote ${file}`);
    // No activity source: the roles and users are listed as not evaluated, with the reason.
    const json = JSON.parse(await readFile(file, 'utf8')) as JsonOutput;
    expect(
      json.notEvaluated.filter((n) => n.reason === 'INCOMPLETE_ACTIVITY_COVERAGE'),
    ).toHaveLength(4);
  });

  it('does not evaluate excluded accounts and tags', async () => {
    const r = await scan(accountJson('--exclude-tag', 'team=payments'));
    const out = JSON.parse(r.out) as JsonOutput;
    expect(out.notEvaluated).toContainEqual(
      expect.objectContaining({ resource: `${ACCOUNT}:user/alice`, reason: 'EXCLUDED_TAG' }),
    );
    const all = await scan([
      '--authorization-details',
      AUTH,
      '--now',
      NOW,
      '--exclude-account',
      '111122223333',
      '--format',
      'json',
    ]);
    const excluded = JSON.parse(all.out) as JsonOutput;
    expect(excluded.findings).toEqual([]);
    expect(excluded.notEvaluated.every((n) => n.reason === 'EXCLUDED_ACCOUNT')).toBe(true);
  });
});

describe('scan with bad input', () => {
  const lines = (text: string) => text.split('\n').filter((l) => l !== '');

  it('names a missing file in one line, exit 2, nothing on stdout', async () => {
    const missing = join(tmp(), 'nope.json');
    const r = await scan(['--authorization-details', missing, '--now', NOW]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(lines(r.err)).toEqual([
      `iam-refine: ${missing}: $: file ${missing} does not exist [file_not_found]`,
    ]);
  });

  it('reports a malformed file in one line, exit 2', async () => {
    const bad = join(tmp(), 'bad-auth.json');
    await writeFile(bad, '{"UserDetailList": [');
    const r = await scan(['--authorization-details', bad, '--now', NOW]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toMatch(/^iam-refine: .*bad-auth\.json:1:\d+: .*\[invalid_json\]\n$/);
  });

  it('reports every input problem of one run, one line each', async () => {
    const r = await scan([
      '--authorization-details',
      join(tmp(), 'a.json'),
      '--credential-report',
      join(tmp(), 'b.csv'),
      '--cloudtrail',
      join(tmp(), 'no-logs'),
      '--data-events',
      's3,nosuchservice',
      '--now',
      'yesterday',
      '--exclude-tag',
      'novalue',
    ]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const errs = lines(r.err);
    expect(errs).toHaveLength(6);
    expect(errs.every((l) => l.startsWith('iam-refine: '))).toBe(true);
    expect(r.err).toContain('a.json does not exist');
    expect(r.err).toContain('b.csv does not exist');
    expect(r.err).toContain('no-logs');
    expect(r.err).toContain('"nosuchservice" is not a service prefix');
    expect(r.err).toContain('--now: $: expected an ISO 8601 time');
    expect(r.err).toContain('--exclude-tag: $: expected key=value');
  });

  it('rejects a tracking period outside 1-365 days', async () => {
    for (const days of ['0', '366', '1.5', 'x']) {
      const r = await scan(['--authorization-details', AUTH, '--tracking-period', days]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(lines(r.err)).toHaveLength(1);
      expect(r.err).toContain('expected a whole number of days from 1 to 365');
    }
  });

  it('skips and counts a bad CloudTrail file, exit 4', async () => {
    const dir = join(tmp(), 'trail');
    await mkdir(dir, { recursive: true });
    const role = `${ACCOUNT}:role/service-role/orders-processor`;
    const record = {
      eventVersion: '1.09',
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAQ3EGRJQY2ORDERS01:s',
        arn: 'arn:aws:sts::111122223333:assumed-role/orders-processor/s',
        accountId: '111122223333',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAQ3EGRJQY2ORDERS01',
            arn: role,
            accountId: '111122223333',
            userName: 'orders-processor',
          },
        },
      },
      eventTime: '2024-06-20T10:00:00Z',
      eventSource: 'sqs.amazonaws.com',
      eventName: 'GetQueueUrl',
      awsRegion: 'us-east-1',
      recipientAccountId: '111122223333',
    };
    await writeFile(join(dir, 'good.json.gz'), gzipSync(JSON.stringify({ Records: [record] })));
    await writeFile(join(dir, 'bad.json.gz'), 'this is not gzip');
    const r = await scan(accountJson('--cloudtrail', dir, '--allow-partial-coverage'));
    expect(r.code).toBe(4);
    const out = JSON.parse(r.out) as Omit<JsonOutput, 'findings'> & {
      findings: {
        resource: string;
        findingDetails: { unusedPermissionDetails?: { serviceNamespace: string } }[];
      }[];
    };
    expect(out.inputs.cloudtrail.files).toBe(2);
    expect(out.inputs.cloudtrail.skippedFiles).toEqual([
      { file: join(dir, 'bad.json.gz'), reason: expect.stringContaining('not gzip') as string },
    ]);
    expect(lines(r.err).filter((l) => l.includes('bad.json.gz: skipped:'))).toHaveLength(1);
    expect(r.err).toContain('1 file skipped');
    // The skipped file has no AWSLogs key or CloudTrail name: it may hold any account's records
    // of any day, so nothing is covered, even with --allow-partial-coverage.
    expect(out.findings.find((f) => f.resource === role)).toBeUndefined();
    expect(out.notEvaluated).toContainEqual(
      expect.objectContaining({ resource: role, reason: 'INCOMPLETE_ACTIVITY_COVERAGE' }),
    );
    expect(r.err).toContain('unknown account (day unknown): every account');
  });
});

describe('scan with other activity sources and a database', () => {
  const role = `${ACCOUNT}:role/service-role/orders-processor`;
  type Out = Omit<JsonOutput, 'findings'> & {
    findings: {
      resource: string;
      findingType: string;
      findingDetails: {
        unusedPermissionDetails?: { serviceNamespace: string; actions?: { action: string }[] };
      }[];
    }[];
  };
  const servicesOf = (out: Out, resource: string) =>
    out.findings
      .find((f) => f.resource === resource && f.findingType === 'UnusedPermission')!
      .findingDetails.map((d) => d.unusedPermissionDetails?.serviceNamespace);

  it('merges an activity-summary CSV', async () => {
    const csv = join(tmp(), 'activity.csv');
    await writeFile(
      csv,
      `principal_arn,service,action,last_accessed\n${role},sqs.amazonaws.com,GetQueueUrl,2024-06-20T10:00:00Z\n`,
    );
    // Without its coverage CSV, the activity CSV is evidence of use only: nothing is covered.
    const alone = await scan(accountJson('--activity', csv));
    expect(alone.code).toBe(4);
    expect(alone.err).toContain('without a coverage CSV');
    expect((JSON.parse(alone.out) as Out).notEvaluated).toContainEqual(
      expect.objectContaining({ resource: role, reason: 'INCOMPLETE_ACTIVITY_COVERAGE' }),
    );
    // With the coverage rows activity-query --coverage gives (every day of the period).
    const coverage = join(tmp(), 'coverage.csv');
    const days = Array.from({ length: 91 }, (_, i) =>
      new Date(Date.parse(NOW) - i * 86_400_000).toISOString().slice(0, 10),
    );
    await writeFile(
      coverage,
      `account_id,region,day,events\n${days.map((d) => `111122223333,us-east-1,${d},5`).join('\n')}\n`,
    );
    const r = await scan(accountJson('--activity', csv, coverage));
    const out = JSON.parse(r.out) as Out;
    expect(servicesOf(out, role)).not.toContain('sqs');
    expect(servicesOf(out, role)).toContain('dynamodb');
    expect((out.inputs as unknown as { activity: unknown }).activity).toEqual({
      files: [csv],
      rows: 1,
      unmapped: expect.objectContaining({ operations: 0, calls: 0, top: [] }),
      coverageFiles: [coverage],
      coverageRows: 91,
    });
    expect(r.err).toContain('coverage complete');
    expect(r.code).toBe(0);

    // The coverage CSV without its activity CSV is refused: every principal would look unused.
    const only = await scan(accountJson('--activity', coverage));
    expect(only.code).toBe(2);
    expect(only.out).toBe('');
    expect(only.err).toContain('is a coverage CSV (account_id,region,day), but no activity CSV');

    const bad = join(tmp(), 'bad-activity.csv');
    await writeFile(bad, 'principal_arn,service\nx,y\n');
    const e = await scan(['--authorization-details', AUTH, '--activity', bad, '--now', NOW]);
    expect(e.code).toBe(2);
    expect(e.out).toBe('');
    expect(e.err).toMatch(/^iam-refine: .*bad-activity\.csv/);
  });

  it('merges IAM last-accessed reports (action level)', async () => {
    const report = join(tmp(), 'last-accessed.json');
    await writeFile(
      report,
      JSON.stringify({
        Arn: role,
        ServiceLastAccessed: {
          JobStatus: 'COMPLETED',
          JobType: 'ACTION_LEVEL',
          JobCreationDate: '2024-06-29T10:00:00+00:00',
          JobCompletionDate: '2024-06-29T10:00:05+00:00',
          IsTruncated: false,
          ServicesLastAccessed: [
            {
              ServiceName: 'Amazon DynamoDB',
              ServiceNamespace: 'dynamodb',
              LastAuthenticated: '2024-06-20T10:00:00+00:00',
              TotalAuthenticatedEntities: 1,
              TrackedActionsLastAccessed: [
                { ActionName: 'DescribeTable', LastAccessedTime: '2024-06-20T10:00:00+00:00' },
              ],
            },
          ],
        },
      }),
    );
    const r = await scan(accountJson('--last-accessed', report));
    // The report covers its role (400 days before 2024-06-29); the other principals have none.
    expect(r.code).toBe(4);
    const out = JSON.parse(r.out) as Out;
    expect(out.notEvaluated).not.toContainEqual(expect.objectContaining({ resource: role }));
    expect(servicesOf(out, role)).not.toContain('dynamodb');
    expect(servicesOf(out, role)).toContain('sqs');
  });

  it('records the scan with --db, and a second scan finds the same findings unchanged', async () => {
    const db = join(tmp(), 'findings.db');
    const args = [
      '--authorization-details',
      AUTH,
      '--credential-report',
      REPORT,
      '--now',
      NOW,
      '--db',
      db,
    ];
    const first = await scan(args);
    expect(first.code).toBe(4);
    expect(first.err).toMatch(
      /recorded scan 1 in .*findings\.db: (\d+) findings \(\1 new, 0 updated/,
    );
    const second = await scan(args);
    expect(second.err).toMatch(
      /recorded scan 2 in .*: (\d+) findings \(0 new, 0 updated, \1 unchanged, 0 resolved/,
    );
  });
});

describe('progress bar', () => {
  it('draws only on a terminal', () => {
    const plain = { write: () => true };
    expect(progressBar(plain)).toBeUndefined();
    let text = '';
    const tty = { isTTY: true, columns: 200, write: (t: string) => (text += t) };
    const bar = progressBar(tty)!;
    bar.update({
      files: 10,
      filesDone: 10,
      bytesDone: 2_097_152,
      bytesTotal: 2_097_152,
      events: 5000,
    });
    expect(text).toContain('10/10 files');
    expect(text).toContain('2.0/2.0 MB');
    expect(text).toContain('5,000 events');
    expect(text).toContain('events/s');
    expect(text).toContain('ETA');
    bar.clear();
    expect(text.endsWith('\r\u001b[2K')).toBe(true);
  });
});
