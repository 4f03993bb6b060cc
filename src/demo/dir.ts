/**
 * The demo folder: created when missing, reused when it holds a previous demo (it has the marker
 * file), refused otherwise unless forced. The generated files are written into a staging folder
 * inside it and then moved into place, so an interrupted run leaves the previous demo's files
 * complete (or none), never a mix of half-written ones.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';

/** The marker file that says a folder was made by `iam-refine demo`. */
export const DEMO_MARKER = '.iam-refine-demo';

/** Options of {@link prepareDemoDir}. */
export interface PrepareOptions {
  /** Write into a non-empty folder that is not a previous demo. */
  force?: boolean;
  /** The marker's content. */
  marker: string;
  /** The names the demo writes: never replaced in a forced folder that is not a previous demo. */
  names: readonly string[];
}

/**
 * Makes `dir` ready for a demo: creates it, or checks that it is empty, a previous demo folder
 * (marker present), or `force` is given; then writes the marker.
 *
 * @throws CliError (exit 2) when `dir` is a file, or a non-empty folder without the marker and
 *   `force` is not given, or (forced) already has a file of one of `names`.
 */
export async function prepareDemoDir(dir: string, options: PrepareOptions): Promise<void> {
  let entries: string[] | undefined;
  try {
    const s = await stat(dir);
    if (!s.isDirectory())
      throw new CliError(`${dir} exists and is not a folder; choose another --dir`);
    entries = await readdir(dir);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      throw new CliError(`cannot use ${dir} (${code ?? String(error)})`, { cause: error });
  }
  if (
    entries !== undefined &&
    entries.length > 0 &&
    !entries.includes(DEMO_MARKER) &&
    !options.force
  ) {
    throw new CliError(
      `${dir} is not empty and was not made by iam-refine demo (no ${DEMO_MARKER} file); choose another --dir or add --force to write into it`,
    );
  }
  if (entries !== undefined && !entries.includes(DEMO_MARKER)) {
    const taken = options.names.filter((n) => entries.includes(n));
    if (taken.length > 0) {
      throw new CliError(
        `${dir} already has ${taken.join(', ')}, which the demo would replace; remove ${taken.length === 1 ? 'it' : 'them'} or choose another --dir`,
      );
    }
  }
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, DEMO_MARKER), options.marker);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CliError(`cannot write into ${dir} (${code ?? String(cause)})`, { cause });
  }
}

/** A fresh staging folder inside `dir` (removed by {@link commitStaged} or {@link discardStaged}). */
export async function createStaging(dir: string): Promise<string> {
  const staging = join(dir, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(staging);
  return staging;
}

/**
 * Moves `names` from `staging` into `dir`, each replacing the previous one (renamed away first,
 * then deleted), and removes the staging folder.
 */
export async function commitStaged(
  staging: string,
  dir: string,
  names: readonly string[],
): Promise<void> {
  const old = join(dir, `.old-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(old);
  for (const name of names) {
    try {
      await rename(join(dir, name), join(old, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await rename(join(staging, name), join(dir, name));
  }
  await rm(old, { recursive: true, force: true });
  await rm(staging, { recursive: true, force: true });
}

/** Removes a staging folder after a failure. */
export async function discardStaged(staging: string): Promise<void> {
  await rm(staging, { recursive: true, force: true });
}
