/** @jsxImportSource hono/jsx */
/**
 * The picture of a replaced wildcard's prefix trie, drawn on the server as SVG (the article's
 * figure): safe nodes green, unsafe nodes orange, the nodes that put an entry into the refined
 * policy outlined dark green with the entry written after them, unused actions struck through.
 *
 * Layout: a left-to-right tree. Leaves take one row each, in order; a parent sits halfway between
 * its first and last child; all nodes of one depth share a column as wide as its widest label. A
 * chain of unsafe nodes that are not actions and have one child each is drawn as one node (as the
 * CLI's `explain` does). Large tries (a wildcard such as `*`) are cut after `maxNodes` nodes with a
 * "… N more" marker, so the page stays small.
 */
import type { FC } from 'hono/jsx';
import type { TrieNode } from '../../refine/types.js';

/** A node placed in the drawing. */
export interface PlacedNode {
  /** The text in the box: the tokens the node adds (the full prefix for the root). */
  label: string;
  /** The node's full prefix (for the tooltip). */
  prefix: string;
  safe: boolean;
  /** An unused catalog action, or a prefix under which every action is unused. */
  unused: boolean;
  /** Whether the prefix is itself a catalog action. */
  isAction: boolean;
  /** The entry the node put into the refined policy. */
  emitted?: string;
  actionCount: number;
  unusedCount: number;
  /** Box position and size (px). */
  x: number;
  y: number;
  width: number;
  /** Whether the node stands for hidden nodes (`… N more`). */
  more?: number;
  /** Whether the node is a leaf of the drawing (its emitted entry is written after it). */
  leaf: boolean;
}

/** An edge from a parent's right side to a child's left side. */
export interface PlacedEdge {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A laid-out trie. */
export interface TrieLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
  /** Nodes of the trie not drawn (cut by `maxNodes`). */
  hidden: number;
}

/** Sizes of the drawing, in px. */
const CHAR_WIDTH = 7.3; // 12px monospace
const BOX_PADDING = 9;
const BOX_HEIGHT = 22;
const ROW = 30;
const COLUMN_GAP = 34;
const MARGIN = 10;
const EMIT_GAP = 10;

/** Default cut-off of {@link layoutTrie}. */
export const DEFAULT_MAX_TRIE_NODES = 300;

interface DrawNode {
  label: string;
  node: TrieNode;
  children: DrawNode[];
  more?: number;
}

/** Whether a node is drawn merged with its only child. */
function passThrough(node: TrieNode): boolean {
  return !node.safe && !node.isAction && node.children.length === 1;
}

/** Number of nodes in a subtree, counted as drawn (merged chains count once). */
function countDrawn(node: TrieNode): number {
  let n = node;
  while (passThrough(n)) n = n.children[0]!;
  let total = 1;
  for (const child of n.children) total += countDrawn(child);
  return total;
}

/** Lays out `root` (see the module comment). */
export function layoutTrie(root: TrieNode, maxNodes: number = DEFAULT_MAX_TRIE_NODES): TrieLayout {
  let budget = Math.max(1, maxNodes);
  let hidden = 0;
  const build = (start: TrieNode, isRoot: boolean): DrawNode => {
    budget--;
    let node = start;
    let label = isRoot ? '' : start.token;
    while (passThrough(node)) {
      node = node.children[0]!;
      label += node.token;
    }
    if (isRoot) label = node.prefix === '' ? '(any action)' : node.prefix;
    const children: DrawNode[] = [];
    for (let i = 0; i < node.children.length; i++) {
      if (budget <= 0) {
        let rest = 0;
        for (let j = i; j < node.children.length; j++) rest += countDrawn(node.children[j]!);
        hidden += rest;
        children.push({
          label: `… ${rest} more`,
          node: node.children[i]!,
          children: [],
          more: rest,
        });
        break;
      }
      children.push(build(node.children[i]!, false));
    }
    return { label, node, children };
  };
  const tree = build(root, true);

  // Column widths per depth.
  const columnWidth: number[] = [];
  const measure = (d: DrawNode, depth: number): void => {
    const w = textWidth(d.label) + 2 * BOX_PADDING;
    columnWidth[depth] = Math.max(columnWidth[depth] ?? 0, w);
    for (const c of d.children) measure(c, depth + 1);
  };
  measure(tree, 0);
  const columnX: number[] = [];
  let x = MARGIN;
  for (const w of columnWidth) {
    columnX.push(x);
    x += w + COLUMN_GAP;
  }

  const nodes: PlacedNode[] = [];
  const edges: PlacedEdge[] = [];
  let row = 0;
  let width = 0;
  const place = (d: DrawNode, depth: number): { x: number; y: number; width: number } => {
    const childPos = d.children.map((c) => place(c, depth + 1));
    const y =
      childPos.length === 0
        ? MARGIN + BOX_HEIGHT / 2 + ROW * row++
        : (childPos[0]!.y + childPos[childPos.length - 1]!.y) / 2;
    const boxWidth = textWidth(d.label) + 2 * BOX_PADDING;
    const nx = columnX[depth]!;
    const n = d.node;
    const placed: PlacedNode = {
      label: d.label,
      prefix: n.prefix,
      safe: n.safe,
      unused: n.unused,
      isAction: n.isAction,
      actionCount: n.actionCount,
      unusedCount: n.unusedCount,
      x: nx,
      y,
      width: boxWidth,
      leaf: d.children.length === 0,
    };
    if (d.more !== undefined) placed.more = d.more;
    else if (n.emitted !== undefined) placed.emitted = n.emitted;
    nodes.push(placed);
    let right = nx + boxWidth;
    if (placed.leaf && placed.emitted !== undefined) {
      right += EMIT_GAP + textWidth(`→ ${placed.emitted}`);
    }
    width = Math.max(width, right);
    for (const c of childPos) {
      edges.push({ x1: nx + boxWidth, y1: y, x2: c.x, y2: c.y });
    }
    return { x: nx, y, width: boxWidth };
  };
  place(tree, 0);
  const height = MARGIN * 2 + ROW * Math.max(0, row - 1) + BOX_HEIGHT;
  return { nodes, edges, width: Math.ceil(width + MARGIN), height: Math.ceil(height), hidden };
}

