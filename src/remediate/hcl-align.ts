/**
 * Keeps a patched Terraform file `terraform fmt`-clean: after a patch renames `actions` to
 * `not_actions`, turns a one-line list into one entry per line, or removes entry lines, the `=` of
 * the neighbouring attributes and the trailing comments are re-aligned the way HashiCorp's
 * hclwrite (format.go, `formatCells`) aligns them, and nothing else changes.
 *
 * The rule (checked against `terraform fmt` v1.11): the text is cut into format lines at newline
 * tokens (a `#`/`//` comment ends its line; a heredoc or a multi-line `/* *\/` comment stays inside
 * one format line). A line whose first `=` is not its first token and is followed by a complete
 * expression (net bracket count 0 up to the end of the line, a heredoc opener stopping the count)
 * has an "assign" cell; consecutive such lines form a chain whose `=` are aligned one space after
 * the widest lead (the text before the `=`, indentation included, in grapheme clusters). A line
 * whose `=` opens a multi-line value has one space before it. A line of more than one token ending
 * with a comment has a "comment" cell; consecutive such lines align their comments one space
 * after the widest text before them, after the `=` have been aligned.
 *
 * Only chains that hold or neighbour a changed line are re-aligned, and only when every line of
 * the original text they come from followed the rule: a file that does not follow fmt keeps its
 * own style.
 *
 * Hand-written with a small lexer rather than the tree-sitter tree: fmt works on tokens and
 * physical lines (trailing comments of list entries, heredoc bodies and comments that span lines
 * decide where chains break), which the syntax tree does not give directly. Input that the lexer
 * cannot read with certainty (an unterminated string, heredoc or comment) is left as it is.
 */
import { IamRefineError } from '../errors.js';
import { applyEdits } from './rewrite-list.js';
import type { Edit } from './types.js';

type TokKind = 'nl' | 'comment' | 'eq' | 'open' | 'close' | 'oheredoc' | 'other';

interface Tok {
  kind: TokKind;
  start: number;
  end: number;
}

/** A frame of the lexer: the top level or a `${ }` / `%{ }` sequence, a quoted string, a heredoc. */
type Frame =
  | { mode: 'main'; braces: number; interp: boolean }
  | { mode: 'string' }
  | { mode: 'heredoc'; marker: string; lineStart: boolean };

const isIdentStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
const isIdentPart = (c: string | undefined): boolean =>
  isIdentStart(c) || (c !== undefined && ((c >= '0' && c <= '9') || c === '-'));
const SINGLE = new Set(['{', '}', '[', ']', '(', ')', '=', '"', '#', '/', '<', '>', '!', ',']);

/**
 * The tokens of an HCL native-syntax text that decide fmt's cells, or undefined when the text
 * cannot be read with certainty (unterminated string, heredoc, comment or sequence).
 */
