/**
 * Terraform override files and JSON syntax: a policy whose resource (or policy document) an
 * override file also writes is not patched, with the override's file and line; an unreadable
 * override file stops its module's patches only; a policy written in `.tf.json` is reported; a split
 * whose policy an override or JSON file references is refused with where.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { Finding } from '../findings/types.js';
import { remediate } from './remediate.js';
import { terraformFileKind, terraformJsonBlocks } from './terraform-overrides.js';
import { FIXTURES, sharingOf, testFinding } from './test-helpers.js';
import { catalogueActions, catalogueFindings, materializeFixture } from './test-fixtures.js';

const ARN = 'arn:aws:iam::123456789012';
let catalog: ActionCatalog;
let work: string;

const doc = (actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
});
const QUEUE = ['sqs:SendMessage', 'sqs:PurgeQueue'];
const TOPIC = ['sns:Publish', 'sns:DeleteTopic'];

/** An inline role policy written with jsonencode. */
const inline = (
  name: string,
  role: string,
  list: string[],
) => `resource "aws_iam_role_policy" "${name}" {
  name = "${name}"
  role = "${role}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = [${list.map((a) => `"${a}"`).join(', ')}], Resource = "*" }]
  })
}
`;

/** An inline role policy whose document is a data.aws_iam_policy_document. */
const viaData = (
  name: string,
  role: string,
  list: string[],
) => `data "aws_iam_policy_document" "${name}" {
  statement {
    actions   = [${list.map((a) => `"${a}"`).join(', ')}]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "${name}" {
  name   = "${name}"
  role   = "${role}"
  policy = data.aws_iam_policy_document.${name}.json
}
`;

/** The findings: role `queue` with QUEUE's PurgeQueue unused, role `topic` with DeleteTopic. */
function findings(): Finding[] {
  return [
    testFinding(
      'f-queue',
      `${ARN}:role/queue`,
      ['sqs:PurgeQueue'],
      [{ name: 'queue', type: 'INLINE', document: doc(QUEUE) }],
      catalog,
    ),
    testFinding(
      'f-topic',
      `${ARN}:role/topic`,
      ['sns:DeleteTopic'],
      [{ name: 'topic', type: 'INLINE', document: doc(TOPIC) }],
      catalog,
    ),
  ];
}

