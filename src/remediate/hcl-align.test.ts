/**
 * Tests of hcl-align: exact texts for each case (every expected text was checked once with
 * `terraform fmt -` v1.11.4: the expected output is what it writes for the patched text, except the
 * cases that must keep a file's own style or cannot be measured), a differential property test
 * against a simple reference renderer of fmt's rule (runs everywhere), and a property test against
 * the real `terraform fmt` when the binary is installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignHclEdits } from './hcl-align.js';
import { applyEdits } from './rewrite-list.js';
import type { Edit } from './types.js';

/** Edits replacing the first occurrence of each `from` by its `to`. */
function edits(text: string, pairs: readonly [string, string][]): Edit[] {
  return pairs.map(([from, to]) => {
    const start = text.indexOf(from);
    if (start < 0) throw new Error(`not in the text: ${from}`);
    return { start, end: start + from.length, text: to };
  });
}

/** The text after `pairs`, re-aligned. */
function aligned(text: string, pairs: readonly [string, string][]): string {
  return applyEdits(text, alignHclEdits(text, edits(text, pairs)));
}

describe('alignHclEdits', () => {
  it('re-aligns a statement block when actions becomes not_actions', () => {
    const text = `data "aws_iam_policy_document" "p" {
  statement {
    sid       = "All"
    effect    = "Allow"
    actions   = ["*"]
    resources = ["*"]
  }
}
`;
    expect(
      aligned(text, [
        ['actions', 'not_actions'],
        ['["*"]\n    res', '["iam:*"]\n    res'],
      ]),
    ).toBe(`data "aws_iam_policy_document" "p" {
  statement {
    sid         = "All"
    effect      = "Allow"
    not_actions = ["iam:*"]
    resources   = ["*"]
  }
}
`);
  });

  it('splits a chain in two when a one-line list becomes one entry per line', () => {
    const text = `data "aws_iam_policy_document" "p" {
  statement {
    sid           = "A"
    effect        = "Allow"
    actions       = ["s3:*"]
    resources     = ["*"]
    not_resources = ["x"]
  }
}
`;
    expect(aligned(text, [['["s3:*"]', '[\n      "s3:GetObject",\n      "s3:PutObject",\n    ]']]))
      .toBe(`data "aws_iam_policy_document" "p" {
  statement {
    sid    = "A"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
    ]
    resources     = ["*"]
    not_resources = ["x"]
  }
}
`);
  });

  it('gives one space to a renamed attribute that opens a multi-line list', () => {
    // What patch.ts writes for `actions       = ["*"]` with 7 spaces: max(1, 7 - 4) = 3.
    const text = `data "aws_iam_policy_document" "p" {
  statement {
    actions       = ["*"]
    not_resources = ["x"]
  }
}
`;
    expect(
      aligned(text, [
        ['actions       = ["*"]', 'not_actions   = [\n      "a:B",\n      "c:D",\n    ]'],
      ]),
    ).toBe(`data "aws_iam_policy_document" "p" {
  statement {
    not_actions = [
      "a:B",
      "c:D",
    ]
    not_resources = ["x"]
  }
}
`);
  });

  it('re-aligns object items inside jsonencode', () => {
    const text = `resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })
}
`;
    expect(
      aligned(text, [
        ['Action', 'NotAction'],
        ['"*"\n      Resource', '"iam:*"\n      Resource'],
      ]),
    ).toBe(`resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      NotAction = "iam:*"
      Resource  = "*"
    }]
  })
}
`);
  });

  it('re-aligns trailing comments after the = and of list entries', () => {
    const text = `data "aws_iam_policy_document" "p" {
  statement {
    effect    = "Allow"                          # allow
    actions   = ["s3:GetObject", "s3:PutObject"] # used
    resources = ["*"]                            # all
  }
  statement {
    actions = [
      "s3:GetObject",    # a
      "s3:PutObjectAcl", # b
    ]
  }
}
`;
    expect(
      aligned(text, [
        [', "s3:PutObject"', ''],
        ['\n      "s3:PutObjectAcl", # b', ''],
      ]),
    ).toBe(`data "aws_iam_policy_document" "p" {
  statement {
    effect    = "Allow"          # allow
    actions   = ["s3:GetObject"] # used
    resources = ["*"]            # all
  }
  statement {
    actions = [
      "s3:GetObject", # a
    ]
  }
}
`);
  });

  it('moves the comments of a chain whose = moved', () => {
    const text = `locals {
  a   = 1 # one
  bbb = 2 # two
}
`;
    expect(aligned(text, [['bbb', 'b']])).toBe(`locals {
  a = 1 # one
  b = 2 # two
}
`);
  });

  it('merges the chains around a removed block', () => {
    const text = `locals {
  a = 1
  inner {
    x = 1
  }
  bbbb = 2
}
`;
    expect(aligned(text, [['  inner {\n    x = 1\n  }\n', '']])).toBe(`locals {
  a    = 1
  bbbb = 2
}
`);
  });

  it('leaves a file that does not follow fmt in its own style', () => {
    const text = `data "aws_iam_policy_document" "p" {
  statement {
    sid = "All"
    actions = ["*"]
    resources = ["*"]
  }
}
`;
    const e = edits(text, [['actions', 'not_actions']]);
    expect(alignHclEdits(text, e)).toEqual(e);
    // Comments aligned by hand in their own way stay too.
    const own = `locals {\n  a = 1     # one\n  bbb = 2   # two\n}\n`;
    const o = edits(own, [['bbb', 'bb']]);
    expect(alignHclEdits(own, o)).toEqual(o);
    // Tabs are not fmt's.
    const tabs = `locals {\n  a\t= 1\n  b = 2\n}\n`;
    const t = edits(tabs, [['b =', 'bbb =']]);
    expect(alignHclEdits(tabs, t)).toEqual(t);
  });

  it('only re-aligns the chains that hold or touch a change', () => {
    const text = `locals {
  a = 1
  bb = 2

  c   = 3
  ddd = 4
}
`;
    expect(aligned(text, [['ddd', 'dddddd']])).toBe(`locals {
  a = 1
  bb = 2

  c      = 3
  dddddd = 4
}
`);
  });

  it('does not touch a heredoc document, and aligns the heredoc attribute with its neighbours', () => {
    const text = `resource "aws_iam_policy" "p" {
  name   = "p"
  policy = <<EOF
{
  "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
  "x" =    1
}
EOF
  tags   = {}
}
`;
    const e = edits(text, [['"s3:*"', '["s3:GetObject", "s3:PutObject"]']]);
    expect(alignHclEdits(text, e)).toEqual(e);
    // The attribute before the heredoc renamed: the heredoc line is in the chain.
    expect(aligned(text, [['name   =', 'name_prefix =']])).toBe(`resource "aws_iam_policy" "p" {
  name_prefix = "p"
  policy      = <<EOF
{
  "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
  "x" =    1
}
EOF
  tags        = {}
}
`);
  });

  it('reads strings, interpolations, operators and comments as fmt does', () => {
    const text = `locals {
  a              = "x = \${var.y == 1 ? "=" : "}"}" // c
  b              = { k = "v" }                     # d
  c              = { for k, v in var.m : k => v if v != "=" }
  /* c = 1 */ dd = 1
  e              = 1
}
`;
    expect(aligned(text, [['c              =', 'cccccccccccccccc =']])).toBe(`locals {
  a                = "x = \${var.y == 1 ? "=" : "}"}" // c
  b                = { k = "v" }                     # d
  cccccccccccccccc = { for k, v in var.m : k => v if v != "=" }
  /* c = 1 */ dd   = 1
  e                = 1
}
`);
  });

  it('counts grapheme clusters and keeps CRLF line ends', () => {
    const text = 'locals {\r\n  o = {\r\n    "é" = 1\r\n    ab  = 2\r\n  }\r\n}\r\n';
    expect(aligned(text, [['ab  =', 'abcd  =']])).toBe(
      'locals {\r\n  o = {\r\n    "é"  = 1\r\n    abcd = 2\r\n  }\r\n}\r\n',
    );
  });

  it('leaves chains it cannot measure, and text it cannot read', () => {
    // A comment over two lines before the attribute: its lead spans lines.
    const multi = `locals {\n  a = 1\n  /* x\n  */ b = 2\n}\n`;
    const m = edits(multi, [['a =', 'aaaa =']]);
    expect(alignHclEdits(multi, m)).toEqual(m);
    for (const bad of [
      'locals {\n  a = "x\n  bb = 1\n}\n',
      'locals {\n  a = 1 /* x\n  bb = 1\n}\n',
      'locals {\n  a = <<EOF\nx\n  bb = 1\n}\n',
      'locals {\n  a = <<\n}\n',
      'locals {\n  a = 1\n  bb = 2\n}\n}\n',
      'locals {\n  a = "${x"\n}\n',
    ]) {
      const e = edits(
        bad,
        [['bb', 'bbbbbb']].filter(([f]) => bad.includes(f!)) as [string, string][],
      );
      expect(alignHclEdits(bad, e)).toEqual(e);
    }
    expect(alignHclEdits('a = 1\n', [])).toEqual([]);
  });

  it('merges an alignment with the edit it touches, and moves the others', () => {
    const text = `locals {\n  aa = 1\n  b  = [1]\n}\n`;
    // The edit replaces `b  ` (name and spaces): the new spaces go into it.
    const e: Edit[] = [
      { start: text.indexOf('b  ='), end: text.indexOf('b  =') + 3, text: 'bbbb' },
      { start: text.indexOf('[1]'), end: text.indexOf('[1]') + 3, text: '[1, 2]' },
    ];
    const out = alignHclEdits(text, e);
    expect(applyEdits(text, out)).toBe(`locals {\n  aa   = 1\n  bbbb = [1, 2]\n}\n`);
    expect(out).toEqual([
      { start: text.indexOf('aa') + 2, end: text.indexOf('aa') + 3, text: '   ' },
      { start: text.indexOf('b  ='), end: text.indexOf('b  =') + 3, text: 'bbbb ' },
      e[1],
    ]);
  });

  it('throws on overlapping edits as applyEdits does', () => {
    expect(() =>
      alignHclEdits('a = 1\n', [
        { start: 0, end: 2, text: 'x' },
        { start: 1, end: 3, text: 'y' },
      ]),
    ).toThrow(/overlapping/);
  });
});

