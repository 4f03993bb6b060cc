import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatch } from '../glob/glob.js';
import { createCatalog, type ActionCatalog } from './catalog.js';
import { tokenizeAction } from './tokenize.js';

const fulls = (catalog: ActionCatalog, list = catalog.actions) => list.map((a) => a.full);

describe('createCatalog', () => {
  const catalog = createCatalog(
    {
      s3: ['PutObject', 'GetObject', ['GetObjectAcl', { accessLevel: 'Read', tracked: true }]],
      'S3-Outposts': ['GetObject'],
      ec2: ['RunInstances', ['DescribeInstances', { accessLevel: 'List', tracked: false }]],
    },
    'test@1',
  );

  it('sorts actions by lower-case service:name and numbers them', () => {
    expect(fulls(catalog)).toEqual([
      'ec2:DescribeInstances',
      'ec2:RunInstances',
      's3-outposts:GetObject',
      's3:GetObject',
      's3:GetObjectAcl',
      's3:PutObject',
    ]);
    catalog.actions.forEach((a, i) => {
      expect(a.index).toBe(i);
      expect(a.key).toBe(a.full.toLowerCase());
      expect(a.full).toBe(`${a.service}:${a.name}`);
    });
    expect(catalog.version).toBe('test@1');
    expect(catalog.services).toEqual(['ec2', 's3', 's3-outposts']);
  });

  it('keeps facts, undefined when not given, and freezes actions', () => {
    const acl = catalog.get('s3:GetObjectAcl')!;
    expect(acl.accessLevel).toBe('Read');
    expect(acl.tracked).toBe(true);
    expect(catalog.get('ec2:DescribeInstances')!.tracked).toBe(false);
    const get = catalog.get('s3:GetObject')!;
    expect(get.accessLevel).toBeUndefined();
    expect(get.tracked).toBeUndefined();
    expect(Object.isFrozen(get)).toBe(true);
  });

  it('merges duplicates case-insensitively, the first spelling winning; accepts a Map', () => {
    const merged = createCatalog(
      new Map([
        ['S3', ['GetObject', ['GETOBJECT', { tracked: true }] as const]],
        ['s3', ['getobject', 'ListBucket']],
      ]),
      'v',
    );
    expect(fulls(merged)).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(merged.get('s3:getobject')!.tracked).toBeUndefined();
    expect(merged.services).toEqual(['s3']);
  });

  it('an empty catalog answers every query with nothing', () => {
    const empty = createCatalog({}, 'empty');
    expect(empty.actions).toEqual([]);
    expect(empty.services).toEqual([]);
    expect(empty.get('s3:GetObject')).toBeUndefined();
    expect(empty.hasService('s3')).toBe(false);
    expect(empty.match('*')).toEqual([]);
    expect(empty.prefixRange('')).toEqual([0, 0]);
  });

  it('get is case-insensitive and exact', () => {
    expect(catalog.get('S3:GETOBJECT')!.full).toBe('s3:GetObject');
    expect(catalog.get('s3:getobjectacl')!.full).toBe('s3:GetObjectAcl');
    expect(catalog.get('s3:GetObjec')).toBeUndefined();
    expect(catalog.get('s3:Get*')).toBeUndefined();
    expect(catalog.get('GetObject')).toBeUndefined();
  });

  it('hasService and serviceActions do not confuse s3 with s3-outposts', () => {
    expect(catalog.hasService('s3')).toBe(true);
    expect(catalog.hasService('S3')).toBe(true);
    expect(catalog.hasService('s3-outposts')).toBe(true);
    expect(catalog.hasService('s')).toBe(false);
    expect(catalog.hasService('s3-')).toBe(false);
    expect(catalog.hasService('iam')).toBe(false);
    expect(fulls(catalog, catalog.serviceActions('S3'))).toEqual([
      's3:GetObject',
      's3:GetObjectAcl',
      's3:PutObject',
    ]);
    expect(fulls(catalog, catalog.serviceActions('s3-outposts'))).toEqual([
      's3-outposts:GetObject',
    ]);
    expect(catalog.serviceActions('iam')).toEqual([]);
  });

  it('prefixRange is the half-open range of keys starting with the prefix', () => {
    expect(catalog.prefixRange('')).toEqual([0, 6]);
    expect(catalog.prefixRange('s3:getobject')).toEqual([3, 5]);
    expect(catalog.prefixRange('s3:getobjecta')).toEqual([4, 5]);
    expect(catalog.prefixRange('s3')).toEqual([2, 6]);
    expect(catalog.prefixRange('ec2:')).toEqual([0, 2]);
    // no match: an empty range at the insertion point
    expect(catalog.prefixRange('s3:h')).toEqual([5, 5]);
    expect(catalog.prefixRange('zzz')).toEqual([6, 6]);
    expect(catalog.prefixRange('a')).toEqual([0, 0]);
    // searched inside an enclosing range: the same answer
    expect(catalog.prefixRange('s3:getobject', 2, 6)).toEqual([3, 5]);
    expect(catalog.prefixRange('s3:getobjecta', 3, 5)).toEqual([4, 5]);
    expect(catalog.prefixRange('s3:h', 2, 6)).toEqual([5, 5]);
  });

  it('match returns matched actions in catalog order, case-insensitively', () => {
    expect(fulls(catalog, catalog.match('s3:Get*'))).toEqual(['s3:GetObject', 's3:GetObjectAcl']);
    expect(fulls(catalog, catalog.match('S3:GETOBJECT'))).toEqual(['s3:GetObject']);
    expect(fulls(catalog, catalog.match('*:GetObject'))).toEqual([
      's3-outposts:GetObject',
      's3:GetObject',
    ]);
    expect(fulls(catalog, catalog.match('s3*:Get*'))).toEqual([
      's3-outposts:GetObject',
      's3:GetObject',
      's3:GetObjectAcl',
    ]);
    expect(fulls(catalog, catalog.match('ec2:?unInstances'))).toEqual(['ec2:RunInstances']);
    expect(fulls(catalog, catalog.match(compileGlob('*Instances')))).toEqual([
      'ec2:DescribeInstances',
      'ec2:RunInstances',
    ]);
    expect(catalog.match('s3:Get')).toEqual([]);
    expect(catalog.match('iam:*')).toEqual([]);
    expect(catalog.match('*')).toHaveLength(6);
  });

  it('tokens are the CamelCase tokens of the action, cached', () => {
    const acl = catalog.get('s3:GetObjectAcl')!;
    expect(catalog.tokens(acl)).toEqual(['s3:', 'Get', 'Object', 'Acl']);
    expect(catalog.tokens(acl)).toBe(catalog.tokens(acl));
    expect(catalog.tokens(catalog.get('ec2:DescribeInstances')!)).toEqual([
      'ec2:',
      'Describe',
      'Instances',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

const word = (alphabet: string, maxLength: number, minLength = 0) =>
  fc
    .array(fc.constantFrom(...alphabet), { minLength, maxLength })
    .map((cs: string[]) => cs.join(''));

/** A random small catalog: services that prefix each other, names over a tiny alphabet. */
const catalogArb = fc
  .array(
    fc.tuple(
      fc.constantFrom('a', 'ab', 'b', 's3', 's3-x', 'S3'),
      fc.array(word('aAbB3', 4, 1), { maxLength: 8 }),
    ),
    { maxLength: 6 },
  )
  .map((entries) => {
    const services = new Map<string, string[]>();
    for (const [s, names] of entries) services.set(s, [...(services.get(s) ?? []), ...names]);
    return createCatalog(services, 'random');
  });

/** Patterns over the catalog's alphabet: free-form, service-anchored, or star-wrapped. */
const patternArb = fc.oneof(
  word('aAbB3s:-*?', 8),
  fc
    .tuple(fc.constantFrom('a', 'ab', 'b', 's3', 's3-x', 'S3', '*', 's?', 'a*'), word('aAbB3*?', 5))
    .map(([service, name]) => `${service}:${name}`),
  word('aAbB3?', 3).map((w) => `*${w}*`),
);

describe('catalog properties', () => {
  it('actions are sorted, distinct by key, and get finds each one in any case', () => {
    fc.assert(
      fc.property(catalogArb, (catalog) => {
        const keys = catalog.actions.map((a) => a.key);
        const sorted = [...keys].sort();
        expect(keys).toEqual(sorted);
        expect(new Set(keys).size).toBe(keys.length);
        for (const a of catalog.actions) {
          expect(catalog.get(a.full.toUpperCase())).toBe(a);
          expect(catalog.tokens(a)).toEqual(tokenizeAction(a.service, a.name));
          expect(catalog.tokens(a).join('')).toBe(a.full);
        }
        expect(catalog.services).toEqual(
          [...new Set(catalog.actions.map((a) => a.service))].sort(),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('match(p) equals the naive filter by globMatch', () => {
    let nonEmpty = 0;
    fc.assert(
      fc.property(catalogArb, patternArb, (catalog, pattern) => {
        const expected = catalog.actions.filter((a) => globMatch(pattern, a.full));
        const actual = catalog.match(pattern);
        expect(actual).toEqual(expected);
        expect(catalog.match(compileGlob(pattern))).toEqual(expected);
        if (expected.length > 0) nonEmpty++;
      }),
      { numRuns: 2000 },
    );
    // The generators must produce matches often enough for the comparison to mean something.
    // (about 28% of the runs match something; 300 of 2000 is far below any plausible draw)
    expect(nonEmpty).toBeGreaterThan(300);
  });

  it('match of a pattern derived from an action finds that action', () => {
    fc.assert(
      fc.property(catalogArb, fc.nat(), fc.nat(), fc.constantFrom('*', '?'), (catalog, i, j, w) => {
        fc.pre(catalog.actions.length > 0);
        const action = catalog.actions[i % catalog.actions.length]!;
        const at = j % action.full.length;
        const pattern = action.full.slice(0, at) + w + action.full.slice(at + 1);
        const expected = catalog.actions.filter((a) => globMatch(pattern, a.full));
        expect(expected).toContain(action);
        expect(catalog.match(pattern.toUpperCase())).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('prefixRange equals the naive filter by key.startsWith; services agree', () => {
    fc.assert(
      fc.property(catalogArb, word('ab3s:-x', 6), fc.nat(), (catalog, random, i) => {
        const keys = catalog.actions.map((a) => a.key);
        const existing = keys.length > 0 ? keys[i % keys.length]!.slice(0, i % 7) : '';
        for (const prefix of [random, existing]) {
          const expected = keys.flatMap((k, index) => (k.startsWith(prefix) ? [index] : []));
          const [start, end] = catalog.prefixRange(prefix);
          expect(start).toBeLessThanOrEqual(end);
          expect(Array.from({ length: end - start }, (_, k) => start + k)).toEqual(expected);
          if (expected.length === 0) {
            // insertion point: everything before sorts before the prefix
            expect(keys.slice(0, start).every((k) => k < prefix)).toBe(true);
            expect(keys.slice(start).every((k) => k > prefix)).toBe(true);
          }
        }
        for (const service of ['a', 'ab', 'b', 's3', 's3-x', 'S3', 'x']) {
          const expected = catalog.actions.filter((a) => a.service === service.toLowerCase());
          expect(catalog.serviceActions(service)).toEqual(expected);
          expect(catalog.hasService(service)).toBe(expected.length > 0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
