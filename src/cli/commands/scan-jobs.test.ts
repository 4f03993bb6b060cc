/**
 * `scan --jobs`: the flag's values, and the same `--format json` output on one thread and on two
 * (a generated account of 1,200 principals, above the threshold where workers start; the workers
 * run the built code: run `npm run build` first).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../../test-support/cli.js';

const tmp = useTempDir('iam-refine-scan-jobs-');
const ACCOUNT = '111122223333';
const NOW = '2024-06-30T00:00:00Z';
const DAY = 86_400_000;

/** An account of `n` principals (roles and users in groups) with activity and its coverage. */
async function generate(dir: string, n: number): Promise<string[]> {
  const actions = ['s3:GetObject', 's3:PutObject', 'sqs:SendMessage', 'sqs:ReceiveMessage'];
  const roles = [];
  const users = [];
  const activity = ['principal_arn,service,action,last_accessed'];
  const used = new Date(Date.parse(NOW) - 3 * DAY).toISOString();
  for (let i = 0; i < n; i++) {
    const user = i % 3 === 0;
    const arn = `arn:aws:iam::${ACCOUNT}:${user ? 'user' : 'role'}/p${i}`;
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: actions.slice(0, 1 + (i % 4)), Resource: '*' },
        ...(i % 50 === 0 ? [{ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }] : []),
      ],
    };
    const common = {
      Path: '/',
      Arn: arn,
      CreateDate: '2023-01-01T00:00:00Z',
      AttachedManagedPolicies:
        i % 7 === 0
          ? [{ PolicyName: 'shared', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/shared` }]
          : [],
      Tags: [],
    };
    if (user) {
      users.push({
        ...common,
        UserName: `p${i}`,
        UserId: `AIDA${i}`,
        UserPolicyList: [{ PolicyName: 'own', PolicyDocument: document }],
        GroupList: [`g${i % 4}`],
      });
    } else {
      roles.push({
        ...common,
        RoleName: `p${i}`,
        RoleId: `AROA${i}`,
        RolePolicyList: [{ PolicyName: 'own', PolicyDocument: document }],
        RoleLastUsed: { LastUsedDate: used },
      });
    }
    activity.push(`${arn},s3,GetObject,${used}`);
  }
  const groups = [0, 1, 2, 3].map((g) => ({
    Path: '/',
    GroupName: `g${g}`,
    GroupId: `AGPA${g}`,
    Arn: `arn:aws:iam::${ACCOUNT}:group/g${g}`,
    CreateDate: '2023-01-01T00:00:00Z',
    GroupPolicyList: [
      {
        PolicyName: 'team',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['sqs:*', 's3:List*'], Resource: '*' }],
        },
      },
    ],
    AttachedManagedPolicies: [],
  }));
  const policies = [
    {
      PolicyName: 'shared',
      Arn: `arn:aws:iam::${ACCOUNT}:policy/shared`,
      Path: '/',
      DefaultVersionId: 'v1',
      PolicyVersionList: [
        {
          VersionId: 'v1',
          IsDefaultVersion: true,
          Document: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: ['s3:*', 'ec2:Describe*'], Resource: '*' }],
          },
        },
      ],
    },
  ];
  const coverage = ['account_id,region,day'];
  for (let d = 0; d <= 92; d++) {
    coverage.push(
      `${ACCOUNT},us-east-1,${new Date(Date.parse(NOW) - d * DAY).toISOString().slice(0, 10)}`,
    );
  }
  const files = ['auth.json', 'activity.csv', 'coverage.csv'].map((f) => join(dir, f));
  await writeFile(
    files[0]!,
    JSON.stringify({
      UserDetailList: users,
      GroupDetailList: groups,
      RoleDetailList: roles,
      Policies: policies,
    }),
  );
  await writeFile(files[1]!, `${activity.join('\n')}\n`);
  await writeFile(files[2]!, `${coverage.join('\n')}\n`);
  return files;
}

describe('scan --jobs', () => {
  it('gives the same JSON output on one thread and on two', async () => {
    const dir = tmp();
    const [auth, activity, coverage] = await generate(dir, 1200);
    const run = async (jobs: string) => {
      const out = join(dir, `out-${jobs}.json`);
      const r = await runCli([
        'scan',
        '--authorization-details',
        auth!,
        '--activity',
        activity!,
        coverage!,
        '--now',
        NOW,
        '--format',
        'json',
        '--out',
        out,
        '--quiet',
        '--jobs',
        jobs,
      ]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      return readFile(out, 'utf8');
    };
    const one = await run('1');
    const parsed = JSON.parse(one) as { findings: { findingType: string; policies?: unknown[] }[] };
    // The recommendations (what the workers compute) are there, group policies included.
    const withPolicies = parsed.findings.filter((f) => (f.policies?.length ?? 0) > 0);
    expect(withPolicies.length).toBeGreaterThan(800);
    expect(one).toContain('"policyType": "GROUP_INLINE"');
    expect(await run('2')).toBe(one);
  }, 120_000);

  it('refuses a number of threads that is not a positive integer (exit status 2)', async () => {
    for (const bad of ['0', '-1', '1.5', 'two']) {
      const r = await runCli(['scan', '--authorization-details', 'x.json', '--jobs', bad]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`option '--jobs <n>' argument '${bad}' is invalid`);
    }
  });
});
