/**
 * `iam-refine recommend`: refine a policy by removing its unused permissions and print the result
 * as the refined policy, a diff, Access Analyzer's recommendation shape, an explanation, or JSON.
 */
import { basename, extname } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadCatalog } from '../../catalog/load.js';
import { OUTPUT_FILE_RULES, checkOutput, writeOutputFile } from '../../io/atomic-write.js';
import { DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_STATEMENTS } from '../../policy/input-limits.js';
import {
  checkStatementCounts,
  maxInputBytesOption,
  maxStatementsOption,
  readInputsWithin,
} from '../input-limits.js';
import { parsePolicy, type PolicyDocument } from '../../policy/document.js';
import { parseUnused, type UnusedSet } from '../../policy/unused.js';
import { DEFAULT_MAX_MANAGED_POLICIES, MAX_MANAGED_POLICIES_LIMIT } from '../../policy/size.js';
import {
  FORM_STYLES,
  chooseForm,
  summarizeForm,
  type FormChoice,
  type FormStyle,
} from '../../refine/forms/choose.js';
import { formatAws } from '../format/aws.js';
import { formatDiff } from '../format/diff.js';
import { DEFAULT_MAX_TREE_LINES, formatExplain } from '../format/explain.js';
import { formatJson } from '../format/json.js';
import { formatPolicy, recommendationNotice } from '../format/policy.js';
import { POLICY_TYPES, formatSize, type PolicyType, type SizeReport } from '../../policy/size.js';
import {
  CliError,
  PROGRAM,
  STDIN_SOURCE,
  parseAll,
  type InputText,
  type CliIo,
  type CommandContext,
} from '../io.js';
import { colorEnabled } from '../../text/color.js';

/** The output formats of `recommend`. */
export type RecommendFormat = 'policy' | 'diff' | 'aws' | 'explain' | 'json';

/** Every {@link RecommendFormat}, the default first. */
export const RECOMMEND_FORMATS: readonly RecommendFormat[] = [
  'policy',
  'diff',
  'aws',
  'explain',
  'json',
];

/** The options of `recommend`, as parsed from the command line. */
export interface RecommendOptions {
  /** Policy file, or `-` for stdin. */
  policy: string;
  /** Unused-permissions file, or `-` for stdin. */
  unused: string;
  /** Output format (default `policy`). */
  format?: RecommendFormat;
  /** `existingPolicyId` of the `aws` format (default: the policy file's base name). */
  policyId?: string;
  /** Which IAM size quota applies (default `managed`). */
  policyType?: PolicyType;
  /** A `--catalog` file instead of the bundled catalog. */
  catalog?: string;
  /** Write the output to this file (atomically) instead of stdout. */
  out?: string;
  /** `false` with `--no-color`. */
  color?: boolean;
  /** Per-trie line limit of the `explain` format. */
  maxTreeLines?: number;
  /** Only warnings and errors on stderr. */
  quiet?: boolean;
  /** Largest input file, in bytes (default `DEFAULT_MAX_INPUT_BYTES`). */
  maxInputBytes?: number;
  /** Largest number of statements in the policy (default `DEFAULT_MAX_STATEMENTS`). */
  maxStatements?: number;
  /** Which exact form to recommend (default `auto`). */
  style?: FormStyle;
  /** The principal's managed-policy attachment quota (default 10, at most 20). */
  maxManagedPolicies?: number;
  /** Managed policies the principal keeps attached besides this one (default 0). */
  otherManagedPolicies?: number;
}

const EXAMPLES = `
Exit status: 0 done (also when nothing changes or the policy should be detached), 2 bad input
(one line per problem on stderr, nothing on stdout, no --out file), 3 internal error.

Examples:
  # the refined policy, as JSON on stdout
  $ iam-refine recommend --policy examples/article/policy.json --unused examples/article/unused.json

  # what changed, as in the article's figure
  $ iam-refine recommend --policy examples/article/policy.json \\
      --unused examples/article/unused.json --format diff

  # why: removed actions by access level, each replaced wildcard's trie
  $ iam-refine recommend --policy examples/article/policy.json \\
      --unused examples/article/unused.json --format explain

  # a policy straight from IAM (URL-encoded JSON is accepted), Access Analyzer's output shape
  $ aws iam get-role-policy --role-name MyRole --policy-name MyPolicy \\
      | iam-refine recommend --policy - --unused unused.json --format aws --policy-id MyPolicy
`;

