/**
 * Typed errors and the validation issue model.
 *
 * Validation collects {@link Issue}s (stable `code`, a JSON `path`, a `message`), in the style of
 * zod's issue model; only typed errors are thrown, always with a `cause` when one exists. The CLI
 * prints one line per issue and never a stack trace for these errors.
 */
import { EXIT_BAD_INPUT } from './exit-codes.js';

/** Stable machine-readable codes for every problem iam-refine reports about its inputs. */
export type IssueCode =
  | 'file_not_found'
  | 'file_unreadable'
  | 'invalid_json'
  | 'duplicate_key'
  | 'invalid_url_encoding'
  | 'invalid_type'
  | 'missing_field'
  | 'invalid_value'
  | 'conflicting_fields'
  | 'unsupported_wildcard'
  | 'empty_input'
  | 'too_large';

/** One problem found in an input, located by file and JSON path (and line:column when known). */
export interface Issue {
  /** Stable code, safe to match on in scripts. */
  code: IssueCode;
  /** JSON path in the input, e.g. `$.Statement[1].Action[2]`; `$` for the whole document. */
  path: string;
  /** One human sentence saying what was found and what was expected. */
  message: string;
  /** The file (or `<stdin>`, `<argument>`) the issue is in, when known. */
  source?: string;
  /** 1-based line of the offending token, when known. */
  line?: number;
  /** 1-based column of the offending token, when known. */
  column?: number;
}

/** Base class of every error iam-refine throws on purpose. */
export class IamRefineError extends Error {
  override name = 'IamRefineError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad input: carries every {@link Issue} found (at least one). */
export class ValidationError extends IamRefineError {
  override name = 'ValidationError';
  readonly issues: readonly Issue[];
  constructor(issues: readonly Issue[], options?: { cause?: unknown }) {
    super(issues.map(formatIssue).join('\n'), options);
    this.issues = issues;
  }
}

/**
 * A refinement that failed its own exactness proof. This is a bug in iam-refine, never a user
 * error: the recommendation is withheld.
 */
export class ProofFailedError extends IamRefineError {
  override name = 'ProofFailedError';
}

/** Formats an issue as the one line users see: `file:line:col: $.path: message [code]`. */
export function formatIssue(issue: Issue): string {
  let where = issue.source ?? '';
  if (issue.line !== undefined) where += `${where ? ':' : ''}${issue.line}:${issue.column ?? 1}`;
  const head = where ? `${where}: ` : '';
  return `${head}${issue.path}: ${issue.message} [${issue.code}]`;
}

/** Returns a copy of `issues` with `source` set on every issue that has none. */
export function withSource(issues: readonly Issue[], source: string): Issue[] {
  return issues.map((i) => (i.source === undefined ? { ...i, source } : i));
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
