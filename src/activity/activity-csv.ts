/**
 * Reading an activity summary CSV (`--activity FILE`): the result of the SQL that
 * `iam-refine activity-query` prints, run on Athena, CloudTrail Lake or DuckDB.
 *
 * Columns (named in the header, any order, any case; other columns are ignored):
 * - `principal_arn` — the role or user ARN (CloudTrail's `sessionContext.sessionIssuer.arn` or
 *   `userIdentity.arn`);
 * - `service` — an IAM prefix (`s3`) or a CloudTrail `eventSource` host (`s3.amazonaws.com`);
 * - `action` — a CloudTrail `eventName` (`ListFunctions20150331`) or an action name
 *   (`GetObject`); empty: the service was used, which actions is unknown (every action of the
 *   service counts as used);
 * - `last_accessed` — the latest use, ISO 8601 (`2026-01-15T10:00:00Z`; no zone means UTC);
 * - `access_key_id` (optional) — the long-term access key (`AKIA...`) the principal used, or empty.
 *
 * Each (service, action) goes through the same {@link ActionMapper} as CloudTrail events, so the
 * SQL only needs a `GROUP BY`: a CSV aggregated from the same logs gives the same activity as
 * `readCloudTrail`, apart from coverage (which a CSV does not give).
 */
import { ValidationError, type Issue } from '../errors.js';
import { columnIndexes, fieldIssue, parseCsv } from '../inventory/csv.js';
import type { ActionMapper } from './action-mapper.js';
import { parseIsoTime } from './iso-time.js';
import { ActivityAccumulator } from './summary.js';

/** The required columns, in the order `activity-query` writes them. */
export const ACTIVITY_CSV_COLUMNS = [
  'principal_arn',
  'service',
  'action',
  'last_accessed',
] as const;

/** The optional access-key column. */
export const ACCESS_KEY_COLUMN = 'access_key_id';

/** At most this many row problems are reported (the first ones, by line). */
const MAX_ISSUES = 100;

/** The result of {@link parseActivityCsv}. */
export interface ActivityCsv {
  /** The activity: `finish()` gives the `ActivitySummary`, `merge()` adds other sources. */
  accumulator: ActivityAccumulator;
  /** Data rows read. */
  rows: number;
}

/**
 * Parses an activity CSV (see the module comment) and maps every row through `mapper`.
 *
 * @param text - The CSV text.
 * @param source - The file name, put on every issue.
 * @throws ValidationError naming the file, line and column: the CSV syntax problems of
 *   `parseCsv`; `missing_field` for a missing required column (listing the header found);
 *   `invalid_value` for an empty or non-ARN `principal_arn`, an empty `service` or a
 *   `last_accessed` that is not an ISO 8601 date-time (at most 100 row problems are listed).
 */
export function parseActivityCsv(text: string, source: string, mapper: ActionMapper): ActivityCsv {
  const table = parseCsv(text, source);
  const columns = columnIndexes(table.header);
  const missing = ACTIVITY_CSV_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw new ValidationError([
      {
        code: 'missing_field',
        path: '$',
        message: `the header has no column ${missing.join(', ')}: expected ${ACTIVITY_CSV_COLUMNS.join(',')} (optionally ${ACCESS_KEY_COLUMN}), found ${table.header.join(',') || '(nothing)'}`,
        source,
        line: 1,
        column: 1,
      },
    ]);
  }
  const [pi, si, ai, ti] = ACTIVITY_CSV_COLUMNS.map((c) => columns.get(c)!) as [
    number,
    number,
    number,
    number,
  ];
  const ki = columns.get(ACCESS_KEY_COLUMN);

  const acc = new ActivityAccumulator();
  const issues: Issue[] = [];
  for (const row of table.rows) {
    const bad = (index: number, message: string): void => {
      if (issues.length < MAX_ISSUES) issues.push(fieldIssue(table, row, index, message, source));
    };
    const principal = row.fields[pi]!;
    const service = row.fields[si]!;
    const action = row.fields[ai]!;
    const time = row.fields[ti]!;
    let ok = true;
    if (!principal.startsWith('arn:')) {
      bad(
        pi,
        `expected principal_arn to be a role or user ARN, found ${JSON.stringify(principal)}`,
      );
      ok = false;
    }
    if (service === '') {
      bad(si, 'expected service to be an IAM prefix or an eventSource, found an empty field');
      ok = false;
    }
    const ms = parseIsoTime(time);
    if (ms === undefined) {
      bad(
        ti,
        `expected last_accessed to be an ISO 8601 date-time such as 2026-01-15T10:00:00Z, found ${JSON.stringify(time)}`,
      );
      ok = false;
    }
    if (!ok || ms === undefined) continue;
    acc.recordMapping(principal, mapper.map(service, action), ms);
    const key = ki === undefined ? '' : row.fields[ki]!;
    if (key.startsWith('AKIA')) acc.recordAccessKey(key, principal, ms);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { accumulator: acc, rows: table.rows.length };
}
