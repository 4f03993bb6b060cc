/**
 * Applying the input size limits of `recommend` and `verify` (see `src/policy/input-limits.ts`):
 * files are checked by their size on disk before they are read (so a huge file is never read), and
 * every input (stdin too) by its length once read; policies by their statement count once parsed.
 * Every problem is reported together, one `too_large` issue per input.
 */
import { stat } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import { ValidationError, type Issue } from '../errors.js';
import type { PolicyDocument } from '../policy/document.js';
import {
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_MAX_STATEMENTS,
  inputSizeIssue,
  statementCountIssue,
} from '../policy/input-limits.js';
import { parseByteSize } from '../text/byte-size.js';
import { readInputs, type CliIo, type InputText } from './io.js';

/**
 * Throws one ValidationError naming every regular file of `files` (`-` is stdin, checked later)
 * larger than `maxBytes` on disk. Files that cannot be stat'ed are left to the reader to report.
 */
export async function checkFileSizes(files: readonly string[], maxBytes: number): Promise<void> {
  const issues: Issue[] = [];
  for (const file of files) {
    if (file === '-') continue;
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() !== true) continue;
    const issue = inputSizeIssue(file, info.size, maxBytes);
    if (issue !== undefined) issues.push(issue);
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Throws one ValidationError naming every input read (stdin included) longer than `maxBytes`. */
export function checkInputSizes(inputs: readonly InputText[], maxBytes: number): void {
  const issues: Issue[] = [];
  for (const input of inputs) {
    const issue = inputSizeIssue(input.source, Buffer.byteLength(input.text), maxBytes);
    if (issue !== undefined) issues.push(issue);
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * Reads `files` (`-` is stdin) with the size limit applied twice: every regular file by its size on
 * disk before anything is read ({@link checkFileSizes}), then every input read by its length
 * ({@link checkInputSizes}).
 *
 * @throws ValidationError naming every input over `maxBytes`, or every file that cannot be read.
 */
export async function readInputsWithin(
  files: readonly string[],
  maxBytes: number,
  io: CliIo,
): Promise<InputText[]> {
  await checkFileSizes(files, maxBytes);
  const inputs = await readInputs(files, io);
  checkInputSizes(inputs, maxBytes);
  return inputs;
}

/** Throws one ValidationError naming every policy with more than `maxStatements` statements. */
export function checkStatementCounts(docs: readonly PolicyDocument[], maxStatements: number): void {
  const issues = docs
    .map((doc) => statementCountIssue(doc, maxStatements))
    .filter((i): i is Issue => i !== undefined);
  if (issues.length > 0) throw new ValidationError(issues);
}

/** Commander parser for `--max-input-bytes`: a byte size (`1MiB`, `262144`) of at least 1 byte. */
export function parseMaxInputBytes(value: string): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes < 1) {
    throw new InvalidArgumentError('expected a size of at least 1 byte, such as 1MiB or 262144');
  }
  return bytes;
}

/** Commander parser for `--max-statements`: a whole number of at least 1. */
export function parseMaxStatements(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || value.trim() !== value) {
    throw new InvalidArgumentError('expected a whole number of statements, at least 1');
  }
  return n;
}

/** The `--max-input-bytes <size>` option of `recommend` and `verify`. */
export function maxInputBytesOption(): Option {
  return new Option(
    '--max-input-bytes <size>',
    'refuse a policy or unused-permissions input larger than this, e.g. 1MiB',
  )
    .default(DEFAULT_MAX_INPUT_BYTES)
    .argParser(parseMaxInputBytes);
}

/** The `--max-statements <n>` option of `recommend` and `verify`. */
export function maxStatementsOption(): Option {
  return new Option(
    '--max-statements <n>',
    "refuse a policy with more statements than this (IAM's largest policy holds about 227)",
  )
    .default(DEFAULT_MAX_STATEMENTS)
    .argParser(parseMaxStatements);
}
