import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitRecords } from './split-records.js';

/** The records as `splitRecords` + per-slice `JSON.parse` see them, or `undefined`. */
function viaSlices(text: string): unknown[] | undefined {
  const bounds = splitRecords(text);
  if (bounds === undefined) return undefined;
  const out: unknown[] = [];
  for (let j = 0; j < bounds.length; j += 2) {
    try {
      out.push(JSON.parse(text.slice(bounds[j], bounds[j + 1])));
    } catch {
      return undefined;
    }
  }
  return out;
}

const ws = fc.constantFrom('', ' ', '\n', '\r\n  ', '\t');

describe('splitRecords', () => {
  it('finds each record of the CloudTrail layout, compact or pretty-printed', () => {
    const records = [
      { a: '}{][', b: ['x', { c: '"\\"' }] },
      { eventName: 'GetObject', n: 1, ok: true, nothing: null },
    ];
    for (const text of [
      JSON.stringify({ Records: records }),
      JSON.stringify({ Records: records }, null, 2),
      ' {\n"Records" : [ ] }\n',
    ]) {
      expect(viaSlices(text)).toEqual(JSON.parse(text).Records);
    }
  });

  it('declines every other layout (the caller then parses the whole text)', () => {
    for (const text of [
      '',
      '[]',
      '{}',
      '{"Records": {}}',
      '{"Records": [1]}',
      '{"Records": [{}], "x": 1}',
      '{"x": 1, "Records": [{}]}',
      '\ufeff{"Records": []}',
      '{"Rec\\u006frds": []}',
      '{"Records": [{}] } x',
      '{"Records": [{},]}',
      '{"Records": [{} {}]}',
      '{"Records": [{"a": "}',
      '{"Records": [{"a": [}',
    ]) {
      expect(viaSlices(text), text).toBeUndefined();
    }
  });

  it('agrees with JSON.parse on valid documents with any whitespace and string content', () => {
    const record = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), ws, ws, ws, (records, a, b, c) => {
        const body = records.map((r) => JSON.stringify(r, null, a.length % 3)).join(`${b},${c}`);
        const text = `${a}{${b}"Records"${c}:${a}[${b}${body}${c}]${a}}${b}`;
        expect(viaSlices(text)).toEqual(JSON.parse(text).Records);
      }),
    );
  });

  it("splits CloudTrail's own layout by its record separator", () => {
    const records = [
      { eventVersion: '1.09', x: [{ eventVersion: 'nested' }, { eventVersion: 'again' }] },
      { eventVersion: '1.09', s: '},{"eventVersion"' },
      { eventVersion: '1.10' },
    ];
    const text = JSON.stringify({ Records: records });
    // The nested separator cuts the first record short: that slice does not parse.
    expect(viaSlices(text)).toBeUndefined();
    const flat = JSON.stringify({ Records: records.slice(1) });
    expect(splitRecords(flat)).toHaveLength(4);
    expect(viaSlices(flat)).toEqual(records.slice(1));
    expect(viaSlices(`${flat}\n`)).toEqual(records.slice(1));
    expect(viaSlices('{"Records":[{"eventVersion":"1"}]}')).toEqual([{ eventVersion: '1' }]);
  });

  it('is sound: when every slice parses, the whole text is valid JSON with those records', () => {
    // Random mutations of valid documents: whatever the splitter accepts, JSON.parse accepts too.
    const documents = [
      JSON.stringify({ Records: [{ a: 'x"y', b: [1, { c: '\\' }] }, { d: '[{' }, { e: [] }] }),
      JSON.stringify({
        Records: [
          { eventVersion: '1', a: [{ eventVersion: '2' }, {}] },
          { eventVersion: '3', b: '},{' },
          { eventVersion: '4' },
        ],
      }),
    ];
    for (const base of documents)
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(
              fc.nat(base.length),
              fc.constantFrom('', '{', '}', '[', ']', '"', '\\', ',', ' ', 'x', ':'),
            ),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
          (edits) => {
            let text = base;
            for (const [at, insert] of edits) {
              const i = at % (text.length + 1);
              text =
                insert === ''
                  ? text.slice(0, i) + text.slice(i + 1)
                  : text.slice(0, i) + insert + text.slice(i);
            }
            const records = viaSlices(text);
            if (records !== undefined) {
              const doc = JSON.parse(text) as { Records: unknown[] };
              expect(records).toEqual(doc.Records);
            }
          },
        ),
        { numRuns: 2000 },
      );
  });
});
