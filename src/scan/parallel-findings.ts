/**
 * `computeFindings` on several threads (`worker_threads`), with the same result to the byte.
 *
 * The workers start first and receive the catalog (as data), the inventory and the time. The
 * per-principal pass (`evaluatePrincipals`: every finding but the recommendations, the warnings of
 * that pass, every principal's status) runs in the calling thread. Group policies depend on the
 * statuses of all their members, so as the pass adds pending UnusedPermission findings, those
 * without group policies are cut into chunks that go at once to a worker with room (a worker's
 * count of chunks done is in shared memory, since no message can arrive while the pass runs); those
 * with group policies wait. After the pass the groups' unused sets are computed, in the calling
 * thread, and sent to every worker before the chunks that need them; the chunks left are then taken
 * from one queue by the workers (two in flight each) and by the calling thread itself between
 * messages. Every recommendation is computed with a fresh list of warnings and of warned groups, and
 * the lists are joined in the order of the pending findings: that is the order `computeFindings`
 * pushes them in, once a group's `group_policy_not_refined` warning (given once per group) is kept
 * only where it first occurs. Each thread has its own refinement memo; a refinement is a function of
 * its memo key, so this changes no output (the differential test checks it).
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
  type PendingFinding,
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
  const principals = inventory.principals.size;
  if (jobs <= 1 || principals < (parallel.minPrincipals ?? DEFAULT_MIN_PRINCIPALS)) {
    return computeFindings(inventory, activity, options);
  }
  const size = Math.max(
    1,
    Math.floor(parallel.chunkSize ?? Math.min(256, Math.ceil(principals / (jobs * 16)))),
  );
  // A chunk: indices of pending findings, computed together by one thread.
  const chunks: number[][] = [];
  let pending: readonly PendingFinding[] = [];
  // By pending finding: the warnings its recommendation pushed, in order.
  const warningsOf: ScanWarning[][] = [];
  const message = (index: number): ToFindingsWorker => ({
    type: 'chunk',
    index,
    items: chunks[index]!.map((i) => {
      const { finding, unused } = pending[i]!;
      return { arn: finding.resource, unused: unusedToWire(unused) };
    }),
  });
  const got = (m: Extract<FromFindingsWorker, { type: 'chunk' }>): void => {
    chunks[m.index]!.forEach((i, k) => {
      const { finding } = pending[i]!;
      finding.recommendation = m.results[k]!.recommendation;
      finding.policies = m.results[k]!.policies;
      warningsOf[i] = m.warnings[k]!;
    });
  };
  // Started first: they load while this thread evaluates the principals.
  const pool = new Pool(
    parallel.workerUrl ?? workerModule(),
    {
      kind: 'iam-refine-findings',
      catalog: catalogToWire(options.catalog),
      inventory,
      nowIso: Number.isNaN(options.now.getTime()) ? '' : options.now.toISOString(),
      ...(options.style === undefined ? {} : { style: options.style }),
      ...(options.maxManagedPolicies === undefined
        ? {}
        : { maxManagedPolicies: options.maxManagedPolicies }),
    },
    jobs - 1,
    message,
    got,
  );
  try {
    // While the principals are evaluated, findings without group policies go to idle workers;
    // those with group policies wait for every member's status.
    let early: number[] = [];
    let later: number[] = [];
    const pass = evaluatePrincipals(inventory, activity, options, (sofar) => {
      pending = sofar;
      const i = sofar.length - 1;
      if (sofar[i]!.policies.some((p) => p.group !== undefined)) {
        later.push(i);
        if (later.length < size) return;
        chunks.push(later);
        later = [];
      } else {
        early.push(i);
        if (early.length < size) return;
        pool.ready.push(chunks.push(early) - 1);
        early = [];
        pool.sendEarly();
      }
    });
    pending = pass.pending;
    if (early.length > 0) chunks.push(early);
    if (later.length > 0) chunks.push(later);
    // Every member's status is known: the groups' unused sets, then every chunk left.
    const ctx = recommendContext(inventory, pass, options, []);
    const groups = new Map<string, GroupUnusedWire>();
    for (const { policies } of pending) {
      for (const p of policies) {
        if (p.group !== undefined && !groups.has(p.group.arn)) {
          groups.set(p.group.arn, groupToWire(ctx.groupUnused(p.group)));
        }
      }
    }
    pool.run(
      { type: 'groups', groups },
      chunks.map((_, i) => i).filter((i) => !pool.sent.has(i)),
    );
    // This thread takes chunks from the same queue, letting the workers' messages in between.
    for (let index = pool.take(); index !== undefined; index = pool.take()) {
      for (const i of chunks[index]!) {
        const { finding, policies, unused } = pending[i]!;
        ctx.warnings = warningsOf[i] = [];
        ctx.warnedGroups = new Set();
        const r = recommend(finding.resource, policies, unused, ctx);
        finding.recommendation = r.recommendation;
        finding.policies = r.policies;
      }
      if (pool.failed) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await pool.drained();
    const warnedGroups = new Set<string>();
    for (let i = 0; i < pending.length; i++) {
      for (const w of warningsOf[i]!) {
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

/** Chunks a worker may have at once: one computed, the next queued. */
const IN_FLIGHT = 2;

