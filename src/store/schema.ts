/**
 * The store's SQLite schema, as an ordered list of migrations. The `schema_version` table holds one
 * row per applied migration; opening a database applies the missing ones, each in its own
 * transaction, so an interrupted upgrade leaves the database at the previous version.
 */
import type Database from 'better-sqlite3';
import { IamRefineError } from '../errors.js';

/** One schema change. */
export interface Migration {
  /** The version the database has after it (1, 2, ...: consecutive). */
  version: number;
  /** What it changes, one line. */
  description: string;
  /** The SQL it runs (several statements, no parameters). */
  sql: string;
}

/**
 * Every migration, oldest first.
 *
 * Tables (v2):
 * - `scans`: one row per recorded scan, with its stats and the counts after it (the trend);
 * - `accounts`: per account, the last scan that covered it (an `ACTIVE`/`ARCHIVED` finding was seen
 *   by that scan, so its `analyzedAt` is derived from it rather than rewritten every scan);
 * - `findings`: one small row per finding (status, the columns lists filter and sort on), and an
 *   index per list order (each index entry ends with the row's `pk`, the lists' last tie-breaker);
 * - `finding_data`: the latest `Finding` JSON of each finding (read by the finding page only);
 * - `finding_services`: the services an `UnusedPermission` finding lists (service filter, chart);
 * - `history`: every lifecycle event;
 * - `rules`: archive rules;
 * - `finding_tags` (v2): the principal's tags (tag criteria of archive rules);
 * - `scans.coverage` (v3): the scan's evidence coverage (`ScanCoverage` JSON), NULL before v3.
 *
 * The principal filter (a substring of the ARN) scans the rows its other conditions select: an
 * FTS5 trigram index answered it in 1 ms instead of ~15 ms per 100,000 rows, but made recording
 * a scan 4 times slower (6 s more per 100,000 new findings), so it was left out.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'findings, scans, history, archive rules',
    sql: `
CREATE TABLE scans (
  id INTEGER PRIMARY KEY,
  analyzed_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  tracking_period_days INTEGER NOT NULL,
  catalog_version TEXT NOT NULL,
  accounts TEXT NOT NULL,
  stats TEXT NOT NULL,
  counts_after TEXT NOT NULL
);
CREATE TABLE accounts (
  account TEXT PRIMARY KEY,
  last_scan_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE findings (
  pk INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  account TEXT NOT NULL,
  resource TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  finding_type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'ARCHIVED', 'RESOLVED')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  first_scan_id INTEGER NOT NULL,
  last_seen_scan_id INTEGER NOT NULL,
  resolved_scan_id INTEGER,
  archived_by_rule TEXT,
  archived_by TEXT,
  content_hash TEXT NOT NULL,
  services TEXT NOT NULL,
  unused_action_count INTEGER NOT NULL,
  unused_service_count INTEGER NOT NULL
);
CREATE INDEX findings_status_updated ON findings (status, updated_at);
CREATE INDEX findings_status_type_updated ON findings (status, finding_type, updated_at);
CREATE INDEX findings_status_account_updated ON findings (status, account, updated_at);
CREATE INDEX findings_status_resource ON findings (status, resource);
CREATE INDEX findings_status_unused_updated ON findings (status, unused_action_count, updated_at);
CREATE INDEX findings_type_updated ON findings (finding_type, updated_at);
CREATE INDEX findings_account_updated ON findings (account, updated_at);
CREATE INDEX findings_resource ON findings (resource);
CREATE INDEX findings_updated ON findings (updated_at);
CREATE TABLE finding_data (
  finding_pk INTEGER PRIMARY KEY,
  json TEXT NOT NULL
);
CREATE TABLE finding_services (
  finding_pk INTEGER NOT NULL,
  service TEXT NOT NULL,
  unused_actions INTEGER NOT NULL,
  whole INTEGER NOT NULL,
  PRIMARY KEY (finding_pk, service)
) WITHOUT ROWID;
CREATE INDEX finding_services_by_service ON finding_services (service, finding_pk);
CREATE TABLE history (
  seq INTEGER PRIMARY KEY,
  finding_pk INTEGER NOT NULL,
  event TEXT NOT NULL,
  at TEXT NOT NULL,
  scan_id INTEGER,
  rule_name TEXT,
  actor TEXT,
  from_status TEXT,
  to_status TEXT NOT NULL
);
CREATE INDEX history_by_finding ON history (finding_pk, seq);
CREATE TABLE rules (
  name TEXT PRIMARY KEY,
  filter TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    description: 'principal tags',
    sql: `
ALTER TABLE findings ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
CREATE TABLE finding_tags (
  finding_pk INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (finding_pk, key)
) WITHOUT ROWID;
`,
  },
  {
    version: 3,
    description: 'evidence coverage of each scan',
    // The scan's `ScanCoverage` JSON (NULL for scans recorded before coverage was tracked).
    sql: `
ALTER TABLE scans ADD COLUMN coverage TEXT;
`,
  },
];

/** The schema version this code writes (the last migration's). */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The schema version of an open database: 0 for an empty one. */
export function schemaVersionOf(db: Database.Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT max(version) AS v FROM schema_version').get() as {
    v: number | null;
  };
  return row.v ?? 0;
}

/**
 * Brings the database to version `to` (default: the latest) by applying the missing migrations in
 * order, each in its own `BEGIN IMMEDIATE` transaction (the version is re-read inside it, so two
 * processes opening the same new database do not both migrate).
 *
 * @param now the time recorded with each applied migration.
 * @returns the version after migrating.
 * @throws IamRefineError when the database is not an iam-refine database (it has tables but no
 *   `schema_version`), or its version is newer than this code knows.
 */
export function migrate(
  db: Database.Database,
  now: () => string,
  to: number = LATEST_SCHEMA_VERSION,
): number {
  const check = () => {
    const version = schemaVersionOf(db);
    if (version === 0) {
      const other = db
        .prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' LIMIT 1")
        .get() as { name: string } | undefined;
      if (other !== undefined) {
        throw new IamRefineError(
          `${db.name} is not an iam-refine database (it has a table ${other.name} but no schema_version)`,
        );
      }
    }
    if (version > LATEST_SCHEMA_VERSION) {
      throw new IamRefineError(
        `${db.name} has schema version ${version}, newer than this iam-refine supports (${LATEST_SCHEMA_VERSION}); upgrade iam-refine`,
      );
    }
    return version;
  };
  let version = check();
  for (const migration of MIGRATIONS) {
    if (migration.version <= version || migration.version > to) continue;
    db.transaction(() => {
      const current = check();
      if (current >= migration.version) return;
      if (current !== migration.version - 1) {
        throw new IamRefineError(
          `cannot migrate ${db.name} from version ${current} to ${migration.version}`,
        );
      }
      if (current === 0) {
        db.exec(
          'CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
        );
      }
      db.exec(migration.sql);
      db.prepare(
        'INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)',
      ).run(migration.version, migration.description, now());
    }).immediate();
    version = schemaVersionOf(db);
  }
  return version;
}
