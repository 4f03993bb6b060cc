/**
 * Remediation as code: for each policy an UnusedPermission finding recommends refining, find the
 * Terraform or CloudFormation source that writes it, rewrite its action lists in place, prove the
 * patched source (parse it again, read the document back, run the exactness proof against the
 * scanned original and the unused permissions) and return the patch as a unified diff. A patch
 * that fails any check is never returned; what cannot be patched is returned with the reason.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ActionCatalog } from '../catalog/catalog.js';
import { IamRefineError } from '../errors.js';
import { removedSummary } from '../findings/recommendations.js';
import type { Finding, PolicyRecommendation } from '../findings/types.js';
import type { ActionsByAccessLevel } from '../refine/access-levels.js';
import { parseIamArn } from '../inventory/arn.js';
import {
  MANAGED_POLICY_QUOTA,
  POLICY_QUOTAS,
  policySize,
  type PolicyType,
} from '../policy/size.js';
import { parseUnused, type UnusedSet } from '../policy/unused.js';
import { verifyRefinement } from '../refine/proof.js';
import {
  chooseForm,
  formLabel,
  type FormSummary,
  type PolicyForm,
} from '../refine/forms/choose.js';
import { mergePolicies, splitPolicy, type Split } from '../refine/forms/split.js';
import { refinePolicy, type RefineOptions } from '../refine/refine.js';
import type { Proof } from '../refine/types.js';
import { locateCloudFormation } from './cloudformation.js';
import type { Deployed } from './deployed.js';
import {
  canonicalDocument,
  describe,
  isDeployTime,
  matchDocument,
  resolveDocument,
  sourceStatements,
  type Bindings,
} from './document.js';
import { alignHclEdits } from './hcl-align.js';
import { planEdits } from './patch.js';
import { applyEdits, lineOf } from './rewrite-list.js';
import { locateTerraform } from './terraform.js';
import type { Edit, PolicySource, SNode, Unsupported } from './types.js';
import { partIds, planSplit } from './split.js';
import {
  readTerraformExtras,
  terraformFileKind,
  type TerraformFileKind,
} from './terraform-overrides.js';
import { moduleInstances, type ModuleInstances } from './terraform-modules.js';
import { planTerraformSplit, readTerraformSplit } from './terraform-split.js';
import {
  sharedUnused,
  splitOverAttachmentQuota,
  type SharedPolicyContext,
} from './shared-policy.js';
import { unifiedDiff } from './unified-diff.js';

/**
 * The forms a patch writes into a source (a split only for a CloudFormation
 * `AWS::IAM::ManagedPolicy` or a Terraform `aws_iam_policy`).
 */
export type PatchForm = PolicyForm;

/** How each single-policy form is refined (as src/refine/forms/choose.ts refines it). */
const FORM_OPTIONS: Record<
  Exclude<PolicyForm, 'split'>,
  Pick<RefineOptions, 'patterns' | 'notAction'>
> = {
  article: { patterns: 'article' },
  compact: { patterns: 'compact' },
  notaction: { patterns: 'compact', notAction: true },
};

/** `6144` → `6,144`. */
function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A patched document's size against the quota of where it lives: IAM's quota, or the room the
 * finding's form gives (an inline policy shares its quota with the principal's other ones).
 */
function sizeAgainst(
  measure: (policy: unknown, kind: QuotaKind) => SizeAgainstQuota,
  policy: unknown,
  kind: QuotaKind,
  form: FormSummary | undefined,
): SizeAgainstQuota {
  const m = measure(policy, kind);
  if (form === undefined || form.quota >= m.quota) return m;
  return {
    ...m,
    quota: form.quota,
    label: `${m.label}, less what the principal's other inline policies use`,
  };
}

/** Why a split recommendation is not patched: the policies it would add, and their sizes. */
function splitReason(rec: PolicyRecommendation, kind: QuotaKind): string {
  const parts = rec.form?.parts ?? (rec.parts ?? []).map((p) => policySize(p));
  const added = kind === 'managed' ? parts.length - 1 : parts.length;
  const sizes = parts.map((n) => fmt(n)).join(', ');
  return (
    `split form needs ${added} new polic${added === 1 ? 'y' : 'ies'} (${parts.length} customer managed policies of ${sizes} of ${fmt(MANAGED_POLICY_QUOTA)} characters), ` +
    `and remediate adds policies only next to a CloudFormation AWS::IAM::ManagedPolicy or a Terraform aws_iam_policy: write the parts (finding page, \`recommend --format json\`) by hand`
  );
}

/** Which IAM quota a policy's size counts against. */
export type QuotaKind = PolicyType;

/** IAM's measure: characters without whitespace, against the quota of where the policy lives. */
function iamSize(policy: unknown, kind: QuotaKind): SizeAgainstQuota {
  const q = POLICY_QUOTAS.get(kind)!;
  return { characters: policySize(policy), quota: q.quota, label: q.label };
}

/** A policy's size against its quota. */
export interface SizeAgainstQuota {
  /** Characters without whitespace. */
  characters: number;
  quota: number;
  /** The quota's wording, e.g. `managed policy quota`. */
  label: string;
}

/** Options of {@link remediate}. */
export interface RemediateOptions {
  /** The directories with the sources (searched recursively). */
  dirs: readonly string[];
  /** The findings (only UnusedPermission findings with policies matter). */
  findings: readonly Finding[];
  catalog: ActionCatalog;
  /** Deployment records (`--terraform-state`, `--cfn-resources`). */
  deployed?: Deployed;
  /**
   * Who managed policies are attached to and the findings of those principals: a customer
   * managed policy is changed in place only with what none of them used (see shared-policy.ts);
   * without it, managed policies are not patched.
   */
  sharing?: SharedPolicyContext;
  /** Measures a policy against its quota (default: IAM's size and quotas, src/policy/size.ts). */
  measure?: (policy: unknown, kind: QuotaKind) => SizeAgainstQuota;
  /** At most this many files are read (default 20,000). */
  maxFiles?: number;
  /** Larger files are skipped and reported (default 5 MB). */
  maxFileBytes?: number;
}

