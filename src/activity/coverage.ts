/**
 * Coverage: what time each activity source can vouch for (DESIGN.md, "Evidence").
 *
 * "Unused" is a claim about the whole tracking period, so a principal may be called unused only
 * when its activity sources cover that period without a gap. Coverage is counted in whole UTC
 * days:
 * - **CloudTrail**, per account and region: a day is covered when at least one record of that
 *   account (its `recipientAccountId`) and day was read, and no log file or record of that
 *   account and day was skipped (a skipped file is placed by its key,
 *   `AWSLogs/[<org>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`, or its name,
 *   `<account>_CloudTrail_<region>_<yyyymmdd>T<hhmm>Z_<id>.json.gz`, even when it cannot be read;
 *   one that neither places is a gap on every day of every account). An account's day counts when
 *   any of its regions covers it; the days a region misses between its own first and last day are
 *   listed (a region's trail may have stopped) but do not make a gap on their own.
 * - **activity CSV**: the coverage rows `activity-query --coverage` produces (account, region,
 *   day), read like CloudTrail's.
 * - **IAM last-accessed reports**, per principal: from 400 days before the job completed to the
 *   job's completion (IAM reports at least the last 400 days).
 *
 * When several sources vouch for a principal (its account's logs and its own last-accessed
 * report), every one of them must cover a day for the day to count: their evidence differs
 * (data events are only in the logs), so a gap in one is not filled by another.
 *
 * Everything here is pure; the readers fill a {@link CoverageCollector}, and the findings engine
 * asks an {@link EvidenceCoverage} whether a principal's evidence covers its tracking period.
 */

/** Milliseconds per day. */
export const DAY_MS = 86_400_000;

/**
 * How long before the end of the period the evidence may stop: the day holding only the last
 * hours before `now` need not be covered yet. IAM says recent activity "usually appears within
 * four hours" in last-accessed data (GenerateServiceLastAccessedDetails), and CloudTrail delivers
 * log files within about 15 minutes; so a scan run just after midnight UTC is not incomplete
 * because the new day has no file yet.
 */
export const END_LATENCY_MS = 4 * 3_600_000;

/** The UTC day (days since 1970-01-01) of a time in epoch milliseconds. */
export function dayNumber(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** `YYYY-MM-DD` of a day number. */
export function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Where a CloudTrail log file's key or name places it; each part only when known. */
export interface LogLocation {
  account?: string;
  region?: string;
  /** UTC day number. */
  day?: number;
}

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
/** `<account>_CloudTrail_<region>_<yyyymmdd>T<hhmm>Z_<id>.json[.gz]`. */
const LOG_NAME =
  /^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{4})(\d{2})(\d{2})T\d{4}Z_[A-Za-z0-9]+\.json(\.gz)?$/;

/**
 * The account, region and day a CloudTrail log file belongs to, from its name (the S3 object
 * name CloudTrail writes) or else from the `AWSLogs/...` folders above it. Unknown parts are
 * absent (a file renamed and moved out of the layout gives `{}`).
 */
export function logFileLocation(path: string): LogLocation {
  const parts = path.split(/[\\/]/);
  const name = parts[parts.length - 1] ?? '';
  const m = LOG_NAME.exec(name);
  if (m !== null) {
    const day = dayOfDate(m[3]!, m[4]!, m[5]!);
    const out: LogLocation = { account: m[1]!, region: m[2]! };
    if (day !== undefined) out.day = day;
    return out;
  }
  const at = parts.lastIndexOf('AWSLogs');
  if (at < 0) return {};
  let i = at + 1;
  if (ORG_ID.test(parts[i] ?? '')) i++;
  const out: LogLocation = {};
  if (!ACCOUNT.test(parts[i] ?? '') || parts[i + 1] !== 'CloudTrail') return out;
  out.account = parts[i]!;
  const region = parts[i + 2] ?? '';
  if (!REGION.test(region) || i + 3 >= parts.length - 1) return out;
  out.region = region;
  const day = dayOfDate(parts[i + 3] ?? '', parts[i + 4] ?? '', parts[i + 5] ?? '');
  if (day !== undefined && i + 6 === parts.length - 1) out.day = day;
  return out;
}

