/**
 * The CloudTrail reader's byte scanner (issue 14), in AssemblyScript compiled to WebAssembly with
 * SIMD (`scripts/build-wasm.mjs`: `asc -O3 --runtime stub --enable simd`, output
 * `generated/byte-scanner.wasm`; loaded by `src/activity/byte-scanner.ts`, which documents the
 * contract and the memory layout).
 *
 * Hand-written, and in WebAssembly, because it is the reader's hot path: the JavaScript scanner it
 * replaces took about 40 % of ingest CPU (manykeys-3M: ~3.7 s of ~10 s per worker), and skipping
 * and checking every string of 10 decompressed trail files (67 MB) took 70 ms as a JavaScript
 * byte loop, 40 ms as scalar WebAssembly and 26 ms with SIMD (16 bytes per step), copying the
 * bytes into the instance's memory 3 ms. As built here (`bench/scanner-bytes.mjs --base=...`, 10
 * files of each 1 M bench trail, CPU, the copy, the split and the whole grammar included): 33 ms
 * per 67.5 MB against 103 ms for the JavaScript byte scanner it replaced, and 114 ms for the text
 * path; the whole reader uses 0.72x to 0.76x the CPU it used before.
 *
 * One call per file ({@link scanFile}): the file's bytes are at {@link input}; it is split in
 * CloudTrail's compact layout (each record ends just before the next `},{"eventVersion"`, as
 * `splitRecords` of `split-records.ts` does) and every record is scanned, writing a row per record
 * at {@link rows}: `[start, end, ...fields]` (byte offsets from the file's start; the fields in
 * the `FIELD` layout of `field-scanner.ts`), the identity slot holding {@link DECLINED} for a
 * record the caller must parse with `JSON.parse`. A record is declined for a backslash or a byte
 * below 0x20 inside a string or key, a duplicate read field, a read field holding an unexpected
 * kind of value, nesting deeper than 256, and any JSON syntax error (the whole grammar is
 * checked).
 *
 * SAFETY: memory past a record's end holds the next record, or stale bytes of earlier files:
 * nothing is decided from a byte at or past `end`. Single bytes are read through {@link peek}
 * (0, no token, at or past `end`), literals only when they fit, 16-byte loads only when they fit
 * or with the lanes at and past `end` masked out (the loads stay inside memory: 16 bytes of room
 * are kept after the file). Independently of these bounds, the position only moves forward and
 * a record is read only when its closing `}` is the byte just before `end`, so a byte past `end`
 * could at worst make a record declined: removing one of them changes no result (a mutation check
 * confirmed it), but they keep every load inside the file, its 16 bytes of room and the rows
 * (nothing follows a run of stale bytes to the end of memory).
 */

// The slots of a row's fields and their states: the same as FIELD, ABSENT, ... in
// src/activity/field-scanner.ts (the differential tests check every slot).
const EVENT_TIME = 0;
const EVENT_SOURCE = 2;
const EVENT_NAME = 4;
const EVENT_CATEGORY = 6;
const AWS_REGION = 8;
const RECIPIENT_ACCOUNT_ID = 10;
const TYPE_SLOT = 12;
const ARN_SLOT = 14;
const ACCESS_KEY_ID = 16;
const ISSUER_ARN = 18;
const MANAGEMENT_EVENT = 20;
const IDENTITY = 21;
const CONTEXT = 22;
const ISSUER = 23;
const FIELD_SLOTS = 24;
const NULL_STATE = -2;
const TRUE_STATE = -3;
const FALSE_STATE = -4;
const OBJECT_STATE = -5;
/** In a row's identity slot: the record was not read (the caller parses it). */
const DECLINED = -100;
/** A row: start, end, then the fields. */
const ROW_SLOTS = 2 + FIELD_SLOTS;
const ROW_BYTES = ROW_SLOTS * 4;

