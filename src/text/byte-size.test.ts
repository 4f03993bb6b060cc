import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseByteSize } from './byte-size.js';

describe('parseByteSize', () => {
  it('reads whole numbers with binary and decimal units, any case', () => {
    expect(parseByteSize('1048576')).toBe(1048576);
    expect(parseByteSize('1MiB')).toBe(1048576);
    expect(parseByteSize('64 kib')).toBe(65536);
    expect(parseByteSize('500MiB')).toBe(500 * 2 ** 20);
    expect(parseByteSize('2GiB')).toBe(2 ** 31);
    expect(parseByteSize('1GB')).toBe(1e9);
    expect(parseByteSize('10b')).toBe(10);
  });

  it('rejects anything else', () => {
    for (const bad of [
      '',
      'MiB',
      '1.5MiB',
      '-1',
      '1 TiB',
      '1e9',
      '0x10',
      '12 monkeys',
      '99999999999999999',
    ]) {
      expect(parseByteSize(bad), bad).toBeUndefined();
    }
  });

  it('agrees with a reference for any number and unit (property)', () => {
    const units: [string, number][] = [
      ['', 1],
      ['KiB', 1024],
      ['MiB', 2 ** 20],
      ['GB', 1e9],
    ];
    fc.assert(
      fc.property(
        fc.nat({ max: 10_000_000 }),
        fc.constantFrom(...units),
        (n, [unit, size]) =>
          parseByteSize(`${n}${unit}`) === (Number.isSafeInteger(n * size) ? n * size : undefined),
      ),
    );
  });
});