function dayOfDate(y: string, m: string, d: string): number | undefined {
  if (!/^\d{4}$/.test(y) || !/^\d{2}$/.test(m) || !/^\d{2}$/.test(d)) return undefined;
  const ms = Date.UTC(Number(y), Number(m) - 1, Number(d));
  const back = new Date(ms);
  if (back.getUTCMonth() !== Number(m) - 1 || back.getUTCDate() !== Number(d)) return undefined;
  return dayNumber(ms);
}

/** Days and times of one account and region seen in one file (what a file reader reports). */
export interface SeenSpan {
  /** UTC day numbers with at least one record. */
  days: Set<number>;
  /** First and last event time (epoch ms). */
  from: number;
  to: number;
}

/** `account \t region` → what one file held of it (built per record, cheaply). */
export type FileCoverage = Map<string, SeenSpan>;

/** The span {@link noteRecord} used last (records of a file nearly always share it). */
const last: {
  map: FileCoverage | undefined;
  account: string;
  region: string;
  span: SeenSpan | undefined;
  day: number;
} = {
  map: undefined,
  account: '',
  region: '',
  span: undefined,
  day: NaN,
};

/** Records that one record of `account`/`region` at `ms` was read (see {@link FileCoverage}). */
export function noteRecord(
  coverage: FileCoverage,
  account: string,
  region: string,
  ms: number,
): void {
  let span: SeenSpan | undefined;
  if (last.map === coverage && last.account === account && last.region === region) {
    span = last.span!;
  } else {
    const key = `${account}\t${region}`;
    span = coverage.get(key);
    if (span === undefined) coverage.set(key, (span = { days: new Set(), from: ms, to: ms }));
    last.map = coverage;
    last.account = account;
    last.region = region;
    last.span = span;
    last.day = NaN;
  }
  if (ms < span.from) span.from = ms;
  else if (ms > span.to) span.to = ms;
  // Day starts are whole multiples of DAY_MS: one division only when the day changes.
  if (!(ms >= last.day && ms < last.day + DAY_MS)) {
    const day = dayNumber(ms);
    span.days.add(day);
    last.day = day * DAY_MS;
  }
}

/** The coverage of one account and region by one source (JSON, dates as `YYYY-MM-DD`). */
export interface RegionCoverage {
  region: string;
  /** First and last event time read, ISO 8601 (absent when nothing was read). */
  firstEvent?: string;
  lastEvent?: string;
  /** Days with at least one record read. */
  days: number;
  /** Days between the first and the last day read without any record read (listed). */
  missingDays: string[];
  /** Days with a skipped file or record. */
  skippedDays: string[];
  /** Log files skipped (unreadable, corrupt, not a log). */
  skippedFiles: number;
  /** Records skipped (malformed) in files that were read. */
  skippedRecords: number;
}

/** The coverage of one account by one source. */
export interface AccountCoverage {
  account: string;
  /** `cloudtrail` or `activity` (the CSV's coverage rows). */
  source: 'cloudtrail' | 'activity';
  firstEvent?: string;
  lastEvent?: string;
  regions: RegionCoverage[];
}

/** Skipped input that no key, name or record places in an account. */
export interface UnplacedSkips {
  files: number;
  records: number;
  /** Days they are known to be on; empty when unknown (then every day is a gap). */
  days: string[];
}

/** A source's coverage report (what the JSON and the database record). */
export interface SourceCoverage {
  accounts: AccountCoverage[];
  /** Skipped input of no known account: a gap for every account (on its days, or on all). */
  unplaced: UnplacedSkips;
}

interface RegionAcc {
  readable: Set<number>;
  skipped: Set<number>;
  skippedFiles: number;
  skippedRecords: number;
  from: number;
  to: number;
}

/** Collects a source's coverage: days read and days skipped per account and region. */
export class CoverageCollector {
  private readonly accounts = new Map<string, Map<string, RegionAcc>>();
  private readonly unplaced = { files: 0, records: 0, days: new Set<number>(), anyDay: false };

