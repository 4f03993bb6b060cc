/**
 * Bounded resources when reading CloudTrail logs (issue 9 item 4): the caps on one file's
 * decompressed content and on one record, with gzip bombs built by a streaming pipe (never held in
 * memory while they are written).
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { IamRefineError } from '../errors.js';
import { readCloudTrail, type ReadCloudTrailOptions } from './cloudtrail.js';
import {
  DEFAULT_MAX_LOG_FILE_BYTES,
  DEFAULT_MAX_RECORD_BYTES,
  MAX_LOG_FILE_BYTES_LIMIT,
} from './cloudtrail-file.js';
import { loadOperationData } from './load-operation-data.js';

const MiB = 2 ** 20;

let catalog: ActionCatalog;
let operationData: object;
let dir: string;
beforeAll(async () => {
  [catalog, operationData] = await Promise.all([loadCatalog(), loadOperationData()]);
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (more: Partial<ReadCloudTrailOptions> = {}): ReadCloudTrailOptions => ({
  catalog,
  operationData,
  dataEventServices: new Set(),
  concurrency: 0,
  ...more,
});

/**
 * Writes `prefix` then `mib` MiB of `fill` bytes, gzip-compressed by a streaming pipe: one 1 MiB
 * chunk is reused, so the content is never in memory.
 */
async function streamedGzip(name: string, mib: number, fill = 0, prefix = ''): Promise<string> {
  const chunk = Buffer.alloc(MiB, fill);
  async function* content() {
    if (prefix !== '') yield Buffer.from(prefix);
    for (let i = 0; i < mib; i++) yield chunk;
  }
  const file = join(dir, name);
  await pipeline(Readable.from(content()), createGzip({ level: 1 }), createWriteStream(file));
  return file;
}

/** One valid record of `bytes` bytes or more (a padded userAgent), by role `name`. */
function record(name: string, pad = 0): object {
  return {
    eventTime: '2026-01-15T10:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    userAgent: 'x'.repeat(pad),
    userIdentity: {
      type: 'AssumedRole',
      sessionContext: { sessionIssuer: { arn: `arn:aws:iam::123456789012:role/${name}` } },
    },
  };
}

describe('the decompressed-size cap of one log file', () => {
  it('skips a zeros bomb whose gzip trailer records more than the cap, without decompressing', async () => {
    const bomb = await streamedGzip('bomb.json.gz', 64);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ Records: [record('Reader')] }));
    const { accumulator, stats } = await readCloudTrail(
      [bomb, good],
      options({ maxLogFileBytes: 8 * MiB }),
    );
    expect(stats.skippedFiles).toEqual([
      {
        file: bomb,
        reason: `its gzip trailer records ${64 * MiB} bytes of decompressed content, more than the limit of ${8 * MiB} bytes per log file (--max-log-file-bytes)`,
      },
    ]);
    // The good file is read; the bomb contributes nothing.
    expect(stats.events).toBe(1);
    expect([...accumulator.finish().principals.keys()]).toEqual([
      'arn:aws:iam::123456789012:role/Reader',
    ]);
  });

  it('stops decompressing at the cap when the trailer lies (a crafted bomb)', async () => {
    const bomb = await streamedGzip('liar.json.gz', 32, 0x20, '{"Records":[');
    // Rewrite ISIZE (the last 4 bytes) to a small value, as a crafted bomb would.
    const bytes = readFileSync(bomb);
    bytes.writeUInt32LE(100, bytes.length - 4);
    writeFileSync(bomb, bytes);
    for (const concurrency of [0, 1]) {
      const { stats } = await readCloudTrail(
        [bomb],
        options({ concurrency, maxLogFileBytes: MiB }),
      );
      expect(stats.skippedFiles).toEqual([
        {
          file: bomb,
          reason: expect.stringMatching(
            /^decompresses to more than the limit of 1048576 bytes per log file \(--max-log-file-bytes\): decompression stopped there/,
          ),
        },
      ]);
    }
  });

  it('reads a file exactly at the cap and skips one a byte over (plain and gzip)', async () => {
    const text = JSON.stringify({ Records: [record('Exact')] });
    const plain = join(dir, 'exact.json');
    const gz = join(dir, 'exact.json.gz');
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(text));
    const size = Buffer.byteLength(text);
    const at = await readCloudTrail([plain, gz], options({ maxLogFileBytes: size }));
    expect(at.stats.skippedFiles).toEqual([]);
    expect(at.stats.events).toBe(2);
    const over = await readCloudTrail([plain, gz], options({ maxLogFileBytes: size - 1 }));
    expect(over.stats.skippedFiles.map((f) => [f.file, f.reason])).toEqual([
      [
        plain,
        `${size} bytes: its content is more than the limit of ${size - 1} bytes per log file (--max-log-file-bytes)`,
      ],
      [gz, expect.stringContaining(`its gzip trailer records ${size} bytes`)],
    ]);
    expect(over.stats.events).toBe(0);
  });

  it('has defaults no real CloudTrail file reaches, within what one string can hold', () => {
    expect(DEFAULT_MAX_LOG_FILE_BYTES).toBe(256 * MiB);
    expect(DEFAULT_MAX_LOG_FILE_BYTES).toBeLessThanOrEqual(MAX_LOG_FILE_BYTES_LIMIT);
    expect(DEFAULT_MAX_RECORD_BYTES).toBe(MiB);
  });

  it('rejects caps that are not whole numbers in range', async () => {
    const file = join(dir, 'good.json');
    for (const bad of [0, -1, 1.5, MAX_LOG_FILE_BYTES_LIMIT + 1]) {
      await expect(readCloudTrail([file], options({ maxLogFileBytes: bad }))).rejects.toThrow(
        IamRefineError,
      );
    }
    await expect(readCloudTrail([file], options({ maxRecordBytes: 0 }))).rejects.toThrow(
      /maxRecordBytes must be a whole number/,
    );
  });
});

describe('the size cap of one record', () => {
  it('skips the whole file that holds a record over the cap (plain layout and any other)', async () => {
    const big = record('Big', 5000);
    const size = JSON.stringify(big).length;
    const plain = join(dir, 'big.json');
    // Another layout (Records not first): the file is parsed whole, records measured compact.
    const other = join(dir, 'big-other.json');
    writeFileSync(plain, JSON.stringify({ Records: [record('Small'), big] }));
    writeFileSync(other, JSON.stringify({ Other: 1, Records: [record('Small'), big] }, null, 1));
    for (const concurrency of [0, 2]) {
      const { accumulator, stats } = await readCloudTrail(
        [plain, other],
        options({ concurrency, maxRecordBytes: size - 1 }),
      );
      expect(stats.skippedFiles).toEqual([
        {
          file: other,
          reason: `record 1 ($.Records[1]) is at least ${size} bytes, more than the limit of ${size - 1} bytes per record (--max-record-bytes; CloudTrail events are at most 256 KB)`,
        },
        {
          file: plain,
          reason: `record 1 ($.Records[1]) is at least ${size} bytes, more than the limit of ${size - 1} bytes per record (--max-record-bytes; CloudTrail events are at most 256 KB)`,
        },
      ]);
      // Nothing of a skipped file counts, not even its small record.
      expect(stats.events).toBe(0);
      expect(accumulator.finish().principals.size).toBe(0);
    }
    const ok = await readCloudTrail([plain, other], options({ maxRecordBytes: size }));
    expect(ok.stats.skippedFiles).toEqual([]);
    expect(ok.stats.events).toBe(4);
  });
});
