/**
 * Finds the records of a CloudTrail log file (`{"Records": [{...}, {...}]}`) without parsing
 * them, so that each record is parsed on its own with `JSON.parse`: a record's objects then die
 * young (cheap to collect) instead of the whole file's object graph living until the file is
 * done, which keeps a reader's memory small and flat.
 *
 * Two ways to find the records:
 * - **CloudTrail's own layout** (compact, every record starting `{"eventVersion":`, as CloudTrail
 *   writes them): each record ends just before the next `},{"eventVersion"`, found with one
 *   `indexOf` per record. That sequence cannot occur inside a string (its quotes would be
 *   escaped), and where it occurs nested inside a record, the slice before it has unclosed brackets
 *   and does not parse.
 * - **Any other whitespace or key order**: each record slice starts at `{` and ends at its
 *   matching `}` (braces and brackets inside strings ignored, strings skipped with `indexOf`).
 *
 * Soundness: the text outside the records is checked here exactly (whitespace, `{`, the key
 * `"Records"`, `:`, `[`, commas, `]`, `}`), and each slice starts with `{` and ends with `}`. So if
 * every slice is then accepted by `JSON.parse` (a complete value: its first `{` matches its last
 * `}`), the whole text is valid JSON and the slices parse to exactly the elements of its `Records`
 * array. If a slice does not parse, the caller parses the whole text instead, which accepts or
 * rejects it with the usual message; so does anything unexpected here (another key, a BOM, an
 * escaped key, a record that is not an object, trailing text), which gives `undefined`.
 */

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const RECORDS_KEY = '"Records"';
/** How CloudTrail's own files start, and how each of their records starts. */
const COMPACT_HEAD = '{"Records":[';
const COMPACT_RECORD = '{"eventVersion"';
const COMPACT_SEPARATOR = '},{"eventVersion"';

/**
 * The records of `text` as `[start0, end0, start1, end1, ...]` (half-open offsets of each record's
 * `{...}`), or `undefined` when `text` does not have exactly the layout
 * `{"Records": [ {...}, ... ]}` (any JSON whitespace between tokens).
 */
export function splitRecords(text: string): number[] | undefined {
  return splitCompact(text) ?? splitAny(text);
}

/** CloudTrail's own layout (see the module comment), or `undefined`. */
function splitCompact(text: string): number[] | undefined {
  if (!text.startsWith(COMPACT_HEAD) || !text.startsWith(COMPACT_RECORD, COMPACT_HEAD.length)) {
    return undefined;
  }
  // The text must end with `}]}` and optional whitespace.
  let end = text.length;
  for (;;) {
    const c = text.charCodeAt(end - 1);
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    end--;
  }
  if (
    text.charCodeAt(end - 1) !== CLOSE_BRACE ||
    text.charCodeAt(end - 2) !== CLOSE_BRACKET ||
    text.charCodeAt(end - 3) !== CLOSE_BRACE
  ) {
    return undefined;
  }
  const last = end - 2; // just after the last record's `}`
  const bounds: number[] = [];
  let i = COMPACT_HEAD.length;
  for (;;) {
    const next = text.indexOf(COMPACT_SEPARATOR, i);
    if (next < 0 || next + 1 >= last) {
      bounds.push(i, last);
      return bounds;
    }
    bounds.push(i, next + 1);
    i = next + 2;
  }
}

/** Any whitespace and key order (see the module comment), or `undefined`. */
function splitAny(text: string): number[] | undefined {
  const n = text.length;
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipSpace(text, i + 1);
  if (!text.startsWith(RECORDS_KEY, i)) return undefined;
  i = skipSpace(text, i + RECORDS_KEY.length);
  if (text.charCodeAt(i) !== COLON) return undefined;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) !== OPEN_BRACKET) return undefined;
  i = skipSpace(text, i + 1);
  const bounds: number[] = [];
  if (text.charCodeAt(i) === CLOSE_BRACKET) {
    i++;
  } else {
    for (;;) {
      if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
      const end = matchingBrace(text, i);
      if (end < 0) return undefined;
      bounds.push(i, end);
      i = skipSpace(text, end);
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i = skipSpace(text, i + 1);
        continue;
      }
      if (c !== CLOSE_BRACKET) return undefined;
      i++;
      break;
    }
  }
  i = skipSpace(text, i);
  if (text.charCodeAt(i) !== CLOSE_BRACE) return undefined;
  i = skipSpace(text, i + 1);
  return i === n ? bounds : undefined;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
}

/**
 * The offset just after the `}` matching the `{` at `start` (nesting counted over `{}` and `[]`,
 * strings skipped), or -1 when the text ends first. Strings are skipped with `indexOf`, which is
 * much faster than a character loop over their content.
 */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i++);
    if (c === QUOTE) {
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) return -1;
        i = close + 1;
        // The quote closes the string unless an odd number of backslashes precede it.
        let k = close - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((close - 1 - k) % 2 === 0) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return i;
    }
  }
  return -1;
}