const TAB: u32 = 0x09;
const LF: u32 = 0x0a;
const CR: u32 = 0x0d;
const SPACE: u32 = 0x20;
const QUOTE: u32 = 0x22;
const PLUS: u32 = 0x2b;
const COMMA: u32 = 0x2c;
const MINUS: u32 = 0x2d;
const DOT: u32 = 0x2e;
const ZERO: u32 = 0x30;
const NINE: u32 = 0x39;
const COLON: u32 = 0x3a;
const OPEN_BRACKET: u32 = 0x5b;
const BACKSLASH: u32 = 0x5c;
const CLOSE_BRACKET: u32 = 0x5d;
const UPPER_E: u32 = 0x45;
const LOWER_E: u32 = 0x65;
const LOWER_F: u32 = 0x66;
const LOWER_N: u32 = 0x6e;
const LOWER_T: u32 = 0x74;
const OPEN_BRACE: u32 = 0x7b;
const CLOSE_BRACE: u32 = 0x7d;
/** Returned by the value scanners for a syntax error or an unusual value (decline). */
const FAIL: isize = -1;
/** Deepest nesting of arrays and objects skipped. */
const MAX_DEPTH = 256;

// Little-endian words of the texts compared (the text in each comment).
/** `{"Record` */
const HEAD0: u64 = 0x64726f636552227b;
/** `s":[{"ev` */
const HEAD1: u64 = 0x7665227b5b3a2273;
/** `entVersi` */
const HEAD2: u64 = 0x6973726556746e65;
/** `Version"` (bytes 19 to 26 of the head) */
const HEAD3: u64 = 0x226e6f6973726556;
/** `},{"even` */
const SEP0: u64 = 0x6e657665227b2c7d;
/** `tVersion` */
const SEP1: u64 = 0x6e6f697372655674;
/** `eventTim` */
const EVENT_TIM: u64 = 0x6d6954746e657665;
/** `eventNam` */
const EVENT_NAM: u64 = 0x6d614e746e657665;
/** `awsRegio` */
const AWS_REGIO: u64 = 0x6f69676552737761;
/** `eventSou` */
const EVENT_SOU: u64 = 0x756f53746e657665;
/** `urce` */
const URCE: u32 = 0x65637275;
/** `userIden` */
const USER_IDEN: u64 = 0x6e65644972657375;
/** `tity` */
const TITY: u32 = 0x79746974;
/** `eventCat` */
const EVENT_CAT: u64 = 0x746143746e657665;
/** `Category` */
const CATEGORY: u64 = 0x79726f6765746143;
/** `manageme` */
const MANAGEME: u64 = 0x656d6567616e616d;
/** `entEvent` */
const ENT_EVENT: u64 = 0x746e657645746e65;
/** `recipien` */
const RECIPIEN: u64 = 0x6e65697069636572;
/** `tAccount` */
const T_ACCOUNT: u64 = 0x746e756f63634174;
/** `Id` */
const ID: u16 = 0x6449;
/** `accessKe` */
const ACCESS_KE: u64 = 0x654b737365636361;
/** `eyId` */
const EY_ID: u32 = 0x64497965;
/** `sessionC` */
const SESSION_C: u64 = 0x436e6f6973736573;
/** `nContext` */
const N_CONTEXT: u64 = 0x747865746e6f436e;
/** `sessionI` */
const SESSION_I: u64 = 0x496e6f6973736573;
/** `onIssuer` */
const ON_ISSUER: u64 = 0x7265757373496e6f;
/** `type` */
const TYPE_WORD: u32 = 0x65707974;
/** `ar` */
const AR: u16 = 0x7261;
/** `true` */
const TRUE_WORD: u32 = 0x65757274;
/** `null` */
const NULL_WORD: u32 = 0x6c6c756e;
/** `fals` */
const FALS: u32 = 0x736c6166;

/** The nesting stack of {@link skipValue} (1 for an object, 0 for an array): 256 bytes. */
const STACK: usize = (__heap_base + 15) & ~15;
/** Where the caller copies a file. */
const INPUT: usize = STACK + MAX_DEPTH;

/** The fields of the row being written. */
let FIELDS: usize = 0;

/** Where the caller copies a file's bytes. */
export function input(): usize {
  return INPUT;
}

/** Where the rows of a file of `length` bytes start (after the file and 16 bytes of room). */
export function rows(length: i32): usize {
  return (INPUT + <usize>length + 16 + 15) & ~15;
}

/** Makes memory reach `end` (bytes); false when it cannot grow. */
function reach(end: usize): bool {
  const have = (<usize>memory.size()) << 16;
  if (end <= have) return true;
  // Grow by at least half again, so that a file's rows grow memory a few times at most.
  let pages = <i32>((end - have + 0xffff) >> 16);
  const half = memory.size() >> 1;
  if (pages < half) pages = half;
  if (memory.grow(pages) >= 0) return true;
  return memory.grow(<i32>((end - have + 0xffff) >> 16)) >= 0;
}

