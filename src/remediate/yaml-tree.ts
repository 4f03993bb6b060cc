/**
 * Reads JSON and YAML text (CloudFormation templates, policy files of Terraform's `file()`, the
 * JSON of a heredoc) into a source tree ({@link SNode}) that keeps where every value is, with the
 * `yaml` package's Document API (YAML 1.2 is a superset of JSON, so one parser serves both and
 * gives every node its range).
 *
 * CloudFormation intrinsic functions, short (`!Sub`, `!If`, ...) or long (`{"Fn::Sub": ...}`,
 * `{"Ref": ...}`), become opaque nodes: their value is only known when the stack is deployed.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { SNode, SourceLang, Span } from './types.js';

/** A parsed text: its tree, or the parser's first error. */
export type ParsedTree =
  { ok: true; root: SNode; doc: Document } | { ok: false; error: string; line: number };

/** Options of {@link parseTree}. */
export interface ParseTreeOptions {
  /** `json` (a JSON file or heredoc) or `yaml`. */
  lang: 'json' | 'yaml';
  /** Added to every offset (the position of the text inside the file). */
  base?: number;
  /**
   * Characters that stand for a Terraform interpolation (the heredoc body is parsed with each
   * `${...}` replaced by as many of this character): a string containing it is a template, whose
   * value is the file text of its span (`fileText`).
   */
  placeholder?: string;
  /** The whole file, for templates. */
  fileText?: string;
}

/** Parses `text` into a source tree. */
export function parseTree(text: string, options: ParseTreeOptions): ParsedTree {
  const doc = parseDocument(text, {
    uniqueKeys: true,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  const error = doc.errors[0];
  if (error) {
    return {
      ok: false,
      error: error.message.split('\n')[0] ?? error.message,
      line: error.linePos?.[0].line ?? 1,
    };
  }
  if (doc.contents === null) return { ok: false, error: 'the file is empty', line: 1 };
  const base = options.base ?? 0;
  const lang: SourceLang = options.lang;
  const fileText = options.fileText ?? text;
  const span = (n: YamlNode): Span => {
    const r = n.range ?? [0, 0, 0];
    let end = r[1];
    while (end > r[0] && /\s/.test(text[end - 1] ?? '')) end--;
    return { start: r[0] + base, end: end + base };
  };
  const opaque = (n: YamlNode, what: string): SNode => {
    const s = span(n);
    const tag = n.tag && n.tag.startsWith('!') ? n.tag : '';
    // The tag is written before the node's range.
    const text0 = fileText.slice(s.start, s.end);
    return { kind: 'opaque', span: s, text: tag ? `${tag} ${text0}` : text0, what };
  };
  const convert = (n: unknown, blockParent: { afterColon: number } | undefined): SNode => {
    const node = n as YamlNode;
    // An alias (*name) stands for another node: read as opaque, so it is never rewritten.
    if (isAlias(node)) return opaque(node, 'a YAML alias');
    if (node.tag && node.tag.startsWith('!')) {
      return opaque(node, `the intrinsic function ${node.tag}`);
    }
    if (isScalar(node)) {
      const s = span(node);
      const v = node.value;
      if (typeof v === 'string') {
        const quote = node.type === 'QUOTE_DOUBLE' ? '"' : node.type === 'QUOTE_SINGLE' ? "'" : '';
        const template = options.placeholder !== undefined && v.includes(options.placeholder);
        const value = template ? fileText.slice(s.start + quote.length, s.end - quote.length) : v;
        return {
          kind: 'str',
          span: s,
          value,
          template,
          lang,
          quote,
          ...(blockParent ? { afterColon: blockParent.afterColon } : {}),
        };
      }
      if (typeof v === 'number' || typeof v === 'boolean' || v === null) {
        return { kind: 'lit', span: s, value: v };
      }
      return opaque(node, 'a value of an unsupported type');
    }
    if (isSeq(node)) {
      const items = node.items.map((i) => convert(i, undefined));
      const last = items[items.length - 1];
      let trailingComma = false;
      if (node.flow && last) {
        let i = last.span.end - base;
        while (i < text.length && /\s/.test(text[i]!)) i++;
        trailingComma = text[i] === ',';
      }
      return {
        kind: 'seq',
        span: span(node),
        items,
        layout: lang === 'json' ? 'json' : node.flow ? 'yaml-flow' : 'yaml-block',
        trailingComma,
      };
    }
    if (isMap(node)) {
      const pairs = node.items.filter(isPair);
      if (pairs.length === 1) {
        const k = pairs[0]!.key;
        const key = isScalar(k) ? String(k.value) : '';
        if (key === 'Ref' || key.startsWith('Fn::'))
          return opaque(node, `the intrinsic function ${key}`);
      }
      const entries = pairs.map((p) => {
        const k = p.key as YamlNode | null;
        const key = k && isScalar(k) ? String(k.value) : '';
        let parent: { afterColon: number } | undefined;
        if (!node.flow && k?.range) {
          const colon = text.indexOf(':', k.range[1]);
          if (colon >= 0) parent = { afterColon: colon + 1 + base };
        }
        const value: SNode =
          p.value === null
            ? {
                kind: 'lit',
                span: { start: (k?.range?.[1] ?? 0) + base, end: (k?.range?.[1] ?? 0) + base },
                value: null,
              }
            : convert(p.value, parent);
        return {
          key,
          value,
          ...(k?.range ? { keySpan: { start: k.range[0] + base, end: k.range[1] + base } } : {}),
        };
      });
      return { kind: 'map', span: span(node), entries };
    }
    return opaque(node, 'an unsupported YAML node');
  };
  return { ok: true, root: convert(doc.contents, undefined), doc };
}
