/**
 * Reading CloudTrail log files (`--cloudtrail PATH...`) into activity, streaming and in parallel.
 *
 * Paths are files or directory trees (the S3 layout
 * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`); in a tree, files ending `.json`
 * or `.json.gz` are read, and `CloudTrail-Digest` / `CloudTrail-Insight` folders (digest and
 * Insights files, not API activity) are skipped. A file named explicitly is always read.
 *
 * Files are read whole, one at a time per worker thread (`worker_threads`, default: one per CPU
 * core), each into the worker's own {@link RawActivity} (latest time per principal, event source
 * and event name), which is sent back when the worker is done (`RawActivity.toMessage`: its
 * long-term keys sorted by the worker, in columns whose typed arrays are transferred): a worker
 * holds one file's text and one record's objects at a time (records are parsed one by one), never
 * the events of the whole input, and its heap is capped so that its memory stays flat. The calling
 * thread then maps each distinct call to IAM actions once, and the workers' sorted keys are
 * merged in linear time into the summary (`key-runs.ts`), not inserted into maps and sorted
 * again. Small inputs (under {@link IN_THREAD_BYTES}) are read in the calling thread, where
 * starting workers would cost more than it saves. See
 * `cloudtrail-file.ts` for how records are attributed and what is skipped.
 */
import { availableParallelism } from 'node:os';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { ActionCatalog } from '../catalog/catalog.js';
import { IamRefineError, ValidationError, type Issue } from '../errors.js';
import { createActionMapper, type ActionMapper } from './action-mapper.js';
import {
  DEFAULT_READ_LIMITS,
  MAX_LOG_FILE_BYTES_LIMIT,
  noIgnoredEvents,
  readCloudTrailFile,
  type FileResult,
  type IgnoredEvents,
  type ReadLimits,
} from './cloudtrail-file.js';
import type { FromWorker, ToWorker, WorkerInit } from './cloudtrail-worker.js';
import { CoverageCollector, logFileLocation, type FileCoverage } from './coverage.js';
import { RawActivity } from './raw-activity.js';
import { ActivityAccumulator } from './summary.js';
import { countingMapper, UnmappedCounter, type UnmappedStats } from './unmapped.js';

/** Inputs smaller than this (total bytes on disk) are read in the calling thread by default. */
export const IN_THREAD_BYTES = 4 * 1024 * 1024;

/**
 * Young-generation size of each worker (MiB). A record's objects die young (records are parsed one
 * at a time), so a small young generation costs little time and keeps each worker's memory flat.
 */
export const WORKER_YOUNG_GENERATION_MB = 12;

/** At most this many bad records are listed in {@link CloudTrailStats.badRecords} (all are counted). */
export const MAX_BAD_RECORDS = 100;

/** Progress of {@link readCloudTrail}, reported after each file. */
export interface CloudTrailProgress {
  /** Files to read. */
  files: number;
  /** Files read (or skipped) so far. */
  filesDone: number;
  /** Bytes on disk of the files done. */
  bytesDone: number;
  /** Bytes on disk of all files. */
  bytesTotal: number;
  /** Records read so far. */
  events: number;
}

/** Options of {@link readCloudTrail}. */
export interface ReadCloudTrailOptions {
  /** The action catalog (operations missing from the data map to same-named catalog actions). */
  catalog: ActionCatalog;
  /** Parsed `data/operation-to-action.json` (see `loadOperationData`). */
  operationData: object;
  /**
   * IAM prefixes of the services whose data events the logs are declared to hold
   * (`--data-events`); copied into the summary's observability.
   */
  dataEventServices: Set<string>;
  /**
   * Worker threads; default: one per CPU core (`os.availableParallelism()`), or none for inputs
   * under {@link IN_THREAD_BYTES}. `0` reads in the calling thread. Never more than the files.
   */
  concurrency?: number;
  /** Called once before the first file and after every file. */
  onProgress?: (progress: CloudTrailProgress) => void;
  /**
   * Largest content (decompressed) of one log file, in bytes; larger files are skipped (default
   * `DEFAULT_MAX_LOG_FILE_BYTES`, at most `MAX_LOG_FILE_BYTES_LIMIT`).
   */
  maxLogFileBytes?: number;
  /**
   * Largest record of a log file, in bytes; a file holding a larger one is skipped (default
   * `DEFAULT_MAX_RECORD_BYTES`).
   */
  maxRecordBytes?: number;
  /**
   * Old-generation cap of each worker (MiB); default: 96 plus three times the estimated
   * decompressed size of the largest file. A worker that runs out of memory is not fatal: the read
   * is done again with uncapped workers.
   */
  workerOldGenerationMb?: number;
}

