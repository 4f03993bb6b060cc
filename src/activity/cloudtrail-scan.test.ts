/**
 * The CloudTrail reader's fast path (split records, field scanner, JSON.parse per declined record)
 * against its reference path (JSON.parse of the whole file), on generated log files: the same
 * activity, counts and bad-record reports.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readCloudTrailFile } from './cloudtrail-file.js';
import { RawActivity } from './raw-activity.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-refine-ct-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const arn = fc.constantFrom(
  'arn:aws:iam::111122223333:role/app/Orders',
  'arn:aws:iam::111122223333:user/alice',
  'arn:aws:iam::111122223333:role/with"quote',
  'arn:aws:iam::111122223333:role/tab\there',
  '',
);
const identity = fc.oneof(
  fc.record({
    type: fc.constant('AssumedRole'),
    arn: fc.constant('arn:aws:sts::111122223333:assumed-role/Orders/s'),
    sessionContext: fc.oneof(
      fc.record({ sessionIssuer: fc.record({ type: fc.constant('Role'), arn }) }),
      fc.constant(null),
      fc.constant({}),
    ),
  }),
  fc.record(
    {
      type: fc.constant('IAMUser'),
      arn,
      accessKeyId: fc.constantFrom('AKIAEXAMPLE1', 'ASIAX', ''),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constantFrom('Root', 'AWSService', 'SAMLUser', 'FederatedUser'), arn }),
  fc.constant(null),
  fc.constant([]),
);
const record = fc.record(
  {
    eventVersion: fc.constant('1.10'),
    userIdentity: identity,
    eventTime: fc.constantFrom('2026-10-01T10:00:00Z', '2026-10-02T23:59:59Z', 'yesterday', 17),
    eventSource: fc.constantFrom('s3.amazonaws.com', 'lambda.amazonaws.com', '', 'kms\\x'),
    eventName: fc.constantFrom('GetObject', 'Invoke', 'Decrypt', 'Get\u00e9', ''),
    requestParameters: fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 })),
    managementEvent: fc.boolean(),
    eventCategory: fc.constantFrom('Data', 'Management'),
    recipientAccountId: fc.constant('111122223333'),
  },
  { requiredKeys: ['eventVersion'] },
);

/** Reads `text` as a gzip log file. */
function read(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, gzipSync(text));
  const raw = new RawActivity();
  const result = readCloudTrailFile(file, raw);
  return { raw: raw.toJSON(), result: { ...result, file: undefined, bytes: undefined } };
}

describe('the CloudTrail reader', () => {
  it('reads a file on its fast path as on its JSON.parse path (differential)', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (records) => {
        const compact = JSON.stringify({ Records: records });
        // Another top-level key: not the plain layout, so the whole text is parsed with JSON.parse.
        const reference = `${compact.slice(0, -1)},"other":0}`;
        // The same file name: it is in the bad-record reports.
        const fast = read(`f${n}.json.gz`, compact);
        const slow = read(`f${n++}.json.gz`, reference);
        expect(fast).toEqual(slow);
        expect(fast.result.events).toBe(records.length);
      }),
      { numRuns: 300 },
    );
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
