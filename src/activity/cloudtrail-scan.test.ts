/**
 * The CloudTrail reader's fast path (split records, field scanner, JSON.parse per declined record)
 * against its reference path (JSON.parse of the whole file), on generated log files: the same
 * activity, counts and bad-record reports.
 */
import { Buffer, isAscii } from 'node:buffer';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readCloudTrailFile, resetByteInterning } from './cloudtrail-file.js';
import { RawActivity } from './raw-activity.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-refine-ct-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const arn = fc.constantFrom(
  'arn:aws:iam::111122223333:role/app/Orders',
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:iam::111122223333:role/with"quote',
  'arn:aws:iam::111122223333:role/tab\there',
  '',
  null,
);
/** `sessionContext` and `sessionIssuer` in every form the reader tells apart. */
const sessionContext = fc.oneof(
  fc.record(
    {
      sessionIssuer: fc.oneof(
        fc.record({ type: fc.constant('Role'), arn }, { requiredKeys: ['type'] }),
        fc.constant(null),
        fc.constant('Role'),
      ),
      attributes: fc.constant({ mfaAuthenticated: 'false' }),
    },
    { requiredKeys: [] },
  ),
  fc.constant(null),
  fc.constant({}),
);
const identity = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('AssumedRole', 'FederatedUser'),
      arn: fc.constant('arn:aws:sts::111122223333:assumed-role/Orders/s'),
      accessKeyId: fc.constantFrom('ASIAEXAMPLE', 'AKIAEXAMPLE2'),
      sessionContext,
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constant('IAMUser'),
      arn,
      accessKeyId: fc.constantFrom(
        'AKIAEXAMPLE1',
        'AKIAEXAMPLE2',
        'ASIAX',
        'AKIA',
        'AKI',
        'AKIX1',
        '',
        null,
      ),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({
    type: fc.constantFrom(
      'Root',
      'AWSService',
      'SAMLUser',
      'AssumedRol',
      'IAMUsers',
      'Roots',
      'AWSServices',
      null,
      7,
    ),
    arn,
  }),
  fc.record({ arn }),
  fc.constant(null),
  fc.constant([]),
);
const fields = {
  eventVersion: fc.constant('1.10'),
  userIdentity: identity,
  eventTime: fc.constantFrom(
    '2026-10-01T10:00:00Z',
    '2026-10-02T23:59:59Z',
    '2026-10-02 23:59:59Z',
    '2026-10-02T23:59:59.250Z',
    '2026-10-02T23:59:59+01:00',
    '2026-02-30T10:00:00Z',
    '2026-10-01T24:00:00Z',
    '2026-1x-01T10:00:00Z',
    'yesterday',
    null,
    17,
  ),
  eventSource: fc.constantFrom('s3.amazonaws.com', 'lambda.amazonaws.com', '', 'kms\\x', null),
  eventName: fc.constantFrom('GetObject', 'Invoke', 'Decrypt', 'Get\u00e9', '', null),
  awsRegion: fc.constantFrom('us-east-1', 'eu-west-1', '', null),
  requestParameters: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 })),
  managementEvent: fc.constantFrom(true, false, null),
  eventCategory: fc.constantFrom('Data', 'Management', 'Dat', 'Datas', null),
  recipientAccountId: fc.constantFrom('111122223333', '444455556666', null),
};
/** Records with any of the fields. */
const record = fc.record(fields, { requiredKeys: ['eventVersion'] });
/** Records with all of them (more of them attributed: the reader's every branch is reached). */
const fullRecord = fc.record(fields);

/** Reads `text` as a gzip log file. */
function read(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, gzipSync(text));
  const raw = new RawActivity();
  const result = readCloudTrailFile(file, raw);
  return { raw: raw.toJSON(), result: { ...result, file: undefined, bytes: undefined } };
}

/**
 * The differential property on `runs` generated files: the fast paths (the byte path for ASCII
 * files, the text path for the others) against whole-file `JSON.parse`; how many files were ASCII.
 */
function differential(runs: number): number {
  let n = 0;
  let ascii = 0;
  fc.assert(
    fc.property(
      fc.array(fc.oneof(record, fullRecord), { minLength: 1, maxLength: 12 }),
      (records) => {
        const compact = JSON.stringify({ Records: records });
        // Another top-level key: not the plain layout, so the whole text is parsed with JSON.parse.
        const reference = `${compact.slice(0, -1)},"other":0}`;
        // The same file name: it is in the bad-record reports.
        const fast = read(`f${n}.json.gz`, compact);
        const slow = read(`f${n++}.json.gz`, reference);
        expect(fast).toEqual(slow);
        // The same order of principals, sources, names and data-event sources too.
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
        expect(fast.result.events).toBe(records.length);
        if (isAscii(Buffer.from(compact))) ascii++;
      },
    ),
    { numRuns: runs },
  );
  return ascii;
}

