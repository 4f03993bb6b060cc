/**
 * A unified diff (the format `git apply` and `patch -p1` read) of a file's text before and after a
 * set of edits. The changed lines are known from the edits, so no general diff algorithm is needed:
 * each group of edits on touching lines is one change, trimmed of identical leading and trailing
 * lines, and changes are put in hunks with three lines of context.
 */
import { applyEdits } from './rewrite-list.js';
import type { Edit } from './types.js';

/** Lines of context around each change. */
export const CONTEXT_LINES = 3;

/** The lines of `text`, each with its `\n` (the last may have none). */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/** One change: old lines `[oldStart, oldStart + removed.length)` become `added`. */
interface Change {
  oldStart: number;
  removed: string[];
  added: string[];
}

function changesOf(text: string, edits: readonly Edit[]): { lines: string[]; changes: Change[] } {
  const lines = splitLines(text);
  const starts: number[] = [];
  let offset = 0;
  for (const l of lines) {
    starts.push(offset);
    offset += l.length;
  }
  const lineAt = (pos: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    if (hi < 0) return 0;
    if (pos >= text.length) return lines.length - (text.endsWith('\n') ? 0 : 1);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const groups: { a: number; b: number; edits: Edit[] }[] = [];
  for (const e of sorted) {
    const a = lineAt(e.start);
    const isLineStart = (pos: number) => pos === 0 || text[pos - 1] === '\n';
    let b: number;
    if (e.end > e.start && isLineStart(e.end))
      b = e.end === text.length ? lines.length : lineAt(e.end);
    else if (e.end === e.start && isLineStart(e.start) && e.text.endsWith('\n')) b = a;
    else b = Math.min(lineAt(e.end) + 1, lines.length);
    const last = groups[groups.length - 1];
    if (last && a <= last.b) {
      last.b = Math.max(last.b, b);
      last.edits.push(e);
    } else groups.push({ a, b, edits: [e] });
  }
  const changes: Change[] = [];
  for (const g of groups) {
    const from = g.a < lines.length ? starts[g.a]! : text.length;
    const to = g.b < lines.length ? starts[g.b]! : text.length;
    const segment = text.slice(from, to);
    const after = applyEdits(
      segment,
      g.edits.map((e) => ({ start: e.start - from, end: e.end - from, text: e.text })),
    );
    let removed = splitLines(segment);
    let added = splitLines(after);
    let oldStart = g.a;
    while (removed.length > 0 && added.length > 0 && removed[0] === added[0]) {
      removed = removed.slice(1);
      added = added.slice(1);
      oldStart++;
    }
    while (
      removed.length > 0 &&
      added.length > 0 &&
      removed[removed.length - 1] === added[added.length - 1]
    ) {
      removed = removed.slice(0, -1);
      added = added.slice(0, -1);
    }
    if (removed.length > 0 || added.length > 0) changes.push({ oldStart, removed, added });
  }
  return { lines, changes };
}

function out(prefix: string, line: string): string {
  return line.endsWith('\n')
    ? `${prefix}${line}`
    : `${prefix}${line}\n\\ No newline at end of file\n`;
}

/**
 * The unified diff of `edits` applied to `text`, for the file `path` (written `a/path` and
 * `b/path`, as git does); empty when nothing changes.
 */
export function unifiedDiff(path: string, text: string, edits: readonly Edit[]): string {
  const { lines, changes } = changesOf(text, edits);
  if (changes.length === 0) return '';
  // Hunks: changes whose contexts touch are one hunk.
  const hunks: Change[][] = [];
  for (const c of changes) {
    const last = hunks[hunks.length - 1];
    const prev = last?.[last.length - 1];
    if (last && prev && c.oldStart - (prev.oldStart + prev.removed.length) <= 2 * CONTEXT_LINES)
      last.push(c);
    else hunks.push([c]);
  }
  let text0 = `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n`;
  let delta = 0;
  for (const h of hunks) {
    const first = h[0]!;
    const lastChange = h[h.length - 1]!;
    const start = Math.max(0, first.oldStart - CONTEXT_LINES);
    const end = Math.min(
      lines.length,
      lastChange.oldStart + lastChange.removed.length + CONTEXT_LINES,
    );
    let body = '';
    let oldCount = 0;
    let newCount = 0;
    let at = start;
    for (const c of h) {
      for (; at < c.oldStart; at++) {
        body += out(' ', lines[at]!);
        oldCount++;
        newCount++;
      }
      for (const l of c.removed) body += out('-', l);
      for (const l of c.added) body += out('+', l);
      oldCount += c.removed.length;
      newCount += c.added.length;
      at = c.oldStart + c.removed.length;
    }
    for (; at < end; at++) {
      body += out(' ', lines[at]!);
      oldCount++;
      newCount++;
    }
    const oldFrom = oldCount === 0 ? start : start + 1;
    const newFrom = newCount === 0 ? start + delta : start + delta + 1;
    text0 += `@@ -${oldFrom},${oldCount} +${newFrom},${newCount} @@\n${body}`;
    delta += newCount - oldCount;
  }
  return text0;
}