  constructor(private readonly source: AccountCoverage['source']) {}

  /** Adds what a file (or a CSV coverage row) held: its records' days per account and region. */
  addSeen(coverage: FileCoverage): void {
    for (const [key, span] of coverage) {
      const tab = key.indexOf('\t');
      const r = this.region(key.slice(0, tab), key.slice(tab + 1));
      for (const d of span.days) r.readable.add(d);
      if (span.from < r.from) r.from = span.from;
      if (span.to > r.to) r.to = span.to;
    }
  }

  /**
   * Adds skipped input (a whole file, or `records` bad records of a file) at `where`; when the
   * location lacks the account, `fallback` (the accounts and days the file's readable records
   * show) places it, else it is unplaced.
   */
  addSkipped(
    where: LogLocation,
    what: { files?: number; records?: number },
    fallback?: FileCoverage,
  ): void {
    const files = what.files ?? 0;
    const records = what.records ?? 0;
    const placeOne = (account: string, region: string, days: Iterable<number> | undefined) => {
      const r = this.region(account, region);
      r.skippedFiles += files;
      r.skippedRecords += records;
      for (const d of days ?? []) r.skipped.add(d);
      return days !== undefined;
    };
    if (where.account !== undefined) {
      const region = where.region ?? '*';
      if (where.day !== undefined) placeOne(where.account, region, [where.day]);
      else {
        // The account is known, its day is not: the file's records' days if any, else every day.
        const days = new Set<number>();
        for (const [key, span] of fallback ?? []) {
          if (key.startsWith(`${where.account}\t`)) for (const d of span.days) days.add(d);
        }
        placeOne(where.account, region, days.size > 0 ? days : undefined);
        if (days.size === 0) this.region(where.account, region).skipped.add(ALL_DAYS);
      }
      return;
    }
    if (fallback !== undefined && fallback.size > 0) {
      let first = true;
      for (const [key, span] of fallback) {
        const tab = key.indexOf('\t');
        const r = this.region(key.slice(0, tab), key.slice(tab + 1));
        if (first) {
          r.skippedFiles += files;
          r.skippedRecords += records;
          first = false;
        }
        for (const d of span.days) r.skipped.add(d);
      }
      return;
    }
    this.unplaced.files += files;
    this.unplaced.records += records;
    if (where.day !== undefined) this.unplaced.days.add(where.day);
    else this.unplaced.anyDay = true;
  }

  /** The report (sorted by account and region). */
  report(): SourceCoverage {
    const accounts: AccountCoverage[] = [];
    for (const account of [...this.accounts.keys()].sort()) {
      const regions: RegionCoverage[] = [];
      let from = Infinity;
      let to = -Infinity;
      const byRegion = this.accounts.get(account)!;
      for (const region of [...byRegion.keys()].sort()) {
        const r = byRegion.get(region)!;
        const read = [...r.readable].sort((a, b) => a - b);
        const missing: string[] = [];
        for (let i = 1; i < read.length; i++) {
          for (let d = read[i - 1]! + 1; d < read[i]!; d++) missing.push(dayText(d));
        }
        const rc: RegionCoverage = {
          region,
          days: read.length,
          missingDays: missing,
          skippedDays: [...r.skipped]
            .sort((a, b) => a - b)
            .map((d) => (d === ALL_DAYS ? 'unknown' : dayText(d))),
          skippedFiles: r.skippedFiles,
          skippedRecords: r.skippedRecords,
        };
        if (r.from <= r.to) {
          rc.firstEvent = new Date(r.from).toISOString();
          rc.lastEvent = new Date(r.to).toISOString();
          from = Math.min(from, r.from);
          to = Math.max(to, r.to);
        }
        regions.push(rc);
      }
      const ac: AccountCoverage = { account, source: this.source, regions };
      if (from <= to) {
        ac.firstEvent = new Date(from).toISOString();
        ac.lastEvent = new Date(to).toISOString();
      }
      accounts.push(ac);
    }
    const days = [...this.unplaced.days].sort((a, b) => a - b).map(dayText);
    return {
      accounts,
      unplaced: {
        files: this.unplaced.files,
        records: this.unplaced.records,
        days: this.unplaced.anyDay ? [] : days,
      },
    };
  }

