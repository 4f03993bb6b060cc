/**
 * `iam-refine findings list | show | archive | unarchive`: the findings recorded in the findings
 * database (`scan --db`), with their statuses across scans, as Access Analyzer's findings list.
 */
import { formLabel } from '../../refine/forms/choose.js';
import { Command, Option } from 'commander';
import { ValidationError, type Issue } from '../../errors.js';
import { FINDING_TYPES, type FindingType } from '../../findings/types.js';
import { identityCenterRoleOfArn } from '../../identity-center/roles.js';
import { dbOption, openCliStore, type DbOptions } from '../../store/cli.js';
import { NotFoundError } from '../../store/errors.js';
import {
  FINDING_SORT_KEYS,
  FINDING_STATUSES,
  type FindingFilter,
  type FindingPage,
  type FindingSortKey,
  type FindingStatus,
  type FindingSummary,
  type FindingsStore,
  type StatusChangeResult,
  type StoredFinding,
} from '../../store/types.js';
import { EXIT_OK, PROGRAM, processIo, type CliIo, type CommandContext } from '../io.js';
import { parsePositiveInteger } from './recommend.js';

/** Output formats of `findings list`. */
export type FindingsListFormat = 'table' | 'json';

/** Output formats of `findings show`. */
export type FindingShowFormat = 'text' | 'json';

/** The options of `findings list`, as parsed from the command line. */
export interface FindingsListOptions extends DbOptions {
  /** Statuses (repeatable, or comma-separated); default all. */
  status?: string[];
  /** Finding types (repeatable, or comma-separated). */
  type?: string[];
  /** Owner accounts (repeatable, or comma-separated). */
  account?: string[];
  /** Services (repeatable, or comma-separated): UnusedPermission findings listing one of them. */
  service?: string[];
  /** Case-insensitive substring of the principal's ARN. */
  principal?: string;
  /** Sort column (default `updatedAt`). */
  sort?: FindingSortKey;
  /** Ascending order instead of descending. */
  asc?: boolean;
  /** Page size (default 50). */
  limit?: number;
  /** Rows to skip. */
  offset?: number;
  /** The `nextCursor` of the previous page (JSON output), instead of `--offset`. */
  cursor?: string;
  /** Output format (default `table`). */
  format?: FindingsListFormat;
  /** `permission-set`: group the page's rows by IAM Identity Center permission set. */
  groupBy?: 'permission-set';
}

/** The options of `findings archive` and `findings unarchive`. */
export interface FindingsArchiveOptions extends DbOptions {
  /** Who archives, kept in the history (default: `$USER`, else `user`). */
  by?: string;
}

/** Collects a repeatable option whose values may also be comma-separated. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  const parts = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return [...(previous ?? []), ...parts];
}

const LIST_EXAMPLES = `
Examples:
  $ iam-refine findings list
  $ iam-refine findings list --status ACTIVE --type UnusedPermission --service s3,iam
  $ iam-refine findings list --account 111122223333 --principal ci- --sort resource --asc
  $ iam-refine findings list --format json --limit 500 > page.json
  $ iam-refine findings list --db audit.db --status RESOLVED`;

/**
 * The `findings` command and its subcommands (the caller adds it with `program.addCommand`;
 * `copyInheritedSettings` on it also reaches the subcommands).
 */
