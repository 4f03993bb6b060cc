/**
 * The CLI's edges: where text comes from (a file or stdin), where it goes (stdout, stderr, or a
 * file written atomically), and how errors become exit codes and one-line messages.
 *
 * Everything goes through a {@link CliIo} object, so `main` runs in-process in tests with captured
 * streams ({@link memoryIo}) and as a real process with {@link processIo}.
 */
import {
  CliError,
  IamRefineError,
  ProofFailedError,
  ValidationError,
  formatIssue,
  readEach,
} from '../errors.js';
import { EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK } from '../exit-codes.js';
import type { CliIo } from '../io/streams.js';
import { readTextFile } from '../text-file.js';
import { processInvocation } from './invocation.js';

export {
  EXIT_OK,
  EXIT_NOT_EXACT,
  EXIT_BAD_INPUT,
  EXIT_INTERNAL,
  EXIT_INCOMPLETE,
} from '../exit-codes.js';
export type { CliIo, TextSink } from '../io/streams.js';
export { CliError, parseAll, readEach } from '../errors.js';
export { writeFileAtomic } from '../io/atomic-write.js';

/** The name messages start with. */
export const PROGRAM = 'iam-refine';

/** The source name of standard input in messages. */
export const STDIN_SOURCE = '<stdin>';

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
    command: processInvocation(process.env),
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
 * Reads every file with {@link readInput}, in order, and throws one {@link ValidationError} with
 * the issues of all that failed, so a run names every missing file at once.
 */
export function readInputs(files: readonly string[], io: CliIo): Promise<InputText[]> {
  return readEach(files, (file) => readInput(file, io));
}
