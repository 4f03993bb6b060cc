/**
 * Finds the IAM policy documents of Terraform sources (`.tf`) with tree-sitter's Terraform grammar
 * (`web-tree-sitter`, the grammar's wasm from `@tree-sitter-grammars/tree-sitter-hcl`): the
 * `policy` of `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`,
 * `aws_iam_group_policy` and of the `inline_policy` blocks of `aws_iam_role`, written as a heredoc,
 * `jsonencode({...})`, a `data.aws_iam_policy_document.NAME.json` reference (the data source's
 * `statement` blocks are the document) or `file("...json")` (the JSON file is the document).
 * What cannot be rewritten safely is reported with its file, line and reason.
 *
 * Offsets: web-tree-sitter parses a JavaScript string as UTF-16, so node indices are string
 * indices (a test pins this with non-ASCII sources).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import { lineEnd, lineStart } from './rewrite-list.js';
import { overriddenReason, type OverrideIndex } from './terraform-overrides.js';
import type { PolicySource, SEntry, SMap, SNode, SSeq, Span, Unsupported } from './types.js';
import { parseTree } from './yaml-tree.js';

let parserPromise: Promise<Parser> | undefined;

/** The Terraform parser (loaded once). */
export function terraformParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    await Parser.init();
    const language = await Language.load(
      require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm'),
    );
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/** The resource types whose `policy` attribute is a policy document. */
const POLICY_RESOURCES: ReadonlyMap<
  string,
  { managed: boolean; principal?: 'role' | 'user' | 'group' }
> = new Map([
  ['aws_iam_policy', { managed: true }],
  ['aws_iam_role_policy', { managed: false, principal: 'role' }],
  ['aws_iam_user_policy', { managed: false, principal: 'user' }],
  ['aws_iam_group_policy', { managed: false, principal: 'group' }],
]);

/** The private-use character a heredoc's interpolations are replaced with before parsing. */
const PLACEHOLDER = '\uE000';

/** What {@link locateTerraform} found. */
export interface TerraformSources {
  sources: PolicySource[];
  unsupported: Unsupported[];
  /** The `module` blocks whose `source` is a local path (`./`, `../`), for instance counts. */
  moduleCalls: ModuleCall[];
}

/** A `module` block that calls a module in a local directory. */
export interface ModuleCall {
  /** The called module's directory (absolute). */
  dir: string;
  /** Where the block is written. */
  file: string;
  line: number;
  /** `module.NAME`. */
  address: string;
  /** Whether it has `count` or `for_each` (any number of instances). */
  iterated: boolean;
}

/** A parsed `.tf` file. */
interface TfFile {
  path: string;
  text: string;
  root: Node;
}

/** The children of a node (none for null). */
export function kids(n: Node | null | undefined): Node[] {
  return (n?.children ?? []).filter((c): c is Node => c !== null);
}

/** A block's type (`resource`, `data`, `statement`, ...). */
export function blockType(b: Node): string {
  return kids(b).find((c) => c.type === 'identifier')?.text ?? '';
}

/** A block's quoted labels, unescaped (`resource "aws_iam_policy" "x"`: `aws_iam_policy`, `x`). */
export function blockLabels(b: Node): string[] {
  return kids(b)
    .filter((c) => c.type === 'string_lit')
    .map((c) => stringLitValue(c) ?? '');
}

/** A block's body. */
export function bodyOf(b: Node): Node | undefined {
  return kids(b).find((c) => c.type === 'body');
}

/** The blocks of a body, of `type` when given. */
export function blocksIn(body: Node | undefined, type?: string): Node[] {
  return kids(body).filter(
    (c) => c.type === 'block' && (type === undefined || blockType(c) === type),
  );
}

/** The expression of a body's attribute `name`. */
export function attribute(body: Node | undefined, name: string): Node | undefined {
  const a = kids(body).find((c) => c.type === 'attribute' && kids(c)[0]?.text === name);
  return a ? kids(a).find((c) => c.type === 'expression') : undefined;
}

/** Where a node is written. */
function spanOf(n: Node): Span {
  return { start: n.startIndex, end: n.endIndex };
}