/** What {@link readCloudTrail} read, skipped and ignored. */
export interface CloudTrailStats {
  /** Log files found. */
  files: number;
  /** Records read from the files that were not skipped (attributed or not). */
  events: number;
  /** Bytes on disk of all files. */
  bytes: number;
  /** Files that could not be used, with the reason (sorted by file). */
  skippedFiles: { file: string; reason: string }[];
  /** Records not attributed to a principal, by reason. */
  ignoredEvents: IgnoredEvents;
  /**
   * Malformed records (no `userIdentity`, no valid `eventTime`, ...), each an issue naming the
   * file and `$.Records[index]`: the first {@link MAX_BAD_RECORDS}, by file and index.
   */
  badRecords: Issue[];
  /** Data events read per IAM prefix (whether or not declared in `dataEventServices`). */
  dataEvents: Map<string, number>;
  /**
   * Data events read per account and IAM prefix. A file's data events count for the account its
   * key or name gives, else the one account its records name; a file naming several accounts and
   * no key counts for none (so that no account is credited with another's data events).
   */
  dataEventsByAccount: Map<string, Map<string, number>>;
  /** Worker threads used (0: read in the calling thread). */
  workers: number;
  /** True when a worker ran out of memory and the files were read again by uncapped workers. */
  retriedUncapped: boolean;
  /**
   * Calls that could not be mapped exactly to IAM actions (counted by principal; see
   * `unmapped.ts`); they still count conservatively (the whole service used).
   */
  unmapped: UnmappedStats;
}

/** The result of {@link readCloudTrail}. */
export interface CloudTrailResult {
  /** Everything attributed; `finish()` gives the `ActivitySummary`, `merge()` adds sources. */
  accumulator: ActivityAccumulator;
  stats: CloudTrailStats;
  /**
   * What the files cover, per account and region (see coverage.ts): the days read, and the days
   * of the skipped files and records.
   */
  coverage: CoverageCollector;
}

/** A log file to read and its size on disk. */
export interface CloudTrailFile {
  file: string;
  bytes: number;
}

/**
 * Reads CloudTrail log files and directory trees into activity (see the module comment).
 *
 * @throws ValidationError when a path does not exist or cannot be listed (`file_not_found`,
 *   `file_unreadable`) or no log file is found (`empty_input`). Bad files and records are not
 *   errors: they are skipped and reported in the stats.
 * @throws IamRefineError when a worker fails (a bug).
 */
export async function readCloudTrail(
  paths: readonly string[],
  options: ReadCloudTrailOptions,
): Promise<CloudTrailResult> {
  const files = await listCloudTrailFiles(paths);
  const bytesTotal = files.reduce((n, f) => n + f.bytes, 0);
  const requested =
    options.concurrency ?? (bytesTotal < IN_THREAD_BYTES ? 0 : availableParallelism());
  if (!Number.isInteger(requested) || requested < 0) {
    throw new IamRefineError(`concurrency must be a whole number >= 0, not ${requested}`);
  }
  const workers = Math.min(requested, files.length);
  const limits = readLimits(options);
  // Built first: bad operation data fails before any file is read.
  const mapper = createActionMapper(options.operationData, options.catalog);

  const results = new Array<FileResult | undefined>(files.length);
  const progress: CloudTrailProgress = {
    files: files.length,
    filesDone: 0,
    bytesDone: 0,
    bytesTotal,
    events: 0,
  };
  options.onProgress?.({ ...progress });
  const done = (index: number, result: FileResult): void => {
    results[index] = result;
    progress.filesDone++;
    progress.bytesDone += files[index]!.bytes;
    progress.events += result.events;
    options.onProgress?.({ ...progress });
  };

  let retriedUncapped = false;
  let raw: RawActivity;
  if (workers === 0) raw = readInThread(files, limits, done);
  else {
    const old = options.workerOldGenerationMb ?? defaultOldGenerationMb(files, limits);
    try {
      raw = await readInWorkers(files, workers, old, limits, done);
    } catch (error) {
      if (!(error instanceof WorkerOutOfMemory)) throw error;
      // Start again from nothing, with uncapped old generations.
      retriedUncapped = true;
      results.fill(undefined);
      Object.assign(progress, { filesDone: 0, bytesDone: 0, events: 0 });
      options.onProgress?.({ ...progress });
      raw = await readInWorkers(files, workers, undefined, limits, done);
    }
  }
  const accumulator = new ActivityAccumulator();
  const unmapped = new UnmappedCounter();
  raw.applyTo(accumulator, countingMapper(mapper, unmapped));
  accumulator.observe({ dataEventServices: options.dataEventServices });
  const stats = summarize(files, results as FileResult[], workers, mapper);
  stats.retriedUncapped = retriedUncapped;
  stats.unmapped = unmapped.stats();
  return { accumulator, stats, coverage: collectCoverage(results as FileResult[]) };
}

