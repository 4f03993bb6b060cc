/**
 * Which recommendation of a finding `apply` carries out: the finding's own (`recommendation` and
 * `policies`: Access Analyzer's for an imported finding that has one, else iam-refine's), or,
 * with `apply --use iam-refine`, iam-refine's kept next to Access Analyzer's
 * (`iamRefineRecommendation`, made by `import-analyzer`).
 */
import { IamRefineError } from '../errors.js';
import type { Finding } from './types.js';

/** The recommendations `apply --use` chooses between. */
export const RECOMMENDATION_SOURCES = ['primary', 'iam-refine'] as const;
/** `primary`: the finding's recommendation; `iam-refine`: iam-refine's, even next to Access Analyzer's. */
export type RecommendationSource = (typeof RECOMMENDATION_SOURCES)[number];

/** Whether every policy of the finding's own recommendation is iam-refine's (scan or engine). */
function primaryIsOurs(finding: Pick<Finding, 'policies'>): boolean {
  return (finding.policies ?? []).every((p) => p.proof !== undefined);
}

/**
 * The finding with the chosen recommendation as its `recommendation` and `policies` (a copy; the
 * finding itself is not changed). `iam-refine` on a finding whose own recommendation is already
 * iam-refine's (a scan's, or an import's made because Access Analyzer had none) is that one.
 *
 * @throws IamRefineError when `iam-refine` is asked for and the finding has Access Analyzer's
 *   recommendation only (imported with `--no-refine`, or before this existed).
 */
export function withRecommendation<
  F extends Pick<Finding, 'id' | 'policies' | 'recommendation' | 'iamRefineRecommendation'>,
>(finding: F, source: RecommendationSource): F {
  if (source === 'primary') return finding;
  const ours = finding.iamRefineRecommendation;
  if (ours !== undefined) {
    return { ...finding, recommendation: ours.recommendation, policies: ours.policies };
  }
  if (primaryIsOurs(finding)) return finding;
  throw new IamRefineError(
    `finding ${finding.id} has Access Analyzer's recommendation only, no iam-refine recommendation next to it (import it again without --no-refine, or apply Access Analyzer's without --use)`,
  );
}