/** One policy's patch. */
export interface PolicyPatch {
  /** The findings it remediates (several when principals share the policy and its refinement). */
  findingIds: string[];
  /** Their principals. */
  principals: string[];
  /**
   * A managed policy attached to more than the finding's principal: every principal it reaches
   * (sorted). The patch removes only what none of them used.
   */
  sharedBy?: string[];
  policyId: string;
  policyName: string;
  policyType: PolicyRecommendation['policyType'];
  source: {
    tool: PolicySource['tool'];
    /** Directory given with `--iac` that holds the file. */
    dir: string;
    /** The patched file, relative to `dir` (as in the diff). */
    file: string;
    /** The file and 1-based line the resource is declared at, relative to `dir`. */
    declaredIn: string;
    line: number;
    address: string;
    form: string;
  };
  recommendedAction: 'CREATE_POLICY';
  removedByAccessLevel: PolicyRecommendation['removedByAccessLevel'];
  removedServices: string[];
  /** The proof run on the document read back from the patched source. */
  proof: Pick<Proof, 'exact' | 'catalogActions' | 'statementsChecked' | 'patternsChecked'>;
  /**
   * The form of the refined policy written into the source (the finding's choice: the article's
   * form when it fits the quota, else `compact`, `notaction`, or `split` for a CloudFormation
   * managed policy).
   */
  form: PatchForm;
  /** Why the finding chose that form (absent for a finding recorded without forms). */
  formReason?: string;
  /**
   * For a split: the parts, in order: the original resource (its logical ID) and the resources
   * added next to it, each with its size against the managed policy quota.
   */
  parts?: (SizeAgainstQuota & { id: string })[];
  /**
   * For a Terraform split: the attachment resources of the original
   * (`aws_iam_role_policy_attachment.x`, ...) and their files (relative to `source.dir`, as in the
   * diff), each copied for every new part (`x_part2`, ...) in its own file.
   */
  attachmentsCopied?: { address: string; file: string }[];
  /**
   * For a Terraform split of a document written in a `data "aws_iam_policy_document"`: that data
   * source (`data.aws_iam_policy_document.x`, in `source.file`) and its copies added right after it
   * (`x_part2`, ...), one per new part, each read by that part's resource.
   */
  dataSourceCopies?: { address: string; copies: string[] };
  /**
   * The other files the patch changes (relative to `source.dir`, sorted): a Terraform split whose
   * attachment resources are in other files of the module. Proved and written together with
   * `source.file`, or not at all.
   */
  otherFiles?: string[];
  /**
   * Size before and after, against the quota of where the policy lives (after: for an inline
   * policy, the room its principal's other inline policies leave, when the finding says).
   */
  size: { before: SizeAgainstQuota; after: SizeAgainstQuota };
  /** The refined document (as the patched source deploys it). */
  policy: Record<string, unknown>;
  /** This policy's change alone, as a unified diff. */
  diff: string;
}

/** A policy of a finding that is not patched, and why. */
export interface NotPatched {
  findingId: string;
  resource: string;
  policyId: string;
  policyName: string;
  reason: string;
  /**
   * The source it concerns, when one was found: where its resource is declared (`file` and
   * `line`; the document itself may be written in another file, read with `file()` or a data
   * source).
   */
  source?: { file: string; line: number; address: string };
}

/** What {@link remediate} returns. */
export interface RemediateResult {
  patches: PolicyPatch[];
  notPatched: NotPatched[];
  /** Constructs of the sources that cannot be rewritten safely (file, line, why). */
  unsupported: Unsupported[];
  /** Every patched file, after all its patches: the combined unified diff. */
  diff: string;
  /** The files the diff changes (relative to their dir) and their texts. */
  files: { dir: string; file: string; before: string; after: string }[];
  /** What was read. */
  read: { terraformFiles: number; templates: number; policySources: number };
}

const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.terraform',
  'cdk.out',
]);
const TEMPLATE_EXTENSIONS = ['.yaml', '.yml', '.json', '.template'];

/** The files of `dir`, recursively (hidden folders and dependency folders skipped). */
async function walk(
  dir: string,
  out: { path: string; dir: string }[],
  unsupported: Unsupported[],
  root: string,
  max: number,
): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (out.length >= max) {
      throw new IamRefineError(
        `more than ${max} files under ${root}: give the folders that hold the IAM sources`,
      );
    }
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (SKIPPED_DIRS.has(e.name) || e.name.startsWith('.')) continue;
      await walk(path, out, unsupported, root, max);
    } else if (e.isFile()) {
      if (e.name === 'cdk.json') {
        unsupported.push({
          file: path,
          line: 1,
          what: 'CDK app',
          reason:
            'CDK sources are code that generates templates; they are not rewritten (the synthesized templates under cdk.out are generated files)',
        });
      }
      out.push({ path, dir: root });
    }
  }
}

/** The Terraform JSON-syntax files (not overrides) of the module that declares `source`. */
function jsonInModule(
  extras: readonly { path: string; text: string; kind: TerraformFileKind }[],
  source: PolicySource,
): { path: string; text: string; json: boolean }[] {
  const dir = dirname(source.declaredIn);
  return extras
    .filter((e) => e.kind === 'tf-json' && dirname(e.path) === dir)
    .map((e) => ({ path: e.path, text: e.text, json: true }));
}

