/**
 * The unused-permissions input of a refinement: which services and actions a principal did not
 * use. Three shapes are accepted and normalized to one {@link UnusedSet}:
 *
 * - the list of `{serviceNamespace, actions?}` objects of the Access Analyzer article (no `actions`:
 *   the whole service is unused);
 * - an Access Analyzer `GetFindingV2` response for an `UnusedPermission` finding
 *   (`findingDetails[].unusedPermissionDetails`);
 * - a list of `"service:Action"` strings, where `"service:*"` means the whole service.
 *
 * Only exact actions and whole services can be unused: any other wildcard is rejected, since
 * removing "everything that matches `s3:Get*`" from a policy would not be what the finding said.
 */
import { ValidationError, type Issue, type IssueCode } from '../errors.js';
import { hasWildcard } from '../glob/glob.js';
import {
  describeJsonValue,
  formatPath,
  parseJson,
  type JsonLocation,
  type JsonPath,
} from '../json/parse.js';

/** What callers may pass (public API type). */
export type UnusedPermissions =
  /** The article's shape; no `actions` means the whole service is unused. */
  | readonly { serviceNamespace: string; actions?: readonly string[] }[]
  /**
   * An Access Analyzer `GetFindingV2` response: `findingDetails[].unusedPermissionDetails`
   * `{serviceNamespace, actions?: [{action, lastAccessed?}], lastAccessed?}`; details of other
   * kinds are ignored.
   */
  | { findingDetails: readonly unknown[] }
  /** `"service:Action"`; `"service:*"` means the whole service. */
  | readonly string[];

/** Normalized form. */
export interface UnusedSet {
  /**
   * Lower-case service prefix → `'all'` (whole service unused) or the lower-case action names
   * (without the service prefix).
   */
  readonly services: ReadonlyMap<string, 'all' | ReadonlySet<string>>;
  /**
   * Every entry as given, for reports: `service:Action` or `service:*`, original spelling, in input
   * order, de-duplicated case-insensitively.
   */
  readonly entries: readonly string[];
}

/** Options of {@link parseUnused}. */
export interface ParseUnusedOptions {
  /** Where the input came from (file name or `<stdin>`); `<input>` when not given. */
  source?: string;
}

/**
 * Validates and normalizes unused permissions.
 *
 * An empty list is valid (nothing is unused), and so is an empty `actions` list (nothing of that
 * service is unused: only a missing `actions` means the whole service).
 *
 * @param input - One of the {@link UnusedPermissions} shapes, or JSON text of one.
 * @throws {@link ValidationError} carrying every problem found (with line and column when the
 *   input was JSON text).
 */
