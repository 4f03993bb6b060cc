/**
 * The `aws` format: IAM Access Analyzer's `GetFindingRecommendation` response shape, so scripts
 * written for Access Analyzer can read iam-refine's recommendations unchanged.
 */
import type { RecommendedStep, Refinement } from '../../refine/types.js';

/** Options of {@link formatAws}. */
export interface AwsFormatOptions {
  /** The `existingPolicyId` of every step: `--policy-id`, or the policy file's base name. */
  policyId: string;
  /** The parts of a split form (one CREATE_POLICY step each). */
  parts?: readonly Record<string, unknown>[];
}

/**
 * The recommended steps: `CREATE_POLICY` (with the refined policy as a compact JSON string) then
 * `DETACH_POLICY` for a refined policy; only `DETACH_POLICY` when nothing the policy grants is used;
 * none when nothing changes.
 */
export function recommendedSteps(
  refinement: Refinement,
  policyId: string,
  parts?: readonly Record<string, unknown>[],
): RecommendedStep[] {
  const detach: RecommendedStep = {
    unusedPermissionsRecommendedStep: {
      recommendedAction: 'DETACH_POLICY',
      existingPolicyId: policyId,
    },
  };
  switch (refinement.recommendedAction) {
    case 'NONE':
      return [];
    case 'DETACH_POLICY':
      return [detach];
    case 'CREATE_POLICY':
      // A split form: one CREATE_POLICY per part, then the detach.
      return [
        ...(parts ?? [refinement.policy]).map((policy): RecommendedStep => ({
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'CREATE_POLICY',
            recommendedPolicy: JSON.stringify(policy),
            existingPolicyId: policyId,
          },
        })),
        detach,
      ];
  }
}

/** `{"recommendedSteps": [...]}` as 2-space JSON plus a newline. */
export function formatAws(refinement: Refinement, options: AwsFormatOptions): string {
  const steps = recommendedSteps(refinement, options.policyId, options.parts);
  return `${JSON.stringify({ recommendedSteps: steps }, null, 2)}\n`;
}
