/**
 * `import-analyzer`: reads an IAM Access Analyzer unused-access analyzer's findings
 * (`ListFindingsV2` + `GetFindingV2`, and `GetFindingRecommendation` where a recommendation
 * exists or `--generate-recommendations` asks for one) and turns them into iam-refine findings for
 * the store, so a team that already runs Access Analyzer gets this project's dashboard, archive
 * rules, `apply` and `rollback` on its findings.
 *
 * Finding ids: an imported finding gets iam-refine's stable id (account, resource, finding type,
 * access key), the one `scan` gives the same finding, so imports and scans of an account update
 * the same findings; the Access Analyzer id is remembered in the change log so `apply` and
 * `rollback` accept it too.
 *
 * Policies: for the recommendation's policies in the caller's own account, the live document is
 * read (unless `readPolicies` is false) and kept as `originalPolicy`, so that `apply` can later
 * refuse if the policy changes; a policy changed after Access Analyzer's analysis
 * (`policyUpdatedAt`) is reported.
 */
import {
  GenerateFindingRecommendationCommand,
  GetAnalyzerCommand,
  GetFindingRecommendationCommand,
  GetFindingV2Command,
  ListFindingsV2Command,
  type GetFindingRecommendationCommandOutput,
  type GetFindingV2CommandOutput,
  type RecommendedStep,
} from '@aws-sdk/client-accessanalyzer';
import { GetPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IamRefineError } from '../errors.js';
import { findingId } from '../findings/id.js';
import type {
  Finding,
  FindingDetails,
  FindingRecommendation,
  FindingType,
  PolicyRecommendation,
  ResourceType,
  ScanResult,
  ScanWarning,
} from '../findings/types.js';
import type { ActionCatalog } from '../catalog/catalog.js';
import type { FindingsStore, ScanRecord } from '../store/types.js';
import {
  needsEngineRecommendation,
  refineAlongside,
  refineImportedFinding,
  wantsAlongsideRecommendation,
} from './analyzer-refine.js';
import {
  parseEntityArn,
  readInline,
  readVersion,
  type RecommendationWithOriginal,
} from './apply.js';
import type { ChangeLog } from './changes.js';
import type { AwsSession } from './clients.js';
import { AwsCallError, awsCall, awsErrorCode, describeAwsError } from './errors.js';
import { forEachLimit, poll, type PollTiming } from './pool.js';
import type { Progress } from './progress.js';

/** The unused-access finding types imported. */
export const UNUSED_ACCESS_TYPES: readonly FindingType[] = [
  'UnusedIAMRole',
  'UnusedIAMUserAccessKey',
  'UnusedIAMUserPassword',
  'UnusedPermission',
];

const ANALYZER_ARN =
  /^arn:(aws[a-z-]*):access-analyzer:([a-z0-9-]+):(\d{12}):analyzer\/(.{1,255})$/;

/** The parts of an analyzer ARN. */
export interface AnalyzerRef {
  arn: string;
  region: string;
  account: string;
  name: string;
}

/** Parses an analyzer ARN, or undefined when `arn` is not one. */
export function parseAnalyzerArn(arn: string): AnalyzerRef | undefined {
  const m = ANALYZER_ARN.exec(arn);
  return m === null ? undefined : { arn, region: m[2]!, account: m[3]!, name: m[4]! };
}

/** What to import. */
export interface ImportOptions {
  /** The caller's session. */
  session: AwsSession;
  /** The analyzer. */
  analyzerArn: string;
  /** Statuses imported (default ACTIVE and ARCHIVED; RESOLVED findings are absent, so resolved). */
  statuses?: readonly ('ACTIVE' | 'ARCHIVED')[];
  /** Ask Access Analyzer to generate missing recommendations (`GenerateFindingRecommendation`). */
  generate?: boolean;
  /** Read the live policies of recommendations (default true), so `apply` can check them. */
  readPolicies?: boolean;
  /** Findings read at once (default 4). */
  concurrency?: number;
  /** How generated recommendations are polled. */
  polling?: PollTiming;
  /** Progress bar and notes. */
  progress?: Progress;
  /** The clock (the import's `analyzedAt`). */
  now: () => Date;
  /**
   * With a catalog (and `readPolicies`), a finding without an Access Analyzer recommendation (or
   * with a failed one) in the caller's account gets iam-refine's, from its live policies
   * (src/aws/analyzer-refine.ts); one with Access Analyzer's gets iam-refine's as well, kept next
   * to it (`iamRefineRecommendation`).
   */
  catalog?: ActionCatalog;
}

