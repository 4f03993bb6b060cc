/**
 * The SQL that turns a CloudTrail table into the activity CSV (`--activity FILE`, see
 * `activity-csv.ts`) on the engine an organisation already runs, so that logs too big for one
 * machine are aggregated where they live. Every query attributes events as `readCloudTrail`
 * does (`AssumedRole` and `FederatedUser` → the session issuer's ARN, `IAMUser` → its ARN, other
 * identity types dropped), keeps denied calls and data events, and groups by principal, event
 * source, event name and long-term access key, taking the latest event time: the CSV reader maps
 * (service, action) to IAM actions with the same rules as the built-in reader.
 *
 * Schemas:
 * - Athena: the CloudTrail tables of the Athena documentation:
 *   `useridentity STRUCT<type, arn, accesskeyid, sessioncontext STRUCT<..., sessionissuer
 *   STRUCT<type, principalid, arn, accountid, username>>>`, `eventtime STRING`,
 *   `eventsource STRING`, `eventname STRING`, `recipientaccountid STRING` (times as CloudTrail
 *   writes them, `2026-01-15T10:00:00Z`, so string order is time order), partitioned in one of
 *   two documented ways ({@link ATHENA_PARTITION_LAYOUTS}), on which the period becomes partition
 *   predicates so that Athena reads only the days of the period:
 *   - `projection`: "Create the table for CloudTrail logs in Athena using partition projection"
 *     (https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html):
 *     `PARTITIONED BY (timestamp string)`, `projection.timestamp.format` `yyyy/MM/dd` (the
 *     S3 key's `YYYY/MM/DD`), so `"timestamp" >= '2026/01/15'` selects days;
 *   - `region-date`: "Create a table for CloudTrail logs in Athena using manual partitioning"
 *     (https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html):
 *     `PARTITIONED BY (region string, year string, month string, day string)`, partitions added
 *     per region and day (`ALTER TABLE ... ADD PARTITION (region='us-east-1', year='2026',
 *     month='01', day='15') LOCATION '.../CloudTrail/us-east-1/2026/01/15/'`).
 *   A log file's S3 day and its events' days can differ around midnight (a file holds a few
 *   minutes of events and is delivered minutes later, with no guaranteed delay), so the partition
 *   predicates read {@link DELIVERY_MARGIN_DAYS} more day on each side of the period; the
 *   `eventtime` predicates are exact.
 * - CloudTrail Lake: an event data store queried by its ID in `FROM` ("CloudTrail Lake SQL
 *   constraints", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-limitations.html;
 *   Trino SQL), columns `userIdentity.type`, `userIdentity.arn`, `userIdentity.accessKeyId`,
 *   `userIdentity.sessionContext.sessionIssuer.arn`, `eventSource`, `eventName` and the
 *   timestamp `eventTime` (compared with `'YYYY-MM-DD HH:MM:SS'` literals, as in "CloudTrail Lake
 *   queries", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-lake-queries.html).
 * - DuckDB: the log files themselves, `read_json` over a glob with the `Records` array typed and
 *   unnested (https://duckdb.org/docs/stable/data/json/loading_json).
 */
import { IamRefineError } from '../errors.js';
import { formatIsoTime, parseIsoTime } from './iso-time.js';

/** The engines `activity-query` writes SQL for. */
export const QUERY_ENGINES = ['athena', 'cloudtrail-lake', 'duckdb'] as const;

/** One of {@link QUERY_ENGINES}. */
export type QueryEngine = (typeof QUERY_ENGINES)[number];

/**
 * The table (or file glob) each engine reads by default; CloudTrail Lake has none (its `FROM` is
 * the ID of an event data store, which `table` must give).
 */
export const DEFAULT_TABLES: Readonly<Record<'athena' | 'duckdb', string>> = {
  athena: 'cloudtrail_logs',
  duckdb: 'AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz',
};

/**
 * How an Athena CloudTrail table is partitioned (see the module comment): `projection` (one
 * `timestamp` partition `yyyy/MM/dd`), `region-date` (`region`, `year`, `month`, `day`), `none`.
 */
