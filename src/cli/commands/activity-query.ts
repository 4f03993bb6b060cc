/**
 * `iam-refine activity-query --engine athena|cloudtrail-lake|duckdb [--table NAME] [--since ISO]
 * [--until ISO] [--accounts IDS] [--partitions LAYOUT]`:
 * prints the SQL that aggregates a CloudTrail table into the activity CSV that
 * `scan --activity FILE` reads, for organisations whose logs outgrow one machine.
 */
import { Command, Option } from 'commander';
import {
  activityQuery,
  ATHENA_PARTITION_LAYOUTS,
  coverageQuery,
  DEFAULT_TABLES,
  QUERY_ENGINES,
  type AthenaPartitionLayout,
  type QueryEngine,
} from '../../activity/queries.js';
import { OUTPUT_FILE_RULES, writeOutputFile } from '../../io/atomic-write.js';
import { EXIT_OK, processIo, type CommandContext } from '../io.js';

/** The options of `activity-query`, as parsed from the command line. */
export interface ActivityQueryCliOptions {
  /** The SQL dialect and schema. */
  engine: QueryEngine;
  /** The table, event data store ID, or (DuckDB) path or glob of the log files. */
  table?: string;
  /** Only events at or after this ISO 8601 time. */
  since?: string;
  /** Only events before this ISO 8601 time. */
  until?: string;
  /** Only events logged by these accounts (comma-separated 12-digit IDs). */
  accounts?: string;
  /** Athena: how the table is partitioned. */
  partitions?: AthenaPartitionLayout;
  /** Write the SQL to this file (atomically) instead of stdout. */
  out?: string;
  /** Print the coverage query instead (days per account and region). */
  coverage?: boolean;
}

const EXAMPLES = `
The query groups events by principal, event source, event name and long-term access key and keeps
the latest time; scan maps (event source, event name) to IAM actions exactly as it does for log
files, so the result equals reading the logs with --cloudtrail.

Coverage: the activity CSV says what was used, not which days the logs cover. --coverage prints
the second query, whose CSV (account_id,region,day,events) gives scan --activity the days each
account and region has events; pass both CSVs. Without it, the activity CSV covers no day and
scan evaluates no principal for unused roles and permissions (exit status 4).

With --since/--until, the Athena query also selects the table's partitions of the period
(--partitions: projection = the "timestamp" partition of the partition-projection table,
region-date = the region/year/month/day partitions of the manually partitioned table, none),
so that Athena reads only those days of logs (one more day on each side for files delivered
around midnight).

Examples:
  $ iam-refine activity-query --engine athena --table security.cloudtrail_logs_pp \\
      --since 2026-01-01 --until 2026-04-01 --accounts 111122223333,444455556666
  $ iam-refine activity-query --engine athena --table security.cloudtrail_logs \\
      --partitions region-date --since 2026-01-01T00:00:00Z
  $ iam-refine activity-query --engine cloudtrail-lake --table a1b2c3d4-5678-90ab-cdef-EXAMPLE11111
  $ iam-refine activity-query --engine duckdb --table 'AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz' \\
      > activity.sql && duckdb -csv < activity.sql > activity.csv
  $ iam-refine activity-query --engine duckdb --coverage > coverage.sql \
      && duckdb -csv < coverage.sql > coverage.csv
  $ iam-refine scan --authorization-details auth.json --activity activity.csv coverage.csv
`;

/**
 * The `activity-query` command. Output goes to `ctx.io` (and the exit status to `ctx.exitCode`)
 * when a context is given, else to the process's stdout.
 */
export function activityQueryCommand(ctx?: CommandContext): Command {
  return new Command('activity-query')
    .summary('print the SQL that builds the activity CSV on Athena, CloudTrail Lake or DuckDB')
    .description(
      'Print the SQL that turns a CloudTrail table into the activity summary CSV ' +
        '(principal_arn,service,action,last_accessed,access_key_id) that `scan --activity` reads: ' +
        'on Athena (the CloudTrail table of the Athena documentation), CloudTrail Lake (an event ' +
        'data store) or DuckDB (the log files themselves).',
    )
    .addOption(
      new Option('--engine <engine>', 'the query engine')
        .choices([...QUERY_ENGINES])
        .makeOptionMandatory(),
    )
    .option(
      '--table <name>',
      `Athena table (default ${DEFAULT_TABLES.athena}), CloudTrail Lake event data store ID (required), or DuckDB path/glob of the log files (default ${DEFAULT_TABLES.duckdb})`,
    )
    .option('--since <iso-time>', 'only events at or after this time, e.g. 2026-01-01T00:00:00Z')
    .option('--until <iso-time>', 'only events before this time (the end of the tracking period)')
    .option(
      '--accounts <ids>',
      'only events logged by these accounts (recipientAccountId), comma-separated 12-digit IDs',
    )
    .addOption(
      new Option(
        '--partitions <layout>',
        'Athena: how the CloudTrail table is partitioned (the --since/--until days become predicates on its partitions)',
      )
        .choices([...ATHENA_PARTITION_LAYOUTS])
        .default('projection'),
    )
    .option('--out <file>', 'write the SQL to this file (atomically) instead of stdout')
    .option(
      '--coverage',
      'print the coverage query instead: the days each account and region has events ' +
        '(account_id,region,day,events), which scan --activity needs to call anything unused',
    )
    .addHelpText('after', `${OUTPUT_FILE_RULES}\n${EXAMPLES}`)
    .action(async (options: ActivityQueryCliOptions) => {
      const sql = (options.coverage === true ? coverageQuery : activityQuery)(options.engine, {
        ...(options.table === undefined ? {} : { table: options.table }),
        ...(options.since === undefined ? {} : { since: options.since }),
        ...(options.until === undefined ? {} : { until: options.until }),
        ...(options.accounts === undefined
          ? {}
          : { accounts: options.accounts.split(',').map((a) => a.trim()) }),
        ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
      });
      if (options.out !== undefined) await writeOutputFile(options.out, sql);
      else (ctx?.io ?? processIo()).stdout.write(sql);
      if (ctx !== undefined) ctx.exitCode = EXIT_OK;
    });
}
