import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { Log } from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../findings/types.js';
import { toSarif } from './sarif.js';
import { fixtureScan, riskScan } from '../test-support/report-fixtures.js';

const SCHEMA_FILE = new URL('../../test/fixtures/sarif/sarif-2.1.0-rtm.5.json', import.meta.url);

/** Ajv on the committed SARIF schema (draft-04: its `id` read as `$id`, formats checked here). */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  const { $schema: _draft, id, ...rest } = schema;
  // unicodeRegExp: false -- the schema's `language` pattern has a stray `]`, an error with the u flag.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  ajv.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///') && !/\s/.test(s));
  ajv.addFormat(
    'date-time',
    (s: string) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) &&
      !Number.isNaN(Date.parse(s)),
  );
  return ajv.compile({ ...rest, $id: id as string });
}

let validate: ReturnType<typeof sarifValidator>;
let scan: ScanResult;
beforeAll(async () => {
  validate = sarifValidator();
  scan = await fixtureScan();
});

describe('toSarif', () => {
  it('writes a log the SARIF 2.1.0 schema accepts, for the fixture scan and the risk scan', () => {
    for (const result of [scan, riskScan()]) {
      const log = toSarif(result, { toolVersion: '1.2.3', artifactUri: 'exports/auth.json' });
      const ok = validate(JSON.parse(JSON.stringify(log)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('the validator rejects what the schema forbids (the test can fail)', () => {
    const log = toSarif(scan, { toolVersion: '1.2.3' }) as unknown as {
      runs: { results: Record<string, unknown>[] }[];
    };
    log.runs[0]!.results[0]!.level = 'fatal';
    expect(validate(log)).toBe(false);
    const noMessage = toSarif(scan, { toolVersion: '1.2.3' }) as unknown as {
      runs: { results: Record<string, unknown>[] }[];
    };
    delete noMessage.runs[0]!.results[0]!.message;
    expect(validate(noMessage)).toBe(false);
  });

  it('has one result per finding, its rule, risk level, location and stable fingerprint', () => {
    const log: Log = toSarif(scan, { toolVersion: '1.2.3', artifactUri: 'auth.json' });
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('iam-refine');
    expect(run.tool.driver.version).toBe('1.2.3');
    expect(run.tool.driver.rules!.map((r) => r.id)).toEqual([
      'UnusedIAMRole',
      'UnusedIAMUserPassword',
      'UnusedIAMUserAccessKey',
      'UnusedPermission',
    ]);
    const results = run.results!;
    expect(results.map((r) => r.ruleId)).toEqual(scan.findings.map((f) => f.findingType));
    for (const [i, r] of results.entries()) {
      const f = scan.findings[i]!;
      expect(run.tool.driver.rules![r.ruleIndex!]!.id).toBe(r.ruleId);
      expect(r.partialFingerprints).toEqual({ 'iamRefineFindingId/v1': f.id });
      expect(r.locations![0]!.logicalLocations![0]!.fullyQualifiedName).toBe(f.resource);
      expect(r.locations![0]!.physicalLocation!.artifactLocation!.uri).toBe('auth.json');
    }
    const role = scan.findings.findIndex((f) => f.findingType === 'UnusedIAMRole');
    const name = scan.findings[role]!.resource.slice(
      scan.findings[role]!.resource.indexOf(':role/') + 1,
    );
    expect(
      results[role]!.message.text!.startsWith(
        `${name}: the role was not used in the last 90 days, `,
      ),
    ).toBe(true);
    expect(results[role]!.message.text).toContain(
      'Risk medium: standing access nobody used in the tracking period.',
    );
    // Every level appears in the demo account's scan.
    expect(new Set(results.map((r) => r.level))).toEqual(new Set(['error', 'warning', 'note']));
    // Nothing skipped is silent: the scan's warnings are notifications, not-evaluated counted.
    const notes = run.invocations![0]!.toolExecutionNotifications!;
    expect(notes.map((n) => n.message.text)).toEqual(scan.warnings.map((w) => w.message));
    expect(run.properties!.notEvaluated).toBe(scan.notEvaluated.length);
  });

  it('maps risk to level: high error, medium warning, low note', () => {
    const log = toSarif(riskScan(), { toolVersion: '1' });
    const results = log.runs[0]!.results!;
    expect(results.map((r) => r.level)).toEqual(['error', 'warning', 'note']);
    expect(results.map((r) => r.properties!.risk)).toEqual(['high', 'medium', 'low']);
    expect(results[0]!.properties!.highRiskActions).toEqual(['iam:PassRole']);
  });
});
