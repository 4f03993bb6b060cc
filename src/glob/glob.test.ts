import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileGlob,
  globContains,
  globIntersects,
  globMatch,
  GlobTooComplexError,
  hasWildcard,
  literalPrefix,
  prefixContained,
} from './glob.js';

// ---------------------------------------------------------------------------------------------
// Reference implementations (deliberately naive and independent of glob.ts).

/** Memoized recursive matcher over (pattern index, text index); no RegExp. */
function refMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const k = i * (t.length + 1) + j;
    const cached = memo.get(k);
    if (cached !== undefined) return cached;
    let r: boolean;
    if (i === p.length) r = j === t.length;
    else if (p[i] === '*') r = go(i + 1, j) || (j < t.length && go(i, j + 1));
    else r = j < t.length && (p[i] === '?' || p[i] === t[j]) && go(i + 1, j + 1);
    memo.set(k, r);
    return r;
  };
  return go(0, 0);
}

/** Distinct lower-case literal characters of the patterns, plus one character none of them uses. */
function sigmaOf(...patterns: string[]): string[] {
  const chars = new Set<string>();
  for (const p of patterns)
    for (const c of p.toLowerCase()) if (c !== '*' && c !== '?') chars.add(c);
  let extra = 'z';
  for (let code = 'z'.charCodeAt(0); chars.has(extra); code--) extra = String.fromCharCode(code);
  return [...chars, extra];
}

/** Every string over `sigma` of length at most `maxLen`, shortest first. */
function allStrings(sigma: readonly string[], maxLen: number): string[] {
  const out = [''];
  let level = [''];
  for (let len = 1; len <= maxLen; len++) {
    level = level.flatMap((s) => sigma.map((c) => s + c));
    out.push(...level);
  }
  return out;
}

/** Number of non-star characters: every string a pattern matches has at least this length. */
const nonStar = (p: string): number => [...p].filter((c) => c !== '*').length;

const word = (chars: string, maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...chars), { minLength, maxLength }).map((cs: string[]) => cs.join(''));

/** Patterns over a tiny alphabet with both cases so that matches are frequent. */
const PATTERN_CHARS = 'aAbB:*?';
const TEXT_CHARS = 'aAbB:*?';

/**
 * A text together with a pattern derived from it (runs replaced by `*`, characters by `?` or their
 * other case), so the pattern is known to match the text.
 */
const derivedPair: fc.Arbitrary<[string, string]> = fc
  .tuple(
    word('aAbB:', 300, 0),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom('*', '?', 'case')), {
      maxLength: 8,
    }),
  )
  .map(([text, edits]) => {
    let pattern = text;
    for (const [at, len, kind] of edits) {
      if (pattern.length === 0) {
        if (kind === '*') pattern = '*';
        continue;
      }
      const i = at % pattern.length;
      if (kind === '*') pattern = pattern.slice(0, i) + '*' + pattern.slice(i + len);
      else if (kind === '?' && pattern[i] !== '*')
        pattern = pattern.slice(0, i) + '?' + pattern.slice(i + 1);
      else if (kind === 'case') {
        const c = pattern[i]!;
        const swapped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
        pattern = pattern.slice(0, i) + swapped + pattern.slice(i + 1);
      }
    }
    return [pattern, text];
  });

// ---------------------------------------------------------------------------------------------

describe('hasWildcard', () => {
  it.each([
    ['s3:GetObject', false],
    ['', false],
    ['s3:Get*', true],
    ['s3:Get?bject', true],
    ['*', true],
    ['?', true],
  ])('%j -> %s', (text, expected) => {
    expect(hasWildcard(text)).toBe(expected);
  });
});

