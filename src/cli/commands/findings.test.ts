import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { syntheticFinding, syntheticScan } from '../../store/fixtures.js';
import { openStore } from '../../store/sqlite.js';
import { runCli, useTempDir } from '../../test-support/cli.js';
import type { FindingSummary } from '../../store/types.js';
import { groupByPermissionSet } from './findings.js';

/** Runs `iam-refine <args>` in-process with the given environment. */
const cli = (args: readonly string[], env: Record<string, string> = {}) => runCli(args, { env });

const A = '111122223333';
const B = '444455556666';
const role = syntheticFinding({
  account: A,
  name: 'ci-deployer',
  services: { s3: ['GetObject', 'PutObject'], iam: [] },
});
const user = syntheticFinding({ account: B, name: 'alice', type: 'UnusedIAMUserPassword' });
const key = syntheticFinding({
  account: B,
  name: 'bob',
  type: 'UnusedIAMUserAccessKey',
  accessKeyId: 'AKIAEXAMPLE',
});

const dir = useTempDir('iam-refine-findings-cli-', 'each');
let db: string;
beforeEach(() => {
  db = join(dir(), 'f.db');
  const store = openStore(db, { clock: () => new Date('2024-06-01T12:00:00.000Z') });
  store.recordScan(syntheticScan([role, user, key]), {
    accounts: [A, B],
    tags: new Map([[role.resource, new Map([['team', 'platform']])]]),
  });
  store.close();
});

