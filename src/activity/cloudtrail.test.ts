import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { ValidationError } from '../errors.js';
import {
  listCloudTrailFiles,
  readCloudTrail,
  type CloudTrailProgress,
  type ReadCloudTrailOptions,
} from './cloudtrail.js';
import { loadOperationData } from './load-operation-data.js';
import {
  CLOUDTRAIL_FIXTURES,
  VALID_FIXTURE_FILES,
  plainPrincipals,
  plainSummary,
} from './test-helpers.js';

const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/app/OrderProcessor`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/Admin`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/engineering/alice`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const EAST = join(CLOUDTRAIL_FIXTURES, `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1`);
const WEST = join(CLOUDTRAIL_FIXTURES, `AWSLogs/${ACCOUNT}/CloudTrail/us-west-2`);

let catalog: ActionCatalog;
let operationData: object;
let dir: string;
beforeAll(async () => {
  [catalog, operationData] = await Promise.all([loadCatalog(), loadOperationData()]);
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-cloudtrail-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (more: Partial<ReadCloudTrailOptions> = {}): ReadCloudTrailOptions => ({
  catalog,
  operationData,
  dataEventServices: new Set(['s3']),
  ...more,
});

/** The exact activity of the fixtures' valid files (see test/fixtures/cloudtrail/make.mjs). */
const EXPECTED = {
  principals: {
    [ROLE]: {
      last: '2026-01-16T10:00:00.000Z',
      services: {
        cloudwatch: {
          last: '2026-01-15T10:30:00.000Z',
          actions: { putmetricdata: '2026-01-15T10:30:00.000Z' },
        },
        dynamodb: {
          last: '2026-01-16T09:20:00.000Z',
          actions: {
            getrecords: '2026-01-16T09:20:00.000Z',
            readdataforreplication: '2026-01-16T09:20:00.000Z possible',
          },
        },
        kms: { last: '2026-01-16T10:00:00.000Z', actions: { decrypt: '2026-01-16T10:00:00.000Z' } },
        lambda: {
          last: '2026-01-15T09:00:00.000Z',
          actions: { listfunctions: '2026-01-15T09:00:00.000Z' },
        },
        s3: {
          last: '2026-01-16T09:10:00.000Z',
          actions: {
            getobject: '2026-01-16T09:10:00.000Z',
            getobjectlegalhold: '2026-01-16T09:10:00.000Z possible',
            getobjectretention: '2026-01-16T09:10:00.000Z possible',
            getobjecttagging: '2026-01-16T09:10:00.000Z possible',
            getobjectversion: '2026-01-16T09:10:00.000Z possible',
            listbucket: '2026-01-16T09:10:00.000Z possible',
          },
        },
        's3-object-lambda': {
          last: '2026-01-16T09:10:00.000Z',
          actions: { getobject: '2026-01-16T09:10:00.000Z possible' },
        },
      },
    },
    [ADMIN]: {
      last: '2026-01-15T10:45:00.000Z',
      services: {
        iam: {
          last: '2026-01-15T10:45:00.000Z',
          actions: { passrole: '2026-01-15T10:45:00.000Z possible' },
        },
        lambda: {
          last: '2026-01-15T10:45:00.000Z',
          actions: {
            createfunction: '2026-01-15T10:45:00.000Z',
            getlayerversion: '2026-01-15T10:45:00.000Z possible',
            passcapacityprovider: '2026-01-15T10:45:00.000Z possible',
            tagresource: '2026-01-15T10:45:00.000Z possible',
          },
        },
      },
    },
    [ALICE]: {
      last: '2026-01-16T10:05:00.000Z',
      services: {
        cloudshell: {
          last: '2026-01-15T11:40:00.000Z',
          actions: { createsession: '2026-01-15T11:40:00.000Z' },
        },
        ec2: {
          last: '2026-01-15T11:30:00.000Z',
          actions: { describeinstances: '2026-01-15T11:30:00.000Z' },
        },
        iam: {
          last: '2026-01-16T09:25:00.000Z',
          actions: { getuser: '2026-01-16T09:25:00.000Z', listroles: '2026-01-15T11:00:00.000Z' },
        },
        s3: {
          last: '2026-01-16T10:05:00.000Z',
          actions: { listallmybuckets: '2026-01-16T10:05:00.000Z' },
        },
        // ConsoleLogin: a sign-in event no IAM action authorizes (data/mapping-overrides.json).
        signin: { last: '2026-01-15T11:25:00.000Z', actions: {} },
      },
    },
    [BOB]: {
      last: '2026-01-16T09:28:00.000Z',
      services: {
        sts: {
          last: '2026-01-16T09:28:00.000Z',
          actions: { getcalleridentity: '2026-01-16T09:28:00.000Z' },
        },
      },
    },
  },
  accessKeys: { AKIAEXAMPLEALICE0001: `${ALICE} 2026-01-16T10:05:00.000Z` },
  observability: { dataEventServices: ['s3'], actionLastAccessed: false },
  coverage: ['2026-01-14T23:00:00.000Z', '2026-01-16T10:05:00.000Z'],
};

const skipped = (name: string) => expect.stringContaining(name);

describe('readCloudTrail on the fixtures', () => {
  for (const concurrency of [0, 2]) {
    it(`gives the exact summary and stats (${concurrency === 0 ? 'in thread' : `${concurrency} workers`})`, async () => {
      const { accumulator, stats } = await readCloudTrail(
        [CLOUDTRAIL_FIXTURES],
        options({ concurrency }),
      );
      expect(plainSummary(accumulator.finish())).toEqual(EXPECTED);
      expect(stats.workers).toBe(concurrency);
      // The fixtures' calls are all mapped exactly (signin's service-level entry is not a call).
      expect(stats.unmapped).toMatchObject({ operations: 0, calls: 0, top: [] });
      expect(stats.files).toBe(6);
      expect(stats.events).toBe(20);
      expect(stats.ignoredEvents).toEqual({
        root: 1,
        awsService: 1,
        noIdentity: 1,
        other: 1,
        malformed: 0,
      });
      expect([...stats.dataEvents]).toEqual([
        ['dynamodb', 1],
        ['s3', 2],
      ]);
      expect(stats.skippedFiles).toEqual([
        {
          file: skipped('NotGzip000000000.json.gz'),
          reason: 'named .gz but not gzip data (it does not start with the gzip magic bytes 1f 8b)',
        },
        {
          file: skipped('Truncated0000000.json.gz'),
          reason: expect.stringMatching(
            /^truncated or corrupt gzip data \(.*unexpected end of file/,
          ),
        },
        {
          file: skipped('Malformed0000000.json.gz'),
          reason: expect.stringMatching(/^not valid JSON after decompression: 3:29: /),
        },
      ]);
      expect(stats.badRecords).toEqual([
        {
          code: 'missing_field',
          path: '$.Records[6].userIdentity',
          message: 'record 6 has no userIdentity object; it is not attributed to any principal',
          source: skipped('Ij90Kl12Mn34Op56.json.gz'),
        },
      ]);
    });
  }

  it('reads again with uncapped workers when a worker runs out of memory', async () => {
    const seen: number[] = [];
    const { accumulator, stats } = await readCloudTrail(
      [CLOUDTRAIL_FIXTURES],
      options({
        concurrency: 2,
        workerOldGenerationMb: 1,
        onProgress: (p) => seen.push(p.filesDone),
      }),
    );
    expect(stats.retriedUncapped).toBe(true);
    expect(plainSummary(accumulator.finish())).toEqual(EXPECTED);
    expect(stats.events).toBe(20);
    expect(seen.at(-1)).toBe(6);
  });

  it('reads files named one by one, and skips digest folders only in directory walks', async () => {
    const files = VALID_FIXTURE_FILES.map((f) => join(CLOUDTRAIL_FIXTURES, f));
    const { accumulator, stats } = await readCloudTrail(files, options());
    expect(plainSummary(accumulator.finish())).toEqual(EXPECTED);
    expect(stats.skippedFiles).toEqual([]);
    const listed = await listCloudTrailFiles([CLOUDTRAIL_FIXTURES]);
    expect(listed.map((f) => f.file).some((f) => f.includes('Digest'))).toBe(false);
  });

  it('merges directories given separately, and removes duplicates', async () => {
    const { accumulator, stats } = await readCloudTrail(
      [EAST, WEST, EAST],
      options({ concurrency: 1 }),
    );
    expect(plainSummary(accumulator.finish())).toEqual(EXPECTED);
    expect(stats.files).toBe(6);
  });

  it('reports progress before the first file and after each one', async () => {
    const seen: CloudTrailProgress[] = [];
    const { stats } = await readCloudTrail(
      [CLOUDTRAIL_FIXTURES],
      options({ onProgress: (p) => seen.push(p) }),
    );
    expect(seen).toHaveLength(7);
    expect(seen[0]).toEqual({
      files: 6,
      filesDone: 0,
      bytesDone: 0,
      bytesTotal: stats.bytes,
      events: 0,
    });
    expect(seen[6]).toEqual({
      files: 6,
      filesDone: 6,
      bytesDone: stats.bytes,
      bytesTotal: stats.bytes,
      events: 20,
    });
  });

  it('rejects paths that do not exist, and inputs without log files', async () => {
    const missing = join(dir, 'nope');
    await expect(readCloudTrail([missing, CLOUDTRAIL_FIXTURES], options())).rejects.toMatchObject({
      issues: [
        {
          code: 'file_not_found',
          source: missing,
          message: `CloudTrail path ${missing} does not exist`,
        },
      ],
    });
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    writeFileSync(join(empty, 'sub', 'notes.txt'), 'hello');
    const error: unknown = await readCloudTrail([empty], options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]!.code).toBe('empty_input');
  });

  it('rejects a bad concurrency', async () => {
    await expect(
      readCloudTrail([CLOUDTRAIL_FIXTURES], options({ concurrency: -1 })),
    ).rejects.toThrow(/concurrency/);
  });
});

describe('readCloudTrail on edge cases', () => {
  let n = 0;
  const file = (content: string | Buffer, name = `f${++n}.json`): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const record = (fields: Record<string, unknown>) => ({
    eventTime: '2026-02-01T00:00:00Z',
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetCallerIdentity',
    ...fields,
  });

  it('skips empty files, non-objects and documents without Records', async () => {
    const files = [
      file(''),
      file('[]'),
      file('{"records": []}'),
      file('{"Records": {}}'),
      file(gzipSync('')),
    ];
    const { stats } = await readCloudTrail(files, options());
    expect(stats.skippedFiles.map((s) => s.reason)).toEqual([
      'empty file',
      ...Array<string>(3).fill(
        'not a CloudTrail log file: expected a JSON object {"Records": [...]}',
      ),
      expect.stringMatching(/^not valid JSON after decompression: /),
    ]);
  });

  it('reads gzip data by its magic bytes whatever the name, and an empty Records list', async () => {
    const doc = {
      Records: [record({ userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/u' } })],
    };
    const { accumulator, stats } = await readCloudTrail(
      [file(gzipSync(JSON.stringify(doc)), 'gz-named-plain.json'), file('{"Records": []}')],
      options(),
    );
    expect(stats.skippedFiles).toEqual([]);
    expect(Object.keys(plainPrincipals(accumulator.finish()))).toEqual(['arn:aws:iam::1:user/u']);
  });

  it('decodes UTF-8 (a file that is not all ASCII) and reads records in any key order', async () => {
    const doc = {
      Records: [
        record({ userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/zoë' } }),
        {
          eventName: 'GetObject',
          requestParameters: { key: '文件.txt' },
          eventSource: 's3.amazonaws.com',
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/zoë' },
          eventTime: '2026-02-02T00:00:00Z',
        },
      ],
    };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      const { accumulator, stats } = await readCloudTrail(
        [file(gzipSync(text), `utf8-${++n}.json.gz`)],
        options(),
      );
      expect(stats.events).toBe(2);
      const s = accumulator.finish();
      expect([...s.principals.keys()]).toEqual(['arn:aws:iam::1:user/zoë']);
      // kms: GetObject possibly used kms:Decrypt (an SSE-KMS object; data/mapping-overrides.json).
      expect([...s.principals.get('arn:aws:iam::1:user/zoë')!.services.keys()]).toEqual([
        'kms',
        's3',
        's3-object-lambda',
        'sts',
      ]);
    }
  });

  it('counts and reports malformed records with their index, without failing', async () => {
    const doc = {
      Records: [
        'not an object',
        record({
          eventTime: 'yesterday',
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/u' },
        }),
        record({ userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/r/s' } }),
        record({ userIdentity: { type: 'IAMUser' } }),
        record({
          eventSource: '',
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/u' },
        }),
        record({ eventName: 7, userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/u' } }),
        record({ userIdentity: null }),
        record({ userIdentity: { type: 'SAMLUser' } }),
        record({ userIdentity: { type: 'AWSAccount' } }),
        record({
          userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/u', accessKeyId: 'AKIAOK' },
        }),
      ],
    };
    const path = file(JSON.stringify(doc));
    const { accumulator, stats } = await readCloudTrail([path], options());
    expect(stats.ignoredEvents).toEqual({
      root: 0,
      awsService: 0,
      noIdentity: 1,
      other: 2,
      malformed: 6,
    });
    expect(stats.badRecords.map((i) => [i.path, i.code, i.source])).toEqual([
      ['$.Records[0]', 'invalid_type', path],
      ['$.Records[1].eventTime', 'invalid_value', path],
      ['$.Records[2].userIdentity.sessionContext', 'missing_field', path],
      ['$.Records[3].userIdentity.arn', 'missing_field', path],
      ['$.Records[4].eventSource', 'missing_field', path],
      ['$.Records[5].eventName', 'missing_field', path],
      ['$.Records[6].userIdentity', 'missing_field', path],
    ]);
    expect(stats.badRecords[2]!.message).toBe(
      'record 2 (AssumedRole) has no userIdentity.sessionContext.sessionIssuer.arn; it is not attributed to any principal',
    );
    const s = accumulator.finish();
    expect([...s.accessKeys.keys()]).toEqual(['AKIAOK']);
    expect([...s.principals.keys()]).toEqual(['arn:aws:iam::1:user/u']);
  });

  it('lists at most 20 bad records per file but counts all', async () => {
    const doc = { Records: Array.from({ length: 30 }, () => record({})) };
    const { stats } = await readCloudTrail([file(JSON.stringify(doc))], options());
    expect(stats.ignoredEvents.noIdentity).toBe(30);
    expect(stats.badRecords).toHaveLength(20);
  });

  it('follows symbolic links to directories once', async () => {
    const root = join(dir, 'linked');
    mkdirSync(join(root, 'a'), { recursive: true });
    writeFileSync(join(root, 'a', 'x.json'), '{"Records": []}');
    symlinkSync(join(root, 'a'), join(root, 'b'));
    symlinkSync(root, join(root, 'a', 'loop'));
    const listed = await listCloudTrailFiles([root]);
    expect(listed.map((f) => f.file)).toEqual([join(root, 'a', 'x.json')]);
  });

  it('gives the same summary for random logs read together or file by file and merged', async () => {
    const principals = [
      'arn:aws:iam::1:role/a',
      'arn:aws:iam::1:role/p/b',
      'arn:aws:iam::1:user/c',
    ];
    const calls: [string, string][] = [
      ['s3.amazonaws.com', 'GetObject'],
      ['lambda.amazonaws.com', 'ListFunctions20150331'],
      ['monitoring.amazonaws.com', 'PutMetricData'],
      ['ec2.amazonaws.com', 'RunInstances'],
      ['nosuch.amazonaws.com', 'Thing'],
    ];
    const ev = fc.record({
      p: fc.nat(principals.length - 1),
      c: fc.nat(calls.length - 1),
      t: fc.integer({ min: 0, max: 10 ** 9 }),
      key: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(ev, { maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        async (fileEvents) => {
          const sub = mkdtempSync(join(dir, 'prop-'));
          const paths = fileEvents.map((events, i) => {
            const Records = events.map((e) => {
              const arn = principals[e.p]!;
              const [eventSource, eventName] = calls[e.c]!;
              const time = `${new Date(Date.UTC(2026, 0, 1) + e.t * 1000).toISOString().slice(0, 19)}Z`;
              const userIdentity = arn.includes(':user/')
                ? { type: 'IAMUser', arn, accessKeyId: e.key ? 'AKIA1' : 'ASIA1' }
                : { type: 'AssumedRole', sessionContext: { sessionIssuer: { arn } } };
              return { eventTime: time, eventSource, eventName, userIdentity };
            });
            const path = join(sub, `${i}.json.gz`);
            writeFileSync(path, gzipSync(JSON.stringify({ Records })));
            return path;
          });
          const together = await readCloudTrail([sub], options());
          const merged = (await readCloudTrail([paths[0]!], options())).accumulator;
          for (const path of paths.slice(1)) {
            merged.merge((await readCloudTrail([path], options())).accumulator);
          }
          expect(plainSummary(merged.finish())).toEqual(
            plainSummary(together.accumulator.finish()),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
