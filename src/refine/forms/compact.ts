/**
 * The compact form of a replaced wildcard (DESIGN.md, "Forms", 2): the actions a wildcard keeps,
 * covered by patterns cut at any character rather than at CamelCase tokens, and, where they are
 * smaller, patterns with the wildcard at the start or inside the name (`ec2:*Snapshots`,
 * `s3:Get*Tagging`, `ec2:*Credit*`). Every pattern obeys the trie's two safety conditions: it
 * matches no catalog action outside the kept set, and its language lies inside the original
 * pattern's (so it grants no future action the original did not).
 *
 * Two steps:
 * 1. Character-level shortest safe prefixes. For a kept action k, a prefix p of k is safe when no
 *    catalog action outside the kept set starts with p (the catalog is sorted: only k's nearest
 *    non-kept neighbours matter, p must be longer than their common prefix with k) and `p*` lies
 *    inside the original pattern. Kept actions with the same shortest safe prefix form one entry.
 *    This is the smallest cover made of prefixes and literals (each group needs one entry at least
 *    as long as its prefix; no entry can serve two groups).
 * 2. Per service (or per the original's literal part when longer), the prefix entries of that
 *    service are re-covered greedily (weighted set cover: characters per newly covered action) by
 *    themselves, the literals, and the shortest safe suffix (`B*S`) and substring (`B*X*`)
 *    patterns of each action; redundant picks are dropped and the result replaces the prefix
 *    entries only when it is smaller.
 */
import type { ActionCatalog, CatalogAction } from '../../catalog/catalog.js';
import { GlobTooComplexError, globContains, prefixContained, type Glob } from '../../glob/glob.js';
import type { UnusedIndex } from '../unused-index.js';

/** Characters an entry adds to a compact JSON array: the text, its two quotes and a comma. */
export function entryCost(entry: string): number {
  return JSON.stringify(entry).length + 1;
}

/** A question too complex to decide counts as "no". */
function orNo(f: () => boolean): boolean {
  try {
    return f();
  } catch (e) {
    if (e instanceof GlobTooComplexError) return false;
    throw e;
  }
}

