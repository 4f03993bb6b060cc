/**
 * Turns a refinement of a policy document into text edits of the source the document is written
 * in: per changed statement, its action list is rewritten (entries removed, wildcards replaced in
 * place, NotAction entries added at the end), dropped statements are removed, and nothing else is
 * touched. The planned list of each statement is checked against the refined document before any
 * edit is returned.
 */
import type { Refinement } from '../refine/types.js';
import { describe, isDeployTime, sourceStatements, type SourceStatement } from './document.js';
import { endOfLine, indentAt, renderString, rewriteList, type ListOp } from './rewrite-list.js';
import type { Edit, SNode, Span, SStr } from './types.js';

/** The action list of a refined statement, as a list. */
function refinedActions(statement: unknown, key: 'Action' | 'NotAction'): string[] | undefined {
  if (typeof statement !== 'object' || statement === null) return undefined;
  const v = (statement as Record<string, unknown>)[key];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

/** The refined statements, in order. */
function refinedStatements(policy: Record<string, unknown> | null): unknown[] {
  const s = policy?.Statement;
  return Array.isArray(s) ? s : s === undefined ? [] : [s];
}

/**
 * The edits of `text` that make the document `doc` (written in `text`) say what `refinement`
 * recommends, or why that cannot be done safely.
 */
export function planEdits(
  text: string,
  doc: SNode,
  refinement: Refinement,
  windows?: readonly (Window | null)[],
): Edit[] | string {
  if (refinement.recommendedAction !== 'CREATE_POLICY' || refinement.policy === null) {
    return refinement.recommendedAction === 'DETACH_POLICY'
      ? 'nothing the policy allows is used: the recommendation is to remove the policy, which is left to you'
      : 'nothing to change';
  }
  const read = sourceStatements(doc);
  if (typeof read === 'string') return read;
  const { list, statements } = read;
  if (statements.length !== refinement.statements.length) {
    return `the source has ${statements.length} statements, the refinement ${refinement.statements.length}`;
  }
  const refined = refinedStatements(refinement.policy);
  const edits: Edit[] = [];
  const statementOps: ListOp[] = [];
  let j = 0;
  for (const [i, st] of statements.entries()) {
    const change = refinement.statements[i]!;
    if (change.outcome === 'dropped') {
      if (!list) return 'the only statement would be removed';
      statementOps.push({ kind: 'drop' });
      continue;
    }
    const r = j++;
    const refinedStatement = refined[r];
    // A part of a split keeps a window of the refined statement's entries, or none of them.
    const w = windows === undefined ? undefined : (windows[r] ?? null);
    if (w === null || (w !== undefined && w.from >= w.to)) {
      if (!list) return 'the only statement would be removed';
      statementOps.push({ kind: 'drop' });
      continue;
    }
    statementOps.push({ kind: 'keep' });
    if (change.outcome === 'unchanged' && w === undefined) continue;
    // The NotAction form: an `Action` that allows everything becomes `NotAction` of the unused.
    const renamed =
      change.actionKey === 'Action' &&
      refinedActions(refinedStatement, 'Action') === undefined &&
      refinedActions(refinedStatement, 'NotAction') !== undefined;
    const target = refinedActions(refinedStatement, renamed ? 'NotAction' : change.actionKey);
    if (!target) return `statement ${i}: the refined statement has no ${change.actionKey} list`;
    if (st.actionKey !== change.actionKey)
      return `statement ${i}: ${st.actionKey} in the source, ${change.actionKey} in the policy`;
    const whole = w === undefined || (w.from === 0 && w.to >= target.length);
    if (change.outcome === 'unchanged' && whole) continue;
    if (renamed) {
      if (!whole) return `statement ${i}: a NotAction list cannot be cut`;
      const planned = asNotAction(text, st, target);
      if (typeof planned === 'string') return `statement ${i}: ${planned}`;
      edits.push(...planned);
      continue;
    }
    // What happens to each source entry: the first unused change with the same text.
    const pending = [...change.entries];
    const opFor = (value: string): ListOp => {
      const k = pending.findIndex((c) => c.entry === value);
      if (k < 0) return { kind: 'keep' };
      const c = pending.splice(k, 1)[0]!;
      return c.kind === 'removed' ? { kind: 'drop' } : { kind: 'replace', entries: c.replacement };
    };
    const append = change.added.filter((a) => a.replaces === null).map((a) => a.entry);
    const node = st.actions;
    let planned: string[];
    if (node.kind === 'seq') {
      const bad = node.items.find((item) => item.kind !== 'str' || isDeployTime(item));
      if (bad)
        return `statement ${i}: the ${st.actionKey} list has ${describe(bad)} (actions built from variables or expressions)`;
      const items = node.items as SStr[];
      let ops = items.map((item) => opFor(item.value));
      planned = [];
      ops.forEach((op, k) => {
        if (op.kind === 'keep') planned.push(items[k]!.value);
        else if (op.kind === 'replace') planned.push(...op.entries);
      });
      planned.push(...append);
      if (!sameList(planned, target))
        return `statement ${i}: internal: the planned list differs from the refined one`;
      let appended = append;
      if (!whole) [ops, appended] = windowed(ops, append, w!);
      const like = items[0]!;
      try {
        edits.push(...rewriteList(text, node, ops, appended, (v) => renderString(v, like)));
      } catch (error) {
        return `statement ${i}: ${(error as Error).message}`;
      }
    } else if (node.kind === 'str' && !node.template) {
      const op = opFor(node.value);
      planned = op.kind === 'keep' ? [node.value] : op.kind === 'replace' ? [...op.entries] : [];
      planned.push(...append);
      if (!sameList(planned, target))
        return `statement ${i}: internal: the planned list differs from the refined one`;
      edits.push(scalarEdit(text, node, whole ? planned : planned.slice(w!.from, w!.to)));
    } else {
      return `statement ${i}: ${st.actionKey} is ${describe(node)} (actions built from variables or expressions)`;
    }
  }
  if (list && statementOps.some((op) => op.kind === 'drop')) {
    try {
      edits.push(...rewriteList(text, list, statementOps, [], (v) => v));
    } catch (error) {
      return `statements: ${(error as Error).message}`;
    }
  }
  return edits;
}

/**
 * The edits that turn the `Action` list of `st` into a `NotAction` list of `entries`: the key is
 * renamed as written (`"Action"` → `"NotAction"`, `actions` → `not_actions` in a policy document
 * block) and the whole list is replaced, in the list's style.
 */
function asNotAction(
  text: string,
  st: SourceStatement,
  entries: readonly string[],
): Edit[] | string {
  const member = st.node.entries.find((e) => e.key === 'Action');
  if (!member?.keySpan) return 'where its Action key is written is not known';
  const written = text.slice(member.keySpan.start, member.keySpan.end);
  const renamed =
    written === 'actions'
      ? 'not_actions'
      : written.includes('Action')
        ? written.replace('Action', 'NotAction')
        : undefined;
  if (renamed === undefined) return `its Action key is written as ${JSON.stringify(written)}`;
  if (entries.length === 0) return 'the NotAction list would be empty';
  // `actions   = [...]` aligned with the other attributes: the longer name takes spaces first.
  let spaces = 0;
  while (text[member.keySpan.end + spaces] === ' ') spaces++;
  const aligned = renamed === 'not_actions' && text[member.keySpan.end + spaces] === '=';
  const edits: Edit[] = [
    aligned
      ? {
          start: member.keySpan.start,
          end: member.keySpan.end + spaces,
          text: renamed + ' '.repeat(Math.max(1, spaces - 4)),
        }
      : { ...member.keySpan, text: renamed },
  ];
  const node = st.actions;
  if (node.kind === 'seq') {
    const bad = node.items.find((item) => item.kind !== 'str' || isDeployTime(item));
    if (bad) return `the Action list has ${describe(bad)}`;
    const oneLine = !text.slice(node.span.start, node.span.end).includes('\n');
    if (node.items.length === 1 && entries.length > 1 && oneLine && node.layout !== 'blocks') {
      // `["*"]` becomes a list with one entry per line (hundreds of entries on one line are not
      // reviewable); a YAML block sequence already has one entry per line.
      if (node.layout !== 'yaml-block') {
        edits.push(bracketList(text, node.span, entries, node.items[0] as SStr));
        return edits;
      }
    }
    const ops: ListOp[] = node.items.map((_, k) =>
      k === 0 ? { kind: 'replace', entries } : { kind: 'drop' },
    );
    const like = node.items[0] as SStr;
    try {
      edits.push(...rewriteList(text, node, ops, [], (v) => renderString(v, like)));
    } catch (error) {
      return (error as Error).message;
    }
  } else if (node.kind === 'str' && !node.template) {
    edits.push(scalarEdit(text, node, entries));
  } else {
    return `Action is ${describe(node)}`;
  }
  return edits;
}

/** The entries `[from, to)` of a refined statement's list (one part of a split). */
export interface Window {
  from: number;
  to: number;
}

/** `ops` and `append` narrowed to the output entries inside `w`. */
function windowed(
  ops: readonly ListOp[],
  append: readonly string[],
  w: Window,
): [ListOp[], string[]] {
  let pos = 0;
  const inside = (): boolean => {
    const ok = pos >= w.from && pos < w.to;
    pos++;
    return ok;
  };
  const out = ops.map((op): ListOp => {
    if (op.kind === 'drop') return op;
    if (op.kind === 'keep') return inside() ? op : { kind: 'drop' };
    const kept = op.entries.filter(() => inside());
    return kept.length > 0 ? { kind: 'replace', entries: kept } : { kind: 'drop' };
  });
  return [out, append.filter(() => inside())];
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Replaces a single-string action by `entries`: a string again when one, else a list. */
function scalarEdit(text: string, node: SStr, entries: readonly string[]): Edit {
  if (entries.length === 1) return { ...node.span, text: renderString(entries[0]!, node) };
  const eol = endOfLine(text);
  const indent = indentAt(text, node.span.start);
  const unit = indent.includes('\t') ? '\t' : '  ';
  if (node.lang === 'yaml' && node.afterColon !== undefined) {
    return {
      start: node.afterColon,
      end: node.span.end,
      text: entries.map((e) => `${eol}${indent}${unit}- ${renderString(e, node)}`).join(''),
    };
  }
  return bracketList(text, node.span, entries, node);
}

/**
 * `span` replaced by a bracketed list of `entries`, one per line, indented one unit more than the
 * line (YAML: the brackets one unit more, the entries two).
 */
function bracketList(text: string, span: Span, entries: readonly string[], like: SStr): Edit {
  const eol = endOfLine(text);
  const indent = indentAt(text, span.start);
  const unit = indent.includes('\t') ? '\t' : '  ';
  // YAML flow content must be indented more than the block collection around it.
  const close = like.lang === 'yaml' ? indent + unit : indent;
  const lines = entries.map((e) => `${close}${unit}${renderString(e, like)}`);
  return { ...span, text: `[${eol}${lines.join(`,${eol}`)}${eol}${close}]` };
}
