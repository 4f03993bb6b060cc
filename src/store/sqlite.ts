/**
 * The {@link FindingsStore} on SQLite (better-sqlite3): one database file in WAL mode, so readers
 * (the dashboard, `findings list`) never wait for a scan being recorded and always see the state
 * before it or after it, never a mix.
 *
 * Writes are single transactions. Multi-statement reads (a page and its total, a finding and its
 * history) run inside one read transaction, so they come from one snapshot. Every SQL text is a
 * constant or built from fixed fragments (column names from whitelists); input values are always
 * bound parameters.
 */
import { hash as digest } from 'node:crypto';
import Database from 'better-sqlite3';
import { IamRefineError, ValidationError, type Issue } from '../errors.js';
import {
  FINDING_TYPES,
  type Finding,
  type FindingType,
  type ScanCoverage,
  type ScanResult,
} from '../findings/types.js';
import { DatabaseBusyError, NotFoundError } from './errors.js';
import {
  compileCriteria,
  parseFilterCriteria,
  validateRuleName,
  type SqlCondition,
} from './filter.js';
import {
  MAX_IDS,
  MAX_PAGE_SIZE,
  FINDING_PAGE_SQL,
  buildListQuery,
  filterWhere,
  queryIssue,
  type SummaryRow,
} from './query.js';
import { fileIdentity, guardStore } from './guard.js';
import { LATEST_SCHEMA_VERSION, migrate } from './schema.js';
import {
  FINDING_STATUSES,
  type AccountCount,
  type ArchiveRule,
  type FilterCriteria,
  type FindingFilter,
  type FindingListQuery,
  type FindingPage,
  type FindingStatus,
  type FindingsStore,
  type FindingSummary,
  type HistoryEvent,
  type HistoryEventType,
  type OpenStoreOptions,
  type RecordScanOptions,
  type ScanRecord,
  type ScanStats,
  type ScanTrendPoint,
  type ServiceCount,
  type StatusChangeResult,
  type StoredFinding,
  type TypeStatusCount,
} from './types.js';

/** How long a write waits for another writer (another process recording a scan), in ms. */
export const BUSY_TIMEOUT_MS = 10_000;

const ACCOUNT = /^\d{12}$/;

interface ScanRow {
  id: number;
  analyzed_at: string;
  recorded_at: string;
  tracking_period_days: number;
  catalog_version: string;
  accounts: string;
  stats: string;
  counts_after: string;
  coverage: string | null;
}

interface CountsAfter {
  byStatus: Record<FindingStatus, number>;
  openByType: Record<FindingType, number>;
}

interface HistoryRow {
  seq: number;
  event: HistoryEventType;
  at: string;
  scan_id: number | null;
  rule_name: string | null;
  actor: string | null;
  from_status: FindingStatus | null;
  to_status: FindingStatus;
}

/** The services an `UnusedPermission` finding lists, as stored. */
interface ServicesSummary {
  services: { service: string; actions: number; whole: boolean }[];
  /** The sorted service names as a JSON array. */
  json: string;
  unusedActions: number;
  unusedServices: number;
}

/**
 * Opens (creating it if needed) the store in the SQLite file `path` (`:memory:` for a private
 * in-memory store), applies the missing schema migrations, and turns on WAL mode.
 *
 * @throws IamRefineError when the file is not an iam-refine database, its schema is newer than
 *   this code, or it cannot be opened (the message names the file).
 */
export function openStore(path: string, options: OpenStoreOptions): FindingsStore {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: options.fileMustExist ?? false });
  } catch (cause) {
    throw new IamRefineError(`cannot open database ${path} (${messageOf(cause)})`, { cause });
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeout(options.busyTimeoutMs)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    const clock = options.clock;
    migrate(db, () => clock().toISOString());
    const identity = path === ':memory:' || path === '' ? undefined : fileIdentity(path);
    return guardStore(
      new SqliteFindingsStore(db, path, clock, recordBatchSize(options.recordBatchSize)),
      path,
      identity,
    );
  } catch (cause) {
    db.close();
    if (cause instanceof IamRefineError) throw cause;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
      throw new DatabaseBusyError(path, { cause });
    }
    throw new IamRefineError(`cannot open database ${path} (${messageOf(cause)})`, { cause });
  }
}

/** How many findings or rows recording a scan works on at a time, by default. */
export const RECORD_BATCH_SIZE = 2000;

/** A whole number from 1 to 1,000,000, else {@link RECORD_BATCH_SIZE}. */
function recordBatchSize(n: number | undefined): number {
  return n !== undefined && Number.isSafeInteger(n) && n >= 1 && n <= 1_000_000
    ? n
    : RECORD_BATCH_SIZE;
}

