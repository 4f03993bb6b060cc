/**
 * ISO 8601 date-times as AWS exports write them.
 *
 * IAM's API writes `2024-01-15T10:00:00Z`, the AWS CLI `2024-01-15T10:00:00+00:00`, the JavaScript
 * SDK `2024-01-15T10:00:00.000Z`, Python's `str(datetime)` `2024-01-15 10:00:00+00:00`: all are
 * accepted. A time zone (`Z` or an offset) is required, since a local time names no instant.
 * Calendar ranges are checked (no February 30th), so a date is accepted only when it names exactly
 * one instant.
 */

/** What a date-time must look like, for messages ("expected ..."). */
export const ISO_DATE_TIME_EXPECTED =
  'an ISO 8601 date-time with a time zone, such as "2024-01-15T10:00:00Z" or "2024-01-15T10:00:00+00:00"';

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Parses an ISO 8601 date-time with a time zone.
 *
 * @param text - The date-time, e.g. `2024-01-15T10:00:00Z` or `2024-01-15T10:00:00.123+02:00`.
 * @returns The instant, or `undefined` when `text` is not such a date-time or names an impossible
 *   date or time (month 13, February 30th, hour 24, offset beyond ±23:59). Fractions of a second
 *   beyond milliseconds are truncated.
 */
export function parseIsoDateTime(text: string): Date | undefined {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (offsetHours * 60 + offsetMins) * (m[9] === '-' ? -1 : 1);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear puts them back.
  const date = new Date(utc);
  date.setUTCFullYear(year);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
