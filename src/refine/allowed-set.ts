/**
 * The set of catalog actions one statement allows, kept small: an `Action` statement is the union
 * of its entries' matches; a `NotAction` statement is stored as its complement (what it excludes).
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import { compileGlob } from '../glob/glob.js';

/** Catalog action indices a statement allows: `in` = exactly these; `notIn` = all but these. */
export interface AllowedSet {
  kind: 'in' | 'notIn';
  set: Set<number>;
}

/** Catalog indices matched by any of `entries`. */
export function matchAny(entries: readonly string[], catalog: ActionCatalog): Set<number> {
  const out = new Set<number>();
  for (const e of entries) {
    for (const a of catalog.match(compileGlob(e))) out.add(a.index);
  }
  return out;
}

/** What a statement with `actionKey: entries` allows, over the catalog. */
export function allowedSet(
  actionKey: 'Action' | 'NotAction',
  entries: readonly string[],
  catalog: ActionCatalog,
): AllowedSet {
  return { kind: actionKey === 'Action' ? 'in' : 'notIn', set: matchAny(entries, catalog) };
}

/** Whether catalog action `i` is in the allowed set. */
export function allows(s: AllowedSet, i: number): boolean {
  return s.kind === 'in' ? s.set.has(i) : !s.set.has(i);
}

/** Exact equality of two allowed sets over a catalog of `size` actions. */
export function sameAllowed(a: AllowedSet, b: AllowedSet, size: number): boolean {
  if (a.kind === b.kind) {
    if (a.set.size !== b.set.size) return false;
    for (const i of a.set) if (!b.set.has(i)) return false;
    return true;
  }
  const [inS, notIn] = a.kind === 'in' ? [a, b] : [b, a];
  if (inS.set.size + notIn.set.size !== size) return false;
  for (const i of inS.set) if (notIn.set.has(i)) return false;
  return true;
}

/** `s` minus the unused actions (`sorted` = unused catalog indices). */
export function minusUnused(s: AllowedSet, unusedSorted: Int32Array): AllowedSet {
  const set = new Set(s.set);
  if (s.kind === 'in') for (const i of unusedSorted) set.delete(i);
  else for (const i of unusedSorted) set.add(i);
  return { kind: s.kind, set };
}
