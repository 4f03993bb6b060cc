/**
 * IAM action wildcards: `*` matches any run of characters (also none), `?` matches exactly one,
 * every other character matches itself case-insensitively. IAM has no escape character.
 *
 * No regular expression is ever built from a pattern. Matching splits the pattern at `*` into
 * segments and places each segment at its leftmost possible position: no backtracking, so the time
 * is O(|text| x |segment|) at worst and linear in the text for a given pattern.
 *
 * Containment (`L(inner) ⊆ L(outer)`) and intersection are decided exactly on the patterns'
 * automata (subset construction over the characters the two patterns mention plus one stand-in for
 * every other character), so they also speak about actions that do not exist yet.
 */

/** A compiled, case-insensitive wildcard pattern. */
export interface Glob {
  /** The pattern as written. */
  readonly source: string;
  /** The pattern in lower case. */
  readonly lower: string;
  /** Whether the pattern contains `*` or `?`. */
  readonly isWildcard: boolean;
  /** Tests a string of any case. */
  test(text: string): boolean;
  /** Tests a string that is already lower case (faster: no allocation). */
  testLower(lowerText: string): boolean;
}

const STAR = 42; // '*'
const WILDCARD_CHARS = /[*?]/;
const QMARK = 63; // '?'

/** Whether `text` contains an IAM wildcard character (`*` or `?`). */
export function hasWildcard(text: string): boolean {
  return text.includes('*') || text.includes('?');
}

/** Compiles a pattern once for repeated matching. */
export function compileGlob(pattern: string): Glob {
  const lower = pattern.toLowerCase();
  if (!hasWildcard(lower)) {
    return {
      source: pattern,
      lower,
      isWildcard: false,
      // No length pre-check: lower-casing may lengthen a string (U+0130 becomes 'i' + U+0307).
      test: (t) => t.toLowerCase() === lower,
      testLower: (t) => t === lower,
    };
  }
  const parts = lower.split('*');
  const hasStar = parts.length > 1;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter((p) => p.length > 0);
  const minLength = parts.reduce((n, p) => n + p.length, 0);
  const testLower = (t: string): boolean => {
    if (!hasStar) return t.length === first.length && segmentAt(t, 0, first);
    if (t.length < minLength) return false;
    if (!segmentAt(t, 0, first)) return false;
    const end = t.length - last.length;
    if (!segmentAt(t, end, last)) return false;
    let pos = first.length;
    for (const seg of middle) {
      const at = findSegment(t, seg, pos, end);
      if (at < 0) return false;
      pos = at + seg.length;
    }
    return true;
  };
  return {
    source: pattern,
    lower,
    isWildcard: true,
    test: (t) => testLower(t.toLowerCase()),
    testLower,
  };
}

/** Case-insensitive one-off match of `text` against `pattern`. */
export function globMatch(pattern: string, text: string): boolean {
  return compileGlob(pattern).test(text);
}

/** The lower-case literal text before the first wildcard: every match starts with it. */
export function literalPrefix(glob: Glob | string): string {
  const lower = typeof glob === 'string' ? glob.toLowerCase() : glob.lower;
  let i = 0;
  while (i < lower.length) {
    const c = lower.charCodeAt(i);
    if (c === STAR || c === QMARK) break;
    i++;
  }
  return lower.slice(0, i);
}

/** Whether `seg` (lower case, may hold `?`) matches `t` at offset `at`. */
function segmentAt(t: string, at: number, seg: string): boolean {
  if (at < 0 || at + seg.length > t.length) return false;
  for (let i = 0; i < seg.length; i++) {
    const c = seg.charCodeAt(i);
    if (c !== QMARK && c !== t.charCodeAt(at + i)) return false;
  }
  return true;
}

