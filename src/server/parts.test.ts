/**
 * The dashboard's pure parts: AWS CLI commands, the policy diff, the trie layout, the list URL
 * parameters and the recomputed explanations.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { createCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { PolicyRecommendation } from '../findings/types.js';
import { refinePolicy } from '../refine/refine.js';
import type { TrieNode } from '../refine/types.js';
import { awsCliCommands, refinedFileName, shellQuote } from './aws-cli.js';
import { explainRecommendation, removedActions } from './explain.js';
import { policyDiff } from './policy-diff.js';
import { findingsHref, parseListParams } from './urls.js';
import { layoutTrie } from './views/trie.js';

const ROLE = 'arn:aws:iam::111111111111:role/service/app-backend';
const USER = 'arn:aws:iam::111111111111:user/alice';

/** The commands with continuation lines joined. */
function flat(text: string): string {
  return text.replace(/ \\\n\s+/g, ' ');
}

function rec(over: Partial<PolicyRecommendation>): PolicyRecommendation {
  return {
    policyId: 'arn:aws:iam::111111111111:policy/app-data',
    policyName: 'app-data',
    policyType: 'CUSTOMER_MANAGED',
    recommendedAction: 'CREATE_POLICY',
    policy: { Version: '2012-10-17', Statement: [] },
    removedByAccessLevel: {},
    ...over,
  };
}

