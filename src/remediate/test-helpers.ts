/**
 * Test support for remediation: builds UnusedPermission findings the way a scan does (the policy
 * refined with the real refinement, the scanned document kept as `originalPolicy`), so that tests
 * need no account export.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import type {
  Finding,
  PolicyRecommendation,
  PolicyType,
  UnusedPermissionDetails,
} from '../findings/types.js';
import { actionsByAccessLevel } from '../refine/access-levels.js';
import { refinePolicy } from '../refine/refine.js';

/** One policy of a test finding. */
export interface TestPolicy {
  name: string;
  /** The ARN of a managed policy; the name of an inline one by default. */
  id?: string;
  type: PolicyType;
  /** The document as AWS has it (interpolations resolved). */
  document: Record<string, unknown>;
}

/**
 * An UnusedPermission finding for `resource` with `unused` (`service:Action`, `service:*` for a
 * whole service) and a recommendation per policy.
 */
export function testFinding(
  id: string,
  resource: string,
  unused: readonly string[],
  policies: readonly TestPolicy[],
  catalog: ActionCatalog,
): Finding {
  const byService = new Map<string, string[] | 'all'>();
  for (const u of unused) {
    const [service = '', action = ''] = u.split(':');
    if (action === '*') byService.set(service, 'all');
    else {
      const list = byService.get(service);
      if (list === 'all') continue;
      byService.set(service, [...(list ?? []), action]);
    }
  }
  const details: UnusedPermissionDetails[] = [...byService].map(([serviceNamespace, actions]) =>
    actions === 'all'
      ? { serviceNamespace }
      : { serviceNamespace, actions: actions.map((action) => ({ action })) },
  );
  const recs: PolicyRecommendation[] = policies.map((p) => {
    const r = refinePolicy(
      p.document,
      { findingDetails: details.map((d) => ({ unusedPermissionDetails: d })) },
      { catalog },
    );
    return {
      policyId: p.id ?? p.name,
      policyName: p.name,
      policyType: p.type,
      recommendedAction: r.recommendedAction,
      policy: r.policy,
      removedByAccessLevel: actionsByAccessLevel(
        catalog,
        r.removed.actions.map((a) => a.index),
        [...r.removed.other],
      ),
      proof: {
        exact: r.proof.exact,
        catalogActions: r.proof.catalogActions,
        statementsChecked: r.proof.statementsChecked,
        patternsChecked: r.proof.patternsChecked,
      },
      originalPolicy: p.document,
    };
  });
  const at = '2026-09-01T00:00:00Z';
  return {
    analyzedAt: at,
    createdAt: at,
    updatedAt: at,
    id,
    resource,
    resourceType: resource.includes(':user/') ? 'AWS::IAM::User' : 'AWS::IAM::Role',
    resourceOwnerAccount: '123456789012',
    status: 'ACTIVE',
    findingType: 'UnusedPermission',
    findingDetails: details.map((d) => ({ unusedPermissionDetails: d })),
    policies: recs,
  };
}
