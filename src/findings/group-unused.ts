/**
 * The unused permissions of a group: the actions unused by every member. A group policy is shared,
 * so it may only lose what no member uses; and only when every member was evaluated and has an
 * UnusedPermission finding (a member without one either used everything it has, or was not
 * analyzed for permissions at all, so nothing can be said about what it needs).
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import type { Group, Inventory } from '../inventory/types.js';
import type { UnusedSet } from '../policy/unused.js';
import { flaggedIndices } from '../refine/unused-index.js';
import type { UnusedFlags } from './permissions.js';

/** What the scan concluded about one member of a group. */
export type MemberStatus =
  { kind: 'finding'; unused: UnusedSet } | { kind: 'excluded'; why: string };

/** Whether a group's policies can be refined, and with what. */
export type GroupUnused =
  | { refinable: true; set: UnusedSet; flags: UnusedFlags; members: number }
  | { refinable: false; why: string };

/**
 * The unused set of `group` from its members' statuses (`members` sorted by ARN; an ARN without a
 * status has no UnusedPermission finding). Not refinable when it has no member, or when any
 * member is excluded (not evaluated, or no UnusedPermission finding); the `why` names the first
 * such member.
 */
export function groupUnused(
  group: Group,
  members: readonly string[],
  statuses: ReadonlyMap<string, MemberStatus>,
  catalog: ActionCatalog,
): GroupUnused {
  if (members.length === 0) {
    return { refinable: false, why: `group ${group.name} has no member in the inventory` };
  }
  const sets: UnusedSet[] = [];
  for (const arn of members) {
    const status = statuses.get(arn);
    if (status === undefined) {
      return {
        refinable: false,
        why: `member ${arn} has no UnusedPermission finding`,
      };
    }
    if (status.kind === 'excluded') return { refinable: false, why: `member ${arn} ${status.why}` };
    sets.push(status.unused);
  }
  const set = intersectUnused(sets, catalog);
  return { refinable: true, set, flags: unusedFlags(set, catalog), members: members.length };
}

/** The actions unused in every one of `sets` (a whole service intersected with a list = the list). */
export function intersectUnused(sets: readonly UnusedSet[], catalog: ActionCatalog): UnusedSet {
  const [first, ...rest] = sets;
  if (!first) return { services: new Map(), entries: [] };
  let acc = new Map<string, 'all' | Set<string>>();
  for (const [s, v] of first.services) acc.set(s, v === 'all' ? 'all' : new Set(v));
  for (const other of rest) {
    const next = new Map<string, 'all' | Set<string>>();
    for (const [s, mine] of acc) {
      const theirs = other.services.get(s);
      if (theirs === undefined) continue;
      if (mine === 'all') next.set(s, theirs === 'all' ? 'all' : new Set(theirs));
      else if (theirs === 'all') next.set(s, mine);
      else {
        const both = new Set([...mine].filter((a) => theirs.has(a)));
        if (both.size > 0) next.set(s, both);
      }
    }
    acc = next;
  }
  const entries: string[] = [];
  for (const s of [...acc.keys()].sort()) {
    const v = acc.get(s)!;
    if (v === 'all') entries.push(`${s}:*`);
    else for (const a of [...v].sort()) entries.push(catalog.get(`${s}:${a}`)?.full ?? `${s}:${a}`);
  }
  return { services: acc, entries };
}

/** An unused set resolved against the catalog. */
export function unusedFlags(set: UnusedSet, catalog: ActionCatalog): UnusedFlags {
  const flags = new Uint8Array(catalog.actions.length);
  const wholeServices = new Set<string>();
  for (const [s, v] of set.services) {
    if (v === 'all') {
      wholeServices.add(s);
      for (const a of catalog.serviceActions(s)) flags[a.index] = 1;
    } else {
      for (const name of v) {
        const a = catalog.get(`${s}:${name}`);
        if (a) flags[a.index] = 1;
      }
    }
  }
  return { flags, sorted: flaggedIndices(flags), wholeServices };
}

/** User ARNs by `account|group name` (a group's members are the users naming it), sorted. */
export function groupMembers(inventory: Inventory): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of inventory.principals.values()) {
    if (p.kind !== 'user') continue;
    for (const name of new Set(p.groups)) {
      const key = `${p.accountId}|${name}`;
      let list = out.get(key);
      if (!list) out.set(key, (list = []));
      list.push(p.arn);
    }
  }
  for (const list of out.values()) list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return out;
}
