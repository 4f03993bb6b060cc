/**
 * The split form written into Terraform (DESIGN.md, "Forms"): a refined policy too large for one
 * customer managed policy becomes the original `aws_iam_policy.NAME` holding the first part and
 * copies of its block right after it holding the others (`aws_iam_policy.NAME_part2`, ...), each
 * the original's text with its action lists cut to the part's entries (src/remediate/patch.ts with
 * the windows of split.ts), so comments, quoting and expressions are the original's, and its `name`
 * (when it has one) followed by `-part-N`.
 *
 * A split that is not attached everywhere the original is removes permissions, so every reference
 * to `aws_iam_policy.NAME` in the module's `.tf` files is read: the `policy_arn` of an
 * `aws_iam_role_policy_attachment`, `aws_iam_user_policy_attachment` or
 * `aws_iam_group_policy_attachment` in any `.tf` file of the policy's folder is copied for every new
 * part, in its own file right after it (`<its name>_part2`, ... with
 * `policy_arn = aws_iam_policy.NAME_part2.arn`), so the plan has edits in several files and the
 * caller proves them together (remediate.ts); any other reference (the exclusive
 * `aws_iam_policy_attachment`, `managed_policy_arns`, locals, outputs, modules, an attachment with
 * `for_each` or `count`) is refused with its file and line, and so is a number of attachment resources (of roles, of users, of groups) other than
 * the scan's count of the policy's attachments (an attachment made elsewhere would not get the
 * parts), or an attachment whose principal is named in the source and was not seen attached. Documents written in the
 * resource (heredoc, `jsonencode`) are split; a `data.aws_iam_policy_document` or `file()` document
 * is refused (the parts would need copies of the data source or of the JSON file, not written).
 */
import { dirname } from 'node:path';
import type { Node, Parser } from 'web-tree-sitter';
import type { PolicyAttachments } from '../findings/policy-attachments.js';
import type { Split } from '../refine/forms/split.js';
import type { Refinement } from '../refine/types.js';
import { planEdits } from './patch.js';
import { applyEdits, endOfLine, lineEnd, lineOf, lineStart } from './rewrite-list.js';
import { splitWindows } from './split.js';
import {
  attribute,
  blockLabels,
  blocksIn,
  blockType,
  bodyOf,
  inner,
  kids,
  locateTerraform,
  stringLitValue,
  terraformParser,
} from './terraform.js';
import type { Edit, PolicySource, SNode } from './types.js';

/** The attachment resources whose `policy_arn` is copied for every part, and their principal. */
const ATTACHMENTS: ReadonlyMap<string, string> = new Map([
  ['aws_iam_role_policy_attachment', 'role'],
  ['aws_iam_user_policy_attachment', 'user'],
  ['aws_iam_group_policy_attachment', 'group'],
]);

/** IAM's limit on a policy name (CreatePolicy `PolicyName`: 1 to 128 characters). */
const MAX_POLICY_NAME = 128;

/** An attachment resource the split adds, as the proof expects to read it back. */
export interface TerraformPartAttachment {
  /** `aws_iam_role_policy_attachment.NAME_part2`. */
  address: string;
  /** The `.tf` file it is written in (the original attachment's). */
  file: string;
  /** The expression its `policy_arn` must be: `aws_iam_policy.NAME_part2.arn`. */
  policyArn: string;
  /** Its principal attribute (`role`, `user`, `group`) and the expression written there. */
  principal: { attribute: string; text: string };
}

/** What {@link planTerraformSplit} plans. */
export interface TerraformSplitPlan {
  /** The edits of the policy's file. */
  edits: Edit[];
  /**
   * The edits of the other `.tf` files of the module (path → edits): the copies of attachment
   * resources written there. Empty when every attachment is in the policy's file.
   */
  elsewhere: Map<string, Edit[]>;
  /** The addresses of the parts after the first (`aws_iam_policy.NAME_part2`, ...). */
  parts: string[];
  /**
   * The attachment resources of the original (address and file), each copied for every new part.
   */
  attachments: { address: string; file: string }[];
  /** The attachment resources added. */
  added: TerraformPartAttachment[];
}

/** The address of part `k` (0-based) of `address` (`aws_iam_policy.x` → `aws_iam_policy.x_part2`). */
export function terraformPartAddress(address: string, k: number): string {
  return k === 0 ? address : `${address}_part${k + 1}`;
}

/** Whether `n` is the start of a reference to `aws_iam_policy.<name>` (the `variable_expr`). */
function referencesPolicy(n: Node, name: string): boolean {
  if (n.type !== 'variable_expr' || n.text !== 'aws_iam_policy') return false;
  const next = n.nextSibling;
  return next?.type === 'get_attr' && next.text.replace(/^\.\s*/, '') === name;
}