/** Adds the `recommend` command to `program`. */
export function registerRecommend(program: Command, ctx: CommandContext): void {
  program
    .command('recommend')
    .summary('recommend a least-privilege policy without the unused permissions')
    .description(
      'Remove the unused permissions from a policy and print the recommended policy.\n\n' +
        'Literal actions that are unused are removed; a wildcard that allows unused actions is ' +
        'replaced, in place, by the shortest prefixes that allow only used ones (s3:Get* becomes ' +
        's3:GetObject*, s3:GetJobTagging, ...); NotAction lists grow by the unused actions they ' +
        'allowed; Deny statements, Resource, Condition and Sid are kept as they are. Every ' +
        'recommendation is proven exact against the action catalog before it is printed.',
    )
    .requiredOption(
      '--policy <file>',
      'the IAM policy document (JSON or URL-encoded JSON); - for stdin',
    )
    .requiredOption(
      '--unused <file>',
      'the unused permissions: [{"serviceNamespace","actions"}], a GetFindingV2 response, or ["service:Action", ...]; - for stdin',
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(RECOMMEND_FORMATS).default('policy'),
    )
    .option(
      '--policy-id <id>',
      'existingPolicyId in the aws format (default: the policy file name)',
    )
    .addOption(
      new Option('--policy-type <type>', 'which IAM size quota applies')
        .choices(POLICY_TYPES)
        .default('managed'),
    )
    .option(
      '--catalog <file>',
      'action catalog file ({"s3": ["GetObject", ...]}) instead of the bundled one',
    )
    .option(
      '--out <file>',
      'write the output to this file (atomically; see Output files below) instead of stdout',
    )
    .option(
      '--no-color',
      'no colour in the diff format (also NO_COLOR=1; FORCE_COLOR=1 colours even into a pipe)',
    )
    .option(
      '--max-tree-lines <n>',
      'explain format: at most this many lines per drawn trie',
      parsePositiveInteger,
      DEFAULT_MAX_TREE_LINES,
    )
    .addOption(maxInputBytesOption())
    .addOption(maxStatementsOption())
    .option('--quiet', 'only warnings and errors on stderr')
    .addOption(
      new Option(
        '--style <style>',
        "which exact form: article (the CamelCase-token prefixes), compact (patterns cut at any character, wildcards inside or at the start), auto (the article's form when it fits the quota, else the first exact form that fits: compact, NotAction for an Allow *, a split over several managed policies)",
      )
        .choices(FORM_STYLES)
        .default('auto'),
    )
    .option(
      '--max-managed-policies <n>',
      `the principal's managed-policy attachment quota, for a split (IAM's default ${DEFAULT_MAX_MANAGED_POLICIES}, raised on request up to ${MAX_MANAGED_POLICIES_LIMIT})`,
      parseManagedQuota,
      DEFAULT_MAX_MANAGED_POLICIES,
    )
    .option(
      '--other-managed-policies <n>',
      'managed policies the principal keeps attached besides this one (they count against that quota)',
      parseCount,
      0,
    )
    .addHelpText('after', `${OUTPUT_FILE_RULES}\n${EXAMPLES}`)
    .action(async (options: RecommendOptions) => {
      ctx.exitCode = await runRecommend(options, ctx.io);
    });
}

/** Commander parser of `--max-managed-policies`: an integer from 1 to 20. */
export function parseManagedQuota(value: string): number {
  const n = parsePositiveInteger(value);
  if (n > MAX_MANAGED_POLICIES_LIMIT) {
    throw new InvalidArgumentError(
      `expected at most ${MAX_MANAGED_POLICIES_LIMIT} (IAM's highest managed-policy attachment quota)`,
    );
  }
  return n;
}

/** Commander parser of a count: an integer, 0 or more. */
export function parseCount(value: string): number {
  return value === '0' ? 0 : parsePositiveInteger(value);
}

/** Commander argument parser for a positive integer option. */
export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || value.trim() !== value) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return n;
}

/**
 * Runs `recommend`: reads and validates both inputs (reporting the problems of both), loads the
 * catalog, refines, renders, then writes the output (stdout or `--out`) and the notes on stderr.
 * Nothing is written before everything succeeded.
 *
 * @returns the exit status (0).
 * @throws ValidationError / CliError on bad input (see `reportError`).
 */