describe('compileGlob', () => {
  it('keeps the source, lower-cases, and flags wildcards', () => {
    const g = compileGlob('S3:Get*');
    expect(g.source).toBe('S3:Get*');
    expect(g.lower).toBe('s3:get*');
    expect(g.isWildcard).toBe(true);
    expect(compileGlob('s3:GetObject').isWildcard).toBe(false);
    expect(compileGlob('s3:Get?bject').isWildcard).toBe(true);
  });

  it('test() folds the text case; testLower() expects lower-case text', () => {
    const wild = compileGlob('s3:Get*');
    expect(wild.test('S3:GETOBJECT')).toBe(true);
    expect(wild.testLower('s3:getobject')).toBe(true);
    expect(wild.testLower('S3:GETOBJECT')).toBe(false);
    const literal = compileGlob('s3:GetObject');
    expect(literal.test('S3:getobject')).toBe(true);
    expect(literal.testLower('s3:getobject')).toBe(true);
    expect(literal.testLower('S3:GetObject')).toBe(false);
    expect(literal.test('s3:GetObjectAcl')).toBe(false);
    expect(literal.test('s3:GetObjec')).toBe(false);
  });

  it('a literal matches itself even when lower-casing changes its length', () => {
    // U+0130 lower-cases to two UTF-16 units; a length pre-check used to reject the self-match.
    expect('\u0130'.toLowerCase().length).toBe(2);
    expect(globMatch('\u0130', '\u0130')).toBe(true);
    expect(globMatch('x\u0130', 'X\u0130')).toBe(true);
    expect(globMatch('\u0130', 'i')).toBe(false);
  });
});

describe('globMatch examples', () => {
  it.each<[string, string, boolean]>([
    // case-insensitive, both sides
    ['s3:Get*', 'S3:GETOBJECT', true],
    ['S3:GET*', 's3:getobject', true],
    ['s3:GetObject', 's3:getobject', true],
    ['s3:Get*', 's3:PutObject', false],
    ['s3:Get*', 's3:Get', true],
    ['s3:Get*', 's3:Ge', false],
    ['s3:Get*', 'xs3:GetObject', false],
    // '?' at start / middle / end: exactly one character
    ['?3:GetObject', 's3:GetObject', true],
    ['?3:GetObject', '3:GetObject', false],
    ['?3:GetObject', 'ss3:GetObject', false],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:Get?bject', 's3:Getbject', false],
    ['s3:Get?bject', 's3:GetOObject', false],
    ['s3:GetObjec?', 's3:GetObject', true],
    ['s3:GetObjec?', 's3:GetObjec', false],
    ['s3:GetObjec?', 's3:GetObjectA', false],
    ['?', '*', true],
    ['?', '', false],
    // '*' at start / middle / end: any run, also empty
    ['*Object', 's3:GetObject', true],
    ['*Object', 'Object', true],
    ['*Object', 's3:GetObjectAcl', false],
    ['s3:*Object', 's3:Object', true],
    ['s3:*Object', 's3:GetObject', true],
    ['s3:*Object', 'ec2:GetObject', false],
    ['s3:*', 's3:', true],
    ['s3:*', 's3', false],
    // '**' is '*'
    ['s3:**', 's3:', true],
    ['s3:**Object', 's3:GetObject', true],
    ['**', '', true],
    // empty pattern matches exactly the empty string
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    // many stars
    ['*a*b*c*', 'xxaxxbxxcxx', true],
    ['*a*b*c*', 'abc', true],
    ['*a*b*c*', 'acb', false],
    ['*a*a*a*', 'aa', false],
    ['*a*a*a*', 'aaa', true],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['*?*?*', 'a', false],
    ['*?*?*', 'ab', true],
    ['s3:*Get*Obj?ct*', 's3:BatchGetSomeObjectAcl', true],
    ['s3:*Get*Obj?ct*', 's3:BatchGetSomeObjctAcl', false],
    // no escapes: '*' and '?' in the text are just characters
    ['a\\*', 'a\\bc', true],
    ['a*', 'a*', true],
  ])('globMatch(%j, %j) = %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
    expect(refMatch(pattern, text)).toBe(expected);
  });
});

describe('globMatch: termination on pathological input', () => {
  it('a*a*a*a*a*a*a*b against 10 000 a-s', () => {
    const text = 'a'.repeat(10_000);
    expect(globMatch('a*a*a*a*a*a*a*b', text)).toBe(false);
    expect(globMatch('a*a*a*a*a*a*a*b', text + 'b')).toBe(true);
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c', text)).toBe(false);
    expect(globMatch('*a?a?a?a?a*b', text)).toBe(false);
  });
});

