/**
 * Findings for the report tests: a scan of a small generated demo account (complete activity
 * coverage, every finding type), and hand-made findings with high-risk unused permissions. Nothing
 * here is used by the product.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding, ScanResult } from '../findings/types.js';
import { runScanCore } from '../scan/run.js';
import { runCli } from './cli.js';

let demo: Promise<string> | undefined;

/**
 * A small demo account (2,000 CloudTrail events, complete coverage), generated once per test file
 * into a temporary folder: its folder.
 */
export function demoDir(): Promise<string> {
  demo ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'iam-refine-report-demo-'));
    process.on('exit', () => rmSync(root, { recursive: true, force: true }));
    const dir = join(root, 'demo');
    const r = await runCli(['demo', '--events', '2000', '--dir', dir, '--quiet', '--no-color']);
    if (r.code !== 0) throw new Error(`demo failed (${r.code}): ${r.err}`);
    return dir;
  })();
  return demo;
}

/** The scan options of the demo account (as its "Next:" scan command). */
export async function demoScanOptions(): Promise<{ args: string[]; dir: string }> {
  const dir = await demoDir();
  return {
    dir,
    args: [
      '--authorization-details',
      join(dir, 'authorization-details.json'),
      '--credential-report',
      join(dir, 'credential-report.csv'),
      '--cloudtrail',
      join(dir, 'AWSLogs'),
      '--data-events',
      'lambda,s3',
      '--now',
      '2026-09-01T00:00:00Z',
    ],
  };
}

/** The demo account's scan: every finding type, high-, medium- and low-risk findings. */
export async function fixtureScan(): Promise<ScanResult> {
  const dir = await demoDir();
  const outcome = await runScanCore({
    authorizationDetails: [join(dir, 'authorization-details.json')],
    credentialReport: [join(dir, 'credential-report.csv')],
    cloudtrail: [join(dir, 'AWSLogs')],
    dataEvents: ['lambda', 's3'],
    now: '2026-09-01T00:00:00Z',
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
