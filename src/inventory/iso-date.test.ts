import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoDateTime } from './iso-date.js';

describe('parseIsoDateTime', () => {
  it('accepts the forms AWS tools write', () => {
    const instant = Date.UTC(2024, 0, 15, 10, 0, 0);
    for (const text of [
      '2024-01-15T10:00:00Z',
      '2024-01-15T10:00:00+00:00',
      '2024-01-15T10:00:00.000Z',
      '2024-01-15T10:00:00.000000+00:00',
      '2024-01-15 10:00:00+00:00',
      '2024-01-15T12:00:00+02:00',
      '2024-01-15T12:00:00+0200',
      '2024-01-15T05:30:00-04:30',
      '2024-01-15t10:00:00z',
    ]) {
      expect(parseIsoDateTime(text)?.getTime(), text).toBe(instant);
    }
  });

  it('keeps milliseconds and truncates finer fractions', () => {
    expect(parseIsoDateTime('2024-01-15T10:00:00.5Z')?.toISOString()).toBe(
      '2024-01-15T10:00:00.500Z',
    );
    expect(parseIsoDateTime('2024-01-15T10:00:00.123999Z')?.toISOString()).toBe(
      '2024-01-15T10:00:00.123Z',
    );
  });

  it('handles leap years and years before 100', () => {
    expect(parseIsoDateTime('2024-02-29T00:00:00Z')?.toISOString()).toBe(
      '2024-02-29T00:00:00.000Z',
    );
    expect(parseIsoDateTime('2000-02-29T00:00:00Z')).toBeDefined();
    expect(parseIsoDateTime('0050-06-01T00:00:00Z')?.getUTCFullYear()).toBe(50);
  });

  it('rejects anything else', () => {
    for (const text of [
      '',
      'N/A',
      'no_information',
      '2024-01-15',
      '2024-01-15T10:00:00',
      '2024-01-15T10:00Z',
      '2024-13-01T00:00:00Z',
      '2024-00-01T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-01-15T24:00:00Z',
      '2024-01-15T10:60:00Z',
      '2024-01-15T10:00:60Z',
      '2024-01-15T10:00:00+24:00',
      '2024-01-15T10:00:00+01:60',
      ' 2024-01-15T10:00:00Z',
      '2024-01-15T10:00:00Z ',
      '2024-01-15T10:00:00.Z',
      '1705312800',
    ]) {
      expect(parseIsoDateTime(text), text).toBeUndefined();
    }
  });

  it('round-trips every instant written by toISOString', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(parseIsoDateTime(date.toISOString())?.getTime()).toBe(date.getTime());
        },
      ),
    );
  });
});
