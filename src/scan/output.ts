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
  let text = '';
  for (const chunk of scanJsonChunks(outcome)) text += chunk;
  return text;
}

/** About this many characters per chunk of {@link scanJsonChunks}. */
const CHUNK_CHARS = 1 << 16;
/** About this many characters per batch of array elements stringified together. */
const BATCH_CHARS = 1 << 14;
/** At most this many array elements per batch. */
const MAX_BATCH = 4096;
/** What `JSON.stringify({ x: [...] }, null, 2)` writes around the array's elements. */
const BATCH_HEAD = '{\n  "x": [\n    ';
const BATCH_TAIL = '\n  ]\n}';

/**
 * The `json` output ({@link formatScanJson}) in pieces of about 64 KiB, finding by finding, so
 * that an organisation's scan (hundreds of MB of JSON, more than the longest string V8 can hold
 * beyond about 25,000 principals) is written without its whole text in memory. Exactly
 * `JSON.stringify(output, null, 2)` and a line break, joined.
 */
export function* scanJsonChunks(outcome: ScanOutcome): Generator<string> {
  const r = outcome.result;
  yield* jsonChunks(
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
      policyAttachments: outcome.policyAttachments,
      inputWarnings: outcome.inputWarnings,
      inputs: outcome.inputs,
    },
    'findings',
  );
}

/**
 * `JSON.stringify(value, null, 2) + '\n'` in pieces, for a plain object `value` whose property
 * `streamed` is an array: its elements are stringified one at a time and indented to their place
 * (JSON strings hold no raw line breaks, so indenting after each line break is exact).
 */
export function* jsonChunks(value: Record<string, unknown>, streamed: string): Generator<string> {
  const indent = (text: string, prefix: string): string => text.split('\n').join(`\n${prefix}`);
  let buffer = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    const v = value[key];
    const streaming = key === streamed && Array.isArray(v) && v.length > 0;
    // As JSON.stringify: a property whose value has no JSON text is left out.
    const text = streaming ? '' : (JSON.stringify(v, null, 2) as string | undefined);
    if (text === undefined) continue;
    buffer += `${first ? '' : ','}\n  ${JSON.stringify(key)}: `;
    first = false;
    if (streaming) {
      const list = v as unknown[];
      buffer += '[';
      // Elements are stringified a batch at a time, at their depth inside a wrapper object (so
      // JSON.stringify indents them itself: twice as fast as re-indenting each element's text),
      // the batch sized to about BATCH_CHARS from the previous batches' lengths.
      let k = 1;
      for (let i = 0; i < list.length;) {
        const batch = list.slice(i, i + k);
        const text = JSON.stringify({ x: batch }, null, 2);
        const elements = text.slice(BATCH_HEAD.length, text.length - BATCH_TAIL.length);
        if (buffer.length > 0 && buffer.length + elements.length > CHUNK_CHARS) {
          yield buffer;
          buffer = '';
        }
        buffer += `${i === 0 ? '' : ','}\n    ${elements}`;
        i += batch.length;
        k = Math.max(
          1,
          Math.min(MAX_BATCH, Math.floor((batch.length * BATCH_CHARS) / elements.length)),
        );
      }
      buffer += '\n  ]';
    } else {
      buffer += indent(text, '  ');
    }
  }
  buffer += first ? '}\n' : '\n}\n';
  yield buffer;
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