  /** The claims this source makes, for {@link EvidenceCoverage}. */
  claims(label: string): {
    accounts: Map<string, CoverageClaim>;
    unplaced: CoverageClaim | undefined;
  } {
    const accounts = new Map<string, CoverageClaim>();
    for (const [account, regions] of this.accounts) {
      const readable = new Set<number>();
      const skipped = new Set<number>();
      for (const r of regions.values()) {
        for (const d of r.readable) readable.add(d);
        for (const d of r.skipped) skipped.add(d);
      }
      const everySkipped = skipped.has(ALL_DAYS);
      accounts.set(account, {
        source: label,
        covers: (d) => !everySkipped && readable.has(d) && !skipped.has(d),
        why: (d) =>
          everySkipped || skipped.has(d) ? `${label}: skipped input` : `${label}: no record read`,
      });
    }
    const u = this.unplaced;
    const unplaced: CoverageClaim | undefined =
      u.files + u.records === 0
        ? undefined
        : {
            source: label,
            covers: (d) => !u.anyDay && !u.days.has(d),
            why: () => `${label}: skipped input of unknown account`,
          };
    return { accounts, unplaced };
  }

  private region(account: string, region: string): RegionAcc {
    let regions = this.accounts.get(account);
    if (regions === undefined) this.accounts.set(account, (regions = new Map()));
    let r = regions.get(region);
    if (r === undefined) {
      r = {
        readable: new Set(),
        skipped: new Set(),
        skippedFiles: 0,
        skippedRecords: 0,
        from: Infinity,
        to: -Infinity,
      };
      regions.set(region, r);
    }
    return r;
  }
}

/** A day number no real day has: "a skipped file whose day is not known" (every day is a gap). */
const ALL_DAYS = -1e9;

/** What one source vouches for, day by day. */
export interface CoverageClaim {
  /** The source, as people read it (`CloudTrail`, `last-accessed report FILE`). */
  source: string;
  /** Whether the source covers UTC day `day` without a gap. */
  covers(day: number): boolean;
  /** Why a day it does not cover is not covered (one short phrase). */
  why(day: number): string;
}

/** A claim covering the days of `[from, to]` (epoch ms), e.g. a last-accessed report's. */
export function spanClaim(source: string, from: number, to: number): CoverageClaim {
  const first = dayNumber(from);
  const last = dayNumber(to);
  return {
    source,
    covers: (d) => d >= first && d <= last,
    why: (d) =>
      d < first
        ? `${source}: tracked only from ${dayText(first)}`
        : `${source}: generated ${dayText(last)}`,
  };
}

/** The verdict on one principal's evidence over a period. */
export type CoverageCheck =
  | { complete: true }
  | {
      complete: false;
      /** One sentence: which days lack evidence and why. */
      detail: string;
      /**
       * Start (epoch ms, at or after the period start) of the covered run of days that reaches the
       * period's end, when there is one: the period `--allow-partial-coverage` shortens to.
       */
      coveredFrom?: number;
      /** First and last covered day of the period (epoch ms of their start / end), if any. */
      firstCovered?: number;
      lastCovered?: number;
    };

/** The accounts and principals each source vouches for. */
export class EvidenceCoverage {
  private readonly byAccount = new Map<string, CoverageClaim[]>();
  private readonly byPrincipal = new Map<string, CoverageClaim[]>();
  private readonly everywhere: CoverageClaim[] = [];

  /** Adds a claim about every principal of `account`. */
  addAccount(account: string, claim: CoverageClaim): this {
    push(this.byAccount, account, claim);
    return this;
  }

  /** Adds a claim about one principal (by ARN). */
  addPrincipal(arn: string, claim: CoverageClaim): this {
    push(this.byPrincipal, arn, claim);
    return this;
  }

