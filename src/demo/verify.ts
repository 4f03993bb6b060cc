/**
 * Compares a scan of the demo account with the ground truth the generator knows
 * (`expected-findings.json`): exactly the expected unused roles, passwords, access keys, principals
 * not evaluated and principals with unused permissions; complete coverage (the generated logs
 * cover every day of the period); the expected unused services and actions
 * reported; no action the logs show used reported unused; and no recommendation that takes away an
 * action a principal used.
 */
import { globMatch } from '../glob/glob.js';
import type {
  Finding,
  PolicyRecommendation,
  ScanResult,
  UnusedPermissionDetails,
} from '../findings/types.js';
import type { DemoExpectations, PolicyJson } from './types.js';

/** Whether a policy document's Allow statements allow `action` (Deny statements ignored). */
export function policyAllows(document: PolicyJson, action: string): boolean {
  const raw = document.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  for (const s of statements as Record<string, unknown>[]) {
    if (s.Effect !== 'Allow') continue;
    const list = (v: unknown): string[] =>
      v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string];
    if (s.Action !== undefined && list(s.Action).some((p) => globMatch(p, action))) return true;
    if (s.NotAction !== undefined && !list(s.NotAction).some((p) => globMatch(p, action))) {
      return true;
    }
  }
  return false;
}

function sameSet(what: string, found: readonly string[], expected: readonly string[]): string[] {
  const f = new Set(found);
  const e = new Set(expected);
  const problems: string[] = [];
  for (const x of e) if (!f.has(x)) problems.push(`${what}: missing ${x}`);
  for (const x of f) if (!e.has(x)) problems.push(`${what}: unexpected ${x}`);
  return problems;
}

function details(f: Finding): UnusedPermissionDetails[] {
  return f.findingDetails.flatMap((d) =>
    'unusedPermissionDetails' in d ? [d.unusedPermissionDetails] : [],
  );
}

/** Whether `action` (`service:Action`) is reported unused by the details, alone or as its service. */
function reportedUnused(list: readonly UnusedPermissionDetails[], action: string): boolean {
  const [service, name] = action.toLowerCase().split(':') as [string, string];
  const d = list.find((x) => x.serviceNamespace.toLowerCase() === service);
  if (!d) return false;
  return d.actions === undefined || d.actions.some((a) => a.action.toLowerCase() === name);
}

/**
 * Every difference between `result` and `expected`, one sentence each; empty when the scan finds
 * exactly what the generator knows. `originalPolicy` gives a recommendation's original document
 * (when known), to check that the refined one still allows every used action the original did.
 */
export function verifyDemoScan(
  result: ScanResult,
  expected: DemoExpectations,
  originalPolicy?: (principalArn: string, policy: PolicyRecommendation) => PolicyJson | undefined,
): string[] {
  const problems: string[] = [];
  // The generator writes every day of every account and region it logs: the evidence is complete.
  const c = result.coverage;
  if (c !== undefined && !c.complete) {
    problems.push(
      `coverage: incomplete (${c.skipped.files} files and ${c.skipped.records} records skipped, ${c.notCovered} principals not covered, ${c.shortened} shortened, data-event gaps: ${c.dataEventGaps.map((g) => g.service).join(', ') || 'none'})`,
    );
  }
  const of = (type: Finding['findingType']) =>
    result.findings.filter((f) => f.findingType === type);
  problems.push(
    ...sameSet(
      'UnusedIAMRole',
      of('UnusedIAMRole').map((f) => f.resource),
      expected.unusedRoles,
    ),
    ...sameSet(
      'UnusedIAMUserPassword',
      of('UnusedIAMUserPassword').map((f) => f.resource),
      expected.unusedPasswords,
    ),
    ...sameSet(
      'UnusedIAMUserAccessKey',
      of('UnusedIAMUserAccessKey').map((f) => {
        const d = f.findingDetails[0];
        const key =
          d && 'unusedIamUserAccessKeyDetails' in d
            ? d.unusedIamUserAccessKeyDetails.accessKeyId
            : '?';
        return `${f.resource} ${key}`;
      }),
      expected.unusedAccessKeys.map((k) => `${k.user} ${k.accessKeyId}`),
    ),
    ...sameSet(
      'not evaluated',
      result.notEvaluated.map((n) => `${n.resource} ${n.reason}`),
      expected.notEvaluated.map((n) => `${n.resource} ${n.reason}`),
    ),
    ...sameSet(
      'UnusedPermission',
      of('UnusedPermission').map((f) => f.resource),
      expected.unusedPermission,
    ),
  );

  const permission = new Map(of('UnusedPermission').map((f) => [f.resource, f]));
  for (const [arn, services] of Object.entries(expected.unusedServices)) {
    const list = permission.has(arn) ? details(permission.get(arn)!) : [];
    for (const s of services) {
      if (!list.some((d) => d.serviceNamespace === s && d.actions === undefined)) {
        problems.push(`${arn}: service ${s} should be reported unused as a whole`);
      }
    }
  }
  for (const [arn, actions] of Object.entries(expected.unusedActions)) {
    const list = permission.has(arn) ? details(permission.get(arn)!) : [];
    for (const a of actions) {
      if (!reportedUnused(list, a)) problems.push(`${arn}: ${a} should be reported unused`);
    }
  }
  for (const [arn, actions] of Object.entries(expected.usedActions)) {
    const f = permission.get(arn);
    if (!f) continue;
    const list = details(f);
    for (const a of actions) {
      if (reportedUnused(list, a)) problems.push(`${arn}: ${a} was used but is reported unused`);
    }
    for (const p of f.policies ?? []) {
      if (p.recommendedAction === 'NONE' || p.error !== undefined) continue;
      const removed = new Set(
        Object.values(p.removedByAccessLevel).flatMap((list) => list.map((a) => a.toLowerCase())),
      );
      const removedServices = new Set(p.removedServices ?? []);
      const original = originalPolicy?.(arn, p);
      for (const a of actions) {
        if (
          removed.has(a.toLowerCase()) ||
          removedServices.has(a.slice(0, a.indexOf(':')).toLowerCase())
        ) {
          problems.push(
            `${arn}: the recommendation for ${p.policyId} removes ${a}, which was used`,
          );
        } else if (
          original !== undefined &&
          policyAllows(original, a) &&
          (p.policy === null || !policyAllows(p.policy, a))
        ) {
          problems.push(
            `${arn}: the recommendation for ${p.policyId} no longer allows ${a}, which was used`,
          );
        }
      }
    }
  }
  return problems;
}
