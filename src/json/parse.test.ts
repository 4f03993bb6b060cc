import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import {
  describeJsonValue,
  formatPath,
  MAX_JSON_DEPTH,
  parseJson,
  type JsonLocation,
  type JsonPath,
} from './parse.js';

/** The single issue `parseJson(text)` throws (fails the test when nothing is thrown). */
function issueOf(text: string, source?: string): Issue {
  try {
    parseJson(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues).toHaveLength(1);
    return issues[0]!;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

/** The offset a 1-based line/column points at in `text` (lines end at `\n`, `\r\n` or `\r`). */
function offsetOf(text: string, at: JsonLocation): number {
  let line = 1;
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let i = start; i < text.length && line < at.line; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
      start = i + 1;
    }
  }
  return start + at.column - 1;
}

/** Every path of a JSON value, with the value there (root first). */
function allPaths(value: unknown, path: (string | number)[] = []): [JsonPath, unknown][] {
  const out: [JsonPath, unknown][] = [[path, value]];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...allPaths(v, [...path, i])));
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      out.push(...allPaths((value as Record<string, unknown>)[key], [...path, key]));
    }
  }
  return out;
}

describe('parseJson: values', () => {
  it('parses every kind of value like JSON.parse', () => {
    const text =
      '{"s": "a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00", "n": [0, -0, 1.5, -2e3, 1E+2, 5e-1, 123456789012345678901234567890], "t": true, "f": false, "z": null, "o": {}, "a": []}';
    const value = parseJson(text).value;
    expect(value).toEqual(JSON.parse(text));
    expect((value as { s: string }).s).toBe('a"b\\c/d\b\f\n\r\t\u00e9\u{1F600}');
    expect(Object.is((value as { n: number[] }).n[1], -0)).toBe(true);
  });

  it('accepts scalars at the top level and surrounding whitespace', () => {
    expect(parseJson(' \t\r\n 42 \n').value).toBe(42);
    expect(parseJson('"x"').value).toBe('x');
    expect(parseJson('null').value).toBeNull();
  });

  it('keeps lone surrogates from \\u escapes, as JSON.parse does', () => {
    expect(parseJson('"\\ud800x"').value).toBe('\ud800x');
  });

  it('accepts a UTF-8 byte order mark and does not count it as a column', () => {
    const parsed = parseJson('\uFEFF{"a": 1}');
    expect(parsed.value).toEqual({ a: 1 });
    expect(parsed.locate([])).toEqual({ line: 1, column: 1 });
    expect(parsed.locate(['a'])).toEqual({ line: 1, column: 7 });
  });

  it('keeps key order', () => {
    const value = parseJson('{"Sid": 1, "Effect": 2, "Action": 3, "Resource": 4, "Condition": 5}')
      .value as object;
    expect(Object.keys(value)).toEqual(['Sid', 'Effect', 'Action', 'Resource', 'Condition']);
  });

  it('makes "__proto__" an ordinary own key without touching any prototype', () => {
    const value = parseJson('{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}}')
      .value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(value, 'constructor')?.value).toEqual({ prototype: 1 });
  });

  it('creates ordinary writable, enumerable, configurable properties', () => {
    const value = parseJson('{"a": 1}').value as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(value, 'a')).toEqual({
      value: 1,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    value.a = 2;
    expect(value.a).toBe(2);
  });

  it('accepts nesting up to the depth limit and rejects deeper nesting', () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(() => parseJson(ok)).not.toThrow();
    const deep = '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1);
    const issue = issueOf(deep);
    expect(issue.code).toBe('invalid_json');
    expect(issue.message).toContain(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    expect(issue.column).toBe(MAX_JSON_DEPTH + 1);
  });
});