/** Length of the longest common prefix of two strings. */
function lcp(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * If `glob` is `lit*` (a literal followed by one trailing star, no `?`), `lit`; else undefined.
 * Then a pattern is inside the glob's language iff its literal start begins with `lit`.
 */
function trailingStarLiteral(glob: Glob): string | undefined {
  const lower = glob.lower;
  const body = lower.replace(/\*+$/, '');
  if (body.length === lower.length) return undefined;
  return body.includes('*') || body.includes('?') ? undefined : body;
}

/**
 * Longest inner text tried for `B*X*` patterns: longer ones rarely beat a prefix, and building the
 * substring sets of every length costs time and memory (measured on `ec2:*` minus 50%: 77 ms and
 * 4,393 characters without the cap, 24 ms and 4,539 with it).
 */
const MAX_INFIX = 10;

/** One entry of a cover with the kept actions (positions in the kept list) it covers. */
interface Entry {
  text: string;
  /** The entry's fixed literal start, lower case (the whole pattern text before its first `*`). */
  lowerPrefix: string;
  items: number[];
}

/**
 * The compact replacement of wildcard `glob`, which matches the catalog actions `matched` (in
 * catalog order), some of them unused: patterns and literals that together match exactly the used
 * ones among `matched`, each inside `glob`'s language, none matching an unused or unmatched
 * catalog action, in catalog order of their first action.
 */
export function compactEntries(
  glob: Glob,
  matched: readonly CatalogAction[],
  unused: UnusedIndex,
  catalog: ActionCatalog,
): string[] {
  return compactCover(
    glob,
    matched.filter((a) => unused.flags[a.index] !== 1),
    catalog,
  );
}

/**
 * The smallest cover found of exactly `kept` (catalog actions in catalog order, all matched by
 * `glob`) by patterns inside `glob`'s language that match no other catalog action. With `glob`
 * `*` this also gives NotAction exclusions (`kept`: the actions to exclude).
 */
export function compactCover(
  glob: Glob,
  kept: readonly CatalogAction[],
  catalog: ActionCatalog,
): string[] {
  if (kept.length === 0) return [];
  const lit = trailingStarLiteral(glob);
  const isKept = new Uint8Array(catalog.actions.length);
  for (let k = 0; k < kept.length; k++) isKept[kept[k]!.index] = 1;
  const prefixes = prefixCover(glob, lit, kept, isKept, catalog);
  const improved = improveByService(glob, lit, kept, isKept, prefixes, catalog);
  return improved.map((e) => e.text);
}

/** Step 1: the smallest cover by character-level prefixes and literals. */
function prefixCover(
  glob: Glob,
  lit: string | undefined,
  kept: readonly CatalogAction[],
  isKept: Uint8Array,
  catalog: ActionCatalog,
): Entry[] {
  const actions = catalog.actions;
  const entries: Entry[] = [];
  let current: { lower: string; entry: Entry } | undefined;
  // Nearest non-kept catalog action before the current one (scanning forward), and after it.
  let prevBad = -1;
  let scanned = -1;
  let nextBad = -1;
  kept.forEach((a, pos) => {
    for (let j = scanned + 1; j < a.index; j++) if (isKept[j] === 0) prevBad = j;
    scanned = a.index;
    if (nextBad <= a.index) {
      nextBad = a.index + 1;
      while (nextBad < actions.length && isKept[nextBad] === 1) nextBad++;
    }
    const key = a.key;
    let len =
      1 +
      Math.max(
        prevBad >= 0 ? lcp(key, actions[prevBad]!.key) : 0,
        nextBad < actions.length ? lcp(key, actions[nextBad]!.key) : 0,
      );
    if (lit !== undefined) len = Math.max(len, lit.length);
    else {
      while (len <= key.length && !orNo(() => prefixContained(glob, key.slice(0, len)))) len++;
    }
    if (len > key.length) {
      // A prefix of a non-kept action (or no safe prefix at all): only the literal is exact.
      current = undefined;
      entries.push({ text: a.full, lowerPrefix: key, items: [pos] });
      return;
    }
    const lower = key.slice(0, len);
    if (current !== undefined && current.lower === lower) {
      current.entry.items.push(pos);
      return;
    }
    const entry: Entry = { text: `${a.full.slice(0, len)}*`, lowerPrefix: lower, items: [pos] };
    current = { lower, entry };
    entries.push(entry);
  });
  // A single action under its prefix is written as itself when that is not longer.
  for (const e of entries) {
    if (e.items.length !== 1 || !e.text.endsWith('*')) continue;
    const a = kept[e.items[0]!]!;
    if (a.full.length <= e.text.length) {
      e.text = a.full;
      e.lowerPrefix = a.key;
    }
  }
  return entries;
}

/** Step 2: re-cover each service's prefix entries with suffix and substring patterns, if smaller. */
function improveByService(
  glob: Glob,
  lit: string | undefined,
  kept: readonly CatalogAction[],
  isKept: Uint8Array,
  prefixes: Entry[],
  catalog: ActionCatalog,
): Entry[] {
  const baseOf = (a: CatalogAction): string => {
    const service = `${a.service}:`;
    return lit !== undefined && lit.length > service.length ? lit : service;
  };
  // Entries whose literal start ends inside the base stay as they are (they cover whole services).
  const out: Entry[] = [];
  const groups = new Map<string, Entry[]>();
  for (const e of prefixes) {
    const base = baseOf(kept[e.items[0]!]!);
    if (e.lowerPrefix.length <= base.length || e.items.length === 0) {
      out.push(e);
      continue;
    }
    let g = groups.get(base);
    if (g === undefined) groups.set(base, (g = []));
    g.push(e);
  }
  const contained = new Map<string, boolean>();
  const inside = (pattern: string): boolean => {
    if (lit !== undefined) return true; // starts with the base, which starts with lit
    let hit = contained.get(pattern);
    if (hit === undefined) contained.set(pattern, (hit = orNo(() => globContains(glob, pattern))));
    return hit;
  };
  for (const [base, entries] of groups) {
    const better = recoverGroup(base, entries, kept, isKept, catalog, inside);
    out.push(...(better ?? entries));
  }
  out.sort((x, y) => x.items[0]! - y.items[0]!);
  return out;
}

/**
 * A substring's identity in the re-cover's sets and maps: a number for short substrings of
 * common characters (no string is allocated), else the substring itself. Exact: each character
 * of {@link SUB_CODE} is a base-64 digit from 1 to 63 (no zero digit), so a number stands for
 * exactly one string of at most {@link MAX_CODED} characters, and numbers never equal strings.
 */
type SubKey = number | string;

/** Longest substring coded as a number: 8 base-64 digits are 48 bits, an exact double. */
const MAX_CODED = 8;

/** Per character code below 128, its digit (1 to 63), or 0 when it is not coded. */
const SUB_CODE = (() => {
  const t = new Uint8Array(128);
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-';
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = i + 1;
  return t;
})();

/** The {@link SubKey} of `s.slice(from, to)`. */
export function subKey(s: string, from: number, to: number): SubKey {
  if (to - from > MAX_CODED) return s.slice(from, to);
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? SUB_CODE[c]! : 0;
    if (d === 0) return s.slice(from, to);
    v = v * 64 + d;
  }
  return v;
}

