/**
 * `computeFindings` on several threads (`worker_threads`), with the same result to the byte.
 *
 * The per-principal pass (`evaluatePrincipals`: every finding but the recommendations, the
 * warnings of that pass, every principal's status) runs in the calling thread, while the workers
 * start and receive the catalog (as data) and the inventory. Group policies depend on the statuses
 * of all their members, so the groups' unused sets are computed next, in the calling thread, and
 * sent to every worker. Then the recommendations, about 80 % of the work, are computed in chunks of
 * pending findings (in principal order) taken from one queue by the workers (two chunks in flight
 * each) and by the calling thread itself between messages. Each chunk's recommendations and
 * warnings are put back in chunk order: the warnings are then in the order `computeFindings` pushes
 * them, except that a group's `group_policy_not_refined` warning (given once per group) can come
 * from several chunks, so only its first occurrence in chunk order is kept, which is where
 * `computeFindings` gives it. Each thread has its own refinement memo; a refinement is a function
 * of its memo key, so this changes no output (the differential test checks it).
 *
 * Small scans stay in the calling thread: starting a worker and rebuilding the catalog there costs
 * about 100 ms, more than it saves below {@link DEFAULT_MIN_PRINCIPALS} principals.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ActivitySummary } from '../activity/types.js';
import { IamRefineError, ProofFailedError, ValidationError } from '../errors.js';
import {
  computeFindings,
  evaluatePrincipals,
  finishFindings,
  recommendContext,
  type FindingsOptions,
} from '../findings/findings.js';
import type { GroupUnused } from '../findings/group-unused.js';
import type { UnusedFlags } from '../findings/permissions.js';
import { recommend } from '../findings/recommendations.js';
import type { ScanResult, ScanWarning } from '../findings/types.js';
import type { Inventory } from '../inventory/types.js';
import type { UnusedSet } from '../policy/unused.js';
import {
  catalogToWire,
  type FindingsWorkerInit,
  type FromFindingsWorker,
  type GroupUnusedWire,
  type ToFindingsWorker,
  type UnusedWire,
  type WorkerFailure,
} from './parallel-findings-worker.js';

/** Below this many principals the findings are computed in the calling thread (measured). */
export const DEFAULT_MIN_PRINCIPALS = 1000;

/** How {@link computeFindingsParallel} spreads the work. */
export interface ParallelOptions {
  /** Threads in all, the calling thread included (so `jobs - 1` workers); `1`: no worker. */
  jobs: number;
  /** Pending findings per chunk (default: about 16 chunks per thread, at most 256 findings). */
  chunkSize?: number;
  /** Fewer principals than this: no worker (default {@link DEFAULT_MIN_PRINCIPALS}). */
  minPrincipals?: number;
  /** The worker module (tests only: a worker that fails on purpose). */
  workerUrl?: URL;
}

/**
 * An internal error of the parallel computation: a worker that failed or stopped (a bug or a
 * crash, never bad input). The CLI reports it as an internal error (exit status 3).
 */
export class FindingsWorkerError extends Error {
  override name = 'FindingsWorkerError';
}

/**
 * Computes the same {@link ScanResult} as `computeFindings(inventory, activity, options)` (equal
 * `JSON.stringify`, same warnings in the same order), on `parallel.jobs` threads.
 *
 * @throws ValidationError as `computeFindings`.
 * @throws ProofFailedError, ValidationError or IamRefineError when a worker threw one (rebuilt
 *   with the worker's message), FindingsWorkerError when a worker failed otherwise or stopped.
 */
