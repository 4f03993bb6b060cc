/**
 * Writing an output file safely: readers see the old content or the new one, never a part; the
 * output never overwrites one of the run's inputs; a symbolic link stays a link (its target is
 * replaced); a FIFO or a character device (`/dev/stdout`, a pipe) is written directly, never
 * renamed over; no temporary file with the account's data survives an error or SIGINT, SIGTERM or
 * SIGHUP.
 *
 * The rules, in order, for an output path P:
 * 1. Symbolic links are followed (up to 40) to the final path F (which may not exist yet).
 * 2. F an existing directory, socket or block device: refused.
 * 3. F the same file (device and inode) as an input (also through links): refused.
 * 4. F a FIFO or a character device: opened and written directly (no atomicity to offer). This
 *    is checked first with the kernel following the links, so `/dev/stdout` on a pipe (a `/proc`
 *    link to `pipe:[N]`, no path) works.
 * 5. Otherwise (a regular file, or none yet): written to a temporary file `.NAME.PID.RANDOM.tmp`
 *    in F's folder (registered for removal on a signal), given the mode of the file it replaces,
 *    then renamed over F. A hard-linked F is replaced by a new file: its other names keep the old
 *    content. Temporary files of F left by a process that is gone (SIGKILL, a crash) are removed
 *    first.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  access,
  chmod,
  constants,
  lstat,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from '../errors.js';
import { onTerminationSignal } from './signal-cleanup.js';

/** Most symbolic links followed from an output path (as the kernel's ELOOP limit). */
const MAX_LINKS = 40;

/** Where and how an output is written, as {@link checkOutput} found it. */
export interface OutputTarget {
  /** The path as the user gave it. */
  path: string;
  /** The final path after following symbolic links (where the data lands). */
  finalPath: string;
  /**
   * `replace`: written to a temporary file renamed over `finalPath` (a regular file, or a new
   * one); `direct`: opened and written in place (a FIFO or a character device).
   */
  mode: 'replace' | 'direct';
}

/** What {@link checkOutput} and {@link writeOutputFile} check besides the output itself. */
export interface OutputCheckOptions {
  /**
   * The run's input files (and other files it reads or writes, such as a `--db`): the output may
   * not be any of them. `-` (stdin) and missing files are skipped.
   */
  inputs?: readonly string[];
  /** How messages name the output (default `--out`). */
  label?: string;
}

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    // ENOTDIR: a part of the path is a file, so nothing can be there (the folder check says why).
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Follows symbolic links from `path` to the final path (which may not exist). */
async function followLinks(path: string, fail: (why: string) => never): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    let info: Stats | undefined;
    try {
      info = await lstatOrUndefined(current);
    } catch (error) {
      return fail(errnoOf(error) ?? String(error));
    }
    if (info === undefined || !info.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  return fail(`more than ${MAX_LINKS} symbolic links`);
}

/** What a special file is called in messages. */
function kindOf(info: Stats): string | undefined {
  if (info.isDirectory()) return 'a directory';
  if (info.isSocket()) return 'a socket';
  if (info.isBlockDevice()) return 'a block device';
  return undefined;
}

/**
 * Checks, before any long work, that `file` can be written as an output, and says how it will be.
 *
 * @throws CliError (exit 2, one line naming the file) when the output's folder is missing or not
 *   writable, when it is a directory, socket or block device, or when it is one of the inputs.
 */
export async function checkOutput(
  file: string,
  options: OutputCheckOptions = {},
): Promise<OutputTarget> {
  const label = options.label ?? '--out';
  const fail = (why: string, cause?: unknown): never => {
    throw new CliError(
      `cannot write ${label} ${file}: ${why}`,
      cause === undefined ? {} : { cause },
    );
  };
  if (file === '') fail('the file name is empty');
  // What the kernel opens (following every link, also /proc's: /dev/stdout when it is a pipe).
  let info: Stats | undefined;
  try {
    info = await stat(file);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ELOOP') fail(`more than ${MAX_LINKS} symbolic links`, error);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') fail(code ?? String(error), error);
  }
  const shownTarget = async () => {
    const real = await realpath(file).catch(() => undefined);
    return real === undefined || real === resolve(file) ? '' : ` (the target of the link, ${real})`;
  };
  if (info !== undefined) {
    const kind = kindOf(info);
    if (kind !== undefined) fail(`it is ${kind}${await shownTarget()}`);
    for (const input of options.inputs ?? []) {
      if (input === '-' || input === '') continue;
      let other: Stats;
      try {
        other = await stat(input);
      } catch {
        continue; // a missing input is the reader's error to report
      }
      if (other.dev === info.dev && other.ino === info.ino) {
        fail(
          `it is the input file ${input}${resolve(input) === resolve(file) ? '' : ' (the same file)'}; choose another output file`,
        );
      }
    }
    if (info.isFIFO() || info.isCharacterDevice()) {
      try {
        await access(file, constants.W_OK);
      } catch (error) {
        fail(`it is not writable (${errnoOf(error) ?? String(error)})`, error);
      }
      const real = await realpath(file).catch(() => file);
      return { path: file, finalPath: real, mode: 'direct' };
    }
  }
  // A regular file, or none yet: the link chain is followed here, to rename in the final folder.
  const finalPath = await followLinks(file, fail);
  const via = finalPath === resolve(file) ? '' : ` (the target of the link, ${finalPath})`;
  if (info !== undefined) {
    const there = await lstatOrUndefined(finalPath).catch(() => undefined);
    if (there === undefined || there.dev !== info.dev || there.ino !== info.ino) {
      fail(`its symbolic links cannot be followed to a file${via}`);
    }
  }
  const folder = dirname(finalPath);
  // Messages name the folder as the user wrote it, unless a link took the output elsewhere.
  const shown = via === '' ? dirname(file) : folder;
  let folderInfo: Stats;
  try {
    folderInfo = await stat(folder);
  } catch (error) {
    const code = errnoOf(error);
    return fail(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `the folder ${shown} does not exist`
        : `the folder ${shown} cannot be used (${code ?? String(error)})`,
      error,
    );
  }
  if (!folderInfo.isDirectory()) fail(`${shown} is not a folder`);
  try {
    await access(folder, constants.W_OK | constants.X_OK);
  } catch (error) {
    fail(`the folder ${shown} is not writable (${errnoOf(error) ?? String(error)})`, error);
  }
  return { path: file, finalPath, mode: 'replace' };
}