/** The single meaningful child of an `expression` node (or the node itself). */
export function inner(expr: Node): Node {
  const named = kids(expr).filter((c) => c.type !== 'comment');
  if (expr.type === 'expression' && named.length === 1) {
    const only = named[0]!;
    if (
      only.type === 'literal_value' ||
      only.type === 'collection_value' ||
      only.type === 'template_expr'
    ) {
      const k = kids(only);
      return k.length === 1 ? k[0]! : only;
    }
    return only;
  }
  return expr;
}

/** The value of a `string_lit` without interpolation, unescaped; undefined for a template. */
export function stringLitValue(n: Node): string | undefined {
  if (n.type !== 'string_lit') return undefined;
  let out = '';
  for (const c of kids(n)) {
    if (c.type === 'quoted_template_start' || c.type === 'quoted_template_end') continue;
    if (c.type === 'template_literal') out += c.text;
    else if (c.type === 'escape_sequence') out += unescape(c.text);
    else return undefined;
  }
  return out.replaceAll('$${', () => '${').replaceAll('%%{', () => '%{');
}

function unescape(s: string): string {
  switch (s) {
    case '\\n':
      return '\n';
    case '\\t':
      return '\t';
    case '\\r':
      return '\r';
    case '\\"':
      return '"';
    case '\\\\':
      return '\\';
    default:
      if (s.startsWith('\\u') || s.startsWith('\\U'))
        return String.fromCodePoint(Number.parseInt(s.slice(2), 16));
      return s;
  }
}

/** A literal string attribute value, if the attribute is one. */
function literalAttr(body: Node | undefined, name: string): string | undefined {
  const e = attribute(body, name);
  if (!e) return undefined;
  const n = inner(e);
  return stringLitValue(n);
}

/** Converts an HCL expression (inside `jsonencode`) to a source tree. */
function hclTree(expr: Node, text: string): SNode {
  const n = inner(expr);
  const span = { start: n.startIndex, end: n.endIndex };
  const opaque = (what: string): SNode => ({ kind: 'opaque', span, text: n.text, what });
  switch (n.type) {
    case 'string_lit': {
      const v = stringLitValue(n);
      return { kind: 'str', span, value: v ?? n.text, template: false, lang: 'hcl', quote: '"' };
    }
    case 'quoted_template': {
      // A string with interpolations: its identity is the text between the quotes.
      return {
        kind: 'str',
        span,
        value: text.slice(n.startIndex + 1, n.endIndex - 1),
        template: true,
        lang: 'hcl',
        quote: '"',
      };
    }
    case 'numeric_lit':
      return { kind: 'lit', span, value: Number(n.text) };
    case 'bool_lit':
      return { kind: 'lit', span, value: n.text === 'true' };
    case 'null_lit':
      return { kind: 'lit', span, value: null };
    case 'tuple': {
      const items = kids(n)
        .filter((c) => c.type === 'expression')
        .map((c) => hclTree(c, text));
      const punct = kids(n).filter((c) => c.type !== 'comment' && c.type !== 'tuple_end');
      const trailingComma = punct[punct.length - 1]?.type === ',';
      return { kind: 'seq', span, items, layout: 'hcl', trailingComma };
    }
    case 'object': {
      const entries: SEntry[] = [];
      for (const el of kids(n).filter((c) => c.type === 'object_elem')) {
        const parts = kids(el).filter((c) => c.type === 'expression');
        const [k, v] = parts;
        if (!k || !v) return opaque('an object with an unreadable member');
        const kn = inner(k);
        const key = kn.type === 'variable_expr' ? kn.text : stringLitValue(kn);
        if (key === undefined) return opaque('an object with a computed key');
        entries.push({ key, value: hclTree(v, text), keySpan: spanOf(k) });
      }
      return { kind: 'map', span, entries };
    }
    case 'function_call':
      return opaque(`a call of ${kids(n)[0]?.text ?? 'a function'}()`);
    case 'for_tuple_expr':
    case 'for_object_expr':
    case 'for_expr':
      return opaque('a for expression');
    case 'conditional':
      return opaque('a conditional expression');
    default:
      return opaque(
        n.type === 'expression' || n.type === 'variable_expr'
          ? 'a reference'
          : `an expression (${n.type})`,
      );
  }
}