/** The findings read from Access Analyzer, as a scan result for the store. */
export interface ImportedFindings {
  analyzer: AnalyzerRef;
  /** The scan result to record (findings sorted as `scan` sorts them). */
  result: ScanResult;
  /** The accounts covered: the analyzer's and every finding's. */
  accounts: string[];
  /** iam-refine ids of the findings that are ARCHIVED in Access Analyzer. */
  archived: string[];
  /** Access Analyzer finding id → iam-refine finding id. */
  ids: Map<string, string>;
  /** Findings given iam-refine's own recommendation (no or a failed Access Analyzer one). */
  refinedByEngine: number;
  /** Findings given iam-refine's recommendation next to Access Analyzer's. */
  refinedAlongside: number;
}

/**
 * Reads the analyzer's unused-access findings with their details and recommendations.
 *
 * @throws IamRefineError for a malformed ARN or an analyzer that is not an unused-access one;
 *   AwsCallError when a call fails (a missing permission names the action).
 */
export async function fetchAnalyzerFindings(options: ImportOptions): Promise<ImportedFindings> {
  const analyzer = parseAnalyzerArn(options.analyzerArn);
  if (analyzer === undefined) {
    throw new IamRefineError(
      `--analyzer-arn ${options.analyzerArn}: expected an analyzer ARN, arn:aws:access-analyzer:REGION:ACCOUNT:analyzer/NAME`,
    );
  }
  const client = options.session.accessAnalyzer(analyzer.region);
  const where = `analyzer ${analyzer.arn}`;
  const got = await awsCall(
    'AccessAnalyzer:GetAnalyzer',
    () => client.send(new GetAnalyzerCommand({ analyzerName: analyzer.name })),
    where,
  );
  const type = got.analyzer?.type ?? '';
  if (!type.endsWith('UNUSED_ACCESS')) {
    throw new IamRefineError(
      `${where} is a ${type || 'non-unused-access'} analyzer; import-analyzer reads unused access analyzers (ACCOUNT_UNUSED_ACCESS, ORGANIZATION_UNUSED_ACCESS)`,
    );
  }
  const configuration = got.analyzer?.configuration;
  const age =
    configuration !== undefined && 'unusedAccess' in configuration
      ? (configuration.unusedAccess?.unusedAccessAge ?? 90)
      : 90;

  // Every finding id, all pages.
  const summaries: { id: string; status: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsCall(
      'AccessAnalyzer:ListFindingsV2',
      () =>
        client.send(
          new ListFindingsV2Command({
            analyzerArn: analyzer.arn,
            filter: {
              findingType: { eq: [...UNUSED_ACCESS_TYPES] },
              status: { eq: [...(options.statuses ?? ['ACTIVE', 'ARCHIVED'])] },
            },
            ...(nextToken === undefined ? {} : { nextToken }),
          }),
        ),
      where,
    );
    for (const f of page.findings ?? []) {
      if (f.id !== undefined) summaries.push({ id: f.id, status: f.status ?? 'ACTIVE' });
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);

  let callerAccount: string | undefined;
  if (options.readPolicies !== false) {
    const me = await awsCall('STS:GetCallerIdentity', () =>
      options.session.sts.send(new GetCallerIdentityCommand({})),
    );
    callerAccount = me.Account;
  }

  const findings: Finding[] = [];
  const warnings: ScanWarning[] = [];
  const ids = new Map<string, string>();
  const archived: string[] = [];
  let readDenied: string | undefined;
  let refinedByEngine = 0;
  let refinedAlongside = 0;
  options.progress?.start(`importing ${analyzer.name}`, summaries.length);
  await forEachLimit(summaries, options.concurrency ?? 4, async (summary) => {
    const finding = await fetchFinding(client, analyzer, summary.id, options, where);
    if (
      options.catalog !== undefined &&
      options.readPolicies !== false &&
      callerAccount === finding.resourceOwnerAccount &&
      readDenied === undefined &&
      needsEngineRecommendation(finding)
    ) {
      try {
        await refineImportedFinding(options.session, finding, options.catalog, options.now);
        refinedByEngine++;
      } catch (error) {
        if (error instanceof AwsCallError && error.accessDenied) readDenied = error.message;
        else throw error;
      }
    } else if (
      finding.policies !== undefined &&
      callerAccount === finding.resourceOwnerAccount &&
      readDenied === undefined
    ) {
      try {
        await attachOriginals(options.session, finding, warnings);
        if (
          options.catalog !== undefined &&
          options.readPolicies !== false &&
          wantsAlongsideRecommendation(finding)
        ) {
          await refineAlongside(options.session, finding, options.catalog, options.now);
          refinedAlongside++;
        }
      } catch (error) {
        if (error instanceof AwsCallError && error.accessDenied) {
          readDenied = error.message;
        } else {
          throw error;
        }
      }
    }
    findings.push(finding);
    ids.set(summary.id, finding.id);
    if (summary.status === 'ARCHIVED') archived.push(finding.id);
    options.progress?.advance();
  });
  options.progress?.done();
  if (readDenied !== undefined) {
    warnings.push({
      code: 'invalid_policy',
      message: `the live policies could not be read (${readDenied}); apply will refuse these findings until a scan or an import with read access records them`,
    });
  }

  findings.sort((a, b) =>
    a.resourceOwnerAccount !== b.resourceOwnerAccount
      ? a.resourceOwnerAccount < b.resourceOwnerAccount
        ? -1
        : 1
      : a.resource !== b.resource
        ? a.resource < b.resource
          ? -1
          : 1
        : a.findingType !== b.findingType
          ? a.findingType < b.findingType
            ? -1
            : 1
          : a.id < b.id
            ? -1
            : a.id > b.id
              ? 1
              : 0,
  );
  const accounts = [
    ...new Set([analyzer.account, ...findings.map((f) => f.resourceOwnerAccount)]),
  ].sort();
  return {
    analyzer,
    result: {
      analyzedAt: options.now().toISOString(),
      trackingPeriodDays: age,
      catalogVersion: `access-analyzer:${analyzer.arn}`,
      findings,
      notEvaluated: [],
      warnings,
    },
    accounts,
    archived,
    ids,
    refinedByEngine,
    refinedAlongside,
  };
}

/**
 * Records imported findings in the store (one scan), archives those archived in Access Analyzer,
 * and remembers the Access Analyzer ids in the change log.
 */
export function recordImport(
  store: FindingsStore,
  log: ChangeLog,
  imported: ImportedFindings,
): { scan: ScanRecord; archived: number } {
  const scan = store.recordScan(imported.result, { accounts: imported.accounts });
  const changed =
    imported.archived.length === 0
      ? []
      : store.archive(imported.archived, { actor: 'access-analyzer' }).changed;
  for (const [aaId, id] of imported.ids) log.mapAnalyzerFinding(aaId, id, imported.analyzer.arn);
  return { scan, archived: changed.length };
}

/** JSON copy with dates as ISO strings and no `$metadata`. */
function plain<T>(value: unknown): T {
  return JSON.parse(
    JSON.stringify(value, (k, v: unknown) => (k === '$metadata' ? undefined : v)),
  ) as T;
}

function iso(date: Date | undefined, fallback: string): string {
  return date === undefined ? fallback : date.toISOString();
}

async function fetchFinding(
  client: ReturnType<AwsSession['accessAnalyzer']>,
  analyzer: AnalyzerRef,
  id: string,
  options: ImportOptions,
  where: string,
): Promise<Finding> {
  const details: FindingDetails[] = [];
  let first: GetFindingV2CommandOutput | undefined;
  let token: string | undefined;
  do {
    const page = await awsCall(
      'AccessAnalyzer:GetFindingV2',
      () =>
        client.send(
          new GetFindingV2Command({
            analyzerArn: analyzer.arn,
            id,
            ...(token === undefined ? {} : { nextToken: token }),
          }),
        ),
      `${where}, finding ${id}`,
    );
    first ??= page;
    details.push(...plain<FindingDetails[]>(page.findingDetails ?? []));
    token = page.nextToken;
  } while (token !== undefined);

  const findingType = first.findingType as FindingType;
  const account = first.resourceOwnerAccount ?? analyzer.account;
  const resource = first.resource ?? '';
  const key =
    findingType === 'UnusedIAMUserAccessKey'
      ? (details.find(
          (d): d is { unusedIamUserAccessKeyDetails: { accessKeyId: string } } =>
            'unusedIamUserAccessKeyDetails' in d,
        )?.unusedIamUserAccessKeyDetails.accessKeyId ?? '')
      : '';
  const now = options.now().toISOString();
  const finding: Finding = {
    analyzedAt: iso(first.analyzedAt, now),
    createdAt: iso(first.createdAt, now),
    id: findingId(account, resource, findingType, key),
    resource,
    resourceType: (first.resourceType ?? 'AWS::IAM::Role') as ResourceType,
    resourceOwnerAccount: account,
    status: 'ACTIVE',
    updatedAt: iso(first.updatedAt, now),
    findingType,
    findingDetails: details,
  };
  if (findingType === 'UnusedPermission') {
    const recommendation = await fetchRecommendation(
      client,
      analyzer,
      id,
      options,
      `${where}, finding ${id}`,
    );
    if (recommendation !== undefined) {
      finding.recommendation = recommendation;
      finding.policies = policiesOf(recommendation);
    }
  }
  return finding;
}

async function fetchRecommendation(
  client: ReturnType<AwsSession['accessAnalyzer']>,
  analyzer: AnalyzerRef,
  id: string,
  options: ImportOptions,
  where: string,
): Promise<FindingRecommendation | undefined> {
  const get = async (
    nextToken?: string,
  ): Promise<GetFindingRecommendationCommandOutput | undefined> => {
    try {
      return await client.send(
        new GetFindingRecommendationCommand({
          analyzerArn: analyzer.arn,
          id,
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );
    } catch (error) {
      if (awsErrorCode(error) === 'ResourceNotFoundException') return undefined;
      throw describeAwsError(error, 'AccessAnalyzer:GetFindingRecommendation', where);
    }
  };
  let first = await get();
  if (first === undefined) {
    if (options.generate !== true) return undefined;
    await awsCall(
      'AccessAnalyzer:GenerateFindingRecommendation',
      () =>
        client.send(new GenerateFindingRecommendationCommand({ analyzerArn: analyzer.arn, id })),
      where,
    );
    first = await get();
  }
  if (first === undefined) return undefined;
  if (first.status === 'IN_PROGRESS') {
    first = await poll(
      `the recommendation of finding ${id}`,
      async () => {
        const r = await get();
        return r === undefined || r.status === 'IN_PROGRESS' ? undefined : r;
      },
      options.polling,
    );
  }
  const steps: RecommendedStep[] = [...(first.recommendedSteps ?? [])];
  let token = first.nextToken;
  while (token !== undefined) {
    const page = await get(token);
    steps.push(...(page?.recommendedSteps ?? []));
    token = page?.nextToken;
  }
  const now = options.now().toISOString();
  const rec: FindingRecommendation = {
    recommendationType: 'UnusedPermissionRecommendation',
    status: first.status === 'FAILED' ? 'FAILED' : 'SUCCEEDED',
    resourceArn: first.resourceArn ?? '',
    startedAt: iso(first.startedAt, now),
    completedAt: iso(first.completedAt, now),
    recommendedSteps: plain<FindingRecommendation['recommendedSteps']>(steps),
  };
  if (first.error !== undefined) {
    rec.error = { code: first.error.code ?? 'Error', message: first.error.message ?? '' };
  }
  return rec;
}

/** The per-policy detail of an Access Analyzer recommendation. */
export function policiesOf(rec: FindingRecommendation): PolicyRecommendation[] {
  const byId = new Map<string, PolicyRecommendation & { policyUpdatedAt?: string }>();
  for (const { unusedPermissionsRecommendedStep: step } of rec.recommendedSteps) {
    const id = step.existingPolicyId;
    if (id === undefined) continue;
    let entry = byId.get(id);
    if (entry === undefined) {
      const managed = id.startsWith('arn:');
      entry = {
        policyId: id,
        policyName: managed ? id.slice(id.lastIndexOf('/') + 1) : id,
        policyType: !managed
          ? 'INLINE'
          : /^arn:aws[a-z-]*:iam::aws:policy\//.test(id)
            ? 'AWS_MANAGED'
            : 'CUSTOMER_MANAGED',
        recommendedAction: 'DETACH_POLICY',
        policy: null,
        removedByAccessLevel: {},
      };
      if (step.policyUpdatedAt !== undefined) entry.policyUpdatedAt = step.policyUpdatedAt;
      byId.set(id, entry);
    }
    if (step.recommendedAction === 'CREATE_POLICY' && step.recommendedPolicy !== undefined) {
      entry.recommendedAction = 'CREATE_POLICY';
      entry.policy = JSON.parse(step.recommendedPolicy) as Record<string, unknown>;
    }
  }
  return [...byId.values()];
}

/** Reads each recommended policy's live document into `originalPolicy`. */
async function attachOriginals(
  session: AwsSession,
  finding: Finding,
  warnings: ScanWarning[],
): Promise<void> {
  const entity = parseEntityArn(finding.resource);
  if (entity === undefined) return;
  for (const p of finding.policies ?? []) {
    const rec = p as RecommendationWithOriginal & { policyUpdatedAt?: string };
    let text: string;
    if (p.policyType === 'INLINE') {
      text = await readInline(session.iam, entity.kind, entity.name, p.policyId, p.policyName);
    } else {
      const policy = await awsCall(
        'IAM:GetPolicy',
        () => session.iam.send(new GetPolicyCommand({ PolicyArn: p.policyId })),
        p.policyName,
      );
      const updated = policy.Policy?.UpdateDate;
      if (
        rec.policyUpdatedAt !== undefined &&
        updated !== undefined &&
        updated.getTime() > Date.parse(rec.policyUpdatedAt)
      ) {
        warnings.push({
          code: 'invalid_policy',
          message: `policy ${p.policyId} was updated (${updated.toISOString()}) after Access Analyzer analyzed it (${rec.policyUpdatedAt}); its recommendation is stale and apply will refuse it`,
          resource: finding.resource,
          policyId: p.policyId,
        });
        continue;
      }
      text = await readVersion(
        session.iam,
        p.policyId,
        policy.Policy?.DefaultVersionId ?? '',
        p.policyName,
      );
    }
    try {
      rec.originalPolicy = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON: no baseline; apply refuses this policy.
    }
  }
}
