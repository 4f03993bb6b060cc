/**
 * A strict RFC 8259 JSON parser that remembers where every value is.
 *
 * Hand-written recursive descent (no `JSON.parse`), so that every problem is reported as an
 * {@link Issue} with a line, a column and what was expected, duplicate keys are rejected instead of
 * silently keeping the last one, and later validation can point at the exact line of any value
 * through {@link ParsedJson.locate}.
 *
 * Objects are plain objects whose members are created with `Object.defineProperty`, so key order
 * is kept (as far as JavaScript allows: integer-like keys such as `"1"` are always enumerated
 * first, exactly as with `JSON.parse`) and a `"__proto__"` key is an ordinary own property that
 * cannot change any prototype. Numbers are converted with `Number()`.
 *
 * Lines and columns are 1-based; columns count UTF-16 code units (as editors such as VS Code do).
 * A leading UTF-8 byte order mark is skipped and does not count as a column. `\n`, `\r\n` and a
 * lone `\r` each end a line.
 */
import { ValidationError, type Issue } from '../errors.js';

/**
 * A copy of `s` that does not keep the parsed text alive. V8 represents a slice of 13 or more
 * characters (and a concatenation) as a view of its parts, so one kept string value would keep
 * the whole text: an organisation's authorization details (137 MiB for 50,000 principals) stayed
 * in memory for the whole scan through the inventory's names, ARNs and policy documents. Slicing
 * a concatenation flattens it into a new string first, so only the copy is kept.
 */
function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** A path into a JSON value: object keys (strings) and array indexes (numbers). */
export type JsonPath = readonly (string | number)[];

/** A 1-based position in the JSON text. */
export interface JsonLocation {
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units. */
  column: number;
}

/** A parsed JSON text and the position of each of its values. */
export interface ParsedJson {
  /** The parsed value. */
  readonly value: unknown;
  /**
   * Where the value at `path` starts (its first character: `{`, `[`, `"`, a digit, `-`, `t`, `f`
   * or `n`); `undefined` when no value has that path.
   */
  locate(path: JsonPath): JsonLocation | undefined;
}

/** Nesting deeper than this is rejected (`invalid_json`) rather than overflowing the stack. */
export const MAX_JSON_DEPTH = 1000;

const BOM = 0xfeff;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** The characters a backslash escape may name, and what they stand for. */
const SIMPLE_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x22, '"'],
  [0x5c, '\\'],
  [0x2f, '/'],
  [0x62, '\b'],
  [0x66, '\f'],
  [0x6e, '\n'],
  [0x72, '\r'],
  [0x74, '\t'],
]);

/**
 * Parses `text` as one strict JSON value.
 *
 * @param text - The JSON text; a leading UTF-8 byte order mark is accepted.
 * @param source - File name (or `<stdin>`) put on the issue when the text is rejected.
 * @throws {@link ValidationError} with exactly one issue: `empty_input` (nothing but whitespace),
 *   `invalid_json` (syntax error; line, column and what was expected) or `duplicate_key` (path of
 *   the object, position of the second occurrence, message naming the first).
 */
export function parseJson(text: string, source?: string): ParsedJson {
  const parser = new Parser(text, source);
  const value = parser.parseDocument();
  const root = parser.rootLoc;
  return {
    value,
    locate(path: JsonPath): JsonLocation | undefined {
      let loc: Loc | undefined = root;
      let isKey = false;
      for (const segment of path) {
        if (typeof loc === 'number') return undefined;
        if (loc instanceof ArrayLoc) {
          if (typeof segment !== 'number') return undefined;
          loc = loc.items[segment];
          isKey = false;
        } else {
          if (typeof segment !== 'string') return undefined;
          loc = loc.members.get(segment);
          isKey = true;
        }
        if (loc === undefined) return undefined;
      }
      if (typeof loc !== 'number') return parser.position(loc.at);
      return parser.position(isKey ? parser.valueAfterKey(loc) : loc);
    },
  };
}

