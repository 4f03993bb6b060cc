import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIsoTime, parseCloudTrailTimeAt, parseIsoTime } from './iso-time.js';

describe('parseIsoTime', () => {
  it('reads the CloudTrail form', () => {
    expect(parseIsoTime('2026-01-02T03:04:05Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
  });

  it('reads fractions, offsets, a space separator, and no zone as UTC', () => {
    expect(parseIsoTime('2026-01-02T03:04:05.123Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 123));
    expect(parseIsoTime('2026-01-02T03:04:05.123456789Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 123));
    expect(parseIsoTime('2026-01-02T03:04:05.5Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 500));
    expect(parseIsoTime('2026-01-02T05:04:05+02:00')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseIsoTime('2026-01-02T01:04:05-0200')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseIsoTime('2018-10-24 19:47:35.241000+00:00')).toBe(
      Date.UTC(2018, 9, 24, 19, 47, 35, 241),
    );
    expect(parseIsoTime('2026-01-02 03:04:05')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseIsoTime('2026-01-02T03:04')).toBe(Date.UTC(2026, 0, 2, 3, 4));
  });

  it('rejects what is not an ISO date-time or out of range', () => {
    for (const bad of [
      '',
      '2026-01-02',
      '2026-1-02T03:04:05Z',
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z',
      '2026-01-01T00:00:00+25:00',
      'Jan 2 2026',
      '2026-01-02T03:04:05ZZ',
      '2026-01-02X03:04:05Z',
      '2026-01-02T03:04:0aZ',
      '0099-01-02T03:04:05Z',
      '0099-01-02T03:04:05+00:00',
    ]) {
      expect(parseIsoTime(bad), bad).toBeUndefined();
    }
    expect(parseIsoTime('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it('agrees with Date for every valid CloudTrail time, on both paths', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('2999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          const text = `${d.toISOString().slice(0, 19)}Z`;
          const ms = Math.floor(d.getTime() / 1000) * 1000;
          expect(parseIsoTime(text)).toBe(ms);
          expect(parseIsoTime(`${text.slice(0, 19)}+00:00`)).toBe(ms);
        },
      ),
    );
  });
});

describe('formatIsoTime', () => {
  it('writes seconds, and milliseconds only when there are some', () => {
    expect(formatIsoTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02T03:04:05Z');
    expect(formatIsoTime(Date.UTC(2026, 0, 2, 3, 4, 5, 7))).toBe('2026-01-02T03:04:05.007Z');
  });
});

describe('parseCloudTrailTimeAt', () => {
  /** Times of the CloudTrail shape, mostly valid, with digits, separators and ranges disturbed. */
  const time = fc
    .tuple(
      fc.date({
        min: new Date('0900-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      fc.nat(19),
      fc.constantFrom('', '0', '9', 'x', '-', ':', 'T', ' ', '/', '\u0660'),
      fc.boolean(),
    )
    .map(([d, at, c, disturb]) => {
      const t = `${d.toISOString().slice(0, 19)}Z`;
      return disturb && c.length === 1 ? t.slice(0, at) + c + t.slice(at + 1) : t;
    });

  it('reads in place exactly what parseIsoTime reads from the slice, or leaves it to it (property)', () => {
    fc.assert(
      fc.property(
        time,
        fc.string({ maxLength: 5 }),
        fc.string({ maxLength: 5 }),
        (t, before, after) => {
          // Its precondition (the caller's check): 20 characters ending in Z.
          fc.pre(t.length === 20 && t.endsWith('Z'));
          const text = `${before}${t}${after}`;
          const got = parseCloudTrailTimeAt(text, before.length);
          // The same instant with an offset: parsed by the regular expression, not the fast path.
          const reference = parseIsoTime(`${t.slice(0, 19)}+00:00`);
          if (got !== undefined) expect(got).toBe(reference);
          // The in-place form refuses only what is not the CloudTrail form.
          if (got === undefined && reference !== undefined) expect(t.charAt(10)).not.toBe('T');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('rejects out-of-range fields as parseIsoTime does', () => {
    for (const t of [
      '2026-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '0999-01-01T00:00:00Z',
    ]) {
      expect(parseCloudTrailTimeAt(`"${t}"`, 1), t).toBeUndefined();
      expect(parseIsoTime(t), t).toBeUndefined();
    }
    expect(parseCloudTrailTimeAt('"2024-02-29T23:59:59Z"', 1)).toBe(
      Date.UTC(2024, 1, 29, 23, 59, 59),
    );
  });
});
