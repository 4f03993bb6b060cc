/**
 * Rewrites a list in a source file in the file's own style, as minimal text edits: entries kept
 * are not touched (only a comma is added or removed where the list's punctuation needs it),
 * removed entries disappear with their line when the list has one entry per line, a replaced
 * entry is replaced in place by its replacements, on lines of their own with the same indentation
 * (and `- ` for YAML) when the list has one entry per line, inline with the list's separator
 * otherwise. Comments on their own lines are kept; a comment after a replaced entry follows its
 * last replacement; a removed entry's comment goes with it.
 *
 * Hand-written because it is the point of the feature: no formatter keeps a file's own style.
 */
import { IamRefineError } from '../errors.js';
import type { Edit, Layout, SSeq, SStr, Span } from './types.js';

/** What happens to one entry of the source list. */
export type ListOp =
  | { kind: 'keep' }
  | { kind: 'drop' }
  /** Replace by these entries (rendered with `render`), in place. */
  | { kind: 'replace'; entries: readonly string[] };

/** The offset of the start of the line that contains `pos`. */
export function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** The offset just after the end of the line that contains `pos` (after its `\n`). */
export function lineEnd(text: string, pos: number): number {
  const nl = text.indexOf('\n', pos);
  return nl < 0 ? text.length : nl + 1;
}

