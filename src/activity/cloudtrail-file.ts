/**
 * Reading one CloudTrail log file into a {@link RawActivity} (events grouped by principal, event
 * source and event name; mapped to IAM actions later, once per distinct call): the per-file work
 * of `readCloudTrail`, run in worker threads (or in the calling thread for small inputs).
 *
 * A log file is `{"Records": [...]}`, plain or gzip-compressed (detected by its magic bytes, not
 * its name). Each record is attributed to the principal whose permissions it used:
 *
 * | `userIdentity.type` | principal                                                     |
 * |---------------------|---------------------------------------------------------------|
 * | `AssumedRole`       | `sessionContext.sessionIssuer.arn` (the role ARN, with path)  |
 * | `IAMUser`           | `arn`; an `accessKeyId` starting `AKIA` (a long-term key) is recorded as used by the user |
 * | `FederatedUser`     | `sessionContext.sessionIssuer.arn` (the user who federated)   |
 * | `Root`, `AWSService`, anything else (`AWSAccount`, `SAMLUser`, `WebIdentityUser`, ...) | none: counted as ignored |
 *
 * Denied attempts (`errorCode` `AccessDenied`, ...) count as use, as IAM last accessed counts
 * them. Data events (`managementEvent: false` or `eventCategory: "Data"`) are recorded like
 * management events, and counted per event source. A record without `userIdentity`, or without a
 * valid `eventTime`, `eventSource` or `eventName`, is not attributed: it is counted and reported
 * with its file and index. A file that cannot be read, decompressed or parsed is skipped with a
 * reason, and contributes nothing.
 *
 * Records are read one at a time (`split-records.ts`): the fields the reader needs by the field
 * scanner (`field-scanner.ts`, as offsets, grouped by {@link addFields}), or `JSON.parse` of the
 * one record the scanner leaves to it, so that at most one record's objects and the file's text
 * are alive at once; a file of another layout is parsed whole.
 *
 * An ASCII file in CloudTrail's own compact layout (nearly every real file) takes the byte path
 * instead: its decompressed bytes are scanned directly (`byte-scanner.ts`, in WebAssembly with
 * SIMD: the file is split and every record scanned in one call; no text of the file is made, and
 * no separate control-character pass or backslash search), and its records are grouped
 * on ids of their principal and of their event source and name, interned by their bytes and
 * decoded once (`byte-interner.ts`, {@link ByteGroups}), instead of fresh strings looked up in
 * nested `Map`s. Measured in-process on the bench trails (`bench/scanner-bytes.mjs`, and the
 * whole per-file read against the text path): 13 % less CPU per file on the ordinary trail, 27 %
 * on the many-keys trail. Other files (another layout, or non-ASCII content, whose record sizes
 * are counted in characters) take the text path, unchanged.
 *
 * A file is decompressed whole, not in chunks: measured on the bench trails (6.7 MB per file),
 * Node's streaming gunzip (256 KiB chunks) cost more CPU than one `gunzipSync`, and decoding and
 * scanning 256 KiB pieces cost more than the whole text at once; grouping each record right after
 * scanning it (while in cache) was no faster than the second pass either. Memory is bounded by the
 * file cap below.
 *
 * Resources are bounded by {@link ReadLimits} (issue 9, "bounded resources"; `scan
 * --max-log-file-bytes`, `--max-record-bytes`): a file whose content (decompressed) is larger than
 * `maxFileBytes` is skipped, and so is a file holding a record larger than `maxRecordBytes`. The
 * file cap is enforced before anything is decompressed when it can be (the size on disk of a plain
 * file; the decompressed size a gzip trailer records) and otherwise while decompressing (never
 * more than `maxFileBytes` are produced): a gzip bomb costs at most the cap, never its size.
 */
import { constants as bufferConstants, isAscii } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { formatIssue, ValidationError, type Issue } from '../errors.js';
import { parseJson } from '../json/parse.js';
import { noteRecord, type FileCoverage } from './coverage.js';
import { parseCloudTrailTimeAt, parseIsoTime } from './iso-time.js';
import {
  FALSE,
  FIELD,
  FIELD_SLOTS,
  hasControlBytes,
  OBJECT,
  RecordScanner,
} from './field-scanner.js';
import { ByteInterner } from './byte-interner.js';
import { byteScanner, declined, ROW_FIELDS, ROW_SLOTS } from './byte-scanner.js';
import { RawActivity, detachString, type IdGroups } from './raw-activity.js';
import { splitRecords } from './split-records.js';

/** Events not attributed to any principal, by reason. */
export interface IgnoredEvents {
  /** `userIdentity.type` `Root`. */
  root: number;
  /** `userIdentity.type` `AWSService`. */
  awsService: number;
  /** Records without a `userIdentity` object (each also reported in `badRecords`). */
  noIdentity: number;
  /** Other identity types: `AWSAccount`, `SAMLUser`, `WebIdentityUser`, `IdentityCenterUser`, ... */
  other: number;
  /**
   * Records whose `eventTime`, `eventSource`, `eventName` or issuer ARN is missing or invalid, or
   * that are not objects (each also reported in `badRecords`).
   */
  malformed: number;
}

