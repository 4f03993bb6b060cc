import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  POLICY_QUOTAS,
  POLICY_TYPES,
  formatSize,
  groupDigits,
  isPolicyType,
  policySize,
  sizeReport,
} from './size.js';

describe('policySize', () => {
  it('counts the compact JSON without whitespace, also inside strings', () => {
    expect(policySize({ a: 'b c' })).toBe('{"a":"bc"}'.length);
    expect(policySize({ Version: '2012-10-17', Statement: [] })).toBe(
      JSON.stringify({ Version: '2012-10-17', Statement: [] }).length,
    );
  });

  it('counts code points, not UTF-16 units', () => {
    expect(policySize({ Sid: '😀' })).toBe('{"Sid":"x"}'.length);
  });
});

describe('sizeReport', () => {
  it('uses IAM quotas per policy type', () => {
    expect([...POLICY_QUOTAS].map(([t, q]) => [t, q.quota])).toEqual([
      ['managed', 6144],
      ['role-inline', 10240],
      ['user-inline', 2048],
      ['group-inline', 5120],
    ]);
    expect(POLICY_TYPES).toEqual([...POLICY_QUOTAS.keys()]);
    expect(isPolicyType('user-inline')).toBe(true);
    expect(isPolicyType('inline')).toBe(false);
  });

  it('flags a policy over its quota', () => {
    const big = { Action: 'x'.repeat(3000) };
    expect(sizeReport(big, 'managed').overQuota).toBe(false);
    const r = sizeReport(big, 'user-inline');
    expect(r).toEqual({
      characters: policySize(big),
      quota: 2048,
      policyType: 'user-inline',
      overQuota: true,
    });
  });
});

describe('formatSize', () => {
  it('prints one line under the quota', () => {
    expect(
      formatSize({ characters: 1234, quota: 6144, policyType: 'managed', overQuota: false }),
    ).toEqual(['size: 1,234 of 6,144 characters (managed policy quota)']);
  });

  it('adds a WARNING line over the quota', () => {
    const lines = formatSize({
      characters: 2100,
      quota: 2048,
      policyType: 'user-inline',
      overQuota: true,
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('size: 2,100 of 2,048 characters (user inline policies quota)');
    expect(lines[1]).toMatch(/^WARNING: the policy is 52 characters over the user inline/);
  });
});

describe('groupDigits', () => {
  it('groups thousands with commas', () => {
    expect([0, 7, 999, 1000, 6144, 22091, 1234567, -1234].map(groupDigits)).toEqual([
      '0',
      '7',
      '999',
      '1,000',
      '6,144',
      '22,091',
      '1,234,567',
      '-1,234',
    ]);
  });
});

function referenceSize(value: unknown): number {
  return [...(JSON.stringify(value) ?? '')].filter((ch) => !/^[ \t\n\r]$/.test(ch)).length;
}

describe('policySize against a reference', () => {
  it('counts the code points of the compact JSON without whitespace (differential)', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', ' ', '\t', '\n', '\r', '😀', '\ud800', '\udc00', 'é'),
    });
    fc.assert(
      fc.property(
        fc.jsonValue().chain((v) => fc.tuple(fc.constant(v), fc.array(text))),
        ([v, strings]) => {
          const value = { v, strings };
          expect(policySize(value)).toBe(referenceSize(value));
        },
      ),
      { numRuns: 500 },
    );
  });
});
