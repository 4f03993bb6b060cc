// Prototype for issue 14: a CloudTrail field scanner over the decompressed bytes (the Buffer that
// gunzipSync returns) against today's text path (latin1/UTF-8 decode + control-character check +
// split + `RecordScanner.scanFields`), in one process, alternating, CPU time (process.cpuUsage).
// It is the measurement that decided the byte path: the integrated, typed and tested version is
// src/activity/byte-scanner.ts (+ byte-interner.ts, and ByteGroups in cloudtrail-file.ts); this
// copy stays as the bench of the scanning and grouping steps on their own.
//
//   npm run build && node bench/scanner-bytes.mjs [--files=20] [--rounds=6] [--set=ordinary/1M]
//
// It checks first that both scanners accept the same records with the same field values (the
// byte offsets decoded with the same decoding as today's text), then times, per round:
//   text  = decode + hasControlBytes + splitRecords + scanFields (today's per-file scan cost)
//   bytes = split on bytes + byte scan (control bytes and backslashes found in the same pass)
// and, with the kept fields made strings (principal, source, name: `text.slice` against
// `latin1Slice`), the same two again (`+keep`).
import { Buffer, isAscii } from 'node:buffer';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  ABSENT,
  FIELD,
  FIELD_SLOTS,
  hasControlBytes,
  NULL,
  OBJECT,
  RecordScanner,
} from '../dist/activity/field-scanner.js';
import { splitRecords } from '../dist/activity/split-records.js';
import { fieldsRecord, projectRecord } from '../dist/activity/field-scanner.js';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';

const argv = process.argv.slice(2);
const arg = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const FILES = Number(arg('files') ?? 20);
const ROUNDS = Number(arg('rounds') ?? 6);
const SETS = (arg('set') ?? 'ordinary/1M,manykeys/1M').split(',');
const DIR = arg('dir') ?? join(os.tmpdir(), 'iam-refine-trails-v1');

// ---------------------------------------------------------------------------------------------
// the byte scanner (prototype)

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
const FAIL = -1;
const TRUE = -3;
const FALSE = -4;

/** 1 for the bytes that end a string's fast skip: a quote, a backslash, a control byte. */
const STOP = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STOP[c] = 1;
STOP[QUOTE] = 1;
STOP[BACKSLASH] = 1;

/** A byte scanner over one decompressed file. */
class ByteScanner {
  fields = new Int32Array(FIELD_SLOTS);
  constructor(b, words) {
    this.b = b;
    this.words = words; // 'bytes' | 'words'
    const lead = (4 - (b.byteOffset & 3)) & 3;
    this.lead = lead;
    this.w = new Int32Array(b.buffer, b.byteOffset + lead, Math.max(0, b.length - lead) >> 2);
  }
  scanFields(start, end) {
    W = this.w;
    LEAD = this.lead;
    WEND = LEAD + W.length * 4;
    return scanRecord(this.b, start, end, this.fields);
  }
}

let W;
let LEAD = 0;
let WEND = 0;

/**
 * The offset of the quote that closes the string whose content starts at `i`, or FAIL when a
 * backslash or control byte comes first, or `end` does. Byte loop variant.
 */
function closeQuoteBytes(b, i, end) {
  while (i < end) {
    if (STOP[b[i]] !== 0) return b[i] === QUOTE ? i : FAIL;
    i++;
  }
  return FAIL;
}

/** The same, four bytes at a time (Int32 words; the bit tricks are exact for existence). */
function closeQuoteWords(b, i, end) {
  // Bytes up to a word boundary.
  while (((i - LEAD) & 3) !== 0 || i < LEAD) {
    if (i >= end) return FAIL;
    const c = b[i];
    if (STOP[c] !== 0) return c === QUOTE ? i : FAIL;
    i++;
  }
  const w = W;
  let k = (i - LEAD) >> 2;
  const kEnd = (Math.min(end, WEND) - LEAD) >> 2;
  for (; k < kEnd; k++) {
    const x = w[k];
    const q = x ^ 0x22222222;
    const s = x ^ 0x5c5c5c5c;
    const m = ((x - 0x20202020) & ~x) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s);
    if ((m & 0x80808080) !== 0) break;
  }
  i = LEAD + k * 4;
  while (i < end) {
    const c = b[i];
    if (STOP[c] !== 0) return c === QUOTE ? i : FAIL;
    i++;
  }
  return FAIL;
}