function lex(text: string): Tok[] | undefined {
  const toks: Tok[] = [];
  const stack: Frame[] = [{ mode: 'main', braces: 0, interp: false }];
  const push = (kind: TokKind, start: number, end: number) => toks.push({ kind, start, end });
  let i = 0;
  const n = text.length;
  while (i < n) {
    const frame = stack[stack.length - 1]!;
    const c = text[i]!;
    if (frame.mode === 'string') {
      if (c === '"') {
        push('other', i, i + 1);
        stack.pop();
        i++;
      } else if (c === '\\') i += 2;
      else if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') i += 3;
      else if ((c === '$' || c === '%') && text[i + 1] === '{') {
        push('open', i, i + 2);
        stack.push({ mode: 'main', braces: 0, interp: true });
        i += 2;
      } else if (c === '\n' || c === '\r') return undefined;
      else i++;
      continue;
    }
    if (frame.mode === 'heredoc') {
      if (frame.lineStart) {
        frame.lineStart = false;
        let j = i;
        while (text[j] === ' ' || text[j] === '\t') j++;
        if (text.startsWith(frame.marker, j)) {
          const k = j + frame.marker.length;
          if (k === n || text[k] === '\n' || (text[k] === '\r' && text[k + 1] === '\n')) {
            push('other', j, k);
            stack.pop();
            i = k;
            continue;
          }
        }
      }
      if (c === '\n') {
        frame.lineStart = true;
        i++;
      } else if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') i += 3;
      else if ((c === '$' || c === '%') && text[i + 1] === '{') {
        push('open', i, i + 2);
        stack.push({ mode: 'main', braces: 0, interp: true });
        i += 2;
      } else i++;
      continue;
    }
    // Main mode.
    if (c === ' ' || c === '\t' || (c === '\r' && text[i + 1] !== '\n')) {
      i++;
    } else if (c === '\n' || c === '\r') {
      const len = c === '\r' ? 2 : 1;
      push('nl', i, i + len);
      i += len;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? n : nl + 1;
      push('comment', i, end);
      i = end;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return undefined;
      push('comment', i, close + 2);
      i = close + 2;
    } else if (c === '"') {
      push('other', i, i + 1);
      stack.push({ mode: 'string' });
      i++;
    } else if (c === '{' || c === '[' || c === '(') {
      if (c === '{') frame.braces++;
      push('open', i, i + 1);
      i++;
    } else if (c === '}' || c === ']' || c === ')') {
      if (c === '}') {
        if (frame.braces === 0) {
          if (!frame.interp) return undefined;
          push('close', i, i + 1);
          stack.pop();
          i++;
          continue;
        }
        frame.braces--;
      }
      push('close', i, i + 1);
      i++;
    } else if (c === '=') {
      const next = text[i + 1];
      if (next === '=' || next === '>') {
        push('other', i, i + 2);
        i += 2;
      } else {
        push('eq', i, i + 1);
        i++;
      }
    } else if ((c === '!' || c === '>') && text[i + 1] === '=') {
      push('other', i, i + 2);
      i += 2;
    } else if (c === '<' && text[i + 1] === '=') {
      push('other', i, i + 2);
      i += 2;
    } else if (c === '<' && text[i + 1] === '<') {
      let j = i + 2;
      if (text[j] === '-') j++;
      const m = j;
      if (!isIdentStart(text[j])) return undefined;
      while (isIdentPart(text[j])) j++;
      const marker = text.slice(m, j);
      if (text[j] === '\r') j++;
      if (text[j] !== '\n') return undefined;
      push('oheredoc', i, j + 1);
      stack.push({ mode: 'heredoc', marker, lineStart: true });
      i = j + 1;
    } else {
      // A word (identifier, number, operator run): one token; a lone punctuation character: one.
      let j = i + 1;
      if (!SINGLE.has(c)) {
        while (j < n) {
          const d = text[j]!;
          if (d === ' ' || d === '\t' || d === '\n' || d === '\r' || SINGLE.has(d)) break;
          j++;
        }
      }
      push('other', i, j);
      i = j;
    }
  }
  return stack.length === 1 ? toks : undefined;
}

/** One format line: its tokens and its cells. */
interface FmtLine {
  /** Offsets of the line, from its first character to just after its newline token. */
  start: number;
  end: number;
  /** The `=` of an assign cell (a complete expression after it). */
  assign?: Tok;
  /** The `=` that opens a multi-line value (one space before it). */
  opener?: Tok;
  /** The end of the token before the `=` (assign or opener). */
  leadEnd: number;
  /** The trailing comment cell. */
  comment?: Tok;
  /** The end of the token before the comment. */
  beforeComment: number;
}

function bracketChange(t: Tok): number {
  return t.kind === 'open' ? 1 : t.kind === 'close' ? -1 : 0;
}