// ---- Property tests ----------------------------------------------------------------------------

/** A line of the model: an attribute (one-line or a multi-line list), a comment, a blank line. */
type Item =
  | { kind: 'attr'; name: string; value: string; comment?: string }
  | { kind: 'list'; name: string; entries: string[]; comments: (string | undefined)[] }
  | { kind: 'note' }
  | { kind: 'blank' }
  | { kind: 'block'; name: string; items: Item[] };

interface Line {
  indent: number;
  /** Text before `=` (no indent), the `=` part, or the whole line. */
  lead: string;
  /** Set for an assign cell: the expression after `= `. */
  value?: string;
  /** `=` opening a multi-line value: the line is `lead = value`, with one space. */
  opener?: string;
  comment?: string;
}

/** The model as lines, before alignment. */
function linesOf(items: readonly Item[], depth: number): Line[] {
  const out: Line[] = [];
  const indent = depth * 2;
  for (const it of items) {
    if (it.kind === 'attr')
      out.push({
        indent,
        lead: it.name,
        value: it.value,
        ...(it.comment ? { comment: it.comment } : {}),
      });
    else if (it.kind === 'list') {
      out.push({ indent, lead: it.name, opener: '[' });
      it.entries.forEach((e, k) =>
        out.push({
          indent: indent + 2,
          lead: `${e},`,
          ...(it.comments[k] ? { comment: it.comments[k] } : {}),
        }),
      );
      out.push({ indent, lead: ']' });
    } else if (it.kind === 'note') out.push({ indent, lead: '# note' });
    else if (it.kind === 'blank') out.push({ indent: 0, lead: '' });
    else {
      out.push({ indent, lead: `${it.name} {` });
      out.push(...linesOf(it.items, depth + 1));
      out.push({ indent, lead: '}' });
    }
  }
  return out;
}

