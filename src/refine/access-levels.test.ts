import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { actionsByAccessLevel } from './access-levels.js';

let catalog: ActionCatalog;
beforeAll(async () => {
  catalog = await loadCatalog();
});

/** The obvious way: names grouped by level, each list de-duplicated and string-sorted. */
function reference(indices: number[], others: string[]): Record<string, string[]> {
  const groups = new Map<string, Set<string>>();
  const add = (level: string, name: string) => {
    if (!groups.has(level)) groups.set(level, new Set());
    groups.get(level)!.add(name);
  };
  for (const i of indices) {
    const a = catalog.actions[i]!;
    add(a.accessLevel ?? 'Unknown', a.full);
  }
  for (const name of others) add(catalog.get(name)?.accessLevel ?? 'Unknown', name);
  const order = ['Read', 'Write', 'List', 'Tagging', 'Permissions management', 'Unknown'];
  return Object.fromEntries(
    order.filter((l) => groups.has(l)).map((l) => [l, [...groups.get(l)!].sort()]),
  );
}

describe('actionsByAccessLevel', () => {
  it('agrees with sorting the names, for few and for many indices, with repeats and other names', () => {
    const n = () => catalog.actions.length;
    const arbIndices = fc.oneof(
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.nat(), { minLength: 1500, maxLength: 6000 }),
    );
    const arbOthers = fc.array(
      fc.oneof(
        fc.constantFrom('nope:Thing', 's3:getobject', 'EC2:DescribeInstances', 'x:Y'),
        fc.nat().map((i) => catalog.actions[i % n()]!.full.toUpperCase()),
      ),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(arbIndices, arbOthers, (raw, others) => {
        const indices = raw.map((i) => i % n());
        expect(actionsByAccessLevel(catalog, indices, others)).toEqual(reference(indices, others));
      }),
      { numRuns: 60 },
    );
  });

  it('lists the whole catalog in string order (where case-sensitive order differs from the catalog order)', () => {
    const all = [...catalog.actions.keys()];
    const out = actionsByAccessLevel(catalog, all);
    expect(Object.values(out).reduce((k, l) => k + l.length, 0)).toBe(catalog.actions.length);
    expect(out).toEqual(reference(all, []));
    // The catalog is ordered by lower-case name, the lists by the names as written: they differ.
    const byCatalog = catalog.actions.filter((a) => a.accessLevel === 'Read').map((a) => a.full);
    expect(out.Read).not.toEqual(byCatalog);
  });

  it('gives no level for nothing', () => {
    expect(actionsByAccessLevel(catalog, [])).toEqual({});
  });
});
