/**
 * The `--db FILE` option every command that reads or writes the findings store takes, and how the
 * CLI opens the store (with the system clock: the one place the wall clock enters the store).
 *
 * ```ts
 * command.addOption(dbOption());
 * const store = openCliStore(options.db, { mustExist: true });
 * try { ... } finally { store.close(); }
 * ```
 */
import { existsSync } from 'node:fs';
import { Option } from 'commander';
import { CliError } from '../errors.js';
import { openStore } from './sqlite.js';
import type { FindingsStore } from './types.js';

/** The database file used when `--db` is not given. */
export const DEFAULT_DB_FILE = './iam-refine.db';

/** The options object of a command with {@link dbOption}. */
export interface DbOptions {
  /** The database file (default {@link DEFAULT_DB_FILE}). */
  db?: string;
}

/** A fresh commander `--db <file>` option (default {@link DEFAULT_DB_FILE}). */
export function dbOption(): Option {
  return new Option('--db <file>', 'the findings database (SQLite, created by scan --db)').default(
    DEFAULT_DB_FILE,
  );
}

/** The system clock, for the CLI and the dashboard. */
export function systemClock(): Date {
  return new Date();
}

/**
 * Opens the store in `file` (default {@link DEFAULT_DB_FILE}) with the system clock.
 *
 * @param options.mustExist fail when the file does not exist (commands that only read or change
 *   recorded findings), instead of creating an empty database (`scan --db`, `rules add`).
 * @param options.busyTimeoutMs how long to wait for another process's write lock (default 10 s).
 * @throws CliError (exit 2, one line) when the file is missing and must exist; IamRefineError when
 *   it is not an iam-refine database or cannot be opened.
 */
export function openCliStore(
  file: string | undefined,
  options: { mustExist?: boolean; clock?: () => Date; busyTimeoutMs?: number } = {},
): FindingsStore {
  const path = file ?? DEFAULT_DB_FILE;
  if (options.mustExist && path !== ':memory:' && !existsSync(path)) {
    throw new CliError(
      `database ${path} does not exist (record a scan first: iam-refine scan ... --db ${path})`,
    );
  }
  return openStore(path, {
    clock: options.clock ?? systemClock,
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
}
