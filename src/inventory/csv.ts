/**
 * A small, strict RFC 4180 CSV reader for tables with a header line (the IAM credential report, the
 * activity summary exported from Athena or CloudTrail Lake).
 *
 * - Fields are separated by `,`; records end at `\n`, `\r\n` or a lone `\r`.
 * - A field is either unquoted (no `"`, `,` or line break in it) or quoted as a whole
 *   (`"a,b"`, `"say ""hi"""`, line breaks allowed inside). Nothing is trimmed.
 * - Empty lines are skipped (so a trailing line break, or several, is fine). A leading UTF-8 byte
 *   order mark is skipped.
 * - The first record is the header; its names must be unique. Every other record must have exactly
 *   as many fields as the header.
 *
 * Problems are {@link Issue}s with the file, the 1-based line and column, and what was expected: a
 * syntax error stops the reading (one issue); header and field-count problems are all collected.
 * Lines and columns count as the JSON parser's do (columns in UTF-16 code units).
 */
import { ValidationError, type Issue } from '../errors.js';

/** A 1-based position in a CSV text. */
export interface CsvPosition {
  line: number;
  column: number;
}

/** One data record of a CSV table. */
export interface CsvRow {
  /** 1-based line the record starts on. */
  line: number;
  /** The record's fields, unquoted, in header order. */
  fields: string[];
  /** Offset of the record's first character in the text (used by {@link CsvTable.locate}). */
  offset: number;
}

/** A parsed CSV table. */
export interface CsvTable {
  /** The header's column names, as written. */
  header: string[];
  /** The data records (the header excluded), in order. */
  rows: CsvRow[];
  /**
   * Where field `index` of `row` starts (its first character, or its opening quote); where its last
   * field starts when the record has fewer fields. Computed on demand, for messages.
   */
  locate(row: CsvRow, index: number): CsvPosition;
}

/**
 * Parses a CSV text with a header line.
 *
 * @param text - The CSV text.
 * @param source - The file name, put on every issue.
 * @throws {@link ValidationError}: `empty_input` (no record at all); `invalid_value` for a syntax
 *   error (a quote inside an unquoted field, text after a closing quote, a quoted field that is never
 *   closed); otherwise every `duplicate_key` (a header name used twice) and `invalid_value` (a
 *   record with the wrong number of fields) found.
 */
