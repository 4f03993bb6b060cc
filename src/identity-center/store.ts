/**
 * Permission-set recommendations in the findings database file, in iam-refine's own table beside
 * the store's (created if missing, as the change log's tables are: see src/aws/changes.ts), so
 * that `apply --permission-set` and the dashboard read what the last scan recommended:
 *
 * `permission_set_recommendations`: one row per scan and permission set, the recommendation as
 * JSON (the scan output's `permissionSets[]` item).
 */
import Database from 'better-sqlite3';
import { IamRefineError } from '../errors.js';
import { openSideTables } from '../store/side-tables.js';
import type { PermissionSetRecommendation } from './recommend.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS permission_set_recommendations (
  scan_id INTEGER NOT NULL,
  permission_set_arn TEXT NOT NULL,
  name TEXT NOT NULL,
  recommended_action TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (scan_id, permission_set_arn)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS permission_set_recommendations_name
  ON permission_set_recommendations (name, scan_id);
`;

/** The latest row of every permission set, sorted by name then ARN. */
function latestRows(db: Database.Database): StoredPermissionSet[] {
  const rows = db
    .prepare(
      `SELECT r.scan_id, r.json FROM permission_set_recommendations r
       WHERE r.scan_id = (SELECT max(scan_id) FROM permission_set_recommendations x
                          WHERE x.permission_set_arn = r.permission_set_arn)
       ORDER BY r.name, r.permission_set_arn`,
    )
    .all() as { scan_id: number; json: string }[];
  return rows.map((r) => ({
    scanId: r.scan_id,
    recommendation: JSON.parse(r.json) as PermissionSetRecommendation,
  }));
}

/** A recommendation as recorded. */
export interface StoredPermissionSet {
  scanId: number;
  recommendation: PermissionSetRecommendation;
}

/** The permission-set recommendations of a findings database. */
export class PermissionSetStore {
  private constructor(private readonly db: Database.Database) {}

  /**
   * Opens the table in `path` (a database the findings store has created), creating it if missing.
   *
   * @throws IamRefineError naming the file when it cannot be opened.
   */
  static open(path: string): PermissionSetStore {
    return new PermissionSetStore(
      openSideTables(path, SCHEMA, 'the permission-set recommendations'),
    );
  }

  /** Records the recommendations of scan `scanId` (one transaction). */
  record(scanId: number, recs: readonly PermissionSetRecommendation[]): void {
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO permission_set_recommendations
         (scan_id, permission_set_arn, name, recommended_action, json) VALUES (?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const r of recs) {
        insert.run(scanId, r.permissionSetArn, r.name, r.recommendedAction, JSON.stringify(r));
      }
    })();
  }

  /** The latest recommendation of every permission set, sorted by name. */
  latest(): StoredPermissionSet[] {
    return latestRows(this.db);
  }

  /**
   * The latest recommendation of the permission set named by ARN or name.
   *
   * @throws IamRefineError when a name matches permission sets of several instances.
   */
  get(arnOrName: string): StoredPermissionSet | undefined {
    const all = this.latest().filter(
      (s) => s.recommendation.permissionSetArn === arnOrName || s.recommendation.name === arnOrName,
    );
    if (all.length > 1) {
      throw new IamRefineError(
        `${arnOrName} names ${all.length} permission sets (${all.map((s) => s.recommendation.permissionSetArn).join(', ')}): give the ARN`,
      );
    }
    return all[0];
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }
}

/** Records `recs` for scan `scanId` in the database file `path`. */
export function recordPermissionSets(
  path: string,
  scanId: number,
  recs: readonly PermissionSetRecommendation[],
): void {
  const store = PermissionSetStore.open(path);
  try {
    store.record(scanId, recs);
  } finally {
    store.close();
  }
}

/**
 * The latest recommendation of the permission set named by ARN or name in the database file `path`
 * (undefined when it has none); the table is created if missing, as {@link PermissionSetStore.open}.
 *
 * @throws IamRefineError when the file cannot be opened or a name matches several permission sets.
 */
export function readPermissionSet(
  path: string,
  arnOrName: string,
): StoredPermissionSet | undefined {
  const store = PermissionSetStore.open(path);
  try {
    return store.get(arnOrName);
  } finally {
    store.close();
  }
}

/**
 * The latest recommendation of every permission set in the database file `path`, read through a
 * read-only connection (for the dashboard); empty when the file has none (or is `:memory:`).
 */
export function readLatestPermissionSets(path: string): StoredPermissionSet[] {
  if (path === ':memory:' || path === '') return [];
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch {
    return [];
  }
  try {
    const table = db
      .prepare(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'permission_set_recommendations'",
      )
      .get();
    if (table === undefined) return [];
    return latestRows(db);
  } finally {
    db.close();
  }
}
