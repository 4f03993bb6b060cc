/**
 * A collection killed with SIGKILL in the middle (a real child process) is resumed by the next
 * run: the files completed before the kill are skipped, the rest is collected, and the temporary
 * files the killed run left are removed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { collect } from './collect.js';
import { FAST_POLLING, connectionTo, startWorld, until } from '../../test/fake-aws/fixture.js';
import type { FakeAws } from '../../test/fake-aws/world.js';

let world: FakeAws;
let out: string;

beforeEach(async () => {
  world = await startWorld({ roles: 6 });
  out = await mkdtemp(join(tmpdir(), 'iam-refine-kill-test-'));
});

afterEach(async () => {
  await world.close();
  await rm(out, { recursive: true, force: true });
});

it('resumes after the collecting process is killed with SIGKILL', async () => {
  // The fourth principal's job request never answers: the child is stuck there when killed.
  world.server.addFault({
    operation: 'GenerateServiceLastAccessedDetails',
    skip: 3,
    times: 1,
    respond: 'hang',
  });
  const here = fileURLToPath(new URL('.', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(here, '../../test/fake-aws/ts-register.mjs'),
      join(here, '../../test/fake-aws/collect-child.ts'),
      world.server.endpoint,
      out,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  await until(
    () =>
      world.server.callsOf('GenerateServiceLastAccessedDetails').length === 4 ||
      child.exitCode !== null,
    'the child to reach the fourth principal',
  );
  expect(child.exitCode, stderr).toBeNull();
  // A temporary file as a kill during a write would leave it.
  await writeFile(join(out, 'last-accessed', '.role-app-6.json.999.deadbeef.tmp'), '{"half":');
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
    complete: boolean;
    files: Record<string, unknown>;
  };
  expect(manifest.complete).toBe(false);
  const done = Object.keys(manifest.files).sort();
  expect(done).toHaveLength(2 + 3); // details, report, three principals
  world.server.clearFaults();
  const jobsBefore = world.server
    .callsOf('GenerateServiceLastAccessedDetails')
    .map((c) => c.params.Arn);

  const result = await collect({ connection: connectionTo(world), out, polling: FAST_POLLING });
  expect(result.failures).toEqual([]);
  const account = result.accounts[0]!;
  expect(account.skipped).toBe(5);
  expect(account.written).toBe(8 - 3); // 6 roles + 2 users, 3 were complete
  // Nothing complete was requested again.
  const jobsAfter = world.server
    .callsOf('GenerateServiceLastAccessedDetails')
    .slice(jobsBefore.length)
    .map((c) => c.params.Arn);
  const completeArns = jobsBefore.slice(0, 3);
  expect(jobsAfter.filter((arn) => completeArns.includes(arn))).toEqual([]);
  expect(world.server.callsOf('GetAccountAuthorizationDetails')).toHaveLength(1);
  expect(world.server.callsOf('GetCredentialReport')).toHaveLength(1);
  // The stale temporary file is gone; the manifest is complete.
  expect((await readdir(join(out, 'last-accessed'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  const final = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
    complete: boolean;
    files: object;
  };
  expect(final.complete).toBe(true);
  expect(Object.keys(final.files)).toHaveLength(10);
});
