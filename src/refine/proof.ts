/**
 * The exactness proof (DESIGN.md, rule 6), usable on any refined policy, also a hand-edited one:
 * for every statement and every catalog action, the refined statement allows it iff the original
 * did and it is not unused; every refined pattern is contained in an original one (so no future
 * action is granted that the original did not grant); Deny statements and every non-action field
 * are unchanged.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import {
  compileGlob,
  globContains,
  globIntersects,
  hasWildcard,
  literalPrefix,
  prefixContained,
  GlobTooComplexError,
  type Glob,
} from '../glob/glob.js';
import { parsePolicy, type PolicyDocument, type PolicyStatement } from '../policy/document.js';
import { parseUnused, type UnusedPermissions, type UnusedSet } from '../policy/unused.js';
import {
  allowedSet,
  allows,
  equalsMinusUnused,
  sizeMinusUnused,
  type AllowedSet,
} from './allowed-set.js';
import { prepareStatement } from './prepared.js';
import type { Proof, StatementProof } from './types.js';
import { indexUnused, type UnusedIndex } from './unused-index.js';

/** A policy given as text, as an object, or already parsed. */
export type PolicyInput = string | object | PolicyDocument;

/** Parses `input` unless it is already a {@link PolicyDocument}. */
export function toDocument(input: PolicyInput, source?: string): PolicyDocument {
  if (isPolicyDocument(input)) return input;
  return parsePolicy(input as string | object, source === undefined ? {} : { source });
}

function isPolicyDocument(x: unknown): x is PolicyDocument {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as PolicyDocument).statements) &&
    typeof (x as PolicyDocument).raw === 'object' &&
    typeof (x as PolicyDocument).documentPath === 'string'
  );
}

/** Parses `input` unless it is already an {@link UnusedSet}. */
export function toUnusedSet(input: UnusedPermissions | UnusedSet, source?: string): UnusedSet {
  if (isUnusedSet(input)) return input;
  return parseUnused(input, source === undefined ? {} : { source });
}

function isUnusedSet(x: unknown): x is UnusedSet {
  return typeof x === 'object' && x !== null && (x as UnusedSet).services instanceof Map;
}

/**
 * Checks `refined` against `original` and the unused permissions. `refined` null means the policy
 * is detached (it allows nothing). Statements are paired by their non-action fields (Effect, Sid,
 * Resource, Condition, ...), in order; a refined statement that pairs with none is reported.
 */
export function verifyRefinement(
  original: PolicyInput,
  refined: PolicyInput | null,
  unused: UnusedPermissions | UnusedSet,
  options: { catalog: ActionCatalog },
): Proof {
  const orig = toDocument(original, '<original>');
  const ref = refined === null ? null : toDocument(refined, '<refined>');
  const uindex = indexUnused(toUnusedSet(unused), options.catalog);
  return prove(orig, ref, uindex, options.catalog);
}

/**
 * The proof itself. `pairing[i]` (when given) is the refined statement index of original statement
 * `i`, or null when it was dropped; otherwise statements are paired by their non-action fields.
 */
