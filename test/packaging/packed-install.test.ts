/**
 * The package as users get it: `npm pack`s the built checkout, installs the tarball OFFLINE into a
 * temporary prefix (the dependencies come from npm's cache, pinned by a lock file made from the
 * checkout's own: resolved URL and integrity of every production dependency), and runs
 * `recommend` and `demo --events` from a folder outside the checkout, then the `scan` command the
 * demo prints as its next step, exactly as printed.
 *
 * Install scripts are skipped (`--ignore-scripts`: compiling better-sqlite3 from source takes
 * minutes on a shared machine); its compiled addon is copied from the checkout's node_modules, the
 * same Node ABI. Needs `npm run build` first (as `npm test` does).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../../src/test-support/cli.js';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const tmp = useTempDir('iam-refine-packed-');

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let prefix = '';
let packed: PackResult;
let bin = '';
let pkg = '';

/** A lock file for a prefix that depends on the tarball only, from the checkout's lock file. */
function prefixLock(tarball: string): Record<string, unknown> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, Record<string, unknown> & { dev?: boolean }>;
  };
  const root = lock.packages['']!;
  const packages: Record<string, unknown> = {
    '': { dependencies: { 'iam-refine': `file:${tarball}` } },
    'node_modules/iam-refine': {
      version: root.version,
      resolved: `file:${tarball}`,
      license: root.license,
      dependencies: root.dependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [key, value] of Object.entries(lock.packages)) {
    if (key !== '' && value.dev !== true) packages[key] = value;
  }
  return { name: 'prefix', lockfileVersion: 3, requires: true, packages };
}

beforeAll(async () => {
  if (
    !existsSync(join(ROOT, 'dist/cli/main.js')) ||
    !existsSync(join(ROOT, 'generated/catalog.json'))
  )
    throw new Error('run `npm run build` first: the package is packed from the built checkout');
  const dir = tmp();
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  packed = (JSON.parse(stdout) as PackResult[])[0]!;
  const tarball = join(dir, packed.filename);
  prefix = join(dir, 'prefix');
  mkdirSync(prefix);
  writeFileSync(join(prefix, 'package-lock.json'), JSON.stringify(prefixLock(tarball)));
  writeFileSync(
    join(prefix, 'package.json'),
    JSON.stringify({
      name: 'prefix',
      private: true,
      dependencies: { 'iam-refine': `file:${tarball}` },
    }),
  );
  await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: prefix,
    maxBuffer: 64 * 1024 * 1024,
  });
  cpSync(
    join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    join(prefix, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
  );
  bin = join(prefix, 'node_modules/.bin/iam-refine');
  pkg = join(prefix, 'node_modules/iam-refine');
}, 300_000);

describe('the packed package', () => {
  it('ships the built catalog, the byte scanner and the LICENSE, and no source map', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toContain('generated/catalog.json');
    // The CloudTrail byte scanner (the demo's scan below reads its trail with it).
    expect(files).toContain('generated/byte-scanner.wasm');
    expect(files).toContain('LICENSE');
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
    const js = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? js(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
      );
    const dangling = js(join(pkg, 'dist')).filter((f) =>
      readFileSync(f, 'utf8').includes('sourceMappingURL'),
    );
    expect(dangling).toEqual([]);
    expect(readFileSync(join(pkg, 'LICENSE'), 'utf8')).toContain('iam-refine contributors');
  });

  it('runs recommend from outside the checkout, with the bundled catalog', async () => {
    const cwd = tmp();
    const { stdout } = await run(
      bin,
      [
        'recommend',
        '--policy',
        join(pkg, 'examples/article/policy.json'),
        '--unused',
        join(pkg, 'examples/article/unused.json'),
      ],
      { cwd },
    );
    const policy = JSON.parse(stdout) as { Statement: { Action: string[] }[] };
    expect(JSON.stringify(policy)).toContain('s3:GetObject*');
  });

  it('runs demo --events, and the scan command it prints works as printed', async () => {
    const cwd = join(tmp(), 'work');
    mkdirSync(cwd);
    const { stdout } = await run(bin, ['demo', '--events', '2000', '--dir', 'demo'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toContain('Ground truth: the findings match');
    const lines = stdout.split('\n');
    const start = lines.findIndex((l) => l.includes(' scan --authorization-details '));
    expect(start).toBeGreaterThan(0);
    let command = '';
    for (let i = start; i < lines.length; i++) {
      command += `${lines[i]!.trim().replace(/\\$/, '')} `;
      if (!lines[i]!.trimEnd().endsWith('\\')) break;
    }
    // Not on the PATH, not below the working folder: the printed command is the .bin path run.
    expect(command.slice(0, bin.length + 5)).toBe(`${bin} scan`);
    await run('sh', ['-c', command], { cwd });
    const findings = JSON.parse(readFileSync(join(cwd, 'findings.json'), 'utf8')) as {
      findings: unknown[];
    };
    expect(findings.findings.length).toBeGreaterThan(0);
  });
});
