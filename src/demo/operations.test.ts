import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { OPERATIONS, stsExpiration } from './operations.js';

interface OperationData {
  operations: Record<string, Record<string, string[]>>;
}

const data = JSON.parse(
  readFileSync(new URL('../../data/operation-to-action.json', import.meta.url), 'utf8'),
) as OperationData;

/** `UpdateFunctionCode20150331v2` → `UpdateFunctionCode`. */
const stripVersion = (name: string): string => name.replace(/\d{8}(v\d+)?$/, '');

describe('demo operations', () => {
  it('authorize the IAM action the demo counts as used (per the operation data, or by name)', async () => {
    const catalog = await loadCatalog();
    const wrong: string[] = [];
    for (const op of OPERATIONS.values()) {
      if (op.action === null) continue;
      const prefix = op.key.slice(0, op.key.indexOf(':'));
      const name = stripVersion(op.eventName);
      const actions = data.operations[prefix]?.[name];
      // An operation the data does not list counts for the same-named catalog action.
      const ok =
        actions === undefined
          ? op.action === `${prefix}:${name}` && catalog.get(op.action) !== undefined
          : actions.includes(op.action);
      if (!ok) {
        wrong.push(`${op.key} -> ${op.action} (data: ${JSON.stringify(actions)})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('logs data events only for S3 and Lambda, as the demo trail is configured', () => {
    const dataServices = new Set(
      [...OPERATIONS.values()].filter((op) => op.data).map((op) => op.eventSource),
    );
    expect([...dataServices].sort()).toEqual(['lambda.amazonaws.com', 's3.amazonaws.com']);
  });

  it('includes version-suffixed Lambda names and the monitoring event source', () => {
    expect(OPERATIONS.get('lambda:UpdateFunctionCode20150331v2')?.action).toBe(
      'lambda:UpdateFunctionCode',
    );
    expect(OPERATIONS.get('cloudwatch:GetMetricData')?.eventSource).toBe(
      'monitoring.amazonaws.com',
    );
  });

  it('formats STS expirations as CloudTrail does', () => {
    expect(stsExpiration(new Date('2026-07-03T16:05:09Z'))).toBe('Jul 3, 2026, 4:05:09 PM');
    expect(stsExpiration(new Date('2026-07-03T00:00:00Z'))).toBe('Jul 3, 2026, 12:00:00 AM');
  });
});
