/**
 * Child-process tests of the real executable, `node bin/iam-refine.js`, which runs the compiled
 * CLI in `dist/` (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryIo } from './io.js';
import { main } from './main.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILT = existsSync(new URL('../../dist/cli/main.js', import.meta.url));

const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['bin/iam-refine.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });

describe.skipIf(!BUILT)('node bin/iam-refine.js', () => {
  it('prints the same refined policy as main(), exit 0', async () => {
    const args = [
      'recommend',
      '--policy',
      'examples/article/policy.json',
      '--unused',
      'examples/article/unused.json',
    ];
    const io = memoryIo();
    expect(await main(args, io)).toBe(0);
    const r = cli(args);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(io.out);
    expect(r.stderr).toBe(io.err);
    expect(r.stdout).toContain('"s3:GetBucketMetadataTableConfiguration"');
  });

  it('reads stdin and exits 2 with one line on bad input', () => {
    const policy = readFileSync(
      new URL('../../examples/article/policy.json', import.meta.url),
      'utf8',
    );
    const ok = cli(
      ['recommend', '--policy', '-', '--unused', 'examples/article/unused.json', '--format', 'aws'],
      policy,
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('"existingPolicyId": "stdin"');
    const bad = cli(
      ['recommend', '--policy', '-', '--unused', 'examples/article/unused.json'],
      '{"Version": ',
    );
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^iam-refine: <stdin>:1:13: \$\.Version: [^\n]*\[invalid_json\]\n$/);
  });
});

if (!BUILT) {
  it.skip('SKIPPED: child-process tests of bin/iam-refine.js need dist/ (run `npm run build`; `npm test` builds first)', () => {});
}
