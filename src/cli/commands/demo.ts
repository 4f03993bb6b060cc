/**
 * `iam-refine demo`: generates a realistic example account in the real file formats (the
 * authorization-details export, the credential report, a few hundred thousand CloudTrail events
 * with data events), scans it as `scan` would, checks the findings against what the generator
 * knows, records them in a findings database and prints the summary and what to try next.
 */
import { basename, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import {
  commitStaged,
  createStaging,
  discardStaged,
  DEMO_MARKER,
  prepareDemoDir,
} from '../../demo/dir.js';
import { DEMO_FILES, generateDemo, type DemoGenerated } from '../../demo/generate.js';
import { DEMO_IAC, writeDemoIac } from '../../demo/iac.js';
import { verifyDemoScan } from '../../demo/verify.js';
import { renderFindingsTable } from '../../findings/table.js';
import { renderPermissionSetsTable } from '../../identity-center/table.js';
import type { Inventory } from '../../inventory/types.js';
import { checkOutput } from '../../io/atomic-write.js';
import type { Finding, PolicyRecommendation } from '../../findings/types.js';
import type { PolicyJson } from '../../demo/types.js';
import { EXIT_OK, PROGRAM, processIo, type CliIo, type CommandContext } from '../io.js';
import { recordScanInStore } from '../../scan/record.js';
import { runScanCore, type ScanOutcome } from '../../scan/run.js';
import { progressBar } from './scan.js';
import { colorEnabled } from '../../text/color.js';

/** Defaults of `demo`. */
export const DEMO_DEFAULTS = { dir: './iam-refine-demo', events: 200_000, seed: 1 } as const;
/** Fewest events `demo` generates (every principal needs its calls). */
export const MIN_DEMO_EVENTS = 1000;
/** Most events `demo` generates. */
export const MAX_DEMO_EVENTS = 10_000_000;

/** The options of `demo`, as parsed from the command line. */
export interface DemoOptions {
  /** Folder to write the account into (default `./iam-refine-demo`). */
  dir?: string;
  /** CloudTrail events to generate (default 200,000). */
  events?: number;
  /** Seed of the generator (default 1): the same seed gives byte-identical files. */
  seed?: number;
  /** Findings database (default `DIR/iam-refine.db`). */
  db?: string;
  /** Write into a non-empty folder that is not a previous demo. */
  force?: boolean;
  /** `false` with `--no-color`. */
  color?: boolean;
  /** No progress, no timings. */
  quiet?: boolean;
}

const EXAMPLES = `
The folder gets authorization-details.json, credential-report.csv, AWSLogs/ (CloudTrail, S3
layout), expected-findings.json (the generator's ground truth), README.md and iam-refine.db.
Running demo again reuses the folder (it has a ${DEMO_MARKER} marker); a non-empty folder without
the marker is refused unless --force.

Examples:
  $ iam-refine demo
  $ iam-refine demo --dir /tmp/acme --events 1000000 --seed 7
`;

function integerOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() !== value || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min} to ${max.toLocaleString('en-US')}`,
      );
    }
    return n;
  };
}

/** The `demo` command (the lead adds it to the program). */
export function demoCommand(ctx: CommandContext = { io: processIo(), exitCode: EXIT_OK }): Command {
  return new Command('demo')
    .summary('generate an example account, scan it and show the findings')
    .description(
      'Generate a realistic, deterministic example AWS account (dozens of roles and users, ' +
        'customer-managed, AWS-managed and inline policies, groups, a NotAction policy, ' +
        'service-linked roles, unused roles, keys and passwords, and CloudTrail logs with S3 and ' +
        'Lambda data events) as the real export and log files, scan it, check the findings ' +
        'against what the generator knows, record them in a findings database and print them.',
    )
    .option('--dir <dir>', 'folder to write the example account into', DEMO_DEFAULTS.dir)
    .option(
      '--events <n>',
      'CloudTrail events to generate',
      integerOption(MIN_DEMO_EVENTS, MAX_DEMO_EVENTS),
      DEMO_DEFAULTS.events,
    )
    .option(
      '--seed <n>',
      'generator seed (same seed: same files)',
      integerOption(0, 2 ** 32 - 1),
      DEMO_DEFAULTS.seed,
    )
    .option('--db <file>', 'findings database (default: DIR/iam-refine.db)')
    .option('--force', 'write into a non-empty folder that is not a previous demo')
    .option(
      '--no-color',
      'no colour in the table (also NO_COLOR=1; FORCE_COLOR=1 colours even into a pipe)',
    )
    .option('--quiet', 'no progress and timings on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async (options: DemoOptions) => {
      ctx.exitCode = await runDemo(options, ctx.io);
    });
}

/** Shell-quotes a path for the printed commands when needed. */
function q(path: string): string {
  return /^[\w./:@%+=-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `demo` (see the module comment).
 *
 * @returns the exit status (0).
 * @throws CliError when the folder may not be written.
 */
export async function runDemo(options: DemoOptions, io: CliIo): Promise<number> {
  const dir = options.dir ?? DEMO_DEFAULTS.dir;
  const events = options.events ?? DEMO_DEFAULTS.events;
  const seed = options.seed ?? DEMO_DEFAULTS.seed;
  const db = options.db ?? join(dir, 'iam-refine.db');
  const say = (line: string) => {
    if (!options.quiet) io.stderr.write(`${line}\n`);
  };

  // An explicit --db is checked before the long generation (the default one is in the folder).
  if (options.db !== undefined) await checkOutput(options.db, { label: '--db' });
  await prepareDemoDir(dir, {
    ...(options.force ? { force: true } : {}),
    marker: `${JSON.stringify({ generator: 'iam-refine demo', seed, events })}\n`,
    names: [...Object.values(DEMO_FILES), DEMO_IAC.dir],
  });

  // Generate into a staging folder, then move the files into place.
  const genStarted = performance.now();
  const staging = await createStaging(dir);
  const bar = options.quiet
    ? undefined
    : progressBar(io.stderr, { label: 'Generating', unit: 'days' });
  let generated: DemoGenerated;
  try {
    generated = await generateDemo({
      dir: staging,
      events,
      seed,
      onProgress: (p) =>
        bar?.update({
          files: p.totalDays,
          filesDone: p.days,
          bytesDone: 0,
          bytesTotal: 0,
          events: p.events,
        }),
    });
    bar?.clear();
    await writeDemoIac(staging);
    await commitStaged(staging, dir, [...Object.values(DEMO_FILES), DEMO_IAC.dir]);
  } catch (error) {
    bar?.clear();
    await discardStaged(staging);
    throw error;
  }
  const genSeconds = (performance.now() - genStarted) / 1000;
  const paths = {
    authorizationDetails: join(dir, DEMO_FILES.authorizationDetails),
    credentialReport: join(dir, DEMO_FILES.credentialReport),
    cloudtrail: join(dir, DEMO_FILES.cloudtrail),
  };
  // The organisation's files, where the staging folder's were committed to.
  const org = generated.paths.organization;
  const orgPath = (file: string) => join(dir, DEMO_FILES.organization, basename(file));
  const s = generated.stats;
  say(
    `generated ${s.roles} roles, ${s.users} users, ${s.groups} groups, ${s.managedPolicies} managed policies and ` +
      `${s.events.toLocaleString('en-US')} CloudTrail events (${s.dataEvents.toLocaleString('en-US')} data events) ` +
      `in ${s.files} log files (${(s.gzipBytes / 1_048_576).toFixed(1)} MB) into ${dir} in ${genSeconds.toFixed(1)} s`,
  );

  // Scan it, as `scan` would.
  const now = generated.now.toISOString();
  const scanBar = options.quiet ? undefined : progressBar(io.stderr);
  const scanStarted = performance.now();
  let outcome: ScanOutcome;
  try {
    outcome = await runScanCore(
      {
        authorizationDetails: [
          paths.authorizationDetails,
          ...org.authorizationDetails.map(orgPath),
        ],
        credentialReport: [paths.credentialReport],
        cloudtrail: [paths.cloudtrail],
        activity: [orgPath(org.activity), orgPath(org.coverage)],
        permissionSets: [orgPath(org.permissionSets)],
        dataEvents: generated.dataEventServices,
        trackingPeriod: generated.trackingPeriodDays,
        now,
      },
      scanBar?.update,
    );
  } finally {
    scanBar?.clear();
  }
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  say(
    `scanned in ${scanSeconds.toFixed(1)} s (CloudTrail ${outcome.seconds.cloudtrail.toFixed(1)} s, ` +
      `${Math.round((outcome.inputs.cloudtrail?.events ?? 0) / Math.max(outcome.seconds.cloudtrail, 1e-3)).toLocaleString('en-US')} events/s; findings ${outcome.seconds.findings.toFixed(1)} s)`,
  );
  for (const w of outcome.inputWarnings) io.stderr.write(`${PROGRAM}: warning: ${w}\n`);

  // The generator knows what the scan must find.
  // (The ground truth is the demo account's; the organisation's member accounts are checked by
  // the permission-set summary below.)
  const main = (x: { resourceOwnerAccount: string }) =>
    x.resourceOwnerAccount === generated.accountId;
  const problems = verifyDemoScan(
    {
      ...outcome.result,
      findings: outcome.result.findings.filter(main),
      notEvaluated: outcome.result.notEvaluated.filter(main),
    },
    generated.expectations,
    originalPolicies(outcome.inventory),
  );
  if (problems.length > 0) {
    io.stderr.write(
      `${PROGRAM}: warning: the scan differs from the demo's ground truth (${DEMO_FILES.expectations}) in ${problems.length} point${problems.length === 1 ? '' : 's'}:\n`,
    );
    for (const p of problems) io.stderr.write(`${PROGRAM}: warning:   ${p}\n`);
  }

  // Record it.
  let recorded: string | undefined;
  let dbError: string | undefined;
  try {
    recorded = await recordScanInStore(outcome, db);
  } catch (error) {
    if (options.db !== undefined) throw error;
    dbError = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${PROGRAM}: warning: the findings were not recorded in ${db}: ${dbError}\n`);
  }
  if (recorded !== undefined) say(recorded);
  const iac = {
    terraform: join(dir, DEMO_IAC.terraform),
    cloudformation: join(dir, DEMO_IAC.cloudformation),
  };

  const color = colorEnabled({
    isTTY: io.isTTY,
    env: io.env,
    ...(options.color === false ? { flag: false } : {}),
  });
  const e = generated.expectations;
  const out: string[] = [
    renderFindingsTable(outcome.result, { color }) +
      renderPermissionSetsTable(outcome.permissionSets),
  ];
  out.push(
    problems.length === 0
      ? `Ground truth: the findings match what the generator put in the account (${e.unusedRoles.length} unused roles, ${e.unusedPasswords.length} unused passwords, ${e.unusedAccessKeys.length} unused access keys, ${e.unusedPermission.length} principals with unused permissions, ${e.notEvaluated.length} not evaluated; see ${join(dir, DEMO_FILES.expectations)}).`
      : `Ground truth: ${problems.length} difference${problems.length === 1 ? '' : 's'} from ${join(dir, DEMO_FILES.expectations)} (listed on stderr).`,
    formsLine(outcome.result.findings),
    '',
    'Next:',
  );
  const cmd = io.command ?? PROGRAM;
  if (recorded !== undefined) {
    out.push(
      `  # browse the findings, their policy diffs and proofs`,
      `  ${cmd} serve --db ${q(db)}`,
      '',
      `  # patch the account's Terraform and CloudFormation sources (proved, ready for a pull request)`,
      `  ${cmd} remediate --iac ${q(iac.terraform)} --iac ${q(iac.cloudformation)} \\`,
      `      --db ${q(db)} --out least-privilege.patch --pr-body least-privilege.md`,
      '',
    );
  }
  out.push(
    `  # the same scan, as JSON in Access Analyzer's shapes`,
    `  ${cmd} scan --authorization-details ${q(paths.authorizationDetails)} \\`,
    `      --credential-report ${q(paths.credentialReport)} --cloudtrail ${q(paths.cloudtrail)} \\`,
    `      --data-events ${generated.dataEventServices.join(',')} --now ${now.replace('.000Z', 'Z')} --format json --out findings.json`,
    '',
  );
  io.stdout.write(`${out.join('\n')}\n`);
  return EXIT_OK;
}

