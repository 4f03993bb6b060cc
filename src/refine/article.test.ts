/**
 * The example of the article the project started from (shared/seed/article.md): with a catalog as
 * of June 2024 the recommendation is exactly the article's; with today's catalog it also keeps the
 * two S3 Get actions added since.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCatalog, type ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { UnusedPermissions } from '../policy/unused.js';
import { chooseForm } from './forms/choose.js';
import { refinePolicy } from './refine.js';

const policy = JSON.parse(
  readFileSync(new URL('../../examples/article/policy.json', import.meta.url), 'utf8'),
) as object;
const unused = JSON.parse(
  readFileSync(new URL('../../examples/article/unused.json', import.meta.url), 'utf8'),
) as UnusedPermissions;

/** S3 actions added after the article (June 2024). */
const ADDED_AFTER_JUNE_2024 = new Set([
  's3:getbucketabac',
  's3:getbucketmetadatatableconfiguration',
  's3:getobjectannotation',
  's3:getobjectversionannotation',
  's3:getobjectversionannotationforreplication',
]);

const ARTICLE_S3 = [
  's3:GetAccess*',
  's3:GetAccountPublicAccessBlock',
  's3:GetDataAccess',
  's3:GetJobTagging',
  's3:GetMulti*',
  's3:GetObject*',
  's3:GetStorage*',
  's3:List*',
];

function expected(s3: string[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['lambda:Invoke*'],
        Resource: 'arn:aws:lambda:us-east-1:123456789012:function:my-lambda',
      },
      { Effect: 'Allow', Action: s3, Resource: '*' },
    ],
  };
}

let today: ActionCatalog;
let june2024: ActionCatalog;

beforeAll(async () => {
  today = await loadCatalog();
  const services = new Map<string, string[]>();
  for (const a of today.actions) {
    if (ADDED_AFTER_JUNE_2024.has(a.key)) continue;
    let list = services.get(a.service);
    if (!list) services.set(a.service, (list = []));
    list.push(a.name);
  }
  june2024 = createCatalog(services, `${today.version} minus S3 actions added after June 2024`);
});

describe("the article's example", () => {
  it('gives exactly the article recommendation with the June 2024 catalog', () => {
    const r = refinePolicy(policy, unused, { catalog: june2024 });
    expect(r.recommendedAction).toBe('CREATE_POLICY');
    expect(r.policy).toEqual(expected(ARTICLE_S3));
    expect(r.proof.exact).toBe(true);
  });

  it('is exactly the article recommendation with --style article and auto (it fits)', () => {
    for (const style of ['article', 'auto'] as const) {
      const c = chooseForm(policy, unused, { catalog: june2024, style });
      expect(c.form).toBe('article');
      expect(c.fits).toBe(true);
      expect(c.refinement.policy).toEqual(expected(ARTICLE_S3));
    }
  });

  it('also keeps s3:GetBucketAbac and s3:GetBucketMetadataTableConfiguration today', () => {
    const r = refinePolicy(policy, unused, { catalog: today });
    const s3 = [...ARTICLE_S3];
    s3.splice(2, 0, 's3:GetBucketAbac', 's3:GetBucketMetadataTableConfiguration');
    expect(r.policy).toEqual(expected(s3));
    const s3Change = r.statements[1]!.entries[0]!;
    expect(s3Change.entry).toBe('s3:Get*');
    expect(s3Change.unusedActions).toHaveLength(22);
    // The first statement loses its eight literal actions and keeps lambda:Invoke* verbatim.
    expect(r.statements[0]!.entries.map((e) => e.kind)).toEqual(Array(8).fill('removed'));
  });

  it("draws the article's trie: GetBucket unsafe, GetAccess / GetMulti / GetObject / GetStorage safe", () => {
    const today1 = refinePolicy(policy, unused, { catalog: today });
    const bucket = today1.statements[1]!.entries[0]!.trie!.children[0]!.children[0]!.children.find(
      (n) => n.prefix === 's3:GetBucket',
    )!;
    // Today GetBucketAbac and GetBucketMetadataTableConfiguration are kept: GetBucket is expanded.
    expect(bucket.children.map((n) => [n.token, n.safe])).toContainEqual(['Abac', true]);
    expect(bucket.children.find((n) => n.token === 'Policy')).toMatchObject({
      safe: false,
      unused: true,
    });
    const r = refinePolicy(policy, unused, { catalog: june2024 });
    const trie = r.statements[1]!.entries[0]!.trie!;
    const find = (prefix: string) => {
      const stack = [trie];
      while (stack.length) {
        const n = stack.pop()!;
        if (n.prefix === prefix) return n;
        stack.push(...n.children);
      }
      throw new Error(`no node ${prefix}`);
    };
    expect(find('s3:Get').safe).toBe(false);
    // Every GetBucket action of June 2024 is unused: the node is unsafe and not expanded.
    expect(find('s3:GetBucket')).toMatchObject({
      safe: false,
      unused: true,
      actionCount: 14,
      unusedCount: 14,
      children: [],
    });
    expect(find('s3:GetAccelerateConfiguration')).toMatchObject({ safe: false, unused: true });
    for (const p of ['s3:GetAccess', 's3:GetMulti', 's3:GetObject', 's3:GetStorage']) {
      expect(find(p)).toMatchObject({ safe: true, emitted: `${p}*` });
    }
    expect(find('s3:GetJob')).toMatchObject({ safe: true, emitted: 's3:GetJobTagging' });
  });
});
