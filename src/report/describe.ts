/**
 * One-line descriptions of a finding shared by the report formats (SARIF, ASFF, CSV): a title per
 * finding type, the principal's short name, what is unused, and the recommended steps.
 */
import type { Finding, FindingType } from '../findings/types.js';

/** A short title per finding type (ASFF `Title`, SARIF rule name). */
export const FINDING_TITLES: Readonly<Record<FindingType, string>> = {
  UnusedIAMRole: 'Unused IAM role',
  UnusedIAMUserAccessKey: 'Unused IAM user access key',
  UnusedIAMUserPassword: 'Unused IAM user console password',
  UnusedPermission: 'Unused permissions',
};

/** What to do, per finding type (one or two sentences). */
export const FINDING_REMEDIATION: Readonly<Record<FindingType, string>> = {
  UnusedIAMRole:
    'Check that nothing still needs the role, quarantine it (attach a deny-all policy) for a while, then delete it.',
  UnusedIAMUserAccessKey:
    'Deactivate the access key, wait to see that nothing breaks, then delete it.',
  UnusedIAMUserPassword:
    "Delete the user's console password (login profile); the user keeps any other access.",
  UnusedPermission:
    "Replace the principal's policies with the recommended ones (each is proven to allow exactly the original minus the unused actions).",
};

/** The part of an ARN after `:role/` or `:user/` with the path, e.g. `role/service-role/x`. */
export function principalName(arn: string): string {
  const i = arn.indexOf(':', arn.indexOf(':iam::') + 6);
  return i < 0 ? arn : arn.slice(i + 1);
}

/** The unused services and actions of an `UnusedPermission` finding, counted. */
export function unusedCounts(finding: Finding): {
  services: number;
  wholeServices: number;
  actions: number;
} {
  let services = 0;
  let wholeServices = 0;
  let actions = 0;
  for (const d of finding.findingDetails) {
    if (!('unusedPermissionDetails' in d)) continue;
    services++;
    const list = d.unusedPermissionDetails.actions;
    if (list === undefined) wholeServices++;
    else actions += list.length;
  }
  return { services, wholeServices, actions };
}

/** The last use a non-permission finding reports, or undefined. */
function lastAccessedOf(finding: Finding): string | undefined {
  const d = finding.findingDetails[0];
  if (d === undefined) return undefined;
  if ('unusedIamRoleDetails' in d) return d.unusedIamRoleDetails.lastAccessed;
  if ('unusedIamUserPasswordDetails' in d) return d.unusedIamUserPasswordDetails.lastAccessed;
  if ('unusedIamUserAccessKeyDetails' in d) return d.unusedIamUserAccessKeyDetails.lastAccessed;
  return undefined;
}

/** The access key a key finding is about (its id, or the credential report slot). */
export function accessKeyOf(finding: Finding): string | undefined {
  const d = finding.findingDetails[0];
  return d !== undefined && 'unusedIamUserAccessKeyDetails' in d
    ? d.unusedIamUserAccessKeyDetails.accessKeyId
    : undefined;
}

/** The recommended steps of a finding, one phrase each (`CREATE_POLICY for AdminPolicy`). */
export function recommendedSteps(finding: Finding): string[] {
  return (finding.policies ?? [])
    .filter((p) => p.recommendedAction !== 'NONE' && p.error === undefined)
    .map((p) => `${p.recommendedAction} for ${p.policyName}`);
}

/**
 * One sentence saying what is unused, e.g. `role/ci-deploy: unused IAM role, last used never` or
 * `user/alice: 3 services unused as a whole and 12 unused actions in 2 services`.
 */
export function describeFinding(finding: Finding, trackingPeriodDays: number): string {
  const who = principalName(finding.resource);
  if (finding.findingType === 'UnusedPermission') {
    const c = unusedCounts(finding);
    const parts: string[] = [];
    if (c.wholeServices > 0)
      parts.push(`${c.wholeServices} service${c.wholeServices === 1 ? '' : 's'} unused as a whole`);
    const partial = c.services - c.wholeServices;
    if (partial > 0)
      parts.push(
        `${c.actions} unused action${c.actions === 1 ? '' : 's'} in ${partial} service${partial === 1 ? '' : 's'}`,
      );
    const steps = recommendedSteps(finding);
    const rec = steps.length > 0 ? `; recommended: ${steps.join(', ')}` : '';
    return `${who}: ${parts.join(' and ')} in the last ${trackingPeriodDays} days${rec}`;
  }
  const last = lastAccessedOf(finding);
  const used = last === undefined ? 'never used (as far as known)' : `last used ${last}`;
  const key = accessKeyOf(finding);
  const what =
    finding.findingType === 'UnusedIAMRole'
      ? 'the role was'
      : finding.findingType === 'UnusedIAMUserPassword'
        ? 'the console password was'
        : `access key ${key ?? '?'} was`;
  return `${who}: ${what} not used in the last ${trackingPeriodDays} days, ${used}`;
}
