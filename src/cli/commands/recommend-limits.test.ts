/**
 * Bounded resources of `recommend` and `verify` (issue 9 item 4): input size and statement limits
 * with a clear error, and a 5,000-statement policy in every format within bounds.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../../test-support/cli.js';
import { RECOMMEND_FORMATS } from './recommend.js';

const EXAMPLES = new URL('../../../examples/article/', import.meta.url).pathname;
const UNUSED = join(EXAMPLES, 'unused.json');
const tmp = useTempDir('iam-refine-recommend-limits-');

/** The article's policy repeated into `n` statements (each with its own Sid and Resource). */
async function bigPolicy(n: number): Promise<string> {
  const base = JSON.parse(await readFile(join(EXAMPLES, 'policy.json'), 'utf8')) as {
    Statement: Record<string, unknown>[];
  };
  const Statement = Array.from({ length: n }, (_, i) => ({
    ...base.Statement[i % base.Statement.length],
    Sid: `S${i}`,
    Resource: [`arn:aws:s3:::bucket-${i}/*`],
  }));
  const file = join(tmp(), `policy-${n}.json`);
  await writeFile(file, JSON.stringify({ Version: '2012-10-17', Statement }, null, 2));
  return file;
}

let policy5000: string;
beforeAll(async () => {
  policy5000 = await bigPolicy(5000);
});

describe('recommend input limits', () => {
  it('refuses a 5,000-statement policy at once with one clear line (exit 2)', async () => {
    const started = performance.now();
    const r = await runCli(['recommend', '--policy', policy5000, '--unused', UNUSED]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      /^iam-refine: .*policy-5000\.json: \$: the input is \d+ bytes, more than the limit of 1048576 bytes \(--max-input-bytes; IAM's largest policy is 10,240 characters\) \[too_large\]\n$/,
    );
    expect(performance.now() - started).toBeLessThan(5000);
    const counted = await runCli([
      'recommend',
      '--policy',
      policy5000,
      '--unused',
      UNUSED,
      '--max-input-bytes',
      '4MiB',
    ]);
    expect(counted.code).toBe(2);
    expect(counted.err).toContain(
      '$.Statement: the policy has 5000 statements, more than the limit of 250 (--max-statements;',
    );
  });

  it('checks stdin by its length, and every input of verify', async () => {
    const text = await readFile(policy5000, 'utf8');
    const r = await runCli(['recommend', '--policy', '-', '--unused', UNUSED], { stdin: text });
    expect(r.code).toBe(2);
    expect(r.err).toContain('<stdin>: $: the input is');
    const v = await runCli(
      ['verify', '--original', policy5000, '--refined', policy5000, '--unused', UNUSED],
      {},
    );
    expect(v.code).toBe(2);
    expect(v.err.trim().split('\n')).toHaveLength(2);
    expect(v.err).toContain('[too_large]');
  });

  it('rejects bad limit values', async () => {
    for (const [flag, value] of [
      ['--max-input-bytes', '0'],
      ['--max-input-bytes', 'big'],
      ['--max-statements', '0'],
      ['--max-statements', '1.5'],
    ] as const) {
      const r = await runCli([
        'recommend',
        '--policy',
        policy5000,
        '--unused',
        UNUSED,
        flag,
        value,
      ]);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.err).toContain(`argument '${value}' is invalid`);
    }
  });
});

describe('recommend on a 5,000-statement policy with raised limits', () => {
  for (const format of RECOMMEND_FORMATS) {
    it(`gives a result in the ${format} format within bounds`, { timeout: 120_000 }, async () => {
      const started = performance.now();
      const r = await runCli([
        'recommend',
        '--policy',
        policy5000,
        '--unused',
        UNUSED,
        '--format',
        format,
        '--max-input-bytes',
        '4MiB',
        '--max-statements',
        '5000',
      ]);
      expect(r.code, r.err).toBe(0);
      expect(r.out.length).toBeGreaterThan(100_000);
      // Seconds on an idle machine; generous for a loaded one (quadratic diffing took minutes).
      expect(performance.now() - started).toBeLessThan(90_000);
      if (format === 'diff') {
        expect(r.out.split('\n').filter((l) => l.startsWith('- ')).length).toBeGreaterThan(5000);
      }
    });
  }
});
