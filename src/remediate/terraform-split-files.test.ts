/**
 * A Terraform split whose attachment resources are in other files of the module
 * (test/fixtures/remediate/terraform-split-files: the policy and one attachment in main.tf, the
 * other attachment in roles.tf): the copies are written in each attachment's own file, the patch
 * spans both files and applies with `git apply`, the applied files read back as the parts; and
 * when a combined proof fails in one of the linked files, neither file is written and every patch
 * of both is listed, while an unlinked file is still written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { Finding } from '../findings/types.js';
import { mergePolicies } from '../refine/forms/split.js';
import { canonicalDocument, resolveDocument } from './document.js';
import { prBody } from './pr-body.js';
import { remediate, type RemediateResult } from './remediate.js';
import { locateTerraform } from './terraform.js';
import { readTerraformSplit } from './terraform-split.js';
import { FIXTURES, sharingOf, testFinding } from './test-helpers.js';
import { catalogueActions, fixtureText, git, materializeFixture } from './test-fixtures.js';

// The proof, made to fail on the `failOn`-th proof of a document that allows `failFor`.
const proofCalls = vi.hoisted(() => ({ failFor: '', failOn: 0, n: 0 }));
vi.mock('../refine/proof.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../refine/proof.js')>();
  return {
    ...real,
    verifyRefinement: (...args: Parameters<typeof real.verifyRefinement>) => {
      const proof = real.verifyRefinement(...args);
      if (proofCalls.failFor === '' || !JSON.stringify(args[0]).includes(proofCalls.failFor))
        return proof;
      return ++proofCalls.n === proofCalls.failOn ? { ...proof, exact: false } : proof;
    },
  };
});

const ARN = 'arn:aws:iam::123456789012';
const POLICY = `${ARN}:policy/ec2-catalogue`;
const SOURCE = join(FIXTURES, 'terraform-split-files');

let catalog: ActionCatalog;
let actions: string[];
let work: string;

const queueDoc = (actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});
/** An inline policy of `role`, as written in Terraform. */
const inline = (name: string, role: string, list: string[]) => `
resource "aws_iam_role_policy" "${name}" {
  name = "${name}"
  role = ${role}
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = [${list.map((a) => `"${a}"`).join(', ')}], Resource = "*" }]
  })
}
`;
const BATCH_QUEUE = ['sqs:SendMessage', 'sqs:PurgeQueue'];
const API_TOPIC = ['sns:Publish', 'sns:DeleteTopic'];

/**
 * The findings of the two roles the policy is attached to (each unused: every tenth action); with
 * `inlines`, each role also has an inline policy (the batch role's in roles.tf, the API's in
 * other.tf) with one unused action.
 */
function findingsFor(inlines = false): Finding[] {
  const unused = actions.filter((_, i) => i % 10 === 0);
  const document = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Catalogue', Effect: 'Allow', Action: actions, Resource: '*' }],
  };
  const managed = {
    name: 'ec2-catalogue',
    id: POLICY,
    type: 'CUSTOMER_MANAGED' as const,
    document,
  };
  return [
    testFinding(
      'catalogue-api',
      `${ARN}:role/catalogue-api`,
      inlines ? [...unused, 'sns:DeleteTopic'] : unused,
      inlines
        ? [managed, { name: 'api-topic', type: 'INLINE', document: queueDoc(API_TOPIC) }]
        : [managed],
      catalog,
      { forms: true },
    ),
    testFinding(
      'catalogue-batch',
      `${ARN}:role/catalogue-batch`,
      inlines ? [...unused, 'sqs:PurgeQueue'] : unused,
      inlines
        ? [managed, { name: 'batch-queue', type: 'INLINE', document: queueDoc(BATCH_QUEUE) }]
        : [managed],
      catalog,
      { forms: true },
    ),
  ];
}

