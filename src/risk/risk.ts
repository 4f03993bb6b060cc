/**
 * The risk level of a finding: what a security engineer looks at first.
 *
 * - `high`: an `UnusedPermission` finding whose unused permissions include an action of the
 *   high-risk list (src/risk/high-risk-actions.ts: privilege escalation, data and key control,
 *   audit-trail tampering) that the principal's policies grant;
 * - `medium`: an `UnusedPermission` finding with an unused write or permissions-management action
 *   or a whole unused service (everything the policies grant of it), and every unused role,
 *   access key and console password (standing access nobody uses: Security Hub's control IAM.22,
 *   "IAM user credentials unused for 45 days should be removed", is rated medium);
 * - `low`: an `UnusedPermission` finding whose unused actions are all list, read or tagging
 *   actions.
 *
 * A whole unused service counts a high-risk action of it only when one of the principal's
 * policies, as scanned, grants it (Allow with a matching `Action`, or a `NotAction` that does not
 * exclude it; conditions and resources are not narrowed: the safe direction). A finding without
 * the policies (imported from Access Analyzer) counts every high-risk action of the service.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import type { Finding, PolicyRecommendation } from '../findings/types.js';
import { globMatch } from '../glob/glob.js';
import { HIGH_RISK_ACTIONS, highRiskAction, type HighRiskAction } from './high-risk-actions.js';

/** The risk levels, lowest first. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;

/** A risk level. */
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** The rank of a level: 0 low, 1 medium, 2 high. */
export function riskRank(level: RiskLevel): number {
  return RISK_LEVELS.indexOf(level);
}

/** Whether a string is a risk level. */
export function isRiskLevel(text: string): text is RiskLevel {
  return (RISK_LEVELS as readonly string[]).includes(text);
}

/** A finding's risk and why. */
export interface FindingRisk {
  level: RiskLevel;
  /** The unused high-risk actions (`service:Action`), sorted. */
  highRiskActions: string[];
  /** One sentence. */
  reason: string;
}

const WRITE_LEVELS = new Set(['Write', 'Permissions management']);

/** Whether a policy document (as scanned) allows an action, ignoring conditions and resources. */
function policyAllows(document: Record<string, unknown>, action: string): boolean {
  const raw = document.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const list = (v: unknown): string[] =>
    typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  for (const s of statements) {
    if (s === null || typeof s !== 'object') continue;
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow') continue;
    if ('Action' in st && list(st.Action).some((p) => globMatch(p, action))) return true;
    if ('NotAction' in st && !list(st.NotAction).some((p) => globMatch(p, action))) return true;
  }
  return false;
}

/** Whether some policy of the finding grants `action` (true when the policies are not known). */
function granted(policies: readonly PolicyRecommendation[] | undefined, action: string): boolean {
  const docs = (policies ?? []).map((p) => p.originalPolicy);
  if (docs.length === 0 || docs.some((d) => d === undefined)) return true;
  return docs.some((d) => policyAllows(d!, action));
}

/**
 * The risk of a finding (see the file comment).
 *
 * @param catalog - Gives the access level of unused actions when the finding's policies do not
 *   (imported findings); optional.
 */
export function findingRisk(finding: Finding, catalog?: ActionCatalog): FindingRisk {
  if (finding.findingType !== 'UnusedPermission') {
    return {
      level: 'medium',
      highRiskActions: [],
      reason: 'standing access nobody used in the tracking period',
    };
  }
  const risky = new Set<string>();
  let writes = false;
  let wholeServices = 0;
  for (const d of finding.findingDetails) {
    if (!('unusedPermissionDetails' in d)) continue;
    const detail = d.unusedPermissionDetails;
    const service = detail.serviceNamespace.toLowerCase();
    if (detail.actions === undefined) {
      wholeServices++;
      for (const h of HIGH_RISK_ACTIONS) {
        if (h.action.toLowerCase().startsWith(`${service}:`) && granted(finding.policies, h.action))
          risky.add(h.action);
      }
      continue;
    }
    for (const a of detail.actions) {
      const full = `${service}:${a.action}`;
      const h: HighRiskAction | undefined = highRiskAction(full);
      if (h !== undefined) risky.add(h.action);
      const level = catalog?.get(full)?.accessLevel;
      if (level !== undefined && WRITE_LEVELS.has(level)) writes = true;
    }
  }
  for (const p of finding.policies ?? []) {
    for (const level of Object.keys(p.removedByAccessLevel)) {
      if (
        WRITE_LEVELS.has(level) &&
        (p.removedByAccessLevel as Record<string, string[]>)[level]!.length > 0
      )
        writes = true;
    }
  }
  const highRiskActions = [...risky].sort();
  if (highRiskActions.length > 0) {
    const shown = highRiskActions.slice(0, 3).join(', ');
    const more = highRiskActions.length > 3 ? ` and ${highRiskActions.length - 3} more` : '';
    return {
      level: 'high',
      highRiskActions,
      reason: `unused high-risk permissions: ${shown}${more}`,
    };
  }
  if (wholeServices > 0) {
    return {
      level: 'medium',
      highRiskActions,
      reason: `${wholeServices} service${wholeServices === 1 ? '' : 's'} unused as a whole`,
    };
  }
  if (writes) {
    return {
      level: 'medium',
      highRiskActions,
      reason: 'unused write or permissions-management actions',
    };
  }
  return { level: 'low', highRiskActions, reason: 'only list, read or tagging actions unused' };
}
