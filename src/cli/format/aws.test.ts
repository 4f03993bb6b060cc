import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../catalog/catalog.js';
import { parseUnused } from '../../policy/unused.js';
import { refinePolicy } from '../../refine/refine.js';
import { formatAws, recommendedSteps } from './aws.js';

const catalog = createCatalog({ s3: ['GetObject', 'GetBucketAcl', 'PutObject'] }, 'test@1');
const policy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }],
};
const refine = (unused: string[]) => refinePolicy(policy, parseUnused(unused), { catalog });

describe('formatAws', () => {
  it('gives CREATE_POLICY with the compact refined policy, then DETACH_POLICY', () => {
    const r = refine(['s3:PutObject']);
    const text = formatAws(r, { policyId: 'MyPolicy' });
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "recommendedSteps": [');
    expect(JSON.parse(text)).toEqual({
      recommendedSteps: [
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'CREATE_POLICY',
            recommendedPolicy:
              '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}',
            existingPolicyId: 'MyPolicy',
          },
        },
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'DETACH_POLICY',
            existingPolicyId: 'MyPolicy',
          },
        },
      ],
    });
  });

  it('gives only DETACH_POLICY when nothing is used', () => {
    const r = refine(['s3:*']);
    expect(recommendedSteps(r, 'p')).toEqual([
      {
        unusedPermissionsRecommendedStep: {
          recommendedAction: 'DETACH_POLICY',
          existingPolicyId: 'p',
        },
      },
    ]);
  });

  it('gives no step when nothing changes', () => {
    expect(formatAws(refine([]), { policyId: 'p' })).toBe('{\n  "recommendedSteps": []\n}\n');
  });
});
