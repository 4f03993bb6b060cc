/**
 * Remediation steps for unused roles, access keys and console passwords, as AWS CLI commands a
 * person can run in order: the reversible step first (deactivate a key, quarantine a role with a
 * deny-all inline policy, delete a login profile after saving what can be restored), each with
 * the command that undoes it, then the final step, with what cannot be undone said plainly.
 * Names come from the account and are shell-quoted.
 */
import type { Finding } from '../findings/types.js';
import { shellQuote } from '../text/shell.js';

/** The inline policy name a quarantine attaches. */
export const QUARANTINE_POLICY_NAME = 'iam-refine-quarantine';

/** The deny-all document of a quarantine. */
export const QUARANTINE_DOCUMENT =
  '{"Version":"2012-10-17","Statement":[{"Sid":"IamRefineQuarantine","Effect":"Deny","Action":"*","Resource":"*"}]}';

/** One remediation step. */
export interface RemediationStep {
  /** What the step does, one sentence. */
  title: string;
  /** AWS CLI commands, in order (may be empty for a step that is waiting and watching). */
  commands: string[];
  /** The commands that undo it, when it can be undone. */
  undo?: string[];
  /** What cannot be undone or restored, when something cannot. */
  irreversible?: string;
}

/** The principal's name (the last part of its ARN) and kind. */
function entity(arn: string): { kind: 'role' | 'user'; name: string } {
  const rest = arn.slice(arn.indexOf(':', arn.indexOf(':iam::') + 6) + 1);
  const kind = rest.startsWith('role/') ? 'role' : 'user';
  return { kind, name: rest.slice(rest.lastIndexOf('/') + 1) };
}

/**
 * The remediation steps of an unused role, access key or password finding (none for
 * `UnusedPermission`: its recommendation is the remediation).
 */
export function remediationSteps(finding: Finding): RemediationStep[] {
  const { name } = entity(finding.resource);
  const q = shellQuote(name);
  switch (finding.findingType) {
    case 'UnusedIAMUserAccessKey': {
      const d = finding.findingDetails[0];
      const keyId =
        d !== undefined && 'unusedIamUserAccessKeyDetails' in d
          ? d.unusedIamUserAccessKeyDetails.accessKeyId
          : '';
      // The credential report names a key by its slot; GetFindingV2 and CloudTrail by its id.
      const known = keyId !== '' && !/^access_key_[12]$/.test(keyId);
      const key = known ? shellQuote(keyId) : 'KEY_ID';
      const steps: RemediationStep[] = [];
      if (!known) {
        steps.push({
          title: `Find the key id: the credential report names the key by its slot (${keyId || 'unknown'}); list the user's keys and take the one created at the report's ${keyId || 'access_key_N'}_last_rotated time.`,
          commands: [`aws iam list-access-keys --user-name ${q}`],
        });
      }
      steps.push(
        {
          title:
            'Deactivate the key (reversible): requests signed with it are refused from now on.',
          commands: [
            `aws iam update-access-key --user-name ${q} --access-key-id ${key} --status Inactive`,
          ],
          undo: [
            `aws iam update-access-key --user-name ${q} --access-key-id ${key} --status Active`,
          ],
        },
        {
          title:
            'Wait (e.g. two weeks) and watch CloudTrail for InvalidClientTokenId errors from whatever still used it.',
          commands: [],
        },
        {
          title: 'Delete the key.',
          commands: [`aws iam delete-access-key --user-name ${q} --access-key-id ${key}`],
          irreversible:
            'A deleted key cannot be restored: its secret is gone; a new key has a new id and secret.',
        },
      );
      return steps;
    }
    case 'UnusedIAMUserPassword':
      return [
        {
          title:
            'Save what can be restored of the login profile (its creation date and whether a reset is required).',
          commands: [
            `aws iam get-login-profile --user-name ${q} > ${shellQuote(`${name}.login-profile.json`)}`,
          ],
        },
        {
          title: "Delete the console password (the user's access keys and other access stay).",
          commands: [`aws iam delete-login-profile --user-name ${q}`],
          undo: [
            `aws iam create-login-profile --user-name ${q} --password 'NEW-PASSWORD' --password-reset-required`,
          ],
          irreversible:
            'The old password cannot be restored (IAM never returns it): undoing sets a new one, which the user must be given and change at sign-in.',
        },
      ];
    case 'UnusedIAMRole':
      return [
        {
          title:
            'Review what the role can do and who can assume it (its trust policy, inline and attached policies, instance profiles).',
          commands: [
            `aws iam get-role --role-name ${q}`,
            `aws iam list-role-policies --role-name ${q}`,
            `aws iam list-attached-role-policies --role-name ${q}`,
            `aws iam list-instance-profiles-for-role --role-name ${q}`,
          ],
        },
        {
          title: `Quarantine the role (reversible): an inline deny-all policy (${QUARANTINE_POLICY_NAME}) refuses every request of its sessions, also those already issued.`,
          commands: [
            `aws iam put-role-policy --role-name ${q} --policy-name ${QUARANTINE_POLICY_NAME} --policy-document ${shellQuote(QUARANTINE_DOCUMENT)}`,
          ],
          undo: [
            `aws iam delete-role-policy --role-name ${q} --policy-name ${QUARANTINE_POLICY_NAME}`,
          ],
        },
        {
          title: 'Wait (e.g. two weeks) and watch CloudTrail for AccessDenied errors of the role.',
          commands: [],
        },
        {
          title:
            'Delete the role: first its inline policies, attached policies and instance profiles, then the role.',
          commands: [
            `aws iam delete-role-policy --role-name ${q} --policy-name POLICY_NAME   # each inline policy`,
            `aws iam detach-role-policy --role-name ${q} --policy-arn POLICY_ARN    # each attached policy`,
            `aws iam remove-role-from-instance-profile --role-name ${q} --instance-profile-name PROFILE`,
            `aws iam delete-role --role-name ${q}`,
          ],
          irreversible:
            'A deleted role cannot be restored: a role created again with the same name has a new unique id, so resource policies and trust policies in other accounts that named the old role no longer match it.',
        },
      ];
    case 'UnusedPermission':
      return [];
  }
}

/** The steps as text, one numbered step per block, commands indented (the CLI's form). */
export function formatRemediation(steps: readonly RemediationStep[]): string {
  const lines: string[] = [];
  steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.title}`);
    for (const c of s.commands) lines.push(`       $ ${c}`);
    if (s.undo !== undefined) for (const u of s.undo) lines.push(`       undo: $ ${u}`);
    if (s.irreversible !== undefined) lines.push(`       cannot be undone: ${s.irreversible}`);
  });
  return lines.join('\n');
}