  /**
   * Adds a claim that restricts every account that has any other claim (skipped input of no
   * known account: it may belong to any of them).
   */
  addEverywhere(claim: CoverageClaim): this {
    this.everywhere.push(claim);
    return this;
  }

  /** Whether any source claims anything about `account` (its own logs, not reports). */
  hasAccount(account: string): boolean {
    return this.byAccount.has(account);
  }

  /**
   * Whether every day of `[start, end)` (epoch ms) is covered by every claim about the principal;
   * with no claim at all, it is not covered.
   */
  check(principal: { arn: string; accountId: string }, start: number, end: number): CoverageCheck {
    const own = [
      ...(this.byAccount.get(principal.accountId) ?? []),
      ...(this.byPrincipal.get(principal.arn) ?? []),
    ];
    const firstDay = dayNumber(start);
    const lastDay = dayNumber(Math.max(start, end - 1));
    const period = `the tracking period (${dayText(firstDay)} to ${dayText(lastDay)})`;
    if (own.length === 0) {
      return {
        complete: false,
        detail: `no activity source has any record of account ${principal.accountId}${this.byPrincipal.size > 0 ? ' or a last-accessed report of this principal' : ''}, so nothing can be called unused in ${period}`,
      };
    }
    const claims = [...own, ...this.everywhere];
    // The last hours before `end` need not be covered yet (delivery latency, END_LATENCY_MS).
    const lastRequired = Math.max(firstDay, dayNumber(end - 1 - END_LATENCY_MS));
    const reasons = new Map<string, number>();
    const coveredDay = (d: number, count: boolean): boolean => {
      let ok = true;
      for (const c of claims) {
        if (c.covers(d)) continue;
        ok = false;
        if (!count) break;
        const why = c.why(d);
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
      }
      return ok;
    };
    const missing: number[] = [];
    for (let d = firstDay; d <= lastRequired; d++) if (!coveredDay(d, true)) missing.push(d);
    if (missing.length === 0) return { complete: true };
    const total = lastRequired - firstDay + 1;
    // The covered run of days that reaches the end (the days after lastRequired may be missing).
    let runEnd = lastDay;
    while (runEnd > lastRequired && !coveredDay(runEnd, false)) runEnd--;
    let runStart = runEnd + 1;
    while (runStart - 1 >= firstDay && coveredDay(runStart - 1, false)) runStart--;
    let firstCovered: number | undefined;
    let lastCovered: number | undefined;
    for (let d = firstDay; d <= lastDay; d++) {
      if (!coveredDay(d, false)) continue;
      firstCovered ??= d;
      lastCovered = d;
    }
    const why = [...reasons]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([r, n]) => `${r} on ${n} day${n === 1 ? '' : 's'}`)
      .join('; ');
    const out: CoverageCheck = {
      complete: false,
      detail: `the activity covers ${total - missing.length} of the ${total} days of ${period}: no evidence for ${dayRanges(missing)} (${why})`,
    };
    if (runStart <= runEnd) out.coveredFrom = Math.max(start, runStart * DAY_MS);
    if (firstCovered !== undefined) {
      out.firstCovered = Math.max(start, firstCovered * DAY_MS);
      out.lastCovered = Math.min(end, (lastCovered! + 1) * DAY_MS);
    }
    return out;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** `2026-07-01 to 2026-07-03, 2026-07-09` (at most five ranges, then "and N more days"). */
export function dayRanges(days: readonly number[]): string {
  const ranges: [number, number][] = [];
  for (const d of days) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && d === last[1] + 1) last[1] = d;
    else ranges.push([d, d]);
  }
  const shown = ranges
    .slice(0, 5)
    .map(([a, b]) => (a === b ? dayText(a) : `${dayText(a)} to ${dayText(b)}`));
  const rest = ranges.slice(5).reduce((n, [a, b]) => n + b - a + 1, 0);
  return rest > 0 ? `${shown.join(', ')} and ${rest} more days` : shown.join(', ');
}
