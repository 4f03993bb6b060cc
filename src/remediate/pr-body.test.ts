import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/types.js';
import { code, prBody, text } from './pr-body.js';
import type { PolicyPatch } from './remediate.js';

const finding: Finding = {
  analyzedAt: '2026-09-01T00:00:00Z',
  createdAt: '2026-09-01T00:00:00Z',
  updatedAt: '2026-09-01T00:00:00Z',
  id: 'f1',
  resource: 'arn:aws:iam::123456789012:role/app',
  resourceType: 'AWS::IAM::Role',
  resourceOwnerAccount: '123456789012',
  status: 'ACTIVE',
  findingType: 'UnusedPermission',
  findingDetails: [
    { unusedPermissionDetails: { serviceNamespace: 's3', actions: [{ action: 'PutObject' }] } },
    { unusedPermissionDetails: { serviceNamespace: 'kms' } },
  ],
};

const patch: PolicyPatch = {
  findingIds: ['f1'],
  principals: [finding.resource],
  policyId: 'p`](javascript:alert(1))',
  policyName: 'p`](javascript:alert(1))',
  policyType: 'INLINE',
  source: {
    tool: 'terraform',
    dir: '/x',
    file: 'main.tf',
    declaredIn: 'main.tf',
    line: 3,
    address: 'aws_iam_role_policy.p',
    form: 'jsonencode',
  },
  recommendedAction: 'CREATE_POLICY',
  form: 'article',
  removedByAccessLevel: { Write: ['s3:PutObject'] },
  removedServices: ['kms'],
  proof: { exact: true, catalogActions: 22091, statementsChecked: 2, patternsChecked: 0 },
  size: {
    before: { characters: 300, quota: 10240, label: 'role inline policies quota' },
    after: { characters: 200, quota: 10240, label: 'role inline policies quota' },
  },
  policy: {},
  diff: '',
};

describe('prBody', () => {
  it('has the principal, the unused actions by service and access level, the change, the size, the proof and the roll back', () => {
    const body = prBody(finding, [patch], [], { catalogVersion: 'cat@1' });
    expect(body).toContain('## Least privilege for `arn:aws:iam::123456789012:role/app`');
    expect(body).toContain('Unused actions of services in use, by service: `s3` (1).');
    expect(body).toContain('Services not used at all: `kms`.');
    expect(body).toContain('- **Write** (1): `s3:PutObject`');
    expect(body).toContain('Services removed as a whole: `kms`.');
    expect(body).toContain('Size: 300 → 200 characters of 10,240 (role inline policies quota');
    expect(body).toContain('22,091 actions of the catalog (`cat@1`)');
    expect(body).toContain('**EXACT**');
    expect(body).toContain('### Roll back');
    expect(body).toContain('### Before you merge');
    expect(body).toContain('another Terraform workspace or account');
  });

  it('writes names from the inputs as text, never as Markdown', () => {
    const body = prBody(
      finding,
      [patch],
      [
        {
          findingId: 'f1',
          resource: finding.resource,
          policyId: 'q',
          policyName: 'q',
          reason: 'see [x](javascript:alert(1)) <img>',
        },
      ],
      { catalogVersion: 'c' },
    );
    expect(body).toContain('`pˋ](javascript:alert(1))`');
    expect(body).not.toContain('[x](');
    expect(body).toContain('see \\[x\\](javascript:alert(1)) \\<img\\>');
    expect(code('a`b')).toBe('`aˋb`');
    expect(text('*a*')).toBe('\\*a\\*');
  });
});
