import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { FINDING_TYPES } from '../findings/types.js';
import { RISK_LEVELS } from '../risk/risk.js';
import { matchesFailOn, parseFailOn } from './fail-on.js';

describe('parseFailOn', () => {
  it('reads types, levels, TYPE:LEVEL and any, in any case', () => {
    expect(parseFailOn('UnusedPermission:high')).toEqual([
      { findingType: 'UnusedPermission', minLevel: 'high' },
    ]);
    expect(parseFailOn('unusediamuseraccesskey, MEDIUM ,any')).toEqual([
      { findingType: 'UnusedIAMUserAccessKey' },
      { minLevel: 'medium' },
      {},
    ]);
  });

  it('reports every bad term with its position and what was expected', () => {
    let error: unknown;
    try {
      parseFailOn('UnusedPermision:high,UnusedPermission:severe,');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues;
    expect(issues.map((i) => [i.code, i.path])).toEqual([
      ['invalid_value', '--fail-on[0]'],
      ['invalid_value', '--fail-on[1]'],
      ['invalid_value', '--fail-on[2]'],
    ]);
    expect(issues[0]!.message).toContain('unknown finding type "UnusedPermision"');
    expect(issues[1]!.message).toBe('unknown risk level "severe"; expected low, medium, high');
  });
});

describe('matchesFailOn', () => {
  it('agrees with a reference reading of the expression', () => {
    const type = fc.constantFrom(...FINDING_TYPES);
    const level = fc.constantFrom(...RISK_LEVELS);
    const term = fc.record({
      t: fc.option(type, { nil: undefined }),
      l: fc.option(level, { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(term, { minLength: 1, maxLength: 4 }), type, level, (terms, ft, fl) => {
        const text = terms.map(({ t, l }) => (t && l ? `${t}:${l}` : (t ?? l ?? 'any'))).join(',');
        const rank = (x: string) => ['low', 'medium', 'high'].indexOf(x);
        const expected = terms.some(
          ({ t, l }) => (t === undefined || t === ft) && (l === undefined || rank(fl) >= rank(l)),
        );
        expect(matchesFailOn(parseFailOn(text), ft, fl)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a level means that level or higher', () => {
    const terms = parseFailOn('UnusedPermission:medium');
    expect(matchesFailOn(terms, 'UnusedPermission', 'low')).toBe(false);
    expect(matchesFailOn(terms, 'UnusedPermission', 'medium')).toBe(true);
    expect(matchesFailOn(terms, 'UnusedPermission', 'high')).toBe(true);
    expect(matchesFailOn(terms, 'UnusedIAMRole', 'high')).toBe(false);
  });
});
