/**
 * Finds the IAM policy documents of CloudFormation templates (JSON and YAML, short-form
 * intrinsics such as `!Sub` included): `AWS::IAM::ManagedPolicy`, `AWS::IAM::Policy`,
 * `AWS::IAM::RolePolicy`, `AWS::IAM::UserPolicy`, `AWS::IAM::GroupPolicy`, and the `Policies` of
 * `AWS::IAM::Role`, `AWS::IAM::User` and `AWS::IAM::Group`. Read with the `yaml` package's
 * Document API (positions and comments kept; see yaml-tree.ts).
 */
import { entry } from './document.js';
import { lineOf } from './rewrite-list.js';
import type { PolicySource, SMap, SNode, Unsupported } from './types.js';
import { isAlias, visit, type Document } from 'yaml';
import { parseTree } from './yaml-tree.js';

/** Resource types with one document in `Properties.PolicyDocument`. */
const DOCUMENT_RESOURCES: ReadonlyMap<
  string,
  {
    managed: boolean;
    nameKey: string;
    principal?: { kind: 'role' | 'user' | 'group'; key: string };
  }
> = new Map([
  ['AWS::IAM::ManagedPolicy', { managed: true, nameKey: 'ManagedPolicyName' }],
  ['AWS::IAM::Policy', { managed: false, nameKey: 'PolicyName' }],
  [
    'AWS::IAM::RolePolicy',
    { managed: false, nameKey: 'PolicyName', principal: { kind: 'role', key: 'RoleName' } },
  ],
  [
    'AWS::IAM::UserPolicy',
    { managed: false, nameKey: 'PolicyName', principal: { kind: 'user', key: 'UserName' } },
  ],
  [
    'AWS::IAM::GroupPolicy',
    { managed: false, nameKey: 'PolicyName', principal: { kind: 'group', key: 'GroupName' } },
  ],
]);

/** Principal types with inline `Policies`. */
const PRINCIPAL_RESOURCES: ReadonlyMap<
  string,
  { kind: 'role' | 'user' | 'group'; nameKey: string }
> = new Map([
  ['AWS::IAM::Role', { kind: 'role', nameKey: 'RoleName' }],
  ['AWS::IAM::User', { kind: 'user', nameKey: 'UserName' }],
  ['AWS::IAM::Group', { kind: 'group', nameKey: 'GroupName' }],
]);

/**
 * The transforms (macros) of a template's `Transform` that leave `AWS::IAM::*` resources as
 * written: SAM (`AWS::Serverless-2016-10-31`) transforms only `AWS::Serverless::*` resources, and
 * `AWS::LanguageExtensions` only its own intrinsic functions (read here as opaque, so never
 * rewritten). Any other macro may rewrite anything before deployment.
 */
const PASS_THROUGH_TRANSFORMS: ReadonlySet<string> = new Set([
  'AWS::Serverless-2016-10-31',
  'AWS::LanguageExtensions',
]);

/** SAM resource types whose `Policies` make the role SAM writes. */
const SAM_POLICY_RESOURCES: ReadonlySet<string> = new Set([
  'AWS::Serverless::Function',
  'AWS::Serverless::StateMachine',
]);

/** Whether `node` holds an `Fn::Transform` (long or short form) anywhere. */
function holdsTransform(node: SNode | undefined): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'map':
      return node.entries.some((e) => e.key === 'Fn::Transform' || holdsTransform(e.value));
    case 'seq':
      return node.items.some(holdsTransform);
    case 'opaque':
      return node.text.includes('Fn::Transform') || node.text.includes('!Transform');
    default:
      return false;
  }
}

/**
 * Why the template's `Transform` may rewrite its IAM resources before deployment, or
 * `undefined` when it names only {@link PASS_THROUGH_TRANSFORMS} (or is absent).
 */
function foreignTransform(node: SNode | undefined): string | undefined {
  if (!node) return undefined;
  const items = node.kind === 'seq' ? node.items : [node];
  const names = items.map((i) => str(i) ?? '(a value that is not a literal name)');
  const foreign = names.filter((n) => !PASS_THROUGH_TRANSFORMS.has(n));
  return foreign.length === 0
    ? undefined
    : `the template's Transform runs ${foreign.join(', ')}, which may rewrite its IAM resources before they are deployed; not patched (only AWS::Serverless-2016-10-31 and AWS::LanguageExtensions are known to leave them as written)`;
}

/**
 * The spans of the nodes that YAML aliases stand for (their anchors' nodes), each with the alias's
 * name and offset.
 */
