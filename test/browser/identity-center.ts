/**
 * A scan with an IAM Identity Center permission set, recorded in a findings database, for the
 * dashboard tests: three accounts with the role `AWSReservedSSO_Dev_…` (every one uses
 * `iam:GetRole`, only B uses `iam:ListRoles`) and a fourth account, D, provisioned but not
 * exported (no evidence).
 *
 * Test support only: nothing in the product imports this module.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PERMISSION_SETS_FORMAT } from '../../src/identity-center/types.js';
import { recordScanInStore } from '../../src/scan/record.js';
import { runScanCore } from '../../src/scan/run.js';

/** The accounts: A, B, C exported; D only provisioned. */
export const [A, B, C, D] = ['222222222222', '333333333333', '444444444444', '555555555555'];
const PATH = '/aws-reserved/sso.amazonaws.com/';
const ROLE = 'AWSReservedSSO_Dev_0123456789abcdef';
/** The permission set's role in `account`. */
export const roleArn = (account: string) => `arn:aws:iam::${account}:role${PATH}${ROLE}`;
const INLINE = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Iam', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }],
};
/** The permission set. */
export const PS_ARN = 'arn:aws:sso:::permissionSet/ssoins-0123456789abcdef/ps-0123456789abcdef';

/** Writes the inputs, scans and records them into `db`. */
export async function scanInto(dir: string, db: string): Promise<void> {
  const files: string[] = [];
  for (const account of [A, B, C]) {
    const file = join(dir, `auth-${account}.json`);
    await writeFile(
      file,
      JSON.stringify({
        UserDetailList: [],
        GroupDetailList: [],
        Policies: [],
        RoleDetailList: [
          {
            Path: PATH,
            RoleName: ROLE,
            RoleId: `AROA${account}`,
            Arn: roleArn(account),
            CreateDate: '2024-01-01T00:00:00Z',
            AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
            RolePolicyList: [{ PolicyName: 'AwsSSOInlinePolicy', PolicyDocument: INLINE }],
            AttachedManagedPolicies: [],
            Tags: [],
            RoleLastUsed: { LastUsedDate: '2026-08-30T00:00:00Z' },
          },
        ],
      }),
    );
    files.push(file);
  }
  const csv = join(dir, 'activity.csv');
  await writeFile(
    csv,
    [
      'principal_arn,service,action,last_accessed',
      `${roleArn(A)},iam,GetRole,2026-08-20T00:00:00Z`,
      `${roleArn(B)},iam,GetRole,2026-08-20T00:00:00Z`,
      `${roleArn(B)},iam,ListRoles,2026-08-21T00:00:00Z`,
      `${roleArn(C)},iam,GetRole,2026-08-22T00:00:00Z`,
      '',
    ].join('\n'),
  );
  // Its coverage CSV (activity-query --coverage): the logs of the three accounts have every day
  // of the tracking period, so their roles are evaluated.
  const coverageCsv = join(dir, 'coverage.csv');
  const days = Array.from({ length: 91 }, (_, i) =>
    new Date(Date.parse('2026-09-01T00:00:00Z') - i * 86_400_000).toISOString().slice(0, 10),
  );
  const coverage = ['account_id,region,day,events'];
  for (const account of [A, B, C])
    for (const d of days) coverage.push(`${account},us-east-1,${d},1`);
  await writeFile(coverageCsv, `${coverage.join('\n')}\n`);
  const ps = join(dir, 'permission-sets.json');
  await writeFile(
    ps,
    JSON.stringify({
      format: PERMISSION_SETS_FORMAT,
      instances: [
        {
          instanceArn: 'arn:aws:sso:::instance/ssoins-0123456789abcdef',
          permissionSets: [
            {
              permissionSetArn: PS_ARN,
              name: 'Dev',
              inlinePolicy: JSON.stringify(INLINE),
              awsManagedPolicies: [],
              customerManagedPolicyReferences: [],
              accounts: [A, B, C, D],
            },
          ],
        },
      ],
    }),
  );
  const outcome = await runScanCore({
    authorizationDetails: files,
    activity: [csv, coverageCsv],
    permissionSets: [ps],
    now: '2026-09-01T00:00:00Z',
  });
  await recordScanInStore(outcome, db);
}
