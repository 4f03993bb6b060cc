/**
 * The `policy` format: the refined policy document as 2-space JSON, nothing else, so it can be
 * piped straight into `aws iam create-policy-version --policy-document file:///dev/stdin`.
 */
import type { Refinement } from '../../refine/types.js';

/** What stderr says when there is no refined document to print. */
export const NO_CHANGE_MESSAGE = 'no change: nothing in this policy is unused';

/** What stderr says when the recommendation is to detach the policy. */
export const DETACH_MESSAGE = 'detach: every permission this policy grants is unused';

/**
 * The refined document as 2-space JSON plus a newline; the empty string for `DETACH_POLICY` and
 * `NONE` (see {@link recommendationNotice} for what to say instead).
 */
export function formatPolicy(refinement: Refinement): string {
  if (refinement.recommendedAction !== 'CREATE_POLICY' || refinement.policy === null) return '';
  return `${JSON.stringify(refinement.policy, null, 2)}\n`;
}

/**
 * The one line explaining an empty `policy` output: {@link NO_CHANGE_MESSAGE} for `NONE`,
 * {@link DETACH_MESSAGE} for `DETACH_POLICY`, `undefined` for `CREATE_POLICY`.
 */
export function recommendationNotice(refinement: Refinement): string | undefined {
  switch (refinement.recommendedAction) {
    case 'NONE':
      return NO_CHANGE_MESSAGE;
    case 'DETACH_POLICY':
      return DETACH_MESSAGE;
    default:
      return undefined;
  }
}
