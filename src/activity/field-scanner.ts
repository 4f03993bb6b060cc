/**
 * A validated field scanner for CloudTrail records: reads, from the raw text of one record
 * (`{"eventVersion":...}`), exactly the fields `cloudtrail-file.ts` attributes a record with,
 * without building the record's objects. Hand-written because it is the hot path of the
 * CloudTrail reader: about half of the time went into `JSON.parse` building whole records (~1.2 KB,
 * dozens of objects and strings) of which the reader needs a handful of fields.
 *
 * `JSON.parse` stays the reference and the fallback. The scanner either returns exactly what
 * {@link projectRecord} returns for `JSON.parse` of the same text, or `undefined`, and then the
 * caller parses the record with `JSON.parse`. It returns `undefined` for anything unusual:
 *
 * - a backslash anywhere in the record (escapes: `\"`, `\u0041`, ... in any string, key or value),
 *   or any character below U+0020 (JSON forbids them inside strings, and tab, line feed and
 *   carriage return are whitespace only between tokens: CloudTrail writes none; spaces between
 *   tokens are scanned);
 * - a field it reads appearing twice in its object (`JSON.parse` keeps the last);
 * - a field it reads holding an unexpected kind of value (a number where a string is expected,
 *   an array where an object is, ...);
 * - any JSON syntax error anywhere in the record, also in the values it does not read: it checks
 *   the whole grammar (structure, commas and colons, literals, numbers), skipping the content of
 *   strings with `indexOf` (a string without backslashes or control characters is always valid).
 *
 * So a record the scanner accepts is valid JSON, and the fields it returns are those of
 * `JSON.parse`; differential tests (`field-scanner.test.ts`) check both on real-shaped and
 * adversarial records. It never allocates more than the returned fields (the strings are slices
 * of the text: see `detachString` in `raw-activity.ts` for keeping them).
 */

/** The identity fields of a record the reader uses (`userIdentity`). */
export interface ScannedIdentity {
  type: string | null | undefined;
  arn: string | null | undefined;
  accessKeyId: string | null | undefined;
  sessionContext:
    { sessionIssuer: { arn: string | null | undefined } | null | undefined } | null | undefined;
}

/**
 * The fields of a CloudTrail record the reader uses: the projection of the parsed record onto
 * these paths (`undefined` where absent). Strings, `null`, and `true`/`false` for
 * `managementEvent`; objects for `userIdentity`, `sessionContext` and `sessionIssuer`.
 */
export interface ScannedRecord {
  eventTime: string | null | undefined;
  eventSource: string | null | undefined;
  eventName: string | null | undefined;
  eventCategory: string | null | undefined;
  managementEvent: boolean | null | undefined;
  awsRegion: string | null | undefined;
  recipientAccountId: string | null | undefined;
  userIdentity: ScannedIdentity | null | undefined;
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
const CLOSE_BRACKET = 0x5d;
const LOWER_A = 0x61;
const LOWER_E = 0x65;
const LOWER_I = 0x69;
const LOWER_M = 0x6d;
const LOWER_R = 0x72;
const LOWER_U = 0x75;
const UPPER_E = 0x45;
const LOWER_F = 0x66;
const LOWER_N = 0x6e;
const LOWER_T = 0x74;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Returned by the value scanners for a syntax error or an unusual value (fall back). */
const FAIL = -1;

/** Characters that send a record to `JSON.parse`: a backslash or a control character. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNUSUAL = /[\\\u0000-\u001f]/g;

/**
 * Whether `bytes` hold a byte below 0x20 (a control character: JSON allows tab, line feed and
 * carriage return only between tokens, and none inside strings). Four bytes at a time (the
 * "has a byte less than n" bit trick on 32-bit words): about 2.5 times as fast as a regular
 * expression over the decoded text (measured: 3.6 GB/s against 1.4 GB/s), and it lets the
 * scanner look only for backslashes, with `indexOf`. In UTF-8, bytes below 0x80 are never part of
 * a multi-byte character, so this holds for the decoded text too.
 */
export function hasControlBytes(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = 0;
  // Up to the first 4-byte boundary, one byte at a time.
  while (i < n && (bytes.byteOffset + i) % 4 !== 0) {
    if (bytes[i]! < 0x20) return true;
    i++;
  }
  const words = (n - i) >> 2;
  if (words > 0) {
    const u = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      const x = u[w]!;
      // Non-zero high bit in a byte iff some byte of x is below 0x20 (exact for existence).
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) return true;
    }
    i += words * 4;
  }
  for (; i < n; i++) if (bytes[i]! < 0x20) return true;
  return false;
}