/** The source tree of a `data "aws_iam_policy_document"` block, or why it cannot be read. */
function policyDocumentTree(block: Node, text: string): SNode | string {
  const body = bodyOf(block);
  for (const name of [
    'source_policy_documents',
    'override_policy_documents',
    'source_json',
    'override_json',
  ]) {
    if (attribute(body, name)) return `it merges other documents (${name})`;
  }
  if (blocksIn(body, 'dynamic').length > 0) return 'it has dynamic blocks';
  const span = { start: block.startIndex, end: block.endIndex };
  const entries: SEntry[] = [];
  const version = attribute(body, 'version');
  entries.push({
    key: 'Version',
    value: version
      ? hclTree(version, text)
      : { kind: 'str', span, value: '2012-10-17', template: false, lang: 'hcl', quote: '"' },
  });
  const id = attribute(body, 'policy_id');
  if (id) entries.push({ key: 'Id', value: hclTree(id, text) });
  const statements = blocksIn(body, 'statement');
  const items: SNode[] = [];
  for (const st of statements) {
    const sb = bodyOf(st);
    const sspan = { start: st.startIndex, end: st.endIndex };
    const se: SEntry[] = [];
    const sid = attribute(sb, 'sid');
    if (sid && stringLitValue(inner(sid)) !== '')
      se.push({ key: 'Sid', value: hclTree(sid, text) });
    const effect = attribute(sb, 'effect');
    se.push({
      key: 'Effect',
      value: effect
        ? hclTree(effect, text)
        : { kind: 'str', span: sspan, value: 'Allow', template: false, lang: 'hcl', quote: '"' },
    });
    for (const [attr, key] of [
      ['actions', 'Action'],
      ['not_actions', 'NotAction'],
      ['resources', 'Resource'],
      ['not_resources', 'NotResource'],
    ] as const) {
      const e = attribute(sb, attr);
      const name = kids(sb).find((c) => c.type === 'attribute' && kids(c)[0]?.text === attr);
      if (e) se.push({ key, value: hclTree(e, text), keySpan: spanOf(kids(name)[0]!) });
    }
    for (const [type, key] of [
      ['principals', 'Principal'],
      ['not_principals', 'NotPrincipal'],
    ] as const) {
      const blocks = blocksIn(bodyOf(st), type);
      if (blocks.length === 0) continue;
      const pe: SEntry[] = [];
      for (const p of blocks) {
        const t = literalAttr(bodyOf(p), 'type');
        const ids = attribute(bodyOf(p), 'identifiers');
        if (t === undefined || !ids) return `a ${type} block is not literal`;
        pe.push({ key: t, value: hclTree(ids, text) });
      }
      se.push({ key, value: { kind: 'map', span: sspan, entries: pe } });
    }
    const conditions = blocksIn(bodyOf(st), 'condition');
    if (conditions.length > 0) {
      const byTest = new Map<string, SEntry[]>();
      for (const c of conditions) {
        const cb = bodyOf(c);
        const test = literalAttr(cb, 'test');
        const variable = literalAttr(cb, 'variable');
        const values = attribute(cb, 'values');
        if (test === undefined || variable === undefined || !values)
          return 'a condition block is not literal';
        const list = byTest.get(test) ?? [];
        list.push({ key: variable, value: hclTree(values, text) });
        byTest.set(test, list);
      }
      se.push({
        key: 'Condition',
        value: {
          kind: 'map',
          span: sspan,
          entries: [...byTest].map(([key, e]) => ({
            key,
            value: { kind: 'map', span: sspan, entries: e } satisfies SMap,
          })),
        },
      });
    }
    items.push({ kind: 'map', span: sspan, entries: se });
  }
  if (items.length === 0) return 'it has no statement block';
  const seq: SSeq = { kind: 'seq', span, items, layout: 'blocks', trailingComma: false };
  entries.push({ key: 'Statement', value: seq });
  return { kind: 'map', span, entries };
}