describe('awsCliCommands', () => {
  it('replaces an inline policy in place', () => {
    const text = awsCliCommands(
      ROLE,
      rec({ policyType: 'INLINE', policyId: 'artifacts', policyName: 'artifacts' }),
    );
    expect(text).toContain(
      'aws iam put-role-policy \\\n  --role-name app-backend \\\n  --policy-name artifacts \\\n  --policy-document file://artifacts.refined.json',
    );
    const user = awsCliCommands(
      USER,
      rec({ policyType: 'INLINE', policyId: 'p', policyName: 'p' }),
    );
    expect(flat(user)).toContain('aws iam put-user-policy --user-name alice --policy-name p');
    const group = awsCliCommands(
      USER,
      rec({
        policyType: 'GROUP_INLINE',
        policyId: 'tools',
        policyName: 'tools',
        groupArn: 'arn:aws:iam::111111111111:group/dev/developers',
      }),
    );
    expect(flat(group)).toContain(
      'aws iam put-group-policy --group-name developers --policy-name tools',
    );
  });

  it('creates and attaches every part of a split form before the original goes', () => {
    const part = { Version: '2012-10-17', Statement: [] };
    const form = {
      form: 'split' as const,
      policyType: 'managed' as const,
      size: 6000,
      quota: 6144,
      fits: true,
      parts: [6000, 3000],
      attachments: { count: 3, quota: 10 },
      reason: 'split',
      tried: [],
    };
    const text = flat(awsCliCommands(ROLE, rec({ parts: [part, part], form })));
    const commands = text.split('\n').filter((l) => l.startsWith('aws '));
    expect(commands.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      'aws iam create-policy',
      'aws iam attach-role-policy',
      'aws iam create-policy',
      'aws iam attach-role-policy',
      'aws iam detach-role-policy',
    ]);
    expect(text).toContain('--policy-document file://app-data.refined.part-2.json');
    expect(text).toContain('--policy-arn arn:aws:iam::111111111111:policy/app-data-refined-2');
    const inline = flat(
      awsCliCommands(USER, rec({ policyType: 'INLINE', policyName: 'p', parts: [part], form })),
    );
    expect(
      inline
        .split('\n')
        .filter((l) => l.startsWith('aws '))
        .pop(),
    ).toBe('aws iam delete-user-policy --user-name alice --policy-name p');
    expect(refinedFileName({ policyName: 'p' }, 3)).toBe('p.refined.part-3.json');
  });

  it('puts a managed policy too large for its quota inline in a role with room', () => {
    const form = {
      form: 'compact' as const,
      policyType: 'role-inline' as const,
      size: 8000,
      quota: 10000,
      fits: true,
      reason: 'inline',
      tried: [],
    };
    const text = flat(awsCliCommands(ROLE, rec({ form })));
    expect(text.split('\n').filter((l) => l.startsWith('aws '))).toEqual([
      'aws iam put-role-policy --role-name app-backend --policy-name app-data-refined --policy-document file://app-data.refined.json',
      'aws iam detach-role-policy --role-name app-backend --policy-arn arn:aws:iam::111111111111:policy/app-data',
    ]);
  });

  it('creates, attaches and detaches for a managed policy', () => {
    const text = awsCliCommands(ROLE, rec({}));
    const commands = text.split('\n').filter((l) => l.startsWith('aws '));
    expect(commands).toEqual([
      'aws iam create-policy \\',
      'aws iam attach-role-policy \\',
      'aws iam detach-role-policy \\',
    ]);
    expect(text).toContain('--policy-arn arn:aws:iam::111111111111:policy/app-data-refined');
    expect(text).toContain('# aws iam create-policy-version \\');
    const aws = awsCliCommands(
      ROLE,
      rec({
        policyType: 'AWS_MANAGED',
        policyId: 'arn:aws:iam::aws:policy/AmazonSQSFullAccess',
        policyName: 'AmazonSQSFullAccess',
      }),
    );
    expect(aws).not.toContain('create-policy-version');
    expect(aws).toContain('--policy-arn arn:aws:iam::aws:policy/AmazonSQSFullAccess');
    const groupManaged = awsCliCommands(
      USER,
      rec({ policyType: 'GROUP_MANAGED', groupArn: 'arn:aws:iam::222222222222:group/ops' }),
    );
    expect(groupManaged).toContain('aws iam attach-group-policy');
    expect(groupManaged).toContain('arn:aws:iam::222222222222:policy/app-data-refined');
  });

  it('detaches or deletes a policy that grants nothing used', () => {
    const detach = awsCliCommands(ROLE, rec({ recommendedAction: 'DETACH_POLICY', policy: null }));
    expect(flat(detach)).toContain(
      'aws iam detach-role-policy --role-name app-backend --policy-arn arn:aws:iam::111111111111:policy/app-data',
    );
    const inline = rec({
      recommendedAction: 'DETACH_POLICY',
      policyType: 'INLINE',
      policyId: 'x',
      policyName: 'x',
    });
    expect(flat(awsCliCommands(ROLE, inline))).toContain(
      'aws iam delete-role-policy --role-name app-backend --policy-name x',
    );
    expect(awsCliCommands(ROLE, rec({ recommendedAction: 'NONE' }))).toBe('');
  });

  it('quotes for the shell and names files safely', () => {
    expect(shellQuote('plain-name_1.json')).toBe('plain-name_1.json');
    expect(shellQuote("it's $(rm -rf /)")).toBe(`'it'\\''s $(rm -rf /)'`);
    expect(shellQuote('a"b`c')).toBe(`'a"b\`c'`);
    expect(refinedFileName({ policyName: 'x/../<y>' })).toBe('x_..__y_.refined.json');
  });
});

describe('policyDiff', () => {
  it('marks removed and added lines, ignoring a trailing comma', () => {
    const before = { Statement: [{ Action: ['a', 'b', 'c'] }] };
    const after = { Statement: [{ Action: ['a', 'b2'] }] };
    const lines = policyDiff(before, after);
    expect(lines.filter((l) => l.kind !== 'equal')).toEqual([
      { kind: 'del', text: '        "b",' },
      { kind: 'del', text: '        "c"' },
      { kind: 'add', text: '        "b2"' },
    ]);
    // "a" lost nothing but its comma's role: shown as the refined text, unchanged.
    expect(lines).toContainEqual({ kind: 'equal', text: '        "a",' });
    expect(policyDiff(before, null).every((l) => l.kind === 'del')).toBe(true);
  });
});

