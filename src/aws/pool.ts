/**
 * Bounded concurrency and polling for the live AWS commands.
 */
import { IamRefineError } from '../errors.js';

/**
 * Runs `work` on every item with at most `limit` calls in flight, and resolves when all are done.
 * Stops starting new items after the first failure and rejects with it (calls in flight finish).
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  if (failed) throw failure;
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How {@link poll} waits between attempts. */
export interface PollTiming {
  /** First wait, in milliseconds (default 1,000). */
  intervalMs?: number;
  /** Longest wait between attempts (default 10,000); each wait is 1.5 times the previous one. */
  maxIntervalMs?: number;
  /** Give up after waiting this long in all (default 15 minutes). */
  timeoutMs?: number;
  /** The sleep function (tests pass a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Calls `attempt` until it returns a value other than `undefined`, waiting between calls with
 * growing intervals.
 *
 * @param what - What is awaited, for the time-out message (`the credential report`).
 * @throws IamRefineError when {@link PollTiming.timeoutMs} has passed.
 */
export async function poll<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  timing: PollTiming = {},
): Promise<T> {
  const wait = timing.sleep ?? sleep;
  let interval = timing.intervalMs ?? 1000;
  const maxInterval = timing.maxIntervalMs ?? 10_000;
  const timeout = timing.timeoutMs ?? 15 * 60_000;
  let waited = 0;
  for (;;) {
    const result = await attempt();
    if (result !== undefined) return result;
    if (waited >= timeout) {
      throw new IamRefineError(
        `timed out after ${Math.round(waited / 1000)} s waiting for ${what}; run the command again later`,
      );
    }
    await wait(interval);
    waited += interval;
    interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
  }
}
