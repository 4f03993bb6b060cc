/**
 * The permission-set section of the `table` output of a scan (and of the demo's summary): per
 * permission set, the accounts covered and without evidence, what is unused everywhere and what is
 * used somewhere, and what the recommendation does to each policy, with the size against Identity
 * Center's quotas. Plain text, lines wrapped under 120 characters.
 */
import type { UnusedPermissionDetails } from '../findings/types.js';
import type { PermissionSetRecommendation } from './recommend.js';

const WIDTH = 119;

/** Wraps `text` at `WIDTH`, continuation lines indented by `indent + 2`. */
function wrap(indent: number, text: string): string[] {
  const lines: string[] = [];
  let line = ' '.repeat(indent);
  for (const word of text.split(' ')) {
    if (line.trim() !== '' && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = `${' '.repeat(indent + 2)}${word}`;
    } else line += line.trim() === '' ? word : ` ${word}`;
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

/** `s3 (3), ec2 (all)`, at most `max` services then `+N more`. */
export function describeUnused(details: readonly UnusedPermissionDetails[], max = 8): string {
  const parts = details.map((d) =>
    d.actions === undefined
      ? `${d.serviceNamespace} (all)`
      : `${d.serviceNamespace} (${d.actions.length})`,
  );
  return parts.length > max
    ? `${parts.slice(0, max).join(', ')}, +${parts.length - max} more`
    : parts.join(', ');
}

/** Renders the recommendations as the `Permission sets` section of the table. */
export function renderPermissionSetsTable(recs: readonly PermissionSetRecommendation[]): string {
  const out: string[] = ['', `Permission sets (IAM Identity Center): ${recs.length}`];
  for (const r of recs) {
    out.push('', `${r.name}  ${r.permissionSetArn}`);
    out.push(...wrap(2, `Recommendation: ${r.recommendedAction}`));
    out.push(
      ...wrap(
        2,
        `Accounts: ${r.accounts.length} provisioned, ${r.evaluatedAccounts.length} evaluated (${r.evaluatedAccounts.join(', ') || 'none'})`,
      ),
    );
    for (const a of r.accounts) {
      if (a.status === 'EVALUATED' || a.status === 'ROLE_UNUSED') continue;
      out.push(...wrap(4, `${a.accountId}: ${a.status}: ${a.detail}`));
    }
    if (r.unused === 'everything') {
      out.push(...wrap(2, 'Unused in every evaluated account: everything (no role was used)'));
    } else if (r.unused.length > 0) {
      out.push(...wrap(2, `Unused in every evaluated account: ${describeUnused(r.unused)}`));
    }
    if (r.usedSomewhere.length > 0) {
      out.push(
        ...wrap(
          2,
          `Unused in some accounts, used in others (kept): ${describeUnused(r.usedSomewhere)}`,
        ),
      );
    }
    for (const p of r.policies) {
      if (p.action === 'KEEP') continue;
      const removed = Object.values(p.removedByAccessLevel ?? {}).reduce((n, l) => n + l.length, 0);
      const services = p.removedServices?.length ?? 0;
      const what =
        removed + services > 0
          ? ` (removes ${removed} action${removed === 1 ? '' : 's'}${services > 0 ? ` and ${services} service${services === 1 ? '' : 's'} unused as a whole` : ''}${p.proof?.exact === true ? ', proof EXACT' : ''})`
          : '';
      out.push(...wrap(4, `${p.action} ${p.policyType} ${p.policyId}${what}: ${p.reason}`));
    }
    if (r.size !== undefined && r.recommended.inlinePolicy === null) {
      out.push(
        ...wrap(
          2,
          `Inline policy: none; managed policies ${r.size.managedPolicies} of ${r.size.managedPoliciesQuota}`,
        ),
      );
    } else if (r.size !== undefined) {
      out.push(
        ...wrap(
          2,
          `Inline policy: ${r.size.characters.toLocaleString('en-US')} of ${r.size.quota.toLocaleString('en-US')} characters, ${r.size.nonWhitespace.toLocaleString('en-US')} of ${r.size.nonWhitespaceQuota.toLocaleString('en-US')} without whitespace; managed policies ${r.size.managedPolicies} of ${r.size.managedPoliciesQuota}`,
        ),
      );
    }
    for (const n of r.notes) out.push(...wrap(2, `note: ${n}`));
    if (r.recommendedAction === 'UPDATE_PERMISSION_SET') {
      out.push(
        ...wrap(
          2,
          `apply: iam-refine apply --permission-set ${r.name} --db FILE (dry run; --yes to change and provision)`,
        ),
      );
    }
  }
  return `${out.join('\n')}\n`;
}
