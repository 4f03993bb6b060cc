/**
 * The findings store's contract: what the CLI (`findings`, `rules`, `scan --db`) and the dashboard
 * (`serve`) may ask of a store of findings that lives across scans, as IAM Access Analyzer's
 * centralized findings do.
 *
 * Status lifecycle (Access Analyzer's, made explicit):
 * - a finding seen for the first time is `ACTIVE` (then the archive rules run on it);
 * - a finding absent from a later scan that covered its account becomes `RESOLVED`, with the id of
 *   that scan — also when it was `ARCHIVED` (Access Analyzer resolves archived findings whose issue
 *   is gone: the archived list shows what is still true but accepted, never what is gone);
 * - a `RESOLVED` finding seen again is reopened: `ACTIVE`, and the archive rules run on it again as
 *   on a new finding (a person's earlier archive decision is not restored: the issue came back);
 * - `ARCHIVED` (by a person or a rule) stays archived across scans that still see it, also when
 *   its details change, until it is unarchived (then `ACTIVE`).
 *
 * Every transition is appended to the finding's history. All times are ISO-8601 strings from the
 * store's injected clock (never the wall clock inside the core); `analyzedAt` values come from the
 * scans.
 */
import type {
  Finding,
  FindingType,
  ResourceType,
  ScanCoverage,
  ScanResult,
} from '../findings/types.js';

/** A stored finding's status (Access Analyzer's `FindingStatus`). */
export type FindingStatus = 'ACTIVE' | 'ARCHIVED' | 'RESOLVED';

/** Every {@link FindingStatus}, in the order summaries list them. */
export const FINDING_STATUSES: readonly FindingStatus[] = ['ACTIVE', 'ARCHIVED', 'RESOLVED'];

/** What can happen to a finding; one {@link HistoryEvent} per occurrence. */
export type HistoryEventType =
  /** First seen by a scan. */
  | 'created'
  /** Seen again by a scan with different details (findingDetails or policy recommendations). */
  | 'updated'
  /** Absent from a scan that covered its account. */
  | 'resolved'
  /** Seen again after being resolved. */
  | 'reopened'
  /** Archived by a person (`actor`) or an archive rule (`ruleName`). */
  | 'archived'
  /** Unarchived by a person. */
  | 'unarchived';

/** One entry of a finding's history. */
export interface HistoryEvent {
  /** Store-wide increasing sequence number (orders events recorded at the same time). */
  seq: number;
  /** The finding it concerns. */
  findingId: string;
  /** What happened. */
  event: HistoryEventType;
  /** When the store recorded it (the store's clock), ISO-8601. */
  at: string;
  /** The scan that caused it (created, updated, resolved, reopened, rule archive during a scan). */
  scanId?: number;
  /** The archive rule that caused it (`archived` by a rule). */
  ruleName?: string;
  /** Who did it, for `archived`/`unarchived` by a person (default `user`). */
  actor?: string;
  /** The status before the event. */
  fromStatus?: FindingStatus;
  /** The status after the event. */
  toStatus: FindingStatus;
}

/**
 * One row of a findings list: the columns a table shows, without the (large) details.
 */
export interface FindingSummary {
  /** Stable finding id (see `findingId` in src/findings/id.ts). */
  id: string;
  /** The principal's ARN. */
  resource: string;
  /** `AWS::IAM::Role` or `AWS::IAM::User`. */
  resourceType: ResourceType;
  /** The principal's account (12 digits). */
  resourceOwnerAccount: string;
  /** One of the four unused-access finding types. */
  findingType: FindingType;
  /** The current status. */
  status: FindingStatus;
  /** When the store first recorded it. */
  createdAt: string;
  /** Last change of status or details. */
  updatedAt: string;
  /** `analyzedAt` of the last scan that saw it. */
  analyzedAt: string;
  /** The scan that first saw it. */
  firstScanId: number;
  /** The last scan that saw it. */
  lastSeenScanId: number;
  /** `RESOLVED` findings: the scan that resolved it. */
  resolvedScanId?: number;
  /** `ARCHIVED` findings: the rule that archived it, if a rule did. */
  archivedByRule?: string;
  /** `ARCHIVED` findings: the person who archived it, if a person did. */
  archivedBy?: string;
  /** `UnusedPermission`: the services listed, sorted (empty for other types). */
  services: string[];
  /** `UnusedPermission`: number of listed unused actions (whole-service entries count 0). */
  unusedActionCount: number;
  /** `UnusedPermission`: number of services unused as a whole. */
  unusedServiceCount: number;
}

