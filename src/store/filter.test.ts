import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, formatIssue } from '../errors.js';
import { parseJson } from '../json/parse.js';
import { FINDING_TYPES, type Finding } from '../findings/types.js';
import {
  matchesCriteria,
  parseFilterCriteria,
  validateRuleName,
  type FilterSubject,
} from './filter.js';
import { syntheticFinding, syntheticScan } from './fixtures.js';
import { openStore } from './sqlite.js';
import type { FilterCriteria, FindingsStore } from './types.js';

function issuesOf(value: unknown, text?: string): string[] {
  try {
    parseFilterCriteria(
      value,
      text === undefined ? {} : { parsed: parseJson(text), source: '<argument>' },
    );
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
}

const subject = (over: Partial<FilterSubject> = {}): FilterSubject => ({
  id: 'id-1',
  findingType: 'UnusedIAMRole',
  resource: 'arn:aws:iam::111122223333:role/ci-deployer',
  resourceType: 'AWS::IAM::Role',
  resourceOwnerAccount: '111122223333',
  status: 'ACTIVE',
  tags: new Map([['team', 'platform']]),
  ...over,
});

describe('parseFilterCriteria', () => {
  it("accepts Access Analyzer's FilterCriteria", () => {
    const filter = {
      findingType: { eq: ['UnusedIAMRole'] },
      resource: { contains: ['ci-'] },
      resourceOwnerAccount: { neq: ['444455556666'] },
      status: { eq: ['ACTIVE'] },
      resourceType: { eq: ['AWS::IAM::Role'], exists: true },
      'tags.team': { exists: true, neq: ['security'] },
    };
    expect(parseFilterCriteria(filter)).toEqual(filter);
  });

  it('reports every problem, one line each, with line and column', () => {
    const text = `{
  "findingType": {"eq": ["UnusedRole"]},
  "owner": {"eq": ["1"]},
  "resource": {"contains": []},
  "status": {},
  "resourceOwnerAccount": {"neq": ["12345"], "like": ["x"]},
  "tags.env": {"exists": "yes"},
  "tags.team": {"exists": false, "eq": ["a"]},
  "id": {"eq": [""]}
}`;
    expect(issuesOf(parseJson(text).value, text)).toEqual([
      '<argument>:2:26: $.findingType.eq[0]: "UnusedRole" is not a findingType; expected one of UnusedIAMRole, UnusedIAMUserPassword, UnusedIAMUserAccessKey, UnusedPermission [invalid_value]',
      '<argument>:3:12: $.owner: unknown filter key "owner"; expected one of findingType, resource, resourceType, resourceOwnerAccount, status, id or tags.KEY [invalid_value]',
      '<argument>:4:28: $.resource.contains: contains must list 1 to 20 values, found 0 [invalid_value]',
      '<argument>:5:13: $.status: a criterion needs at least one of eq, neq, contains, exists [missing_field]',
      '<argument>:6:54: $.resourceOwnerAccount.like: unknown operator "like"; expected eq, neq, contains or exists [invalid_value]',
      '<argument>:6:36: $.resourceOwnerAccount.neq[0]: "12345" is not an account id; expected 12 digits [invalid_value]',
      '<argument>:7:26: $["tags.env"].exists: exists must be true or false, found "yes" [invalid_type]',
      '<argument>:8:16: $["tags.team"]: exists: false cannot be combined with eq or contains (the criterion could never match) [conflicting_fields]',
      '<argument>:9:17: $.id.eq[0]: expected a non-empty string, found "" [invalid_type]',
    ]);
  });

  it('rejects a filter that is not an object or is empty, and over-long lists', () => {
    expect(issuesOf([])).toEqual([
      '$: a filter must be an object of criteria, found an array [invalid_type]',
    ]);
    expect(issuesOf({})).toHaveLength(1);
    expect(issuesOf({ id: { eq: Array.from({ length: 21 }, (_, i) => `x${i}`) } })).toEqual([
      '$.id.eq: eq must list 1 to 20 values, found 21 [invalid_value]',
    ]);
    expect(issuesOf({ id: 'x' })).toEqual([
      '$.id: a criterion must be an object, found "x" [invalid_type]',
    ]);
    expect(issuesOf({ 'tags.': { exists: true } })).toHaveLength(1);
  });

  it('validates rule names like Access Analyzer', () => {
    expect(() => validateRuleName('ci-roles_2.x')).not.toThrow();
    for (const bad of ['', '1abc', 'a b', 'a/b', 'x'.repeat(256)]) {
      expect(() => validateRuleName(bad)).toThrow(ValidationError);
    }
  });
});

describe('matchesCriteria (each operator)', () => {
  it('eq: any listed value, case-sensitive', () => {
    expect(
      matchesCriteria({ findingType: { eq: ['UnusedPermission', 'UnusedIAMRole'] } }, subject()),
    ).toBe(true);
    expect(matchesCriteria({ findingType: { eq: ['UnusedPermission'] } }, subject())).toBe(false);
    expect(matchesCriteria({ 'tags.team': { eq: ['Platform'] } }, subject())).toBe(false);
  });
  it('neq: none of the listed values; a missing tag matches', () => {
    expect(matchesCriteria({ resourceOwnerAccount: { neq: ['111122223333'] } }, subject())).toBe(
      false,
    );
    expect(
      matchesCriteria(
        { resourceOwnerAccount: { neq: ['444455556666', '777788889999'] } },
        subject(),
      ),
    ).toBe(true);
    expect(matchesCriteria({ 'tags.env': { neq: ['prod'] } }, subject())).toBe(true);
  });
  it('contains: any listed substring', () => {
    expect(matchesCriteria({ resource: { contains: ['prod-', 'ci-'] } }, subject())).toBe(true);
    expect(matchesCriteria({ resource: { contains: ['CI-'] } }, subject())).toBe(false);
  });
  it('exists: present or absent', () => {
    expect(matchesCriteria({ 'tags.team': { exists: true } }, subject())).toBe(true);
    expect(matchesCriteria({ 'tags.env': { exists: false } }, subject())).toBe(true);
    expect(matchesCriteria({ 'tags.env': { exists: true } }, subject())).toBe(false);
    expect(matchesCriteria({ resource: { exists: true } }, subject())).toBe(true);
    expect(matchesCriteria({ resource: { exists: false } }, subject())).toBe(false);
  });
  it('several criteria AND, several operators of one criterion AND', () => {
    const both: FilterCriteria = {
      findingType: { eq: ['UnusedIAMRole'] },
      resource: { contains: ['ci-'] },
    };
    expect(matchesCriteria(both, subject())).toBe(true);
    expect(matchesCriteria(both, subject({ resource: 'arn:aws:iam::111122223333:role/app' }))).toBe(
      false,
    );
    expect(
      matchesCriteria({ resource: { contains: ['role/'], neq: [subject().resource] } }, subject()),
    ).toBe(false);
  });
});

describe('the store runs rules exactly as matchesCriteria says (property)', () => {
  const accounts = ['111122223333', '444455556666'];
  const names = ['ci-a', 'ci-b', 'app-x', 'App-y', 'batch%', 'under_score'];
  const tagValues = ['a', 'b', 'ab'];
  const findings: Finding[] = [];
  const tags = new Map<string, Map<string, string>>();
  let i = 0;
  for (const account of accounts) {
    for (const name of names) {
      for (const type of FINDING_TYPES) {
        const f = syntheticFinding({ account, name, type, accessKeyId: 'AKIA1' });
        findings.push(f);
        // one tag map per principal (roles and users of the same name are different principals)
        if (!tags.has(f.resource)) {
          const t = new Map<string, string>();
          if (i % 3 !== 0) t.set('team', tagValues[i % tagValues.length]!);
          if (i % 4 === 1) t.set('env', tagValues[(i + 1) % tagValues.length]!);
          tags.set(f.resource, t);
        }
        i++;
      }
    }
  }
  const subjects: FilterSubject[] = findings.map((f) => ({
    id: f.id,
    findingType: f.findingType,
    resource: f.resource,
    resourceType: f.resourceType,
    resourceOwnerAccount: f.resourceOwnerAccount,
    status: 'ACTIVE',
    tags: tags.get(f.resource)!,
  }));
  let store: FindingsStore;

  beforeAll(() => {
    store = openStore(':memory:', { clock: () => new Date(0) });
    store.recordScan(syntheticScan(findings), { accounts, tags });
  });
  afterAll(() => store.close());

  const values = (pool: readonly string[]) =>
    fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 3 });
  const criterion = (eqPool: readonly string[], subPool: readonly string[]) =>
    fc
      .record(
        {
          eq: values(eqPool),
          neq: values(eqPool),
          contains: values(subPool),
          exists: fc.boolean(),
        },
        { requiredKeys: [] },
      )
      .filter((c) => Object.keys(c).length > 0 && !(c.exists === false && (c.eq || c.contains)));
  const criteria = fc
    .record(
      {
        findingType: criterion(FINDING_TYPES, ['Unused', 'Role', 'IAMUser']),
        resource: criterion(
          findings.map((f) => f.resource),
          ['ci-', 'app', 'App', '%', '_', 'role/', 'user/'],
        ),
        resourceOwnerAccount: criterion(accounts, ['1111', '5']),
        resourceType: criterion(['AWS::IAM::Role', 'AWS::IAM::User'], ['Role', 'User']),
        status: criterion(['ACTIVE', 'ARCHIVED', 'RESOLVED'], ['ACT']),
        'tags.team': criterion(tagValues, ['a', 'b']),
        'tags.env': criterion(tagValues, ['b']),
      },
      { requiredKeys: [] },
    )
    .filter((c) => Object.keys(c).length > 0);

  it('previewRule returns exactly the matching findings', () => {
    fc.assert(
      fc.property(criteria, (c) => {
        const filter = parseFilterCriteria(c);
        const expected = subjects
          .filter((s) => matchesCriteria(filter, s))
          .map((s) => s.id)
          .sort();
        const got = store
          .previewRule(filter, { limit: 1000 })
          .items.map((f) => f.id)
          .sort();
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
