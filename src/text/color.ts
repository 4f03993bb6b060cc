/**
 * The one colour helper: whether to colour (the `--no-color` flag, `NO_COLOR`, `FORCE_COLOR` and
 * whether the output is a terminal) and how (`util.styleText` of Node, 20.12 and later).
 *
 * Precedence, as Node's own `tty.getColorDepth` and the https://no-color.org and
 * https://force-color.org conventions put it: `--no-color` wins; then `FORCE_COLOR` (set and not
 * `0` or `false`: colour even into a pipe or a file, which is what CI logs need; `0`/`false`: no
 * colour); then `NO_COLOR` (set and non-empty: no colour); then colour only on a terminal.
 */
import { styleText } from 'node:util';

/** The styles the CLI uses (names of `util.inspect.colors`). */
export type Style = 'bold' | 'dim' | 'red' | 'yellow' | 'green' | 'cyan' | 'magenta';

/** What {@link colorEnabled} decides from. */
export interface ColorContext {
  /** Whether the output goes to a terminal. */
  isTTY: boolean;
  /** The environment (`NO_COLOR`, `FORCE_COLOR`). */
  env: Readonly<Record<string, string | undefined>>;
  /** `false` when the user gave `--no-color`. */
  flag?: boolean;
}

/** Whether to colour an output (see the file comment for the precedence). */
export function colorEnabled(context: ColorContext): boolean {
  if (context.flag === false) return false;
  const force = context.env.FORCE_COLOR;
  if (force !== undefined) {
    const value = force.trim().toLowerCase();
    if (value === '0' || value === 'false') return false;
    return true;
  }
  if ((context.env.NO_COLOR ?? '') !== '') return false;
  return context.isTTY;
}

/** A painter: `text` in `style` when colour is on, else `text` unchanged. */
export type Paint = (style: Style | readonly Style[], text: string) => string;

/** A {@link Paint} that colours (through `util.styleText`) only when `enabled`. */
export function painter(enabled: boolean): Paint {
  if (!enabled) return (_style, text) => text;
  // validateStream: false -- the decision is made above (Node 22+ would otherwise look at
  // process.stdout, which is not where a `--out` file or a test's captured stream goes).
  return (style, text) =>
    text === ''
      ? text
      : styleText(style as Parameters<typeof styleText>[0], text, { validateStream: false });
}

/** Removes the ANSI SGR escapes (colours, bold) from a text: its visible characters. */
export function stripColor(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
