/**
 * The bundled override table (`data/mapping-overrides.json`) and the "errs only on the safe side"
 * guarantees of the action mapper, checked against the bundled data and catalog: every override is
 * well-formed and names real actions, the cases of issue 9 are mapped, and no call is ever silently
 * given no evidence.
 */
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { createActionMapper, type ActionMapper } from './action-mapper.js';
import { loadOperationData, MAPPING_OVERRIDES_URL } from './load-operation-data.js';

interface Overrides {
  eventSources: { eventSource: string; iamPrefix: string; reference: string }[];
  operations: { service: string; operation: string; add: string[]; reference: string }[];
}

let mapper: ActionMapper;
let catalog: ActionCatalog;
let data: {
  operations: Record<string, Record<string, string[]>>;
  eventSourceToIamPrefix: {
    documented: { eventSource: string }[];
    derivedFromSdkEndpoints: Record<string, unknown>;
  };
};
let overrides: Overrides;

beforeAll(async () => {
  const [loaded, cat, text] = await Promise.all([
    loadOperationData(),
    loadCatalog(),
    readFile(MAPPING_OVERRIDES_URL, 'utf8'),
  ]);
  data = loaded as typeof data;
  catalog = cat;
  overrides = JSON.parse(text) as Overrides;
  mapper = createActionMapper(loaded, catalog);
});

/** Every action (`service:action`, lower case) a call counts as used or possibly used. */
function evidence(source: string, name: string): string[] {
  const m = mapper.map(source, name);
  return [
    ...m.used.map((a) => `${m.service}:${a}`),
    ...m.possible.map((q) => `${q.service}:${q.action}`),
  ];
}

describe('the bundled override table', () => {
  it('cites an AWS documentation page for every entry and names only catalog actions', () => {
    expect(overrides.operations.length).toBeGreaterThan(0);
    for (const o of overrides.operations) {
      expect(o.reference).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(catalog.hasService(o.service)).toBe(true);
      for (const action of o.add) expect(catalog.get(action), action).toBeDefined();
    }
    for (const e of overrides.eventSources) {
      expect(e.reference).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(catalog.hasService(e.iamPrefix)).toBe(true);
    }
  });

  it('adds every listed action to the evidence of its operation', () => {
    for (const o of overrides.operations) {
      const got = evidence(`${o.service}.amazonaws.com`, o.operation);
      for (const action of o.add)
        expect(got, `${o.service} ${o.operation}`).toContain(action.toLowerCase());
    }
  });

  it('maps the cases of issue 9', () => {
    expect(evidence('s3.amazonaws.com', 'HeadObject')).toContain('s3:getobjectversion');
    expect(evidence('s3.amazonaws.com', 'GetObjectAttributes')).toContain(
      's3:getobjectversionattributes',
    );
    expect(evidence('elasticbeanstalk.amazonaws.com', 'CreateEnvironment')).toEqual(
      expect.arrayContaining(['elasticbeanstalk:createenvironment', 'iam:passrole']),
    );
    expect(evidence('ec2.amazonaws.com', 'CreateFleet')).toContain('iam:passrole');
    for (const op of ['RunInstances', 'CreateLaunchTemplate', 'CreateLaunchTemplateVersion']) {
      expect(evidence('ec2.amazonaws.com', op), op).toContain('iam:passrole');
    }
    expect(evidence('lambda.amazonaws.com', 'InvokeAsync')).toEqual(
      expect.arrayContaining(['lambda:invokeasync', 'lambda:invokefunction']),
    );
    for (const source of ['sesv2.amazonaws.com', 'email.amazonaws.com']) {
      expect(mapper.map(source, 'SendEmail')).toMatchObject({
        service: 'ses',
        used: ['sendemail'],
      });
    }
    const invoke = mapper.map('bedrock-runtime.amazonaws.com', 'InvokeModel');
    expect(invoke).toMatchObject({ service: 'bedrock', used: ['invokemodel'] });
    expect(invoke.unmapped).toBeUndefined();
  });
});

describe('no call is silently given no evidence', () => {
  /** True when the mapping gives the call some evidence in a real IAM service of the catalog. */
  const hasEvidence = (source: string, name: string): boolean => {
    const m = mapper.map(source, name);
    if (!catalog.hasService(m.service)) return false;
    return m.wholeService || m.used.length + m.possible.length > 0;
  };

  it('maps every documented, override and SDK-endpoint event source to a catalog service or flags it', () => {
    const sources = [
      ...data.eventSourceToIamPrefix.documented.map((d) => d.eventSource),
      ...Object.keys(data.eventSourceToIamPrefix.derivedFromSdkEndpoints),
      ...overrides.eventSources.map((e) => e.eventSource),
    ];
    const unmapped: string[] = [];
    for (const source of sources) {
      const m = mapper.map(source, 'SomeOperation');
      if (m.unmapped === 'unknown-event-source') unmapped.push(source);
      else expect(catalog.hasService(m.service), source).toBe(true);
    }
    // Every listed source resolves to a catalog service (at worst as a whole-service guess).
    expect(unmapped).toEqual([]);
  });

  it('gives every operation of the data evidence in a catalog service, or flags it', () => {
    let checked = 0;
    for (const [service, ops] of Object.entries(data.operations)) {
      for (const op of Object.keys(ops)) {
        const m = mapper.map(`${service}.amazonaws.com`, op);
        if (m.unmapped === undefined) {
          expect(hasEvidence(`${service}.amazonaws.com`, op), `${service} ${op}`).toBe(true);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(17_000);
  });

  it('holds for any event source and name (property)', () => {
    const known = ['s3', 'ec2', 'iam', 'lambda', 'kms', 'sts', 'dynamodb', 'ses', 'bedrock'];
    const source = fc.oneof(
      fc.constantFrom(...known).map((s) => `${s}.amazonaws.com`),
      fc.string({ maxLength: 30 }).map((s) => `${s}.amazonaws.com`),
      fc.string({ maxLength: 30 }),
    );
    const name = fc.oneof(
      fc.constantFrom('GetObject', 'HeadObject', '__proto__', 'constructor', '../GetObject', ''),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(source, name, (s, n) => {
        const m = mapper.map(s, n);
        if (m.unmapped === undefined && n !== '') return hasEvidence(s, n);
        // Flagged (or service-level): the whole service counts, or (unknown source) it is counted.
        return m.wholeService;
      }),
      { numRuns: 2000 },
    );
  });
});