/** What reading one file found. */
export interface FileResult {
  /** The file. */
  file: string;
  /** Its size on disk, in bytes. */
  bytes: number;
  /** Records read (attributed or not); 0 when the file was skipped. */
  events: number;
  /** Why the file was skipped, when it was. */
  skipped?: string;
  ignored: IgnoredEvents;
  /** Records not attributed because they are malformed (at most {@link MAX_BAD_RECORDS_PER_FILE}). */
  badRecords: Issue[];
  /** Data events read, per event source (`s3.amazonaws.com`). */
  dataEvents: Map<string, number>;
  /** Days and times of the records read, per `recipientAccountId \t awsRegion` (see coverage.ts). */
  coverage: FileCoverage;
}

/** At most this many bad records are reported per file (all are counted). */
export const MAX_BAD_RECORDS_PER_FILE = 20;

/** Size caps of one log file and one record, in bytes (see the module comment). */
export interface ReadLimits {
  /** Largest content (decompressed) of one log file. */
  maxFileBytes: number;
  /** Largest record (its JSON text) in a log file. */
  maxRecordBytes: number;
}

/**
 * The largest `maxFileBytes` accepted: a file is parsed from one string, and V8 strings hold at
 * most this many characters (about 512 MiB).
 */
export const MAX_LOG_FILE_BYTES_LIMIT = bufferConstants.MAX_STRING_LENGTH;

/**
 * Default file cap: 256 MiB decompressed. CloudTrail delivers a file per account and region about
 * every 5 minutes, typically a few MB. A file is held whole while it is parsed, so each worker
 * thread may hold up to this much: the cap is also the memory a crafted bomb can cost per worker
 * (see `bench/bomb.mjs`). A larger real file is skipped and reported (a coverage gap, never "no
 * activity"); raise the cap with `--max-log-file-bytes`.
 */
export const DEFAULT_MAX_LOG_FILE_BYTES = 256 * 2 ** 20;

/**
 * Default record cap: 1 MiB, four times the 256 KB that CloudTrail documents as the largest event
 * (event version 1.05 and newer; "Quotas in AWS CloudTrail").
 */
export const DEFAULT_MAX_RECORD_BYTES = 2 ** 20;

/** The default {@link ReadLimits}. */
export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxFileBytes: DEFAULT_MAX_LOG_FILE_BYTES,
  maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
});

/** What a gzip file whose trailer claims too much is decompressed to at most, to tell it from a damaged one. */
const PROBE_BYTES = 2 ** 20;

/** Files larger than this are not re-parsed to locate a JSON syntax error (line:column). */
const MAX_REPARSE_BYTES = 64 * 1024 * 1024;

/** Returns a fresh, all-zero {@link IgnoredEvents}. */
export function noIgnoredEvents(): IgnoredEvents {
  return { root: 0, awsService: 0, noIdentity: 0, other: 0, malformed: 0 };
}

/** The subset of a CloudTrail record this reader looks at. */
interface RawRecord {
  userIdentity?: unknown;
  eventTime?: unknown;
  eventSource?: unknown;
  eventName?: unknown;
  managementEvent?: unknown;
  eventCategory?: unknown;
  recipientAccountId?: unknown;
  awsRegion?: unknown;
}

interface RawIdentity {
  type?: unknown;
  arn?: unknown;
  accessKeyId?: unknown;
  sessionContext?: { sessionIssuer?: { arn?: unknown } | null } | null;
}

/**
 * Reads one CloudTrail log file into `raw` (see the module comment). Never throws for bad
 * content: the result says why a file was skipped.
 *
 * @param limits - Size caps (default {@link DEFAULT_READ_LIMITS}); a file beyond them is skipped.
 */
export function readCloudTrailFile(
  file: string,
  raw: RawActivity,
  limits: Readonly<ReadLimits> = DEFAULT_READ_LIMITS,
): FileResult {
  const result: FileResult = {
    file,
    bytes: 0,
    events: 0,
    ignored: noIgnoredEvents(),
    badRecords: [],
    dataEvents: new Map(),
    coverage: new Map(),
  };
  let loaded: LoadedText | string;
  try {
    loaded = loadText(file, result, limits.maxFileBytes);
  } catch (cause) {
    loaded = `cannot be read (${errorText(cause)})`;
  }
  if (typeof loaded === 'string') {
    result.skipped = loaded;
    return result;
  }
  const { bytes, gzip } = loaded;
  // The file's activity is added only once the whole file is known to be good.
  const ascii = isAscii(bytes);
  // CloudTrail's own layout in ASCII (nearly every real file): the byte path, no text made (the
  // file split and every record scanned in one call).
  const compact = ascii ? byteScanner().scanFile(bytes) : undefined;
  if (compact !== undefined) {
    const tooLarge = largeRecord(compact, limits.maxRecordBytes, ROW_SLOTS);
    if (tooLarge !== undefined) {
      return skipWholeFile(result, recordTooLarge(tooLarge.index, tooLarge.bytes, limits));
    }
    if (readByteSlices(bytes, compact, file, raw, result)) return result;
  }
  // Latin-1 decoding is a plain copy, and equals UTF-8 decoding for ASCII.
  const text = bytes.toString(ascii ? 'latin1' : 'utf8');
  // Another layout, or other text (the byte path's records are those of the text path's split).
  const bounds = compact === undefined ? splitRecords(text) : undefined;
  if (bounds !== undefined) {
    const tooLarge = largeRecord(bounds, limits.maxRecordBytes);
    if (tooLarge !== undefined) {
      return skipWholeFile(result, recordTooLarge(tooLarge.index, tooLarge.bytes, limits));
    }
    if (readSlices(text, !hasControlBytes(bytes), bounds, file, raw, result)) return result;
  }
  // Not the plain layout, or a record is not valid JSON: parse the whole text (which says where
  // the error is), from a clean slate.
  const own = new RawActivity();
  Object.assign(result, {
    events: 0,
    ignored: noIgnoredEvents(),
    badRecords: [],
    dataEvents: new Map(),
    coverage: new Map(),
  });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    result.skipped = `not valid JSON${gzip ? ' after decompression' : ''}: ${jsonErrorText(text, file, cause)}`;
    return result;
  }
  const records =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? (doc as { Records?: unknown }).Records
      : undefined;
  if (!Array.isArray(records)) {
    result.skipped = 'not a CloudTrail log file: expected a JSON object {"Records": [...]}';
    return result;
  }
  for (let i = 0; i < records.length; i++) {
    // Not the plain layout: a record's size is measured as its compact JSON text.
    const bytes = Buffer.byteLength(JSON.stringify(records[i]) ?? '');
    if (bytes > limits.maxRecordBytes) {
      return skipWholeFile(result, recordTooLarge(i, bytes, limits));
    }
  }
  result.events = records.length;
  for (let i = 0; i < records.length; i++) addRecord(records[i], i, file, own, result);
  raw.merge(own);
  return result;
}

