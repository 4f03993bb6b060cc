import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../../test-support/cli.js';
import { demoScanOptions } from '../../test-support/report-fixtures.js';

let BASE: string[];
/** The finding types of the demo account's scan, in output order. */
let TYPES: string[];
beforeAll(async () => {
  BASE = ['scan', ...(await demoScanOptions()).args, '--quiet'];
  const json = await runCli([...BASE, '--format', 'json']);
  expect(json.code).toBe(0); // complete coverage: not 4
  TYPES = (JSON.parse(json.out) as { findings: { findingType: string }[] }).findings.map(
    (f) => f.findingType,
  );
  expect(new Set(TYPES).size).toBe(4);
});
const tmp = useTempDir('iam-refine-scan-report-');

describe('scan --format sarif|asff|csv and --fail-on', () => {
  it('sarif: a SARIF 2.1.0 log with one result per finding', async () => {
    const r = await runCli([...BASE, '--format', 'sarif']);
    expect(r.code).toBe(0);
    const log = JSON.parse(r.out) as { version: string; runs: { results: { ruleId: string }[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]!.results.map((x) => x.ruleId)).toEqual(TYPES);
  });

  it('asff needs a region; --asff-region or AWS_REGION gives it', async () => {
    const none = await runCli([...BASE, '--format', 'asff']);
    expect(none.code).toBe(2);
    expect(none.out).toBe('');
    expect(none.err).toBe(
      'iam-refine: --format asff needs the Security Hub region: --asff-region REGION (or AWS_REGION)\n',
    );
    const flag = await runCli([...BASE, '--format', 'asff', '--asff-region', 'eu-west-1']);
    expect(flag.code).toBe(0);
    const env = await runCli([...BASE, '--format', 'asff'], { env: { AWS_REGION: 'eu-west-1' } });
    expect(env.out).toBe(flag.out);
    const findings = JSON.parse(flag.out) as { Region: string }[];
    expect(findings).toHaveLength(TYPES.length);
    expect(findings.every((f) => f.Region === 'eu-west-1')).toBe(true);
    const misplaced = await runCli([...BASE, '--asff-region', 'eu-west-1']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.err).toBe('iam-refine: --asff-region needs --format asff\n');
  });

  it('csv into a file', async () => {
    const out = join(tmp(), 'findings.csv');
    const r = await runCli([...BASE, '--format', 'csv', '--out', out]);
    expect(r.code).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text.split('\r\n').filter((l) => l !== '')).toHaveLength(TYPES.length + 1);
  });

  it('--fail-on: exit 5 when a finding matches (output still written), 0 when none does', async () => {
    const hit = await runCli([...BASE, '--format', 'json', '--fail-on', 'UnusedIAMUserAccessKey']);
    expect(hit.code).toBe(5);
    expect(JSON.parse(hit.out).findings).toHaveLength(TYPES.length);
    const keys = TYPES.filter((t) => t === 'UnusedIAMUserAccessKey').length;
    expect(hit.err).toBe(
      `--fail-on UnusedIAMUserAccessKey: ${keys} finding${keys === 1 ? '' : 's'} matched (exit 5)\n`,
    );
    // Passwords are medium risk: none is high.
    const miss = await runCli([
      ...BASE,
      '--format',
      'json',
      '--fail-on',
      'UnusedIAMUserPassword:high',
    ]);
    expect(miss.code).toBe(0);
    expect(miss.err).toBe('--fail-on UnusedIAMUserPassword:high: no finding matched\n');
    const medium = await runCli([...BASE, '--format', 'json', '--fail-on', 'medium']);
    expect(medium.code).toBe(5);
  });

  it('--fail-on with a bad term: exit 2, one line per problem, nothing scanned', async () => {
    const r = await runCli([...BASE, '--fail-on', 'UnusedPermission:severe,Unused']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toEqual([
      'iam-refine: --fail-on[0]: unknown risk level "severe"; expected low, medium, high [invalid_value]',
      'iam-refine: --fail-on[1]: unknown finding type "Unused"; expected "any", a finding type (UnusedIAMRole, UnusedIAMUserPassword, UnusedIAMUserAccessKey, UnusedPermission), a risk level (low, medium, high) or TYPE:LEVEL [invalid_value]',
    ]);
  });

  it('FORCE_COLOR colours the table into a pipe; NO_COLOR and --no-color do not', async () => {
    const forced = await runCli([...BASE], { env: { FORCE_COLOR: '1' } });
    expect(forced.out).toContain('\x1b[');
    const plain = await runCli([...BASE]);
    expect(plain.out).not.toContain('\x1b[');
    const tty = await runCli([...BASE], { isTTY: true, env: { NO_COLOR: '1' } });
    expect(tty.out).not.toContain('\x1b[');
    const flag = await runCli([...BASE, '--no-color'], { env: { FORCE_COLOR: '1' } });
    expect(flag.out).not.toContain('\x1b[');
  });
});