/** The statements of a source whose actions cannot be rewritten (reported even when unused). */
function unrewritable(source: PolicySource, text: string): Unsupported[] {
  const read = sourceStatements(source.document);
  const at = (what: string, reason: string): Unsupported => ({
    file: source.file,
    line: source.line,
    what,
    reason,
  });
  if (typeof read === 'string') return [at(source.address, read)];
  const out: Unsupported[] = [];
  read.statements.forEach((st, i) => {
    const node = st.actions;
    const bad =
      node.kind === 'seq'
        ? node.items.find((item) => item.kind !== 'str' || isDeployTime(item))
        : node.kind === 'str' && !node.template
          ? undefined
          : node;
    if (bad) {
      out.push({
        file: source.file,
        line: lineOf(text, bad.span.start),
        what: `${source.address} statement ${i}`,
        reason: `${st.actionKey} is built from ${describe(bad)}; it is left alone`,
      });
    }
  });
  return out;
}

/** The principal's kind and name from its ARN. */
function principalOf(arn: string): { kind: string; name: string } | undefined {
  const p = parseIamArn(arn);
  return p ? { kind: p.resourceType, name: p.name } : undefined;
}

/** Why `source` cannot be the policy `p` of `finding` by the names known (undefined: it can). */
function nameMismatch(
  source: PolicySource,
  finding: Finding,
  p: PolicyRecommendation,
  deployed: Deployed | undefined,
): string | undefined {
  const managed = p.policyType === 'CUSTOMER_MANAGED' || p.policyType === 'GROUP_MANAGED';
  if (source.managed !== managed) return 'kind';
  const d = deployed?.get(source.stateKey) ?? undefined;
  const dp = source.principalKey ? (deployed?.get(source.principalKey) ?? undefined) : undefined;
  // The state of a Terraform policy resource names the policy (and its principal); a role's state
  // (inline_policy blocks) and a stack's physical IDs name the principal, not the policy.
  const policyResource = source.tool === 'terraform' && source.resourceType !== 'aws_iam_role';
  const policyName = source.policyName ?? (policyResource ? d?.name : undefined);
  if (policyName !== undefined && policyName !== p.policyName) return 'name';
  if (managed) {
    if (d?.arn !== undefined && d.arn !== p.policyId) return 'arn';
    return undefined;
  }
  const principal = p.groupArn ? principalOf(p.groupArn) : principalOf(finding.resource);
  const sourcePrincipal =
    source.principal?.name ?? dp?.principalName ?? (policyResource ? d?.principalName : undefined);
  if (source.principal && principal && source.principal.kind !== principal.kind)
    return 'principal kind';
  if (sourcePrincipal !== undefined && principal && sourcePrincipal !== principal.name)
    return 'principal';
  return undefined;
}

/** The unused set a policy was refined with. */
function unusedFor(finding: Finding, p: PolicyRecommendation): UnusedSet {
  if (p.labels?.some((l) => l.code === 'GROUP_POLICY')) {
    // Refined with the group's set: what the refinement removed is that set, as far as it matters.
    const entries: string[] = [];
    for (const list of Object.values(p.removedByAccessLevel)) {
      for (const a of list ?? [])
        if (!a.includes('*') && !a.includes('?') && a.includes(':')) entries.push(a);
    }
    for (const s of p.removedServices ?? []) entries.push(`${s}:*`);
    return parseUnused(entries, { source: `finding ${finding.id}` });
  }
  return parseUnused(
    { findingDetails: finding.findingDetails },
    { source: `finding ${finding.id}` },
  );
}

function quotaKind(p: PolicyRecommendation, finding: Finding): QuotaKind {
  if (
    p.policyType === 'CUSTOMER_MANAGED' ||
    p.policyType === 'GROUP_MANAGED' ||
    p.policyType === 'AWS_MANAGED'
  )
    return 'managed';
  if (p.policyType === 'GROUP_INLINE') return 'group-inline';
  return finding.resourceType === 'AWS::IAM::User' ? 'user-inline' : 'role-inline';
}

/** A planned, proven patch of one source. */
interface Planned {
  source: PolicySource;
  /** The form written (the finding's choice). */
  form: PatchForm;
  /** The patched document's size against the quota of where it lives (a split: its largest part). */
  size: SizeAgainstQuota;
  /**
   * Reads the source back from a patched text of its file and proves it (`others`: the patched
   * text of another file the patch changes).
   */
  check: (
    text: string,
    shift: ((offset: number) => number) | undefined,
    others: (path: string) => string | undefined,
  ) => Promise<Proof | string>;
  /** For a split: each part's resource and size. */
  parts?: (SizeAgainstQuota & { id: string })[];
  /** For a Terraform split: the attachment resources copied for every new part. */
  attachmentsCopied?: { address: string; file: string }[];
  /** For a Terraform split of a data source's document: the data source and its copies. */
  dataSourceCopies?: { address: string; copies: string[] };
  /** The edits of `source.file`. */
  edits: Edit[];
  /** The edits of other files (path → edits): proved and written with `edits`, or not at all. */
  others?: Map<string, Edit[]>;
  bindings: Bindings;
  unused: UnusedSet;
  original: Record<string, unknown>;
  policy: Record<string, unknown>;
  proof: Proof;
  finding: Finding;
  rec: PolicyRecommendation;
  findingIds: string[];
  principals: string[];
  /** A shared managed policy: every principal it reaches. */
  sharedBy?: string[];
  /** A shared managed policy: what the patch removes (the finding's removal is for one principal). */
  removed?: { removedByAccessLevel: ActionsByAccessLevel; removedServices: string[] };
}

/** Every finding of planned patch `p`, listed as not patched for `reason`, at its source. */
function notPatchedOf(p: Planned, reason: string): NotPatched[] {
  return p.findingIds.map((findingId, i) => ({
    findingId,
    resource: p.principals[i]!,
    policyId: p.rec.policyId,
    policyName: p.rec.policyName,
    reason,
    source: { file: p.source.declaredIn, line: p.source.line, address: p.source.address },
  }));
}

/** The services an unused set names as a whole. */
function wholeServicesOf(unused: UnusedSet): Set<string> {
  const out = new Set<string>();
  for (const [s, v] of unused.services) if (v === 'all') out.add(s);
  return out;
}

