/**
 * A progress bar on stderr for long live-AWS runs. It draws only when stderr is a terminal; notes
 * (one line each) are always written, above the bar.
 */
import { isTerminal, statusLine } from '../io/status-line.js';
import type { TextSink } from '../io/streams.js';

/** What long-running collection reports. */
export interface Progress {
  /** Starts a phase of `total` steps, e.g. `111111111111 last accessed`. */
  start(label: string, total: number): void;
  /** `n` more steps are done (default 1). */
  advance(n?: number): void;
  /** Writes one line (above the bar when one is drawn). */
  note(line: string): void;
  /** Ends the phase and clears the bar. */
  done(): void;
}

/** Whether a sink is a terminal (`process.stderr` when attached to one). */
export { isTerminal };

/**
 * The progress of a CLI run on `sink`: a bar redrawn at most every `intervalMs` when `sink` is a
 * terminal (and `quiet` is not set), nothing but the notes otherwise (drawn through the CLI's one
 * status line, src/io/status-line.ts).
 */
export function createProgress(
  sink: TextSink,
  options: { quiet?: boolean; width?: number; intervalMs?: number; now?: () => number } = {},
): Progress {
  const width = options.width ?? 30;
  const status = statusLine(sink, {
    ...(options.quiet === undefined ? {} : { quiet: options.quiet }),
    intervalMs: options.intervalMs ?? 100,
    now: options.now ?? Date.now,
  });
  let label = '';
  let total = 0;
  let count = 0;
  const clear = () => status.clear();
  const draw = (force: boolean) => {
    if (total === 0) return;
    status.draw(() => {
      const filled = Math.round((width * Math.min(count, total)) / total);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      return `${label} [${bar}] ${count}/${total}`;
    }, force);
  };
  return {
    start(l, n) {
      clear();
      label = l;
      total = n;
      count = 0;
      draw(true);
    },
    advance(n = 1) {
      count += n;
      draw(count >= total);
    },
    note(line) {
      clear();
      sink.write(`${line}\n`);
      draw(true);
    },
    done() {
      clear();
      total = 0;
    },
  };
}
