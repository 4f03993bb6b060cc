/**
 * Output files: atomic replacement, symbolic links, FIFOs and devices, inputs refused, missing
 * folders, no temporary file left on an error or when a real child process is killed by SIGINT,
 * SIGTERM or SIGHUP mid-write.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import {
  chmod,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { checkOutput, writeFileAtomic, writeOutputFile } from './atomic-write.js';
import { pendingSignalCleanups } from './signal-cleanup.js';

const here = fileURLToPath(new URL('.', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'iam-refine-out-test-')));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Names in `dir` that look like a temporary file of an atomic write. */
const temporaries = async (folder = dir) =>
  (await readdir(folder)).filter((n) => n.startsWith('.') && n.endsWith('.tmp'));

/** The message of the CliError `promise` rejects with. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).exitCode).toBe(2);
  return (error as CliError).message;
}

describe('writeOutputFile', () => {
  it('replaces a regular file atomically, keeping its mode, and leaves no temporary file', async () => {
    const out = join(dir, 'findings.json');
    await writeFile(out, 'old');
    await chmod(out, 0o600);
    const before = await stat(out);
    await writeOutputFile(out, 'new\n');
    const after = await stat(out);
    expect(await readFile(out, 'utf8')).toBe('new\n');
    expect(after.mode & 0o777).toBe(0o600);
    expect(after.ino).not.toBe(before.ino); // a new file renamed over the old one
    expect(await temporaries()).toEqual([]);
    expect(pendingSignalCleanups()).toBe(0);
  });

  it('writes chunks one after the other; a failure midway leaves the old file and no temporary file', async () => {
    const out = join(dir, 'scan.json');
    await writeFile(out, 'old');
    await writeOutputFile(out, ['{', '"é": 1', '}\n']);
    expect(await readFile(out, 'utf8')).toBe('{"é": 1}\n');
    function* failing(): Generator<string> {
      yield 'new part';
      throw new Error('no more');
    }
    expect(await refusal(writeOutputFile(out, failing()))).toContain('cannot write');
    expect(await readFile(out, 'utf8')).toBe('{"é": 1}\n');
    expect(await temporaries()).toEqual([]);
    expect(pendingSignalCleanups()).toBe(0);
  });

  it('writes through a symbolic link (and a chain of them) to its target; the links stay links', async () => {
    await mkdir(join(dir, 'real'));
    const target = join(dir, 'real', 'findings.json');
    await writeFile(target, 'old');
    await symlink('real/findings.json', join(dir, 'link1')); // relative
    await symlink(join(dir, 'link1'), join(dir, 'link2')); // absolute, to a link
    await writeOutputFile(join(dir, 'link2'), 'new');
    expect(await readFile(target, 'utf8')).toBe('new');
    expect((await lstat(join(dir, 'link1'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(dir, 'link2'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, 'link1'))).toBe('real/findings.json');
    expect(await temporaries()).toEqual([]);
    expect(await temporaries(join(dir, 'real'))).toEqual([]);
  });

  it('creates the target of a dangling link in its folder', async () => {
    await mkdir(join(dir, 'real'));
    await symlink('real/new.json', join(dir, 'out.json'));
    await writeOutputFile(join(dir, 'out.json'), 'created');
    expect(await readFile(join(dir, 'real', 'new.json'), 'utf8')).toBe('created');
    expect((await lstat(join(dir, 'out.json'))).isSymbolicLink()).toBe(true);
  });

  it('refuses a link loop', async () => {
    await symlink('b', join(dir, 'a'));
    await symlink('a', join(dir, 'b'));
    expect(await refusal(writeOutputFile(join(dir, 'a'), 'x'))).toContain(
      'more than 40 symbolic links',
    );
  });

  it('writes a FIFO directly: the reader gets the text, the FIFO stays a FIFO', async () => {
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const read = new Promise<string>((resolve, reject) => {
      createReadStream(fifo)
        .on('data', (c) => chunks.push(c as Buffer))
        .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        .on('error', reject);
    });
    expect((await checkOutput(fifo)).mode).toBe('direct');
    await writeOutputFile(fifo, 'through the pipe\n');
    expect(await read).toBe('through the pipe\n');
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect(await temporaries()).toEqual([]);
  });

  it('writes a character device directly (/dev/null, also through a link), never renaming over it', async () => {
    await symlink('/dev/null', join(dir, 'null'));
    expect(await checkOutput(join(dir, 'null'))).toEqual({
      path: join(dir, 'null'),
      finalPath: '/dev/null',
      mode: 'direct',
    });
    await writeOutputFile(join(dir, 'null'), 'discarded');
    await writeOutputFile('/dev/null', 'discarded');
    expect((await lstat('/dev/null')).isCharacterDevice()).toBe(true);
    expect((await lstat(join(dir, 'null'))).isSymbolicLink()).toBe(true);
  });

  it('refuses an input file: the same path, another spelling, a symbolic link, a hard link', async () => {
    const input = join(dir, 'policy.json');
    await writeFile(input, '{"Version": "2012-10-17"}');
    await symlink('policy.json', join(dir, 'alias.json'));
    await link(input, join(dir, 'hard.json'));
    const inputs = ['-', join(dir, 'missing.json'), input];
    for (const out of [
      input,
      relative(process.cwd(), input),
      join(dir, '.', 'policy.json'),
      join(dir, 'alias.json'),
      join(dir, 'hard.json'),
    ]) {
      const message = await refusal(writeOutputFile(out, 'overwritten', { inputs }));
      expect(message).toContain(`cannot write --out ${out}: it is the input file ${input}`);
    }
    expect(await readFile(input, 'utf8')).toBe('{"Version": "2012-10-17"}');
    // The input named through a link is refused too.
    expect(
      await refusal(checkOutput(input, { inputs: [join(dir, 'alias.json')], label: '--db' })),
    ).toContain(`cannot write --db ${input}: it is the input file ${join(dir, 'alias.json')}`);
    expect(await temporaries()).toEqual([]);
  });

  it('refuses a missing folder, a file as folder, a directory, naming the file', async () => {
    const missing = join(dir, 'missing', 'f.json');
    expect(await refusal(checkOutput(missing))).toBe(
      `cannot write --out ${missing}: the folder ${join(dir, 'missing')} does not exist`,
    );
    await writeFile(join(dir, 'file'), '');
    expect(await refusal(checkOutput(join(dir, 'file', 'f.json')))).toBe(
      `cannot write --out ${join(dir, 'file', 'f.json')}: ${join(dir, 'file')} is not a folder`,
    );
    expect(await refusal(writeOutputFile(dir, 'x'))).toBe(
      `cannot write --out ${dir}: it is a directory`,
    );
    await symlink(dir, join(dir, 'to-dir'));
    expect(await refusal(checkOutput(join(dir, 'to-dir')))).toBe(
      `cannot write --out ${join(dir, 'to-dir')}: it is a directory (the target of the link, ${dir})`,
    );
  });

  it.skipIf(process.getuid?.() === 0)('refuses a read-only folder before writing', async () => {
    await mkdir(join(dir, 'ro'));
    await chmod(join(dir, 'ro'), 0o555);
    expect(await refusal(checkOutput(join(dir, 'ro', 'f.json')))).toContain('is not writable');
  });
});

describe('/dev/stdout as the output', () => {
  it.skipIf(process.platform !== 'linux')(
    'on a pipe: written directly into the pipe (a /proc magic link, not a file to rename)',
    async () => {
      // Through a shell pipe: Node's own stdio 'pipe' is a socket pair, which /dev/stdout cannot
      // open (refused as a socket).
      const command = `"$0" --import "$1" "$2" /dev/stdout 'into the pipe
' | cat`;
      const child = spawn(
        'sh',
        [
          '-c',
          command,
          process.execPath,
          join(here, '../../test/fake-aws/ts-register.mjs'),
          join(here, '../../test/io/write-output-child.ts'),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise((done) => child.on('close', done));
      expect({ code, out, err }).toEqual({ code: 0, out: 'into the pipe\n', err: '' });
    },
    20_000,
  );
});

describe('temporary files of a process that is gone', () => {
  it("are removed by the next write of the same file; a live process's and other files are kept", async () => {
    const out = join(dir, 'findings.json');
    // A pid that runs no process: the largest pid the kernel can give, plus one.
    const dead = `.findings.json.4194305.0123abcd.tmp`;
    const live = `.findings.json.${process.ppid}.89abcdef.tmp`;
    const others = ['.other.json.4194305.0123abcd.tmp', '.findings.json.x.0123abcd.tmp'];
    for (const name of [dead, live, ...others]) await writeFile(join(dir, name), 'data');
    await writeOutputFile(out, 'new');
    expect((await readdir(dir)).sort()).toEqual([live, ...others, 'findings.json'].sort());
  });
});

describe('writeFileAtomic', () => {
  it('removes its temporary file when the rename fails, and leaves the target untouched', async () => {
    // A non-empty directory where the file should go: the temporary file is written, the rename
    // fails.
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'keep'), 'kept');
    const message = await refusal(writeFileAtomic(join(dir, 'taken'), 'x'));
    expect(message).toMatch(/^cannot write .*taken \((EISDIR|ENOTEMPTY|EEXIST)\)$/);
    expect(await temporaries()).toEqual([]);
    expect(await readFile(join(dir, 'taken', 'keep'), 'utf8')).toBe('kept');
    expect(pendingSignalCleanups()).toBe(0);
  });

  it('registers its temporary file for signals only while writing', async () => {
    const listeners = () =>
      (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => process.listenerCount(s));
    const before = listeners();
    const writing = writeFileAtomic(join(dir, 'a.json'), 'x'.repeat(1_000_000));
    expect(pendingSignalCleanups()).toBe(1);
    expect(listeners()).toEqual(before.map((n) => n + 1));
    await writing;
    expect(pendingSignalCleanups()).toBe(0);
    expect(listeners()).toEqual(before);
  });
});

describe('followed links (differential: against realpath)', () => {
  it('lands where realpath says, for chains of relative and absolute links', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ absolute: fc.boolean(), sub: fc.boolean() }), {
          minLength: 0,
          maxLength: 6,
        }),
        async (chain) => {
          const root = await mkdtemp(join(dir, 'p-'));
          await mkdir(join(root, 'sub'));
          let current = join(root, 'target.json');
          await writeFile(current, 'x');
          // Each link lives in root or root/sub and points at the previous one.
          for (const [i, step] of chain.entries()) {
            const at = join(root, step.sub ? 'sub' : '', `l${i}`);
            await symlink(step.absolute ? current : relative(join(at, '..'), current), at);
            current = at;
          }
          const target = await checkOutput(current);
          expect(target.finalPath).toBe(await realpath(current));
          expect(target.mode).toBe('replace');
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe.skipIf(process.platform === 'win32')('an interrupted write', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    '%s mid-write: the temporary file is removed and the process ends by the signal',
    async (signal) => {
      const out = join(dir, 'findings.json');
      const child = spawn(
        process.execPath,
        [
          '--import',
          join(here, '../../test/fake-aws/ts-register.mjs'),
          join(here, '../../test/io/partial-write-child.ts'),
          out,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      try {
        let stdout = '';
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const temp = await new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (d: Buffer) => {
            stdout += d.toString();
            if (stdout.endsWith('\n')) resolve(stdout.trim());
          });
          child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
        });
        // The write is in progress: its temporary file holds part of the data.
        expect(await temporaries()).toEqual([relative(dir, temp)]);
        const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
          child.on('exit', (code, sig) => resolve({ code, signal: sig })),
        );
        child.kill(signal);
        expect(await exited).toEqual({ code: null, signal });
        expect(await temporaries()).toEqual([]);
        expect(await readdir(dir)).toEqual([]);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    },
    20_000,
  );
});