export const ATHENA_PARTITION_LAYOUTS = ['projection', 'region-date', 'none'] as const;

/** One of {@link ATHENA_PARTITION_LAYOUTS}. */
export type AthenaPartitionLayout = (typeof ATHENA_PARTITION_LAYOUTS)[number];

/**
 * Days of S3 folders read before and after the period: an event of 23:59 can be in the next
 * day's folder (a file is delivered minutes after its events), one of 00:01 in the previous
 * day's (a file can span midnight).
 */
export const DELIVERY_MARGIN_DAYS = 1;

/** Options of {@link activityQuery}. */
export interface ActivityQueryOptions {
  /**
   * Athena: the CloudTrail table (`database.table` allowed); CloudTrail Lake: the event data
   * store ID (required); DuckDB: the path or glob of the log files. Default:
   * {@link DEFAULT_TABLES}.
   */
  table?: string;
  /** Only events at or after this ISO 8601 time (a bare date `2026-01-01` means its midnight UTC). */
  since?: string;
  /** Only events before this ISO 8601 time (a bare date means its midnight UTC). */
  until?: string;
  /** Only events logged by these accounts (`recipientAccountId`, 12 digits each). */
  accounts?: readonly string[];
  /** Athena: how the table is partitioned. Default `projection`. */
  partitions?: AthenaPartitionLayout;
}

/** The period and accounts of a query, checked. */
interface Filters {
  since: number | undefined;
  until: number | undefined;
  accounts: readonly string[] | undefined;
}

/** The identity types that are principals we analyze (see `cloudtrail-file.ts`). */
const PRINCIPAL_TYPES = "('AssumedRole', 'IAMUser', 'FederatedUser')";

/**
 * The SQL producing the activity CSV (`principal_arn,service,action,last_accessed,access_key_id`)
 * from a CloudTrail table on `engine`, with a comment saying how to run it.
 *
 * @throws IamRefineError for an unknown engine, a `since` that is not an ISO 8601 date-time, no
 *   `table` for CloudTrail Lake, or a table name that is not a plain identifier (Athena: letters, digits, `_`, one optional `.`;
 *   CloudTrail Lake: letters, digits, `-`; DuckDB: any path without a line break).
 */
export function activityQuery(engine: QueryEngine, options: ActivityQueryOptions = {}): string {
  if (!(QUERY_ENGINES as readonly string[]).includes(engine)) {
    throw new IamRefineError(
      `unknown engine ${JSON.stringify(engine)}, expected one of ${QUERY_ENGINES.join(', ')}`,
    );
  }
  const table =
    options.table ?? (engine === 'cloudtrail-lake' ? undefined : DEFAULT_TABLES[engine]);
  if (table === undefined) {
    throw new IamRefineError(
      'CloudTrail Lake queries name the event data store: give its ID with --table (the last part of its ARN)',
    );
  }
  const filters: Filters = {
    since: time('--since', options.since),
    until: time('--until', options.until),
    accounts: options.accounts === undefined ? undefined : checkAccounts(options.accounts),
  };
  if (
    filters.since !== undefined &&
    filters.until !== undefined &&
    filters.until <= filters.since
  ) {
    throw new IamRefineError(`--until ${options.until} is not after --since ${options.since}`);
  }
  const layout = options.partitions ?? 'projection';
  if (!(ATHENA_PARTITION_LAYOUTS as readonly string[]).includes(layout)) {
    throw new IamRefineError(
      `unknown partition layout ${JSON.stringify(layout)}, expected one of ${ATHENA_PARTITION_LAYOUTS.join(', ')}`,
    );
  }
  switch (engine) {
    case 'athena':
      return athena(
        checkTable(table, ATHENA_TABLE, 'an Athena table name (db.table)'),
        filters,
        layout,
      );
    case 'cloudtrail-lake':
      return lake(checkTable(table, LAKE_ID, 'an event data store ID'), filters);
    case 'duckdb':
      return duckdb(checkPath(table), filters);
  }
}

