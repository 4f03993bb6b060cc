/**
 * The demo's organisation: IAM Identity Center with three permission sets (the demo account's
 * `AWSReservedSSO_AdministratorAccess_…`, `…_ReadOnly_…` and `…_Billing_…` roles) provisioned to
 * several accounts. For two member accounts it writes an authorization-details export holding the
 * permission sets' roles and an activity summary CSV of what they did (member 1's administrators
 * launch instances, which nobody in the demo account does: `ec2:RunInstances` must stay in the
 * permission set); a third, sandbox account is provisioned but not exported (listed without
 * evidence). `permission-sets.json` is in the format `collect` writes.
 *
 * Hand-written, deterministic (no randomness): the demo's ground truth for permission sets is
 * small and stated here.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PERMISSION_SETS_FORMAT, type PermissionSetsFile } from '../identity-center/types.js';

/** The member accounts whose exports the demo writes. */
export const MEMBER_ACCOUNTS = ['210987654321', '345678901234'] as const;
/** A member account the permission sets are provisioned to, without an export (no evidence). */
export const SANDBOX_ACCOUNT = '456789012345';
/** The demo's Identity Center instance. */
export const DEMO_INSTANCE_ARN = 'arn:aws:sso:::instance/ssoins-72230f1c9d3e4a5b';

const PERMISSION_SETS = [
  {
    name: 'AdministratorAccess',
    id: 'ps-3f9a2c71d4e8b605',
    session: 'PT12H',
    accounts: ['main', MEMBER_ACCOUNTS[0], MEMBER_ACCOUNTS[1], SANDBOX_ACCOUNT],
  },
  {
    name: 'ReadOnly',
    id: 'ps-7b1e0d5c9a2f4836',
    session: 'PT8H',
    accounts: ['main', MEMBER_ACCOUNTS[0]],
  },
  {
    name: 'Billing',
    id: 'ps-c2d4e6f8a0b1c3d5',
    session: 'PT1H',
    accounts: ['main', MEMBER_ACCOUNTS[1]],
  },
] as const;

/** What each member account's permission-set roles did in the period (CloudTrail event names). */
const MEMBER_ACTIVITY: Record<string, Record<string, [service: string, eventName: string][]>> = {
  [MEMBER_ACCOUNTS[0]]: {
    AdministratorAccess: [
      ['ec2', 'DescribeInstances'],
      ['ec2', 'RunInstances'],
      ['iam', 'GetRole'],
      ['cloudformation', 'DescribeStacks'],
    ],
    ReadOnly: [
      ['ec2', 'DescribeInstances'],
      ['cloudwatch', 'DescribeAlarms'],
      ['rds', 'DescribeDBInstances'],
    ],
  },
  [MEMBER_ACCOUNTS[1]]: {
    AdministratorAccess: [
      ['ec2', 'DescribeInstances'],
      ['iam', 'ListRoles'],
      ['logs', 'DescribeLogGroups'],
    ],
    Billing: [],
  },
};

/** The files {@link writeDemoOrganization} wrote. */
export interface DemoOrganization {
  /** One authorization-details export per member account. */
  authorizationDetails: string[];
  /** The members' activity summary CSV. */
  activity: string;
  /**
   * Its coverage CSV (`account_id,region,day,events`, as `activity-query --coverage` gives it):
   * the members' logs have every day of the tracking period and the days before it.
   */
  coverage: string;
  /** `permission-sets.json`. */
  permissionSets: string;
}

interface RoleDetail {
  Path: string;
  RoleName: string;
  RoleId: string;
  Arn: string;
  CreateDate: string;
  RoleLastUsed?: { LastUsedDate?: string; Region?: string };
  AttachedManagedPolicies: { PolicyName: string; PolicyArn: string }[];
  [key: string]: unknown;
}

/** Days before the end that the members' logs cover (more than the 90-day tracking period). */
const COVERED_DAYS = 120;

/**
 * Writes the organisation into `dir` (a sub-folder of the demo folder), from the demo account's
 * export `mainDetails` (its Identity Center roles and the AWS managed policies they have).
 */
