/**
 * How many times a Terraform module's directory is instantiated by the `module` blocks of the
 * walked sources: a policy written in a module called twice (or with `count`/`for_each`) is
 * deployed once per instance, often for different principals, and a patch of its text changes
 * every instance. `remediate` patches such a source only when its module has at most one instance
 * (a root module, or a module called once by a module called once, ...).
 */
import { dirname } from 'node:path';
import type { ModuleCall } from './terraform.js';

/** What {@link moduleInstances} found: the number of instances, and the calls that make them. */
export interface ModuleInstances {
  /** `many` for `count`/`for_each` on a call on the way, or a cycle. */
  count: number | 'many';
  /** The calls of `dir` itself. */
  calls: ModuleCall[];
}

/**
 * The instances of the module in `dir`: 1 when no walked `module` block calls it (a root module,
 * or one called from outside the walked folders, which the caller cannot see), else the sum over
 * its calls of the instances of the calling module.
 */
export function moduleInstances(dir: string, calls: readonly ModuleCall[]): ModuleInstances {
  const byDir = new Map<string, ModuleCall[]>();
  for (const c of calls) byDir.set(c.dir, [...(byDir.get(c.dir) ?? []), c]);
  const count = (d: string, path: ReadonlySet<string>): number | 'many' => {
    const own = byDir.get(d);
    if (own === undefined) return 1;
    if (path.has(d)) return 'many';
    const next = new Set(path).add(d);
    let total = 0;
    for (const c of own) {
      if (c.iterated) return 'many';
      const parent = count(dirname(c.file), next);
      if (parent === 'many') return 'many';
      total += parent;
    }
    return total;
  };
  return { count: count(dir, new Set()), calls: byDir.get(dir) ?? [] };
}
