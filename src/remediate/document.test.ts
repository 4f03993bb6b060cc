import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { canonicalDocument, matchDocument, resolveDocument } from './document.js';
import { locateTerraform } from './terraform.js';
import type { SNode } from './types.js';
import { parseTree } from './yaml-tree.js';

const action = fc.stringMatching(/^[a-z][a-z0-9]{0,4}:[A-Z][A-Za-z]{0,6}\*?$/);
const resource = fc.stringMatching(/^arn:aws:s3:::[a-z]{1,6}(\/\*)?$/);
const oneOrMany = <T>(a: fc.Arbitrary<T>) =>
  fc.oneof(a, fc.array(a, { minLength: 1, maxLength: 3 }));

const statement = fc.record(
  {
    Sid: fc.stringMatching(/^[A-Z][a-z]{0,5}$/),
    Effect: fc.constantFrom('Allow', 'Deny'),
    Action: oneOrMany(action),
    Resource: oneOrMany(resource),
    Condition: fc.record({
      StringEquals: fc.record({
        'aws:RequestedRegion': oneOrMany(fc.constantFrom('eu-west-1', 'us-east-1')),
      }),
    }),
  },
  { requiredKeys: ['Effect', 'Action', 'Resource'] },
);
const policy = fc.record({
  Version: fc.constant('2012-10-17'),
  Statement: fc.oneof(statement, fc.array(statement, { minLength: 1, maxLength: 3 })),
});

/** The document as HCL (`jsonencode` argument). */
function hcl(value: unknown, indent = ''): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => hcl(v, indent)).join(', ')}]`;
  const inner = `${indent}  `;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${inner}${/^[A-Za-z]+$/.test(k) ? k : JSON.stringify(k)} = ${hcl(v, inner)}`,
  );
  return `{\n${entries.join('\n')}\n${indent}}`;
}

async function tree(form: 'json' | 'yaml' | 'hcl', doc: unknown): Promise<SNode> {
  if (form === 'hcl') {
    const text = `resource "aws_iam_policy" "p" {\n  policy = jsonencode(${hcl(doc, '  ')})\n}\n`;
    const located = await locateTerraform([{ path: '/m/main.tf', text }]);
    return located.sources[0]!.document;
  }
  const text = form === 'json' ? JSON.stringify(doc, null, 2) : stringify(doc);
  const parsed = parseTree(text, { lang: form });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.root;
}

describe('matchDocument', () => {
  it('a document written as JSON, YAML or HCL matches itself, reordered or with strings as lists (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        policy,
        fc.constantFrom<'json' | 'yaml' | 'hcl'>('json', 'yaml', 'hcl'),
        async (doc, form) => {
          const t = await tree(form, doc);
          expect(matchDocument(t, doc, new Map())).toBe(true);
          expect(canonicalDocument(resolveDocument(t, new Map()))).toEqual(canonicalDocument(doc));
          // IAM's reading: the order of actions does not matter, a string is a one-element list.
          const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
          const reordered = {
            ...doc,
            Statement: list.map((s) => ({
              ...s,
              Action: Array.isArray(s.Action) ? [...s.Action].reverse() : [s.Action],
            })),
          };
          expect(matchDocument(t, reordered, new Map())).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('does not match a document with one action more, less or changed (property)', async () => {
    await fc.assert(
      fc.asyncProperty(policy, action, async (doc, extra) => {
        const t = await tree('json', doc);
        const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
        const first = list[0]!;
        const actions = Array.isArray(first.Action) ? first.Action : [first.Action];
        fc.pre(!actions.includes(extra));
        const more = {
          ...doc,
          Statement: [{ ...first, Action: [...actions, extra] }, ...list.slice(1)],
        };
        expect(matchDocument(t, more, new Map())).toBe(false);
        const changed = {
          ...doc,
          Statement: [{ ...first, Action: [extra, ...actions.slice(1)] }, ...list.slice(1)],
        };
        expect(matchDocument(t, changed, new Map())).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('binds a deploy-time expression to one value, and checks the literal parts of templates', async () => {
    const parsed = parseTree(
      'Statement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: !Sub "arn:aws:s3:::${B}/*"\n  - Effect: Allow\n    Action: s3:PutObject\n    Resource: !Sub "arn:aws:s3:::${B}/*"\n',
      { lang: 'yaml' },
    );
    if (!parsed.ok) throw new Error(parsed.error);
    const st = (r: string, a: string) => ({ Effect: 'Allow', Action: a, Resource: r });
    const same = {
      Statement: [st('arn:aws:s3:::x/*', 's3:GetObject'), st('arn:aws:s3:::x/*', 's3:PutObject')],
    };
    const bindings = new Map<string, string>();
    expect(matchDocument(parsed.root, same, bindings)).toBe(true);
    expect([...bindings.values()]).toEqual(['"arn:aws:s3:::x/*"']);
    const differ = {
      Statement: [st('arn:aws:s3:::x/*', 's3:GetObject'), st('arn:aws:s3:::y/*', 's3:PutObject')],
    };
    expect(matchDocument(parsed.root, differ, new Map())).toBe(false);

    const located = await locateTerraform([
      {
        path: '/m/main.tf',
        text: 'resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "${aws_s3_bucket.b.arn}/*" }] })\n}\n',
      },
    ]);
    const t = located.sources[0]!.document;
    expect(
      matchDocument(t, { Statement: [st('arn:aws:s3:::b/*', 's3:GetObject')] }, new Map()),
    ).toBe(true);
    expect(matchDocument(t, { Statement: [st('arn:aws:s3:::b', 's3:GetObject')] }, new Map())).toBe(
      false,
    );
  });
});