/** The reference: the model written as terraform fmt writes it (the rule, on whole lines). */
function render(items: readonly Item[]): string {
  const lines = linesOf([{ kind: 'block', name: 'locals', items: [...items] }], 0);
  const width = (l: Line) => l.indent + l.lead.length;
  const eqSpaces = lines.map(() => 1);
  for (let i = 0; i < lines.length;) {
    if (lines[i]!.value === undefined) {
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.value !== undefined) j++;
    const max = Math.max(...lines.slice(i, j).map(width));
    for (let k = i; k < j; k++) eqSpaces[k] = max - width(lines[k]!) + 1;
    i = j;
  }
  const before = lines.map((l, k) =>
    l.value !== undefined
      ? `${' '.repeat(l.indent)}${l.lead}${' '.repeat(eqSpaces[k]!)}= ${l.value}`
      : l.opener !== undefined
        ? `${' '.repeat(l.indent)}${l.lead} = ${l.opener}`
        : l.lead === ''
          ? ''
          : `${' '.repeat(l.indent)}${l.lead}`,
  );
  const cSpaces = lines.map(() => 1);
  for (let i = 0; i < lines.length;) {
    if (lines[i]!.comment === undefined) {
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j]!.comment !== undefined) j++;
    const max = Math.max(...before.slice(i, j).map((s) => s.length));
    for (let k = i; k < j; k++) cSpaces[k] = max - before[k]!.length + 1;
    i = j;
  }
  return before
    .map((s, k) =>
      lines[k]!.comment === undefined ? s : `${s}${' '.repeat(cSpaces[k]!)}${lines[k]!.comment}`,
    )
    .map((s) => `${s}\n`)
    .join('');
}

