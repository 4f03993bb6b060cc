import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { locateCloudFormation } from './cloudformation.js';
import { canonicalDocument, matchDocument, resolveDocument } from './document.js';
import { verifyRefinement } from '../refine/proof.js';
import { remediate, type RemediateResult } from './remediate.js';
import { locateTerraform } from './terraform.js';
import { FIXTURES, fixtureFindings, sharingOf } from './test-helpers.js';
import { git, materializeFixture } from './test-fixtures.js';

let catalog: ActionCatalog;
let work: string;

let result: RemediateResult;

beforeAll(async () => {
  catalog = await loadCatalog();
  work = mkdtempSync(join(tmpdir(), 'iam-refine-remediate-'));
  materializeFixture(FIXTURES, work);
  const findings = fixtureFindings(catalog);
  result = await remediate({
    dirs: [join(work, 'terraform'), join(work, 'cloudformation')],
    findings,
    sharing: sharingOf(findings),
    catalog,
  });
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('remediate on fixtures in the shapes real repositories use', () => {
  it('patches every policy whose source can be rewritten, and says why for the others', () => {
    expect(result.notPatched).toEqual([]);
    expect(
      result.patches.map((p) => `${p.source.file} ${p.source.address} ${p.source.form}`),
    ).toEqual([
      'audit.json Resources.AuditPolicy template',
      'iam.tf aws_iam_policy.deploy heredoc',
      'iam.tf aws_iam_role.app.inline_policy[0] jsonencode',
      'iam.tf aws_iam_role_policy.app_data policy document',
      'policies/ci.json aws_iam_user_policy.ci file',
      'service.yaml Resources.BillingPolicy template',
      'service.yaml Resources.BillingRole.Policies[0] template',
    ]);
    const lines = result.unsupported.map(
      (u) => `${u.file.slice(work.length + 1)}:${u.line}: ${u.what}: ${u.reason}`,
    );
    expect(lines).toEqual([
      'cloudformation/service.yaml:65: Resources.BillingRole.Policies[1] statement 0: Action is built from the intrinsic function !If; it is left alone',
      'terraform/iam.tf:123: aws_iam_policy.reports: the document is rendered by templatefile() with variables; the template is left alone',
      'terraform/iam.tf:127: aws_iam_role_policy.per_env: the resource uses for_each: one source stands for several policies',
      'terraform/iam.tf:139: aws_iam_policy.extra statement 0: Action is built from a reference; it is left alone',
    ]);
  });

  it('gives a diff that git apply accepts, with exactly the patched texts', () => {
    for (const dir of ['terraform', 'cloudformation']) {
      const repo = join(work, `repo-${dir}`);
      materializeFixture(join(FIXTURES, dir), repo);
      git(repo, 'init', '-q');
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', 'before');
      const diff = result.files
        .filter((f) => f.dir === join(work, dir))
        .map((f) => result.diff.slice(result.diff.indexOf(`diff --git a/${f.file} `)))
        .map((d) =>
          d.slice(0, d.indexOf('diff --git', 1) > 0 ? d.indexOf('diff --git', 1) : undefined),
        )
        .join('');
      writeFileSync(join(repo, '..', `${dir}.patch`), diff);
      git(repo, 'apply', '--check', join(repo, '..', `${dir}.patch`));
      git(repo, 'apply', join(repo, '..', `${dir}.patch`));
      for (const f of result.files.filter((x) => x.dir === join(work, dir))) {
        expect(readFileSync(join(repo, f.file), 'utf8')).toBe(f.after);
      }
    }
  });

  it('the patched sources parse again and say exactly the recommended documents', async () => {
    const findings = fixtureFindings(catalog);
    const recommended = new Map(
      findings.flatMap((f) => (f.policies ?? []).map((p) => [p.policyName, p.policy] as const)),
    );
    const tf = result.files
      .filter((f) => f.file.endsWith('.tf'))
      .map((f) => ({ path: join(f.dir, f.file), text: f.after }));
    const located = await locateTerraform(tf);
    const cfn = result.files
      .filter((f) => !f.file.endsWith('.tf') && !f.file.startsWith('policies/'))
      .flatMap((f) => locateCloudFormation(join(f.dir, f.file), f.after).sources);
    for (const p of result.patches) {
      const source = [...located.sources, ...cfn].find((s) => s.address === p.source.address);
      expect(source, p.source.address).toBeDefined();
      const finding = findings.find((f) => f.id === p.findingIds[0])!;
      const original = finding.policies!.find(
        (x) => x.policyName === p.policyName,
      )!.originalPolicy!;
      let patched: unknown;
      if (p.source.form === 'file') {
        const ci = result.files.find((f) => f.file === 'policies/ci.json')!;
        patched = JSON.parse(ci.after);
        expect(patched).toEqual(recommended.get('ci-publish'));
      } else {
        // Deploy-time expressions bind to the scanned values; the rest must be the refined document.
        const bindings = new Map<string, string>();
        expect(
          matchDocument(source!.document, recommended.get(p.policyName), bindings),
          p.policyName,
        ).toBe(true);
        patched = resolveDocument(source!.document, bindings);
      }
      // The proof, run here on what the patched source says.
      const proof = verifyRefinement(
        canonicalDocument(original) as object,
        canonicalDocument(patched) as object,
        { findingDetails: finding.findingDetails },
        { catalog },
      );
      expect(proof.exact, p.policyName).toBe(true);
      expect(proof.statementsChecked).toBeGreaterThan(0);
    }
  });
});

describe('the fixtures diff (every line reviewed)', () => {
  it('is exactly the expected patch', () => {
    const expected = readFileSync(join(FIXTURES, 'expected.patch'), 'utf8');
    const relative = result.files.map((f) => f.dir.slice(work.length + 1));
    expect(relative).toEqual(['cloudformation', 'cloudformation', 'terraform', 'terraform']);
    expect(result.diff).toBe(expected);
  });
});
