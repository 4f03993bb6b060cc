import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEdits } from './rewrite-list.js';
import type { Edit } from './types.js';
import { unifiedDiff } from './unified-diff.js';

/** A simple reference: applies a unified diff's hunks to `text`, checking every context line. */
function applyDiff(text: string, diff: string): string {
  const lines = text.split(/(?<=\n)/);
  const out: string[] = [];
  let at = 0;
  const body = diff.split('\n');
  let i = 3;
  while (i < body.length && body[i]!.startsWith('@@')) {
    const m = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(body[i]!)!;
    const oldStart = Number(m[1]) - (Number(m[2]) === 0 ? 0 : 1);
    while (at < oldStart) out.push(lines[at++]!);
    i++;
    while (i < body.length && !body[i]!.startsWith('@@') && body[i] !== '') {
      const l = body[i]!;
      const noEol = body[i + 1] === '\\ No newline at end of file';
      const content = l.slice(1) + (noEol ? '' : '\n');
      if (l[0] === ' ' || l[0] === '-') {
        expect(lines[at]).toBe(content);
        at++;
      }
      if (l[0] === ' ' || l[0] === '+') out.push(content);
      i += noEol ? 2 : 1;
    }
  }
  while (at < lines.length) out.push(lines[at++]!);
  return out.join('');
}

const line = fc.stringMatching(/^[a-z ]{0,6}$/);

describe('unifiedDiff', () => {
  it('is a diff that turns the text into the edited text (property, against a reference applier)', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 0, maxLength: 30 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.stringMatching(/^[a-z\n]{0,8}$/)), {
          maxLength: 5,
        }),
        (ls, finalNewline, raw) => {
          const text = ls.join('\n') + (finalNewline && ls.length > 0 ? '\n' : '');
          // Non-overlapping edits.
          const edits: Edit[] = [];
          let floor = 0;
          for (const [s, len, t] of [...raw].sort((a, b) => a[0] - b[0])) {
            const start = Math.max(floor, text.length === 0 ? 0 : s % (text.length + 1));
            const end = Math.min(text.length, start + len);
            if (start > text.length) break;
            edits.push({ start, end, text: t });
            floor = end + 1;
          }
          const after = applyEdits(text, edits);
          const diff = unifiedDiff('f.txt', text, edits);
          if (after === text) expect(diff).toBe('');
          else expect(applyDiff(text, diff)).toBe(after);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('writes git headers and three lines of context', () => {
    const text = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const diff = unifiedDiff('dir/f.txt', text, [{ start: 8, end: 10, text: '' }]);
    expect(diff).toBe(
      'diff --git a/dir/f.txt b/dir/f.txt\n--- a/dir/f.txt\n+++ b/dir/f.txt\n@@ -2,7 +2,6 @@\n b\n c\n d\n-e\n f\n g\n h\n',
    );
  });
});