export function prove(
  orig: PolicyDocument,
  ref: PolicyDocument | null,
  uindex: UnusedIndex,
  catalog: ActionCatalog,
  pairing?: readonly (number | null)[],
): Proof {
  const refStatements = ref?.statements ?? [];
  const structural: string[] = [];
  const pairs = pairing ?? pairStatements(orig.statements, refStatements, uindex, catalog);
  const usedRefined = new Set<number>();
  const problems: StatementProof[] = [];
  let statementsChecked = 0;
  let patternsChecked = 0;

  orig.statements.forEach((o, i) => {
    const j = pairs[i] ?? null;
    const r = j === null ? undefined : refStatements[j];
    if (j !== null) usedRefined.add(j);
    if (o.effect === 'Deny') {
      if (!r || !deepEqual(o.raw, r.raw)) {
        structural.push(`Deny statement ${label(o)} was ${r ? 'changed' : 'removed'}`);
      }
      return;
    }
    statementsChecked++;
    if (r && nonActionKey(o) !== nonActionKey(r)) {
      structural.push(
        `statement ${label(o)}: fields other than Action/NotAction differ in refined statement ${j}`,
      );
    }
    const before = prepareStatement(o, catalog).allowed;

    const after: AllowedSet = r
      ? allowedSet(r.actionKey, r.actions, catalog)
      : { kind: 'in', set: new Set() };
    const widened = r ? widenedPatterns(o, r, catalog) : { widened: [], checked: 0 };
    patternsChecked += widened.checked;
    const size = catalog.actions.length;
    const unusedCount = uindex.sorted.length;
    if (
      widened.widened.length === 0 &&
      equalsMinusUnused(before, after, uindex.flags, unusedCount, size)
    ) {
      return;
    }
    const p: StatementProof = {
      originalIndex: i,
      refinedIndex: j,
      grantsNew: [],
      grantsUnused: [],
      lostUsed: [],
      widenedPatterns: widened.widened,
    };
    for (const a of catalog.actions) {
      const was = allows(before, a.index);
      const now = allows(after, a.index);
      const isUnused = uindex.flags[a.index] === 1;
      if (now && !was) p.grantsNew.push(a.full);
      else if (now && isUnused) p.grantsUnused.push(a.full);
      else if (!now && was && !isUnused) p.lostUsed.push(a.full);
    }
    problems.push(p);
  });

  const unmatchedRefined: number[] = [];
  refStatements.forEach((r, j) => {
    if (usedRefined.has(j)) return;
    if (r.effect === 'Deny') {
      structural.push(`Deny statement ${label(r)} of the refined policy is not in the original`);
    } else {
      unmatchedRefined.push(j);
    }
  });

  return {
    exact: problems.length === 0 && unmatchedRefined.length === 0 && structural.length === 0,
    catalogActions: catalog.actions.length,
    statementsChecked,
    patternsChecked,
    problems,
    unmatchedRefined,
    structural,
  };
}

function label(s: PolicyStatement): string {
  return s.sid === undefined ? `#${s.index}` : `#${s.index} (Sid "${s.sid}")`;
}

/** Whether pattern `inner` (an entry of a refined statement) is contained in `outer`. */
function entryContained(outer: Glob, inner: string): boolean {
  if (!hasWildcard(inner)) return outer.test(inner);
  // A literal matches one string; a pattern with a wildcard matches more than one.
  if (!outer.isWildcard) return false;
  // Fast path: `lit*` contains a pattern iff the pattern's text before its first wildcard starts
  // with lit (a `?` or `*` earlier can produce a string that does not start with lit).
  const star = outer.lower.indexOf('*');
  if (
    star >= 0 &&
    !hasWildcard(outer.lower.slice(0, star)) &&
    /^\*+$/.test(outer.lower.slice(star))
  ) {
    return literalPrefix(inner).startsWith(outer.lower.slice(0, star));
  }
  const body = inner.slice(0, -1);
  if (inner.endsWith('*') && !hasWildcard(body)) return prefixContained(outer, body.toLowerCase());
  return globContains(outer, inner);
}

/**
 * Refined patterns that may allow strings (future actions included) the original statement did not.
 * Returns them with the number of pattern checks made.
 */
function widenedPatterns(
  o: PolicyStatement,
  r: PolicyStatement,
  catalog: ActionCatalog,
): { widened: string[]; checked: number } {
  const widened: string[] = [];
  let checked = 0;
  const origLower = new Set(o.actions.map((e) => e.toLowerCase()));
  const origGlobs = prepareStatement(o, catalog).entries.map((e) => e.glob);
  // A question too complex to decide counts against the refinement (containment: no; overlap: yes).
  const safely = (f: () => boolean, whenTooComplex = false): boolean => {
    try {
      return f();
    } catch (e) {
      if (e instanceof GlobTooComplexError) return whenTooComplex;
      throw e;
    }
  };
  if (o.actionKey === 'Action' && r.actionKey === 'Action') {
    for (const e of r.actions) {
      if (origLower.has(e.toLowerCase())) continue;
      checked++;
      if (!origGlobs.some((g) => safely(() => entryContained(g, e)))) widened.push(e);
    }
  } else if (o.actionKey === 'NotAction' && r.actionKey === 'NotAction') {
    // Refined excludes must cover every original exclusion.
    const refLower = new Set(r.actions.map((e) => e.toLowerCase()));
    // Compiled only when an original exclusion is not kept as written (rare: refinement only
    // appends to NotAction), not for every one of the hundreds of entries it may have appended.
    let refGlobs: Glob[] | undefined;
    for (const e of o.actions) {
      if (refLower.has(e.toLowerCase())) continue;
      checked++;
      refGlobs ??= r.actions.map(compileGlob);
      if (!refGlobs.some((g) => safely(() => entryContained(g, e)))) {
        widened.push(`NotAction no longer excludes ${e}`);
      }
    }
  } else if (o.actionKey === 'NotAction' && r.actionKey === 'Action') {
    for (const e of r.actions) {
      checked++;
      if (origGlobs.some((g) => safely(() => globIntersects(g, e), true))) widened.push(e);
    }
  } else if (o.actions.some((e) => e.includes('*') && safely(() => globContains(e, '*:*')))) {
    // The original allowed every action, future ones included: a NotAction can only narrow it.
    checked++;
  } else {
    checked++;
    widened.push('NotAction (an Action statement became NotAction: it allows future actions)');
  }
  return { widened, checked };
}