describe('findings list', () => {
  it('prints a table and a page note', async () => {
    const r = await cli(['findings', 'list', '--db', db, '--sort', 'resource', '--asc']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^ID\s+RISK\s+STATUS\s+TYPE\s+ACCOUNT\s+PRINCIPAL\s+UNUSED\s+UPDATED$/,
    );
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[5])).toEqual([
      'role/ci-deployer',
      'user/alice',
      'user/bob',
    ]);
    expect(lines[1]).toContain('2 services, 2 actions');
    expect(r.err).toBe('findings 1-3 of 3\n');
  });

  it('filters by status, type, account, principal and service', async () => {
    const ids = async (...args: string[]) =>
      (
        JSON.parse(
          (await cli(['findings', 'list', '--db', db, '--format', 'json', ...args])).out,
        ) as {
          items: { id: string }[];
        }
      ).items.map((i) => i.id);
    expect(await ids('--type', 'unusediamuserpassword,UnusedIAMUserAccessKey')).toHaveLength(2);
    expect(await ids('--account', B, '--type', 'UnusedIAMUserAccessKey')).toEqual([key.id]);
    expect(await ids('--principal', 'CI-')).toEqual([role.id]);
    expect(await ids('--service', 'iam')).toEqual([role.id]);
    expect(await ids('--status', 'resolved')).toEqual([]);
  });

  it('pages with --limit and --offset, and JSON has the cursor', async () => {
    const r = await cli(['findings', 'list', '--db', db, '--limit', '2']);
    expect(r.err).toBe('findings 1-2 of 3; next page: --offset 2\n');
    const json = JSON.parse(
      (await cli(['findings', 'list', '--db', db, '--limit', '2', '--format', 'json'])).out,
    );
    expect(json).toMatchObject({ total: 3, limit: 2, offset: 0 });
    const next = await cli([
      'findings',
      'list',
      '--db',
      db,
      '--limit',
      '2',
      '--cursor',
      json.nextCursor,
    ]);
    expect(next.out.trimEnd().split('\n')).toHaveLength(2);
    expect(next.err).toBe('findings 1 of 3\n');
  });

  it('reports every bad value, one line each, exit 2', async () => {
    const r = await cli([
      'findings',
      'list',
      '--db',
      db,
      '--status',
      'OPEN',
      '--type',
      'Role',
      '--account',
      '12',
    ]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toEqual([
      'iam-refine: --status: "OPEN" is not a finding status; expected ACTIVE, ARCHIVED, RESOLVED [invalid_value]',
      'iam-refine: --type: "Role" is not a finding type; expected UnusedIAMRole, UnusedIAMUserPassword, UnusedIAMUserAccessKey, UnusedPermission [invalid_value]',
      'iam-refine: --account: "12" is not an account id; expected 12 digits [invalid_value]',
    ]);
  });

  it('a missing database is one line, exit 2', async () => {
    const r = await cli(['findings', 'list', '--db', join(dir(), 'none.db')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^iam-refine: database .*none\.db does not exist \(record a scan first/);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('findings show', () => {
  it('prints the details, tags and history as text', async () => {
    const r = await cli(['findings', 'show', role.id, '--db', db]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Finding ${role.id}\n  Status:     ACTIVE\n`);
    expect(r.out).toContain('  Tags:       team=platform\n');
    expect(r.out).toContain('  s3: 2 unused actions\n    s3:GetObject\n    s3:PutObject\n');
    expect(r.out).toContain('  iam: the whole service is unused\n');
    expect(r.out).toContain('History\n  2024-06-01T12:00:00.000Z  created     scan 1\n');
  });

  it('counts the removed actions and the services removed as a whole per policy', async () => {
    const base = syntheticFinding({
      account: A,
      name: 'app',
      services: { s3: ['PutObject', 'DeleteObject'], ec2: [], iam: [] },
    });
    const policy = {
      policyType: 'CUSTOMER_MANAGED' as const,
      recommendedAction: 'CREATE_POLICY' as const,
      policy: { Version: '2012-10-17', Statement: [] },
    };
    const finding = {
      ...base,
      policies: [
        {
          ...policy,
          policyId: `arn:aws:iam::${A}:policy/app-data`,
          policyName: 'app-data',
          removedByAccessLevel: { Write: ['s3:DeleteObject', 's3:PutObject'] },
          removedServices: ['ec2', 'iam'],
        },
        {
          ...policy,
          policyId: 'ec2-only',
          policyName: 'ec2-only',
          policyType: 'INLINE' as const,
          recommendedAction: 'DETACH_POLICY' as const,
          policy: null,
          removedByAccessLevel: {},
          removedServices: ['ec2'],
        },
        {
          ...policy,
          policyId: 's3-only',
          policyName: 's3-only',
          policyType: 'INLINE' as const,
          removedByAccessLevel: { Write: ['s3:PutObject'] },
          form: {
            form: 'split' as const,
            policyType: 'managed' as const,
            size: 6100,
            quota: 6144,
            fits: true,
            parts: [6100, 2000],
            attachments: { count: 4, quota: 10 },
            reason: 'too large',
            tried: [],
          },
        },
      ],
    };
    const path = join(dir(), 'rec.db');
    const store = openStore(path, { clock: () => new Date('2024-06-01T12:00:00.000Z') });
    store.recordScan(syntheticScan([finding]), { accounts: [A] });
    store.close();
    const r = await cli(['findings', 'show', finding.id, '--db', path]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const start = lines.indexOf('Recommendation') + 1;
    expect(lines.slice(start, start + 4)).toEqual([
      '  CREATE_POLICY app-data (CUSTOMER_MANAGED), 2 actions removed, 2 services unused as a whole removed',
      '  DETACH_POLICY ec2-only (INLINE), 1 service unused as a whole removed',
      '  CREATE_POLICY s3-only (INLINE), 1 action removed',
      '                form: split into 2 managed policies, largest 6,100 of 6,144 characters (4 of 10 attached)',
    ]);
  });

  it('prints JSON with --format json', async () => {
    const r = await cli(['findings', 'show', key.id, '--db', db, '--format', 'json']);
    expect(JSON.parse(r.out)).toMatchObject({
      id: key.id,
      status: 'ACTIVE',
      finding: { findingType: 'UnusedIAMUserAccessKey' },
    });
  });

  it('an unknown id: exit 2, one line', async () => {
    const r = await cli(['findings', 'show', 'nope', '--db', db]);
    expect(r).toEqual({ code: 2, out: '', err: 'iam-refine: unknown finding id: nope\n' });
  });
});

describe('findings archive / unarchive', () => {
  it('archives and unarchives, with who did it in the history', async () => {
    const a = await cli(['findings', 'archive', role.id, user.id, '--db', db], { USER: 'alice' });
    expect(a).toEqual({ code: 0, out: `archived ${role.id}\narchived ${user.id}\n`, err: '' });
    const again = await cli(['findings', 'archive', role.id, '--db', db]);
    expect(again.err).toBe(`iam-refine: ${role.id} is ARCHIVED, left as it is\n`);
    const u = await cli(['findings', 'unarchive', role.id, '--db', db, '--by', 'bob']);
    expect(u.out).toBe(`unarchived ${role.id}\n`);
    const show = await cli(['findings', 'show', role.id, '--db', db]);
    expect(show.out).toMatch(/archived\s+by alice\n.*unarchived\s+by bob\n/);
  });

  it('unknown ids: exit 2, one line naming them all, nothing changed', async () => {
    const r = await cli(['findings', 'archive', role.id, 'x-1', 'x-2', '--db', db]);
    expect(r).toEqual({ code: 2, out: '', err: 'iam-refine: unknown finding ids: x-1, x-2\n' });
    const show = await cli(['findings', 'show', role.id, '--db', db, '--format', 'json']);
    expect(JSON.parse(show.out).status).toBe('ACTIVE');
  });

  it('usage errors of subcommands go through the program (exit 2, no process exit)', async () => {
    const r = await cli(['findings', 'archive', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("missing required argument 'id'");
  });
});

describe('findings list --group-by permission-set', () => {
  it('groups Identity Center roles by permission set, other principals last', () => {
    const row = (id: string, resource: string) =>
      ({
        id,
        resource,
        resourceOwnerAccount: resource.split(':')[4]!,
      }) as unknown as FindingSummary;
    const sso = (account: string, set: string) =>
      `arn:aws:iam::${account}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_${set}_0123456789abcdef`;
    const groups = groupByPermissionSet([
      row('1', 'arn:aws:iam::111111111111:role/app'),
      row('2', sso('222222222222', 'Dev')),
      row('3', sso('111111111111', 'Admin')),
      row('4', sso('111111111111', 'Dev')),
      // Not Identity Center: the path is not theirs.
      row('5', 'arn:aws:iam::111111111111:role/AWSReservedSSO_Dev_0123456789abcdef'),
    ]);
    expect(groups.map((g) => [g.permissionSet, g.accounts, g.items.map((f) => f.id)])).toEqual([
      ['Admin', ['111111111111'], ['3']],
      ['Dev', ['111111111111', '222222222222'], ['2', '4']],
      [null, ['111111111111'], ['1', '5']],
    ]);
  });
});