/**
 * The first record (index and bytes) of `bounds` larger than `max` bytes, if any; each record's
 * start and end are the first two of its `stride` slots.
 */
function largeRecord(
  bounds: ArrayLike<number>,
  max: number,
  stride = 2,
): { index: number; bytes: number } | undefined {
  for (let j = 0; j < bounds.length; j += stride) {
    // Characters of a latin1/UTF-16 slice: at most the record's bytes for ASCII text, and for
    // other text a lower bound (the file cap bounds the rest).
    const bytes = bounds[j + 1]! - bounds[j]!;
    if (bytes > max) return { index: j / stride, bytes };
  }
  return undefined;
}

function recordTooLarge(index: number, bytes: number, limits: Readonly<ReadLimits>): string {
  return `record ${index} ($.Records[${index}]) is at least ${bytes} bytes, more than the limit of ${limits.maxRecordBytes} bytes per record (--max-record-bytes; CloudTrail events are at most 256 KB)`;
}

/** Marks the whole file skipped: none of its records count. */
function skipWholeFile(result: FileResult, reason: string): FileResult {
  Object.assign(result, {
    events: 0,
    ignored: noIgnoredEvents(),
    badRecords: [],
    dataEvents: new Map(),
    skipped: reason,
  });
  return result;
}

/**
 * Reads the records at `bounds` one at a time (see `split-records.ts`): the fields each needs
 * with the field scanner (`field-scanner.ts`, as offsets into `text`), or `JSON.parse` for a
 * record the scanner leaves to it; false, adding nothing to `raw`, as soon as one is not valid
 * JSON. Once all are read, adds them to `raw` ({@link addFields}: the same as {@link addRecord}
 * of the fields, read in place).
 */
function readSlices(
  text: string,
  controlFree: boolean,
  bounds: readonly number[],
  file: string,
  raw: RawActivity,
  result: FileResult,
): boolean {
  const scanner = new RecordScanner(text, controlFree);
  const count = bounds.length >> 1;
  const rows = fieldRows(count);
  const fields = scanner.fields;
  let parsed: unknown[] | undefined;
  for (let j = 0, k = 0; j < bounds.length; j += 2, k++) {
    if (scanner.scanFields(bounds[j]!, bounds[j + 1]!)) {
      rows.set(fields, k * FIELD_SLOTS);
    } else {
      try {
        (parsed ??= [])[k] = JSON.parse(text.slice(bounds[j], bounds[j + 1]));
      } catch {
        return false;
      }
      rows[k * FIELD_SLOTS + FIELD.identity] = PARSED;
    }
  }
  for (let k = 0; k < count; k++) {
    if (rows[k * FIELD_SLOTS + FIELD.identity] === PARSED) {
      addRecord(parsed![k], k, file, raw, result);
    } else addFields(text, rows, k * FIELD_SLOTS, k, file, raw, result);
  }
  result.events = count;
  return true;
}

/**
 * {@link readSlices} on the bytes of an ASCII file in CloudTrail's compact layout, scanned by the
 * byte scanner (`byte-scanner.ts`: `rows` holds each record's bounds and fields, or that it was
 * declined): `JSON.parse` of the records it declined, then {@link addByteFields} (or
 * {@link addRecord}) in record order; false, adding nothing to `raw`, as soon as one record is not
 * valid JSON.
 */
