/**
 * `iam-refine remediate`: turn the recommendations of UnusedPermission findings into patches of the
 * Terraform and CloudFormation sources that write the policies, with a pull-request description.
 */
import { Command, Option } from 'commander';
import { loadCatalog } from '../../catalog/load.js';
import type { Finding, ScanResult } from '../../findings/types.js';
import type { PolicyAttachments } from '../../findings/policy-attachments.js';
import { latestPolicyAttachments } from '../../findings/policy-attachments-store.js';
import { parseJson } from '../../json/parse.js';
import { readStackResources, readTerraformState, type Deployed } from '../../remediate/deployed.js';
import { prBody } from '../../remediate/pr-body.js';
import { remediate, type RemediateResult } from '../../remediate/remediate.js';
import type { SharedPolicyContext } from '../../remediate/shared-policy.js';
import { dbOption, openCliStore } from '../../store/cli.js';
import {
  CliError,
  EXIT_OK,
  PROGRAM,
  readInput,
  writeFileAtomic,
  type CliIo,
  type CommandContext,
} from '../io.js';

/** The options of `remediate`, as parsed from the command line. */
export interface RemediateCliOptions {
  iac: string[];
  db?: string;
  scan?: string;
  finding?: string[];
  terraformState?: string[];
  cfnResources?: string[];
  out?: string;
  prBody?: string;
  format?: 'text' | 'json';
  catalog?: string;
}

const HELP = `
Finds, in the directories of --iac (recursively; .terraform, node_modules and hidden folders
skipped), the Terraform (.tf) or CloudFormation (.json, .yaml, .yml, .template) source of each
policy the findings recommend refining, rewrites only its action lists in the file's own style,
parses the patched file again and runs the exactness proof on the document read back; a patch that
fails is never written. Sources are told apart by their literal names, by --terraform-state /
--cfn-resources, and by comparing their documents with the scanned ones.

A customer managed policy changes, in place, for everyone it is attached to: it loses only what
none of the roles, users and group members it reaches used (each needs an active UnusedPermission
finding; who it is attached to comes from the scan: --db, or policyAttachments in --scan).

Written: --out the unified diff (paths relative to the --iac directory: apply with
'git apply PATCH' there), --pr-body the Markdown description (one section per finding).
Without --out the diff goes to stdout. Nothing in the account and nothing in --iac is changed.

Exit status: 0 done (also when some policies could not be patched: each is listed with its file,
line and reason on stderr), 2 bad input (one line naming the file), 3 internal error.

Examples:
  $ iam-refine remediate --iac infra/ --db iam-refine.db --out least-privilege.patch \\
      --pr-body pr.md
  $ iam-refine remediate --iac infra/terraform --scan scan.json --finding 5d1c... \\
      --terraform-state <(terraform -chdir=infra/terraform show -json)
  $ iam-refine remediate --iac stacks/ --db iam-refine.db \\
      --cfn-resources <(aws cloudformation list-stack-resources --stack-name billing)
`;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The `remediate` command. */
export function remediateCommand(ctx: CommandContext): Command {
  return new Command('remediate')
    .summary('patch the Terraform / CloudFormation sources of the recommended policies')
    .description(
      'Turn the recommendations of UnusedPermission findings into a patch of the Terraform or ' +
        'CloudFormation sources that write the policies (only the action lists change, in the ' +
        "file's style; every patch proved before it is written) and a pull-request description.",
    )
    .requiredOption(
      '--iac <dir>',
      'a directory with Terraform or CloudFormation sources (repeatable)',
      collect,
    )
    .addOption(dbOption().conflicts('scan'))
    .option('--scan <file>', 'the findings of `scan --format json` instead of the database')
    .option(
      '--finding <id>',
      'only this finding (repeatable; default: every active UnusedPermission finding)',
      collect,
    )
    .option(
      '--terraform-state <file>',
      '`terraform show -json` output: tells which resource is which policy (repeatable)',
      collect,
    )
    .option(
      '--cfn-resources <file>',
      '`aws cloudformation list-stack-resources` output (repeatable)',
      collect,
    )
    .option('--out <file>', 'write the unified diff here (default: stdout)')
    .option('--pr-body <file>', 'write the Markdown pull-request description here')
    .addOption(
      new Option('--format <format>', 'report on stdout').choices(['text', 'json']).default('text'),
    )
    .option('--catalog <file>', 'action catalog file instead of the bundled one')
    .addHelpText('after', HELP)
    .action(async (options: RemediateCliOptions) => {
      ctx.exitCode = await runRemediate(options, ctx.io);
    });
}

