/**
 * The +/- line diff of an original and a refined policy, as the finding page shows it: both
 * documents as 2-space JSON, lines aligned with the CLI's Myers diff modulo a trailing comma (so
 * removing the last element of a list does not mark the line before it as changed), as in the
 * `diff` output format and the article's figure.
 */
import { diffSequences } from '../text/diff-sequences.js';

/** One line of a policy diff. */
export interface DiffLine {
  kind: 'equal' | 'del' | 'add';
  text: string;
}

/** A line without one trailing comma (the comparison key). */
function withoutTrailingComma(line: string): string {
  return line.endsWith(',') ? line.slice(0, -1) : line;
}

/**
 * The lines of `original` with removed lines `del` and added lines `add`; `refined === null` (the
 * policy is detached) removes every line.
 */
export function policyDiff(original: unknown, refined: unknown): DiffLine[] {
  const before = JSON.stringify(original, null, 2).split('\n');
  const after = refined === null ? [] : JSON.stringify(refined, null, 2).split('\n');
  return diffSequences(before, after, withoutTrailingComma).map((op): DiffLine => {
    switch (op.kind) {
      case 'equal':
        return { kind: 'equal', text: after[op.b]! };
      case 'delete':
        return { kind: 'del', text: before[op.a]! };
      case 'insert':
        return { kind: 'add', text: after[op.b]! };
    }
  });
}
