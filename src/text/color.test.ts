import { describe, expect, it } from 'vitest';
import { colorEnabled, painter, stripColor } from './color.js';

describe('colorEnabled', () => {
  it('follows --no-color, FORCE_COLOR, NO_COLOR, then the terminal', () => {
    const cases: [boolean, Record<string, string>, boolean | undefined, boolean][] = [
      [true, {}, undefined, true],
      [false, {}, undefined, false],
      [true, { NO_COLOR: '1' }, undefined, false],
      [true, { NO_COLOR: '' }, undefined, true],
      [false, { FORCE_COLOR: '1' }, undefined, true],
      [false, { FORCE_COLOR: '' }, undefined, true],
      [true, { FORCE_COLOR: '0' }, undefined, false],
      [true, { FORCE_COLOR: 'false' }, undefined, false],
      [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, undefined, true],
      [true, { FORCE_COLOR: '1' }, false, false],
      [true, {}, false, false],
    ];
    for (const [isTTY, env, flag, expected] of cases) {
      expect(
        colorEnabled({ isTTY, env, ...(flag === undefined ? {} : { flag }) }),
        JSON.stringify([isTTY, env, flag]),
      ).toBe(expected);
    }
  });

  it('painter colours through util.styleText only when enabled', () => {
    expect(painter(false)('red', 'x')).toBe('x');
    expect(painter(true)('red', 'x')).toBe('\x1b[31mx\x1b[39m');
    expect(painter(true)(['bold', 'green'], 'ok')).toBe('\x1b[1m\x1b[32mok\x1b[39m\x1b[22m');
    expect(stripColor(painter(true)(['bold', 'green'], 'ok'))).toBe('ok');
  });
});