/** Every reference to `aws_iam_policy.<name>` under `root`. */
function references(root: Node, name: string): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (referencesPolicy(n, name)) out.push(n);
    for (const c of kids(n)) stack.push(c);
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

/** The top-level block (resource, data, locals, output, module, ...) that holds `n`. */
function topBlock(n: Node): Node | undefined {
  let b: Node | null = n;
  while (b && !(b.type === 'block' && b.parent?.parent?.type === 'config_file')) b = b.parent;
  return b ?? undefined;
}

/** How a top-level block is named in messages: `resource "aws_iam_policy_attachment" "x"`. */
function blockName(b: Node): string {
  return [blockType(b), ...blockLabels(b).map((l) => JSON.stringify(l))].join(' ');
}

/** The `[start, end)` of a block's lines (from the start of its first line to after its last). */
function blockLines(text: string, b: Node): { start: number; end: number } {
  return { start: lineStart(text, b.startIndex), end: lineEnd(text, b.endIndex - 1) };
}

/** The second label of a resource block, as written (a quoted string is required). */
function nameLabel(b: Node): Node | undefined {
  const labels = kids(b).filter((c) => c.type === 'string_lit' || c.type === 'identifier');
  // labels[0] is the block type.
  const l = labels[2];
  return l?.type === 'string_lit' ? l : undefined;
}

/** The literal `name` of a resource body, if it has one. */
function literalName(body: Node | undefined): string | undefined {
  const e = attribute(body, 'name');
  return e ? stringLitValue(inner(e)) : undefined;
}

/** Whether UTF-16 code `c` can continue a Terraform name (letters, digits, `_`, `-`). */
function isNameChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x5f ||
    c === 0x2d
  );
}

/**
 * Why a split is refused because an override file or a file in JSON syntax references
 * `aws_iam_policy.<name>` (with its file and line), or `undefined` when none does.
 */
async function extraReference(
  parser: Parser,
  files: readonly { path: string; text: string; json: boolean }[],
  address: string,
  name: string,
): Promise<string | undefined> {
  for (const f of files) {
    let line: number | undefined;
    if (f.json) {
      // JSON syntax writes references inside strings (`"${aws_iam_policy.x.arn}"`): any mention.
      const needle = `aws_iam_policy.${name}`;
      for (let at = f.text.indexOf(needle); at !== -1; at = f.text.indexOf(needle, at + 1)) {
        const next = f.text.charCodeAt(at + needle.length);
        // Not a longer name (`aws_iam_policy.x2`): the name ends at a character no name holds.
        if (!isNameChar(next)) {
          line = f.text.slice(0, at).split('\n').length;
          break;
        }
      }
    } else {
      const tree = parser.parse(f.text);
      try {
        const ref = tree ? references(tree.rootNode, name)[0] : undefined;
        if (!tree || tree.rootNode.hasError) line = 1;
        else if (ref) line = ref.startPosition.row + 1;
      } finally {
        tree?.delete();
      }
    }
    if (line !== undefined) {
      return `${f.path}:${line}: ${address} is referenced in ${f.json ? 'a file in Terraform JSON syntax' : 'an override file'}, which remediate does not rewrite: the new parts would not be attached or used there; split by hand`;
    }
  }
  return undefined;
}

/** The resource blocks of a file's body. */
function resourcesOf(root: Node): Node[] {
  return blocksIn(
    kids(root).find((c) => c.type === 'body'),
    'resource',
  );
}

/**
 * The edits of the policy's `.tf` file that write `split` (the parts of `refinement.policy`) for
 * the `aws_iam_policy` `source`, with its attachment resources copied for every new part; or why
 * that cannot be done safely (one line, with file and line where a reference is the reason).
 *
 * @param files - The walked `.tf` files (path and text): those of the policy's module are searched
 *   for references to it.
 * @param attachments - The scan's record of who the policy is attached to.
 * @param extraFiles - The module's override files and files in JSON syntax: any reference to the
 *   policy there refuses the split (their attachments would not be copied).
 */
