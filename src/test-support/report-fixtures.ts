/**
 * Findings for the report tests: a scan of the account fixtures (test/fixtures/account and
 * cloudtrail), and hand-made findings with high-risk unused permissions. Nothing here is used by
 * the product.
 */
import { join } from 'node:path';
import type { Finding, ScanResult } from '../findings/types.js';
import { runScanCore } from '../scan/run.js';

const FIXTURES = new URL('../../test/fixtures/', import.meta.url).pathname;

/** The account fixtures' scan at 2024-06-30 (4 findings, 2 not evaluated, warnings). */
export async function fixtureScan(): Promise<ScanResult> {
  const outcome = await runScanCore({
    authorizationDetails: [join(FIXTURES, 'account/authorization-details.json')],
    credentialReport: [join(FIXTURES, 'account/credential-report.csv')],
    cloudtrail: [join(FIXTURES, 'cloudtrail')],
    dataEvents: ['s3'],
    now: '2024-06-30T00:00:00Z',
  });
  return outcome.result;
}

const BASE = {
  analyzedAt: '2024-06-30T00:00:00.000Z',
  createdAt: '2024-06-30T00:00:00.000Z',
  updatedAt: '2024-06-30T00:00:00.000Z',
  resourceOwnerAccount: '111122223333',
  status: 'ACTIVE' as const,
};

/** An UnusedPermission finding of `resource` with the given unused services and actions. */
export function permissionFinding(
  id: string,
  unused: Record<string, string[] | undefined>,
  extra: Partial<Finding> = {},
): Finding {
  return {
    ...BASE,
    id,
    resource: 'arn:aws:iam::111122223333:role/deploy',
    resourceType: 'AWS::IAM::Role',
    findingType: 'UnusedPermission',
    findingDetails: Object.entries(unused).map(([serviceNamespace, actions]) => ({
      unusedPermissionDetails: {
        serviceNamespace,
        ...(actions === undefined ? {} : { actions: actions.map((action) => ({ action })) }),
      },
    })),
    ...extra,
  };
}

/** A hand-made scan result with one high, one medium and one low UnusedPermission finding. */
export function riskScan(): ScanResult {
  return {
    analyzedAt: BASE.analyzedAt,
    trackingPeriodDays: 90,
    catalogVersion: 'test',
    findings: [
      permissionFinding('00000000-0000-0000-0000-000000000001', {
        iam: ['PassRole', 'GetRole'],
      }),
      permissionFinding('00000000-0000-0000-0000-000000000002', { sqs: undefined }),
      permissionFinding('00000000-0000-0000-0000-000000000003', { s3: ['ListBucket'] }),
    ],
    notEvaluated: [],
    warnings: [],
  };
}
