/**
 * The record of live policy changes (`apply`) and how to undo them (`rollback`), kept in the
 * findings database file in iam-refine's own tables beside the store's:
 *
 * - `live_changes`: one row per IAM write call `apply` made, in order, grouped by run (`batch`),
 *   with the exact parameters, the calls that undo it, and the policy document before and after;
 *   a row is inserted as `planned` before the call and marked `done` after it, so a run killed
 *   between the two is still rolled back;
 * - `live_analyzer_findings`: the Access Analyzer finding id of each imported finding, so `apply`
 *   and `rollback` accept either id.
 *
 * The tables are created if missing (`CREATE TABLE IF NOT EXISTS`) after the store has opened and
 * migrated the file; they never touch the store's own tables or its `schema_version`.
 */
import Database from 'better-sqlite3';
import { openSideTables } from '../store/side-tables.js';

/** One IAM API call: the operation and its exact parameters. */
export interface IamCall {
  /** The IAM operation, e.g. `PutRolePolicy`. */
  operation: string;
  /** Its parameters, as the SDK command takes them. */
  params: Record<string, string | boolean>;
}

/** A recorded write call. */
export interface LiveChange {
  id: number;
  /** The run of `apply` it belongs to. */
  batch: number;
  findingId: string;
  principalArn: string;
  /** The managed policy ARN or inline policy name the change concerns. */
  policyId: string;
  /** The call made. */
  call: IamCall;
  /** The calls that undo it, in order. */
  undo: IamCall[];
  /** The policy document (exact text) before the call, when it replaced or removed one. */
  previousDocument?: string;
  /** The document the call wrote, when it wrote one. */
  newDocument?: string;
  /** `planned`: recorded before the call (the run may have died before it finished). */
  state: 'planned' | 'done' | 'rolled_back';
  appliedAt: string;
  rolledBackAt?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS live_changes (
  id INTEGER PRIMARY KEY,
  batch INTEGER NOT NULL,
  finding_id TEXT NOT NULL,
  principal_arn TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  call TEXT NOT NULL,
  undo TEXT NOT NULL,
  previous_document TEXT,
  new_document TEXT,
  state TEXT NOT NULL CHECK (state IN ('planned', 'done', 'rolled_back')),
  applied_at TEXT NOT NULL,
  rolled_back_at TEXT
);
CREATE INDEX IF NOT EXISTS live_changes_finding ON live_changes (finding_id, batch);
CREATE TABLE IF NOT EXISTS live_analyzer_findings (
  analyzer_finding_id TEXT PRIMARY KEY,
  finding_id TEXT NOT NULL,
  analyzer_arn TEXT NOT NULL
) WITHOUT ROWID;
`;

interface Row {
  id: number;
  batch: number;
  finding_id: string;
  principal_arn: string;
  policy_id: string;
  call: string;
  undo: string;
  previous_document: string | null;
  new_document: string | null;
  state: LiveChange['state'];
  applied_at: string;
  rolled_back_at: string | null;
}

/** The change log in a findings database file. */
export class ChangeLog {
  private readonly db: Database.Database;

  private constructor(
    db: Database.Database,
    private readonly clock: () => Date,
  ) {
    this.db = db;
  }

  /**
   * Opens the change log in `path` (a database the findings store has already opened and
   * migrated), creating its tables if missing.
   *
   * @throws IamRefineError naming the file when it cannot be opened.
   */
  static open(path: string, clock: () => Date = () => new Date()): ChangeLog {
    return new ChangeLog(openSideTables(path, SCHEMA, 'the change log'), clock);
  }

  /** A new batch number (one per `apply --yes` run). */
  newBatch(): number {
    const row = this.db
      .prepare('SELECT coalesce(max(batch), 0) + 1 AS b FROM live_changes')
      .get() as {
      b: number;
    };
    return row.b;
  }

  /** Records a call about to be made (`planned`); returns its id. */
  plan(change: Omit<LiveChange, 'id' | 'state' | 'appliedAt' | 'rolledBackAt'>): number {
    const info = this.db
      .prepare(
        `INSERT INTO live_changes (batch, finding_id, principal_arn, policy_id, call, undo,
           previous_document, new_document, state, applied_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?)`,
      )
      .run(
        change.batch,
        change.findingId,
        change.principalArn,
        change.policyId,
        JSON.stringify(change.call),
        JSON.stringify(change.undo),
        change.previousDocument ?? null,
        change.newDocument ?? null,
        this.clock().toISOString(),
      );
    return Number(info.lastInsertRowid);
  }

  /** Marks a planned call done, with its undo calls completed from the call's answer. */
  done(id: number, undo?: IamCall[]): void {
    if (undo === undefined) {
      this.db.prepare("UPDATE live_changes SET state = 'done' WHERE id = ?").run(id);
    } else {
      this.db
        .prepare("UPDATE live_changes SET state = 'done', undo = ? WHERE id = ?")
        .run(JSON.stringify(undo), id);
    }
  }

  /** Forgets a planned call that AWS refused (nothing changed). */
  discard(id: number): void {
    this.db.prepare("DELETE FROM live_changes WHERE id = ? AND state = 'planned'").run(id);
  }

  /** Marks a change rolled back. */
  rolledBack(id: number): void {
    this.db
      .prepare("UPDATE live_changes SET state = 'rolled_back', rolled_back_at = ? WHERE id = ?")
      .run(this.clock().toISOString(), id);
  }

  /** The changes of a finding not rolled back yet, oldest first. */
  active(findingId: string): LiveChange[] {
    return this.rows(
      "SELECT * FROM live_changes WHERE finding_id = ? AND state != 'rolled_back' ORDER BY id",
      findingId,
    );
  }

  /** Every change of a finding, oldest first. */
  history(findingId: string): LiveChange[] {
    return this.rows('SELECT * FROM live_changes WHERE finding_id = ? ORDER BY id', findingId);
  }

  /** Remembers which stored finding an Access Analyzer finding id was imported as. */
  mapAnalyzerFinding(analyzerFindingId: string, findingId: string, analyzerArn: string): void {
    this.db
      .prepare(
        `INSERT INTO live_analyzer_findings (analyzer_finding_id, finding_id, analyzer_arn)
         VALUES (?, ?, ?)
         ON CONFLICT (analyzer_finding_id) DO UPDATE SET finding_id = excluded.finding_id,
           analyzer_arn = excluded.analyzer_arn`,
      )
      .run(analyzerFindingId, findingId, analyzerArn);
  }

  /** The stored finding id of an Access Analyzer finding id, if it was imported. */
  findingOfAnalyzerId(analyzerFindingId: string): string | undefined {
    const row = this.db
      .prepare('SELECT finding_id FROM live_analyzer_findings WHERE analyzer_finding_id = ?')
      .get(analyzerFindingId) as { finding_id: string } | undefined;
    return row?.finding_id;
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }

  private rows(sql: string, ...params: unknown[]): LiveChange[] {
    return (this.db.prepare(sql).all(...params) as Row[]).map((r) => ({
      id: r.id,
      batch: r.batch,
      findingId: r.finding_id,
      principalArn: r.principal_arn,
      policyId: r.policy_id,
      call: JSON.parse(r.call) as IamCall,
      undo: JSON.parse(r.undo) as IamCall[],
      ...(r.previous_document === null ? {} : { previousDocument: r.previous_document }),
      ...(r.new_document === null ? {} : { newDocument: r.new_document }),
      state: r.state,
      appliedAt: r.applied_at,
      ...(r.rolled_back_at === null ? {} : { rolledBackAt: r.rolled_back_at }),
    }));
  }
}