/** The format lines of `text`, or undefined when it cannot be lexed with certainty. */
function formatLines(text: string): FmtLine[] | undefined {
  const toks = lex(text);
  if (!toks) return undefined;
  const lines: FmtLine[] = [];
  let start = 0;
  let cur: Tok[] = [];
  const close = (end: number) => {
    const line: FmtLine = { start, end, leadEnd: -1, beforeComment: -1 };
    let lead = cur;
    const last = lead[lead.length - 1];
    if (lead.length > 1 && last?.kind === 'comment') {
      line.comment = last;
      line.beforeComment = lead[lead.length - 2]!.end;
      lead = lead.slice(0, -1);
    }
    const i = lead.findIndex((t, k) => k > 0 && t.kind === 'eq');
    if (i > 0) {
      let net = 0;
      for (const t of lead.slice(i)) {
        net += bracketChange(t);
        if (t.kind === 'oheredoc') break;
      }
      if (net === 0) line.assign = lead[i];
      else line.opener = lead[i];
      line.leadEnd = lead[i - 1]!.end;
    }
    lines.push(line);
    start = end;
    cur = [];
  };
  for (const t of toks) {
    cur.push(t);
    if (t.kind === 'nl' || (t.kind === 'comment' && text[t.end - 1] === '\n')) close(t.end);
  }
  if (cur.length > 0 || start < text.length) close(text.length);
  return lines;
}

let segmenter: Intl.Segmenter | undefined;

/** The width of `s` as hclwrite counts it (grapheme clusters), or -1 when it spans lines. */
function columns(s: string): number {
  if (s.includes('\n')) return -1;
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.length;
  segmenter ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  let count = 0;
  for (const _ of segmenter.segment(s)) count++;
  return count;
}

/** Whether `s` is made of spaces and tabs only. */
const blank = (s: string): boolean => /^[ \t]*$/.test(s);

/** Runs of consecutive lines (indices `[from, to]`) for which `has` holds. */
function chains(lines: readonly FmtLine[], has: (l: FmtLine) => boolean): [number, number][] {
  const out: [number, number][] = [];
  let from = -1;
  lines.forEach((l, i) => {
    if (has(l)) {
      if (from < 0) from = i;
    } else if (from >= 0) {
      out.push([from, i - 1]);
      from = -1;
    }
  });
  if (from >= 0) out.push([from, lines.length - 1]);
  return out;
}

/** The spaces fmt writes in a chain whose lines are `widths` wide, or undefined when one of them cannot be measured. */
function chainTargets(widths: readonly number[]): number[] | undefined {
  if (widths.some((w) => w < 0)) return undefined;
  const max = widths.reduce((m, w) => (w > m ? w : m), 0);
  return widths.map((w) => max - w + 1);
}

/** The width of the text before a line's `=` (-1: spans lines). */
const leadWidth = (text: string, l: FmtLine): number => columns(text.slice(l.start, l.leadEnd));

/** The width of the text before a line's trailing comment (-1: spans lines). */
const commentBase = (text: string, l: FmtLine): number =>
  columns(text.slice(l.start, l.beforeComment));

/** A text's format lines, and per line whether its `=` and its comment are where fmt puts them. */
interface Analysis {
  lines: FmtLine[];
  ok: { assign: boolean; comment: boolean }[];
}

/** The analyses of the last original texts (the same file is patched once per source, then together). */
const analyses = new Map<string, Analysis | undefined>();
const ANALYSES_KEPT = 8;

/** The analysis of `text`, or undefined when it cannot be lexed with certainty. */
function analyse(text: string): Analysis | undefined {
  if (analyses.has(text)) return analyses.get(text);
  const lines = formatLines(text);
  let result: Analysis | undefined;
  if (lines) {
    const ok = lines.map((l) => ({
      assign: !l.opener || text.slice(l.leadEnd, l.opener.start) === ' ',
      comment: true,
    }));
    for (const [a, b] of chains(lines, (l) => l.assign !== undefined)) {
      const want = chainTargets(lines.slice(a, b + 1).map((l) => leadWidth(text, l)));
      for (let k = a; k <= b; k++) {
        const l = lines[k]!;
        ok[k]!.assign =
          want !== undefined && text.slice(l.leadEnd, l.assign!.start) === ' '.repeat(want[k - a]!);
      }
    }
    for (const [a, b] of chains(lines, (l) => l.comment !== undefined)) {
      const want = chainTargets(lines.slice(a, b + 1).map((l) => commentBase(text, l)));
      for (let k = a; k <= b; k++) {
        const l = lines[k]!;
        ok[k]!.comment =
          want !== undefined &&
          text.slice(l.beforeComment, l.comment!.start) === ' '.repeat(want[k - a]!);
      }
    }
    result = { lines, ok };
  }
  if (analyses.size >= ANALYSES_KEPT) analyses.delete(analyses.keys().next().value!);
  analyses.set(text, result);
  return result;
}

