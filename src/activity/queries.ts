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
 * - Athena: the CloudTrail table of "Create a table for CloudTrail logs in Athena using manual
 *   partitioning" (https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html):
 *   `useridentity STRUCT<type, arn, accesskeyid, sessioncontext STRUCT<..., sessionissuer
 *   STRUCT<type, principalid, arn, accountid, username>>>`, `eventtime STRING`,
 *   `eventsource STRING`, `eventname STRING` (times as CloudTrail writes them,
 *   `2026-01-15T10:00:00Z`, so string order is time order).
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
  let since: number | undefined;
  if (options.since !== undefined) {
    // A bare date means its midnight, UTC.
    since = parseIsoTime(
      DATE_ONLY.test(options.since) ? `${options.since}T00:00:00Z` : options.since,
    );
    if (since === undefined) {
      throw new IamRefineError(
        `--since ${JSON.stringify(options.since)} is not an ISO 8601 date-time, expected e.g. 2026-01-01T00:00:00Z`,
      );
    }
  }
  switch (engine) {
    case 'athena':
      return athena(checkTable(table, ATHENA_TABLE, 'an Athena table name (db.table)'), since);
    case 'cloudtrail-lake':
      return lake(checkTable(table, LAKE_ID, 'an event data store ID'), since);
    case 'duckdb':
      return duckdb(checkPath(table), since);
  }
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

function athena(table: string, since: number | undefined): string {
  const principal = `CASE WHEN useridentity.type = 'IAMUser' THEN useridentity.arn
       ELSE useridentity.sessioncontext.sessionissuer.arn END`;
  return `-- iam-refine activity summary from the Athena CloudTrail table ${table}
-- (table DDL: https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table.html).
-- Run it, download the result CSV and pass it as: iam-refine scan --activity result.csv ...
-- On a partitioned table, add a predicate on the partition columns to limit the data scanned.
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
  AND eventtime IS NOT NULL${since === undefined ? '' : `\n  AND eventtime >= ${literal(cloudTrailTime(since))}`}
GROUP BY 1, 2, 3, 5
ORDER BY 1, 2, 3, 5
`;
}

function lake(table: string, since: number | undefined): string {
  const principal = `CASE WHEN userIdentity.type = 'IAMUser' THEN userIdentity.arn
       ELSE userIdentity.sessionContext.sessionIssuer.arn END`;
  const sinceText =
    since === undefined ? '' : new Date(since).toISOString().slice(0, 19).replace('T', ' ');
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
  AND eventName IS NOT NULL${since === undefined ? '' : `\n  AND eventTime >= ${literal(sinceText)}`}
GROUP BY 1, 2, 3, 5
ORDER BY 1, 2, 3, 5
`;
}

/** The `Records` element type DuckDB reads: only the fields the query uses. */
const DUCKDB_RECORD =
  'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, ' +
  'userIdentity STRUCT(type VARCHAR, arn VARCHAR, accessKeyId VARCHAR, ' +
  'sessionContext STRUCT(sessionIssuer STRUCT(arn VARCHAR))))[]';

function duckdb(path: string, since: number | undefined): string {
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
  AND r.eventTime IS NOT NULL${since === undefined ? '' : `\n  AND r.eventTime >= ${literal(cloudTrailTime(since))}`}
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
  // Same checks (engine, table, since) as the activity query.
  activityQuery(engine, options);
  const table = options.table ?? (engine === 'cloudtrail-lake' ? '' : DEFAULT_TABLES[engine]);
  const since =
    options.since === undefined
      ? undefined
      : parseIsoTime(DATE_ONLY.test(options.since) ? `${options.since}T00:00:00Z` : options.since)!;
  const header = `-- iam-refine coverage: the days each account and region has events (scan --activity coverage.csv).
-- Run it on the same table and --since as the activity query; save the result as CSV.`;
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
  AND eventtime IS NOT NULL${since === undefined ? '' : `\n  AND eventtime >= ${literal(cloudTrailTime(since))}`}
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
`;
    case 'cloudtrail-lake': {
      const sinceText =
        since === undefined ? '' : new Date(since).toISOString().slice(0, 19).replace('T', ' ');
      return `${header}
SELECT
  recipientAccountId AS account_id,
  awsRegion AS region,
  date_format(eventTime, '%Y-%m-%d') AS day,
  count(*) AS events
FROM ${table}
WHERE recipientAccountId IS NOT NULL
  AND awsRegion IS NOT NULL${since === undefined ? '' : `\n  AND eventTime >= ${literal(sinceText)}`}
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
  AND r.eventTime IS NOT NULL${since === undefined ? '' : `\n  AND r.eventTime >= ${literal(cloudTrailTime(since))}`}
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;
`;
  }
}