/** Writes `files` (relative path → text) into a new folder and runs remediate on it. */
async function run(files: Record<string, string>, list = findings()) {
  const dir = mkdtempSync(join(work, 'case-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const result = await remediate({ dirs: [dir], findings: list, catalog });
  const rel = (f: string) => f.slice(dir.length + 1);
  return {
    patched: result.patches.map((p) => `${p.policyName} ${p.source.file}`),
    notPatched: result.notPatched.map(
      (n) => `${n.policyName}: ${n.reason.split(dir + '/').join('')}`,
    ),
    unsupported: result.unsupported.map(
      (u) => `${rel(u.file)}:${u.line} ${u.what}: ${u.reason.split(dir + '/').join('')}`,
    ),
  };
}

beforeAll(async () => {
  catalog = await loadCatalog();
  work = mkdtempSync(join(tmpdir(), 'iam-refine-tf-overrides-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('terraformFileKind', () => {
  it('names override files and JSON syntax as Terraform does', () => {
    expect(terraformFileKind('/m/main.tf')).toBe('tf');
    expect(terraformFileKind('/m/override.tf')).toBe('tf-override');
    expect(terraformFileKind('/m/iam_override.tf')).toBe('tf-override');
    expect(terraformFileKind('/m/IAM_OVERRIDE.TF')).toBe('tf-override');
    expect(terraformFileKind('/m/overrides.tf')).toBe('tf');
    expect(terraformFileKind('/m/myoverride.tf')).toBe('tf');
    expect(terraformFileKind('/m/main.tf.json')).toBe('tf-json');
    expect(terraformFileKind('/m/override.tf.json')).toBe('tf-json-override');
    expect(terraformFileKind('/m/x_override.tf.json')).toBe('tf-json-override');
    expect(terraformFileKind('/m/template.json')).toBeUndefined();
    expect(terraformFileKind('/m/main.tfvars')).toBeUndefined();
  });
});

describe('terraformJsonBlocks', () => {
  it('reads resource and data blocks, as objects or arrays of objects, with their lines', () => {
    const text = [
      '{',
      '  "resource": {',
      '    "aws_iam_policy": {',
      '      "deploy": { "policy": "{}" }',
      '    },',
      '    "aws_iam_role": [{ "app": {} }, { "web": {} }]',
      '  },',
      '  "data": [{ "aws_iam_policy_document": { "doc": {} } }],',
      '  "__proto__": { "polluted": true },',
      '  "variable": { "x": {} }',
      '}',
    ].join('\n');
    expect(terraformJsonBlocks(text)).toEqual([
      { kind: 'resource', type: 'aws_iam_policy', name: 'deploy', line: 4 },
      { kind: 'resource', type: 'aws_iam_role', name: 'app', line: 6 },
      { kind: 'resource', type: 'aws_iam_role', name: 'web', line: 6 },
      { kind: 'data', type: 'aws_iam_policy_document', name: 'doc', line: 8 },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(terraformJsonBlocks('{ "resource": ')).toBeUndefined();
    expect(terraformJsonBlocks('[1]')).toBeUndefined();
  });
});

describe('remediate with override files', () => {
  it('patches both policies without an override (the control)', async () => {
    const r = await run({
      'main.tf': inline('queue', 'queue', QUEUE) + '\n' + inline('topic', 'topic', TOPIC),
    });
    expect(r.patched).toEqual(['queue main.tf', 'topic main.tf']);
    expect(r.unsupported).toEqual([]);
  });

  it('leaves a resource that override.tf also writes, with its file and line; patches the other', async () => {
    const r = await run({
      'main.tf': inline('queue', 'queue', QUEUE) + '\n' + inline('topic', 'topic', TOPIC),
      'override.tf':
        '# a local override\n\nresource "aws_iam_role_policy" "topic" {\n  name = "topic-v2"\n}\n',
    });
    expect(r.patched).toEqual(['queue main.tf']);
    expect(r.unsupported).toEqual([
      'main.tf:10 aws_iam_role_policy.topic: aws_iam_role_policy.topic is also written in the override file override.tf:3: Terraform merges it over this file, so the deployed policy is not decided here alone; not patched (merge the override into the file, then run remediate again)',
    ]);
    expect(r.notPatched).toHaveLength(1);
    expect(r.notPatched[0]).toMatch(/^topic: /);
  });

  it('leaves a policy whose data document a *_override.tf.json writes', async () => {
    const r = await run({
      'main.tf': viaData('queue', 'queue', QUEUE) + '\n' + inline('topic', 'topic', TOPIC),
      'iam_override.tf.json': JSON.stringify(
        { data: { aws_iam_policy_document: { queue: { statement: [] } } } },
        null,
        2,
      ),
    });
    expect(r.patched).toEqual(['topic main.tf']);
    expect(r.unsupported).toEqual([
      'main.tf:8 aws_iam_role_policy.queue: data.aws_iam_policy_document.queue is also written in the override file iam_override.tf.json:4: Terraform merges it over this file, so the deployed policy is not decided here alone; not patched (merge the override into the file, then run remediate again)',
    ]);
  });

  it('an override of another module, or of another block, changes nothing', async () => {
    const r = await run({
      'main.tf': inline('queue', 'queue', QUEUE) + '\n' + inline('topic', 'topic', TOPIC),
      'other/override.tf': 'resource "aws_iam_role_policy" "topic" {\n  name = "x"\n}\n',
      'override.tf': 'resource "aws_s3_bucket" "topic" {\n  bucket = "x"\n}\n',
    });
    expect(r.patched).toEqual(['queue main.tf', 'topic main.tf']);
    expect(r.unsupported).toEqual([]);
  });

  it('an override file that does not parse stops its module only', async () => {
    const r = await run({
      'a/main.tf': inline('queue', 'queue', QUEUE),
      'a/override.tf': 'resource "aws_iam_role_policy" {{{\n',
      'b/main.tf': inline('topic', 'topic', TOPIC),
      'b/override.tf.json': '{ not json',
    });
    expect(r.patched).toEqual([]);
    expect(r.unsupported).toEqual([
      "a/main.tf:1 aws_iam_role_policy.queue: the module's override file a/override.tf:1 could not be read, so whether it overrides aws_iam_role_policy.queue is unknown; not patched",
      'a/override.tf:1 override file: the override file does not parse as Terraform: what it overrides is unknown, so no policy of its module is patched',
      "b/main.tf:1 aws_iam_role_policy.topic: the module's override file b/override.tf.json:1 could not be read, so whether it overrides aws_iam_role_policy.topic is unknown; not patched",
      'b/override.tf.json:1 override file: the override file is not JSON: what it overrides is unknown, so no policy of its module is patched',
    ]);
    const c = await run({
      'a/main.tf': inline('queue', 'queue', QUEUE),
      'a/override.tf': 'resource "aws_iam_role_policy" {{{\n',
      'b/main.tf': inline('topic', 'topic', TOPIC),
    });
    expect(c.patched).toEqual(['topic b/main.tf']);
  });

  it('reports a policy written in Terraform JSON syntax instead of leaving it unexplained', async () => {
    const r = await run({
      'main.tf': inline('queue', 'queue', QUEUE),
      'topic.tf.json': JSON.stringify(
        {
          resource: {
            aws_iam_role_policy: { topic: { name: 'topic', role: 'topic', policy: '{}' } },
            aws_s3_bucket: { logs: { bucket: 'logs' } },
          },
        },
        null,
        2,
      ),
    });
    expect(r.patched).toEqual(['queue main.tf']);
    expect(r.unsupported).toEqual([
      'topic.tf.json:4 aws_iam_role_policy.topic: written in Terraform JSON syntax (.tf.json), which remediate does not rewrite; its policy is left alone',
    ]);
    expect(r.notPatched.map((n) => n.split(':')[0])).toEqual(['topic']);
  });
});

describe('a Terraform split whose policy an override or JSON file references', () => {
  /** The split fixture's two findings (every tenth action unused: a split form). */
  function splitFindings(): Finding[] {
    return catalogueFindings(catalog, {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Catalogue', Effect: 'Allow', Action: catalogueActions(), Resource: '*' }],
    });
  }

  async function split(extra: Record<string, string>) {
    const dir = mkdtempSync(join(work, 'split-'));
    materializeFixture(join(FIXTURES, 'terraform-split-files'), dir);
    for (const [path, text] of Object.entries(extra)) writeFileSync(join(dir, path), text);
    const list = splitFindings();
    const result = await remediate({
      dirs: [dir],
      findings: list,
      sharing: sharingOf(list),
      catalog,
    });
    return {
      patched: result.patches.map((p) => `${p.form} ${p.source.file}`),
      reasons: [...new Set(result.notPatched.map((n) => n.reason.split(dir + '/').join('')))],
    };
  }

  it('is written without them (the control)', async () => {
    expect((await split({})).patched).toEqual(['split main.tf']);
  }, 120_000);

  it('is refused, with the override file and line', async () => {
    const r = await split({
      'roles_override.tf':
        '# pin the batch attachment\nresource "aws_iam_role_policy_attachment" "catalogue_batch" {\n  policy_arn = aws_iam_policy.catalogue.arn\n}\n',
    });
    expect(r.patched).toEqual([]);
    expect(r.reasons).toEqual([
      'split form: roles_override.tf:3: aws_iam_policy.catalogue is referenced in an override file, which remediate does not rewrite: the new parts would not be attached or used there; split by hand',
    ]);
  }, 120_000);

  it('is refused, with the JSON file and line; a longer name is not a reference', async () => {
    const attach = (name: string, policy: string) =>
      JSON.stringify(
        {
          resource: {
            aws_iam_user_policy_attachment: {
              [name]: { user: 'ops', policy_arn: `\${aws_iam_policy.${policy}.arn}` },
            },
          },
        },
        null,
        2,
      );
    const longer = await split({ 'users.tf.json': attach('ops', 'catalogue_old') });
    expect(longer.patched).toEqual(['split main.tf']);
    const r = await split({ 'users.tf.json': attach('ops', 'catalogue') });
    expect(r.patched).toEqual([]);
    expect(r.reasons).toEqual([
      'split form: users.tf.json:6: aws_iam_policy.catalogue is referenced in a file in Terraform JSON syntax, which remediate does not rewrite: the new parts would not be attached or used there; split by hand',
    ]);
  }, 120_000);
});