/** An edit whose replaced span `[start, end)` is `[os, oe)` in the patched text. */
interface Placed {
  edit: Edit;
  os: number;
  oe: number;
}

/**
 * The index of the first line whose end is after `pos` (the line holding `pos`), in `lines`
 * sorted by offset.
 */
function lineAt(lines: readonly FmtLine[], pos: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lines[mid]!.end <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `edits` of `text` (a Terraform `.tf` file) plus the whitespace edits that keep the patched file
 * aligned as `terraform fmt` aligns it, merged into one set of non-overlapping edits of `text`.
 * Only chains of `=` and of trailing comments that hold or neighbour a changed line are
 * re-aligned, and only when the original lines they come from were aligned as fmt aligns them.
 * The result differs from applying `edits` only in spaces before `=` and comments.
 *
 * @throws IamRefineError when two of `edits` overlap (as applyEdits does).
 */
export function alignHclEdits(text: string, edits: readonly Edit[]): Edit[] {
  if (edits.length === 0) return [...edits];
  const patched = applyEdits(text, edits);
  const original = analyse(text);
  const after = formatLines(patched);
  if (!original || !after) return [...edits];
  const { lines: before, ok } = original;

  // Where each edit's replacement is in the patched text.
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  const placed: Placed[] = [];
  let delta = 0;
  for (const e of sorted) {
    placed.push({ edit: e, os: e.start + delta, oe: e.start + delta + e.text.length });
    delta += e.text.length - (e.end - e.start);
  }
  const dOf = (q: Placed) => q.edit.text.length - (q.edit.end - q.edit.start);
  // A patched offset back in the original text: inside a replacement, the start (or the end) of
  // what it replaced; at an emptied span, before (or after) it.
  const toOriginal = (pos: number, side: 'start' | 'end'): number => {
    let d = 0;
    for (const q of placed) {
      if (q.os < pos && pos < q.oe) return side === 'start' ? q.edit.start : q.edit.end;
      if (q.oe < pos || (q.oe === pos && (side === 'end' || q.os < pos))) d += dOf(q);
    }
    return pos - d;
  };

  // Lines of the patched text the edits changed (an emptied span: the lines on both sides).
  const changed = after.map(() => false);
  for (const p of placed) {
    if (p.os === p.oe) {
      const k = lineAt(after, p.os);
      if (k < after.length) changed[k] = true;
      if (k > 0 && after[k - 1]!.end === p.os) changed[k - 1] = true;
    } else {
      for (let k = lineAt(after, p.os); k < after.length && after[k]!.start < p.oe; k++)
        changed[k] = true;
    }
  }

  const originalOk = (from: number, to: number, which: 'assign' | 'comment'): boolean => {
    const A = toOriginal(after[from]!.start, 'start');
    const B = Math.max(toOriginal(after[to]!.end, 'end'), A + 1);
    for (let k = lineAt(before, A); k < before.length && before[k]!.start < B; k++)
      if (!ok[k]![which]) return false;
    return true;
  };
  // A chain away from every change is the original's, as it was: it is not looked at.
  const near = (a: number, b: number, marks: readonly boolean[]): boolean => {
    for (let k = Math.max(0, a - 1); k <= Math.min(after.length - 1, b + 1); k++)
      if (marks[k]) return true;
    return false;
  };

  const align: Edit[] = [];
  const shift = after.map(() => 0);
  const moved = after.map(() => false);
  const assignRuns = [
    ...chains(after, (l) => l.assign !== undefined),
    ...after.flatMap((l, k): [number, number][] => (l.opener && changed[k] ? [[k, k]] : [])),
  ];
  for (const [a, b] of assignRuns) {
    if (!near(a, b, changed) || !originalOk(a, b, 'assign')) continue;
    const target = after[a]!.opener
      ? [1]
      : chainTargets(after.slice(a, b + 1).map((l) => leadWidth(patched, l)));
    if (!target) continue;
    for (let k = a; k <= b; k++) {
      const l = after[k]!;
      const eq = (l.assign ?? l.opener)!;
      const ws = patched.slice(l.leadEnd, eq.start);
      const want = ' '.repeat(target[k - a]!);
      if (ws === want || !blank(ws)) continue;
      align.push({ start: l.leadEnd, end: eq.start, text: want });
      shift[k] = want.length - columns(ws);
      moved[k] = true;
    }
  }
  const touched = after.map((_, k) => changed[k]! || moved[k]!);
  for (const [a, b] of chains(after, (l) => l.comment !== undefined)) {
    if (!near(a, b, touched) || !originalOk(a, b, 'comment')) continue;
    const target = chainTargets(
      after.slice(a, b + 1).map((l, k) => {
        const w = commentBase(patched, l);
        return w < 0 ? w : w + shift[a + k]!;
      }),
    );
    if (!target) continue;
    for (let k = a; k <= b; k++) {
      const l = after[k]!;
      const ws = patched.slice(l.beforeComment, l.comment!.start);
      const want = ' '.repeat(target[k - a]!);
      if (ws === want || !blank(ws)) continue;
      align.push({ start: l.beforeComment, end: l.comment!.start, text: want });
    }
  }
  if (align.length === 0) return [...edits];
  // The invariant the proof relies on: only spaces and tabs differ from the patched text, and
  // the merged edits of the original give exactly the re-aligned patched text.
  const merged = mergeEdits(placed, align, patched);
  if (
    !align.every((e) => blank(patched.slice(e.start, e.end)) && /^ +$/.test(e.text)) ||
    applyEdits(text, merged) !== applyEdits(patched, align)
  )
    throw new IamRefineError('internal: the fmt alignment changed more than spaces');
  return merged;
}

/**
 * The original edits (`placed`, with their replacement spans in `patched`) and the edits `align`
 * of `patched`, as one set of edits of the original text: an alignment edit that overlaps a
 * replacement (or touches it, one of them empty) is merged with it; the others are moved back to
 * original offsets.
 */
function mergeEdits(placed: readonly Placed[], align: readonly Edit[], patched: string): Edit[] {
  const touches = (a: number, b: number, c: number, d: number): boolean =>
    (a < d && c < b) || (a === b && c <= a && a <= d) || (c === d && a <= c && c <= b);
  // Union-find over the placed edits (0..P-1) and the alignment edits (P..).
  const P = placed.length;
  const parent = [...Array<number>(P + align.length).keys()];
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  align.forEach((e, k) => {
    placed.forEach((p, j) => {
      if (touches(e.start, e.end, p.os, p.oe)) parent[find(P + k)] = find(j);
    });
  });
  const clusters = new Map<number, number[]>();
  for (let x = 0; x < P + align.length; x++) {
    const r = find(x);
    clusters.set(r, [...(clusters.get(r) ?? []), x]);
  }
  const dOf = (q: Placed) => q.edit.text.length - (q.edit.end - q.edit.start);
  const out: Edit[] = [];
  for (const members of clusters.values()) {
    const own = members.filter((x) => x < P).map((x) => placed[x]!);
    const al = members.filter((x) => x >= P).map((x) => align[x - P]!);
    if (al.length === 0) {
      out.push(own[0]!.edit);
      continue;
    }
    const cs = Math.min(...own.map((p) => p.os), ...al.map((e) => e.start));
    const ce = Math.max(...own.map((p) => p.oe), ...al.map((e) => e.end));
    let before = 0;
    for (const p of placed) if (!own.includes(p) && p.oe <= cs) before += dOf(p);
    const inside = own.reduce((s, p) => s + dOf(p), 0);
    out.push({
      start: cs - before,
      end: ce - before - inside,
      text: applyEdits(
        patched.slice(cs, ce),
        al.map((e) => ({ start: e.start - cs, end: e.end - cs, text: e.text })),
      ),
    });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}
