/**
 * The tracking period and "when was this last used": the latest time across every source that
 * says something about a principal, a service or an access key.
 */
import type { PrincipalActivity, ServiceActivity } from '../activity/types.js';

const DAY_MS = 86_400_000;

/** The tracking period: `[now − days, ∞)`. */
export interface TrackingWindow {
  /** Start of the period, in ms since the epoch. */
  readonly start: number;
  /**
   * Whether a use at `d` falls in the period: `d >= start`. A use at exactly the start counts.
   * Uses after `now` count too: sources keep only the latest time, so an earlier use in the
   * period could not be told apart, and counting it as used is the safe side.
   */
  inPeriod(d: Date | null | undefined): boolean;
  /** Whether a principal created at `d` was created inside the period: `d > start`. */
  createdInPeriod(d: Date): boolean;
}

/** The window of `days` days ending at `now`. */
export function trackingWindow(now: Date, days: number): TrackingWindow {
  return windowFrom(now.getTime() - days * DAY_MS);
}

/** The window starting at `start` (epoch ms): a period shortened to what the evidence covers. */
export function windowFrom(start: number): TrackingWindow {
  return {
    start,
    inPeriod: (d) => d !== null && d !== undefined && d.getTime() >= start,
    createdInPeriod: (d) => d.getTime() > start,
  };
}

/** The latest of the given times (missing ones ignored), or undefined when none is given. */
export function latest(...dates: readonly (Date | null | undefined)[]): Date | undefined {
  let best: Date | undefined;
  for (const d of dates) {
    if (d !== null && d !== undefined && (best === undefined || d.getTime() > best.getTime())) {
      best = d;
    }
  }
  return best;
}

/** Latest use of anything in a service: its `last`, `allActionsAt` and every action's time. */
export function serviceLatest(sa: ServiceActivity): Date {
  let best = latest(sa.last, sa.allActionsAt)!;
  for (const use of sa.actions.values()) best = latest(best, use.last)!;
  return best;
}

/** Latest activity of any kind in a principal's activity record, if any. */
export function principalLatest(pa: PrincipalActivity | undefined): Date | undefined {
  if (!pa) return undefined;
  let best = pa.last;
  for (const sa of pa.services.values()) best = latest(best, serviceLatest(sa));
  return best;
}
