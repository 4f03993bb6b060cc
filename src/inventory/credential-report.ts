/**
 * Reads the IAM credential report (`aws iam get-credential-report`) and applies it to the
 * {@link Inventory}: each user's console password and access keys, with their last use.
 *
 * Accepted: the decoded CSV (columns found by the header, in any order; columns iam-refine does not
 * use may be absent) and the CLI's JSON output, `{"Content": "<base64 CSV>", "ReportFormat":
 * "text/csv", "GeneratedTime": ...}`. The values IAM writes besides dates and booleans are
 * understood: `N/A` (not applicable: no password, no key, never used) and `no_information` (never
 * used since IAM started tracking). Of the root user's row (whose password fields say
 * `not_supported`) only the ARN and creation time are read.
 *
 * The `<root_account>` row is parsed but not applied: the root user is not a principal iam-refine
 * analyzes; it is counted in {@link Inventory.rootRowsSkipped}.
 */
import { isDeepStrictEqual } from 'node:util';
import { ValidationError, type Issue } from '../errors.js';
import { describeJsonValue, formatPath, parseJson, type JsonPath } from '../json/parse.js';
import { parseIamArn } from './arn.js';
import type { EntityOrigin } from './authorization-details.js';
import { parseCsv, type CsvRow, type CsvTable } from './csv.js';
import { ISO_DATE_TIME_EXPECTED, parseIsoDateTime } from './iso-date.js';
import type { AccessKey, Inventory, Password, Principal } from './types.js';

/** One row of a credential report, validated. */
export interface CredentialReportRow {
  /** The file it was read from. */
  source: string;
  /** 1-based line of the row in the CSV (in the decoded `Content` for the JSON output). */
  line: number;
  /** Where issues about the row point: the CSV line, or the `Content` member of the JSON output. */
  origin: EntityOrigin;
  /** The `user` column: the user name, or `<root_account>`. */
  user: string;
  /** The user's ARN (`arn:aws:iam::123456789012:user/path/name`), or the root user's (`...:root`). */
  arn: string;
  /** The account id, from the ARN. */
  accountId: string;
  /** True for the `<root_account>` row. */
  root: boolean;
  /** `user_creation_time` (for the root row: when the account was created). */
  userCreationTime: Date;
  /** The console password; undefined for the root row. */
  password?: Password;
  /** `mfa_active`, when the column is present (and not for the root row). */
  mfaActive?: boolean;
  /**
   * The access keys that exist: a slot is listed when its key is active, or has a
   * `last_rotated` or `last_used_date`. Empty for the root row.
   */
  accessKeys: AccessKey[];
}

/** The `user` value of the root user's row. */
export const ROOT_ACCOUNT_USER = '<root_account>';

/** The columns iam-refine reads (others, such as `cert_1_active`, may be absent). */
export const CREDENTIAL_REPORT_COLUMNS: readonly string[] = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
];

const NOT_APPLICABLE = 'N/A';
const NO_INFORMATION = 'no_information';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses and validates a credential report.
 *
 * @param text - The decoded CSV, or the JSON output of `aws iam get-credential-report`.
 * @param source - The file name, put on every issue.
 * @returns Every row, the `<root_account>` row included (flagged `root`).
 * @throws {@link ValidationError} with every problem found: CSV syntax and ragged rows (see
 *   {@link parseCsv}); one `missing_field` issue on line 1 naming every required column that is
 *   absent; `invalid_value` for a value that is not what IAM writes in its column (a bad date, a
 *   boolean that is not `true`/`false`, an ARN that is not the user's); `duplicate_key` for a user
 *   listed twice. For the JSON output, `invalid_json`, `invalid_type`, `missing_field`,
 *   `invalid_value` (not base64, a `ReportFormat` other than `text/csv`) about the wrapper, and every
 *   CSV issue reported at `$.Content` with the line of the decoded CSV in its message.
 */
export function parseCredentialReport(text: string, source: string): CredentialReportRow[] {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.slice(start).trimStart().startsWith('{')) {
    const { csv, content } = unwrapJson(text, source);
    return readReport(csv, source, content);
  }
  return readReport(text, source, undefined);
}