export async function planTerraformSplit(
  text: string,
  source: PolicySource,
  refinement: Refinement,
  split: Split,
  files: readonly { path: string; text: string }[],
  attachments: PolicyAttachments | undefined,
  extraFiles: readonly { path: string; text: string; json: boolean }[] = [],
): Promise<TerraformSplitPlan | string> {
  if (source.tool !== 'terraform' || source.resourceType !== 'aws_iam_policy') {
    return 'only an aws_iam_policy of Terraform or an AWS::IAM::ManagedPolicy of CloudFormation is split';
  }
  if (source.form === 'policy document') {
    return 'the document is a data.aws_iam_policy_document: the parts would need copies of the data source, which remediate does not write (write the document in the resource with jsonencode, or split by hand)';
  }
  if (source.form === 'file' || source.file !== source.declaredIn) {
    return 'the document is read with file(): the parts would need copies of the JSON file, which remediate does not write (split by hand)';
  }
  const resourceName = source.address.slice('aws_iam_policy.'.length);
  const parser = await terraformParser();
  const module = dirname(source.declaredIn);
  const inModule = files.filter((f) => dirname(f.path) === module);
  if (!inModule.some((f) => f.path === source.file)) inModule.push({ path: source.file, text });
  const refused = await extraReference(parser, extraFiles, source.address, resourceName);
  if (refused !== undefined) return refused;
  const trees = inModule.map((f) => ({
    path: f.path,
    text: f.path === source.file ? text : f.text,
    tree: parser.parse(f.path === source.file ? text : f.text),
  }));
  try {
    for (const t of trees) {
      if (!t.tree || t.tree.rootNode.hasError) {
        return `${t.path} does not parse as Terraform: references to ${source.address} in it cannot be checked`;
      }
    }
    const own = trees.find((t) => t.path === source.file)!;
    const root = own.tree!.rootNode;
    const block = resourcesOf(root).find((b) => {
      const [type, name] = blockLabels(b);
      return type === 'aws_iam_policy' && name === resourceName;
    });
    if (!block) return `internal: ${source.address} is not in ${source.file}`;
    const label = nameLabel(block);
    if (!label || stringLitValue(label) !== resourceName) {
      return `the resource name of ${source.address} is not written as a quoted label`;
    }
    const body = bodyOf(block);
    if (attribute(body, 'name_prefix')) {
      return 'it uses name_prefix: the new parts need names of their own';
    }
    const nameExpr = attribute(body, 'name');
    const nameNode = nameExpr ? inner(nameExpr) : undefined;
    const name = nameNode ? stringLitValue(nameNode) : undefined;
    if (nameExpr && name === undefined) {
      return 'its name is an expression: the new parts need names of their own';
    }
    const n = split.parts.length;
    if (name !== undefined && `${name}-part-${n}`.length > MAX_POLICY_NAME) {
      return `its name with -part-${n} is over IAM's ${MAX_POLICY_NAME} characters of a policy name`;
    }
    const parts = Array.from({ length: n - 1 }, (_, k) =>
      terraformPartAddress(source.address, k + 1),
    );

    // Every reference to the policy in the module: only attachment resources in its file are copied.
    const found: { block: Node; path: string; text: string }[] = [];
    const taken = new Set<string>();
    for (const t of trees) {
      const r = t.tree!.rootNode;
      for (const b of resourcesOf(r)) taken.add(blockLabels(b).slice(0, 2).join('.'));
      for (const ref of references(r, resourceName)) {
        const where = `${t.path}:${ref.startPosition.row + 1}`;
        const top = topBlock(ref);
        const [type = '', attName = ''] = top ? blockLabels(top) : [];
        let at: Node | null = ref;
        while (
          at &&
          !(at.type === 'attribute' && at.parent?.parent?.startIndex === top?.startIndex)
        )
          at = at.parent;
        const attr = at ? ` (${kids(at)[0]?.text ?? ''})` : '';
        const what = top ? `${blockName(top)}${attr}` : 'an expression';
        if (!top || blockType(top) !== 'resource' || !ATTACHMENTS.has(type)) {
          return `${where}: ${source.address} is referenced in ${what}${type === 'aws_iam_policy_attachment' ? ' (an exclusive attachment)' : ''}: the new parts would not be attached or used there; split by hand`;
        }
        const tb = bodyOf(top);
        const iterated = attribute(tb, 'for_each')
          ? 'for_each'
          : attribute(tb, 'count')
            ? 'count'
            : '';
        if (iterated) {
          return `${where}: ${what} uses ${iterated}: its copies for the new parts are not written; split by hand`;
        }
        const arn = attribute(tb, 'policy_arn');
        if (
          !arn ||
          arn.text !== `aws_iam_policy.${resourceName}.arn` ||
          ref.startIndex !== arn.startIndex
        ) {
          return `${where}: ${what} references ${source.address} other than as policy_arn = aws_iam_policy.${resourceName}.arn: split by hand`;
        }
        const principal = ATTACHMENTS.get(type)!;
        if (!attribute(tb, principal)) return `${where}: ${what} has no ${principal}`;
        if (!nameLabel(top) || stringLitValue(nameLabel(top)!) !== attName) {
          return `${where}: the resource name of ${what} is not written as a quoted label`;
        }
        found.push({ block: top, path: t.path, text: t.text });
      }
    }
    const seen = attachments
      ? attachments.roles.length + attachments.users.length + attachments.groups.length
      : undefined;
    if (seen === undefined || attachments === undefined) {
      return 'the findings do not say who the policy is attached to: the new parts could not be checked to be attached everywhere (scan again)';
    }
    if (seen !== found.length) {
      return `attached ${seen} time${seen === 1 ? '' : 's'}, ${found.length} attachment resource${found.length === 1 ? '' : 's'} in the sources: an attachment made elsewhere would not get the new parts`;
    }
    const byKind = (kind: string) =>
      found.filter(({ block: b }) => ATTACHMENTS.get(blockLabels(b)[0] ?? '') === kind).length;
    const scanned = {
      role: attachments.roles,
      user: attachments.users,
      group: attachments.groups.map((g) => g.arn),
    };
    const kinds = ['role', 'user', 'group'] as const;
    if (kinds.some((k) => byKind(k) !== scanned[k].length)) {
      const list = (count: (k: (typeof kinds)[number]) => number) =>
        kinds.map((k) => `${count(k)} ${k}${count(k) === 1 ? '' : 's'}`).join(', ');
      return `attached to ${list((k) => scanned[k].length)}, and the attachment resources in the sources attach ${list(byKind)}: an attachment made elsewhere would not get the new parts`;
    }
    // Where an attachment names its principal (literally, or by a resource of the module with a
    // literal name), the scan must have seen the policy attached to that principal.
    const literalNames = new Map<string, string>();
    for (const t of trees) {
      for (const b of resourcesOf(t.tree!.rootNode)) {
        const [type = '', rname = ''] = blockLabels(b);
        const literal = literalName(bodyOf(b));
        if (kinds.some((k) => type === `aws_iam_${k}`) && literal !== undefined)
          literalNames.set(`${type}.${rname}`, literal);
      }
    }
    for (const { block: b, path } of found) {
      const kind = ATTACHMENTS.get(blockLabels(b)[0] ?? '') as (typeof kinds)[number];
      const expr = inner(attribute(bodyOf(b), kind)!);
      const ref = expr.text.split('.');
      const principal =
        stringLitValue(expr) ??
        (ref.length === 3 && ref[0] === `aws_iam_${kind}` && (ref[2] === 'name' || ref[2] === 'id')
          ? literalNames.get(`${ref[0]}.${ref[1]}`)
          : undefined);
      if (principal !== undefined && !scanned[kind].some((arn) => arn.endsWith(`/${principal}`))) {
        return `${path}:${b.startPosition.row + 1}: ${blockName(b)} attaches the policy to ${kind} ${principal}, to which the scan did not see it attached: the scan and the sources disagree; scan again or split by hand`;
      }
    }
    for (const p of parts) {
      if (taken.has(p)) return `${p} is already in the module`;
    }
    const added: TerraformPartAttachment[] = [];
    for (const { block: b, path } of found) {
      const [type = '', attName = ''] = blockLabels(b);
      for (let k = 1; k < n; k++) {
        const address = `${type}.${attName}_part${k + 1}`;
        if (taken.has(address)) return `${address} is already in the module`;
        const principal = ATTACHMENTS.get(type)!;
        added.push({
          address,
          file: path,
          policyArn: `${parts[k - 1]!}.arn`,
          principal: { attribute: principal, text: attribute(bodyOf(b), principal)!.text },
        });
      }
    }

    // The edits: the original keeps the first part; copies follow it and each attachment.
    const windows = splitWindows(split);
    const first = planEdits(text, source.document, refinement, windows[0]);
    if (typeof first === 'string') return first;
    // `copy` and `insertAfter` work on the text of the file the block is in (`within`).
    const copy = (b: Node, edits: Edit[], within = text): string | undefined => {
      const { start, end } = blockLines(within, b);
      if (!edits.every((e) => e.start >= start && e.end <= end)) return undefined;
      const delta = edits.reduce((d, e) => d + e.text.length - (e.end - e.start), 0);
      const c = applyEdits(within, edits).slice(start, end + delta);
      return c.endsWith('\n') ? c : c + endOfLine(within);
    };
    const insertAfter = (b: Node, copies: string[], within = text): Edit => {
      const { end } = blockLines(within, b);
      const eol = endOfLine(within);
      const lead = within.slice(0, end).endsWith('\n') ? '' : eol;
      return { start: end, end, text: lead + copies.map((c) => eol + c).join('') };
    };
    const policyCopies: string[] = [];
    for (let k = 1; k < n; k++) {
      const edits = planEdits(text, source.document, refinement, windows[k]);
      if (typeof edits === 'string') return edits;
      edits.push({
        start: label.startIndex,
        end: label.endIndex,
        text: JSON.stringify(`${resourceName}_part${k + 1}`),
      });
      if (nameNode && name !== undefined) {
        edits.push({
          start: nameNode.startIndex,
          end: nameNode.endIndex,
          text: JSON.stringify(`${name}-part-${k + 1}`)
            .replaceAll('${', () => '$${')
            .replaceAll('%{', () => '%%{'),
        });
      }
      const c = copy(block, edits);
      if (c === undefined) return 'internal: an edit of a part lies outside its resource';
      policyCopies.push(c);
    }
    const out: Edit[] = [...first, insertAfter(block, policyCopies)];
    const elsewhere = new Map<string, Edit[]>();
    for (const { block: b, path, text: within } of found) {
      const [, attName = ''] = blockLabels(b);
      const label = nameLabel(b)!;
      const arn = attribute(bodyOf(b), 'policy_arn')!;
      const copies: string[] = [];
      for (let k = 1; k < n; k++) {
        const c = copy(
          b,
          [
            {
              start: label.startIndex,
              end: label.endIndex,
              text: JSON.stringify(`${attName}_part${k + 1}`),
            },
            { start: arn.startIndex, end: arn.endIndex, text: `${parts[k - 1]!}.arn` },
          ],
          within,
        );
        if (c === undefined) return 'internal: an edit of an attachment lies outside it';
        copies.push(c);
      }
      const edit = insertAfter(b, copies, within);
      if (path === source.file) out.push(edit);
      else elsewhere.set(path, [...(elsewhere.get(path) ?? []), edit]);
    }
    return {
      edits: out,
      elsewhere,
      parts,
      attachments: found.map(({ block: b, path }) => ({
        address: blockLabels(b).slice(0, 2).join('.'),
        file: path,
      })),
      added,
    };
  } finally {
    for (const t of trees) t.tree?.delete();
  }
}