function textWidth(text: string): number {
  return Math.ceil([...text].length * CHAR_WIDTH);
}

/** The tooltip of a node. */
function describe(n: PlacedNode): string {
  if (n.more !== undefined) return `${n.more} more nodes not drawn`;
  const parts = [n.prefix === '' ? '(any action)' : n.prefix, n.safe ? 'safe' : 'unsafe'];
  if (n.unused) parts.push(n.isAction ? 'unused action' : 'every action under it unused');
  parts.push(
    `${n.actionCount} action${n.actionCount === 1 ? '' : 's'}` +
      (n.unusedCount > 0 ? `, ${n.unusedCount} unused` : ''),
  );
  if (n.emitted !== undefined) parts.push(`emits ${n.emitted}`);
  return parts.join(' · ');
}

/** Rounds for compact SVG. */
function r(v: number): number {
  return Math.round(v * 10) / 10;
}

/** The SVG of a trie (see the module comment); `title` names it for screen readers. */
export const TrieSvg: FC<{ root: TrieNode; title: string; maxNodes?: number }> = ({
  root,
  title,
  maxNodes,
}) => {
  const layout = layoutTrie(root, maxNodes);
  return (
    <svg
      class="trie"
      xmlns="http://www.w3.org/2000/svg"
      width={layout.width}
      height={layout.height}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      role="img"
      aria-label={title}
    >
      <title>{title}</title>
      {layout.edges.map((e) => {
        const mx = r((e.x1 + e.x2) / 2);
        return (
          <path
            class="edge"
            d={`M${r(e.x1)} ${r(e.y1)}C${mx} ${r(e.y1)} ${mx} ${r(e.y2)} ${r(e.x2)} ${r(e.y2)}`}
          />
        );
      })}
      {layout.nodes.map((n) => {
        if (n.more !== undefined) {
          return (
            <text class="more" x={r(n.x + BOX_PADDING)} y={r(n.y)}>
              {n.label}
            </text>
          );
        }
        const classes = ['node', n.safe ? 'safe' : 'unsafe'];
        if (n.emitted !== undefined) classes.push('emitted');
        if (n.unused) classes.push('unused');
        return (
          <g class={classes.join(' ')} data-prefix={n.prefix}>
            <title>{describe(n)}</title>
            <rect
              x={r(n.x)}
              y={r(n.y - BOX_HEIGHT / 2)}
              width={n.width}
              height={BOX_HEIGHT}
              rx="5"
            />
            <text x={r(n.x + BOX_PADDING)} y={r(n.y)}>
              {n.label}
            </text>
            {n.leaf && n.emitted !== undefined ? (
              <text class="emit" x={r(n.x + n.width + EMIT_GAP)} y={r(n.y)}>
                {`→ ${n.emitted}`}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
};

/** Whether a subtree put anything into the refined policy. */
function emitsBelow(node: TrieNode): boolean {
  return node.emitted !== undefined || node.children.some(emitsBelow);
}

/**
 * The trie as the page shows it first: its unsafe paths. Below each node, the children that are
 * wholly unused and emit nothing (the struck-through services of `*` in AdministratorAccess) are
 * folded into one node "… N unused"; everything that leads to an emitted entry stays. Returns the
 * same object when nothing is folded.
 */
export function foldUnused(node: TrieNode): TrieNode {
  const kept: TrieNode[] = [];
  const folded: TrieNode[] = [];
  let changed = false;
  for (const child of node.children) {
    if (child.unused && !emitsBelow(child)) {
      folded.push(child);
      continue;
    }
    const c = foldUnused(child);
    if (c !== child) changed = true;
    kept.push(c);
  }
  if (folded.length < 2 && !changed) return node;
  if (folded.length < 2) return { ...node, children: [...kept, ...folded] };
  const actions = folded.reduce((n, c) => n + c.actionCount, 0);
  const summary: TrieNode = {
    prefix: `${node.prefix}…`,
    token: `… ${folded.length} unused`,
    safe: false,
    isAction: false,
    unused: true,
    actionCount: actions,
    unusedCount: actions,
    children: [],
  };
  return { ...node, children: [...kept, summary] };
}