export async function writeDemoOrganization(
  dir: string,
  mainAccount: string,
  mainDetails: Record<string, unknown>,
  end: Date,
): Promise<DemoOrganization> {
  await mkdir(dir, { recursive: true });
  const roles = (mainDetails.RoleDetailList as RoleDetail[]).filter((r) =>
    r.RoleName.startsWith('AWSReservedSSO_'),
  );
  const policies = mainDetails.Policies as { Arn: string }[];
  const roleOf = (name: string) =>
    roles.find((r) => r.RoleName.startsWith(`AWSReservedSSO_${name}_`));
  const day = (daysAgo: number) => new Date(end.getTime() - daysAgo * 86_400_000).toISOString();

  const authorizationDetails: string[] = [];
  const csv = ['principal_arn,service,action,last_accessed'];
  for (const [m, account] of MEMBER_ACCOUNTS.entries()) {
    const memberRoles: RoleDetail[] = [];
    for (const ps of PERMISSION_SETS) {
      if (!(ps.accounts as readonly string[]).includes(account)) continue;
      const main = roleOf(ps.name);
      if (main === undefined) continue;
      // Identity Center's suffix differs per account.
      const suffix = `${(m + 1).toString(16)}${main.RoleName.slice(-15)}`;
      const name = `AWSReservedSSO_${ps.name}_${suffix}`;
      const arn = `arn:aws:iam::${account}:role${main.Path}${name}`;
      const uses = MEMBER_ACTIVITY[account]?.[ps.name] ?? [];
      memberRoles.push({
        ...main,
        RoleName: name,
        RoleId: `AROA${account}${ps.id.slice(3, 11).toUpperCase()}`,
        Arn: arn,
        ...(uses.length > 0
          ? { RoleLastUsed: { LastUsedDate: day(2), Region: 'us-east-1' } }
          : { RoleLastUsed: {} }),
      });
      uses.forEach(([service, eventName], i) =>
        csv.push(`${arn},${service},${eventName},${day(3 + i)}`),
      );
    }
    const used = new Set(
      memberRoles.flatMap((r) => r.AttachedManagedPolicies.map((p) => p.PolicyArn)),
    );
    const file = join(dir, `authorization-details-${account}.json`);
    const details = {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: memberRoles,
      Policies: policies.filter((p) => used.has(p.Arn)),
    };
    await writeFile(file, `${JSON.stringify(details, null, 2)}\n`);
    authorizationDetails.push(file);
  }
  const activity = join(dir, 'activity.csv');
  await writeFile(activity, `${csv.join('\n')}\n`);
  // The days the members' trails have events: every day of the last COVERED_DAYS before `end`.
  const coverageRows = ['account_id,region,day,events'];
  for (const account of MEMBER_ACCOUNTS) {
    for (let d = COVERED_DAYS; d >= 1; d--) {
      coverageRows.push(`${account},us-east-1,${day(d).slice(0, 10)},${40 + ((d * 7) % 23)}`);
    }
  }
  const coverage = join(dir, 'coverage.csv');
  await writeFile(coverage, `${coverageRows.join('\n')}\n`);

  const file: PermissionSetsFile = {
    format: PERMISSION_SETS_FORMAT,
    collectedAt: end.toISOString(),
    instances: [
      {
        instanceArn: DEMO_INSTANCE_ARN,
        identityStoreId: 'd-9067a1b2c3',
        ownerAccountId: mainAccount,
        permissionSets: PERMISSION_SETS.flatMap((ps) => {
          const main = roleOf(ps.name);
          if (main === undefined) return [];
          return [
            {
              permissionSetArn: `${DEMO_INSTANCE_ARN.replace(':instance/', ':permissionSet/')}/${ps.id}`,
              name: ps.name,
              sessionDuration: ps.session,
              inlinePolicy: null,
              awsManagedPolicies: main.AttachedManagedPolicies.map((p) => ({
                arn: p.PolicyArn,
                name: p.PolicyName,
              })),
              customerManagedPolicyReferences: [],
              accounts: ps.accounts.map((a) => (a === 'main' ? mainAccount : a)).sort(),
            },
          ];
        }),
      },
    ],
  };
  const permissionSets = join(dir, 'permission-sets.json');
  await writeFile(permissionSets, `${JSON.stringify(file, null, 2)}\n`);
  return { authorizationDetails, activity, coverage, permissionSets };
}
