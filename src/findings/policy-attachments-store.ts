/**
 * The attachments of customer managed policies (see policy-attachments.ts) in the findings
 * database file, in iam-refine's own table beside the store's (created if missing, like the
 * permission-set recommendations), so that `remediate --db` and `serve --iac` know who a policy
 * is attached to before they change it in place:
 *
 * `policy_attachments`: one row per scan and policy, the attachments as JSON.
 */
import type Database from 'better-sqlite3';
import { openSideTables } from '../store/side-tables.js';
import type { PolicyAttachments } from './policy-attachments.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS policy_attachments (
  scan_id INTEGER NOT NULL,
  policy_arn TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (scan_id, policy_arn)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS policy_attachments_arn ON policy_attachments (policy_arn, scan_id);
`;

/** Opens the table in `path` (created if missing). */
function open(path: string): Database.Database {
  return openSideTables(path, SCHEMA, 'the policy attachments');
}

/**
 * Records the attachments seen by scan `scanId` in the findings database `path` (one
 * transaction).
 *
 * @throws IamRefineError naming the file when it cannot be opened.
 */
export function recordPolicyAttachments(
  path: string,
  scanId: number,
  attachments: readonly PolicyAttachments[],
): void {
  const db = open(path);
  try {
    const insert = db.prepare(
      'INSERT OR REPLACE INTO policy_attachments (scan_id, policy_arn, json) VALUES (?, ?, ?)',
    );
    db.transaction(() => {
      for (const a of attachments) insert.run(scanId, a.policyArn, JSON.stringify(a));
    })();
  } finally {
    db.close();
  }
}

/**
 * The latest recorded attachments in the findings database `path`, by policy ARN: of the policies
 * in `policyArns`, or of every policy when it is not given (empty when no scan recorded any).
 *
 * @throws IamRefineError naming the file when it cannot be opened.
 */
export function latestPolicyAttachments(
  path: string,
  policyArns?: readonly string[],
): Map<string, PolicyAttachments> {
  const db = open(path);
  try {
    const latest = `SELECT a.policy_arn, a.json FROM policy_attachments a
       WHERE a.scan_id = (SELECT max(scan_id) FROM policy_attachments x
                          WHERE x.policy_arn = a.policy_arn)`;
    const rows = (
      policyArns === undefined
        ? db.prepare(latest).all()
        : db
            .prepare(`${latest} AND a.policy_arn IN (SELECT value FROM json_each(?))`)
            .all(JSON.stringify(policyArns))
    ) as { policy_arn: string; json: string }[];
    return new Map(rows.map((r) => [r.policy_arn, JSON.parse(r.json) as PolicyAttachments]));
  } finally {
    db.close();
  }
}