/** The file's line ending: `\r\n` when it uses it, else `\n` (new lines are written alike). */
export function endOfLine(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** 1-based line number of `pos`. */
export function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The indentation (spaces and tabs) at the start of the line that contains `pos`. */
export function indentAt(text: string, pos: number): string {
  const start = lineStart(text, pos);
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return text.slice(start, i);
}

function isBlank(s: string): boolean {
  return s.trim() === '';
}

const HAS_COMMAS: ReadonlySet<Layout> = new Set(['json', 'hcl', 'yaml-flow']);

/** Where the text after an entry on its line has a comma, and whether the rest is a comment. */
function afterEntry(
  text: string,
  end: number,
): { comma: number; rest: 'empty' | 'comment' | 'other' } {
  const stop = lineEnd(text, end);
  let i = end;
  while (i < stop && (text[i] === ' ' || text[i] === '\t')) i++;
  let comma = -1;
  if (text[i] === ',') {
    comma = i;
    i++;
    while (i < stop && (text[i] === ' ' || text[i] === '\t')) i++;
  }
  const c = text[i];
  if (i >= stop || c === '\n' || c === '\r') return { comma, rest: 'empty' };
  if (c === '#' || (c === '/' && text[i + 1] === '/')) return { comma, rest: 'comment' };
  return { comma, rest: 'other' };
}

/** Whether every entry starts its own line (after its indentation, and `- ` for YAML). */
function isOneEntryPerLine(text: string, seq: SSeq): boolean {
  const items = seq.items;
  if (items.length === 0) return false;
  for (const item of items) {
    let prefix = text.slice(lineStart(text, item.span.start), item.span.start);
    if (seq.layout === 'yaml-block') {
      const dash = prefix.lastIndexOf('-');
      if (dash < 0 || !isBlank(prefix.slice(dash + 1))) return false;
      prefix = prefix.slice(0, dash);
    }
    if (!isBlank(prefix)) return false;
  }
  if (seq.layout === 'yaml-block' || seq.layout === 'blocks') return true;
  // Nothing but a comma and a comment may follow an entry on its line (not the closing bracket).
  return items.every((item) => afterEntry(text, item.span.end).rest !== 'other');
}

/**
 * The edits that turn `seq` (written in `text`) into the list described by `ops` (one per source
 * entry) followed by `append`.
 *
 * @param render - Writes a new entry in the file's style (quoting).
 * @throws IamRefineError when the result would be empty (a caller drops the enclosing statement
 *   instead) or when the list is written in a way this cannot edit safely.
 */
export function rewriteList(
  text: string,
  seq: SSeq,
  ops: readonly ListOp[],
  append: readonly string[],
  render: (value: string) => string,
): Edit[] {
  if (ops.length !== seq.items.length) {
    throw new IamRefineError(`internal: ${ops.length} operations for ${seq.items.length} entries`);
  }
  // Replaced by nothing is removed.
  ops = ops.map((op) => (op.kind === 'replace' && op.entries.length === 0 ? { kind: 'drop' } : op));
  // The final list: per position, whether a comma must follow.
  let outputs = 0;
  for (const op of ops)
    outputs += op.kind === 'keep' ? 1 : op.kind === 'drop' ? 0 : op.entries.length;
  outputs += append.length;
  if (outputs === 0) throw new IamRefineError('internal: a list would become empty');
  const commas = HAS_COMMAS.has(seq.layout);
  const trailing = commas && seq.layout !== 'json' && seq.trailingComma;
  const commaAfter = (position: number) => commas && (position < outputs - 1 || trailing);

  if (isOneEntryPerLine(text, seq)) return multiLine(text, seq, ops, append, render, commaAfter);
  if (seq.layout === 'yaml-block' || seq.layout === 'blocks') {
    throw new IamRefineError('the list is not written one entry per line');
  }
  return inline(text, seq, ops, append, render);
}

function multiLine(
  text: string,
  seq: SSeq,
  ops: readonly ListOp[],
  append: readonly string[],
  render: (value: string) => string,
  commaAfter: (position: number) => boolean,
): Edit[] {
  const edits: Edit[] = [];
  const eol = endOfLine(text);
  let position = 0;
  let lastEnd = -1;
  let lastPrefix = '';
  // Blocks from `tail` on are all dropped (the list's last kept block is before it).
  let tail = ops.length;
  while (tail > 0 && ops[tail - 1]!.kind === 'drop') tail--;
  let dropped = -1; // where the last removal ends
  seq.items.forEach((item, i) => {
    const op = ops[i]!;
    const start = lineStart(text, item.span.start);
    const prefix = text.slice(start, item.span.start);
    const after = afterEntry(text, item.span.end);
    if (op.kind === 'drop') {
      let from = start;
      let to = lineEnd(text, item.span.end);
      // A block goes with the blank line that separated it from the next one (or else from the
      // previous one), so that the blocks left are separated as before; blocks dropped up to the
      // end of the list go with the blank line before each (none is left after the last kept
      // one), and a blank line already removed with the previous block is not taken again.
      if (seq.layout === 'blocks') {
        const next = lineEnd(text, to);
        const before = from > 0 ? lineStart(text, from - 1) : from;
        if (i < tail && to < text.length && isBlank(text.slice(to, next))) to = next;
        else if (i > 0 && from > 0 && before >= dropped && isBlank(text.slice(before, from))) {
          from = before;
        }
      }
      edits.push({ start: from, end: to, text: '' });
      dropped = to;
      return;
    }
    lastPrefix = prefix;
    lastEnd = item.span.end;
    if (op.kind === 'keep') {
      const want = commaAfter(position++);
      if (after.comma >= 0 && !want)
        edits.push({ start: after.comma, end: after.comma + 1, text: '' });
      if (after.comma < 0 && want)
        edits.push({ start: item.span.end, end: item.span.end, text: ',' });
      return;
    }
    const parts = op.entries.map((e) => `${render(e)}${commaAfter(position++) ? ',' : ''}`);
    edits.push({
      start: item.span.start,
      end: after.comma >= 0 ? after.comma + 1 : item.span.end,
      text: parts.join(`${eol}${prefix}`),
    });
  });
  if (append.length > 0) {
    if (lastEnd < 0)
      throw new IamRefineError('internal: entries appended to a list with none left');
    const at = lineEnd(text, lastEnd);
    const lines = append.map(
      (e) => `${lastPrefix}${render(e)}${commaAfter(position++) ? ',' : ''}${eol}`,
    );
    const nl = at === text.length && !text.endsWith('\n') ? eol : '';
    edits.push({ start: at, end: at, text: nl + lines.join('') });
  }
  return edits;
}

function inline(
  text: string,
  seq: SSeq,
  ops: readonly ListOp[],
  append: readonly string[],
  render: (value: string) => string,
): Edit[] {
  const items = seq.items;
  let sep = ', ';
  if (items.length >= 2) {
    const between = text.slice(items[0]!.span.end, items[1]!.span.start);
    if (!between.includes('#') && !between.includes('//') && !between.includes('/*')) sep = between;
  }
  if (seq.layout === 'json' || seq.layout === 'yaml-flow') sep = sep.includes(',') ? sep : ', ';
  const edits: Edit[] = [];
  const kept = (i: number) => ops[i]!.kind !== 'drop';
  let i = 0;
  let lastKept: Span | undefined;
  while (i < items.length) {
    const op = ops[i]!;
    if (op.kind === 'drop') {
      let j = i;
      while (j + 1 < items.length && !kept(j + 1)) j++;
      if (lastKept) {
        edits.push({ start: lastKept.end, end: items[j]!.span.end, text: '' });
      } else if (j + 1 < items.length) {
        edits.push({ start: items[i]!.span.start, end: items[j + 1]!.span.start, text: '' });
      } else {
        throw new IamRefineError('internal: a list would become empty');
      }
      i = j + 1;
      continue;
    }
    if (op.kind === 'replace') {
      edits.push({ ...items[i]!.span, text: op.entries.map(render).join(sep) });
    }
    lastKept = items[i]!.span;
    i++;
  }
  if (append.length > 0) {
    if (!lastKept) throw new IamRefineError('internal: entries appended to a list with none left');
    edits.push({
      start: lastKept.end,
      end: lastKept.end,
      text: append.map((e) => `${sep}${render(e)}`).join(''),
    });
  }
  return edits;
}

/**
 * Writes `value` as a new string entry in the style of `like` (an entry of the same list, or the
 * scalar being replaced): JSON and HCL strings are double-quoted (HCL template sequences escaped),
 * YAML entries plain when `like` is plain and `value` is safe as a plain scalar, else quoted as
 * `like` is.
 */
export function renderString(value: string, like: Pick<SStr, 'lang' | 'quote'>): string {
  switch (like.lang) {
    case 'json':
      return JSON.stringify(value);
    case 'hcl':
      return JSON.stringify(value)
        .replaceAll('${', () => '$${')
        .replaceAll('%{', () => '%%{');
    case 'yaml':
      if (like.quote === "'") return `'${value.replaceAll("'", "''")}'`;
      if (like.quote === '' && isPlainSafe(value)) return value;
      return JSON.stringify(value);
  }
}

/** Whether `value` reads back as the same string when written as a plain YAML scalar. */
function isPlainSafe(value: string): boolean {
  if (value === '' || !/^[A-Za-z0-9]/.test(value)) return false;
  for (const c of value) {
    const ok =
      (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9') ||
      c === ':' ||
      c === '*' ||
      c === '?' ||
      c === '-' ||
      c === '_' ||
      c === '.' ||
      c === '/';
    if (!ok) return false;
  }
  // Words YAML reads as something other than a string.
  return !/^(true|false|yes|no|on|off|null|y|n|~)$/i.test(value) && !/^[0-9.+-]/.test(value);
}

/** Applies non-overlapping edits to `text`. @throws IamRefineError when two edits overlap. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) throw new IamRefineError('internal: overlapping edits');
    out += text.slice(at, e.start) + e.text;
    at = e.end;
  }
  return out + text.slice(at);
}