/**
 * Reads a Terraform split back from the patched text of the policy's file: the documents of the
 * original resource and of every part (in order), after checking that every attachment resource
 * the split adds is there, in its file, with its `policy_arn` and principal; or why not.
 *
 * @param others - The patched text of another file of the module (where an attachment is copied).
 */
export async function readTerraformSplit(
  file: string,
  patched: string,
  address: string,
  plan: Pick<TerraformSplitPlan, 'parts' | 'added'>,
  others: (path: string) => string | undefined = () => undefined,
): Promise<{ address: string; document: SNode }[] | string> {
  // Only the parts are read: no file() is followed.
  const located = await locateTerraform([{ path: file, text: patched }], { within: () => false });
  const out: { address: string; document: SNode }[] = [];
  for (const a of [address, ...plan.parts]) {
    const s = located.sources.find((x) => x.address === a);
    if (!s) {
      const why = located.unsupported.find((u) => u.what === a || u.what === 'file');
      return `${a} is not in the patched file${why ? ` (${why.reason})` : ''}`;
    }
    out.push({ address: a, document: s.document });
  }
  const parser = await terraformParser();
  for (const path of new Set([file, ...plan.added.map((a) => a.file)])) {
    const text = path === file ? patched : others(path);
    if (text === undefined) return `internal: no patched text of ${path}`;
    const tree = parser.parse(text);
    if (!tree) return `${path} could not be parsed`;
    try {
      if (tree.rootNode.hasError) return `the patched ${path} does not parse as Terraform`;
      const byAddress = new Map<string, Node>();
      for (const b of resourcesOf(tree.rootNode)) {
        const key = blockLabels(b).slice(0, 2).join('.');
        if (byAddress.has(key)) return `${key} is declared twice in the patched ${path}`;
        byAddress.set(key, b);
      }
      for (const a of plan.added.filter((x) => x.file === path)) {
        const b = byAddress.get(a.address);
        if (!b) return `${a.address} is not in the patched ${path}`;
        const body = bodyOf(b);
        const line = lineOf(text, b.startIndex);
        if (attribute(body, 'policy_arn')?.text !== a.policyArn) {
          return `${a.address} (${path}:${line}) does not have policy_arn = ${a.policyArn}`;
        }
        if (attribute(body, a.principal.attribute)?.text !== a.principal.text) {
          return `${a.address} (${path}:${line}) does not have ${a.principal.attribute} = ${a.principal.text}`;
        }
      }
    } finally {
      tree.delete();
    }
  }
  return out;
}
