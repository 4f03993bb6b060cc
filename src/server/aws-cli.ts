/**
 * The AWS CLI commands that apply one policy recommendation, as the finding page shows them (and
 * its copy button copies them). Every argument is shell-quoted.
 *
 * - `CREATE_POLICY` of an inline policy: `put-role-policy` / `put-user-policy` / `put-group-policy`
 *   with the refined document, replacing the inline policy in place.
 * - `CREATE_POLICY` of a managed policy (customer or AWS managed): a managed policy may be attached
 *   to other principals, so, as Access Analyzer's steps say (CREATE_POLICY then DETACH_POLICY), a
 *   new customer managed policy is created with the refined document and attached, then the
 *   existing one is detached. For a customer managed policy `create-policy-version` is given as a
 *   commented alternative (it changes the policy for everyone it is attached to).
 * - `DETACH_POLICY`: `detach-*-policy` for a managed policy, `delete-*-policy` for an inline one.
 *
 * A role IAM Identity Center created (`AWSReservedSSO_…`) gets no command: IAM refuses to change
 * it (see src/identity-center/roles.ts); its permission set is changed in Identity Center instead.
 */
import type { PolicyRecommendation } from '../findings/types.js';
import { isIdentityCenterRoleArn } from '../identity-center/roles.js';

import { shellQuote } from '../text/shell.js';

/** Quotes `word` for a POSIX shell (src/text/shell.ts; re-exported for the views). */
export { shellQuote };

/**
 * The file name the refined policy is downloaded as: `<policy name>.refined.json`, or
 * `<policy name>.refined.part-K.json` for part K of a split form.
 */
export function refinedFileName(
  rec: Pick<PolicyRecommendation, 'policyName'>,
  part?: number,
): string {
  const base = rec.policyName.replace(/[^A-Za-z0-9._+=,@-]/g, '_').slice(0, 120) || 'policy';
  return part === undefined ? `${base}.refined.json` : `${base}.refined.part-${part}.json`;
}

/** The last path segment of an ARN's resource (`arn:aws:iam::1:role/a/b` → `b`). */
function nameOf(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash === -1 ? arn.slice(arn.lastIndexOf(':') + 1) : arn.slice(slash + 1);
}

/** The account id in an ARN (`arn:aws:iam::123456789012:role/x` → `123456789012`). */
function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** `role` or `user`, from a principal ARN. */
function principalKind(arn: string): 'role' | 'user' {
  return /^arn:[^:]*:iam::[^:]*:role\//.test(arn) ? 'role' : 'user';
}

/** Joins an AWS CLI command's words, one option per continued line when long. */
function command(words: readonly string[]): string {
  const quoted = words.map(shellQuote);
  const oneLine = quoted.join(' ');
  if (oneLine.length <= 96) return oneLine;
  // `aws iam verb` on the first line, then each `--option value` on its own line.
  const lines = [quoted.slice(0, 3).join(' ')];
  for (let i = 3; i < quoted.length; i++) {
    const word = quoted[i]!;
    const next = quoted[i + 1];
    if (word.startsWith('--') && next !== undefined && !next.startsWith('--')) {
      lines.push(`  ${word} ${next}`);
      i++;
    } else lines.push(`  ${word}`);
  }
  return lines.join(' \\\n');
}

/**
 * The commands that apply `rec` to the principal `resource` (a role or user ARN), or an empty
 * string when there is nothing to apply (`NONE`) or IAM refuses to change the principal (a role
 * IAM Identity Center created).
 */
