/**
 * One registry of what must be removed when the process is ended by SIGINT, SIGTERM or SIGHUP:
 * the temporary folder of `scan --live`, the temporary file of every atomic write. Files that hold
 * an account's IAM data must not outlive an interrupted run.
 *
 * One listener per signal is installed while at least one cleanup is registered (none otherwise:
 * a library caller's process gets no listeners it did not ask for). On a signal every registered
 * cleanup runs, synchronously (the process is about to end), then the listeners are removed and
 * the signal is raised again so that the process ends as it would have without them (130 in a
 * shell for Ctrl-C) -- unless another listener of that signal (e.g. `serve`'s) decides instead.
 */
import { constants as osConstants } from 'node:os';

/** The signals that run the registered cleanups. */
export const CLEANUP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A synchronous cleanup; it must not throw (errors are its own to report). It may run twice (see
 * {@link SETTLE_MS}), so it must be a removal that is harmless to repeat.
 */
export type SignalCleanup = (signal: NodeJS.Signals) => void;

const cleanups = new Set<{ run: SignalCleanup }>();

/**
 * How long a signalled process waits, after the first run of the cleanups, for file operations
 * already in flight on libuv's thread pool before it runs them again.
 */
export const SETTLE_MS = 100;

function onSignal(signal: NodeJS.Signals): void {
  // Still listening while the cleanups run: a second Ctrl-C meanwhile does not stop them.
  const due = [...cleanups];
  cleanups.clear();
  const runAll = () => {
    for (const entry of due) {
      try {
        entry.run(signal);
      } catch {
        // A cleanup reports its own failures; the others still run.
      }
    }
  };
  runAll();
  // A file operation already handed to the thread pool (the open of a temporary file, a write
  // into a collected folder, a recursive mkdir) can complete after the first removal and bring a
  // path back: let those settle (they are short), then run every cleanup once more. Cleanups are
  // removals, so a second run only removes what came back.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS);
  runAll();
  uninstall();
  // Another listener of the signal (if any) decides what happens; otherwise end by the signal.
  if (process.listenerCount(signal) > 0) return;
  try {
    process.kill(process.pid, signal);
  } catch {
    // Windows cannot raise every signal: exit with the shell's status for it instead.
    process.exit(128 + (osConstants.signals[signal] ?? 0));
  }
}

function install(): void {
  for (const signal of CLEANUP_SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  for (const signal of CLEANUP_SIGNALS) process.off(signal, onSignal);
}

/**
 * Runs `cleanup` if the process gets SIGINT, SIGTERM or SIGHUP before the returned function is
 * called (call it once the thing to clean up is gone or kept on purpose). Registering and
 * unregistering are synchronous, so a caller can create a file and register it in one step with
 * no signal in between.
 *
 * @returns the function that unregisters `cleanup` (idempotent).
 */
export function onTerminationSignal(cleanup: SignalCleanup): () => void {
  const entry = { run: cleanup };
  if (cleanups.size === 0) install();
  cleanups.add(entry);
  return () => {
    if (!cleanups.delete(entry)) return;
    if (cleanups.size === 0) uninstall();
  };
}

/** How many cleanups are registered now (for tests and diagnostics). */
export function pendingSignalCleanups(): number {
  return cleanups.size;
}