describe('globMatch property: differential against the reference matcher', () => {
  it('random patterns and texts over a small alphabet', () => {
    fc.assert(
      fc.property(word(PATTERN_CHARS, 10), word(TEXT_CHARS, 14), (pattern, text) => {
        const expected = refMatch(pattern, text);
        const g = compileGlob(pattern);
        expect(g.test(text)).toBe(expected);
        expect(g.testLower(text.toLowerCase())).toBe(expected);
        expect(globMatch(pattern, text)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });

  it('long texts with patterns derived from them (frequent matches) and mutated texts', () => {
    let matches = 0;
    fc.assert(
      fc.property(derivedPair, word('aAbB:', 3), fc.nat(), ([pattern, text], insert, at) => {
        expect(refMatch(pattern, text)).toBe(true);
        expect(globMatch(pattern, text)).toBe(true);
        const i = text.length === 0 ? 0 : at % text.length;
        const mutated = text.slice(0, i) + insert + text.slice(i + 1);
        const expected = refMatch(pattern, mutated);
        if (expected) matches++;
        expect(globMatch(pattern, mutated)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
    // The generator must actually exercise both outcomes on mutated texts.
    expect(matches).toBeGreaterThan(0);
    expect(matches).toBeLessThan(1000);
  });

  it('every match starts with the literal prefix; wildcard flag agrees with hasWildcard', () => {
    fc.assert(
      fc.property(word(PATTERN_CHARS, 10), word(TEXT_CHARS, 14), (pattern, text) => {
        const g = compileGlob(pattern);
        expect(g.isWildcard).toBe(hasWildcard(pattern));
        const prefix = literalPrefix(g);
        expect(literalPrefix(pattern)).toBe(prefix);
        expect(hasWildcard(prefix)).toBe(false);
        expect(g.lower.startsWith(prefix)).toBe(true);
        if (g.test(text)) expect(text.toLowerCase().startsWith(prefix)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('literalPrefix', () => {
  it.each([
    ['S3:Get*', 's3:get'],
    ['s3:?et*', 's3:'],
    ['s3:GetObject', 's3:getobject'],
    ['*', ''],
    ['?abc', ''],
    ['', ''],
  ])('%j -> %j', (pattern, expected) => {
    expect(literalPrefix(pattern)).toBe(expected);
    expect(literalPrefix(compileGlob(pattern))).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------

describe('globContains examples', () => {
  it.each<[string, string, boolean]>([
    ['s3:*', 's3:Get*', true],
    ['s3:Get*', 's3:*', false],
    ['s3:Get*', 'S3:GETOBJECT', true],
    ['S3:GETOBJECT', 's3:GetObject', true],
    ['s3:GetObject', 's3:Get*', false],
    ['s3:Get?bject', 's3:GetObject', true],
    ['s3:GetObject', 's3:Get?bject', false],
    ['s3:Get*', 's3:Get', true],
    ['s3:Get?*', 's3:Get', false],
    ['s3:Get?*', 's3:Get?', true],
    ['*', '', true],
    ['', '*', false],
    ['', '', true],
    ['*', 's3:*Object?', true],
    ['*?', '?*', true],
    ['?*', '*?', true],
    ['*?', '*', false],
    ['a*', 'a**', true],
    ['a**', 'a*', true],
    ['*a*', '*a*a*', true],
    ['*a*a*', '*a*', false],
    ['*a*a*', '*aa*', true],
    ['*ab*', '*a*b*', false],
    ['a*b', 'a*b*b', true],
    ['a*b', 'a*b*', false],
    // strings that are not actions are part of the languages too
    ['s3:*', 's3:', true],
    ['*:*', 'foo', false],
    ['*:*', '?*', false],
    ['s3:*', 's3-outposts:*', false],
    // the character no pattern mentions still counts
    ['a?', 'a*', false],
    ['*?*?*', '??*', true],
    ['*?*?*', '?*', false],
  ])('globContains(%j, %j) = %s', (outer, inner, expected) => {
    expect(globContains(outer, inner)).toBe(expected);
    expect(globContains(compileGlob(outer), compileGlob(inner))).toBe(expected);
  });
});

describe('globIntersects examples', () => {
  it.each<[string, string, boolean]>([
    ['s3:Get*', '*Object', true],
    ['s3:Get*', 's3:Put*', false],
    ['s3:GET*', 's3:get*', true],
    ['a?c', '?b?', true],
    ['a*', '*b', true],
    ['a', 'b', false],
    ['a', 'A', true],
    ['', '*', true],
    ['', '?', false],
    ['?', '*?*', true],
    ['??', '???', false],
    ['*a*', '*b*', true],
    ['a*', 'b*', false],
    ['*ab', '*ba', false],
    ['*baaa', 'b?bb*', true], // shortest common string 'b?bbaaa' has 7 characters
  ])('globIntersects(%j, %j) = %s', (a, b, expected) => {
    expect(globIntersects(a, b)).toBe(expected);
    expect(globIntersects(b, a)).toBe(expected);
  });
});

describe('prefixContained examples', () => {
  it.each<[string, string, boolean]>([
    ['s3:Get*', 's3:getobject', true],
    ['s3:Get*', 's3:get', true],
    ['s3:Get*', 's3:ge', false],
    ['s3:Get*', 's3:put', false],
    ['s3:*Object', 's3:getobject', false],
    ['*', '', true],
    ['**', 'abc', true],
    ['a*b*', 'axb', true],
    ['a*b*', 'ax', false],
    // regressions: the prefix matched exactly, nothing left of the pattern: prefix* is not
    // contained (the pattern takes no suffix)
    ['s3:GetObject?', 's3:getobjecta', false],
    ['??', 'ab', false],
    ['ec2:Describe*s', 'ec2:describeinstances', false], // ec2:DescribeInstancesX escapes
    ['', '', false],
    ['a*ba', 'aba', false],
    ['s3:GetObject', 's3:getobject', false],
    // regressions: several states accept every suffix together, none alone
    ['*?', 'b', true],
    ['*?', '', false],
    ['?*?', 'aa', true],
    ['*??', 'bb', true],
    ['*??', 'b', false],
    ['b*?', 'bba', true],
    ['?a*?', 'baa', true],
  ])('prefixContained(%j, %j) = %s', (outer, prefix, expected) => {
    expect(prefixContained(compileGlob(outer), prefix)).toBe(expected);
    expect(globContains(outer, `${prefix}*`)).toBe(expected);
  });
});

describe('containment and intersection: differential against brute force', () => {
  const small = word('aAbB*?', 4);

  it('globIntersects is exact: a common string exists iff one of bounded length does', () => {
    // If two patterns share a string, deleting every character both consume with a star keeps it
    // shared, so some shared string has at most nonStar(a) + nonStar(b) characters.
    fc.assert(
      fc.property(small, small, (a, b) => {
        const strings = allStrings(sigmaOf(a, b), nonStar(a) + nonStar(b));
        const expected = strings.some((s) => refMatch(a, s) && refMatch(b, s));
        expect(globIntersects(a, b)).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('globContains agrees with brute force on all short strings (exact when inner has no star)', () => {
    fc.assert(
      fc.property(small, small, (outer, inner) => {
        const maxLen = Math.min(6, nonStar(outer) + nonStar(inner) + 1);
        const strings = allStrings(sigmaOf(outer, inner), maxLen);
        const counterexample = strings.find((s) => refMatch(inner, s) && !refMatch(outer, s));
        const contained = globContains(outer, inner);
        if (counterexample !== undefined) expect(contained).toBe(false);
        // A star-free inner matches only strings of length nonStar(inner), all enumerated.
        if (!inner.includes('*')) expect(contained).toBe(counterexample === undefined);
        // Every pattern matches something, so containment implies intersection.
        if (contained) expect(globIntersects(outer, inner)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('globContains is false whenever a random instance of inner escapes outer', () => {
    const instance = (pattern: string, fill: string[]): string => {
      let k = 0;
      const next = () => fill[k++ % Math.max(fill.length, 1)] ?? '';
      return [...pattern]
        .map((c) => (c === '*' ? next() : c === '?' ? next().slice(0, 1) || 'z' : c))
        .join('');
    };
    fc.assert(
      fc.property(
        word(PATTERN_CHARS, 8),
        word(PATTERN_CHARS, 8),
        fc.array(word('abz:', 5), { maxLength: 6 }),
        (outer, inner, fill) => {
          const s = instance(inner, fill);
          expect(refMatch(inner, s)).toBe(true);
          if (!refMatch(outer, s)) expect(globContains(outer, inner)).toBe(false);
          else expect(globIntersects(outer, inner)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('known containment: inner obtained by narrowing a star of outer', () => {
    const narrowings = ['', 'a', 'B:', '?', '**', '*b*', '?*', '*?', 'a*a'];
    fc.assert(
      fc.property(
        word(PATTERN_CHARS, 8),
        word(PATTERN_CHARS, 8),
        fc.constantFrom(...narrowings),
        (left, right, narrowing) => {
          const outer = `${left}*${right}`;
          const inner = `${left}${narrowing}${right}`;
          expect(globContains(outer, inner)).toBe(true);
          // Case does not matter, and every pattern contains itself.
          expect(globContains(outer.toUpperCase(), inner.toLowerCase())).toBe(true);
          expect(globContains(outer, outer)).toBe(true);
          expect(globContains('*', inner)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('known non-containment: inner obtained by widening a literal or a `?` of outer', () => {
    // Fill inner's stars with nothing and its `?` with a character outer never mentions: the
    // result has too few literals (or characters) for outer to match it.
    fc.assert(
      fc.property(
        word(PATTERN_CHARS, 8, 1),
        fc.nat(),
        fc.constantFrom('?', '*'),
        (outer, at, widening) => {
          const positions = [...outer].flatMap((c, i) =>
            c === '*' || (c === '?' && widening === '?') ? [] : [i],
          );
          fc.pre(positions.length > 0);
          const i = positions[at % positions.length]!;
          const inner = outer.slice(0, i) + widening + outer.slice(i + 1);
          expect(globContains(outer, inner)).toBe(false);
          expect(globContains(inner, outer)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('known non-containment: a star-free outer never contains outer + `*`', () => {
    fc.assert(
      fc.property(word('aAbB:?', 8), (outer) => {
        expect(globContains(outer, `${outer}*`)).toBe(false);
        expect(globContains(`${outer}*`, outer)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('prefixContained(outer, p) is globContains(outer, p + "*") and agrees with brute force', () => {
    fc.assert(
      fc.property(word('aAbB*?', 6), word('ab', 5), (outer, prefix) => {
        const result = prefixContained(compileGlob(outer), prefix);
        expect(result).toBe(globContains(outer, `${prefix}*`));
        const suffixes = allStrings(sigmaOf(outer), Math.min(6, nonStar(outer) + 1));
        // Necessary-only: a suffix that escapes outer refutes containment.
        const escapes = suffixes.some((s) => !refMatch(outer, prefix + s));
        if (escapes) expect(result).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('GlobTooComplexError', () => {
  it('is thrown, not a hang, when the subset construction explodes', () => {
    // `*a` followed by n `?` needs 2^n subsets to remember the last n+1 characters.
    // Deciding these needs every reachable subset (no early witness), so the limit is hit.
    const big = `*a${'?'.repeat(20)}`;
    expect(() => globContains(big, big)).toThrow(GlobTooComplexError);
    expect(() => globIntersects(big, `*b${'?'.repeat(20)}`)).toThrow(GlobTooComplexError);
    // An early witness still decides a large question.
    expect(globContains(big, '*')).toBe(false);
    // Small instances are decided exactly.
    expect(globContains(`*a${'?'.repeat(4)}`, '*')).toBe(false);
    expect(globContains(`*a${'?'.repeat(4)}`, `*a${'?'.repeat(4)}`)).toBe(true);
    expect(globContains('*?????', `*a${'?'.repeat(4)}`)).toBe(true);
  });
});
