/**
 * Remediation in the form the recommendation chose (issue 10's quota forms): policies whose
 * article form is over the 6,144 characters of a customer managed policy are patched in the
 * compact or NotAction form, the patch applied with `git apply`, the patched sources parsed again
 * and proved; the CloudFormation split is written, the Terraform one is reported (the fixture has
 * no attachment resource for it: the new parts would not be attached).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { Finding } from '../findings/types.js';
import { policySize } from '../policy/size.js';
import { mergePolicies } from '../refine/forms/split.js';
import { verifyRefinement } from '../refine/proof.js';
import { locateCloudFormation } from './cloudformation.js';
import { canonicalDocument, matchDocument, resolveDocument } from './document.js';
import { prBody } from './pr-body.js';
import { remediate, type RemediateResult } from './remediate.js';
import { locateTerraform } from './terraform.js';
import { sharingOf, testFinding } from './test-helpers.js';
import {
  catalogueActions,
  FORMS_FIXTURES as FIXTURES,
  git,
  materializeFixture,
} from './test-fixtures.js';

const ARN = 'arn:aws:iam::123456789012';

let catalog: ActionCatalog;
let work: string;
let findings: Finding[];
let result: RemediateResult;

const policy = (action: string | string[], sid?: string) => ({
  Version: '2012-10-17',
  Statement: [{ ...(sid ? { Sid: sid } : {}), Effect: 'Allow', Action: action, Resource: '*' }],
});

/** The findings a scan gives for the fixtures' principals, with the forms chosen as it does. */
function formFindings(forms: boolean): Finding[] {
  const ec2 = catalog.actions.filter((a) => a.service === 'ec2').map((a) => `ec2:${a.name}`);
  const everyOther = ec2.filter((_, i) => i % 2 === 0);
  // One action in a hundred, all over the catalog.
  const spread = catalog.actions
    .filter((_, i) => i % 100 === 7)
    .map((a) => `${a.service}:${a.name}`);
  const catalogue = catalogueActions();
  const managed = (name: string, document: Record<string, unknown>) => ({
    name,
    id: `${ARN}:policy/${name}`,
    type: 'CUSTOMER_MANAGED' as const,
    document,
  });
  return [
    testFinding(
      'fleet',
      `${ARN}:role/fleet`,
      everyOther,
      [
        managed('fleet-operator', policy('ec2:*', 'Fleet')),
        managed('fleet-operator-cfn', policy('ec2:*', 'Fleet')),
      ],
      catalog,
      { forms },
    ),
    testFinding(
      'breakglass',
      `${ARN}:role/breakglass`,
      spread,
      [managed('breakglass', policy('*', 'Everything')), managed('breakglass-cfn', policy('*'))],
      catalog,
      { forms },
    ),
    testFinding(
      'catalogue',
      `${ARN}:role/catalogue`,
      catalogue.filter((_, i) => i % 10 === 0),
      [
        managed('ec2-catalogue', policy(catalogue)),
        managed('ec2-catalogue-cfn', policy(catalogue)),
      ],
      catalog,
      { forms },
    ),
  ];
}

