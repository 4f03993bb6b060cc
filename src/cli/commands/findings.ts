/**
 * `iam-refine findings list | show | archive | unarchive`: the findings recorded in the findings
 * database (`scan --db`), with their statuses across scans, as Access Analyzer's findings list.
 */
import { formLabel } from '../../refine/forms/choose.js';
import { Command, Option } from 'commander';
import type { ActionCatalog } from '../../catalog/catalog.js';
import { loadCatalog } from '../../catalog/load.js';
import { CliError, ValidationError, type Issue } from '../../errors.js';
import { resolveIdPrefix, shortIdLength } from '../../findings/short-id.js';
import {
  FINDING_TYPES,
  type Finding,
  type FindingType,
  type PolicyRecommendation,
} from '../../findings/types.js';
import { identityCenterRoleOfArn } from '../../identity-center/roles.js';
import { formatRemediation, remediationSteps } from '../../report/remediation.js';
import {
  findingRisk,
  isRiskLevel,
  riskRank,
  RISK_LEVELS,
  type RiskLevel,
} from '../../risk/risk.js';
import { allFindingSummaries } from '../../store/all-summaries.js';
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

/** Output formats of `findings list` (`aa-json`: Access Analyzer's `ListFindingsV2` response). */
export type FindingsListFormat = 'table' | 'json' | 'aa-json';

/** Sort keys of `findings list`: the store's columns, and `risk` (computed per finding). */
export type FindingsListSort = FindingSortKey | 'risk';

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
  sort?: FindingsListSort;
  /** Only findings of this risk level or higher. */
  risk?: string;
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
  $ iam-refine findings list --db audit.db --status RESOLVED
  $ iam-refine findings list --status ACTIVE --risk high --sort risk
  $ iam-refine findings list --format aa-json     # ListFindingsV2's {findings, nextToken}

