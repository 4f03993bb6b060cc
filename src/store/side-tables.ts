/**
 * Opening iam-refine's own tables beside the store's in a findings database file (the change log,
 * the permission-set recommendations): a connection that waits up to 10 s for a busy file, with the
 * tables created if missing.
 */
import Database from 'better-sqlite3';
import { IamRefineError } from '../errors.js';

/**
 * Opens `path` (a database the findings store has created) and runs `schema` (`CREATE ... IF NOT
 * EXISTS` statements).
 *
 * @param what - what the tables hold, for the message (`the change log`).
 * @throws IamRefineError naming `what` and the file, with the cause, when it cannot be opened.
 */
export function openSideTables(path: string, schema: string, what: string): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(path);
    db.pragma('busy_timeout = 10000');
    db.exec(schema);
  } catch (cause) {
    throw new IamRefineError(
      `cannot open ${what} in ${path} (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
  return db;
}