function readByteSlices(
  bytes: Buffer,
  rows: Int32Array,
  file: string,
  raw: RawActivity,
  result: FileResult,
): boolean {
  const count = rows.length / ROW_SLOTS;
  let parsed: unknown[] | undefined;
  for (let k = 0; k < count; k++) {
    if (declined(rows, k)) {
      const at = k * ROW_SLOTS;
      try {
        // ASCII: latin1 is UTF-8 here.
        (parsed ??= [])[k] = JSON.parse(bytes.toString('latin1', rows[at], rows[at + 1]));
      } catch {
        return false;
      }
    }
  }
  const groups = new ByteGroups(bytes, raw);
  for (let k = 0; k < count; k++) {
    if (parsed !== undefined && declined(rows, k)) {
      addRecord(parsed[k], k, file, raw, result);
    } else addByteFields(groups, rows, k * ROW_SLOTS + ROW_FIELDS, k, file, result);
  }
  result.events = count;
  return true;
}

/**
 * Principal ARNs interned by their bytes (per worker, bounded: see `byte-interner.ts`); ids below
 * 2^14, so that a group key (principal id times 2^16 plus call id) is a small integer.
 */
let principalIds = new ByteInterner(1 << 14, 16 * 2 ** 20);
/** Event sources with their event names ("calls"), interned by their bytes; ids below 2^16. */
let callIds = new ByteInterner(1 << 16, 16 * 2 ** 20);

/**
 * For tests: starts the byte path's interning afresh with room for `principals` principal ARNs
 * and `calls` calls (at most 2^14 and 2^16), so that the path taken when there is no room is
 * tested too; without arguments, the defaults.
 */
export function resetByteInterning(principals = 1 << 14, calls = 1 << 16): void {
  principalIds = new ByteInterner(Math.min(principals, 1 << 14), 16 * 2 ** 20);
  callIds = new ByteInterner(Math.min(calls, 1 << 16), 16 * 2 ** 20);
}

/**
 * The records of one file being grouped on the byte path: the latest time per (principal, call)
 * id pair, kept by `raw` for the whole read (`RawActivity.idGroups`: one table of integers, turned
 * into strings once when the activity is sent; `raw`'s output is in a canonical order, so the
 * order of first uses needs no keeping). Also remembers the last account and region decoded (a
 * file is one account and region), and the day of the last time parsed.
 */
class ByteGroups {
  readonly bytes: Buffer;
  readonly raw: RawActivity;
  private readonly ids: IdGroups;
  /** The last `recipientAccountId` and `awsRegion` decoded, with their bytes. */
  private account = new LastString();
  private region = new LastString();
  /** The day (`YYYY-MM-DDT`, as bytes) of the last CloudTrail time parsed, and its start. */
  private readonly day = new Uint8Array(11);
  private dayMs = NaN;

  constructor(bytes: Buffer, raw: RawActivity) {
    this.bytes = bytes;
    this.raw = raw;
    this.ids = raw.idGroups(principalIds, callIds);
  }

  /**
   * Records a use of the call `callId` by `principalId` at `ms` (ids of {@link principalIds} and
   * {@link callIds}).
   */
  add(principalId: number, callId: number, ms: number): void {
    this.ids.add(principalId, callId, ms);
  }

  /** The string of `bytes[start, end)` for the account (`which` 0) or the region (1). */
  coverageString(which: number, start: number, end: number): string {
    return (which === 0 ? this.account : this.region).of(this.bytes, start, end);
  }

  /**
   * The time of the 20 bytes `YYYY-MM-DDTHH:MM:SSZ` at `at` (the caller has checked the length
   * and the `Z`), exactly as `parseCloudTrailTimeAt` of their text gives it (`undefined` when it
   * does): a time of the same day as the last one is computed from that day's start, after the
   * same checks on its hour, minute and second; another day is parsed by `parseCloudTrailTimeAt`.
   */
  time(at: number): number | undefined {
    const b = this.bytes;
    const day = this.day;
    let same = this.dayMs === this.dayMs; // not NaN
    for (let k = 0; same && k < 11; k++) same = b[at + k] === day[k];
    if (same && b[at + 13] === COLON_BYTE && b[at + 16] === COLON_BYTE) {
      const hour = twoDigits(b, at + 11);
      const minute = twoDigits(b, at + 14);
      const second = twoDigits(b, at + 17);
      if (hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59) {
        return this.dayMs + ((hour * 60 + minute) * 60 + second) * 1000;
      }
      return undefined;
    }
    const ms = parseCloudTrailTimeAt(b.toString('latin1', at, at + 20), 0);
    if (ms !== undefined) {
      // Accepted: its date is valid and its hour, minute and second are two digits each.
      const seconds =
        (twoDigits(b, at + 11) * 60 + twoDigits(b, at + 14)) * 60 + twoDigits(b, at + 17);
      this.dayMs = ms - seconds * 1000;
      day.set(b.subarray(at, at + 11));
    }
    return ms;
  }
}

const COLON_BYTE = 0x3a;

