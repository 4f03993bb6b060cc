/**
 * What a scan's outcome looks like to people and tools: the `json` output and the one-line summary.
 */
import { describeUnmapped } from '../activity/unmapped.js';
import type { ScanOutcome } from './run.js';

/** A whole number with `,` separators. */
export const formatCount = (n: number): string => n.toLocaleString('en-US');
/** Bytes as MB with one decimal. */
export const formatMegabytes = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

/**
 * The `json` output: the scan result in Access Analyzer's shapes
 * (`analyzedAt, trackingPeriodDays, catalogVersion, findings, notEvaluated`), then the warnings
 * and what was read. Deterministic for the same inputs and `--now` (no timings).
 */
export function formatScanJson(outcome: ScanOutcome): string {
  const r = outcome.result;
  return `${JSON.stringify(
    {
      analyzedAt: r.analyzedAt,
      trackingPeriodDays: r.trackingPeriodDays,
      catalogVersion: r.catalogVersion,
      findings: r.findings,
      notEvaluated: r.notEvaluated,
      ...(outcome.inputs.permissionSets !== undefined
        ? { permissionSets: outcome.permissionSets }
        : {}),
      warnings: r.warnings,
      ...(r.coverage === undefined ? {} : { coverage: r.coverage }),
      inputWarnings: outcome.inputWarnings,
      inputs: outcome.inputs,
    },
    null,
    2,
  )}\n`;
}

/**
 * The one-line summary on stderr: what was read, how fast the logs were read, what was found.
 */
export function summaryLine(outcome: ScanOutcome): string {
  const i = outcome.inputs;
  const a = i.authorizationDetails;
  const parts = [
    `scanned ${a.roles} roles and ${a.users} users (${a.accounts.length} account${a.accounts.length === 1 ? '' : 's'})`,
  ];
  const ct = i.cloudtrail;
  if (ct) {
    const secs = outcome.seconds.cloudtrail;
    const rate = secs > 0 ? Math.round(ct.events / secs) : 0;
    const skipped = ct.skippedFiles.length;
    parts.push(
      `CloudTrail ${formatCount(ct.files)} files, ${formatMegabytes(ct.bytes)}, ${formatCount(ct.events)} events in ${secs.toFixed(1)} s (${formatCount(rate)} events/s), ${skipped} file${skipped === 1 ? '' : 's'} skipped` +
        (ct.badRecords > 0 ? `, ${formatCount(ct.badRecords)} bad records` : '') +
        (ct.unmapped.operations > 0
          ? `, ${formatCount(ct.unmapped.operations)} unmapped operation${ct.unmapped.operations === 1 ? '' : 's'} (${describeUnmapped(ct.unmapped, 3)})`
          : ''),
    );
  }
  const r = outcome.result;
  parts.push(
    `${r.findings.length} findings, ${r.notEvaluated.length} not evaluated, ${r.warnings.length} warnings`,
  );
  const c = r.coverage;
  if (c !== undefined) {
    parts.push(
      c.complete
        ? 'coverage complete'
        : `coverage INCOMPLETE (${[
            c.skipped.files + c.skipped.records > 0
              ? `${c.skipped.files} files and ${c.skipped.records} records skipped`
              : '',
            c.notCovered > 0 ? `${c.notCovered} principals not covered` : '',
            c.shortened > 0
              ? `${c.shortened} evaluated since ${c.shortestSince!.slice(0, 10)}`
              : '',
            c.dataEventGaps.length > 0
              ? `no data events of ${c.dataEventGaps.map((g) => g.service).join(', ')} in some accounts`
              : '',
          ]
            .filter((x) => x !== '')
            .join(', ')})`,
    );
  }
  return parts.join(' · ');
}