export function awsCliCommands(resource: string, rec: PolicyRecommendation): string {
  if (rec.recommendedAction === 'NONE') return '';
  if (isIdentityCenterRoleArn(resource)) return '';
  const file = `file://${refinedFileName(rec)}`;
  const group = rec.policyType === 'GROUP_INLINE' || rec.policyType === 'GROUP_MANAGED';
  const target: [string, string] = group
    ? ['group', nameOf(rec.groupArn ?? '')]
    : [principalKind(resource), nameOf(resource)];
  const [kind, name] = target;
  const targetOption = [`--${kind}-name`, name];
  const inline = rec.policyType === 'INLINE' || rec.policyType === 'GROUP_INLINE';
  const out: string[] = [];
  // What takes the existing policy away from the principal (its inline copy deleted, or detached).
  const removeExisting = inline
    ? command([
        'aws',
        'iam',
        `delete-${kind}-policy`,
        ...targetOption,
        '--policy-name',
        rec.policyName,
      ])
    : command([
        'aws',
        'iam',
        `detach-${kind}-policy`,
        ...targetOption,
        '--policy-arn',
        rec.policyId,
      ]);

  if (rec.recommendedAction === 'DETACH_POLICY') {
    out.push(`# nothing ${rec.policyName} grants is used: remove it from ${kind} ${name}`);
    out.push(removeExisting);
    return `${out.join('\n')}\n`;
  }

  if (rec.parts !== undefined) {
    // A split form: every part created and attached before the original goes.
    const account = accountOf(group ? (rec.groupArn ?? resource) : resource);
    out.push(
      `# the refined policy is split over ${rec.parts.length} customer managed policies; save each part as ${refinedFileName(rec, 1)}, ... first, then:`,
    );
    rec.parts.forEach((_, k) => {
      const partName = `${rec.policyName.slice(0, 110)}-refined-${k + 1}`;
      out.push(
        `# ${k + 1}. create and attach part ${k + 1}`,
        command([
          'aws',
          'iam',
          'create-policy',
          '--policy-name',
          partName,
          '--policy-document',
          `file://${refinedFileName(rec, k + 1)}`,
        ]),
        command([
          'aws',
          'iam',
          `attach-${kind}-policy`,
          ...targetOption,
          '--policy-arn',
          `arn:aws:iam::${account}:policy/${partName}`,
        ]),
      );
    });
    out.push(`# then remove the existing policy`);
    out.push(removeExisting);
    return `${out.join('\n')}\n`;
  }

  if (!inline && rec.form?.policyType === 'role-inline' && kind === 'role') {
    // Too large for a managed policy, small enough for the role's inline room.
    const inlineName = `${rec.policyName.slice(0, 120)}-refined`;
    out.push(
      `# the refined policy goes inline (too large for a managed policy); save it as ${refinedFileName(rec)} first, then:`,
      command([
        'aws',
        'iam',
        'put-role-policy',
        ...targetOption,
        '--policy-name',
        inlineName,
        '--policy-document',
        file,
      ]),
      `# then detach the existing policy`,
      command(['aws', 'iam', 'detach-role-policy', ...targetOption, '--policy-arn', rec.policyId]),
    );
    return `${out.join('\n')}\n`;
  }

  if (inline) {
    out.push(
      `# replace the inline policy ${rec.policyName} of ${kind} ${name} (save the refined policy as ${refinedFileName(rec)} first)`,
    );
    out.push(
      command([
        'aws',
        'iam',
        `put-${kind}-policy`,
        ...targetOption,
        '--policy-name',
        rec.policyName,
        '--policy-document',
        file,
      ]),
    );
    return `${out.join('\n')}\n`;
  }

  const account = accountOf(group ? (rec.groupArn ?? resource) : resource);
  const newName = `${rec.policyName.slice(0, 120)}-refined`;
  const newArn = `arn:aws:iam::${account}:policy/${newName}`;
  out.push(`# save the refined policy as ${refinedFileName(rec)} first, then:`);
  out.push(`# 1. create a customer managed policy with the refined document`);
  out.push(
    command(['aws', 'iam', 'create-policy', '--policy-name', newName, '--policy-document', file]),
  );
  out.push(`# 2. attach it to ${kind} ${name}`);
  out.push(
    command(['aws', 'iam', `attach-${kind}-policy`, ...targetOption, '--policy-arn', newArn]),
  );
  out.push(`# 3. detach the existing policy`);
  out.push(removeExisting);
  if (rec.policyType === 'CUSTOMER_MANAGED') {
    out.push(
      `# alternative, when no other principal attached to ${rec.policyName} needs what is removed:`,
    );
    out.push(
      `# ${command(['aws', 'iam', 'create-policy-version', '--policy-arn', rec.policyId, '--policy-document', file, '--set-as-default']).replace(/\n/g, '\n# ')}`,
    );
  }
  return `${out.join('\n')}\n`;
}
