import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../catalog/catalog.js';
import { refinePolicy } from '../../refine/refine.js';
import { parseUnused } from '../../policy/unused.js';
import { DETACH_MESSAGE, NO_CHANGE_MESSAGE, formatPolicy, recommendationNotice } from './policy.js';

const catalog = createCatalog(
  { s3: ['GetObject', 'GetObjectAcl', 'GetBucketAcl', 'PutObject'] },
  'test-catalog@1',
);

const policy = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Read', Effect: 'Allow', Action: ['s3:Get*', 's3:PutObject'], Resource: '*' }],
};

const refine = (unused: string[]) =>
  refinePolicy(policy, parseUnused(unused), { catalog, source: 'p.json' });

describe('formatPolicy', () => {
  it('prints the refined document as 2-space JSON with a final newline', () => {
    const r = refine(['s3:GetBucketAcl']);
    const text = formatPolicy(r);
    expect(text).toBe(`${JSON.stringify(r.policy, null, 2)}\n`);
    expect(JSON.parse(text)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Read',
          Effect: 'Allow',
          Action: ['s3:GetObject*', 's3:PutObject'],
          Resource: '*',
        },
      ],
    });
    expect(text.split('\n')[1]).toBe('  "Version": "2012-10-17",');
    expect(recommendationNotice(r)).toBeUndefined();
  });

  it('prints nothing and explains why for NONE', () => {
    const r = refine([]);
    expect(r.recommendedAction).toBe('NONE');
    expect(formatPolicy(r)).toBe('');
    expect(recommendationNotice(r)).toBe(NO_CHANGE_MESSAGE);
    expect(NO_CHANGE_MESSAGE).toBe('no change: nothing in this policy is unused');
  });

  it('prints nothing and explains why for DETACH_POLICY', () => {
    const r = refine(['s3:*']);
    expect(r.recommendedAction).toBe('DETACH_POLICY');
    expect(formatPolicy(r)).toBe('');
    expect(recommendationNotice(r)).toBe(DETACH_MESSAGE);
    expect(DETACH_MESSAGE).toBe('detach: every permission this policy grants is unused');
  });
});