const name = fc.constantFrom('a', 'sid', 'effect', 'actions', 'not_actions', 'resources', 'x_y_z');
/** Values, some of them with what a lexer could take for an `=`, a bracket or a comment. */
const scalar = fc.constantFrom(
  '1',
  '"Allow"',
  '["*"]',
  '["s3:GetObject", "s3:PutObject"]',
  '{}',
  '"a = b # not a comment // nor this"',
  '"$${x} = %%{y} ${var.a == "}" ? "=" : "{"}-x"',
  '{ k = "v", "q" = [1, (2)] }',
  'var.x >= 1 && var.y != 2 ? { for k, v in var.m : k => v } : {}',
  'jsonencode({ Effect = "Allow" })',
  '/* c = 1 */ 2',
  '<<EOT\n  a   = 1 # x\n  }\nEOT',
  '<<-EOT\n    ${var.b} = [\n    EOT',
);
const comment = fc.option(fc.constantFrom('# c', '// why', '# a longer comment'), {
  nil: undefined,
});
const entry = fc.constantFrom('"s3:GetObject"', '"iam:*"', '"ec2:DescribeInstances"');
const item = (depth: number): fc.Arbitrary<Item> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record({ kind: fc.constant('attr' as const), name, value: scalar, comment })
        // A heredoc's line ends with its closing marker: no comment after it.
        .map((a) => (a.value.includes('\n') ? { ...a, comment: undefined } : a)),
    },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(entry, comment), { minLength: 1, maxLength: 3 }).chain((es) =>
        fc.record({
          kind: fc.constant('list' as const),
          name,
          entries: fc.constant(es.map((e) => e[0])),
          comments: fc.constant(es.map((e) => e[1])),
        }),
      ),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'note' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'blank' as const }) },
    ...(depth < 1
      ? [
          {
            weight: 1,
            arbitrary: fc.record({
              kind: fc.constant('block' as const),
              name: fc.constant('statement'),
              items: fc.array(item(depth + 1), { minLength: 1, maxLength: 5 }),
            }),
          },
        ]
      : []),
  );

/** Whether no body of the model sets an attribute twice (terraform fmt refuses that). */
function unique(items: readonly Item[]): boolean {
  const names = new Set<string>();
  for (const it of items) {
    if (it.kind === 'block' && !unique(it.items)) return false;
    if (it.kind === 'attr' || it.kind === 'list') {
      if (names.has(it.name)) return false;
      names.add(it.name);
    }
  }
  return true;
}

/** What a patch does to one item: rename it, write its list one entry per line, drop an entry or a block. */
type Change = 'rename' | 'multi' | 'drop-entry' | 'drop-block';

/**
 * One patch of the model: the edited model, and the raw edit of the rendered text (what a patch
 * writes: only the changed span, the old spaces kept), or undefined when it does not apply.
 */