/** Looks up the original document of a recommendation's policy in the inventory. */
function originalPolicies(inventory: Inventory) {
  return (principalArn: string, p: PolicyRecommendation): PolicyJson | undefined => {
    const managed = inventory.policies.get(p.policyId);
    if (managed) return managed.document;
    const principal = inventory.principals.get(principalArn);
    if (p.groupArn !== undefined) {
      return inventory.groups.get(p.groupArn)?.inlinePolicies.find((x) => x.name === p.policyId)
        ?.document;
    }
    return principal?.inlinePolicies.find((x) => x.name === p.policyId)?.document;
  };
}

/**
 * `Policy sizes: 35 recommended policies, 0 over quota (article 31, compact 4).`: how many of the
 * recommended policies fit where they will be applied, and in which form.
 */
function formsLine(findings: readonly Finding[]): string {
  const byForm = new Map<string, number>();
  let total = 0;
  let over = 0;
  for (const f of findings) {
    for (const p of f.policies ?? []) {
      if (p.form === undefined) continue;
      total++;
      if (!p.form.fits) over++;
      byForm.set(p.form.form, (byForm.get(p.form.form) ?? 0) + 1);
    }
  }
  const forms = [...byForm].map(([form, n]) => `${form} ${n}`).join(', ');
  return `Policy sizes: ${total} recommended polic${total === 1 ? 'y' : 'ies'}, ${over} over quota (${forms}).`;
}
