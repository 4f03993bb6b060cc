/**
 * `computeFindings`: Access Analyzer's unused-access findings and their recommendations, as a pure
 * function of the inventory, the activity summary, the catalog and `now`.
 */
import type { EvidenceCoverage } from '../activity/coverage.js';
import type { ActivitySummary } from '../activity/types.js';
import type { ActionCatalog } from '../catalog/catalog.js';
import { ValidationError } from '../errors.js';
import type { Group, Inventory, Principal } from '../inventory/types.js';
import { groupMembers, groupUnused, type GroupUnused, type MemberStatus } from './group-unused.js';
import { findingId } from './id.js';
import {
  allowableServices,
  allowedActions,
  PolicyResolver,
  type PrincipalPolicy,
} from './permissions.js';
import { recommend, type RecommendContext, type Refined } from './recommendations.js';
import type {
  Finding,
  FindingDetails,
  FindingType,
  NotEvaluated,
  NotEvaluatedReason,
  ResourceType,
  ScanResult,
  ScanWarning,
} from './types.js';
import {
  serviceBlocks,
  unusedPermissions,
  type UnusedPermissionResult,
} from './unused-permissions.js';
import type { FormStyle } from '../refine/forms/choose.js';
import {
  latest,
  principalLatest,
  trackingWindow,
  windowFrom,
  type TrackingWindow,
} from './usage.js';

/** Options of {@link computeFindings}. */
export interface FindingsOptions {
  /** The action catalog (access levels and which actions IAM action last accessed tracks). */
  catalog: ActionCatalog;
  /** The analysis time: the tracking period ends here. */
  now: Date;
  /** Length of the tracking period in days: a whole number from 1 to 365. */
  trackingPeriodDays: number;
  /** Accounts whose principals are not evaluated. */
  excludeAccounts?: ReadonlySet<string>;
  /** Principals with any of these tags (exact key and value) are not evaluated. */
  excludeTags?: readonly { key: string; value: string }[];
  /**
   * What the activity sources cover. When given, a principal whose evidence does not cover the
   * whole tracking period gets no UnusedIAMRole or UnusedPermission finding (it is listed as
   * `INCOMPLETE_ACTIVITY_COVERAGE`). When absent, the summary is taken to cover the period (for
   * callers that checked coverage themselves).
   */
  coverage?: EvidenceCoverage;
  /**
   * With `coverage`: evaluate a partly covered principal over the covered days that reach the
   * period's end instead (its findings carry `evaluatedSince`); one with no such days is still
   * not evaluated.
   */
  allowPartialCoverage?: boolean;
  /**
   * By account: declared data-event services of which its logs hold no data event. Their actions
   * that only data events show are not observable for the account's principals.
   */
  dataEventGaps?: ReadonlyMap<string, ReadonlySet<string>>;
  /** The form of recommended policies (default `auto`: see src/refine/forms/choose.ts). */
  style?: FormStyle;
  /** The principals' managed-policy attachment quota (default 10). */
  maxManagedPolicies?: number;
}

/** The slot label used as `accessKeyId` when a key's id is not known. */
const SLOT_LABEL = { 1: 'access_key_1', 2: 'access_key_2' } as const;

