import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import { mergeAuthorizationDetails, parseAuthorizationDetails } from './authorization-details.js';
import {
  applyCredentialReport,
  CREDENTIAL_REPORT_COLUMNS,
  parseCredentialReport,
  type CredentialReportRow,
} from './credential-report.js';
import type { Inventory } from './types.js';

const FIXTURES = new URL('../../test/fixtures/account/', import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

const CSV = 'credential-report.csv';
const JSON_OUTPUT = 'credential-report.json';
const A = '111122223333';

/** The issues `run` throws (fails the test when nothing is thrown). */
function issuesOf(run: () => unknown): readonly Issue[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

/** The fixture CSV as a header and rows of fields (to build variants). */
function table(): { header: string[]; rows: string[][] } {
  const [header, ...rows] = fixture(CSV)
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
  return { header: header!, rows };
}

const toCsv = (header: string[], rows: string[][]): string =>
  [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';

/** The fixture CSV with one cell changed. */
function withCell(user: string, column: string, value: string): string {
  const { header, rows } = table();
  const row = rows.find((r) => r[0] === user)!;
  row[header.indexOf(column)] = value;
  return toCsv(header, rows);
}

/** The rows of the fixture, without where they were read (compared separately). */
const EXPECTED: Omit<CredentialReportRow, 'source' | 'origin'>[] = [
  {
    line: 2,
    user: '<root_account>',
    arn: `arn:aws:iam::${A}:root`,
    accountId: A,
    root: true,
    userCreationTime: new Date('2019-03-04T09:00:00Z'),
    accessKeys: [],
  },
  {
    line: 3,
    user: 'alice',
    arn: `arn:aws:iam::${A}:user/alice`,
    accountId: A,
    root: false,
    userCreationTime: new Date('2023-11-02T09:58:31Z'),
    password: {
      enabled: true,
      lastUsed: new Date('2024-06-01T07:55:12Z'),
      lastChanged: new Date('2023-11-02T10:00:00Z'),
    },
    mfaActive: true,
    accessKeys: [
      {
        slot: 1,
        active: true,
        lastUsed: new Date('2024-06-02T16:40:00Z'),
        lastRotated: new Date('2023-11-02T10:05:00Z'),
      },
    ],
  },
  {
    line: 4,
    user: 'bob',
    arn: `arn:aws:iam::${A}:user/engineering/bob`,
    accountId: A,
    root: false,
    userCreationTime: new Date('2022-08-15T11:58:02Z'),
    password: { enabled: false, lastUsed: null },
    mfaActive: false,
    accessKeys: [
      {
        slot: 1,
        active: true,
        lastUsed: null,
        lastRotated: new Date('2022-08-15T12:00:00Z'),
      },
      {
        slot: 2,
        active: false,
        lastUsed: new Date('2023-02-01T11:00:00Z'),
        lastRotated: new Date('2023-01-10T09:30:00Z'),
      },
    ],
  },
  {
    line: 5,
    user: 'dave',
    arn: `arn:aws:iam::${A}:user/contractors/dave`,
    accountId: A,
    root: false,
    userCreationTime: new Date('2024-04-01T15:20:00Z'),
    password: {
      enabled: true,
      lastUsed: null,
      lastChanged: new Date('2024-04-01T15:20:00Z'),
    },
    mfaActive: false,
    accessKeys: [],
  },
];

const strip = (rows: CredentialReportRow[]) =>
  rows.map(({ source: _s, origin: _o, ...rest }) => rest);

describe('parseCredentialReport', () => {
  it('reads the decoded CSV exactly', () => {
    const rows = parseCredentialReport(fixture(CSV), CSV);
    expect(strip(rows)).toEqual(EXPECTED);
    expect(rows.map((r) => [r.source, r.origin])).toEqual(
      [2, 3, 4, 5].map((line) => [CSV, { source: CSV, path: '$', line, column: 1 }]),
    );
  });

  it('reads the AWS CLI JSON output (base64 Content)', () => {
    const rows = parseCredentialReport(fixture(JSON_OUTPUT), JSON_OUTPUT);
    expect(strip(rows)).toEqual(EXPECTED);
    expect(rows[1]!.origin).toEqual({
      source: JSON_OUTPUT,
      path: '$.Content',
      line: 2,
      column: 14,
    });
  });

  it('finds columns by the header, in any order, and needs only the ones it reads', () => {
    const { header, rows } = table();
    const order = [...header.keys()].reverse();
    const reversed = toCsv(
      order.map((i) => header[i]!),
      rows.map((r) => order.map((i) => r[i]!)),
    );
    expect(strip(parseCredentialReport(reversed, 'r.csv'))).toEqual(EXPECTED);
    const keep = header.flatMap((name, i) => (CREDENTIAL_REPORT_COLUMNS.includes(name) ? [i] : []));
    const minimal = toCsv(
      keep.map((i) => header[i]!),
      rows.map((r) => keep.map((i) => r[i]!)),
    );
    expect(strip(parseCredentialReport(minimal, 'r.csv'))).toEqual(
      EXPECTED.map(({ mfaActive: _, ...rest }) => rest),
    );
  });

  it('accepts CRLF line ends and a report with no user', () => {
    const crlf = fixture(CSV).split('\n').join('\r\n');
    expect(strip(parseCredentialReport(crlf, 'r.csv'))).toEqual(EXPECTED);
    expect(parseCredentialReport(`${table().header.join(',')}\n`, 'r.csv')).toEqual([]);
  });

  it('reports missing columns in one issue on line 1', () => {
    const { header, rows } = table();
    const drop = new Set(['arn', 'password_last_used', 'access_key_2_active']);
    const keep = [...header.keys()].filter((i) => !drop.has(header[i]!));
    const text = toCsv(
      keep.map((i) => header[i]!),
      rows.map((r) => keep.map((i) => r[i]!)),
    );
    expect(issuesOf(() => parseCredentialReport(text, 'r.csv'))).toEqual([
      {
        code: 'missing_field',
        path: '$',
        message:
          'line 1: the header has no "arn", "password_last_used", "access_key_2_active" columns, expected the header of an IAM credential report (user,arn,user_creation_time,password_enabled,...)',
        source: 'r.csv',
        line: 1,
        column: 1,
      },
    ]);
  });

  it('reports a ragged row, naming its line', () => {
    const { header, rows } = table();
    rows[2]!.pop();
    expect(issuesOf(() => parseCredentialReport(toCsv(header, rows), 'r.csv'))).toEqual([
      {
        code: 'invalid_value',
        path: '$',
        message: 'line 4 has 21 fields, expected 22 (one per column of the header on line 1)',
        source: 'r.csv',
        line: 4,
        column: 1,
      },
    ]);
  });

  it('reports each bad value with its line, column and what was expected', () => {
    let text = withCell('alice', 'password_enabled', 'yes');
    text = text.replace('2022-08-15T12:00:00+00:00', '15/08/2022');
    text = text.replace(`arn:aws:iam::${A}:user/contractors/dave`, `arn:aws:iam::${A}:user/dan`);
    const lines = text.split('\n');
    const column = (line: number, value: string) => lines[line - 1]!.indexOf(value) + 1;
    expect(issuesOf(() => parseCredentialReport(text, 'r.csv'))).toEqual([
      {
        code: 'invalid_value',
        path: 'password_enabled',
        message: 'line 3: "password_enabled" is "yes", expected "true" or "false"',
        source: 'r.csv',
        line: 3,
        column: column(3, ',yes,') + 1,
      },
      {
        code: 'invalid_value',
        path: 'access_key_1_last_rotated',
        message:
          'line 4: "access_key_1_last_rotated" is "15/08/2022", expected an ISO 8601 date-time with a time zone, such as "2024-01-15T10:00:00Z" or "2024-01-15T10:00:00+00:00", or "N/A"',
        source: 'r.csv',
        line: 4,
        column: column(4, '15/08/2022'),
      },
      {
        code: 'invalid_value',
        path: 'arn',
        message: `line 5: "arn" is "arn:aws:iam::${A}:user/dan", expected the ARN of the user "dave", such as "arn:aws:iam::123456789012:user/dave"`,
        source: 'r.csv',
        line: 5,
        column: 6,
      },
    ]);
  });

  it('reports a bad creation date and a bad root ARN', () => {
    let text = withCell('bob', 'user_creation_time', '2022-08-15');
    text = text.replace(`arn:aws:iam::${A}:root`, `arn:aws:iam::${A}:user/root`);
    expect(
      issuesOf(() => parseCredentialReport(text, 'r.csv')).map((i) => [i.line, i.path, i.message]),
    ).toEqual([
      [
        2,
        'arn',
        `line 2: "arn" is "arn:aws:iam::${A}:user/root", expected the root user's ARN, such as "arn:aws:iam::123456789012:root"`,
      ],
      [
        4,
        'user_creation_time',
        'line 4: "user_creation_time" is "2022-08-15", expected an ISO 8601 date-time with a time zone, such as "2024-01-15T10:00:00Z" or "2024-01-15T10:00:00+00:00"',
      ],
    ]);
  });

  it('reports a user listed twice', () => {
    const { header, rows } = table();
    rows.push([...rows[1]!]);
    expect(issuesOf(() => parseCredentialReport(toCsv(header, rows), 'r.csv'))).toEqual([
      {
        code: 'duplicate_key',
        path: 'arn',
        message: `line 6: arn:aws:iam::${A}:user/alice is already listed on line 3, expected each user once`,
        source: 'r.csv',
        line: 6,
        column: 7,
      },
    ]);
  });

  it('reports CSV problems inside the JSON output at $.Content', () => {
    const { header, rows } = table();
    rows[0]!.pop();
    const content = Buffer.from(toCsv(header, rows)).toString('base64');
    const text = `{\n  "Content": "${content}",\n  "ReportFormat": "text/csv"\n}\n`;
    expect(issuesOf(() => parseCredentialReport(text, 'r.json'))).toEqual([
      {
        code: 'invalid_value',
        path: '$.Content',
        message:
          'in the base64-decoded CSV: line 2 has 21 fields, expected 22 (one per column of the header on line 1)',
        source: 'r.json',
        line: 2,
        column: 14,
      },
    ]);
  });

  it('reports a JSON output that is not base64, not CSV, or malformed', () => {
    expect(
      issuesOf(() =>
        parseCredentialReport(
          '{"Content": "user,arn\\nx,y", "ReportFormat": "text/html", "GeneratedTime": "now"}',
          'r.json',
        ),
      ),
    ).toEqual([
      {
        code: 'invalid_value',
        path: '$.ReportFormat',
        message: '"ReportFormat" is "text/html", expected "text/csv"',
        source: 'r.json',
        line: 1,
        column: 46,
      },
      {
        code: 'invalid_value',
        path: '$.GeneratedTime',
        message:
          '"GeneratedTime" must be an ISO 8601 date-time with a time zone, such as "2024-01-15T10:00:00Z" or "2024-01-15T10:00:00+00:00", found "now"',
        source: 'r.json',
        line: 1,
        column: 76,
      },
      {
        code: 'invalid_value',
        path: '$.Content',
        message:
          '"Content" is not base64 ("user,arn\\nx,y"), expected the CSV report encoded in base64 as the AWS CLI writes it',
        source: 'r.json',
        line: 1,
        column: 13,
      },
    ]);
    expect(issuesOf(() => parseCredentialReport('{"ReportFormat": "text/csv"}', 'r.json'))).toEqual(
      [
        {
          code: 'missing_field',
          path: '$',
          message:
            'the object has no "Content" field: expected the output of "aws iam get-credential-report" ({"Content": "<base64 CSV>", "ReportFormat": "text/csv", ...}) or the decoded CSV',
          source: 'r.json',
          line: 1,
          column: 1,
        },
      ],
    );
    expect(issuesOf(() => parseCredentialReport('{"Content": "dXNlcg=="', 'r.json'))).toEqual([
      {
        code: 'invalid_json',
        path: '$',
        message:
          "unexpected end of input: the JSON is truncated (expected '}' to close the object opened at 1:1)",
        source: 'r.json',
        line: 1,
        column: 23,
      },
    ]);
  });
});

/** The inventory of the CLI authorization-details fixture. */
function inventory(): Inventory {
  const name = 'authorization-details.json';
  return mergeAuthorizationDetails([parseAuthorizationDetails(fixture(name), name)]);
}

describe('applyCredentialReport', () => {
  it('sets passwords and keys, adds report-only users, skips and counts the root row', () => {
    const inv = inventory();
    applyCredentialReport(inv, parseCredentialReport(fixture(CSV), CSV));
    const alice = inv.principals.get(`arn:aws:iam::${A}:user/alice`)!;
    expect(alice.password).toEqual(EXPECTED[1]!.password);
    expect(alice.accessKeys).toEqual(EXPECTED[1]!.accessKeys);
    expect(alice.onlyInCredentialReport).toBeUndefined();
    const bob = inv.principals.get(`arn:aws:iam::${A}:user/engineering/bob`)!;
    expect(bob.password).toEqual({ enabled: false, lastUsed: null });
    expect(bob.accessKeys).toEqual(EXPECTED[2]!.accessKeys);
    expect(inv.principals.get(`arn:aws:iam::${A}:user/contractors/dave`)).toEqual({
      kind: 'user',
      arn: `arn:aws:iam::${A}:user/contractors/dave`,
      name: 'dave',
      id: '',
      path: '/contractors/',
      accountId: A,
      createDate: new Date('2024-04-01T15:20:00Z'),
      tags: new Map(),
      inlinePolicies: [],
      attachedPolicies: [],
      groups: [],
      password: EXPECTED[3]!.password,
      accessKeys: [],
      onlyInCredentialReport: true,
    });
    expect(inv.principals.has(`arn:aws:iam::${A}:root`)).toBe(false);
    expect(inv.rootRowsSkipped).toBe(1);
    expect(inv.accounts).toEqual(new Set([A]));
    // Roles are untouched.
    expect(inv.principals.get(`arn:aws:iam::${A}:role/ci-deploy`)!.password).toBeUndefined();
  });

  it('accepts the same report twice (CSV and JSON forms)', () => {
    const inv = inventory();
    applyCredentialReport(inv, parseCredentialReport(fixture(CSV), CSV));
    applyCredentialReport(inv, parseCredentialReport(fixture(JSON_OUTPUT), JSON_OUTPUT));
    expect(inv.principals.size).toBe(6);
    expect(inv.rootRowsSkipped).toBe(2);
  });

  it('reports a user whose keys differ from an earlier report', () => {
    const inv = inventory();
    applyCredentialReport(inv, parseCredentialReport(fixture(CSV), CSV));
    const later = withCell('alice', 'access_key_1_last_used_date', '2024-06-09T10:00:00+00:00');
    expect(
      issuesOf(() => applyCredentialReport(inv, parseCredentialReport(later, 'later.csv'))),
    ).toEqual([
      {
        code: 'conflicting_fields',
        path: '$',
        message: `line 3: user arn:aws:iam::${A}:user/alice is in an earlier credential report with a different password or access keys: expected one credential report per account`,
        source: 'later.csv',
        line: 3,
        column: 1,
      },
    ]);
  });

  it('reports a user created again between the two exports, and applies the other rows', () => {
    const inv = inventory();
    const text = withCell('bob', 'user_creation_time', '2024-05-01T00:00:00+00:00');
    expect(
      issuesOf(() => applyCredentialReport(inv, parseCredentialReport(text, 'r.csv'))),
    ).toEqual([
      {
        code: 'conflicting_fields',
        path: '$',
        message: `line 4: user arn:aws:iam::${A}:user/engineering/bob was created at 2024-05-01T00:00:00.000Z per "user_creation_time", but at 2022-08-15T11:58:02.000Z per the authorization details: the user was deleted and created again between the two exports; expected a credential report and authorization details of the same time`,
        source: 'r.csv',
        line: 4,
        column: 1,
      },
    ]);
    expect(inv.principals.get(`arn:aws:iam::${A}:user/engineering/bob`)!.password).toBeUndefined();
    expect(inv.principals.get(`arn:aws:iam::${A}:user/alice`)!.password?.enabled).toBe(true);
  });
});