/** The source tree of a heredoc's JSON body, or why it cannot be read. */
function heredocTree(heredoc: Node, text: string): SNode | string {
  const k = kids(heredoc);
  const ids = k.filter((c) => c.type === 'heredoc_identifier');
  if (ids.length < 2) return 'the heredoc is not closed';
  const bodyStart = lineEnd(text, ids[0]!.endIndex);
  const bodyEnd = lineStart(text, ids[ids.length - 1]!.startIndex);
  if (
    k.some(
      (c) =>
        c.type === 'template_directive' ||
        c.type.startsWith('template_if') ||
        c.type.startsWith('template_for'),
    )
  ) {
    return 'the heredoc has template directives (%{ ... })';
  }
  let body = text.slice(bodyStart, bodyEnd);
  for (const c of k.filter((c) => c.type === 'template_interpolation')) {
    const s = c.startIndex - bodyStart;
    body =
      body.slice(0, s) +
      PLACEHOLDER.repeat(c.endIndex - c.startIndex) +
      body.slice(c.endIndex - bodyStart);
  }
  const parsed = parseTree(body, {
    lang: 'json',
    base: bodyStart,
    placeholder: PLACEHOLDER,
    fileText: text,
  });
  if (!parsed.ok) return `the heredoc is not JSON (${parsed.error})`;
  return parsed.root;
}

/** Where the policy document of a `policy` expression is, and how to read it again. */
interface DocRef {
  file: string;
  form: string;
  /** For a `data.aws_iam_policy_document`: its name. */
  dataName?: string;
  /** Reads the document from the tree already parsed (undefined: from the file's text). */
  now?: () => SNode | string;
  read(text: string, shift?: (offset: number) => number): Promise<SNode | string>;
}

/**
 * Reads every `.tf` file given and finds their policy documents.
 *
 * @param files - Absolute paths of `.tf` files, with their text.
 * @param options.within - Whether a file that `file()` names may be read (default: any file).
 */
export async function locateTerraform(
  files: readonly { path: string; text: string }[],
  options: { within?: (path: string) => boolean; overrides?: OverrideIndex } = {},
): Promise<TerraformSources> {
  const parser = await terraformParser();
  const sources: PolicySource[] = [];
  const unsupported: Unsupported[] = [];
  const parsed: TfFile[] = [];
  const trees: Tree[] = [];
  try {
    return await locateIn(parser, files, options, parsed, trees, sources, unsupported);
  } finally {
    for (const t of trees) t.delete();
  }
}