describe('the CloudTrail reader', () => {
  it('reads a file on its fast path as on its JSON.parse path (differential)', () => {
    // Both fast paths are taken: ASCII files (the byte path) and others (the text path).
    const ascii = differential(300);
    expect(ascii).toBeGreaterThan(60);
    expect(ascii).toBeLessThan(290);
  });

  it('reads a file on its byte path as on its JSON.parse path when interning has little room', () => {
    // Room for 2 principals and 3 calls: the byte path's strings-only way is taken too.
    resetByteInterning(2, 3);
    try {
      differential(200);
    } finally {
      resetByteInterning();
    }
  });

  it('keeps the latest times across declined records, in sorted order (byte path)', () => {
    const use = (
      arn: string,
      name: string,
      time: string,
      type = 'IAMUser',
      category = 'Data',
      key = `AKIA${arn.length}`,
    ) => ({
      eventVersion: '1.10',
      eventTime: time,
      eventSource: 's3.amazonaws.com',
      eventName: name,
      userIdentity: { type, arn, accessKeyId: key },
      eventCategory: category,
      recipientAccountId: arn.length % 2 === 0 ? '111122223333' : '444455556666',
    });
    const records = [
      use('arn:aws:iam::1:user/a', 'GetObject', '2026-10-01T10:00:00Z'),
      // Not interned when there is room for one principal: added after what is grouped before it.
      use('arn:aws:iam::1:user/dd', 'ListBucket', '2026-10-01T09:00:00Z'),
      use('arn:aws:iam::1:user/a', 'GetObject', '2026-10-01T12:00:05Z'),
      // Earlier, after a later one: the latest time is kept.
      use('arn:aws:iam::1:user/a', 'GetObject', '2026-10-01T11:00:00Z'),
      // Declined by the scanner (an escape): parsed with JSON.parse, between grouped records.
      use('arn:aws:iam::1:user/b"', 'PutObject', '2026-10-02T10:00:00Z'),
      use('arn:aws:iam::1:user/a', 'PutObject', '2026-10-02T23:59:58Z'),
      // The same day: its time is computed from the day's start.
      use('arn:aws:iam::1:user/a', 'PutObject', '2026-10-02T23:59:59Z'),
      use('arn:aws:iam::1:user/cc', 'GetObject', '2026-10-02T24:00:00Z'),
      use('arn:aws:iam::1:user/cc', 'GetObject', '2026-10-03T00:00:00Z', 'Roof'),
      use('arn:aws:iam::1:user/a', 'GetObject', '2026-10-01T09:00:00Z', 'IAMUser', 'Datx'),
      // Not a long-term key (AKIA...): not recorded.
      use('arn:aws:iam::1:user/a', 'GetObject', '2026-10-01T09:00:00Z', 'IAMUser', 'x', 'AKIB2'),
    ];
    const compact = JSON.stringify({ Records: records });
    expect(isAscii(Buffer.from(compact))).toBe(true);
    const at = (t: string) => Date.parse(t);
    const expected = [
      [
        'arn:aws:iam::1:user/a',
        [
          [
            's3.amazonaws.com',
            [
              ['GetObject', at('2026-10-01T12:00:05Z')],
              ['PutObject', at('2026-10-02T23:59:59Z')],
            ],
          ],
        ],
      ],
      [
        'arn:aws:iam::1:user/b"',
        [['s3.amazonaws.com', [['PutObject', at('2026-10-02T10:00:00Z')]]]],
      ],
      [
        'arn:aws:iam::1:user/dd',
        [['s3.amazonaws.com', [['ListBucket', at('2026-10-01T09:00:00Z')]]]],
      ],
    ];
    // With room to intern, and with room for one principal and one call (the strings-only way).
    for (const room of [undefined, 1]) {
      resetByteInterning(room, room);
      try {
        const fast = read('order.json.gz', compact);
        const slow = read('order.json.gz', `${compact.slice(0, -1)},"other":0}`);
        expect(fast).toEqual(slow);
        expect(fast.raw.principals).toEqual(expected);
        expect(fast.result.ignored.other).toBe(1);
        expect(fast.result.ignored.malformed).toBe(1);
        expect(fast.result.dataEvents).toEqual(new Map([['s3.amazonaws.com', 7]]));
        expect(fast.raw.keys.ids).toEqual(['AKIA21', 'AKIA22']);
      } finally {
        resetByteInterning();
      }
    }
  });

  it('skips a file with one invalid record, as the JSON.parse path does', () => {
    const good = JSON.stringify({
      eventVersion: '1.10',
      eventTime: '2026-10-01T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/a' },
    });
    const r = read('bad.json.gz', `{"Records":[${good},{"eventVersion":"1.10","x":01}]}`);
    expect(r.result.skipped).toMatch(/not valid JSON after decompression/);
    expect(r.result.events).toBe(0);
    expect(r.raw.principals).toEqual([]);
  });
});
