/**
 * `scan` with the CloudTrail size caps (`--max-log-file-bytes`, `--max-record-bytes`) and the
 * unmapped-call counts, end to end through the CLI (issue 9 items 3 and 4).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../../test-support/cli.js';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url).pathname;
const AUTH = join(FIXTURES, 'account/authorization-details.json');
const NOW = '2024-06-30T00:00:00Z';
const ROLE = 'arn:aws:iam::111122223333:role/service-role/orders-processor';

const tmp = useTempDir('iam-refine-scan-limits-');

interface Output {
  inputs: {
    cloudtrail: {
      skippedFiles: { file: string; reason: string }[];
      events: number;
      unmapped: { operations: number; calls: number; top: { eventName: string }[] };
    };
  };
  inputWarnings: string[];
}

/** A log file with `records` by the fixture role, at `NOW` minus a day. */
function log(records: [string, string][]): string {
  return JSON.stringify({
    Records: records.map(([eventSource, eventName]) => ({
      eventTime: '2024-06-29T12:00:00Z',
      eventSource,
      eventName,
      userIdentity: { type: 'AssumedRole', sessionContext: { sessionIssuer: { arn: ROLE } } },
    })),
  });
}

describe('scan --max-log-file-bytes / --max-record-bytes', () => {
  it('lists the flags in --help with their defaults', async () => {
    const r = await runCli(['scan', '--help']);
    expect(r.out).toContain('--max-log-file-bytes <size>');
    expect(r.out).toContain('--max-record-bytes <size>');
    expect(r.out).toContain('(default: 268435456)');
    expect(r.out).toContain('(default: 1048576)');
  });

  it('rejects a bad size with one clear line and exit 2', async () => {
    for (const [flag, value] of [
      ['--max-log-file-bytes', '1TiB'],
      ['--max-log-file-bytes', '0'],
      ['--max-record-bytes', 'lots'],
    ] as const) {
      const r = await runCli(['scan', '--authorization-details', AUTH, flag, value]);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.err).toContain(`${flag} <size>' argument '${value}' is invalid`);
    }
  });

  it('skips a streamed gzip bomb beside a good file, and reports it', async () => {
    const dir = join(tmp(), 'bomb');
    await mkdir(dir, { recursive: true });
    const bomb = join(dir, 'bomb.json.gz');
    const chunk = Buffer.alloc(2 ** 20);
    async function* zeros() {
      for (let i = 0; i < 16; i++) yield chunk;
    }
    await pipeline(Readable.from(zeros()), createGzip({ level: 1 }), createWriteStream(bomb));
    await writeFile(join(dir, 'good.json'), log([['s3.amazonaws.com', 'ListBuckets']]));
    const r = await runCli([
      'scan',
      '--authorization-details',
      AUTH,
      '--cloudtrail',
      dir,
      '--max-log-file-bytes',
      '4MiB',
      '--now',
      NOW,
      '--format',
      'json',
    ]);
    const out = JSON.parse(r.out) as Output;
    expect(out.inputs.cloudtrail.skippedFiles).toEqual([
      {
        file: bomb,
        reason: `its gzip trailer records ${16 * 2 ** 20} bytes of decompressed content, more than the limit of ${4 * 2 ** 20} bytes per log file (--max-log-file-bytes)`,
      },
    ]);
    expect(out.inputs.cloudtrail.events).toBe(1);
    expect(out.inputWarnings.join('\n')).toContain(`${bomb}: skipped: its gzip trailer records`);
  });
});

describe('scan counts unmapped calls', () => {
  it('shows them in the JSON, the warnings and the summary line', async () => {
    const dir = join(tmp(), 'unmapped');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'log.json'),
      log([
        ['s3.amazonaws.com', '../GetObject'],
        ['s3.amazonaws.com', '__proto__'],
        ['s3.amazonaws.com', 'ListBuckets'],
      ]),
    );
    const args = ['scan', '--authorization-details', AUTH, '--cloudtrail', dir, '--now', NOW];
    const json = await runCli([...args, '--format', 'json']);
    const out = JSON.parse(json.out) as Output;
    expect(out.inputs.cloudtrail.unmapped).toMatchObject({ operations: 2, calls: 2 });
    expect(out.inputs.cloudtrail.unmapped.top.map((o) => o.eventName)).toEqual([
      '../GetObject',
      '__proto__',
    ]);
    expect(out.inputWarnings).toContainEqual(
      '2 CloudTrail calls (2 distinct operations) could not be mapped to IAM actions: each counts as use of its whole service, so unused access there is not reported (s3 "../GetObject" (1 principal), s3 "__proto__" (1 principal))',
    );
    const table = await runCli(args);
    expect(table.err).toContain(
      '2 unmapped operations (s3 "../GetObject" (1 principal), s3 "__proto__" (1 principal))',
    );
  });
});
