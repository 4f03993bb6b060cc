/**
 * The CLI's edges: where text comes from (a file or stdin), where it goes (stdout, stderr, or a
 * file written atomically), and how errors become exit codes and one-line messages.
 *
 * Everything goes through a {@link CliIo} object, so `main` runs in-process in tests with captured
 * streams ({@link memoryIo}) and as a real process with {@link processIo}.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IamRefineError, ProofFailedError, ValidationError, formatIssue } from '../errors.js';
import { readTextFile } from '../text-file.js';

/** Exit status: success (for `verify`: the refined policy is exact). */
export const EXIT_OK = 0;
/** Exit status of `verify` when the refined policy is not exact. */
export const EXIT_NOT_EXACT = 1;
/** Exit status for bad input or bad usage: nothing was written to stdout or `--out`. */
export const EXIT_BAD_INPUT = 2;
/** Exit status for an internal error (a bug in iam-refine). */
export const EXIT_INTERNAL = 3;

/** The name messages start with. */
export const PROGRAM = 'iam-refine';

/** The source name of standard input in messages. */
export const STDIN_SOURCE = '<stdin>';

/** Something text can be written to. */
export interface TextSink {
  write(text: string): unknown;
}

/** The process-level resources the CLI uses, injectable for tests. */
export interface CliIo {
  /** Standard output: only the command's result goes here. */
  stdout: TextSink;
  /** Standard error: messages, warnings, notices. */
  stderr: TextSink;
  /** Standard input, read when a file argument is `-`. */
  stdin: AsyncIterable<string | Uint8Array> | string;
  /** Whether stdout is a terminal (colour is used only then). */
  isTTY: boolean;
  /** Environment variables (`NO_COLOR` is honoured). */
  env: Readonly<Record<string, string | undefined>>;
}

/** A {@link CliIo} on the real process streams. */
export function processIo(): CliIo {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // The reader went away (`iam-refine ... | head`): stop quietly, as other Unix tools do.
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    throw error;
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    isTTY: process.stdout.isTTY === true,
    env: process.env,
  };
}

/** A {@link CliIo} in memory, with what was written to stdout and stderr. */
export interface MemoryIo extends CliIo {
  /** Everything written to stdout so far. */
  readonly out: string;
  /** Everything written to stderr so far. */
  readonly err: string;
}

/** Creates a {@link MemoryIo}: stdin is the given text, stdout is not a TTY unless said so. */
export function memoryIo(
  options: { stdin?: string; isTTY?: boolean; env?: Record<string, string | undefined> } = {},
): MemoryIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin: options.stdin ?? '',
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

/**
 * A usage error or any other failure the CLI reports in one line with a chosen exit status
 * (default {@link EXIT_BAD_INPUT}).
 */
export class CliError extends IamRefineError {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? EXIT_BAD_INPUT;
  }
}

/** A text read by {@link readInput}, with the name messages use for it. */
export interface InputText {
  /** The file's text (UTF-8). */
  text: string;
  /** The file as given, or {@link STDIN_SOURCE} for `-`. */
  source: string;
}

/**
 * Reads `file` as UTF-8 ({@link readTextFile}), or all of stdin when `file` is `-`.
 *
 * @throws ValidationError `file_not_found` (naming the path) when the file does not exist,
 *   `file_unreadable` when it cannot be read (a directory, no permission).
 */
export async function readInput(file: string, io: CliIo): Promise<InputText> {
  if (file === '-') return { text: await readAll(io.stdin), source: STDIN_SOURCE };
  return { text: await readTextFile(file), source: file };
}

async function readAll(stdin: CliIo['stdin']): Promise<string> {
  if (typeof stdin === 'string') return stdin;
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

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

/** Makes a message one line. */
function oneLine(text: string): string {
  return text.split(/\r?\n/).join(' ');
}

/**
 * Reports `error` on stderr and returns the exit status:
 * - {@link ValidationError}: one line per issue, `iam-refine: file:line:col: $.path: message [code]`,
 *   status {@link EXIT_BAD_INPUT};
 * - {@link CliError}: its message, its status;
 * - {@link ProofFailedError} (a bug: a recommendation failed its own proof): status
 *   {@link EXIT_INTERNAL};
 * - other {@link IamRefineError}s: their message, status {@link EXIT_BAD_INPUT};
 * - anything else: `internal error` and the message, status {@link EXIT_INTERNAL}.
 *
 * Only internal errors (the last two) get their stack trace, and only when `debug`; errors about
 * the input never do.
 */
export function reportError(error: unknown, io: CliIo, debug: boolean): number {
  const say = (line: string) => io.stderr.write(`${PROGRAM}: ${oneLine(line)}\n`);
  const stack = () => {
    if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  };
  if (error instanceof ValidationError) {
    for (const issue of error.issues) say(formatIssue(issue));
    return EXIT_BAD_INPUT;
  }
  if (error instanceof CliError) {
    say(error.message);
    return error.exitCode;
  }
  if (error instanceof ProofFailedError) {
    say(`${error.message} (please report this bug)`);
    stack();
    return EXIT_INTERNAL;
  }
  if (error instanceof IamRefineError) {
    say(error.message);
    return EXIT_BAD_INPUT;
  }
  const message = error instanceof Error ? error.message : String(error);
  say(`internal error: ${message}${debug ? '' : ' (run with --debug for the stack trace)'}`);
  stack();
  return EXIT_INTERNAL;
}

/** What every command's action gets: the streams, and where to put its exit status. */
export interface CommandContext {
  /** The streams. */
  io: CliIo;
  /** The exit status `main` returns (a command sets it; default {@link EXIT_OK}). */
  exitCode: number;
}

/**
 * Runs every parser, even after one fails, and throws one {@link ValidationError} with all their
 * issues (in order) if any failed, so one run reports the problems of every input file.
 */
export function parseAll<T extends readonly unknown[]>(parsers: {
  [K in keyof T]: () => T[K];
}): T {
  const issues: ValidationError['issues'][number][] = [];
  let first: unknown;
  const results = parsers.map((parse) => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      first ??= error;
      return undefined;
    }
  });
  if (issues.length > 0) throw new ValidationError(issues, { cause: first });
  return results as unknown as T;
}

/**
 * Runs `read` on every file, in order, and throws one {@link ValidationError} with the issues of
 * all that failed, so a run names every missing or bad file at once. Other errors are rethrown.
 */
export async function readEach<T>(
  files: readonly string[],
  read: (file: string) => Promise<T>,
): Promise<T[]> {
  const issues: ValidationError['issues'][number][] = [];
  const results: T[] = [];
  for (const file of files) {
    try {
      results.push(await read(file));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return results;
}

/**
 * Reads every file with {@link readInput}, in order, and throws one {@link ValidationError} with
 * the issues of all that failed, so a run names every missing file at once.
 */
export function readInputs(files: readonly string[], io: CliIo): Promise<InputText[]> {
  return readEach(files, (file) => readInput(file, io));
}
