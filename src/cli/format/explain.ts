/**
 * The `explain` format: the refinement told for a person. A header (policy, catalog version,
 * recommended action), then per statement what happened: the unused actions removed, grouped by
 * access level; each replaced wildcard with its prefix trie drawn as an indented tree, every node
 * marked safe or unsafe (the article's figure, in text); the exclusions a NotAction statement
 * gained; then warnings, the policy size and the exactness proof.
 */
import { ACCESS_LEVELS, type AccessLevel } from '../../catalog/catalog.js';
import type { Refinement, StatementChange, TrieNode } from '../../refine/types.js';
import { formatSize, groupDigits, type SizeReport } from '../../policy/size.js';

/** Default of {@link ExplainFormatOptions.maxTreeLines}. */
export const DEFAULT_MAX_TREE_LINES = 200;

/** Options of {@link formatExplain}. */
export interface ExplainFormatOptions {
  /** The policy file as given (`<stdin>` for `-`). */
  source?: string;
  /** At most this many lines per drawn trie; the rest is summarised as `… N more nodes`. */
  maxTreeLines?: number;
  /** Size of the policy that stays attached, when known. */
  size?: SizeReport | null;
  /** The form chosen (`--style`) and why, when known. */
  form?: { form: string; reason: string };
}

/** Width at which lists of actions are wrapped. */
const WIDTH = 100;

/** Renders the whole explanation, ending with a newline. */
export function formatExplain(refinement: Refinement, options: ExplainFormatOptions = {}): string {
  const maxTreeLines = options.maxTreeLines ?? DEFAULT_MAX_TREE_LINES;
  const changed = refinement.statements.filter((s) => s.outcome !== 'unchanged').length;
  const out: string[] = [
    `policy:  ${options.source ?? '<input>'}`,
    `catalog: ${refinement.catalogVersion}`,
    `recommended action: ${refinement.recommendedAction} (${actionSummary(refinement, changed)})`,
  ];
  for (const st of refinement.statements) {
    out.push('', ...explainStatement(st, maxTreeLines));
  }
  if (refinement.warnings.length > 0) {
    out.push('', `warnings (${refinement.warnings.length}):`);
    for (const w of refinement.warnings) out.push(`  ${w.path}: ${w.message} [${w.code}]`);
  }
  if (options.form) out.push('', `form: ${options.form.form}: ${options.form.reason}`);
  if (options.size) {
    out.push('');
    const what = refinement.recommendedAction === 'NONE' ? 'policy (unchanged)' : 'refined policy';
    for (const line of formatSize(options.size)) {
      out.push(line.startsWith('size: ') ? `${what} ${line}` : line);
    }
  }
  out.push('', proofSummary(refinement));
  return `${out.join('\n')}\n`;
}

function actionSummary(refinement: Refinement, changed: number): string {
  const total = refinement.statements.length;
  switch (refinement.recommendedAction) {
    case 'NONE':
      return 'no change: nothing in this policy is unused';
    case 'DETACH_POLICY':
      return 'detach: every permission this policy grants is unused';
    case 'CREATE_POLICY':
      return `${changed} of ${total} statement${total === 1 ? '' : 's'} changed`;
  }
}

/** `statement #1 (Sid "S3Read"): Allow Action, changed`. */
function statementTitle(st: StatementChange): string {
  const sid = st.sid === undefined ? '' : ` (Sid ${JSON.stringify(st.sid)})`;
  return `statement #${st.index}${sid}: ${st.effect} ${st.actionKey}, ${st.outcome}`;
}

function explainStatement(st: StatementChange, maxTreeLines: number): string[] {
  const out = [statementTitle(st)];
  if (st.outcome === 'unchanged') {
    out.push(
      st.effect === 'Deny'
        ? '  kept as is: Deny statements are never changed'
        : '  kept as is: it allows no unused action',
    );
    return out;
  }
  if (st.outcome === 'dropped') out.push('  dropped: every action it allowed is unused');
  out.push(...accessLevelLines(st));
  const removed = st.entries.filter((e) => e.kind === 'removed');
  if (removed.length > 0) {
    out.push(
      ...wrapList(
        `  entries removed (${removed.length}): `,
        removed.map((e) => e.entry),
        '    ',
      ),
    );
  }
  for (const e of st.entries) {
    if (e.kind !== 'replaced') continue;
    const n = e.replacement.length;
    out.push(
      ...wrapList(`  ${e.entry} → ${n} entr${n === 1 ? 'y' : 'ies'}: `, e.replacement, '    '),
    );
    if (e.trie) {
      out.push(
        `    trie (safe: no unused action under the prefix and prefix* stays within ${e.entry}):`,
      );
      out.push(...drawTrie(e.trie, 'action', '      ', maxTreeLines));
    }
  }
  if (st.actionKey === 'NotAction' && st.added.length > 0) {
    out.push(
      ...wrapList(
        `  NotAction gained ${st.added.length} exclusion${st.added.length === 1 ? '' : 's'}: `,
        st.added.map((a) => a.entry),
        '    ',
      ),
    );
    if (st.exclusionTrie) {
      out.push('    trie (safe: every catalog action under the prefix is unused, excluded whole):');
      out.push(...drawTrie(st.exclusionTrie, 'exclusion', '      ', maxTreeLines));
    }
  }
  return out;
}

