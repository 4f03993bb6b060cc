/**
 * Counting the calls the action mapper could not map exactly (issue 9: "unmapped operations are
 * counted"), per event source and event name, so that the scan can show them (top entries in the
 * summary line and the JSON output, and a warning). The calls themselves are still recorded
 * conservatively by the accumulator (the whole service counts as used, see `action-mapper.ts`).
 *
 * Counts are *principals*: `RawActivity` keeps one entry per principal, event source and event
 * name, so a call made by three principals counts three, however many events each made. Memory is
 * bounded: at most {@link MAX_TRACKED_OPERATIONS} distinct operations are kept by name (event
 * names come from hostile input); the rest are counted in {@link UnmappedStats.untracked}.
 */
import type { ActionMapper, ActionMapping, UnmappedReason } from './action-mapper.js';

/** At most this many distinct (event source, event name) pairs are kept by name. */
export const MAX_TRACKED_OPERATIONS = 10_000;

/** How many of the most frequent unmapped operations {@link UnmappedCounter.stats} lists by default. */
export const DEFAULT_TOP_UNMAPPED = 10;

/** One unmapped operation and how many principals called it. */
export interface UnmappedOperation {
  /** The event source as logged (`s3.amazonaws.com`). */
  eventSource: string;
  /** The event name as logged. */
  eventName: string;
  /** The IAM prefix its evidence went to (or the source's first label when none). */
  service: string;
  /** Why it could not be mapped exactly. */
  reason: UnmappedReason;
  /** Principals that made the call. */
  principals: number;
}

/** What {@link UnmappedCounter.stats} reports. */
export interface UnmappedStats {
  /** Distinct (event source, event name) pairs that could not be mapped exactly. */
  operations: number;
  /** Principal × operation pairs among them (see the module comment). */
  calls: number;
  /** Calls per reason. */
  byReason: Record<UnmappedReason, number>;
  /** The most frequent operations, by principals (then by source and name). */
  top: UnmappedOperation[];
  /** Operations counted but not kept by name (beyond {@link MAX_TRACKED_OPERATIONS}). */
  untracked: number;
}

/** Collects unmapped calls; see the module comment. */
export class UnmappedCounter {
  private readonly ops = new Map<string, UnmappedOperation>();
  private untracked = 0;
  private untrackedCalls = 0;
  private readonly byReason: Record<UnmappedReason, number> = {
    'unknown-operation': 0,
    'guessed-event-source': 0,
    'unknown-event-source': 0,
  };

  /** Records one principal's call of `eventName` on `eventSource`, mapped as `mapping`. */
  record(eventSource: string, eventName: string, mapping: ActionMapping): void {
    const reason = mapping.unmapped;
    if (reason === undefined) return;
    this.byReason[reason]++;
    const key = `${eventSource}\u0000${eventName}`;
    const op = this.ops.get(key);
    if (op !== undefined) op.principals++;
    else if (this.ops.size < MAX_TRACKED_OPERATIONS) {
      this.ops.set(key, {
        eventSource,
        eventName,
        service: mapping.service,
        reason,
        principals: 1,
      });
    } else {
      // Not kept by name; an operation seen again here is counted again (an upper bound).
      this.untracked++;
      this.untrackedCalls++;
    }
  }

  /** The counts, with the `top` most frequent operations. */
  stats(top = DEFAULT_TOP_UNMAPPED): UnmappedStats {
    const all = [...this.ops.values()];
    let calls = this.untrackedCalls;
    for (const op of all) calls += op.principals;
    all.sort(
      (a, b) =>
        b.principals - a.principals ||
        compare(a.eventSource, b.eventSource) ||
        compare(a.eventName, b.eventName),
    );
    return {
      operations: all.length + this.untracked,
      calls,
      byReason: { ...this.byReason },
      top: all.slice(0, top).map((op) => ({ ...op })),
      untracked: this.untracked,
    };
  }
}

/** A mapper that maps with `mapper` and records every unmapped result in `counter`. */
export function countingMapper(mapper: ActionMapper, counter: UnmappedCounter): ActionMapper {
  return {
    iamPrefix: (eventSource) => mapper.iamPrefix(eventSource),
    map(eventSource, eventName) {
      const mapping = mapper.map(eventSource, eventName);
      counter.record(eventSource, eventName, mapping);
      return mapping;
    },
  };
}

/**
 * One line naming the top unmapped operations, safe for a terminal (names are JSON-quoted, so
 * control characters are escaped, and cut at 60 characters): `s3 "../GetObject" (2 principals)`.
 */
export function describeUnmapped(stats: UnmappedStats, limit = 5): string {
  const shown = stats.top.slice(0, limit).map((op) => {
    const name = op.eventName.length > 60 ? `${op.eventName.slice(0, 60)}…` : op.eventName;
    const source = op.eventSource.length > 60 ? `${op.eventSource.slice(0, 60)}…` : op.eventSource;
    const where = op.reason === 'unknown-operation' ? op.service : JSON.stringify(source);
    return `${where} ${JSON.stringify(name)} (${op.principals} principal${op.principals === 1 ? '' : 's'})`;
  });
  const more = stats.operations - shown.length;
  return shown.join(', ') + (more > 0 ? `, and ${more} more` : '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