function readInThread(
  files: readonly CloudTrailFile[],
  limits: ReadLimits,
  done: (index: number, result: FileResult) => void,
): RawActivity {
  const raw = new RawActivity();
  files.forEach((f, index) => done(index, readCloudTrailFile(f.file, raw, limits)));
  return raw;
}

/**
 * The size caps of `options`, checked.
 *
 * @throws IamRefineError when a cap is not a whole number of bytes from 1 (the file cap: up to
 *   {@link MAX_LOG_FILE_BYTES_LIMIT}).
 */
function readLimits(options: ReadCloudTrailOptions): ReadLimits {
  const limits: ReadLimits = {
    maxFileBytes: options.maxLogFileBytes ?? DEFAULT_READ_LIMITS.maxFileBytes,
    maxRecordBytes: options.maxRecordBytes ?? DEFAULT_READ_LIMITS.maxRecordBytes,
  };
  const { maxFileBytes, maxRecordBytes } = limits;
  if (
    !Number.isInteger(maxFileBytes) ||
    maxFileBytes < 1 ||
    maxFileBytes > MAX_LOG_FILE_BYTES_LIMIT
  ) {
    throw new IamRefineError(
      `maxLogFileBytes must be a whole number of bytes from 1 to ${MAX_LOG_FILE_BYTES_LIMIT}, not ${maxFileBytes}`,
    );
  }
  if (!Number.isInteger(maxRecordBytes) || maxRecordBytes < 1) {
    throw new IamRefineError(
      `maxRecordBytes must be a whole number of bytes from 1, not ${maxRecordBytes}`,
    );
  }
  return limits;
}

/** A worker hit its heap cap (`ERR_WORKER_OUT_OF_MEMORY`). */
class WorkerOutOfMemory extends IamRefineError {
  override name = 'WorkerOutOfMemory';
}

/**
 * The default old-generation cap (MiB): room for the largest file's text (a two-byte string in the
 * worst case), its decompressed bytes, and the worker's grouped activity. A gzip file's
 * decompressed size is estimated at 12 times its size (CloudTrail logs compress about 9 times).
 */
function defaultOldGenerationMb(files: readonly CloudTrailFile[], limits: ReadLimits): number {
  let largest = 0;
  for (const f of files) {
    // Never more than the file cap: a larger file is skipped before it is held.
    const estimate = Math.min(
      f.file.toLowerCase().endsWith('.gz') ? f.bytes * 12 : f.bytes,
      limits.maxFileBytes,
    );
    if (estimate > largest) largest = estimate;
  }
  return 96 + Math.ceil((3 * largest) / 2 ** 20);
}

