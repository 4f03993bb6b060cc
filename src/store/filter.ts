/**
 * Archive rule filters: Access Analyzer's `FilterCriteria` (`{"findingType": {"eq": [...]}, ...}`),
 * validated into a {@link FilterCriteria}, matched against a finding in memory
 * ({@link matchesCriteria}, the reference semantics), and compiled to a SQL condition with bound
 * parameters ({@link compileCriteria}) that the store runs. Both agree (a property test checks it).
 *
 * Semantics (Access Analyzer's `Criterion`):
 * - every criterion of the filter must hold (AND), and every operator of a criterion must hold;
 * - `eq`: the value equals one of the listed values (OR within the list), case-sensitive;
 * - `neq`: the value equals none of the listed values; an absent value (a missing tag) matches;
 * - `contains`: the value contains one of the listed strings, case-sensitive;
 * - `exists`: `true` the value is present, `false` it is absent. Built-in fields are always
 *   present; only `tags.KEY` can be absent.
 */
import { ValidationError, type Issue } from '../errors.js';
import { FINDING_TYPES } from '../findings/types.js';
import { describeJsonValue, formatPath, type JsonPath, type ParsedJson } from '../json/parse.js';
import {
  FINDING_STATUSES,
  type Criterion,
  type FilterCriteria,
  type FindingStatus,
} from './types.js';

/** The built-in filter keys and the column each reads (a whitelist: SQL is never built from input). */
const FIELD_COLUMNS = new Map<string, string>([
  ['findingType', 'f.finding_type'],
  ['resource', 'f.resource'],
  ['resourceType', 'f.resource_type'],
  ['resourceOwnerAccount', 'f.account'],
  ['status', 'f.status'],
  ['id', 'f.id'],
]);

/** Every built-in filter key, in the order messages list them. */
export const FILTER_KEYS: readonly string[] = [...FIELD_COLUMNS.keys()];

/** Prefix of a tag filter key: `tags.team` matches the principal's tag `team`. */
export const TAG_KEY_PREFIX = 'tags.';

/** Most values an `eq`, `neq` or `contains` list may have (Access Analyzer's limit). */
export const MAX_CRITERION_VALUES = 20;

/** Access Analyzer's rule name pattern. */
const RULE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,254}$/;

const OPERATORS = ['eq', 'neq', 'contains', 'exists'] as const;
const LIST_OPERATORS = ['eq', 'neq', 'contains'] as const;

/** Values allowed in `eq`/`neq` of the enumerated keys. */
const ENUM_VALUES = new Map<string, readonly string[]>([
  ['findingType', FINDING_TYPES],
  ['status', FINDING_STATUSES],
  ['resourceType', ['AWS::IAM::Role', 'AWS::IAM::User']],
]);

const ACCOUNT = /^\d{12}$/;

/** Options of {@link parseFilterCriteria}. */
export interface ParseFilterOptions {
  /** Where the filter came from, for messages (`<argument>`, a file name). */
  source?: string;
  /** The parsed JSON text, to give issues a line and column. */
  parsed?: ParsedJson;
}

/**
 * Validates a filter (parsed JSON) and returns it as a {@link FilterCriteria} (a fresh copy, keys
 * in the order given).
 *
 * @throws ValidationError with one issue per problem: not an object or no criterion, an unknown
 *   key or operator, an empty criterion, a list that is empty, too long or not of non-empty
 *   strings, `exists` not a boolean, a value that cannot occur (`findingType` not one of the four
 *   types, a `status`, `resourceType` or 12-digit account that does not exist), or `exists: false`
 *   combined with `eq`/`contains` (never matches).
 */
