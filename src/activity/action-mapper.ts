/**
 * Maps a CloudTrail `eventSource` + `eventName` (or an activity CSV's service + action) to the IAM
 * actions the call used, with `data/operation-to-action.json` (see `data/README.md`).
 *
 * The rules (issue 3, "Inputs", `--cloudtrail`):
 * 1. `eventSource` → IAM prefix: the data's *documented* renames
 *    (`eventSourceToIamPrefix.documented`, e.g. `monitoring.amazonaws.com` → `cloudwatch`) and the
 *    override table's, else the host's first label (`s3.amazonaws.com` → `s3`); a value without a
 *    dot is taken as the prefix itself. When that is no IAM service (of the catalog or the data),
 *    an unambiguous unverified `derivedFromSdkEndpoints` candidate counts for its whole service,
 *    and the call is flagged (see below).
 * 2. CloudTrail API-version suffixes are stripped (README caveat 7: `ListFunctions20150331`,
 *    `UpdateFunctionCode20150331v2`): when the name is not a known operation or action, the
 *    trailing run of `[0-9v_]` characters is cut back to the shortest cut that leaves a known
 *    name. Only a run holding an API-version date (at least 8 digits) is cut, so an unknown new
 *    operation such as `ListThings2` is never mistaken for `ListThings` (it counts for the whole
 *    service instead, which is the safe side).
 * 3. A known operation authorizes a *union* of actions (README caveat 5): the same-named action
 *    (`prefix:EventName`, if the catalog has it or the list contains it) is *used*; every other
 *    listed action is only *possibly* used, and may belong to another service (`iam:PassRole`,
 *    `ec2:CreateTags`). When the list holds exactly one action, of the same service, and no
 *    same-named one, that action is used (`s3` ListBuckets → `s3:ListAllMyBuckets`, `lambda`
 *    Invoke → `lambda:InvokeFunction`): the call cannot be authorized by anything else.
 * 4. An operation missing from the data (or listed without authorized actions) counts for the
 *    same-named action when the catalog has it, else for the whole service (when in doubt,
 *    count as used). An empty name (service-level evidence) counts for the whole service.
 *
 * Operation and action names match case-insensitively. `es.amazonaws.com` events are looked up
 * in both the `es` and `opensearch` operation tables (README caveat 6: both SDK clients log as
 * `es` and authorize `es:*` actions).
 *
 * The mapping errs only on the safe side (issue 9):
 * - The override table `data/mapping-overrides.json` (under `mappingOverrides` in the loaded data,
 *   see `load-operation-data.ts`) adds what AWS's documentation says a call needs and the Service
 *   Reference data does not list (`s3:GetObjectVersion` for `HeadObject`, `iam:PassRole` for
 *   `ec2:CreateFleet`, ...), each entry with its AWS page; added actions are *possible* use (never
 *   reported unused), unless one is the call's same-named action. Its `eventSources` entries are
 *   explicit renames, like the documented ones (`sesv2.amazonaws.com` → `ses`); its
 *   `withoutIamAction` entries name events no IAM action authorizes (console sign-in): they show
 *   the principal active and are evidence for no permission, without being counted as unmapped.
 * - Every call that cannot be mapped exactly says so in {@link ActionMapping.unmapped}, so that it
 *   is counted and shown: an unknown operation of a known service (the whole service counts as
 *   used), an event source whose host is no IAM prefix but which the SDK endpoint data ties to one
 *   (`derivedFromSdkEndpoints`, unverified: the whole of that service counts as used), and an event
 *   source that names no IAM service at all (no service gets evidence; the principal still counts
 *   as active).
 */
import { IamRefineError } from '../errors.js';
import type { ActionCatalog } from '../catalog/catalog.js';

/** An action named with its service, both lower case: `{service: 'iam', action: 'passrole'}`. */
export interface QualifiedAction {
  readonly service: string;
  readonly action: string;
}

