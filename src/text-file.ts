/**
 * Reading an input file's text, with the issue every reader reports when it cannot be read.
 */
import { readFile } from 'node:fs/promises';
import { ValidationError, type Issue } from './errors.js';

/**
 * The issue saying why `file` cannot be read, from the error `readFile` threw: `file_not_found`
 * (naming the path) when it does not exist, `file_unreadable` otherwise (a directory, no
 * permission).
 */
export function unreadableFileIssue(file: string, cause: unknown): Issue {
  const code = (cause as NodeJS.ErrnoException).code;
  const missing = code === 'ENOENT' || code === 'ENOTDIR';
  return {
    code: missing ? 'file_not_found' : 'file_unreadable',
    path: '$',
    message: missing
      ? `file ${file} does not exist`
      : `file ${file} cannot be read (${code === 'EISDIR' ? 'it is a directory' : (code ?? String(cause))})`,
    source: file,
  };
}

/**
 * Reads `file` as UTF-8.
 *
 * @throws ValidationError with the {@link unreadableFileIssue} when it cannot be read.
 */
export async function readTextFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new ValidationError([unreadableFileIssue(file, cause)], { cause });
  }
}
