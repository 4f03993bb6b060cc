/**
 * The permission-set part of a scan: for every permission set of a `--permission-sets` file, the
 * evidence of each provisioned account, the unused intersection and the recommendation.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import type { ScanResult } from '../findings/types.js';
import type { Inventory } from '../inventory/types.js';
import { recommendPermissionSet, type PermissionSetRecommendation } from './recommend.js';
import type { PermissionSetsFile } from './types.js';
import { indexScan, permissionSetUnused } from './unused.js';

/**
 * The recommendation of every permission set of `files`, sorted by name then ARN. A permission set
 * listed in several files is taken once (the first).
 */
export function permissionSetRecommendations(
  files: readonly PermissionSetsFile[],
  result: ScanResult,
  inventory: Inventory,
  catalog: ActionCatalog,
): PermissionSetRecommendation[] {
  const scan = indexScan(result);
  const seen = new Set<string>();
  const out: PermissionSetRecommendation[] = [];
  for (const file of files) {
    for (const instance of file.instances) {
      for (const ps of instance.permissionSets) {
        if (seen.has(ps.permissionSetArn)) continue;
        seen.add(ps.permissionSetArn);
        out.push(
          recommendPermissionSet(
            {
              instanceArn: instance.instanceArn,
              permissionSet: ps,
              unused: permissionSetUnused(ps, inventory, scan),
            },
            inventory,
            catalog,
          ),
        );
      }
    }
  }
  return out.sort((a, b) =>
    a.name !== b.name
      ? a.name < b.name
        ? -1
        : 1
      : a.permissionSetArn < b.permissionSetArn
        ? -1
        : 1,
  );
}
