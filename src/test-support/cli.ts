/**
 * The in-process CLI harness the command tests share: {@link runCli} runs `main` exactly as the
 * executable does, with captured streams, and {@link useTempDir} gives a test file a private
 * temporary folder that is removed afterwards. Nothing here is used by the product.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { LiveDeps } from '../aws/cli.js';
import { memoryIo } from '../cli/io.js';
import { main } from '../cli/main.js';

/** What one run of the CLI did: its exit status and everything it wrote. */
export interface CliRun {
  /** The exit status `main` returned. */
  code: number;
  /** Everything written to stdout. */
  out: string;
  /** Everything written to stderr. */
  err: string;
}

/** The process-level inputs of {@link runCli}. */
export interface CliRunOptions {
  /** Standard input (default empty). */
  stdin?: string;
  /** Whether stdout is a terminal (default false). */
  isTTY?: boolean;
  /** Environment variables (default none). */
  env?: Record<string, string | undefined>;
  /** What the live commands get injected (a loopback fake AWS, fast polling, a clock). */
  deps?: LiveDeps;
}

/** Runs `iam-refine <argv>` in-process through `main`, with captured streams. */
export async function runCli(
  argv: readonly string[],
  options: CliRunOptions = {},
): Promise<CliRun> {
  const { deps, ...io } = options;
  const memory = memoryIo(io);
  const code = await main(argv, memory, deps);
  return { code, out: memory.out, err: memory.err };
}

/**
 * A temporary folder named `<prefix>…` under the OS temporary folder, created before the tests of
 * the calling file (or before each test with `scope: 'each'`) and removed, with its content,
 * after them. Returns the folder's current path.
 */
export function useTempDir(prefix: string, scope: 'all' | 'each' = 'all'): () => string {
  let dir: string | undefined;
  const before = scope === 'all' ? beforeAll : beforeEach;
  const after = scope === 'all' ? afterAll : afterEach;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (dir === undefined) throw new Error('useTempDir: the folder exists only inside tests');
    return dir;
  };
}
