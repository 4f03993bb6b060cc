/**
 * `iam-refine rules add | list | delete | apply`: archive rules, Access Analyzer's way. A rule is a
 * name and a filter (`FilterCriteria` JSON); every scan recorded afterwards archives the new (and
 * reopened) findings it matches, and `rules apply` archives the active findings it matches now.
 */
import { Command, Option } from 'commander';
import { parseJson } from '../../json/parse.js';
import { dbOption, openCliStore, type DbOptions } from '../../store/cli.js';
import { parseFilterCriteria } from '../../store/filter.js';
import type { ArchiveRule, FindingsStore } from '../../store/types.js';
import { EXIT_OK, processIo, type CliIo, type CommandContext } from '../io.js';
import { CommandGroup } from './findings.js';

/** Output formats of `rules list`. */
export type RulesListFormat = 'table' | 'json';

/** The options of `rules add`. */
export interface RulesAddOptions extends DbOptions {
  /** The filter, Access Analyzer's `FilterCriteria` as JSON text. */
  filter: string;
  /** Also apply the rule to the stored active findings now. */
  apply?: boolean;
}

const FILTER_HELP = `
Filter: Access Analyzer's FilterCriteria, {"KEY": {"OPERATOR": ...}, ...}.
  Keys:      findingType, resource, resourceType, resourceOwnerAccount, status, id, tags.KEY
  Operators: "eq": [values]        equals one of them
             "neq": [values]       equals none of them (a missing tag matches)
             "contains": [values]  contains one of them (case-sensitive)
             "exists": true|false  the tag is present / absent
  A finding matches when every criterion holds; lists take 1 to 20 values.

Examples:
  $ iam-refine rules add ci-roles --filter '{"findingType": {"eq": ["UnusedIAMRole"]}, "resource": {"contains": [":role/ci-"]}}'
  $ iam-refine rules add sandbox --filter '{"resourceOwnerAccount": {"eq": ["111122223333"]}}' --apply
  $ iam-refine rules add break-glass --filter '{"tags.purpose": {"eq": ["break-glass"]}}'`;

/**
 * The `rules` command and its subcommands (the caller adds it with `program.addCommand`;
 * `copyInheritedSettings` on it also reaches the subcommands).
 */
export function rulesCommand(
  ctx: CommandContext = { io: processIo(), exitCode: EXIT_OK },
): Command {
  const rules = new CommandGroup('rules')
    .summary('archive rules: archive the findings that match a filter')
    .description(
      'Archive rules, as in Access Analyzer: every scan recorded with --db archives the new ' +
        'findings (and the resolved ones found again) that match a rule; `rules apply NAME` ' +
        'archives the active findings it matches now. Deleting a rule leaves archived findings ' +
        'archived.',
    )
    .addHelpText('after', FILTER_HELP);

  rules
    .command('add')
    .description('add an archive rule')
    .argument('<name>', 'rule name: a letter, then letters, digits, _ . -')
    .requiredOption('--filter <json>', "the filter, Access Analyzer's FilterCriteria JSON")
    .option('--apply', 'also archive the active findings it matches now')
    .addOption(dbOption())
    .addHelpText('after', FILTER_HELP)
    .action((name: string, options: RulesAddOptions) => {
      ctx.exitCode = runRulesAdd(name, options, ctx.io);
    });

  rules
    .command('list')
    .description('the archive rules')
    .addOption(dbOption())
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action((options: DbOptions & { format?: RulesListFormat }) => {
      ctx.exitCode = runRulesList(options, ctx.io);
    });

  rules
    .command('delete')
    .description('delete an archive rule (the findings it archived stay archived)')
    .argument('<name>', 'rule name')
    .addOption(dbOption())
    .action((name: string, options: DbOptions) => {
      ctx.exitCode = runRulesDelete(name, options, ctx.io);
    });

  rules
    .command('apply')
    .description('archive the active findings a rule matches now')
    .argument('<name>', 'rule name')
    .addOption(dbOption())
    .action((name: string, options: DbOptions) => {
      ctx.exitCode = runRulesApply(name, options, ctx.io);
    });

  return rules;
}

