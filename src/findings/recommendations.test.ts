import { describe, expect, it, vi } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import { ProofFailedError } from '../errors.js';
import type { Inventory, Principal } from '../inventory/types.js';
import { computeFindings } from './findings.js';

// A refinement that fails its own proof is a bug; simulate one to see how a finding reports it.
vi.mock('../refine/refine.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../refine/refine.js')>();
  return {
    ...real,
    refinePolicy: (...args: Parameters<typeof real.refinePolicy>) => {
      if (args[2].source === 'inline policy boom') {
        throw new ProofFailedError('internal error: the refinement failed its own proof');
      }
      return real.refinePolicy(...args);
    },
  };
});

const catalog = createCatalog(
  { ec2: [['RunInstances', { tracked: true }]], s3: [['ListBucket', { tracked: true }]] },
  'tiny',
);
const NOW = new Date('2024-07-01T00:00:00.000Z');

describe('recommend when a refinement fails', () => {
  it('withholds that policy, keeps the other steps, marks the recommendation FAILED and warns', () => {
    const arn = 'arn:aws:iam::111122223333:role/r';
    const doc = (Action: string) => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action, Resource: '*' }],
    });
    const role: Principal = {
      kind: 'role',
      arn,
      name: 'r',
      id: 'AROAR',
      path: '/',
      accountId: '111122223333',
      createDate: new Date('2020-01-01T00:00:00.000Z'),
      tags: new Map(),
      inlinePolicies: [
        { name: 'boom', document: doc('ec2:*') },
        { name: 'fine', document: doc('s3:*') },
      ],
      attachedPolicies: [],
      groups: [],
      accessKeys: [],
      roleLastUsed: new Date('2024-06-01T00:00:00.000Z'),
    };
    const inventory: Inventory = {
      principals: new Map([[arn, role]]),
      groups: new Map(),
      policies: new Map(),
      accounts: new Set(['111122223333']),
    };
    const result = computeFindings(
      inventory,
      {
        principals: new Map(),
        accessKeys: new Map(),
        observability: { dataEventServices: new Set(), actionLastAccessed: true },
      },
      { catalog, now: NOW, trackingPeriodDays: 90 },
    );
    const f = result.findings.find((x) => x.findingType === 'UnusedPermission')!;
    expect(f.recommendation).toMatchObject({
      status: 'FAILED',
      error: { code: 'REFINEMENT_FAILED', message: expect.stringContaining('boom') as string },
      recommendedSteps: [
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'DETACH_POLICY',
            existingPolicyId: 'fine',
          },
        },
      ],
    });
    expect(f.policies).toMatchObject([
      { policyId: 'boom', recommendedAction: 'NONE', policy: null, error: expect.any(String) },
      { policyId: 'fine', recommendedAction: 'DETACH_POLICY' },
    ]);
    expect(result.warnings.map((w) => [w.code, w.policyId])).toEqual([
      ['no_service_activity', undefined],
      ['refinement_failed', 'boom'],
    ]);
  });
});
