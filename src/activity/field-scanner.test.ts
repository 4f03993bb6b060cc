import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RecordScanner,
  hasControlBytes,
  projectRecord,
  type ScannedRecord,
} from './field-scanner.js';

/**
 * The scanner on `text` as one whole record, told that the text has no control characters when
 * it has none (as the reader does), so both of its ways to find unusual characters are tested.
 */
function scan(text: string): ScannedRecord | undefined {
  const controlFree = !hasControlBytes(Buffer.from(text, 'utf8'));
  return new RecordScanner(text, controlFree).scan(0, text.length);
}

/** `JSON.parse` of `text`, or a marker when it throws. */
const INVALID = Symbol('invalid');
function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID;
  }
}

/**
 * The differential property: the scanner declines (`undefined`) or gives exactly the projection
 * of `JSON.parse`; it never accepts what `JSON.parse` rejects.
 */
function agrees(text: string): void {
  const got = scan(text);
  if (got === undefined) return;
  const parsed = parse(text);
  expect(parsed).not.toBe(INVALID);
  expect(got).toStrictEqual(projectRecord(parsed));
}

/** Whether the projection of `parsed` has only the kinds of values the scanner returns. */
function usual(parsed: unknown): boolean {
  const p = projectRecord(parsed) as Record<string, unknown>;
  const str = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  const obj = (v: unknown) =>
    v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return false;
  for (const k of ['eventTime', 'eventSource', 'eventName', 'eventCategory', 'awsRegion']) {
    if (!str(p[k])) return false;
  }
  if (!str(p.recipientAccountId)) return false;
  const m = p.managementEvent;
  if (!(m === undefined || m === null || typeof m === 'boolean')) return false;
  const id = p.userIdentity as Record<string, unknown> | null | undefined;
  if (!obj(id)) return false;
  if (id === null || id === undefined) return true;
  if (!str(id.type) || !str(id.arn) || !str(id.accessKeyId) || !obj(id.sessionContext))
    return false;
  const ctx = id.sessionContext as Record<string, unknown> | null | undefined;
  if (ctx === null || ctx === undefined) return true;
  if (!obj(ctx.sessionIssuer)) return false;
  const issuer = ctx.sessionIssuer as Record<string, unknown> | null | undefined;
  return issuer === null || issuer === undefined || str(issuer.arn);
}

/** A CloudTrail record as CloudTrail writes it (the reader's fields and the usual others). */
const REAL = {
  eventVersion: '1.10',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:session',
    arn: 'arn:aws:sts::111122223333:assumed-role/OrdersRole/session',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLE',
        arn: 'arn:aws:iam::111122223333:role/app/OrdersRole',
        accountId: '111122223333',
        userName: 'OrdersRole',
      },
      webIdFederationData: {},
      attributes: { creationDate: '2026-10-01T00:00:00Z', mfaAuthenticated: 'false' },
    },
  },
  eventTime: '2026-10-01T10:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  awsRegion: 'us-east-1',
  sourceIPAddress: '10.0.0.1',
  userAgent: 'aws-cli/2.15.40',
  requestParameters: { bucketName: 'b', key: 'k/1.parquet', eventName: 'NotThisOne' },
  responseElements: null,
  additionalEventData: { bytesTransferredIn: 0, bytesTransferredOut: 865622 },
  requestID: 'ABC',
  eventID: 'e1',
  readOnly: true,
  resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k/1.parquet' }],
  eventType: 'AwsApiCall',
  managementEvent: false,
  recipientAccountId: '111122223333',
  eventCategory: 'Data',
  tlsDetails: { tlsVersion: 'TLSv1.3' },
};