function aliasedSpans(doc: Document): { start: number; end: number; name: string; at: number }[] {
  const out: { start: number; end: number; name: string; at: number }[] = [];
  visit(doc, {
    Alias(_, alias) {
      const target = alias.resolve(doc);
      const r = target?.range;
      if (r && isAlias(alias)) {
        out.push({ start: r[0], end: r[1], name: alias.source, at: alias.range?.[0] ?? 0 });
      }
    },
  });
  return out;
}

/** What {@link locateCloudFormation} found in one file. */
export interface CloudFormationSources {
  /** Whether the file is a CloudFormation template at all. */
  template: boolean;
  sources: PolicySource[];
  unsupported: Unsupported[];
}

function str(node: SNode | undefined): string | undefined {
  return node?.kind === 'str' && !node.template ? node.value : undefined;
}

/** The logical ID a `!Ref X` / `{"Ref": "X"}` names. */
function refOf(node: SNode | undefined): string | undefined {
  if (node?.kind !== 'opaque') return undefined;
  const t = node.text.trim();
  if (t.startsWith('!Ref ')) return t.slice(5).trim();
  if (t.startsWith('{') && t.includes('"Ref"')) {
    try {
      const v = JSON.parse(t) as { Ref?: unknown };
      return typeof v.Ref === 'string' ? v.Ref : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Reads the document at `path` (keys and list indices) of a template's tree. */
function at(root: SNode, path: readonly (string | number)[]): SNode | undefined {
  let n: SNode | undefined = root;
  for (const p of path) {
    if (!n) return undefined;
    if (typeof p === 'number') n = n.kind === 'seq' ? n.items[p] : undefined;
    else n = n.kind === 'map' ? entry(n, p) : undefined;
  }
  return n;
}

/**
 * Reads one file; not a template (no `Resources` mapping with `Type`s) is not an error.
 *
 * @param path - The file's path (`.json` is read as JSON, anything else as YAML).
 */
export function locateCloudFormation(path: string, text: string): CloudFormationSources {
  const lang = path.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
  const parsed = parseTree(text, { lang });
  const none: CloudFormationSources = { template: false, sources: [], unsupported: [] };
  if (!parsed.ok) {
    // Only a file that looks like a template is worth a report.
    if (text.includes('AWSTemplateFormatVersion') || text.includes('AWS::IAM::')) {
      return {
        template: true,
        sources: [],
        unsupported: [
          {
            file: path,
            line: parsed.line,
            what: 'template',
            reason: `the template does not parse (${parsed.error})`,
          },
        ],
      };
    }
    return none;
  }
  const root = parsed.root;
  const resources = root.kind === 'map' ? entry(root, 'Resources') : undefined;
  if (resources?.kind !== 'map') return none;
  const typed = resources.entries.filter(
    (e) => e.value.kind === 'map' && str(entry(e.value, 'Type')) !== undefined,
  );
  if (typed.length === 0) return none;
  const sources: PolicySource[] = [];
  const unsupported: Unsupported[] = [];
  const say = (node: SNode, what: string, reason: string) =>
    unsupported.push({ file: path, line: lineOf(text, node.span.start), what, reason });

  const add = (
    logicalId: string,
    resource: SMap,
    type: string,
    docPath: readonly (string | number)[],
    address: string,
    info: Pick<
      PolicySource,
      'managed' | 'policyName' | 'principal' | 'principalKey' | 'cfnResource'
    >,
  ) => {
    const doc = at(root, docPath);
    if (!doc) return;
    if (doc.kind === 'opaque') {
      say(doc, address, `the PolicyDocument is ${doc.what}`);
      return;
    }
    if (doc.kind === 'str') {
      say(doc, address, 'the PolicyDocument is a JSON string, not an object');
      return;
    }
    sources.push({
      tool: 'cloudformation',
      file: path,
      declaredIn: path,
      line: lineOf(text, resource.span.start),
      address,
      stateKey: logicalId,
      resourceType: type,
      form: 'template',
      ...info,
      document: doc,
      reread: async (patched) => {
        const p = parseTree(patched, { lang });
        if (!p.ok) return `${path} does not parse any more (${p.error})`;
        return at(p.root, docPath) ?? `${address} is not in ${path} any more`;
      },
    });
  };

  for (const { key: logicalId, value, keySpan } of typed) {
    const resource = value as SMap;
    const type = str(entry(resource, 'Type'))!;
    const props = entry(resource, 'Properties');
    const base = ['Resources', logicalId, 'Properties'];
    const doc = DOCUMENT_RESOURCES.get(type);
    if (doc) {
      if (props?.kind !== 'map') continue;
      const policyName = str(entry(props, doc.nameKey));
      let principal: PolicySource['principal'];
      let principalKey: string | undefined;
      if (doc.principal) {
        const p = entry(props, doc.principal.key);
        const name = str(p);
        if (name !== undefined) principal = { kind: doc.principal.kind, name };
        principalKey = refOf(p);
      } else if (type === 'AWS::IAM::Policy') {
        const lists = (['Roles', 'Users', 'Groups'] as const)
          .map((k) => [k, entry(props, k)] as const)
          .filter(([, v]) => v !== undefined);
        const all = lists.flatMap(([k, v]) =>
          (v!.kind === 'seq' ? v!.items : [v!]).map((i) => [k, i] as const),
        );
        if (all.length === 1) {
          const [k, node] = all[0]!;
          const kind = k === 'Roles' ? 'role' : k === 'Users' ? 'user' : 'group';
          const name = str(node);
          if (name !== undefined) principal = { kind, name };
          principalKey = refOf(node);
        }
      }
      const nameNode = entry(props, doc.nameKey);
      add(logicalId, resource, type, [...base, 'PolicyDocument'], `Resources.${logicalId}`, {
        managed: doc.managed,
        ...(type === 'AWS::IAM::ManagedPolicy' && keySpan
          ? {
              cfnResource: {
                logicalId,
                keySpan,
                span: resource.span,
                lang,
                ...(nameNode ? { name: nameNode } : {}),
              },
            }
          : {}),
        ...(policyName !== undefined ? { policyName } : {}),
        ...(principal ? { principal } : {}),
        ...(principalKey ? { principalKey } : {}),
      });
      continue;
    }
    const principalType = PRINCIPAL_RESOURCES.get(type);
    if (!principalType || props?.kind !== 'map') continue;
    const policies = entry(props, 'Policies');
    if (!policies) continue;
    if (policies.kind !== 'seq') {
      say(
        policies,
        `Resources.${logicalId}.Policies`,
        `Policies is ${policies.kind === 'opaque' ? policies.what : 'not a list'}`,
      );
      continue;
    }
    const name = str(entry(props, principalType.nameKey));
    policies.items.forEach((p, i) => {
      const address = `Resources.${logicalId}.Policies[${i}]`;
      if (p.kind !== 'map') {
        say(p, address, `the policy is ${p.kind === 'opaque' ? p.what : 'not an object'}`);
        return;
      }
      const policyName = str(entry(p, 'PolicyName'));
      add(logicalId, resource, type, [...base, 'Policies', i, 'PolicyDocument'], address, {
        managed: false,
        ...(policyName !== undefined ? { policyName } : {}),
        ...(name !== undefined ? { principal: { kind: principalType.kind, name } } : {}),
        principalKey: logicalId,
      });
    });
  }
  // A YAML anchor whose node is also used through an alias: rewriting the anchored text changes
  // every use, so a document that overlaps one is not patched.
  const aliased = aliasedSpans(parsed.doc);
  // Macros: a document a transform may rewrite is not the deployed one. Reported, not patched.
  const templateReason =
    foreignTransform(root.kind === 'map' ? entry(root, 'Transform') : undefined) ??
    (resources.entries.some((e) => e.key === 'Fn::Transform')
      ? 'Resources includes a snippet with Fn::Transform (AWS::Include or a macro), which may add or rewrite IAM resources before deployment; not patched'
      : undefined);
  const transformed = new Set(typed.filter((e) => holdsTransform(e.value)).map((e) => e.key));
  const kept: PolicySource[] = [];
  for (const source of sources) {
    const alias = aliased.find(
      (a) => a.start < source.document.span.end && a.end > source.document.span.start,
    );
    const reason =
      templateReason ??
      (transformed.has(source.stateKey)
        ? `Resources.${source.stateKey} holds an Fn::Transform, which may rewrite it before deployment; not patched`
        : alias
          ? `the document is also used through the YAML alias *${alias.name} (line ${lineOf(text, alias.at)}): a patch would change that use too; not patched`
          : undefined);
    if (reason === undefined) kept.push(source);
    else unsupported.push({ file: path, line: source.line, what: source.address, reason });
  }
  // SAM writes a function's or state machine's role from its Policies: nothing to rewrite here.
  for (const { key: logicalId, value } of typed) {
    const type = str(entry(value as SMap, 'Type'))!;
    const props = entry(value as SMap, 'Properties');
    const policies = props?.kind === 'map' ? entry(props, 'Policies') : undefined;
    if (SAM_POLICY_RESOURCES.has(type) && policies) {
      say(
        policies,
        `Resources.${logicalId}.Policies`,
        `SAM writes the role of this ${type.slice('AWS::Serverless::'.length)} from its Policies (policy templates, managed policy names and statements); not rewritten (declare the role as an AWS::IAM::Role and set Role to have it patched)`,
      );
    }
  }
  return { template: true, sources: kept, unsupported };
}