describe('parseJson: errors', () => {
  it('reports empty input', () => {
    for (const text of ['', '   \n\t', '\uFEFF']) {
      const issue = issueOf(text, 'p.json');
      expect(issue).toEqual({
        code: 'empty_input',
        path: '$',
        message: 'the input is empty, expected a JSON value',
        source: 'p.json',
      });
    }
  });

  it('reports truncated JSON at the end, naming the open object and where it was opened', () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow"';
    const issue = issueOf(text, 'policy.json');
    expect(issue).toEqual({
      code: 'invalid_json',
      path: '$.Statement[0]',
      message:
        "unexpected end of input: the JSON is truncated (expected '}' to close the object opened at 4:5)",
      source: 'policy.json',
      line: 5,
      column: 24,
    });
  });

  it('reports truncation inside an array, after a colon, and in a string', () => {
    expect(issueOf('[1, 2').message).toBe(
      "unexpected end of input: the JSON is truncated (expected ']' to close the array opened at 1:1)",
    );
    expect(issueOf('{"a":').message).toBe(
      "unexpected end of input: the JSON is truncated (expected '}' to close the object opened at 1:1)",
    );
    const inString = issueOf('{"a": "abc');
    expect(inString.message).toBe(
      "unexpected end of input: the JSON is truncated (expected '\"' to close the string opened at 1:7)",
    );
    expect([inString.line, inString.column]).toEqual([1, 11]);
    expect(issueOf('tru').message).toBe(
      "unexpected end of input: the JSON is truncated (expected 'true')",
    );
    expect(issueOf('-').message).toBe(
      "unexpected end of input: the JSON is truncated (expected a digit after '-')",
    );
    expect(issueOf('"\\u12').message).toContain('expected 4 hexadecimal digits after \\u');
  });

  it('reports an unexpected character with what was expected', () => {
    const issue = issueOf('{\n  "a": x\n}');
    expect(issue).toMatchObject({
      code: 'invalid_json',
      path: '$.a',
      message: "unexpected character 'x', expected a value",
      line: 2,
      column: 8,
    });
  });

  it.each([
    ['{"a" 1}', "unexpected character '1', expected ':' after the key \"a\"", 1, 6],
    [
      '{"a": 1 "b": 2}',
      "unexpected character '\"', expected ',' or '}' after the value of \"a\"",
      1,
      9,
    ],
    ['[1 2]', "unexpected character '2', expected ',' or ']' after an array element", 1, 4],
    ['{a: 1}', "unexpected character 'a', expected a string key or '}'", 1, 2],
    ["{'a': 1}", "unexpected character ''', expected a string key or '}'", 1, 2],
    ['[1, 2,]', "unexpected character ']', expected a value after ','", 1, 7],
    ['{"a": 1,}', "unexpected character '}', expected a string key after ','", 1, 9],
    ['[1] [2]', "unexpected character '[' after the end of the JSON value", 1, 5],
    ['{} x', "unexpected character 'x' after the end of the JSON value", 1, 4],
    ['01', 'invalid number: leading zeros are not allowed', 1, 2],
    ['-x', "unexpected character 'x' in a number, expected a digit after '-'", 1, 2],
    [
      '1.e5',
      "unexpected character 'e' in a number, expected a digit after the decimal point",
      1,
      3,
    ],
    ['1e+', 'the JSON is truncated (expected a digit in the exponent)', 1, 4],
    ['+1', "unexpected character '+', expected a value", 1, 1],
    ['.5', "unexpected character '.', expected a value", 1, 1],
    ['NaN', "unexpected character 'N', expected a value", 1, 1],
    ['Infinity', "unexpected character 'I', expected a value", 1, 1],
    ['True', "unexpected character 'T', expected a value", 1, 1],
    ['nul!', "unexpected character '!', expected 'null'", 1, 4],
    ['[nil]', "unexpected word 'nil', expected a value", 1, 2],
    ['fals3', "unexpected character '3', expected 'false'", 1, 5],
    ['"a\\x"', "invalid escape '\\x' in a string", 1, 3],
    ['"\\u12G4"', "unexpected character 'G' in a \\u escape, expected 4 hexadecimal digits", 1, 6],
    ['"a\tb"', 'invalid character U+0009 in a string (control characters must be escaped', 1, 3],
    ['["a\nb"]', 'invalid character U+000A in a string', 1, 4],
    ['// comment\n{}', "unexpected character '/', expected a value", 1, 1],
    ['\u00a0{}', 'unexpected character U+00A0, expected a value', 1, 1],
    ['{"a": 1}\u2028', 'unexpected character U+2028 after the end of the JSON value', 1, 9],
    ['[é]', "unexpected character 'é', expected a value", 1, 2],
    ['[\u{1F600}]', "unexpected character '\u{1F600}', expected a value", 1, 2],
  ])('rejects %j: %s', (text, message, line, column) => {
    const issue = issueOf(text);
    expect(issue.code).toBe('invalid_json');
    expect(issue.message).toContain(message);
    expect([issue.line, issue.column]).toEqual([line, column]);
  });

  it('reports a duplicate key at its second occurrence, naming the first', () => {
    const text = '{\n  "Statement": [{\n    "Effect": "Allow",\n    "Effect": "Deny"\n  }]\n}';
    const issue = issueOf(text, 'dup.json');
    expect(issue).toEqual({
      code: 'duplicate_key',
      path: '$.Statement[0]',
      message:
        'duplicate key "Effect": it is already defined at 3:5 (every key of an object must be unique)',
      source: 'dup.json',
      line: 4,
      column: 5,
    });
  });

  it('finds duplicates among keys that differ only in how they are escaped', () => {
    const issue = issueOf('{"ab": 1, "a\\u0062": 2}');
    expect(issue.code).toBe('duplicate_key');
    expect(issue.message).toContain('duplicate key "ab"');
    expect(issue.column).toBe(11);
  });

  it('treats a duplicate "__proto__" like any other duplicate', () => {
    const issue = issueOf('{"__proto__": 1, "__proto__": 2}');
    expect(issue.code).toBe('duplicate_key');
    expect(issue.path).toBe('$');
  });

  it('omits the source when none is given and formats as file:line:col otherwise', () => {
    expect(issueOf('x').source).toBeUndefined();
    try {
      parseJson('[\n  1,\n  ?\n]', 'a.json');
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).message).toBe(
        "a.json:3:3: $[1]: unexpected character '?', expected a value [invalid_json]",
      );
    }
  });
});