async function readInWorkers(
  files: readonly CloudTrailFile[],
  count: number,
  oldGenerationMb: number | undefined,
  caps: ReadLimits,
  done: (index: number, result: FileResult) => void,
): Promise<RawActivity> {
  const init: WorkerInit = { kind: 'iam-refine-cloudtrail', limits: caps };
  const limits: ResourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
  if (oldGenerationMb !== undefined) limits.maxOldGenerationSizeMb = oldGenerationMb;
  // Largest files first: the last files handed out are the small ones, so workers finish together.
  const queue = files.map((_, i) => i).sort((a, b) => files[b]!.bytes - files[a]!.bytes);
  let next = 0;
  const total = new RawActivity();
  const started: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: count }, () => {
        const worker = startWorker(init, limits);
        started.push(worker);
        return new Promise<void>((resolvePromise, reject) => {
          let inFlight = 0;
          const send = (message: ToWorker): void => worker.postMessage(message);
          const feed = (): void => {
            // Two files in flight per worker: the next one is queued while the current is read.
            while (inFlight < 2 && next < queue.length) {
              const index = queue[next++]!;
              inFlight++;
              send({ type: 'file', index, file: files[index]!.file });
            }
            if (inFlight === 0) send({ type: 'finish' });
          };
          worker.on('message', (message: FromWorker) => {
            if (message.type === 'file') {
              inFlight--;
              done(message.index, message.result);
              feed();
            } else if (message.type === 'done') {
              // Stopped at once: its heap (its own grouped activity) is freed while the others
              // finish, which lowers the peak when the groups are many.
              void worker.terminate();
              total.addJSON(message.activity);
              resolvePromise();
            } else {
              reject(new IamRefineError(`a CloudTrail worker failed: ${message.message}`));
            }
          });
          worker.on('error', (error: NodeJS.ErrnoException) =>
            reject(
              error.code === 'ERR_WORKER_OUT_OF_MEMORY'
                ? new WorkerOutOfMemory('a CloudTrail worker ran out of memory', { cause: error })
                : new IamRefineError('a CloudTrail worker failed', { cause: error }),
            ),
          );
          worker.on('exit', (code) =>
            reject(new IamRefineError(`a CloudTrail worker stopped early (exit code ${code})`)),
          );
          feed();
        });
      }),
    );
  } finally {
    await Promise.all(started.map((w) => w.terminate()));
  }
  return total;
}

/**
 * Starts a worker on the built `cloudtrail-worker.js`: beside this module when it runs from
 * `dist/`; from `dist/activity/` when it runs from its TypeScript source (tests under vitest, after
 * `npm run build`, which `npm test` runs first). A missing or stale build (older than a source file
 * of src/activity/) is an error that says to build, never old code run silently.
 */
function startWorker(init: WorkerInit, resourceLimits: ResourceLimits): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    return new Worker(new URL('./cloudtrail-worker.js', here), {
      workerData: init,
      resourceLimits,
    });
  }
  const built = new URL('../../dist/activity/cloudtrail-worker.js', here);
  if (!existsSync(built)) {
    throw new IamRefineError(
      `the CloudTrail workers run the built code, and ${fileURLToPath(built)} does not exist: run npm run build`,
    );
  }
  const builtAt = statSync(built).mtimeMs;
  const sources = new URL('./', here);
  const newer = readdirSync(sources).find(
    (f) =>
      f.endsWith('.ts') &&
      !f.endsWith('.test.ts') &&
      statSync(new URL(f, sources)).mtimeMs > builtAt,
  );
  if (newer !== undefined) {
    throw new IamRefineError(
      `the CloudTrail workers run the built code, and src/activity/${newer} is newer than ${fileURLToPath(built)}: run npm run build`,
    );
  }
  return new Worker(built, { workerData: init, resourceLimits });
}

function summarize(
  files: readonly CloudTrailFile[],
  results: readonly FileResult[],
  workers: number,
  mapper: ActionMapper,
): CloudTrailStats {
  const stats: CloudTrailStats = {
    files: files.length,
    events: 0,
    bytes: 0,
    skippedFiles: [],
    ignoredEvents: noIgnoredEvents(),
    badRecords: [],
    dataEvents: new Map(),
    dataEventsByAccount: new Map(),
    workers,
    retriedUncapped: false,
    unmapped: new UnmappedCounter().stats(),
  };
  const keys = Object.keys(stats.ignoredEvents) as (keyof IgnoredEvents)[];
  const ordered = [...results].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const r of ordered) {
    stats.events += r.events;
    stats.bytes += r.bytes;
    if (r.skipped !== undefined) stats.skippedFiles.push({ file: r.file, reason: r.skipped });
    for (const k of keys) stats.ignoredEvents[k] += r.ignored[k];
    for (const issue of r.badRecords) {
      if (stats.badRecords.length < MAX_BAD_RECORDS) stats.badRecords.push(issue);
    }
    let account = logFileLocation(r.file).account;
    if (account === undefined) {
      const named = new Set(
        [...(r.coverage ?? new Map<string, never>()).keys()].map((k) => k.split('\t')[0]!),
      );
      named.delete('?');
      if (named.size === 1) account = [...named][0]!;
    }
    for (const [source, n] of r.dataEvents) {
      const service = mapper.iamPrefix(source);
      stats.dataEvents.set(service, (stats.dataEvents.get(service) ?? 0) + n);
      if (account === undefined) continue;
      let byService = stats.dataEventsByAccount.get(account);
      if (byService === undefined) stats.dataEventsByAccount.set(account, (byService = new Map()));
      byService.set(service, (byService.get(service) ?? 0) + n);
    }
  }
  stats.dataEvents = new Map(
    [...stats.dataEvents].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return stats;
}