/**
 * The keys ({@link subKey}) of the substrings of length `len` of each text in `texts` from
 * position `from` on. A function of its own: run inline, its loop was optimized while it ran and
 * the code after it, without type feedback yet, deoptimized that code on most later calls.
 */
function substringKeys(texts: readonly string[], from: number, len: number): Set<SubKey> {
  const out = new Set<SubKey>();
  for (let j = 0; j < texts.length; j++) {
    const t = texts[j]!;
    const last = t.length - len;
    for (let i = from; i <= last; i++) out.add(subKey(t, i, i + len));
  }
  return out;
}

/**
 * Greedy weighted set cover of the kept actions of one base's entries. Returns a cheaper list of
 * entries, or undefined when the prefix entries are already as small.
 */
function recoverGroup(
  base: string,
  entries: readonly Entry[],
  kept: readonly CatalogAction[],
  isKept: Uint8Array,
  catalog: ActionCatalog,
  inside: (pattern: string) => boolean,
): Entry[] | undefined {
  const items: number[] = [];
  for (const e of entries) items.push(...e.items);
  if (items.length < 2) return undefined;
  const baseCost = entries.reduce((n, e) => n + entryCost(e.text), 0);
  const [start, end] = catalog.prefixRange(base);
  const off = base.length;
  // Non-kept catalog actions with this base: every new pattern must avoid them. Kept actions
  // covered by other entries are not bad (they stay allowed), only not counted as covered here.
  // Remainders (the text after the base) are not sliced: substrings are read in place by `subKey`.
  const bad: string[] = [];
  for (let i = start; i < end; i++) {
    if (isKept[i] === 0) bad.push(catalog.actions[i]!.key);
  }
  const rest = items.map((p) => kept[p]!.key);
  const badSuffixes = new Set<SubKey>();
  for (const b of bad)
    for (let i = off; i <= b.length; i++) badSuffixes.add(subKey(b, i, b.length));
  // Per length, the substrings of that length of the non-kept remainders (built when needed).
  const badSubs = new Map<number, Set<SubKey>>();
  const badSubsOf = (len: number): Set<SubKey> => {
    let s = badSubs.get(len);
    if (s === undefined) {
      s = substringKeys(bad, off, len);
      badSubs.set(len, s);
    }
    return s;
  };
  // The item lists of the candidates' substrings (per length) and suffixes, handed out empty and
  // filled in one pass over the items once every candidate is known: only wanted keys get a list.
  const wantedSubs = new Map<number, Map<SubKey, number[]>>();
  const itemsContaining = (x: SubKey, len: number): number[] => {
    let m = wantedSubs.get(len);
    if (m === undefined) wantedSubs.set(len, (m = new Map()));
    let list = m.get(x);
    if (list === undefined) m.set(x, (list = []));
    return list;
  };
  const wantedSuffixes = new Map<SubKey, number[]>();
  const itemsEndingWith = (x: SubKey): number[] => {
    let list = wantedSuffixes.get(x);
    if (list === undefined) wantedSuffixes.set(x, (list = []));
    return list;
  };

  // Candidates: text → covered item positions (indices into `items`).
  const candidates = new Map<string, { text: string; lowerPrefix: string; cover: number[] }>();
  const add = (text: string, lowerPrefix: string, cover: () => number[]) => {
    if (!candidates.has(text) && (lowerPrefix !== base || inside(text))) {
      candidates.set(text, { text, lowerPrefix, cover: cover() });
    }
  };
  let k = 0;
  // Per item, the length (after the base) of its prefix entry's text: a new pattern for it that is
  // longer than that entry cannot pay (the entry covers the item and more).
  const limit: number[] = [];
  for (const e of entries) {
    const cover = e.items.map(() => k++);
    for (const _ of e.items) limit.push(e.text.length - base.length);
    add(e.text, e.lowerPrefix, () => cover);
  }
  const canonicalBase = kept[items[0]!]!.full.slice(0, base.length);
  rest.forEach((r, i) => {
    const a = kept[items[i]!]!;
    const rlen = r.length - off;
    add(a.full, a.key, () => [i]);
    // Shortest suffix no non-kept action's remainder ends with (`B*S`: |S| + 1 characters).
    for (let len = 1; len <= rlen && len + 1 <= limit[i]!; len++) {
      const s = subKey(r, r.length - len, r.length);
      if (badSuffixes.has(s)) continue;
      add(`${canonicalBase}*${a.full.slice(a.full.length - len)}`, base, () => itemsEndingWith(s));
      break;
    }
    // Shortest substrings no non-kept action's remainder contains (all of that length; `B*X*`).
    for (let len = 1; len <= Math.min(rlen, MAX_INFIX) && len + 2 <= limit[i]!; len++) {
      const subs = badSubsOf(len);
      let found = false;
      for (let at = 0; at + len <= rlen; at++) {
        const x = subKey(r, off + at, off + at + len);
        if (subs.has(x)) continue;
        found = true;
        const offset = a.full.length - rlen + at;
        add(`${canonicalBase}*${a.full.slice(offset, offset + len)}*`, base, () =>
          itemsContaining(x, len),
        );
      }
      if (found) break;
    }
  });

  for (const [len, m] of wantedSubs) {
    rest.forEach((r, j) => {
      for (let i = off; i + len <= r.length; i++) {
        const list = m.get(subKey(r, i, i + len));
        if (list !== undefined && list[list.length - 1] !== j) list.push(j);
      }
    });
  }
  if (wantedSuffixes.size > 0) {
    rest.forEach((r, j) => {
      for (let i = off; i <= r.length; i++) wantedSuffixes.get(subKey(r, i, r.length))?.push(j);
    });
  }

  const chosen = greedyCover(rest.length, [...candidates.values()]);
  const cost = chosen.reduce((n, c) => n + entryCost(c.text), 0);
  if (cost >= baseCost) return undefined;
  return chosen.map((c) => ({
    text: c.text,
    lowerPrefix: c.lowerPrefix,
    items: c.cover.map((j) => items[j]!).sort((x, y) => x - y),
  }));
}