/** The number written by the two ASCII digits at `at`, or -1 when one is not a digit. */
function twoDigits(b: Buffer, at: number): number {
  const x = b[at]! - 0x30;
  const y = b[at + 1]! - 0x30;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/** The last string decoded from a byte range, with its bytes: decoded again only when they change. */
class LastString {
  private bytes = new Uint8Array(64);
  private length = -1;
  private value = '';

  /** The string of `b[start, end)` (latin1: ASCII files only). */
  of(b: Buffer, start: number, end: number): string {
    const n = end - start;
    if (n === this.length) {
      const kept = this.bytes;
      let k = 0;
      while (k < n && kept[k] === b[start + k]) k++;
      if (k === n) return this.value;
    }
    this.value = b.toString('latin1', start, end);
    if (n > this.bytes.length) this.bytes = new Uint8Array(n);
    this.bytes.set(b.subarray(start, end));
    this.length = n;
    return this.value;
  }
}

/** Whether `b` holds the ASCII `word` at `at`. */
function bytesHold(b: Buffer, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (b[at + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** {@link identityType} of the bytes `b[start, end)`. */
function identityTypeBytes(b: Buffer, start: number, end: number): number {
  switch (end - start) {
    case 11:
      return bytesHold(b, start, 'AssumedRole') ? TYPE_ASSUMED_ROLE : TYPE_OTHER;
    case 13:
      return bytesHold(b, start, 'FederatedUser') ? TYPE_FEDERATED_USER : TYPE_OTHER;
    case 7:
      return bytesHold(b, start, 'IAMUser') ? TYPE_IAM_USER : TYPE_OTHER;
    case 4:
      return bytesHold(b, start, 'Root') ? TYPE_ROOT : TYPE_OTHER;
    case 10:
      return bytesHold(b, start, 'AWSService') ? TYPE_AWS_SERVICE : TYPE_OTHER;
    default:
      return TYPE_OTHER;
  }
}

/**
 * {@link addFields} on the byte path: the record whose field offsets are `f[b...]` in
 * `groups.bytes` (an ASCII file), grouped by interned ids in `groups` (see {@link ByteGroups});
 * the same counts, reports, keys, data events and coverage as {@link addRecord}, in the same order.
 */
function addByteFields(
  groups: ByteGroups,
  f: Int32Array,
  b: number,
  i: number,
  file: string,
  result: FileResult,
): void {
  const bytes = groups.bytes;
  const raw = groups.raw;
  const ignored = result.ignored;
  const timeAt = f[b + FIELD.eventTime]!;
  let ms: number | undefined;
  if (timeAt >= 0) {
    const timeEnd = f[b + FIELD.eventTime + 1]!;
    if (timeEnd - timeAt === 20 && bytes[timeAt + 19] === 0x5a /* Z */) ms = groups.time(timeAt);
    ms ??= parseIsoTime(bytes.toString('latin1', timeAt, timeEnd));
  }
  if (ms === undefined) {
    ignored.malformed++;
    badRecord(
      result,
      file,
      i,
      'invalid_value',
      '.eventTime',
      'has no valid eventTime (expected an ISO 8601 time)',
    );
    return;
  }
  raw.cover(ms);
  const accountAt = f[b + FIELD.recipientAccountId]!;
  const regionAt = f[b + FIELD.awsRegion]!;
  noteRecord(
    result.coverage,
    accountAt >= 0
      ? groups.coverageString(0, accountAt, f[b + FIELD.recipientAccountId + 1]!)
      : '?',
    regionAt >= 0 ? groups.coverageString(1, regionAt, f[b + FIELD.awsRegion + 1]!) : '?',
    ms,
  );
  if (f[b + FIELD.identity] !== OBJECT) {
    ignored.noIdentity++;
    badRecord(result, file, i, 'missing_field', '.userIdentity', 'has no userIdentity object');
    return;
  }
  const typeAt = f[b + FIELD.type]!;
  const type = typeAt >= 0 ? identityTypeBytes(bytes, typeAt, f[b + FIELD.type + 1]!) : TYPE_OTHER;
  let principalAt: number;
  let principalSlot: number;
  let keyAt = -1;
  switch (type) {
    case TYPE_ASSUMED_ROLE:
    case TYPE_FEDERATED_USER:
      principalSlot = FIELD.issuerArn;
      principalAt =
        f[b + FIELD.context] === OBJECT && f[b + FIELD.issuer] === OBJECT
          ? f[b + FIELD.issuerArn]!
          : -1;
      break;
    case TYPE_IAM_USER: {
      principalSlot = FIELD.arn;
      principalAt = f[b + FIELD.arn]!;
      const at = f[b + FIELD.accessKeyId]!;
      if (at >= 0 && f[b + FIELD.accessKeyId + 1]! - at >= 4 && bytesHold(bytes, at, 'AKIA')) {
        keyAt = at;
      }
      break;
    }
    case TYPE_ROOT:
      ignored.root++;
      return;
    case TYPE_AWS_SERVICE:
      ignored.awsService++;
      return;
    default:
      ignored.other++;
      return;
  }
  const principalEnd = f[b + principalSlot + 1]!;
  if (principalAt < 0 || principalEnd === principalAt) {
    missingPrincipal(result, file, i, type);
    return;
  }
  if (missingSourceOrName(f, b, result, file, i)) return;
  const sourceAt = f[b + FIELD.eventSource]!;
  const sourceEnd = f[b + FIELD.eventSource + 1]!;
  const nameAt = f[b + FIELD.eventName]!;
  const nameEnd = f[b + FIELD.eventName + 1]!;
  const principalId = principalIds.id(bytes, principalAt, principalEnd, 0, 0);
  const callId = callIds.id(bytes, sourceAt, sourceEnd, nameAt, nameEnd);
  let principal: string;
  let source: string;
  if (principalId >= 0 && callId >= 0) {
    principal = principalIds.first[principalId]!;
    source = callIds.first[callId]!;
    groups.add(principalId, callId, ms);
  } else {
    // No room to intern: added as strings.
    principal = bytes.toString('latin1', principalAt, principalEnd);
    source = bytes.toString('latin1', sourceAt, sourceEnd);
    raw.add(principal, source, bytes.toString('latin1', nameAt, nameEnd), ms);
  }
  if (keyAt >= 0) raw.addKeyBytes(bytes, keyAt, f[b + FIELD.accessKeyId + 1]!, principal, ms);
  const categoryAt = f[b + FIELD.eventCategory]!;
  if (
    f[b + FIELD.managementEvent] === FALSE ||
    (categoryAt >= 0 &&
      f[b + FIELD.eventCategory + 1]! - categoryAt === 4 &&
      bytesHold(bytes, categoryAt, 'Data'))
  ) {
    const n = result.dataEvents.get(source);
    result.dataEvents.set(source, (n ?? 0) + 1);
  }
}

/** Marks a record of {@link readSlices} that was parsed with `JSON.parse`. */
const PARSED = -100;

/** The rows of field offsets of {@link readSlices}, reused from file to file. */
let rowsBuffer = new Int32Array(0);

/** Room for the field offsets of `count` records. */
function fieldRows(count: number): Int32Array {
  if (rowsBuffer.length < count * FIELD_SLOTS) {
    rowsBuffer = new Int32Array(Math.max(count, 1024) * FIELD_SLOTS);
  }
  return rowsBuffer;
}

const TYPE_OTHER = 0;
const TYPE_ASSUMED_ROLE = 1;
const TYPE_FEDERATED_USER = 2;
const TYPE_IAM_USER = 3;
const TYPE_ROOT = 4;
const TYPE_AWS_SERVICE = 5;

/** The kind of `userIdentity.type` whose value is `text.slice(start, end)`. */
function identityType(text: string, start: number, end: number): number {
  switch (end - start) {
    case 11:
      return text.startsWith('AssumedRole', start) ? TYPE_ASSUMED_ROLE : TYPE_OTHER;
    case 13:
      return text.startsWith('FederatedUser', start) ? TYPE_FEDERATED_USER : TYPE_OTHER;
    case 7:
      return text.startsWith('IAMUser', start) ? TYPE_IAM_USER : TYPE_OTHER;
    case 4:
      return text.startsWith('Root', start) ? TYPE_ROOT : TYPE_OTHER;
    case 10:
      return text.startsWith('AWSService', start) ? TYPE_AWS_SERVICE : TYPE_OTHER;
    default:
      return TYPE_OTHER;
  }
}

/**
 * {@link addRecord} of the record whose field offsets (see `FIELD` in `field-scanner.ts`) are
 * `f[b...]` in `text`, read in place: the time parsed where it is, the type and category compared
 * where they are, and only the strings grouped on sliced (no object per record). The reader's fast
 * path; the differential tests (`cloudtrail-scan.test.ts`) hold it to {@link addRecord}.
 *
 * (Interning the sliced strings through a table keyed on a few of their characters was measured
 * and dropped: about 5 % more CPU than slices, whose hashing `Map` does natively.)
 */
function addFields(
  text: string,
  f: Int32Array,
  b: number,
  i: number,
  file: string,
  raw: RawActivity,
  result: FileResult,
): void {
  const ignored = result.ignored;
  const timeAt = f[b + FIELD.eventTime]!;
  let ms: number | undefined;
  if (timeAt >= 0) {
    const timeEnd = f[b + FIELD.eventTime + 1]!;
    if (timeEnd - timeAt === 20 && text.charCodeAt(timeAt + 19) === 0x5a /* Z */) {
      ms = parseCloudTrailTimeAt(text, timeAt);
    }
    ms ??= parseIsoTime(text.slice(timeAt, timeEnd));
  }
  if (ms === undefined) {
    ignored.malformed++;
    badRecord(
      result,
      file,
      i,
      'invalid_value',
      '.eventTime',
      'has no valid eventTime (expected an ISO 8601 time)',
    );
    return;
  }
  raw.cover(ms);
  const accountAt = f[b + FIELD.recipientAccountId]!;
  const regionAt = f[b + FIELD.awsRegion]!;
  noteRecord(
    result.coverage,
    accountAt >= 0 ? text.slice(accountAt, f[b + FIELD.recipientAccountId + 1]!) : '?',
    regionAt >= 0 ? text.slice(regionAt, f[b + FIELD.awsRegion + 1]!) : '?',
    ms,
  );
  if (f[b + FIELD.identity] !== OBJECT) {
    ignored.noIdentity++;
    badRecord(result, file, i, 'missing_field', '.userIdentity', 'has no userIdentity object');
    return;
  }
  const typeAt = f[b + FIELD.type]!;
  const type = typeAt >= 0 ? identityType(text, typeAt, f[b + FIELD.type + 1]!) : TYPE_OTHER;
  let principalAt: number;
  let principalSlot: number;
  let keyAt = -1;
  switch (type) {
    case TYPE_ASSUMED_ROLE:
    case TYPE_FEDERATED_USER:
      principalSlot = FIELD.issuerArn;
      principalAt =
        f[b + FIELD.context] === OBJECT && f[b + FIELD.issuer] === OBJECT
          ? f[b + FIELD.issuerArn]!
          : -1;
      break;
    case TYPE_IAM_USER: {
      principalSlot = FIELD.arn;
      principalAt = f[b + FIELD.arn]!;
      const at = f[b + FIELD.accessKeyId]!;
      if (at >= 0 && f[b + FIELD.accessKeyId + 1]! - at >= 4 && text.startsWith('AKIA', at)) {
        keyAt = at;
      }
      break;
    }
    case TYPE_ROOT:
      ignored.root++;
      return;
    case TYPE_AWS_SERVICE:
      ignored.awsService++;
      return;
    default:
      ignored.other++;
      return;
  }
  const principalEnd = f[b + principalSlot + 1]!;
  if (principalAt < 0 || principalEnd === principalAt) {
    missingPrincipal(result, file, i, type);
    return;
  }
  if (missingSourceOrName(f, b, result, file, i)) return;
  const sourceAt = f[b + FIELD.eventSource]!;
  const sourceEnd = f[b + FIELD.eventSource + 1]!;
  const nameAt = f[b + FIELD.eventName]!;
  const nameEnd = f[b + FIELD.eventName + 1]!;
  const principal = text.slice(principalAt, principalEnd);
  const source = text.slice(sourceAt, sourceEnd);
  raw.add(principal, source, text.slice(nameAt, nameEnd), ms);
  if (keyAt >= 0) raw.addKey(text.slice(keyAt, f[b + FIELD.accessKeyId + 1]), principal, ms);
  const categoryAt = f[b + FIELD.eventCategory]!;
  if (
    f[b + FIELD.managementEvent] === FALSE ||
    (categoryAt >= 0 &&
      f[b + FIELD.eventCategory + 1]! - categoryAt === 4 &&
      text.startsWith('Data', categoryAt))
  ) {
    const n = result.dataEvents.get(source);
    result.dataEvents.set(n === undefined ? detachString(source) : source, (n ?? 0) + 1);
  }
}

/** Reports record `i` of `file` as malformed (the first {@link MAX_BAD_RECORDS_PER_FILE}). */
function badRecord(
  result: FileResult,
  file: string,
  i: number,
  code: Issue['code'],
  field: string,
  message: string,
): void {
  if (result.badRecords.length < MAX_BAD_RECORDS_PER_FILE) {
    result.badRecords.push({
      code,
      path: `$.Records[${i}]${field}`,
      message: `record ${i} ${message}; it is not attributed to any principal`,
      source: file,
    });
  }
}

/** A file's content (decompressed) and whether it was gzip. */
interface LoadedText {
  bytes: Buffer;
  gzip: boolean;
}

/**
 * The file's content (decompressed when gzip), or the reason it cannot be used; never more than
 * `maxBytes` of content is read or produced (see the module comment).
 */
function loadText(file: string, result: FileResult, maxBytes: number): LoadedText | string {
  const limit = `the limit of ${maxBytes} bytes per log file (--max-log-file-bytes)`;
  let bytes: Buffer;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    result.bytes = size;
    if (size === 0) return 'empty file';
    const magic = Buffer.alloc(2);
    const gzip = readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    // A plain file's content is its size; gzip's stored blocks add 5 bytes per 65,535 and 18 in
    // all, so a gzip file's content is at least (size - 18) * 65535 / 65540 bytes.
    const least = gzip ? Math.floor(((size - 18) * 65535) / 65540) : size;
    if (least > maxBytes) {
      return `${gzip ? 'compressed file of ' : ''}${size} bytes: its content is more than ${limit}`;
    }
    bytes = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (gzip) {
    // The trailer's ISIZE is the decompressed size modulo 2^32 (of the last member): never more
    // than the real size, so a larger one is already over the cap.
    const recorded = bytes.length >= 18 ? bytes.readUInt32LE(bytes.length - 4) : 0;
    if (recorded > maxBytes) {
      // A truncated file's last 4 bytes are arbitrary: a short probe tells a damaged small file
      // (it ends early) from one over the cap, at the cost of at most PROBE_BYTES.
      try {
        gunzipSync(bytes, { maxOutputLength: Math.min(PROBE_BYTES, maxBytes) });
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') {
          return `truncated or corrupt gzip data (${errorText(cause)})`;
        }
      }
      return `its gzip trailer records ${recorded} bytes of decompressed content, more than ${limit}`;
    }
    try {
      bytes = gunzipSync(bytes, { chunkSize: outputChunkSize(bytes), maxOutputLength: maxBytes });
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return `decompresses to more than ${limit}: decompression stopped there (a decompression bomb, or a trailer that does not match the content)`;
      }
      return `truncated or corrupt gzip data (${errorText(cause)})`;
    }
  } else if (file.toLowerCase().endsWith('.gz')) {
    return 'named .gz but not gzip data (it does not start with the gzip magic bytes 1f 8b)';
  }
  return { bytes, gzip };
}

/**
 * The output chunk size for decompressing `gz`: its recorded decompressed size (the gzip trailer's
 * ISIZE) plus one, so that the output comes in one piece without copying, bounded by 40 times the
 * compressed size and 64 MiB (a damaged trailer must not allocate much) and at least 64 KiB.
 */
function outputChunkSize(gz: Buffer): number {
  const recorded = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) + 1 : 0;
  return Math.max(64 * 1024, Math.min(recorded, gz.length * 40, 64 * 2 ** 20));
}

/** Where a JSON syntax error is (line:column and what was expected), from the strict parser. */
function jsonErrorText(text: string, file: string, cause: unknown): string {
  if (text.length <= MAX_REPARSE_BYTES) {
    try {
      parseJson(text, file);
    } catch (error) {
      if (error instanceof ValidationError && error.issues[0] !== undefined) {
        const issue = error.issues[0];
        return formatIssue({ ...issue, source: undefined });
      }
    }
  }
  return errorText(cause);
}

/** Attributes one record (see the module comment) and adds it to `raw`, or counts why not. */
function addRecord(
  value: unknown,
  i: number,
  file: string,
  raw: RawActivity,
  result: FileResult,
): void {
  const ignored = result.ignored;
  const bad = (code: Issue['code'], field: string, message: string): void =>
    badRecord(result, file, i, code, field, message);
  const r = value as RawRecord | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) {
    ignored.malformed++;
    bad('invalid_type', '', 'is not a JSON object');
    return;
  }
  const ms = typeof r.eventTime === 'string' ? parseIsoTime(r.eventTime) : undefined;
  if (ms === undefined) {
    ignored.malformed++;
    bad('invalid_value', '.eventTime', 'has no valid eventTime (expected an ISO 8601 time)');
    return;
  }
  raw.cover(ms);
  noteRecord(
    result.coverage,
    typeof r.recipientAccountId === 'string' ? r.recipientAccountId : '?',
    typeof r.awsRegion === 'string' ? r.awsRegion : '?',
    ms,
  );
  const identity = r.userIdentity as RawIdentity | null | undefined;
  if (typeof identity !== 'object' || identity === null) {
    ignored.noIdentity++;
    bad('missing_field', '.userIdentity', 'has no userIdentity object');
    return;
  }
  let principal: unknown;
  let userKey: string | undefined;
  switch (identity.type) {
    case 'AssumedRole':
    case 'FederatedUser':
      principal = identity.sessionContext?.sessionIssuer?.arn;
      break;
    case 'IAMUser':
      principal = identity.arn;
      if (typeof identity.accessKeyId === 'string' && identity.accessKeyId.startsWith('AKIA')) {
        userKey = identity.accessKeyId;
      }
      break;
    case 'Root':
      ignored.root++;
      return;
    case 'AWSService':
      ignored.awsService++;
      return;
    default:
      ignored.other++;
      return;
  }
  if (typeof principal !== 'string' || principal === '') {
    ignored.malformed++;
    const user = identity.type === 'IAMUser';
    bad(
      'missing_field',
      user ? '.userIdentity.arn' : '.userIdentity.sessionContext',
      `(${String(identity.type)}) has no ${user ? 'userIdentity.arn' : 'userIdentity.sessionContext.sessionIssuer.arn'}`,
    );
    return;
  }
  const source = r.eventSource;
  const name = r.eventName;
  if (typeof source !== 'string' || source === '' || typeof name !== 'string' || name === '') {
    ignored.malformed++;
    bad(
      'missing_field',
      typeof source !== 'string' || source === '' ? '.eventSource' : '.eventName',
      'has no eventSource or eventName',
    );
    return;
  }
  raw.add(principal, source, name, ms);
  if (userKey !== undefined) raw.addKey(userKey, principal, ms);
  if (r.managementEvent === false || r.eventCategory === 'Data') {
    const n = result.dataEvents.get(source);
    result.dataEvents.set(n === undefined ? detachString(source) : source, (n ?? 0) + 1);
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code !== undefined && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}

/** Counts and reports a record of `type` whose principal ARN is missing or empty (both scan paths). */
function missingPrincipal(result: FileResult, file: string, i: number, type: number): void {
  result.ignored.malformed++;
  const user = type === TYPE_IAM_USER;
  const typeName =
    type === TYPE_IAM_USER
      ? 'IAMUser'
      : type === TYPE_ASSUMED_ROLE
        ? 'AssumedRole'
        : 'FederatedUser';
  badRecord(
    result,
    file,
    i,
    'missing_field',
    user ? '.userIdentity.arn' : '.userIdentity.sessionContext',
    `(${typeName}) has no ${user ? 'userIdentity.arn' : 'userIdentity.sessionContext.sessionIssuer.arn'}`,
  );
}

/**
 * Whether the record whose fields start at `f[b]` has no (or an empty) eventSource or eventName;
 * such a record is counted and reported (both scan paths).
 */
function missingSourceOrName(
  f: Int32Array,
  b: number,
  result: FileResult,
  file: string,
  i: number,
): boolean {
  const sourceAt = f[b + FIELD.eventSource]!;
  const sourceEnd = f[b + FIELD.eventSource + 1]!;
  const nameAt = f[b + FIELD.eventName]!;
  const nameEnd = f[b + FIELD.eventName + 1]!;
  if (sourceAt >= 0 && sourceEnd !== sourceAt && nameAt >= 0 && nameEnd !== nameAt) return false;
  result.ignored.malformed++;
  badRecord(
    result,
    file,
    i,
    'missing_field',
    sourceAt < 0 || sourceEnd === sourceAt ? '.eventSource' : '.eventName',
    'has no eventSource or eventName',
  );
  return true;
}