/**
 * The workers and the queue of chunks. Each worker has at most {@link IN_FLIGHT} chunks. While
 * the calling thread is busy (no message can arrive), a worker's count of chunks done, in shared
 * memory, tells when it can take another (`sendEarly`); then its messages do (`run`).
 */
class Pool {
  private readonly workers: { worker: Worker; sent: number; back: number }[] = [];
  /** Per worker: chunks it has computed (it adds one after posting each result). */
  private readonly done: Int32Array;
  /** Chunks that can be sent now, in the order to send them. */
  ready: number[] = [];
  /** Chunks sent to a worker. */
  readonly sent = new Set<number>();
  /** Set once a worker failed or stopped: the run is over. */
  failed = false;
  private running = false;
  private closing = false;
  private settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(
    url: URL,
    init: Omit<FindingsWorkerInit, 'done' | 'slot'>,
    count: number,
    private readonly message: (index: number) => ToFindingsWorker,
    private readonly got: (message: Extract<FromFindingsWorker, { type: 'chunk' }>) => void,
  ) {
    this.done = new Int32Array(new SharedArrayBuffer(4 * count));
    for (let slot = 0; slot < count; slot++) {
      const worker = new Worker(url, { workerData: { ...init, done: this.done, slot } });
      const entry = { worker, sent: 0, back: 0 };
      this.workers.push(entry);
      worker.on('message', (m: FromFindingsWorker) => {
        if (this.failed) return;
        if (m.type === 'failed') {
          this.fail(rebuild(m.error));
          return;
        }
        entry.back++;
        try {
          this.got(m);
        } catch (error) {
          this.fail(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        this.feed(entry);
      });
      worker.on('error', (error: Error) =>
        this.fail(
          new FindingsWorkerError(`a findings worker failed: ${error.message}`, { cause: error }),
        ),
      );
      worker.on('exit', (code) => {
        if (!this.closing) {
          this.fail(new FindingsWorkerError(`a findings worker stopped early (exit code ${code})`));
        }
      });
    }
  }

  /** The next chunk of the queue, for any thread. */
  take(): number | undefined {
    return this.ready.shift();
  }

  /** Sends queued chunks to the workers that have room, from their shared count of chunks done. */
  sendEarly(): void {
    this.workers.forEach((entry, slot) => {
      while (this.ready.length > 0 && entry.sent - Atomics.load(this.done, slot) < IN_FLIGHT) {
        this.send(entry, this.ready.shift()!);
      }
    });
  }

  /** Sends `first` to every worker, queues `chunks`, and feeds the workers as results come back. */
  run(first: ToFindingsWorker, chunks: number[]): void {
    this.running = true;
    this.ready = chunks;
    if (this.failed) return;
    for (const entry of this.workers) {
      entry.worker.postMessage(first);
      this.feed(entry);
    }
  }

  /**
   * Resolves once the queue is empty and every chunk sent came back; rejects with the first
   * failure (also one that came before).
   */
  drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failure !== undefined) reject(this.failure);
      else if (this.finished()) resolve();
      else this.settle = { resolve, reject };
    });
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closing = true;
    this.running = false;
    this.ready = [];
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private send(entry: { worker: Worker; sent: number }, index: number): void {
    this.sent.add(index);
    entry.sent++;
    entry.worker.postMessage(this.message(index));
  }

  private feed(entry: { worker: Worker; sent: number; back: number }): void {
    if (!this.running) return;
    while (this.ready.length > 0 && entry.sent - entry.back < IN_FLIGHT) {
      this.send(entry, this.ready.shift()!);
    }
    if (this.finished()) this.settle?.resolve();
  }

  /** Whether the run is over: nothing queued, nothing out. */
  private finished(): boolean {
    return this.running && this.ready.length === 0 && this.workers.every((w) => w.sent === w.back);
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    this.settle?.reject(error);
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