export function parseCsv(text: string, source: string): CsvTable {
  const scanner = new Scanner(text, source);
  const records: CsvRow[] = [];
  for (;;) {
    const offset = scanner.skipEmptyLines();
    if (offset >= text.length) break;
    const line = scanner.line;
    records.push({ line, fields: scanner.record(undefined), offset });
  }
  const headerRecord = records[0];
  if (headerRecord === undefined) {
    throw new ValidationError([
      {
        code: 'empty_input',
        path: '$',
        message: 'the CSV file is empty, expected a header line and data lines',
        source,
      },
    ]);
  }
  const locate = (row: CsvRow, index: number): CsvPosition => {
    const positions: CsvPosition[] = [];
    new Scanner(text, source, row.offset, row.line).record(positions);
    return positions[index] ?? positions[positions.length - 1] ?? { line: row.line, column: 1 };
  };

  const issues: Issue[] = [];
  const header = headerRecord.fields;
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, index);
      return;
    }
    const at = locate(headerRecord, index);
    issues.push({
      code: 'duplicate_key',
      path: name,
      message: `line ${headerRecord.line} names the column ${JSON.stringify(name)} twice (fields ${first + 1} and ${index + 1}), expected unique column names`,
      source,
      line: at.line,
      column: at.column,
    });
  });
  const rows = records.slice(1);
  for (const row of rows) {
    if (row.fields.length === header.length) continue;
    const fewer = row.fields.length < header.length;
    const at = fewer ? { line: row.line, column: 1 } : locate(row, header.length);
    issues.push({
      code: 'invalid_value',
      path: '$',
      message: `line ${row.line} has ${row.fields.length} field${row.fields.length === 1 ? '' : 's'}, expected ${header.length} (one per column of the header on line ${headerRecord.line})`,
      source,
      line: at.line,
      column: at.column,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { header, rows, locate };
}

/**
 * The index of every column by its name trimmed and lower-cased (the first column where two names
 * differ only so), for tables whose columns are found by name.
 */
export function columnIndexes(header: readonly string[]): Map<string, number> {
  const columns = new Map<string, number>();
  header.forEach((name, index) => {
    const key = name.trim().toLowerCase();
    if (!columns.has(key)) columns.set(key, index);
  });
  return columns;
}

/**
 * The `invalid_value` issue of field `index` of `row`: its column's name as the path (`$` past the
 * header), `line N: message`, and the field's line and column in `source`.
 */
export function fieldIssue(
  table: CsvTable,
  row: CsvRow,
  index: number,
  message: string,
  source: string,
): Issue {
  const at = table.locate(row, index);
  return {
    code: 'invalid_value',
    path: table.header[index] ?? '$',
    message: `line ${row.line}: ${message}`,
    source,
    line: at.line,
    column: at.column,
  };
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** Reads records one at a time, keeping track of lines. */
class Scanner {
  /** 1-based line of {@link pos}. */
  line: number;
  private pos: number;
  private lineStart: number;

  constructor(
    private readonly text: string,
    private readonly source: string,
    start?: number,
    line = 1,
  ) {
    this.pos = start ?? (text.charCodeAt(0) === 0xfeff ? 1 : 0);
    this.lineStart = this.pos;
    this.line = line;
  }

  /** Skips empty lines; returns the offset of the next record (or the text length). */
  skipEmptyLines(): number {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== LF && c !== CR) return this.pos;
      this.newline();
    }
  }

  /**
   * Reads the record at the current position (which starts a non-empty line) and the line break
   * after it. When `positions` is given, the start of each field is pushed onto it.
   */
  record(positions: CsvPosition[] | undefined): string[] {
    const text = this.text;
    const len = text.length;
    const fields: string[] = [];
    for (;;) {
      positions?.push(this.position(this.pos));
      if (text.charCodeAt(this.pos) === QUOTE) {
        fields.push(this.quoted());
      } else {
        let end = this.pos;
        for (; end < len; end++) {
          const c = text.charCodeAt(end);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) {
            this.fail(
              end,
              `unexpected '"' inside an unquoted field, expected a field without quotes or a field quoted as a whole (such as "a ""quoted"" word")`,
            );
          }
        }
        fields.push(text.slice(this.pos, end));
        this.pos = end;
      }
      if (this.pos >= len) return fields;
      if (text.charCodeAt(this.pos) === COMMA) {
        this.pos++;
        continue;
      }
      this.newline();
      return fields;
    }
  }

  /** Reads a quoted field starting at the current position (its opening quote). */
  private quoted(): string {
    const text = this.text;
    const len = text.length;
    const opened = this.position(this.pos);
    let pos = this.pos + 1;
    let chunk = pos;
    let value = '';
    for (;;) {
      if (pos >= len) {
        this.fail(
          len,
          `unexpected end of input inside the quoted field opened at ${opened.line}:${opened.column}, expected a closing '"'`,
        );
      }
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        if (text.charCodeAt(pos + 1) === QUOTE) {
          value += text.slice(chunk, pos + 1);
          pos += 2;
          chunk = pos;
          continue;
        }
        value += text.slice(chunk, pos);
        pos++;
        break;
      }
      if (c === LF || c === CR) {
        pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
        this.line++;
        this.lineStart = pos;
        continue;
      }
      pos++;
    }
    this.pos = pos;
    const after = text.charCodeAt(pos);
    if (pos < len && after !== COMMA && after !== LF && after !== CR) {
      this.fail(
        pos,
        `unexpected character ${JSON.stringify(text[pos])} after the closing quote of a field, expected ',' or the end of the line`,
      );
    }
    return value;
  }

  /** Consumes the line break at the current position. */
  private newline(): void {
    const c = this.text.charCodeAt(this.pos);
    this.pos += c === CR && this.text.charCodeAt(this.pos + 1) === LF ? 2 : 1;
    this.line++;
    this.lineStart = this.pos;
  }

  /** The position of an offset on the current line. */
  private position(offset: number): CsvPosition {
    return { line: this.line, column: offset - this.lineStart + 1 };
  }

  private fail(offset: number, message: string): never {
    const at = this.position(offset);
    throw new ValidationError([
      {
        code: 'invalid_value',
        path: '$',
        message: `line ${at.line}: ${message}`,
        source: this.source,
        line: at.line,
        column: at.column,
      },
    ]);
  }
}