/** What one call (event source + event name) says about the actions a principal used. */
export interface ActionMapping {
  /** The IAM prefix of the event source, lower case (`s3`, `cloudwatch`, ...). */
  readonly service: string;
  /** Lower-case names of the actions of {@link ActionMapping.service} definitely used. */
  readonly used: readonly string[];
  /**
   * Actions the call *may* have been authorized for, each with its service (which may differ from
   * {@link ActionMapping.service}); never one of {@link ActionMapping.used}.
   */
  readonly possible: readonly QualifiedAction[];
  /** True when the call could not be mapped to actions: every action of the service counts. */
  readonly wholeService: boolean;
  /** Why the call could not be mapped exactly (absent when it was); see {@link UnmappedReason}. */
  readonly unmapped?: UnmappedReason;
}

/**
 * Why a call could not be mapped exactly:
 * - `unknown-operation`: the event source is an IAM service but the event name is neither an
 *   operation of the data nor an action of the catalog; every action of the service counts as used;
 * - `guessed-event-source`: the event source's host is no IAM prefix; the (unverified) SDK endpoint
 *   data ties it to {@link ActionMapping.service}, every action of which counts as used;
 * - `unknown-event-source`: the event source names no IAM service: no permission gets evidence
 *   (the principal still counts as active).
 */
export type UnmappedReason = 'unknown-operation' | 'guessed-event-source' | 'unknown-event-source';

/** Maps calls to actions; results are cached and shared (never mutate them). */
export interface ActionMapper {
  /** The actions `eventName` on `eventSource` used (see the module comment for the rules). */
  map(eventSource: string, eventName: string): ActionMapping;
  /** The IAM prefix an event source (or a bare prefix) stands for, lower case. */
  iamPrefix(eventSource: string): string;
}

/**
 * Operation tables searched besides the prefix's own (README caveat 6: the `es` and `opensearch`
 * SDK clients both log as `es.amazonaws.com` and both authorize `es:*` actions).
 */
const EXTRA_OPERATION_TABLES: ReadonlyMap<string, readonly string[]> = new Map([
  ['es', ['opensearch']],
]);

/** A suffix is cut only when it holds at least this many digits (an API-version date). */
const MIN_SUFFIX_DIGITS = 8;

/** At most this many distinct (source, name) pairs are cached; later ones are computed each time. */
const MAX_CACHED = 200_000;

/** The parsed tables of the operation data, keyed in lower case. */
interface Tables {
  /** prefix → lower-case operation → lower-case `service:action` list. */
  operations: Map<string, Map<string, readonly string[]>>;
  /** prefix → lower-case operations listed without authorized actions. */
  withoutActions: Map<string, Set<string>>;
  /** lower-case event source → IAM prefix (documented renames and override entries). */
  renames: Map<string, string>;
  /** lower-case event source → IAM prefix, from the unverified SDK endpoint data (one prefix only). */
  guesses: Map<string, string>;
  /** lower-case event source → lower-case event names that no IAM action authorizes (overrides). */
  withoutIamAction: Map<string, Set<string>>;
}

/** How an event source was resolved to an IAM prefix. */
interface SourceInfo {
  prefix: string;
  /** Set when the source is not (or only by a guess) an IAM service. */
  unmapped?: 'guessed-event-source' | 'unknown-event-source';
}

/**
 * Builds an action mapper from the parsed `data/operation-to-action.json` (see
 * `loadOperationData` in `load-operation-data.ts`) and a catalog.
 *
 * @throws IamRefineError when the data does not have the documented layout (`operations` as
 *   `{prefix: {Operation: ["service:Action", ...]}}`, `eventSourceToIamPrefix.documented` as a list
 *   of `{eventSource, iamPrefix}`).
 */
