/**
 * Maps a CloudTrail `eventSource` + `eventName` (or an activity CSV's service + action) to the IAM
 * actions the call used, with `data/operation-to-action.json` (see `data/README.md`).
 *
 * The rules (issue 3, "Inputs", `--cloudtrail`):
 * 1. `eventSource` → IAM prefix: the data's *documented* renames
 *    (`eventSourceToIamPrefix.documented`, e.g. `monitoring.amazonaws.com` → `cloudwatch`), else
 *    the host's first label (`s3.amazonaws.com` → `s3`); a value without a dot is taken as the
 *    prefix itself. The unverified `derivedFromSdkEndpoints` candidates are not applied.
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
}

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
  /** lower-case event source → IAM prefix. */
  renames: Map<string, string>;
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

  const prefixOf = (eventSource: string): string => {
    const lower = eventSource.toLowerCase();
    const renamed = tables.renames.get(lower);
    if (renamed !== undefined) return renamed;
    const dot = lower.indexOf('.');
    return dot < 0 ? lower : lower.slice(0, dot);
  };

  return {
    iamPrefix: prefixOf,
    map(eventSource: string, eventName: string): ActionMapping {
      let source = cache.get(eventSource);
      if (source === undefined) {
        source = { prefix: prefixOf(eventSource), byName: new Map() };
        cache.set(eventSource, source);
      }
      let mapping = source.byName.get(eventName);
      if (mapping === undefined) {
        mapping = resolve(tables, catalog, source.prefix, eventName);
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
  prefix: string;
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
    return inCatalog ? freeze(prefix, [name], []) : wholeService(prefix);
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

function wholeService(service: string): ActionMapping {
  return Object.freeze({
    service,
    used: Object.freeze([]),
    possible: Object.freeze([]),
    wholeService: true,
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
  return { operations, withoutActions, renames };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
