/**
 * `iam-refine verify`: checks any refined policy (also a hand-edited one) against the original and
 * the unused permissions with the exactness proof, and says per statement what is wrong.
 */
import { Option, type Command } from 'commander';
import { loadCatalog } from '../../catalog/load.js';
import { DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_STATEMENTS } from '../../policy/input-limits.js';
import {
  checkStatementCounts,
  maxInputBytesOption,
  maxStatementsOption,
  readInputsWithin,
} from '../input-limits.js';
import { parsePolicy, type PolicyDocument } from '../../policy/document.js';
import { parseUnused, type UnusedSet } from '../../policy/unused.js';
import { parseJson } from '../../json/parse.js';
import { ValidationError } from '../../errors.js';
import { mergePolicies } from '../../refine/forms/split.js';
import { verifyRefinement } from '../../refine/proof.js';
import type { Proof, StatementProof } from '../../refine/types.js';
import { wrapList } from '../format/explain.js';
import { groupDigits } from '../../policy/size.js';
import {
  CliError,
  EXIT_NOT_EXACT,
  EXIT_OK,
  parseAll,
  type InputText,
  type CliIo,
  type CommandContext,
} from '../io.js';

/** The options of `verify`, as parsed from the command line. */
export interface VerifyOptions {
  /** The original policy file (`-`: stdin). */
  original: string;
  /**
   * The refined policy file(s) (`-`: stdin). Several files, or one file holding a JSON list of
   * documents (`recommend` prints a split form so), are checked as one refinement: their union.
   */
  refined: string | string[];
  /** The unused-permissions file (`-`: stdin). */
  unused: string;
  /** A `--catalog` file instead of the bundled catalog. */
  catalog?: string;
  /** `text` (default) or `json`. */
  format?: 'text' | 'json';
  /** Largest input file, in bytes (default `DEFAULT_MAX_INPUT_BYTES`). */
  maxInputBytes?: number;
  /** Largest number of statements of each policy (default `DEFAULT_MAX_STATEMENTS`). */
  maxStatements?: number;
}

/** At most this many actions per list in the text report; `--format json` lists all. */
export const MAX_LISTED = 100;

const EXAMPLES = `
Exit status: 0 the refined policy is exact, 1 it is not (the differences are listed),
2 bad input, 3 internal error.

Examples:
  $ iam-refine recommend --policy examples/article/policy.json \\
      --unused examples/article/unused.json --out refined.json
  $ iam-refine verify --original examples/article/policy.json --refined refined.json \\
      --unused examples/article/unused.json
`;

/** Adds the `verify` command to `program`. */
export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .summary('check that a refined policy removes exactly the unused permissions')
    .description(
      'Check a refined policy (any: recommended or edited by hand) against the original policy ' +
        'and the unused permissions: for every statement and every catalog action, the refined ' +
        'statement must allow it iff the original did and it is not unused; no new pattern may ' +
        'allow future actions the original did not; Deny statements, Resource, Condition, Sid ' +
        'must be unchanged.',
    )
    .requiredOption('--original <file>', 'the original policy; - for stdin')
    .requiredOption(
      '--refined <files...>',
      'the refined policy; - for stdin. Several files (or one file with a JSON list of policies, as recommend prints a split form) are checked as one refinement: the union of the policies',
    )
    .requiredOption('--unused <file>', 'the unused permissions; - for stdin')
    .option('--catalog <file>', 'action catalog file instead of the bundled one')
    .addOption(
      new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'),
    )
    .addOption(maxInputBytesOption())
    .addOption(maxStatementsOption())
    .addHelpText('after', EXAMPLES)
    .action(async (options: VerifyOptions) => {
      ctx.exitCode = await runVerify(options, ctx.io);
    });
}

/**
 * Runs `verify` and prints the report on stdout.
 *
 * @returns {@link EXIT_OK} when the refined policy is exact, {@link EXIT_NOT_EXACT} otherwise.
 * @throws ValidationError / CliError on bad input.
 */
