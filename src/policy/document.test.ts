import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import { parsePolicy } from './document.js';

/** The issues `parsePolicy` throws for `input` (fails the test when nothing is thrown). */
function issuesOf(input: string | object, source?: string): readonly Issue[] {
  try {
    parsePolicy(input, source === undefined ? {} : { source });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error('expected the policy to be rejected');
}

/** The single issue `parsePolicy` throws. */
function issueOf(input: string | object, source?: string): Issue {
  const issues = issuesOf(input, source);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

const ARTICLE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'S3',
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:ListBucket'],
      Resource: '*',
    },
    {
      Effect: 'Deny',
      NotAction: 'iam:*',
      NotResource: ['arn:aws:iam::123456789012:role/x'],
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};
const ARTICLE_TEXT = JSON.stringify(ARTICLE_POLICY, null, 2);

describe('parsePolicy: valid documents', () => {
  it('reads statements from JSON text', () => {
    const doc = parsePolicy(ARTICLE_TEXT, { source: 'policy.json' });
    expect(doc.source).toBe('policy.json');
    expect(doc.documentPath).toBe('$');
    expect(doc.statementIsArray).toBe(true);
    expect(doc.raw).toEqual(ARTICLE_POLICY);
    expect(doc.statements).toEqual([
      {
        index: 0,
        path: '$.Statement[0]',
        raw: ARTICLE_POLICY.Statement[0],
        effect: 'Allow',
        actionKey: 'Action',
        actions: ['s3:Get*', 's3:ListBucket'],
        actionIsString: false,
        sid: 'S3',
      },
      {
        index: 1,
        path: '$.Statement[1]',
        raw: ARTICLE_POLICY.Statement[1],
        effect: 'Deny',
        actionKey: 'NotAction',
        actions: ['iam:*'],
        actionIsString: true,
      },
    ]);
    expect('sid' in doc.statements[1]!).toBe(false);
  });

  it('defaults the source to <input>', () => {
    expect(parsePolicy(ARTICLE_TEXT).source).toBe('<input>');
    expect(parsePolicy(ARTICLE_POLICY).source).toBe('<input>');
  });

  it('accepts an already parsed object and keeps it as raw', () => {
    const doc = parsePolicy(ARTICLE_POLICY);
    expect(doc.raw).toBe(ARTICLE_POLICY);
    expect(doc.statements[0]!.raw).toBe(ARTICLE_POLICY.Statement[0]);
    expect(doc.statements.map((s) => s.actions)).toEqual([['s3:Get*', 's3:ListBucket'], ['iam:*']]);
  });

  it('reads a single statement object', () => {
    const doc = parsePolicy(
      '{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}',
    );
    expect(doc.statementIsArray).toBe(false);
    expect(doc.statements).toHaveLength(1);
    expect(doc.statements[0]).toMatchObject({
      index: 0,
      path: '$.Statement',
      actionIsString: true,
      actions: ['s3:*'],
    });
  });

  it('accepts both policy language versions and a missing Version', () => {
    for (const version of ['2012-10-17', '2008-10-17']) {
      expect(parsePolicy({ ...ARTICLE_POLICY, Version: version }).statements).toHaveLength(2);
    }
    expect(parsePolicy({ Statement: ARTICLE_POLICY.Statement }).statements).toHaveLength(2);
  });

  it('keeps key order, unknown keys and carried fields exactly as written', () => {
    const text =
      '{"Statement": [{"Condition": {"b": 1, "a": 2}, "Resource": "*", "X-Custom": [1], "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Effect": "Allow", "Sid": "z"}], "Id": "p", "Version": "2012-10-17"}';
    const doc = parsePolicy(text);
    expect(Object.keys(doc.raw)).toEqual(['Statement', 'Id', 'Version']);
    const raw = doc.statements[0]!.raw;
    expect(Object.keys(raw)).toEqual([
      'Condition',
      'Resource',
      'X-Custom',
      'Principal',
      'Action',
      'Effect',
      'Sid',
    ]);
    expect(Object.keys(raw.Condition as object)).toEqual(['b', 'a']);
    expect(raw['X-Custom']).toEqual([1]);
  });

  it('keeps a "__proto__" key as an own key without polluting prototypes', () => {
    const text =
      '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "__proto__": {"isAdmin": true}}]}';
    const doc = parsePolicy(text);
    const raw = doc.statements[0]!.raw;
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
    expect(Object.keys(raw)).toEqual(['Effect', 'Action', '__proto__']);
    expect((raw as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });

  it('accepts a byte order mark', () => {
    expect(parsePolicy(`\uFEFF${ARTICLE_TEXT}`).statements).toHaveLength(2);
  });
});

describe('parsePolicy: URL-encoded documents', () => {
  it('decodes a document as IAM returns it', () => {
    const encoded = encodeURIComponent(JSON.stringify(ARTICLE_POLICY));
    expect(encoded.startsWith('%7B')).toBe(true);
    const doc = parsePolicy(encoded);
    expect(doc.raw).toEqual(ARTICLE_POLICY);
    expect(doc.documentPath).toBe('$');
  });

  it('accepts lower-case escapes, surrounding whitespace and an encoded leading newline', () => {
    const encoded = encodeURIComponent(JSON.stringify(ARTICLE_POLICY));
    expect(parsePolicy(`  %7b${encoded.slice(3)}\n`).raw).toEqual(ARTICLE_POLICY);
    expect(parsePolicy(`%0A${encoded}`).raw).toEqual(ARTICLE_POLICY);
  });

  it('does not URL-decode plain JSON that contains a percent sign', () => {
    const policy = {
      Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/%41' },
    };
    const doc = parsePolicy(JSON.stringify(policy));
    expect((doc.statements[0]!.raw as { Resource: string }).Resource).toBe('arn:aws:s3:::b/%41');
  });

  it('reports malformed URL encoding', () => {
    const issue = issueOf('%7B%22Statement%22%3A%ZZ', 'enc.txt');
    expect(issue.code).toBe('invalid_url_encoding');
    expect(issue.path).toBe('$');
    expect(issue.source).toBe('enc.txt');
    expect(issue.message).toContain('URL-encoded');
    expect(issue.line).toBeUndefined();
  });

  it('reports invalid JSON inside the decoded text with its position there', () => {
    const issue = issueOf(encodeURIComponent('{\n"Statement": [\n}'));
    expect(issue.code).toBe('invalid_json');
    expect(issue.path).toBe('$.Statement[0]');
    expect(issue.line).toBeUndefined();
    expect(issue.message).toBe(
      "unexpected character '}', expected a value (at 3:1 of the URL-decoded policy document)",
    );
  });

  it('validates the decoded document, without line numbers', () => {
    const issue = issueOf(
      encodeURIComponent('{"Statement": {"Effect": "allow", "Action": "s3:*"}}'),
    );
    expect(issue).toMatchObject({ code: 'invalid_value', path: '$.Statement.Effect' });
    expect(issue.line).toBeUndefined();
  });
});

describe('parsePolicy: AWS CLI outputs', () => {
  it('unwraps get-policy-version output', () => {
    const text = JSON.stringify(
      {
        PolicyVersion: {
          Document: ARTICLE_POLICY,
          VersionId: 'v3',
          IsDefaultVersion: true,
          CreateDate: '2024-06-01T00:00:00Z',
        },
      },
      null,
      2,
    );
    const doc = parsePolicy(text);
    expect(doc.documentPath).toBe('$.PolicyVersion.Document');
    expect(doc.raw).toEqual(ARTICLE_POLICY);
    expect(doc.statements[0]!.path).toBe('$.Statement[0]');
  });

  it('unwraps get-policy-version output whose Document is URL-encoded', () => {
    const input = {
      PolicyVersion: {
        Document: encodeURIComponent(JSON.stringify(ARTICLE_POLICY)),
        VersionId: 'v1',
      },
    };
    const doc = parsePolicy(JSON.stringify(input));
    expect(doc.documentPath).toBe('$.PolicyVersion.Document');
    expect(doc.raw).toEqual(ARTICLE_POLICY);
    expect(parsePolicy(input).raw).toEqual(ARTICLE_POLICY);
  });

  it.each(['RoleName', 'UserName', 'GroupName'])(
    'unwraps get-%s-policy style output (PolicyDocument)',
    (nameKey) => {
      const input = { [nameKey]: 'x', PolicyName: 'inline', PolicyDocument: ARTICLE_POLICY };
      const doc = parsePolicy(JSON.stringify(input, null, 2));
      expect(doc.documentPath).toBe('$.PolicyDocument');
      expect(doc.raw).toEqual(ARTICLE_POLICY);
    },
  );

  it('reports issues inside a wrapped document with full paths and file positions', () => {
    const text = [
      '{',
      '  "PolicyName": "p",',
      '  "PolicyDocument": {',
      '    "Statement": [{"Effect": "Permit", "Action": "s3:*"}]',
      '  }',
      '}',
    ].join('\n');
    const issue = issueOf(text, 'role-policy.json');
    expect(issue).toEqual({
      code: 'invalid_value',
      path: '$.PolicyDocument.Statement[0].Effect',
      message: '"Effect" is "Permit", expected "Allow" or "Deny" (case-sensitive)',
      source: 'role-policy.json',
      line: 4,
      column: 30,
    });
  });

  it('points issues inside a URL-encoded Document at the Document string', () => {
    const text = `{\n  "PolicyVersion": {\n    "Document": "${encodeURIComponent('{"Statement": []}')}"\n  }\n}`;
    const issue = issueOf(text);
    expect(issue).toMatchObject({
      code: 'invalid_type',
      path: '$.PolicyVersion.Document.Statement',
      line: 3,
      column: 17,
    });
  });

  it('reports a truncated URL-encoded Document at the Document string', () => {
    const text = `{"PolicyVersion": {"Document": "${encodeURIComponent('{"Statement": [')}"}}`;
    const issue = issueOf(text);
    expect(issue.code).toBe('invalid_json');
    expect(issue.path).toBe('$.PolicyVersion.Document.Statement[0]');
    expect([issue.line, issue.column]).toEqual([1, 32]);
    expect(issue.message).toContain('the JSON is truncated');
    expect(issue.message).toContain('of the URL-decoded policy document');
  });

  it('reports a broken get-policy-version wrapper', () => {
    expect(issueOf({ PolicyVersion: 'v1' })).toMatchObject({
      code: 'invalid_type',
      path: '$.PolicyVersion',
    });
    expect(issueOf({ PolicyVersion: { VersionId: 'v1' } })).toMatchObject({
      code: 'missing_field',
      path: '$.PolicyVersion',
    });
  });
});

describe('parsePolicy: invalid input', () => {
  it('reports text that is not JSON', () => {
    const issue = issueOf('not json', 'p.json');
    expect(issue).toMatchObject({
      code: 'invalid_json',
      message: "unexpected word 'not', expected a value",
      source: 'p.json',
      line: 1,
      column: 1,
    });
  });

  it('reports empty text', () => {
    expect(issueOf('  \n', '<stdin>')).toMatchObject({ code: 'empty_input', source: '<stdin>' });
  });

  it('reports truncated JSON with line and column', () => {
    const issue = issueOf('{\n  "Statement": [\n    {"Effect": "Allow",', 'cut.json');
    expect(issue).toMatchObject({ code: 'invalid_json', line: 3, column: 24 });
    expect(issue.message).toBe(
      "unexpected end of input: the JSON is truncated (expected '}' to close the object opened at 3:5)",
    );
  });

  it('reports duplicate keys', () => {
    const issue = issueOf('{"Statement": [{"Effect": "Allow", "Action": "a:b", "Action": "c:d"}]}');
    expect(issue.code).toBe('duplicate_key');
    expect(issue.path).toBe('$.Statement[0]');
    expect(issue.message).toContain('duplicate key "Action"');
    expect(issue.message).toContain('1:36');
  });

  it.each([
    ['[]', 'an array'],
    ['"policy"', '"policy"'],
    ['null', 'null'],
  ])('rejects a document that is not an object: %s', (text, found) => {
    const issue = issueOf(text);
    expect(issue).toMatchObject({ code: 'invalid_type', path: '$', line: 1, column: 1 });
    expect(issue.message).toBe(`the policy document must be a JSON object, found ${found}`);
  });

  it('rejects an unknown Version', () => {
    const issue = issueOf(
      '{"Version": "2012-10-18", "Statement": {"Effect": "Allow", "Action": "*"}}',
    );
    expect(issue).toMatchObject({ code: 'invalid_value', path: '$.Version', line: 1, column: 13 });
    expect(issue.message).toContain('found "2012-10-18"');
    expect(issueOf({ ...ARTICLE_POLICY, Version: 2012 })).toMatchObject({
      code: 'invalid_value',
      path: '$.Version',
    });
  });

  it('reports a missing Statement at the document', () => {
    const issue = issueOf('{\n  "Version": "2012-10-17"\n}');
    expect(issue).toMatchObject({ code: 'missing_field', path: '$', line: 1, column: 1 });
    expect(issue.message).toContain('"Statement"');
  });

  it.each([
    [[], 'an empty array'],
    [42, 'found 42'],
    ['Allow', 'found "Allow"'],
  ])('rejects Statement %j', (statement, text) => {
    const issue = issueOf({ Statement: statement });
    expect(issue).toMatchObject({ code: 'invalid_type', path: '$.Statement' });
    expect(issue.message).toContain(text);
    expect(issue.line).toBeUndefined();
  });

  it('rejects a statement that is not an object', () => {
    expect(issueOf({ Statement: [ARTICLE_POLICY.Statement[0], 'Allow'] })).toMatchObject({
      code: 'invalid_type',
      path: '$.Statement[1]',
    });
  });

  it.each([
    [
      'allow',
      '"Effect" is "allow", expected "Allow" or "Deny" (case-sensitive) (did you mean "Allow"?)',
    ],
    [
      'DENY',
      '"Effect" is "DENY", expected "Allow" or "Deny" (case-sensitive) (did you mean "Deny"?)',
    ],
    ['Permit', '"Effect" is "Permit", expected "Allow" or "Deny" (case-sensitive)'],
    [true, '"Effect" is true, expected "Allow" or "Deny" (case-sensitive)'],
  ])('rejects Effect %j', (effect, message) => {
    const issue = issueOf({ Statement: [{ Effect: effect, Action: 's3:*' }] });
    expect(issue).toEqual({
      code: 'invalid_value',
      path: '$.Statement[0].Effect',
      message,
      source: '<input>',
    });
  });

  it('requires Effect', () => {
    expect(issueOf({ Statement: { Action: 's3:*' } })).toMatchObject({
      code: 'missing_field',
      path: '$.Statement',
    });
  });

  it('rejects both Action and NotAction, and neither', () => {
    const both = issueOf({ Statement: [{ Effect: 'Allow', Action: 'a:b', NotAction: 'c:d' }] });
    expect(both).toMatchObject({ code: 'conflicting_fields', path: '$.Statement[0]' });
    expect(both.message).toContain('both "Action" and "NotAction"');
    const neither = issueOf({ Statement: [{ Effect: 'Allow', Resource: '*' }] });
    expect(neither).toMatchObject({ code: 'missing_field', path: '$.Statement[0]' });
    expect(neither.message).toContain('neither "Action" nor "NotAction"');
  });

  it('rejects a non-string action at its exact path and position', () => {
    const text = [
      '{',
      '  "Statement": [',
      '    {"Effect": "Deny", "Action": "*"},',
      '    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", 42]}',
      '  ]',
      '}',
    ].join('\n');
    const issue = issueOf(text, 'p.json');
    expect(issue).toEqual({
      code: 'invalid_type',
      path: '$.Statement[1].Action[2]',
      message: 'each "Action" entry must be a string such as "s3:GetObject", found 42',
      source: 'p.json',
      line: 4,
      column: 68,
    });
  });

  it('rejects empty actions and action values of the wrong type', () => {
    expect(issueOf({ Statement: { Effect: 'Allow', Action: '' } })).toMatchObject({
      code: 'invalid_value',
      path: '$.Statement.Action',
    });
    expect(issueOf({ Statement: { Effect: 'Allow', NotAction: ['s3:*', ''] } })).toMatchObject({
      code: 'invalid_value',
      path: '$.Statement.NotAction[1]',
    });
    expect(issueOf({ Statement: { Effect: 'Allow', Action: [] } })).toMatchObject({
      code: 'invalid_type',
      path: '$.Statement.Action',
    });
    expect(issueOf({ Statement: { Effect: 'Allow', Action: { s3: '*' } } })).toMatchObject({
      code: 'invalid_type',
      path: '$.Statement.Action',
    });
  });

  it('rejects Resource together with NotResource', () => {
    const issue = issueOf({
      Statement: { Effect: 'Allow', Action: '*', Resource: '*', NotResource: 'arn:x' },
    });
    expect(issue).toMatchObject({ code: 'conflicting_fields', path: '$.Statement' });
    expect(issue.message).toContain('"Resource" and "NotResource"');
  });

  it('rejects a Sid that is not a string', () => {
    expect(issueOf({ Statement: { Sid: 1, Effect: 'Allow', Action: '*' } })).toMatchObject({
      code: 'invalid_type',
      path: '$.Statement.Sid',
    });
  });

  it('ignores inherited properties of object input', () => {
    const statement = Object.create({ Effect: 'Allow' }) as Record<string, unknown>;
    statement.Action = 's3:*';
    expect(issueOf({ Statement: [statement] })).toMatchObject({
      code: 'missing_field',
      path: '$.Statement[0]',
    });
  });

  it('collects every issue of every statement, in document order', () => {
    const text = JSON.stringify(
      {
        Version: '1.0',
        Statement: [
          { Effect: 'allow', Action: 's3:*', NotAction: 'ec2:*' },
          { Effect: 'Allow', Action: ['s3:GetObject', null], Resource: '*', NotResource: '*' },
          { Sid: [], Action: '' },
          7,
        ],
      },
      null,
      2,
    );
    const issues = issuesOf(text, 'many.json');
    expect(issues.map((i) => `${i.code} ${i.path}`)).toEqual([
      'invalid_value $.Version',
      'invalid_value $.Statement[0].Effect',
      'conflicting_fields $.Statement[0]',
      'invalid_type $.Statement[1].Action[1]',
      'conflicting_fields $.Statement[1]',
      'invalid_type $.Statement[2].Sid',
      'missing_field $.Statement[2]',
      'invalid_value $.Statement[2].Action',
      'invalid_type $.Statement[3]',
    ]);
    for (const issue of issues) {
      expect(issue.source).toBe('many.json');
      expect(issue.line).toBeGreaterThan(1);
      expect(issue.column).toBeGreaterThan(1);
    }
    expect(issues[3]).toMatchObject({ line: 13, column: 9 });
  });
});