/** A finding with everything: the latest `Finding` seen, its tags and its history. */
export interface StoredFinding extends FindingSummary {
  /**
   * The `Finding` as the last scan that saw it produced it, with `status`, `createdAt`,
   * `updatedAt` and `analyzedAt` replaced by the store's values.
   */
  finding: Omit<Finding, 'status'> & { status: FindingStatus };
  /** The principal's tags when the scan gave them (see {@link RecordScanOptions.tags}). */
  tags: Record<string, string>;
  /** Every event, oldest first. */
  history: HistoryEvent[];
}

/** Which findings a query is about; every given field must hold (AND); values of one field OR. */
export interface FindingFilter {
  /** Exactly these ids. */
  ids?: readonly string[];
  /** Any of these finding types. */
  types?: readonly FindingType[];
  /** Any of these statuses. */
  statuses?: readonly FindingStatus[];
  /** Any of these owner accounts (12 digits). */
  accounts?: readonly string[];
  /** Any of these resource types. */
  resourceTypes?: readonly ResourceType[];
  /** Case-insensitive substring of the principal's ARN (`resource`). */
  principal?: string;
  /** `UnusedPermission` findings that list any of these services (service prefixes, e.g. `s3`). */
  services?: readonly string[];
}

/** Columns a findings list can be sorted by (a whitelist: never SQL built from input). */
export type FindingSortKey =
  'updatedAt' | 'resource' | 'account' | 'findingType' | 'status' | 'unusedActionCount';

/** Every {@link FindingSortKey}. */
export const FINDING_SORT_KEYS: readonly FindingSortKey[] = [
  'updatedAt',
  'resource',
  'account',
  'findingType',
  'status',
  'unusedActionCount',
];

/** Sort direction. */
export type SortDirection = 'asc' | 'desc';

/**
 * A findings list query. Rows are ordered by the sort column, then (for `account`, `findingType`,
 * `status`, `unusedActionCount`) by `updatedAt`, then by the order the store first recorded them,
 * so pages are stable; every order is an index's order, with or without a `statuses` filter of
 * one status.
 */
export interface FindingListQuery {
  /** Which findings (default: all). */
  filter?: FindingFilter;
  /** Sort column (default `updatedAt`). */
  sort?: FindingSortKey;
  /** Sort direction (default `desc`). */
  direction?: SortDirection;
  /** Page size, 1..1000 (default 50). */
  limit?: number;
  /**
   * Offset pagination: rows to skip (default 0). Ignored when `cursor` is given. Simple but costs
   * O(offset); prefer `cursor` for deep pages.
   */
  offset?: number;
  /**
   * Keyset pagination: the `nextCursor` of the previous page (same filter, sort and direction).
   * Costs O(page) at any depth.
   */
  cursor?: string;
  /** Compute {@link FindingPage.total} (default true; one extra indexed count). */
  withTotal?: boolean;
}

/** One page of a findings list. */
export interface FindingPage {
  /** The rows of this page, in order. */
  items: FindingSummary[];
  /** Number of findings matching the filter (all pages); absent when `withTotal` was false. */
  total?: number;
  /** Page size used. */
  limit: number;
  /** Offset of the first row, when offset pagination was used. */
  offset?: number;
  /** Opaque cursor of the next page; absent on the last page. */
  nextCursor?: string;
}

/** Number of findings of one type in one status. */
export interface TypeStatusCount {
  /** The finding type. */
  findingType: FindingType;
  /** The status. */
  status: FindingStatus;
  /** Number of findings of that type in that status. */
  count: number;
}

/** Number of findings of one account, by status. */
export interface AccountCount {
  /** The owner account (12 digits). */
  account: string;
  /** Per status (every status present, 0 when none). */
  byStatus: Record<FindingStatus, number>;
  /** Sum over statuses. */
  total: number;
}

/** A service and how much unused permission the findings report for it (for a chart). */
export interface ServiceCount {
  /** Service prefix, e.g. `s3`. */
  service: string;
  /** `UnusedPermission` findings listing the service (each is one principal's unused service). */
  findings: number;
  /** Sum of the unused actions listed for the service. */
  unusedActions: number;
  /** Findings where the whole service is unused (no action list). */
  wholeServiceUnused: number;
}

/** A recorded scan. */
export interface ScanRecord {
  /** Increasing id (1, 2, ...). */
  id: number;
  /** The scan's `analyzedAt`. */
  analyzedAt: string;
  /** When the store recorded it (store clock). */
  recordedAt: string;
  /** The scan's tracking period, in days. */
  trackingPeriodDays: number;
  /** The action catalog version the scan used. */
  catalogVersion: string;
  /** The accounts the scan covered, sorted. */
  accounts: string[];
  /** What recording it did. */
  stats: ScanStats;
  /** The scan's evidence coverage (absent for scans recorded before it was tracked). */
  coverage?: ScanCoverage;
}