/** A whole number of ms from 0 to 60 s, else the default (never text into the pragma). */
function busyTimeout(ms: number | undefined): number {
  return ms !== undefined && Number.isSafeInteger(ms) && ms >= 0 && ms <= 60_000
    ? ms
    : BUSY_TIMEOUT_MS;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

class SqliteFindingsStore implements FindingsStore {
  readonly path: string;
  readonly schemaVersion = LATEST_SCHEMA_VERSION;
  private readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly stmts: ReturnType<typeof prepareStatements>;

  private readonly batch: number;

  constructor(db: Database.Database, path: string, clock: () => Date, batch: number) {
    this.db = db;
    this.path = path;
    this.clock = clock;
    this.batch = batch;
    // The findings a scan created or reopened (the ones archive rules run on), and the scan's
    // findings (id, index in the scan, hash, tags) with an index on the scan order for paging;
    // per connection.
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS scan_new (pk INTEGER PRIMARY KEY);
      CREATE TEMP TABLE IF NOT EXISTS scan_seen (
        id TEXT PRIMARY KEY, idx INTEGER NOT NULL, hash TEXT NOT NULL, tags TEXT
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS temp.scan_seen_idx ON scan_seen (idx);`);
    this.stmts = prepareStatements(db);
  }

  private now(): string {
    return this.clock().toISOString();
  }

  // ------------------------------------------------------------------------------------------
  // recording scans

  recordScan(result: ScanResult, options: RecordScanOptions): ScanRecord {
    const accounts = [...new Set(options.accounts)].sort();
    validateScan(result, accounts);
    // Hashing is the only per-finding work for unchanged findings; done before taking the lock
    // (43 characters per finding: the one per-finding text held for the whole recording).
    const hashes = result.findings.map(contentHash);
    const tagsOf = tagLookup(options.tags);
    const now = this.now();
    const s = this.stmts;
    const db = this.db;
    const size = this.batch;
    const findings = result.findings;

    // Everything below works a batch of findings or rows at a time: the scan's findings go into
    // a temporary table, and the new, changed and absent ones come back in pages (keyset on the
    // scan order, or on pk), so memory beyond the scan result is bounded by the batch size, not
    // by the number of findings. The order of the writes (and so every pk and history seq) is
    // the order of a single pass: new findings by scan order, then changed ones by scan order,
    // then absent ones by pk, then the archive rules.
    const record = db.transaction((): ScanRecord => {
      const stats: ScanStats = {
        findings: findings.length,
        created: 0,
        updated: 0,
        unchanged: 0,
        resolved: 0,
        reopened: 0,
        archivedByRules: 0,
        notEvaluated: result.notEvaluated.length,
        warnings: result.warnings.length,
      };
      const scanId = Number(
        s.insertScan.run(
          result.analyzedAt,
          now,
          result.trackingPeriodDays,
          result.catalogVersion,
          JSON.stringify(accounts),
          result.coverage === undefined ? null : JSON.stringify(result.coverage),
        ).lastInsertRowid,
      );

      // The diff against the stored findings runs in SQL: the scan's ids, hashes and tags go into
      // a temporary table, a batch per statement.
      db.exec('DELETE FROM temp.scan_new; DELETE FROM temp.scan_seen');
      for (let start = 0; start < findings.length; start += size) {
        const rows: [string, string, string | null][] = [];
        for (let i = start; i < Math.min(start + size, findings.length); i++) {
          const f = findings[i]!;
          rows.push([f.id, hashes[i]!, tagsOf(f.resource)?.json ?? null]);
        }
        s.insertSeen.run({ rows: JSON.stringify(rows), start });
      }
      const accountsJson = JSON.stringify(accounts);
      // Non-resolved findings of the covered accounts before this scan.
      const open = s.countOpen.get(accountsJson) as number;

      // New findings, in scan order.
      for (let after = -1; ;) {
        const page = s.unseenPage.all({ after, limit: size }) as number[];
        for (const i of page) {
          const f = findings[i]!;
          const tags = tagsOf(f.resource);
          const sv = servicesOf(f);
          const pk = Number(
            s.insertFinding.run({
              id: f.id,
              account: f.resourceOwnerAccount,
              resource: f.resource,
              resource_type: f.resourceType,
              finding_type: f.findingType,
              now,
              scan: scanId,
              hash: hashes[i],
              services: sv.json,
              unused_actions: sv.unusedActions,
              unused_services: sv.unusedServices,
              tags: tags?.json ?? '{}',
            }).lastInsertRowid,
          );
          s.insertData.run(pk, JSON.stringify(f));
          this.writeServices(pk, sv, false);
          if (tags !== undefined) this.writeTags(pk, tags.map, false);
          s.insertHistory.run(pk, 'created', now, scanId, null, null, null, 'ACTIVE');
          s.insertNew.run(pk);
          stats.created++;
        }
        if (page.length < size) break;
        after = page[page.length - 1]!;
      }

      // Seen findings that are resolved, changed, or whose tags changed, in scan order (the
      // findings this scan created are left out: they were not stored before it).
      for (let after = -1; ;) {
        const page = s.changedPage.all({ after, scan: scanId, limit: size }) as [
          number,
          number,
          FindingStatus,
          number,
          number,
        ][];
        for (const [i, pk, status, changed, tagsChanged] of page) {
          const f = findings[i]!;
          const hash = hashes[i]!;
          if (status === 'RESOLVED' || changed) {
            const sv = servicesOf(f);
            if (status === 'RESOLVED') {
              s.reopen.run(now, scanId, hash, sv.json, sv.unusedActions, sv.unusedServices, pk);
              s.insertHistory.run(pk, 'reopened', now, scanId, null, null, 'RESOLVED', 'ACTIVE');
              s.insertNew.run(pk);
              stats.reopened++;
            } else {
              s.update.run(now, scanId, hash, sv.json, sv.unusedActions, sv.unusedServices, pk);
              s.insertHistory.run(pk, 'updated', now, scanId, null, null, status, status);
              stats.updated++;
            }
            if (changed) {
              s.updateData.run(JSON.stringify(f), pk);
              this.writeServices(pk, sv, true);
            }
          }
          if (tagsChanged) {
            const tags = tagsOf(f.resource)!;
            s.updateTags.run(tags.json, pk);
            this.writeTags(pk, tags.map, true);
          }
        }
        if (page.length < size) break;
        after = page[page.length - 1]![0];
      }
      stats.unchanged = findings.length - stats.created - stats.updated - stats.reopened;

      // Absent from this scan of their account: resolved (archived ones too). Findings left to
      // resolve = open findings of the covered accounts - those the scan saw again (seen, not
      // new, not reopened); the search for them runs only when there are some.
      // A principal the scan could not evaluate for lack of activity coverage keeps its unused
      // role and permission findings open: the scan has no evidence that they were resolved.
      if (open > findings.length - stats.created - stats.reopened) {
        const uncovered = new Set(
          result.notEvaluated
            .filter((n) => n.reason === 'INCOMPLETE_ACTIVITY_COVERAGE')
            .map((n) => n.resource),
        );
        for (let after = -1; ;) {
          const page = s.absentPage.all({ accounts: accountsJson, after, limit: size }) as [
            number,
            FindingStatus,
            string,
            string,
          ][];
          for (const [pk, status, resource, type] of page) {
            if (
              uncovered.has(resource) &&
              (type === 'UnusedPermission' || type === 'UnusedIAMRole')
            ) {
              continue;
            }
            s.resolve.run(now, scanId, pk);
            s.insertHistory.run(pk, 'resolved', now, scanId, null, null, status, 'RESOLVED');
            stats.resolved++;
          }
          if (page.length < size) break;
          after = page[page.length - 1]![0];
        }
      }
      for (const account of accounts) s.upsertAccount.run(account, scanId);

      // Archive rules, on the findings this scan created or reopened, a page at a time by pk.
      for (const rule of this.rulesInTx()) {
        const cond = compileCriteria(rule.filter);
        const select = db
          .prepare(
            `SELECT f.pk FROM findings f WHERE f.pk IN (SELECT pk FROM temp.scan_new)
               AND f.pk > ? AND f.status = 'ACTIVE' AND (${cond.sql}) ORDER BY f.pk LIMIT ?`,
          )
          .pluck(true);
        for (let after = -1; ;) {
          const page = select.all(after, ...cond.params, size) as number[];
          for (const pk of page) {
            s.archiveByRule.run(now, rule.name, pk);
            s.insertHistory.run(pk, 'archived', now, scanId, rule.name, null, 'ACTIVE', 'ARCHIVED');
            stats.archivedByRules++;
          }
          if (page.length < size) break;
          after = page[page.length - 1]!;
        }
      }
      db.exec('DELETE FROM temp.scan_new; DELETE FROM temp.scan_seen');

      const countsAfter = this.countsNow();
      s.finishScan.run(JSON.stringify(stats), JSON.stringify(countsAfter), scanId);
      return scanRecord(s.scanById.get(scanId) as ScanRow);
    });
    return record.immediate();
  }

  private writeServices(pk: number, sv: ServicesSummary, replace: boolean): void {
    if (replace) this.stmts.deleteServices.run(pk);
    for (const svc of sv.services) {
      this.stmts.insertService.run(pk, svc.service, svc.actions, svc.whole ? 1 : 0);
    }
  }

  private writeTags(pk: number, tags: ReadonlyMap<string, string>, replace: boolean): void {
    if (replace) this.stmts.deleteTags.run(pk);
    for (const [key, value] of tags) this.stmts.insertTag.run(pk, key, value);
  }

  private countsNow(): CountsAfter {
    const byStatus = zeroStatusCounts();
    const openByType = Object.fromEntries(FINDING_TYPES.map((t) => [t, 0])) as Record<
      FindingType,
      number
    >;
    for (const row of this.stmts.countTypeStatus.all() as {
      finding_type: FindingType;
      status: FindingStatus;
      n: number;
    }[]) {
      byStatus[row.status] += row.n;
      if (row.status !== 'RESOLVED')
        openByType[row.finding_type] = (openByType[row.finding_type] ?? 0) + row.n;
    }
    return { byStatus, openByType };
  }

  // ------------------------------------------------------------------------------------------
  // reading

  readSnapshot<T>(fn: () => T): T {
    return this.read(fn);
  }

  listFindings(query: FindingListQuery = {}): FindingPage {
    return this.read(() => this.page(query, undefined));
  }

  private page(query: FindingListQuery, extra: SqlCondition | undefined): FindingPage {
    const q = buildListQuery(query, extra);
    const rows = this.db.prepare(q.page.sql).all(...q.page.params) as SummaryRow[];
    const more = rows.length > q.limit;
    if (more) rows.pop();
    const page: FindingPage = { items: this.summaries(rows), limit: q.limit };
    if (q.offset !== undefined) page.offset = q.offset;
    if (q.count !== undefined) {
      page.total = (this.db.prepare(q.count.sql).get(...q.count.params) as { n: number }).n;
    }
    const last = rows[rows.length - 1];
    if (more && last !== undefined) page.nextCursor = q.cursorAfter(last);
    return page;
  }

  /** Summaries of rows, with `analyzedAt`/`lastSeenScanId` derived for non-resolved findings. */
  private summaries(rows: readonly SummaryRow[]): FindingSummary[] {
    if (rows.length === 0) return [];
    const lastScanOf = new Map<string, number>();
    for (const r of this.stmts.allAccounts.all() as { account: string; last_scan_id: number }[]) {
      lastScanOf.set(r.account, r.last_scan_id);
    }
    const analyzedAt = new Map<number, string>();
    const seen = (row: SummaryRow) =>
      row.status === 'RESOLVED'
        ? row.last_seen_scan_id
        : (lastScanOf.get(row.account) ?? row.last_seen_scan_id);
    for (const row of rows) {
      const scan = seen(row);
      if (!analyzedAt.has(scan)) {
        const s = this.stmts.scanAnalyzedAt.get(scan) as { analyzed_at: string } | undefined;
        analyzedAt.set(scan, s?.analyzed_at ?? '');
      }
    }
    return rows.map((row) => {
      const scan = seen(row);
      const summary: FindingSummary = {
        id: row.id,
        resource: row.resource,
        resourceType: row.resource_type,
        resourceOwnerAccount: row.account,
        findingType: row.finding_type,
        status: row.status,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        analyzedAt: analyzedAt.get(scan) ?? '',
        firstScanId: row.first_scan_id,
        lastSeenScanId: scan,
        services: JSON.parse(row.services) as string[],
        unusedActionCount: row.unused_action_count,
        unusedServiceCount: row.unused_service_count,
      };
      if (row.resolved_scan_id !== null) summary.resolvedScanId = row.resolved_scan_id;
      if (row.archived_by_rule !== null) summary.archivedByRule = row.archived_by_rule;
      if (row.archived_by !== null) summary.archivedBy = row.archived_by;
      return summary;
    });
  }

  getFinding(id: string): StoredFinding | undefined {
    return this.read(() => {
      const row = this.stmts.summaryById.get(id) as (SummaryRow & { tags: string }) | undefined;
      if (row === undefined) return undefined;
      const [summary] = this.summaries([row]);
      const data = this.stmts.dataByPk.get(row.pk) as { json: string };
      const stored = JSON.parse(data.json) as Finding;
      const history = (this.stmts.historyByPk.all(row.pk) as HistoryRow[]).map((h) =>
        historyEvent(h, row.id),
      );
      return {
        ...summary!,
        finding: {
          ...stored,
          status: row.status,
          createdAt: row.created_at,
          updatedAt: row.updated_at,
          analyzedAt: summary!.analyzedAt,
        },
        tags: JSON.parse(row.tags) as Record<string, string>,
        history,
      };
    });
  }

  countByTypeAndStatus(filter: FindingFilter = {}): TypeStatusCount[] {
    const where = this.where(filter);
    const rows = this.db
      .prepare(
        `SELECT f.finding_type, f.status, count(*) AS n FROM findings f ${where.sql}
         GROUP BY f.finding_type, f.status`,
      )
      .all(...where.params) as { finding_type: FindingType; status: FindingStatus; n: number }[];
    const typeOrder = new Map(FINDING_TYPES.map((t, i) => [t as string, i]));
    const statusOrder = new Map(FINDING_STATUSES.map((t, i) => [t as string, i]));
    return rows
      .map((r) => ({ findingType: r.finding_type, status: r.status, count: r.n }))
      .sort(
        (a, b) =>
          (typeOrder.get(a.findingType) ?? 9) - (typeOrder.get(b.findingType) ?? 9) ||
          (statusOrder.get(a.status) ?? 9) - (statusOrder.get(b.status) ?? 9),
      );
  }

  countByAccount(filter: FindingFilter = {}): AccountCount[] {
    const where = this.where(filter);
    const rows = this.db
      .prepare(
        `SELECT f.account, f.status, count(*) AS n FROM findings f ${where.sql} GROUP BY f.account, f.status`,
      )
      .all(...where.params) as { account: string; status: FindingStatus; n: number }[];
    const byAccount = new Map<string, AccountCount>();
    for (const r of rows) {
      let entry = byAccount.get(r.account);
      if (entry === undefined) {
        entry = { account: r.account, byStatus: zeroStatusCounts(), total: 0 };
        byAccount.set(r.account, entry);
      }
      entry.byStatus[r.status] += r.n;
      entry.total += r.n;
    }
    return [...byAccount.values()].sort(
      (a, b) => b.total - a.total || a.account.localeCompare(b.account),
    );
  }

  topServices(options: { filter?: FindingFilter; limit?: number } = {}): ServiceCount[] {
    const limit = options.limit ?? 10;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new ValidationError([
        queryIssue('limit', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}, found ${limit}`),
      ]);
    }
    const filter: FindingFilter = { statuses: ['ACTIVE'], ...options.filter };
    const where = this.where({ ...filter, types: ['UnusedPermission'] });
    const rows = this.db
      .prepare(
        `SELECT s.service, count(*) AS findings, sum(s.unused_actions) AS actions, sum(s.whole) AS whole
           FROM findings f JOIN finding_services s ON s.finding_pk = f.pk ${where.sql}
          GROUP BY s.service ORDER BY findings DESC, actions DESC, s.service LIMIT ?`,
      )
      .all(...where.params, limit) as {
      service: string;
      findings: number;
      actions: number;
      whole: number;
    }[];
    return rows.map((r) => ({
      service: r.service,
      findings: r.findings,
      unusedActions: r.actions,
      wholeServiceUnused: r.whole,
    }));
  }

  scanTrend(options: { limit?: number } = {}): ScanTrendPoint[] {
    const limit = options.limit ?? -1;
    const rows = this.stmts.recentScans.all(limit) as ScanRow[];
    return rows.reverse().map((row) => {
      const counts = JSON.parse(row.counts_after) as CountsAfter;
      return {
        scanId: row.id,
        analyzedAt: row.analyzed_at,
        recordedAt: row.recorded_at,
        byStatus: counts.byStatus,
        openByType: counts.openByType,
        stats: JSON.parse(row.stats) as ScanStats,
      };
    });
  }

  listScans(): ScanRecord[] {
    return (this.stmts.recentScans.all(-1) as ScanRow[]).map(scanRecord);
  }

  // ------------------------------------------------------------------------------------------
  // archiving

  archive(ids: readonly string[], options: { actor?: string } = {}): StatusChangeResult {
    const actor = options.actor ?? 'user';
    return this.changeStatus(ids, 'ACTIVE', (pk, now) => {
      this.stmts.archiveByActor.run(now, actor, pk);
      this.stmts.insertHistory.run(pk, 'archived', now, null, null, actor, 'ACTIVE', 'ARCHIVED');
    });
  }

  unarchive(ids: readonly string[], options: { actor?: string } = {}): StatusChangeResult {
    const actor = options.actor ?? 'user';
    return this.changeStatus(ids, 'ARCHIVED', (pk, now) => {
      this.stmts.unarchive.run(now, pk);
      this.stmts.insertHistory.run(pk, 'unarchived', now, null, null, actor, 'ARCHIVED', 'ACTIVE');
    });
  }

  private changeStatus(
    ids: readonly string[],
    from: FindingStatus,
    change: (pk: number, now: string) => void,
  ): StatusChangeResult {
    if (ids.length > MAX_IDS) {
      throw new ValidationError([
        queryIssue('ids', `at most ${MAX_IDS} ids at once, found ${ids.length}`),
      ]);
    }
    const now = this.now();
    return this.db
      .transaction((): StatusChangeResult => {
        const rows = new Map<string, { pk: number; status: FindingStatus }>();
        const unknown: string[] = [];
        for (const id of ids) {
          const row = this.stmts.statusById.get(id) as
            { pk: number; status: FindingStatus } | undefined;
          if (row === undefined) unknown.push(id);
          else rows.set(id, row);
        }
        if (unknown.length > 0) throw new NotFoundError('finding', unknown);
        const result: StatusChangeResult = { changed: [], unchanged: [] };
        const done = new Set<string>();
        for (const id of ids) {
          if (done.has(id)) continue;
          done.add(id);
          const row = rows.get(id)!;
          if (row.status === from) {
            change(row.pk, now);
            result.changed.push(id);
          } else {
            result.unchanged.push({ id, status: row.status });
          }
        }
        return result;
      })
      .immediate();
  }

  // ------------------------------------------------------------------------------------------
  // archive rules

  listRules(): ArchiveRule[] {
    return this.rulesInTx();
  }

  private rulesInTx(): ArchiveRule[] {
    return (this.stmts.allRules.all() as RuleRow[]).map(ruleOf);
  }

  getRule(name: string): ArchiveRule | undefined {
    const row = this.stmts.ruleByName.get(name) as RuleRow | undefined;
    return row === undefined ? undefined : ruleOf(row);
  }

  createRule(name: string, filter: unknown): ArchiveRule {
    validateRuleName(name);
    const criteria = parseFilterCriteria(filter);
    const now = this.now();
    return this.db
      .transaction(() => {
        if (this.stmts.ruleByName.get(name) !== undefined) {
          throw new IamRefineError(`archive rule ${name} already exists`);
        }
        this.stmts.insertRule.run(name, JSON.stringify(criteria), now, now);
        return ruleOf(this.stmts.ruleByName.get(name) as RuleRow);
      })
      .immediate();
  }

  updateRule(name: string, filter: unknown): ArchiveRule {
    const criteria = parseFilterCriteria(filter);
    const now = this.now();
    return this.db
      .transaction(() => {
        if (this.stmts.updateRule.run(JSON.stringify(criteria), now, name).changes === 0) {
          throw new NotFoundError('rule', [name]);
        }
        return ruleOf(this.stmts.ruleByName.get(name) as RuleRow);
      })
      .immediate();
  }

  deleteRule(name: string): void {
    if (this.stmts.deleteRule.run(name).changes === 0) throw new NotFoundError('rule', [name]);
  }

  previewRule(filter: unknown, query: Omit<FindingListQuery, 'filter'> = {}): FindingPage {
    const criteria = parseFilterCriteria(filter);
    return this.read(() =>
      this.page({ ...query, filter: { statuses: ['ACTIVE'] } }, compileCriteria(criteria)),
    );
  }

  applyRule(name: string): StatusChangeResult {
    const now = this.now();
    return this.db
      .transaction((): StatusChangeResult => {
        const row = this.stmts.ruleByName.get(name) as RuleRow | undefined;
        if (row === undefined) throw new NotFoundError('rule', [name]);
        const cond = compileCriteria(ruleOf(row).filter);
        const rows = this.db
          .prepare(
            `SELECT f.pk, f.id FROM findings f WHERE f.status = 'ACTIVE' AND (${cond.sql}) ORDER BY f.id`,
          )
          .all(...cond.params) as { pk: number; id: string }[];
        for (const { pk } of rows) {
          this.stmts.archiveByRule.run(now, name, pk);
          this.stmts.insertHistory.run(pk, 'archived', now, null, name, null, 'ACTIVE', 'ARCHIVED');
        }
        return { changed: rows.map((r) => r.id), unchanged: [] };
      })
      .immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------------------------------------------
  // helpers

  /** Runs `fn` in one read transaction (one snapshot). */
  private read<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn).deferred();
  }

  private where(filter: FindingFilter): { sql: string; params: unknown[] } {
    return filterWhere(filter);
  }
}

