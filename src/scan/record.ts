/**
 * Recording a scan's outcome in the findings store.
 */
import { recordPolicyAttachments } from '../findings/policy-attachments-store.js';
import { recordPermissionSets } from '../identity-center/store.js';
import type { ScanOutcome } from './run.js';

/**
 * Records the scan in the findings database `file` (created when missing) and returns a one-line
 * note of what changed. The store is loaded only here, so a scan without `--db` never loads SQLite.
 */
export async function recordScanInStore(outcome: ScanOutcome, file: string): Promise<string> {
  const { openCliStore } = await import('../store/cli.js');
  // The principals' tags, looked up in the inventory (keyed by ARN) rather than copied.
  const principals = outcome.inventory.principals;
  const tags = { get: (arn: string) => principals.get(arn)?.tags };
  const store = openCliStore(file);
  try {
    const record = store.recordScan(outcome.result, {
      accounts: outcome.inputs.authorizationDetails.accounts,
      tags,
    });
    recordPolicyAttachments(file, record.id, outcome.policyAttachments);
    if (outcome.inputs.permissionSets !== undefined) {
      recordPermissionSets(file, record.id, outcome.permissionSets);
    }
    const s = record.stats;
    return `recorded scan ${record.id} in ${file}: ${s.findings} findings (${s.created} new, ${s.updated} updated, ${s.unchanged} unchanged, ${s.resolved} resolved, ${s.reopened} reopened, ${s.archivedByRules} archived by rules)`;
  } finally {
    store.close();
  }
}
