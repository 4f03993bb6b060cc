/**
 * The split form written into Terraform (terraform-split.ts): the fixture's 700-action policy with
 * two role attachments is split, every line of the patch is checked, the patch is applied with
 * `git apply` and the result read back; the refusals name the file and line; and, for random
 * policies, every part read back from the patched text is exactly the part splitPolicy made.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { Finding } from '../findings/types.js';
import { mergePolicies, splitPolicy } from '../refine/forms/split.js';
import { refinePolicy } from '../refine/refine.js';
import { canonicalDocument, resolveDocument } from './document.js';
import { prBody } from './pr-body.js';
import { remediate, type RemediateResult } from './remediate.js';
import { applyEdits } from './rewrite-list.js';
import { locateTerraform } from './terraform.js';
import { planTerraformSplit, readTerraformSplit } from './terraform-split.js';
import { FIXTURES, sharingOf } from './test-helpers.js';
import {
  catalogueActions,
  catalogueFindings,
  fixtureText,
  git,
  materializeFixture,
} from './test-fixtures.js';

const ARN = 'arn:aws:iam::123456789012';
const POLICY = `${ARN}:policy/ec2-catalogue`;
const SOURCE = join(FIXTURES, 'terraform-split');

let catalog: ActionCatalog;
let actions: string[];
let s3: string[];
let work: string;

/** The findings of the two roles the policy is attached to (each unused: every tenth action). */
function findingsFor(): Finding[] {
  return catalogueFindings(catalog, {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Catalogue', Effect: 'Allow', Action: actions, Resource: '*' }],
  });
}

/** Runs remediate on a copy of the fixture whose main.tf is `edit(main.tf)`. */
async function run(
  edit: (text: string) => string = (t) => t,
  tweak: (findings: Finding[]) => void = () => {},
): Promise<RemediateResult> {
  const dir = mkdtempSync(join(work, 'case-'));
  materializeFixture(SOURCE, dir);
  const main = join(dir, 'main.tf');
  writeFileSync(main, edit(readFileSync(main, 'utf8')));
  const findings = findingsFor();
  tweak(findings);
  return remediate({ dirs: [dir], findings, sharing: sharingOf(findings), catalog });
}

