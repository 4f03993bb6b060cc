/**
 * The IAM policy model: a policy document parsed once, validated, and kept in its own shape.
 *
 * {@link parsePolicy} accepts JSON text, the URL-encoded JSON that IAM's API returns, an already
 * parsed object, and the outputs of the AWS CLI's `get-policy-version`, `get-role-policy`,
 * `get-user-policy` and `get-group-policy` (the document is unwrapped; `documentPath` says where it
 * was). The parsed objects are kept as they are (key order, Sid, Resource, Condition, Principal,
 * unknown keys) so that a refined policy can be written back looking like the original.
 */
import { ValidationError, type Issue, type IssueCode } from '../errors.js';
import {
  describeJsonValue,
  formatPath,
  parseJson,
  type JsonLocation,
  type JsonPath,
} from '../json/parse.js';

/** A statement's effect. */
export type Effect = 'Allow' | 'Deny';

/** The policy language versions IAM accepts in `Version`. */
export const POLICY_VERSIONS: readonly string[] = ['2012-10-17', '2008-10-17'];

/** One statement of a policy document. */
export interface PolicyStatement {
  /** Position in the `Statement` array (0 when `Statement` is a single object). */
  index: number;
  /** `$.Statement[0]`, or `$.Statement` when `Statement` is a single object; relative to the document. */
  path: string;
  /** The statement object exactly as parsed (key order kept). */
  raw: Record<string, unknown>;
  /** `Allow` or `Deny`. */
  effect: Effect;
  /** Which of the two action keys the statement uses. */
  actionKey: 'Action' | 'NotAction';
  /** The entries as written. */
  actions: string[];
  /** `"Action": "s3:*"` (true) vs `"Action": ["s3:*"]` (false). */
  actionIsString: boolean;
  /** The statement's `Sid`, when it has one. */
  sid?: string;
}

/** A validated policy document. */
export interface PolicyDocument {
  /** The whole policy document (after unwrapping), key order kept. */
  raw: Record<string, unknown>;
  /** The statements, in order. */
  statements: PolicyStatement[];
  /** Whether `Statement` is an array (false: a single statement object). */
  statementIsArray: boolean;
  /** File name, `<stdin>` or `<input>`. */
  source: string;
  /** JSON path of the document inside the input: `$`, `$.PolicyDocument` or `$.PolicyVersion.Document`. */
  documentPath: string;
}

/** Options of {@link parsePolicy}. */
export interface ParsePolicyOptions {
  /** Where the input came from (file name or `<stdin>`); `<input>` when not given. */
  source?: string;
}

/**
 * Parses and validates an IAM policy document.
 *
 * @param input - JSON text, URL-encoded JSON text (as IAM's API returns documents), or an already
 *   parsed value; either may be a bare document or an AWS CLI `get-policy-version` /
 *   `get-role-policy` / `get-user-policy` / `get-group-policy` output.
 * @throws {@link ValidationError} carrying every problem found (paths are paths in the input, with
 *   line and column when the input was JSON text).
 */
