/**
 * ISO 8601 date-times as AWS exports write them.
 *
 * IAM's API writes `2024-01-15T10:00:00Z`, the AWS CLI `2024-01-15T10:00:00+00:00`, the JavaScript
 * SDK `2024-01-15T10:00:00.000Z`, Python's `str(datetime)` `2024-01-15 10:00:00+00:00`: all are
 * accepted. A time zone (`Z` or an offset) is required, since a local time names no instant.
 * Calendar ranges are checked (no February 30th), so a date is accepted only when it names exactly
 * one instant.
 */

import { parseIsoTime } from '../activity/iso-time.js';

/** What a date-time must look like, for messages ("expected ..."). */
export const ISO_DATE_TIME_EXPECTED =
  'an ISO 8601 date-time with a time zone, such as "2024-01-15T10:00:00Z" or "2024-01-15T10:00:00+00:00"';

/**
 * Parses an ISO 8601 date-time with a time zone and seconds: the one ISO parser
 * (src/activity/iso-time.ts) in its strict form.
 *
 * @param text - The date-time, e.g. `2024-01-15T10:00:00Z` or `2024-01-15T10:00:00.123+02:00`.
 * @returns The instant, or `undefined` when `text` is not such a date-time or names an impossible
 *   date or time (month 13, February 30th, hour 24, offset beyond ±23:59). Fractions of a second
 *   beyond milliseconds are truncated.
 */
export function parseIsoDateTime(text: string): Date | undefined {
  const ms = parseIsoTime(text, { requireZone: true, requireSeconds: true, minYear: 0 });
  return ms === undefined ? undefined : new Date(ms);
}