/**
 * Where the scanner puts a record's fields ({@link RecordScanner.fields}): for each read string
 * field, its `[start, end)` offsets in the text (the content between the quotes), or `start`
 * {@link ABSENT} / {@link NULL}; for `managementEvent` and the three objects, a state.
 */
export const FIELD = Object.freeze({
  eventTime: 0,
  eventSource: 2,
  eventName: 4,
  eventCategory: 6,
  awsRegion: 8,
  recipientAccountId: 10,
  type: 12,
  arn: 14,
  accessKeyId: 16,
  issuerArn: 18,
  /** {@link ABSENT}, {@link NULL}, {@link TRUE} or {@link FALSE}. */
  managementEvent: 20,
  /** {@link ABSENT}, {@link NULL} or {@link OBJECT}: `userIdentity`. */
  identity: 21,
  /** The same for `userIdentity.sessionContext`. */
  context: 22,
  /** The same for `userIdentity.sessionContext.sessionIssuer`. */
  issuer: 23,
});

/** Slots of {@link RecordScanner.fields}. */
export const FIELD_SLOTS = 24;
/** A field that is not in its object. */
export const ABSENT = -1;
/** A field whose value is `null`. */
export const NULL = -2;
/** `managementEvent: true`. */
export const TRUE = -3;
/** `managementEvent: false`. */
export const FALSE = -4;
/** An object (`userIdentity`, `sessionContext`, `sessionIssuer`). */
export const OBJECT = -5;

/**
 * Scans the records of one text (a log file's). Records must be scanned in increasing order of
 * position: the scanner remembers where the next backslash or control character is, so the
 * whole text is searched for them once.
 */
export class RecordScanner {
  /**
   * The fields of the record last accepted by {@link RecordScanner.scanFields}, as offsets (see
   * {@link FIELD}): what the reader groups on, without allocating anything per record.
   */
  readonly fields = new Int32Array(FIELD_SLOTS);
  private readonly text: string;
  private readonly controlFree: boolean;
  /** Offset of the next backslash or control character at or after `searchedFrom`, or Infinity. */
  private nextUnusual = -1;
  private searchedFrom = 0;

  /**
   * A scanner over `text`. `controlFree`: the text is known to hold no control character (see
   * {@link hasControlBytes}), so only backslashes need looking for.
   */
  constructor(text: string, controlFree = false) {
    this.text = text;
    this.controlFree = controlFree;
  }

  /**
   * The fields of the record `text.slice(start, end)` (which must start with `{` and end with
   * `}`), or `undefined` when that slice must be parsed with `JSON.parse` instead (see the module
   * comment): unusual content or invalid JSON.
   */
  scan(start: number, end: number): ScannedRecord | undefined {
    return this.scanFields(start, end) ? fieldsRecord(this.text, this.fields) : undefined;
  }

  /**
   * Like {@link RecordScanner.scan}, but leaves the fields as offsets in
   * {@link RecordScanner.fields}: true when the record was read, false when it must be parsed
   * with `JSON.parse` instead.
   */
  scanFields(start: number, end: number): boolean {
    if (start < this.searchedFrom || this.nextUnusual < start) {
      if (this.controlFree) {
        const at = this.text.indexOf('\\', start);
        this.nextUnusual = at < 0 ? Infinity : at;
      } else {
        UNUSUAL.lastIndex = start;
        const m = UNUSUAL.exec(this.text);
        this.nextUnusual = m === null ? Infinity : m.index;
      }
      this.searchedFrom = start;
    }
    if (this.nextUnusual < end) return false;
    return scanRecord(this.text, start, end, this.fields);
  }
}