/** Runs remediate on a copy of the fixture (with `inlines`: an inline policy in roles.tf and other.tf). */
async function run(
  inlines = false,
  fail: { for: string; on: number } = { for: '', on: 0 },
): Promise<{ dir: string; result: RemediateResult }> {
  const dir = mkdtempSync(join(work, 'case-'));
  materializeFixture(SOURCE, dir);
  if (inlines) {
    const roles = join(dir, 'roles.tf');
    writeFileSync(
      roles,
      readFileSync(roles, 'utf8') + inline('batch-queue', 'aws_iam_role.batch.name', BATCH_QUEUE),
    );
    writeFileSync(
      join(dir, 'other.tf'),
      inline('api-topic', '"catalogue-api"', API_TOPIC).slice(1),
    );
  }
  const findings = findingsFor(inlines);
  proofCalls.failFor = fail.for;
  proofCalls.failOn = fail.on;
  proofCalls.n = 0;
  const result = await remediate({ dirs: [dir], findings, sharing: sharingOf(findings), catalog });
  return { dir, result };
}

beforeAll(async () => {
  catalog = await loadCatalog();
  actions = catalogueActions();
  work = mkdtempSync(join(tmpdir(), 'iam-refine-tfsplit-files-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a Terraform split with an attachment in another file of the module', () => {
  let result: RemediateResult;
  beforeAll(async () => {
    ({ result } = await run());
  }, 120_000);

  it('copies each attachment in its own file, one patch over both files, proved', () => {
    expect(result.notPatched).toEqual([]);
    expect(result.patches).toHaveLength(1);
    const p = result.patches[0]!;
    expect(p.form).toBe('split');
    expect(p.proof.exact).toBe(true);
    expect(p.source.file).toBe('main.tf');
    expect(p.otherFiles).toEqual(['roles.tf']);
    expect(p.attachmentsCopied).toEqual([
      { address: 'aws_iam_role_policy_attachment.catalogue_api', file: 'main.tf' },
      { address: 'aws_iam_role_policy_attachment.catalogue_batch', file: 'roles.tf' },
    ]);
    expect(result.files.map((f) => f.file)).toEqual(['main.tf', 'roles.tf']);
    // The combined diff is the patch's diff: main.tf, then roles.tf.
    expect(result.diff).toBe(p.diff);
    expect(result.diff.split('\n').filter((l) => l.startsWith('+++ '))).toEqual([
      '+++ b/main.tf',
      '+++ b/roles.tf',
    ]);
  });

  it('roles.tf gets exactly the copies of its attachment, after it; nothing else changes', () => {
    const n = result.patches[0]!.parts!.length;
    expect(n).toBeGreaterThan(2);
    const before = fixtureText(join(SOURCE, 'roles.tf'));
    const after = result.files.find((f) => f.file === 'roles.tf')!.after;
    const attachment = (k: number) =>
      [
        `resource "aws_iam_role_policy_attachment" "catalogue_batch${k === 0 ? '' : `_part${k + 1}`}" {`,
        '  role       = aws_iam_role.batch.name',
        `  policy_arn = aws_iam_policy.catalogue${k === 0 ? '' : `_part${k + 1}`}.arn`,
        '}',
      ].join('\n');
    const copies = Array.from({ length: n - 1 }, (_, k) => `\n${attachment(k + 1)}\n`).join('');
    const end = before.indexOf('}\n') + 2;
    expect(before.slice(0, end)).toContain(attachment(0));
    expect(after).toBe(before.slice(0, end) + copies + before.slice(end));
    // main.tf: the part resources, and the copies of its own attachment after it.
    const main = result.files.find((f) => f.file === 'main.tf')!.after;
    for (let k = 1; k < n; k++) {
      expect(main).toContain(`resource "aws_iam_policy" "catalogue_part${k + 1}" {`);
      expect(main).toContain(
        `resource "aws_iam_role_policy_attachment" "catalogue_api_part${k + 1}" {\n  role       = "catalogue-api"\n  policy_arn = aws_iam_policy.catalogue_part${k + 1}.arn\n}\n`,
      );
      expect(main).not.toContain(`catalogue_batch_part${k + 1}`);
    }
  });

  it('the PR body names the copied attachments with their files', () => {
    const body = prBody(findingsFor()[0]!, result.patches, result.notPatched, {
      catalogVersion: catalog.version,
    });
    expect(body).toContain(
      'each attachment resource of the original (`aws_iam_role_policy_attachment.catalogue_api`, `aws_iam_role_policy_attachment.catalogue_batch` in `roles.tf`) is copied for every new part, next to it in its own file:',
    );
  });

  it('git apply accepts the two-file patch; the applied module reads back as the parts, attached twice', async () => {
    const repo = mkdtempSync(join(work, 'git-'));
    materializeFixture(SOURCE, repo);
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'fixture');
    writeFileSync(join(repo, 'fix.patch'), result.diff);
    git(repo, 'apply', '--check', 'fix.patch');
    git(repo, 'apply', 'fix.patch');
    const main = readFileSync(join(repo, 'main.tf'), 'utf8');
    const roles = readFileSync(join(repo, 'roles.tf'), 'utf8');
    expect(main).toBe(result.files[0]!.after);
    expect(roles).toBe(result.files[1]!.after);
    const p = result.patches[0]!;
    const n = p.parts!.length;
    const parts = Array.from({ length: n - 1 }, (_, k) => `aws_iam_policy.catalogue_part${k + 2}`);
    const added = (
      [
        ['catalogue_api', 'main.tf', '"catalogue-api"'],
        ['catalogue_batch', 'roles.tf', 'aws_iam_role.batch.name'],
      ] as const
    ).flatMap(([a, file, role]) =>
      parts.map((part, k) => ({
        address: `aws_iam_role_policy_attachment.${a}_part${k + 2}`,
        file: join(repo, file),
        policyArn: `${part}.arn`,
        principal: { attribute: 'role', text: role },
      })),
    );
    const others = (text: string) => (path: string) =>
      path === join(repo, 'roles.tf') ? text : undefined;
    const read = await readTerraformSplit(
      join(repo, 'main.tf'),
      main,
      'aws_iam_policy.catalogue',
      { parts, added },
      others(roles),
    );
    if (typeof read === 'string') throw new Error(read);
    const docs = read.map((r) => resolveDocument(r.document, new Map()));
    expect(canonicalDocument(mergePolicies(docs as Record<string, unknown>[]))).toEqual(
      canonicalDocument(p.policy),
    );
    const located = await locateTerraform([
      { path: join(repo, 'main.tf'), text: main },
      { path: join(repo, 'roles.tf'), text: roles },
    ]);
    expect(located.unsupported).toEqual([]);
    expect(located.sources.map((s) => `${s.address} ${s.policyName}`)).toEqual(
      Array.from(
        { length: n },
        (_, k) =>
          `aws_iam_policy.catalogue${k === 0 ? '' : `_part${k + 1}`} ec2-catalogue${k === 0 ? '' : `-part-${k + 1}`}`,
      ),
    );
    // A wrong policy_arn, or a missing copy, in roles.tf is caught by the read-back.
    const broken = roles.replace(
      'policy_arn = aws_iam_policy.catalogue_part2.arn',
      'policy_arn = aws_iam_policy.catalogue.arn',
    );
    expect(broken).not.toBe(roles);
    expect(
      await readTerraformSplit(
        join(repo, 'main.tf'),
        main,
        'aws_iam_policy.catalogue',
        { parts, added },
        others(broken),
      ),
    ).toBe(
      `aws_iam_role_policy_attachment.catalogue_batch_part2 (${join(repo, 'roles.tf')}:7) does not have policy_arn = aws_iam_policy.catalogue_part2.arn`,
    );
    expect(
      await readTerraformSplit(
        join(repo, 'main.tf'),
        main,
        'aws_iam_policy.catalogue',
        { parts, added },
        others(fixtureText(join(SOURCE, 'roles.tf'))),
      ),
    ).toBe(
      `aws_iam_role_policy_attachment.catalogue_batch_part2 is not in the patched ${join(repo, 'roles.tf')}`,
    );
  });
});

describe('the checks of an attachment in another file', () => {
  it('a principal in roles.tf the scan did not see the policy attached to: refused, naming roles.tf', async () => {
    const dir = mkdtempSync(join(work, 'case-'));
    materializeFixture(SOURCE, dir);
    const roles = join(dir, 'roles.tf');
    writeFileSync(
      roles,
      readFileSync(roles, 'utf8').replace('"catalogue-batch"', '"catalogue-batch-v2"'),
    );
    const findings = findingsFor();
    const result = await remediate({
      dirs: [dir],
      findings,
      sharing: sharingOf(findings),
      catalog,
    });
    expect(result.patches).toEqual([]);
    expect(result.diff).toBe('');
    expect(result.notPatched.map((n) => n.reason)).toEqual(
      Array<string>(2).fill(
        `split form: ${roles}:2: resource "aws_iam_role_policy_attachment" "catalogue_batch" attaches the policy to role catalogue-batch-v2, to which the scan did not see it attached: the scan and the sources disagree; scan again or split by hand`,
      ),
    );
  }, 120_000);
});

describe('linked files are written together or not at all', () => {
  afterAll(() => {
    proofCalls.failFor = '';
  });

  it('with every proof passing: the split, the inline policy of roles.tf and that of other.tf', async () => {
    const { result } = await run(true);
    expect(result.notPatched).toEqual([]);
    expect(result.patches.map((p) => `${p.source.file} ${p.source.address}`)).toEqual([
      'main.tf aws_iam_policy.catalogue',
      'other.tf aws_iam_role_policy.api-topic',
      'roles.tf aws_iam_role_policy.batch-queue',
    ]);
    expect(result.files.map((f) => f.file)).toEqual(['main.tf', 'other.tf', 'roles.tf']);
    const roles = result.files.find((f) => f.file === 'roles.tf')!.after;
    expect(roles).toContain('catalogue_batch_part2');
    expect(roles).toContain('Action = ["sqs:SendMessage"]');
  }, 120_000);

  it('a failed combined proof in roles.tf withholds main.tf and roles.tf, lists both patches; other.tf is written', async () => {
    // The inline policy of roles.tf: its first proof (planned) passes, its combined one fails.
    const { result } = await run(true, { for: 'sqs:PurgeQueue', on: 2 });
    expect(proofCalls.n).toBe(2);
    expect(result.patches.map((p) => p.source.address)).toEqual(['aws_iam_role_policy.api-topic']);
    expect(result.files.map((f) => f.file)).toEqual(['other.tf']);
    expect(result.diff.split('\n').filter((l) => l.startsWith('+++ '))).toEqual(['+++ b/other.tf']);
    expect(result.notPatched.map((n) => [n.findingId, n.source?.address, n.reason])).toEqual([
      [
        'catalogue-batch',
        'aws_iam_role_policy.batch-queue',
        'the combined patch of roles.tf was not written: the patched document fails the exactness proof',
      ],
      ...['catalogue-api', 'catalogue-batch'].map((id) => [
        id,
        'aws_iam_policy.catalogue',
        'not written: the combined patch of main.tf and roles.tf (changed together by a patch) failed its proof for aws_iam_role_policy.batch-queue, so no patch of these files is written',
      ]),
    ]);
  }, 120_000);

  it('a failed combined proof of the split withholds the inline policy of roles.tf too', async () => {
    // The split's document (700 EC2 actions): its planned proof passes, its combined one fails.
    const { result } = await run(true, { for: 'ec2:AcceptAddressTransfer', on: 2 });
    expect(proofCalls.n).toBe(2);
    expect(result.patches.map((p) => p.source.address)).toEqual(['aws_iam_role_policy.api-topic']);
    expect(result.files.map((f) => f.file)).toEqual(['other.tf']);
    expect(result.notPatched.map((n) => [n.findingId, n.source?.address, n.reason])).toEqual([
      ...['catalogue-api', 'catalogue-batch'].map((id) => [
        id,
        'aws_iam_policy.catalogue',
        'the combined patch of main.tf and roles.tf was not written: the union of the parts fails the exactness proof',
      ]),
      [
        'catalogue-batch',
        'aws_iam_role_policy.batch-queue',
        'not written: the combined patch of main.tf and roles.tf (changed together by a patch) failed its proof for aws_iam_policy.catalogue, so no patch of these files is written',
      ],
    ]);
  }, 120_000);
});
