/**
 * Terraform files that `remediate` does not rewrite but must know about: override files and files
 * in Terraform's JSON syntax.
 *
 * - **Override files** (`override.tf`, `*_override.tf`, and their `.tf.json` forms): Terraform
 *   merges their blocks, attribute by attribute, over the blocks of the same address in the
 *   module's other files. A patch to the `policy` of `resource "aws_iam_policy" "x"` proves nothing
 *   when an override file also writes that block (it may set the policy that is deployed), or the
 *   `data "aws_iam_policy_document"` it reads. Such a source is reported, with the override's file
 *   and line, and not patched; see {@link OverrideIndex}.
 * - **JSON syntax** (`*.tf.json`): its IAM policies are not rewritten (one line each says so, so
 *   that a finding whose policy is written there is not left without a reason).
 *
 * Which names are override files: Terraform's documentation, "Override Files" (a file named
 * `override.tf` or `override.tf.json`, or whose name ends in `_override.tf` or `_override.tf.json`).
 */
import { basename, dirname } from 'node:path';
import { lineOf } from './rewrite-list.js';
import { blockLabels, blockType, blocksIn, kids, terraformParser } from './terraform.js';
import type { Unsupported } from './types.js';

/** What kind of Terraform file a path names, or `undefined` for another file. */
export type TerraformFileKind = 'tf' | 'tf-override' | 'tf-json' | 'tf-json-override';

/** The kind of Terraform file `path` is, by its name (case-insensitive, as `remediate` walks). */
export function terraformFileKind(path: string): TerraformFileKind | undefined {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.tf.json')) {
    return name === 'override.tf.json' || name.endsWith('_override.tf.json')
      ? 'tf-json-override'
      : 'tf-json';
  }
  if (name.endsWith('.tf')) {
    return name === 'override.tf' || name.endsWith('_override.tf') ? 'tf-override' : 'tf';
  }
  return undefined;
}

/** Where a block is written. */
export interface BlockAt {
  file: string;
  /** 1-based. */
  line: number;
}

/**
 * What {@link OverrideIndex.find} found: the override's block (`resource` or `data`), or an
 * override file of the module that could not be read (`unreadable`).
 */
export interface Overridden extends BlockAt {
  kind: 'resource' | 'data' | 'unreadable';
}

/** The resource types whose documents `remediate` rewrites in HCL (reported when in JSON). */
const IAM_TYPES = new Set([
  'aws_iam_policy',
  'aws_iam_role_policy',
  'aws_iam_user_policy',
  'aws_iam_group_policy',
  'aws_iam_role',
]);

/**
 * The blocks that override files write, by module (directory), and whether a module has an
 * override file that could not be read (then nothing of that module is known not to be
 * overridden).
 */
export class OverrideIndex {
  private readonly blocks = new Map<string, Overridden>();
  private readonly unreadable = new Map<string, Overridden>();
  /** The override files' texts by module, for the split's reference search. */
  readonly files: { path: string; text: string; json: boolean }[] = [];

  /** Records that `file` writes the block `kind type name` (`resource`/`data`). */
  add(file: string, kind: 'resource' | 'data', type: string, name: string, line: number): void {
    const key = `${dirname(file)}\0${kind}\0${type}\0${name}`;
    if (!this.blocks.has(key)) this.blocks.set(key, { file, line, kind });
  }

  /** Records that the override file `file` could not be read as Terraform. */
  addUnreadable(file: string, line: number): void {
    const dir = dirname(file);
    if (!this.unreadable.has(dir)) this.unreadable.set(dir, { file, line, kind: 'unreadable' });
  }

  /**
   * Where an override file of the module of `declaredIn` writes the block `kind type name`, or
   * where an unreadable override file of that module is; `undefined` when none does.
   */
  find(
    declaredIn: string,
    kind: 'resource' | 'data',
    type: string,
    name: string,
  ): Overridden | undefined {
    const dir = dirname(declaredIn);
    return this.blocks.get(`${dir}\0${kind}\0${type}\0${name}`) ?? this.unreadable.get(dir);
  }

  /** The override files of the module of `declaredIn`. */
  inModule(declaredIn: string): { path: string; text: string; json: boolean }[] {
    const dir = dirname(declaredIn);
    return this.files.filter((f) => dirname(f.path) === dir);
  }
}

/** The own keys of a JSON object, or of every object of a JSON array of objects. */
function members(v: unknown): [string, unknown][] {
  const objects = Array.isArray(v) ? v : [v];
  const out: [string, unknown][] = [];
  for (const o of objects) {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) continue;
    for (const k of Object.keys(o)) out.push([k, (o as Record<string, unknown>)[k]]);
  }
  return out;
}