/** {@link locateTerraform}'s work; `trees` collects the trees to delete. */
async function locateIn(
  parser: Parser,
  files: readonly { path: string; text: string }[],
  options: { within?: (path: string) => boolean; overrides?: OverrideIndex },
  parsed: TfFile[],
  trees: Tree[],
  sources: PolicySource[],
  unsupported: Unsupported[],
): Promise<TerraformSources> {
  for (const f of files) {
    const tree = parser.parse(f.text);
    if (!tree) continue;
    if (tree.rootNode.hasError) {
      const err = tree.rootNode.descendantsOfType('ERROR')[0];
      unsupported.push({
        file: f.path,
        line: (err?.startPosition.row ?? 0) + 1,
        what: 'file',
        reason: 'the file does not parse as Terraform (syntax error); its policies are left alone',
      });
      tree.delete();
      continue;
    }
    parsed.push({ path: f.path, text: f.text, root: tree.rootNode });
    trees.push(tree);
  }
  // Policy documents by directory (a module) and name.
  const dataDocs = new Map<string, { file: TfFile; block: Node }>();
  for (const f of parsed) {
    for (const b of blocksIn(
      kids(f.root).find((c) => c.type === 'body'),
      'data',
    )) {
      const [type, name] = blockLabels(b);
      if (type === 'aws_iam_policy_document' && name)
        dataDocs.set(`${dirname(f.path)}\0${name}`, { file: f, block: b });
    }
  }
  const say = (file: string, node: Node, what: string, reason: string) =>
    unsupported.push({ file, line: node.startPosition.row + 1, what, reason });

  const docRef = (f: TfFile, expr: Node, what: string): DocRef | undefined => {
    const n = inner(expr);
    // Offsets, not nodes, outlive the trees (deleted when this function returns).
    const start = n.startIndex;
    if (n.type === 'heredoc_template') {
      return {
        file: f.path,
        form: 'heredoc',
        now: () => heredocTree(n, f.text),
        read: (text, shift) =>
          readAgain(
            parser,
            f.path,
            text,
            shift ? shift(start) : start,
            (m, t) => heredocTree(m, t),
            'heredoc_template',
          ),
      };
    }
    if (n.type === 'function_call') {
      const fn = kids(n)[0]?.text;
      const args = kids(kids(n).find((c) => c.type === 'function_arguments')).filter(
        (c) => c.type === 'expression',
      );
      if (fn === 'jsonencode' && args.length === 1) {
        return {
          file: f.path,
          form: 'jsonencode',
          now: () => hclTree(args[0]!, f.text),
          read: (text, shift) =>
            readAgain(
              parser,
              f.path,
              text,
              shift ? shift(start) : start,
              (m, t) => {
                const a = kids(kids(m).find((c) => c.type === 'function_arguments')).find(
                  (c) => c.type === 'expression',
                );
                return a ? hclTree(a, t) : 'jsonencode() has no argument';
              },
              'function_call',
            ),
        };
      }
      if (fn === 'file' && args.length === 1) {
        const target = filePath(args[0]!, f.path);
        if (typeof target === 'string' && options.within && !options.within(target)) {
          say(
            f.path,
            n,
            what,
            `file() reads ${target}, outside the given directories; not followed`,
          );
          return undefined;
        }
        if (typeof target !== 'string' || target === '') {
          say(
            f.path,
            n,
            what,
            'file() with a path that is not a literal (or ${path.module}/...) cannot be followed',
          );
          return undefined;
        }
        return {
          file: target,
          form: 'file',
          read: async (text) => {
            const p = parseTree(text, { lang: 'json' });
            return p.ok ? p.root : `${target} is not JSON (${p.error})`;
          },
        };
      }
      if (fn === 'templatefile') {
        say(
          f.path,
          n,
          what,
          'the document is rendered by templatefile() with variables; the template is left alone',
        );
        return undefined;
      }
      say(f.path, n, what, `the document is computed by ${fn ?? 'a function'}()`);
      return undefined;
    }
    const parts = n.text.split('.');
    if (
      parts.length === 4 &&
      parts[0] === 'data' &&
      parts[1] === 'aws_iam_policy_document' &&
      parts[3] === 'json'
    ) {
      const d = dataDocs.get(`${dirname(f.path)}\0${parts[2]}`);
      if (!d) {
        say(f.path, n, what, `${n.text} is not declared in this module's files`);
        return undefined;
      }
      const dataStart = d.block.startIndex;
      return {
        file: d.file.path,
        form: 'policy document',
        dataName: parts[2]!,
        now: () => policyDocumentTree(d.block, d.file.text),
        read: (text, shift) =>
          readAgain(
            parser,
            d.file.path,
            text,
            shift ? shift(dataStart) : dataStart,
            (m, t) => policyDocumentTree(m, t),
            'block',
          ),
      };
    }
    say(
      f.path,
      n,
      what,
      `the document comes from ${n.text.length > 60 ? 'an expression' : n.text} (a variable, local or other expression)`,
    );
    return undefined;
  };

  const add = async (
    f: TfFile,
    block: Node,
    address: string,
    resourceType: string,
    expr: Node,
    info: Pick<PolicySource, 'managed' | 'policyName' | 'principal' | 'principalKey'>,
  ) => {
    const ref = docRef(f, expr, address);
    if (!ref) return;
    // An override file that writes the resource, or the policy document it reads, decides with
    // this file what is deployed: not patched (terraform-overrides.ts).
    const [, resourceName = ''] = address.split('.');
    const over =
      options.overrides?.find(f.path, 'resource', resourceType, resourceName) ??
      (ref.dataName !== undefined
        ? options.overrides?.find(f.path, 'data', 'aws_iam_policy_document', ref.dataName)
        : undefined);
    if (over) {
      const what =
        over.kind === 'data'
          ? `data.aws_iam_policy_document.${ref.dataName}`
          : `${resourceType}.${resourceName}`;
      say(f.path, block, address, overriddenReason(what, over));
      return;
    }
    // lifecycle { ignore_changes = [policy] } (or all): an apply would not deploy the patch.
    const ignored = ignoredChange(
      block,
      address.includes('.inline_policy[') ? 'inline_policy' : 'policy',
    );
    if (ignored) {
      say(
        f.path,
        ignored,
        address,
        `its lifecycle ignore_changes lists ${ignored.text.trim() === 'all' ? 'all' : address.includes('.inline_policy[') ? 'inline_policy' : 'policy'}: terraform apply would not deploy a patch; not patched (remove it from ignore_changes first)`,
      );
      return;
    }
    // The text given for a file (a data source's in another file of the module) before the disk's.
    const docText =
      ref.file === f.path
        ? f.text
        : (files.find((x) => x.path === ref.file)?.text ??
          (await readFile(ref.file, 'utf8').catch(() => undefined)));
    if (docText === undefined) {
      say(f.path, expr, address, `${ref.file} cannot be read`);
      return;
    }
    const document = ref.now ? ref.now() : await ref.read(docText);
    if (typeof document === 'string') {
      say(ref.file === f.path ? f.path : ref.file, expr, address, document);
      return;
    }
    sources.push({
      tool: 'terraform',
      file: ref.file,
      declaredIn: f.path,
      line: block.startPosition.row + 1,
      address,
      stateKey: address.split('.inline_policy[')[0]!,
      resourceType,
      form: ref.form,
      ...info,
      document,
      reread: ref.read,
    });
  };

  for (const f of parsed) {
    const body = kids(f.root).find((c) => c.type === 'body');
    const resources = blocksIn(body, 'resource');
    const roleNames = new Map<string, string>();
    for (const r of resources) {
      const [type, name] = blockLabels(r);
      if (type === 'aws_iam_role' && name) {
        const n = literalAttr(bodyOf(r), 'name');
        if (n !== undefined) roleNames.set(name, n);
      }
    }
    for (const r of resources) {
      const [type = '', name = ''] = blockLabels(r);
      const rb = bodyOf(r);
      const address = `${type}.${name}`;
      const kind = POLICY_RESOURCES.get(type);
      if (!kind && type !== 'aws_iam_role') continue;
      const iterated = attribute(rb, 'for_each')
        ? 'for_each'
        : attribute(rb, 'count')
          ? 'count'
          : undefined;
      if (iterated && (kind || blocksIn(rb, 'inline_policy').length > 0)) {
        say(
          f.path,
          r,
          address,
          `the resource uses ${iterated}: one source stands for several policies`,
        );
        continue;
      }
      if (kind) {
        const expr = attribute(rb, 'policy');
        if (!expr) continue;
        let principal: PolicySource['principal'];
        let principalKey: string | undefined;
        if (kind.principal) {
          const pe = attribute(rb, kind.principal);
          const pn = pe ? inner(pe) : undefined;
          const literal = pn ? stringLitValue(pn) : undefined;
          const refParts = pn?.text.split('.') ?? [];
          const viaRef =
            refParts.length === 3 && refParts[0] === `aws_iam_${kind.principal}`
              ? roleNames.get(refParts[1]!)
              : undefined;
          const pname = literal ?? (kind.principal === 'role' ? viaRef : undefined);
          if (pname !== undefined) principal = { kind: kind.principal, name: pname };
          else if (refParts.length === 3 && refParts[0] === `aws_iam_${kind.principal}`) {
            principalKey = `${refParts[0]}.${refParts[1]}`;
          }
        }
        const policyName = literalAttr(rb, 'name');
        await add(f, r, address, type, expr, {
          managed: kind.managed,
          ...(policyName !== undefined ? { policyName } : {}),
          ...(principal ? { principal } : {}),
          ...(principalKey ? { principalKey } : {}),
        });
        continue;
      }
      // aws_iam_role: inline_policy blocks.
      if (blocksIn(rb, 'dynamic').some((d) => blockLabels(d)[0] === 'inline_policy')) {
        say(f.path, r, address, 'inline_policy is written as a dynamic block');
      }
      const roleName = literalAttr(rb, 'name');
      for (const [i, ip] of blocksIn(rb, 'inline_policy').entries()) {
        const expr = attribute(bodyOf(ip), 'policy');
        if (!expr) continue;
        const policyName = literalAttr(bodyOf(ip), 'name');
        await add(f, r, `${address}.inline_policy[${i}]`, 'aws_iam_role', expr, {
          managed: false,
          ...(policyName !== undefined ? { policyName } : {}),
          ...(roleName !== undefined ? { principal: { kind: 'role', name: roleName } } : {}),
          principalKey: address,
        });
      }
    }
  }
  const moduleCalls: ModuleCall[] = [];
  for (const f of parsed) {
    for (const m of blocksIn(
      kids(f.root).find((c) => c.type === 'body'),
      'module',
    )) {
      const src = literalAttr(bodyOf(m), 'source');
      if (src === undefined || !(src.startsWith('./') || src.startsWith('../'))) continue;
      moduleCalls.push({
        dir: resolve(dirname(f.path), src),
        file: f.path,
        line: m.startPosition.row + 1,
        address: `module.${blockLabels(m)[0] ?? ''}`,
        iterated:
          attribute(bodyOf(m), 'count') !== undefined ||
          attribute(bodyOf(m), 'for_each') !== undefined,
      });
    }
  }
  return { sources, unsupported, moduleCalls };
}

