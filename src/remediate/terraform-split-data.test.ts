/**
 * The split form written into Terraform for a policy whose document is a
 * `data.aws_iam_policy_document` (terraform-split.ts): the data block keeps the first part, copies
 * of it follow for the other parts, and each resource copy reads its own copy. Two fixtures: the
 * data block in the resource's file (test/fixtures/remediate/terraform-split-data), and in another
 * file of the module (terraform-split-data-files: documents.tf, with an attachment in roles.tf).
 * The patch is applied with `git apply`, re-parsed, each part read back compared with the part
 * splitPolicy made, and `terraform fmt -check` run on the patched files; every refusal names its
 * file and line; and, for random policies, the parts written are exactly splitPolicy's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { Finding } from '../findings/types.js';
import { MANAGED_POLICY_QUOTA } from '../policy/size.js';
import { splitPolicy } from '../refine/forms/split.js';
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

// With `swap` set, the read-back gives parts 2 and 3 in the other order (their union unchanged).
const readBack = vi.hoisted(() => ({ swap: false }));
vi.mock('./terraform-split.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('./terraform-split.js')>();
  return {
    ...real,
    readTerraformSplit: async (...args: Parameters<typeof real.readTerraformSplit>) => {
      const read = await real.readTerraformSplit(...args);
      if (!readBack.swap || typeof read === 'string' || read.length < 3) return read;
      return [
        read[0]!,
        { ...read[1]!, document: read[2]!.document },
        { ...read[2]!, document: read[1]!.document },
        ...read.slice(3),
      ];
    },
  };
});

const ARN = 'arn:aws:iam::123456789012';
const POLICY = `${ARN}:policy/ec2-catalogue`;
const TERRAFORM = '/usr/local/bin/terraform';
const DATA = 'data.aws_iam_policy_document.catalogue';

let catalog: ActionCatalog;
let actions: string[];
let s3: string[];
let work: string;

/** The findings of the two roles the policy is attached to (each unused: every tenth EC2 action). */
function findingsFor(): Finding[] {
  return catalogueFindings(catalog, {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Catalogue', Effect: 'Allow', Action: actions, Resource: '*' },
      {
        Sid: 'CatalogueLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: 'arn:aws:logs:*:*:log-group:/catalogue/*',
      },
    ],
  });
}

/** Runs remediate on a copy of `fixture` with `edit(name, text)` applied to each file. */
async function run(
  fixture: string,
  edit: (name: string, text: string) => string = (_, t) => t,
  extra: Record<string, string> = {},
): Promise<{ dir: string; result: RemediateResult }> {
  const dir = mkdtempSync(join(work, 'case-'));
  materializeFixture(join(FIXTURES, fixture), dir);
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  for (const name of ['main.tf', 'documents.tf', 'roles.tf']) {
    const path = join(dir, name);
    if (existsSync(path)) writeFileSync(path, edit(name, readFileSync(path, 'utf8')));
  }
  const findings = findingsFor();
  const result = await remediate({ dirs: [dir], findings, sharing: sharingOf(findings), catalog });
  return { dir, result };
}

/** The 1-based line of the first line of `text` that starts with `start`. */
function lineOf(text: string, start: string): number {
  const i = text.split('\n').findIndex((l) => l.startsWith(start));
  if (i < 0) throw new Error(`no line starts with ${start}`);
  return i + 1;
}

beforeAll(async () => {
  catalog = await loadCatalog();
  actions = catalogueActions();
  s3 = catalog.actions.filter((a) => a.service === 's3').map((a) => `s3:${a.name}`);
  work = mkdtempSync(join(tmpdir(), 'iam-refine-tfdata-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const LAYOUTS = [
  {
    fixture: 'terraform-split-data',
    data: 'main.tf',
    resource: 'main.tf',
    files: ['main.tf'],
    attachments: [
      { address: 'aws_iam_role_policy_attachment.catalogue_api', file: 'main.tf' },
      { address: 'aws_iam_role_policy_attachment.catalogue_batch', file: 'main.tf' },
    ],
  },
  {
    fixture: 'terraform-split-data-files',
    data: 'documents.tf',
    resource: 'main.tf',
    files: ['documents.tf', 'main.tf', 'roles.tf'],
    attachments: [
      { address: 'aws_iam_role_policy_attachment.catalogue_api', file: 'main.tf' },
      { address: 'aws_iam_role_policy_attachment.catalogue_batch', file: 'roles.tf' },
    ],
  },
] as const;

describe.each(LAYOUTS)('a split of a data.aws_iam_policy_document ($fixture)', (layout) => {
  let result: RemediateResult;
  beforeAll(async () => {
    ({ result } = await run(layout.fixture));
  }, 120_000);

  it('writes the parts into the data source and its copies, proved', () => {
    expect(result.notPatched).toEqual([]);
    expect(result.patches).toHaveLength(1);
    const p = result.patches[0]!;
    expect(p.form).toBe('split');
    expect(p.proof.exact).toBe(true);
    expect(p.findingIds).toEqual(['catalogue-api', 'catalogue-batch']);
    expect(p.parts!.length).toBeGreaterThan(2);
    for (const part of p.parts!) expect(part.characters).toBeLessThanOrEqual(6144);
    expect(p.attachmentsCopied).toEqual(layout.attachments);
    const copies = Array.from({ length: p.parts!.length - 1 }, (_, k) => `${DATA}_part${k + 2}`);
    expect(p.dataSourceCopies).toEqual({ address: DATA, copies });
    const body = prBody(findingsFor()[0]!, result.patches, result.notPatched, {
      catalogVersion: catalog.version,
    });
    expect(body).toContain(
      `Each new resource is a copy of the original reading its own copy of \`${DATA}\` (${copies.map((c) => `\`${c}\``).join(', ')}, written after it in \`${layout.data}\`), and each attachment resource of the original`,
    );
    const others = layout.files.filter((f) => f !== layout.data);
    if (others.length === 0) expect(p.otherFiles).toBeUndefined();
    else expect(p.otherFiles).toEqual(others);
    expect(result.files.map((f) => f.file)).toEqual(layout.files);
  });

  it('git apply accepts the patch; every part read back is the part splitPolicy made; terraform fmt is happy', async () => {
    const p = result.patches[0]!;
    const n = p.parts!.length;
    const repo = mkdtempSync(join(work, 'git-'));
    materializeFixture(join(FIXTURES, layout.fixture), repo);
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'fixture');
    writeFileSync(join(repo, 'fix.patch'), result.diff);
    git(repo, 'apply', '--check', 'fix.patch');
    git(repo, 'apply', 'fix.patch');
    rmSync(join(repo, 'fix.patch'));
    const texts = new Map(
      layout.files.map((f) => [join(repo, f), readFileSync(join(repo, f), 'utf8')]),
    );
    for (const f of result.files) {
      expect(texts.get(join(repo, f.file))).toBe(f.after);
    }
    const all = ['main.tf', 'documents.tf', 'roles.tf']
      .filter((f) => existsSync(join(repo, f)))
      .map((f) => ({ path: join(repo, f), text: readFileSync(join(repo, f), 'utf8') }));
    const located = await locateTerraform(all);
    expect(located.unsupported).toEqual([]);
    const policies = located.sources.filter((s) => s.resourceType === 'aws_iam_policy');
    const addresses = Array.from(
      { length: n },
      (_, k) => `aws_iam_policy.catalogue${k === 0 ? '' : `_part${k + 1}`}`,
    );
    expect(policies.map((s) => s.address).sort()).toEqual([...addresses].sort());
    const split = splitPolicy(p.policy!, MANAGED_POLICY_QUOTA, n)!;
    expect(split.parts).toHaveLength(n);
    for (const [k, address] of addresses.entries()) {
      const s = policies.find((x) => x.address === address)!;
      expect(s.form).toBe('policy document');
      expect(s.file).toBe(join(repo, layout.data));
      expect(s.declaredIn).toBe(join(repo, layout.resource));
      expect(s.policyName).toBe(`ec2-catalogue${k === 0 ? '' : `-part-${k + 1}`}`);
      expect(canonicalDocument(resolveDocument(s.document, new Map()))).toEqual(
        canonicalDocument(split.parts[k]),
      );
    }
    // Each resource copy reads its own data source copy.
    const resourceText = texts.get(join(repo, layout.resource))!;
    for (let k = 1; k < n; k++) {
      expect(resourceText).toContain(
        `resource "aws_iam_policy" "catalogue_part${k + 1}" {\n  name        = "ec2-catalogue-part-${k + 1}"\n  description = "Catalogue access to EC2" # kept in every part\n  policy      = ${DATA}_part${k + 1}.json\n}\n`,
      );
    }
    if (existsSync(TERRAFORM)) {
      execFileSync(TERRAFORM, ['fmt', '-check', '-list=true', repo], { encoding: 'utf8' });
    }
    // The read-back: passes on the patched texts, and catches a copy reading the first part.
    const parts = addresses.slice(1);
    const added = layout.attachments.flatMap((a) =>
      parts.map((part, k) => ({
        address: `${a.address}_part${k + 2}`,
        file: join(repo, a.file),
        policyArn: `${part}.arn`,
        principal: {
          attribute: 'role',
          text: a.address.endsWith('api') ? '"catalogue-api"' : 'aws_iam_role.batch.name',
        },
      })),
    );
    const plan = {
      parts,
      added,
      resourceFile: join(repo, layout.resource),
      documents: addresses.map((_, k) => (k === 0 ? DATA : `${DATA}_part${k + 1}`)),
    };
    const dataPath = join(repo, layout.data);
    const read = (edit: (path: string, text: string) => string = (_, t) => t) =>
      readTerraformSplit(
        dataPath,
        edit(dataPath, texts.get(dataPath)!),
        'aws_iam_policy.catalogue',
        plan,
        (path) => (texts.has(path) ? edit(path, texts.get(path)!) : undefined),
      );
    const ok = await read();
    if (typeof ok === 'string') throw new Error(ok);
    expect(ok.map((r) => r.address)).toEqual(addresses);
    const stale = await read((path, t) =>
      path === plan.resourceFile
        ? t.replace(`policy      = ${DATA}_part2.json`, `policy      = ${DATA}.json`)
        : t,
    );
    expect(stale).toBe(
      `aws_iam_policy.catalogue_part2 (${plan.resourceFile}:${lineOf(resourceText, 'resource "aws_iam_policy" "catalogue_part2"')}) does not have policy = ${DATA}_part2.json`,
    );
    // A data source copy missing (its label written back to the original's): caught.
    const twice = await read((path, t) =>
      path === dataPath
        ? t.replace(
            'data "aws_iam_policy_document" "catalogue_part3" {',
            'data "aws_iam_policy_document" "catalogue" {',
          )
        : t,
    );
    expect(twice).toMatch(/is declared twice in the patched|is not in the patched/);
    // A data source copy written in another file of the module than the data source's: caught.
    if (layout.data !== layout.resource) {
      const copy = /\ndata "aws_iam_policy_document" "catalogue_part2" \{\n[\s\S]*?\n\}\n/.exec(
        texts.get(dataPath)!,
      )![0];
      const moved = await read((path, t) =>
        path === dataPath ? t.replace(copy, '\n') : path === plan.resourceFile ? t + copy : t,
      );
      expect(moved).toBe(
        `aws_iam_policy.catalogue_part2 does not read its document from a data.aws_iam_policy_document of ${dataPath}`,
      );
    }
  });

  it('the proof checks each part: parts 2 and 3 read back swapped (the same union) are refused', async () => {
    readBack.swap = true;
    try {
      const { result: swapped } = await run(layout.fixture);
      expect(swapped.patches).toEqual([]);
      expect(swapped.notPatched.map((x) => x.reason)).toEqual([
        'the patch was not written: aws_iam_policy.catalogue_part2 is not part 2 of the split',
        'the patch was not written: aws_iam_policy.catalogue_part2 is not part 2 of the split',
      ]);
    } finally {
      readBack.swap = false;
    }
  }, 120_000);
});

describe('the data block in the same file, line by line', () => {
  it('only action entries and whole statements are removed; the copies are the original block', async () => {
    const { result } = await run('terraform-split-data');
    const p = result.patches[0]!;
    const n = p.parts!.length;
    const before = fixtureText(join(FIXTURES, 'terraform-split-data', 'main.tf')).split('\n');
    const after = result.files[0]!.after.split('\n');
    const isEntry = (l: string) => /^ {6}"ec2:[A-Za-z0-9]+",$/.test(l);
    const dataEnd = before.indexOf('}');
    const dataBlock = before.slice(1, dataEnd + 1).filter((l) => !isEntry(l));
    // The logs statement (its blank line before it too) is only in the last part.
    const logs = dataBlock.indexOf('  statement {', dataBlock.indexOf('  statement {') + 1);
    const split = splitPolicy(p.policy!, MANAGED_POLICY_QUOTA, n)!;
    const hasLogs = split.parts.map((part) => JSON.stringify(part).includes('"CatalogueLogs"'));
    expect(hasLogs.filter(Boolean)).toHaveLength(1);
    const dataOf = (k: number) => {
      const lines = hasLogs[k]
        ? dataBlock
        : [...dataBlock.slice(0, logs - 1), ...dataBlock.slice(dataBlock.length - 1)];
      return k === 0
        ? lines
        : lines.map((l) => l.replace('"catalogue" {', `"catalogue_part${k + 1}" {`));
    };
    const resourceStart = before.indexOf('resource "aws_iam_policy" "catalogue" {');
    const resource = before.slice(resourceStart, resourceStart + 5);
    const resourceOf = (k: number) =>
      k === 0
        ? resource
        : resource.map((l) =>
            l
              .replace('"catalogue" {', `"catalogue_part${k + 1}" {`)
              .replace('"ec2-catalogue"', `"ec2-catalogue-part-${k + 1}"`)
              .replace(`${DATA}.json`, `${DATA}_part${k + 1}.json`),
          );
    const copies = (of: (k: number) => string[]) =>
      Array.from({ length: n }, (_, k) => [...(k === 0 ? [] : ['']), ...of(k)]).flat();
    const attachment = (name: string, role: string, k: number) => [
      `resource "aws_iam_role_policy_attachment" "${name}${k === 0 ? '' : `_part${k + 1}`}" {`,
      `  role       = ${role}`,
      `  policy_arn = aws_iam_policy.catalogue${k === 0 ? '' : `_part${k + 1}`}.arn`,
      '}',
    ];
    const expected = [
      before[0]!,
      ...copies(dataOf),
      '',
      ...copies(resourceOf),
      '',
      ...copies((k) => attachment('catalogue_api', '"catalogue-api"', k)),
      '',
      '# The batch workers share the policy.',
      ...copies((k) => attachment('catalogue_batch', 'aws_iam_role.batch.name', k)),
      ...before.slice(before.indexOf('resource "aws_iam_role" "batch" {') - 1),
    ];
    expect(after.filter((l) => !isEntry(l))).toEqual(expected);
    // The entries kept: each one of the original's, each action in exactly one part.
    const original = before.filter(isEntry);
    const kept = after.filter(isEntry);
    for (const l of kept) expect(original).toContain(l);
    expect(new Set(kept).size).toBe(kept.length);
  }, 120_000);
});

describe('a split of a data.aws_iam_policy_document is refused, one line saying why', () => {
  const refused = async (
    fixture: string,
    edit: (name: string, text: string) => string,
    extra: Record<string, string> = {},
  ) => {
    const { dir, result } = await run(fixture, edit, extra);
    expect(result.patches).toEqual([]);
    expect(result.diff).toBe('');
    // Each line names where the resource is declared (in main.tf), even when the data source is
    // in another file.
    const declaration = 'resource "aws_iam_policy" "catalogue" {';
    for (const x of result.notPatched) {
      expect(x.source).toEqual({
        file: join(dir, 'main.tf'),
        line: lineOf(readFileSync(join(dir, 'main.tf'), 'utf8'), declaration),
        address: 'aws_iam_policy.catalogue',
      });
    }
    return { dir, reasons: result.notPatched.map((x) => x.reason) };
  };
  const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');

  it('the data source read by another resource', async () => {
    const { dir, reasons } = await refused('terraform-split-data-files', (name, t) =>
      name === 'roles.tf'
        ? `${t}\nresource "aws_iam_role_policy" "batch_extra" {\n  role   = aws_iam_role.batch.id\n  policy = ${DATA}.json\n}\n`
        : t,
    );
    const line = lineOf(read(dir, 'roles.tf'), '  policy = data.');
    expect(reasons[0]).toBe(
      `split form: ${join(dir, 'roles.tf')}:${line}: ${DATA}, the document of aws_iam_policy.catalogue, is also referenced in resource "aws_iam_role_policy" "batch_extra" (policy): it would read only the first part; split by hand`,
    );
  }, 60_000);

  it('the data source read by a local, an output, another data source', async () => {
    const cases = [
      ['locals {\n  doc = ', `${DATA}.json`, '\n}\n'],
      ['output "doc" {\n  value = ', `${DATA}.json`, '\n}\n'],
      [
        'data "aws_iam_policy_document" "more" {\n  source_policy_documents = [',
        `${DATA}.json`,
        ']\n}\n',
      ],
    ] as const;
    const whats = [
      'locals (doc)',
      'output "doc" (value)',
      'data "aws_iam_policy_document" "more" (source_policy_documents)',
    ];
    for (const [i, [head, ref, tail]] of cases.entries()) {
      const { dir, reasons } = await refused('terraform-split-data', (name, t) =>
        name === 'main.tf' ? `${t}\n${head}${ref}${tail}` : t,
      );
      // The reference appended last.
      const lines = read(dir, 'main.tf').split('\n');
      const at = lines.length - [...lines].reverse().findIndex((l) => l.includes(`${DATA}.json`));
      expect(lines[at - 1]).toContain(head.split('\n').at(-1)!);
      expect(reasons[0]).toBe(
        `split form: ${join(dir, 'main.tf')}:${at}: ${DATA}, the document of aws_iam_policy.catalogue, is also referenced in ${whats[i]!}: it would read only the first part; split by hand`,
      );
    }
  }, 120_000);

  it('the data source referenced in a file in JSON syntax', async () => {
    const json = `{\n  "output": {\n    "doc": {\n      "value": "\${${DATA}.json}"\n    }\n  }\n}\n`;
    const { dir, reasons } = await refused('terraform-split-data', (_, t) => t, {
      'outputs.tf.json': json,
    });
    expect(reasons[0]).toBe(
      `split form: ${join(dir, 'outputs.tf.json')}:4: ${DATA} is referenced in a file in Terraform JSON syntax, which remediate does not rewrite: the new parts would not be attached or used there; split by hand`,
    );
  }, 60_000);

  it('a label of a copy already taken', async () => {
    const { dir, reasons } = await refused('terraform-split-data-files', (name, t) =>
      name === 'roles.tf'
        ? `${t}\ndata "aws_iam_policy_document" "catalogue_part3" {\n  statement {\n    actions   = ["s3:GetObject"]\n    resources = ["*"]\n  }\n}\n`
        : t,
    );
    const line = lineOf(read(dir, 'roles.tf'), 'data "aws_iam_policy_document" "catalogue_part3"');
    expect(reasons[0]).toBe(
      `split form: ${join(dir, 'roles.tf')}:${line}: ${DATA}_part3 is already in the module`,
    );
  }, 60_000);
});

/** A module with one data source (statements: action lists) read by `aws_iam_policy.p`. */
function dataModule(statements: string[][]): string {
  const blocks = statements
    .map(
      (a, i) =>
        `  statement {\n    sid       = "S${i}"\n    actions   = [${a.map((x) => `"${x}"`).join(', ')}]\n    resources = ["*"]\n  }\n`,
    )
    .join('\n');
  return `data "aws_iam_policy_document" "d" {\n${blocks}}\n`;
}
const RESOURCE = `resource "aws_iam_policy" "p" {\n  name   = "p"\n  policy = data.aws_iam_policy_document.d.json\n}\n`;
const attachment = (i: number) =>
  `\nresource "aws_iam_role_policy_attachment" "a${i}" {\n  role       = "r${i}"\n  policy_arn = aws_iam_policy.p.arn\n}\n`;

/**
 * Plans the split of `aws_iam_policy.p` of a module with main.tf (`main`), and, when given,
 * documents.tf (`documents`), its document located in `located` (the same texts by default).
 */
async function planOf(
  main: string,
  documents?: string,
  located: { main: string; documents?: string } = { main, documents },
): Promise<string | object> {
  const dir = join(work, 'plan');
  const files = [
    { path: join(dir, 'main.tf'), text: main },
    ...(documents === undefined ? [] : [{ path: join(dir, 'documents.tf'), text: documents }]),
  ];
  const source = (
    await locateTerraform([
      { path: join(dir, 'main.tf'), text: located.main },
      ...(located.documents === undefined
        ? []
        : [{ path: join(dir, 'documents.tf'), text: located.documents }]),
    ])
  ).sources[0]!;
  const original = resolveDocument(source.document, new Map()) as Record<string, unknown>;
  const refinement = refinePolicy(
    original,
    s3.filter((_, i) => i % 3 === 0),
    { catalog },
  );
  const split = splitPolicy(refinement.policy!, 400, 50)!;
  expect(split.parts.length).toBeGreaterThan(1);
  return planTerraformSplit(
    files.find((f) => f.path === source.file)!.text,
    source,
    refinement,
    split,
    files,
    { policyArn: POLICY, roles: [`${ARN}:role/r0`], users: [], groups: [] },
  );
}

describe('planTerraformSplit refuses what it cannot copy of a data source', () => {
  const doc = () => dataModule([s3.slice(0, 60)]);
  const dir = () => join(work, 'plan');
  /** `doc()` with `extra` written before its closing brace (the document's spans unchanged). */
  const withAttr = (extra: string) => doc().replace(/\}\n$/, `${extra}}\n`);

  it('for_each, count, source_policy_documents, override_policy_documents', async () => {
    for (const [attr, value] of [
      ['for_each', 'toset(["a"])'],
      ['count', '1'],
      ['source_policy_documents', '[]'],
      ['override_policy_documents', '[]'],
    ] as const) {
      const text = withAttr(`  ${attr} = ${value}\n`);
      const main = `${RESOURCE}${attachment(0)}`;
      const line = text.split('\n').findIndex((l) => l.startsWith(`  ${attr} =`)) + 1;
      const why =
        attr === 'for_each' || attr === 'count'
          ? `uses ${attr}: its copies for the new parts are not written; split by hand`
          : `merges other documents (${attr}): its parts cannot be cut from its statements; split by hand`;
      expect(await planOf(main, text, { main, documents: doc() })).toBe(
        `${join(dir(), 'documents.tf')}:${line}: data.aws_iam_policy_document.d ${why}`,
      );
    }
  });

  it('a dynamic block inside a statement', async () => {
    const text = doc().replace(
      '    resources = ["*"]\n',
      '    resources = ["*"]\n    dynamic "condition" {\n      for_each = []\n      content {\n        test     = "StringEquals"\n        variable = "aws:x"\n        values   = []\n      }\n    }\n',
    );
    const main = `${text}\n${RESOURCE}${attachment(0)}`;
    const line = main.split('\n').findIndex((l) => l.startsWith('    dynamic')) + 1;
    expect(await planOf(main)).toBe(
      `${join(dir(), 'main.tf')}:${line}: data.aws_iam_policy_document.d has a dynamic block: its statements are not all written out; split by hand`,
    );
  });

  it('a reference from another file, and depends_on', async () => {
    const main = `${doc()}\n${RESOURCE}${attachment(0)}\nresource "aws_s3_bucket" "b" {\n  bucket     = "b"\n  depends_on = [data.aws_iam_policy_document.d]\n}\n`;
    const line = main.split('\n').findIndex((l) => l.includes('depends_on')) + 1;
    expect(await planOf(main)).toBe(
      `${join(dir(), 'main.tf')}:${line}: data.aws_iam_policy_document.d, the document of aws_iam_policy.p, is also referenced in resource "aws_s3_bucket" "b" (depends_on): it would read only the first part; split by hand`,
    );
  });

  it('what a split in the resource refuses: name_prefix, an exclusive attachment', async () => {
    const main = `${doc()}\n${RESOURCE.replace('name   = "p"', 'name_prefix = "p"')}${attachment(0)}`;
    expect(await planOf(main)).toBe('it uses name_prefix: the new parts need names of their own');
    const exclusive = `${doc()}\n${RESOURCE}\nresource "aws_iam_policy_attachment" "x" {\n  name       = "x"\n  roles      = ["r0"]\n  policy_arn = aws_iam_policy.p.arn\n}\n`;
    const line = exclusive.split('\n').findIndex((l) => l.includes('policy_arn')) + 1;
    expect(await planOf(exclusive)).toBe(
      `${join(dir(), 'main.tf')}:${line}: aws_iam_policy.p is referenced in resource "aws_iam_policy_attachment" "x" (policy_arn) (an exclusive attachment): the new parts would not be attached or used there; split by hand`,
    );
  });

  it('a document read with file() is still refused', async () => {
    const d = join(work, 'plan-file');
    const json = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: s3.slice(0, 60), Resource: '*' }],
    });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'policy.json'), json);
    const main = `resource "aws_iam_policy" "p" {\n  name   = "p"\n  policy = file("\${path.module}/policy.json")\n}\n${attachment(0)}`;
    const files = [{ path: join(d, 'main.tf'), text: main }];
    const source = (await locateTerraform(files)).sources[0]!;
    expect(source.form).toBe('file');
    const original = resolveDocument(source.document, new Map()) as Record<string, unknown>;
    const refinement = refinePolicy(
      original,
      s3.filter((_, i) => i % 3 === 0),
      { catalog },
    );
    const split = splitPolicy(refinement.policy!, 400, 50)!;
    expect(
      await planTerraformSplit(json, source, refinement, split, files, {
        policyArn: POLICY,
        roles: [`${ARN}:role/r0`],
        users: [],
        groups: [],
      }),
    ).toBe(
      'the document is read with file(): the parts would need copies of the JSON file, which remediate does not write (split by hand)',
    );
  });
});

