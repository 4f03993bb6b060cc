/**
 * `scan --format csv`: one row per finding for a spreadsheet (RFC 4180: comma-separated, CRLF line
 * ends, fields quoted when they contain a comma, quote or line break). A field that a spreadsheet
 * would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed
 * with `'`: principal names and tags come from the account and are untrusted.
 */
import type { Finding, ScanResult } from '../findings/types.js';
import { findingRisk, type FindingRisk } from '../risk/risk.js';
import { accessKeyOf, describeFinding, recommendedSteps, unusedCounts } from './describe.js';

/** The columns, in order. */
export const CSV_COLUMNS = [
  'id',
  'findingType',
  'risk',
  'resource',
  'resourceType',
  'account',
  'accessKey',
  'lastAccessed',
  'unusedServices',
  'servicesUnusedAsAWhole',
  'unusedActions',
  'highRiskActions',
  'recommendedSteps',
  'description',
  'analyzedAt',
] as const;

/** One CSV field, quoted when needed and defused against formula injection. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The last use a finding reports (roles, keys, passwords), or ''. */
function lastAccessed(f: Finding): string {
  const d = f.findingDetails[0];
  if (d === undefined) return '';
  if ('unusedIamRoleDetails' in d) return d.unusedIamRoleDetails.lastAccessed ?? '';
  if ('unusedIamUserPasswordDetails' in d) return d.unusedIamUserPasswordDetails.lastAccessed ?? '';
  if ('unusedIamUserAccessKeyDetails' in d)
    return d.unusedIamUserAccessKeyDetails.lastAccessed ?? '';
  return '';
}

/** The scan result as CSV (header row first), see the file comment. */
export function toCsv(
  result: ScanResult,
  options: { riskOf?: (finding: Finding) => FindingRisk } = {},
): string {
  const riskOf = options.riskOf ?? ((f: Finding) => findingRisk(f));
  const rows: string[][] = [[...CSV_COLUMNS]];
  for (const f of result.findings) {
    const risk = riskOf(f);
    const c = unusedCounts(f);
    const permission = f.findingType === 'UnusedPermission';
    rows.push([
      f.id,
      f.findingType,
      risk.level,
      f.resource,
      f.resourceType,
      f.resourceOwnerAccount,
      accessKeyOf(f) ?? '',
      lastAccessed(f),
      permission ? String(c.services) : '',
      permission ? String(c.wholeServices) : '',
      permission ? String(c.actions) : '',
      risk.highRiskActions.join(' '),
      recommendedSteps(f).join('; '),
      describeFinding(f, result.trackingPeriodDays),
      result.analyzedAt,
    ]);
  }
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}
