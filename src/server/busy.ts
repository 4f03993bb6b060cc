/**
 * Waiting for another process's write lock without blocking the dashboard: better-sqlite3 is
 * synchronous, so SQLite's own busy wait would stop the event loop (every request, even the
 * stylesheet, would wait). The dashboard's store is opened with a busy timeout of 0, and a change
 * that finds the database locked is retried here after short asynchronous sleeps, until a time
 * budget is spent; then the {@link DatabaseBusyError} goes to the page (503, `Retry-After`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseBusyError } from '../store/errors.js';

/** How long a change waits for the write lock in total, by default, in ms. */
export const DEFAULT_BUSY_RETRY_MS = 1_000;

/** The sleeps between attempts, in ms (the last one repeats). */
const STEPS_MS: readonly number[] = [10, 25, 50, 100, 200];

/**
 * Runs `fn`; while it throws {@link DatabaseBusyError}, sleeps (asynchronously) and runs it again,
 * for at most `budgetMs` of sleeping.
 *
 * @throws DatabaseBusyError when the lock is still held after the budget; any other error of `fn`
 *   at once.
 */
export async function whileBusy<T>(fn: () => T, budgetMs: number): Promise<T> {
  let slept = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof DatabaseBusyError) || slept >= budgetMs) throw error;
    }
    const step = Math.min(STEPS_MS[Math.min(attempt, STEPS_MS.length - 1)]!, budgetMs - slept);
    await sleep(step);
    slept += step;
  }
}