export async function runVerify(options: VerifyOptions, io: CliIo): Promise<number> {
  const refinedFiles = ([] as string[]).concat(options.refined);
  const stdinUsers = [options.original, ...refinedFiles, options.unused].filter((f) => f === '-');
  if (stdinUsers.length > 1) {
    throw new CliError('only one of --original, --refined and --unused may be - (stdin)');
  }
  const maxBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const [originalIn, unusedIn, ...refinedIns] = await readInputsWithin(
    [options.original, options.unused, ...refinedFiles],
    maxBytes,
    io,
  );
  const [original, unused, ...refinedSets] = parseAll<
    [PolicyDocument, UnusedSet, ...PolicyDocument[][]]
  >([
    () => parsePolicy(originalIn!.text, { source: originalIn!.source }),
    () => parseUnused(unusedIn!.text, { source: unusedIn!.source }),
    ...refinedIns.map((r) => () => parsePolicySet(r)),
  ]);
  const refinedDocs = refinedSets.flat();
  checkStatementCounts([original, ...refinedDocs], options.maxStatements ?? DEFAULT_MAX_STATEMENTS);
  const refined =
    refinedDocs.length === 1
      ? refinedDocs[0]!
      : parsePolicy(mergePolicies(refinedDocs.map((d) => d.raw)), {
          source: refinedIns.map((r) => r.source).join(' + '),
        });
  const catalog = await loadCatalog(options.catalog === undefined ? {} : { file: options.catalog });
  const proof = verifyRefinement(original, refined, unused, { catalog });
  const report = {
    original: originalIn!.source,
    refined:
      refinedIns.map((r) => r.source).join(' + ') +
      (refinedDocs.length > 1 ? ` (${refinedDocs.length} policies, checked as their union)` : ''),
    ...(refinedDocs.length > 1 ? { refinedPolicies: refinedDocs.length } : {}),
    unused: unusedIn!.source,
    catalogVersion: catalog.version,
    ...proof,
  };
  io.stdout.write(
    options.format === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : formatVerifyReport(proof, report),
  );
  return proof.exact ? EXIT_OK : EXIT_NOT_EXACT;
}

/**
 * The policies of one `--refined` file: the document, or each document of a JSON list of them.
 *
 * @throws ValidationError naming the file and the list index when a document is malformed.
 */
function parsePolicySet(input: InputText): PolicyDocument[] {
  if (!input.text.trimStart().startsWith('[')) {
    return [parsePolicy(input.text, { source: input.source })];
  }
  const value = parseJson(input.text, input.source).value as unknown[];
  if (value.length === 0) {
    throw new ValidationError([
      {
        code: 'invalid_type',
        path: '$',
        message: 'expected a policy document or a non-empty list of them, found an empty list',
        source: input.source,
      },
    ]);
  }
  return value.map((doc, i) =>
    parsePolicy(doc as object, { source: `${input.source} (list item ${i})` }),
  );
}

/** The text report of `verify`: what was compared, the problems per statement, the verdict. */
export function formatVerifyReport(
  proof: Proof,
  names: { original: string; refined: string; unused: string; catalogVersion: string },
): string {
  const out = [
    `original: ${names.original}`,
    `refined:  ${names.refined}`,
    `unused:   ${names.unused}`,
    `catalog:  ${names.catalogVersion}`,
  ];
  for (const p of proof.problems) out.push('', ...statementProblems(p));
  if (proof.unmatchedRefined.length > 0) {
    out.push('');
    for (const j of proof.unmatchedRefined) {
      out.push(
        `refined statement #${j}: matches no original statement (same Effect, Sid, Resource, Condition, ...): everything it allows is new`,
      );
    }
  }
  if (proof.structural.length > 0) {
    out.push('', 'structural problems:');
    for (const s of proof.structural) out.push(`  ${s}`);
  }
  out.push(
    '',
    `result: ${proof.exact ? 'EXACT' : 'NOT EXACT'} (${groupDigits(proof.statementsChecked)} statement${
      proof.statementsChecked === 1 ? '' : 's'
    } checked against ${groupDigits(proof.catalogActions)} catalog actions, ${groupDigits(
      proof.patternsChecked,
    )} new pattern${proof.patternsChecked === 1 ? '' : 's'} checked for containment)`,
  );
  return `${out.join('\n')}\n`;
}

function statementProblems(p: StatementProof): string[] {
  const where =
    p.refinedIndex === null ? 'dropped in the refined policy' : `refined #${p.refinedIndex}`;
  const out = [`statement #${p.originalIndex} (${where}):`];
  const list = (what: string, items: readonly string[], note = '') => {
    if (items.length === 0) return;
    const shown = items.slice(0, MAX_LISTED);
    const more = items.length - shown.length;
    out.push(
      ...wrapList(
        `  ${what} (${groupDigits(items.length)})${note}: `,
        more > 0 ? [...shown, `… ${groupDigits(more)} more (--format json lists all)`] : shown,
        '    ',
      ),
    );
  };
  list('grants actions the original did not', p.grantsNew);
  list('still grants unused actions', p.grantsUnused);
  list('lost used actions', p.lostUsed);
  list(
    'widened patterns',
    p.widenedPatterns,
    ', which may grant future actions the original did not',
  );
  return out;
}
