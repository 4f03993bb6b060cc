import { describe, expect, it } from 'vitest';
import { createCatalog } from '../catalog/catalog.js';
import type { Group } from '../inventory/types.js';
import { parseUnused } from '../policy/unused.js';
import { groupUnused, intersectUnused, unusedFlags } from './group-unused.js';

const catalog = createCatalog(
  { s3: ['GetObject', 'PutObject', 'ListBucket'], ec2: ['RunInstances'], iam: ['GetRole'] },
  'tiny',
);
const group: Group = {
  arn: 'arn:aws:iam::1:group/g',
  name: 'g',
  path: '/',
  accountId: '1',
  createDate: new Date(0),
  inlinePolicies: [],
  attachedPolicies: [],
};

describe('intersectUnused', () => {
  it('keeps what every set has unused; a whole service meets a list as the list', () => {
    const a = parseUnused(['s3:*', 'ec2:*', 'iam:GetRole']);
    const b = parseUnused(['s3:GetObject', 's3:ListBucket', 'ec2:*']);
    const c = parseUnused(['s3:getobject', 'ec2:*', 's3:PutObject']);
    const set = intersectUnused([a, b, c], catalog);
    expect(set.entries).toEqual(['ec2:*', 's3:GetObject']);
    expect(set.services.get('iam')).toBeUndefined();
    const flags = unusedFlags(set, catalog);
    expect([...flags.sorted].map((i) => catalog.actions[i]!.full)).toEqual([
      'ec2:RunInstances',
      's3:GetObject',
    ]);
    expect([...flags.wholeServices]).toEqual(['ec2']);
  });

  it('gives the empty set for no sets', () => {
    expect(intersectUnused([], catalog).entries).toEqual([]);
  });
});

describe('groupUnused', () => {
  const set = parseUnused(['s3:GetObject']);
  it('is refinable only when every member has a finding', () => {
    const ok = groupUnused(
      group,
      ['a', 'b'],
      new Map([
        ['a', { kind: 'finding', unused: set }],
        ['b', { kind: 'finding', unused: parseUnused(['s3:*']) }],
      ]),
      catalog,
    );
    expect(ok).toMatchObject({ refinable: true, members: 2 });
    expect(ok.refinable && ok.set.entries).toEqual(['s3:GetObject']);

    expect(
      groupUnused(group, ['a', 'b'], new Map([['a', { kind: 'finding', unused: set }]]), catalog),
    ).toEqual({
      refinable: false,
      why: 'member b has no UnusedPermission finding',
    });
    expect(
      groupUnused(
        group,
        ['a'],
        new Map([['a', { kind: 'excluded', why: 'is an unused role' }]]),
        catalog,
      ),
    ).toEqual({ refinable: false, why: 'member a is an unused role' });
    expect(groupUnused(group, [], new Map(), catalog).refinable).toBe(false);
  });
});