describe('RecordScanner', () => {
  it('reads the fields of a real CloudTrail record without JSON.parse', () => {
    const text = JSON.stringify(REAL);
    const got = scan(text);
    expect(got).toStrictEqual({
      eventTime: '2026-10-01T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      eventCategory: 'Data',
      managementEvent: false,
      awsRegion: 'us-east-1',
      recipientAccountId: '111122223333',
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::111122223333:assumed-role/OrdersRole/session',
        accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
        sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::111122223333:role/app/OrdersRole' } },
      },
    });
    expect(got).toStrictEqual(projectRecord(JSON.parse(text)));
    // An IAM user's record: no sessionContext.
    const user = {
      ...REAL,
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/a', accessKeyId: 'AKIAX' },
    };
    expect(scan(JSON.stringify(user))).toStrictEqual(projectRecord(user));
  });

  it('reads a record in the middle of a file, not past its end', () => {
    const a = JSON.stringify({ eventTime: 't1', eventName: 'A' });
    const b = JSON.stringify({ eventTime: 't2', eventName: 'B' });
    const text = `{"Records":[${a},${b}]}`;
    const scanner = new RecordScanner(text);
    const start = 12;
    expect(scanner.scan(start, start + a.length)).toMatchObject({
      eventTime: 't1',
      eventName: 'A',
    });
    const b0 = start + a.length + 1;
    expect(scanner.scan(b0, b0 + b.length)).toMatchObject({ eventTime: 't2', eventName: 'B' });
    // A record cut short (its end before its closing brace) is declined, never read on.
    expect(scanner.scan(start, start + a.length - 1)).toBeUndefined();
    // A slice ending inside the next record is declined too.
    expect(scanner.scan(start, b0 + 5)).toBeUndefined();
  });

  it('declines escapes, control characters, duplicates and unexpected kinds of value', () => {
    const declined = [
      // escapes anywhere: in a read value, in a key that decodes to a read field, elsewhere
      '{"eventName":"Get\\"Object"}',
      '{"event\\u004eame":"X","eventName":"Y"}',
      '{"eventName":"GetObject","userAgent":"a\\\\b"}',
      // control characters: raw (invalid JSON inside a string) or as whitespace between tokens
      '{"eventName":"Get\u0001Object"}',
      '{"eventName":"Get\nObject"}',
      '{\n"eventName": "GetObject"\n}',
      // duplicate read fields (JSON.parse keeps the last)
      '{"eventName":"A","eventName":"B"}',
      '{"userIdentity":null,"userIdentity":{"type":"IAMUser"}}',
      '{"userIdentity":{"arn":"a","arn":"b"}}',
      '{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":"a","arn":"b"}}}}',
      '{"userIdentity":{"sessionContext":{"sessionIssuer":null,"sessionIssuer":{}}}}',
      // unexpected kinds
      '{"eventTime":1790000000000}',
      '{"eventName":["GetObject"]}',
      '{"managementEvent":"false"}',
      '{"userIdentity":[]}',
      '{"userIdentity":"IAMUser"}',
      '{"userIdentity":{"sessionContext":[]}}',
      '{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":1}}}}',
    ];
    for (const text of declined) expect(scan(text), text).toBeUndefined();
  });

  it('declines invalid JSON anywhere in the record, also in the values it does not read', () => {
    const invalid = [
      '{"eventName":"A",}',
      '{"eventName":"A" "x":1}',
      '{"eventName" "A"}',
      '{"x":[1,2,]}',
      '{"x":[1 2]}',
      '{"x":{"a":1,}}',
      '{"x":{"a"}}',
      '{"x":{1:2}}',
      '{"x":01}',
      '{"x":1.}',
      '{"x":.5}',
      '{"x":1e}',
      '{"x":-}',
      '{"x":+1}',
      '{"x":tru}',
      '{"x":nul}',
      '{"x":undefined}',
      '{"x":NaN}',
      '{"x":[}',
      '{"x":{"a":1]}',
      '{"x":[1}}',
      '{"x":[{"a":[1}]]}',
      '{"x":{]}',
      '{"x":"a}',
      '{"x":1}}',
      '{"eventName":"A"}{"b":1}',
      "{'eventName':'A'}",
      '{"x":\u00a01}',
    ];
    for (const text of invalid) {
      expect(parse(text), text).toBe(INVALID);
      if (text.startsWith('{') && text.endsWith('}')) expect(scan(text), text).toBeUndefined();
    }
  });

  it('reads valid oddities as JSON.parse does: spaces, huge numbers, nesting, look-alike fields', () => {
    const odd = [
      '{ "eventName" : "A" , "x" : [ 1 , { } , [ ] ] }',
      '{"x":123456789012345678901234567890,"y":-0.5e-400,"z":1E+400,"eventName":"A"}',
      `{"x":${'['.repeat(20)}{"eventName":"inner"}${']'.repeat(20)},"eventName":"outer"}`,
      '{"requestParameters":{"userIdentity":{"type":"Root"},"eventTime":"x"},"eventTime":"y"}',
      '{"userIdentity":{"x":{"arn":"inner"},"arn":"outer","sessionContext":{"attributes":{"sessionIssuer":1}}}}',
      '{"eventName":"","eventSource":null,"managementEvent":true,"userIdentity":null}',
      '{"__proto__":{"eventName":"polluted"},"eventName":"A","constructor":1}',
      '{"eventName":"\u00e9\u{1f600}\ud800","x":"\u2028"}',
      '{}',
      '{"userIdentity":{}}',
      '{"userIdentity":{"sessionContext":{}}}',
      '{"userIdentity":{"sessionContext":{"sessionIssuer":{}}}}',
    ];
    for (const text of odd) {
      const got = scan(text);
      expect(got, text).not.toBeUndefined();
      expect(got, text).toStrictEqual(projectRecord(JSON.parse(text)));
    }
    // Nesting up to 256 levels is read without recursion; deeper is left to JSON.parse.
    const nested = (n: number) => `{"x":${'['.repeat(n)}${']'.repeat(n)},"eventName":"A"}`;
    expect(scan(nested(255))?.eventName).toBe('A');
    expect(scan(nested(100_000))).toBeUndefined();
    expect(JSON.parse(nested(100_000))).toMatchObject({ eventName: 'A' });
  });

  // --- differential tests against JSON.parse --------------------------------------------------

  const text = fc.oneof(
    fc.constantFrom('AssumedRole', 'IAMUser', 'arn:aws:iam::1:role/a', '', 'eventName', '}{]["'),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
  );
  const leaf = fc.oneof(
    text,
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(1e300, -0, 2 ** 70),
  );
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('array'),
      tie('object'),
    ),
    array: fc.array(tie('value'), { maxLength: 3 }),
    object: fc.dictionary(
      fc.oneof(
        fc.constantFrom('arn', 'type', 'eventName', 'sessionIssuer'),
        fc.string({ maxLength: 6 }),
      ),
      tie('value'),
      { maxKeys: 3 },
    ),
  })).value;
  // Mostly the expected kind of value, sometimes any JSON value.
  const maybe = <T>(a: fc.Arbitrary<T>) =>
    fc.option(fc.oneof({ arbitrary: a, weight: 12 }, { arbitrary: json, weight: 1 }), {
      nil: undefined,
    });
  const issuer = fc.record({ arn: maybe(text), type: maybe(text) }, { requiredKeys: [] });
  const context = fc.record(
    { attributes: maybe(json), sessionIssuer: maybe(fc.oneof(issuer, fc.constant(null))) },
    { requiredKeys: [] },
  );
  const identity = fc.record(
    {
      type: maybe(fc.constantFrom('AssumedRole', 'IAMUser', 'FederatedUser', 'Root')),
      principalId: maybe(text),
      arn: maybe(text),
      accessKeyId: maybe(fc.constantFrom('AKIAEXAMPLE', 'ASIAEXAMPLE', '')),
      sessionContext: maybe(fc.oneof(context, fc.constant(null))),
    },
    { requiredKeys: [] },
  );
  const record = fc.record(
    {
      eventVersion: maybe(text),
      userIdentity: maybe(fc.oneof(identity, fc.constant(null))),
      eventTime: maybe(fc.constantFrom('2026-10-01T10:00:00Z', '2026-10-01')),
      eventSource: maybe(fc.constantFrom('s3.amazonaws.com', 'lambda.amazonaws.com')),
      eventName: maybe(text),
      awsRegion: maybe(text),
      requestParameters: maybe(json),
      managementEvent: maybe(fc.boolean()),
      recipientAccountId: maybe(text),
      eventCategory: maybe(fc.constantFrom('Data', 'Management')),
    },
    { requiredKeys: [] },
  );
  /** JSON text of `value`, compact or with spaces (never line breaks) between tokens. */
  const serialized = fc
    .tuple(record, fc.boolean())
    .map(([r, spaced]) =>
      spaced ? JSON.stringify(r, null, 1).replace(/\n */g, ' ') : JSON.stringify(r),
    );

  it('equals the projection of JSON.parse on generated records, and reads the usual ones', () => {
    let read = 0;
    fc.assert(
      fc.property(serialized, (t) => {
        agrees(t);
        const parsed = JSON.parse(t) as unknown;
        // The fast path is taken whenever nothing unusual is in the record.
        // eslint-disable-next-line no-control-regex
        if (!/[\\\u0000-\u001f]/.test(t) && usual(parsed)) {
          expect(scan(t)).toStrictEqual(projectRecord(parsed));
          read++;
        }
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(300);
  });

  it('never accepts a mutated record that JSON.parse rejects, and agrees on those it accepts', () => {
    const mutation = fc.tuple(
      serialized,
      fc.nat(),
      fc.nat({ max: 3 }),
      fc.constantFrom(
        '',
        '"',
        ',',
        ':',
        '{',
        '}',
        '[',
        ']',
        ' ',
        '0',
        '-',
        'e',
        '.',
        'n',
        '\\',
        '\n',
        'x',
      ),
    );
    fc.assert(
      fc.property(mutation, ([t, at, cut, insert]) => {
        const i = at % (t.length + 1);
        const mutated = t.slice(0, i) + insert + t.slice(i + cut);
        if (!mutated.startsWith('{') || !mutated.endsWith('}')) return;
        agrees(mutated);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with JSON.parse on duplicate keys spliced into generated records', () => {
    fc.assert(
      fc.property(
        serialized,
        fc.constantFrom(
          '"eventName":"Dup"',
          '"userIdentity":{"type":"IAMUser","arn":"dup"}',
          '"userIdentity":null',
          '"managementEvent":true',
          '"eventTime":"2020-01-01T00:00:00Z"',
        ),
        fc.boolean(),
        (t, dup, atEnd) => {
          if (t === '{}') return;
          const spliced = atEnd ? `${t.slice(0, -1)},${dup}}` : `{${dup},${t.slice(1)}`;
          agrees(spliced);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('hasControlBytes', () => {
  it('finds a byte below 0x20 at any position and alignment, as a byte loop does', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 40 }),
        fc.nat({ max: 7 }),
        (bytes, offset) => {
          const backing = new Uint8Array(bytes.length + offset);
          backing.set(bytes, offset);
          const view = backing.subarray(offset);
          expect(hasControlBytes(view)).toBe(view.some((b) => b < 0x20));
        },
      ),
      { numRuns: 3000 },
    );
    // High bytes (UTF-8 continuation bytes) next to 0x20 are not control characters.
    expect(hasControlBytes(new Uint8Array([0xff, 0x20, 0x80, 0x20, 0x21, 0x7f, 0xa0, 0x9f]))).toBe(
      false,
    );
    expect(hasControlBytes(new Uint8Array([0xff, 0x20, 0x80, 0x1f, 0x21, 0x7f, 0xa0, 0x9f]))).toBe(
      true,
    );
  });

  it('lets the scanner look only for backslashes when the text has no control characters', () => {
    const text = '{"eventName":"A","x":"b\\\\c"}';
    expect(new RecordScanner(text, true).scan(0, text.length)).toBeUndefined();
    const plain = '{"eventName":"A","x":"bc"}';
    expect(new RecordScanner(plain, true).scan(0, plain.length)?.eventName).toBe('A');
  });
});
