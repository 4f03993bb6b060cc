/** `withRecommendation`: which recommendation `apply --use` carries out. */
import { describe, expect, it } from 'vitest';
import { IamRefineError } from '../errors.js';
import { withRecommendation } from './choose-recommendation.js';
import type { Finding, PolicyRecommendation } from './types.js';

const rec = (policyId: string, proven: boolean): PolicyRecommendation => ({
  policyId,
  policyName: policyId,
  policyType: 'INLINE',
  recommendedAction: 'DETACH_POLICY',
  policy: null,
  removedByAccessLevel: {},
  ...(proven
    ? { proof: { exact: true, catalogActions: 1, statementsChecked: 1, patternsChecked: 0 } }
    : {}),
});
const recommendation = (startedAt: string): NonNullable<Finding['recommendation']> => ({
  recommendationType: 'UnusedPermissionRecommendation',
  status: 'SUCCEEDED',
  resourceArn: 'arn:aws:iam::111122223333:role/r',
  startedAt,
  completedAt: startedAt,
  recommendedSteps: [],
});
const aa = { id: 'f1', policies: [rec('AA', false)], recommendation: recommendation('aa') };

describe('withRecommendation', () => {
  it("primary: the finding's own, unchanged", () => {
    expect(withRecommendation(aa, 'primary')).toBe(aa);
  });

  it("iam-refine: the one kept next to Access Analyzer's, without changing the finding", () => {
    const ours = { recommendation: recommendation('ours'), policies: [rec('OURS', true)] };
    const both = { ...aa, iamRefineRecommendation: ours };
    const chosen = withRecommendation(both, 'iam-refine');
    expect(chosen.policies).toBe(ours.policies);
    expect(chosen.recommendation).toBe(ours.recommendation);
    expect(both.policies[0]!.policyId).toBe('AA');
  });

  it("iam-refine on a finding whose own recommendation is iam-refine's (proven): that one", () => {
    const scanned = { id: 'f2', policies: [rec('P', true)], recommendation: recommendation('s') };
    expect(withRecommendation(scanned, 'iam-refine')).toBe(scanned);
  });

  it("iam-refine on Access Analyzer's only: a typed error naming the finding", () => {
    expect(() => withRecommendation(aa, 'iam-refine')).toThrow(IamRefineError);
    expect(() => withRecommendation(aa, 'iam-refine')).toThrow(/finding f1 has Access Analyzer/);
  });
});