/**
 * The `resource` and `data` blocks of a file in Terraform's JSON syntax (`{"resource": {TYPE:
 * {NAME: {...}}}}`, each level an object or an array of objects), with an approximate line (that
 * of the name's first quoted occurrence after its type's); `undefined` when it is not JSON.
 */
export function terraformJsonBlocks(
  text: string,
): { kind: 'resource' | 'data'; type: string; name: string; line: number }[] | undefined {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return undefined;
  const out: { kind: 'resource' | 'data'; type: string; name: string; line: number }[] = [];
  for (const [kind, byType] of members(root)) {
    if (kind !== 'resource' && kind !== 'data') continue;
    for (const [type, byName] of members(byType)) {
      const typeAt = text.indexOf(JSON.stringify(type));
      for (const [name] of members(byName)) {
        const at = text.indexOf(JSON.stringify(name), Math.max(typeAt, 0));
        out.push({ kind, type, name, line: at < 0 ? 1 : lineOf(text, at) });
      }
    }
  }
  return out;
}

/**
 * Reads the override files and the JSON-syntax files among `files`: the {@link OverrideIndex} of
 * the former, and one {@link Unsupported} line per IAM policy written in the latter (and per
 * unreadable override file).
 */
export async function readTerraformExtras(
  files: readonly { path: string; text: string; kind: TerraformFileKind }[],
): Promise<{ overrides: OverrideIndex; unsupported: Unsupported[] }> {
  const overrides = new OverrideIndex();
  const unsupported: Unsupported[] = [];
  for (const f of files) {
    if (f.kind === 'tf') continue;
    const override = f.kind === 'tf-override' || f.kind === 'tf-json-override';
    if (f.kind === 'tf-override') {
      const parser = await terraformParser();
      const tree = parser.parse(f.text);
      try {
        if (!tree || tree.rootNode.hasError) {
          const line = (tree?.rootNode.descendantsOfType('ERROR')[0]?.startPosition.row ?? 0) + 1;
          overrides.addUnreadable(f.path, line);
          unsupported.push({
            file: f.path,
            line,
            what: 'override file',
            reason:
              'the override file does not parse as Terraform: what it overrides is unknown, so no policy of its module is patched',
          });
          continue;
        }
        overrides.files.push({ path: f.path, text: f.text, json: false });
        const body = kids(tree.rootNode).find((c) => c.type === 'body');
        for (const b of blocksIn(body)) {
          const kind = blockType(b);
          if (kind !== 'resource' && kind !== 'data') continue;
          const [type = '', name = ''] = blockLabels(b);
          overrides.add(f.path, kind, type, name, b.startPosition.row + 1);
        }
      } finally {
        tree?.delete();
      }
      continue;
    }
    const blocks = terraformJsonBlocks(f.text);
    if (blocks === undefined) {
      if (override) overrides.addUnreadable(f.path, 1);
      unsupported.push({
        file: f.path,
        line: 1,
        what: override ? 'override file' : 'file',
        reason: override
          ? 'the override file is not JSON: what it overrides is unknown, so no policy of its module is patched'
          : 'the file is not JSON; its policies are left alone',
      });
      continue;
    }
    if (override) overrides.files.push({ path: f.path, text: f.text, json: true });
    for (const b of blocks) {
      if (override) overrides.add(f.path, b.kind, b.type, b.name, b.line);
      else if (
        (b.kind === 'resource' && IAM_TYPES.has(b.type)) ||
        (b.kind === 'data' && b.type === 'aws_iam_policy_document')
      ) {
        unsupported.push({
          file: f.path,
          line: b.line,
          what: `${b.kind === 'data' ? 'data.' : ''}${b.type}.${b.name}`,
          reason:
            'written in Terraform JSON syntax (.tf.json), which remediate does not rewrite; its policy is left alone',
        });
      }
    }
  }
  return { overrides, unsupported };
}

/** The reason a source overridden at `at` is not patched (one line). */
export function overriddenReason(what: string, at: Overridden): string {
  if (at.kind === 'unreadable') {
    return `the module's override file ${at.file}:${at.line} could not be read, so whether it overrides ${what} is unknown; not patched`;
  }
  return `${what} is also written in the override file ${at.file}:${at.line}: Terraform merges it over this file, so the deployed policy is not decided here alone; not patched (merge the override into the file, then run remediate again)`;
}
