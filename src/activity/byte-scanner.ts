/**
 * The CloudTrail field scanner of `field-scanner.ts` over the decompressed bytes of a log file
 * (the `Buffer` that `gunzipSync` returns) instead of its decoded text: no latin1/UTF-8 string of
 * the whole file is made, and backslashes and control bytes are found in the same pass that skips
 * strings (four bytes at a time), so neither a separate control-character pass nor a backslash
 * search is needed. Hand-written for the same reason as `field-scanner.ts` (the reader's hot
 * path), with the same contract:
 *
 * - {@link ByteRecordScanner.scanFields} either fills {@link ByteRecordScanner.fields} (the
 *   offsets layout of `FIELD` in `field-scanner.ts`, byte offsets) with exactly what
 *   `projectRecord(JSON.parse(text))` gives, `text` being the record's bytes decoded as UTF-8 and
 *   each string field being its bytes decoded on their own, or returns false: then the caller
 *   parses the record with `JSON.parse`.
 * - It returns false for a backslash or a byte below 0x20 inside a string or key, a duplicate
 *   read field, a read field holding an unexpected kind of value, nesting deeper than 256, and
 *   any JSON syntax error anywhere in the record (the whole grammar is checked).
 *
 * Bytes 0x80 and above are accepted inside strings and nowhere else, as `JSON.parse` of the
 * UTF-8-decoded text does: a UTF-8 decoder never turns such a byte (valid or not) into a quote, a
 * backslash or a control character, and between two ASCII bytes (the quotes) it decodes a string's
 * bytes the same whether alone or within the whole text (an ASCII byte ends any unfinished
 * sequence). The reader uses this scanner on ASCII files only (see `cloudtrail-file.ts`), where
 * UTF-8 and latin1 decoding agree; the differential tests (`byte-scanner.test.ts`) check it on
 * multi-byte and invalid UTF-8 too.
 */
import { Buffer } from 'node:buffer';
import { ABSENT, FALSE, FIELD, FIELD_SLOTS, NULL, OBJECT, TRUE } from './field-scanner.js';

/**
 * Scans the records of one decompressed log file (any order of records).
 */
export class ByteRecordScanner {
  /** The fields of the record last accepted by {@link ByteRecordScanner.scanFields} (byte offsets). */
  readonly fields = new Int32Array(FIELD_SLOTS);
  private readonly bytes: Uint8Array;
  /** The bytes as 32-bit words, from the first 4-byte-aligned offset `lead`. */
  private readonly words: Int32Array;
  private readonly lead: number;

  /** A scanner over `bytes` (a whole decompressed file). */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    const lead = (4 - (bytes.byteOffset & 3)) & 3;
    this.lead = Math.min(lead, bytes.length);
    this.words = new Int32Array(
      bytes.buffer,
      bytes.byteOffset + this.lead,
      (bytes.length - this.lead) >> 2,
    );
  }

  /**
   * Reads the record at bytes `[start, end)` (which must start with `{` and end with `}`) into
   * {@link ByteRecordScanner.fields}: true when it was read, false when it must be parsed with
   * `JSON.parse` instead (see the module comment).
   */
  scanFields(start: number, end: number): boolean {
    W = this.words;
    LEAD = this.lead;
    WEND = LEAD + W.length * 4;
    return scanRecord(this.bytes, start, end, this.fields);
  }
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const UPPER_E = 0x45;
const LOWER_A = 0x61;
const LOWER_E = 0x65;
const LOWER_F = 0x66;
const LOWER_I = 0x69;
const LOWER_M = 0x6d;
const LOWER_N = 0x6e;
const LOWER_R = 0x72;
const LOWER_T = 0x74;
const LOWER_U = 0x75;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
/** Returned by the value scanners for a syntax error or an unusual value (fall back). */
const FAIL = -1;

/** 1 for the bytes that end a string's fast skip: a quote, a backslash, a control byte. */
const STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STOP[c] = 1;
STOP[QUOTE] = 1;
STOP[BACKSLASH] = 1;

/** The words of the scanner in use, the offset of its first word, and the end of its last. */
let W: Int32Array = new Int32Array(0);
let LEAD = 0;
let WEND = 0;

/**
 * The offset of the quote that closes the string whose content starts at `i`, or {@link FAIL}
 * when a backslash or a control byte comes first, or `end` does. Four bytes at a time, as 32-bit
 * words: `(x - 0x20202020) & ~x & 0x80808080` is non-zero iff a byte of `x` is below 0x20, and
 * `(y - 0x01010101) & ~y & 0x80808080` iff a byte of `y` is 0 (applied to `x` XOR the quote and
 * XOR the backslash); exact for whether such a byte exists (false flags only above a true one), so
 * the word holding the first one is then searched byte by byte.
 */
