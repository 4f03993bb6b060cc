/**
 * The `diff` format: the original policy as 2-space JSON with the lines the refinement removes
 * marked `-` and the lines it adds marked `+`, as in the article's figure.
 *
 * Lines are aligned with Myers' O(ND) difference algorithm (linear-space variant) comparing lines
 * modulo a trailing comma, so removing the last element of a list does not show the line before it
 * (which lost its comma) as changed; unchanged lines are printed as the refined text has them.
 */
import type { Refinement } from '../../refine/types.js';
import { painter } from '../../text/color.js';
import { diffSequences } from '../../text/diff-sequences.js';

/** Options of {@link formatDiff}. */
export interface DiffFormatOptions {
  /** Colour removed lines red and added lines green (ANSI escapes). */
  color: boolean;
  /** The policy file as given, for the `---` header line. */
  source?: string;
}

/** A line without one trailing comma: the comparison key of {@link formatDiff}. */
function withoutTrailingComma(line: string): string {
  return line.endsWith(',') ? line.slice(0, -1) : line;
}

/**
 * The original policy with `-`/`+`/two-space prefixed lines, after a two-line header naming the
 * original, the recommended action and the catalog version. For `DETACH_POLICY` every line is
 * removed; for `NONE` every line is unchanged.
 */
export function formatDiff(refinement: Refinement, options: DiffFormatOptions): string {
  const paint = painter(options.color);
  const before = JSON.stringify(refinement.original, null, 2).split('\n');
  const after =
    refinement.recommendedAction === 'DETACH_POLICY'
      ? []
      : refinement.recommendedAction === 'NONE' || refinement.policy === null
        ? before
        : JSON.stringify(refinement.policy, null, 2).split('\n');
  const lines = [
    paint('bold', `--- ${options.source ?? 'original'}`),
    paint(
      'bold',
      `+++ recommended: ${refinement.recommendedAction} (catalog ${refinement.catalogVersion})`,
    ),
  ];
  for (const op of diffSequences(before, after, withoutTrailingComma)) {
    if (op.kind === 'equal') lines.push(`  ${after[op.b]!}`);
    else if (op.kind === 'delete') lines.push(paint('red', `- ${before[op.a]!}`));
    else lines.push(paint('green', `+ ${after[op.b]!}`));
  }
  return `${lines.join('\n')}\n`;
}