export function parseUnused(input: unknown, options: ParseUnusedOptions = {}): UnusedSet {
  const source = options.source ?? '<input>';
  let value = input;
  let locate: ((path: JsonPath) => JsonLocation | undefined) | undefined;
  if (typeof input === 'string') {
    const parsed = parseJson(input, source);
    value = parsed.value;
    locate = parsed.locate;
  }
  const issues: Issue[] = [];
  const add: Report = (code, path, message) => {
    const issue: Issue = { code, path: formatPath(path), message, source };
    const at = locate?.(path);
    if (at !== undefined) {
      issue.line = at.line;
      issue.column = at.column;
    }
    issues.push(issue);
  };
  const builder = new UnusedSetBuilder();
  if (Array.isArray(value)) {
    value.forEach((entry: unknown, i) => readListEntry(entry, [i], builder, add));
  } else if (isRecord(value) && Object.hasOwn(value, 'findingDetails')) {
    readFinding(value, builder, add);
  } else {
    add(
      'invalid_type',
      [],
      `expected an array of {"serviceNamespace", "actions"} objects, an array of "service:Action" strings, or an Access Analyzer GetFindingV2 response with "findingDetails"; found ${describeJsonValue(value)}`,
    );
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return builder.build();
}

/** Whether `service:action` is unused (case-insensitive; `action` is the name without the service). */
export function isUnused(set: UnusedSet, service: string, action: string): boolean {
  const actions = set.services.get(service.toLowerCase());
  if (actions === undefined) return false;
  return actions === 'all' || actions.has(action.toLowerCase());
}

/** Records one issue at a path of the input. */
type Report = (code: IssueCode, path: JsonPath, message: string) => void;

/** Accumulates entries, applying "whole service wins" and case-insensitive de-duplication. */
class UnusedSetBuilder {
  private readonly services = new Map<string, 'all' | Set<string>>();
  private readonly entries: string[] = [];
  private readonly seen = new Set<string>();

  /** Marks every action of `service` (as written) unused. */
  wholeService(service: string, entry: string): void {
    this.services.set(service.toLowerCase(), 'all');
    this.addEntry(entry);
  }

  /** Marks `service:name` unused; `entry` is the spelling to report. */
  action(service: string, name: string, entry: string): void {
    const key = service.toLowerCase();
    const current = this.services.get(key);
    if (current === undefined) this.services.set(key, new Set([name.toLowerCase()]));
    else if (current !== 'all') current.add(name.toLowerCase());
    this.addEntry(entry);
  }

  build(): UnusedSet {
    return { services: this.services, entries: this.entries };
  }

  private addEntry(entry: string): void {
    const key = entry.toLowerCase();
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.entries.push(entry);
  }
}

/** One element of a top-level list: a `"service:Action"` string or a `{serviceNamespace}` object. */
function readListEntry(
  entry: unknown,
  path: JsonPath,
  builder: UnusedSetBuilder,
  add: Report,
): void {
  if (isRecord(entry)) {
    readService(entry, path, false, builder, add);
    return;
  }
  if (typeof entry !== 'string') {
    add(
      'invalid_type',
      path,
      `expected a "service:Action" string or a {"serviceNamespace", "actions"} object, found ${describeJsonValue(entry)}`,
    );
    return;
  }
  const colon = entry.indexOf(':');
  const service = colon < 0 ? '' : entry.slice(0, colon);
  const name = colon < 0 ? entry : entry.slice(colon + 1);
  if (colon > 0 && name === '*' && !hasWildcard(service)) {
    if (isName(service)) builder.wholeService(service, entry);
    else add('invalid_value', path, notAnAction(entry));
    return;
  }
  if (hasWildcard(entry)) {
    add(
      'unsupported_wildcard',
      path,
      wildcardMessage(entry, 'such as "s3:GetObject", or "s3:*" for a whole service'),
    );
    return;
  }
  if (colon <= 0 || !isName(service) || !isName(name)) {
    add('invalid_value', path, notAnAction(entry));
    return;
  }
  builder.action(service, name, entry);
}

/**
 * A `{serviceNamespace, actions?}` object: the article's shape (`actions` are strings) or a
 * finding's `unusedPermissionDetails` (`actions` are `{action}` objects).
 */
function readService(
  obj: Record<string, unknown>,
  path: JsonPath,
  actionObjects: boolean,
  builder: UnusedSetBuilder,
  add: Report,
): void {
  if (!Object.hasOwn(obj, 'serviceNamespace')) {
    add('missing_field', path, 'the entry has no "serviceNamespace" field (expected e.g. "s3")');
    return;
  }
  const service = obj.serviceNamespace;
  const servicePath = [...path, 'serviceNamespace'];
  if (typeof service !== 'string') {
    add(
      'invalid_type',
      servicePath,
      `"serviceNamespace" must be a string such as "s3", found ${describeJsonValue(service)}`,
    );
    return;
  }
  if (hasWildcard(service)) {
    add(
      'unsupported_wildcard',
      servicePath,
      `"serviceNamespace" is ${JSON.stringify(service)}, which contains a wildcard; expected one service prefix such as "s3"`,
    );
    return;
  }
  if (!isName(service)) {
    add(
      'invalid_value',
      servicePath,
      `"serviceNamespace" is ${describeJsonValue(service)}, expected a service prefix such as "s3"`,
    );
    return;
  }
  const actions = obj.actions;
  if (actions === undefined) {
    builder.wholeService(service, `${service}:*`);
    return;
  }
  const actionsPath = [...path, 'actions'];
  if (!Array.isArray(actions)) {
    add(
      'invalid_type',
      actionsPath,
      `"actions" must be an array (or be left out when the whole service is unused), found ${describeJsonValue(actions)}`,
    );
    return;
  }
  actions.forEach((item: unknown, i) => {
    let text: unknown = item;
    let at: JsonPath = [...actionsPath, i];
    if (actionObjects) {
      if (!isRecord(item)) {
        add(
          'invalid_type',
          at,
          `expected an {"action": "..."} object, found ${describeJsonValue(item)}`,
        );
        return;
      }
      if (!Object.hasOwn(item, 'action')) {
        add('missing_field', at, 'the entry has no "action" field');
        return;
      }
      text = item.action;
      at = [...at, 'action'];
    }
    if (typeof text !== 'string') {
      add(
        'invalid_type',
        at,
        `an action must be a string such as "GetObject" or "${service}:GetObject", found ${describeJsonValue(text)}`,
      );
      return;
    }
    readActionName(text, service, at, builder, add);
  });
}

/** An action of a service entry: `GetObject` or `s3:GetObject`. */
function readActionName(
  text: string,
  service: string,
  path: JsonPath,
  builder: UnusedSetBuilder,
  add: Report,
): void {
  if (hasWildcard(text)) {
    add(
      'unsupported_wildcard',
      path,
      wildcardMessage(
        text,
        'such as "GetObject", or leave out "actions" when the whole service is unused',
      ),
    );
    return;
  }
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(colon + 1);
  if (colon >= 0) {
    const prefix = text.slice(0, colon);
    if (prefix.toLowerCase() !== service.toLowerCase()) {
      add(
        'invalid_value',
        path,
        `the action ${JSON.stringify(text)} is not an action of the service ${JSON.stringify(service)} named by "serviceNamespace"`,
      );
      return;
    }
  }
  if (!isName(name)) {
    add(
      'invalid_value',
      path,
      `the action is ${describeJsonValue(text)}, expected an action name such as "GetObject" or "${service}:GetObject"`,
    );
    return;
  }
  builder.action(service, name, colon < 0 ? `${service}:${text}` : text);
}

/** A service prefix or action name: not empty, no colon, no whitespace. */
function isName(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a || c <= 0x20 || c === 0x7f || c === 0xa0 || c === 0xfeff) return false;
    if (c >= 0x2000 && c <= 0x200b) return false;
  }
  return true;
}

