/** Errors of the findings store. */
import { IamRefineError } from '../errors.js';

/** What a {@link NotFoundError} is about. */
export type NotFoundKind = 'finding' | 'rule';

/**
 * Unknown finding ids or archive rule name. The message is one line naming every unknown one,
 * e.g. `unknown finding id: 1234..., 5678...`; the CLI exits 2 with it.
 */
export class NotFoundError extends IamRefineError {
  override name = 'NotFoundError';
  /** Whether findings or a rule were not found. */
  readonly kind: NotFoundKind;
  /** The unknown ids or names, in the order given. */
  readonly keys: readonly string[];
  constructor(kind: NotFoundKind, keys: readonly string[]) {
    const what = kind === 'finding' ? 'finding id' : 'archive rule';
    super(`unknown ${what}${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`);
    this.kind = kind;
    this.keys = keys;
  }
}

/**
 * The database is locked by another writer (another process recording a scan, or holding a
 * write transaction) for longer than the store waits. Nothing was changed; trying again later
 * may succeed. The CLI exits 2 with the message; the dashboard answers 503 with `Retry-After`.
 */
export class DatabaseBusyError extends IamRefineError {
  override name = 'DatabaseBusyError';
  /** The database file. */
  readonly file: string;
  constructor(file: string, options?: { cause?: unknown }) {
    super(
      `database ${file} is busy (another process is writing it); try again in a moment`,
      options,
    );
    this.file = file;
  }
}

/**
 * The database file was deleted, or replaced by another file, while it was open: what the open
 * connection would read or write is no longer what the path names, so nothing is done. The CLI
 * exits 2 with the message; the dashboard answers 503.
 */
export class DatabaseGoneError extends IamRefineError {
  override name = 'DatabaseGoneError';
  /** The database file. */
  readonly file: string;
  /** Whether the path is gone or names another file now. */
  readonly how: 'deleted' | 'replaced';
  constructor(file: string, how: 'deleted' | 'replaced', options?: { cause?: unknown }) {
    super(
      `database ${file} was ${how === 'deleted' ? 'deleted' : 'replaced by another file'} while it was open; nothing was read or changed (restart with the database you mean)`,
      options,
    );
    this.file = file;
    this.how = how;
  }
}