/**
 * Applies credential-report rows to `inventory`: sets `password` and `accessKeys` on each user (by
 * ARN), adds users absent from the inventory (flagged `onlyInCredentialReport`, with no policies),
 * adds each row's account to `accounts`, and counts the skipped root rows in `rootRowsSkipped`.
 *
 * Reports of several accounts can be applied one after the other. A user given by two reports must
 * have the same values in both.
 *
 * @throws {@link ValidationError} (after applying every other row) with a `conflicting_fields` issue
 *   for each user whose `user_creation_time` is not the `CreateDate` of the authorization details
 *   (the user was deleted and created again between the two exports), or whose password or keys
 *   differ from an earlier report's.
 */
export function applyCredentialReport(
  inventory: Inventory,
  rows: readonly CredentialReportRow[],
): void {
  const issues: Issue[] = [];
  const conflict = (row: CredentialReportRow, message: string): void => {
    const issue: Issue = {
      code: 'conflicting_fields',
      path: row.origin.path,
      message: `line ${row.line}: ${message}`,
      source: row.origin.source,
    };
    if (row.origin.line !== undefined) issue.line = row.origin.line;
    if (row.origin.column !== undefined) issue.column = row.origin.column;
    issues.push(issue);
  };
  inventory.rootRowsSkipped ??= 0;
  for (const row of rows) {
    inventory.accounts.add(row.accountId);
    if (row.root) {
      inventory.rootRowsSkipped++;
      continue;
    }
    const password = row.password!;
    const principal = inventory.principals.get(row.arn);
    if (principal === undefined) {
      inventory.principals.set(row.arn, reportOnlyUser(row, password));
      continue;
    }
    if (
      principal.onlyInCredentialReport !== true &&
      principal.createDate.getTime() !== row.userCreationTime.getTime()
    ) {
      conflict(
        row,
        `user ${row.arn} was created at ${row.userCreationTime.toISOString()} per "user_creation_time", but at ${principal.createDate.toISOString()} per the authorization details: the user was deleted and created again between the two exports; expected a credential report and authorization details of the same time`,
      );
      continue;
    }
    if (principal.password !== undefined) {
      if (
        !isDeepStrictEqual(principal.password, password) ||
        !isDeepStrictEqual(principal.accessKeys, row.accessKeys)
      ) {
        conflict(
          row,
          `user ${row.arn} is in an earlier credential report with a different password or access keys: expected one credential report per account`,
        );
      }
      continue;
    }
    principal.password = password;
    principal.accessKeys = row.accessKeys;
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/** A user principal known only from the credential report. */
function reportOnlyUser(row: CredentialReportRow, password: Password): Principal {
  return {
    kind: 'user',
    arn: row.arn,
    name: row.user,
    id: '',
    path: parseIamArn(row.arn)!.path,
    accountId: row.accountId,
    createDate: row.userCreationTime,
    tags: new Map(),
    inlinePolicies: [],
    attachedPolicies: [],
    groups: [],
    password,
    accessKeys: row.accessKeys,
    onlyInCredentialReport: true,
  };
}

/** Where the CSV is inside the JSON output, for relocating its issues. */
interface Embedded {
  /** Location of the `Content` string in the JSON file. */
  line?: number;
  column?: number;
}

/** Decodes the `Content` of the CLI's JSON output. */
function unwrapJson(text: string, source: string): { csv: string; content: Embedded } {
  const parsed = parseJson(text, source);
  const root = parsed.value;
  const issues: Issue[] = [];
  const add = (code: Issue['code'], path: JsonPath, message: string): void => {
    const issue: Issue = { code, path: formatPath(path), message, source };
    const at = parsed.locate(path) ?? parsed.locate([]);
    if (at !== undefined) {
      issue.line = at.line;
      issue.column = at.column;
    }
    issues.push(issue);
  };
  const expected =
    'expected the output of "aws iam get-credential-report" ({"Content": "<base64 CSV>", "ReportFormat": "text/csv", ...}) or the decoded CSV';
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    add('invalid_type', [], `${expected}, found ${describeJsonValue(root)}`);
    throw new ValidationError(issues);
  }
  const wrapper = root as Record<string, unknown>;
  if (Object.hasOwn(wrapper, 'ReportFormat') && wrapper.ReportFormat !== 'text/csv') {
    add(
      'invalid_value',
      ['ReportFormat'],
      `"ReportFormat" is ${describeJsonValue(wrapper.ReportFormat)}, expected "text/csv"`,
    );
  }
  if (Object.hasOwn(wrapper, 'GeneratedTime')) {
    const time = wrapper.GeneratedTime;
    if (typeof time !== 'string' || parseIsoDateTime(time) === undefined) {
      add(
        'invalid_value',
        ['GeneratedTime'],
        `"GeneratedTime" must be ${ISO_DATE_TIME_EXPECTED}, found ${describeJsonValue(time)}`,
      );
    }
  }
  let csv: string | undefined;
  if (!Object.hasOwn(wrapper, 'Content')) {
    add('missing_field', [], `the object has no "Content" field: ${expected}`);
  } else if (typeof wrapper.Content !== 'string') {
    add(
      'invalid_type',
      ['Content'],
      `"Content" must be a string (the report as base64), found ${describeJsonValue(wrapper.Content)}`,
    );
  } else {
    const b64 = wrapper.Content.split(/\s+/).join('');
    if (!BASE64.test(b64) || b64.length % 4 !== 0) {
      add(
        'invalid_value',
        ['Content'],
        `"Content" is not base64 (${describeJsonValue(wrapper.Content)}), expected the CSV report encoded in base64 as the AWS CLI writes it`,
      );
    } else {
      csv = Buffer.from(b64, 'base64').toString('utf8');
    }
  }
  if (issues.length > 0 || csv === undefined) throw new ValidationError(issues);
  const content: Embedded = {};
  const at = parsed.locate(['Content']);
  if (at !== undefined) {
    content.line = at.line;
    content.column = at.column;
  }
  return { csv, content };
}

/** Validates the CSV report; `embedded` when it came from the JSON output's `Content`. */
function readReport(
  text: string,
  source: string,
  embedded: Embedded | undefined,
): CredentialReportRow[] {
  /** Moves an issue about the decoded CSV onto `$.Content` of the JSON file. */
  const relocate = (issue: Issue): Issue => {
    if (embedded === undefined) return issue;
    const moved: Issue = {
      code: issue.code,
      path: '$.Content',
      message: `in the base64-decoded CSV: ${issue.message}`,
      source,
    };
    if (embedded.line !== undefined) moved.line = embedded.line;
    if (embedded.column !== undefined) moved.column = embedded.column;
    return moved;
  };
  let table: CsvTable;
  try {
    table = parseCsv(text, source);
  } catch (error) {
    if (!(error instanceof ValidationError) || embedded === undefined) throw error;
    throw new ValidationError(error.issues.map(relocate), { cause: error });
  }

  const column = new Map<string, number>();
  table.header.forEach((name, i) => column.set(name, i));
  const missing = CREDENTIAL_REPORT_COLUMNS.filter((name) => !column.has(name));
  if (missing.length > 0) {
    throw new ValidationError([
      relocate({
        code: 'missing_field',
        path: '$',
        message: `line 1: the header has no ${missing.map((m) => JSON.stringify(m)).join(', ')} column${missing.length === 1 ? '' : 's'}, expected the header of an IAM credential report (user,arn,user_creation_time,password_enabled,...)`,
        source,
        line: 1,
        column: 1,
      }),
    ]);
  }

  const issues: Issue[] = [];
  const out: CredentialReportRow[] = [];
  const seen = new Map<string, number>();
  for (const row of table.rows) {
    const before = issues.length;
    const cell = new Cells(table, row, column, source, (issue) => issues.push(relocate(issue)));
    const user = cell.get('user');
    const arn = cell.get('arn');
    const root = user === ROOT_ACCOUNT_USER;
    const parts = parseIamArn(arn);
    if (
      parts === undefined ||
      (root ? parts.resourceType !== 'root' : parts.resourceType !== 'user' || parts.name !== user)
    ) {
      cell.fail(
        'arn',
        root
          ? 'the root user\'s ARN, such as "arn:aws:iam::123456789012:root"'
          : `the ARN of the user ${JSON.stringify(user)}, such as "arn:aws:iam::123456789012:user/${user}"`,
      );
    }
    const userCreationTime = cell.date('user_creation_time', []);
    const record: Omit<CredentialReportRow, 'userCreationTime'> = {
      source,
      line: row.line,
      origin: originOf(source, row, embedded),
      user,
      arn,
      accountId: parts?.account ?? '',
      root,
      accessKeys: [],
    };
    if (!root) {
      const enabled = cell.boolean('password_enabled');
      const lastUsed = cell.date('password_last_used', [NOT_APPLICABLE, NO_INFORMATION]);
      const lastChanged = cell.date('password_last_changed', [NOT_APPLICABLE]);
      if (enabled !== undefined && lastUsed !== undefined) {
        const password: Password = { enabled, lastUsed };
        if (lastChanged instanceof Date) password.lastChanged = lastChanged;
        record.password = password;
      }
      if (column.has('mfa_active')) {
        const mfa = cell.boolean('mfa_active');
        if (mfa !== undefined) record.mfaActive = mfa;
      }
      for (const slot of [1, 2] as const) {
        const active = cell.boolean(`access_key_${slot}_active`);
        const lastRotated = cell.date(`access_key_${slot}_last_rotated`, [NOT_APPLICABLE]);
        const keyLastUsed = cell.date(`access_key_${slot}_last_used_date`, [
          NOT_APPLICABLE,
          NO_INFORMATION,
        ]);
        if (active === undefined || lastRotated === undefined || keyLastUsed === undefined)
          continue;
        if (!active && lastRotated === null && keyLastUsed === null) continue;
        const key: AccessKey = { slot, active, lastUsed: keyLastUsed };
        if (lastRotated !== null) key.lastRotated = lastRotated;
        record.accessKeys.push(key);
      }
    }
    const firstLine = seen.get(arn);
    if (firstLine !== undefined) {
      cell.report(
        'duplicate_key',
        'arn',
        `line ${row.line}: ${arn} is already listed on line ${firstLine}, expected each user once`,
      );
    } else {
      seen.set(arn, row.line);
    }
    if (issues.length > before || userCreationTime === undefined || userCreationTime === null) {
      continue;
    }
    out.push({ ...record, userCreationTime });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out;
}

function originOf(source: string, row: CsvRow, embedded: Embedded | undefined): EntityOrigin {
  if (embedded === undefined) return { source, path: '$', line: row.line, column: 1 };
  const origin: EntityOrigin = { source, path: '$.Content' };
  if (embedded.line !== undefined) origin.line = embedded.line;
  if (embedded.column !== undefined) origin.column = embedded.column;
  return origin;
}

/** Typed access to the cells of one row, recording an issue for each bad value. */
class Cells {
  constructor(
    private readonly table: CsvTable,
    private readonly row: CsvRow,
    private readonly column: ReadonlyMap<string, number>,
    private readonly source: string,
    private readonly push: (issue: Issue) => void,
  ) {}

  /** The raw value of a column (present: the header was checked). */
  get(name: string): string {
    return this.row.fields[this.column.get(name)!]!;
  }

  /** `true` / `false`. */
  boolean(name: string): boolean | undefined {
    const value = this.get(name);
    if (value === 'true') return true;
    if (value === 'false') return false;
    this.fail(name, '"true" or "false"');
    return undefined;
  }

  /** A date-time, or `null` for one of the `words` IAM writes instead of a date. */
  date(name: string, words: readonly string[]): Date | null | undefined {
    const value = this.get(name);
    if (words.includes(value)) return null;
    const date = parseIsoDateTime(value);
    if (date !== undefined) return date;
    this.fail(
      name,
      words.length === 0
        ? ISO_DATE_TIME_EXPECTED
        : `${ISO_DATE_TIME_EXPECTED}, or ${words.map((w) => JSON.stringify(w)).join(' or ')}`,
    );
    return undefined;
  }

  /** Records that the value of `name` is not `expected`. */
  fail(name: string, expected: string): void {
    this.report(
      'invalid_value',
      name,
      `line ${this.row.line}: "${name}" is ${JSON.stringify(this.get(name))}, expected ${expected}`,
    );
  }

  /** Records an issue at the cell of column `name`. */
  report(code: Issue['code'], name: string, message: string): void {
    const at = this.table.locate(this.row, this.column.get(name)!);
    this.push({ code, path: name, message, source: this.source, line: at.line, column: at.column });
  }
}