/** Adds `rules` to `program` (the `registerX` convention of the other commands). */
export function registerRules(program: Command, ctx: CommandContext): void {
  const command = rulesCommand(ctx);
  command.copyInheritedSettings(program);
  program.addCommand(command);
}

function withStore<T>(options: DbOptions, mustExist: boolean, fn: (s: FindingsStore) => T): T {
  const store = openCliStore(options.db, { mustExist });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/**
 * `rules add NAME --filter JSON [--apply]`: validates the filter (one line per problem, with the
 * column in the JSON text), stores the rule (creating the database if needed), and says how many
 * active findings it matches now (archiving them with `--apply`).
 *
 * @returns the exit status (0).
 * @throws ValidationError for a bad name or filter; IamRefineError when the rule exists.
 */
export function runRulesAdd(name: string, options: RulesAddOptions, io: CliIo): number {
  const parsed = parseJson(options.filter, '--filter');
  const filter = parseFilterCriteria(parsed.value, { source: '--filter', parsed });
  const note = withStore(options, false, (store) => {
    store.createRule(name, filter);
    if (options.apply) {
      const n = store.applyRule(name).changed.length;
      return `added rule ${name}; archived ${n} active finding${n === 1 ? '' : 's'} it matches`;
    }
    const n = store.previewRule(filter, { limit: 1 }).total ?? 0;
    return `added rule ${name}; it archives matching findings of later scans${
      n > 0
        ? `; ${n} active ${n === 1 ? 'finding matches' : 'findings match'} now (rules apply ${name})`
        : ''
    }`;
  });
  io.stderr.write(`${note}\n`);
  return EXIT_OK;
}

/**
 * `rules list`: the rules as a table (name, filter, creation time) or JSON.
 *
 * @returns the exit status (0).
 */
export function runRulesList(options: DbOptions & { format?: RulesListFormat }, io: CliIo): number {
  const rules = withStore(options, true, (store) => store.listRules());
  if (options.format === 'json') io.stdout.write(`${JSON.stringify(rules, null, 2)}\n`);
  else if (rules.length === 0) io.stderr.write('no archive rules\n');
  else io.stdout.write(formatRulesTable(rules));
  return EXIT_OK;
}

/** Rules as an aligned table. */
export function formatRulesTable(rules: readonly ArchiveRule[]): string {
  const rows = [
    ['NAME', 'CREATED', 'FILTER'],
    ...rules.map((r) => [
      r.name,
      r.createdAt.slice(0, 16).replace('T', ' '),
      JSON.stringify(r.filter),
    ]),
  ];
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return `${rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!}`).join('\n')}\n`;
}

/**
 * `rules delete NAME`.
 *
 * @returns the exit status (0).
 * @throws NotFoundError (exit 2, one line) for an unknown rule.
 */
export function runRulesDelete(name: string, options: DbOptions, io: CliIo): number {
  withStore(options, true, (store) => store.deleteRule(name));
  io.stderr.write(`deleted rule ${name}\n`);
  return EXIT_OK;
}

/**
 * `rules apply NAME`: archives the active findings the rule matches; prints their ids on stdout.
 *
 * @returns the exit status (0).
 * @throws NotFoundError (exit 2, one line) for an unknown rule.
 */
export function runRulesApply(name: string, options: DbOptions, io: CliIo): number {
  const result = withStore(options, true, (store) => store.applyRule(name));
  for (const id of result.changed) io.stdout.write(`archived ${id}\n`);
  const n = result.changed.length;
  io.stderr.write(`rule ${name} archived ${n} finding${n === 1 ? '' : 's'}\n`);
  return EXIT_OK;
}
