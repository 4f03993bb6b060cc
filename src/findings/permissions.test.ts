import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import { parsePolicy } from '../policy/document.js';
import { parseUnused } from '../policy/unused.js';
import { unusedFlags } from './group-unused.js';
import {
  allowableServices,
  allowedActions,
  grantsUnused,
  policyPermissions,
  relevantUnused,
  unusedKey,
} from './permissions.js';

const catalog = createCatalog(
  {
    s3: ['GetObject', 'PutObject', 'ListBucket'],
    ec2: ['RunInstances', 'DescribeVpcs'],
    iam: ['GetRole'],
  },
  'tiny',
);
const perms = (...Statement: object[]) =>
  policyPermissions(parsePolicy({ Version: '2012-10-17', Statement }), catalog);
const names = (flags: Uint8Array) =>
  catalog.actions.filter((a) => flags[a.index] === 1).map((a) => a.full);

describe('allowedActions', () => {
  it('is the union of the Allow statements minus whatever a Deny statement names', () => {
    const a = perms(
      { Effect: 'Allow', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Action: 's3:Put*', Resource: 'arn:aws:s3:::x', Condition: {} },
    );
    const b = perms(
      { Effect: 'Allow', NotAction: ['s3:*'], Resource: '*' },
      { Effect: 'Deny', NotAction: ['s3:*', 'ec2:*'], Resource: '*' },
    );
    expect(
      names(allowedActions([{ permissions: a }, { permissions: b }], catalog.actions.length)),
    ).toEqual(['ec2:DescribeVpcs', 'ec2:RunInstances', 's3:GetObject', 's3:ListBucket']);
  });
});

describe('grantsUnused and relevantUnused', () => {
  const unused = parseUnused(['ec2:*', 's3:PutObject', 'iam:GetRole']);
  const flags = unusedFlags(unused, catalog);

  it('tells whether refinement would change a policy', () => {
    expect(grantsUnused(perms({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }), flags)).toBe(
      false,
    );
    expect(grantsUnused(perms({ Effect: 'Allow', Action: 's3:*', Resource: '*' }), flags)).toBe(
      true,
    );
    // Matches no catalog action, but is confined to a service unused as a whole.
    expect(
      grantsUnused(perms({ Effect: 'Allow', Action: 'ec2:Future*', Resource: '*' }), flags),
    ).toBe(true);
    expect(grantsUnused(perms({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' }), flags)).toBe(
      true,
    );
    expect(grantsUnused(perms({ Effect: 'Deny', Action: '*', Resource: '*' }), flags)).toBe(false);
  });

  it('keeps the services an Action policy touches, everything for a NotAction policy', () => {
    const part = relevantUnused(
      unused,
      perms({ Effect: 'Allow', Action: ['s3:*', 'ec2:Future*'], Resource: '*' }),
    );
    expect(part.entries).toEqual(['ec2:*', 's3:PutObject']);
    expect(unusedKey(part)).toBe('ec2=*;s3=putobject');
    expect(
      relevantUnused(unused, perms({ Effect: 'Allow', NotAction: 's3:*', Resource: '*' })),
    ).toBe(unused);
  });
});

describe('allowableServices', () => {
  it('covers every service allowedActions allows something in, on random policies', () => {
    const entry = fc.constantFrom(
      '*',
      's3:*',
      's3:Get*',
      'ec2:Run*',
      '*:Get*',
      'iam:GetRole',
      'e*',
      'nope:X',
      '?3:*',
    );
    const statement = fc.record({
      Effect: fc.constantFrom('Allow', 'Deny'),
      key: fc.constantFrom('Action', 'NotAction'),
      entries: fc.array(entry, { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(fc.array(statement, { minLength: 1, maxLength: 3 })), (docs) => {
        const policies = docs.map((sts) => ({
          permissions: perms(
            ...sts.map((s) => ({ Effect: s.Effect, [s.key]: s.entries, Resource: '*' })),
          ),
        }));
        const services = allowableServices(policies);
        const allowed = allowedActions(policies, catalog.actions.length);
        const hasNotAction = docs.some((sts) =>
          sts.some((s) => s.Effect === 'Allow' && s.key === 'NotAction'),
        );
        expect(services === undefined).toBe(hasNotAction);
        for (const a of catalog.actions) {
          if (allowed[a.index] === 1 && services !== undefined) {
            expect(services.has(a.service)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