beforeAll(async () => {
  catalog = await loadCatalog();
  actions = catalogueActions();
  s3 = catalog.actions.filter((a) => a.service === 's3').map((a) => `s3:${a.name}`);
  work = mkdtempSync(join(tmpdir(), 'iam-refine-tfsplit-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a Terraform split with two role attachments', () => {
  let result: RemediateResult;
  beforeAll(async () => {
    result = await run();
  }, 120_000);

  it('writes the parts after the policy and copies both attachments, proved', () => {
    expect(result.notPatched).toEqual([]);
    expect(result.patches).toHaveLength(1);
    const p = result.patches[0]!;
    expect(p.form).toBe('split');
    expect(p.proof.exact).toBe(true);
    expect(p.findingIds).toEqual(['catalogue-api', 'catalogue-batch']);
    const n = p.parts!.length;
    expect(n).toBeGreaterThan(1);
    expect(p.parts!.map((x) => x.id)).toEqual(
      Array.from({ length: n }, (_, k) =>
        k === 0 ? 'aws_iam_policy.catalogue' : `aws_iam_policy.catalogue_part${k + 1}`,
      ),
    );
    for (const part of p.parts!) expect(part.characters).toBeLessThanOrEqual(6144);
    expect(p.attachmentsCopied).toEqual([
      { address: 'aws_iam_role_policy_attachment.catalogue_api', file: 'main.tf' },
      { address: 'aws_iam_role_policy_attachment.catalogue_batch', file: 'main.tf' },
    ]);
    expect(p.otherFiles).toBeUndefined();
  });

  it('the PR body names the parts and the attachments copied', () => {
    const body = prBody(findingsFor()[0]!, result.patches, result.notPatched, {
      catalogVersion: catalog.version,
    });
    expect(body).toContain('`aws_iam_policy.catalogue` (the original resource) ');
    expect(body).toContain('`aws_iam_policy.catalogue_part2` (new) ');
    expect(body).toContain(
      'each attachment resource of the original (`aws_iam_role_policy_attachment.catalogue_api`, `aws_iam_role_policy_attachment.catalogue_batch`) is copied for every new part',
    );
  });

  it('the patch, line by line: only action entries removed; the copies are the original block', () => {
    const before = fixtureText(join(SOURCE, 'main.tf')).split('\n');
    const after = result.files[0]!.after.split('\n');
    const n = result.patches[0]!.parts!.length;
    const isEntry = (l: string) => /^ {8}"ec2:[A-Za-z0-9]+",$/.test(l);
    // Every removed line is an action entry of the original.
    const removed = result.diff
      .split('\n')
      .filter((l) => l.startsWith('-') && !l.startsWith('---'));
    expect(removed.length).toBeGreaterThan(0);
    for (const l of removed) expect(isEntry(l.slice(1))).toBe(true);
    // The original block without its entries, with a part's name and label.
    const end = before.indexOf('}', 1);
    const block = before.slice(1, end + 1).filter((l) => !isEntry(l));
    const blockOf = (k: number) =>
      block.map((l) =>
        k === 0
          ? l
          : l
              .replace('"catalogue" {', `"catalogue_part${k + 1}" {`)
              .replace('"ec2-catalogue"', `"ec2-catalogue-part-${k + 1}"`),
      );
    const attachment = (name: string, role: string, k: number) => [
      `resource "aws_iam_role_policy_attachment" "${name}${k === 0 ? '' : `_part${k + 1}`}" {`,
      `  role       = ${role}`,
      `  policy_arn = aws_iam_policy.catalogue${k === 0 ? '' : `_part${k + 1}`}.arn`,
      '}',
    ];
    const expected = [
      before[0]!,
      ...Array.from({ length: n }, (_, k) => [...(k === 0 ? [] : ['']), ...blockOf(k)]).flat(),
      '',
      ...Array.from({ length: n }, (_, k) => [
        ...(k === 0 ? [] : ['']),
        ...attachment('catalogue_api', '"catalogue-api"', k),
      ]).flat(),
      '',
      '# The batch workers share the policy.',
      ...Array.from({ length: n }, (_, k) => [
        ...(k === 0 ? [] : ['']),
        ...attachment('catalogue_batch', 'aws_iam_role.batch.name', k),
      ]).flat(),
      ...before.slice(before.indexOf('resource "aws_iam_role" "batch" {') - 1),
    ];
    expect(after.filter((l) => !isEntry(l))).toEqual(expected);
    // Every entry kept is one of the original's, and each part's entries are in the original's order.
    const original = before.filter(isEntry);
    const kept = after.filter(isEntry);
    for (const l of kept) expect(original).toContain(l);
  });

  it('git apply accepts the patch; the applied source reads back as the parts, attached twice', async () => {
    const repo = mkdtempSync(join(work, 'git-'));
    materializeFixture(SOURCE, repo);
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'fixture');
    writeFileSync(join(repo, 'fix.patch'), result.diff);
    git(repo, 'apply', '--check', 'fix.patch');
    git(repo, 'apply', 'fix.patch');
    const text = readFileSync(join(repo, 'main.tf'), 'utf8');
    expect(text).toBe(result.files[0]!.after);
    const p = result.patches[0]!;
    const n = p.parts!.length;
    const parts = Array.from({ length: n - 1 }, (_, k) => `aws_iam_policy.catalogue_part${k + 2}`);
    const added = ['catalogue_api', 'catalogue_batch'].flatMap((a, i) =>
      parts.map((part, k) => ({
        address: `aws_iam_role_policy_attachment.${a}_part${k + 2}`,
        file: join(repo, 'main.tf'),
        policyArn: `${part}.arn`,
        principal: {
          attribute: 'role',
          text: i === 0 ? '"catalogue-api"' : 'aws_iam_role.batch.name',
        },
      })),
    );
    const read = await readTerraformSplit(join(repo, 'main.tf'), text, 'aws_iam_policy.catalogue', {
      parts,
      added,
    });
    if (typeof read === 'string') throw new Error(read);
    const docs = read.map((r) => resolveDocument(r.document, new Map()));
    expect(canonicalDocument(mergePolicies(docs as Record<string, unknown>[]))).toEqual(
      canonicalDocument(p.policy),
    );
    const located = await locateTerraform([{ path: join(repo, 'main.tf'), text }]);
    expect(located.sources.map((s) => `${s.address} ${s.policyName}`)).toEqual(
      Array.from(
        { length: n },
        (_, k) =>
          `aws_iam_policy.catalogue${k === 0 ? '' : `_part${k + 1}`} ec2-catalogue${k === 0 ? '' : `-part-${k + 1}`}`,
      ),
    );
    // A wrong policy_arn in a copied attachment is caught.
    const broken = text.replace(
      `policy_arn = aws_iam_policy.catalogue_part2.arn`,
      'policy_arn = aws_iam_policy.catalogue.arn',
    );
    expect(
      await readTerraformSplit(join(repo, 'main.tf'), broken, 'aws_iam_policy.catalogue', {
        parts,
        added,
      }),
    ).toMatch(
      /^aws_iam_role_policy_attachment\.catalogue_api_part2 \(.*\/main\.tf:\d+\) does not have policy_arn = aws_iam_policy\.catalogue_part2\.arn$/,
    );
  });
});

describe('a Terraform split is refused, one line saying why', () => {
  const reason = async (
    edit: (t: string) => string,
    tweak: (findings: Finding[]) => void = () => {},
  ) => {
    const r = await run(edit, tweak);
    expect(r.patches).toEqual([]);
    expect(r.diff).toBe('');
    expect(r.notPatched.map((x) => x.source?.address)).toEqual([
      'aws_iam_policy.catalogue',
      'aws_iam_policy.catalogue',
    ]);
    return r.notPatched[0]!.reason;
  };
  const line = (text: string, what: string) => text.split('\n').indexOf(what) + 1;

  it('a reference in managed_policy_arns', async () => {
    let at = 0;
    const r = await reason((t) => {
      const out = t.replace(
        '  assume_role_policy',
        '  managed_policy_arns = [aws_iam_policy.catalogue.arn]\n  assume_role_policy',
      );
      at = line(out, '  managed_policy_arns = [aws_iam_policy.catalogue.arn]');
      return out;
    });
    expect(r.startsWith('split form: ')).toBe(true);
    expect(
      r.endsWith(
        `/main.tf:${at}: aws_iam_policy.catalogue is referenced in resource "aws_iam_role" "batch" (managed_policy_arns): the new parts would not be attached or used there; split by hand`,
      ),
      r,
    ).toBe(true);
    expect(at).toBeGreaterThan(700);
  }, 60_000);

  it('an exclusive aws_iam_policy_attachment', async () => {
    const r = await reason((t) =>
      t.replace(
        'resource "aws_iam_role_policy_attachment" "catalogue_api" {\n  role       = "catalogue-api"',
        'resource "aws_iam_policy_attachment" "catalogue_api" {\n  name       = "x"\n  roles      = ["catalogue-api"]',
      ),
    );
    expect(r).toContain(
      'aws_iam_policy.catalogue is referenced in resource "aws_iam_policy_attachment" "catalogue_api" (policy_arn) (an exclusive attachment)',
    );
  }, 60_000);

  it('fewer attachment resources than the scan saw', async () => {
    const r = await reason((t) =>
      t.replace(
        /# The batch workers share the policy\.\nresource "aws_iam_role_policy_attachment" "catalogue_batch" \{\n[^}]*\}\n/,
        '',
      ),
    );
    expect(r).toBe(
      'split form: attached 2 times, 1 attachment resource in the sources: an attachment made elsewhere would not get the new parts',
    );
  }, 60_000);

  it('a computed name, and name_prefix', async () => {
    expect(
      await reason((t) =>
        t.replace('name        = "ec2-catalogue"', 'name        = "${var.prefix}ec2-catalogue"'),
      ),
    ).toBe('split form: its name is an expression: the new parts need names of their own');
    expect(
      await reason((t) =>
        t.replace('name        = "ec2-catalogue"', 'name_prefix = "ec2-catalogue"'),
      ),
    ).toBe('split form: it uses name_prefix: the new parts need names of their own');
  }, 60_000);

  it("a principal's managed policies over its quota with the new parts", async () => {
    let n = 0;
    const r = await reason(
      (t) => t,
      (findings) => {
        // The batch role has other managed policies up to its quota, less one.
        const form = findings[1]!.policies![0]!.form!;
        n = form.parts!.length;
        form.attachments = { count: 9 + n - 1, quota: 10 };
      },
    );
    expect(n).toBeGreaterThan(2);
    expect(r).toBe(
      `split form: ${ARN}:role/catalogue-batch would have ${8 + n} managed policies attached (8 others and the ${n} parts), over its quota of 10`,
    );
  }, 60_000);

  it('an attachment to a principal the scan did not see it attached to', async () => {
    const r = await reason((t) =>
      t.replace('role       = "catalogue-api"', 'role       = "someone-else"'),
    );
    expect(r).toMatch(
      /^split form: .*\/main\.tf:\d+: resource "aws_iam_role_policy_attachment" "catalogue_api" attaches the policy to role someone-else, to which the scan did not see it attached: the scan and the sources disagree; scan again or split by hand$/,
    );
    // By reference to a role of the module with a literal name.
    const byRef = await reason((t) =>
      t.replace('name               = "catalogue-batch"', 'name               = "batch-v2"'),
    );
    expect(byRef).toContain('"catalogue_batch" attaches the policy to role batch-v2, to which');
  }, 60_000);

  it('as many attachment resources, but of other kinds', async () => {
    const r = await reason((t) =>
      t.replace(
        'resource "aws_iam_role_policy_attachment" "catalogue_api" {\n  role       = "catalogue-api"',
        'resource "aws_iam_user_policy_attachment" "catalogue_api" {\n  user       = "catalogue-api"',
      ),
    );
    expect(r).toBe(
      'split form: attached to 2 roles, 0 users, 0 groups, and the attachment resources in the sources attach 1 role, 1 user, 0 groups: an attachment made elsewhere would not get the new parts',
    );
  }, 60_000);

  it('a name too long for its parts', async () => {
    const long = 'c'.repeat(122);
    const r = await reason(
      (t) => t.replace('"ec2-catalogue"', `"${long}"`),
      (findings) => {
        for (const f of findings) f.policies![0]!.policyName = long;
      },
    );
    expect(r).toMatch(
      /^split form: its name with -part-\d is over IAM's 128 characters of a policy name$/,
    );
  }, 60_000);

  it('an attachment with count', async () => {
    const r = await reason((t) =>
      t.replace(
        '  role       = "catalogue-api"',
        '  count      = 1\n  role       = "catalogue-api"',
      ),
    );
    expect(r).toMatch(
      /main\.tf:\d+: resource "aws_iam_role_policy_attachment" "catalogue_api" \(policy_arn\) uses count/,
    );
  }, 60_000);
});

/** Role attachment `i` of the policy `p` of {@link module}. */
function attachment(i: number): string {
  return `\nresource "aws_iam_role_policy_attachment" "a${i}" {\n  role       = "r${i}"\n  policy_arn = aws_iam_policy.p.arn\n}\n`;
}

/** A module with one aws_iam_policy (statements: action lists) and `attached` role attachments. */
function module(statements: string[][], heredoc: boolean, attached: number): string {
  const doc = heredoc
    ? `<<-EOT\n    {\n      "Version": "2012-10-17",\n      "Statement": [\n${statements
        .map(
          (a, i) =>
            `        {\n          "Sid": "S${i}",\n          "Effect": "Allow",\n          "Action": [\n${a.map((x) => `            "${x}"`).join(',\n')}\n          ],\n          "Resource": "*"\n        }`,
        )
        .join(',\n')}\n      ]\n    }\n  EOT`
    : `jsonencode({\n    Version = "2012-10-17"\n    Statement = [\n${statements
        .map(
          (a, i) =>
            `      {\n        Sid      = "S${i}"\n        Effect   = "Allow"\n        Action   = [${a.map((x) => `"${x}"`).join(', ')}]\n        Resource = "*"\n      },`,
        )
        .join('\n')}\n    ]\n  })`;
  const attachments = Array.from({ length: attached }, (_, i) => attachment(i)).join('');
  return `resource "aws_iam_policy" "p" {\n  name   = "p" # the name\n  policy = ${doc}\n}\n${attachments}`;
}

/** Plans the split of the first policy of `text` (main.tf of a module with `others` files). */
async function planOf(
  text: string,
  others: { name: string; text: string }[] = [],
  roles = 1,
): Promise<string | object> {
  const dir = join(work, 'plan');
  const files = [
    { path: join(dir, 'main.tf'), text },
    ...others.map((o) => ({ path: join(dir, o.name), text: o.text })),
  ];
  const source = (await locateTerraform(files)).sources[0]!;
  const original = resolveDocument(source.document, new Map()) as Record<string, unknown>;
  const refinement = refinePolicy(
    original,
    s3.filter((_, i) => i % 3 === 0),
    { catalog },
  );
  const split = splitPolicy(refinement.policy!, 400, 50)!;
  expect(split.parts.length).toBeGreaterThan(1);
  return planTerraformSplit(text, source, refinement, split, files, {
    policyArn: POLICY,
    roles: Array.from({ length: roles }, (_, i) => `${ARN}:role/r${i}`),
    users: [],
    groups: [],
  });
}

describe('planTerraformSplit refuses what it does not copy', () => {
  const actions = () => s3.slice(0, 60);
  it('a document from a data source is split in copies of it (terraform-split-data.test.ts)', async () => {
    const text = `data "aws_iam_policy_document" "d" {\n  statement {\n    actions   = [${actions()
      .map((a) => `"${a}"`)
      .join(
        ', ',
      )}]\n    resources = ["*"]\n  }\n}\n\nresource "aws_iam_policy" "p" {\n  name   = "p"\n  policy = data.aws_iam_policy_document.d.json\n}\n\nresource "aws_iam_role_policy_attachment" "a" {\n  role       = "r0"\n  policy_arn = aws_iam_policy.p.arn\n}\n`;
    const plan = await planOf(text);
    if (typeof plan === 'string') throw new Error(plan);
    expect((plan as { documents: string[] }).documents.slice(0, 2)).toEqual([
      'data.aws_iam_policy_document.d',
      'data.aws_iam_policy_document.d_part2',
    ]);
  });

  it('an attachment in another file of the module is copied there; a reference from an output is refused', async () => {
    const text = module([actions()], false, 0);
    const other = `resource "aws_iam_role_policy_attachment" "a" {\n  role       = "r0"\n  policy_arn = aws_iam_policy.p.arn\n}\n`;
    const plan = await planOf(text, [{ name: 'roles.tf', text: other }]);
    if (typeof plan === 'string') throw new Error(plan);
    const { elsewhere, attachments } = plan as Awaited<ReturnType<typeof planTerraformSplit>> &
      object;
    expect(attachments).toEqual([
      { address: 'aws_iam_role_policy_attachment.a', file: join(work, 'plan', 'roles.tf') },
    ]);
    expect([...elsewhere.keys()]).toEqual([join(work, 'plan', 'roles.tf')]);
    const roles = applyEdits(other, elsewhere.get(join(work, 'plan', 'roles.tf'))!);
    expect(roles.startsWith(other)).toBe(true);
    expect(roles).toContain(
      '\nresource "aws_iam_role_policy_attachment" "a_part2" {\n  role       = "r0"\n  policy_arn = aws_iam_policy.p_part2.arn\n}\n',
    );
    const output = `output "arn" {\n  value = aws_iam_policy.p.arn\n}\n`;
    expect(
      await planOf(module([actions()], false, 1), [{ name: 'outputs.tf', text: output }]),
    ).toBe(
      `${join(work, 'plan', 'outputs.tf')}:2: aws_iam_policy.p is referenced in output "arn" (value): the new parts would not be attached or used there; split by hand`,
    );
    // The same module without the output is split.
    expect(typeof (await planOf(module([actions()], false, 1)))).toBe('object');
  });
});

describe('planTerraformSplit', () => {
  it('writes exactly the parts splitPolicy made (property)', async () => {
    let splits = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uniqueArray(fc.nat({ max: 199 }), { minLength: 1, maxLength: 40 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 2, max: 6 }),
        fc.uniqueArray(fc.nat({ max: 199 }), { maxLength: 10 }),
        fc.integer({ min: 200, max: 700 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 }),
        // For each attachment, whether it is in roles.tf rather than in the policy's main.tf.
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        async (lists, every, unusedIdx, quota, heredoc, attached, inRoles) => {
          const statements = lists.map((l) => l.map((i) => s3[i % s3.length]!));
          const used = new Set(statements.flat());
          // Every `every`-th action of the policy, and a few others.
          const unused = [
            ...[...used].filter((_, i) => i % every === 0),
            ...unusedIdx.map((i) => s3[i % s3.length]!),
          ];
          const moved = (i: number) => i < attached && inRoles[i]!;
          const text =
            module(statements, heredoc, 0) +
            Array.from({ length: attached }, (_, i) => (moved(i) ? '' : attachment(i))).join('');
          const rolesText = Array.from({ length: attached }, (_, i) =>
            moved(i) ? attachment(i) : '',
          ).join('');
          const path = join(work, 'prop', 'main.tf');
          const rolesPath = join(work, 'prop', 'roles.tf');
          const files = [
            { path, text },
            { path: rolesPath, text: rolesText },
          ];
          const source = (await locateTerraform([{ path, text }])).sources[0]!;
          const original = resolveDocument(source.document, new Map()) as Record<string, unknown>;
          const refinement = refinePolicy(original, unused, { catalog });
          if (refinement.recommendedAction !== 'CREATE_POLICY') return;
          if (![...used].some((a) => !unused.includes(a))) return;
          const split = splitPolicy(refinement.policy!, quota, 50);
          if (split === undefined || split.parts.length < 2) return;
          splits++;
          const record = {
            policyArn: POLICY,
            roles: Array.from({ length: attached }, (_, i) => `${ARN}:role/r${i}`),
            users: [],
            groups: [],
          };
          const plan = await planTerraformSplit(text, source, refinement, split, files, record);
          if (typeof plan === 'string') throw new Error(plan);
          const after = applyEdits(text, plan.edits);
          // The copies of an attachment are in its own file, and only there.
          const anyMoved = Array.from({ length: attached }, (_, i) => moved(i)).some(Boolean);
          expect([...plan.elsewhere.keys()]).toEqual(anyMoved ? [rolesPath] : []);
          const rolesAfter = applyEdits(rolesText, plan.elsewhere.get(rolesPath) ?? []);
          for (let i = 0; i < attached; i++) {
            const [here, there] = moved(i) ? [rolesAfter, after] : [after, rolesAfter];
            expect(here).toContain(`"a${i}_part2" {\n  role       = "r${i}"\n`);
            expect(there).not.toContain(`"a${i}_part2"`);
          }
          expect(plan.added).toHaveLength(attached * (split.parts.length - 1));
          for (const a of plan.added) {
            const i = Number(/\.a(\d)_part/.exec(a.address)![1]);
            expect(a.file).toBe(moved(i) ? rolesPath : path);
          }
          const located = await locateTerraform([{ path, text: after }]);
          expect(located.unsupported).toEqual([]);
          expect(located.sources.map((s) => s.address)).toEqual(
            split.parts.map((_, k) =>
              k === 0 ? 'aws_iam_policy.p' : `aws_iam_policy.p_part${k + 1}`,
            ),
          );
          located.sources.forEach((s, k) => {
            const doc = resolveDocument(s.document, new Map());
            expect(canonicalDocument(doc)).toEqual(canonicalDocument(split.parts[k]));
            expect(s.policyName).toBe(k === 0 ? 'p' : `p-part-${k + 1}`);
          });
          expect(plan.added).toHaveLength(attached * (split.parts.length - 1));
          const read = await readTerraformSplit(path, after, 'aws_iam_policy.p', plan, (f) =>
            f === rolesPath ? rolesAfter : undefined,
          );
          if (typeof read === 'string') throw new Error(read);
          // Read with roles.tf unpatched, a moved attachment's copies are missing.
          if (anyMoved) {
            const stale = await readTerraformSplit(path, after, 'aws_iam_policy.p', plan, (f) =>
              f === rolesPath ? rolesText : undefined,
            );
            expect(stale).toMatch(
              /^aws_iam_role_policy_attachment\.a\d_part2 is not in the patched /,
            );
          }
          // One attachment fewer in the sources than the scan saw: refused.
          const fewer = await planTerraformSplit(text, source, refinement, split, files, {
            ...record,
            roles: [...record.roles, `${ARN}:role/other`],
          });
          expect(fewer).toBe(
            `attached ${attached + 1} times, ${attached} attachment resource${attached === 1 ? '' : 's'} in the sources: an attachment made elsewhere would not get the new parts`,
          );
        },
      ),
      { numRuns: 120 },
    );
    // Most generated policies are split (the property is not vacuous).
    expect(splits).toBeGreaterThan(30);
  }, 120_000);
});