function closeQuote(b: Uint8Array, i: number, end: number): number {
  // Bytes up to a word boundary.
  while (((i - LEAD) & 3) !== 0 || i < LEAD) {
    if (i >= end) return FAIL;
    const c = b[i]!;
    if (STOP[c] !== 0) return c === QUOTE ? i : FAIL;
    i++;
  }
  const w = W;
  let k = (i - LEAD) >> 2;
  const kEnd = (Math.min(end, WEND) - LEAD) >> 2;
  for (; k < kEnd; k++) {
    const x = w[k]!;
    const q = x ^ 0x22222222;
    const s = x ^ 0x5c5c5c5c;
    const m = ((x - 0x20202020) & ~x) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s);
    if ((m & 0x80808080) !== 0) break;
  }
  i = LEAD + k * 4;
  while (i < end) {
    const c = b[i]!;
    if (STOP[c] !== 0) return c === QUOTE ? i : FAIL;
    i++;
  }
  return FAIL;
}

/**
 * Reads the string or `null` at `i` into `f[slot]` (and `f[slot + 1]`); the offset after it, or
 * {@link FAIL} for another kind of value.
 */
function stringOrNull(b: Uint8Array, i: number, end: number, f: Int32Array, slot: number): number {
  if (b[i] === QUOTE) {
    const close = closeQuote(b, i + 1, end);
    if (close < 0) return FAIL;
    f[slot] = i + 1;
    f[slot + 1] = close;
    return close + 1;
  }
  if (isNull(b, i, end)) {
    f[slot] = NULL;
    return i + 4;
  }
  return FAIL;
}

