/**
 * A policy document as written in a source ({@link SNode}) against the document AWS has: matching
 * them (normalised as IAM reads them: a single string is a one-element list, the order of actions,
 * resources and condition values does not matter, a single statement object is a one-element
 * list), binding each expression only known when deployed (a reference, `${...}`, `!Sub`) to the
 * value it had, and resolving a source tree back into the document with those bindings.
 */
import { IamRefineError } from '../errors.js';
import { defineKey } from '../policy/copy.js';
import type { SMap, SNode, SSeq, SStr } from './types.js';

/** Expression text (as written) → the JSON text of the value it had when scanned. */
export type Bindings = Map<string, string>;

/** The keys whose value IAM reads as a set of strings (string = one-element list). */
const SET_KEYS: ReadonlySet<string> = new Set(['Action', 'NotAction', 'Resource', 'NotResource']);

/** Whether `value` is a plain object. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entry `key` of a map node. */
export function entry(map: SMap, key: string): SNode | undefined {
  return map.entries.find((e) => e.key === key)?.value;
}

/** Whether a node's value is only known when deployed. */
export function isDeployTime(node: SNode): boolean {
  return node.kind === 'opaque' || (node.kind === 'str' && node.template);
}

/**
 * Whether the source tree `node` is the document `value` (normalised), binding every deploy-time
 * expression to what it stands for; `bindings` is only extended when the whole match succeeds.
 */
export function matchDocument(node: SNode, value: unknown, bindings: Bindings): boolean {
  const local = new Map(bindings);
  if (!matchValue(node, value, local, 'document')) return false;
  for (const [k, v] of local) bindings.set(k, v);
  return true;
}

type Context = 'document' | 'statement' | 'set' | 'condition-ops' | 'condition-keys' | 'value';

/** How the value of `key` inside a `ctx` object is compared. */
function childContext(ctx: Context, key: string): Context {
  if (ctx === 'statement' && SET_KEYS.has(key)) return 'set';
  if (ctx === 'statement' && key === 'Condition') return 'condition-ops';
  // {"AWS": "arn"} is {"AWS": ["arn"]}.
  if (ctx === 'statement' && (key === 'Principal' || key === 'NotPrincipal'))
    return 'condition-keys';
  if (ctx === 'condition-ops') return 'condition-keys';
  if (ctx === 'condition-keys') return 'set';
  return 'value';
}

function bind(node: SNode, value: unknown, bindings: Bindings): boolean {
  const text = node.kind === 'opaque' ? node.text : node.kind === 'str' ? node.value : '';
  if (node.kind === 'str') {
    // A template's literal parts must be there: the text before the first and after the last
    // interpolation.
    if (typeof value !== 'string') return false;
    const first = text.indexOf('${');
    const last = text.lastIndexOf('}');
    const head = first < 0 ? text : text.slice(0, first);
    const tail = last < 0 ? '' : text.slice(last + 1);
    if (
      !value.startsWith(head) ||
      !value.endsWith(tail) ||
      value.length < head.length + tail.length
    ) {
      return false;
    }
  }
  const json = JSON.stringify(value);
  const bound = bindings.get(text);
  if (bound !== undefined) return bound === json;
  bindings.set(text, json);
  return true;
}

function scalarEquals(node: SNode, value: unknown): boolean {
  if (node.kind === 'str')
    return typeof value === 'string' ? node.value === value : String(value) === node.value;
  if (node.kind === 'lit') {
    if (typeof value === 'string') return String(node.value) === value;
    return node.value === value;
  }
  return false;
}

function matchValue(node: SNode, value: unknown, b: Bindings, ctx: Context): boolean {
  if (isDeployTime(node)) return bind(node, value, b);
  if (ctx === 'set') {
    const values = Array.isArray(value) ? value : [value];
    const items = node.kind === 'seq' ? node.items : [node];
    return matchUnordered(items, values, b);
  }
  if (node.kind === 'map') {
    if (!isRecord(value)) return false;
    if (Object.keys(value).length !== node.entries.length) return false;
    for (const e of node.entries) {
      if (!Object.hasOwn(value, e.key)) return false;
      const v = value[e.key];
      const ok =
        ctx === 'document' && e.key === 'Statement'
          ? matchStatements(e.value, v, b)
          : matchValue(e.value, v, b, childContext(ctx, e.key));
      if (!ok) return false;
    }
    return true;
  }
  if (node.kind === 'seq') {
    if (!Array.isArray(value) || value.length !== node.items.length) return false;
    return node.items.every((item, i) => matchValue(item, value[i], b, 'value'));
  }
  return scalarEquals(node, value);
}

function matchStatements(node: SNode, value: unknown, b: Bindings): boolean {
  if (isDeployTime(node)) return bind(node, value, b);
  const values = Array.isArray(value) ? value : [value];
  const items = node.kind === 'seq' ? node.items : [node];
  if (items.length !== values.length) return false;
  return items.every((item, i) => matchValue(item, values[i], b, 'statement'));
}

