/**
 * The WebAssembly byte scanner (`byte-scanner.ts`, `assembly/byte-scanner.ts`) against its
 * reference, `projectRecord(JSON.parse(text))` with `text` the record's bytes decoded as UTF-8
 * (replacement characters for invalid sequences), each string field decoded on its own; its
 * compact split against `splitRecords`; the safety of its 16-byte loads (stop bytes in every lane,
 * stale bytes of earlier files past a record's end, growing memory, many files on one instance);
 * and the byte interner against a `Map` of decoded strings.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteInterner } from './byte-interner.js';
import { ByteScanner, DECLINED, ROW_FIELDS, ROW_SLOTS } from './byte-scanner.js';
import { FIELD, fieldsRecord, projectRecord, type ScannedRecord } from './field-scanner.js';
import { splitRecords } from './split-records.js';

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