let closeQuote = closeQuoteWords;

function stringOrNull(b, i, end, f, slot) {
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

function holds(b, i, word) {
  const n = word.length;
  for (let k = 0; k < n; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

function isNull(b, i, end) {
  return i + 4 <= end && holds(b, i, 'null');
}

function ws(b, i, end) {
  while (i < end) {
    const c = b[i];
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
const F_IDENTITY = 128;

function topField(b, at, length) {
  switch (length) {
    case 9: {
      const c = b[at];
      if (c === LOWER_E) {
        const d = b[at + 6];
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
      return b[at] === LOWER_R && holds(b, at, 'recipientAccountId') ? 64 : 0;
    default:
      return 0;
  }
}

function scanRecord(b, start, end, f) {
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
        const c = b[i];
        if (c === OPEN_BRACE) {
          f[FIELD.identity] = OBJECT;
          i = scanObject(b, i, end, f, 0);
        } else if (isNull(b, i, end)) {
          f[FIELD.identity] = NULL;
          i += 4;
        } else return false;
      } else if (field === F_MANAGEMENT) {
        const c = b[i];
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
    const c = b[i];
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
function scanObject(b, i, end, f, level) {
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
    const c = b[i];
    if (c === COMMA) {
      i = ws(b, i + 1, end);
      continue;
    }
    return c === CLOSE_BRACE ? i + 1 : FAIL;
  }
}

const STACK = new Uint8Array(256);

function skipValue(b, i, end) {
  if (i >= end) return FAIL;
  if (b[i] === QUOTE) {
    const close = closeQuote(b, i + 1, end);
    return close < 0 ? FAIL : close + 1;
  }
  let depth = 0;
  for (;;) {
    if (i >= end) return FAIL;
    const c = b[i];
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
      const d = b[i];
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

function key(b, i, end) {
  if (b[i] !== QUOTE) return FAIL;
  const close = closeQuote(b, i + 1, end);
  if (close < 0) return FAIL;
  i = ws(b, close + 1, end);
  if (b[i] !== COLON) return FAIL;
  return ws(b, i + 1, end);
}

function isDigit(c) {
  return c >= ZERO && c <= NINE;
}

function number(b, i, end) {
  if (b[i] === MINUS) i++;
  let c = b[i];
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    do i++;
    while (i < end && isDigit(b[i]));
  } else return FAIL;
  if (i < end && b[i] === DOT) {
    i++;
    if (!(i < end && isDigit(b[i]))) return FAIL;
    do i++;
    while (i < end && isDigit(b[i]));
  }
  c = b[i];
  if (i < end && (c === LOWER_E || c === UPPER_E)) {
    i++;
    c = b[i];
    if (c === PLUS || c === MINUS) i++;
    if (!(i < end && isDigit(b[i]))) return FAIL;
    do i++;
    while (i < end && isDigit(b[i]));
  }
  return i;
}

// Split on bytes: CloudTrail's compact layout only (the prototype; anything else is "other").
const HEAD = Buffer.from('{"Records":[{"eventVersion"');
const SEP = Buffer.from('},{"eventVersion"');

function splitBytes(b) {
  if (b.length < HEAD.length || b.compare(HEAD, 0, HEAD.length, 0, HEAD.length) !== 0)
    return undefined;
  let end = b.length;
  while (
    end > 0 &&
    (b[end - 1] === SPACE || b[end - 1] === LF || b[end - 1] === CR || b[end - 1] === TAB)
  )
    end--;
  if (b[end - 1] !== CLOSE_BRACE || b[end - 2] !== CLOSE_BRACKET || b[end - 3] !== CLOSE_BRACE)
    return undefined;
  const last = end - 2;
  const bounds = [];
  let i = 12;
  for (;;) {
    const next = b.indexOf(SEP, i);
    if (next < 0 || next + 1 >= last) {
      bounds.push(i, last);
      return bounds;
    }
    bounds.push(i, next + 1);
    i = next + 2;
  }
}

// ---------------------------------------------------------------------------------------------
// interning kept fields by their bytes (decode a string only the first time its bytes are seen)

const TABLE_BITS = 12;
const MAX_INTERNED = 1 << (TABLE_BITS - 1);
class Interner {
  heads = new Int32Array(1 << TABLE_BITS).fill(-1);
  starts = new Int32Array(MAX_INTERNED);
  lengths = new Int32Array(MAX_INTERNED);
  hashes = new Int32Array(MAX_INTERNED);
  strings = [];
  pool = new Uint8Array(1 << 16);
  used = 0;
  /** The string of bytes b[s, e) (decoded with `decode` when new). */
  get(b, s, e, ascii) {
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const mask = (1 << TABLE_BITS) - 1;
    const n = e - s;
    const heads = this.heads;
    for (let slot = h & mask, probes = 0; probes < 8; slot = (slot + 1) & mask, probes++) {
      const id = heads[slot];
      if (id < 0) {
        const str = ascii ? b.latin1Slice(s, e) : b.utf8Slice(s, e);
        const k = this.strings.length;
        if (k >= MAX_INTERNED || this.used + n > this.pool.length) return str;
        this.pool.set(b.subarray(s, e), this.used);
        this.starts[k] = this.used;
        this.lengths[k] = n;
        this.hashes[k] = h;
        this.used += n;
        this.strings.push(str);
        heads[slot] = k;
        return str;
      }
      if (this.hashes[id] === h && this.lengths[id] === n) {
        const pool = this.pool;
        let p = this.starts[id];
        let i = s;
        while (i < e && pool[p] === b[i]) {
          i++;
          p++;
        }
        if (i === e) return this.strings[id];
      }
    }
    return ascii ? b.latin1Slice(s, e) : b.utf8Slice(s, e);
  }
}
const interner = new Interner();

/** Interning that returns an id (the string decoded and kept once per distinct bytes). */
class IdInterner extends Interner {
  id(b, s, e, ascii) {
    let h = 0x811c9dc5 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
    const mask = (1 << TABLE_BITS) - 1;
    const n = e - s;
    const heads = this.heads;
    for (let slot = h & mask, probes = 0; probes < 8; slot = (slot + 1) & mask, probes++) {
      const id = heads[slot];
      if (id < 0) {
        const k = this.strings.length;
        if (k >= 1024 || this.used + n > this.pool.length) return -1;
        this.strings.push(ascii ? b.latin1Slice(s, e) : b.utf8Slice(s, e));
        this.pool.set(b.subarray(s, e), this.used);
        this.starts[k] = this.used;
        this.lengths[k] = n;
        this.hashes[k] = h;
        this.used += n;
        heads[slot] = k;
        return k;
      }
      if (this.hashes[id] === h && this.lengths[id] === n) {
        const pool = this.pool;
        let p = this.starts[id];
        let i = s;
        while (i < e && pool[p] === b[i]) {
          i++;
          p++;
        }
        if (i === e) return id;
      }
    }
    return -1;
  }
}
const ids = [new IdInterner(), new IdInterner(), new IdInterner()];
/** Grouping by ids: last time per (principal, source, name) id triple. */
const byIds = new Map();
/** Grouping as RawActivity.add does: three nested Maps on fresh slices. */
const byStrings = new Map();
function addStrings(principal, source, name, ms) {
  let sources = byStrings.get(principal);
  if (sources === undefined) byStrings.set(principal, (sources = new Map()));
  let names = sources.get(source);
  if (names === undefined) sources.set(source, (names = new Map()));
  const seen = names.get(name);
  if (seen === undefined || ms > seen) names.set(name, ms);
}

// ---------------------------------------------------------------------------------------------
// the two per-file pipelines

let sink = 0;

/** Today's: decode, control check, split, scan. Returns [records, accepted]. */
function textPipeline(bytes, keep) {
  const text = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const controlFree = !hasControlBytes(bytes);
  const bounds = splitRecords(text);
  const scanner = new RecordScanner(text, controlFree);
  const f = scanner.fields;
  let accepted = 0;
  for (let j = 0; j < bounds.length; j += 2) {
    if (scanner.scanFields(bounds[j], bounds[j + 1])) {
      accepted++;
      if (keep === 'group') {
        const p = f[FIELD.issuerArn] >= 0 ? FIELD.issuerArn : FIELD.arn;
        if (f[p] < 0) continue;
        addStrings(
          text.slice(f[p], f[p + 1]),
          text.slice(f[FIELD.eventSource], f[FIELD.eventSource + 1]),
          text.slice(f[FIELD.eventName], f[FIELD.eventName + 1]),
          j,
        );
      } else if (keep) {
        const p = f[FIELD.issuerArn] >= 0 ? FIELD.issuerArn : FIELD.arn;
        if (f[p] >= 0) sink += text.slice(f[p], f[p + 1]).length;
        sink += text.slice(f[FIELD.eventSource], f[FIELD.eventSource + 1]).length;
        sink += text.slice(f[FIELD.eventName], f[FIELD.eventName + 1]).length;
      }
    }
  }
  return [bounds.length >> 1, accepted];
}

function bytesPipeline(bytes, keep, variant) {
  closeQuote = variant === 'bytes' ? closeQuoteBytes : closeQuoteWords;
  const ascii = keep ? isAscii(bytes) : true;
  if (keep === 'group') {
    const bounds = splitBytes(bytes);
    const scanner = new ByteScanner(bytes, variant);
    const f = scanner.fields;
    for (let j = 0; j < bounds.length; j += 2) {
      if (scanner.scanFields(bounds[j], bounds[j + 1])) {
        const p = f[FIELD.issuerArn] >= 0 ? FIELD.issuerArn : FIELD.arn;
        if (f[p] < 0) continue;
        const a = ids[0].id(bytes, f[p], f[p + 1], ascii);
        const c = ids[1].id(bytes, f[FIELD.eventSource], f[FIELD.eventSource + 1], ascii);
        const d = ids[2].id(bytes, f[FIELD.eventName], f[FIELD.eventName + 1], ascii);
        if (a < 0 || c < 0 || d < 0) throw new Error('prototype: too many distinct values');
        const k = (a << 20) | (c << 10) | d;
        const ms = j;
        const seen = byIds.get(k);
        if (seen === undefined || ms > seen) byIds.set(k, ms);
      }
    }
    return [bounds.length >> 1, 0];
  }
  if (keep === 'intern') {
    const bounds = splitBytes(bytes);
    const scanner = new ByteScanner(bytes, variant);
    const f = scanner.fields;
    let accepted = 0;
    for (let j = 0; j < bounds.length; j += 2) {
      if (scanner.scanFields(bounds[j], bounds[j + 1])) {
        accepted++;
        const p = f[FIELD.issuerArn] >= 0 ? FIELD.issuerArn : FIELD.arn;
        if (f[p] >= 0) sink += interner.get(bytes, f[p], f[p + 1], ascii).length;
        sink += interner.get(bytes, f[FIELD.eventSource], f[FIELD.eventSource + 1], ascii).length;
        sink += interner.get(bytes, f[FIELD.eventName], f[FIELD.eventName + 1], ascii).length;
      }
    }
    return [bounds.length >> 1, accepted];
  }
  const bounds = splitBytes(bytes);
  const scanner = new ByteScanner(bytes, variant);
  const f = scanner.fields;
  let accepted = 0;
  for (let j = 0; j < bounds.length; j += 2) {
    if (scanner.scanFields(bounds[j], bounds[j + 1])) {
      accepted++;
      if (keep) {
        const p = f[FIELD.issuerArn] >= 0 ? FIELD.issuerArn : FIELD.arn;
        const dec = ascii ? 'latin1Slice' : 'utf8Slice';
        if (f[p] >= 0) sink += bytes[dec](f[p], f[p + 1]).length;
        sink += bytes[dec](f[FIELD.eventSource], f[FIELD.eventSource + 1]).length;
        sink += bytes[dec](f[FIELD.eventName], f[FIELD.eventName + 1]).length;
      }
    }
  }
  return [bounds.length >> 1, accepted];
}

// ---------------------------------------------------------------------------------------------

function gzFiles(dir, out = []) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) gzFiles(p, out);
    else if (p.endsWith('.gz')) out.push(p);
  }
  return out;
}

/** Both scanners agree on every record: same acceptance, same decoded field values. */
function check(bytes) {
  const text = bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
  const tb = splitRecords(text);
  const bb = splitBytes(bytes);
  const ts = new RecordScanner(text, !hasControlBytes(bytes));
  const bs = new ByteScanner(bytes, 'words');
  let n = 0;
  for (let j = 0; j < tb.length; j += 2) {
    const a = ts.scanFields(tb[j], tb[j + 1]);
    const b = bs.scanFields(bb[j], bb[j + 1]);
    if (a !== b) throw new Error(`record ${j / 2}: text ${a}, bytes ${b}`);
    if (!a) continue;
    n++;
    for (let s = 0; s < FIELD_SLOTS; s++) {
      const x = ts.fields[s];
      const y = bs.fields[s];
      if (x < 0 || y < 0) {
        if (x !== y) throw new Error(`record ${j / 2} slot ${s}: ${x} vs ${y}`);
      } else if (s < 20 && s % 2 === 0) {
        const u = text.slice(x, ts.fields[s + 1]);
        const v = bytes.toString('utf8', y, bs.fields[s + 1]);
        if (u !== v) throw new Error(`record ${j / 2} slot ${s}: ${u} vs ${v}`);
      }
    }
  }
  return n;
}

function cpu(fn) {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

/**
 * --selfcheck: the byte scanner against `projectRecord(JSON.parse(text))` where text is the
 * record's bytes decoded as UTF-8 (replacement characters for invalid sequences), on generated
 * records with multi-byte characters, then with random bytes spliced in (invalid UTF-8, control
 * bytes, quotes, backslashes, brackets). Accepted records must give the same fields, with each kept
 * field decoded on its own (`toString('utf8', start, end)`).
 */
function selfcheck() {
  const str = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary' }),
    fc.constantFrom(
      'AssumedRole',
      'IAMUser',
      'arn:aws:iam::1:role/é',
      's3.amazonaws.com',
      '2026-10-03T16:48:00Z',
    ),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      str,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(fc.oneof(str, fc.constantFrom('arn', 'type', 'sessionIssuer')), tie('v'), {
        maxKeys: 3,
      }),
    ),
  })).v;
  const identity = fc.record(
    {
      type: fc.oneof(str, fc.constant(null)),
      arn: fc.oneof(str, fc.constant(null)),
      accessKeyId: str,
      principalId: str,
      sessionContext: fc.oneof(
        fc.constant(null),
        fc.record(
          {
            sessionIssuer: fc.oneof(
              fc.constant(null),
              fc.record({ arn: str, userName: str }, { requiredKeys: [] }),
            ),
            attributes: value,
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );
  const record = fc.record(
    {
      eventVersion: fc.constant('1.10'),
      userIdentity: fc.oneof(identity, fc.constant(null)),
      eventTime: str,
      eventSource: str,
      eventName: str,
      awsRegion: str,
      requestParameters: value,
      managementEvent: fc.oneof(fc.boolean(), fc.constant(null)),
      eventCategory: str,
      recipientAccountId: str,
    },
    { requiredKeys: [] },
  );
  const splice = fc.array(
    fc.record({
      at: fc.nat(),
      bytes: fc.array(
        fc.oneof(
          fc.integer({ min: 0x80, max: 0xff }),
          fc.constantFrom(
            0x00,
            0x09,
            0x0a,
            0x1f,
            0x22,
            0x5c,
            0x7b,
            0x7d,
            0x5b,
            0x5d,
            0x2c,
            0x3a,
            0x20,
          ),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      cut: fc.nat({ max: 2 }),
    }),
    { maxLength: 3 },
  );
  let accepted = 0;
  let total = 0;
  fc.assert(
    fc.property(record, splice, (r, edits) => {
      let b = Buffer.from(JSON.stringify(r), 'utf8');
      for (const e of edits) {
        const at = 1 + (e.at % Math.max(1, b.length - 2));
        b = Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(at + e.cut)]);
      }
      if (b[0] !== OPEN_BRACE || b[b.length - 1] !== CLOSE_BRACE) return;
      total++;
      let expected;
      try {
        expected = projectRecord(JSON.parse(b.toString('utf8')));
      } catch {
        expected = 'invalid';
      }
      const s = new ByteScanner(b, 'words');
      closeQuote = closeQuoteWords;
      if (!s.scanFields(0, b.length)) return;
      accepted++;
      const got = fieldsRecord({ slice: (x, y) => b.toString('utf8', x, y) }, s.fields);
      if (!isDeepStrictEqual(got, expected)) {
        throw new Error(`differs: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
      }
    }),
    { numRuns: Number(arg('runs') ?? 20000) },
  );
  console.log(
    `selfcheck: ${total} records, ${accepted} accepted by the byte scanner, all equal to JSON.parse`,
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

if (argv.includes('--selfcheck')) {
  selfcheck();
  process.exit(0);
}

for (const set of SETS) {
  const files = gzFiles(join(DIR, set)).sort().slice(0, FILES);
  const gzs = files.map((f) => readFileSync(f));
  let bufs;
  const gunzipMs = cpu(() => {
    bufs = gzs.map((g) => gunzipSync(g));
  });
  const mb = bufs.reduce((s, b) => s + b.length, 0) / 1e6;
  let checked = 0;
  for (const b of bufs) checked += check(b);
  const records = bufs.reduce((s, b) => s + textPipeline(b, false)[0], 0);
  console.log(
    `${set}: ${files.length} files, ${records} records, ${mb.toFixed(1)} MB decompressed; ` +
      `gunzip ${gunzipMs.toFixed(0)} ms CPU; checked ${checked} accepted records equal`,
  );
  const variants = {
    text: () => bufs.forEach((b) => textPipeline(b, false)),
    'bytes/loop': () => bufs.forEach((b) => bytesPipeline(b, false, 'bytes')),
    'bytes/words': () => bufs.forEach((b) => bytesPipeline(b, false, 'words')),
    'text+keep': () => bufs.forEach((b) => textPipeline(b, true)),
    'bytes/words+keep': () => bufs.forEach((b) => bytesPipeline(b, true, 'words')),
    'bytes/words+intern+keep': () => bufs.forEach((b) => bytesPipeline(b, 'intern', 'words')),
    'text+group': () => bufs.forEach((b) => textPipeline(b, 'group')),
    'bytes/words+ids+group': () => bufs.forEach((b) => bytesPipeline(b, 'group', 'words')),
  };
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS + 1; r++) {
    const order = Object.keys(variants);
    if (r % 2 === 1) order.reverse();
    for (const k of order) {
      const ms = cpu(variants[k]);
      if (r > 0) times[k].push(ms); // round 0 warms up
    }
  }
  const base = median(times.text);
  const baseKeep = median(times['text+keep']);
  const baseGroup = median(times['text+group']);
  for (const [k, xs] of Object.entries(times)) {
    const m = median(xs);
    const ref = k.endsWith('keep') ? baseKeep : k.endsWith('group') ? baseGroup : base;
    console.log(
      `  ${k.padEnd(24)} median ${m.toFixed(0).padStart(5)} ms CPU  (${((1000 * m) / records).toFixed(2)} µs/record, ` +
        `${(mb / (m / 1000)).toFixed(0)} MB/s; ${(m / ref).toFixed(2)}× ${k.endsWith('keep') ? 'text+keep' : k.endsWith('group') ? 'text+group' : 'text'})  ` +
        `[${xs.map((x) => x.toFixed(0)).join(' ')}]`,
    );
  }
}
console.log(
  `load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}; sink ${sink > 0}`,
);
