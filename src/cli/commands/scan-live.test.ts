/**
 * `scan --live` as users run it, in process with captured streams, the real SDK clients and the
 * loopback fake AWS of test/fake-aws: the account is collected into a temporary folder, scanned,
 * and the folder removed (also on error); `--live` with file inputs is a usage error.
 */
import { access, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../../test-support/cli.js';
import { FAST_POLLING, connectionTo, startWorld } from '../../../test/fake-aws/fixture.js';
import { MAIN_ACCOUNT, type FakeAws } from '../../../test/fake-aws/world.js';

/** An hour after the fake's last-accessed jobs complete (2024-06-01T12:00:05Z), as a live scan runs. */
const NOW = '2024-06-01T13:00:00Z';
const ROLE = `arn:aws:iam::${MAIN_ACCOUNT}:role`;

interface Out {
  findings: {
    findingType: string;
    resource: string;
    findingDetails: {
      unusedPermissionDetails?: { serviceNamespace: string; actions?: { action: string }[] };
    }[];
  }[];
  inputs: {
    authorizationDetails: { files: string[]; roles: number; users: number; accounts: string[] };
    lastAccessed: { files: string[] };
    activity: { rows: number };
  };
}

let world: FakeAws;
/** The private temporary folder (`TMPDIR`) the collection's temporary folder goes into. */
const tmp = useTempDir('iam-refine-scan-live-', 'each');
let savedTmpdir: string | undefined;

beforeEach(async () => {
  world = await startWorld();
  savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = tmp();
});

afterEach(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await world.close();
});

/** Runs `iam-refine scan <args>` in-process with the fake AWS injected. */
const scan = (args: readonly string[]) =>
  runCli(['scan', ...args], {
    deps: { connection: connectionTo(world), polling: FAST_POLLING },
  });

/** The entries left in the private temporary folder (besides the test's own files). */
const leftovers = async () =>
  (await readdir(tmp())).filter((name) => name.startsWith('iam-refine-collect-'));

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

const summarize = (out: Out) => out.findings.map((f) => `${f.findingType} ${f.resource}`);

const detailsOf = (out: Out, resource: string) =>
  out.findings
    .find((f) => f.resource === resource && f.findingType === 'UnusedPermission')!
    .findingDetails.map((d) => d.unusedPermissionDetails!);

