/**
 * The SQL of findings lists: filters, sorts and cursors compiled to a query over `findings f` with
 * bound parameters only (column names come from whitelists). Pure: builds text, runs nothing, so
 * tests can `EXPLAIN QUERY PLAN` exactly what the store runs.
 */
import { ValidationError, type Issue } from '../errors.js';
import type { FindingType, ResourceType } from '../findings/types.js';
import type { SqlCondition } from './filter.js';
import type {
  FindingFilter,
  FindingListQuery,
  FindingSortKey,
  FindingStatus,
  SortDirection,
} from './types.js';

/** Default page size of `FindingsStore.listFindings`. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest page size. */
export const MAX_PAGE_SIZE = 1000;
/** Most ids a filter or an archive call may name. */
export const MAX_IDS = 10_000;
/**
 * Sort keys → the columns rows are ordered by (a whitelist: the only column names that reach SQL
 * from a query). Ties are broken by `updated_at` then by `pk` (the row's integer key, which every
 * index entry ends with), so that each order is exactly the order of an index, with or without a
 * leading `status`: pages never sort the filtered rows.
 */
export const SORT_COLUMNS: ReadonlyMap<FindingSortKey, readonly SortColumn[]> = new Map<
  FindingSortKey,
  readonly SortColumn[]
>([
  ['updatedAt', ['updated_at', 'pk']],
  ['resource', ['resource', 'pk']],
  ['account', ['account', 'updated_at', 'pk']],
  ['findingType', ['finding_type', 'updated_at', 'pk']],
  ['status', ['status', 'updated_at', 'pk']],
  ['unusedActionCount', ['unused_action_count', 'updated_at', 'pk']],
]);

/** A column a list can be ordered by. */
export type SortColumn =
  'updated_at' | 'pk' | 'resource' | 'account' | 'finding_type' | 'status' | 'unused_action_count';

/** The columns of a list row. */
export const SUMMARY_COLUMNS = `f.pk, f.id, f.account, f.resource, f.resource_type, f.finding_type, f.status,
  f.created_at, f.updated_at, f.first_scan_id, f.last_seen_scan_id, f.resolved_scan_id,
  f.archived_by_rule, f.archived_by, f.services, f.unused_action_count, f.unused_service_count`;

/** A list row as SQLite returns it. */
export interface SummaryRow {
  pk: number;
  id: string;
  account: string;
  resource: string;
  resource_type: ResourceType;
  finding_type: FindingType;
  status: FindingStatus;
  created_at: string;
  updated_at: string;
  first_scan_id: number;
  last_seen_scan_id: number;
  resolved_scan_id: number | null;
  archived_by_rule: string | null;
  archived_by: string | null;
  services: string;
  unused_action_count: number;
  unused_service_count: number;
}

/** The statements of a finding page (by id, then by the row's `pk`), for EXPLAIN tests. */
export const FINDING_PAGE_SQL = {
  /** The row, by id (unique index). */
  summary: `SELECT ${SUMMARY_COLUMNS}, f.tags FROM findings f WHERE f.id = ?`,
  /** The latest `Finding` JSON, by pk. */
  data: 'SELECT json FROM finding_data WHERE finding_pk = ?',
  /** The history, by pk, oldest first. */
  history:
    'SELECT seq, event, at, scan_id, rule_name, actor, from_status, to_status FROM history WHERE finding_pk = ? ORDER BY seq',
} as const;

/** A SQL text and its parameters. */
export interface BoundSql {
  sql: string;
  params: unknown[];
}

/** A list query compiled by {@link buildListQuery}. */
export interface ListQuerySql {
  /** The page: `limit + 1` rows (one more tells whether a next page exists). */
  page: BoundSql;
  /** The total count, when asked for. */
  count?: BoundSql;
  /** The page size. */
  limit: number;
  /** The offset, for offset pagination (absent with a cursor). */
  offset?: number;
  /** The cursor of the page after `last` (the last row of this page). */
  cursorAfter(last: SummaryRow): string;
}

/**
 * Compiles a list query (and an optional extra condition, e.g. an archive rule's) to SQL.
 *
 * @throws ValidationError with one issue per bad field (limit, offset, sort, direction, cursor,
 *   too many filter values).
 */
