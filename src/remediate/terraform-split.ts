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
 * resource (heredoc, `jsonencode`) are split in the resource. A document written as
 * `policy = data.aws_iam_policy_document.X.json` is split in the data source: its block keeps the
 * first part's statements, copies `X_part2`, ... follow it in its own file (which may be another
 * file of the module than the resource's) with the other parts' statements, and each resource copy
 * reads its own copy (`policy = data.aws_iam_policy_document.X_part2.json`); that is refused when
 * the data source is used by anything else than the policy's `policy` (a resource, a local, an
 * output, another data source's `source_policy_documents`, ...), merges other documents, has
 * `dynamic` blocks, `for_each` or `count`, or a copy's label is taken. A `file()` document is
 * refused (the parts would need copies of the JSON file, not written).
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
  /** The `.tf` file the `aws_iam_policy` is declared in (the policy's file but for a data source). */
  resourceFile: string;
  /**
   * For a document of a `data.aws_iam_policy_document`: the addresses of the data source and of its
   * copies for the parts after the first (`data.aws_iam_policy_document.X`,
   * `data.aws_iam_policy_document.X_part2`, ...); empty for a document written in the resource.
   */
  documents: string[];
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
  return nodesWhere(root, (n) => referencesPolicy(n, name));
}

/** Whether `n` is the start of a reference to `data.aws_iam_policy_document.<name>`. */
function referencesData(n: Node, name: string): boolean {
  if (n.type !== 'variable_expr' || n.text !== 'data') return false;
  const type = n.nextSibling;
  const label = type?.nextSibling;
  const attr = (x: Node | null | undefined) => x?.text.replace(/^\.\s*/, '');
  return (
    type?.type === 'get_attr' &&
    attr(type) === 'aws_iam_policy_document' &&
    label?.type === 'get_attr' &&
    attr(label) === name
  );
}

/** Every node under `root` (depth first) for which `test` holds, in source order. */
function nodesWhere(root: Node, test: (n: Node) => boolean): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (test(n)) out.push(n);
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

/**
 * Where a reference is, for messages: its top-level block and attribute
 * (`resource "aws_iam_role_policy" "r" (policy)`), or `an expression`.
 */
