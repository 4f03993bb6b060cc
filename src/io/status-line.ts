/**
 * The one progress-bar mechanism of the CLI: a status line on stderr, drawn only when it is a
 * terminal, redrawn at most every `intervalMs` (a forced draw always happens), cut to the
 * terminal's width, erased before anything else is written. `createProgress` (collect, import,
 * scan --live: steps of a phase) and the scan's CloudTrail bar (files, MB, events/s, ETA) draw
 * their lines through it.
 */
import type { TextSink } from './streams.js';

/** A status line on a sink. */
export interface StatusLine {
  /** Whether anything will be drawn (the sink is a terminal and not quiet). */
  readonly active: boolean;
  /** Draws `line()` unless the last draw is younger than the interval (`force` draws anyway). */
  draw(line: () => string, force?: boolean): void;
  /** Erases the line if one is drawn. */
  clear(): void;
}

/** Whether a sink is a terminal (`process.stderr` when attached to one). */
export function isTerminal(sink: TextSink): boolean {
  return (sink as { isTTY?: unknown }).isTTY === true;
}

/** A {@link StatusLine} on `sink` (see the file comment). */
export function statusLine(
  sink: TextSink,
  options: { quiet?: boolean; intervalMs?: number; now?: () => number } = {},
): StatusLine {
  const active = isTerminal(sink) && options.quiet !== true;
  const interval = options.intervalMs ?? 100;
  const now = options.now ?? (() => performance.now());
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    active,
    draw(line, force = false) {
      if (!active) return;
      const t = now();
      if (!force && t - last < interval) return;
      last = t;
      const columns = (sink as { columns?: unknown }).columns;
      const width = typeof columns === 'number' && columns >= 40 ? columns : 120;
      sink.write(`\r\x1b[2K${line().slice(0, width - 1)}`);
      drawn = true;
    },
    clear() {
      if (drawn) sink.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