function node(prefix: string, token: string, over: Partial<TrieNode> = {}): TrieNode {
  return {
    prefix,
    token,
    safe: false,
    isAction: false,
    unused: false,
    actionCount: 1,
    unusedCount: 0,
    children: [],
    ...over,
  };
}

describe('layoutTrie', () => {
  it('gives every leaf its own row, centres parents and merges single-child chains', () => {
    const root = node('s3:Get', 'Get', {
      children: [
        node('s3:GetAccess', 'Access', { safe: true, emitted: 's3:GetAccess*' }),
        node('s3:GetBucket', 'Bucket', {
          children: [
            node('s3:GetBucketPolicy', 'Policy', {
              children: [
                node('s3:GetBucketPolicyStatus', 'Status', { isAction: true, unused: true }),
                node('s3:GetBucketPolicyX', 'X', { safe: true, emitted: 's3:GetBucketPolicyX' }),
              ],
            }),
          ],
        }),
      ],
    });
    const layout = layoutTrie(root);
    const labels = layout.nodes.map((n) => n.label);
    // Bucket → Policy is one node (a chain of unsafe non-action nodes with one child).
    expect(labels).toContain('BucketPolicy');
    expect(labels).not.toContain('Bucket');
    expect(layout.nodes).toHaveLength(5);
    expect(layout.edges).toHaveLength(4);
    const leaves = layout.nodes.filter((n) => n.leaf);
    expect(new Set(leaves.map((n) => n.y)).size).toBe(leaves.length);
    const rootNode = layout.nodes.find((n) => n.label === 's3:Get')!;
    expect(rootNode.y).toBeGreaterThan(Math.min(...leaves.map((n) => n.y)));
    expect(rootNode.y).toBeLessThan(Math.max(...leaves.map((n) => n.y)));
    for (const n of layout.nodes) {
      expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
      expect(n.y).toBeLessThanOrEqual(layout.height);
    }
    expect(layout.hidden).toBe(0);
  });

  it('cuts large tries after maxNodes with a "more" marker', () => {
    const children = Array.from({ length: 50 }, (_, i) =>
      node(`x:A${i}`, `A${i}`, { isAction: true, unused: true }),
    );
    const layout = layoutTrie(node('x:', 'x:', { children }), 10);
    expect(layout.nodes.filter((n) => n.more === undefined)).toHaveLength(10);
    const more = layout.nodes.find((n) => n.more !== undefined)!;
    expect(more.label).toBe('… 41 more');
    expect(layout.hidden).toBe(41);
  });
});

describe('list parameters', () => {
  it('parses filters, sort and paging, ignoring unknown values', () => {
    const parsed = parseListParams(
      new URLSearchParams(
        'type=UnusedPermission&status=active&account=111111111111&principal= app &service=S3&sort=resource&dir=asc&size=100&page=3',
      ),
    );
    expect(parsed.query).toEqual({
      filter: {
        types: ['UnusedPermission'],
        statuses: ['ACTIVE'],
        accounts: ['111111111111'],
        principal: 'app',
        services: ['s3'],
      },
      sort: 'resource',
      direction: 'asc',
      limit: 100,
      offset: 200,
    });
    expect(parsed.ignored).toEqual([]);
    const bad = parseListParams(new URLSearchParams('type=X&status=Y&sort=z&dir=up&page=0&size=7'));
    expect(bad.ignored).toEqual([
      'unknown finding type',
      'unknown status',
      'unknown sort column',
      'unknown sort direction',
      'bad page number',
    ]);
    expect(bad.query).toMatchObject({
      filter: {},
      sort: 'updatedAt',
      direction: 'desc',
      limit: 50,
      offset: 0,
    });
    expect(parseListParams(new URLSearchParams('cursor=abc&page=2')).query.cursor).toBe('abc');
  });

  it('builds links with only the given parameters', () => {
    expect(findingsHref({})).toBe('/findings');
    expect(findingsHref({ status: 'ACTIVE', principal: 'a b&c', page: 2 })).toBe(
      '/findings?status=ACTIVE&principal=a+b%26c&page=2',
    );
  });
});

