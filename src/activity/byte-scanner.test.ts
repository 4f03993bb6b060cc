/**
 * The WebAssembly byte scanner (`byte-scanner.ts`, `assembly/byte-scanner.ts`) against its
 * reference, `projectRecord(JSON.parse(text))` with `text` the record's bytes decoded as UTF-8
 * (replacement characters for invalid sequences), each string field decoded on its own; its
 * compact split against `splitRecords`; the safety of its 16-byte loads (stop bytes in every lane,
 * stale bytes of earlier files past a record's end, growing memory, many files on one instance);
 * and the byte interner against a `Map` of decoded strings.
 */
import { Buffer } from 'node:buffer';
import { statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteInterner } from './byte-interner.js';
import { ByteScanner, DECLINED, RELEASE_BYTES, ROW_FIELDS, ROW_SLOTS } from './byte-scanner.js';
import { FIELD, fieldsRecord, projectRecord, type ScannedRecord } from './field-scanner.js';
import { splitRecords } from './split-records.js';

// The tests run the compiled scanner: it must be built from the current source.
const source = statSync(new URL('../../assembly/byte-scanner.ts', import.meta.url)).mtimeMs;
const built = statSync(new URL('../../generated/byte-scanner.wasm', import.meta.url)).mtimeMs;
if (built < source) {
  throw new Error(
    'assembly/byte-scanner.ts is newer than generated/byte-scanner.wasm: run npm run build',
  );
}

/** One instance for every test of this file: many files in sequence on one instance. */
const scanner = new ByteScanner();

/** The bytes that fill memory past a file's end before it is scanned, by `stale` (0 to 3). */
const STALE = [0x22, 0x7d, 0x5c, 0x20];

/** Row `k` of `rows` as a record (string fields decoded from `file`), or `undefined` if declined. */
function rowRecord(file: Buffer, rows: Int32Array, k: number): ScannedRecord | undefined {
  const fields = rows.subarray(k * ROW_SLOTS + ROW_FIELDS, (k + 1) * ROW_SLOTS);
  if (fields[FIELD.identity] === DECLINED) return undefined;
  return fieldsRecord(
    { slice: (s: number, e: number) => file.toString('utf8', s, e) } as string,
    fields,
  );
}

/**
 * The scanner on `record`'s bytes placed at `offset` in a file (every lane of the 16-byte loads
 * is met) with `pad` more bytes after it, memory past the file first filled with stale bytes
 * (`STALE[stale]`, as an earlier file leaves them); `undefined` when it declines.
 */
function scan(record: Buffer, offset = 0, stale = 0, pad = 0): ScannedRecord | undefined {
  const file = Buffer.alloc(offset + record.length + pad, 0x7d);
  record.copy(file, offset);
  scanner.scanRecords(Buffer.alloc(file.length + 64, STALE[stale & 3]), []);
  const rows = scanner.scanRecords(file, [offset, offset + record.length]);
  return rowRecord(file, rows, 0);
}

const INVALID = Symbol('invalid');
function reference(record: Buffer): unknown {
  try {
    return projectRecord(JSON.parse(record.toString('utf8')));
  } catch {
    return INVALID;
  }
}

/** The differential property: declined, or exactly the reference (never accepts invalid JSON). */
function agrees(record: Buffer, offset = 0, shift = 0, pad = 0): boolean {
  const got = scan(record, offset, shift, pad);
  if (got === undefined) return false;
  const expected = reference(record);
  expect(expected).not.toBe(INVALID);
  expect(got).toStrictEqual(expected);
  return true;
}