export function findingsCommand(
  ctx: CommandContext = { io: processIo(), exitCode: EXIT_OK },
): Command {
  const findings = new CommandGroup('findings')
    .summary('list, show, archive and unarchive recorded findings')
    .description(
      'The findings recorded by `scan --db FILE` and their status across scans, as Access ' +
        'Analyzer keeps them: ACTIVE when found, RESOLVED when a later scan of the account no ' +
        'longer finds them, ARCHIVED by a person or an archive rule (see `rules`) until ' +
        'unarchived. Every change is kept in the finding history.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ iam-refine scan ... --db iam-refine.db
  $ iam-refine findings list --status ACTIVE
  $ iam-refine findings show 3f2a...
  $ iam-refine findings archive 3f2a... 9bc1...`,
    );

  findings
    .command('list')
    .description('the findings, filtered, sorted, one page at a time')
    .addOption(dbOption())
    .option('--status <status>', `ACTIVE, ARCHIVED or RESOLVED (repeatable or a,b)`, collectList)
    .option('--type <type>', `finding type: ${FINDING_TYPES.join(', ')} (repeatable)`, collectList)
    .option('--account <id>', 'owner account, 12 digits (repeatable)', collectList)
    .option(
      '--service <prefix>',
      'UnusedPermission findings about this service, e.g. s3 (repeatable)',
      collectList,
    )
    .option('--principal <text>', "case-insensitive part of the principal's ARN")
    .addOption(
      new Option('--sort <column>', 'sort column').choices(FINDING_SORT_KEYS).default('updatedAt'),
    )
    .option('--asc', 'ascending order (default: descending)')
    .option('--limit <n>', 'page size, at most 1000', parsePositiveInteger, 50)
    .option('--offset <n>', 'skip this many findings', parseNonNegativeInteger)
    .option('--cursor <cursor>', 'continue after the page whose nextCursor (JSON output) this is')
    .addOption(
      new Option(
        '--group-by <what>',
        "group the page's findings by IAM Identity Center permission set (roles AWSReservedSSO_<set>_…; other principals last)",
      ).choices(['permission-set']),
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .addHelpText('after', LIST_EXAMPLES)
    .action((options: FindingsListOptions) => {
      ctx.exitCode = runFindingsList(options, ctx.io);
    });

  findings
    .command('show')
    .description('one finding: its details, recommendation, tags and history')
    .argument('<id>', 'the finding id (from findings list)')
    .addOption(dbOption())
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .addHelpText('after', '\nExample:\n  $ iam-refine findings show 3f2a... --format json')
    .action((id: string, options: DbOptions & { format?: FindingShowFormat }) => {
      ctx.exitCode = runFindingsShow(id, options, ctx.io);
    });

  findings
    .command('archive')
    .description('archive findings (they stay archived across scans until unarchived)')
    .argument('<id...>', 'finding ids')
    .addOption(dbOption())
    .option('--by <name>', 'who archives, kept in the history (default: $USER)')
    .addHelpText('after', '\nExample:\n  $ iam-refine findings archive 3f2a... 9bc1...')
    .action((ids: string[], options: FindingsArchiveOptions) => {
      ctx.exitCode = runFindingsArchive('archive', ids, options, ctx.io);
    });

  findings
    .command('unarchive')
    .description('make archived findings active again')
    .argument('<id...>', 'finding ids')
    .addOption(dbOption())
    .option('--by <name>', 'who unarchives, kept in the history (default: $USER)')
    .addHelpText('after', '\nExample:\n  $ iam-refine findings unarchive 3f2a...')
    .action((ids: string[], options: FindingsArchiveOptions) => {
      ctx.exitCode = runFindingsArchive('unarchive', ids, options, ctx.io);
    });

  return findings;
}

/** Adds `findings` to `program` (the `registerX` convention of the other commands). */
export function registerFindings(program: Command, ctx: CommandContext): void {
  const command = findingsCommand(ctx);
  command.copyInheritedSettings(program);
  program.addCommand(command);
}

/**
 * A command whose `copyInheritedSettings` also reaches its subcommands, so that a command group
 * added with `addCommand` reports the errors of its subcommands through the program's output and
 * exit override, as the commands created with `.command()` do.
 */
export class CommandGroup extends Command {
  override copyInheritedSettings(source: Command): this {
    super.copyInheritedSettings(source);
    for (const sub of this.commands) sub.copyInheritedSettings(source);
    return this;
  }
}

/** Commander argument parser for a non-negative integer option. */
export function parseNonNegativeInteger(value: string): number {
  return value.trim() === '0' ? 0 : parsePositiveInteger(value);
}

/**
 * Turns the list options into a store filter, checking every value.
 *
 * @throws ValidationError with one issue per bad value (`--status`, `--type`, `--account`).
 */
export function filterFromOptions(options: FindingsListOptions): FindingFilter {
  const issues: Issue[] = [];
  const filter: FindingFilter = {};
  if (options.status !== undefined) {
    const statuses: FindingStatus[] = [];
    filter.statuses = statuses;
    for (const s of options.status) {
      const status = s.toUpperCase() as FindingStatus;
      if (FINDING_STATUSES.includes(status)) statuses.push(status);
      else {
        issues.push(
          optionIssue('--status', s, `a finding status; expected ${FINDING_STATUSES.join(', ')}`),
        );
      }
    }
  }
  if (options.type !== undefined) {
    const byLower = new Map(FINDING_TYPES.map((t) => [t.toLowerCase(), t]));
    filter.types = options.type.map((t) => byLower.get(t.toLowerCase()) ?? (t as FindingType));
    for (const t of filter.types) {
      if (!FINDING_TYPES.includes(t)) {
        issues.push(
          optionIssue('--type', t, `a finding type; expected ${FINDING_TYPES.join(', ')}`),
        );
      }
    }
  }
  if (options.account !== undefined) {
    filter.accounts = options.account;
    for (const a of options.account) {
      if (!/^\d{12}$/.test(a))
        issues.push(optionIssue('--account', a, 'an account id; expected 12 digits'));
    }
  }
  if (options.service !== undefined) filter.services = options.service.map((s) => s.toLowerCase());
  if (options.principal !== undefined && options.principal !== '')
    filter.principal = options.principal;
  if (issues.length > 0) throw new ValidationError(issues);
  return filter;
}

function optionIssue(option: string, value: string, expected: string): Issue {
  return {
    code: 'invalid_value',
    path: option,
    message: `${JSON.stringify(value)} is not ${expected}`,
  };
}

/** Opens the store that must exist, runs `fn`, closes it. */
function withStore<T>(options: DbOptions, fn: (store: FindingsStore) => T): T {
  const store = openCliStore(options.db, { mustExist: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

/**
 * `findings list`: one page of findings as a table (stdout) with a line on stderr saying which
 * rows of how many and how to get the next page, or as JSON (`{items, total, limit, offset?,
 * nextCursor?}`).
 *
 * @returns the exit status (0).
 * @throws ValidationError for bad filter values; CliError when the database does not exist.
 */
export function runFindingsList(options: FindingsListOptions, io: CliIo): number {
  const filter = filterFromOptions(options);
  const page = withStore(options, (store) =>
    store.listFindings({
      filter,
      sort: options.sort ?? 'updatedAt',
      direction: options.asc ? 'asc' : 'desc',
      limit: options.limit ?? 50,
      ...(options.cursor !== undefined
        ? { cursor: options.cursor }
        : { offset: options.offset ?? 0 }),
    }),
  );
  const groups =
    options.groupBy === 'permission-set' ? groupByPermissionSet(page.items) : undefined;
  if (options.format === 'json') {
    const out =
      groups === undefined
        ? page
        : {
            ...page,
            groups: groups.map((g) => ({
              permissionSet: g.permissionSet,
              accounts: g.accounts,
              ids: g.items.map((f) => f.id),
            })),
          };
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return EXIT_OK;
  }
  if (groups !== undefined) {
    io.stdout.write(
      groups
        .map(
          (g) =>
            `${g.permissionSet === null ? 'not an Identity Center role' : `permission set ${g.permissionSet}`}: ${g.items.length} finding${g.items.length === 1 ? '' : 's'} in ${g.accounts.length} account${g.accounts.length === 1 ? '' : 's'}\n${formatFindingsTable(g.items)}`,
        )
        .join('\n'),
    );
    io.stderr.write(`${pageNote(page)}\n`);
    return EXIT_OK;
  }
  io.stdout.write(formatFindingsTable(page.items));
  io.stderr.write(`${pageNote(page)}\n`);
  return EXIT_OK;
}

/** A page's findings of one permission set (`null`: principals that are not Identity Center roles). */
export interface PermissionSetGroup {
  permissionSet: string | null;
  /** The owner accounts of its findings, sorted. */
  accounts: string[];
  items: FindingSummary[];
}

/**
 * Groups findings by the permission set of their Identity Center role (by name, in name order),
 * other principals last; the order of the rows within a group is kept.
 */
export function groupByPermissionSet(items: readonly FindingSummary[]): PermissionSetGroup[] {
  const groups = new Map<string | null, FindingSummary[]>();
  for (const f of items) {
    const name = identityCenterRoleOfArn(f.resource)?.permissionSetName ?? null;
    const list = groups.get(name);
    if (list === undefined) groups.set(name, [f]);
    else list.push(f);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0))
    .map(([permissionSet, list]) => ({
      permissionSet,
      accounts: [...new Set(list.map((f) => f.resourceOwnerAccount))].sort(),
      items: list,
    }));
}

/** What a table page shows: which rows of how many, and how to get the next ones. */
export function pageNote(page: FindingPage): string {
  const total = page.total ?? 0;
  if (page.items.length === 0)
    return total === 0 ? 'no findings' : `no findings on this page (of ${total})`;
  const from = page.offset === undefined ? undefined : page.offset + 1;
  const to = from === undefined ? undefined : from + page.items.length - 1;
  const range = from === undefined ? `${page.items.length}` : `${from}-${to}`;
  let note = `findings ${range} of ${total}`;
  if (page.nextCursor !== undefined) {
    note +=
      to !== undefined ? `; next page: --offset ${to}` : `; next page: --cursor ${page.nextCursor}`;
  }
  return note;
}

/** Renders list rows as an aligned text table (an empty string for no rows). */
export function formatFindingsTable(items: readonly FindingSummary[]): string {
  if (items.length === 0) return '';
  const rows = [
    ['ID', 'STATUS', 'TYPE', 'ACCOUNT', 'PRINCIPAL', 'UNUSED', 'UPDATED'],
    ...items.map((f) => [
      f.id,
      f.status,
      f.findingType,
      f.resourceOwnerAccount,
      principalName(f.resource),
      unusedSummary(f),
      f.updatedAt.slice(0, 16).replace('T', ' '),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '),
    )
    .join('\n')
    .concat('\n');
}

/** `role/path/name` or `user/name` from a principal ARN (the ARN itself if it has no `:`). */
export function principalName(arn: string): string {
  const i = arn.lastIndexOf(':');
  return i < 0 ? arn : arn.slice(i + 1);
}

function unusedSummary(f: FindingSummary): string {
  if (f.findingType !== 'UnusedPermission') return '-';
  const parts: string[] = [];
  const n = f.services.length;
  parts.push(`${n} service${n === 1 ? '' : 's'}`);
  if (f.unusedActionCount > 0)
    parts.push(`${f.unusedActionCount} action${f.unusedActionCount === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/**
 * `findings show ID`: the finding as text (details, recommendation, tags, history) or JSON.
 *
 * @returns the exit status (0).
 * @throws NotFoundError (exit 2, one line) for an unknown id.
 */
export function runFindingsShow(
  id: string,
  options: DbOptions & { format?: FindingShowFormat },
  io: CliIo,
): number {
  const finding = withStore(options, (store) => {
    const f = store.getFinding(id);
    if (f === undefined) throw new NotFoundError('finding', [id]);
    return f;
  });
  io.stdout.write(
    options.format === 'json' ? `${JSON.stringify(finding, null, 2)}\n` : formatFinding(finding),
  );
  return EXIT_OK;
}

/** A finding as text: one fact per line, the details, the recommendation, the history. */
export function formatFinding(f: StoredFinding): string {
  const lines: string[] = [];
  const status =
    f.status === 'ARCHIVED'
      ? `ARCHIVED (${f.archivedByRule !== undefined ? `rule ${f.archivedByRule}` : `by ${f.archivedBy ?? 'user'}`})`
      : f.status === 'RESOLVED'
        ? `RESOLVED (by scan ${f.resolvedScanId ?? '?'})`
        : f.status;
  lines.push(`Finding ${f.id}`);
  lines.push(`  Status:     ${status}`);
  lines.push(`  Type:       ${f.findingType}`);
  lines.push(`  Principal:  ${f.resource} (${f.resourceType})`);
  lines.push(`  Account:    ${f.resourceOwnerAccount}`);
  lines.push(`  Created:    ${f.createdAt} (scan ${f.firstScanId})`);
  lines.push(`  Updated:    ${f.updatedAt}`);
  lines.push(`  Analyzed:   ${f.analyzedAt} (last seen by scan ${f.lastSeenScanId})`);
  const tags = Object.entries(f.tags);
  if (tags.length > 0) lines.push(`  Tags:       ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  lines.push('');
  lines.push('Details');
  for (const d of f.finding.findingDetails) {
    if ('unusedPermissionDetails' in d) {
      const u = d.unusedPermissionDetails;
      const last = u.lastAccessed === undefined ? '' : ` (service last accessed ${u.lastAccessed})`;
      if (u.actions === undefined)
        lines.push(`  ${u.serviceNamespace}: the whole service is unused${last}`);
      else {
        lines.push(
          `  ${u.serviceNamespace}: ${u.actions.length} unused action${u.actions.length === 1 ? '' : 's'}${last}`,
        );
        for (const a of u.actions) {
          lines.push(
            `    ${u.serviceNamespace}:${a.action}${a.lastAccessed === undefined ? '' : ` (last accessed ${a.lastAccessed})`}`,
          );
        }
      }
    } else if ('unusedIamRoleDetails' in d) {
      lines.push(`  role last used: ${d.unusedIamRoleDetails.lastAccessed ?? 'never'}`);
    } else if ('unusedIamUserPasswordDetails' in d) {
      lines.push(
        `  console password last used: ${d.unusedIamUserPasswordDetails.lastAccessed ?? 'never'}`,
      );
    } else {
      const k = d.unusedIamUserAccessKeyDetails;
      lines.push(`  access key ${k.accessKeyId} last used: ${k.lastAccessed ?? 'never'}`);
    }
  }
  const policies = f.finding.policies ?? [];
  if (policies.length > 0) {
    lines.push('');
    lines.push('Recommendation');
    for (const p of policies) {
      const removed = Object.values(p.removedByAccessLevel).reduce(
        (n, list) => n + (list?.length ?? 0),
        0,
      );
      const services = p.removedServices?.length ?? 0;
      const whole =
        services > 0
          ? `, ${services} service${services === 1 ? '' : 's'} unused as a whole removed`
          : '';
      lines.push(
        `  ${p.recommendedAction.padEnd(13)} ${p.policyName} (${p.policyType})${removed > 0 ? `, ${removed} action${removed === 1 ? '' : 's'} removed` : ''}${whole}${p.error !== undefined ? `, error: ${p.error}` : ''}`,
      );
      if (p.form !== undefined) lines.push(`                form: ${formLabel(p.form)}`);
    }
    lines.push(`  (the refined policies: ${PROGRAM} findings show ${f.id} --format json)`);
  }
  lines.push('');
  lines.push('History');
  for (const h of f.history) {
    const why =
      h.ruleName !== undefined
        ? `rule ${h.ruleName}${h.scanId !== undefined ? `, scan ${h.scanId}` : ''}`
        : h.actor !== undefined
          ? `by ${h.actor}`
          : h.scanId !== undefined
            ? `scan ${h.scanId}`
            : '';
    lines.push(`  ${h.at}  ${h.event.padEnd(10)}  ${why}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `findings archive|unarchive ID...`: changes the status of the given findings in one
 * transaction; prints the ids changed on stdout and, on stderr, those left as they were and why.
 *
 * @returns the exit status (0).
 * @throws NotFoundError (exit 2, one line naming every unknown id; nothing changed).
 */
export function runFindingsArchive(
  action: 'archive' | 'unarchive',
  ids: readonly string[],
  options: FindingsArchiveOptions,
  io: CliIo,
): number {
  const actor = options.by ?? io.env.USER ?? 'user';
  const result: StatusChangeResult = withStore(options, (store) =>
    action === 'archive' ? store.archive(ids, { actor }) : store.unarchive(ids, { actor }),
  );
  const done = action === 'archive' ? 'archived' : 'unarchived';
  for (const id of result.changed) io.stdout.write(`${done} ${id}\n`);
  for (const u of result.unchanged) {
    io.stderr.write(`${PROGRAM}: ${u.id} is ${u.status}, left as it is\n`);
  }
  return EXIT_OK;
}
