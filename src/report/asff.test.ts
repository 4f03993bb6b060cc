import { beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult } from '../findings/types.js';
import { ASFF_SCHEMA_VERSION, toAsff, type AsffFinding } from './asff.js';
import { fixtureScan, riskScan } from '../test-support/report-fixtures.js';

/**
 * The required top-level attributes of an ASFF finding and their types, with Security Hub's
 * limits (AWS Security Hub User Guide, "Required top-level ASFF attributes", and the API
 * reference's AwsSecurityFinding).
 */
function asffProblems(f: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const str = (key: string, max: number) => {
    const v = f[key];
    if (typeof v !== 'string' || v === '') problems.push(`${key}: non-empty string expected`);
    else if (v.length > max) problems.push(`${key}: longer than ${max}`);
  };
  const time = (key: string) => {
    const v = f[key];
    if (
      typeof v !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v) ||
      Number.isNaN(Date.parse(v))
    )
      problems.push(`${key}: ISO 8601 UTC timestamp expected`);
  };
  str('AwsAccountId', 12);
  if (!/^\d{12}$/.test(String(f.AwsAccountId))) problems.push('AwsAccountId: 12 digits expected');
  time('CreatedAt');
  time('UpdatedAt');
  str('Description', 1024);
  str('GeneratorId', 512);
  str('Id', 512);
  str('ProductArn', 2048);
  if (
    !/^arn:aws[a-z-]*:securityhub:[a-z0-9-]+:\d{12}:product\/\d{12}\/default$/.test(
      String(f.ProductArn),
    )
  )
    problems.push('ProductArn: default product ARN expected');
  if (f.SchemaVersion !== '2018-10-08') problems.push('SchemaVersion: 2018-10-08 expected');
  str('Title', 256);
  const sev = f.Severity as { Label?: unknown } | undefined;
  if (!sev || !['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].includes(String(sev.Label)))
    problems.push('Severity.Label: one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL expected');
  const types = f.Types;
  if (
    !Array.isArray(types) ||
    types.length === 0 ||
    types.length > 50 ||
    !types.every((t) => typeof t === 'string' && /^[^/]+(\/[^/]+){0,2}$/.test(t))
  )
    problems.push('Types: 1-50 strings namespace/category/classifier expected');
  const resources = f.Resources;
  if (!Array.isArray(resources) || resources.length === 0 || resources.length > 32)
    problems.push('Resources: 1-32 resources expected');
  else
    for (const [i, r] of (resources as Record<string, unknown>[]).entries()) {
      if (typeof r.Type !== 'string' || typeof r.Id !== 'string')
        problems.push(`Resources[${i}]: Type and Id strings expected`);
    }
  const fields = f.ProductFields as Record<string, unknown> | undefined;
  if (fields !== undefined) {
    if (Object.keys(fields).length > 50) problems.push('ProductFields: at most 50 expected');
    for (const [k, v] of Object.entries(fields))
      if (k.length > 128 || typeof v !== 'string' || v.length > 2048)
        problems.push(`ProductFields.${k}: string of at most 2048 expected`);
  }
  return problems;
}

let scan: ScanResult;
beforeAll(async () => {
  scan = await fixtureScan();
});

describe('toAsff', () => {
  it('every finding has the required attributes with the right types and limits', () => {
    for (const result of [scan, riskScan()]) {
      const out = toAsff(result, { region: 'eu-west-1' });
      expect(out).toHaveLength(result.findings.length);
      for (const f of out)
        expect(asffProblems(f as unknown as Record<string, unknown>)).toEqual([]);
    }
  });

  it('the checker reports a finding missing a required attribute (the test can fail)', () => {
    const [f] = toAsff(scan, { region: 'eu-west-1' }) as unknown as Record<string, unknown>[];
    delete f!.Title;
    f!.Severity = { Label: 'SEVERE' };
    expect(asffProblems(f!)).toEqual([
      'Title: non-empty string expected',
      'Severity.Label: one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL expected',
    ]);
  });

  it('maps the finding: account, product, resource type, severity from risk', () => {
    const out: AsffFinding[] = toAsff(riskScan(), { region: 'us-east-1' });
    expect(out.map((f) => f.Severity.Label)).toEqual(['HIGH', 'MEDIUM', 'LOW']);
    const f = out[0]!;
    expect(f.SchemaVersion).toBe(ASFF_SCHEMA_VERSION);
    expect(f.ProductArn).toBe(
      'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
    );
    expect(f.Resources).toEqual([
      {
        Type: 'AwsIamRole',
        Id: 'arn:aws:iam::111122223333:role/deploy',
        Partition: 'aws',
        Region: 'us-east-1',
      },
    ]);
    expect(f.ProductFields['iam-refine/HighRiskActions']).toBe('iam:PassRole');
    const user = toAsff(scan, { region: 'us-east-1' }).find((x) =>
      x.Resources[0]!.Id.includes(':user/'),
    )!;
    expect(user.Resources[0]!.Type).toBe('AwsIamUser');
  });

  it('cuts long fields to the limits Security Hub enforces', () => {
    const long = riskScan();
    long.findings[0]!.resource = `arn:aws:iam::111122223333:role/${'x'.repeat(600)}`;
    const [f] = toAsff(long, { region: 'us-east-1' });
    expect(f!.Title.length).toBe(256);
    expect(f!.Title.endsWith('…')).toBe(true);
    expect(asffProblems(f as unknown as Record<string, unknown>)).toEqual([]);
  });
});