// --------------------------------------------------------------------------------------------
// statements

function prepareStatements(db: Database.Database) {
  return {
    insertScan: db.prepare(
      `INSERT INTO scans (analyzed_at, recorded_at, tracking_period_days, catalog_version, accounts, coverage, stats, counts_after)
       VALUES (?, ?, ?, ?, ?, ?, '{}', '{}')`,
    ),
    finishScan: db.prepare('UPDATE scans SET stats = ?, counts_after = ? WHERE id = ?'),
    scanById: db.prepare('SELECT * FROM scans WHERE id = ?'),
    scanAnalyzedAt: db.prepare('SELECT analyzed_at FROM scans WHERE id = ?'),
    recentScans: db.prepare('SELECT * FROM scans ORDER BY id DESC LIMIT ?'),
    upsertAccount: db.prepare(
      'INSERT INTO accounts (account, last_scan_id) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET last_scan_id = excluded.last_scan_id',
    ),
    allAccounts: db.prepare('SELECT account, last_scan_id FROM accounts'),
    // [id, hash, tags JSON or null] per finding of a batch of the scan, from one JSON array (the
    // index in the scan is the batch's first index plus the index in the array); sorted by id
    // first, so the rows go in in key order.
    insertSeen: db.prepare(
      `INSERT INTO temp.scan_seen (id, idx, hash, tags)
       SELECT j.value ->> 0, j.key + @start, j.value ->> 1, j.value ->> 2 FROM json_each(@rows) j ORDER BY 1`,
    ),
    // Number of non-resolved findings of the covered accounts.
    countOpen: db
      .prepare(
        `SELECT count(*) FROM findings f
          WHERE f.status IN ('ACTIVE', 'ARCHIVED') AND f.account IN (SELECT value FROM json_each(?))`,
      )
      .pluck(true),
    // A page of the non-resolved findings of the covered accounts (a JSON array) that the scan
    // did not see, after a pk, at most a number: [pk, status, resource, finding type].
    absentPage: db
      .prepare(
        `SELECT f.pk, f.status, f.resource, f.finding_type FROM findings f
          WHERE f.pk > @after AND f.status IN ('ACTIVE', 'ARCHIVED')
            AND f.account IN (SELECT value FROM json_each(@accounts))
            AND NOT EXISTS (SELECT 1 FROM temp.scan_seen s WHERE s.id = f.id)
          ORDER BY f.pk LIMIT @limit`,
      )
      .raw(true),
    // A page of the seen findings that are resolved, changed, or whose tags changed, after an
    // index in the scan, leaving out those the scan being recorded created, at most a number:
    // [index, pk, status, details changed, tags changed].
    changedPage: db
      .prepare(
        `SELECT s.idx, f.pk, f.status, f.content_hash != s.hash, s.tags IS NOT NULL AND s.tags != f.tags
           FROM temp.scan_seen s JOIN findings f ON f.id = s.id
          WHERE s.idx > @after AND f.first_scan_id != @scan
            AND (f.status = 'RESOLVED' OR f.content_hash != s.hash OR (s.tags IS NOT NULL AND s.tags != f.tags))
          ORDER BY s.idx LIMIT @limit`,
      )
      .raw(true),
    // A page of the indexes (in the scan) of the findings the store does not have yet, after an
    // index, at most a number.
    unseenPage: db
      .prepare(
        `SELECT s.idx FROM temp.scan_seen s
          WHERE s.idx > @after AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.id = s.id)
          ORDER BY s.idx LIMIT @limit`,
      )
      .pluck(true),
    insertFinding: db.prepare(
      `INSERT INTO findings (id, account, resource, resource_type, finding_type, status, created_at, updated_at,
         first_scan_id, last_seen_scan_id, content_hash, services, unused_action_count, unused_service_count, tags)
       VALUES (@id, @account, @resource, @resource_type, @finding_type, 'ACTIVE', @now, @now,
         @scan, @scan, @hash, @services, @unused_actions, @unused_services, @tags)`,
    ),
    insertData: db.prepare('INSERT INTO finding_data (finding_pk, json) VALUES (?, ?)'),
    updateData: db.prepare('UPDATE finding_data SET json = ? WHERE finding_pk = ?'),
    insertService: db.prepare(
      'INSERT INTO finding_services (finding_pk, service, unused_actions, whole) VALUES (?, ?, ?, ?)',
    ),
    deleteServices: db.prepare('DELETE FROM finding_services WHERE finding_pk = ?'),
    insertTag: db.prepare('INSERT INTO finding_tags (finding_pk, key, value) VALUES (?, ?, ?)'),
    deleteTags: db.prepare('DELETE FROM finding_tags WHERE finding_pk = ?'),
    updateTags: db.prepare('UPDATE findings SET tags = ? WHERE pk = ?'),
    reopen: db.prepare(
      `UPDATE findings SET status = 'ACTIVE', updated_at = ?, last_seen_scan_id = ?, resolved_scan_id = NULL,
         archived_by_rule = NULL, archived_by = NULL, content_hash = ?, services = ?,
         unused_action_count = ?, unused_service_count = ? WHERE pk = ?`,
    ),
    update: db.prepare(
      `UPDATE findings SET updated_at = ?, last_seen_scan_id = ?, content_hash = ?, services = ?,
         unused_action_count = ?, unused_service_count = ? WHERE pk = ?`,
    ),
    // last_seen_scan_id becomes the account's previous scan: the last one that saw the finding.
    resolve: db.prepare(
      `UPDATE findings SET status = 'RESOLVED', updated_at = ?, resolved_scan_id = ?,
         last_seen_scan_id = coalesce((SELECT last_scan_id FROM accounts a WHERE a.account = findings.account), last_seen_scan_id)
       WHERE pk = ?`,
    ),
    archiveByRule: db.prepare(
      `UPDATE findings SET status = 'ARCHIVED', updated_at = ?, archived_by_rule = ?, archived_by = NULL WHERE pk = ?`,
    ),
    archiveByActor: db.prepare(
      `UPDATE findings SET status = 'ARCHIVED', updated_at = ?, archived_by = ?, archived_by_rule = NULL WHERE pk = ?`,
    ),
    unarchive: db.prepare(
      `UPDATE findings SET status = 'ACTIVE', updated_at = ?, archived_by = NULL, archived_by_rule = NULL WHERE pk = ?`,
    ),
    insertHistory: db.prepare(
      `INSERT INTO history (finding_pk, event, at, scan_id, rule_name, actor, from_status, to_status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertNew: db.prepare('INSERT OR IGNORE INTO temp.scan_new (pk) VALUES (?)'),
    countTypeStatus: db.prepare(
      'SELECT finding_type, status, count(*) AS n FROM findings GROUP BY finding_type, status',
    ),
    summaryById: db.prepare(FINDING_PAGE_SQL.summary),
    statusById: db.prepare('SELECT pk, status FROM findings WHERE id = ?'),
    dataByPk: db.prepare(FINDING_PAGE_SQL.data),
    historyByPk: db.prepare(FINDING_PAGE_SQL.history),
    allRules: db.prepare('SELECT * FROM rules ORDER BY name'),
    ruleByName: db.prepare('SELECT * FROM rules WHERE name = ?'),
    insertRule: db.prepare(
      'INSERT INTO rules (name, filter, created_at, updated_at) VALUES (?, ?, ?, ?)',
    ),
    updateRule: db.prepare('UPDATE rules SET filter = ?, updated_at = ? WHERE name = ?'),
    deleteRule: db.prepare('DELETE FROM rules WHERE name = ?'),
  };
}

interface RuleRow {
  name: string;
  filter: string;
  created_at: string;
  updated_at: string;
}

function ruleOf(row: RuleRow): ArchiveRule {
  return {
    name: row.name,
    filter: JSON.parse(row.filter) as FilterCriteria,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function scanRecord(row: ScanRow): ScanRecord {
  return {
    id: row.id,
    analyzedAt: row.analyzed_at,
    recordedAt: row.recorded_at,
    trackingPeriodDays: row.tracking_period_days,
    catalogVersion: row.catalog_version,
    accounts: JSON.parse(row.accounts) as string[],
    stats: JSON.parse(row.stats) as ScanStats,
    ...(row.coverage === null || row.coverage === undefined
      ? {}
      : { coverage: JSON.parse(row.coverage) as ScanCoverage }),
  };
}

function historyEvent(h: HistoryRow, findingId: string): HistoryEvent {
  const e: HistoryEvent = {
    seq: h.seq,
    findingId,
    event: h.event,
    at: h.at,
    toStatus: h.to_status,
  };
  if (h.scan_id !== null) e.scanId = h.scan_id;
  if (h.rule_name !== null) e.ruleName = h.rule_name;
  if (h.actor !== null) e.actor = h.actor;
  if (h.from_status !== null) e.fromStatus = h.from_status;
  return e;
}

function zeroStatusCounts(): Record<FindingStatus, number> {
  return { ACTIVE: 0, ARCHIVED: 0, RESOLVED: 0 };
}

// --------------------------------------------------------------------------------------------
// scan input

function validateScan(result: ScanResult, accounts: readonly string[]): void {
  const issues: Issue[] = [];
  const covered = new Set(accounts);
  if (accounts.length === 0) {
    issues.push({
      code: 'missing_field',
      path: '$',
      message: 'a scan must cover at least one account',
    });
  }
  for (const account of accounts) {
    if (!ACCOUNT.test(account)) {
      issues.push({
        code: 'invalid_value',
        path: '$',
        message: `account ${JSON.stringify(account)} is not 12 digits`,
      });
    }
  }
  const seen = new Set<string>();
  const missing = new Set<string>();
  result.findings.forEach((f, i) => {
    if (seen.has(f.id)) {
      issues.push({
        code: 'invalid_value',
        path: `$.findings[${i}].id`,
        message: `finding id ${f.id} appears twice`,
      });
    }
    seen.add(f.id);
    if (!covered.has(f.resourceOwnerAccount) && !missing.has(f.resourceOwnerAccount)) {
      missing.add(f.resourceOwnerAccount);
      issues.push({
        code: 'invalid_value',
        path: `$.findings[${i}].resourceOwnerAccount`,
        message: `account ${f.resourceOwnerAccount} has findings but is not among the scanned accounts`,
      });
    }
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * The content hash of a finding: what a person reviews — the details and the recommended policies
 * (iam-refine's next to Access Analyzer's included) — and not the times (`analyzedAt`, the recommendation's `startedAt`/`completedAt`), so a re-scan
 * of unchanged data changes nothing.
 */
function contentHash(finding: Finding): string {
  const r = finding.recommendation;
  const parts: unknown[] = [
    finding.findingDetails,
    finding.policies ?? null,
    r === undefined ? null : [r.status, r.recommendedSteps, r.error ?? null],
  ];
  // iam-refine's recommendation next to Access Analyzer's (import-analyzer), times left out too;
  // appended only when present, so the hash of every other finding is what it was.
  const ours = finding.iamRefineRecommendation;
  if (ours !== undefined) parts.push([ours.policies, ours.recommendation.recommendedSteps]);
  return digest('sha256', JSON.stringify(parts), 'base64url');
}

function servicesOf(finding: Finding): ServicesSummary {
  const services: ServicesSummary['services'] = [];
  const seen = new Set<string>();
  let unusedActions = 0;
  let unusedServices = 0;
  for (const d of finding.findingDetails) {
    if (!('unusedPermissionDetails' in d)) continue;
    const u = d.unusedPermissionDetails;
    if (seen.has(u.serviceNamespace)) continue;
    seen.add(u.serviceNamespace);
    const actions = u.actions?.length ?? 0;
    const whole = u.actions === undefined;
    services.push({ service: u.serviceNamespace, actions, whole });
    unusedActions += actions;
    if (whole) unusedServices++;
  }
  services.sort((a, b) => compareText(a.service, b.service));
  return {
    services,
    json: JSON.stringify(services.map((x) => x.service)),
    unusedActions,
    unusedServices,
  };
}

/**
 * The tags to store per principal ARN: `undefined` when the scan gave no tags at all (stored tags
 * are kept), else the principal's tags sorted by key (empty when it has none). The last
 * principal's are memoised (a principal's findings are next to each other in a scan), so what is
 * held does not grow with the number of principals.
 */
function tagLookup(
  tags: RecordScanOptions['tags'],
): (resource: string) => { map: ReadonlyMap<string, string>; json: string } | undefined {
  if (tags === undefined) return () => undefined;
  let last: { resource: string; map: ReadonlyMap<string, string>; json: string } | undefined;
  return (resource) => {
    if (last === undefined || last.resource !== resource) {
      const given = tags.get(resource) ?? new Map<string, string>();
      const map = new Map([...given].sort(([a], [b]) => compareText(a, b)));
      last = { resource, map, json: JSON.stringify(Object.fromEntries(map)) };
    }
    return last;
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
