import { describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { permissionFinding } from '../test-support/report-fixtures.js';
import { HIGH_RISK_ACTIONS, RISK_SOURCES, highRiskAction } from './high-risk-actions.js';
import { findingRisk } from './risk.js';

const ID = '00000000-0000-0000-0000-000000000009';
const doc = (statement: Record<string, unknown>) => ({
  Version: '2012-10-17',
  Statement: [statement],
});
const policy = (originalPolicy: Record<string, unknown>) => ({
  policyId: 'p',
  policyName: 'p',
  policyType: 'INLINE' as const,
  recommendedAction: 'DETACH_POLICY' as const,
  policy: null,
  removedByAccessLevel: {},
  originalPolicy,
});

describe('the high-risk list', () => {
  it('every action exists in the bundled catalog, once, with a cited source', async () => {
    const catalog = await loadCatalog();
    const sources = new Set(RISK_SOURCES.map((s) => s.id));
    const seen = new Set<string>();
    for (const a of HIGH_RISK_ACTIONS) {
      expect(catalog.get(a.action)?.full, a.action).toBe(a.action);
      expect(sources.has(a.source), a.source).toBe(true);
      expect(seen.has(a.action.toLowerCase())).toBe(false);
      seen.add(a.action.toLowerCase());
    }
    for (const s of RISK_SOURCES) expect(s.url).toMatch(/^https:\/\//);
    expect(highRiskAction('IAM:passrole')?.action).toBe('iam:PassRole');
  });
});

describe('findingRisk', () => {
  it('high when an unused action is on the list', () => {
    const r = findingRisk(
      permissionFinding(ID, { iam: ['GetRole', 'PassRole'], sts: ['AssumeRole'] }),
    );
    expect(r).toEqual({
      level: 'high',
      highRiskActions: ['iam:PassRole', 'sts:AssumeRole'],
      reason: 'unused high-risk permissions: iam:PassRole, sts:AssumeRole',
    });
  });

  it('a whole unused service is high only when a policy grants one of its high-risk actions', () => {
    const readOnly = permissionFinding(
      ID,
      { iam: undefined },
      {
        policies: [
          policy(doc({ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' })),
        ],
      },
    );
    expect(findingRisk(readOnly).level).toBe('medium');
    const wildcard = permissionFinding(
      ID,
      { iam: undefined },
      {
        policies: [policy(doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }))],
      },
    );
    expect(findingRisk(wildcard).highRiskActions).toContain('iam:PassRole');
    const notAction = permissionFinding(
      ID,
      { iam: undefined },
      {
        policies: [
          policy(
            doc({
              Effect: 'Allow',
              NotAction: [
                'iam:Pass*',
                'iam:Put*',
                'iam:Attach*',
                'iam:Create*',
                'iam:Update*',
                'iam:Set*',
                'iam:AddUserToGroup',
              ],
              Resource: '*',
            }),
          ),
        ],
      },
    );
    expect(findingRisk(notAction).level).toBe('medium');
    const deny = permissionFinding(
      ID,
      { iam: undefined },
      {
        policies: [policy(doc({ Effect: 'Deny', Action: 'iam:*', Resource: '*' }))],
      },
    );
    expect(findingRisk(deny).level).toBe('medium');
    // Without the policies (imported findings): the safe direction, every high-risk action counts.
    expect(findingRisk(permissionFinding(ID, { iam: undefined })).level).toBe('high');
  });

  it('medium for write actions (catalog or the policies), low for read-only ones', () => {
    const catalog = createCatalog(
      {
        s3: [
          ['ListBucket', { accessLevel: 'List' }],
          ['PutObject', { accessLevel: 'Write' }],
        ],
      },
      'test',
    );
    expect(findingRisk(permissionFinding(ID, { s3: ['ListBucket'] }), catalog).level).toBe('low');
    expect(findingRisk(permissionFinding(ID, { s3: ['PutObject'] }), catalog).level).toBe('medium');
    const viaPolicy = permissionFinding(
      ID,
      { s3: ['PutObject'] },
      {
        policies: [{ ...policy(doc({})), removedByAccessLevel: { Write: ['s3:PutObject'] } }],
      },
    );
    expect(findingRisk(viaPolicy).level).toBe('medium');
  });

  it('medium for unused roles, keys and passwords', () => {
    const f = {
      ...permissionFinding(ID, {}),
      findingType: 'UnusedIAMRole' as const,
      findingDetails: [{ unusedIamRoleDetails: {} }],
    };
    expect(findingRisk(f).level).toBe('medium');
  });
});
