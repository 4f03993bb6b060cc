/**
 * How to print an iam-refine command the user can paste where they are: `iam-refine` when that is
 * what their PATH runs, else the way this process was started (`node bin/iam-refine.js` in a
 * checkout, the path of `node_modules/.bin/iam-refine` in a project that installed the package).
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import { shellQuote } from '../text/shell.js';

/** What {@link invocationCommand} looks at (injectable for tests). */
export interface InvocationContext {
  /** `process.argv[1]`: the script Node runs. */
  script: string | undefined;
  /** The working directory. */
  cwd: string;
  /** `PATH`. */
  path: string | undefined;
  /** `realpath`, or undefined when the file does not exist or is not executable. */
  resolveExecutable?: (file: string) => string | undefined;
}

function defaultResolve(file: string): string | undefined {
  try {
    accessSync(file, constants.X_OK);
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** The command prefix to print in "Next:" lines and examples (see the file comment). */
export function invocationCommand(context: InvocationContext): string {
  const resolve = context.resolveExecutable ?? defaultResolve;
  const script = context.script;
  if (script === undefined) return 'iam-refine';
  const real = resolve(script) ?? script;
  for (const dir of (context.path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const found = resolve(join(dir, 'iam-refine'));
    if (found !== undefined && found === real) return 'iam-refine';
  }
  const rel = relative(context.cwd, script);
  const shown = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script;
  // A `.js` file is run with node; the `.bin` link (a shell-executable file) directly.
  if (shown.endsWith('.js')) return `node ${shellQuote(shown)}`;
  return shellQuote(shown.includes('/') ? shown : `./${shown}`);
}

/** {@link invocationCommand} for this process. */
export function processInvocation(env: Readonly<Record<string, string | undefined>>): string {
  return invocationCommand({ script: process.argv[1], cwd: process.cwd(), path: env.PATH });
}