/**
 * The `ignore_changes` expression of `resource`'s `lifecycle` block when it lists `attr` or is
 * `all`; `undefined` otherwise. Entries are attribute names, bare or (Terraform 0.11) quoted; an
 * entry that is neither (an index, `policy[0]`) is taken as listing its first name.
 */
function ignoredChange(resource: Node, attr: string): Node | undefined {
  for (const lifecycle of blocksIn(bodyOf(resource), 'lifecycle')) {
    const expr = attribute(bodyOf(lifecycle), 'ignore_changes');
    if (!expr) continue;
    const value = inner(expr);
    if (value.text.trim() === 'all' || stringLitValue(value) === 'all') return value;
    const items: Node[] = [];
    const stack: Node[] = [value];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.type === 'expression' && n.parent?.type === 'tuple') items.push(n);
      else stack.push(...kids(n));
    }
    for (const item of items) {
      const literal = stringLitValue(inner(item));
      const name = (literal ?? item.text).trim().split(/[.[\s]/)[0];
      if (name === attr) return value;
    }
  }
  return undefined;
}

/** The path of `file("...")`, relative to the `.tf` file's directory; null when not literal. */
function filePath(arg: Node, tfFile: string): string | null {
  const n = inner(arg);
  const literal = stringLitValue(n);
  if (literal !== undefined) return join(dirname(tfFile), literal);
  if (n.type !== 'quoted_template') return null;
  // Only "${path.module}/..." is followed.
  const parts = kids(n).filter(
    (c) => c.type !== 'quoted_template_start' && c.type !== 'quoted_template_end',
  );
  if (
    parts.length !== 2 ||
    parts[0]!.type !== 'template_interpolation' ||
    parts[1]!.type !== 'template_literal'
  )
    return null;
  const ref = kids(parts[0]).find((c) => c.type === 'expression')?.text;
  if (ref !== 'path.module') return null;
  return join(dirname(tfFile), parts[1]!.text);
}

/** Parses a patched `.tf` text again and reads the node of `type` that starts at `start`. */
async function readAgain(
  parser: Parser,
  file: string,
  text: string,
  start: number,
  read: (n: Node, text: string) => SNode | string,
  type: string,
): Promise<SNode | string> {
  const tree = parser.parse(text);
  if (!tree) return `${file} could not be parsed`;
  try {
    if (tree.rootNode.hasError) return `${file} does not parse as Terraform any more`;
    // The node starts where it did: edits are all inside or after it.
    const found = tree.rootNode.descendantForIndex(start);
    let n: Node | null = found;
    while (n && !(n.type === type && n.startIndex === start)) n = n.parent;
    if (!n) return `the ${type} at offset ${start} of ${file} is not there any more`;
    return read(n, text);
  } finally {
    tree.delete();
  }
}