beforeAll(async () => {
  catalog = await loadCatalog();
  work = mkdtempSync(join(tmpdir(), 'iam-refine-remforms-'));
  materializeFixture(FIXTURES, work);
  findings = formFindings(true);
  result = await remediate({
    dirs: [join(work, 'terraform'), join(work, 'cloudformation')],
    findings,
    sharing: sharingOf(findings),
    catalog,
  });
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('remediate in the form the recommendation chose', () => {
  it('the findings chose the quota forms (the article form is over 6,144 characters)', () => {
    const forms = findings.flatMap((f) =>
      (f.policies ?? []).map((p) => `${p.policyName} ${p.form?.form} ${p.form?.fits}`),
    );
    expect(forms).toEqual([
      'fleet-operator compact true',
      'fleet-operator-cfn compact true',
      'breakglass notaction true',
      'breakglass-cfn notaction true',
      'ec2-catalogue split true',
      'ec2-catalogue-cfn split true',
    ]);
    for (const f of findings) {
      for (const p of f.policies ?? []) {
        expect(p.form!.tried[0]!.form).toBe('article');
        expect(p.form!.tried[0]!.size).toBeGreaterThan(6144);
      }
    }
  });

  it('patches compact and NotAction forms within the quota, and reports the split', () => {
    expect(result.patches.map((p) => `${p.source.file} ${p.source.address} ${p.form}`)).toEqual([
      'main.tf aws_iam_policy.breakglass notaction',
      'main.tf aws_iam_policy.fleet compact',
      'platform.yaml Resources.BreakGlassPolicy notaction',
      'platform.yaml Resources.CataloguePolicy split',
      'platform.yaml Resources.FleetPolicy compact',
    ]);
    for (const p of result.patches) {
      expect(p.size.after.quota).toBe(6144);
      expect(p.size.after.characters).toBeLessThanOrEqual(6144);
      if (p.form === 'split') {
        const rec = findings[2]!.policies!.find((x) => x.policyName === p.policyName)!;
        expect(p.parts!.map((x) => x.characters)).toEqual(rec.form!.parts);
        expect(p.parts!.map((x) => x.id)).toEqual([
          'CataloguePolicy',
          ...rec.form!.parts!.slice(1).map((_, k) => `CataloguePolicyPart${k + 2}`),
        ]);
        expect(p.size.after.characters).toBe(Math.max(...rec.form!.parts!));
      } else {
        expect(p.size.after.characters).toBe(policySize(p.policy));
      }
      expect(p.proof.exact).toBe(true);
    }
    expect(result.notPatched).toHaveLength(1);
    const split = result.notPatched[0]!;
    expect(split.findingId).toBe('catalogue');
    expect(split.source?.address).toBe('aws_iam_policy.catalogue');
    // The Terraform policy is attached to its role, but no attachment resource is in the sources:
    // the new parts would not be attached (terraform-split.test.ts splits one that has them).
    expect(split.reason).toBe(
      'split form: attached 1 time, 0 attachment resources in the sources: an attachment made elsewhere would not get the new parts',
    );
  });

  it('gives a diff that git apply accepts; the patched sources parse again and prove exact', async () => {
    for (const dir of ['terraform', 'cloudformation']) {
      const repo = join(work, `repo-${dir}`);
      materializeFixture(join(FIXTURES, dir), repo);
      git(repo, 'init', '-q');
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', 'before');
      const files = result.files.filter((f) => f.dir === join(work, dir));
      const diff = files
        .map((f) => result.diff.slice(result.diff.indexOf(`diff --git a/${f.file} `)))
        .map((d) =>
          d.slice(0, d.indexOf('diff --git', 1) > 0 ? d.indexOf('diff --git', 1) : undefined),
        )
        .join('');
      writeFileSync(join(work, `${dir}.patch`), diff);
      git(repo, 'apply', join(work, `${dir}.patch`));
      for (const f of files) expect(readFileSync(join(repo, f.file), 'utf8')).toBe(f.after);
    }
    const tf = result.files.find((f) => f.file === 'main.tf')!;
    const located = await locateTerraform([{ path: join(tf.dir, tf.file), text: tf.after }]);
    const yaml = result.files.find((f) => f.file === 'platform.yaml')!;
    const sources = [
      ...located.sources,
      ...locateCloudFormation(join(yaml.dir, yaml.file), yaml.after).sources,
    ];
    for (const p of result.patches) {
      const finding = findings.find((f) => f.id === p.findingIds[0])!;
      const rec = finding.policies!.find((x) => x.policyName === p.policyName)!;
      let patched: Record<string, unknown>;
      if (p.form === 'split') {
        // Every part read back from its own resource; their union is the recommended document.
        const docs = p.parts!.map((part) => {
          const s = sources.find((x) => x.address === `Resources.${part.id}`)!;
          const doc = resolveDocument(s.document, new Map()) as Record<string, unknown>;
          expect(policySize(doc)).toBeLessThanOrEqual(6144);
          expect(policySize(doc)).toBe(part.characters);
          return doc;
        });
        patched = mergePolicies(docs);
        expect(canonicalDocument(patched)).toEqual(canonicalDocument(rec.policy));
      } else {
        const source = sources.find((s) => s.address === p.source.address)!;
        const bindings = new Map<string, string>();
        expect(matchDocument(source.document, rec.policy, bindings), p.policyName).toBe(true);
        patched = resolveDocument(source.document, bindings) as Record<string, unknown>;
        expect(policySize(patched)).toBeLessThanOrEqual(6144);
      }
      const proof = verifyRefinement(
        canonicalDocument(rec.originalPolicy) as object,
        canonicalDocument(patched) as object,
        { findingDetails: finding.findingDetails },
        { catalog },
      );
      expect(proof.exact, p.policyName).toBe(true);
    }
  });

  it('renames the key in the file style and leaves everything else byte-identical', () => {
    const tf = result.files.find((f) => f.file === 'main.tf')!;
    expect(tf.after).toContain('    not_actions = [\n');
    expect(tf.after).not.toContain('actions   = ["*"]');
    expect(tf.after).toContain('  # Everything, for the break-glass role.\n');
    const yaml = result.files.find((f) => f.file === 'platform.yaml')!;
    expect(yaml.after).toContain("            NotAction:\n              - '");
    expect(yaml.after).toContain('          # Fleet operations\n');
    // The catalogue policy (split, not patched) is untouched.
    const at = (t: string) => t.slice(t.indexOf('# Every EC2 action'));
    expect(at(tf.after)).toBe(at(tf.before));
    // Outside the changed statements, every line is as before.
    const keep = (t: string) => t.slice(0, t.indexOf('"Action": ['));
    expect(keep(tf.after)).toBe(keep(tf.before));
  });

  it('the PR body states the form and the size against the quota', () => {
    const body = prBody(findings[0]!, result.patches, result.notPatched, {
      catalogVersion: catalog.version,
    });
    expect(body).toContain('Form: **compact (patterns cut at any character)**');
    expect(body).toMatch(/Size: [0-9,]+ → [0-9,]+ characters of 6,144 \(managed policy quota/);
    const split = prBody(findings[2]!, result.patches, result.notPatched, {
      catalogVersion: catalog.version,
    });
    expect(split).toContain('split form: attached 1 time, 0 attachment resources');
    expect(split).toContain(
      'its action lists are cut to the first part, and the other parts are new resources next to it',
    );
    expect(split).toContain('`CataloguePolicyPart2` (new) ');
    expect(split).toContain('of 6,144');
  });
});

describe('the size is checked against the quota', () => {
  it('a patch over the quota is not written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-refine-remforms-q-'));
    try {
      materializeFixture(FIXTURES, dir);
      const r = await remediate({
        dirs: [join(dir, 'terraform'), join(dir, 'cloudformation')],
        findings: findings.slice(0, 1),
        sharing: sharingOf(findings.slice(0, 1)),
        catalog,
        measure: (p) => ({ characters: policySize(p), quota: 100, label: 'test quota' }),
      });
      expect(r.patches).toEqual([]);
      expect(r.diff).toBe('');
      const over =
        /^the compact form of the source's document is [0-9,]+ characters, over the 100 of the test quota$/;
      expect(r.notPatched.map((n) => n.reason)).toEqual([
        expect.stringMatching(over),
        expect.stringMatching(over),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a finding recorded without forms is patched in the article form only when it fits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-refine-remforms-a-'));
    try {
      materializeFixture(FIXTURES, dir);
      const r = await remediate({
        dirs: [join(dir, 'terraform'), join(dir, 'cloudformation')],
        findings: formFindings(false).slice(0, 1),
        sharing: sharingOf(formFindings(false).slice(0, 1)),
        catalog,
      });
      expect(r.patches).toEqual([]);
      const over =
        /^the article form of the source's document is [0-9,]+ characters, over the 6,144 of the managed policy quota$/;
      expect(r.notPatched.map((n) => n.reason)).toEqual([
        expect.stringMatching(over),
        expect.stringMatching(over),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the NotAction form in every way a statement is written', () => {
  // The break-glass policy (`*`, Sid "Everything"), written in each language and layout.
  const sources: [string, string][] = [
    [
      'main.tf',
      `resource "aws_iam_policy" "b" {\n  name   = "breakglass"\n  policy = <<EOF\n{"Version": "2012-10-17", "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}]}\nEOF\n}\n`,
    ],
    [
      'main.tf',
      `resource "aws_iam_policy" "b" {\n  name = "breakglass"\n  policy = jsonencode({\n    Version = "2012-10-17"\n    Statement = [{\n      Sid    = "Everything"\n      Effect = "Allow"\n      Action = [\n        "*", # all of it\n      ]\n      Resource = "*"\n    }]\n  })\n}\n`,
    ],
    [
      'main.tf',
      `resource "aws_iam_policy" "b" {\n  name = "breakglass"\n  policy = jsonencode({ "Version" = "2012-10-17", "Statement" = [{ "Sid" = "Everything", "Effect" = "Allow", "Action" = "*", "Resource" = "*" }] })\n}\n`,
    ],
    [
      'template.json',
      `{\n  "Resources": {\n    "B": {\n      "Type": "AWS::IAM::ManagedPolicy",\n      "Properties": {\n        "ManagedPolicyName": "breakglass",\n        "PolicyDocument": {\n          "Version": "2012-10-17",\n          "Statement": [\n            {\n              "Sid": "Everything",\n              "Effect": "Allow",\n              "Action": ["*"],\n              "Resource": "*"\n            }\n          ]\n        }\n      }\n    }\n  }\n}\n`,
    ],
    [
      'template.yaml',
      `Resources:\n  B:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      ManagedPolicyName: breakglass\n      PolicyDocument:\n        Version: "2012-10-17"\n        Statement:\n          - { Sid: Everything, Effect: Allow, Action: ["*"], Resource: "*" }\n`,
    ],
    [
      'template.yaml',
      `Resources:\n  B:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      ManagedPolicyName: breakglass\n      PolicyDocument:\n        Version: "2012-10-17"\n        Statement:\n          - Sid: Everything\n            Effect: Allow\n            "Action": "*"\n            Resource: "*"\n`,
    ],
  ];

  it.each(sources.map(([file, text], i) => [i, file, text] as const))(
    'source %i (%s) is patched, read back and proved',
    async (_i, file, text) => {
      const dir = mkdtempSync(join(tmpdir(), 'iam-refine-remforms-na-'));
      try {
        writeFileSync(join(dir, file), text);
        const finding = findings[1]!;
        const only = { ...finding, policies: [finding.policies![0]!] };
        const r = await remediate({
          dirs: [dir],
          findings: [only],
          sharing: sharingOf([only]),
          catalog,
        });
        expect(r.notPatched).toEqual([]);
        expect(r.patches.map((p) => p.form)).toEqual(['notaction']);
        const after = r.files[0]!.after;
        const patchedSources = file.endsWith('.tf')
          ? (await locateTerraform([{ path: join(dir, file), text: after }])).sources
          : locateCloudFormation(join(dir, file), after).sources;
        expect(patchedSources).toHaveLength(1);
        const doc = resolveDocument(patchedSources[0]!.document, new Map()) as {
          Statement: Record<string, unknown>[];
        };
        const statement = (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement])[0]!;
        expect(statement.Action).toBeUndefined();
        expect(statement.NotAction).toEqual(
          (only.policies[0]!.policy!.Statement as Record<string, unknown>[])[0]!.NotAction,
        );
        expect(statement.Sid).toBe('Everything');
        const proof = verifyRefinement(
          canonicalDocument(only.policies[0]!.originalPolicy) as object,
          canonicalDocument(doc) as object,
          { findingDetails: finding.findingDetails },
          { catalog },
        );
        expect(proof.exact).toBe(true);
        expect(policySize(doc)).toBeLessThanOrEqual(6144);
        // The text before the statement is byte-identical.
        const head = text.slice(0, text.indexOf('Everything'));
        expect(after.startsWith(head)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe('the split form in a CloudFormation template', () => {
  const catalogueTemplate = (extra: string) => {
    const actions = catalogueActions();
    return `{\n  "Resources": {\n    "CataloguePolicy": {\n      "Type": "AWS::IAM::ManagedPolicy",\n      "Properties": {\n        "ManagedPolicyName": "ec2-catalogue-cfn",\n        "Roles": ["catalogue"],\n        "PolicyDocument": {\n          "Version": "2012-10-17",\n          "Statement": [\n            {\n              "Effect": "Allow",\n              "Action": [\n${actions.map((a) => `                "${a}"`).join(',\n')}\n              ],\n              "Resource": "*"\n            }\n          ]\n        }\n      }\n    }${extra}\n  }\n}\n`;
  };
  const run = async (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-refine-remforms-split-'));
    try {
      writeFileSync(join(dir, 'template.json'), text);
      const finding = findings[2]!;
      const only = { ...finding, policies: [finding.policies![1]!] };
      return await remediate({
        dirs: [dir],
        findings: [only],
        sharing: sharingOf([only]),
        catalog,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('adds the parts to a JSON template as copies of the resource, proved as a union', async () => {
    const r = await run(catalogueTemplate(''));
    expect(r.notPatched).toEqual([]);
    expect(r.patches.map((p) => p.form)).toEqual(['split']);
    const after = JSON.parse(r.files[0]!.after) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    const ids = r.patches[0]!.parts!.map((p) => p.id);
    expect(Object.keys(after.Resources)).toEqual(ids);
    const docs = ids.map((id) => {
      const props = after.Resources[id]!.Properties;
      expect(props.Roles).toEqual(['catalogue']);
      return props.PolicyDocument as Record<string, unknown>;
    });
    expect(ids.map((id) => after.Resources[id]!.Properties.ManagedPolicyName)).toEqual([
      'ec2-catalogue-cfn',
      ...ids.slice(1).map((_, k) => `ec2-catalogue-cfn-part-${k + 2}`),
    ]);
    for (const d of docs) expect(policySize(d)).toBeLessThanOrEqual(6144);
    const rec = findings[2]!.policies![1]!;
    const proof = verifyRefinement(
      canonicalDocument(rec.originalPolicy) as object,
      canonicalDocument(mergePolicies(docs)) as object,
      { findingDetails: findings[2]!.findingDetails },
      { catalog },
    );
    expect(proof.exact).toBe(true);
    // A part missing is not exact: the proof above can fail.
    const missing = verifyRefinement(
      canonicalDocument(rec.originalPolicy) as object,
      canonicalDocument(mergePolicies(docs.slice(0, -1))) as object,
      { findingDetails: findings[2]!.findingDetails },
      { catalog },
    );
    expect(missing.exact).toBe(false);
  });

  it('refuses when the resource is named elsewhere in the template', async () => {
    const role = `,\n    "CatalogueRole": {\n      "Type": "AWS::IAM::Role",\n      "Properties": {\n        "ManagedPolicyArns": [{ "Ref": "CataloguePolicy" }]\n      }\n    }`;
    const r = await run(catalogueTemplate(role));
    expect(r.patches).toEqual([]);
    expect(r.notPatched.map((n) => n.reason)).toEqual([
      'split form: CataloguePolicy is named elsewhere in the template (a Ref, GetAtt, DependsOn or a longer ID): new parts would not be attached or ordered as it is',
    ]);
  });
});
