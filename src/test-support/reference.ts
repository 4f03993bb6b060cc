/**
 * Simple, obviously-correct reference implementations that tests compare the fast paths against.
 * Nothing here is used by the product.
 */
import type { ActionCatalog } from '../catalog/catalog.js';

/** Reference glob match: memoized recursion over (pattern index, text index), case-insensitive. */
export function referenceMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (t.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === p.length) r = j === t.length;
    else if (p[i] === '*') r = go(i + 1, j) || (j < t.length && go(i, j + 1));
    else r = j < t.length && (p[i] === '?' || p[i] === t[j]) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** Whether a statement with `key: entries` allows `action`, by the reference matcher. */
export function referenceAllows(
  key: 'Action' | 'NotAction',
  entries: readonly string[],
  action: string,
): boolean {
  const hit = entries.some((e) => referenceMatch(e, action));
  return key === 'Action' ? hit : !hit;
}

/** The catalog as `{service: [names]}`, for building variants of it in tests. */
export function catalogServices(catalog: ActionCatalog): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of catalog.actions) {
    let list = out.get(a.service);
    if (!list) out.set(a.service, (list = []));
    list.push(a.name);
  }
  return out;
}

/** A deterministic pseudo-random generator (mulberry32) for corpus tests and benchmarks. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