/**
 * Computes the unused-access findings of every principal in `inventory`.
 *
 * **Tracking period.** It starts at `now − trackingPeriodDays` days (the window start). A use at
 * exactly the window start counts as in the period, one millisecond earlier does not; uses after
 * `now` count as in the period. "Last use" is always the latest time across every source.
 *
 * **Not evaluated** (listed in `notEvaluated`, with one reason, in this precedence): principals of
 * an excluded account (`EXCLUDED_ACCOUNT`), principals with an excluded tag (`EXCLUDED_TAG`),
 * service-linked roles, i.e. path starting with `/aws-service-role/` (`SERVICE_LINKED_ROLE`), and
 * principals created strictly after the window start (`CREATED_IN_TRACKING_PERIOD`; created
 * exactly at the window start is evaluated).
 *
 * **Coverage** (with `options.coverage`): a principal whose evidence does not cover every day of
 * the period gets no UnusedIAMRole or UnusedPermission finding and is listed as
 * `INCOMPLETE_ACTIVITY_COVERAGE` with the covered span (a user's password and keys are still
 * evaluated); with `allowPartialCoverage`, one whose covered days reach the period's end is
 * evaluated over them instead, its findings carrying `evaluatedSince`. `result.coverage` counts
 * both. `dataEventGaps` removes, per account, declared data-event services from what is
 * observable.
 *
 * **UnusedIAMRole**: a role whose latest activity (`roleLastUsed`, and anything in its activity
 * record) is not in the period; `lastAccessed` = that time, when known. An unused role gets no
 * UnusedPermission finding.
 *
 * **UnusedIAMUserPassword**: an enabled password whose last use is unknown or before the period.
 *
 * **UnusedIAMUserAccessKey**: one per active key not used in the period. A key's last use is the
 * latest of the credential report's and, when the key id is known, of the activity recorded for
 * that id; when the id is not known, activity by key id is not attributed to the key (no guessing
 * across keys), and `accessKeyId` is the credential report's slot label (`access_key_1` or
 * `access_key_2`).
 *
 * **UnusedPermission**: one per active principal (a role with activity in the period, or a user
 * with any activity in the period: password, key, or activity record) that has unused
 * permissions. Its permissions are its inline and attached managed policies and, for a user, its
 * groups' inline and attached policies; what they allow is the union of their Allow statements
 * (Action, or NotAction over the catalog) minus every action named by any Deny statement (a denied
 * action is never reported unused). A referenced managed policy or group that is missing from the
 * inventory, or a document that is not a valid policy, gives a warning and is ignored. Per service
 * allowed: not used at all in the period → the whole service (`lastAccessed` = its last use before
 * the period, when known); used → the allowed *observable* actions not used in the period (see
 * `unusedPermissions`). Never an unobservable action.
 *
 * **Recommendations** (every UnusedPermission finding): for each of the principal's policies that
 * grants some of the finding's unused permissions, the refinement (`refinePolicy`) as
 * CREATE_POLICY (compact JSON, `existingPolicyId` = managed policy ARN or inline policy name) then
 * DETACH_POLICY, or DETACH_POLICY alone. NotAction policies are refined too (labelled). A group
 * policy is refined only with the actions unused by every member of the group, and only when every
 * member is evaluated and has an UnusedPermission finding; otherwise it is listed as not refined
 * (labelled, with a warning). Per-policy detail is in `policies`.
 *
 * **Output.** `id` is stable across scans of the same data (see `findingId`); `status` is
 * `ACTIVE`; `analyzedAt`, `createdAt`, `updatedAt` are `now`. Findings are sorted by account,
 * resource, finding type, then access key; `notEvaluated` by account and resource.
 *
 * @throws ValidationError when `trackingPeriodDays` is not a whole number from 1 to 365, or `now`
 *   is not a valid date.
 */
export function computeFindings(
  inventory: Inventory,
  activity: ActivitySummary,
  options: FindingsOptions,
): ScanResult {
  const pass = evaluatePrincipals(inventory, activity, options);
  const ctx = recommendContext(inventory, pass, options, pass.warnings);
  for (const { finding, policies, unused } of pass.pending) {
    const r = recommend(finding.resource, policies, unused, ctx);
    finding.recommendation = r.recommendation;
    finding.policies = r.policies;
  }
  return finishFindings(pass, options);
}

/** An UnusedPermission finding waiting for its recommendation, with what {@link recommend} needs. */
export interface PendingFinding {
  finding: Finding;
  policies: PrincipalPolicy[];
  unused: UnusedPermissionResult;
}

/**
 * What the per-principal pass of {@link computeFindings} produced: every finding (the
 * UnusedPermission ones still without recommendation, listed in `pending` in principal order),
 * what is not evaluated, the warnings so far, and every principal's status (which group
 * recommendations need). The parallel scan (src/scan/parallel-findings.ts) shares it.
 */
export interface PrincipalPass {
  nowIso: string;
  warnings: ScanWarning[];
  resolver: PolicyResolver;
  notEvaluated: NotEvaluated[];
  findings: Finding[];
  statuses: Map<string, MemberStatus>;
  pending: PendingFinding[];
  notCovered: number;
  shortened: number;
  shortestSince: number | undefined;
}