/** `removed N unused actions:` then one wrapped line per access level, with counts. */
function accessLevelLines(st: StatementChange): string[] {
  const levels: (AccessLevel | 'Unknown')[] = [...ACCESS_LEVELS, 'Unknown'];
  const groups = levels
    .map((level) => [level, st.removedByAccessLevel[level] ?? []] as const)
    .filter(([, list]) => list.length > 0);
  const total = groups.reduce((n, [, list]) => n + list.length, 0);
  if (total === 0) return [];
  const out = [`  removed ${groupDigits(total)} unused action${total === 1 ? '' : 's'}:`];
  for (const [level, list] of groups) {
    out.push(...wrapList(`    ${level} (${groupDigits(list.length)}): `, list, '      '));
  }
  return out;
}

/** `head` followed by `items` joined with `, `, wrapped at {@link WIDTH} with `indent`. */
export function wrapList(head: string, items: readonly string[], indent: string): string[] {
  const lines: string[] = [];
  let line = head;
  let fresh = true;
  items.forEach((item, i) => {
    const text = i < items.length - 1 ? `${item},` : item;
    if (!fresh && line.length + 1 + text.length > WIDTH) {
      lines.push(line);
      line = indent + text;
    } else {
      line += fresh ? text : ` ${text}`;
    }
    fresh = false;
  });
  lines.push(line);
  return lines;
}

/**
 * Draws a trie as an indented tree, one line per node: the root with its full prefix, other nodes
 * with the tokens they add (a chain of unsafe, non-action nodes with one child each is drawn as
 * one line, like a radix tree); each marked `safe` or `unsafe`, unused actions `unused`, with the entry it put in the
 * policy (`→ s3:GetObject*`) and its action counts. At most `maxLines` lines, then
 * `… N more nodes`.
 *
 * @param kind - `action`: a replaced wildcard's trie; `exclusion`: a NotAction statement's.
 */
export function drawTrie(
  root: TrieNode,
  kind: 'action' | 'exclusion',
  indent: string,
  maxLines: number = DEFAULT_MAX_TREE_LINES,
): string[] {
  const lines: string[] = [];
  let hidden = 0;
  const walk = (start: TrieNode, depth: number, isTop: boolean): void => {
    // A chain of unsafe nodes that are not actions and have one child is drawn as one line.
    let node = start;
    let label = isTop ? '' : start.token;
    while (passThrough(node)) {
      node = node.children[0]!;
      label += node.token;
    }
    if (isTop) label = node.prefix || '(any action)';
    if (lines.length >= maxLines) hidden++;
    else lines.push(`${indent}${'  '.repeat(depth)}${label}  ${nodeStatus(node, kind)}`);
    for (const child of node.children) walk(child, depth + 1, false);
  };
  walk(root, 0, true);
  if (hidden > 0) {
    lines.push(`${indent}… ${groupDigits(hidden)} more node${hidden === 1 ? '' : 's'}`);
  }
  return lines;
}

/** Whether a node adds nothing to the drawing but its token (drawn merged with its only child). */
function passThrough(node: TrieNode): boolean {
  return !node.safe && !node.isAction && node.children.length === 1;
}

/**
 * `safe → s3:GetAccess* (4 actions)`, `unsafe (38 actions, 20 unused)`, `unsafe, unused`,
 * `unsafe, all unused (14 actions)`.
 */
function nodeStatus(node: TrieNode, kind: 'action' | 'exclusion'): string {
  const parts = [node.safe ? 'safe' : 'unsafe'];
  if (node.isAction && node.unused && !(kind === 'exclusion' && node.safe)) parts.push('unused');
  // An unsafe group whose every action is unused is not expanded: nothing below it is kept.
  const allUnused = kind === 'action' && !node.isAction && node.unused;
  if (allUnused) parts.push('all unused');
  let text = parts.join(', ');
  if (node.emitted !== undefined) text += ` → ${node.emitted}`;
  else if (node.safe) text += ' (covered by a shorter entry)';
  const counts =
    node.actionCount === 1 && (node.isAction || node.emitted !== undefined)
      ? ''
      : kind === 'exclusion' || allUnused
        ? ` (${groupDigits(node.actionCount)}${kind === 'exclusion' ? ' unused' : ''} action${
            node.actionCount === 1 ? '' : 's'
          })`
        : ` (${groupDigits(node.actionCount)} action${node.actionCount === 1 ? '' : 's'}${
            node.unusedCount > 0 ? `, ${groupDigits(node.unusedCount)} unused` : ''
          })`;
  return text + counts;
}

/** `proof: EXACT (2 statements checked against 22,015 catalog actions, 7 patterns checked)`. */
export function proofSummary(refinement: Refinement): string {
  const p = refinement.proof;
  return (
    `proof: ${p.exact ? 'EXACT' : 'NOT EXACT'} (${groupDigits(p.statementsChecked)} statement${
      p.statementsChecked === 1 ? '' : 's'
    } checked against ${groupDigits(p.catalogActions)} catalog actions, ` +
    `${groupDigits(p.patternsChecked)} new pattern${p.patternsChecked === 1 ? '' : 's'} checked for containment)`
  );
}