describe('parseJson: locate', () => {
  const text = [
    '{',
    '  "Version": "2012-10-17",',
    '  "Statement": [',
    '    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:Put*"]},',
    '    {"we\\"ird": {"k": [null, [true]]}}',
    '  ]',
    '}',
  ].join('\n');
  const parsed = parseJson(text);

  it('locates values by path', () => {
    expect(parsed.locate([])).toEqual({ line: 1, column: 1 });
    expect(parsed.locate(['Version'])).toEqual({ line: 2, column: 14 });
    expect(parsed.locate(['Statement'])).toEqual({ line: 3, column: 16 });
    expect(parsed.locate(['Statement', 0])).toEqual({ line: 4, column: 5 });
    expect(parsed.locate(['Statement', 0, 'Effect'])).toEqual({ line: 4, column: 16 });
    expect(parsed.locate(['Statement', 0, 'Action', 1])).toEqual({ line: 4, column: 52 });
    expect(parsed.locate(['Statement', 1, 'we"ird'])).toEqual({ line: 5, column: 17 });
    expect(parsed.locate(['Statement', 1, 'we"ird', 'k', 0])).toEqual({ line: 5, column: 24 });
    expect(parsed.locate(['Statement', 1, 'we"ird', 'k', 1, 0])).toEqual({ line: 5, column: 31 });
  });

  it('returns undefined for paths that do not exist or have the wrong segment type', () => {
    expect(parsed.locate(['Missing'])).toBeUndefined();
    expect(parsed.locate(['Statement', 2])).toBeUndefined();
    expect(parsed.locate(['Statement', '0'])).toBeUndefined();
    expect(parsed.locate([0])).toBeUndefined();
    expect(parsed.locate(['Version', 0])).toBeUndefined();
    expect(parsed.locate(['Statement', -1])).toBeUndefined();
  });

  it('counts \\r\\n and a lone \\r as one line break each', () => {
    const crlf = parseJson('{\r\n"a":\r\n  1,\r"b": 2}');
    expect(crlf.locate(['a'])).toEqual({ line: 3, column: 3 });
    expect(crlf.locate(['b'])).toEqual({ line: 4, column: 6 });
  });
});

describe('parseJson: properties', () => {
  const check = (v: unknown, text: string) => {
    const parsed = parseJson(text);
    const expected: unknown = JSON.parse(text);
    expect(parsed.value).toEqual(expected);
    // Same keys in the same order, all the way down.
    expect(JSON.stringify(parsed.value)).toBe(JSON.stringify(expected));
    for (const [path, sub] of allPaths(expected)) {
      const at = parsed.locate(path);
      expect(at, formatPath(path)).toBeDefined();
      const offset = offsetOf(text, at!);
      const first = Array.isArray(sub)
        ? '['
        : typeof sub === 'object' && sub !== null
          ? '{'
          : undefined;
      if (first !== undefined) expect(text[offset]).toBe(first);
      else expect(text.startsWith(JSON.stringify(sub), offset), formatPath(path)).toBe(true);
    }
    void v;
  };

  it('agrees with JSON.parse and locates every value (indented text)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => check(v, JSON.stringify(v, null, 2))),
      { numRuns: 300 },
    );
  });

  it('agrees with JSON.parse on compact text with arbitrary strings', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (v) => check(v, JSON.stringify(v))),
      { numRuns: 300 },
    );
  });

  it('rejects whatever JSON.parse rejects on near-JSON text, and accepts what it accepts', () => {
    const alphabet = fc.constantFrom(...'{}[],:"\\ 0123-+.eEtrufalsn\n\tx'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }), (chars) => {
        const text = chars.join('');
        let expected: unknown;
        let ok = true;
        try {
          expected = JSON.parse(text);
        } catch {
          ok = false;
        }
        if (ok) {
          expect(parseJson(text).value).toEqual(expected);
        } else {
          expect(() => parseJson(text)).toThrow(ValidationError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatPath', () => {
  it.each([
    [[], '$'],
    [['Statement', 1, 'Action', 2], '$.Statement[1].Action[2]'],
    [['weird key'], '$["weird key"]'],
    [['a.b', 'q"', '', '1x', '_ok$'], '$["a.b"]["q\\""][""]["1x"]._ok$'],
  ] as [JsonPath, string][])('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('describeJsonValue', () => {
  it('names each kind of value', () => {
    expect(describeJsonValue('allow')).toBe('"allow"');
    expect(describeJsonValue(42)).toBe('42');
    expect(describeJsonValue(false)).toBe('false');
    expect(describeJsonValue(null)).toBe('null');
    expect(describeJsonValue([])).toBe('an array');
    expect(describeJsonValue({})).toBe('an object');
    expect(describeJsonValue(undefined)).toBe('undefined');
    expect(describeJsonValue('x'.repeat(100))).toBe(JSON.stringify(`${'x'.repeat(57)}...`));
  });
});