function patch(
  items: Item[],
  pick: number,
  change: Change,
  newName: string,
): { after: Item[]; edit: (text: string) => Edit } | undefined {
  // Flatten to find the pick-th item that the change applies to, with its line number.
  const text = render(items);
  const lines = text.split('\n');
  const candidates: { list: Item[]; k: number; line: number }[] = [];
  let line = 1; // after `locals {`
  const walk = (list: Item[]) => {
    list.forEach((it, k) => {
      const ok =
        (change === 'rename' && it.kind === 'attr') ||
        (change === 'multi' && it.kind === 'attr' && it.value.startsWith('["') && !it.comment) ||
        (change === 'drop-entry' && it.kind === 'list' && it.entries.length > 1) ||
        (change === 'drop-block' && it.kind === 'block');
      if (ok) candidates.push({ list, k, line });
      line += it.kind === 'attr' ? it.value.split('\n').length : 1;
      if (it.kind === 'list') line += it.entries.length + 1;
      if (it.kind === 'block') {
        walk(it.items);
        line++;
      }
    });
  };
  walk(items);
  if (candidates.length === 0) return undefined;
  const c = candidates[pick % candidates.length]!;
  const offsetOf = (n: number) => lines.slice(0, n).reduce((s, l) => s + l.length + 1, 0);
  const it = c.list[c.k]!;
  const at = offsetOf(c.line);
  const replaceIn = (list: Item[], by: Item[]): Item[] =>
    list.flatMap((x) =>
      x === it ? by : x.kind === 'block' ? [{ ...x, items: replaceIn(x.items, by) }] : [x],
    );
  if (change === 'rename' && it.kind === 'attr') {
    const lineText = lines[c.line]!;
    const s = at + lineText.indexOf(it.name);
    return {
      after: replaceIn(items, [{ ...it, name: newName }]),
      edit: () => ({ start: s, end: s + it.name.length, text: newName }),
    };
  }
  if (change === 'multi' && it.kind === 'attr') {
    const lineText = lines[c.line]!;
    const s = at + lineText.indexOf('= ') + 2;
    const entries = it.value.slice(1, -1).split(', ');
    const indent = ' '.repeat(lineText.length - lineText.trimStart().length);
    return {
      after: replaceIn(items, [
        { kind: 'list', name: it.name, entries, comments: entries.map(() => undefined) },
      ]),
      edit: () => ({
        start: s,
        end: s + it.value.length,
        text: `[\n${entries.map((e) => `${indent}  ${e},\n`).join('')}${indent}]`,
      }),
    };
  }
  if (change === 'drop-entry' && it.kind === 'list') {
    const s = offsetOf(c.line + 2);
    return {
      after: replaceIn(items, [
        {
          ...it,
          entries: it.entries.slice(0, 1).concat(it.entries.slice(2)),
          comments: it.comments.slice(0, 1).concat(it.comments.slice(2)),
        },
      ]),
      edit: () => ({ start: s, end: s + lines[c.line + 2]!.length + 1, text: '' }),
    };
  }
  if (change === 'drop-block' && it.kind === 'block') {
    const n = linesOf([it], 1).reduce((sum, l) => sum + (l.value ?? '').split('\n').length, 0);
    return {
      after: replaceIn(items, []),
      edit: () => ({ start: at, end: offsetOf(c.line + n), text: '' }),
    };
  }
  return undefined;
}

const cases = fc.record({
  items: fc.array(item(0), { minLength: 1, maxLength: 8 }),
  pick: fc.nat(20),
  change: fc.constantFrom<Change>('rename', 'multi', 'drop-entry', 'drop-block'),
  newName: name,
});

describe('alignHclEdits against the rule', () => {
  it('a patched fmt-clean file is the fmt-clean rendering of the patched model', () => {
    fc.assert(
      fc.property(cases, ({ items, pick, change, newName }) => {
        const p = patch(items, pick, change, newName);
        fc.pre(p !== undefined);
        const text = render(items);
        const edit = p!.edit(text);
        const out = alignHclEdits(text, [edit]);
        expect(applyEdits(text, out)).toBe(render(p!.after));
        // Only spaces differ from the raw patch.
        expect(applyEdits(text, out).replace(/ /g, '')).toBe(
          applyEdits(text, [edit]).replace(/ /g, ''),
        );
      }),
      { numRuns: 300 },
    );
  });
});

const TERRAFORM = '/usr/local/bin/terraform';

describe('alignHclEdits against terraform fmt', () => {
  it.runIf(existsSync(TERRAFORM))(
    'writes what terraform fmt writes for the patched text',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'hcl-align-'));
      const rc = join(dir, 'terraformrc');
      writeFileSync(rc, '');
      const fmt = (t: string) =>
        execFileSync(TERRAFORM, ['fmt', '-'], {
          input: t,
          encoding: 'utf8',
          env: { ...process.env, TF_CLI_CONFIG_FILE: rc },
        });
      fc.assert(
        fc.property(cases, ({ items, pick, change, newName }) => {
          const p = patch(items, pick, change, newName);
          fc.pre(p !== undefined && unique(items) && unique(p.after));
          const text = render(items);
          // The reference renderer is fmt-clean.
          expect(fmt(text)).toBe(text);
          const edit = p!.edit(text);
          const raw = applyEdits(text, [edit]);
          expect(applyEdits(text, alignHclEdits(text, [edit]))).toBe(fmt(raw));
        }),
        { numRuns: 40 },
      );
    },
    120_000,
  );
});