export function parseFilterCriteria(
  value: unknown,
  options: ParseFilterOptions = {},
): FilterCriteria {
  const issues: Issue[] = [];
  const issue = (code: Issue['code'], path: JsonPath, message: string) => {
    const at: Issue = { code, path: formatPath(path), message };
    if (options.source !== undefined) at.source = options.source;
    const loc = options.parsed?.locate(path);
    if (loc !== undefined) {
      at.line = loc.line;
      at.column = loc.column;
    }
    issues.push(at);
  };

  if (!isPlainObject(value)) {
    issue(
      'invalid_type',
      [],
      `a filter must be an object of criteria, found ${describeJsonValue(value)}`,
    );
    throw new ValidationError(issues);
  }
  const keys = Object.keys(value);
  if (keys.length === 0) {
    issue(
      'empty_input',
      [],
      `a filter needs at least one criterion, e.g. {"resource": {"contains": ["ci-"]}}`,
    );
  }
  const out: FilterCriteria = {};
  for (const key of keys) {
    const raw = value[key];
    if (!FIELD_COLUMNS.has(key) && !isTagKey(key)) {
      issue(
        'invalid_value',
        [key],
        `unknown filter key ${JSON.stringify(key)}; expected one of ${FILTER_KEYS.join(', ')} or tags.KEY`,
      );
      continue;
    }
    if (!isPlainObject(raw)) {
      issue(
        'invalid_type',
        [key],
        `a criterion must be an object, found ${describeJsonValue(raw)}`,
      );
      continue;
    }
    const criterion: Criterion = {};
    let ok = true;
    const ops = Object.keys(raw);
    if (ops.length === 0) {
      issue('missing_field', [key], 'a criterion needs at least one of eq, neq, contains, exists');
      ok = false;
    }
    for (const op of ops) {
      if (!(OPERATORS as readonly string[]).includes(op)) {
        issue(
          'invalid_value',
          [key, op],
          `unknown operator ${JSON.stringify(op)}; expected eq, neq, contains or exists`,
        );
        ok = false;
      }
    }
    for (const op of LIST_OPERATORS) {
      if (!(op in raw)) continue;
      const list = raw[op];
      if (!Array.isArray(list)) {
        issue(
          'invalid_type',
          [key, op],
          `${op} must be a list of strings, found ${describeJsonValue(list)}`,
        );
        ok = false;
        continue;
      }
      if (list.length === 0 || list.length > MAX_CRITERION_VALUES) {
        issue(
          'invalid_value',
          [key, op],
          `${op} must list 1 to ${MAX_CRITERION_VALUES} values, found ${list.length}`,
        );
        ok = false;
        continue;
      }
      const values: string[] = [];
      list.forEach((item: unknown, i) => {
        if (typeof item !== 'string' || item === '') {
          issue(
            'invalid_type',
            [key, op, i],
            `expected a non-empty string, found ${describeJsonValue(item)}`,
          );
          ok = false;
          return;
        }
        if (op !== 'contains') {
          const allowed = ENUM_VALUES.get(key);
          if (allowed !== undefined && !allowed.includes(item)) {
            issue(
              'invalid_value',
              [key, op, i],
              `${describeJsonValue(item)} is not a ${key}; expected one of ${allowed.join(', ')}`,
            );
            ok = false;
            return;
          }
          if (key === 'resourceOwnerAccount' && !ACCOUNT.test(item)) {
            issue(
              'invalid_value',
              [key, op, i],
              `${describeJsonValue(item)} is not an account id; expected 12 digits`,
            );
            ok = false;
            return;
          }
        }
        values.push(item);
      });
      criterion[op] = values;
    }
    if ('exists' in raw) {
      const exists = raw.exists;
      if (typeof exists !== 'boolean') {
        issue(
          'invalid_type',
          [key, 'exists'],
          `exists must be true or false, found ${describeJsonValue(exists)}`,
        );
        ok = false;
      } else {
        criterion.exists = exists;
        if (!exists && ('eq' in raw || 'contains' in raw)) {
          issue(
            'conflicting_fields',
            [key],
            'exists: false cannot be combined with eq or contains (the criterion could never match)',
          );
          ok = false;
        }
      }
    }
    if (ok) out[key] = criterion;
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

/**
 * Validates an archive rule name: Access Analyzer's pattern `[A-Za-z][A-Za-z0-9_.-]*`, 1 to 255
 * characters.
 *
 * @throws ValidationError naming the problem.
 */
export function validateRuleName(name: string, source = '<argument>'): void {
  if (!RULE_NAME.test(name)) {
    throw new ValidationError([
      {
        code: 'invalid_value',
        path: '$',
        source,
        message: `rule name ${describeJsonValue(name)} is not valid; expected a letter then letters, digits, _ . or - (at most 255)`,
      },
    ]);
  }
}

/** The fields of a finding a filter reads. */
export interface FilterSubject {
  id: string;
  findingType: string;
  resource: string;
  resourceType: string;
  resourceOwnerAccount: string;
  status: FindingStatus;
  /** The principal's tags (empty when unknown). */
  tags: ReadonlyMap<string, string>;
}

/** Whether `subject` matches every criterion of `criteria` (the reference semantics). */
export function matchesCriteria(criteria: FilterCriteria, subject: FilterSubject): boolean {
  for (const [key, criterion] of Object.entries(criteria)) {
    const value = isTagKey(key)
      ? subject.tags.get(key.slice(TAG_KEY_PREFIX.length))
      : fieldOf(subject, key);
    if (!matchesCriterion(criterion, value)) return false;
  }
  return true;
}

function matchesCriterion(c: Criterion, value: string | undefined): boolean {
  if (c.exists !== undefined && c.exists !== (value !== undefined)) return false;
  if (c.eq !== undefined && (value === undefined || !c.eq.includes(value))) return false;
  if (c.neq !== undefined && value !== undefined && c.neq.includes(value)) return false;
  if (
    c.contains !== undefined &&
    (value === undefined || !c.contains.some((s) => value.includes(s)))
  ) {
    return false;
  }
  return true;
}

function fieldOf(subject: FilterSubject, key: string): string {
  switch (key) {
    case 'findingType':
      return subject.findingType;
    case 'resource':
      return subject.resource;
    case 'resourceType':
      return subject.resourceType;
    case 'resourceOwnerAccount':
      return subject.resourceOwnerAccount;
    case 'status':
      return subject.status;
    default:
      return subject.id;
  }
}

/** A SQL condition and its bound parameters. */
export interface SqlCondition {
  /** A boolean SQL expression over the `findings` table aliased `f`; `?` placeholders only. */
  sql: string;
  /** Values for the placeholders, in order. */
  params: string[];
}

/**
 * Compiles validated criteria to a SQL condition over `findings f` (tags through the
 * `finding_tags` table). Column names come from a fixed whitelist; every value is a bound
 * parameter. `contains` uses `instr` (case-sensitive, no LIKE wildcards).
 */
export function compileCriteria(criteria: FilterCriteria): SqlCondition {
  const parts: string[] = [];
  const params: string[] = [];
  for (const [key, c] of Object.entries(criteria)) {
    if (isTagKey(key)) {
      const tag = key.slice(TAG_KEY_PREFIX.length);
      const tagRow = 'SELECT 1 FROM finding_tags t WHERE t.finding_pk = f.pk AND t.key = ?';
      if (c.exists === true) {
        parts.push(`EXISTS (${tagRow})`);
        params.push(tag);
      }
      if (c.exists === false) {
        parts.push(`NOT EXISTS (${tagRow})`);
        params.push(tag);
      }
      if (c.eq !== undefined) {
        parts.push(`EXISTS (${tagRow} AND t.value IN (${marks(c.eq.length)}))`);
        params.push(tag, ...c.eq);
      }
      if (c.neq !== undefined) {
        parts.push(`NOT EXISTS (${tagRow} AND t.value IN (${marks(c.neq.length)}))`);
        params.push(tag, ...c.neq);
      }
      if (c.contains !== undefined) {
        const any = c.contains.map(() => 'instr(t.value, ?) > 0').join(' OR ');
        parts.push(`EXISTS (${tagRow} AND (${any}))`);
        params.push(tag, ...c.contains);
      }
      continue;
    }
    const column = FIELD_COLUMNS.get(key);
    if (column === undefined) throw new Error(`unvalidated filter key ${key}`);
    // Built-in fields are never NULL: exists true always holds, exists false never does.
    if (c.exists === false) parts.push('0');
    if (c.eq !== undefined) {
      parts.push(`${column} IN (${marks(c.eq.length)})`);
      params.push(...c.eq);
    }
    if (c.neq !== undefined) {
      parts.push(`${column} NOT IN (${marks(c.neq.length)})`);
      params.push(...c.neq);
    }
    if (c.contains !== undefined) {
      parts.push(`(${c.contains.map(() => `instr(${column}, ?) > 0`).join(' OR ')})`);
      params.push(...c.contains);
    }
  }
  return { sql: parts.length === 0 ? '1' : parts.join(' AND '), params };
}

function marks(n: number): string {
  return new Array<string>(n).fill('?').join(', ');
}

function isTagKey(key: string): boolean {
  return (
    key.startsWith(TAG_KEY_PREFIX) && key.length > TAG_KEY_PREFIX.length && key.length <= 128 + 5
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