/**
 * The per-principal pass of {@link computeFindings}: every finding but the recommendations.
 * `onPending` is called after each finding is added to `pending` (with `pending` so far), so that
 * a caller can start on recommendations that need no group's unused set before the pass ends.
 *
 * @throws ValidationError as {@link computeFindings}.
 */
export function evaluatePrincipals(
  inventory: Inventory,
  activity: ActivitySummary,
  options: FindingsOptions,
  onPending?: (pending: readonly PendingFinding[]) => void,
): PrincipalPass {
  validate(options);
  const { catalog, now, trackingPeriodDays: days } = options;
  const nowIso = now.toISOString();
  const window = trackingWindow(now, days);
  const warnings: ScanWarning[] = [];
  const resolver = new PolicyResolver(inventory, catalog, warnings);
  const unusedCtx = {
    catalog,
    blocks: serviceBlocks(catalog),
    window,
    dataEventServices: activity.observability.dataEventServices,
  };
  const keyActivity = latestByUser(activity);
  // What a principal's policies allow: read by unusedPermissions only, so one buffer serves all.
  const allowedScratch = new Uint8Array(catalog.actions.length);

  const notEvaluated: NotEvaluated[] = [];
  const findings: Finding[] = [];
  const statuses = new Map<string, MemberStatus>();
  const pending: PendingFinding[] = [];

  const make = (
    p: Principal,
    findingType: FindingType,
    findingDetails: FindingDetails[],
    key?: string,
  ): Finding => ({
    analyzedAt: nowIso,
    createdAt: nowIso,
    id: findingId(p.accountId, p.arn, findingType, key),
    resource: p.arn,
    resourceType: resourceType(p),
    resourceOwnerAccount: p.accountId,
    status: 'ACTIVE',
    updatedAt: nowIso,
    findingType,
    findingDetails,
  });

  let notCovered = 0;
  let shortened = 0;
  let shortestSince: number | undefined;
  for (const p of inventory.principals.values()) {
    const skip = notEvaluatedReason(p, options, window);
    if (skip) {
      notEvaluated.push({
        resource: p.arn,
        resourceType: resourceType(p),
        resourceOwnerAccount: p.accountId,
        ...skip,
      });
      statuses.set(p.arn, { kind: 'excluded', why: `is not evaluated (${skip.detail})` });
      continue;
    }
    // Evidence coverage: "unused" needs evidence for the whole period (DESIGN.md, "Evidence").
    let pWindow = window;
    let evaluatedSince: string | undefined;
    let covered = true;
    const check = options.coverage?.check(p, window.start, now.getTime());
    if (check !== undefined && !check.complete) {
      if (options.allowPartialCoverage === true && check.coveredFrom !== undefined) {
        pWindow = windowFrom(check.coveredFrom);
        evaluatedSince = new Date(check.coveredFrom).toISOString();
        shortened++;
        if (shortestSince === undefined || check.coveredFrom > shortestSince) {
          shortestSince = check.coveredFrom;
        }
      } else {
        covered = false;
        notCovered++;
        const entry: NotEvaluated = {
          resource: p.arn,
          resourceType: resourceType(p),
          resourceOwnerAccount: p.accountId,
          reason: 'INCOMPLETE_ACTIVITY_COVERAGE',
          detail:
            check.detail +
            (p.kind === 'user'
              ? '; its password and access keys are evaluated (from the credential report)'
              : ''),
        };
        if (check.firstCovered !== undefined) {
          entry.coveredFrom = new Date(check.firstCovered).toISOString();
          entry.coveredTo = new Date(check.lastCovered!).toISOString();
        }
        notEvaluated.push(entry);
        statuses.set(p.arn, {
          kind: 'excluded',
          why: 'is not evaluated (its activity does not cover the tracking period)',
        });
        if (p.kind === 'role') continue;
      }
    }
    const since = (f: Finding): Finding => {
      if (evaluatedSince !== undefined) f.evaluatedSince = evaluatedSince;
      return f;
    };
    const record = activity.principals.get(p.arn);
    let active: boolean;
    if (p.kind === 'role') {
      const last = latest(p.roleLastUsed, principalLatest(record));
      active = pWindow.inPeriod(last);
      if (!active) {
        findings.push(
          since(make(p, 'UnusedIAMRole', [{ unusedIamRoleDetails: lastAccessed(last) }])),
        );
        statuses.set(p.arn, { kind: 'excluded', why: 'is an unused role' });
        continue;
      }
    } else {
      const password = p.password;
      if (password?.enabled && !window.inPeriod(password.lastUsed)) {
        findings.push(
          make(p, 'UnusedIAMUserPassword', [
            { unusedIamUserPasswordDetails: lastAccessed(password.lastUsed) },
          ]),
        );
      }
      let userLast = latest(password?.lastUsed, principalLatest(record), keyActivity.get(p.arn));
      for (const key of p.accessKeys) {
        const known = key.id === undefined ? undefined : activity.accessKeys.get(key.id)?.last;
        const last = latest(key.lastUsed, known);
        userLast = latest(userLast, last);
        if (!key.active || window.inPeriod(last)) continue;
        const accessKeyId = key.id ?? SLOT_LABEL[key.slot];
        findings.push(
          make(
            p,
            'UnusedIAMUserAccessKey',
            [{ unusedIamUserAccessKeyDetails: { accessKeyId, ...lastAccessed(last) } }],
            accessKeyId,
          ),
        );
      }
      if (!covered) continue;
      active = pWindow.inPeriod(userLast);
      if (!active) {
        statuses.set(p.arn, { kind: 'excluded', why: 'had no activity in the tracking period' });
        continue;
      }
    }
    const policies = resolver.policiesOf(p);
    const allowed = allowedActions(policies, catalog.actions.length, allowedScratch);
    const gaps = options.dataEventGaps?.get(p.accountId);
    const ctxOf =
      pWindow === window && gaps === undefined
        ? unusedCtx
        : {
            ...unusedCtx,
            window: pWindow,
            dataEventServices:
              gaps === undefined
                ? unusedCtx.dataEventServices
                : new Set([...unusedCtx.dataEventServices].filter((svc) => !gaps.has(svc))),
          };
    const unused = unusedPermissions(allowed, record, ctxOf, allowableServices(policies));
    if (unused.details.length === 0) {
      statuses.set(p.arn, {
        kind: 'excluded',
        why: 'has no UnusedPermission finding (it used every observable permission it has)',
      });
      continue;
    }
    if (!record || record.services.size === 0) {
      warnings.push({
        code: 'no_service_activity',
        resource: p.arn,
        message: `${p.arn} was active in the tracking period but no activity source shows which services it used, so every service it is allowed is reported unused; check that the sources cover it`,
      });
    }
    const finding = since(
      make(
        p,
        'UnusedPermission',
        unused.details.map((d) => ({ unusedPermissionDetails: d })),
      ),
    );
    findings.push(finding);
    pending.push({ finding, policies, unused });
    statuses.set(p.arn, { kind: 'finding', unused: unused.set });
    onPending?.(pending);
  }

  return {
    nowIso,
    warnings,
    resolver,
    notEvaluated,
    findings,
    statuses,
    pending,
    notCovered,
    shortened,
    shortestSince,
  };
}

