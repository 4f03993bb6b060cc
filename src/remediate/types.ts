/**
 * The shapes of remediation as code: a policy document found in a Terraform or CloudFormation
 * source, as a small tree that keeps where every value is written (so that an action list can be
 * rewritten in place), and what could not be rewritten, with its file, line and reason.
 */

/** A range of a file's text, in UTF-16 code units (JavaScript string indices), end exclusive. */
export interface Span {
  start: number;
  end: number;
}

/**
 * How a list is written, which decides where commas go when entries are removed or added:
 * - `json`: JSON array (commas between entries, never after the last);
 * - `hcl`: HCL tuple (commas between entries; a trailing one only when the source had one);
 * - `yaml-block`: YAML block sequence (`- entry` lines, no commas);
 * - `yaml-flow`: YAML flow sequence (as `hcl`);
 * - `blocks`: HCL blocks (the `statement { ... }` blocks of a policy document; no separators).
 */
export type Layout = 'json' | 'hcl' | 'yaml-block' | 'yaml-flow' | 'blocks';

/** The language of the text a node is written in (how a new string is quoted). */
export type SourceLang = 'json' | 'hcl' | 'yaml';

/** A node of a policy document as written in a source file. */
export type SNode = SMap | SSeq | SStr | SLit | SOpaque;

/** An object (JSON object, HCL object, YAML mapping, or a synthetic one for HCL blocks). */
export interface SMap {
  kind: 'map';
  span: Span;
  entries: SEntry[];
}

/** One member of an {@link SMap}. */
export interface SEntry {
  key: string;
  value: SNode;
  /**
   * Where the key is written, as written (with its quotes; for HCL blocks the attribute name,
   * `actions`), when known: an `Action` list that becomes a `NotAction` list renames it.
   */
  keySpan?: Span;
}

/** A list (JSON array, HCL tuple, YAML sequence, or the `statement` blocks of a policy document). */
export interface SSeq {
  kind: 'seq';
  span: Span;
  items: SNode[];
  layout: Layout;
  /** Whether the last entry is followed by a comma (HCL and YAML flow only). */
  trailingComma: boolean;
}

/** A string. */
export interface SStr {
  kind: 'str';
  span: Span;
  /**
   * The string's value; for a template (`template: true`) the template as written, e.g.
   * `${aws_s3_bucket.logs.arn}/*`, which stands for a value only known when deployed.
   */
  value: string;
  /** Whether the string contains an interpolation (Terraform `${...}`). */
  template: boolean;
  lang: SourceLang;
  /** The quote the source used (`"`, `'`, or empty for a plain YAML scalar or a bare HCL word). */
  quote: string;
  /**
   * For a scalar that is the value of a YAML block mapping entry: the offset just after the
   * entry's `:`, where a block sequence would start if the scalar became a list.
   */
  afterColon?: number;
}

/** A number, boolean or null. */
export interface SLit {
  kind: 'lit';
  span: Span;
  value: number | boolean | null;
}

/**
 * An expression whose value is only known when deployed: a Terraform reference or function call,
 * a CloudFormation intrinsic function (`!Sub`, `{"Ref": ...}`, `!GetAtt`, ...).
 */
export interface SOpaque {
  kind: 'opaque';
  span: Span;
  /** The expression as written (its identity: the same text stands for the same value). */
  text: string;
  /** What it is, for messages: `a reference`, `the intrinsic function Fn::If`, ... */
  what: string;
}

/** A text edit of a file: replace `[start, end)` by `text`. */
export interface Edit extends Span {
  text: string;
}

/** A policy document in a source, and where its resource is declared. */
export interface PolicySource {
  /** `terraform` or `cloudformation`. */
  tool: 'terraform' | 'cloudformation';
  /** The file the document is written in (a `.tf`, a template, or the JSON file of `file()`). */
  file: string;
  /** The file the resource is declared in (differs from `file` for `file()` and policy documents). */
  declaredIn: string;
  /** 1-based line of the resource declaration in `declaredIn`. */
  line: number;
  /** The resource: `aws_iam_policy.deploy`, `aws_iam_role.app.inline_policy[0]`, `Resources.AppRole.Policies[1]`. */
  address: string;
  /** The resource type (`aws_iam_role_policy`, `AWS::IAM::ManagedPolicy`, ...). */
  resourceType: string;
  /** How the document is written: `heredoc`, `jsonencode`, `policy document`, `file`, `template`. */
  form: string;
  /** The policy's name when written literally in the source. */
  policyName?: string;
  /** The principal an inline policy belongs to, when written literally (name). */
  principal?: { kind: 'role' | 'user' | 'group'; name: string };
  /**
   * The identifier a deployment record maps to the deployed thing: the Terraform resource address
   * as in `terraform show -json` (without module path), or the CloudFormation logical ID.
   */
  stateKey: string;
  /** For an inline policy whose principal is given by reference: its state key. */
  principalKey?: string;
  /**
   * For a CloudFormation `AWS::IAM::ManagedPolicy`: where its resource is written (a split form
   * adds copies of it next to it).
   */
  cfnResource?: {
    logicalId: string;
    /** The logical ID as written. */
    keySpan: Span;
    /** The resource's mapping. */
    span: Span;
    lang: 'json' | 'yaml';
    /** Its `ManagedPolicyName`, when given. */
    name?: SNode;
  };
  /** Whether the policy is a managed policy (vs inline). */
  managed: boolean;
  /** The document as written. */
  document: SNode;
  /**
   * Re-reads this source from a patched text of `file`, for the proof; `shift` maps an offset of
   * the original text to the patched one. Returns an error message when it is no longer readable.
   */
  reread(text: string, shift?: (offset: number) => number): Promise<SNode | string>;
}

/** Something in the sources that cannot be rewritten safely, with where and why. */
export interface Unsupported {
  file: string;
  /** 1-based. */
  line: number;
  /** The resource or construct. */
  what: string;
  /** One sentence. */
  reason: string;
}
