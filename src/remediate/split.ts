/**
 * The split form written into a CloudFormation template (DESIGN.md, "Forms"): a refined policy too
 * large for one customer managed policy becomes the original `AWS::IAM::ManagedPolicy` holding the
 * first part and copies of its resource next to it holding the others (`<LogicalId>Part2`, ...),
 * each with the original's `Roles`/`Users`/`Groups` as written and its `ManagedPolicyName` (when it
 * has one) followed by `-part-N`. Every part is the original's text with its action lists cut to the
 * part's entries (src/remediate/patch.ts with windows), so comments, quoting and deploy-time
 * expressions are the original's. Anything that would make the copies unsafe (the resource named
 * elsewhere in the template, a computed name) is refused with the reason.
 */
import type { Split } from '../refine/forms/split.js';
import type { Refinement } from '../refine/types.js';
import { planEdits, type Window } from './patch.js';
import {
  applyEdits,
  endOfLine,
  indentAt,
  lineEnd,
  lineStart,
  renderString,
} from './rewrite-list.js';
import type { Edit, PolicySource } from './types.js';

/**
 * Per part of `split`, per refined statement: the window of its entries the part holds (null: none).
 * The parts hold the statements in order and a cut statement's entries in order (split.ts).
 */
export function splitWindows(split: Split): (Window | null)[][] {
  const placed = new Map<number, number>();
  return split.parts.map((part, p) => {
    const windows: (Window | null)[] = [];
    const statements = part.Statement as Record<string, unknown>[];
    statements.forEach((st, s) => {
      const r = split.origins[p]![s]!;
      while (windows.length < r) windows.push(null);
      if (!Array.isArray(st.Action)) {
        windows[r] = { from: 0, to: Number.POSITIVE_INFINITY };
        return;
      }
      const from = placed.get(r) ?? 0;
      windows[r] = { from, to: from + st.Action.length };
      placed.set(r, from + st.Action.length);
    });
    return windows;
  });
}

/** The logical IDs of the parts after the first, for a resource `logicalId`. */
export function partIds(logicalId: string, parts: number): string[] {
  return Array.from({ length: parts - 1 }, (_, k) => `${logicalId}Part${k + 2}`);
}

/**
 * The edits of a template that write `split` (the parts of `refinement.policy`) for the managed
 * policy `source`, or why that cannot be done safely.
 */
export function planSplit(
  text: string,
  source: PolicySource,
  refinement: Refinement,
  split: Split,
): Edit[] | string {
  const res = source.cfnResource;
  if (!res) return 'only an AWS::IAM::ManagedPolicy of a CloudFormation template is split';
  let named = 0;
  for (let k = text.indexOf(res.logicalId); k >= 0; k = text.indexOf(res.logicalId, k + 1)) named++;
  if (named > 1) {
    return `${res.logicalId} is named elsewhere in the template (a Ref, GetAtt, DependsOn or a longer ID): new parts would not be attached or ordered as it is`;
  }
  const name = res.name;
  if (name && (name.kind !== 'str' || name.template)) {
    return 'its ManagedPolicyName is an expression: the new parts need names of their own';
  }
  const written = text.slice(res.keySpan.start, res.keySpan.end);
  if (!written.includes(res.logicalId)) return `its logical ID is written as ${written}`;
  const windows = splitWindows(split);
  const first = planEdits(text, source.document, refinement, windows[0]);
  if (typeof first === 'string') return first;
  const eol = endOfLine(text);
  const start = res.lang === 'yaml' ? lineStart(text, res.keySpan.start) : res.keySpan.start;
  let last = res.span.end;
  while (last > start && ' \t\r\n'.includes(text[last - 1]!)) last--;
  const end = res.lang === 'yaml' ? lineEnd(text, last - 1) : last;
  const copies: string[] = [];
  const ids = partIds(res.logicalId, split.parts.length);
  for (const [k, id] of ids.entries()) {
    if (text.includes(id)) return `${id} is already in the template`;
    const edits = planEdits(text, source.document, refinement, windows[k + 1]);
    if (typeof edits === 'string') return edits;
    edits.push({ ...res.keySpan, text: written.replace(res.logicalId, id) });
    if (name?.kind === 'str') {
      edits.push({ ...name.span, text: renderString(`${name.value}-part-${k + 2}`, name) });
    }
    if (!edits.every((e) => e.start >= start && e.end <= end)) {
      return 'internal: an edit of a part lies outside its resource';
    }
    const delta = edits.reduce((n, e) => n + e.text.length - (e.end - e.start), 0);
    let copy = applyEdits(text, edits).slice(start, end + delta);
    if (res.lang === 'yaml' && !copy.endsWith('\n')) copy += eol;
    copies.push(copy);
  }
  const insert =
    res.lang === 'yaml'
      ? (text.slice(start, end).endsWith('\n') ? '' : eol) + copies.map((c) => eol + c).join('')
      : copies.map((c) => `,${eol}${indentAt(text, res.keySpan.start)}${c}`).join('');
  return [...first, { start: end, end, text: insert }];
}