/** Reads the patched source back and proves it; returns the proof or why it fails. */
async function proveSource(
  source: PolicySource,
  patched: string,
  shift: ((offset: number) => number) | undefined,
  bindings: Bindings,
  original: Record<string, unknown>,
  policy: Record<string, unknown>,
  unused: UnusedSet,
  catalog: ActionCatalog,
): Promise<Proof | string> {
  const tree = await source.reread(patched, shift);
  if (typeof tree === 'string') return tree;
  let doc: unknown;
  try {
    doc = resolveDocument(tree, bindings);
  } catch (error) {
    return `the patched document cannot be read back: ${(error as Error).message}`;
  }
  const proof = proveExact('the patched document', original, doc, unused, catalog);
  if (typeof proof === 'string') return proof;
  if (!matchDocument(tree, policy, new Map(bindings)))
    return 'the patched document is not the recommended one';
  return proof;
}

/**
 * The exactness proof of `doc` (what was read back, named `what` in the reasons) against `original`:
 * the proof, or why there is none (not a valid policy, or not exact).
 */
function proveExact(
  what: string,
  original: Record<string, unknown>,
  doc: unknown,
  unused: UnusedSet,
  catalog: ActionCatalog,
): Proof | string {
  let proof: Proof;
  try {
    proof = verifyRefinement(
      canonicalDocument(original) as object,
      canonicalDocument(doc) as object,
      unused,
      { catalog },
    );
  } catch (error) {
    return `${what} is not a valid policy: ${(error as Error).message}`;
  }
  return proof.exact ? proof : `${what} fails the exactness proof`;
}

/** The documents of a CloudFormation split read back from the patched template (`ids`: logical IDs). */
async function readCloudFormationSplit(
  source: PolicySource,
  patched: string,
  ids: readonly string[],
): Promise<{ address: string; document: SNode }[] | string> {
  await Promise.resolve();
  const located = locateCloudFormation(source.file, patched);
  const out: { address: string; document: SNode }[] = [];
  for (const address of ids.map((id) => `Resources.${id}`)) {
    const s = located.sources.find((x) => x.address === address);
    if (!s) return `${address} is not in the patched template`;
    out.push({ address, document: s.document });
  }
  return out;
}

/**
 * Reads a split back from the patched source (`readBack`: the original resource and the added
 * ones), each within the managed policy quota (and, with `expected`, each exactly its part),
 * their union (as `verify` joins a set of policies) proved against the original and equal to the
 * recommended document.
 */
async function proveParts(
  readBack: (patched: string) => Promise<{ address: string; document: SNode }[] | string>,
  patched: string,
  bindings: Bindings,
  original: Record<string, unknown>,
  policy: Record<string, unknown>,
  unused: UnusedSet,
  catalog: ActionCatalog,
  expected?: readonly Record<string, unknown>[],
): Promise<Proof | string> {
  const read = await readBack(patched);
  if (typeof read === 'string') return read;
  const docs: Record<string, unknown>[] = [];
  for (const { address, document } of read) {
    let doc: Record<string, unknown>;
    try {
      doc = resolveDocument(document, new Map(bindings)) as Record<string, unknown>;
    } catch (error) {
      return `${address} cannot be read back: ${(error as Error).message}`;
    }
    if (policySize(doc) > MANAGED_POLICY_QUOTA) {
      return `${address} is ${fmt(policySize(doc))} characters, over the ${fmt(MANAGED_POLICY_QUOTA)} of a managed policy`;
    }
    const want = expected?.[docs.length];
    if (
      expected &&
      (want === undefined ||
        JSON.stringify(canonicalDocument(doc)) !== JSON.stringify(canonicalDocument(want)))
    ) {
      return `${address} is not part ${docs.length + 1} of the split`;
    }
    docs.push(doc);
  }
  if (expected && docs.length !== expected.length) {
    return `${docs.length} parts read back, the split has ${expected.length}`;
  }
  const merged = mergePolicies(docs);
  const proof = proveExact('the union of the parts', original, merged, unused, catalog);
  if (typeof proof === 'string') return proof;
  if (JSON.stringify(canonicalDocument(merged)) !== JSON.stringify(canonicalDocument(policy)))
    return 'the union of the parts is not the recommended document';
  return proof;
}

/**
 * The edits of `file` with, for a Terraform `.tf` file, the spaces before `=` and trailing comments
 * re-aligned as `terraform fmt` aligns them (see hcl-align.ts); other files' edits as they are.
 */
function fmtEdits(file: string, text: string, edits: readonly Edit[]): Edit[] {
  return terraformFileKind(file) === 'tf' ? alignHclEdits(text, edits) : [...edits];
}

/** Maps offsets of a text to offsets after `edits`. */
function shifter(edits: readonly Edit[]): (offset: number) => number {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  return (offset) => {
    let d = 0;
    for (const e of sorted) {
      if (e.end <= offset && !(e.start === e.end && e.start === offset))
        d += e.text.length - (e.end - e.start);
      else break;
    }
    return offset + d;
  };
}

/**
 * Finds the sources of the recommended policies in `options.dirs`, patches them and proves every
 * patch.
 *
 * @throws IamRefineError when a directory cannot be read or holds too many files.
 */