/** What recording one scan changed. */
export interface ScanStats {
  /** Findings in the scan result. */
  findings: number;
  /** New findings. */
  created: number;
  /** Findings seen again with changed details. */
  updated: number;
  /** Findings seen again unchanged. */
  unchanged: number;
  /** Findings of covered accounts absent from the scan. */
  resolved: number;
  /** Resolved findings seen again. */
  reopened: number;
  /** New or reopened findings archived by archive rules. */
  archivedByRules: number;
  /** Principals the scan did not evaluate. */
  notEvaluated: number;
  /** Warnings of the scan. */
  warnings: number;
}

/** Counts after one scan (a point of the dashboard's trend chart). */
export interface ScanTrendPoint {
  /** The scan. */
  scanId: number;
  /** The scan's `analyzedAt`. */
  analyzedAt: string;
  /** When the store recorded it. */
  recordedAt: string;
  /** Findings per status right after the scan was recorded. */
  byStatus: Record<FindingStatus, number>;
  /** Non-resolved (ACTIVE + ARCHIVED) findings per type right after the scan. */
  openByType: Record<FindingType, number>;
  /** What the scan changed. */
  stats: ScanStats;
}

/** Options of {@link FindingsStore.recordScan}. */
export interface RecordScanOptions {
  /**
   * The accounts the scan covered (12-digit ids). A stored finding of one of these accounts that is
   * absent from the result is resolved; findings of other accounts are left as they are. Give
   * every account whose data was scanned, also those with no findings. Must include the owner
   * account of every finding in the result.
   */
  accounts: readonly string[];
  /**
   * Principal tags, keyed by principal ARN (`Finding` carries none; the inventory has them).
   * When given, each finding of the scan gets its principal's tags (none if the principal is not
   * in the map), replacing the tags stored before; when omitted, stored tags are left as they
   * are. Tags are shown on the finding page and matched by `tags.KEY` archive-rule criteria.
   * A `Map` or any lookup by ARN (the scan looks them up in its inventory rather than copying
   * them).
   */
  tags?: { get(principalArn: string): ReadonlyMap<string, string> | undefined };
}

/** An archive rule's criterion, Access Analyzer's `Criterion`. */
export interface Criterion {
  /** The value equals one of these (1..20 values). */
  eq?: string[];
  /** The value equals none of these (1..20 values); a missing value matches. */
  neq?: string[];
  /** The value contains one of these substrings, case-sensitive (1..20 values). */
  contains?: string[];
  /** `true`: the field is present (a tag key exists); `false`: it is absent. */
  exists?: boolean;
}

/**
 * Access Analyzer's `FilterCriteria`: filter key → criterion. Keys: `findingType`, `resource`,
 * `resourceType`, `resourceOwnerAccount`, `status`, `id`, and `tags.KEY` for the principal's tag
 * `KEY`. A finding matches when every criterion holds (AND), and a criterion holds when every
 * operator it has holds.
 */
export type FilterCriteria = Record<string, Criterion>;

/** A stored archive rule. */
export interface ArchiveRule {
  /** Unique name, `[A-Za-z][A-Za-z0-9_.-]*`, 1..255 characters (Access Analyzer's rule names). */
  name: string;
  /** The validated filter. */
  filter: FilterCriteria;
  /** Store clock time of creation. */
  createdAt: string;
  /** Store clock time of the last change. */
  updatedAt: string;
}

/** What archiving, unarchiving or applying a rule did. */
export interface StatusChangeResult {
  /** Ids whose status changed, in the order given (or id order for rules). */
  changed: string[];
  /** Ids left as they were (already in the target status, or `RESOLVED`), with the status. */
  unchanged: { id: string; status: FindingStatus }[];
}

/**
 * The findings store. Reads are consistent snapshots; every write is one transaction. Methods are
 * synchronous (SQLite through better-sqlite3). Unknown finding ids or rule names throw
 * `NotFoundError` (src/store/errors.ts); bad filters throw `ValidationError` with one issue per
 * problem. Open one with `openStore(path, { clock })` (src/store/sqlite.ts), or from the CLI with
 * `openCliStore` (src/store/cli.ts).
 */
export interface FindingsStore {
  /** The database file (`:memory:` for an in-memory store). */
  readonly path: string;

  /** The schema version of the open database (the latest migration). */
  readonly schemaVersion: number;

  /**
   * Records a scan in one transaction: creates, updates, resolves and reopens findings as the
   * lifecycle says, applies every archive rule to the findings it created or reopened, appends
   * history, and stores the counts after the scan. If anything fails (or the process dies) nothing
   * of the scan is stored.
   *
   * @throws ValidationError when a finding's account is not in `options.accounts`, or an account
   *   is not 12 digits.
   */
  recordScan(result: ScanResult, options: RecordScanOptions): ScanRecord;

