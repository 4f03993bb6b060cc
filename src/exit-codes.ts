/**
 * The exit statuses every command shares (a command documents the ones it uses in its `--help`).
 */

/** Exit status: success (for `verify`: the refined policy is exact). */
export const EXIT_OK = 0;
/** Exit status of `verify` when the refined policy is not exact. */
export const EXIT_NOT_EXACT = 1;
/** Exit status for bad input or bad usage: nothing was written to stdout or `--out`. */
export const EXIT_BAD_INPUT = 2;
/** Exit status for an internal error (a bug in iam-refine). */
export const EXIT_INTERNAL = 3;
/**
 * Exit status of `scan` when the scan is incomplete: some input was skipped (log files, records),
 * some principal's activity does not cover the tracking period (not evaluated, or evaluated over a
 * shortened period with `--allow-partial-coverage`), or a declared data-event service has no data
 * event. The output is complete for what was evaluated.
 */
export const EXIT_INCOMPLETE = 4;
/**
 * Exit status of `scan --fail-on EXPR` when at least one finding matched the expression (the
 * output was still written in full).
 */
export const EXIT_FINDINGS = 5;