/**
 * Formats a path the way issues show it: `$`, `$.Statement[1].Action[2]`, `$["weird key"]` (keys
 * that are not identifiers are written as JSON strings in brackets).
 */
export function formatPath(path: JsonPath): string {
  let out = '$';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Describes a JSON value for a message, e.g. `"allow"`, `42`, `true`, `null`, `an array`,
 * `an object`. Long strings are shortened.
 */
export function describeJsonValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

/*
 * Where values are. Rather than one map from a path string to an offset (hashing a long path string
 * per value costs more than parsing the value), the parser builds a tree that mirrors the value:
 * one node per object or array, plain numbers for scalars. An object's member map doubles as its
 * duplicate-key detector, so it costs nothing extra.
 */

/** The location record of a value: a container node, or the offset of a scalar. */
type Loc = number | ObjectLoc | ArrayLoc;

/** Where an object and its members are. */
class ObjectLoc {
  /**
   * Member name → the member's container node, or, for a scalar member, the offset of its key
   * (the value's offset is found from it on demand, see {@link Parser.valueAfterKey}).
   */
  readonly members = new Map<string, Loc>();
  /**
   * @param at - Offset of the `{`.
   * @param keyAt - Offset of the key naming this object in its parent object, or -1.
   */
  constructor(
    readonly at: number,
    readonly keyAt: number,
  ) {}
}

/** Where an array and its elements are. */
class ArrayLoc {
  /** Each element's container node, or the offset of a scalar element. */
  readonly items: Loc[] = [];
  /**
   * @param at - Offset of the `[`.
   * @param keyAt - Offset of the key naming this array in its parent object, or -1.
   */
  constructor(
    readonly at: number,
    readonly keyAt: number,
  ) {}
}

/** One recursive-descent pass over a text. */
class Parser {
  /** Location of the root value (set by {@link parseDocument}). */
  rootLoc: Loc = 0;
  /** Location node of the last container parsed, or `undefined` when the last value was a scalar. */
  private lastLoc: ObjectLoc | ArrayLoc | undefined;
  private pos: number;
  private readonly start: number;
  private readonly len: number;
  /** The path of the value being parsed, for issue paths. */
  private readonly path: (string | number)[] = [];
  /** Offsets of the currently open `{` / `[`, innermost last. */
  private readonly open: number[] = [];
  private lineStarts: number[] | undefined;

  constructor(
    private readonly text: string,
    private readonly source: string | undefined,
  ) {
    this.start = text.charCodeAt(0) === BOM ? 1 : 0;
    this.pos = this.start;
    this.len = text.length;
  }

  /** Parses the whole text: one value, surrounded by optional whitespace. */
  parseDocument(): unknown {
    this.skipWhitespace();
    if (this.pos >= this.len) {
      throw new ValidationError([
        this.issue({
          code: 'empty_input',
          path: '$',
          message: 'the input is empty, expected a JSON value',
        }),
      ]);
    }
    const at = this.pos;
    const value = this.parseValue(-1);
    this.rootLoc = this.lastLoc ?? at;
    this.skipWhitespace();
    if (this.pos < this.len) {
      this.fail(
        `unexpected character ${this.show(this.pos)} after the end of the JSON value, expected the end of the input`,
      );
    }
    return value;
  }

  /** 1-based line and column of an offset. */
  position(offset: number): JsonLocation {
    const starts = (this.lineStarts ??= this.computeLineStarts());
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  private computeLineStarts(): number[] {
    const text = this.text;
    const starts = [this.start];
    for (let i = this.start; i < this.len; i++) {
      const c = text.charCodeAt(i);
      if (c === LF) starts.push(i + 1);
      else if (c === CR && text.charCodeAt(i + 1) !== LF) starts.push(i + 1);
    }
    return starts;
  }

  /** The offset of the value of the object member whose key starts at `keyAt`. */
  valueAfterKey(keyAt: number): number {
    const text = this.text;
    let pos = keyAt + 1;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === QUOTE) break;
      pos += c === BACKSLASH ? 2 : 1;
    }
    pos = skipWhitespace(text, pos + 1) + 1; // the colon
    return skipWhitespace(text, pos);
  }

  /**
   * Parses the value at the current position; {@link lastLoc} is then its node (containers) or
   * `undefined` (scalars, whose offset the caller already knows).
   *
   * @param keyAt - Offset of the key naming the value in its parent object, or -1.
   */
  private parseValue(keyAt: number): unknown {
    const pos = this.pos;
    const c = this.text.charCodeAt(pos);
    this.lastLoc = undefined;
    switch (c) {
      case OPEN_BRACE:
        return this.parseObject(keyAt);
      case OPEN_BRACKET:
        return this.parseArray(keyAt);
      case QUOTE:
        return this.parseString();
      case 0x74: // t
        return this.parseLiteral('true', true);
      case 0x66: // f
        return this.parseLiteral('false', false);
      case 0x6e: // n
        return this.parseLiteral('null', null);
      default:
        if (c === MINUS || (c >= ZERO && c <= NINE)) return this.parseNumber();
        if (pos >= this.len) this.truncated('a value');
        return this.fail(`unexpected character ${this.show(pos)}, expected a value`);
    }
  }

  private parseObject(keyAt: number): Record<string, unknown> {
    const text = this.text;
    this.enter();
    const obj: Record<string, unknown> = {};
    const loc = new ObjectLoc(this.pos, keyAt);
    this.pos++;
    this.skipWhitespace();
    if (text.charCodeAt(this.pos) === CLOSE_BRACE) {
      this.pos++;
      this.open.pop();
      this.lastLoc = loc;
      return obj;
    }
    let first = true;
    for (;;) {
      const nameAt = this.pos;
      if (text.charCodeAt(nameAt) !== QUOTE) {
        if (nameAt >= this.len) this.truncated();
        const c = text.charCodeAt(nameAt);
        this.fail(
          first
            ? `unexpected character ${this.show(nameAt)}, expected a string key or '}'`
            : c === CLOSE_BRACE
              ? `unexpected character '}', expected a string key after ',' (trailing commas are not allowed)`
              : `unexpected character ${this.show(nameAt)}, expected a string key`,
        );
      }
      const name = this.parseString();
      const previous = loc.members.get(name);
      if (previous !== undefined) {
        const was = this.position(typeof previous === 'number' ? previous : previous.keyAt);
        const at = this.position(nameAt);
        throw new ValidationError([
          this.issue({
            code: 'duplicate_key',
            path: formatPath(this.path),
            message: `duplicate key ${JSON.stringify(name)}: it is already defined at ${was.line}:${was.column} (every key of an object must be unique)`,
            line: at.line,
            column: at.column,
          }),
        ]);
      }
      this.skipWhitespace();
      if (text.charCodeAt(this.pos) !== COLON) {
        if (this.pos >= this.len) this.truncated();
        this.fail(
          `unexpected character ${this.show(this.pos)}, expected ':' after the key ${JSON.stringify(name)}`,
        );
      }
      this.pos++;
      this.skipWhitespace();
      this.path.push(name);
      const value = this.parseValue(nameAt);
      this.path.pop();
      loc.members.set(name, this.lastLoc ?? nameAt);
      Object.defineProperty(obj, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWhitespace();
      const c = text.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        this.skipWhitespace();
        first = false;
        continue;
      }
      if (c === CLOSE_BRACE) {
        this.pos++;
        this.open.pop();
        this.lastLoc = loc;
        return obj;
      }
      if (this.pos >= this.len) this.truncated();
      this.fail(
        `unexpected character ${this.show(this.pos)}, expected ',' or '}' after the value of ${JSON.stringify(name)}`,
      );
    }
  }

  private parseArray(keyAt: number): unknown[] {
    const text = this.text;
    this.enter();
    const arr: unknown[] = [];
    const loc = new ArrayLoc(this.pos, keyAt);
    const items = loc.items;
    this.pos++;
    this.skipWhitespace();
    if (text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
      this.open.pop();
      this.lastLoc = loc;
      return arr;
    }
    for (let index = 0; ; index++) {
      if (index > 0 && text.charCodeAt(this.pos) === CLOSE_BRACKET) {
        this.fail(
          `unexpected character ']', expected a value after ',' (trailing commas are not allowed)`,
        );
      }
      const at = this.pos;
      this.path.push(index);
      arr.push(this.parseValue(-1));
      this.path.pop();
      items.push(this.lastLoc ?? at);
      this.skipWhitespace();
      const c = text.charCodeAt(this.pos);
      if (c === COMMA) {
        this.pos++;
        this.skipWhitespace();
        continue;
      }
      if (c === CLOSE_BRACKET) {
        this.pos++;
        this.open.pop();
        this.lastLoc = loc;
        return arr;
      }
      if (this.pos >= this.len) this.truncated();
      this.fail(
        `unexpected character ${this.show(this.pos)}, expected ',' or ']' after an array element`,
      );
    }
  }

  /** Records an opening `{`/`[` at the current position, enforcing {@link MAX_JSON_DEPTH}. */
  private enter(): void {
    if (this.open.length >= MAX_JSON_DEPTH) {
      this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels is not supported`);
    }
    this.open.push(this.pos);
  }

  private parseString(): string {
    const text = this.text;
    const opened = this.pos;
    let pos = opened + 1;
    let chunkStart = pos;
    let out = '';
    for (;;) {
      if (pos >= this.len) {
        this.pos = pos;
        const at = this.position(opened);
        this.truncated(`'"' to close the string opened at ${at.line}:${at.column}`, true);
      }
      const c = text.charCodeAt(pos);
      if (c === QUOTE) {
        this.pos = pos + 1;
        return detach(out + text.slice(chunkStart, pos));
      }
      if (c === BACKSLASH) {
        out += text.slice(chunkStart, pos);
        pos = this.parseEscape(pos);
        out += this.escaped;
        chunkStart = pos;
        continue;
      }
      if (c < SPACE) {
        this.pos = pos;
        this.fail(
          `invalid character ${this.show(pos)} in a string (control characters must be escaped, e.g. \\n)`,
        );
      }
      pos++;
    }
  }

  /** The text of the escape decoded by the last {@link parseEscape} call. */
  private escaped = '';

  /** Decodes the escape at `pos` (a backslash) into {@link escaped}; returns the offset after it. */
  private parseEscape(pos: number): number {
    const text = this.text;
    if (pos + 1 >= this.len) {
      this.pos = this.len;
      this.truncated('an escape sequence after \\', true);
    }
    const e = text.charCodeAt(pos + 1);
    const simple = SIMPLE_ESCAPES.get(e);
    if (simple !== undefined) {
      this.escaped = simple;
      return pos + 2;
    }
    if (e !== 0x75) {
      this.pos = pos;
      this.fail(
        `invalid escape '\\${text[pos + 1]}' in a string (expected one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`,
      );
    }
    let code = 0;
    for (let i = pos + 2; i < pos + 6; i++) {
      if (i >= this.len) {
        this.pos = this.len;
        this.truncated('4 hexadecimal digits after \\u', true);
      }
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) {
        this.pos = i;
        this.fail(
          `unexpected character ${this.show(i)} in a \\u escape, expected 4 hexadecimal digits`,
        );
      }
      code = code * 16 + h;
    }
    this.escaped = String.fromCharCode(code);
    return pos + 6;
  }

  private parseNumber(): number {
    const text = this.text;
    const start = this.pos;
    let pos = start;
    if (text.charCodeAt(pos) === MINUS) pos++;
    const c = text.charCodeAt(pos);
    if (c === ZERO) {
      pos++;
      if (isDigit(text.charCodeAt(pos))) {
        this.pos = pos;
        this.fail('invalid number: leading zeros are not allowed');
      }
    } else if (isDigit(c)) {
      pos = this.skipDigits(pos);
    } else {
      this.expectDigit(pos, "after '-'");
    }
    if (text.charCodeAt(pos) === DOT) {
      pos++;
      this.expectDigit(pos, 'after the decimal point');
      pos = this.skipDigits(pos);
    }
    const e = text.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      pos++;
      const sign = text.charCodeAt(pos);
      if (sign === 0x2b || sign === MINUS) pos++;
      this.expectDigit(pos, 'in the exponent');
      pos = this.skipDigits(pos);
    }
    this.pos = pos;
    return Number(text.slice(start, pos));
  }

  private skipDigits(pos: number): number {
    while (isDigit(this.text.charCodeAt(pos))) pos++;
    return pos;
  }

  private expectDigit(pos: number, where: string): void {
    if (isDigit(this.text.charCodeAt(pos))) return;
    this.pos = pos;
    if (pos >= this.len) this.truncated(`a digit ${where}`);
    this.fail(`unexpected character ${this.show(pos)} in a number, expected a digit ${where}`);
  }

  private parseLiteral<T>(word: string, value: T): T {
    const text = this.text;
    const start = this.pos;
    for (let i = 1; i < word.length; i++) {
      const pos = start + i;
      if (pos >= this.len) {
        this.pos = pos;
        this.truncated(`'${word}'`);
      }
      const c = text.charCodeAt(pos);
      if (c !== word.charCodeAt(i)) {
        if (isLetter(c)) {
          // A different word, such as `not` or `nil`: show the whole word.
          let end = pos;
          while (end < this.len && isLetter(text.charCodeAt(end)) && end - start < 40) end++;
          this.pos = start;
          this.fail(`unexpected word '${text.slice(start, end)}', expected a value`);
        }
        this.pos = pos;
        this.fail(`unexpected character ${this.show(pos)}, expected '${word}'`);
      }
    }
    this.pos += word.length;
    return value;
  }

  private skipWhitespace(): void {
    this.pos = skipWhitespace(this.text, this.pos);
  }

  /**
   * Throws the truncation issue at the end of the input. What was expected is `expected` when
   * `innermost` (an unterminated string or escape) or when no object or array is open; otherwise it
   * is the closing bracket of the innermost open object or array.
   */
  private truncated(expected?: string, innermost = false): never {
    const opened = this.open[this.open.length - 1];
    let what = expected ?? 'more input';
    if (!innermost && opened !== undefined) {
      const at = this.position(opened);
      const isObject = this.text.charCodeAt(opened) === OPEN_BRACE;
      what = `${isObject ? "'}' to close the object" : "']' to close the array"} opened at ${at.line}:${at.column}`;
    }
    this.pos = this.len;
    return this.fail(`unexpected end of input: the JSON is truncated (expected ${what})`);
  }

  /** Throws an `invalid_json` issue at the current position. */
  private fail(message: string): never {
    const at = this.position(this.pos);
    throw new ValidationError([
      this.issue({
        code: 'invalid_json',
        path: formatPath(this.path),
        message,
        line: at.line,
        column: at.column,
      }),
    ]);
  }

  private issue(issue: Issue): Issue {
    return this.source === undefined ? issue : { ...issue, source: this.source };
  }

  /** Shows the character at `pos` for a message: `'x'`, or `U+000A` when not printable. */
  private show(pos: number): string {
    const cp = this.text.codePointAt(pos) ?? 0;
    const printable = cp > SPACE && cp !== 0x7f && !(cp >= 0x80 && cp <= 0xa0) && !isInvisible(cp);
    return printable
      ? `'${String.fromCodePoint(cp)}'`
      : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
}

/** The offset of the first non-whitespace character at or after `pos`. */
function skipWhitespace(text: string, pos: number): number {
  for (;;) {
    const c = text.charCodeAt(pos);
    if (c === SPACE || c === LF || c === CR || c === TAB) pos++;
    else return pos;
  }
}

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Lone surrogates and characters that print as blank or nothing (spaces, joiners, BOM). */
function isInvisible(cp: number): boolean {
  return (
    (cp >= 0xd800 && cp <= 0xdfff) ||
    (cp >= 0x2000 && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202f) ||
    cp === 0xad ||
    cp === 0x3000 ||
    cp === 0xfeff
  );
}

function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}