describe('scan --live', () => {
  it('collects the fake account into a temporary folder, finds its unused permissions, and removes the folder', async () => {
    const r = await scan(['--live', '--now', NOW, '--format', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as Out;

    // The fake world: app-1 (in /service/) has AppPolicy v2 (S3 read, sqs:SendMessage and
    // DeleteQueue) and AmazonS3ReadOnlyAccess and used only s3:GetObject; every app role has the
    // inline Logs policy and used CloudWatch Logs (service level) but not logs:CreateLogStream.
    expect(summarize(out)).toEqual([
      `UnusedPermission ${ROLE}/app-2`,
      `UnusedPermission ${ROLE}/app-3`,
      `UnusedPermission ${ROLE}/service/app-1`,
    ]);
    for (const name of ['app-2', 'app-3']) {
      expect(detailsOf(out, `${ROLE}/${name}`)).toEqual([
        {
          serviceNamespace: 'logs',
          actions: [{ action: 'CreateLogStream' }],
          // The service's last use, as Access Analyzer reports it.
          lastAccessed: '2024-05-29T08:00:00.000Z',
        },
      ]);
    }
    const app1 = detailsOf(out, `${ROLE}/service/app-1`);
    expect(app1.map((d) => d.serviceNamespace)).toEqual(['logs', 's3', 's3-object-lambda', 'sqs']);
    // A service never used is unused as a whole; S3 only in the actions other than GetObject.
    expect(app1.find((d) => d.serviceNamespace === 'sqs')!.actions).toBeUndefined();
    const s3 = app1.find((d) => d.serviceNamespace === 's3')!.actions!.map((a) => a.action);
    expect(s3).toContain('GetBucketPolicy');
    expect(s3).toContain('ListAllMyBuckets');
    expect(s3).not.toContain('GetObject');

    // What was read: the collected files, in the (now removed) temporary folder.
    const inputs = out.inputs;
    expect(inputs.authorizationDetails).toMatchObject({
      roles: 3,
      users: 2,
      accounts: [MAIN_ACCOUNT],
    });
    expect(inputs.lastAccessed.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual([
      'role-app-1.json',
      'role-app-2.json',
      'role-app-3.json',
      'user-alice.json',
      'user-bob.json',
    ]);
    const collected = inputs.authorizationDetails.files[0]!;
    expect(collected.startsWith(join(tmp(), 'iam-refine-collect-'))).toBe(true);
    expect(await exists(collected)).toBe(false);
    expect(await leftovers()).toEqual([]);

    // The real API calls were made against the fake.
    expect(world.server.callsOf('GetAccountAuthorizationDetails').length).toBeGreaterThan(0);
    expect(world.server.callsOf('GenerateServiceLastAccessedDetails')).toHaveLength(5);

    // stderr: no progress bar (not a terminal), what was collected, the summary.
    expect(r.err.trim().split('\n')).toEqual([
      `collected account ${MAIN_ACCOUNT}: 5 roles and users`,
      'scanned 3 roles and 2 users (1 account) · 3 findings, 0 not evaluated, 0 warnings · coverage complete',
    ]);
  });

  it('merges --activity with the collected data, and --quiet prints nothing on stderr', async () => {
    const csv = join(tmp(), 'activity.csv');
    await writeFile(
      csv,
      `principal_arn,service,action,last_accessed\n${ROLE}/app-2,logs.amazonaws.com,CreateLogStream,2024-06-01T10:00:00Z\n`,
    );
    const r = await scan([
      '--live',
      '--activity',
      csv,
      '--now',
      NOW,
      '--format',
      'json',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    // Only the warning that the CSV alone covers no day (the collected reports cover the period).
    expect(r.err.trim().split('\n')).toEqual([
      expect.stringContaining('the activity CSV comes without a coverage CSV'),
    ]);
    const out = JSON.parse(r.out) as Out;
    expect(summarize(out)).toEqual([
      `UnusedPermission ${ROLE}/app-3`,
      `UnusedPermission ${ROLE}/service/app-1`,
    ]);
    expect(out.inputs.activity.rows).toBe(1);
    expect(await leftovers()).toEqual([]);
  });

  it('removes the temporary folder when the scan fails after the collection', async () => {
    const missing = join(tmp(), 'missing.csv');
    const r = await scan(['--live', '--activity', missing, '--now', NOW]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain(`iam-refine: ${missing}`);
    expect(r.err).toContain('does not exist');
    expect(world.server.callsOf('GetAccountAuthorizationDetails').length).toBeGreaterThan(0);
    expect(await leftovers()).toEqual([]);
  });

  it('a missing permission: exit 2, one line naming the call and the action, no folder left', async () => {
    world.deny(MAIN_ACCOUNT, 'iam:GetAccountAuthorizationDetails');
    const r = await scan(['--live', '--now', NOW]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^iam-refine: account 111111111111: IAM GetAccountAuthorizationDetails was denied \(AccessDenied\): the credentials need the IAM permission iam:GetAccountAuthorizationDetails — .*; not scanned$/,
      ),
    ]);
    expect(await leftovers()).toEqual([]);
  });

  it('several accounts, one not assumable: scans the others, names it, exit 1', async () => {
    world.account('222222222222').addEntity('Role', { name: 'C' });
    world.assumable.add('arn:aws:iam::222222222222:role/C');
    const r = await scan([
      '--live',
      '--role-arn',
      'arn:aws:iam::222222222222:role/C',
      'arn:aws:iam::333333333333:role/C',
      '--now',
      NOW,
      '--format',
      'json',
    ]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as Out;
    expect(out.inputs.authorizationDetails.accounts).toEqual(['222222222222']);
    const lines = r.err.trim().split('\n');
    expect(
      lines.filter((l) => l.startsWith('iam-refine: ') && !l.startsWith('iam-refine: warning: ')),
    ).toEqual([
      expect.stringMatching(
        /^iam-refine: account 333333333333: cannot assume arn:aws:iam::333333333333:role\/C: STS AssumeRole was denied/,
      ),
    ]);
    expect(await leftovers()).toEqual([]);
  });
});

describe('scan --live usage', () => {
  it('--live with --authorization-details: exit 2, one line, nothing called', async () => {
    const r = await scan(['--live', '--authorization-details', 'auth.json']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^iam-refine: --live cannot be used with --authorization-details: .*\n$/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(world.server.calls).toEqual([]);
  });

  it('names every file input --live replaces, in one line', async () => {
    const r = await scan([
      '--live',
      '--credential-report',
      'r.csv',
      '--last-accessed',
      'a.json',
      '--authorization-details',
      'auth.json',
    ]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^iam-refine: --live cannot be used with --authorization-details, --credential-report and --last-accessed: /,
      ),
    ]);
  });

  it('without --live, --authorization-details is required and the AWS options need --live', async () => {
    const none = await scan(['--now', NOW]);
    expect(none.code).toBe(2);
    expect(none.err).toBe(
      "iam-refine: required option '--authorization-details <file...>' not specified (or --live to collect it from AWS)\n",
    );
    const aws = await scan(['--authorization-details', 'auth.json', '--profile', 'p', '--org']);
    expect(aws.code).toBe(2);
    expect(aws.err).toBe(
      'iam-refine: --profile and --org need --live (collect from AWS and scan)\n',
    );
    const role = await scan(['--live', '--org-role-name', 'R']);
    expect(role.code).toBe(2);
    expect(role.err).toBe('iam-refine: --org-role-name needs --org\n');
    expect(world.server.calls).toEqual([]);
  });

  it('--help explains --live with an example', async () => {
    const r = await scan(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--live\s+collect the authorization details/);
    expect(r.out).toContain('Live AWS (--live)');
    expect(r.out).toContain('$ iam-refine scan --live --profile audit');
    expect(r.out).toMatch(/required unless\s+--live/);
  });
});