export function buildListQuery(query: FindingListQuery, extra?: SqlCondition): ListQuerySql {
  const issues: Issue[] = [];
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    issues.push(
      queryIssue('limit', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}, found ${limit}`),
    );
  }
  const offset = query.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    issues.push(queryIssue('offset', `offset must be a non-negative integer, found ${offset}`));
  }
  const sortKey = query.sort ?? 'updatedAt';
  const columns = SORT_COLUMNS.get(sortKey);
  if (columns === undefined) {
    issues.push(
      queryIssue(
        'sort',
        `unknown sort ${JSON.stringify(sortKey)}; expected one of ${[...SORT_COLUMNS.keys()].join(', ')}`,
      ),
    );
  }
  const direction: SortDirection = query.direction ?? 'desc';
  if (direction !== 'asc' && direction !== 'desc') {
    issues.push(
      queryIssue('direction', `direction must be asc or desc, found ${JSON.stringify(direction)}`),
    );
  }
  const where = whereOf(query.filter ?? {}, issues);
  let cursor: (string | number)[] | undefined;
  if (query.cursor !== undefined && columns !== undefined) {
    cursor = decodeCursor(query.cursor, sortKey, direction, columns.length, issues);
  }
  if (issues.length > 0 || columns === undefined) throw new ValidationError(issues);
  if (extra !== undefined) {
    where.parts.push(`(${extra.sql})`);
    where.params.push(...extra.params);
  }

  const parts = [...where.parts];
  const params: unknown[] = [...where.params];
  const dir = direction === 'asc' ? 'ASC' : 'DESC';
  const cols = columns.map((c) => `f.${c}`);
  if (cursor !== undefined) {
    parts.push(
      `(${cols.join(', ')}) ${direction === 'asc' ? '>' : '<'} (${cols.map(() => '?').join(', ')})`,
    );
    params.push(...cursor);
  }
  const out: ListQuerySql = {
    page: {
      sql: `SELECT ${SUMMARY_COLUMNS} FROM findings f ${whereClause(parts)} ORDER BY ${cols
        .map((c) => `${c} ${dir}`)
        .join(', ')} LIMIT ? OFFSET ?`,
      params: [...params, limit + 1, cursor === undefined ? offset : 0],
    },
    limit,
    cursorAfter: (last) =>
      encodeCursor(
        sortKey,
        direction,
        columns.map((c) => last[c]),
      ),
  };
  if (cursor === undefined) out.offset = offset;
  if (query.withTotal ?? true) {
    out.count = {
      sql: `SELECT count(*) AS n FROM findings f ${whereClause(where.parts)}`,
      params: where.params,
    };
  }
  return out;
}

/**
 * The `WHERE` clause of a filter over `findings f` (empty when the filter is), for counts.
 *
 * @throws ValidationError when a list has too many values.
 */
export function filterWhere(filter: FindingFilter): BoundSql {
  const issues: Issue[] = [];
  const w = whereOf(filter, issues);
  if (issues.length > 0) throw new ValidationError(issues);
  return { sql: whereClause(w.parts), params: w.params };
}

function whereClause(parts: readonly string[]): string {
  return parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`;
}

/** An issue about a query field (`$.limit`, `$.cursor`, ...). */
export function queryIssue(field: string, message: string): Issue {
  return { code: 'invalid_value', path: `$.${field}`, message };
}

/** The WHERE conditions of a filter over `findings f`; only bound parameters. */
function whereOf(filter: FindingFilter, issues: Issue[]): { parts: string[]; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const list = (field: string, column: string, values: readonly string[] | undefined) => {
    if (values === undefined) return;
    if (values.length > MAX_IDS) {
      issues.push(queryIssue(field, `at most ${MAX_IDS} values, found ${values.length}`));
      return;
    }
    if (values.length === 0) {
      parts.push('0');
      return;
    }
    parts.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  list('ids', 'f.id', filter.ids);
  list('types', 'f.finding_type', filter.types);
  list('statuses', 'f.status', filter.statuses);
  list('accounts', 'f.account', filter.accounts);
  list('resourceTypes', 'f.resource_type', filter.resourceTypes);
  if (filter.services !== undefined) {
    if (filter.services.length === 0) parts.push('0');
    else {
      parts.push(
        `f.pk IN (SELECT s.finding_pk FROM finding_services s WHERE s.service IN (${filter.services.map(() => '?').join(', ')}))`,
      );
      params.push(...filter.services);
    }
  }
  const principal = filter.principal;
  if (principal !== undefined && principal !== '') {
    // Case-insensitive (ASCII) substring; instr, not LIKE, so % and _ are plain characters.
    parts.push('instr(lower(f.resource), lower(?)) > 0');
    params.push(principal);
  }
  return { parts, params };
}

function encodeCursor(
  key: FindingSortKey,
  direction: string,
  values: readonly (string | number)[],
): string {
  return Buffer.from(JSON.stringify([key, direction, ...values]), 'utf8').toString('base64url');
}

function decodeCursor(
  cursor: string,
  key: FindingSortKey,
  direction: string,
  columns: number,
  issues: Issue[],
): (string | number)[] | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === columns + 2 &&
      v[0] === key &&
      v[1] === direction &&
      v.slice(2).every((x) => typeof x === 'string' || typeof x === 'number')
    ) {
      return v.slice(2) as (string | number)[];
    }
  } catch {
    // reported below
  }
  issues.push(
    queryIssue('cursor', 'the cursor is not one of this list (same filter, sort and direction)'),
  );
  return undefined;
}
