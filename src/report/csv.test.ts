import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvField, toCsv } from './csv.js';
import { fixtureScan, riskScan } from '../test-support/report-fixtures.js';

/** A reference RFC 4180 reader (records of fields), written plainly for the differential test. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('toCsv', () => {
  it('one header row and one row per finding, every row with every column', async () => {
    const scan = await fixtureScan();
    const rows = readCsv(toCsv(scan));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(scan.findings.length + 1);
    for (const r of rows) expect(r).toHaveLength(CSV_COLUMNS.length);
    expect(rows.slice(1).map((r) => r[0])).toEqual(scan.findings.map((f) => f.id));
    const key = rows.find((r) => r[1] === 'UnusedIAMUserAccessKey')!;
    const finding = scan.findings.find((f) => f.id === key[0])!;
    expect(key[3]).toBe(finding.resource);
    expect(key[6]).toBe(
      (finding.findingDetails[0] as { unusedIamUserAccessKeyDetails: { accessKeyId: string } })
        .unusedIamUserAccessKeyDetails.accessKeyId,
    );
  });

  it('risk and high-risk actions columns', () => {
    const rows = readCsv(toCsv(riskScan()));
    expect(rows.slice(1).map((r) => [r[2], r[11]])).toEqual([
      ['high', 'iam:PassRole'],
      ['medium', ''],
      ['low', ''],
    ]);
  });

  it('a field reads back as written, except that formulas are defused with a quote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const [[back]] = readCsv(`${csvField(s)}\r\n`) as [[string]];
        const formula = /^[=+\-@\t\r]/.test(s);
        expect(back).toBe(formula ? `'${s}` : s);
      }),
      { numRuns: 500 },
    );
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
  });
});