export function createActionMapper(operationData: object, catalog: ActionCatalog): ActionMapper {
  const tables = readTables(operationData);
  const cache = new Map<string, SourceCache>();
  let cached = 0;

  const sourceInfo = (eventSource: string): SourceInfo => {
    const lower = eventSource.toLowerCase();
    const renamed = tables.renames.get(lower);
    if (renamed !== undefined) return { prefix: renamed };
    const dot = lower.indexOf('.');
    const prefix = dot < 0 ? lower : lower.slice(0, dot);
    const known = (p: string): boolean =>
      catalog.hasService(p) || tables.operations.has(p) || tables.withoutActions.has(p);
    if (known(prefix)) return { prefix };
    const guess = tables.guesses.get(lower);
    if (guess !== undefined && known(guess)) {
      return { prefix: guess, unmapped: 'guessed-event-source' };
    }
    return { prefix, unmapped: 'unknown-event-source' };
  };

  return {
    iamPrefix: (eventSource: string) => sourceInfo(eventSource).prefix,
    map(eventSource: string, eventName: string): ActionMapping {
      let source = cache.get(eventSource);
      if (source === undefined) {
        source = { info: sourceInfo(eventSource), byName: new Map() };
        cache.set(eventSource, source);
      }
      let mapping = source.byName.get(eventName);
      if (mapping === undefined) {
        const { prefix, unmapped } = source.info;
        mapping =
          tables.withoutIamAction.get(eventSource.toLowerCase())?.has(eventName.toLowerCase()) ===
          true
            ? freeze(prefix, [], [])
            : unmapped === undefined
              ? resolve(tables, catalog, prefix, eventName)
              : wholeService(prefix, unmapped);
        if (cached < MAX_CACHED) {
          source.byName.set(eventName, mapping);
          cached++;
        }
      }
      return mapping;
    },
  };
}

interface SourceCache {
  info: SourceInfo;
  byName: Map<string, ActionMapping>;
}

function resolve(
  tables: Tables,
  catalog: ActionCatalog,
  prefix: string,
  eventName: string,
): ActionMapping {
  if (eventName === '') return wholeService(prefix);
  let name = eventName.toLowerCase();
  if (!isKnown(tables, catalog, prefix, name)) {
    const stripped = stripVersionSuffix(name, (candidate) =>
      isKnown(tables, catalog, prefix, candidate),
    );
    if (stripped !== undefined) name = stripped;
  }
  const same = `${prefix}:${name}`;
  const inCatalog = catalog.get(same) !== undefined;
  const listed = lookupOperation(tables, prefix, name);
  if (listed === undefined || listed.length === 0) {
    return inCatalog ? freeze(prefix, [name], []) : wholeService(prefix, 'unknown-operation');
  }
  let certain = same;
  if (!inCatalog && !listed.includes(same) && listed.length === 1) {
    // One authorized action and no same-named one (s3 ListBuckets → s3:ListAllMyBuckets, lambda
    // Invoke → lambda:InvokeFunction): the call is authorized by exactly that action.
    const only = listed[0]!;
    if (only.startsWith(`${prefix}:`)) certain = only;
  }
  const used = inCatalog || listed.includes(certain) ? [certain.slice(prefix.length + 1)] : [];
  const possible: QualifiedAction[] = [];
  for (const qualified of listed) {
    if (qualified === certain) continue;
    const colon = qualified.indexOf(':');
    possible.push(
      Object.freeze({ service: qualified.slice(0, colon), action: qualified.slice(colon + 1) }),
    );
  }
  return freeze(prefix, used, possible);
}

function freeze(service: string, used: string[], possible: QualifiedAction[]): ActionMapping {
  return Object.freeze({
    service,
    used: Object.freeze(used),
    possible: Object.freeze(possible),
    wholeService: false,
  });
}

function wholeService(service: string, unmapped?: UnmappedReason): ActionMapping {
  return Object.freeze({
    service,
    used: Object.freeze([]),
    possible: Object.freeze([]),
    wholeService: true,
    ...(unmapped === undefined ? {} : { unmapped }),
  });
}

/** The union of the authorized-action lists of `name` in the prefix's operation tables. */
function lookupOperation(
  tables: Tables,
  prefix: string,
  name: string,
): readonly string[] | undefined {
  const own = tables.operations.get(prefix)?.get(name);
  const extras = EXTRA_OPERATION_TABLES.get(prefix);
  if (extras === undefined) return own;
  let out = own;
  for (const table of extras) {
    const more = tables.operations.get(table)?.get(name);
    if (more === undefined) continue;
    out = out === undefined ? more : [...new Set([...out, ...more])].sort();
  }
  return out;
}

