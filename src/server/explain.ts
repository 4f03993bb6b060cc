/**
 * What the finding page shows for one policy recommendation besides the stored data: the original
 * document (when the finding carries it), and the prefix tries behind each replaced wildcard, which
 * the store does not keep and which are recomputed here.
 *
 * The refinement is recomputed from the original document with, as unused set, the actions the
 * stored recommendation removed (`removedByAccessLevel`). Refinement depends on the unused set
 * only through the actions the policy allows, so this gives the stored result, also for a group
 * policy (refined with the group's unused set, not the principal's). The recomputed policy is
 * compared with the stored one: with another catalog version the two may differ, and the page
 * says so.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import type { PolicyRecommendation } from '../findings/types.js';
import { parseUnused } from '../policy/unused.js';
import { refinePolicy } from '../refine/refine.js';
import type { TrieNode } from '../refine/types.js';

/** One trie to draw. */
export interface TriePicture {
  /** Index of the statement in the original policy. */
  statement: number;
  /** The statement's Sid, if any. */
  sid?: string;
  /** `action`: a replaced `Action` wildcard; `exclusion`: entries added to `NotAction`. */
  kind: 'action' | 'exclusion';
  /** The original wildcard (for `action`). */
  entry?: string;
  /** What replaced it. */
  replacement: string[];
  root: TrieNode;
}

/** The recomputed explanation of a policy recommendation. */
export interface PolicyExplanation {
  /** The original document, when the finding carries it. */
  original?: Record<string, unknown>;
  /** The tries, in statement order (empty without an original document). */
  tries: TriePicture[];
  /**
   * Why the tries could not be drawn or may be off: no original document stored, the recomputed
   * refinement differs from the stored one, or recomputing failed.
   */
  note?: string;
}

/**
 * The policy's original document, when the scan stored it with the recommendation
 * (`originalPolicy`; older data has none).
 */
export function originalDocument(rec: PolicyRecommendation): Record<string, unknown> | undefined {
  const value = (rec as { originalPolicy?: unknown }).originalPolicy;
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Everything the recommendation removed, as an unused list: `service:Name` per listed action and
 * `service:*` per service removed whole (`removedServices`).
 */
export function removedActions(rec: PolicyRecommendation): string[] {
  const out = new Set<string>();
  for (const list of Object.values(rec.removedByAccessLevel)) {
    for (const action of list ?? []) out.add(action);
  }
  for (const service of rec.removedServices ?? []) out.add(`${service}:*`);
  return [...out].sort();
}

/** JSON with sorted keys, for comparing documents regardless of key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** Recomputes what the page draws for `rec` (see the module comment). Never throws. */
export function explainRecommendation(
  rec: PolicyRecommendation,
  catalog: ActionCatalog,
  scanCatalogVersion?: string,
): PolicyExplanation {
  const original = originalDocument(rec);
  if (original === undefined) {
    return {
      tries: [],
      note:
        rec.recommendedAction === 'NONE'
          ? undefined
          : 'The original policy document is not stored with this finding, so the diff and the trie pictures cannot be drawn (re-scan with this version of iam-refine).',
    };
  }
  if (rec.recommendedAction === 'NONE') return { original, tries: [] };
  try {
    const unused = parseUnused(removedActions(rec));
    const refinement = refinePolicy(original, unused, { catalog, source: rec.policyId });
    const tries: TriePicture[] = [];
    for (const st of refinement.statements) {
      for (const entry of st.entries) {
        if (entry.trie === undefined) continue;
        const picture: TriePicture = {
          statement: st.index,
          kind: 'action',
          entry: entry.entry,
          replacement: entry.replacement,
          root: entry.trie,
        };
        if (st.sid !== undefined) picture.sid = st.sid;
        tries.push(picture);
      }
      if (st.exclusionTrie !== undefined) {
        const picture: TriePicture = {
          statement: st.index,
          kind: 'exclusion',
          replacement: st.added.map((a) => a.entry),
          root: st.exclusionTrie,
        };
        if (st.sid !== undefined) picture.sid = st.sid;
        tries.push(picture);
      }
    }
    const explanation: PolicyExplanation = { original, tries };
    const same =
      refinement.recommendedAction === rec.recommendedAction &&
      canonical(refinement.policy) === canonical(rec.policy);
    if (!same) {
      explanation.note =
        `Recomputing this refinement with catalog ${catalog.version} gives a different policy` +
        (scanCatalogVersion !== undefined && scanCatalogVersion !== catalog.version
          ? ` than the scan did with catalog ${scanCatalogVersion}`
          : ' than the one stored') +
        ': the tries drawn are those of the recomputed refinement.';
    }
    return explanation;
  } catch (error) {
    return {
      original,
      tries: [],
      note: `The tries could not be recomputed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}
