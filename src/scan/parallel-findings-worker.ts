/**
 * Worker-thread entry of {@link computeFindingsParallel} (src/scan/parallel-findings.ts): it gets
 * the caller's catalog (as data), inventory and time when it starts, then chunks of pending
 * UnusedPermission findings (principal ARN and unused set), and answers each chunk with the
 * recommendations `recommend` gives and, for each, the warnings it pushed. Chunks with group
 * policies come after the groups' unused sets (sent once the calling thread has evaluated every
 * principal). Its refinement memo lives
 * as long as the worker (refinements are a function of their memo key, so sharing it across chunks
 * changes no output). Only this module's side effects run in the worker; it exports the message
 * types and the wire forms shared with the calling thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  createCatalog,
  type ActionCatalog,
  type ActionFacts,
  type AccessLevel,
} from '../catalog/catalog.js';
import { IamRefineError, ValidationError } from '../errors.js';
import type { GroupUnused } from '../findings/group-unused.js';
import { PolicyResolver, type UnusedFlags } from '../findings/permissions.js';
import {
  recommend,
  type FindingRecommendationResult,
  type RecommendContext,
  type Refined,
} from '../findings/recommendations.js';
import type { ScanWarning } from '../findings/types.js';
import type { Inventory } from '../inventory/types.js';
import type { UnusedSet } from '../policy/unused.js';
import type { FormStyle } from '../refine/forms/choose.js';

/** A catalog as data: its version and every action (`[service, name, accessLevel, tracked]`). */
export interface CatalogWire {
  version: string;
  actions: [string, string, AccessLevel | undefined, boolean | undefined][];
}

/** The catalog as data, for {@link catalogFromWire} in another thread. */
export function catalogToWire(catalog: ActionCatalog): CatalogWire {
  return {
    version: catalog.version,
    actions: catalog.actions.map((a) => [a.service, a.name, a.accessLevel, a.tracked]),
  };
}

/**
 * The catalog of {@link catalogToWire}: the same actions at the same indices (a catalog's actions
 * are unique and sorted, and `createCatalog` sorts and indexes them the same way), same version.
 */
export function catalogFromWire(wire: CatalogWire): ActionCatalog {
  const services = new Map<string, [string, ActionFacts][]>();
  for (const [service, name, accessLevel, tracked] of wire.actions) {
    let list = services.get(service);
    if (list === undefined) services.set(service, (list = []));
    const facts: ActionFacts = {};
    if (accessLevel !== undefined) facts.accessLevel = accessLevel;
    if (tracked !== undefined) facts.tracked = tracked;
    list.push([name, facts]);
  }
  return createCatalog(services, wire.version);
}

/** Unused permissions as sent between threads: the flags as their sorted indices only. */
export interface UnusedWire {
  set: UnusedSet;
  sorted: Int32Array;
  wholeServices: ReadonlySet<string>;
}

/** {@link UnusedFlags} from their wire form (`flags[i] = 1` exactly for the sorted indices). */
export function flagsFromWire(wire: UnusedWire, catalogSize: number): UnusedFlags {
  const flags = new Uint8Array(catalogSize);
  for (const i of wire.sorted) flags[i] = 1;
  return { flags, sorted: wire.sorted, wholeServices: wire.wholeServices };
}

/** A group's {@link GroupUnused} as sent between threads. */
export type GroupUnusedWire =
  { refinable: true; unused: UnusedWire; members: number } | { refinable: false; why: string };

/** What a worker is started with (`workerData`). */
export interface FindingsWorkerInit {
  /** Marks the data as meant for this module. */
  kind: 'iam-refine-findings';
  catalog: CatalogWire;
  inventory: Inventory;
  /** `now`, ISO-8601. */
  nowIso: string;
  /** Per worker, chunks computed: this worker adds one at `slot` after posting each result. */
  done: Int32Array;
  slot: number;
  style?: FormStyle;
  maxManagedPolicies?: number;
}

/** Messages from the calling thread to a worker. */
export type ToFindingsWorker =
  | { type: 'groups'; groups: Map<string, GroupUnusedWire> }
  | { type: 'chunk'; index: number; items: { arn: string; unused: UnusedWire }[] };

/** An error as a worker reports it (its class is rebuilt in the calling thread). */
export interface WorkerFailure {
  name: string;
  message: string;
  /** A ValidationError's issues. */
  issues?: ValidationError['issues'];
  stack?: string;
}

/** Messages from a worker to the calling thread. */
export type FromFindingsWorker =
  | {
      type: 'chunk';
      index: number;
      results: FindingRecommendationResult[];
      /** Per item, the warnings its recommendation pushed. */
      warnings: ScanWarning[][];
    }
  | { type: 'failed'; error: WorkerFailure };

/** The failure of `error`, for the calling thread. */
export function failureOf(error: unknown): WorkerFailure {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  return {
    name: error instanceof IamRefineError ? error.name : 'Error',
    message: error.message,
    ...(error instanceof ValidationError ? { issues: error.issues } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
  };
}

const init = workerData as FindingsWorkerInit | undefined;
if (parentPort !== null && init?.kind === 'iam-refine-findings') {
  const port = parentPort;
  const catalog = catalogFromWire(init.catalog);
  const inventory = init.inventory;
  // Its warnings were given by the calling thread's pass over the same principals.
  const resolver = new PolicyResolver(inventory, catalog, []);
  const refinements = new Map<string, Refined | Error>();
  const nowIso = init.nowIso;
  let groups = new Map<string, GroupUnusedWire>();
  const groupUnused = (group: { arn: string }): GroupUnused => {
    const g = groups.get(group.arn);
    if (g === undefined) throw new Error(`no unused set was sent for group ${group.arn}`);
    if (!g.refinable) return g;
    return {
      refinable: true,
      set: g.unused.set,
      flags: flagsFromWire(g.unused, catalog.actions.length),
      members: g.members,
    };
  };
  port.on('message', (message: ToFindingsWorker) => {
    try {
      if (message.type === 'groups') {
        groups = message.groups;
        return;
      }
      const warnings: ScanWarning[][] = [];
      const ctx: RecommendContext = {
        catalog,
        nowIso,
        groupUnused,
        refinements,
        warnedGroups: new Set(),
        warnings: [],
        ...(init.style === undefined ? {} : { style: init.style }),
        ...(init.maxManagedPolicies === undefined
          ? {}
          : { maxManagedPolicies: init.maxManagedPolicies }),
      };
      const results = message.items.map(({ arn, unused }) => {
        const principal = inventory.principals.get(arn);
        if (principal === undefined) throw new Error(`principal ${arn} is not in the inventory`);
        const own = { set: unused.set, flags: flagsFromWire(unused, catalog.actions.length) };
        ctx.warnings = [];
        ctx.warnedGroups = new Set();
        warnings.push(ctx.warnings);
        return recommend(arn, resolver.policiesOf(principal), own, ctx);
      });
      port.postMessage({
        type: 'chunk',
        index: message.index,
        results,
        warnings,
      } satisfies FromFindingsWorker);
      Atomics.add(init.done, init.slot, 1);
    } catch (error) {
      port.postMessage({ type: 'failed', error: failureOf(error) } satisfies FromFindingsWorker);
    }
  });
}