/**
 * The findings to remediate, from `--scan` or the database, and what a shared managed policy
 * needs: who it is attached to and the findings of all those principals (every active
 * UnusedPermission finding, not only the selected ones).
 */
async function loadFindings(
  options: RemediateCliOptions,
  io: CliIo,
): Promise<{ findings: Finding[]; sharing: SharedPolicyContext }> {
  const wanted = options.finding ? new Set(options.finding) : undefined;
  let all: Finding[];
  let attachments = new Map<string, PolicyAttachments>();
  if (options.scan !== undefined) {
    const input = await readInput(options.scan, io);
    const value = parseJson(input.text, input.source).value as Partial<ScanOutcomeJson>;
    if (typeof value !== 'object' || value === null || !Array.isArray(value.findings)) {
      throw new CliError(
        `${input.source}: expected the output of 'scan --format json' (an object with "findings")`,
      );
    }
    all = value.findings;
    if (Array.isArray(value.policyAttachments)) {
      for (const a of value.policyAttachments) {
        if (!isAttachments(a)) {
          throw new CliError(
            `${input.source}: $.policyAttachments: expected objects with "policyArn", "roles", "users" and "groups" (as 'scan --format json' writes them)`,
          );
        }
        attachments.set(a.policyArn, a);
      }
    }
  } else {
    const store = openCliStore(options.db, { mustExist: true });
    try {
      all = store.readSnapshot(() => {
        const out: Finding[] = [];
        const ids: string[] = [];
        let cursor: string | undefined;
        do {
          const page = store.listFindings({
            filter: { types: ['UnusedPermission'], statuses: ['ACTIVE'] },
            limit: 1000,
            withTotal: false,
            ...(cursor ? { cursor } : {}),
          });
          ids.push(...page.items.map((i) => i.id));
          cursor = page.nextCursor;
        } while (cursor);
        for (const id of ids) {
          const f = store.getFinding(id);
          if (f) out.push({ ...f.finding, status: 'ACTIVE' });
        }
        return out;
      });
    } finally {
      store.close();
    }
    attachments = latestPolicyAttachments(options.db!);
  }
  all = all.filter((f) => f.findingType === 'UnusedPermission');
  let findings = all;
  if (wanted) {
    const found = new Set(all.map((f) => f.id));
    const missing = [...wanted].filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new CliError(
        `no active UnusedPermission finding ${missing.join(', ')} in ${options.scan ?? options.db ?? 'the database'}`,
      );
    }
    findings = all.filter((f) => wanted.has(f.id));
  }
  const byResource = new Map(all.map((f) => [f.resource, f]));
  return { findings, sharing: { attachments, findingOf: (arn) => byResource.get(arn) } };
}

/** What `remediate` reads of `scan --format json`. */
interface ScanOutcomeJson extends ScanResult {
  policyAttachments: unknown[];
}

/** Whether `a` has the shape of a {@link PolicyAttachments}. */
function isAttachments(a: unknown): a is PolicyAttachments {
  if (typeof a !== 'object' || a === null) return false;
  const o = a as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  return (
    typeof o.policyArn === 'string' &&
    (o.attachmentCount === undefined || Number.isSafeInteger(o.attachmentCount)) &&
    strings(o.roles) &&
    strings(o.users) &&
    Array.isArray(o.groups) &&
    o.groups.every(
      (g: unknown) =>
        typeof g === 'object' &&
        g !== null &&
        typeof (g as Record<string, unknown>).arn === 'string' &&
        strings((g as Record<string, unknown>).members),
    )
  );
}

async function loadDeployed(
  options: RemediateCliOptions,
  io: CliIo,
): Promise<Deployed | undefined> {
  if (!options.terraformState && !options.cfnResources) return undefined;
  const deployed: Deployed = new Map();
  for (const file of options.terraformState ?? []) {
    const input = await readInput(file, io);
    readTerraformState(parseJson(input.text, input.source).value, input.source, deployed);
  }
  for (const file of options.cfnResources ?? []) {
    const input = await readInput(file, io);
    readStackResources(parseJson(input.text, input.source).value, input.source, deployed);
  }
  return deployed;
}