/** Whether `name` (lower case) is an operation of the prefix's tables or an action of the catalog. */
function isKnown(tables: Tables, catalog: ActionCatalog, prefix: string, name: string): boolean {
  if (lookupOperation(tables, prefix, name) !== undefined) return true;
  if (tables.withoutActions.get(prefix)?.has(name) === true) return true;
  for (const table of EXTRA_OPERATION_TABLES.get(prefix) ?? []) {
    if (tables.withoutActions.get(table)?.has(name) === true) return true;
  }
  return catalog.get(`${prefix}:${name}`) !== undefined;
}

/**
 * Cuts a CloudTrail API-version suffix: the shortest cut into the trailing run of `[0-9v_]`
 * characters for which `known(rest)` holds, provided the cut-off part holds at least
 * {@link MIN_SUFFIX_DIGITS} digits; `undefined` when no cut qualifies. A plain character loop: no
 * pattern is built from the input.
 */
export function stripVersionSuffix(
  name: string,
  known: (candidate: string) => boolean,
): string | undefined {
  let digitsCut = 0;
  for (let cut = name.length - 1; cut > 0; cut--) {
    const c = name.charCodeAt(cut);
    const isDigit = c >= 0x30 && c <= 0x39;
    if (!isDigit && c !== 0x76 /* v */ && c !== 0x5f /* _ */) return undefined;
    if (isDigit) digitsCut++;
    if (digitsCut >= MIN_SUFFIX_DIGITS) {
      const candidate = name.slice(0, cut);
      if (known(candidate)) return candidate;
    }
  }
  return undefined;
}

function readTables(data: object): Tables {
  const root = data as Record<string, unknown>;
  const operations = new Map<string, Map<string, readonly string[]>>();
  const rawOperations = root.operations;
  if (!isRecord(rawOperations)) {
    throw new IamRefineError('operation data: "operations" must be an object of services');
  }
  for (const [prefix, ops] of Object.entries(rawOperations)) {
    if (!isRecord(ops)) {
      throw new IamRefineError(`operation data: operations.${prefix} must be an object`);
    }
    const table = new Map<string, readonly string[]>();
    for (const [op, actions] of Object.entries(ops)) {
      if (
        !Array.isArray(actions) ||
        !actions.every((a) => typeof a === 'string' && a.includes(':'))
      ) {
        throw new IamRefineError(
          `operation data: operations.${prefix}.${op} must be a list of "service:Action" strings`,
        );
      }
      table.set(op.toLowerCase(), Object.freeze(actions.map((a: string) => a.toLowerCase())));
    }
    operations.set(prefix.toLowerCase(), table);
  }

  const withoutActions = new Map<string, Set<string>>();
  const rawWithout = root.operationsWithoutAuthorizedActions;
  if (rawWithout !== undefined) {
    if (!isRecord(rawWithout)) {
      throw new IamRefineError(
        'operation data: "operationsWithoutAuthorizedActions" must be an object of services',
      );
    }
    for (const [prefix, ops] of Object.entries(rawWithout)) {
      if (!Array.isArray(ops) || !ops.every((o) => typeof o === 'string')) {
        throw new IamRefineError(
          `operation data: operationsWithoutAuthorizedActions.${prefix} must be a list of names`,
        );
      }
      withoutActions.set(prefix.toLowerCase(), new Set(ops.map((o: string) => o.toLowerCase())));
    }
  }

  const renames = new Map<string, string>();
  const sources = root.eventSourceToIamPrefix;
  const documented = isRecord(sources) ? sources.documented : undefined;
  if (documented !== undefined) {
    if (!Array.isArray(documented)) {
      throw new IamRefineError('operation data: eventSourceToIamPrefix.documented must be a list');
    }
    documented.forEach((entry: unknown, i) => {
      if (
        !isRecord(entry) ||
        typeof entry.eventSource !== 'string' ||
        typeof entry.iamPrefix !== 'string'
      ) {
        throw new IamRefineError(
          `operation data: eventSourceToIamPrefix.documented[${i}] must be {eventSource, iamPrefix}`,
        );
      }
      renames.set(entry.eventSource.toLowerCase(), entry.iamPrefix.toLowerCase());
    });
  }
  const guesses = new Map<string, string>();
  const derived = isRecord(sources) ? sources.derivedFromSdkEndpoints : undefined;
  if (isRecord(derived)) {
    for (const [source, candidates] of Object.entries(derived)) {
      if (!Array.isArray(candidates)) continue;
      const prefixes = new Set<string>();
      for (const c of candidates as unknown[]) {
        if (isRecord(c) && typeof c.iamPrefix === 'string') prefixes.add(c.iamPrefix.toLowerCase());
      }
      // Only an unambiguous guess is used.
      if (prefixes.size === 1) guesses.set(source.toLowerCase(), [...prefixes][0]!);
    }
  }
  const tables: Tables = {
    operations,
    withoutActions,
    renames,
    guesses,
    withoutIamAction: new Map(),
  };
  if (root.mappingOverrides !== undefined) applyOverrides(tables, root.mappingOverrides);
  return tables;
}

