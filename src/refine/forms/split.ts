/**
 * The split form (DESIGN.md, "Forms", 4): a refined policy too large for one policy, spread over
 * several, each within a size quota. IAM grants the union of what a principal's policies allow, so
 * an Allow `Action` statement may be cut into copies that each carry part of its entries; a
 * `NotAction` statement cannot be cut (two NotAction copies would allow what either one allows:
 * more than the statement) and a Deny statement is kept once. The parts are filled in statement
 * order (next fit), so the pieces of one statement are adjacent and {@link mergeParts} gives back
 * the statements whose union the proof checks.
 */
import { withKey } from '../../policy/copy.js';
import { policySize } from '../../policy/size.js';

/** A split policy: the parts, and for each part statement the refined statement it comes from. */
export interface Split {
  /** The policy documents, in order. */
  parts: Record<string, unknown>[];
  /** `origins[p][s]`: index, in the refined policy, of the statement part `p`'s statement `s` is cut from. */
  origins: number[][];
}

/**
 * Splits `policy` (a refined document whose `Statement` is a list or one object) into at most
 * `maxParts` documents of at most `quota` characters each (IAM's count, no whitespace). Returns
 * undefined when that cannot be done (a statement that cannot be cut is itself over the quota, or
 * more parts would be needed).
 */
export function splitPolicy(
  policy: Record<string, unknown>,
  quota: number,
  maxParts: number,
): Split | undefined {
  const raw = policy.Statement;
  const statements = (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[];
  const empty = withKey(policy, 'Statement', []);
  const envelope = policySize(empty); // `{"Version":"2012-10-17","Statement":[]}`
  interface Part {
    statements: Record<string, unknown>[];
    origins: number[];
    size: number;
  }
  const parts: Part[] = [];
  const open = (): Part => {
    const part: Part = { statements: [], origins: [], size: envelope };
    parts.push(part);
    return part;
  };
  let current = open();
  // Adds a statement of `size` characters to the current part, opening a new one when full.
  const place = (st: Record<string, unknown>, origin: number, size: number): boolean => {
    const extra = size + (current.statements.length > 0 ? 1 : 0); // the comma between statements
    if (current.size + extra > quota) {
      if (current.statements.length === 0) return false;
      current = open();
      return place(st, origin, size);
    }
    current.statements.push(st);
    current.origins.push(origin);
    current.size += extra;
    return true;
  };
  for (let i = 0; i < statements.length; i++) {
    const st = statements[i]!;
    const action = st.Action;
    if (st.Effect !== 'Allow' || action === undefined || typeof action === 'string') {
      if (!place(st, i, policySize(st))) return undefined;
      continue;
    }
    const entries = action as unknown[];
    // Cut the entries into runs that fill the parts: a run goes into the current part when the
    // statement's copy with at least one entry still fits there.
    const shell = policySize(withKey(st, 'Action', [])); // the statement with `"Action":[]`
    let k = 0;
    while (k < entries.length) {
      const comma = current.statements.length > 0 ? 1 : 0;
      let room = quota - current.size - comma - shell;
      const first = policySize(entries[k]);
      if (room < first) {
        if (current.statements.length === 0) return undefined; // one entry is too large alone
        current = open();
        continue;
      }
      const run: unknown[] = [];
      while (k < entries.length) {
        const cost = policySize(entries[k]) + (run.length > 0 ? 1 : 0);
        if (cost > room) break;
        run.push(entries[k]);
        room -= cost;
        k++;
      }
      const piece = withKey(st, 'Action', run);
      current.statements.push(piece);
      current.origins.push(i);
      current.size += comma + policySize(piece);
    }
  }
  if (parts.length > maxParts) return undefined;
  return {
    parts: parts.map((p) => withKey(policy, 'Statement', p.statements)),
    origins: parts.map((p) => p.origins),
  };
}

/**
 * The union of a split's parts as one document, for the proof: the part statements in order, the
 * adjacent pieces of one refined statement joined back into one statement (their `Action` lists
 * concatenated). Every part statement is in the result exactly once. Also returns, per merged
 * statement, the refined statement it stands for.
 */
export function mergeParts(split: Split): {
  policy: Record<string, unknown>;
  origins: number[];
} {
  const merged: Record<string, unknown>[] = [];
  const origins: number[] = [];
  split.parts.forEach((part, p) => {
    const statements = part.Statement as Record<string, unknown>[];
    statements.forEach((st, s) => {
      const origin = split.origins[p]![s]!;
      const last = merged.length - 1;
      if (last >= 0 && origins[last] === origin && Array.isArray(st.Action)) {
        const prev = merged[last]!;
        merged[last] = withKey(prev, 'Action', [
          ...(prev.Action as unknown[]),
          ...(st.Action as unknown[]),
        ]);
        return;
      }
      merged.push(st);
      origins.push(origin);
    });
  });
  return { policy: withKey(split.parts[0]!, 'Statement', merged), origins };
}

/** Canonical text of a statement without its Action/NotAction (sorted keys). */
function fieldsKey(st: Record<string, unknown>): string {
  const canonical = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return `{${Object.keys(o)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
        .join(',')}}`;
    }
    return JSON.stringify(v) ?? 'undefined';
  };
  const rest: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(st)) if (k !== 'Action' && k !== 'NotAction') rest[k] = st[k];
  return canonical(rest);
}

/**
 * A set of policies given as one refinement (the parts of a split, in order), as one document for
 * the proof: their statements in order, each run of adjacent Allow `Action` statements with the
 * same other fields joined into one (as {@link mergeParts} joins a split's pieces). A set cut
 * differently (the pieces of a statement not adjacent) fails the proof: it is never passed wrongly.
 */
export function mergePolicies(docs: readonly Record<string, unknown>[]): Record<string, unknown> {
  const merged: Record<string, unknown>[] = [];
  let lastKey: string | undefined;
  for (const doc of docs) {
    const raw = doc.Statement;
    for (const st of (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[]) {
      const joinable = st.Effect === 'Allow' && st.Action !== undefined;
      const key = joinable ? fieldsKey(st) : undefined;
      if (key !== undefined && key === lastKey) {
        const prev = merged[merged.length - 1]!;
        merged[merged.length - 1] = withKey(prev, 'Action', [
          ...([] as unknown[]).concat(prev.Action),
          ...([] as unknown[]).concat(st.Action),
        ]);
        continue;
      }
      merged.push(st);
      lastKey = key;
    }
  }
  return withKey(docs[0] ?? {}, 'Statement', merged);
}
