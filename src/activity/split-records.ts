/**
 * Finds the records of a CloudTrail log file (`{"Records": [{...}, {...}]}`) without parsing
 * them, so that each record is parsed on its own with `JSON.parse`: a record's objects then die
 * young (cheap to collect) instead of the whole file's object graph living until the file is
 * done, which keeps a reader's memory small and flat.
 *
 * Soundness: the text outside the records is checked here exactly (whitespace, `{`, the key
 * `"Records"`, `:`, `[`, commas, `]`, `}`), and each record slice starts at `{` and ends at its
 * matching `}` (braces and brackets inside strings ignored). So if every slice is then accepted by
 * `JSON.parse`, the whole text is valid JSON and the slices parse to exactly the elements of its
 * `Records` array. Anything unexpected (another key, a BOM, an escaped key, a record that is not an
 * object, trailing text) gives `undefined`: the caller parses the whole text instead, which
 * accepts or rejects it with the usual message.
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

/**
 * The records of `text` as `[start0, end0, start1, end1, ...]` (half-open offsets of each record's
 * `{...}`), or `undefined` when `text` does not have exactly the layout
 * `{"Records": [ {...}, ... ]}` (any JSON whitespace between tokens).
 */
export function splitRecords(text: string): number[] | undefined {
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