describe('planTerraformSplit of a data source', () => {
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
        // Whether the data block is in documents.tf rather than main.tf, and before the resource.
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 2 }),
        async (lists, every, unusedIdx, quota, apart, first, attached) => {
          const statements = lists.map((l) => l.map((i) => s3[i % s3.length]!));
          const used = new Set(statements.flat());
          const unused = [
            ...[...used].filter((_, i) => i % every === 0),
            ...unusedIdx.map((i) => s3[i % s3.length]!),
          ];
          const data = dataModule(statements);
          const rest =
            RESOURCE + Array.from({ length: attached }, (_, i) => attachment(i)).join('');
          const mainText = apart ? rest : first ? `${data}\n${rest}` : `${rest}\n${data}`;
          const dir = join(work, 'prop');
          const mainPath = join(dir, 'main.tf');
          const docPath = join(dir, 'documents.tf');
          const files = [
            { path: mainPath, text: mainText },
            ...(apart ? [{ path: docPath, text: data }] : []),
          ];
          const source = (await locateTerraform(files)).sources[0]!;
          expect(source.form).toBe('policy document');
          expect(source.file).toBe(apart ? docPath : mainPath);
          const original = resolveDocument(source.document, new Map()) as Record<string, unknown>;
          const refinement = refinePolicy(original, unused, { catalog });
          if (refinement.recommendedAction !== 'CREATE_POLICY') return;
          const split = splitPolicy(refinement.policy!, quota, 50);
          if (split === undefined || split.parts.length < 2) return;
          splits++;
          const n = split.parts.length;
          const text = files.find((f) => f.path === source.file)!.text;
          const plan = await planTerraformSplit(text, source, refinement, split, files, {
            policyArn: POLICY,
            roles: Array.from({ length: attached }, (_, i) => `${ARN}:role/r${i}`),
            users: [],
            groups: [],
          });
          if (typeof plan === 'string') throw new Error(plan);
          expect(plan.resourceFile).toBe(mainPath);
          expect(plan.documents).toEqual(
            Array.from({ length: n }, (_, k) =>
              k === 0
                ? 'data.aws_iam_policy_document.d'
                : `data.aws_iam_policy_document.d_part${k + 1}`,
            ),
          );
          expect([...plan.elsewhere.keys()]).toEqual(apart ? [mainPath] : []);
          const patched = new Map(
            files.map((f) => [
              f.path,
              applyEdits(
                f.text,
                f.path === source.file ? plan.edits : (plan.elsewhere.get(f.path) ?? []),
              ),
            ]),
          );
          // The data copies are in the data source's file only.
          expect(patched.get(source.file)).toContain('data "aws_iam_policy_document" "d_part2" {');
          if (apart) expect(patched.get(mainPath)).not.toContain('"d_part2"');
          const located = await locateTerraform(
            files.map((f) => ({ path: f.path, text: patched.get(f.path)! })),
          );
          expect(located.unsupported).toEqual([]);
          const addresses = split.parts.map((_, k) =>
            k === 0 ? 'aws_iam_policy.p' : `aws_iam_policy.p_part${k + 1}`,
          );
          expect(located.sources.map((s) => s.address).sort()).toEqual([...addresses].sort());
          for (const [k, address] of addresses.entries()) {
            const s = located.sources.find((x) => x.address === address)!;
            expect(s.file).toBe(source.file);
            expect(canonicalDocument(resolveDocument(s.document, new Map()))).toEqual(
              canonicalDocument(split.parts[k]),
            );
            expect(s.policyName).toBe(k === 0 ? 'p' : `p-part-${k + 1}`);
          }
          const read = await readTerraformSplit(
            source.file,
            patched.get(source.file)!,
            'aws_iam_policy.p',
            plan,
            (p) => patched.get(p),
          );
          if (typeof read === 'string') throw new Error(read);
          // With the resource's file unpatched, the parts are missing.
          if (apart) {
            const stale = await readTerraformSplit(
              source.file,
              patched.get(source.file)!,
              'aws_iam_policy.p',
              plan,
              (p) => (p === mainPath ? mainText : patched.get(p)),
            );
            expect(stale).toMatch(/^aws_iam_policy\.p_part2 is not in the patched file/);
          }
        },
      ),
      { numRuns: 100 },
    );
    expect(splits).toBeGreaterThan(30);
  }, 180_000);
});
