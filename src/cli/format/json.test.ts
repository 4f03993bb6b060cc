import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../catalog/catalog.js';
import { parseUnused } from '../../policy/unused.js';
import { refinePolicy } from '../../refine/refine.js';
import { formatJson, jsonReport } from './json.js';
import { sizeReport } from '../../policy/size.js';

const catalog = createCatalog({ s3: ['GetObject', 'GetObjectAcl', 'GetBucketAcl'] }, 'test@7');
const policy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }],
};

describe('formatJson', () => {
  it('prints the whole refinement with the catalog version and the size', () => {
    const r = refinePolicy(policy, parseUnused(['s3:GetBucketAcl']), { catalog });
    const size = sizeReport(r.policy, 'managed');
    const text = formatJson(r, { source: 'p.json', policyId: 'p', size });
    expect(text.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(text) as Record<string, unknown>;
    expect(parsed).toEqual(
      JSON.parse(JSON.stringify(jsonReport(r, { source: 'p.json', policyId: 'p', size }))),
    );
    expect(parsed.catalogVersion).toBe('test@7');
    expect(parsed.recommendedAction).toBe('CREATE_POLICY');
    expect(parsed.size).toEqual(size);
    expect(parsed.source).toBe('p.json');
    expect(parsed.policy).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject*', Resource: '*' }],
    });
    for (const key of ['original', 'statements', 'proof', 'warnings'])
      expect(parsed).toHaveProperty(key);
    const st = (parsed.statements as { entries: { trie?: unknown }[] }[])[0]!;
    expect(st.entries[0]!.trie).toBeDefined();
  });

  it('has size null for a detached policy and no source when none is given', () => {
    const r = refinePolicy(policy, parseUnused(['s3:*']), { catalog });
    const parsed = JSON.parse(formatJson(r, { size: null })) as Record<string, unknown>;
    expect(parsed.size).toBeNull();
    expect(parsed).not.toHaveProperty('source');
    expect(parsed.recommendedAction).toBe('DETACH_POLICY');
    expect(parsed.policy).toBeNull();
  });
});
