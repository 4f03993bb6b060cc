import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import { parsePolicy } from '../policy/document.js';
import { parseUnused } from '../policy/unused.js';
import { referenceAllows } from '../test-support/reference.js';
import { unusedFlags } from './group-unused.js';
import {
  allowableServices,
  allowedActions,
  grantsUnused,
  policyPermissions,
  relevantUnused,
  relevantUnusedKey,
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

describe('relevantUnusedKey', () => {
  // Services and names in several casings, some the catalog does not know; policies with Action,
  // NotAction, Deny and unknown services, so every branch of relevantUnused is taken.
  const arbEntry = fc.constantFrom(
    'ec2:*',
    's3:PutObject',
    's3:putobject',
    'S3:GetObject',
    's3:ListBucket',
    'iam:GetRole',
    'iam:*',
    'ec2:RunInstances',
    'ec2:DescribeVpcs',
    'nope:Thing',
    'nope:*',
    'lambda:InvokeFunction',
  );
  const arbStatement = fc.record({
    Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
    key: fc.constantFrom('Action', 'Action', 'NotAction'),
    list: fc.array(
      fc.constantFrom('s3:*', 's3:Get*', 'ec2:Run*', 'iam:GetRole', '*', 'lambda:*', 'x:*', 'e*'),
      { minLength: 1, maxLength: 3 },
    ),
  });
  it('is unusedKey of relevantUnused, for every policy, with the same set keyed many times', () => {
    fc.assert(
      fc.property(
        fc.array(arbEntry, { maxLength: 10 }),
        fc.array(fc.array(arbStatement, { minLength: 1, maxLength: 3 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (entries, policies) => {
          const set = parseUnused(entries);
          for (const sts of policies) {
            const p = perms(
              ...sts.map((st) => ({ Effect: st.Effect, [st.key]: st.list, Resource: '*' })),
            );
            expect(relevantUnusedKey(set, p)).toBe(unusedKey(relevantUnused(set, p)));
          }
        },
      ),
      { numRuns: 2000 },
    );
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

describe('allowedActions and grantsUnused against the simple definitions', () => {
  const entry = fc.constantFrom('*', 's3:*', 's3:Get*', 'ec2:Run*', '*:Get*', 'iam:GetRole', 'e*');
  const statement = fc.record({
    Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
    key: fc.constantFrom('Action', 'NotAction'),
    entries: fc.array(entry, { minLength: 1, maxLength: 3 }),
  });
  it('agree on random policies and unused sets, with a fresh or a reused dirty buffer', () => {
    const size = catalog.actions.length;
    const dirty = new Uint8Array(size).fill(7);
    fc.assert(
      fc.property(
        fc.array(fc.array(statement, { minLength: 1, maxLength: 3 }), { maxLength: 4 }),
        fc.subarray(catalog.actions.map((a) => a.full)),
        (docs, unusedNames) => {
          const policies = docs.map((sts) => ({
            permissions: perms(
              ...sts.map((s) => ({ Effect: s.Effect, [s.key]: s.entries, Resource: '*' })),
            ),
          }));
          // The definition: allowed by an Allow statement, named by no Deny statement.
          const matches = (s: (typeof docs)[number][number], full: string) =>
            referenceAllows(s.key as 'Action', s.entries, full);
          const expected = catalog.actions.map((a) => {
            const sts = docs.flat();
            const allow = sts.some((s) => s.Effect === 'Allow' && matches(s, a.full));
            const deny = sts.some((s) => s.Effect === 'Deny' && matches(s, a.full));
            return allow && !deny ? 1 : 0;
          });
          expect([...allowedActions(policies, size)]).toEqual(expected);
          expect([...allowedActions(policies, size, dirty)]).toEqual(expected);
          const flags = unusedFlags(parseUnused(unusedNames), catalog);
          for (const { permissions: p } of policies) {
            // The previous, Set-based form of the same test.
            const simple =
              [...p.allowIn].some((i) => flags.flags[i] === 1) ||
              p.allowNotIn.some((ex) => [...flags.sorted].some((i) => !ex.has(i))) ||
              [...p.literalServices].some((s) => flags.wholeServices.has(s));
            expect(grantsUnused(p, flags)).toBe(simple);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses a reused buffer of the wrong size', () => {
    expect(() => allowedActions([], catalog.actions.length, new Uint8Array(2))).toThrow(RangeError);
  });
});
