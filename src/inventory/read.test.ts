import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import { readInventory } from './read.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/account/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);
const A = '111122223333';
const B = '444455556666';

/** The issues the promise rejects with (fails the test when it resolves). */
async function issuesOf(promise: Promise<unknown>): Promise<readonly Issue[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

describe('readInventory', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iam-refine-inventory-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and merges every fixture of two accounts', async () => {
    const inventory = await readInventory({
      authorizationDetails: [
        fixture('authorization-details.json'),
        fixture('authorization-details-sdk-page-1.json'),
        fixture('authorization-details-sdk-page-2.json'),
      ],
      credentialReports: [fixture('credential-report.json')],
    });
    expect([...inventory.principals.keys()]).toEqual([
      `arn:aws:iam::${A}:user/alice`,
      `arn:aws:iam::${A}:user/engineering/bob`,
      `arn:aws:iam::${A}:role/service-role/orders-processor`,
      `arn:aws:iam::${A}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing`,
      `arn:aws:iam::${A}:role/ci-deploy`,
      `arn:aws:iam::${B}:user/erin`,
      `arn:aws:iam::${B}:role/etl-nightly`,
      `arn:aws:iam::${A}:user/contractors/dave`,
    ]);
    expect([...inventory.groups.keys()]).toEqual([
      `arn:aws:iam::${A}:group/Developers`,
      `arn:aws:iam::${B}:group/Analysts`,
    ]);
    expect(inventory.policies.size).toBe(4);
    expect(inventory.accounts).toEqual(new Set([A, B]));
    expect(inventory.rootRowsSkipped).toBe(1);
    expect(inventory.principals.get(`arn:aws:iam::${A}:user/alice`)!.password?.enabled).toBe(true);
    expect(inventory.principals.get(`arn:aws:iam::${B}:user/erin`)!.password).toBeUndefined();
  });

  it('reads nothing into an empty inventory', async () => {
    expect(await readInventory({ authorizationDetails: [], credentialReports: [] })).toEqual({
      principals: new Map(),
      groups: new Map(),
      policies: new Map(),
      accounts: new Set(),
    });
  });

  it('reports the problems of every file at once', async () => {
    const badJson = join(dir, 'bad.json');
    await writeFile(badJson, '{"UserDetailList": [}\n');
    const badCsv = join(dir, 'bad.csv');
    await writeFile(badCsv, 'user,arn\nalice,arn:aws:iam::111122223333:user/alice\n');
    const missing = join(dir, 'missing.json');
    const issues = await issuesOf(
      readInventory({
        authorizationDetails: [badJson, missing, fixture('authorization-details-sdk-page-1.json')],
        credentialReports: [badCsv, dir],
      }),
    );
    expect(issues.map((i) => [i.code, i.source, i.line])).toEqual([
      ['invalid_json', badJson, 1],
      ['file_not_found', missing, undefined],
      ['missing_field', badCsv, 1],
      ['file_unreadable', dir, undefined],
      ['missing_field', fixture('authorization-details-sdk-page-1.json'), undefined],
    ]);
    expect(issues[1]!.message).toBe(`file ${missing} does not exist`);
    expect(issues[3]!.message).toBe(`file ${dir} cannot be read (it is a directory)`);
    expect(issues[4]!.message).toContain('the last page is missing');
  });

  it('reports conflicts between valid files', async () => {
    const report = join(dir, 'other-report.csv');
    const csv = await readFile(fixture('credential-report.csv'), 'utf8');
    await writeFile(report, csv.replace('2024-06-01T07:55:12+00:00', '2024-06-08T07:55:12+00:00'));
    const issues = await issuesOf(
      readInventory({
        authorizationDetails: [fixture('authorization-details.json')],
        credentialReports: [fixture('credential-report.csv'), report],
      }),
    );
    expect(issues.map((i) => [i.code, i.source, i.line])).toEqual([
      ['conflicting_fields', report, 3],
    ]);
  });
});