/**
 * The context of the recommendations of `pass`'s pending findings: a group's unused set from its
 * members' statuses (cached), a fresh refinement memo, warnings appended to `warnings`.
 */
export function recommendContext(
  inventory: Inventory,
  pass: Pick<PrincipalPass, 'nowIso' | 'statuses'>,
  options: Pick<FindingsOptions, 'catalog' | 'style' | 'maxManagedPolicies'>,
  warnings: ScanWarning[],
): RecommendContext {
  const { catalog } = options;
  const { nowIso, statuses } = pass;
  const members = groupMembers(inventory);
  const groupCache = new Map<string, GroupUnused>();
  return {
    catalog,
    nowIso,
    groupUnused(group: Group): GroupUnused {
      let g = groupCache.get(group.arn);
      if (!g) {
        const list = members.get(`${group.accountId}|${group.name}`) ?? [];
        g = groupUnused(group, list, statuses, catalog);
        groupCache.set(group.arn, g);
      }
      return g;
    },
    refinements: new Map<string, Refined | Error>(),
    ...(options.style === undefined ? {} : { style: options.style }),
    ...(options.maxManagedPolicies === undefined
      ? {}
      : { maxManagedPolicies: options.maxManagedPolicies }),
    warnedGroups: new Set(),
    warnings,
  };
}

