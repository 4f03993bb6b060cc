/**
 * Writing a file atomically: readers see the old content or the new one, never a part.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../errors.js';

/**
 * Writes `text` to `file` atomically: into a temporary file in the same directory, then renamed
 * over `file`, so readers see the old content or the new one, never a part. On failure the
 * temporary file is removed and `file` is untouched.
 *
 * @throws CliError (exit 2) naming the file when it cannot be written.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = join(
    dirname(file),
    `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, file);
  } catch (cause) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CliError(`cannot write ${file} (${code ?? String(cause)})`, { cause });
  }
}
