import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatScanJson, jsonChunks, scanJsonChunks } from './output.js';
import type { ScanOutcome } from './run.js';

describe('jsonChunks', () => {
  it('is JSON.stringify(value, null, 2) and a line break, in pieces (differential)', () => {
    const anything = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.constant(new Date(0)),
      fc.constant({ toJSON: () => undefined }),
      fc.string({ unit: 'binary' }),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 5 }), anything, { maxKeys: 5 }),
        fc.array(anything, { maxLength: 6 }),
        fc.string({ maxLength: 5 }),
        (rest, list, key) => {
          const value: Record<string, unknown> = { ...rest, [key]: list };
          expect([...jsonChunks(value, key)].join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
        },
      ),
      { numRuns: 2000 },
    );
    expect([...jsonChunks({}, 'x')].join('')).toBe('{}\n');
    expect([...jsonChunks({ x: [] }, 'x')].join('')).toBe(
      `${JSON.stringify({ x: [] }, null, 2)}\n`,
    );
  });

  it('yields pieces of about 64 KiB, never the whole text of a large array at once', () => {
    const findings = Array.from({ length: 5000 }, (_, i) => ({
      id: `finding-${i}`,
      text: 'x'.repeat(100),
      nested: { lines: ['a\nb', 'c"d'] },
    }));
    const value = { before: 1, findings, after: [1, 2] };
    const chunks = [...jsonChunks(value, 'findings')];
    expect(chunks.join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
    expect(chunks.length).toBeGreaterThan(5);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(70_000);
  });
});

describe('scanJsonChunks', () => {
  it('is the json output, in Access Analyzer shapes and key order', () => {
    const outcome = {
      permissionSets: [],
      result: {
        analyzedAt: '2026-09-01T00:00:00.000Z',
        trackingPeriodDays: 90,
        catalogVersion: 'test',
        findings: [{ id: 'a', resource: 'arn:aws:iam::1:role/r' }],
        notEvaluated: [],
        warnings: ['w'],
      },
      policyAttachments: [{ policyArn: 'p', roles: ['r'], users: [], groups: [] }],
      inputWarnings: [],
      inputs: { authorizationDetails: { roles: 1 } },
    } as unknown as ScanOutcome;
    const expected = `${JSON.stringify(
      {
        analyzedAt: '2026-09-01T00:00:00.000Z',
        trackingPeriodDays: 90,
        catalogVersion: 'test',
        findings: [{ id: 'a', resource: 'arn:aws:iam::1:role/r' }],
        notEvaluated: [],
        warnings: ['w'],
        policyAttachments: [{ policyArn: 'p', roles: ['r'], users: [], groups: [] }],
        inputWarnings: [],
        inputs: { authorizationDetails: { roles: 1 } },
      },
      null,
      2,
    )}\n`;
    expect([...scanJsonChunks(outcome)].join('')).toBe(expected);
    expect(formatScanJson(outcome)).toBe(expected);
  });
});
