import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sourceStatements } from './document.js';
import { applyEdits, renderString, rewriteList, type ListOp } from './rewrite-list.js';
import { locateTerraform } from './terraform.js';
import type { SNode, SSeq, SStr } from './types.js';
import { parseTree } from './yaml-tree.js';

/** An action-like entry (with a wildcard sometimes). */
const entry = fc.stringMatching(/^[a-z][a-z0-9-]{0,5}:[A-Z][A-Za-z0-9]{0,8}\*?$/);

type Style = 'json-lines' | 'json-inline' | 'yaml-block' | 'yaml-flow' | 'hcl-lines' | 'hcl-inline';
const STYLES: readonly Style[] = [
  'json-lines',
  'json-inline',
  'yaml-block',
  'yaml-flow',
  'hcl-lines',
  'hcl-inline',
];

/** A policy with one statement whose Action list is `items`, written in `style`. */
function write(
  style: Style,
  items: readonly string[],
  comments: readonly boolean[],
  trailing: boolean,
): string {
  const q = (s: string) => JSON.stringify(s);
  switch (style) {
    case 'json-lines':
      return `{\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": [\n${items.map((i) => `        ${q(i)}`).join(',\n')}\n      ],\n      "Resource": "*"\n    }\n  ]\n}\n`;
    case 'json-inline':
      return `{"Statement": [{"Effect": "Allow", "Action": [${items.map(q).join(', ')}], "Resource": "*"}]}\n`;
    case 'yaml-block':
      return `Statement:\n  - Effect: Allow\n    Action:\n${items
        .map(
          (i, k) =>
            `${comments[k] ? '      # why\n' : ''}      - ${i}${comments[k] ? '  # note' : ''}`,
        )
        .join('\n')}\n    Resource: '*'\n`;
    case 'yaml-flow':
      return `Statement:\n  - Effect: Allow\n    Action: [${items.join(', ')}]\n    Resource: '*'\n`;
    case 'hcl-lines':
      return `resource "aws_iam_policy" "p" {\n  policy = jsonencode({\n    Statement = [{\n      Effect = "Allow"\n      Action = [\n${items
        .map(
          (i, k) =>
            `${comments[k] ? '        # why\n' : ''}        ${q(i)}${k < items.length - 1 || trailing ? ',' : ''}${comments[k] ? ' # note' : ''}`,
        )
        .join('\n')}\n      ]\n      Resource = "*"\n    }]\n  })\n}\n`;
    case 'hcl-inline':
      return `resource "aws_iam_policy" "p" {\n  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = [${items.map(q).join(', ')}${trailing ? ',' : ''}], Resource = "*" }] })\n}\n`;
  }
}

/** The Action list of the only statement, read with the real parsers. */
async function read(style: Style, text: string): Promise<SNode> {
  let doc: SNode;
  if (style.startsWith('hcl')) {
    const located = await locateTerraform([{ path: '/x/main.tf', text }]);
    expect(located.unsupported).toEqual([]);
    doc = located.sources[0]!.document;
  } else {
    const parsed = parseTree(text, { lang: style.startsWith('json') ? 'json' : 'yaml' });
    if (!parsed.ok) throw new Error(`${parsed.error}\n${text}`);
    doc = parsed.root;
  }
  const st = sourceStatements(doc);
  if (typeof st === 'string') throw new Error(st);
  return st.statements[0]!.actions;
}

function values(node: SNode): string[] {
  if (node.kind === 'str') return [node.value];
  if (node.kind === 'seq') return node.items.map((i) => (i as SStr).value);
  throw new Error(`not a list: ${node.kind}`);
}

const op = (n: number): fc.Arbitrary<ListOp> =>
  fc.oneof(
    fc.constant<ListOp>({ kind: 'keep' }),
    fc.constant<ListOp>({ kind: 'drop' }),
    fc
      .array(entry, { minLength: 1, maxLength: n })
      .map<ListOp>((entries) => ({ kind: 'replace', entries })),
  );