/** Literal entries are matched as a multiset; deploy-time entries then take the rest in order. */
function matchUnordered(items: readonly SNode[], values: readonly unknown[], b: Bindings): boolean {
  // An opaque node standing for the whole list.
  if (items.length === 1 && items[0]!.kind === 'opaque')
    return bind(items[0]!, values.length === 1 ? values[0] : values, b);
  if (items.length !== values.length) return false;
  const left = [...values];
  const rest: SNode[] = [];
  for (const item of items) {
    if (item.kind === 'str' && !item.template) {
      const i = left.findIndex((v) => typeof v === 'string' && v === item.value);
      if (i < 0) return false;
      left.splice(i, 1);
    } else if (item.kind === 'lit') {
      const i = left.findIndex((v) => scalarEquals(item, v));
      if (i < 0) return false;
      left.splice(i, 1);
    } else rest.push(item);
  }
  return rest.every((item, i) => matchValue(item, left[i], b, 'value'));
}

/**
 * The document a source tree stands for, with every deploy-time expression replaced by its bound
 * value (key order and shapes as written in the source).
 *
 * @throws IamRefineError naming an expression that has no binding.
 */
export function resolveDocument(node: SNode, bindings: Bindings): unknown {
  switch (node.kind) {
    case 'opaque':
    case 'str': {
      if (node.kind === 'str' && !node.template) return node.value;
      const text = node.kind === 'opaque' ? node.text : node.value;
      const bound = bindings.get(text);
      if (bound === undefined)
        throw new IamRefineError(`no value known for ${JSON.stringify(text)}`);
      return JSON.parse(bound) as unknown;
    }
    case 'lit':
      return node.value;
    case 'seq':
      return node.items.map((i) => resolveDocument(i, bindings));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const e of node.entries) defineKey(out, e.key, resolveDocument(e.value, bindings));
      return out;
    }
  }
}

/** One statement of a source document and its action list. */
export interface SourceStatement {
  node: SMap;
  actionKey: 'Action' | 'NotAction';
  /** The action list: a list, a single string, or something that cannot be rewritten. */
  actions: SSeq | SStr | SNode;
}

/** The statements of a source document, or why they cannot be read for rewriting. */
export function sourceStatements(
  root: SNode,
): { list: SSeq | undefined; statements: SourceStatement[] } | string {
  if (root.kind !== 'map') return `the document is ${describe(root)}, not an object`;
  const st = entry(root, 'Statement');
  if (!st) return 'the document has no Statement';
  if (st.kind !== 'seq' && st.kind !== 'map') return `"Statement" is ${describe(st)}`;
  const items = st.kind === 'seq' ? st.items : [st];
  const statements: SourceStatement[] = [];
  for (const [i, item] of items.entries()) {
    if (item.kind !== 'map') return `statement ${i} is ${describe(item)}`;
    const action = entry(item, 'Action');
    const notAction = entry(item, 'NotAction');
    const actionKey = action ? 'Action' : 'NotAction';
    const actions = action ?? notAction;
    if (!actions) return `statement ${i} has no Action or NotAction`;
    statements.push({ node: item, actionKey, actions });
  }
  return { list: st.kind === 'seq' ? st : undefined, statements };
}

/** A short description of a node for messages. */
export function describe(node: SNode): string {
  switch (node.kind) {
    case 'opaque':
      return node.what;
    case 'str':
      return node.template ? 'a template with interpolations' : 'a string';
    case 'lit':
      return 'a literal value';
    case 'seq':
      return 'a list';
    case 'map':
      return 'an object';
  }
}

/**
 * A document in one canonical shape, for comparing two writings of the same policy: `Statement` a
 * list; in each statement the keys sorted, `Resource`/`NotResource` and condition values sorted
 * lists, `Principal` values sorted lists (action lists are left as they are: the proof reads them
 * as sets).
 */
export function canonicalDocument(doc: unknown): unknown {
  if (!isRecord(doc)) return doc;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(doc).sort()) {
    const v = doc[key];
    if (key === 'Statement') {
      const list = Array.isArray(v) ? v : [v];
      defineKey(out, key, list.map(canonicalStatement));
    } else defineKey(out, key, v);
  }
  return out;
}

function sortedList(v: unknown): unknown {
  const list = Array.isArray(v) ? [...(v as unknown[])] : [v];
  return list.every((x) => typeof x === 'string') ? (list as string[]).sort() : list;
}

function canonicalStatement(st: unknown): unknown {
  if (!isRecord(st)) return st;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(st).sort()) {
    const v = st[key];
    if (key === 'Resource' || key === 'NotResource') defineKey(out, key, sortedList(v));
    else if ((key === 'Principal' || key === 'NotPrincipal') && isRecord(v)) {
      const p: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) defineKey(p, k, sortedList(v[k]));
      defineKey(out, key, p);
    } else if (key === 'Condition' && isRecord(v)) {
      const c: Record<string, unknown> = {};
      for (const op of Object.keys(v).sort()) {
        const inner = v[op];
        if (!isRecord(inner)) {
          defineKey(c, op, inner);
          continue;
        }
        const m: Record<string, unknown> = {};
        for (const k of Object.keys(inner).sort()) defineKey(m, k, sortedList(inner[k]));
        defineKey(c, op, m);
      }
      defineKey(out, key, c);
    } else defineKey(out, key, v);
  }
  return out;
}