/** `value` as epoch ms (a bare date means its midnight, UTC), or `undefined` when not given. */
function time(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseIsoTime(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (ms === undefined) {
    throw new IamRefineError(
      `${flag} ${JSON.stringify(value)} is not an ISO 8601 date-time, expected e.g. 2026-01-01T00:00:00Z`,
    );
  }
  return ms;
}

const ACCOUNT_ID = /^\d{12}$/;

function checkAccounts(accounts: readonly string[]): readonly string[] {
  if (accounts.length === 0) throw new IamRefineError('--accounts names no account');
  for (const a of accounts) {
    if (!ACCOUNT_ID.test(a)) {
      throw new IamRefineError(
        `--accounts: ${JSON.stringify(a)} is not an AWS account ID (12 digits)`,
      );
    }
  }
  return [...new Set(accounts)].sort();
}

/** The SQL conditions (each a line `  AND ...`) on the event time and account columns. */
function eventConditions(
  filters: Filters,
  columns: { time: string; account: string },
  timeLiteral: (ms: number) => string,
): string {
  let out = '';
  if (filters.since !== undefined)
    out += `\n  AND ${columns.time} >= ${timeLiteral(filters.since)}`;
  if (filters.until !== undefined) out += `\n  AND ${columns.time} < ${timeLiteral(filters.until)}`;
  if (filters.accounts !== undefined) {
    out += `\n  AND ${columns.account} IN (${filters.accounts.map(literal).join(', ')})`;
  }
  return out;
}

const DAY_MS = 86_400_000;

/**
 * The partition predicates (lines `  AND ...`) selecting the S3 days that can hold events of the
 * period on an Athena table of `layout` (see the module comment).
 */
function partitionConditions(filters: Filters, layout: AthenaPartitionLayout): string {
  if (layout === 'none') return '';
  const first =
    filters.since === undefined ? undefined : utcDay(filters.since - DELIVERY_MARGIN_DAYS * DAY_MS);
  // The last day that can hold an event before `until` (exclusive), plus the delivery margin.
  const last =
    filters.until === undefined
      ? undefined
      : utcDay(filters.until - 1 + DELIVERY_MARGIN_DAYS * DAY_MS);
  let out = '';
  if (layout === 'projection') {
    if (first !== undefined) out += `\n  AND "timestamp" >= ${literal(first.join('/'))}`;
    if (last !== undefined) out += `\n  AND "timestamp" <= ${literal(last.join('/'))}`;
    return out;
  }
  // region-date: (year, month, day) compared as a tuple of zero-padded strings.
  if (first !== undefined) {
    const [y, m, d] = first.map(literal);
    out += `\n  AND (year > ${y} OR (year = ${y} AND (month > ${m} OR (month = ${m} AND day >= ${d}))))`;
  }
  if (last !== undefined) {
    const [y, m, d] = last.map(literal);
    out += `\n  AND (year < ${y} OR (year = ${y} AND (month < ${m} OR (month = ${m} AND day <= ${d}))))`;
  }
  return out;
}

/** `['2026', '01', '15']` for a time on 15 January 2026 (UTC). */
function utcDay(ms: number): [string, string, string] {
  const iso = new Date(ms).toISOString();
  return [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ATHENA_TABLE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;
const LAKE_ID = /^[A-Za-z0-9-]+$/;

function checkTable(table: string, shape: RegExp, what: string): string {
  if (!shape.test(table)) {
    throw new IamRefineError(`--table ${JSON.stringify(table)} is not ${what}`);
  }
  return table;
}

function checkPath(path: string): string {
  if (path === '' || path.includes('\n') || path.includes('\r')) {
    throw new IamRefineError(`--table ${JSON.stringify(path)} is not a path or glob of log files`);
  }
  return path;
}

/** `'text'` as an SQL string literal. */
function literal(text: string): string {
  return `'${text.split("'").join("''")}'`;
}

/** `YYYY-MM-DDTHH:MM:SSZ` (CloudTrail's own format: string order is time order). */
function cloudTrailTime(ms: number): string {
  return `${formatIsoTime(ms).slice(0, 19)}Z`;
}

function athena(table: string, filters: Filters, layout: AthenaPartitionLayout): string {
  const principal = `CASE WHEN useridentity.type = 'IAMUser' THEN useridentity.arn
       ELSE useridentity.sessioncontext.sessionissuer.arn END`;
  return `-- iam-refine activity summary from the Athena CloudTrail table ${table}
-- (table DDL: https://docs.aws.amazon.com/athena/latest/ug/${layout === 'projection' ? 'create-cloudtrail-table-partition-projection' : 'create-cloudtrail-table'}.html).
-- Run it, download the result CSV and pass it as: iam-refine scan --activity result.csv ...
-- Partition layout: ${layout}${layout === 'none' ? ' (every file of the table is read)' : ' (only the days of the period are read)'}.
SELECT
  ${principal} AS principal_arn,
  eventsource AS service,
  eventname AS action,
  max(eventtime) AS last_accessed,
  CASE WHEN useridentity.type = 'IAMUser' AND useridentity.accesskeyid LIKE 'AKIA%'
       THEN useridentity.accesskeyid END AS access_key_id
FROM ${table}
WHERE useridentity.type IN ${PRINCIPAL_TYPES}
  AND ${principal} IS NOT NULL
  AND eventsource IS NOT NULL
  AND eventname IS NOT NULL
  AND eventtime IS NOT NULL${partitionConditions(filters, layout)}${eventConditions(filters, { time: 'eventtime', account: 'recipientaccountid' }, (ms) => literal(cloudTrailTime(ms)))}
GROUP BY 1, 2, 3, 5
ORDER BY 1, 2, 3, 5
`;
}

function lake(table: string, filters: Filters): string {
  const principal = `CASE WHEN userIdentity.type = 'IAMUser' THEN userIdentity.arn
       ELSE userIdentity.sessionContext.sessionIssuer.arn END`;
  const lakeTime = (ms: number): string =>
    literal(new Date(ms).toISOString().slice(0, 19).replace('T', ' '));
  return `-- iam-refine activity summary from the CloudTrail Lake event data store ${table}
-- (FROM takes the event data store ID: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/query-limitations.html).
-- Run it (console, or aws cloudtrail start-query), save the result as CSV and pass it as:
--   iam-refine scan --activity result.csv ...
SELECT
  ${principal} AS principal_arn,
  eventSource AS service,
  eventName AS action,
  date_format(max(eventTime), '%Y-%m-%dT%H:%i:%sZ') AS last_accessed,
  CASE WHEN userIdentity.type = 'IAMUser' AND userIdentity.accessKeyId LIKE 'AKIA%'
       THEN userIdentity.accessKeyId END AS access_key_id
FROM ${table}
WHERE userIdentity.type IN ${PRINCIPAL_TYPES}
  AND ${principal} IS NOT NULL
  AND eventSource IS NOT NULL
  AND eventName IS NOT NULL${eventConditions(filters, { time: 'eventTime', account: 'recipientAccountId' }, lakeTime)}
GROUP BY 1, 2, 3, 5
ORDER BY 1, 2, 3, 5
`;
}

/** The `Records` element type DuckDB reads: only the fields the query uses. */
const DUCKDB_RECORD =
  'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, recipientAccountId VARCHAR, ' +
  'userIdentity STRUCT(type VARCHAR, arn VARCHAR, accessKeyId VARCHAR, ' +
  'sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))))[]';

function duckdb(path: string, filters: Filters): string {
  const principal = `CASE WHEN r.userIdentity.type = 'IAMUser' THEN r.userIdentity.arn
       ELSE r.userIdentity.sessionContext.sessionIssuer.arn END`;
  return `-- iam-refine activity summary from CloudTrail log files with DuckDB
-- (read_json: https://duckdb.org/docs/stable/data/json/loading_json).
-- Run from the folder holding AWSLogs/ (or pass --table with the path or glob of the files):
--   duckdb -csv < query.sql > activity.csv && iam-refine scan --activity activity.csv ...
SELECT
  ${principal} AS principal_arn,
  r.eventSource AS service,
  r.eventName AS action,
  max(r.eventTime) AS last_accessed,
  CASE WHEN r.userIdentity.type = 'IAMUser' AND starts_with(r.userIdentity.accessKeyId, 'AKIA')
       THEN r.userIdentity.accessKeyId END AS access_key_id
FROM (
  SELECT unnest(Records) AS r
  FROM read_json(${literal(path)}, format = 'auto', maximum_object_size = 1073741824,
    columns = {Records: ${literal(DUCKDB_RECORD)}})
)
WHERE r.userIdentity.type IN ${PRINCIPAL_TYPES}
  AND ${principal} IS NOT NULL
  AND r.eventSource IS NOT NULL
  AND r.eventName IS NOT NULL
  AND r.eventTime IS NOT NULL${eventConditions(filters, { time: 'r.eventTime', account: 'r.recipientAccountId' }, (ms) => literal(cloudTrailTime(ms)))}
GROUP BY 1, 2, 3, 5
ORDER BY 1, 2, 3, 5;
`;
}

/**
 * The SQL producing the coverage CSV (`account_id,region,day,events`, see `coverage-csv.ts`) from
 * the same table as {@link activityQuery}: one row per account (`recipientAccountId`), region
 * (`awsRegion`) and UTC day with at least one event, whatever its identity type. Give its result
 * to `scan --activity` beside the activity CSV: without it the activity CSV covers no day, and
 * nothing can be called unused.
 *
 * @throws IamRefineError as {@link activityQuery} does.
 */
export function coverageQuery(engine: QueryEngine, options: ActivityQueryOptions = {}): string {
  // Same checks (engine, table, period, accounts, layout) as the activity query.
  activityQuery(engine, options);
  const table = options.table ?? (engine === 'cloudtrail-lake' ? '' : DEFAULT_TABLES[engine]);
  const filters: Filters = {
    since: time('--since', options.since),
    until: time('--until', options.until),
    accounts: options.accounts === undefined ? undefined : checkAccounts(options.accounts),
  };
  const layout = options.partitions ?? 'projection';
  const cloudTrailLiteral = (ms: number): string => literal(cloudTrailTime(ms));
  const lakeTime = (ms: number): string =>
    literal(new Date(ms).toISOString().slice(0, 19).replace('T', ' '));
  const header = `-- iam-refine coverage: the days each account and region has events (scan --activity coverage.csv).
-- Run it on the same table, period and accounts as the activity query; save the result as CSV.`;
  switch (engine) {
    case 'athena':
      return `${header}
SELECT
  recipientaccountid AS account_id,
  awsregion AS region,
  substr(eventtime, 1, 10) AS day,
  count(*) AS events
FROM ${table}
WHERE recipientaccountid IS NOT NULL
  AND awsregion IS NOT NULL
  AND eventtime IS NOT NULL${partitionConditions(filters, layout)}${eventConditions(filters, { time: 'eventtime', account: 'recipientaccountid' }, cloudTrailLiteral)}
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
`;
    case 'cloudtrail-lake': {
      return `${header}
SELECT
  recipientAccountId AS account_id,
  awsRegion AS region,
  date_format(eventTime, '%Y-%m-%d') AS day,
  count(*) AS events
FROM ${table}
WHERE recipientAccountId IS NOT NULL
  AND awsRegion IS NOT NULL${eventConditions(filters, { time: 'eventTime', account: 'recipientAccountId' }, lakeTime)}
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
`;
    }
    case 'duckdb':
      return `${header}
SELECT
  r.recipientAccountId AS account_id,
  r.awsRegion AS region,
  substr(r.eventTime, 1, 10) AS day,
  count(*) AS events
FROM (
  SELECT unnest(Records) AS r
  FROM read_json(${literal(table)}, format = 'auto', maximum_object_size = 1073741824,
    columns = {Records: ${literal('STRUCT(eventTime VARCHAR, awsRegion VARCHAR, recipientAccountId VARCHAR)[]')}})
)
WHERE r.recipientAccountId IS NOT NULL
  AND r.awsRegion IS NOT NULL
  AND r.eventTime IS NOT NULL${eventConditions(filters, { time: 'r.eventTime', account: 'r.recipientAccountId' }, cloudTrailLiteral)}
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;
`;
  }
}
