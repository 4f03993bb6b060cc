// Peak memory of `iam-refine scan` when the CloudTrail folder holds a gzip bomb (issue 9 item 4:
// "peak memory of a scan whose folder holds a 10 GiB-of-zeros bomb stays under 500 MB").
//
// Writes, by a streaming pipe (never in memory), a gzip of 10 GiB of zeros next to the test
// fixtures' CloudTrail logs, in a temporary folder, then runs the built CLI on it and reports the
// child's peak RSS (process.resourceUsage().maxRSS, worker threads included), its time, its exit
// status and the reason the bomb was skipped. Two bombs are measured:
//   honest  - the gzip as written (its trailer records 10 GiB mod 4 GiB = 2 GiB: over the cap, so
//             the file is skipped before anything is decompressed);
//   crafted - the same file with its trailer rewritten to claim 100 bytes, so only the streaming
//             cap (--max-log-file-bytes) stops the decompression.
// Each is run with the default cap (256 MiB) and with --max-log-file-bytes 64MiB.
//
// Usage: npm run build && node bench/bomb.mjs [--gib=10]
// Keeps nothing: the temporary folder is removed at the end.
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
  closeSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const gib = Number(process.argv.find((a) => a.startsWith('--gib='))?.slice(6) ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'iam-refine-bomb-'));
const MiB = 2 ** 20;

try {
  const trail = join(dir, 'trail');
  cpSync(join(root, 'test/fixtures/cloudtrail'), trail, { recursive: true });
  const bombDir = join(trail, 'AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/17');
  mkdirSync(bombDir, { recursive: true });
  const bomb = join(
    bombDir,
    '123456789012_CloudTrail_us-east-1_20260117T0000Z_Bomb000000000000.json.gz',
  );

  const chunk = Buffer.alloc(MiB);
  async function* zeros() {
    for (let i = 0; i < gib * 1024; i++) yield chunk;
  }
  let t0 = performance.now();
  await pipeline(Readable.from(zeros()), createGzip({ level: 6 }), createWriteStream(bomb));
  console.log(
    `wrote a gzip of ${gib} GiB of zeros: ${(statSync(bomb).size / MiB).toFixed(1)} MB on disk in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const rssHook = join(dir, 'rss.cjs');
  writeFileSync(
    rssHook,
    "process.on('exit', () => process.stderr.write(`\\nMAXRSS_KB=${process.resourceUsage().maxRSS}\\n`));\n",
  );

  const run = (label, extra) => {
    t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        '-r',
        rssHook,
        join(root, 'bin/iam-refine.js'),
        'scan',
        '--authorization-details',
        join(root, 'test/fixtures/account/authorization-details.json'),
        '--cloudtrail',
        trail,
        '--now',
        '2026-01-20T00:00:00Z',
        '--format',
        'json',
        '--quiet',
        ...extra,
      ],
      { encoding: 'utf8', maxBuffer: 64 * MiB },
    );
    const seconds = (performance.now() - t0) / 1000;
    const kb = Number(/MAXRSS_KB=(\d+)/.exec(r.stderr)?.[1]);
    let reason;
    try {
      const out = JSON.parse(r.stdout);
      reason =
        out.inputs.cloudtrail.skippedFiles.find((f) => f.file === bomb)?.reason ?? 'not skipped';
    } catch {
      reason = `no JSON output: ${r.stderr.trim().split('\n')[0]}`;
    }
    console.log(
      `${label.padEnd(34)} peak RSS ${(kb / 1024).toFixed(0).padStart(5)} MB  ${seconds.toFixed(1).padStart(5)} s  exit ${r.status}  bomb: ${reason.slice(0, 110)}`,
    );
  };

  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (${process.execPath} ${process.version})`,
  );
  run('honest bomb, default cap', []);
  run('honest bomb, --max-log-file-bytes 64MiB', ['--max-log-file-bytes', '64MiB']);
  // Rewrite ISIZE (the last 4 bytes) to claim 100 bytes.
  const fd = openSync(bomb, 'r+');
  const size = statSync(bomb).size;
  const isize = Buffer.alloc(4);
  readSync(fd, isize, 0, 4, size - 4);
  const fake = Buffer.alloc(4);
  fake.writeUInt32LE(100);
  writeSync(fd, fake, 0, 4, size - 4);
  closeSync(fd);
  run('crafted bomb, default cap', []);
  run('crafted bomb, --max-log-file-bytes 64MiB', ['--max-log-file-bytes', '64MiB']);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