/** Canonical text of a statement without its Action/NotAction (sorted keys). */
function nonActionKey(s: PolicyStatement): string {
  const rest: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(s.raw)) if (k !== 'Action' && k !== 'NotAction') rest[k] = s.raw[k];
  return canonical(rest);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

function deepEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/**
 * Pairs original Allow statements with refined ones that have the same non-action fields, in order.
 * Within a group of equal fields the pairing that leaves the fewest mismatches is chosen (an
 * order-preserving alignment, as in a diff).
 */
function pairStatements(
  orig: readonly PolicyStatement[],
  ref: readonly PolicyStatement[],
  uindex: UnusedIndex,
  catalog: ActionCatalog,
): (number | null)[] {
  const pairs: (number | null)[] = orig.map(() => null);
  const groups = new Map<string, { o: number[]; r: number[] }>();
  const group = (key: string) => {
    let g = groups.get(key);
    if (!g) {
      g = { o: [], r: [] };
      groups.set(key, g);
    }
    return g;
  };
  orig.forEach((s, i) => group(`${s.effect}\u0000${nonActionKey(s)}`).o.push(i));
  ref.forEach((s, j) => group(`${s.effect}\u0000${nonActionKey(s)}`).r.push(j));
  for (const { o, r } of groups.values()) {
    if (o.length === 0 || r.length === 0) continue;
    const os = o.map((i) => orig[i]!);
    if (os[0]!.effect === 'Deny') {
      // Deny statements must be identical: pair equal texts in order.
      const taken = new Set<number>();
      o.forEach((i) => {
        const j = r.find((jj) => !taken.has(jj) && deepEqual(orig[i]!.raw, ref[jj]!.raw));
        if (j !== undefined) {
          taken.add(j);
          pairs[i] = j;
        }
      });
      continue;
    }
    const before = os.map((s) => prepareStatement(s, catalog).allowed);
    const actual = r.map((j) => allowedSet(ref[j]!.actionKey, ref[j]!.actions, catalog));
    const n = o.length;
    const m = r.length;
    const size = catalog.actions.length;
    const unusedCount = uindex.sorted.length;
    const leftEmpty = before.map((b) => sizeMinusUnused(b, uindex.flags, unusedCount, size) === 0);
    // cost[i][j]: best cost aligning the first i originals with the first j refined statements.
    const INF = Number.MAX_SAFE_INTEGER;
    const cost: number[][] = Array.from({ length: n + 1 }, () =>
      new Array<number>(m + 1).fill(INF),
    );
    const move: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    cost[0]![0] = 0;
    for (let i = 0; i <= n; i++) {
      for (let j = 0; j <= m; j++) {
        const c = cost[i]![j]!;
        if (c === INF) continue;
        if (i < n) {
          // original i dropped: free only if nothing used was left in it
          const d = c + (leftEmpty[i]! ? 0 : 1);
          if (d < cost[i + 1]![j]!) {
            cost[i + 1]![j] = d;
            move[i + 1]![j] = 1;
          }
        }
        if (j < m) {
          const d = c + 2; // refined j unmatched
          if (d < cost[i]![j + 1]!) {
            cost[i]![j + 1] = d;
            move[i]![j + 1] = 2;
          }
        }
        if (i < n && j < m) {
          const exact =
            equalsMinusUnused(before[i]!, actual[j]!, uindex.flags, unusedCount, size) &&
            widenedPatterns(os[i]!, ref[r[j]!]!, catalog).widened.length === 0;
          const d = c + (exact ? 0 : 1);
          if (d < cost[i + 1]![j + 1]!) {
            cost[i + 1]![j + 1] = d;
            move[i + 1]![j + 1] = 3;
          }
        }
      }
    }
    for (let i = n, j = m; i > 0 || j > 0;) {
      const mv = move[i]![j]!;
      if (mv === 3) {
        pairs[o[i - 1]!] = r[j - 1]!;
        i--;
        j--;
      } else if (mv === 1) i--;
      else j--;
    }
  }
  return pairs;
}