/**
 * Runs `remediate`.
 *
 * @returns {@link EXIT_OK}; bad input throws (exit 2).
 */
export async function runRemediate(options: RemediateCliOptions, io: CliIo): Promise<number> {
  if (
    options.scan === '-' &&
    [...(options.terraformState ?? []), ...(options.cfnResources ?? [])].includes('-')
  ) {
    throw new CliError('only one input may be - (stdin)');
  }
  const { findings, sharing } = await loadFindings(options, io);
  const deployed = await loadDeployed(options, io);
  const catalog = await loadCatalog(options.catalog === undefined ? {} : { file: options.catalog });
  const result = await remediate({
    dirs: options.iac,
    findings,
    catalog,
    sharing,
    ...(deployed ? { deployed } : {}),
  });
  const body = findings
    .filter((f) => result.patches.some((p) => p.findingIds.includes(f.id)))
    .map((f) =>
      prBody(f, result.patches, result.notPatched, {
        catalogVersion: catalog.version,
        command: `${PROGRAM} remediate`,
      }),
    )
    .join('\n---\n\n');
  if (options.out !== undefined) await writeFileAtomic(options.out, result.diff);
  if (options.prBody !== undefined) await writeFileAtomic(options.prBody, body);

  for (const u of result.unsupported)
    io.stderr.write(`${PROGRAM}: ${u.file}:${u.line}: ${u.what}: not rewritten: ${u.reason}\n`);
  // Policies whose source was found but could not be patched, one line each; the policies with no
  // source in the directories are counted (--format json lists them).
  for (const n of result.notPatched) {
    if (!n.source) continue;
    io.stderr.write(
      `${PROGRAM}: ${n.source.file}:${n.source.line}: ${n.source.address}: finding ${n.findingId} policy ${n.policyName}: not patched: ${n.reason}\n`,
    );
  }
  if (options.format === 'json') {
    const { files: _files, ...rest } = result;
    io.stdout.write(
      `${JSON.stringify({ catalogVersion: catalog.version, ...rest, prBody: body }, null, 2)}\n`,
    );
  } else if (options.out === undefined) {
    io.stdout.write(result.diff);
  }
  if (options.format !== 'json') io.stderr.write(summary(result, findings.length, options));
  return EXIT_OK;
}

/** The closing summary (stderr, so that stdout is the diff). */
function summary(result: RemediateResult, findings: number, options: RemediateCliOptions): string {
  const lines = [
    `read ${result.read.terraformFiles} Terraform file(s) and ${result.read.templates} CloudFormation template(s): ${result.read.policySources} policy source(s)`,
    `${findings} UnusedPermission finding(s): ${result.patches.length} policy patch(es) in ${result.files.length} file(s), proved; ${result.unsupported.length} construct(s) not rewritable`,
  ];
  for (const p of result.patches) {
    const size = p.size
      ? `, ${p.size.before.characters} → ${p.size.after.characters} of ${p.size.after.quota} characters`
      : '';
    lines.push(
      `  ${p.source.file}: ${p.source.address} (${p.policyName}, ${p.source.form}${p.form === 'article' ? '' : `, ${p.form} form`})${size}${p.otherFiles?.length ? ` (also ${p.otherFiles.join(', ')})` : ''}, proof EXACT`,
    );
  }
  const found = result.notPatched.filter((n) => n.source).length;
  const awsManaged = result.notPatched.filter(
    (n) => !n.source && n.policyId.includes(':iam::aws:policy/'),
  ).length;
  const absent = result.notPatched.length - found - awsManaged;
  if (result.notPatched.length > 0) {
    lines.push(
      `not patched: ${found} policy(ies) found in the sources (listed above), ${absent} with no source in the given directories, ${awsManaged} AWS managed (--format json lists them all)`,
    );
  }
  if (options.out !== undefined) lines.push(`wrote ${options.out}`);
  if (options.prBody !== undefined) lines.push(`wrote ${options.prBody}`);
  return `${lines.join('\n')}\n`;
}
