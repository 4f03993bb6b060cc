/**
 * `iam-refine serve`: the local dashboard over a findings database, on 127.0.0.1 only, behind a
 * random token printed once in the URL.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadCatalog } from '../../catalog/load.js';
import { startDashboard } from '../../server/server.js';
import { dbOption, openCliStore } from '../../store/cli.js';
import { CliError, EXIT_OK, PROGRAM, processIo, type CliIo, type CommandContext } from '../io.js';

/** The options of `serve`, as parsed from the command line. */
export interface ServeOptions {
  /** The findings database (default `./iam-refine.db`). */
  db?: string;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Try to open the URL in a browser with `xdg-open`. */
  open?: boolean;
  /** A `--catalog` file instead of the bundled catalog (for the trie pictures). */
  catalog?: string;
  /** Terraform / CloudFormation folders: finding pages offer a patch of their sources. */
  iac?: string[];
}

/** What {@link runServe} needs besides the options (injectable for tests). */
export interface ServeRuntime {
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  stopped?: Promise<unknown>;
  /** Opens a URL in a browser (default: `xdg-open`, detached; errors are reported, not thrown). */
  openUrl?: (url: string, io: CliIo) => void;
  /** Called once the server listens, with its URL (tests use it). */
  onListening?: (url: string) => void;
}

const EXAMPLES = `
Security: the server listens on 127.0.0.1 only and answers only to the Host names 127.0.0.1 and
localhost on its port; the URL printed once carries a random one-time token that the first browser
to open it exchanges for a separate random session id in an HttpOnly, SameSite=Strict cookie (the
token is then void: another use gets 401; restart serve for a new URL); changes (archive, rules)
are POST requests checked for this origin; pages carry a strict Content-Security-Policy.

Faults: while another process holds the database's write lock (a scan being recorded), a change
waits up to 1 s without blocking other requests, then answers 503 "database busy, try again"; a
database file deleted or replaced while serving gives 503 naming it; bad query parameters (an
unknown sort, a cursor of another list) give 400. Each is one line on stderr, no stack trace.

Exit status: 0 stopped with Ctrl+C, 2 bad usage, a missing database or a port in use.

Examples:
  $ iam-refine demo                       # fills ./iam-refine.db with a demo account
  $ iam-refine serve --open
  $ iam-refine serve --db findings.db --port 8080
`;

/** Commander argument parser for a TCP port (0 = any free port). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535 || value.trim() !== value || value === '') {
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0: any free port)');
  }
  return n;
}

/** The package version (valid from both `src/cli/commands/` and `dist/cli/commands/`). */
function packageVersion(): string {
  try {
    const manifest: unknown = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    );
    const version = (manifest as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The `serve` command (the caller adds it with `program.addCommand`). */
export function serveCommand(
  ctx: CommandContext = { io: processIo(), exitCode: EXIT_OK },
): Command {
  return new Command('serve')
    .summary('open the local findings dashboard')
    .description(
      'Serve a dashboard of the findings database on http://127.0.0.1: totals by type, status ' +
        'and account, the services with most unused permissions, the trend across scans, the ' +
        'findings with filters, each finding with its policy diffs, proofs and trie pictures, ' +
        'archive and unarchive, and archive rules. Stop it with Ctrl+C.',
    )
    .addOption(dbOption())
    .option('--port <n>', 'TCP port on 127.0.0.1 (0: any free port)', parsePort, 0)
    .option('--open', 'open the dashboard in a browser (xdg-open), if there is one')
    .option(
      '--catalog <file>',
      'action catalog file for the trie pictures instead of the bundled one',
    )
    .option(
      '--iac <dir>',
      'Terraform / CloudFormation folder (repeatable): finding pages offer the patch of its policies (see remediate)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .addHelpText('after', EXAMPLES)
    .action(async (options: ServeOptions) => {
      ctx.exitCode = await runServe(options, ctx.io);
    });
}

/** Adds `serve` to `program` (the `registerX` convention of the other commands). */
export function registerServe(program: Command, ctx: CommandContext): void {
  program.addCommand(serveCommand(ctx));
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Opens `url` with `xdg-open` (or `command`), detached; a missing opener is a note on stderr,
 * never an error.
 */
export function openWithXdg(url: string, io: CliIo, command = 'xdg-open'): void {
  const note = (why: string) =>
    io.stderr.write(`${PROGRAM}: could not open a browser (${why}); open the URL above\n`);
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.once('error', (error: NodeJS.ErrnoException) =>
      note(`${command}: ${error.code ?? error.message}`),
    );
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) note(`${command} exited with status ${code}`);
    });
    child.unref();
  } catch (error) {
    note(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Runs `serve`: opens the database (it must exist), loads the catalog, listens on 127.0.0.1,
 * prints the URL with the token on stdout, optionally opens it, and serves until stopped.
 *
 * @returns the exit status (0).
 * @throws CliError for a missing database or a port that cannot be used.
 */
export async function runServe(
  options: ServeOptions,
  io: CliIo,
  runtime: ServeRuntime = {},
): Promise<number> {
  // No busy wait in SQLite (it would stop every request): the dashboard retries asynchronously.
  const store = openCliStore(options.db, { mustExist: true, busyTimeoutMs: 0 });
  try {
    const catalog = await loadCatalog(
      options.catalog === undefined ? {} : { file: options.catalog },
    );
    let running;
    try {
      running = await startDashboard({
        store,
        catalog,
        port: options.port ?? 0,
        version: packageVersion(),
        ...(options.iac !== undefined ? { iacDirs: options.iac } : {}),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        throw new CliError(
          `cannot listen on 127.0.0.1:${options.port ?? 0} (${code === 'EADDRINUSE' ? 'port in use' : 'not allowed'}); try --port 0`,
          { cause: error },
        );
      }
      throw error;
    }
    try {
      io.stdout.write(`${running.url}\n`);
      io.stderr.write(
        `${PROGRAM}: dashboard of ${store.path} on ${running.origin} (open the URL above once; it signs the browser in). Ctrl+C stops it.\n`,
      );
      if (options.open) (runtime.openUrl ?? openWithXdg)(running.url, io);
      runtime.onListening?.(running.url);
      await (runtime.stopped ?? untilSignal());
    } finally {
      await running.close();
    }
  } finally {
    store.close();
  }
  return EXIT_OK;
}
