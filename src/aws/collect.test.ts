/**
 * `collect` with the real AWS SDK clients against the loopback fake AWS server: pagination, polling
 * of reports still in progress, throttling retried by the SDK, missing permissions, several
 * accounts (one whose role cannot be assumed), the organization, and resumed runs.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAuthorizationDetails } from '../inventory/authorization-details.js';
import { parseCredentialReport } from '../inventory/credential-report.js';
import { parseLastAccessed } from '../activity/last-accessed.js';
import { collect, collectToTempDir, type CollectOptions } from './collect.js';
import {
  FAST_POLLING,
  connectionTo,
  populateAccount,
  startWorld,
} from '../../test/fake-aws/fixture.js';
import { MAIN_ACCOUNT, type FakeAws } from '../../test/fake-aws/world.js';
import { createProgress } from './progress.js';

let world: FakeAws;
let out: string;

beforeEach(async () => {
  world = await startWorld();
  out = await mkdtemp(join(tmpdir(), 'iam-refine-collect-test-'));
});

afterEach(async () => {
  await world.close();
  await rm(out, { recursive: true, force: true });
});

const options = (extra: Partial<CollectOptions> = {}): CollectOptions => ({
  connection: connectionTo(world),
  out,
  polling: FAST_POLLING,
  now: () => new Date('2024-06-01T12:00:00Z'),
  ...extra,
});

describe('collect (one account)', () => {
  it('writes the files scan reads: every page, polled reports, one last-accessed file per principal', async () => {
    const account = world.account(MAIN_ACCOUNT);
    account.pageSize = 2; // 8 items (2 users, 1 group, 3 roles, 2 policies): 4 pages
    account.credentialReportPolls = 2; // STARTED, INPROGRESS, then COMPLETE
    account.jobPolls = 2; // IN_PROGRESS twice per job
    account.lastAccessedPageSize = 1; // 3 pages per role

    const result = await collect(options());
    expect(result.failures).toEqual([]);
    expect(result.accounts).toHaveLength(1);
    const [a] = result.accounts;
    expect(a!.accountId).toBe(MAIN_ACCOUNT);
    expect(a!.dir).toBe(out);
    expect(a!.written).toBe(2 + 5);

    // Pagination: all four pages were requested with the previous page's Marker.
    const pages = world.server.callsOf('GetAccountAuthorizationDetails');
    expect(pages).toHaveLength(4);
    expect(pages[0]!.params.Marker).toBeUndefined();
    expect(pages[1]!.params.Marker).toBe(Buffer.from('2').toString('base64'));

    // The merged export is what scan's reader accepts, with every entity.
    const text = await readFile(a!.authorizationDetails, 'utf8');
    const page = parseAuthorizationDetails(text, a!.authorizationDetails);
    expect(page.roles.map((r) => r.value.arn).sort()).toEqual([
      'arn:aws:iam::111111111111:role/app-2',
      'arn:aws:iam::111111111111:role/app-3',
      'arn:aws:iam::111111111111:role/service/app-1',
    ]);
    expect(page.users).toHaveLength(2);
    expect(page.groups).toHaveLength(1);
    expect(page.policies.map((p) => p.value.arn).sort()).toEqual([
      'arn:aws:iam::111111111111:policy/AppPolicy',
      'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    ]);
    expect(page.isTruncated).toBe(false);
    // Policy documents stay URL-encoded, as IAM sends them.
    expect(text).toContain('"PolicyDocument": "%7B');

    // The credential report was generated, polled until complete, then read.
    expect(world.server.callsOf('GenerateCredentialReport')).toHaveLength(3);
    const rows = parseCredentialReport(await readFile(a!.credentialReport, 'utf8'), 'report.csv');
    expect(rows.map((r) => r.user)).toEqual(['<root_account>', 'alice', 'bob']);

    // Last accessed: ACTION_LEVEL jobs for every role and user, polled, pages merged.
    const jobs = world.server.callsOf('GenerateServiceLastAccessedDetails');
    expect(jobs).toHaveLength(5);
    expect(jobs.every((j) => j.params.Granularity === 'ACTION_LEVEL')).toBe(true);
    expect(a!.lastAccessed.map((f) => f.slice(out.length + 1)).sort()).toEqual([
      'last-accessed/role-app-1.json',
      'last-accessed/role-app-2.json',
      'last-accessed/role-app-3.json',
      'last-accessed/user-alice.json',
      'last-accessed/user-bob.json',
    ]);
    const file = join(out, 'last-accessed/role-app-1.json');
    const wrapper = JSON.parse(await readFile(file, 'utf8')) as {
      Arn: string;
      ServiceLastAccessed: Record<string, unknown>;
    };
    expect(wrapper.Arn).toBe('arn:aws:iam::111111111111:role/service/app-1');
    const report = wrapper.ServiceLastAccessed;
    // scan's reader accepts it: the role, action level, GetObject used on 2024-05-30.
    const parsed = parseLastAccessed(await readFile(file, 'utf8'), file);
    expect(parsed.arn).toBe('arn:aws:iam::111111111111:role/service/app-1');
    expect(parsed.jobType).toBe('ACTION_LEVEL');
    expect(parsed.warnings).toEqual([]);
    for (const f of a!.lastAccessed) parseLastAccessed(await readFile(f, 'utf8'), f);
    expect(report.JobStatus).toBe('COMPLETED');
    expect(report.JobType).toBe('ACTION_LEVEL');
    expect(report.IsTruncated).toBe(false);
    expect(report.Marker).toBeUndefined();
    const services = report.ServicesLastAccessed as {
      ServiceNamespace: string;
      TrackedActionsLastAccessed?: unknown[];
    }[];
    expect(services.map((s) => s.ServiceNamespace)).toEqual(['s3', 'sqs', 'logs']);
    expect(services[0]!.TrackedActionsLastAccessed).toEqual([
      {
        ActionName: 'GetObject',
        LastAccessedEntity: 'arn:aws:iam::111111111111:role/service/app-1',
        LastAccessedTime: '2024-05-30T08:00:00.000Z',
        LastAccessedRegion: 'us-east-1',
      },
      { ActionName: 'PutObject' },
    ]);

    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      complete: boolean;
      accountId: string;
      files: Record<string, unknown>;
    };
    expect(manifest.complete).toBe(true);
    expect(manifest.accountId).toBe(MAIN_ACCOUNT);
    expect(Object.keys(manifest.files)).toHaveLength(7);
  });

  it('retries throttled calls (Throttling, HTTP 400) and succeeds', async () => {
    world.server.addFault({
      operation: 'GetAccountAuthorizationDetails',
      times: 2,
      respond: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
    });
    world.server.addFault({
      operation: 'GenerateServiceLastAccessedDetails',
      skip: 1,
      times: 1,
      respond: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
    });
    const result = await collect(options());
    expect(result.failures).toEqual([]);
    const calls = world.server.callsOf('GetAccountAuthorizationDetails');
    expect(calls.map((c) => c.errorCode ?? c.status)).toEqual(['Throttling', 'Throttling', 200]);
    const jobs = world.server.callsOf('GenerateServiceLastAccessedDetails');
    expect(jobs.filter((c) => c.errorCode === 'Throttling')).toHaveLength(1);
    expect(jobs.filter((c) => c.status === 200)).toHaveLength(5);
    expect(result.accounts[0]!.lastAccessed).toHaveLength(5);
  });

  it('names the API call and the IAM action when a permission is missing', async () => {
    world.deny(MAIN_ACCOUNT, 'iam:GetServiceLastAccessedDetails');
    const result = await collect(options());
    expect(result.accounts).toEqual([]);
    expect(result.failures).toHaveLength(1);
    const { message } = result.failures[0]!;
    expect(message).toContain(
      'account 111111111111: IAM GetServiceLastAccessedDetails was denied (AccessDenied)',
    );
    expect(message).toContain(
      'the credentials need the IAM permission iam:GetServiceLastAccessedDetails',
    );
    expect(message.split('\n')).toHaveLength(1);
    // What was complete is kept for the next run.
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      complete: boolean;
      files: Record<string, unknown>;
    };
    expect(manifest.complete).toBe(false);
    expect(Object.keys(manifest.files).sort()).toEqual([
      'authorization-details.json',
      'credential-report.csv',
    ]);
  });

  it('resumes: a second run skips every complete file and re-collects a damaged one', async () => {
    await collect(options());
    const before = world.server.calls.length;
    const again = await collect(options());
    expect(again.accounts[0]!.written).toBe(0);
    expect(again.accounts[0]!.skipped).toBe(7);
    // Only the identity check was called.
    expect(world.server.calls.slice(before).map((c) => c.operation)).toEqual(['GetCallerIdentity']);

    await writeFile(join(out, 'last-accessed/user-bob.json'), '{"truncated":');
    const third = await collect(options());
    expect(third.accounts[0]!.written).toBe(1);
    expect(world.server.callsOf('GenerateServiceLastAccessedDetails')).toHaveLength(6);
    const fresh = await collect(options({ fresh: true }));
    expect(fresh.accounts[0]!.written).toBe(7);
  });

  it('refuses a folder holding another account', async () => {
    await writeFile(
      join(out, 'manifest.json'),
      JSON.stringify({
        tool: 'iam-refine collect',
        version: 1,
        accountId: '999999999999',
        files: {},
        complete: true,
      }),
    );
    const result = await collect(options());
    expect(result.failures[0]!.message).toMatch(
      /holds the collection of account 999999999999, not 111111111111/,
    );
  });

  it('collectToTempDir collects into a temporary folder and lists the files for scan', async () => {
    const temp = await collectToTempDir({ connection: connectionTo(world), polling: FAST_POLLING });
    try {
      expect(temp.files.authorizationDetails).toEqual([
        join(temp.dir, 'authorization-details.json'),
      ]);
      expect(temp.files.credentialReports).toHaveLength(1);
      expect(temp.files.lastAccessed).toHaveLength(5);
      expect((await readdir(temp.dir)).sort()).toEqual([
        'authorization-details.json',
        'credential-report.csv',
        'last-accessed',
        'manifest.json',
      ]);
    } finally {
      await temp.cleanup();
    }
    await expect(readdir(temp.dir)).rejects.toThrow();
  });

  it('collectToTempDir listens for SIGINT, SIGTERM and SIGHUP only with removeOnSignal, until cleanup or failure', async () => {
    const listeners = () =>
      (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => process.listenerCount(s));
    const before = listeners();
    const temp = (removeOnSignal?: boolean) =>
      collectToTempDir({
        connection: connectionTo(world),
        polling: FAST_POLLING,
        ...(removeOnSignal === undefined ? {} : { removeOnSignal }),
      });
    const plain = await temp();
    expect(listeners()).toEqual(before);
    await plain.cleanup();

    const listening = await temp(true);
    expect(listeners()).toEqual(before.map((n) => n + 1));
    await listening.cleanup();
    expect(listeners()).toEqual(before);

    world.deny(MAIN_ACCOUNT, 'iam:GetAccountAuthorizationDetails');
    await expect(temp(true)).rejects.toThrow(/GetAccountAuthorizationDetails/);
    expect(listeners()).toEqual(before);
  });

  it('draws a progress bar only on a terminal', async () => {
    let tty = '';
    await collect(
      options({
        progress: createProgress({ isTTY: true, write: (t: string) => (tty += t) } as never, {
          intervalMs: 0,
        }),
      }),
    );
    expect(tty).toContain('111111111111 last accessed [');
    expect(tty).toContain('5/5');
    let plain = '';
    await collect(
      options({ fresh: true, progress: createProgress({ write: (t: string) => (plain += t) }) }),
    );
    expect(plain).toBe('');
  });
});

describe('collect (several accounts)', () => {
  const COLLECTOR = 'IamRefineCollector';
  const roleArn = (account: string) => `arn:aws:iam::${account}:role/${COLLECTOR}`;

  beforeEach(() => {
    for (const id of ['222222222222', '333333333333', '444444444444']) {
      populateAccount(world, world.account(id), 1);
      world.account(id).addEntity('Role', { name: COLLECTOR });
    }
    world.assumable.add(roleArn('222222222222'));
    world.assumable.add(roleArn('444444444444'));
    // 333333333333's role does not trust the caller.
  });

  it('--role-arn: one folder per account; an account whose role cannot be assumed is reported, the others collected', async () => {
    const result = await collect(
      options({
        roleArns: [roleArn('222222222222'), roleArn('333333333333'), roleArn('444444444444')],
      }),
    );
    expect(result.accounts.map((a) => [a.accountId, a.dir])).toEqual([
      ['222222222222', join(out, '222222222222')],
      ['444444444444', join(out, '444444444444')],
    ]);
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.accountId).toBe('333333333333');
    expect(result.failures[0]!.message).toMatch(
      /^account 333333333333: cannot assume arn:aws:iam::333333333333:role\/IamRefineCollector: STS AssumeRole was denied \(AccessDenied\): the credentials need the IAM permission sts:AssumeRole and the role must trust the caller/,
    );
    // The data of each account was read with that account's assumed-role credentials.
    const details = JSON.parse(
      await readFile(result.accounts[1]!.authorizationDetails, 'utf8'),
    ) as {
      RoleDetailList: { Arn: string }[];
    };
    expect(details.RoleDetailList.map((r) => r.Arn)).toContain(roleArn('444444444444'));
  });

  it('--org: lists the accounts (paginated), assumes the named role in members, skips suspended ones', async () => {
    world.organization.push(
      { Id: MAIN_ACCOUNT, Name: 'management', Status: 'ACTIVE' },
      { Id: '222222222222', Name: 'prod', Status: 'ACTIVE' },
      { Id: '333333333333', Name: 'dev', Status: 'ACTIVE' },
      { Id: '555555555555', Name: 'old', Status: 'SUSPENDED' },
      { Id: '444444444444', Name: 'sandbox', Status: 'ACTIVE' },
    );
    let notes = '';
    const result = await collect(
      options({
        org: true,
        orgRoleName: COLLECTOR,
        progress: createProgress({ write: (t: string) => (notes += t) }),
      }),
    );
    expect(world.server.callsOf('ListAccounts')).toHaveLength(3);
    expect(result.accounts.map((a) => a.accountId)).toEqual([
      MAIN_ACCOUNT,
      '222222222222',
      '444444444444',
    ]);
    expect(result.failures.map((f) => f.accountId)).toEqual(['333333333333']);
    expect(notes).toContain('account 555555555555 (old) is SUSPENDED; skipped');
    expect(notes).toContain('account 333333333333: cannot assume');
    // The management account is read with the caller's own credentials (no AssumeRole into it).
    const assumed = world.server.callsOf('AssumeRole').map((c) => c.params.RoleArn);
    expect(assumed).not.toContain(roleArn(MAIN_ACCOUNT));
  });

  it('--org without Organizations permission: one line naming organizations:ListAccounts', async () => {
    world.organization.push({ Id: MAIN_ACCOUNT, Name: 'management', Status: 'ACTIVE' });
    world.deny(MAIN_ACCOUNT, 'organizations:ListAccounts');
    await expect(collect(options({ org: true }))).rejects.toThrow(
      /Organizations ListAccounts was denied \(AccessDeniedException\): the credentials need the IAM permission organizations:ListAccounts/,
    );
  });

  it('rejects bad options before calling AWS', async () => {
    await expect(collect(options({ roleArns: ['arn:aws:iam::12:role/x'] }))).rejects.toThrow(
      /arn:aws:iam::12:role\/x is not a role ARN/,
    );
    await expect(
      collect(options({ org: true, roleArns: [roleArn('222222222222')] })),
    ).rejects.toThrow(/cannot be used together with --role-arn/);
    expect(world.server.calls).toEqual([]);
  });
});