function holds(b: Uint8Array, i: number, word: string): boolean {
  const n = word.length;
  for (let k = 0; k < n; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

function isNull(b: Uint8Array, i: number, end: number): boolean {
  return i + 4 <= end && holds(b, i, 'null');
}

function ws(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
  return i;
}

const F_TIME = 1;
const F_SOURCE = 2;
const F_NAME = 4;
const F_CATEGORY = 8;
const F_MANAGEMENT = 16;
const F_REGION = 32;
const F_ACCOUNT = 64;
const F_IDENTITY = 128;

function topField(b: Uint8Array, at: number, length: number): number {
  switch (length) {
    case 9: {
      const c = b[at]!;
      if (c === LOWER_E) {
        const d = b[at + 6]!;
        if (d === LOWER_I) return holds(b, at, 'eventTime') ? F_TIME : 0;
        if (d === LOWER_A) return holds(b, at, 'eventName') ? F_NAME : 0;
        return 0;
      }
      return c === LOWER_A && holds(b, at, 'awsRegion') ? F_REGION : 0;
    }
    case 11:
      return b[at] === LOWER_E && holds(b, at, 'eventSource') ? F_SOURCE : 0;
    case 12:
      return b[at] === LOWER_U && holds(b, at, 'userIdentity') ? F_IDENTITY : 0;
    case 13:
      return b[at] === LOWER_E && holds(b, at, 'eventCategory') ? F_CATEGORY : 0;
    case 15:
      return b[at] === LOWER_M && holds(b, at, 'managementEvent') ? F_MANAGEMENT : 0;
    case 18:
      return b[at] === LOWER_R && holds(b, at, 'recipientAccountId') ? F_ACCOUNT : 0;
    default:
      return 0;
  }
}

function scanRecord(b: Uint8Array, start: number, end: number, f: Int32Array): boolean {
  f.fill(ABSENT);
  let seen = 0;
  let i = start;
  if (b[i] !== OPEN_BRACE) return false;
  i = ws(b, i + 1, end);
  if (b[i] === CLOSE_BRACE) return i + 1 === end;
  for (;;) {
    if (b[i] !== QUOTE) return false;
    const keyStart = i + 1;
    const keyEnd = closeQuote(b, keyStart, end);
    if (keyEnd < 0) return false;
    i = ws(b, keyEnd + 1, end);
    if (b[i] !== COLON) return false;
    i = ws(b, i + 1, end);
    const field = topField(b, keyStart, keyEnd - keyStart);
    if (field === 0) {
      i = skipValue(b, i, end);
    } else {
      if ((seen & field) !== 0) return false;
      seen |= field;
      if (field === F_IDENTITY) {
        const c = b[i]!;
        if (c === OPEN_BRACE) {
          f[FIELD.identity] = OBJECT;
          i = scanObject(b, i, end, f, 0);
        } else if (isNull(b, i, end)) {
          f[FIELD.identity] = NULL;
          i += 4;
        } else return false;
      } else if (field === F_MANAGEMENT) {
        const c = b[i]!;
        if (c === LOWER_T && i + 4 <= end && holds(b, i, 'true')) {
          f[FIELD.managementEvent] = TRUE;
          i += 4;
        } else if (c === LOWER_F && i + 5 <= end && holds(b, i, 'false')) {
          f[FIELD.managementEvent] = FALSE;
          i += 5;
        } else if (isNull(b, i, end)) {
          f[FIELD.managementEvent] = NULL;
          i += 4;
        } else return false;
      } else {
        const slot =
          field === F_TIME
            ? FIELD.eventTime
            : field === F_SOURCE
              ? FIELD.eventSource
              : field === F_NAME
                ? FIELD.eventName
                : field === F_CATEGORY
                  ? FIELD.eventCategory
                  : field === F_REGION
                    ? FIELD.awsRegion
                    : FIELD.recipientAccountId;
        i = stringOrNull(b, i, end, f, slot);
      }
    }
    if (i < 0 || i > end) return false;
    i = ws(b, i, end);
    const c = b[i]!;
    if (c === COMMA) {
      i = ws(b, i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE && i + 1 === end;
  }
}

/**
 * userIdentity (level 0: type, arn, accessKeyId, sessionContext), sessionContext (level 1:
 * sessionIssuer), sessionIssuer (level 2: arn). One function for the three (prototype).
 */
function scanObject(b: Uint8Array, i: number, end: number, f: Int32Array, level: number): number {
  let seen = 0;
  i = ws(b, i + 1, end);
  if (b[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return FAIL;
    const keyStart = i + 1;
    const keyEnd = closeQuote(b, keyStart, end);
    if (keyEnd < 0) return FAIL;
    i = ws(b, keyEnd + 1, end);
    if (b[i] !== COLON) return FAIL;
    i = ws(b, i + 1, end);
    const length = keyEnd - keyStart;
    let field;
    if (level === 0) {
      field =
        length === 4 && holds(b, keyStart, 'type')
          ? 1
          : length === 3 && holds(b, keyStart, 'arn')
            ? 2
            : length === 11 && holds(b, keyStart, 'accessKeyId')
              ? 4
              : length === 14 && holds(b, keyStart, 'sessionContext')
                ? 8
                : 0;
    } else if (level === 1) {
      field = length === 13 && holds(b, keyStart, 'sessionIssuer') ? 8 : 0;
    } else {
      field = length === 3 && holds(b, keyStart, 'arn') ? 2 : 0;
    }
    if (field === 0) {
      i = skipValue(b, i, end);
    } else {
      if ((seen & field) !== 0) return FAIL;
      seen |= field;
      if (field === 8) {
        const stateSlot = level === 0 ? FIELD.context : FIELD.issuer;
        if (b[i] === OPEN_BRACE) {
          f[stateSlot] = OBJECT;
          i = scanObject(b, i, end, f, level + 1);
        } else if (isNull(b, i, end)) {
          f[stateSlot] = NULL;
          i += 4;
        } else return FAIL;
      } else {
        const slot =
          level === 2
            ? FIELD.issuerArn
            : field === 1
              ? FIELD.type
              : field === 2
                ? FIELD.arn
                : FIELD.accessKeyId;
        i = stringOrNull(b, i, end, f, slot);
      }
    }
    if (i < 0) return FAIL;
    i = ws(b, i, end);
    const c = b[i]!;
    if (c === COMMA) {
      i = ws(b, i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE ? i + 1 : FAIL;
  }
}

const STACK = new Uint8Array(256);

function skipValue(b: Uint8Array, i: number, end: number): number {
  if (i >= end) return FAIL;
  if (b[i] === QUOTE) {
    const close = closeQuote(b, i + 1, end);
    return close < 0 ? FAIL : close + 1;
  }
  let depth = 0;
  for (;;) {
    if (i >= end) return FAIL;
    const c = b[i]!;
    if (c === QUOTE) {
      const close = closeQuote(b, i + 1, end);
      if (close < 0) return FAIL;
      i = close + 1;
    } else if (c === OPEN_BRACE) {
      i = ws(b, i + 1, end);
      if (b[i] === CLOSE_BRACE) {
        i++;
      } else {
        if (depth === STACK.length) return FAIL;
        STACK[depth++] = 1;
        i = key(b, i, end);
        if (i < 0) return FAIL;
        continue;
      }
    } else if (c === OPEN_BRACKET) {
      i = ws(b, i + 1, end);
      if (b[i] === CLOSE_BRACKET) {
        i++;
      } else {
        if (depth === STACK.length) return FAIL;
        STACK[depth++] = 0;
        continue;
      }
    } else if (c === LOWER_T) {
      if (!(i + 4 <= end && holds(b, i, 'true'))) return FAIL;
      i += 4;
    } else if (c === LOWER_F) {
      if (!(i + 5 <= end && holds(b, i, 'false'))) return FAIL;
      i += 5;
    } else if (c === LOWER_N) {
      if (!isNull(b, i, end)) return FAIL;
      i += 4;
    } else {
      i = number(b, i, end);
      if (i < 0) return FAIL;
    }
    for (;;) {
      if (depth === 0) return i;
      i = ws(b, i, end);
      const d = b[i]!;
      const inObject = STACK[depth - 1] === 1;
      if (d === COMMA) {
        i = ws(b, i + 1, end);
        if (inObject) {
          i = key(b, i, end);
          if (i < 0) return FAIL;
        }
        break;
      }
      if (d === (inObject ? CLOSE_BRACE : CLOSE_BRACKET) && i < end) {
        depth--;
        i++;
        continue;
      }
      return FAIL;
    }
  }
}

function key(b: Uint8Array, i: number, end: number): number {
  if (b[i] !== QUOTE) return FAIL;
  const close = closeQuote(b, i + 1, end);
  if (close < 0) return FAIL;
  i = ws(b, close + 1, end);
  if (b[i] !== COLON) return FAIL;
  return ws(b, i + 1, end);
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function number(b: Uint8Array, i: number, end: number): number {
  if (b[i] === MINUS) i++;
  let c = b[i]!;
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    do i++;
    while (i < end && isDigit(b[i]!));
  } else return FAIL;
  if (i < end && b[i] === DOT) {
    i++;
    if (!(i < end && isDigit(b[i]!))) return FAIL;
    do i++;
    while (i < end && isDigit(b[i]!));
  }
  c = b[i]!;
  if (i < end && (c === LOWER_E || c === UPPER_E)) {
    i++;
    c = b[i]!;
    if (c === PLUS || c === MINUS) i++;
    if (!(i < end && isDigit(b[i]!))) return FAIL;
    do i++;
    while (i < end && isDigit(b[i]!));
  }
  return i;
}

/** How CloudTrail's own files start (with their first record), and how each record starts. */
const COMPACT_HEAD = Buffer.from('{"Records":[{"eventVersion"', 'latin1');
const COMPACT_SEPARATOR = Buffer.from('},{"eventVersion"', 'latin1');
/** Where the first record starts: after `{"Records":[`. */
const FIRST_RECORD = 12;

/**
 * The records of a decompressed log file in CloudTrail's own compact layout, as
 * `[start0, end0, start1, end1, ...]` byte offsets; `undefined` for any other layout. The same
 * split, with the same soundness argument, as `splitRecords` of `split-records.ts` (its compact
 * case) on the bytes: each record ends just before the next `},{"eventVersion"`.
 */
export function splitCompactBytes(bytes: Buffer): number[] | undefined {
  if (
    bytes.length < COMPACT_HEAD.length ||
    bytes.compare(COMPACT_HEAD, 0, COMPACT_HEAD.length, 0, COMPACT_HEAD.length) !== 0
  ) {
    return undefined;
  }
  // The bytes must end with `}]}` and optional whitespace.
  let end = bytes.length;
  for (;;) {
    const c = bytes[end - 1];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    end--;
  }
  if (
    bytes[end - 1] !== CLOSE_BRACE ||
    bytes[end - 2] !== CLOSE_BRACKET ||
    bytes[end - 3] !== CLOSE_BRACE
  ) {
    return undefined;
  }
  const last = end - 2; // just after the last record's `}`
  const bounds: number[] = [];
  let i = FIRST_RECORD;
  for (;;) {
    const next = bytes.indexOf(COMPACT_SEPARATOR, i);
    if (next < 0 || next + 1 >= last) {
      bounds.push(i, last);
      return bounds;
    }
    bounds.push(i, next + 1);
    i = next + 2;
  }
}