export function parsePolicy(
  input: string | object,
  options: ParsePolicyOptions = {},
): PolicyDocument {
  const source = options.source ?? '<input>';
  const root: View =
    typeof input === 'string' ? readText(input, source, [], undefined) : { value: input };
  const issues: Issue[] = [];
  const report =
    (locate: Locator | undefined) => (code: IssueCode, path: JsonPath, message: string) =>
      issues.push(makeIssue(code, path, message, source, locate?.(path)));

  const unwrapped = unwrap(root, source, report(root.locate));
  if (unwrapped === undefined) throw new ValidationError(issues);
  const { doc, docPath } = unwrapped;
  const add = report(unwrapped.locate);

  if (!isRecord(doc)) {
    add(
      'invalid_type',
      docPath,
      `the policy document must be a JSON object, found ${describeJsonValue(doc)}`,
    );
    throw new ValidationError(issues);
  }
  if (Object.hasOwn(doc, 'Version') && !POLICY_VERSIONS.includes(doc.Version as string)) {
    add(
      'invalid_value',
      [...docPath, 'Version'],
      `"Version" must be "2012-10-17" or "2008-10-17", found ${describeJsonValue(doc.Version)}`,
    );
  }
  const statements: PolicyStatement[] = [];
  let statementIsArray = false;
  if (!Object.hasOwn(doc, 'Statement')) {
    add(
      'missing_field',
      docPath,
      'the policy document has no "Statement" field (expected a statement object or an array of statement objects)',
    );
  } else {
    const value = doc.Statement;
    const path = [...docPath, 'Statement'];
    if (Array.isArray(value)) {
      statementIsArray = true;
      if (value.length === 0) {
        add(
          'invalid_type',
          path,
          '"Statement" is an empty array, expected at least one statement object',
        );
      }
      value.forEach((s, i) => {
        const statement = readStatement(s, i, ['Statement', i], docPath, add);
        if (statement) statements.push(statement);
      });
    } else if (isRecord(value)) {
      const statement = readStatement(value, 0, ['Statement'], docPath, add);
      if (statement) statements.push(statement);
    } else {
      add(
        'invalid_type',
        path,
        `"Statement" must be a statement object or an array of statement objects, found ${describeJsonValue(value)}`,
      );
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return { raw: doc, statements, statementIsArray, source, documentPath: formatPath(docPath) };
}

/** Finds where a path of the input is (absolute paths). */
type Locator = (path: JsonPath) => JsonLocation | undefined;

/** Records one issue at an absolute path of the input. */
type Report = (code: IssueCode, path: JsonPath, message: string) => void;

/** A parsed input value and, when it came from text, how to locate its paths. */
interface View {
  value: unknown;
  locate?: Locator;
}

/** Validates one statement; returns it when it has no problem. */
function readStatement(
  value: unknown,
  index: number,
  relPath: JsonPath,
  docPath: JsonPath,
  add: Report,
): PolicyStatement | undefined {
  const path = [...docPath, ...relPath];
  if (!isRecord(value)) {
    add(
      'invalid_type',
      path,
      `a statement must be a JSON object, found ${describeJsonValue(value)}`,
    );
    return undefined;
  }
  let ok = true;
  const fail: Report = (code, p, message) => {
    ok = false;
    add(code, p, message);
  };

  let sid: string | undefined;
  if (Object.hasOwn(value, 'Sid')) {
    if (typeof value.Sid === 'string') sid = value.Sid;
    else
      fail(
        'invalid_type',
        [...path, 'Sid'],
        `"Sid" must be a string, found ${describeJsonValue(value.Sid)}`,
      );
  }

  let effect: Effect | undefined;
  if (!Object.hasOwn(value, 'Effect')) {
    fail('missing_field', path, 'the statement has no "Effect" field (expected "Allow" or "Deny")');
  } else if (value.Effect === 'Allow' || value.Effect === 'Deny') {
    effect = value.Effect;
  } else {
    const found = value.Effect;
    const lower = typeof found === 'string' ? found.toLowerCase() : '';
    const hint =
      lower === 'allow'
        ? ' (did you mean "Allow"?)'
        : lower === 'deny'
          ? ' (did you mean "Deny"?)'
          : '';
    fail(
      'invalid_value',
      [...path, 'Effect'],
      `"Effect" is ${describeJsonValue(found)}, expected "Allow" or "Deny" (case-sensitive)${hint}`,
    );
  }

  const hasAction = Object.hasOwn(value, 'Action');
  const hasNotAction = Object.hasOwn(value, 'NotAction');
  let actionKey: 'Action' | 'NotAction' = 'Action';
  const actions: string[] = [];
  let actionIsString = false;
  if (hasAction && hasNotAction) {
    fail(
      'conflicting_fields',
      path,
      'the statement has both "Action" and "NotAction", expected exactly one of them',
    );
  } else if (!hasAction && !hasNotAction) {
    fail(
      'missing_field',
      path,
      'the statement has neither "Action" nor "NotAction", expected exactly one of them',
    );
  } else {
    actionKey = hasAction ? 'Action' : 'NotAction';
    const list = value[actionKey];
    const listPath = [...path, actionKey];
    if (typeof list === 'string') {
      actionIsString = true;
      if (list === '')
        fail(
          'invalid_value',
          listPath,
          `"${actionKey}" is an empty string, expected an action such as "s3:GetObject"`,
        );
      else actions.push(list);
    } else if (Array.isArray(list)) {
      if (list.length === 0) {
        fail(
          'invalid_type',
          listPath,
          `"${actionKey}" is an empty array, expected at least one action`,
        );
      }
      list.forEach((entry: unknown, i) => {
        if (typeof entry !== 'string') {
          fail(
            'invalid_type',
            [...listPath, i],
            `each "${actionKey}" entry must be a string such as "s3:GetObject", found ${describeJsonValue(entry)}`,
          );
        } else if (entry === '') {
          fail(
            'invalid_value',
            [...listPath, i],
            `"${actionKey}" entry is an empty string, expected an action such as "s3:GetObject"`,
          );
        } else {
          actions.push(entry);
        }
      });
    } else {
      fail(
        'invalid_type',
        listPath,
        `"${actionKey}" must be a string or an array of strings, found ${describeJsonValue(list)}`,
      );
    }
  }

  if (Object.hasOwn(value, 'Resource') && Object.hasOwn(value, 'NotResource')) {
    fail(
      'conflicting_fields',
      path,
      'the statement has both "Resource" and "NotResource", expected at most one of them',
    );
  }

  if (!ok || effect === undefined) return undefined;
  const statement: PolicyStatement = {
    index,
    path: formatPath(relPath),
    raw: value,
    effect,
    actionKey,
    actions,
    actionIsString,
  };
  if (sid !== undefined) statement.sid = sid;
  return statement;
}

/**
 * Finds the policy document inside the input: the document of a `get-policy-version` output
 * (`PolicyVersion.Document`), of a `get-role-policy`-style output (`PolicyDocument`), or the input
 * itself. A document given as a string (URL-encoded or JSON text) is parsed.
 */
function unwrap(
  root: View,
  source: string,
  add: Report,
): { doc: unknown; docPath: JsonPath; locate: Locator | undefined } | undefined {
  const value = root.value;
  const embedded = (doc: unknown, docPath: JsonPath) => {
    if (typeof doc !== 'string') return { doc, docPath, locate: root.locate };
    const view = readText(doc, source, docPath, root.locate?.(docPath));
    return { doc: view.value, docPath, locate: view.locate };
  };
  if (!isRecord(value) || Object.hasOwn(value, 'Statement')) {
    return { doc: value, docPath: [], locate: root.locate };
  }
  if (Object.hasOwn(value, 'PolicyVersion')) {
    const version = value.PolicyVersion;
    if (!isRecord(version)) {
      add(
        'invalid_type',
        ['PolicyVersion'],
        `"PolicyVersion" (get-policy-version output) must be an object with a "Document", found ${describeJsonValue(version)}`,
      );
      return undefined;
    }
    if (!Object.hasOwn(version, 'Document')) {
      add(
        'missing_field',
        ['PolicyVersion'],
        '"PolicyVersion" (get-policy-version output) has no "Document" field',
      );
      return undefined;
    }
    return embedded(version.Document, ['PolicyVersion', 'Document']);
  }
  if (Object.hasOwn(value, 'PolicyDocument'))
    return embedded(value.PolicyDocument, ['PolicyDocument']);
  return { doc: value, docPath: [], locate: root.locate };
}

/**
 * Parses policy text found at `base` in the input (`[]` for the input itself). URL-encoded text (it
 * starts with `%7B`, or decodes to text starting with `{`) is decoded first. Issues in text that is
 * not the input file's own text (decoded, or a JSON string inside the input) are moved to `at` (the
 * position of that string in the input, if known) and their message says where in the decoded text
 * the problem is.
 */
function readText(
  text: string,
  source: string,
  base: JsonPath,
  at: JsonLocation | undefined,
): View {
  const decoded = urlDecode(text, source, base, at);
  if (decoded === undefined && base.length === 0) {
    const parsed = parseJson(text, source);
    return { value: parsed.value, locate: parsed.locate };
  }
  let parsed;
  try {
    parsed = parseJson(decoded ?? text, source);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const what = decoded === undefined ? 'policy document string' : 'URL-decoded policy document';
    const issues = error.issues.map((issue) => {
      const where =
        issue.line === undefined ? '' : ` (at ${issue.line}:${issue.column ?? 1} of the ${what})`;
      const moved: Issue = {
        code: issue.code,
        path: formatPath(base) + issue.path.slice(1),
        message: issue.message + where,
        source,
      };
      if (at !== undefined) {
        moved.line = at.line;
        moved.column = at.column;
      }
      return moved;
    });
    throw new ValidationError(issues, { cause: error });
  }
  return { value: parsed.value, locate: at === undefined ? undefined : () => at };
}

/** The URL-decoded text when `text` is URL-encoded JSON, else `undefined`. */
function urlDecode(
  text: string,
  source: string,
  base: JsonPath,
  at: JsonLocation | undefined,
): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || !trimmed.includes('%')) return undefined;
  const marked = trimmed.startsWith('%7B') || trimmed.startsWith('%7b');
  let decoded: string;
  try {
    decoded = decodeURIComponent(trimmed);
  } catch (error) {
    if (!trimmed.startsWith('%')) return undefined;
    const issue = makeIssue(
      'invalid_url_encoding',
      base,
      `the policy looks URL-encoded (it starts with ${JSON.stringify(trimmed.slice(0, 3))}) but cannot be URL-decoded: it contains a malformed %-escape`,
      source,
      at,
    );
    throw new ValidationError([issue], { cause: error });
  }
  return marked || decoded.trimStart().startsWith('{') ? decoded : undefined;
}

function makeIssue(
  code: IssueCode,
  path: JsonPath,
  message: string,
  source: string,
  at: JsonLocation | undefined,
): Issue {
  const issue: Issue = { code, path: formatPath(path), message, source };
  if (at !== undefined) {
    issue.line = at.line;
    issue.column = at.column;
  }
  return issue;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