The ID column shows the shortest prefix (at least 8 characters) that is unique in the database;
show, archive and unarchive accept it. The table fits the terminal's width (or COLUMNS): the
principal column is shortened from the left.`;

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
      new Option('--sort <column>', 'sort column (risk: high first, then the latest update)')
        .choices([...FINDING_SORT_KEYS, 'risk'])
        .default('updatedAt'),
    )
    .addOption(
      new Option('--risk <level>', 'only findings of this risk level or higher').choices(
        RISK_LEVELS,
      ),
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
      new Option(
        '--format <format>',
        "output format (aa-json: Access Analyzer's ListFindingsV2 response, {findings, nextToken})",
      )
        .choices(['table', 'json', 'aa-json'])
        .default('table'),
    )
    .addHelpText('after', LIST_EXAMPLES)
    .action(async (options: FindingsListOptions) => {
      ctx.exitCode = await runFindingsList(options, ctx.io);
    });

  findings
    .command('show')
    .description('one finding: its details, recommendation, tags and history')
    .argument('<id>', 'the finding id, or a unique prefix of it (from findings list)')
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
    .argument('<id...>', 'finding ids, or unique prefixes of them')
    .addOption(dbOption())
    .option('--by <name>', 'who archives, kept in the history (default: $USER)')
    .addHelpText('after', '\nExample:\n  $ iam-refine findings archive 3f2a... 9bc1...')
    .action((ids: string[], options: FindingsArchiveOptions) => {
      ctx.exitCode = runFindingsArchive('archive', ids, options, ctx.io);
    });

  findings
    .command('unarchive')
    .description('make archived findings active again')
    .argument('<id...>', 'finding ids, or unique prefixes of them')
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

/** A list row with its risk level. */
export interface RiskedSummary extends FindingSummary {
  /** The finding's risk level (see src/risk/risk.ts). */
  risk: RiskLevel;
}

/** Every finding id in the store (for short ids and prefix lookups). */
export function allFindingIds(store: FindingsStore, filter: FindingFilter = {}): string[] {
  return allFindingSummaries(store, filter).map((f) => f.id);
}

/** The risk level of a stored finding (medium when it vanished between two reads). */
function riskOfStored(store: FindingsStore, id: string, catalog: ActionCatalog): RiskLevel {
  const f = store.getFinding(id);
  return f === undefined
    ? 'medium'
    : findingRisk(f.finding as Parameters<typeof findingRisk>[0], catalog).level;
}

/** One page of findings, with risk levels: by the store, or filtered/sorted by risk in memory. */
function listPage(
  store: FindingsStore,
  options: FindingsListOptions,
  filter: FindingFilter,
  catalog: ActionCatalog,
): { page: FindingPage & { items: RiskedSummary[] }; ids: string[] } {
  const ids = allFindingIds(store);
  const byRisk = options.sort === 'risk' || options.risk !== undefined;
  if (!byRisk) {
    const page = store.listFindings({
      filter,
      sort: (options.sort ?? 'updatedAt') as FindingSortKey,
      direction: options.asc ? 'asc' : 'desc',
      limit: options.limit ?? 50,
      ...(options.cursor !== undefined
        ? { cursor: options.cursor }
        : { offset: options.offset ?? 0 }),
    });
    return {
      page: {
        ...page,
        items: page.items.map((f) => ({ ...f, risk: riskOfStored(store, f.id, catalog) })),
      },
      ids,
    };
  }
  if (options.cursor !== undefined)
    throw new CliError('--cursor cannot be used with --risk or --sort risk (use --offset)');
  const min = options.risk;
  if (min !== undefined && !isRiskLevel(min))
    throw new CliError(`--risk: expected ${RISK_LEVELS.join(', ')}`);
  let rows: RiskedSummary[] = allFindingSummaries(store, filter).map((f) => ({
    ...f,
    risk: riskOfStored(store, f.id, catalog),
  }));
  if (min !== undefined) rows = rows.filter((r) => riskRank(r.risk) >= riskRank(min));
  if (options.sort === 'risk') {
    const sign = options.asc ? 1 : -1;
    // Stable: within a level, the store's order (latest update first).
    rows = rows
      .map((r, i) => [r, i] as const)
      .sort(([a, i], [b, j]) => sign * (riskRank(a.risk) - riskRank(b.risk)) || i - j)
      .map(([r]) => r);
  } else {
    const key = (options.sort ?? 'updatedAt') as FindingSortKey;
    const value = (r: RiskedSummary): string | number =>
      key === 'account'
        ? r.resourceOwnerAccount
        : key === 'unusedActionCount'
          ? r.unusedActionCount
          : r[key];
    const sign = options.asc ? 1 : -1;
    rows = [...rows].sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return sign * (x < y ? -1 : x > y ? 1 : 0) || (a.id < b.id ? -1 : 1);
    });
  }
  const offset = options.offset ?? 0;
  const limit = options.limit ?? 50;
  const items = rows.slice(offset, offset + limit);
  return {
    page: {
      items,
      total: rows.length,
      limit,
      offset,
      ...(offset + limit < rows.length ? { nextCursor: String(offset + limit) } : {}),
    },
    ids,
  };
}

/**
 * A page as Access Analyzer's `ListFindingsV2` response: `findings` of `FindingSummaryV2`
 * (`analyzedAt, createdAt, id, resource, resourceOwnerAccount, resourceType, status, updatedAt,
 * findingType`) and `nextToken` (this store's cursor) when there is a next page.
 */
export function toListFindingsV2(page: FindingPage): {
  findings: Record<string, string>[];
  nextToken?: string;
} {
  return {
    findings: page.items.map((f) => ({
      analyzedAt: f.analyzedAt,
      createdAt: f.createdAt,
      id: f.id,
      resource: f.resource,
      resourceOwnerAccount: f.resourceOwnerAccount,
      resourceType: f.resourceType,
      status: f.status,
      updatedAt: f.updatedAt,
      findingType: f.findingType,
    })),
    ...(page.nextCursor === undefined ? {} : { nextToken: page.nextCursor }),
  };
}

/**
 * `findings list`: one page of findings as a table (stdout) with a line on stderr saying which
 * rows of how many and how to get the next page, as JSON (`{items, total, limit, offset?,
 * nextCursor?}`, each item with its `risk`), or as `ListFindingsV2`'s `{findings, nextToken}`.
 *
 * @returns the exit status (0).
 * @throws ValidationError for bad filter values; CliError when the database does not exist.
 */
export async function runFindingsList(options: FindingsListOptions, io: CliIo): Promise<number> {
  const filter = filterFromOptions(options);
  // The access levels of unused actions, for findings without per-policy detail (imported).
  const catalog = await loadCatalog();
  const { page, ids } = withStore(options, (store) =>
    store.readSnapshot(() => listPage(store, options, filter, catalog)),
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
  if (options.format === 'aa-json') {
    io.stdout.write(`${JSON.stringify(toListFindingsV2(page), null, 2)}\n`);
    return EXIT_OK;
  }
  const width = terminalWidth(io);
  const tableOptions = { idLength: shortIdLength(ids), ...(width === undefined ? {} : { width }) };
  if (groups !== undefined) {
    io.stdout.write(
      groups
        .map(
          (g) =>
            `${g.permissionSet === null ? 'not an Identity Center role' : `permission set ${g.permissionSet}`}: ${g.items.length} finding${g.items.length === 1 ? '' : 's'} in ${g.accounts.length} account${g.accounts.length === 1 ? '' : 's'}\n${formatFindingsTable(g.items, tableOptions)}`,
        )
        .join('\n'),
    );
    io.stderr.write(`${pageNote(page)}\n`);
    return EXIT_OK;
  }
  io.stdout.write(formatFindingsTable(page.items, tableOptions));
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

/** The terminal's width: stdout's columns when a terminal, else `COLUMNS`, else none. */
function terminalWidth(io: CliIo): number | undefined {
  const columns = (io.stdout as { columns?: unknown }).columns;
  if (io.isTTY && typeof columns === 'number' && columns > 0) return columns;
  const env = Number(io.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : undefined;
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

/** The finding types without "Unused", for a narrow table. */
const SHORT_TYPES: Readonly<Record<FindingType, string>> = {
  UnusedIAMRole: 'IAMRole',
  UnusedIAMUserAccessKey: 'AccessKey',
  UnusedIAMUserPassword: 'Password',
  UnusedPermission: 'Permission',
};

/**
 * Renders list rows as an aligned text table (an empty string for no rows): ids cut to
 * `idLength`, and, with `width`, the finding types without "Unused" and then the principal
 * column shortened from the left (`…/name`) so that no line is longer than `width` (when the
 * other columns leave the principal at least 12 characters).
 */
export function formatFindingsTable(
  items: readonly (FindingSummary & { risk?: RiskLevel })[],
  options: { idLength?: number; width?: number } = {},
): string {
  if (items.length === 0) return '';
  const TYPE = 3;
  const PRINCIPAL = 5;
  const rows = [
    ['ID', 'RISK', 'STATUS', 'TYPE', 'ACCOUNT', 'PRINCIPAL', 'UNUSED', 'UPDATED'],
    ...items.map((f) => [
      options.idLength === undefined ? f.id : f.id.slice(0, options.idLength),
      f.risk ?? '-',
      f.status,
      f.findingType,
      f.resourceOwnerAccount,
      principalName(f.resource),
      unusedSummary(f),
      f.updatedAt.slice(0, 16).replace('T', ' '),
    ]),
  ];
  const measure = () => rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  let widths = measure();
  const excessOf = (w: number[]) =>
    w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1) - (options.width ?? Infinity);
  if (options.width !== undefined && excessOf(widths) > 0) {
    // First the finding types without their common "Unused" (Role, AccessKey, ...).
    for (const r of rows.slice(1)) r[TYPE] = SHORT_TYPES[r[TYPE] as FindingType] ?? r[TYPE]!;
    widths = measure();
  }
  if (options.width !== undefined) {
    const excess = excessOf(widths);
    if (excess > 0) {
      const room = Math.max(12, widths[PRINCIPAL]! - excess);
      if (room < widths[PRINCIPAL]!) {
        for (const r of rows.slice(1)) {
          const p = r[PRINCIPAL]!;
          if (p.length > room) r[PRINCIPAL] = `…${p.slice(p.length - room + 1)}`;
        }
        widths[PRINCIPAL] = room;
      }
    }
  }
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
    const [full] = resolveIds(store, [id]);
    const f = store.getFinding(full!);
    if (f === undefined) throw new NotFoundError('finding', [id]);
    return f;
  });
  io.stdout.write(
    options.format === 'json' ? `${JSON.stringify(finding, null, 2)}\n` : formatFinding(finding),
  );
  return EXIT_OK;
}

/** One line per policy of a recommendation (what it does, the policy, what is removed). */
function policyLines(policies: readonly PolicyRecommendation[]): string[] {
  const lines: string[] = [];
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
  return lines;
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
  const steps = remediationSteps(f.finding as unknown as Finding);
  if (steps.length > 0) {
    lines.push('');
    lines.push('Remediation');
    lines.push(formatRemediation(steps));
  }
  const policies = f.finding.policies ?? [];
  if (policies.length > 0) {
    lines.push('');
    lines.push('Recommendation');
    lines.push(...policyLines(policies));
    lines.push(`  (the refined policies: ${PROGRAM} findings show ${f.id} --format json)`);
  }
  const ours = (f.finding as unknown as Finding).iamRefineRecommendation;
  if (ours !== undefined) {
    lines.push('');
    lines.push(
      "iam-refine's recommendation (next to Access Analyzer's above, from the live policies)",
    );
    if (ours.policies.length === 0)
      lines.push('  none: no live policy grants the unused permissions');
    lines.push(...policyLines(ours.policies));
    if (ours.policies.length > 0)
      lines.push(`  (apply it instead: ${PROGRAM} apply ${f.id} --use iam-refine)`);
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
  const result: StatusChangeResult = withStore(options, (store) => {
    const full = resolveIds(store, ids);
    return action === 'archive' ? store.archive(full, { actor }) : store.unarchive(full, { actor });
  });
  const done = action === 'archive' ? 'archived' : 'unarchived';
  for (const id of result.changed) io.stdout.write(`${done} ${id}\n`);
  for (const u of result.unchanged) {
    io.stderr.write(`${PROGRAM}: ${u.id} is ${u.status}, left as it is\n`);
  }
  return EXIT_OK;
}

/**
 * Full ids for typed ids or unique prefixes (an unknown one is passed on as typed, so that the
 * store names it as unknown with the others).
 *
 * @throws CliError (exit 2) naming a prefix that matches several findings, with the candidates.
 */
export function resolveIds(store: FindingsStore, typed: readonly string[]): string[] {
  const all = allFindingIds(store);
  return typed.map((t) => {
    const m = resolveIdPrefix(t, all);
    if (m.kind === 'exact' || m.kind === 'unique') return m.id;
    if (m.kind === 'ambiguous') {
      const shown = m.ids.slice(0, 5).join(', ');
      throw new CliError(
        `finding id prefix ${t} matches ${m.ids.length} findings (${shown}${m.ids.length > 5 ? ', ...' : ''}): type more of the id`,
      );
    }
    return t;
  });
}
