/**
 * A {@link FindingsStore} that checks, before every call, that its database file is still the
 * file it opened (same device and inode: not deleted, not replaced), and turns SQLite's "busy"
 * and "database moved" failures into the store's typed errors. SQLite keeps using an open file
 * after its path is deleted or renamed over, so without this check a dashboard would answer
 * "Finding archived." into a file nobody will ever read again.
 *
 * Hand-written as a Proxy so that every method of the store, present and future, goes through
 * the same check without each one repeating it.
 */
import { statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { DatabaseBusyError, DatabaseGoneError } from './errors.js';
import type { FindingsStore } from './types.js';

/** SQLite result codes (better-sqlite3's `SqliteError.code`) that mean "locked by another". */
function isBusy(code: string): boolean {
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/** The identity of a file: its device and inode. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `path` now, or undefined when there is none. */
export function fileIdentity(path: string): FileIdentity | undefined {
  const info: Stats | undefined = statSync(path, { throwIfNoEntry: false });
  return info === undefined ? undefined : { dev: info.dev, ino: info.ino };
}

/**
 * Wraps `store` (opened on `file`, whose identity was `opened` right after opening; undefined for
 * an in-memory store) so that every method call first checks the file is the same one.
 *
 * @returns the guarded store; `close` and the properties are passed through unchecked.
 */
export function guardStore(
  store: FindingsStore,
  file: string,
  opened: FileIdentity | undefined,
): FindingsStore {
  const absolute = resolve(file);
  const check = () => {
    if (opened === undefined) return;
    const now = fileIdentity(absolute);
    if (now === undefined) throw new DatabaseGoneError(file, 'deleted');
    if (now.dev !== opened.dev || now.ino !== opened.ino) {
      throw new DatabaseGoneError(file, 'replaced');
    }
  };
  const translate = (error: unknown): unknown => {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') return error;
    if (isBusy(code)) return new DatabaseBusyError(file, { cause: error });
    if (code === 'SQLITE_READONLY_DBMOVED') {
      return new DatabaseGoneError(file, fileIdentity(absolute) ? 'replaced' : 'deleted', {
        cause: error,
      });
    }
    return error;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'close') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        check();
        try {
          return method.apply(target, args);
        } catch (error) {
          throw translate(error);
        }
      };
    },
  });
}