const str = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(
    'AssumedRole',
    'IAMUser',
    'arn:aws:iam::111122223333:role/Ordérs',
    'arn:aws:iam::111122223333:role/\u{1f600}',
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
      value,
      fc.record(
        {
          sessionIssuer: fc.oneof(
            fc.constant(null),
            value,
            fc.record({ arn: fc.oneof(str, value), userName: str }, { requiredKeys: [] }),
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
    userIdentity: fc.oneof(identity, fc.constant(null), value),
    eventTime: fc.oneof(str, value),
    eventSource: str,
    eventName: str,
    awsRegion: str,
    requestParameters: value,
    managementEvent: fc.oneof(fc.boolean(), fc.constant(null), value),
    eventCategory: str,
    recipientAccountId: str,
  },
  { requiredKeys: [] },
);
/** Raw bytes spliced into a record: invalid UTF-8, control bytes, JSON punctuation, escapes. */
const splices = fc.array(
  fc.record({
    at: fc.nat(),
    bytes: fc.array(
      fc.oneof(
        fc.integer({ min: 0x80, max: 0xff }),
        fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d),
        fc.constantFrom(0x2c, 0x3a, 0x30, 0x2d, 0x2e, 0x65, 0x6e, 0x74),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    cut: fc.nat({ max: 3 }),
  }),
  { maxLength: 3 },
);

function spliced(r: unknown, edits: { at: number; bytes: number[]; cut: number }[]): Buffer {
  let b = Buffer.from(JSON.stringify(r), 'utf8');
  for (const e of edits) {
    const at = 1 + (e.at % Math.max(1, b.length - 2));
    b = Buffer.concat([b.subarray(0, at), Buffer.from(e.bytes), b.subarray(at + e.cut)]);
  }
  return b;
}

describe('ByteScanner', () => {
  it('equals the projection of JSON.parse of the UTF-8 text on generated records', () => {
    let read = 0;
    let nonAscii = 0;
    fc.assert(
      fc.property(record, fc.nat({ max: 31 }), fc.nat({ max: 3 }), (r, offset, stale) => {
        const b = Buffer.from(JSON.stringify(r), 'utf8');
        if (agrees(b, offset, stale, offset & 3)) {
          read++;
          if (b.some((x) => x >= 0x80)) nonAscii++;
        }
      }),
      { numRuns: 3000 },
    );
    // The fast path is taken, also with multi-byte characters in the record.
    expect(read).toBeGreaterThan(300);
    expect(nonAscii).toBeGreaterThan(100);
  });

  it('declines or agrees on records with raw bytes spliced in (invalid UTF-8, controls, escapes)', () => {
    let read = 0;
    let invalidUtf8 = 0;
    fc.assert(
      fc.property(record, splices, fc.nat({ max: 31 }), fc.nat({ max: 3 }), (r, edits, o, s) => {
        const b = spliced(r, edits);
        if (b[0] !== 0x7b || b[b.length - 1] !== 0x7d) return;
        if (agrees(b, o, s)) {
          read++;
          if (Buffer.from(b.toString('utf8'), 'utf8').compare(b) !== 0) invalidUtf8++;
        }
      }),
      { numRuns: 8000 },
    );
    expect(read).toBeGreaterThan(500);
    // Records holding invalid UTF-8 (decoded with replacement characters) are read too.
    expect(invalidUtf8).toBeGreaterThan(20);
  });

  it('reads and declines fixed cases like the text scanner', () => {
    const ok = Buffer.from(
      '{"eventTime":"2026-10-03T16:48:00Z","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/é","sessionContext":{"sessionIssuer":{"arn":"x"}}},"eventName":"Get\u00e9","managementEvent":false,"n":[1,-0.5e+3,{}]}',
      'utf8',
    );
    for (let offset = 0; offset < 16; offset++) {
      for (let stale = 0; stale < 4; stale++) expect(agrees(ok, offset, stale, stale)).toBe(true);
    }
    const declined = [
      '{"eventName":"a\\"b"}', // an escape
      '{"eventName":"a\tb"}', // a raw control character in a string
      '{"x":"\u0001"}',
      '{"eventName":"a","eventName":"b"}', // a duplicate read field
      '{"eventName":1}', // another kind of value
      '{"userIdentity":[]}',
      '{"x":01}', // invalid JSON
      '{"x":[1,]}',
      '{"x":{"a":1]}',
      '{"x":tru}',
      '{"x":"a"',
      // Mismatched brackets around the objects it reads.
      '{"userIdentity":["type":"IAMUser"}}',
      '{"userIdentity":{"type":"IAMUser"]}',
      '{"userIdentity":{"sessionContext":["sessionIssuer":null}}}',
      '{"userIdentity":{"sessionContext":{"sessionIssuer":["arn":"a"}}}}',
      '{"x":[{"a":1]}',
    ];
    for (const text of declined) {
      for (let offset = 0; offset < 16; offset++) {
        expect(scan(Buffer.from(text, 'utf8'), offset, offset & 3, offset & 1)).toBeUndefined();
      }
    }
    // Whitespace between tokens (control bytes outside strings) is valid JSON and read.
    expect(agrees(Buffer.from('{ "eventName" :\t"a" ,\r\n"x":[ 1 ] }', 'utf8'))).toBe(true);
    // A byte 0x80 or above outside a string is not JSON.
    expect(scan(Buffer.from([0x7b, 0x22, 0x78, 0x22, 0x3a, 0xc3, 0xa9, 0x7d]))).toBeUndefined();
  });

  it('splits the compact layout as splitRecords does, and scans every record', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 5 }),
        fc.constantFrom('', '\n', ' \r\n'),
        fc.nat({ max: 3 }),
        (rs, tail, stale) => {
          const text = `${JSON.stringify({ Records: rs.map((r) => ({ eventVersion: '1.10', ...r })) })}${tail}`;
          const bytes = Buffer.from(text, 'latin1');
          if (!text.split('').every((c) => c.charCodeAt(0) < 0x80)) return;
          scanner.scanRecords(Buffer.alloc(bytes.length + 64, STALE[stale]), []);
          const rows = scanner.scanFile(bytes)!;
          const expected = splitRecords(text)!;
          expect(bounds(rows)).toEqual(expected);
          for (let k = 0; k < rows.length / ROW_SLOTS; k++) {
            const got = rowRecord(bytes, rows, k);
            const one = bytes.subarray(expected[2 * k], expected[2 * k + 1]);
            if (got !== undefined) expect(got).toStrictEqual(reference(one));
          }
        },
      ),
      { numRuns: 500 },
    );
    const split = (text: string) => {
      const rows = scanner.scanFile(Buffer.from(text, 'latin1'));
      return rows === undefined ? undefined : bounds(rows);
    };
    expect(split('{"Records":[]}')).toBeUndefined();
    expect(split('{"Records":[{"eventVersion":"1"}]')).toBeUndefined();
    expect(split('{"Records":[{"eventVersion":"1"}]}  ')).toEqual([12, 32]);
    // A separator where a string should be splits there too (and JSON.parse declares the records
    // invalid): a valid string cannot hold one, its quote would be escaped.
    const inside =
      '{"Records":[{"eventVersion":"1","x":"},{"eventVersion""},{"eventVersion":"2"}]}';
    expect(split(inside)).toEqual(splitRecords(inside));
  });
});

