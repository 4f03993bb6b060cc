/**
 * Strict ISO 8601 date-time parsing for activity sources (CloudTrail `eventTime`, last-accessed
 * reports, activity CSVs), returning epoch milliseconds.
 *
 * `Date.parse` accepts far more than ISO 8601 (and reads a zone-less date-time as *local* time), so
 * the readers use this instead: only `YYYY-MM-DDTHH:MM[:SS[.fff…]]` with `T` or one space between
 * date and time, and an optional zone `Z`, `±HH:MM` or `±HHMM` (no zone: UTC, which is what SQL
 * engines print for a UTC timestamp). Fields are range-checked (Feb 30 is rejected), and years
 * before 1000 are rejected.
 */

/** `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][zone]`, captured field by field. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** Stricter forms of {@link parseIsoTime} (the inventory's: src/inventory/iso-date.ts). */
export interface IsoTimeOptions {
  /** A zone (`Z` or an offset) is required: a zone-less time names no instant (default false). */
  requireZone?: boolean;
  /** Seconds are required (default false). */
  requireSeconds?: boolean;
  /** The earliest year accepted (default 1000: earlier years are no log times). */
  minYear?: number;
}

const DIGIT_0 = 0x30;

/**
 * Parses an ISO 8601 date-time to epoch milliseconds (fractions beyond milliseconds are
 * truncated); `undefined` when `text` is not one (see the module comment for the accepted forms).
 * The CloudTrail form `2026-01-02T03:04:05Z` takes a fast path without a regular expression.
 */
export function parseIsoTime(text: string, options: IsoTimeOptions = {}): number | undefined {
  if (text.length === 20 && text.charCodeAt(19) === 0x5a /* Z */) {
    const fast = parseCloudTrailTime(text);
    if (fast !== undefined) return fast;
  }
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return undefined;
  if (options.requireZone === true && m[8] === undefined) return undefined;
  if (options.requireSeconds === true && m[6] === undefined) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (!validFields(year, month, day, hour, minute, second, options.minYear)) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = Number(digits.slice(2));
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear puts them back.
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  if (year < 100) utc.setUTCFullYear(year);
  return utc.getTime() - offsetMinutes * 60_000;
}

/** `YYYY-MM-DDTHH:MM:SSZ` (exactly 20 characters), or `undefined` when `text` is not that form. */
function parseCloudTrailTime(text: string): number | undefined {
  return parseCloudTrailTimeAt(text, 0);
}

/**
 * The CloudTrail form `YYYY-MM-DDTHH:MM:SSZ` read in place from the 20 characters of `text` at
 * `start` (the caller checks that they are there and that the last is `Z`), with exactly the
 * checks of {@link parseIsoTime}; `undefined` when they are not that form (then
 * {@link parseIsoTime} of the slice decides: it accepts other forms too). For the CloudTrail
 * reader, which reads times without slicing them out of the log text.
 */
export function parseCloudTrailTimeAt(text: string, start: number): number | undefined {
  if (
    text.charCodeAt(start + 4) !== 0x2d ||
    text.charCodeAt(start + 7) !== 0x2d ||
    text.charCodeAt(start + 10) !== 0x54 ||
    text.charCodeAt(start + 13) !== 0x3a ||
    text.charCodeAt(start + 16) !== 0x3a
  ) {
    return undefined;
  }
  const year = digits(text, start, 4);
  const month = digits(text, start + 5, 2);
  const day = digits(text, start + 8, 2);
  const hour = digits(text, start + 11, 2);
  const minute = digits(text, start + 14, 2);
  const second = digits(text, start + 17, 2);
  if (!validFields(year, month, day, hour, minute, second)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The decimal number written by `count` ASCII digits at `start`, or -1 when one is not a digit. */
function digits(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function validFields(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  minYear = 1000,
): boolean {
  // By default, years before 1000 are not log times.
  if (year < minYear || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return false;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  return day <= daysInMonth(year, month);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ` (milliseconds shown only when not 0). */
export function formatIsoTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}