function notAnAction(entry: string): string {
  return `${JSON.stringify(entry)} is not an action: expected "service:Action" such as "s3:GetObject", or "service:*" for a whole service`;
}

function wildcardMessage(entry: string, alternative: string): string {
  return `${JSON.stringify(entry)} contains a wildcard, which is not supported here: list exact actions ${alternative}`;
}

/** An Access Analyzer `GetFindingV2` response. */
function readFinding(
  finding: Record<string, unknown>,
  builder: UnusedSetBuilder,
  add: Report,
): void {
  if (Object.hasOwn(finding, 'findingType') && finding.findingType !== 'UnusedPermission') {
    add(
      'invalid_value',
      ['findingType'],
      `this is a finding of type ${describeJsonValue(finding.findingType)}, not an "UnusedPermission" finding, so it lists no unused permissions`,
    );
    return;
  }
  const details = finding.findingDetails;
  if (!Array.isArray(details)) {
    add(
      'invalid_type',
      ['findingDetails'],
      `"findingDetails" must be an array, found ${describeJsonValue(details)}`,
    );
    return;
  }
  let permissionDetails = 0;
  const otherKinds = new Set<string>();
  details.forEach((detail: unknown, i) => {
    const path = ['findingDetails', i];
    if (!isRecord(detail)) {
      add(
        'invalid_type',
        path,
        `a finding detail must be an object, found ${describeJsonValue(detail)}`,
      );
      return;
    }
    if (!Object.hasOwn(detail, 'unusedPermissionDetails')) {
      for (const key of Object.keys(detail)) otherKinds.add(key);
      return;
    }
    permissionDetails++;
    const unused = detail.unusedPermissionDetails;
    const unusedPath = [...path, 'unusedPermissionDetails'];
    if (!isRecord(unused)) {
      add(
        'invalid_type',
        unusedPath,
        `"unusedPermissionDetails" must be an object, found ${describeJsonValue(unused)}`,
      );
      return;
    }
    readService(unused, unusedPath, true, builder, add);
  });
  if (permissionDetails === 0 && details.length > 0) {
    const kinds = [...otherKinds].map((k) => JSON.stringify(k)).join(', ') || 'empty objects';
    add(
      'invalid_value',
      ['findingDetails'],
      `this is not an UnusedPermission finding: no finding detail has "unusedPermissionDetails" (found ${kinds}), so it lists no unused permissions`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