describe('rewriteList', () => {
  it('gives, in every layout, a text that parses back to exactly the planned list (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...STYLES),
        fc.array(fc.tuple(entry, op(3), fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.array(entry, { maxLength: 2 }),
        fc.boolean(),
        fc.boolean(),
        async (style, rows, append, trailing, crlf) => {
          const items = rows.map((r) => r[0]);
          const ops = rows.map((r) => r[1]);
          const comments = rows.map((r) => r[2]);
          const expected: string[] = [];
          ops.forEach((o, k) => {
            if (o.kind === 'keep') expected.push(items[k]!);
            if (o.kind === 'replace') expected.push(...o.entries);
          });
          fc.pre(expected.length > 0);
          expected.push(...append);
          const lf = write(style, items, comments, trailing);
          const text = crlf ? lf.replaceAll('\n', '\r\n') : lf;
          const node = await read(style, text);
          expect(values(node)).toEqual(items);
          const seq = node as SSeq;
          const edits = rewriteList(text, seq, ops, append, (v) =>
            renderString(v, seq.items[0] as SStr),
          );
          const after = applyEdits(text, edits);
          expect(values(await read(style, after))).toEqual(expected);
          // Comments on their own lines are kept; nothing before the list changes.
          const own = (t: string) => t.split('\n').filter((l) => l.trim().startsWith('#')).length;
          expect(own(after)).toBe(own(text));
          expect(after.slice(0, seq.span.start)).toBe(text.slice(0, seq.span.start));
          // New lines end like the file's lines.
          if (crlf) expect(after.replaceAll('\r\n', '')).not.toContain('\n');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops statement blocks of a policy document, separated by blank lines or not, without overlap (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 6 }),
        async (rows) => {
          // rows[k]: whether block k is kept, and whether a blank line follows it.
          fc.pre(rows.some(([keep]) => keep));
          const block = (k: number) =>
            `  statement {\n    sid       = "S${k}"\n    actions   = ["s3:GetObject"]\n    resources = ["*"]\n  }\n`;
          const text = `data "aws_iam_policy_document" "d" {\n${rows
            .map(([, blank], k) => block(k) + (blank && k < rows.length - 1 ? '\n' : ''))
            .join('')}}\n`;
          const tf = await locateTerraform([
            { path: '/m/main.tf', text },
            {
              path: '/m/p.tf',
              text: 'resource "aws_iam_policy" "p" {\n  policy = data.aws_iam_policy_document.d.json\n}\n',
            },
          ]);
          const read = sourceStatements(tf.sources[0]!.document);
          if (typeof read === 'string' || !read.list) throw new Error(String(read));
          const seq = read.list;
          const ops: ListOp[] = rows.map(([keep]) => ({ kind: keep ? 'keep' : 'drop' }));
          const after = applyEdits(
            text,
            rewriteList(text, seq, ops, [], (v) => v),
          );
          // Exactly the kept blocks, in order; a blank line between two kept blocks when every gap
          // between them had one, none when none had; never two in a row, none at the ends.
          const kept = rows.flatMap(([keep], k) => (keep ? [k] : []));
          expect([...after.matchAll(/sid {7}= "S(\d)"/g)].map((m) => Number(m[1]))).toEqual(kept);
          expect(after).not.toContain('\n\n\n');
          expect(after).not.toMatch(/\{\n\n|\n\n\}/);
          for (let j = 1; j < kept.length; j++) {
            const gaps = rows.slice(kept[j - 1], kept[j]).map(([, blank]) => blank);
            const between = after.slice(
              after.indexOf(`"S${kept[j - 1]}"`),
              after.indexOf(`"S${kept[j]}"`),
            );
            if (gaps.every(Boolean)) expect(between).toContain('}\n\n  statement');
            if (!gaps.some(Boolean)) expect(between).not.toContain('\n\n');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps one entry per line, the indentation and a removed entry takes its comment', () => {
    const text = 'A:\n  - s3:GetObject  # read\n  - s3:PutObject  # write\n  - s3:ListBucket\n';
    const parsed = parseTree(text, { lang: 'yaml' });
    if (!parsed.ok) throw new Error(parsed.error);
    const seq = (parsed.root as { entries: { value: SSeq }[] }).entries[0]!.value;
    const edits = rewriteList(
      text,
      seq,
      [
        { kind: 'replace', entries: ['s3:GetObjectTagging', 's3:GetObjectAcl'] },
        { kind: 'drop' },
        { kind: 'keep' },
      ],
      [],
      (v) => renderString(v, seq.items[0] as SStr),
    );
    expect(applyEdits(text, edits)).toBe(
      'A:\n  - s3:GetObjectTagging\n  - s3:GetObjectAcl  # read\n  - s3:ListBucket\n',
    );
  });

  it('quotes new YAML entries like the list does, and only when needed', () => {
    expect(renderString('s3:Get*', { lang: 'yaml', quote: '' })).toBe('s3:Get*');
    expect(renderString("s3:it's", { lang: 'yaml', quote: "'" })).toBe("'s3:it''s'");
    expect(renderString('true', { lang: 'yaml', quote: '' })).toBe('"true"');
    expect(renderString('a: b', { lang: 'yaml', quote: '' })).toBe('"a: b"');
    expect(renderString('${x}', { lang: 'hcl', quote: '"' })).toBe('"$${x}"');
  });
});
