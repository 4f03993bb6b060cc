/**
 * The shapes refinement produces: what changed in each statement, the trie behind every replaced
 * wildcard, the exactness proof, and the Access Analyzer-style recommended steps.
 */
import type { AccessLevel, CatalogAction } from '../catalog/catalog.js';

/** Access Analyzer's recommended actions, plus `NONE` when nothing in the policy is unused. */
export type RecommendedAction = 'CREATE_POLICY' | 'DETACH_POLICY' | 'NONE';

/** One node of the prefix trie drawn for a replaced wildcard (the article's figure). */
export interface TrieNode {
  /** The node's full prefix in canonical casing, e.g. `s3:GetBucket`. */
  prefix: string;
  /** The token this node adds to its parent's prefix, e.g. `Bucket`. */
  token: string;
  /**
   * Safe: every catalog action starting with the prefix is allowed and used, and `prefix*` grants
   * nothing the original pattern did not. Unsafe nodes are expanded; safe ones are not.
   */
  safe: boolean;
  /** Whether the node's prefix is itself a catalog action matched by the original pattern. */
  isAction: boolean;
  /**
   * Whether that action (when `isAction`) is unused; on a node that is not an action, whether every
   * matched action under it is unused (such nodes are not expanded: nothing below can be kept).
   */
  unused: boolean;
  /** Number of catalog actions the original pattern matches below (and at) this node. */
  actionCount: number;
  /** Number of those that are unused. */
  unusedCount: number;
  /** What this node put into the refined policy, if anything (`s3:GetObject*`, `s3:GetJobTagging`). */
  emitted?: string;
  /** Children, sorted by token; empty for safe and wholly unused nodes (they are not expanded). */
  children: TrieNode[];
}

/** One entry the refinement added, with the original entry it stands for. */
export interface AddedEntry {
  /** The new entry, e.g. `s3:GetObject*`. */
  entry: string;
  /** The original wildcard it replaces (Action), or `null` for entries added to NotAction. */
  replaces: string | null;
}

/** What happened to one original `Action`/`NotAction` entry. */
export interface EntryChange {
  /** The entry as written in the original policy. */
  entry: string;
  /** `removed`: every action it allows is unused; `replaced`: rewritten as `replacement`. */
  kind: 'removed' | 'replaced';
  /** The entries that now stand in its place (empty for `removed`). */
  replacement: string[];
  /** The unused catalog actions this entry allowed (canonical `service:Name`). */
  unusedActions: string[];
  /** The prefix trie that explains the replacement (wildcards only). */
  trie?: TrieNode;
}

/** The changes made to one statement. */
export interface StatementChange {
  /** Index in the original `Statement` list. */
  index: number;
  /** The statement's Sid, if any. */
  sid?: string;
  /** The statement's Effect. */
  effect: 'Allow' | 'Deny';
  /** `Action` or `NotAction`. */
  actionKey: 'Action' | 'NotAction';
  /** `dropped`: nothing left to allow; `changed`: entries rewritten; `unchanged`. */
  outcome: 'dropped' | 'changed' | 'unchanged';
  /** Changes to the statement's original entries. */
  entries: EntryChange[];
  /** Entries the refined statement has that the original did not. */
  added: AddedEntry[];
  /** For a NotAction statement that grew: the trie behind the exclusions added. */
  exclusionTrie?: TrieNode;
  /** Unused catalog actions the statement no longer allows, by access level. */
  removedByAccessLevel: Partial<Record<AccessLevel | 'Unknown', string[]>>;
}

/** A problem with one statement found by the proof. */
export interface StatementProof {
  /** Index in the original `Statement` list. */
  originalIndex: number;
  /** Index in the refined `Statement` list, or null when the statement was dropped. */
  refinedIndex: number | null;
  /** Catalog actions the refined statement allows that the original did not. */
  grantsNew: string[];
  /** Unused catalog actions the refined statement still allows. */
  grantsUnused: string[];
  /** Used catalog actions the original allowed that the refined statement lost. */
  lostUsed: string[];
  /** Refined patterns not contained in the original (could grant future actions). */
  widenedPatterns: string[];
}

/** The exactness proof of a refinement (DESIGN.md, rule 6). */
export interface Proof {
  /** True when every check holds. */
  exact: boolean;
  /** Number of catalog actions checked per statement. */
  catalogActions: number;
  /** Number of statement pairs compared. */
  statementsChecked: number;
  /** Number of new patterns checked for containment in the pattern they replace. */
  patternsChecked: number;
  /** Per statement pair, the problems found (only pairs with problems are listed). */
  problems: StatementProof[];
  /** Refined statements that match no original statement (everything they allow is new). */
  unmatchedRefined: number[];
  /**
   * Structural problems: a Deny statement changed or removed, a statement's Resource, Condition,
   * Principal or Sid changed. Each is one sentence.
   */
  structural: string[];
}

/** A warning about the inputs that did not stop the refinement. */
export interface RefineWarning {
  code: 'unknown_action' | 'unknown_service' | 'unknown_unused_action' | 'unknown_unused_service';
  /** JSON path in the policy (or the unused list) it concerns. */
  path: string;
  message: string;
}

/** Access Analyzer's `unusedPermissionsRecommendedStep`. */
export interface RecommendedStep {
  unusedPermissionsRecommendedStep: {
    recommendedAction: 'CREATE_POLICY' | 'DETACH_POLICY';
    recommendedPolicy?: string;
    existingPolicyId?: string;
  };
}

/** The result of {@link refinePolicy}. */
export interface Refinement {
  /** `CREATE_POLICY` (a refined document), `DETACH_POLICY` (nothing used) or `NONE` (no change). */
  recommendedAction: RecommendedAction;
  /** The refined document (original key order and shapes kept), or null for DETACH/NONE. */
  policy: Record<string, unknown> | null;
  /** The original document as parsed. */
  original: Record<string, unknown>;
  /** Per original statement, what changed. */
  statements: StatementChange[];
  /**
   * Everything the refinement removed, merged over the statements: the catalog actions in catalog
   * order (each once), and removed entries that name no catalog action, as written.
   */
  removed: { actions: readonly CatalogAction[]; other: readonly string[] };
  /** The exactness proof; `exact` is always true for a returned refinement. */
  proof: Proof;
  /** Input warnings (unknown actions are kept, never dropped). */
  warnings: RefineWarning[];
  /** The catalog version the refinement was computed with. */
  catalogVersion: string;
}
