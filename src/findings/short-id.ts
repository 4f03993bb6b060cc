/**
 * Short finding ids, as git abbreviates commits: the shortest prefix length (at least 8) at which
 * every id of a set is distinct, and the lookup of a prefix typed by a person.
 */

/** The smallest length ≥ `min` at which the prefixes of all `ids` are distinct. */
export function shortIdLength(ids: readonly string[], min = 8): number {
  const sorted = [...new Set(ids)].sort();
  let length = min;
  // Two ids need their common prefix plus one character; neighbours in sorted order decide.
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    length = Math.max(length, common + 1);
  }
  return length;
}

/** What a typed prefix resolves to. */
export type PrefixMatch =
  | { kind: 'exact'; id: string }
  | { kind: 'unique'; id: string }
  | { kind: 'ambiguous'; ids: string[] }
  | { kind: 'none' };

/**
 * Resolves a typed id or prefix (case-insensitive) against `ids`: the id itself, the one id it is a
 * prefix of, all of them when several (sorted), or none.
 */
export function resolveIdPrefix(prefix: string, ids: readonly string[]): PrefixMatch {
  const p = prefix.toLowerCase();
  if (p === '') return { kind: 'none' };
  const matches = new Set<string>();
  for (const id of ids) {
    if (id.toLowerCase() === p) return { kind: 'exact', id };
    if (id.toLowerCase().startsWith(p)) matches.add(id);
  }
  if (matches.size === 0) return { kind: 'none' };
  if (matches.size === 1) return { kind: 'unique', id: [...matches][0]! };
  return { kind: 'ambiguous', ids: [...matches].sort() };
}