/**
 * Greedy weighted set cover (lazy: a candidate's ratio only grows as items get covered), then
 * every pick whose items are all covered by other picks is dropped, most expensive first.
 */
function greedyCover<C extends { text: string; cover: number[] }>(n: number, cands: C[]): C[] {
  const covered = new Uint8Array(n);
  let left = n;
  const ratio = (c: C): number => {
    let fresh = 0;
    for (const j of c.cover) if (covered[j] === 0) fresh++;
    return fresh === 0 ? Infinity : entryCost(c.text) / fresh;
  };
  // A binary heap of [ratio, candidate index].
  const heap: [number, number][] = [];
  const push = (x: [number, number]) => {
    heap.push(x);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]![0] <= heap[i]![0]) break;
      [heap[p], heap[i]] = [heap[i]!, heap[p]!];
      i = p;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l]![0] < heap[m]![0]) m = l;
        if (r < heap.length && heap[r]![0] < heap[m]![0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top;
  };
  cands.forEach((c, i) => push([ratio(c), i]));
  const picked: C[] = [];
  while (left > 0 && heap.length > 0) {
    const [r, i] = pop();
    const now = ratio(cands[i]!);
    if (now === Infinity) continue;
    if (now > r && heap.length > 0 && now > heap[0]![0]) {
      push([now, i]);
      continue;
    }
    const c = cands[i]!;
    picked.push(c);
    for (const j of c.cover) {
      if (covered[j] === 0) {
        covered[j] = 1;
        left--;
      }
    }
  }
  // Drop redundant picks, most expensive first.
  const count = new Uint32Array(n);
  for (const c of picked) for (const j of c.cover) count[j]!++;
  const order = [...picked].sort((x, y) => entryCost(y.text) - entryCost(x.text));
  const dropped = new Set<C>();
  for (const c of order) {
    if (c.cover.every((j) => count[j]! > 1)) {
      dropped.add(c);
      for (const j of c.cover) count[j]!--;
    }
  }
  return picked.filter((c) => !dropped.has(c));
}
