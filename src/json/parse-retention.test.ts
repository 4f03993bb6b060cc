/**
 * parseJson's string values do not keep the parsed text alive: a long value kept after the text
 * and the rest of the parse are dropped holds only itself (V8 makes a slice of 13 or more
 * characters a view of its parent, which kept an organisation's authorization details, 137 MiB
 * for 50,000 principals, in memory for the whole scan).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseJson } from './parse.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** The JS heap in use after full GCs, in bytes. */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Parses a text of about 8 MB (100,000 members) and keeps one string value of each kind. */
function keepOne(): string[] {
  const items: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    items.push(`{"arn": "arn:aws:iam::123456789012:role/app-${String(i).padStart(8, '0')}"}`);
  }
  // built as one flat string (a join of many pieces), then parsed; only two values outlive the call
  const text = `{"x": "\\u00e9t\\u00e9 and then some more text", "items": [${items.join(',')}]}`;
  items.length = 0;
  const value = parseJson(text).value as { x: string; items: { arn: string }[] };
  return [value.items[50_000]!.arn, value.x];
}

describe('parseJson string values', () => {
  it('are copies: keeping one does not keep the text (a plain and an escaped value)', () => {
    const before = heapUsed();
    const kept = keepOne();
    const after = heapUsed();
    expect(kept).toEqual([
      'arn:aws:iam::123456789012:role/app-00050000',
      'été and then some more text',
    ]);
    // the text was about 8 MB; the two kept strings are under 100 bytes
    expect(after - before).toBeLessThan(1_000_000);
  });
});