  /**
   * Runs `fn` (which calls this store's read methods) on one snapshot of the database, so that
   * several reads — an overview's counts, chart and trend — agree with each other even while a
   * scan is being recorded by another process. Each read method alone is already one snapshot.
   */
  readSnapshot<T>(fn: () => T): T;

  /** One page of findings matching `query.filter`, sorted, with the total count. */
  listFindings(query?: FindingListQuery): FindingPage;

  /** A finding with its latest details, tags and history, or `undefined` for an unknown id. */
  getFinding(id: string): StoredFinding | undefined;

  /** Findings per type and status (only non-zero pairs), for the findings matching `filter`. */
  countByTypeAndStatus(filter?: FindingFilter): TypeStatusCount[];

  /** Findings per account and status, for the findings matching `filter`, by total descending. */
  countByAccount(filter?: FindingFilter): AccountCount[];

  /**
   * The services with the most unused permissions among the `UnusedPermission` findings matching
   * `filter` (default: `ACTIVE` only), by `findings` then `unusedActions` descending, at most
   * `limit` (default 10).
   */
  topServices(options?: { filter?: FindingFilter; limit?: number }): ServiceCount[];

  /** Counts after each scan, oldest first; the last `limit` scans when given. */
  scanTrend(options?: { limit?: number }): ScanTrendPoint[];

  /** The recorded scans, newest first. */
  listScans(): ScanRecord[];

  /**
   * Archives the `ACTIVE` findings among `ids` (one transaction, one history event each).
   * `ARCHIVED` and `RESOLVED` ones are reported unchanged.
   *
   * @param options.actor who archives (default `user`), kept in the history.
   * @throws NotFoundError naming every unknown id (nothing is changed then).
   */
  archive(ids: readonly string[], options?: { actor?: string }): StatusChangeResult;

  /**
   * Unarchives the `ARCHIVED` findings among `ids` (they become `ACTIVE`). Others are reported
   * unchanged.
   *
   * @throws NotFoundError naming every unknown id (nothing is changed then).
   */
  unarchive(ids: readonly string[], options?: { actor?: string }): StatusChangeResult;

  /** Every archive rule, by name. */
  listRules(): ArchiveRule[];

  /** One archive rule, or `undefined`. */
  getRule(name: string): ArchiveRule | undefined;

  /**
   * Creates an archive rule. It is applied to the findings later scans create or reopen; call
   * {@link applyRule} to apply it to the stored findings.
   *
   * @param filter parsed JSON, validated with `parseFilterCriteria`.
   * @throws ValidationError for a bad name or filter; IamRefineError when the name exists.
   */
  createRule(name: string, filter: unknown): ArchiveRule;

  /**
   * Replaces the filter of an existing rule.
   *
   * @throws ValidationError for a bad filter; NotFoundError for an unknown rule.
   */
  updateRule(name: string, filter: unknown): ArchiveRule;

  /**
   * Deletes a rule (findings it archived stay archived).
   *
   * @throws NotFoundError for an unknown rule.
   */
  deleteRule(name: string): void;

  /**
   * The `ACTIVE` findings a filter would archive if applied now (nothing is changed): a page of
   * them and their total.
   *
   * @throws ValidationError for a bad filter.
   */
  previewRule(filter: unknown, query?: Omit<FindingListQuery, 'filter'>): FindingPage;

  /**
   * Applies a rule to the stored findings now: archives every `ACTIVE` finding it matches (one
   * transaction, history names the rule).
   *
   * @throws NotFoundError for an unknown rule.
   */
  applyRule(name: string): StatusChangeResult;

  /** Closes the database (further calls throw). */
  close(): void;
}

/** Options of `openStore` (src/store/sqlite.ts). */
export interface OpenStoreOptions {
  /** The store's clock: every stored time comes from it (the core never reads the wall clock). */
  clock: () => Date;
  /** Fail instead of creating the database file when it does not exist (default false). */
  fileMustExist?: boolean;
  /**
   * How long a call waits for another process's write lock before it fails with
   * `DatabaseBusyError`, in ms (default `BUSY_TIMEOUT_MS`, 10 s; the dashboard uses 0 and retries
   * without blocking its event loop).
   */
  busyTimeoutMs?: number;
  /**
   * How many findings (or stored rows) recording a scan works on at a time (default
   * `RECORD_BATCH_SIZE`, 2,000): what it holds beyond the scan result is bounded by it, not by
   * the number of findings. What is stored does not depend on it.
   */
  recordBatchSize?: number;
}
