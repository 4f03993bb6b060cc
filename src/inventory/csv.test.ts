import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import { parseCsv } from './csv.js';

/** The issues `parseCsv` throws for `text` (fails the test when nothing is thrown). */
function issuesOf(text: string): readonly Issue[] {
  try {
    parseCsv(text, 'in.csv');
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

/** The header and field lists of a table. */
function cells(text: string): string[][] {
  const table = parseCsv(text, 'in.csv');
  return [table.header, ...table.rows.map((r) => r.fields)];
}

describe('parseCsv', () => {
  it('reads a header and rows with their lines', () => {
    const table = parseCsv('a,b,c\n1,2,3\n4,,6\n', 'in.csv');
    expect(table.header).toEqual(['a', 'b', 'c']);
    expect(table.rows.map((r) => [r.line, r.fields])).toEqual([
      [2, ['1', '2', '3']],
      [3, ['4', '', '6']],
    ]);
  });

  it('accepts LF, CRLF and CR line ends, a BOM, and no final line break', () => {
    const expected = [
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ];
    expect(cells('a,b\n1,2\n3,4')).toEqual(expected);
    expect(cells('a,b\r\n1,2\r\n3,4\r\n')).toEqual(expected);
    expect(cells('a,b\r1,2\r3,4\r')).toEqual(expected);
    expect(cells('\uFEFFa,b\n1,2\n3,4\n')).toEqual(expected);
  });

  it('skips empty lines but counts them', () => {
    const table = parseCsv('a,b\n\n1,2\r\n\r\n\r\n3,4\n\n', 'in.csv');
    expect(table.rows.map((r) => [r.line, r.fields])).toEqual([
      [3, ['1', '2']],
      [6, ['3', '4']],
    ]);
  });

  it('unquotes quoted fields: commas, doubled quotes, line breaks, empty', () => {
    const table = parseCsv(
      '"a","b ""x""",c\n"1,5","say ""hi""",""\n"two\r\nlines","x\ny",z\n5,6,7\n',
      'in.csv',
    );
    expect(table.header).toEqual(['a', 'b "x"', 'c']);
    expect(table.rows.map((r) => [r.line, r.fields])).toEqual([
      [2, ['1,5', 'say "hi"', '']],
      [3, ['two\r\nlines', 'x\ny', 'z']],
      [6, ['5', '6', '7']],
    ]);
  });

  it('keeps spaces and a trailing empty field', () => {
    expect(cells('a,b\n x , \n1,\n')).toEqual([
      ['a', 'b'],
      [' x ', ' '],
      ['1', ''],
    ]);
  });

  it('locates every field, across quoted line breaks', () => {
    const table = parseCsv('a,b,c\n"x\ny",22,"3"\n', 'in.csv');
    const row = table.rows[0]!;
    expect([0, 1, 2].map((i) => table.locate(row, i))).toEqual([
      { line: 2, column: 1 },
      { line: 3, column: 4 },
      { line: 3, column: 7 },
    ]);
    expect(table.locate(table.rows[0]!, 9)).toEqual({ line: 3, column: 7 });
  });

  it('round-trips any table written with quotes', () => {
    const field = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é') });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((n) =>
          fc.array(fc.array(field, { minLength: n, maxLength: n }), {
            minLength: 1,
            maxLength: 5,
          }),
        ),
        fc.constantFrom('\n', '\r\n'),
        (records, eol) => {
          const header = records[0]!.map((_, i) => `c${i}`);
          const quote = (f: string) => `"${f.split('"').join('""')}"`;
          const text = [header, ...records].map((r) => r.map(quote).join(',')).join(eol) + eol;
          expect(cells(text)).toEqual([header, ...records]);
        },
      ),
    );
  });

  it('rejects an empty input', () => {
    for (const text of ['', '\n\n', '\uFEFF']) {
      expect(issuesOf(text)).toEqual([
        {
          code: 'empty_input',
          path: '$',
          message: 'the CSV file is empty, expected a header line and data lines',
          source: 'in.csv',
        },
      ]);
    }
  });

  it('rejects a ragged row, naming its line, and collects every one', () => {
    expect(issuesOf('a,b,c\n1,2,3\n1,2\n1,2,3,4\n')).toEqual([
      {
        code: 'invalid_value',
        path: '$',
        message: 'line 3 has 2 fields, expected 3 (one per column of the header on line 1)',
        source: 'in.csv',
        line: 3,
        column: 1,
      },
      {
        code: 'invalid_value',
        path: '$',
        message: 'line 4 has 4 fields, expected 3 (one per column of the header on line 1)',
        source: 'in.csv',
        line: 4,
        column: 7,
      },
    ]);
  });

  it('rejects a duplicate column name', () => {
    expect(issuesOf('a,b,a\n1,2,3\n')).toEqual([
      {
        code: 'duplicate_key',
        path: 'a',
        message: 'line 1 names the column "a" twice (fields 1 and 3), expected unique column names',
        source: 'in.csv',
        line: 1,
        column: 5,
      },
    ]);
  });

  it('rejects syntax errors with line and column', () => {
    expect(issuesOf('a,b\n1,x"y\n')).toEqual([
      {
        code: 'invalid_value',
        path: '$',
        message:
          'line 2: unexpected \'"\' inside an unquoted field, expected a field without quotes or a field quoted as a whole (such as "a ""quoted"" word")',
        source: 'in.csv',
        line: 2,
        column: 4,
      },
    ]);
    expect(issuesOf('a,b\n"1"x,2\n')).toMatchObject([
      {
        message:
          'line 2: unexpected character "x" after the closing quote of a field, expected \',\' or the end of the line',
        line: 2,
        column: 4,
      },
    ]);
    expect(issuesOf('a,b\n1,"2\n3\n')).toMatchObject([
      {
        message:
          "line 4: unexpected end of input inside the quoted field opened at 2:3, expected a closing '\"'",
        line: 4,
        column: 1,
      },
    ]);
  });
});