export async function computeFindingsParallel(
  inventory: Inventory,
  activity: ActivitySummary,
  options: FindingsOptions,
  parallel: ParallelOptions,
): Promise<ScanResult> {
  const jobs = Math.floor(parallel.jobs);
  if (jobs <= 1 || inventory.principals.size < (parallel.minPrincipals ?? DEFAULT_MIN_PRINCIPALS)) {
    return computeFindings(inventory, activity, options);
  }
  const init: FindingsWorkerInit = {
    kind: 'iam-refine-findings',
    catalog: catalogToWire(options.catalog),
    inventory,
    ...(options.style === undefined ? {} : { style: options.style }),
    ...(options.maxManagedPolicies === undefined
      ? {}
      : { maxManagedPolicies: options.maxManagedPolicies }),
  };
  // Started first: they load while this thread evaluates the principals.
  const pool = new Pool(parallel.workerUrl ?? workerModule(), init, jobs - 1);
  try {
    const pass = evaluatePrincipals(inventory, activity, options);
    const { pending } = pass;
    const ctx = recommendContext(inventory, pass, options, []);
    const groups = new Map<string, GroupUnusedWire>();
    for (const { policies } of pending) {
      for (const p of policies) {
        if (p.group !== undefined && !groups.has(p.group.arn)) {
          groups.set(p.group.arn, groupToWire(ctx.groupUnused(p.group)));
        }
      }
    }
    const size = Math.max(
      1,
      Math.floor(parallel.chunkSize ?? Math.min(256, Math.ceil(pending.length / (jobs * 16)))),
    );
    const chunks: { start: number; end: number; warnings?: ScanWarning[] }[] = [];
    for (let start = 0; start < pending.length; start += size) {
      chunks.push({ start, end: Math.min(pending.length, start + size) });
    }
    let next = 0;
    const take = (): number | undefined => (next < chunks.length ? next++ : undefined);
    const done = pool.run(
      { type: 'start', nowIso: pass.nowIso, groups },
      take,
      (index) => ({
        type: 'chunk',
        index,
        items: pending
          .slice(chunks[index]!.start, chunks[index]!.end)
          .map(({ finding, unused }) => ({ arn: finding.resource, unused: unusedToWire(unused) })),
      }),
      (message) => {
        const chunk = chunks[message.index]!;
        message.results.forEach((r, k) => {
          const { finding } = pending[chunk.start + k]!;
          finding.recommendation = r.recommendation;
          finding.policies = r.policies;
        });
        chunk.warnings = message.warnings;
      },
    );
    // This thread takes chunks from the same queue, letting the workers' messages in between.
    for (let index = take(); index !== undefined; index = take()) {
      const chunk = chunks[index]!;
      ctx.warnings = [];
      ctx.warnedGroups = new Set();
      for (let i = chunk.start; i < chunk.end; i++) {
        const { finding, policies, unused } = pending[i]!;
        const r = recommend(finding.resource, policies, unused, ctx);
        finding.recommendation = r.recommendation;
        finding.policies = r.policies;
      }
      chunk.warnings = ctx.warnings;
      if (pool.failed) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    const warnedGroups = new Set<string>();
    for (const chunk of chunks) {
      for (const w of chunk.warnings!) {
        if (w.code === 'group_policy_not_refined') {
          if (warnedGroups.has(w.resource!)) continue;
          warnedGroups.add(w.resource!);
        }
        pass.warnings.push(w);
      }
    }
    return finishFindings(pass, options);
  } finally {
    await pool.close();
  }
}

function unusedToWire(unused: { set: UnusedSet; flags: UnusedFlags }): UnusedWire {
  return {
    set: unused.set,
    sorted: unused.flags.sorted,
    wholeServices: unused.flags.wholeServices,
  };
}

function groupToWire(g: GroupUnused): GroupUnusedWire {
  return g.refinable
    ? { refinable: true, unused: unusedToWire(g), members: g.members }
    : { refinable: false, why: g.why };
}

/** The error a worker reported, as the class it was thrown as. */
function rebuild(failure: WorkerFailure): Error {
  switch (failure.name) {
    case 'ValidationError':
      return failure.issues !== undefined && failure.issues.length > 0
        ? new ValidationError(failure.issues)
        : new IamRefineError(failure.message);
    case 'ProofFailedError':
      return new ProofFailedError(failure.message);
    case 'IamRefineError':
      return new IamRefineError(failure.message);
    default: {
      const error = new FindingsWorkerError(`a findings worker failed: ${failure.message}`);
      if (failure.stack !== undefined) error.stack = failure.stack;
      return error;
    }
  }
}

/** The workers, fed from one queue, two chunks in flight each. */
class Pool {
  private readonly workers: Worker[] = [];
  /** Set once a worker failed or stopped: the run is over. */
  failed = false;

  constructor(url: URL, init: FindingsWorkerInit, count: number) {
    for (let i = 0; i < count; i++) this.workers.push(new Worker(url, { workerData: init }));
  }

  /**
   * Sends `start` to every worker, then chunks (`take` gives the next index, `message` builds it)
   * until the queue is empty; resolves when every chunk sent came back (`got`), rejects on the
   * first failure.
   */
  run(
    start: ToFindingsWorker,
    take: () => number | undefined,
    message: (index: number) => ToFindingsWorker,
    got: (message: Extract<FromFindingsWorker, { type: 'chunk' }>) => void,
  ): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => {
      let open = this.workers.length;
      const fail = (error: Error): void => {
        if (this.failed) return;
        this.failed = true;
        reject(error);
      };
      for (const worker of this.workers) {
        let inFlight = 0;
        let finished = false;
        const feed = (): void => {
          while (inFlight < 2) {
            const index = take();
            if (index === undefined) break;
            inFlight++;
            worker.postMessage(message(index));
          }
          if (inFlight === 0 && !finished) {
            finished = true;
            if (--open === 0) resolve();
          }
        };
        worker.on('message', (m: FromFindingsWorker) => {
          if (this.failed) return;
          if (m.type === 'failed') {
            fail(rebuild(m.error));
            return;
          }
          inFlight--;
          try {
            got(m);
          } catch (error) {
            fail(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          feed();
        });
        worker.on('error', (error: Error) =>
          fail(
            new FindingsWorkerError(`a findings worker failed: ${error.message}`, {
              cause: error,
            }),
          ),
        );
        worker.on('exit', (code) => {
          if (!finished) {
            fail(new FindingsWorkerError(`a findings worker stopped early (exit code ${code})`));
          }
        });
        worker.postMessage(start);
        feed();
      }
      if (open === 0) resolve();
    });
    // Awaited later; a failure while the calling thread computes is not an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * The built worker module: beside this module when it runs from `dist/`; from `dist/scan/` when it
 * runs from its TypeScript source (tests under vitest, after `npm run build`). A missing or stale
 * build (older than a source file the worker runs) is an error that says to build.
 */
function workerModule(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./parallel-findings-worker.js', here);
  const built = new URL('../../dist/scan/parallel-findings-worker.js', here);
  if (!existsSync(built)) {
    throw new IamRefineError(
      `the findings workers run the built code, and ${fileURLToPath(built)} does not exist: run npm run build`,
    );
  }
  const builtAt = statSync(built).mtimeMs;
  for (const folder of ['../findings/', '../refine/', '../refine/forms/', '../policy/', './']) {
    const dir = new URL(folder, here);
    const newer = readdirSync(dir).find(
      (f) =>
        f.endsWith('.ts') && !f.endsWith('.test.ts') && statSync(new URL(f, dir)).mtimeMs > builtAt,
    );
    if (newer !== undefined) {
      throw new IamRefineError(
        `the findings workers run the built code, and ${fileURLToPath(new URL(newer, dir))} is newer than ${fileURLToPath(built)}: run npm run build`,
      );
    }
  }
  return built;
}
