/**
 * The CloudTrail field scanner of `field-scanner.ts` over the decompressed bytes of a log file
 * (the `Buffer` that `gunzipSync` returns) instead of its decoded text, in WebAssembly with SIMD:
 * `assembly/byte-scanner.ts`, compiled by `npm run build` to `generated/byte-scanner.wasm` (why
 * hand-written and why WebAssembly, with the measured figures, is in that file's comment). This
 * module loads it (compiled once per thread, instantiated once per thread) and copies each file
 * into the instance's memory; one call splits the file and scans every record.
 *
 * The contract, per record (a row of {@link ByteScanner.scanFile}'s result):
 *
 * - either its fields (the offsets layout of `FIELD` in `field-scanner.ts`, byte offsets into the
 *   file, from row offset {@link ROW_FIELDS}) are exactly what `projectRecord(JSON.parse(text))`
 *   gives, `text` being the record's bytes decoded as UTF-8 and each string field being its bytes
 *   decoded on their own, or its identity slot holds {@link DECLINED}: then the caller parses the
 *   record with `JSON.parse`.
 * - A record is declined for a backslash or a byte below 0x20 inside a string or key, a duplicate
 *   read field, a read field holding an unexpected kind of value, nesting deeper than 256, and any
 *   JSON syntax error anywhere in the record (the whole grammar is checked).
 *
 * Bytes 0x80 and above are accepted inside strings and nowhere else, as `JSON.parse` of the
 * UTF-8-decoded text does: a UTF-8 decoder never turns such a byte (valid or not) into a quote, a
 * backslash or a control character, and between two ASCII bytes (the quotes) it decodes a string's
 * bytes the same whether alone or within the whole text (an ASCII byte ends any unfinished
 * sequence). The reader uses this scanner on ASCII files only (see `cloudtrail-file.ts`), where
 * UTF-8 and latin1 decoding agree; the differential tests (`byte-scanner.test.ts`) check it on
 * multi-byte and invalid UTF-8 too.
 *
 * Memory: the instance keeps the largest file it was given (plus its rows, about 9 % more on
 * CloudTrail's records); after a file above {@link RELEASE_BYTES} it is replaced by a fresh
 * instance on the next smaller file, so a worker holds at most one large file's copy for long.
 */
import { readFileSync } from 'node:fs';
import { IamRefineError } from '../errors.js';
import { FIELD, FIELD_SLOTS } from './field-scanner.js';

/** Slots per record in {@link ByteScanner.scanFile}'s rows: start, end, then the fields. */
export const ROW_SLOTS = 2 + FIELD_SLOTS;
/** Where a row's fields start (after the record's start and end byte offsets). */
export const ROW_FIELDS = 2;
/** In a row's `FIELD.identity` slot: the record was declined (parse it with `JSON.parse`). */
export const DECLINED = -100;
/** An instance whose memory grew above this is replaced before a smaller file (bytes). */
export const RELEASE_BYTES = 64 * 2 ** 20;

/** The scanner's WebAssembly exports (see `assembly/byte-scanner.ts`). */
interface ScannerExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  input(): number;
  rows(length: number): number;
  scanFile(length: number): number;
  scanBounds(length: number, count: number): void;
}

/** The parts of the `WebAssembly` global used here (not in the ES lib's types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const WASM_URL = new URL('../../generated/byte-scanner.wasm', import.meta.url);
let compiled: object | undefined;

/** The compiled module, once per thread. */
function scannerModule(): object {
  if (compiled === undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_URL);
    } catch (cause) {
      throw new IamRefineError(
        `cannot read the byte scanner ${WASM_URL.pathname} (run npm run build): ${(cause as Error).message}`,
        { cause },
      );
    }
    const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
    compiled = new wasm.Module(bytes);
  }
  return compiled;
}

/**
 * The WebAssembly byte scanner: one instance (its own memory), used for one file at a time. The
 * rows it returns are a view of its memory, valid until its next call.
 */
export class ByteScanner {
  private exports!: ScannerExports;

  /** A scanner with a fresh instance. */
  constructor() {
    this.instantiate();
  }

  /** The size of the instance's memory, in bytes. */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /**
   * Fills the instance's memory from its input area to its end with `byte`: what stale bytes of
   * earlier files could be (tests).
   */
  fillStale(byte: number): void {
    new Uint8Array(this.exports.memory.buffer).fill(byte, this.exports.input());
  }

  private instantiate(): void {
    const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
    this.exports = new wasm.Instance(scannerModule(), {}).exports as ScannerExports;
  }

  /** Copies `bytes` into memory (grown for them and a first estimate of the rows); false when it cannot grow. */
  private load(bytes: Uint8Array, rowBytes: number): boolean {
    let memory = this.exports.memory;
    const rows = this.exports.rows(bytes.length) >>> 0;
    const need = rows + rowBytes;
    if (memory.buffer.byteLength > RELEASE_BYTES && need <= RELEASE_BYTES) {
      this.instantiate();
      memory = this.exports.memory;
    }
    const have = memory.buffer.byteLength;
    if (need > have) {
      try {
        memory.grow(Math.ceil((need - have) / 65536));
      } catch {
        return false;
      }
    }
    new Uint8Array(memory.buffer).set(bytes, this.exports.input());
    return true;
  }

  /**
   * Splits the decompressed log file `bytes` in CloudTrail's own compact layout (each record ends
   * just before the next `},{"eventVersion"`: the compact case of `splitRecords` of
   * `split-records.ts`, on the bytes) and scans every record: rows of {@link ROW_SLOTS} slots,
   * one per record in file order (see the module comment); `undefined` for a file in another
   * layout, or when memory cannot grow for it (then the caller reads the file as text).
   */
  scanFile(bytes: Uint8Array): Int32Array | undefined {
    // A first estimate of the rows: CloudTrail records are about 1 KB.
    if (!this.load(bytes, (bytes.length >> 3) + ROW_SLOTS * 4)) return undefined;
    const count = this.exports.scanFile(bytes.length);
    if (count < 0) return undefined;
    const at = this.exports.rows(bytes.length) >>> 0;
    return new Int32Array(this.exports.memory.buffer, at, count * ROW_SLOTS);
  }

  /**
   * Scans the records at `bounds` (`[start0, end0, start1, end1, ...]`, byte offsets into
   * `bytes`, each record starting with `{` and ending with `}`, in any layout): rows as
   * {@link ByteScanner.scanFile}'s.
   */
  scanRecords(bytes: Uint8Array, bounds: readonly number[]): Int32Array {
    const count = bounds.length >> 1;
    if (!this.load(bytes, count * ROW_SLOTS * 4)) {
      throw new IamRefineError(`the byte scanner cannot grow its memory to ${bytes.length} bytes`);
    }
    const at = this.exports.rows(bytes.length) >>> 0;
    const rows = new Int32Array(this.exports.memory.buffer, at, count * ROW_SLOTS);
    for (let k = 0; k < count; k++) {
      rows[k * ROW_SLOTS] = bounds[2 * k]!;
      rows[k * ROW_SLOTS + 1] = bounds[2 * k + 1]!;
    }
    this.exports.scanBounds(bytes.length, count);
    return rows;
  }
}

let threadScanner: ByteScanner | undefined;

/** The scanner of this thread (worker), made on first use. */
export function byteScanner(): ByteScanner {
  return (threadScanner ??= new ByteScanner());
}

/** Whether row `k` of `rows` was declined (its record must be parsed with `JSON.parse`). */
export function declined(rows: Int32Array, k: number): boolean {
  return rows[k * ROW_SLOTS + ROW_FIELDS + FIELD.identity] === DECLINED;
}