function put(slot: i32, value: i32): void {
  store<i32>(FIELDS + ((<usize>slot) << 2), value);
}

/** The byte at `i`, or 0 (no JSON token) at or past `end`. */
function peek(i: usize, end: usize): u32 {
  return i < end ? <u32>load<u8>(i) : 0;
}

function stops(v: v128): i32 {
  return i8x16.bitmask(
    v128.or(
      v128.or(i8x16.eq(v, i8x16.splat(<i8>QUOTE)), i8x16.eq(v, i8x16.splat(<i8>BACKSLASH))),
      i8x16.lt_u(v, i8x16.splat(<i8>SPACE)),
    ),
  );
}

/**
 * The offset of the quote that closes the string whose content starts at `i`, or {@link FAIL}
 * when a backslash or a byte below 0x20 comes first, or `end` does; 16 bytes per step.
 */
function closeQuote(i: usize, end: usize): isize {
  while (i + 16 <= end) {
    const bits = stops(v128.load(i));
    if (bits !== 0) {
      const k = i + <usize>ctz(bits);
      return <u32>load<u8>(k) === QUOTE ? <isize>k : FAIL;
    }
    i += 16;
  }
  if (i < end) {
    // The last bytes: the lanes at and past `end` are masked out.
    const left = <i32>(end - i);
    const bits = stops(v128.load(i)) & ((1 << left) - 1);
    if (bits !== 0) {
      const k = i + <usize>ctz(bits);
      return <u32>load<u8>(k) === QUOTE ? <isize>k : FAIL;
    }
  }
  return FAIL;
}

function isNull(i: usize, end: usize): bool {
  return i + 4 <= end && load<u32>(i) === NULL_WORD;
}

function isTrue(i: usize, end: usize): bool {
  return i + 4 <= end && load<u32>(i) === TRUE_WORD;
}

function isFalse(i: usize, end: usize): bool {
  return i + 5 <= end && load<u32>(i) === FALS && <u32>load<u8>(i + 4) === LOWER_E;
}

/** The offset of the first byte at or after `i` that is not whitespace (at most `end`). */
function ws(i: usize, end: usize): usize {
  while (i < end) {
    const c = <u32>load<u8>(i);
    if (c > SPACE || (c !== SPACE && c !== LF && c !== CR && c !== TAB)) return i;
    i++;
  }
  return i;
}

/**
 * Reads the string or `null` at `i` into field `slot` (and `slot + 1`); the offset after it, or
 * {@link FAIL} for another kind of value.
 */
function stringOrNull(i: usize, end: usize, slot: i32): isize {
  if (peek(i, end) === QUOTE) {
    const close = closeQuote(i + 1, end);
    if (close < 0) return FAIL;
    put(slot, <i32>(i + 1 - INPUT));
    put(slot + 1, <i32>(<usize>close - INPUT));
    return close + 1;
  }
  if (isNull(i, end)) {
    put(slot, NULL_STATE);
    return <isize>(i + 4);
  }
  return FAIL;
}

const F_TIME = 1;
const F_SOURCE = 2;
const F_NAME = 4;
const F_CATEGORY = 8;
const F_MANAGEMENT = 16;
const F_REGION = 32;
const F_ACCOUNT = 64;
const F_IDENTITY = 128;

/** The top-level field named by the key at `[at, at + length)`, or 0 for another key. */
function topField(at: usize, length: usize): i32 {
  switch (<i32>length) {
    case 9: {
      const w = load<u64>(at);
      const last = <u32>load<u8>(at + 8);
      if (w === EVENT_TIM) return last === LOWER_E ? F_TIME : 0;
      if (w === EVENT_NAM) return last === LOWER_E ? F_NAME : 0;
      return w === AWS_REGIO && last === LOWER_N ? F_REGION : 0;
    }
    case 11:
      return load<u64>(at) === EVENT_SOU && load<u32>(at + 7) === URCE ? F_SOURCE : 0;
    case 12:
      return load<u64>(at) === USER_IDEN && load<u32>(at + 8) === TITY ? F_IDENTITY : 0;
    case 13:
      return load<u64>(at) === EVENT_CAT && load<u64>(at + 5) === CATEGORY ? F_CATEGORY : 0;
    case 15:
      return load<u64>(at) === MANAGEME && load<u64>(at + 7) === ENT_EVENT ? F_MANAGEMENT : 0;
    case 18:
      return load<u64>(at) === RECIPIEN &&
        load<u64>(at + 8) === T_ACCOUNT &&
        load<u16>(at + 16) === ID
        ? F_ACCOUNT
        : 0;
    default:
      return 0;
  }
}