/** The {@link ScannedRecord} that the offsets `f` (see {@link FIELD}) describe in `text`. */
export function fieldsRecord(text: string, f: Int32Array): ScannedRecord {
  const str = (slot: number): string | null | undefined => {
    const s = f[slot]!;
    return s === ABSENT ? undefined : s === NULL ? null : text.slice(s, f[slot + 1]);
  };
  const state = (slot: number): number => f[slot]!;
  const management = state(FIELD.managementEvent);
  let userIdentity: ScannedIdentity | null | undefined;
  if (state(FIELD.identity) === OBJECT) {
    let sessionContext: ScannedIdentity['sessionContext'];
    if (state(FIELD.context) === OBJECT) {
      const issuer = state(FIELD.issuer);
      sessionContext = {
        sessionIssuer:
          issuer === OBJECT ? { arn: str(FIELD.issuerArn) } : issuer === NULL ? null : undefined,
      };
    } else sessionContext = state(FIELD.context) === NULL ? null : undefined;
    userIdentity = {
      type: str(FIELD.type),
      arn: str(FIELD.arn),
      accessKeyId: str(FIELD.accessKeyId),
      sessionContext,
    };
  } else userIdentity = state(FIELD.identity) === NULL ? null : undefined;
  return {
    eventTime: str(FIELD.eventTime),
    eventSource: str(FIELD.eventSource),
    eventName: str(FIELD.eventName),
    eventCategory: str(FIELD.eventCategory),
    managementEvent:
      management === TRUE
        ? true
        : management === FALSE
          ? false
          : management === NULL
            ? null
            : undefined,
    awsRegion: str(FIELD.awsRegion),
    recipientAccountId: str(FIELD.recipientAccountId),
    userIdentity,
  };
}

/**
 * Reads the string or `null` at `i` into `f[slot]` (and `f[slot + 1]`); the offset after it, or
 * {@link FAIL} for another kind of value.
 */
function stringOrNull(text: string, i: number, end: number, f: Int32Array, slot: number): number {
  if (text.charCodeAt(i) === QUOTE) {
    const close = text.indexOf('"', i + 1);
    if (close < 0 || close >= end) return FAIL;
    f[slot] = i + 1;
    f[slot + 1] = close;
    return close + 1;
  }
  if (isNull(text, i, end)) {
    f[slot] = NULL;
    return i + 4;
  }
  return FAIL;
}

/**
 * Scans the record `text.slice(start, end)` into `f` (see {@link FIELD}), assuming that slice
 * holds no backslash and no control character (checked by {@link RecordScanner.scanFields});
 * false for invalid JSON or an unusual value.
 */
