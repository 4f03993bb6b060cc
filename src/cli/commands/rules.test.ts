import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { syntheticFinding, syntheticScan } from '../../store/fixtures.js';
import { openStore } from '../../store/sqlite.js';
import { runCli, useTempDir } from '../../test-support/cli.js';

/** Runs `iam-refine <args>` in-process. */
const cli = (args: readonly string[]) => runCli(args);

const A = '111122223333';
const ci = syntheticFinding({ account: A, name: 'ci-build', type: 'UnusedIAMRole' });
const app = syntheticFinding({ account: A, name: 'app', type: 'UnusedIAMRole' });
const perm = syntheticFinding({ account: A, name: 'ci-deploy' });

const dir = useTempDir('iam-refine-rules-cli-', 'each');
let db: string;
beforeEach(() => {
  db = join(dir(), 'r.db');
});

function scan(...findings: ReturnType<typeof syntheticFinding>[]) {
  const store = openStore(db, { clock: () => new Date('2024-06-01T00:00:00.000Z') });
  const r = store.recordScan(syntheticScan(findings), { accounts: [A] });
  store.close();
  return r;
}

const CI_ROLES =
  '{"findingType": {"eq": ["UnusedIAMRole"]}, "resource": {"contains": [":role/ci-"]}}';

describe('rules', () => {
  it('add before the first scan (creates the database), then scans archive matching findings', async () => {
    const add = await cli(['rules', 'add', 'ci-roles', '--filter', CI_ROLES, '--db', db]);
    expect(add).toEqual({
      code: 0,
      out: '',
      err: 'added rule ci-roles; it archives matching findings of later scans\n',
    });
    expect(scan(ci, app, perm).stats.archivedByRules).toBe(1);
    const list = await cli([
      'findings',
      'list',
      '--db',
      db,
      '--status',
      'ARCHIVED',
      '--format',
      'json',
    ]);
    expect(
      JSON.parse(list.out).items.map((f: { id: string; archivedByRule: string }) => [
        f.id,
        f.archivedByRule,
      ]),
    ).toEqual([[ci.id, 'ci-roles']]);
  });

  it('add says what it matches now; apply archives it; list and delete', async () => {
    scan(ci, app, perm);
    const add = await cli([
      'rules',
      'add',
      'ci',
      '--filter',
      '{"resource": {"contains": ["ci-"]}}',
      '--db',
      db,
    ]);
    expect(add.err).toBe(
      'added rule ci; it archives matching findings of later scans; 2 active findings match now (rules apply ci)\n',
    );
    const apply = await cli(['rules', 'apply', 'ci', '--db', db]);
    expect(apply.out.trimEnd().split('\n').sort()).toEqual(
      [`archived ${ci.id}`, `archived ${perm.id}`].sort(),
    );
    expect(apply.err).toBe('rule ci archived 2 findings\n');
    const list = await cli(['rules', 'list', '--db', db]);
    expect(list.out).toMatch(
      /^NAME {2}CREATED {11}FILTER\nci {4}\d{4}-\d\d-\d\d \d\d:\d\d {2}\{"resource":\{"contains":\["ci-"\]\}\}\n$/,
    );
    expect(
      JSON.parse((await cli(['rules', 'list', '--db', db, '--format', 'json'])).out),
    ).toHaveLength(1);
    expect(await cli(['rules', 'delete', 'ci', '--db', db])).toEqual({
      code: 0,
      out: '',
      err: 'deleted rule ci\n',
    });
    expect((await cli(['rules', 'list', '--db', db])).err).toBe('no archive rules\n');
    // archived findings stay archived
    const show = await cli(['findings', 'show', ci.id, '--db', db, '--format', 'json']);
    expect(JSON.parse(show.out)).toMatchObject({ status: 'ARCHIVED', archivedByRule: 'ci' });
  });

  it('add --apply archives the current matches at once', async () => {
    scan(ci, app, perm);
    const add = await cli([
      'rules',
      'add',
      'roles',
      '--filter',
      '{"findingType": {"eq": ["UnusedIAMRole"]}}',
      '--apply',
      '--db',
      db,
    ]);
    expect(add.err).toBe('added rule roles; archived 2 active findings it matches\n');
  });

  it('a bad filter: one line per problem with its column, exit 2, no rule', async () => {
    const r = await cli([
      'rules',
      'add',
      'bad',
      '--db',
      db,
      '--filter',
      '{"findingType": {"eq": ["Role"]}, "owner": {"eq": ["x"]}, "resource": {"contains": "ci-"}}',
    ]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toEqual([
      'iam-refine: --filter:1:25: $.findingType.eq[0]: "Role" is not a findingType; expected one of UnusedIAMRole, UnusedIAMUserPassword, UnusedIAMUserAccessKey, UnusedPermission [invalid_value]',
      'iam-refine: --filter:1:44: $.owner: unknown filter key "owner"; expected one of findingType, resource, resourceType, resourceOwnerAccount, status, id or tags.KEY [invalid_value]',
      'iam-refine: --filter:1:84: $.resource.contains: contains must be a list of strings, found "ci-" [invalid_type]',
    ]);
    expect(existsSync(db)).toBe(false); // nothing was created
    const json = await cli(['rules', 'add', 'bad', '--db', db, '--filter', '{"a": ']);
    expect(json.code).toBe(2);
    expect(json.err).toMatch(
      /^iam-refine: --filter:1:7: \$\.a: unexpected end of input.*\[invalid_json\]\n$/,
    );
  });

  it('bad names, duplicates and unknown rules: exit 2, one line', async () => {
    expect((await cli(['rules', 'add', '1x', '--filter', CI_ROLES, '--db', db])).err).toMatch(
      /rule name "1x" is not valid/,
    );
    await cli(['rules', 'add', 'r', '--filter', CI_ROLES, '--db', db]);
    expect(await cli(['rules', 'add', 'r', '--filter', CI_ROLES, '--db', db])).toEqual({
      code: 2,
      out: '',
      err: 'iam-refine: archive rule r already exists\n',
    });
    for (const verb of ['apply', 'delete']) {
      expect(await cli(['rules', verb, 'nope', '--db', db])).toEqual({
        code: 2,
        out: '',
        err: 'iam-refine: unknown archive rule: nope\n',
      });
    }
  });
});
