/**
 * IAM policy size against IAM's quotas. IAM counts the characters of a policy document without
 * whitespace: the limit is 6,144 for a managed policy; inline policies share an aggregate limit per
 * principal of 10,240 (role), 2,048 (user) or 5,120 (group); a principal has at most 10 managed
 * policies attached by default (a quota that can be raised to 20).
 */

/** The kinds of policy IAM has a size quota for (the CLI's `--policy-type`). */
export type PolicyType = 'managed' | 'role-inline' | 'user-inline' | 'group-inline';

/** Every {@link PolicyType}, in the order help lists them. */
export const POLICY_TYPES: readonly PolicyType[] = [
  'managed',
  'role-inline',
  'user-inline',
  'group-inline',
];

/** IAM's size quota (characters without whitespace) and its wording, per policy type. */
export const POLICY_QUOTAS: ReadonlyMap<PolicyType, { quota: number; label: string }> = new Map([
  ['managed', { quota: 6144, label: 'managed policy quota' }],
  ['role-inline', { quota: 10240, label: 'role inline policies quota' }],
  ['user-inline', { quota: 2048, label: 'user inline policies quota' }],
  ['group-inline', { quota: 5120, label: 'group inline policies quota' }],
]);

/** A policy's size compared with its quota. */
export interface SizeReport {
  /** Characters of the compact JSON document, whitespace not counted. */
  characters: number;
  /** The quota for {@link SizeReport.policyType}. */
  quota: number;
  /** The policy type the quota is for. */
  policyType: PolicyType;
  /** Whether {@link SizeReport.characters} exceeds {@link SizeReport.quota}. */
  overQuota: boolean;
}

/** Whether `value` names a {@link PolicyType}. */
export function isPolicyType(value: string): value is PolicyType {
  return POLICY_QUOTAS.has(value as PolicyType);
}

/**
 * IAM's size of a policy document: the characters (Unicode code points) of its compact JSON text,
 * not counting whitespace (space, tab, line feed, carriage return), wherever it appears.
 */
export function policySize(policy: unknown): number {
  const text = JSON.stringify(policy) ?? '';
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Whitespace is not counted; a surrogate pair is one code point.
    if (c === 32 || c === 9 || c === 10 || c === 13 || (c >= 0xdc00 && c <= 0xdfff)) n--;
  }
  return n;
}

/** Managed policies attached to one role, user or group: IAM's default quota. */
export const DEFAULT_MAX_MANAGED_POLICIES = 10;

/** The highest managed-policy attachment quota IAM grants on request. */
export const MAX_MANAGED_POLICIES_LIMIT = 20;

/** The size quota of a customer managed policy. */
export const MANAGED_POLICY_QUOTA = 6144;

/** Measures `policy` against the quota of `policyType`. */
export function sizeReport(policy: unknown, policyType: PolicyType): SizeReport {
  const quota = POLICY_QUOTAS.get(policyType)!.quota;
  const characters = policySize(policy);
  return { characters, quota, policyType, overQuota: characters > quota };
}

/** Formats an integer with `,` thousands separators (`6144` → `6,144`), independent of locale. */
export function groupDigits(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.abs(Math.trunc(n)));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return sign + out;
}

/**
 * The lines the CLI prints about a size: `size: 1,234 of 6,144 characters (managed policy quota)`,
 * followed, when over the quota, by a `WARNING:` line.
 */
export function formatSize(report: SizeReport): string[] {
  const { label } = POLICY_QUOTAS.get(report.policyType)!;
  const lines = [
    `size: ${groupDigits(report.characters)} of ${groupDigits(report.quota)} characters (${label})`,
  ];
  if (report.overQuota) {
    lines.push(
      `WARNING: the policy is ${groupDigits(report.characters - report.quota)} characters over the ${label} of ${groupDigits(report.quota)}; IAM will reject it`,
    );
  }
  return lines;
}