describe('ByteScanner: its 16-byte loads and its memory', () => {
  /** Records with a placeholder `~` where a string's content goes: read fields, skipped, keys. */
  const TEMPLATES = [
    '{"eventName":"~"}',
    '{"x":"~","eventSource":"s"}',
    '{"~":1}',
    '{"userIdentity":{"arn":"~"},"y":["~"]}',
  ];

  /** Bytes put in every lane, and whether a record holding one in a string is read. */
  const LANE_BYTES: [number, boolean][] = [
    [0x00, false],
    [0x0a, false],
    [0x1f, false],
    [0x5c, false],
    [0x22, false],
    [0x20, true],
    [0x7f, true],
    [0x80, true],
    [0xff, true],
  ];

  /** Whether the scan of `bytes` is `read` (then equal to the reference) or declined. */
  function matches(bytes: Buffer, offset: number, stale: number, read: boolean): boolean {
    const got = scan(bytes, offset, stale);
    return read ? isDeepStrictEqual(got, reference(bytes)) : got === undefined;
  }

  it('finds a quote, backslash or control byte in every lane and across lane boundaries', () => {
    const failures: string[] = [];
    for (const template of TEMPLATES) {
      for (let n = 0; n < 36; n++) {
        const text = template.split('~').join('a'.repeat(n));
        const at = template.indexOf('~');
        const ok = Buffer.from(text, 'latin1');
        for (let offset = 0; offset < 16; offset++) {
          if (!matches(ok, offset, (offset + n) & 3, true)) failures.push(`${text} at ${offset}`);
          for (let p = 0; p < n; p++) {
            const bytes = Buffer.from(ok);
            // Stop bytes: the record is not read (a raw control byte, an escape) or not JSON.
            // Other bytes are content: read, with the same value as JSON.parse gives.
            for (const [byte, read] of LANE_BYTES) {
              bytes[at + p] = byte;
              if (!matches(bytes, offset, p & 3, read)) {
                failures.push(`${text} at ${offset}, byte ${byte} at ${p}`);
              }
            }
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("never reads at or past a record's end: every prefix is declined, the rest of the record after it", () => {
    const check = (full: Buffer, offset: number): void => {
      const file = Buffer.alloc(offset + full.length, 0x20);
      full.copy(file, offset);
      for (let cut = 1; cut < full.length; cut++) {
        // The rest of the record in the file after the end,
        const inFile = scanner.scanRecords(file, [offset, offset + cut]);
        expect(rowRecord(file, inFile, 0)).toBeUndefined();
        // and in memory past a file that ends there (stale bytes of the file before).
        scanner.scanRecords(file, []);
        const prefix = file.subarray(0, offset + cut);
        const stale = scanner.scanRecords(prefix, [offset, offset + cut]);
        expect(rowRecord(prefix, stale, 0)).toBeUndefined();
      }
    };
    const fixed = Buffer.from(
      '{"eventTime":"2026-10-03T16:48:00Z","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/x","accessKeyId":"AKIA1","sessionContext":{"sessionIssuer":{"arn":"x"}}},"eventName":"Get","managementEvent":false,"n":[1,-0.5e+3,{},true,null],"eventCategory":"Data"}',
      'latin1',
    );
    expect(agrees(fixed)).toBe(true);
    for (let offset = 0; offset < 16; offset++) check(fixed, offset);
    // Memory filled to its end with stale bytes (a run of digits, quotes, ...) after a file that
    // ends inside the record: declined, and no load leaves memory (a load past it would trap).
    const one = new ByteScanner();
    one.scanRecords(fixed, []);
    for (const byte of [0x31, 0x22, 0x7d, 0x5d, 0x20]) {
      one.fillStale(byte);
      for (let cut = 1; cut < fixed.length; cut++) {
        const prefix = fixed.subarray(0, cut);
        expect(rowRecord(prefix, one.scanRecords(prefix, [0, cut]), 0)).toBeUndefined();
      }
    }
    fc.assert(
      fc.property(record, fc.nat({ max: 15 }), (r, offset) => {
        const full = Buffer.from(JSON.stringify(r), 'utf8');
        if (scan(full) !== undefined) check(full, offset);
      }),
      { numRuns: 200 },
    );
  });

  /** A file in CloudTrail's compact layout holding `records` (each given `eventVersion` first). */
  const compactFile = (records: unknown[]): Buffer =>
    Buffer.from(
      JSON.stringify({ Records: records.map((r) => ({ eventVersion: '1.10', ...(r as object) })) }),
      'utf8',
    );

  /** Every row of `rows` (a scan of `file`) agrees with the reference, or is declined. */
  function checkRows(file: Buffer, rows: Int32Array): number {
    const expected = splitRecords(file.toString('latin1'))!;
    expect(bounds(rows)).toEqual(expected);
    let read = 0;
    for (let k = 0; k < rows.length / ROW_SLOTS; k++) {
      const got = rowRecord(file, rows, k);
      if (got === undefined) continue;
      read++;
      expect(got).toStrictEqual(reference(file.subarray(expected[2 * k], expected[2 * k + 1])));
    }
    return read;
  }

  const generated = fc.sample(record, { seed: 14, numRuns: 3000 });
  const big = compactFile(generated);

  it('reads a file larger than its memory, and grows memory for the rows within one call', () => {
    const fresh = new ByteScanner();
    expect(fresh.memoryBytes).toBeLessThan(big.length);
    expect(checkRows(big, fresh.scanFile(big)!)).toBeGreaterThan(300);
    // 300,000 short records: their rows (104 bytes each) take about five times the file's size,
    // far more than the first estimate, so the scanner grows memory while it writes them.
    const count = 300_000;
    const tiny = Buffer.from(
      `{"Records":[${Array.from({ length: count }, (_, k) => `{"eventVersion":"1","eventName":"${k % 10}"}`).join(',')}]}`,
      'latin1',
    );
    const before = fresh.memoryBytes;
    const rows = fresh.scanFile(tiny)!;
    expect(fresh.memoryBytes).toBeGreaterThan(before + tiny.length * 4);
    expect(rows.length).toBe(count * ROW_SLOTS);
    const text = tiny.toString('latin1');
    const expected = splitRecords(text)!;
    expect(bounds(rows)).toEqual(expected);
    let wrong = 0;
    for (let k = 0; k < count; k++) {
      const f = k * ROW_SLOTS + ROW_FIELDS;
      const name = text.slice(rows[f + FIELD.eventName], rows[f + FIELD.eventName + 1]);
      if (rows[f + FIELD.identity] === DECLINED || name !== String(k % 10)) wrong++;
    }
    expect(wrong).toBe(0);
  });

  it('gives the same rows for files in sequence on one instance as fresh instances give', () => {
    const small = compactFile(generated.slice(0, 7));
    const sequence = [big, small, big.subarray(0, 5000), small, big];
    const one = new ByteScanner();
    for (const file of sequence) {
      const got = one.scanFile(file);
      const expected = new ByteScanner().scanFile(file);
      expect(got === undefined ? undefined : Array.from(got)).toEqual(
        expected === undefined ? undefined : Array.from(expected),
      );
    }
  });

  it('frees its memory after a file above RELEASE_BYTES', () => {
    const one = new ByteScanner();
    const head = '{"Records":[{"eventVersion":"';
    const huge = Buffer.alloc(RELEASE_BYTES + 1000, 0x61);
    huge.write(head, 0, 'latin1');
    huge.write('"}]}', huge.length - 4, 'latin1');
    const rows = one.scanFile(huge)!;
    expect(bounds(rows)).toEqual([12, huge.length - 2]);
    expect(rows[ROW_FIELDS + FIELD.identity]).not.toBe(DECLINED);
    expect(one.memoryBytes).toBeGreaterThan(RELEASE_BYTES);
    const small = compactFile(generated.slice(0, 7));
    checkRows(small, one.scanFile(small)!);
    expect(one.memoryBytes).toBeLessThan(RELEASE_BYTES);
  });
});

/** The `[start, end, ...]` bounds of `rows`. */
function bounds(rows: Int32Array): number[] {
  const out: number[] = [];
  for (let at = 0; at < rows.length; at += ROW_SLOTS) out.push(rows[at]!, rows[at + 1]!);
  return out;
}

describe('ByteInterner', () => {
  it('gives equal ids exactly to equal values, each decoded once', () => {
    const parts = fc.array(fc.constantFrom('a', 'b', 'ab', '', 'ba', 'arn:aws:iam::1:role/x'), {
      minLength: 1,
      maxLength: 60,
    });
    fc.assert(
      fc.property(parts, parts, fc.nat({ max: 40 }), (firsts, seconds, room) => {
        const interner = new ByteInterner(room, 1 << 16);
        const seen = new Map<string, number>();
        firsts.forEach((a, k) => {
          const b = seconds[k % seconds.length]!;
          const bytes = Buffer.from(`"${a}"${b}`, 'latin1');
          const id = interner.id(bytes, 1, 1 + a.length, 2 + a.length, bytes.length);
          const known = seen.get(`${a}\u0000${b}`);
          if (known !== undefined) {
            expect(id).toBe(known);
          } else if (id >= 0) {
            expect([...seen.values()]).not.toContain(id);
            seen.set(`${a}\u0000${b}`, id);
            expect([interner.first[id], interner.second[id]]).toEqual([a, b]);
          } else {
            // No room: only when the interner is full.
            expect(interner.size).toBe(room);
          }
        });
        expect(interner.size).toBe(Math.min(room, seen.size));
      }),
      { numRuns: 500 },
    );
  });

  it('stops at its byte budget and at a bounded number of probes', () => {
    const small = new ByteInterner(8, 10);
    const b = Buffer.from('abcdefghijkl', 'latin1');
    expect(small.id(b, 0, 6, 0, 0)).toBe(0);
    expect(small.id(b, 6, 12, 0, 0)).toBe(-1); // 12 bytes > 10
    expect(small.id(b, 0, 6, 0, 0)).toBe(0);
    expect(small.first).toEqual(['abcdef']);
  });
});
