/**
 * What refinement and its proof need of a statement's entries (compiled patterns, the catalog
 * actions each matches, the set the statement allows), computed once per statement and catalog.
 * A scan refines the same parsed policy for thousands of principals with different unused sets;
 * only the unused set changes between those refinements, so this part is shared.
 */
import type { ActionCatalog, CatalogAction } from '../catalog/catalog.js';
import { compileGlob, literalPrefix, type Glob } from '../glob/glob.js';
import type { PolicyStatement } from '../policy/document.js';
import { allowedSet, type AllowedSet } from './allowed-set.js';

/** One entry of an `Action` or `NotAction` list, resolved against the catalog. */
export interface PreparedEntry {
  /** The entry as written. */
  readonly entry: string;
  readonly glob: Glob;
  /** The catalog actions it matches, in catalog order (shared: never modify). */
  readonly matched: readonly CatalogAction[];
  /**
   * For a wildcard whose text before the first wildcard names a service (`s3:Get*` → `s3`): that
   * service, lower case. The pattern then stays inside the service, future actions included.
   */
  readonly service: string | undefined;
}

/** A statement's entries resolved against the catalog, and what the statement allows. */
export interface PreparedStatement {
  readonly entries: readonly PreparedEntry[];
  /** What the statement allows over the catalog (shared: never modify). */
  readonly allowed: AllowedSet;
}

const prepared = new WeakMap<ActionCatalog, WeakMap<PolicyStatement, PreparedStatement>>();

/** The statement's {@link PreparedStatement}, computed on first use for this catalog. */
export function prepareStatement(st: PolicyStatement, catalog: ActionCatalog): PreparedStatement {
  let perCatalog = prepared.get(catalog);
  if (perCatalog === undefined) prepared.set(catalog, (perCatalog = new WeakMap()));
  let p = perCatalog.get(st);
  if (p !== undefined) return p;
  const entries = st.actions.map((entry): PreparedEntry => {
    const glob = compileGlob(entry);
    let service: string | undefined;
    if (glob.isWildcard) {
      const lp = literalPrefix(glob);
      const colon = lp.indexOf(':');
      if (colon > 0) service = lp.slice(0, colon);
    }
    return { entry, glob, matched: catalog.match(glob), service };
  });
  p = { entries, allowed: allowedSet(st.actionKey, st.actions, catalog) };
  perCatalog.set(st, p);
  return p;
}
