/**
 * The coverage CSV (`--activity FILE`, told apart from the activity CSV by its header): what the
 * logs behind an activity CSV cover, one row per account, region and UTC day with at least one
 * record, as the SQL of `iam-refine activity-query --coverage` produces it:
 *
 * ```csv
 * account_id,region,day,events
 * 123456789012,us-east-1,2026-06-03,1520
 * ```
 *
 * Columns are named in the header (any order, any case; `events` is optional and only checked to
 * be a whole number above zero). Without a coverage CSV, an activity CSV is evidence of use only:
 * it covers nothing, and alone it lets nothing be called unused (see coverage.ts).
 */
import { ValidationError, type Issue } from '../errors.js';
import { columnIndexes, fieldIssue, parseCsv } from '../inventory/csv.js';
import { CoverageCollector, DAY_MS, dayNumber, type FileCoverage } from './coverage.js';

/** The required columns of a coverage CSV. */
export const COVERAGE_CSV_COLUMNS = ['account_id', 'region', 'day'] as const;

/** At most this many row problems are reported. */
const MAX_ISSUES = 100;

const ACCOUNT = /^\d{12}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a CSV text's header names the coverage columns (so it is a coverage CSV). */
export function isCoverageCsv(text: string): boolean {
  const end = text.search(/\r?\n/);
  const header = (end < 0 ? text : text.slice(0, end)).replace(/^\uFEFF/, '');
  const names = new Set(header.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase()));
  return COVERAGE_CSV_COLUMNS.every((c) => names.has(c));
}

/**
 * Parses a coverage CSV into `collector` (one readable day per row).
 *
 * @returns the number of rows.
 * @throws ValidationError naming the file, line and column of each bad field (a missing column, an
 *   account that is not 12 digits, a day that is not a `YYYY-MM-DD` date, an empty region, an
 *   `events` that is not a whole number above zero).
 */
export function parseCoverageCsv(
  text: string,
  source: string,
  collector: CoverageCollector,
): number {
  const table = parseCsv(text, source);
  const columns = columnIndexes(table.header);
  const missing = COVERAGE_CSV_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length > 0) {
    throw new ValidationError([
      {
        code: 'missing_field',
        path: '$',
        message: `the coverage CSV header has no column ${missing.join(', ')}: expected ${COVERAGE_CSV_COLUMNS.join(',')},events`,
        source,
        line: 1,
        column: 1,
      },
    ]);
  }
  const [ai, ri, di] = COVERAGE_CSV_COLUMNS.map((c) => columns.get(c)!) as [number, number, number];
  const ei = columns.get('events');
  const issues: Issue[] = [];
  const seen: FileCoverage = new Map();
  for (const row of table.rows) {
    const bad = (index: number, message: string): void => {
      if (issues.length < MAX_ISSUES) issues.push(fieldIssue(table, row, index, message, source));
    };
    const account = row.fields[ai]!.trim();
    const region = row.fields[ri]!.trim();
    const dayField = row.fields[di]!.trim();
    let ok = true;
    if (!ACCOUNT.test(account)) {
      bad(ai, `expected account_id to be a 12-digit account id, found ${JSON.stringify(account)}`);
      ok = false;
    }
    if (region === '') {
      bad(ri, 'expected region to be an AWS region, found an empty field');
      ok = false;
    }
    const day = parseDay(dayField);
    if (day === undefined) {
      bad(di, `expected day to be a date such as 2026-06-03, found ${JSON.stringify(dayField)}`);
      ok = false;
    }
    if (ei !== undefined) {
      const events = row.fields[ei]!.trim();
      if (events !== '' && !/^[1-9]\d*$/.test(events)) {
        bad(ei, `expected events to be a whole number above zero, found ${JSON.stringify(events)}`);
        ok = false;
      }
    }
    if (!ok || day === undefined) continue;
    const key = `${account}\t${region}`;
    const ms = day * DAY_MS;
    const span = seen.get(key);
    if (span === undefined) seen.set(key, { days: new Set([day]), from: ms, to: ms + DAY_MS - 1 });
    else {
      span.days.add(day);
      span.from = Math.min(span.from, ms);
      span.to = Math.max(span.to, ms + DAY_MS - 1);
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  collector.addSeen(seen);
  return table.rows.length;
}

function parseDay(text: string): number | undefined {
  const m = DAY.exec(text);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3]))
    return undefined;
  return dayNumber(ms);
}