export async function remediate(options: RemediateOptions): Promise<RemediateResult> {
  const maxFiles = options.maxFiles ?? 20_000;
  const maxBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
  const unsupported: Unsupported[] = [];
  const files: { path: string; dir: string }[] = [];
  for (const dir of options.dirs) {
    const s = await stat(dir).catch((cause: unknown) => {
      throw new IamRefineError(`--iac ${dir}: not a readable directory`, { cause });
    });
    if (!s.isDirectory()) throw new IamRefineError(`--iac ${dir}: not a directory`);
    await walk(dir, files, unsupported, dir, maxFiles);
  }
  const texts = new Map<string, string>();
  const dirOf = new Map<string, string>();
  const tf: { path: string; text: string }[] = [];
  const tfExtras: { path: string; text: string; kind: TerraformFileKind }[] = [];
  const templates: { path: string; text: string }[] = [];
  for (const f of files) {
    const lower = f.path.toLowerCase();
    const tfKind = terraformFileKind(f.path);
    const isTemplate = tfKind === undefined && TEMPLATE_EXTENSIONS.some((e) => lower.endsWith(e));
    if (tfKind === undefined && !isTemplate) continue;
    const size = (await stat(f.path)).size;
    if (size > maxBytes) {
      unsupported.push({
        file: f.path,
        line: 1,
        what: 'file',
        reason: `larger than ${maxBytes} bytes; not read`,
      });
      continue;
    }
    const text = await readFile(f.path, 'utf8');
    if (tfKind !== undefined && tfKind !== 'tf') {
      // Override files and JSON syntax: read for what they override or hold, never patched.
      tfExtras.push({ path: f.path, text, kind: tfKind });
      continue;
    }
    texts.set(f.path, text);
    dirOf.set(f.path, f.dir);
    (tfKind === 'tf' ? tf : templates).push({ path: f.path, text });
  }
  const extras = await readTerraformExtras(tfExtras);
  unsupported.push(...extras.unsupported);
  const roots = options.dirs.map((d) => resolve(d));
  const within = (path: string) => {
    const abs = resolve(path);
    return roots.some((r) => abs === r || abs.startsWith(r.endsWith(sep) ? r : r + sep));
  };
  const located = await locateTerraform(tf, { within, overrides: extras.overrides });
  unsupported.push(...located.unsupported);
  // A module instantiated more than once deploys its policies once per instance: not patched.
  const sources: PolicySource[] = [];
  const instancesOf = new Map<string, ModuleInstances>();
  for (const s of located.sources) {
    const dir = dirname(s.declaredIn);
    let instances = instancesOf.get(dir);
    if (instances === undefined) {
      instancesOf.set(dir, (instances = moduleInstances(dir, located.moduleCalls)));
    }
    if (instances.count === 1) {
      sources.push(s);
      continue;
    }
    unsupported.push({
      file: s.declaredIn,
      line: s.line,
      what: s.address,
      reason: `its module ${dirname(s.declaredIn)} is instantiated ${instances.count === 'many' ? 'any number of times (count or for_each)' : `${instances.count} times`} (${instances.calls.map((c) => `${c.address} at ${c.file}:${c.line}`).join(', ')}): a patch of this file changes every instance; not patched`,
    });
  }
  let templateCount = 0;
  for (const t of templates) {
    const cfn = locateCloudFormation(t.path, t.text);
    if (cfn.template) templateCount++;
    sources.push(...cfn.sources);
    unsupported.push(...cfn.unsupported);
  }
  // Texts of files referenced by file() that are outside the walked ones.
  for (const s of sources) {
    if (!texts.has(s.file)) {
      texts.set(s.file, await readFile(s.file, 'utf8'));
      dirOf.set(s.file, dirOf.get(s.declaredIn) ?? options.dirs[0]!);
    }
    unsupported.push(...unrewritable(s, texts.get(s.file)!));
  }

  const measure = options.measure ?? iamSize;
  const notPatched: NotPatched[] = [];
  const planned = new Map<PolicySource, Planned>();
  const conflicts = new Set<PolicySource>();
  // What a shared managed policy may lose depends on the policy, not on which of its principals'
  // findings asks (each is one of them): worked out once per policy.
  const sharedByPolicy = new Map<string, ReturnType<typeof sharedUnused>>();
  for (const finding of options.findings) {
    if (finding.findingType !== 'UnusedPermission') continue;
    for (const rec of finding.policies ?? []) {
      if (rec.recommendedAction === 'NONE' || rec.error) continue;
      const skip = (reason: string, source?: PolicySource) =>
        notPatched.push({
          findingId: finding.id,
          resource: finding.resource,
          policyId: rec.policyId,
          policyName: rec.policyName,
          reason,
          ...(source
            ? { source: { file: source.declaredIn, line: source.line, address: source.address } }
            : {}),
        });
      if (rec.policyType === 'AWS_MANAGED' || rec.policyId.includes(':iam::aws:policy/')) {
        skip(
          'an AWS managed policy is not written in your sources (replace it with a customer managed policy first)',
        );
        continue;
      }
      if (!rec.originalPolicy) {
        skip('the finding does not carry the scanned policy document');
        continue;
      }
      const byName = sources.filter(
        (s) => nameMismatch(s, finding, rec, options.deployed) === undefined,
      );
      const matches: { source: PolicySource; bindings: Bindings }[] = [];
      for (const s of byName) {
        const bindings: Bindings = new Map();
        if (matchDocument(s.document, rec.originalPolicy, bindings))
          matches.push({ source: s, bindings });
      }
      if (matches.length === 0) {
        // Sources that name this very policy but say something else: changed since the scan.
        const named = byName.filter(
          (s) => s.policyName !== undefined || options.deployed?.get(s.stateKey),
        );
        skip(
          named.length > 0
            ? `no source has the scanned document (${named.length} with matching names differ: changed since the scan, or not applied)`
            : 'no source in the given directories has the scanned document',
          named.length === 1 ? named[0] : undefined,
        );
        continue;
      }
      if (matches.length > 1) {
        skip(
          `${matches.length} sources have the scanned document (${matches.map((m) => `${m.source.file}:${m.source.line}`).join(', ')}); give --terraform-state or --cfn-resources to tell them apart`,
        );
        continue;
      }
      const { source, bindings } = matches[0]!;
      if (rec.recommendedAction === 'DETACH_POLICY') {
        skip(
          'nothing the policy allows is used: the recommendation is to remove it (left to you)',
          source,
        );
        continue;
      }
      let unused: UnusedSet;
      try {
        unused = unusedFor(finding, rec);
      } catch (error) {
        skip(
          `the finding's unused permissions cannot be read: ${(error as Error).message}`,
          source,
        );
        continue;
      }
      const previous = planned.get(source);
      if (previous) {
        // A policy shared by several principals: one patch only if the refinement is the same
        // (a managed policy's is: what none of the principals it reaches used).
        if (
          previous.sharedBy !== undefined ||
          JSON.stringify(previous.policy) === JSON.stringify(rec.policy)
        ) {
          previous.findingIds.push(finding.id);
          previous.principals.push(finding.resource);
        } else {
          conflicts.add(source);
          skip(
            `the policy is shared with ${previous.principals.join(', ')}, whose unused permissions differ: patch it by hand or select one finding with --finding`,
            source,
          );
        }
        continue;
      }
      if (conflicts.has(source)) {
        skip('the policy is shared by principals whose unused permissions differ', source);
        continue;
      }
      const form = rec.form?.form ?? 'article';
      const kind = quotaKind(rec, finding);
      let sharedBy: string[] | undefined;
      if (kind === 'managed') {
        // Changed in place, the policy changes for everyone it is attached to.
        const known = options.sharing?.attachments.get(rec.policyId);
        const reaches =
          known !== undefined &&
          (known.roles.includes(finding.resource) ||
            known.users.includes(finding.resource) ||
            known.groups.some((g) => g.members.includes(finding.resource)));
        let shared = reaches ? sharedByPolicy.get(rec.policyId) : undefined;
        if (shared === undefined) {
          shared = sharedUnused(rec.policyId, finding, options.sharing, options.catalog);
          if (reaches) sharedByPolicy.set(rec.policyId, shared);
        }
        if (typeof shared === 'string') {
          skip(shared, source);
          continue;
        }
        if (shared.principals.length > 1) {
          unused = shared.unused;
          sharedBy = shared.principals;
        }
      }
      if (rec.form && !rec.form.fits) {
        skip(`no exact form fits IAM's quota: ${rec.form.reason}`, source);
        continue;
      }
      if (rec.form && rec.form.policyType !== kind) {
        skip(
          `the recommendation moves the policy (${formLabel(rec.form)}): remediate does not move a policy between resource kinds`,
          source,
        );
        continue;
      }
      const splitsHere =
        source.cfnResource !== undefined ||
        (source.tool === 'terraform' && source.resourceType === 'aws_iam_policy');
      if (form === 'split' && (kind !== 'managed' || !splitsHere)) {
        skip(splitReason(rec, kind), source);
        continue;
      }
      let original: Record<string, unknown>;
      try {
        original = resolveDocument(source.document, bindings) as Record<string, unknown>;
      } catch (error) {
        skip((error as Error).message, source);
        continue;
      }
      let refinement;
      let split: Split | undefined;
      try {
        if (form === 'split') {
          // The same choice as the finding's, on the source's document (the parts cut the same way).
          const f = rec.form!;
          const n = f.parts?.length ?? 0;
          const choice = chooseForm(original, unused, {
            catalog: options.catalog,
            source: source.address,
            placement: {
              policyType: 'managed',
              otherManaged: (f.attachments?.count ?? n) - n,
              ...(f.attachments ? { maxManaged: f.attachments.quota } : {}),
            },
          });
          if (choice.form !== 'split' || choice.parts === undefined) {
            skip(
              `the source's document refines to the ${choice.form} form, not the finding's split`,
              source,
            );
            continue;
          }
          refinement = choice.refinement;
          split = splitPolicy(refinement.policy!, MANAGED_POLICY_QUOTA, choice.parts.length);
          if (!split) throw new Error('internal: the split cannot be made again');
        } else {
          refinement = refinePolicy(original, unused, {
            catalog: options.catalog,
            source: source.address,
            ...FORM_OPTIONS[form],
          });
        }
      } catch (error) {
        skip(`refining the source's document failed: ${(error as Error).message}`, source);
        continue;
      }
      if (sharedBy !== undefined && refinement.recommendedAction !== 'CREATE_POLICY') {
        skip(
          refinement.recommendedAction === 'NONE'
            ? `nothing the policy allows is unused by all ${sharedBy.length} principals it is attached to (${sharedBy.join(', ')})`
            : `none of the ${sharedBy.length} principals it is attached to used what the policy allows: the recommendation is to remove it (left to you)`,
          source,
        );
        continue;
      }
      const overQuota = split
        ? splitOverAttachmentQuota(
            rec.policyId,
            split.parts.length,
            sharedBy ?? [finding.resource],
            finding,
            options.sharing,
          )
        : undefined;
      if (overQuota !== undefined) {
        skip(`split form: ${overQuota}`, source);
        continue;
      }
      const text = texts.get(source.file)!;
      // A Terraform split: the parts' addresses, the attachments copied, and how to read them back.
      const tfSplit =
        split && !source.cfnResource
          ? await planTerraformSplit(
              text,
              source,
              refinement,
              split,
              tf,
              options.sharing?.attachments.get(rec.policyId),
              [...extras.overrides.inModule(source.declaredIn), ...jsonInModule(tfExtras, source)],
            )
          : undefined;
      const edits =
        typeof tfSplit === 'object'
          ? tfSplit.edits
          : (tfSplit ??
            (split
              ? planSplit(text, source, refinement, split)
              : planEdits(text, source.document, refinement)));
      if (typeof edits === 'string') {
        skip(split ? `split form: ${edits}` : edits, source);
        continue;
      }
      const policy = refinement.policy!;
      const parts = split?.parts.map((part) => measure(part, 'managed'));
      const size = parts
        ? parts.reduce((a, b) => (b.characters > a.characters ? b : a))
        : sizeAgainst(measure, policy, kind, rec.form);
      if (size.characters > size.quota) {
        skip(
          `the ${form} form of the source's document is ${fmt(size.characters)} characters${parts ? ' (its largest part)' : ''}, over the ${fmt(size.quota)} of the ${size.label}`,
          source,
        );
        continue;
      }
      const ids =
        typeof tfSplit === 'object'
          ? [source.address, ...tfSplit.parts]
          : split
            ? [
                source.cfnResource!.logicalId,
                ...partIds(source.cfnResource!.logicalId, split.parts.length),
              ]
            : [];
      const check = (
        patchedText: string,
        shift: ((offset: number) => number) | undefined,
        others: (path: string) => string | undefined,
      ) =>
        split
          ? proveParts(
              (t) =>
                typeof tfSplit === 'object'
                  ? readTerraformSplit(source.file, t, source.address, tfSplit, others)
                  : readCloudFormationSplit(source, t, ids),
              patchedText,
              bindings,
              rec.originalPolicy!,
              policy,
              unused,
              options.catalog,
              typeof tfSplit === 'object' ? split.parts : undefined,
            )
          : proveSource(
              source,
              patchedText,
              shift,
              bindings,
              rec.originalPolicy!,
              policy,
              unused,
              options.catalog,
            );
      const others = typeof tfSplit === 'object' ? tfSplit.elsewhere : new Map<string, Edit[]>();
      let patched: string;
      const patchedOthers = new Map<string, string>();
      try {
        // The proof reads the final text: the patch with the alignment terraform fmt writes.
        patched = applyEdits(text, fmtEdits(source.file, text, edits));
        for (const [path, e] of others)
          patchedOthers.set(
            path,
            applyEdits(texts.get(path)!, fmtEdits(path, texts.get(path)!, e)),
          );
      } catch (error) {
        skip((error as Error).message, source);
        continue;
      }
      const proof = await check(patched, undefined, (path) => patchedOthers.get(path));
      if (typeof proof === 'string') {
        skip(`the patch was not written: ${proof}`, source);
        continue;
      }
      planned.set(source, {
        source,
        form,
        size,
        check,
        ...(parts
          ? {
              parts: parts.map((p, k) => ({
                ...p,
                id: ids[k]!,
              })),
            }
          : {}),
        ...(typeof tfSplit === 'object' ? { attachmentsCopied: tfSplit.attachments } : {}),
        ...(typeof tfSplit === 'object' && tfSplit.documents.length > 0
          ? {
              dataSourceCopies: {
                address: tfSplit.documents[0]!,
                copies: tfSplit.documents.slice(1),
              },
            }
          : {}),
        edits,
        ...(others.size > 0 ? { others } : {}),
        bindings,
        unused,
        original: rec.originalPolicy,
        policy,
        proof,
        finding,
        rec,
        findingIds: [finding.id],
        principals: [finding.resource],
        ...(sharedBy === undefined
          ? {}
          : {
              sharedBy,
              removed: removedSummary(refinement, wholeServicesOf(unused), options.catalog),
            }),
      });
    }
  }
  for (const c of conflicts) {
    const p = planned.get(c);
    planned.delete(c);
    if (!p) continue;
    notPatched.push(
      ...notPatchedOf(
        p,
        'the policy is shared by principals whose unused permissions differ: patch it by hand or select one finding with --finding',
      ),
    );
  }

  // One document, several policies: a data.aws_iam_policy_document or a file() JSON that several
  // resources read. Its patch changes each of them, so it is written only when every one of them
  // is patched here with the same refined document (then as one patch), and otherwise not at all.
  const byDocument = new Map<string, PolicySource[]>();
  for (const s of sources) {
    const key = `${s.file}\0${s.document.span.start}`;
    byDocument.set(key, [...(byDocument.get(key) ?? []), s]);
  }
  for (const users of byDocument.values()) {
    if (users.length < 2) continue;
    const plans = users.map((u) => planned.get(u));
    const kept = plans.filter((p): p is Planned => p !== undefined);
    if (kept.length === 0) continue;
    const where = (u: PolicySource) => `${u.address} (${u.declaredIn}:${u.line})`;
    const missing = users.filter((_, i) => plans[i] === undefined);
    const same = kept.every((p) => JSON.stringify(p.policy) === JSON.stringify(kept[0]!.policy));
    if (missing.length === 0 && same) {
      const first = kept[0]!;
      for (const p of kept.slice(1)) {
        first.findingIds.push(...p.findingIds);
        first.principals.push(...p.principals);
        planned.delete(p.source);
      }
      continue;
    }
    const doc = kept[0]!.source;
    const docAt = `${doc.file}:${lineOf(texts.get(doc.file) ?? '', doc.document.span.start)}`;
    const reason =
      missing.length > 0
        ? `the document at ${docAt} is also the policy of ${missing.map(where).join(', ')}, which no finding patches here the same way: a patch would change that policy too; patch by hand`
        : `the document at ${docAt} is the policy of ${users.map(where).join(', ')}, whose refined documents differ: patch by hand`;
    for (const p of kept) {
      planned.delete(p.source);
      notPatched.push(...notPatchedOf(p, reason));
    }
  }

  // Combine per file, then prove every source again in the combined texts. A patch that changes
  // several files (a Terraform split copying attachments in other files of the module) links them:
  // linked files are proved together and written together, or not at all.
  const filesOf = (p: Planned): string[] => [p.source.file, ...(p.others?.keys() ?? [])];
  const editsIn = (p: Planned, file: string): Edit[] =>
    file === p.source.file ? p.edits : (p.others?.get(file) ?? []);
  const link = new Map<string, string>();
  const root = (f: string): string => {
    let r = f;
    while (link.get(r) !== r) r = link.get(r)!;
    return r;
  };
  for (const p of planned.values()) {
    const [first, ...rest] = filesOf(p);
    if (!link.has(first!)) link.set(first!, first!);
    for (const f of rest) {
      if (!link.has(f)) link.set(f, f);
      link.set(root(f), root(first!));
    }
  }
  const groups = new Map<string, Planned[]>();
  for (const p of planned.values()) {
    const r = root(p.source.file);
    groups.set(r, [...(groups.get(r) ?? []), p]);
  }
  const relOf = (file: string) => relative(dirOf.get(file)!, file).split(sep).join('/');
  const patches: PolicyPatch[] = [];
  const written: RemediateResult['files'] = [];
  const writtenFiles: { file: string; text: string; all: Edit[]; after: string }[] = [];
  for (const list of groups.values()) {
    const files = [...new Set(list.flatMap(filesOf))].sort();
    const rels = files.map(relOf);
    // `main.tf` for one file; `main.tf and roles.tf (changed together by a patch)` when linked.
    const named =
      files.length === 1
        ? rels[0]!
        : `${rels.slice(0, -1).join(', ')} and ${rels.at(-1)!} (changed together by a patch)`;
    // Every finding of a patch is listed (a shared policy's patch remediates several).
    const reject = (p: Planned, reason: string) => notPatched.push(...notPatchedOf(p, reason));
    const outside = files.find((f, i) => rels[i]!.startsWith('..'));
    if (outside !== undefined) {
      for (const p of list)
        reject(p, `${outside} is outside the directory ${dirOf.get(outside)!}; not patched`);
      continue;
    }
    const combined = new Map<string, string>();
    const shifts = new Map<string, (offset: number) => number>();
    const allEdits = new Map<string, Edit[]>();
    let overlap: string | undefined;
    for (const [i, file] of files.entries()) {
      const raw = list.flatMap((p) => editsIn(p, file));
      try {
        applyEdits(texts.get(file)!, raw);
      } catch {
        overlap = files.length === 1 ? 'this file' : rels[i]!;
        break;
      }
      // All the patches of the file, then the alignment terraform fmt writes, once.
      const all = fmtEdits(file, texts.get(file)!, raw);
      combined.set(file, applyEdits(texts.get(file)!, all));
      allEdits.set(file, all);
      shifts.set(file, shifter(all));
    }
    if (overlap !== undefined) {
      for (const p of list) reject(p, `patches of ${overlap} overlap`);
      continue;
    }
    const failed: Planned[] = [];
    for (const p of list) {
      const proof = await p.check(combined.get(p.source.file)!, shifts.get(p.source.file), (path) =>
        combined.get(path),
      );
      if (typeof proof === 'string') {
        failed.push(p);
        const own = filesOf(p).map(relOf);
        reject(
          p,
          `the combined patch of ${own.length === 1 ? own[0]! : `${own.slice(0, -1).join(', ')} and ${own.at(-1)!}`} was not written: ${proof}`,
        );
      }
    }
    if (failed.length > 0) {
      // Nothing of the linked files is written: the others are listed too, never dropped silently.
      const names = failed.map((p) => p.source.address).join(', ');
      for (const p of list) {
        if (!failed.includes(p)) {
          reject(
            p,
            `not written: the combined patch of ${named} failed its proof for ${names}, so no patch of ${files.length === 1 ? 'the file' : 'these files'} is written`,
          );
        }
      }
      continue;
    }
    for (const file of files) {
      writtenFiles.push({
        file,
        text: texts.get(file)!,
        all: allEdits.get(file)!,
        after: combined.get(file)!,
      });
    }
    for (const p of list) {
      const kind = quotaKind(p.rec, p.finding);
      const dir = dirOf.get(p.source.file)!;
      const rel = relOf(p.source.file);
      const own = filesOf(p).sort();
      patches.push({
        findingIds: p.findingIds,
        principals: p.principals,
        ...(p.sharedBy === undefined ? {} : { sharedBy: p.sharedBy }),
        policyId: p.rec.policyId,
        policyName: p.rec.policyName,
        policyType: p.rec.policyType,
        source: {
          tool: p.source.tool,
          dir,
          file: rel,
          declaredIn: relative(dir, p.source.declaredIn).split(sep).join('/'),
          line: p.source.line,
          address: p.source.address,
          form: p.source.form,
        },
        recommendedAction: 'CREATE_POLICY',
        removedByAccessLevel: p.removed?.removedByAccessLevel ?? p.rec.removedByAccessLevel,
        removedServices: p.removed?.removedServices ?? p.rec.removedServices ?? [],
        proof: {
          exact: p.proof.exact,
          catalogActions: p.proof.catalogActions,
          statementsChecked: p.proof.statementsChecked,
          patternsChecked: p.proof.patternsChecked,
        },
        form: p.form,
        ...(p.rec.form === undefined ? {} : { formReason: p.rec.form.reason }),
        ...(p.parts ? { parts: p.parts } : {}),
        ...(p.attachmentsCopied
          ? {
              attachmentsCopied: p.attachmentsCopied.map((a) => ({
                address: a.address,
                file: relative(dir, a.file).split(sep).join('/'),
              })),
            }
          : {}),
        ...(p.dataSourceCopies ? { dataSourceCopies: p.dataSourceCopies } : {}),
        ...(p.others ? { otherFiles: [...p.others.keys()].map(relOf).sort() } : {}),
        size: { before: measure(p.original, kind), after: p.size },
        policy: p.policy,
        diff: own
          .map((f) =>
            unifiedDiff(relOf(f), texts.get(f)!, fmtEdits(f, texts.get(f)!, editsIn(p, f))),
          )
          .join(''),
      });
    }
  }
  // The combined diff, one file after the other in the order of their paths.
  let diff = '';
  writtenFiles.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const w of writtenFiles) {
    diff += unifiedDiff(relOf(w.file), w.text, w.all);
    written.push({ dir: dirOf.get(w.file)!, file: relOf(w.file), before: w.text, after: w.after });
  }
  patches.sort((a, b) =>
    a.source.file + a.source.address < b.source.file + b.source.address ? -1 : 1,
  );
  unsupported.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return {
    patches,
    notPatched,
    unsupported,
    diff,
    files: written,
    read: { terraformFiles: tf.length, templates: templateCount, policySources: sources.length },
  };
}