/**
 * Writes `text` to the output `file` by the rules of this module (checked again now: things may
 * have changed since a {@link checkOutput} before a long scan).
 *
 * @throws CliError (exit 2) naming the file when it cannot be written or is refused; the file is
 *   then untouched (except a FIFO or device, written in place) and no temporary file is left.
 */
export async function writeOutputFile(
  file: string,
  text: string | Iterable<string>,
  options: OutputCheckOptions = {},
): Promise<void> {
  const target = await checkOutput(file, options);
  if (target.mode === 'direct') {
    try {
      await writeFile(target.finalPath, text, { encoding: 'utf8', flag: 'w' });
    } catch (cause) {
      throw new CliError(`cannot write ${file} (${errnoOf(cause) ?? String(cause)})`, { cause });
    }
    return;
  }
  // Only for user-named outputs: a folder written file by file (collect's) has its own sweep.
  await removeDeadTemporaries(target.finalPath);
  await replaceFile(target.finalPath, text, file);
}

/**
 * Writes `text` to `file` atomically: into a temporary file in the same directory, then renamed
 * over `file`, so readers see the old content or the new one, never a part. On failure, and on
 * SIGINT, SIGTERM or SIGHUP meanwhile, the temporary file is removed and `file` is untouched. The
 * new file gets the mode of the one it replaces. For user-named outputs use
 * {@link writeOutputFile} (links, FIFOs, devices, inputs).
 *
 * @throws CliError (exit 2) naming the file when it cannot be written.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await replaceFile(file, text, file);
}

/**
 * Creates a temporary file next to `file`, registered for removal on a signal, and returns its
 * path and how to finish: `commit` renames it over `file`, `discard` removes it. Exactly one of
 * them must be called. (Exported for callers that write in parts, and for the signal tests.)
 */
export function temporaryFor(file: string): {
  path: string;
  commit: () => Promise<void>;
  discard: () => Promise<void>;
} {
  const path = join(
    dirname(file),
    `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  // Registered before the file exists: a signal at any point removes whatever was created.
  const unregister = onTerminationSignal(() => rmSync(path, { force: true }));
  return {
    path,
    commit: async () => {
      try {
        await rename(path, file);
      } finally {
        unregister();
      }
    },
    discard: async () => {
      try {
        await rm(path, { force: true });
      } finally {
        unregister();
      }
    },
  };
}

/** Whether a process with this id runs now (a process of another user counts as running). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

/**
 * The temporary files of earlier writes of `file` whose process is gone (killed with SIGKILL, or
 * the machine stopped: no signal handler ran): `.NAME.PID.HEX.tmp` next to it, PID not running.
 * Removed before a new write, so such leftovers (the account's IAM data) do not pile up.
 */
export async function removeDeadTemporaries(file: string): Promise<string[]> {
  const folder = dirname(file);
  const prefix = `.${basename(file)}.`;
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const dead: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const [pidText, hex, ...rest] = name.slice(prefix.length, -'.tmp'.length).split('.');
    if (rest.length > 0 || pidText === undefined || hex === undefined) continue;
    const pid = Number(pidText);
    if (!/^[0-9]{1,10}$/.test(pidText) || !/^[0-9a-f]{8}$/.test(hex)) continue;
    if (pid === process.pid || processRuns(pid)) continue;
    dead.push(join(folder, name));
  }
  await Promise.all(dead.map((path) => rm(path, { force: true }).catch(() => undefined)));
  return dead;
}

async function replaceFile(
  file: string,
  text: string | Iterable<string>,
  named: string,
): Promise<void> {
  const temp = temporaryFor(file);
  try {
    await writeFile(temp.path, text, { encoding: 'utf8', flag: 'wx' });
    const previous = await stat(file).catch(() => undefined);
    if (previous?.isFile()) await chmod(temp.path, previous.mode & 0o7777);
    await temp.commit();
  } catch (cause) {
    await temp.discard().catch(() => undefined);
    throw new CliError(`cannot write ${named} (${errnoOf(cause) ?? String(cause)})`, { cause });
  }
}

/**
 * The rules above in a few lines, for the `--help` of every command with `--out`.
 */
export const OUTPUT_FILE_RULES = `
Output files (--out): checked before any long work, written only when everything succeeded.
A regular file is replaced atomically (a temporary file in the same folder, renamed over it,
with the old file's mode); a symbolic link stays a link and its target is replaced; a FIFO or a
character device (/dev/stdout) is written directly. Refused with exit status 2, nothing written:
a missing or read-only folder, a directory, a socket or block device, and any input file of the
run (also through a link or a hard link). On an error, Ctrl-C, SIGTERM or SIGHUP no temporary
file is left behind (and those of a killed earlier run are removed by the next write).`;