function usedIn(ref: Node): string {
  const top = topBlock(ref);
  if (!top) return 'an expression';
  let a: Node | null = ref;
  while (a && !(a.type === 'attribute' && a.parent?.parent?.startIndex === top.startIndex))
    a = a.parent;
  return `${blockName(top)}${a ? ` (${kids(a)[0]?.text ?? ''})` : ''}`;
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
 * Why a split is refused because an override file or a file in JSON syntax references `address`
 * (`aws_iam_policy.<name>`, `data.aws_iam_policy_document.<name>`; `refs` finds its references in
 * a parsed file) with its file and line, or `undefined` when none does.
 */
async function extraReference(
  parser: Parser,
  files: readonly { path: string; text: string; json: boolean }[],
  address: string,
  refs: (root: Node) => Node[],
): Promise<string | undefined> {
  for (const f of files) {
    let line: number | undefined;
    if (f.json) {
      // JSON syntax writes references inside strings (`"${aws_iam_policy.x.arn}"`): any mention.
      const needle = address;
      for (let at = f.text.indexOf(needle); at !== -1; at = f.text.indexOf(needle, at + 1)) {
        const next = f.text.charCodeAt(at + needle.length);
        // Not a longer name (`aws_iam_policy.x2`): the name ends at a character no name holds.
        if (!isNameChar(next)) {
          line = lineOf(f.text, at);
          break;
        }
      }
    } else {
      const tree = parser.parse(f.text);
      try {
        const ref = tree ? refs(tree.rootNode)[0] : undefined;
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

/** The resource blocks of a file's body (the `data` blocks with `type = 'data'`). */
function resourcesOf(root: Node, type = 'resource'): Node[] {
  return blocksIn(
    kids(root).find((c) => c.type === 'body'),
    type,
  );
}

/** The attributes of a `data "aws_iam_policy_document"` that merge other documents into it. */
const MERGING = [
  'source_policy_documents',
  'override_policy_documents',
  'source_json',
  'override_json',
] as const;

/** Where a node is, for messages: `file:line`. */
function at(path: string, n: Node): string {
  return `${path}:${n.startPosition.row + 1}`;
}

/** The `data.aws_iam_policy_document` a split policy reads, with what its copies need. */
interface DataDocument {
  /** Its name (`X` of `data.aws_iam_policy_document.X`). */
  name: string;
  /** Its block, in the policy's file (`source.file`). */
  block: Node;
  /** Its name label. */
  label: Node;
  /** The `policy` expression of the resource that reads it (`data.aws_iam_policy_document.X.json`). */
  reference: Node;
  /** Its address and those of its copies, one per part (`data.aws_iam_policy_document.X_part2`, ...). */
  addresses: string[];
}

/**
 * The data source `block` (the `aws_iam_policy` of `source`) reads its document from, when it can
 * be copied for `n` parts: used by that `policy` only, all its statements written out, the labels
 * of its copies free; or why not (one line, with its file and line).
 */
function dataDocument(
  trees: readonly { path: string; tree: { rootNode: Node } | null }[],
  source: PolicySource,
  block: Node,
  taken: ReadonlyMap<string, string>,
  n: number,
): DataDocument | string {
  const expr = attribute(bodyOf(block), 'policy');
  const reference = expr ? inner(expr) : undefined;
  const dotted = reference?.text.split('.') ?? [];
  if (
    !reference ||
    dotted.length !== 4 ||
    dotted[0] !== 'data' ||
    dotted[1] !== 'aws_iam_policy_document' ||
    dotted[3] !== 'json'
  ) {
    return `internal: the policy of ${source.address} is not the json of a data.aws_iam_policy_document`;
  }
  const name = dotted[2]!;
  const address = `data.aws_iam_policy_document.${name}`;
  const file = trees.find((t) => t.path === source.file);
  const dataBlock =
    file?.tree &&
    resourcesOf(file.tree.rootNode, 'data').find((b) => {
      const [type, label] = blockLabels(b);
      return type === 'aws_iam_policy_document' && label === name;
    });
  if (!dataBlock) return `internal: ${address} is not in ${source.file}`;
  const label = nameLabel(dataBlock);
  if (!label || stringLitValue(label) !== name) {
    return `${at(source.file, dataBlock)}: the name of ${address} is not written as a quoted label`;
  }
  const body = bodyOf(dataBlock);
  for (const iterated of ['for_each', 'count']) {
    const e = attribute(body, iterated);
    if (e) {
      return `${at(source.file, e)}: ${address} uses ${iterated}: its copies for the new parts are not written; split by hand`;
    }
  }
  for (const merging of MERGING) {
    const e = attribute(body, merging);
    if (e) {
      return `${at(source.file, e)}: ${address} merges other documents (${merging}): its parts cannot be cut from its statements; split by hand`;
    }
  }
  const dynamic = nodesWhere(dataBlock, (x) => x.type === 'block' && blockType(x) === 'dynamic');
  if (dynamic[0]) {
    return `${at(source.file, dynamic[0])}: ${address} has a dynamic block: its statements are not all written out; split by hand`;
  }
  // Read by the policy's `policy` only: anything else reading it would keep the first part.
  for (const t of trees) {
    if (!t.tree) continue;
    for (const r of nodesWhere(t.tree.rootNode, (x) => referencesData(x, name))) {
      if (t.path === source.declaredIn && r.startIndex === reference.startIndex) continue;
      return `${at(t.path, r)}: ${address}, the document of ${source.address}, is also referenced in ${usedIn(r)}: it would read only the first part; split by hand`;
    }
  }
  const addresses = Array.from({ length: n }, (_, k) =>
    k === 0 ? address : `${address}_part${k + 1}`,
  );
  for (const a of addresses.slice(1)) {
    if (taken.has(a)) return `${taken.get(a)!}: ${a} is already in the module`;
  }
  return { name, block: dataBlock, label, reference, addresses };
}

/**
 * The edits of the policy's `.tf` file that write `split` (the parts of `refinement.policy`) for
 * the `aws_iam_policy` `source`, with its attachment resources copied for every new part (and, for
 * a document of a `data.aws_iam_policy_document`, the data source copied for every new part); or
 * why that cannot be done safely (one line, with file and line where a reference is the reason).
 *
 * @param text - The text of the file the document is written in (`source.file`: the resource's, or
 *   the data source's).
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
  // A data.aws_iam_policy_document is split in its block, and copied; a file() is not.
  const data = source.form === 'policy document';
  if (source.form === 'file' || (!data && source.file !== source.declaredIn)) {
    return 'the document is read with file(): the parts would need copies of the JSON file, which remediate does not write (split by hand)';
  }
  const resourceName = source.address.slice('aws_iam_policy.'.length);
  const resourceFile = source.declaredIn;
  const parser = await terraformParser();
  const module = dirname(source.declaredIn);
  const inModule = files.filter((f) => dirname(f.path) === module);
  if (!inModule.some((f) => f.path === source.file)) inModule.push({ path: source.file, text });
  if (!inModule.some((f) => f.path === resourceFile)) {
    return `internal: ${resourceFile} is not among the files read`;
  }
  const refused = await extraReference(parser, extraFiles, source.address, (r) =>
    references(r, resourceName),
  );
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
    const own = trees.find((t) => t.path === resourceFile)!;
    const root = own.tree!.rootNode;
    const block = resourcesOf(root).find((b) => {
      const [type, name] = blockLabels(b);
      return type === 'aws_iam_policy' && name === resourceName;
    });
    if (!block) return `internal: ${source.address} is not in ${resourceFile}`;
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
    // The addresses declared in the module, and where (`data.` first for data sources).
    const taken = new Map<string, string>();
    for (const t of trees) {
      const r = t.tree!.rootNode;
      for (const b of resourcesOf(r))
        taken.set(blockLabels(b).slice(0, 2).join('.'), at(t.path, b));
      for (const b of resourcesOf(r, 'data'))
        taken.set(`data.${blockLabels(b).slice(0, 2).join('.')}`, at(t.path, b));
    }
    for (const t of trees) {
      const r = t.tree!.rootNode;
      for (const ref of references(r, resourceName)) {
        const where = at(t.path, ref);
        const top = topBlock(ref);
        const [type = '', attName = ''] = top ? blockLabels(top) : [];
        const what = usedIn(ref);
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
      if (taken.has(p)) return `${taken.get(p)!}: ${p} is already in the module`;
    }
    const doc = data ? dataDocument(trees, source, block, taken, n) : undefined;
    if (typeof doc === 'string') return doc;
    if (doc) {
      const dataAddress = doc.addresses[0]!;
      const refusedData = await extraReference(parser, extraFiles, dataAddress, (r) =>
        nodesWhere(r, (x) => referencesData(x, doc.name)),
      );
      if (refusedData !== undefined) return refusedData;
    }
    const added: TerraformPartAttachment[] = [];
    for (const { block: b, path } of found) {
      const [type = '', attName = ''] = blockLabels(b);
      for (let k = 1; k < n; k++) {
        const address = `${type}.${attName}_part${k + 1}`;
        if (taken.has(address))
          return `${taken.get(address)!}: ${address} is already in the module`;
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
    const resourceText = own.text;
    const policyCopies: string[] = [];
    const dataCopies: string[] = [];
    for (let k = 1; k < n; k++) {
      const docEdits = planEdits(text, source.document, refinement, windows[k]);
      if (typeof docEdits === 'string') return docEdits;
      // A document in the resource is cut in its copy; a data source's, in the data source's copy.
      const edits: Edit[] = doc ? [] : docEdits;
      if (doc) {
        docEdits.push({
          start: doc.label.startIndex,
          end: doc.label.endIndex,
          text: JSON.stringify(`${doc.name}_part${k + 1}`),
        });
        const c = copy(doc.block, docEdits);
        if (c === undefined) return 'internal: an edit of a part lies outside its data source';
        dataCopies.push(c);
        edits.push({
          start: doc.reference.startIndex,
          end: doc.reference.endIndex,
          text: `${doc.addresses[k]!}.json`,
        });
      }
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
      const c = copy(block, edits, resourceText);
      if (c === undefined) return 'internal: an edit of a part lies outside its resource';
      policyCopies.push(c);
    }
    const out: Edit[] = [...first];
    const elsewhere = new Map<string, Edit[]>();
    const put = (path: string, edit: Edit) => {
      if (path === source.file) out.push(edit);
      else elsewhere.set(path, [...(elsewhere.get(path) ?? []), edit]);
    };
    if (doc) put(source.file, insertAfter(doc.block, dataCopies));
    put(resourceFile, insertAfter(block, policyCopies, resourceText));
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
      put(path, insertAfter(b, copies, within));
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
      resourceFile,
      documents: doc?.addresses ?? [],
    };
  } finally {
    for (const t of trees) t.tree?.delete();
  }
}

/**
 * Reads a Terraform split back from the patched text of the policy's file: the documents of the
 * original resource and of every part (in order), after checking that every attachment resource
 * the split adds is there, in its file, with its `policy_arn` and principal, and, for a document of
 * a data source, that each part reads its own copy of it, written in the data source's file; or
 * why not.
 *
 * @param file - The file the document is written in (the data source's for a data source).
 * @param others - The patched text of another file of the module (where an attachment, or the
 *   resource when its data source is in another file, is copied).
 */
export async function readTerraformSplit(
  file: string,
  patched: string,
  address: string,
  plan: Pick<TerraformSplitPlan, 'parts' | 'added'> &
    Partial<Pick<TerraformSplitPlan, 'resourceFile' | 'documents'>>,
  others: (path: string) => string | undefined = () => undefined,
): Promise<{ address: string; document: SNode }[] | string> {
  const resourceFile = plan.resourceFile ?? file;
  const documents = plan.documents ?? [];
  const textOf = (path: string) => (path === file ? patched : others(path));
  const resourceText = textOf(resourceFile);
  if (resourceText === undefined) return `internal: no patched text of ${resourceFile}`;
  // Only the parts are read: no file() is followed.
  const located = await locateTerraform(
    resourceFile === file
      ? [{ path: file, text: patched }]
      : [
          { path: file, text: patched },
          { path: resourceFile, text: resourceText },
        ],
    { within: () => false },
  );
  const out: { address: string; document: SNode }[] = [];
  const addresses = [address, ...plan.parts];
  for (const a of addresses) {
    const s = located.sources.find((x) => x.address === a);
    if (!s) {
      const why = located.unsupported.find((u) => u.what === a || u.what === 'file');
      return `${a} is not in the patched file${why ? ` (${why.reason})` : ''}`;
    }
    if (documents.length > 0 && (s.form !== 'policy document' || s.file !== file)) {
      return `${a} does not read its document from a data.aws_iam_policy_document of ${file}`;
    }
    out.push({ address: a, document: s.document });
  }
  const parser = await terraformParser();
  for (const path of new Set([file, resourceFile, ...plan.added.map((a) => a.file)])) {
    const text = textOf(path);
    if (text === undefined) return `internal: no patched text of ${path}`;
    const tree = parser.parse(text);
    if (!tree) return `${path} could not be parsed`;
    try {
      if (tree.rootNode.hasError) return `the patched ${path} does not parse as Terraform`;
      const byAddress = new Map<string, Node>();
      for (const [prefix, type] of [
        ['', 'resource'],
        ['data.', 'data'],
      ] as const) {
        for (const b of resourcesOf(tree.rootNode, type)) {
          const key = `${prefix}${blockLabels(b).slice(0, 2).join('.')}`;
          if (byAddress.has(key)) return `${key} is declared twice in the patched ${path}`;
          byAddress.set(key, b);
        }
      }
      // Each part reads its own copy of the data source (declared in `file`).
      if (path === file) {
        for (const d of documents) {
          if (!byAddress.has(d)) return `${d} is not in the patched ${path}`;
        }
      }
      if (path === resourceFile && documents.length > 0) {
        for (const [k, a] of addresses.entries()) {
          const b = byAddress.get(a);
          const want = `${documents[k] ?? '?'}.json`;
          if (!b) return `${a} is not in the patched ${path}`;
          if (attribute(bodyOf(b), 'policy')?.text !== want) {
            return `${a} (${path}:${lineOf(text, b.startIndex)}) does not have policy = ${want}`;
          }
        }
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