/**
 * Applies the override table (`data/mapping-overrides.json`, see the module comment): explicit
 * event-source renames, and actions added to operations (an operation missing from the data is
 * created with the added actions).
 *
 * @throws IamRefineError naming the JSON path of an entry that does not have the documented shape
 *   (every entry needs an `https://docs.aws.amazon.com/` reference).
 */
function applyOverrides(tables: Tables, value: unknown): void {
  const bad = (path: string, expected: string): never => {
    throw new IamRefineError(`mapping overrides: ${path} must be ${expected}`);
  };
  if (!isRecord(value)) bad('$', 'an object');
  const o = value as Record<string, unknown>;
  const reference = (entry: Record<string, unknown>, path: string): void => {
    if (typeof entry.reference !== 'string' || !entry.reference.startsWith(AWS_DOCS)) {
      bad(
        `${path}.reference`,
        `the AWS documentation page that requires the entry (${AWS_DOCS}...)`,
      );
    }
  };
  const sources = o.eventSources ?? [];
  if (!Array.isArray(sources)) bad('$.eventSources', 'a list');
  (sources as unknown[]).forEach((entry, i) => {
    const path = `$.eventSources[${i}]`;
    if (
      !isRecord(entry) ||
      typeof entry.eventSource !== 'string' ||
      typeof entry.iamPrefix !== 'string'
    ) {
      return bad(path, '{eventSource, iamPrefix, reference}');
    }
    reference(entry, path);
    tables.renames.set(entry.eventSource.toLowerCase(), entry.iamPrefix.toLowerCase());
  });
  const without = o.withoutIamAction ?? [];
  if (!Array.isArray(without)) bad('$.withoutIamAction', 'a list');
  (without as unknown[]).forEach((entry, i) => {
    const path = `$.withoutIamAction[${i}]`;
    if (
      !isRecord(entry) ||
      typeof entry.eventSource !== 'string' ||
      !Array.isArray(entry.eventNames) ||
      !entry.eventNames.every((n) => typeof n === 'string' && n !== '')
    ) {
      return bad(path, '{eventSource, eventNames: [...], reference}');
    }
    reference(entry, path);
    const source = entry.eventSource.toLowerCase();
    let names = tables.withoutIamAction.get(source);
    if (names === undefined) tables.withoutIamAction.set(source, (names = new Set()));
    for (const n of entry.eventNames as string[]) names.add(n.toLowerCase());
  });
  const operations = o.operations ?? [];
  if (!Array.isArray(operations)) bad('$.operations', 'a list');
  (operations as unknown[]).forEach((entry, i) => {
    const path = `$.operations[${i}]`;
    if (
      !isRecord(entry) ||
      typeof entry.service !== 'string' ||
      typeof entry.operation !== 'string' ||
      !Array.isArray(entry.add) ||
      entry.add.length === 0 ||
      !entry.add.every((a) => typeof a === 'string' && a.indexOf(':') > 0)
    ) {
      return bad(path, '{service, operation, add: ["service:Action", ...], reference}');
    }
    reference(entry, path);
    const service = entry.service.toLowerCase();
    let table = tables.operations.get(service);
    if (table === undefined) tables.operations.set(service, (table = new Map()));
    const name = entry.operation.toLowerCase();
    const merged = new Set(table.get(name) ?? []);
    for (const a of entry.add as string[]) merged.add(a.toLowerCase());
    table.set(name, Object.freeze([...merged].sort()));
  });
}

/** Every override entry cites a page under this address. */
const AWS_DOCS = 'https://docs.aws.amazon.com/';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
