/**
 * The unused permissions of an active principal (DESIGN.md, "Findings semantics"): per service its
 * policies allow, the whole service when it was not used in the tracking period, otherwise the
 * allowed actions that are observable and were not used. Never an unobservable action.
 */
import type { PrincipalActivity, ServiceActivity } from '../activity/types.js';
import type { ActionCatalog, CatalogAction } from '../catalog/catalog.js';
import type { UnusedSet } from '../policy/unused.js';
import type { UnusedFlags } from './permissions.js';
import type { UnusedAction, UnusedPermissionDetails } from './types.js';
import { latest, serviceLatest, type TrackingWindow } from './usage.js';

/** One service's actions in the catalog: indices `[start, end)`. */
export interface ServiceBlock {
  service: string;
  start: number;
  end: number;
  /** `service:*`, the unused-set entry of the whole service (one string shared by all findings). */
  wildcard: string;
  /** The actions' names in lower case, `lowerNames[i - start]` for catalog action `i`. */
  lowerNames: readonly string[];
}

/** The catalog cut into one block per service, in service order. */
export function serviceBlocks(catalog: ActionCatalog): ServiceBlock[] {
  return catalog.services.map((service) => {
    const [start, end] = catalog.prefixRange(`${service}:`);
    const lowerNames = catalog.actions.slice(start, end).map((a) => a.name.toLowerCase());
    return { service, start, end, wildcard: `${service}:*`, lowerNames };
  });
}

/** Per list of blocks: the position of each service's block. */
const blockPositions = new WeakMap<readonly ServiceBlock[], Map<string, number>>();

/**
 * The positions in `blocks` of the blocks of `services`, ascending (the blocks' order): the
 * services a principal's policies can reach are a handful of the catalog's 400, so they are
 * looked up rather than every block tested against them.
 */
function blocksOf(blocks: readonly ServiceBlock[], services: ReadonlySet<string>): Int32Array {
  let positions = blockPositions.get(blocks);
  if (positions === undefined) {
    positions = new Map(blocks.map((b, k) => [b.service, k]));
    blockPositions.set(blocks, positions);
  }
  const out: number[] = [];
  for (const s of services) {
    const k = positions.get(s);
    if (k !== undefined) out.push(k);
  }
  return Int32Array.from(out).sort();
}

/** What {@link unusedPermissions} finds. */
export interface UnusedPermissionResult {
  /** The finding's `unusedPermissionDetails`, sorted by service; empty when nothing is unused. */
  details: UnusedPermissionDetails[];
  /** The same, as the unused set refinement takes. */
  set: UnusedSet;
  /** The same, resolved against the catalog. */
  flags: UnusedFlags;
}

/** Inputs of {@link unusedPermissions} that are the same for every principal of a scan. */
export interface UnusedContext {
  catalog: ActionCatalog;
  blocks: readonly ServiceBlock[];
  window: TrackingWindow;
  /** Services whose data events the activity sources contain (lower case). */
  dataEventServices: ReadonlySet<string>;
}

/**
 * The unused permissions of one principal.
 *
 * - A service with at least one allowed catalog action and no use at all in the period (no action,
 *   no `allActionsAt`, no `last` in the period) is unused as a whole: one detail without
 *   `actions`, `lastAccessed` = its latest use (before the period) when known.
 * - A used service lists the allowed actions that are observable (the catalog says IAM action
 *   last accessed tracks them, or the service's data events are declared) and not used in the
 *   period: an action is used when its own record (possible or not) or the service's
 *   `allActionsAt` falls in the period. An action's `lastAccessed` = the latest of those before
 *   the period; the service's `lastAccessed` = its latest use (of any action, in the period), as
 *   Access Analyzer reports it.
 *
 * @param allowed - Flags over the catalog: what the principal's policies allow.
 * @param activity - The principal's activity, if any source has some.
 * @param services - The only services `allowed` can have actions in (lower case; a superset is
 *   fine), to skip the others; undefined: any.
 */
export function unusedPermissions(
  allowed: Uint8Array,
  activity: PrincipalActivity | undefined,
  ctx: UnusedContext,
  services?: ReadonlySet<string>,
): UnusedPermissionResult {
  const { catalog, window } = ctx;
  const details: UnusedPermissionDetails[] = [];
  const unusedServices = new Map<string, 'all' | Set<string>>();
  const entries: string[] = [];
  const flags = new Uint8Array(catalog.actions.length);
  const wholeServices = new Set<string>();
  // The blocks in which flags were set: the sorted list is read from them, not the whole catalog.
  const flagged: ServiceBlock[] = [];

  const blocks = ctx.blocks;
  const order = services === undefined ? undefined : blocksOf(blocks, services);
  const count = order === undefined ? blocks.length : order.length;
  for (let b = 0; b < count; b++) {
    const block = blocks[order === undefined ? b : order[b]!]!;
    let any = false;
    for (let i = block.start; i < block.end && !any; i++) any = allowed[i] === 1;
    if (!any) continue;
    const sa: ServiceActivity | undefined = activity?.services.get(block.service);
    const last = sa ? serviceLatest(sa) : undefined;
    if (!window.inPeriod(last)) {
      const detail: UnusedPermissionDetails = { serviceNamespace: block.service };
      if (last) detail.lastAccessed = last.toISOString();
      details.push(detail);
      unusedServices.set(block.service, 'all');
      entries.push(block.wildcard);
      wholeServices.add(block.service);
      flags.fill(1, block.start, block.end);
      flagged.push(block);
      continue;
    }
    const observableService = ctx.dataEventServices.has(block.service);
    const actions: UnusedAction[] = [];
    const names = new Set<string>();
    for (let i = block.start; i < block.end; i++) {
      if (allowed[i] !== 1) continue;
      const a: CatalogAction = catalog.actions[i]!;
      if (!observableService && a.tracked !== true) continue;
      const lowerName = block.lowerNames[i - block.start]!;
      const used = latest(sa!.actions.get(lowerName)?.last, sa!.allActionsAt);
      if (window.inPeriod(used)) continue;
      const item: UnusedAction = { action: a.name };
      if (used) item.lastAccessed = used.toISOString();
      actions.push(item);
      names.add(lowerName);
      entries.push(a.full);
      flags[i] = 1;
    }
    if (actions.length === 0) continue;
    flagged.push(block);
    // As Access Analyzer reports it: the service's last use (of any action), here in the period.
    details.push({ serviceNamespace: block.service, actions, lastAccessed: last!.toISOString() });
    unusedServices.set(block.service, names);
  }
  return {
    details,
    set: { services: unusedServices, entries },
    flags: { flags, sorted: flaggedIn(flags, flagged), wholeServices },
  };
}

/**
 * The flagged indices, ascending, when every flag is inside `blocks` (disjoint catalog ranges, in
 * any order): `flaggedIndices(flags)` without reading the rest of the catalog's 22,000 flags.
 */
function flaggedIn(flags: Uint8Array, blocks: ServiceBlock[]): Int32Array {
  blocks.sort((x, y) => x.start - y.start);
  let n = 0;
  for (const b of blocks) for (let i = b.start; i < b.end; i++) n += flags[i]!;
  const out = new Int32Array(n);
  let k = 0;
  for (const b of blocks) for (let i = b.start; i < b.end; i++) if (flags[i] === 1) out[k++] = i;
  return out;
}