/**
 * The coverage of the files read: each file's records by account, region and day; a skipped file
 * at the place its key or name gives (else where its records were, else nowhere known); a file
 * with skipped records likewise.
 */
function collectCoverage(results: readonly FileResult[]): CoverageCollector {
  const collector = new CoverageCollector('cloudtrail');
  for (const r of results) {
    const where = logFileLocation(r.file);
    // Records without recipientAccountId / awsRegion take the file's place.
    const seen: FileCoverage = new Map();
    for (const [key, span] of r.coverage ?? new Map<string, never>()) {
      const tab = key.indexOf('\t');
      let account = key.slice(0, tab);
      let region = key.slice(tab + 1);
      if (account === '?') account = where.account ?? '?';
      if (region === '?') region = where.region ?? '?';
      if (account === '?') continue;
      const k = `${account}\t${region}`;
      const prev = seen.get(k);
      if (prev === undefined)
        seen.set(k, { days: new Set(span.days), from: span.from, to: span.to });
      else {
        for (const d of span.days) prev.days.add(d);
        prev.from = Math.min(prev.from, span.from);
        prev.to = Math.max(prev.to, span.to);
      }
    }
    if (r.skipped !== undefined) {
      collector.addSkipped(where, { files: 1 }, seen);
      continue;
    }
    collector.addSeen(seen);
    const bad = r.ignored.malformed + r.ignored.noIdentity;
    if (bad > 0) collector.addSkipped(where, { records: bad }, seen);
  }
  return collector;
}

/** Folders of a CloudTrail bucket that hold no API activity (digest and Insights files). */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['CloudTrail-Digest', 'CloudTrail-Insight']);

/**
 * The log files named by `paths`: files as given, and in directories (recursively, following
 * symbolic links once) the files ending `.json` or `.json.gz` (any case), outside
 * `CloudTrail-Digest` / `CloudTrail-Insight` folders. Sorted by path within each argument;
 * duplicates removed.
 *
 * @throws ValidationError naming every path that does not exist or cannot be read, or
 *   `empty_input` when no log file is found.
 */
export async function listCloudTrailFiles(paths: readonly string[]): Promise<CloudTrailFile[]> {
  const issues: Issue[] = [];
  const out: CloudTrailFile[] = [];
  const seen = new Set<string>();
  const visitedDirs = new Set<string>();
  const add = (file: string, bytes: number): void => {
    const key = resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ file, bytes });
  };
  const walk = async (dir: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(dir);
    } catch (cause) {
      issues.push(unreadable(dir, cause));
      return;
    }
    if (visitedDirs.has(real)) return;
    visitedDirs.add(real);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (cause) {
      issues.push(unreadable(dir, cause));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let size = 0;
      if (entry.isSymbolicLink() || isFile) {
        try {
          const s = await stat(path);
          isDir = s.isDirectory();
          isFile = s.isFile();
          size = s.size;
        } catch {
          continue; // a dangling link inside a tree is not worth failing for
        }
      }
      if (isDir) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walk(path);
      } else if (isFile && isLogName(entry.name)) {
        add(path, size);
      }
    }
  };
  for (const path of paths) {
    let s;
    try {
      s = await stat(path);
    } catch (cause) {
      issues.push(unreadable(path, cause));
      continue;
    }
    if (s.isDirectory()) await walk(path);
    else add(path, s.size);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  if (out.length === 0) {
    throw new ValidationError([
      {
        code: 'empty_input',
        path: '$',
        message: `no CloudTrail log files (*.json, *.json.gz) found in ${paths.join(', ') || '(no paths given)'}`,
      },
    ]);
  }
  return out;
}

function isLogName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith('.json') || lower.endsWith('.json.gz');
}

function unreadable(path: string, cause: unknown): Issue {
  const code = (cause as NodeJS.ErrnoException).code;
  const missing = code === 'ENOENT' || code === 'ENOTDIR';
  return {
    code: missing ? 'file_not_found' : 'file_unreadable',
    path: '$',
    message: missing
      ? `CloudTrail path ${path} does not exist`
      : `CloudTrail path ${path} cannot be read (${code ?? String(cause)})`,
    source: path,
  };
}