describe('explainRecommendation', () => {
  let catalog: ActionCatalog;
  let article: PolicyRecommendation;
  let original: Record<string, unknown>;

  beforeAll(async () => {
    catalog = await loadCatalog();
    original = JSON.parse(readFileSync('examples/article/policy.json', 'utf8')) as Record<
      string,
      unknown
    >;
    const unused: unknown = JSON.parse(readFileSync('examples/article/unused.json', 'utf8'));
    const refinement = refinePolicy(original, unused as never, { catalog });
    const removed: Record<string, string[]> = {};
    for (const st of refinement.statements) {
      for (const [level, actions] of Object.entries(st.removedByAccessLevel)) {
        removed[level] = [...(removed[level] ?? []), ...(actions ?? [])];
      }
    }
    article = rec({
      policyType: 'INLINE',
      policyId: 'MyPolicy',
      policyName: 'MyPolicy',
      policy: refinement.policy,
      removedByAccessLevel: removed,
    });
  });

  it('recomputes the tries from the original document and the removed actions', () => {
    expect(removedActions(article)).toHaveLength(30);
    const explained = explainRecommendation(
      { ...article, originalPolicy: original } as never,
      catalog,
    );
    expect(explained.note).toBeUndefined();
    expect(explained.original).toBe(original);
    expect(explained.tries.map((t) => `${t.statement}:${t.entry ?? ''}`)).toEqual(['1:s3:Get*']);
    expect(explained.tries[0]!.replacement).toContain('s3:GetObject*');
    expect(layoutTrie(explained.tries[0]!.root).nodes.map((n) => n.label)).toContain('s3:Get');
  });

  it('removes every action of the services removed as a whole, as the scan did', () => {
    const document = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 'ec2:Describe*', 'sqs:SendMessage'],
          Resource: '*',
        },
      ],
    };
    const scanned = refinePolicy(document, ['s3:PutObject', 'ec2:*', 'sqs:*'], { catalog });
    expect(scanned.policy).toEqual({
      ...document,
      Statement: [{ ...document.Statement[0], Action: ['s3:GetObject'] }],
    });
    const wholeServices = rec({
      policy: scanned.policy,
      removedByAccessLevel: { Write: ['s3:PutObject'] },
      removedServices: ['ec2', 'sqs'],
    });
    expect(removedActions(wholeServices)).toEqual(['ec2:*', 's3:PutObject', 'sqs:*']);
    const explained = explainRecommendation(
      { ...wholeServices, originalPolicy: document } as never,
      catalog,
    );
    expect(explained.note).toBeUndefined();
    // Without the services, the recomputation keeps ec2 and sqs: another policy than the stored one.
    const { removedServices: _, ...actionsOnly } = wholeServices;
    expect(removedActions(actionsOnly)).toEqual(['s3:PutObject']);
    expect(
      explainRecommendation({ ...actionsOnly, originalPolicy: document } as never, catalog).note,
    ).toMatch(/gives a different policy than the one stored/);
  });

  it('says when the original is not stored, or when another catalog gives another result', () => {
    const none = explainRecommendation(article, catalog);
    expect(none.tries).toEqual([]);
    expect(none.note).toMatch(/original policy document is not stored/);
    const tiny = createCatalog(
      { s3: ['GetObject', 'GetBucketPolicy', 'ListBucket'], lambda: ['InvokeFunction'] },
      'tiny',
    );
    const other = explainRecommendation(
      { ...article, originalPolicy: original } as never,
      tiny,
      'big',
    );
    expect(other.note).toMatch(
      /catalog tiny gives a different policy than the scan did with catalog big/,
    );
  });
});