function scanRecord(text: string, start: number, end: number, f: Int32Array): boolean {
  f.fill(ABSENT);
  let seen = 0;
  let i = start;
  if (text.charCodeAt(i) !== OPEN_BRACE) return false;
  i = ws(text, i + 1, end);
  if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1 === end;
  for (;;) {
    // key
    if (text.charCodeAt(i) !== QUOTE) return false;
    const keyStart = i + 1;
    const keyEnd = text.indexOf('"', keyStart);
    if (keyEnd < 0 || keyEnd >= end) return false;
    i = ws(text, keyEnd + 1, end);
    if (text.charCodeAt(i) !== COLON) return false;
    i = ws(text, i + 1, end);
    // value
    const field = topField(text, keyStart, keyEnd - keyStart);
    if (field === 0) {
      i = skipValue(text, i, end);
    } else {
      if ((seen & field) !== 0) return false; // a duplicate key: JSON.parse keeps the last
      seen |= field;
      if (field === F_IDENTITY) {
        const c = text.charCodeAt(i);
        if (c === OPEN_BRACE) {
          f[FIELD.identity] = OBJECT;
          i = scanIdentity(text, i, end, f);
        } else if (isNull(text, i, end)) {
          f[FIELD.identity] = NULL;
          i += 4;
        } else return false;
      } else if (field === F_MANAGEMENT) {
        const c = text.charCodeAt(i);
        if (c === LOWER_T && holds(text, i, 'true')) {
          f[FIELD.managementEvent] = TRUE;
          i += 4;
        } else if (c === LOWER_F && holds(text, i, 'false')) {
          f[FIELD.managementEvent] = FALSE;
          i += 5;
        } else if (isNull(text, i, end)) {
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
        i = stringOrNull(text, i, end, f, slot);
      }
    }
    if (i < 0 || i > end) return false;
    i = ws(text, i, end);
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i = ws(text, i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE && i + 1 === end;
  }
}

const F_TIME = 1;
const F_SOURCE = 2;
const F_NAME = 4;
const F_CATEGORY = 8;
const F_MANAGEMENT = 16;
const F_REGION = 32;
const F_ACCOUNT = 64;
const F_IDENTITY = 128;

/**
 * Which read field of a record the key at `[at, at + length)` is (0: none). A character or two
 * are compared first, so that most other keys of the same length (`eventType`, `userAgent`,
 * `eventVersion`, `sourceIPAddress`, ...) cost no full comparison; {@link holds} confirms.
 */
function topField(text: string, at: number, length: number): number {
  switch (length) {
    case 9: {
      const c = text.charCodeAt(at);
      if (c === LOWER_E) {
        const d = text.charCodeAt(at + 6);
        if (d === LOWER_I) return holds(text, at, 'eventTime') ? F_TIME : 0;
        if (d === LOWER_A) return holds(text, at, 'eventName') ? F_NAME : 0;
        return 0;
      }
      return c === LOWER_A && holds(text, at, 'awsRegion') ? F_REGION : 0;
    }
    case 11:
      return text.charCodeAt(at) === LOWER_E && holds(text, at, 'eventSource') ? F_SOURCE : 0;
    case 12:
      return text.charCodeAt(at) === LOWER_U && holds(text, at, 'userIdentity') ? F_IDENTITY : 0;
    case 13:
      return text.charCodeAt(at) === LOWER_E && holds(text, at, 'eventCategory') ? F_CATEGORY : 0;
    case 15:
      return text.charCodeAt(at) === LOWER_M && holds(text, at, 'managementEvent')
        ? F_MANAGEMENT
        : 0;
    case 18:
      return text.charCodeAt(at) === LOWER_R && holds(text, at, 'recipientAccountId')
        ? F_ACCOUNT
        : 0;
    default:
      return 0;
  }
}

const I_TYPE = 1;
const I_ARN = 2;
const I_KEY = 4;
const I_CONTEXT = 8;

/**
 * Scans the `userIdentity` object at `i` into `f`; the offset after it, or {@link FAIL}.
 */
function scanIdentity(text: string, i: number, end: number, f: Int32Array): number {
  let seen = 0;
  i = ws(text, i + 1, end);
  if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return FAIL;
    const keyStart = i + 1;
    const keyEnd = text.indexOf('"', keyStart);
    if (keyEnd < 0 || keyEnd >= end) return FAIL;
    i = ws(text, keyEnd + 1, end);
    if (text.charCodeAt(i) !== COLON) return FAIL;
    i = ws(text, i + 1, end);
    const length = keyEnd - keyStart;
    const field =
      length === 4 && holds(text, keyStart, 'type')
        ? I_TYPE
        : length === 3 && holds(text, keyStart, 'arn')
          ? I_ARN
          : length === 11 && holds(text, keyStart, 'accessKeyId')
            ? I_KEY
            : length === 14 && holds(text, keyStart, 'sessionContext')
              ? I_CONTEXT
              : 0;
    if (field === 0) {
      i = skipValue(text, i, end);
    } else {
      if ((seen & field) !== 0) return FAIL;
      seen |= field;
      if (field === I_CONTEXT) {
        if (text.charCodeAt(i) === OPEN_BRACE) {
          f[FIELD.context] = OBJECT;
          i = scanContext(text, i, end, f);
        } else if (isNull(text, i, end)) {
          f[FIELD.context] = NULL;
          i += 4;
        } else return FAIL;
      } else {
        const slot =
          field === I_TYPE ? FIELD.type : field === I_ARN ? FIELD.arn : FIELD.accessKeyId;
        i = stringOrNull(text, i, end, f, slot);
      }
    }
    if (i < 0) return FAIL;
    i = ws(text, i, end);
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i = ws(text, i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE ? i + 1 : FAIL;
  }
}

/**
 * Scans the `sessionContext` object at `i` (its `sessionIssuer.arn`) into `f`; the offset after
 * it, or {@link FAIL}.
 */
function scanContext(text: string, i: number, end: number, f: Int32Array): number {
  let seenIssuer = false;
  i = ws(text, i + 1, end);
  if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return FAIL;
    const keyStart = i + 1;
    const keyEnd = text.indexOf('"', keyStart);
    if (keyEnd < 0 || keyEnd >= end) return FAIL;
    i = ws(text, keyEnd + 1, end);
    if (text.charCodeAt(i) !== COLON) return FAIL;
    i = ws(text, i + 1, end);
    if (keyEnd - keyStart === 13 && holds(text, keyStart, 'sessionIssuer')) {
      if (seenIssuer) return FAIL;
      seenIssuer = true;
      if (text.charCodeAt(i) === OPEN_BRACE) {
        f[FIELD.issuer] = OBJECT;
        i = scanIssuer(text, i, end, f);
      } else if (isNull(text, i, end)) {
        f[FIELD.issuer] = NULL;
        i += 4;
      } else return FAIL;
    } else {
      i = skipValue(text, i, end);
    }
    if (i < 0) return FAIL;
    i = ws(text, i, end);
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i = ws(text, i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE ? i + 1 : FAIL;
  }
}

/** Scans the `sessionIssuer` object at `i` (its `arn`) into `f`; the offset after it, or {@link FAIL}. */
function scanIssuer(text: string, i: number, end: number, f: Int32Array): number {
  let seenArn = false;
  i = ws(text, i + 1, end);
  if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return FAIL;
    const keyStart = i + 1;
    const keyEnd = text.indexOf('"', keyStart);
    if (keyEnd < 0 || keyEnd >= end) return FAIL;
    i = ws(text, keyEnd + 1, end);
    if (text.charCodeAt(i) !== COLON) return FAIL;
    i = ws(text, i + 1, end);
    if (keyEnd - keyStart === 3 && holds(text, keyStart, 'arn')) {
      if (seenArn) return FAIL;
      seenArn = true;
      i = stringOrNull(text, i, end, f, FIELD.issuerArn);
    } else {
      i = skipValue(text, i, end);
    }
    if (i < 0) return FAIL;
    i = ws(text, i, end);
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i = ws(text, i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE ? i + 1 : FAIL;
  }
}

/**
 * Whether `text` holds `word` at `i`: `text.startsWith(word, i)` as a loop the compiler inlines,
 * which costs less than the call for the short words compared here (measured: the scanner took
 * about 15% of its time in `startsWith` calls).
 */
function holds(text: string, i: number, word: string): boolean {
  const n = word.length;
  for (let k = 0; k < n; k++) if (text.charCodeAt(i + k) !== word.charCodeAt(k)) return false;
  return true;
}

function isNull(text: string, i: number, end: number): boolean {
  return i + 4 <= end && holds(text, i, 'null');
}

/** The first offset at or after `i` (and before `end`) that is not JSON whitespace. */
function ws(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
  return i;
}

/**
 * Open containers of {@link skipValue}, innermost last: 1 for an object, 0 for an array. Deeper
 * nesting than this is declined (left to `JSON.parse`); CloudTrail records nest a few levels.
 */
const STACK = new Uint8Array(256);

/**
 * Checks the JSON value at `i` (any kind, any depth up to {@link STACK}'s size, without
 * recursion) and returns the offset after it, or {@link FAIL} when it is not valid JSON before
 * `end`.
 */
function skipValue(text: string, i: number, end: number): number {
  if (i >= end) return FAIL;
  const first = text.charCodeAt(i);
  if (first === QUOTE) {
    // The common case first: a string (no backslash in the record, so the next quote closes it).
    const close = text.indexOf('"', i + 1);
    return close < 0 || close >= end ? FAIL : close + 1;
  }
  let depth = 0;
  for (;;) {
    // A value starts at i.
    if (i >= end) return FAIL;
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = text.indexOf('"', i + 1);
      if (close < 0 || close >= end) return FAIL;
      i = close + 1;
    } else if (c === OPEN_BRACE) {
      i = ws(text, i + 1, end);
      if (text.charCodeAt(i) === CLOSE_BRACE) {
        i++;
      } else {
        if (depth === STACK.length) return FAIL;
        STACK[depth++] = 1;
        i = key(text, i, end);
        if (i < 0) return FAIL;
        continue;
      }
    } else if (c === OPEN_BRACKET) {
      i = ws(text, i + 1, end);
      if (text.charCodeAt(i) === CLOSE_BRACKET) {
        i++;
      } else {
        if (depth === STACK.length) return FAIL;
        STACK[depth++] = 0;
        continue;
      }
    } else if (c === LOWER_T) {
      if (!(i + 4 <= end && holds(text, i, 'true'))) return FAIL;
      i += 4;
    } else if (c === LOWER_F) {
      if (!(i + 5 <= end && holds(text, i, 'false'))) return FAIL;
      i += 5;
    } else if (c === LOWER_N) {
      if (!isNull(text, i, end)) return FAIL;
      i += 4;
    } else {
      i = number(text, i, end);
      if (i < 0) return FAIL;
    }
    // After a value: close containers, or go on after a comma.
    for (;;) {
      if (depth === 0) return i;
      i = ws(text, i, end);
      const d = text.charCodeAt(i);
      const inObject = STACK[depth - 1] === 1;
      if (d === COMMA) {
        i = ws(text, i + 1, end);
        if (inObject) {
          i = key(text, i, end);
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

/** Checks `"key" :` at `i`; the offset of the value after it, or {@link FAIL}. */
function key(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) !== QUOTE) return FAIL;
  const close = text.indexOf('"', i + 1);
  if (close < 0 || close >= end) return FAIL;
  i = ws(text, close + 1, end);
  if (text.charCodeAt(i) !== COLON) return FAIL;
  return ws(text, i + 1, end);
}

/** Checks a JSON number at `i` (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`); the offset after it. */
function number(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) === MINUS) i++;
  let c = text.charCodeAt(i);
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    do i++;
    while (i < end && isDigit(text.charCodeAt(i)));
  } else return FAIL;
  if (i < end && text.charCodeAt(i) === DOT) {
    i++;
    if (!(i < end && isDigit(text.charCodeAt(i)))) return FAIL;
    do i++;
    while (i < end && isDigit(text.charCodeAt(i)));
  }
  c = text.charCodeAt(i);
  if (i < end && (c === LOWER_E || c === UPPER_E)) {
    i++;
    c = text.charCodeAt(i);
    if (c === PLUS || c === MINUS) i++;
    if (!(i < end && isDigit(text.charCodeAt(i)))) return FAIL;
    do i++;
    while (i < end && isDigit(text.charCodeAt(i)));
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/**
 * The reference: the fields {@link RecordScanner.scan} reads, taken from a `JSON.parse` result
 * (`undefined` for absent fields). For the differential tests and for documentation; a record
 * whose fields have other kinds of values than {@link ScannedRecord} allows is returned as is
 * (the scanner returns `undefined` for it).
 */
export function projectRecord(parsed: unknown): unknown {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return parsed;
  const r = parsed as Record<string, unknown>;
  const own = (o: Record<string, unknown>, k: string): unknown =>
    Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
  const object = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  let userIdentity = own(r, 'userIdentity');
  const identity = object(userIdentity);
  if (identity !== undefined) {
    let sessionContext = own(identity, 'sessionContext');
    const context = object(sessionContext);
    if (context !== undefined) {
      let sessionIssuer = own(context, 'sessionIssuer');
      const issuer = object(sessionIssuer);
      if (issuer !== undefined) sessionIssuer = { arn: own(issuer, 'arn') };
      sessionContext = { sessionIssuer };
    }
    userIdentity = {
      type: own(identity, 'type'),
      arn: own(identity, 'arn'),
      accessKeyId: own(identity, 'accessKeyId'),
      sessionContext,
    };
  }
  return {
    eventTime: own(r, 'eventTime'),
    eventSource: own(r, 'eventSource'),
    eventName: own(r, 'eventName'),
    eventCategory: own(r, 'eventCategory'),
    managementEvent: own(r, 'managementEvent'),
    awsRegion: own(r, 'awsRegion'),
    recipientAccountId: own(r, 'recipientAccountId'),
    userIdentity,
  };
}