export async function runRecommend(options: RecommendOptions, io: CliIo): Promise<number> {
  if (options.policy === '-' && options.unused === '-') {
    throw new CliError('only one of --policy and --unused may be - (stdin)');
  }
  const inputs = [options.policy, options.unused, ...(options.catalog ? [options.catalog] : [])];
  if (options.out !== undefined) await checkOutput(options.out, { inputs });
  const maxBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const [policyIn, unusedIn] = (await readInputsWithin(
    [options.policy, options.unused],
    maxBytes,
    io,
  )) as [InputText, InputText];
  const [doc, unused] = parseAll<[PolicyDocument, UnusedSet]>([
    () => parsePolicy(policyIn.text, { source: policyIn.source }),
    () => parseUnused(unusedIn.text, { source: unusedIn.source }),
  ]);
  checkStatementCounts([doc], options.maxStatements ?? DEFAULT_MAX_STATEMENTS);
  const catalog = await loadCatalog(options.catalog === undefined ? {} : { file: options.catalog });
  const choice = chooseForm(doc, unused, {
    catalog,
    source: policyIn.source,
    style: options.style ?? 'auto',
    placement: {
      policyType: options.policyType ?? 'managed',
      maxManaged: options.maxManagedPolicies ?? DEFAULT_MAX_MANAGED_POLICIES,
      otherManaged: options.otherManagedPolicies ?? 0,
    },
  });
  const refinement = choice.refinement;
  const parts = choice.parts?.map((p) => p.policy);

  const format = options.format ?? 'policy';
  const size = sizeOf(choice);
  const policyId = options.policyId ?? defaultPolicyId(options.policy);
  const toFile = options.out !== undefined;
  const color = colorEnabled({
    isTTY: !toFile && io.isTTY,
    env: io.env,
    ...(options.color === false ? { flag: false } : {}),
  });

  let text = '';
  try {
    switch (format) {
      case 'policy':
        // A split form: the parts, as a list of policy documents (one managed policy each).
        text =
          parts === undefined ? formatPolicy(refinement) : `${JSON.stringify(parts, null, 2)}\n`;
        break;
      case 'diff':
        text = formatDiff(refinement, { color, source: policyIn.source });
        break;
      case 'aws':
        text = formatAws(refinement, { policyId, ...(parts === undefined ? {} : { parts }) });
        break;
      case 'explain':
        text = formatExplain(refinement, {
          source: policyIn.source,
          maxTreeLines: options.maxTreeLines ?? DEFAULT_MAX_TREE_LINES,
          size,
          form: choice,
        });
        break;
      case 'json':
        text = formatJson(refinement, {
          source: policyIn.source,
          policyId,
          size,
          form: summarizeForm(choice),
          ...(parts === undefined ? {} : { parts }),
        });
        break;
    }
  } catch (error) {
    // A string longer than V8 allows (about 512 MiB): say so instead of an internal error.
    if (error instanceof RangeError && error.message.includes('Invalid string length')) {
      throw new CliError(
        `the ${format} output is too large to build (more than a string can hold); try --format policy or aws`,
        { cause: error },
      );
    }
    throw error;
  }

  const notes: string[] = [];
  for (const w of refinement.warnings) {
    const source = w.code.startsWith('unknown_unused') ? unusedIn.source : policyIn.source;
    notes.push(`${PROGRAM}: warning: ${source}: ${w.path}: ${w.message} [${w.code}]`);
  }
  const info = (line: string) => {
    if (!options.quiet) notes.push(line);
  };
  if (format === 'policy' || format === 'aws') info(`catalog: ${refinement.catalogVersion}`);
  if (format === 'policy') {
    const notice = recommendationNotice(refinement);
    if (notice !== undefined) {
      info(toFile ? `${notice} (nothing written to ${options.out})` : notice);
    }
  }
  if (size && format !== 'explain') {
    const [line, warning] = formatSize(size);
    if (format !== 'json') {
      const n = choice.parts?.length;
      info(`form: ${choice.form}${n === undefined ? '' : ` (${n} part${n === 1 ? '' : 's'})`}`);
      info(choice.parts ? line!.replace('size: ', 'size of the largest part: ') : line!);
    }
    if (warning !== undefined) notes.push(`${PROGRAM}: ${warning}`);
    if (!choice.fits && (options.style ?? 'auto') === 'auto')
      notes.push(`${PROGRAM}: ${choice.reason}`);
  }

  if (text !== '') {
    if (toFile) await writeOutputFile(options.out!, text, { inputs });
    else io.stdout.write(text);
  }
  if (notes.length > 0) io.stderr.write(`${notes.join('\n')}\n`);
  return 0;
}

/**
 * Size of the policy that stays attached (the refined one, the unchanged one, none if detached;
 * the largest part of a split) against the quota of where it lives.
 */
function sizeOf(choice: FormChoice): SizeReport | null {
  if (choice.refinement.recommendedAction === 'DETACH_POLICY') return null;
  return {
    characters: choice.size,
    quota: choice.quota,
    policyType: choice.policyType,
    overQuota: choice.size > choice.quota,
  };
}

/** The policy file's base name without its extension (`policy.json` → `policy`), or `stdin`. */
export function defaultPolicyId(file: string): string {
  if (file === '-') return STDIN_SOURCE.slice(1, -1);
  const base = basename(file);
  const ext = extname(base);
  return ext === '' || ext === base ? base : base.slice(0, -ext.length);
}
