/**
 * `iam-refine import-analyzer`: import an IAM Access Analyzer unused-access analyzer's findings
 * (and its recommendations) into the findings store.
 */
import { Command } from 'commander';
import { fetchAnalyzerFindings, recordImport } from '../../aws/analyzer.js';
import { ChangeLog } from '../../aws/changes.js';
import { connectionOf, policyJson, profileOption, type LiveDeps } from '../../aws/cli.js';
import { AwsSession } from '../../aws/clients.js';
import { applyPolicy, importAnalyzerPolicy } from '../../aws/permissions.js';
import { createProgress } from '../../aws/progress.js';
import { loadCatalog } from '../../catalog/load.js';
import { dbOption, openCliStore } from '../../store/cli.js';
import { PROGRAM, type CommandContext } from '../io.js';

/** The options of `import-analyzer`, as parsed from the command line. */
export interface ImportAnalyzerOptions {
  analyzerArn: string;
  db?: string;
  profile?: string;
  generateRecommendations?: boolean;
  readPolicies?: boolean;
  /** `false` with `--no-refine`: keep findings without a recommendation as they are. */
  refine?: boolean;
  /** An action catalog file instead of the bundled one. */
  catalog?: string;
  quiet?: boolean;
}

const HELP = `
The analyzer's region is taken from its ARN. Imported findings get iam-refine's finding ids (the
ones scan gives the same findings); apply and rollback also accept Access Analyzer's ids. Findings
archived in Access Analyzer are archived in the store; findings no longer active are resolved.

Minimal IAM permissions:
${policyJson(importAnalyzerPolicy())}

Findings without a recommendation: Access Analyzer generates recommendations only on request
(--generate-recommendations) and makes none for some policies. For such a finding (or one whose
recommendation failed) in the caller's account, the import reads the principal's inline and
attached policies and refines them with iam-refine's engine against the finding's unused
services and actions, each proven exact; the recommendation is recorded with every policy
labelled IAM_REFINE_RECOMMENDATION (--no-refine: keep them without). It needs the read actions
below and IAM:ListRolePolicies, ListUserPolicies, ListAttachedRolePolicies,
ListAttachedUserPolicies. Group policies are not refined by an import (scan refines them).

Findings with a recommendation: the import refines the live policies with iam-refine's engine as
well and keeps both, side by side: Access Analyzer's stays the finding's recommendation (the one
apply applies), iam-refine's is recorded next to it (findings show and the dashboard show both;
apply --use iam-refine applies ours). --no-refine skips this too.

To record the live policies of the recommendations (so that apply can refuse a policy changed
since), the import also reads them (skip with --no-read-policies), which needs the read actions of:
${policyJson({ ...applyPolicy(), Statement: [applyPolicy().Statement[0]] })}

Exit status: 0 imported, 2 bad usage or an AWS error (one line on stderr).

Example:
  $ iam-refine import-analyzer --analyzer-arn \\
      arn:aws:access-analyzer:us-east-1:111122223333:analyzer/unused-access --db findings.db
`;

/** The `import-analyzer` command. */
export function importAnalyzerCommand(ctx: CommandContext, deps: LiveDeps = {}): Command {
  return new Command('import-analyzer')
    .summary('import IAM Access Analyzer unused-access findings into the store')
    .description(
      "Read an unused-access analyzer's findings (ListFindingsV2, GetFindingV2) and their " +
        'recommendations (GetFindingRecommendation) and record them in the findings store, for ' +
        'the dashboard, archive rules, apply and rollback.',
    )
    .requiredOption(
      '--analyzer-arn <arn>',
      'the unused access analyzer (arn:aws:access-analyzer:REGION:ACCOUNT:analyzer/NAME)',
    )
    .addOption(dbOption())
    .addOption(profileOption())
    .option(
      '--generate-recommendations',
      'ask Access Analyzer to generate the recommendations it has not generated yet',
    )
    .option('--no-read-policies', 'do not read the live policies of the recommendations')
    .option(
      '--no-refine',
      "do not refine the live policies with iam-refine's engine (neither for findings without an Access Analyzer recommendation nor next to one)",
    )
    .option('--catalog <file>', 'action catalog file instead of the bundled one (for --refine)')
    .option('--quiet', 'no progress bar; only problems on stderr')
    .addHelpText('after', HELP)
    .action(async (options: ImportAnalyzerOptions) => {
      ctx.exitCode = await runImportAnalyzer(options, ctx, deps);
    });
}

/** Runs `import-analyzer`; prints what was recorded on stdout. */
export async function runImportAnalyzer(
  options: ImportAnalyzerOptions,
  ctx: CommandContext,
  deps: LiveDeps = {},
): Promise<number> {
  const { io } = ctx;
  const session = AwsSession.base(connectionOf(options, io, deps));
  try {
    const catalog =
      options.refine === false || options.readPolicies === false
        ? undefined
        : await loadCatalog(options.catalog === undefined ? {} : { file: options.catalog });
    const imported = await fetchAnalyzerFindings({
      ...(catalog === undefined ? {} : { catalog }),
      session,
      analyzerArn: options.analyzerArn,
      generate: options.generateRecommendations === true,
      readPolicies: options.readPolicies !== false,
      now: deps.now ?? (() => new Date()),
      ...(deps.polling === undefined ? {} : { polling: deps.polling }),
      progress: createProgress(io.stderr, options.quiet === true ? { quiet: true } : {}),
    });
    const store = openCliStore(options.db, deps.now === undefined ? {} : { clock: deps.now });
    try {
      const log = ChangeLog.open(store.path);
      try {
        const { scan, archived } = recordImport(store, log, imported);
        for (const w of imported.result.warnings)
          io.stderr.write(`${PROGRAM}: warning: ${w.message}\n`);
        const s = scan.stats;
        io.stdout.write(
          `imported ${s.findings} findings from ${imported.analyzer.arn} into ${store.path} (scan ${scan.id}): ` +
            `${s.created} new, ${s.updated} updated, ${s.unchanged} unchanged, ${s.reopened} reopened, ${s.resolved} resolved, ${archived} archived as in Access Analyzer\n`,
        );
        if (imported.refinedByEngine > 0) {
          io.stdout.write(
            `refined ${imported.refinedByEngine} finding${imported.refinedByEngine === 1 ? '' : 's'} without an Access Analyzer recommendation with iam-refine's engine (labelled IAM_REFINE_RECOMMENDATION)\n`,
          );
        }
        if (imported.refinedAlongside > 0) {
          const n = imported.refinedAlongside;
          io.stdout.write(
            `refined ${n} finding${n === 1 ? '' : 's'} with an Access Analyzer recommendation with iam-refine's engine as well (kept side by side; apply --use iam-refine applies ours)\n`,
          );
        }
      } finally {
        log.close();
      }
    } finally {
      store.close();
    }
    return 0;
  } finally {
    session.destroy();
  }
}