/** Reads the record at `[start, end)` into the row's fields; false to decline it. */
function scanRecord(start: usize, end: usize): bool {
  memory.fill(FIELDS, 0xff, FIELD_SLOTS * 4); // every field ABSENT (-1)
  let seen = 0;
  let i = start;
  if (peek(i, end) !== OPEN_BRACE) return false;
  i = ws(i + 1, end);
  if (peek(i, end) === CLOSE_BRACE) return i + 1 === end;
  for (;;) {
    if (peek(i, end) !== QUOTE) return false;
    const keyStart = i + 1;
    const keyEnd = closeQuote(keyStart, end);
    if (keyEnd < 0) return false;
    i = ws(<usize>keyEnd + 1, end);
    if (peek(i, end) !== COLON) return false;
    i = ws(i + 1, end);
    const field = topField(keyStart, <usize>keyEnd - keyStart);
    let next: isize;
    if (field === 0) {
      next = skipValue(i, end);
    } else {
      if ((seen & field) !== 0) return false;
      seen |= field;
      if (field === F_IDENTITY) {
        if (peek(i, end) === OPEN_BRACE) {
          put(IDENTITY, OBJECT_STATE);
          next = scanObject(i, end, 0);
        } else if (isNull(i, end)) {
          put(IDENTITY, NULL_STATE);
          next = <isize>(i + 4);
        } else return false;
      } else if (field === F_MANAGEMENT) {
        if (isTrue(i, end)) {
          put(MANAGEMENT_EVENT, TRUE_STATE);
          next = <isize>(i + 4);
        } else if (isFalse(i, end)) {
          put(MANAGEMENT_EVENT, FALSE_STATE);
          next = <isize>(i + 5);
        } else if (isNull(i, end)) {
          put(MANAGEMENT_EVENT, NULL_STATE);
          next = <isize>(i + 4);
        } else return false;
      } else {
        const slot =
          field === F_TIME
            ? EVENT_TIME
            : field === F_SOURCE
              ? EVENT_SOURCE
              : field === F_NAME
                ? EVENT_NAME
                : field === F_CATEGORY
                  ? EVENT_CATEGORY
                  : field === F_REGION
                    ? AWS_REGION
                    : RECIPIENT_ACCOUNT_ID;
        next = stringOrNull(i, end, slot);
      }
    }
    if (next < 0 || <usize>next > end) return false;
    i = ws(<usize>next, end);
    const c = peek(i, end);
    if (c === COMMA) {
      i = ws(i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE && i + 1 === end;
  }
}

/** The field of `userIdentity` (level 0), `sessionContext` (1) or `sessionIssuer` (2). */
function objectField(at: usize, length: usize, level: i32): i32 {
  if (level === 0) {
    if (length === 4) return load<u32>(at) === TYPE_WORD ? 1 : 0;
    if (length === 3) return load<u16>(at) === AR && <u32>load<u8>(at + 2) === LOWER_N ? 2 : 0;
    if (length === 11) return load<u64>(at) === ACCESS_KE && load<u32>(at + 7) === EY_ID ? 4 : 0;
    if (length === 14)
      return load<u64>(at) === SESSION_C && load<u64>(at + 6) === N_CONTEXT ? 8 : 0;
    return 0;
  }
  if (level === 1) {
    return length === 13 && load<u64>(at) === SESSION_I && load<u64>(at + 5) === ON_ISSUER ? 8 : 0;
  }
  return length === 3 && load<u16>(at) === AR && <u32>load<u8>(at + 2) === LOWER_N ? 2 : 0;
}

/**
 * Reads `userIdentity` (level 0: type, arn, accessKeyId, sessionContext), `sessionContext`
 * (level 1: sessionIssuer) or `sessionIssuer` (level 2: arn) at `i` (its `{`); the offset after
 * it, or {@link FAIL}.
 */
function scanObject(i: usize, end: usize, level: i32): isize {
  let seen = 0;
  i = ws(i + 1, end);
  if (peek(i, end) === CLOSE_BRACE) return <isize>(i + 1);
  for (;;) {
    if (peek(i, end) !== QUOTE) return FAIL;
    const keyStart = i + 1;
    const keyEnd = closeQuote(keyStart, end);
    if (keyEnd < 0) return FAIL;
    i = ws(<usize>keyEnd + 1, end);
    if (peek(i, end) !== COLON) return FAIL;
    i = ws(i + 1, end);
    const field = objectField(keyStart, <usize>keyEnd - keyStart, level);
    let next: isize;
    if (field === 0) {
      next = skipValue(i, end);
    } else {
      if ((seen & field) !== 0) return FAIL;
      seen |= field;
      if (field === 8) {
        const stateSlot = level === 0 ? CONTEXT : ISSUER;
        if (peek(i, end) === OPEN_BRACE) {
          put(stateSlot, OBJECT_STATE);
          next = scanObject(i, end, level + 1);
        } else if (isNull(i, end)) {
          put(stateSlot, NULL_STATE);
          next = <isize>(i + 4);
        } else return FAIL;
      } else {
        const slot =
          level === 2
            ? ISSUER_ARN
            : field === 1
              ? TYPE_SLOT
              : field === 2
                ? ARN_SLOT
                : ACCESS_KEY_ID;
        next = stringOrNull(i, end, slot);
      }
    }
    if (next < 0) return FAIL;
    i = ws(<usize>next, end);
    const c = peek(i, end);
    if (c === COMMA) {
      i = ws(i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE ? <isize>(i + 1) : FAIL;
  }
}

/** The offset after the JSON value at `i`, or {@link FAIL} (the whole grammar is checked). */
function skipValue(i: usize, end: usize): isize {
  if (i >= end) return FAIL;
  if (<u32>load<u8>(i) === QUOTE) {
    const close = closeQuote(i + 1, end);
    return close < 0 ? FAIL : close + 1;
  }
  let depth = 0;
  for (;;) {
    if (i >= end) return FAIL;
    const c = <u32>load<u8>(i);
    if (c === QUOTE) {
      const close = closeQuote(i + 1, end);
      if (close < 0) return FAIL;
      i = <usize>close + 1;
    } else if (c === OPEN_BRACE) {
      i = ws(i + 1, end);
      if (peek(i, end) === CLOSE_BRACE) {
        i++;
      } else {
        if (depth === MAX_DEPTH) return FAIL;
        store<u8>(STACK + <usize>depth, 1);
        depth++;
        const k = key(i, end);
        if (k < 0) return FAIL;
        i = <usize>k;
        continue;
      }
    } else if (c === OPEN_BRACKET) {
      i = ws(i + 1, end);
      if (peek(i, end) === CLOSE_BRACKET) {
        i++;
      } else {
        if (depth === MAX_DEPTH) return FAIL;
        store<u8>(STACK + <usize>depth, 0);
        depth++;
        continue;
      }
    } else if (c === LOWER_T) {
      if (!isTrue(i, end)) return FAIL;
      i += 4;
    } else if (c === LOWER_F) {
      if (!isFalse(i, end)) return FAIL;
      i += 5;
    } else if (c === LOWER_N) {
      if (!isNull(i, end)) return FAIL;
      i += 4;
    } else {
      const n = number(i, end);
      if (n < 0) return FAIL;
      i = <usize>n;
    }
    for (;;) {
      if (depth === 0) return <isize>i;
      i = ws(i, end);
      const d = peek(i, end);
      const inObject = load<u8>(STACK + <usize>depth - 1) === 1;
      if (d === COMMA) {
        i = ws(i + 1, end);
        if (inObject) {
          const k = key(i, end);
          if (k < 0) return FAIL;
          i = <usize>k;
        }
        break;
      }
      if (d === (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
        depth--;
        i++;
        continue;
      }
      return FAIL;
    }
  }
  return FAIL; // not reached
}

/** A key and its colon at `i`: the offset of the value after them, or {@link FAIL}. */
function key(i: usize, end: usize): isize {
  if (peek(i, end) !== QUOTE) return FAIL;
  const close = closeQuote(i + 1, end);
  if (close < 0) return FAIL;
  i = ws(<usize>close + 1, end);
  if (peek(i, end) !== COLON) return FAIL;
  return <isize>ws(i + 1, end);
}

function isDigit(c: u32): bool {
  return c - ZERO <= NINE - ZERO;
}

/** The offset after the JSON number at `i`, or {@link FAIL}. */
function number(i: usize, end: usize): isize {
  if (peek(i, end) === MINUS) i++;
  let c = peek(i, end);
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    do i++;
    while (isDigit(peek(i, end)));
  } else return FAIL;
  if (peek(i, end) === DOT) {
    i++;
    if (!isDigit(peek(i, end))) return FAIL;
    do i++;
    while (isDigit(peek(i, end)));
  }
  c = peek(i, end);
  if (c === LOWER_E || c === UPPER_E) {
    i++;
    c = peek(i, end);
    if (c === PLUS || c === MINUS) i++;
    if (!isDigit(peek(i, end))) return FAIL;
    do i++;
    while (isDigit(peek(i, end)));
  }
  return <isize>i;
}

/** Scans the record of the row at `row` (its bounds already written): fields, or DECLINED. */
function scanRow(row: usize): void {
  FIELDS = row + 8;
  const start = INPUT + <usize>load<i32>(row);
  const end = INPUT + <usize>load<i32>(row + 4);
  if (!scanRecord(start, end)) put(IDENTITY, DECLINED);
}

/**
 * Scans the `count` records whose bounds (offsets from the file's start) the caller wrote in the
 * rows of a file of `length` bytes (the records need not be those of the compact split).
 */
export function scanBounds(length: i32, count: i32): void {
  const first = rows(length);
  for (let k = 0; k < count; k++) scanRow(first + <usize>k * ROW_BYTES);
}

function isSeparator(k: usize, fileEnd: usize): bool {
  return (
    k + 17 <= fileEnd &&
    load<u64>(k) === SEP0 &&
    load<u64>(k + 8) === SEP1 &&
    <u32>load<u8>(k + 16) === QUOTE
  );
}

/** The first `},{"eventVersion"` at or after `i` (ending by `fileEnd`), or -1. */
function separator(i: usize, fileEnd: usize): isize {
  while (i + 16 <= fileEnd) {
    let bits = i8x16.bitmask(i8x16.eq(v128.load(i), i8x16.splat(<i8>CLOSE_BRACE)));
    while (bits !== 0) {
      const k = i + <usize>ctz(bits);
      if (isSeparator(k, fileEnd)) return <isize>k;
      bits &= bits - 1;
    }
    i += 16;
  }
  for (; i < fileEnd; i++) {
    if (<u32>load<u8>(i) === CLOSE_BRACE && isSeparator(i, fileEnd)) return <isize>i;
  }
  return -1;
}

/**
 * Splits the file of `length` bytes at {@link input} in CloudTrail's compact layout and scans
 * every record into the rows at {@link rows}: the number of records, -1 when the file is not in
 * that layout (nothing written), -2 when memory cannot grow for the rows.
 */
export function scanFile(length: i32): i32 {
  const fileEnd = INPUT + <usize>length;
  if (
    length < 27 ||
    load<u64>(INPUT) !== HEAD0 ||
    load<u64>(INPUT + 8) !== HEAD1 ||
    load<u64>(INPUT + 16) !== HEAD2 ||
    load<u64>(INPUT + 19) !== HEAD3
  ) {
    return -1;
  }
  // The bytes must end with `}]}` and optional whitespace (the head is not whitespace).
  let end = fileEnd;
  for (;;) {
    const c = <u32>load<u8>(end - 1);
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    end--;
  }
  if (
    <u32>load<u8>(end - 1) !== CLOSE_BRACE ||
    <u32>load<u8>(end - 2) !== CLOSE_BRACKET ||
    <u32>load<u8>(end - 3) !== CLOSE_BRACE
  ) {
    return -1;
  }
  const last = end - 2; // just after the last record's `}`
  let row = rows(length);
  let i = INPUT + 12; // after `{"Records":[`
  let count = 0;
  for (;;) {
    const next = separator(i, fileEnd);
    const isLast = next < 0 || <usize>next + 1 >= last;
    if (!reach(row + ROW_BYTES)) return -2;
    store<i32>(row, <i32>(i - INPUT));
    store<i32>(row + 4, <i32>((isLast ? last : <usize>next + 1) - INPUT));
    scanRow(row);
    count++;
    if (isLast) return count;
    row += ROW_BYTES;
    i = <usize>next + 2;
  }
  return count; // not reached
}
