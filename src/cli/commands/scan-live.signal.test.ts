/**
 * `scan --live` in a real child process interrupted by SIGINT, SIGTERM or SIGHUP, while it
 * collects (stuck at a request the fake AWS never answers) and while it scans (stuck reading an
 * `--activity` named pipe whose writer writes nothing): the temporary folder with the account's
 * data is removed and the process ends by the signal, as it would have without the listeners.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, until } from '../../../test/fake-aws/fixture.js';
import type { FakeAws } from '../../../test/fake-aws/world.js';

const NOW = '2024-06-02T09:00:00Z';
const here = fileURLToPath(new URL('.', import.meta.url));

let world: FakeAws;
/** The child's `TMPDIR`: where its `iam-refine-collect-*` folder appears. */
let tmp: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  world = await startWorld();
  tmp = await mkdtemp(join(tmpdir(), 'iam-refine-signal-test-'));
});

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
  }
  child = undefined;
  await world.close();
  await rm(tmp, { recursive: true, force: true });
});

/** The collection folders in the child's `TMPDIR`. */
const collectFolders = () =>
  readdirSync(tmp).filter((name) => name.startsWith('iam-refine-collect-'));

/** The last-accessed files the child has completed (not the temporary files of a write). */
const lastAccessedFiles = () => {
  const [folder] = collectFolders();
  const dir = join(tmp, folder ?? '-', 'last-accessed');
  return existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : [];
};

/** Starts `iam-refine scan --live ARGS` in a child process with its own `TMPDIR`. */
function startScan(args: readonly string[]) {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      join(here, '../../../test/fake-aws/ts-register.mjs'),
      join(here, '../../../test/fake-aws/scan-live-child.ts'),
      world.server.endpoint,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: tmp } },
  );
  child = proc;
  const output = { out: '', err: '' };
  proc.stdout.on('data', (d: Buffer) => (output.out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output.err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, output, exited };
}

describe.skipIf(process.platform === 'win32')('scan --live interrupted', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s while collecting: the temporary folder is removed, the process ends by the signal',
    async (signal) => {
      // The third principal's job request never answers; the other four complete.
      world.server.addFault({
        operation: 'GenerateServiceLastAccessedDetails',
        skip: 2,
        times: 1,
        respond: 'hang',
      });
      const { proc, output, exited } = startScan(['--now', NOW]);
      await until(
        () => lastAccessedFiles().length === 4 || proc.exitCode !== null,
        'the child to collect every principal but the hanging one',
      );
      expect(proc.exitCode, output.err).toBeNull();
      expect(world.server.callsOf('GenerateServiceLastAccessedDetails')).toHaveLength(5);
      // The account's data is in the folder when the signal comes.
      const [folder] = collectFolders();
      expect(existsSync(join(tmp, folder!, 'authorization-details.json'))).toBe(true);
      expect(existsSync(join(tmp, folder!, 'credential-report.csv'))).toBe(true);

      proc.kill(signal);
      expect(await exited).toEqual({ code: null, signal });
      expect(collectFolders()).toEqual([]);
      expect(output.out).toBe('');
      expect(output.err).toBe('');
    },
  );

  it('SIGINT while scanning the collected files: the temporary folder is removed', async () => {
    // The scan reads --activity with the collected files: a named pipe whose write end is held
    // open, with nothing written, keeps it waiting there.
    const fifo = join(tmp, 'activity.csv');
    execFileSync('mkfifo', [fifo]);
    const { proc, output, exited } = startScan(['--activity', fifo, '--now', NOW]);
    let writer: number | undefined;
    try {
      // A non-blocking open for writing succeeds only once the child opens the pipe to read it.
      const openWriter = () => {
        try {
          writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
        }
        return writer !== undefined;
      };
      await until(() => openWriter() || proc.exitCode !== null, 'the child to read the pipe');
      expect(proc.exitCode, output.err).toBeNull();
      const [folder] = collectFolders();
      expect(existsSync(join(tmp, folder!, 'authorization-details.json'))).toBe(true);

      proc.kill('SIGINT');
      expect(await exited).toEqual({ code: null, signal: 'SIGINT' });
    } finally {
      if (writer !== undefined) closeSync(writer);
    }
    expect(collectFolders()).toEqual([]);
    expect(output.out).toBe('');
    expect(output.err).toBe('collected account 111111111111: 5 roles and users\n');
  });
});
