/**
 * Synthetic findings and scans for the store's tests, its crash and concurrency child processes,
 * and `bench/store.mjs` (built to dist/ so plain Node scripts can use it). Deterministic: the same
 * arguments give the same findings.
 */
import { findingId } from '../findings/id.js';
import type { Finding, FindingType, ScanResult } from '../findings/types.js';

/** Services synthetic `UnusedPermission` findings pick from. */
export const SYNTHETIC_SERVICES: readonly string[] = [
  's3',
  'ec2',
  'iam',
  'lambda',
  'dynamodb',
  'sqs',
  'sns',
  'kms',
  'logs',
  'cloudwatch',
  'sts',
  'rds',
  'ecr',
  'ecs',
  'secretsmanager',
  'ssm',
];

/** What a synthetic finding is made of. */
export interface SyntheticFindingSpec {
  /** 12-digit owner account. */
  account: string;
  /** Role or user name (the ARN is built from it). */
  name: string;
  /** Default `UnusedPermission`. */
  type?: FindingType;
  /** `UnusedPermission`: service → unused actions (empty list: the whole service is unused). */
  services?: Record<string, string[]>;
  /** `UnusedIAMUserAccessKey`: the key id. */
  accessKeyId?: string;
  /** Default `2024-06-01T00:00:00.000Z`. */
  analyzedAt?: string;
  /** Last access written in the details (changing it changes the finding's content). */
  lastAccessed?: string;
}

/** A `Finding` as the findings engine would produce it, with a stable id. */
export function syntheticFinding(spec: SyntheticFindingSpec): Finding {
  const type = spec.type ?? 'UnusedPermission';
  const user = type === 'UnusedIAMUserAccessKey' || type === 'UnusedIAMUserPassword';
  const resource = `arn:aws:iam::${spec.account}:${user ? 'user' : 'role'}/${spec.name}`;
  const at = spec.analyzedAt ?? '2024-06-01T00:00:00.000Z';
  const last = spec.lastAccessed === undefined ? {} : { lastAccessed: spec.lastAccessed };
  let details: Finding['findingDetails'];
  switch (type) {
    case 'UnusedIAMRole':
      details = [{ unusedIamRoleDetails: { ...last } }];
      break;
    case 'UnusedIAMUserPassword':
      details = [{ unusedIamUserPasswordDetails: { ...last } }];
      break;
    case 'UnusedIAMUserAccessKey':
      details = [
        {
          unusedIamUserAccessKeyDetails: {
            accessKeyId: spec.accessKeyId ?? 'access_key_1',
            ...last,
          },
        },
      ];
      break;
    case 'UnusedPermission':
      details = Object.entries(spec.services ?? { s3: ['GetObject'] }).map(
        ([service, actions]) => ({
          unusedPermissionDetails:
            actions.length === 0
              ? { serviceNamespace: service, ...last }
              : {
                  serviceNamespace: service,
                  actions: actions.map((action) => ({ action })),
                  ...last,
                },
        }),
      );
      break;
  }
  return {
    analyzedAt: at,
    createdAt: at,
    id: findingId(
      spec.account,
      resource,
      type,
      type === 'UnusedIAMUserAccessKey' ? (spec.accessKeyId ?? 'access_key_1') : '',
    ),
    resource,
    resourceType: user ? 'AWS::IAM::User' : 'AWS::IAM::Role',
    resourceOwnerAccount: spec.account,
    status: 'ACTIVE',
    updatedAt: at,
    findingType: type,
    findingDetails: details,
  };
}

/** A `ScanResult` holding `findings`. */
export function syntheticScan(
  findings: Finding[],
  analyzedAt = '2024-06-01T00:00:00.000Z',
): ScanResult {
  return {
    analyzedAt,
    trackingPeriodDays: 90,
    catalogVersion: 'test',
    findings,
    notEvaluated: [],
    warnings: [],
  };
}

/** The accounts of {@link bulkFindings}: `accounts` accounts from 100000000000 up. */
export function bulkAccounts(accounts: number): string[] {
  return Array.from({ length: accounts }, (_, i) => String(100000000000 + i));
}

/**
 * `n` findings spread over `accounts` accounts: 70 % `UnusedPermission` (1 to 4 services, some
 * unused as a whole), the rest roles, passwords and access keys. `variant` changes the details
 * of the findings whose index is in `changed` (a re-scan that changed them).
 */
export function bulkFindings(
  n: number,
  options: { accounts?: number; changed?: ReadonlySet<number>; variant?: number } = {},
): Finding[] {
  const accounts = bulkAccounts(options.accounts ?? 10);
  const out: Finding[] = [];
  for (let i = 0; i < n; i++) {
    const account = accounts[i % accounts.length]!;
    const kind = i % 10;
    const type: FindingType =
      kind < 7
        ? 'UnusedPermission'
        : kind === 7
          ? 'UnusedIAMRole'
          : kind === 8
            ? 'UnusedIAMUserPassword'
            : 'UnusedIAMUserAccessKey';
    const services: Record<string, string[]> = {};
    if (type === 'UnusedPermission') {
      const count = 1 + (i % 4);
      for (let k = 0; k < count; k++) {
        const service = SYNTHETIC_SERVICES[(i * 7 + k * 3) % SYNTHETIC_SERVICES.length]!;
        services[service] =
          (i + k) % 5 === 0 ? [] : [`Get${i % 13}`, `List${k}`, `Put${(i + k) % 7}`];
      }
    }
    const changed = options.changed?.has(i) ?? false;
    out.push(
      syntheticFinding({
        account,
        name: `${type === 'UnusedPermission' || type === 'UnusedIAMRole' ? 'app' : 'person'}-${i}`,
        type,
        services,
        ...(changed
          ? { lastAccessed: `2024-0${1 + ((options.variant ?? 1) % 9)}-01T00:00:00.000Z` }
          : {}),
      }),
    );
  }
  return out;
}
