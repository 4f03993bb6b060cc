import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { ActionMapping } from './action-mapper.js';
import { readCloudTrail } from './cloudtrail.js';
import { loadOperationData } from './load-operation-data.js';
import { describeUnmapped, MAX_TRACKED_OPERATIONS, UnmappedCounter } from './unmapped.js';

const mapping = (service: string, unmapped?: ActionMapping['unmapped']): ActionMapping => ({
  service,
  used: [],
  possible: [],
  wholeService: unmapped !== undefined,
  ...(unmapped === undefined ? {} : { unmapped }),
});

describe('UnmappedCounter', () => {
  it('counts principals per operation and reason, ignores mapped calls, lists the top first', () => {
    const c = new UnmappedCounter();
    c.record('s3.amazonaws.com', 'GetObject', mapping('s3'));
    c.record('s3.amazonaws.com', '../GetObject', mapping('s3', 'unknown-operation'));
    c.record('s3.amazonaws.com', '../GetObject', mapping('s3', 'unknown-operation'));
    c.record('x.example.com', 'Do', mapping('x', 'unknown-event-source'));
    c.record('api.ecr.amazonaws.com', 'A', mapping('ecr', 'guessed-event-source'));
    const s = c.stats(2);
    expect(s).toEqual({
      operations: 3,
      calls: 4,
      byReason: {
        'unknown-operation': 2,
        'guessed-event-source': 1,
        'unknown-event-source': 1,
      },
      top: [
        {
          eventSource: 's3.amazonaws.com',
          eventName: '../GetObject',
          service: 's3',
          reason: 'unknown-operation',
          principals: 2,
        },
        {
          eventSource: 'api.ecr.amazonaws.com',
          eventName: 'A',
          service: 'ecr',
          reason: 'guessed-event-source',
          principals: 1,
        },
      ],
      untracked: 0,
    });
  });

  it('keeps at most MAX_TRACKED_OPERATIONS by name and counts the rest', () => {
    const c = new UnmappedCounter();
    for (let i = 0; i < MAX_TRACKED_OPERATIONS + 5; i++) {
      c.record('s3.amazonaws.com', `Op${i}`, mapping('s3', 'unknown-operation'));
    }
    const s = c.stats();
    expect(s.operations).toBe(MAX_TRACKED_OPERATIONS + 5);
    expect(s.untracked).toBe(5);
    expect(s.calls).toBe(MAX_TRACKED_OPERATIONS + 5);
    expect(s.top).toHaveLength(10);
  });

  it('describes the top entries safely for a terminal', () => {
    const c = new UnmappedCounter();
    c.record('s3.amazonaws.com', '\u001b[31mRed\nLine', mapping('s3', 'unknown-operation'));
    c.record('evil\u0007.example.com', 'X'.repeat(100), mapping('evil', 'unknown-event-source'));
    const text = describeUnmapped(c.stats());
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u001f]/);
    expect(text).toContain('s3 "\\u001b[31mRed\\nLine" (1 principal)');
    expect(text).toContain(`"evil\\u0007.example.com" "${'X'.repeat(60)}…" (1 principal)`);
    expect(describeUnmapped(c.stats(), 1)).toMatch(/, and 1 more$/);
  });
});

describe('readCloudTrail counts unmapped calls', () => {
  let catalog: ActionCatalog;
  let operationData: object;
  let dir: string;
  beforeAll(async () => {
    [catalog, operationData] = await Promise.all([loadCatalog(), loadOperationData()]);
    dir = mkdtempSync(join(tmpdir(), 'iam-refine-unmapped-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('flags hostile and unknown names, still counting them for their whole service', async () => {
    const role = (name: string) => ({
      type: 'AssumedRole',
      sessionContext: { sessionIssuer: { arn: `arn:aws:iam::123456789012:role/${name}` } },
    });
    const record = (who: string, eventSource: string, eventName: string) => ({
      eventTime: '2026-01-15T10:00:00Z',
      userIdentity: role(who),
      eventSource,
      eventName,
    });
    const file = join(dir, 'log.json');
    writeFileSync(
      file,
      JSON.stringify({
        Records: [
          record('a', 's3.amazonaws.com', '../GetObject'),
          record('b', 's3.amazonaws.com', '../GetObject'),
          record('a', 's3.amazonaws.com', '__proto__'),
          record('a', 'sesv2.amazonaws.com', 'SendEmail'),
          record('a', 'nosuchservice.amazonaws.com', 'DoThing'),
          record('a', 's3.amazonaws.com', 'GetObject'),
        ],
      }),
    );
    const { accumulator, stats } = await readCloudTrail([file], {
      catalog,
      operationData,
      dataEventServices: new Set(['s3']),
      concurrency: 0,
    });
    expect(stats.unmapped.operations).toBe(3);
    expect(stats.unmapped.calls).toBe(4);
    expect(stats.unmapped.top.map((o) => [o.eventName, o.reason, o.principals])).toEqual([
      ['../GetObject', 'unknown-operation', 2],
      ['DoThing', 'unknown-event-source', 1],
      ['__proto__', 'unknown-operation', 1],
    ]);
    const summary = accumulator.finish();
    const a = summary.principals.get('arn:aws:iam::123456789012:role/a')!;
    // Unknown S3 operations count for all of S3 (the safe side).
    expect(a.services.get('s3')!.allActionsAt?.toISOString()).toBe('2026-01-15T10:00:00.000Z');
    // sesv2 is mapped explicitly to ses.
    expect([...a.services.get('ses')!.actions.keys()]).toContain('sendemail');
  });
});