/** Leftmost offset in `[from, limit - seg.length]` where `seg` matches, or -1. */
function findSegment(t: string, seg: string, from: number, limit: number): number {
  for (let at = from; at + seg.length <= limit; at++) {
    if (segmentAt(t, at, seg)) return at;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Automata: a pattern is a sequence of tokens; NFA state i means "token i is next".

type Token = number; // a char code, or STAR, or QMARK
const OTHER = -1; // stands for every character no pattern in the question mentions

function tokensOf(glob: Glob | string): Token[] {
  const lower = typeof glob === 'string' ? glob.toLowerCase() : glob.lower;
  const out: Token[] = [];
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (c === STAR && out[out.length - 1] === STAR) continue; // '**' = '*'
    out.push(c);
  }
  return out;
}

/** Epsilon closure: a star may match nothing. States are sorted, distinct. */
function closure(tokens: Token[], states: Iterable<number>): number[] {
  const seen = new Set<number>();
  for (const s0 of states) {
    let s = s0;
    while (!seen.has(s)) {
      seen.add(s);
      if (s < tokens.length && tokens[s] === STAR) s++;
      else break;
    }
  }
  return [...seen].sort((a, b) => a - b);
}

function step(tokens: Token[], states: number[], ch: number): number[] {
  const next: number[] = [];
  for (const s of states) {
    if (s >= tokens.length) continue;
    const t = tokens[s]!;
    if (t === STAR) next.push(s);
    else if (t === QMARK || t === ch) next.push(s + 1);
  }
  return closure(tokens, next);
}

function accepts(tokens: Token[], states: number[]): boolean {
  return states.includes(tokens.length);
}

function alphabet(...all: Token[][]): number[] {
  const chars = new Set<number>();
  for (const tokens of all) for (const t of tokens) if (t !== STAR && t !== QMARK) chars.add(t);
  return [...chars, OTHER];
}

/** Explored product states before a decision is refused; patterns in policies stay far below. */
const STATE_LIMIT = 200_000;

/** Thrown when a containment or intersection question is too large to decide. */
export class GlobTooComplexError extends Error {
  override name = 'GlobTooComplexError';
}

/**
 * Breadth-first search over the product of the two patterns' subset automata; `bad` says whether a
 * reachable pair of state sets witnesses the property looked for.
 */
function search(a: Token[], b: Token[], bad: (sa: number[], sb: number[]) => boolean): boolean {
  const sigma = alphabet(a, b);
  const start: [number[], number[]] = [closure(a, [0]), closure(b, [0])];
  const key = (sa: number[], sb: number[]) => `${sa.join(',')}|${sb.join(',')}`;
  const seen = new Set<string>([key(...start)]);
  const queue: [number[], number[]][] = [start];
  for (let qi = 0; qi < queue.length; qi++) {
    const [sa, sb] = queue[qi]!;
    if (bad(sa, sb)) return true;
    if (sa.length === 0) continue;
    for (const ch of sigma) {
      const na = step(a, sa, ch);
      if (na.length === 0) continue;
      const nb = step(b, sb, ch);
      const k = key(na, nb);
      if (seen.has(k)) continue;
      if (seen.size >= STATE_LIMIT) throw new GlobTooComplexError('pattern comparison too complex');
      seen.add(k);
      queue.push([na, nb]);
    }
  }
  return false;
}

/**
 * Whether every string `inner` matches is also matched by `outer` (case-insensitive), including
 * strings that are not actions today.
 */
export function globContains(outer: Glob | string, inner: Glob | string): boolean {
  const o = tokensOf(outer);
  const i = tokensOf(inner);
  return !search(i, o, (si, so) => accepts(i, si) && !accepts(o, so));
}

/** Whether some string is matched by both patterns. */
export function globIntersects(a: Glob | string, b: Glob | string): boolean {
  const ta = tokensOf(a);
  const tb = tokensOf(b);
  return search(ta, tb, (sa, sb) => accepts(ta, sa) && accepts(tb, sb));
}

/**
 * Whether `prefix*` is contained in `outer`, i.e. every string that starts with `prefix` (lower
 * case, no wildcards) is matched by `outer`. This is the fast path of {@link globContains} the
 * prefix trie uses for every node. Throws {@link GlobTooComplexError} like {@link globContains}.
 */
export function prefixContained(outer: Glob, lowerPrefix: string): boolean {
  const lower = outer.lower;
  const firstWild = lower.search(WILDCARD_CHARS);
  if (firstWild < 0) return false; // a literal matches finitely many strings, prefix* infinitely many
  // Fast path: `lit*` (one trailing star, no `?`) contains `prefix*` iff the prefix starts with lit.
  if (firstWild === lower.length - 1 && lower.endsWith('*')) {
    return lowerPrefix.startsWith(lower.slice(0, -1));
  }
  const o = tokensOf(outer);
  let states = closure(o, [0]);
  for (let i = 0; i < lowerPrefix.length && states.length > 0; i++) {
    states = step(o, states, lowerPrefix.charCodeAt(i));
  }
  // The prefix itself (empty suffix) must be matched.
  if (!accepts(o, states)) return false;
  // Fast path: a state whose remaining tokens are all stars (at least one) accepts every suffix.
  if (states.some((s) => s < o.length && o[s] === STAR && s === o.length - 1)) return true;
  // Otherwise the states may still accept every suffix together (`*?` after `b`: the star state
  // takes non-empty suffixes, the final state the empty one). Decide universality exactly: every
  // state set reachable from here must accept.
  const sigma = alphabet(o);
  const key = (set: number[]) => set.join(',');
  const seen = new Set<string>([key(states)]);
  const queue: number[][] = [states];
  for (let qi = 0; qi < queue.length; qi++) {
    const cur = queue[qi]!;
    if (!accepts(o, cur)) return false;
    for (const ch of sigma) {
      const next = step(o, cur, ch);
      const k = key(next);
      if (seen.has(k)) continue;
      if (seen.size >= STATE_LIMIT) throw new GlobTooComplexError('pattern comparison too complex');
      seen.add(k);
      queue.push(next);
    }
  }
  return true;
}