/**
 * The scan result of `pass` once its pending findings have their recommendations (and their
 * warnings are in `pass.warnings`): the missing-policy warnings appended, findings and
 * not-evaluated principals sorted, coverage counted.
 */
export function finishFindings(pass: PrincipalPass, options: FindingsOptions): ScanResult {
  const { nowIso, warnings, findings, notEvaluated, notCovered, shortened, shortestSince } = pass;
  const { catalog, trackingPeriodDays: days } = options;
  pass.resolver.flushWarnings();

  findings.sort(compareFindings);
  notEvaluated.sort(
    (a, b) => cmp(a.resourceOwnerAccount, b.resourceOwnerAccount) || cmp(a.resource, b.resource),
  );
  const result: ScanResult = {
    analyzedAt: nowIso,
    trackingPeriodDays: days,
    catalogVersion: catalog.version,
    findings,
    notEvaluated,
    warnings,
  };
  if (options.coverage !== undefined) {
    result.coverage = {
      complete: notCovered === 0 && shortened === 0,
      partialAllowed: options.allowPartialCoverage === true,
      notCovered,
      shortened,
      ...(shortestSince === undefined
        ? {}
        : { shortestSince: new Date(shortestSince).toISOString() }),
      dataEventGaps: [],
      skipped: { files: 0, records: 0, where: [] },
      sources: {},
    };
  }
  return result;
}

function validate(options: FindingsOptions): void {
  const days = options.trackingPeriodDays;
  if (!Number.isInteger(days) || days < 1 || days > 365) {
    throw new ValidationError([
      {
        code: 'invalid_value',
        path: '$',
        source: 'tracking period',
        message: `the tracking period must be a whole number of days from 1 to 365, found ${String(days)}`,
      },
    ]);
  }
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) {
    throw new ValidationError([
      {
        code: 'invalid_value',
        path: '$',
        source: 'now',
        message: `"now" must be a valid date, found ${String(options.now)}`,
      },
    ]);
  }
}

function resourceType(p: Principal): ResourceType {
  return p.kind === 'role' ? 'AWS::IAM::Role' : 'AWS::IAM::User';
}

function lastAccessed(d: Date | null | undefined): { lastAccessed?: string } {
  return d ? { lastAccessed: d.toISOString() } : {};
}

/** Why `p` is not evaluated (first reason by precedence), or undefined when it is evaluated. */
function notEvaluatedReason(
  p: Principal,
  options: FindingsOptions,
  window: TrackingWindow,
): { reason: NotEvaluatedReason; detail: string } | undefined {
  if (options.excludeAccounts?.has(p.accountId)) {
    return { reason: 'EXCLUDED_ACCOUNT', detail: `account ${p.accountId} is excluded` };
  }
  for (const t of options.excludeTags ?? []) {
    if (p.tags.get(t.key) === t.value) {
      return { reason: 'EXCLUDED_TAG', detail: `tag ${t.key}=${t.value} is excluded` };
    }
  }
  if (p.kind === 'role' && p.path.startsWith('/aws-service-role/')) {
    return {
      reason: 'SERVICE_LINKED_ROLE',
      detail: `service-linked role (path ${p.path}), managed by an AWS service`,
    };
  }
  if (window.createdInPeriod(p.createDate)) {
    return {
      reason: 'CREATED_IN_TRACKING_PERIOD',
      detail: `created ${p.createDate.toISOString()}, inside the tracking period (since ${new Date(window.start).toISOString()})`,
    };
  }
  return undefined;
}

/** Latest use of any access key, by user ARN (from activity recorded per key id). */
function latestByUser(activity: ActivitySummary): Map<string, Date> {
  const out = new Map<string, Date>();
  for (const { userArn, last } of activity.accessKeys.values()) {
    out.set(userArn, latest(out.get(userArn), last)!);
  }
  return out;
}

function accessKeyOf(f: Finding): string {
  const d = f.findingDetails[0];
  return d && 'unusedIamUserAccessKeyDetails' in d
    ? d.unusedIamUserAccessKeyDetails.accessKeyId
    : '';
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.resourceOwnerAccount, b.resourceOwnerAccount) ||
    cmp(a.resource, b.resource) ||
    cmp(a.findingType, b.findingType) ||
    cmp(accessKeyOf(a), accessKeyOf(b))
  );
}

/** Code-unit order (locale-independent, so the order is the same everywhere). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
