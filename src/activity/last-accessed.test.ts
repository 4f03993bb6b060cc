import { describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import { arnFromFileName, parseLastAccessed } from './last-accessed.js';
import { plainSummary } from './test-helpers.js';

const ROLE = 'arn:aws:iam::123456789012:role/service-role/app/OrderProcessor';
const FILE = `${encodeURIComponent(ROLE)}.json`;

/** A realistic ACTION_LEVEL response, as `aws iam get-service-last-accessed-details` prints it. */
function response(more: Record<string, unknown> = {}) {
  return {
    JobStatus: 'COMPLETED',
    JobType: 'ACTION_LEVEL',
    JobCreationDate: '2026-01-20T10:00:00.123000+00:00',
    ServicesLastAccessed: [
      {
        ServiceName: 'Amazon S3',
        LastAuthenticated: '2026-01-16T09:10:00+00:00',
        ServiceNamespace: 's3',
        LastAuthenticatedEntity: ROLE,
        LastAuthenticatedRegion: 'us-east-1',
        TotalAuthenticatedEntities: 1,
        TrackedActionsLastAccessed: [
          {
            ActionName: 'GetObject',
            LastAccessedEntity: ROLE,
            LastAccessedRegion: 'us-east-1',
            LastAccessedTime: '2026-01-16T09:10:00+00:00',
          },
          { ActionName: 's3:PutObject', LastAccessedTime: '2026-01-10T00:00:00+00:00' },
          { ActionName: 'DeleteObject' },
        ],
      },
      {
        ServiceName: 'AWS Key Management Service',
        LastAuthenticated: '2026-01-15T10:00:00+00:00',
        ServiceNamespace: 'kms',
        TotalAuthenticatedEntities: 1,
      },
      { ServiceName: 'Amazon EC2', ServiceNamespace: 'ec2', TotalAuthenticatedEntities: 0 },
    ],
    JobCompletionDate: '2026-01-20T10:00:05.241000+00:00',
    IsTruncated: false,
    ...more,
  };
}

const EXPECTED_PRINCIPALS = {
  [ROLE]: {
    last: '2026-01-16T09:10:00.000Z',
    services: {
      kms: { last: '2026-01-15T10:00:00.000Z', actions: {} },
      s3: {
        last: '2026-01-16T09:10:00.000Z',
        actions: { getobject: '2026-01-16T09:10:00.000Z', putobject: '2026-01-10T00:00:00.000Z' },
      },
    },
  },
};

function issuesOf(text: string, source = FILE): Issue[] {
  try {
    parseLastAccessed(text, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

describe('parseLastAccessed', () => {
  it('reads an ACTION_LEVEL report named after the URL-encoded ARN', () => {
    const report = parseLastAccessed(JSON.stringify(response(), null, 2), `/tmp/x/${FILE}`);
    expect(report.arn).toBe(ROLE);
    expect(report.jobType).toBe('ACTION_LEVEL');
    expect(report.warnings).toEqual([]);
    expect(plainSummary(report.accumulator.finish())).toEqual({
      principals: EXPECTED_PRINCIPALS,
      accessKeys: {},
      observability: { dataEventServices: [], actionLastAccessed: true },
      coverage: ['2024-12-16T10:00:05.241Z', '2026-01-20T10:00:05.241Z'],
    });
  });

  it('reads the wrapper, whose ARN wins over the file name', () => {
    const text = JSON.stringify({ Arn: ROLE, ServiceLastAccessed: response() });
    const report = parseLastAccessed(text, 'arn%3Aaws%3Aiam%3A%3A999999999999%3Arole%2FOther.json');
    expect(report.arn).toBe(ROLE);
    expect(plainSummary(report.accumulator.finish()).principals).toEqual(EXPECTED_PRINCIPALS);
  });

  it('reads a wrapper holding the pages of a truncated response', () => {
    const [s3, kms, ec2] = response().ServicesLastAccessed;
    const pages = [
      response({ ServicesLastAccessed: [s3], IsTruncated: true, Marker: 'p2' }),
      response({ ServicesLastAccessed: [kms, ec2], IsTruncated: false }),
    ];
    const report = parseLastAccessed(
      JSON.stringify({ Arn: ROLE, ServiceLastAccessed: pages }),
      'r.json',
    );
    expect(plainSummary(report.accumulator.finish()).principals).toEqual(EXPECTED_PRINCIPALS);
  });

  it('rejects a truncated response without its later pages, and pages out of order', () => {
    expect(issuesOf(JSON.stringify(response({ IsTruncated: true, Marker: 'x' })))).toEqual([
      expect.objectContaining({
        code: 'invalid_value',
        path: '$.IsTruncated',
        message: expect.stringContaining('fetch every page (--marker)'),
        source: FILE,
      }),
    ]);
    const pages = [response({ IsTruncated: false }), response({ IsTruncated: false })];
    expect(issuesOf(JSON.stringify({ Arn: ROLE, ServiceLastAccessed: pages }))[0]).toMatchObject({
      path: '$.ServiceLastAccessed[0].IsTruncated',
      message: expect.stringContaining('are the pages in order?'),
    });
  });

  it('accepts a SERVICE_LEVEL report with a warning: every action of each used service counts', () => {
    const body = response({ JobType: 'SERVICE_LEVEL' });
    for (const s of body.ServicesLastAccessed)
      delete (s as { TrackedActionsLastAccessed?: unknown }).TrackedActionsLastAccessed;
    const report = parseLastAccessed(JSON.stringify(body), FILE);
    expect(report.jobType).toBe('SERVICE_LEVEL');
    expect(report.warnings).toEqual([
      expect.objectContaining({
        code: 'invalid_value',
        path: '$',
        message: expect.stringContaining('SERVICE_LEVEL granularity: it has no action-level data'),
        source: FILE,
      }),
    ]);
    const s = report.accumulator.finish();
    expect(s.observability.actionLastAccessed).toBe(false);
    expect(plainSummary(s).principals).toEqual({
      [ROLE]: {
        last: '2026-01-16T09:10:00.000Z',
        services: {
          kms: { last: '2026-01-15T10:00:00.000Z', all: '2026-01-15T10:00:00.000Z', actions: {} },
          s3: { last: '2026-01-16T09:10:00.000Z', all: '2026-01-16T09:10:00.000Z', actions: {} },
        },
      },
    });
  });

  it('infers the granularity when JobType is absent', () => {
    const body = response();
    delete (body as { JobType?: unknown }).JobType;
    expect(parseLastAccessed(JSON.stringify(body), FILE).jobType).toBe('ACTION_LEVEL');
  });

  it('rejects a job that is not COMPLETED, with line and column', () => {
    const text = JSON.stringify(response({ JobStatus: 'IN_PROGRESS' }), null, 2);
    expect(issuesOf(text)).toEqual([
      {
        code: 'invalid_value',
        path: '$.JobStatus',
        message:
          'JobStatus is IN_PROGRESS: the report is not ready; run get-service-last-accessed-details again until it says COMPLETED',
        source: FILE,
        line: 2,
        column: 16,
      },
    ]);
    const failed = issuesOf(
      JSON.stringify(response({ JobStatus: 'FAILED', Error: { Message: 'boom', Code: 'x' } })),
    );
    expect(failed[0]!.message).toBe(
      'JobStatus is FAILED: the report could not be generated (boom); generate it again',
    );
  });

  it('rejects an unknown JobType', () => {
    expect(issuesOf(JSON.stringify(response({ JobType: 'FOO' })))[0]).toMatchObject({
      path: '$.JobType',
      message: 'expected JobType "ACTION_LEVEL" or "SERVICE_LEVEL", found "FOO"',
    });
  });

  it('needs an ARN from the wrapper or the file name, of a role or a user', () => {
    expect(issuesOf(JSON.stringify(response()), 'report.json')[0]).toMatchObject({
      code: 'missing_field',
      message: expect.stringContaining('name the file after the URL-encoded ARN'),
    });
    expect(
      issuesOf(
        JSON.stringify(response()),
        `${encodeURIComponent('arn:aws:iam::123456789012:group/devs')}.json`,
      )[0],
    ).toMatchObject({
      code: 'invalid_value',
      message: expect.stringContaining('not a role or user ARN'),
    });
    expect(issuesOf(JSON.stringify({ Arn: 7, ServiceLastAccessed: response() }))[0]).toMatchObject({
      code: 'invalid_type',
      path: '$.Arn',
    });
    expect(issuesOf(JSON.stringify({ Arn: ROLE }))[0]).toMatchObject({
      code: 'missing_field',
      message: expect.stringContaining('"ServiceLastAccessed"'),
    });
  });

  it('lists every bad value, with its path', () => {
    const body = response();
    body.ServicesLastAccessed[0]!.LastAuthenticated = 'yesterday';
    (body.ServicesLastAccessed[0]!.TrackedActionsLastAccessed as unknown[])[1] = {
      LastAccessedTime: '2026-01-01T00:00:00Z',
    };
    (body.ServicesLastAccessed[1] as Record<string, unknown>).ServiceNamespace = 5;
    expect(issuesOf(JSON.stringify(body)).map((i) => [i.code, i.path])).toEqual([
      ['invalid_value', '$.ServicesLastAccessed[0].LastAuthenticated'],
      ['missing_field', '$.ServicesLastAccessed[0].TrackedActionsLastAccessed[1]'],
      ['invalid_type', '$.ServicesLastAccessed[1].ServiceNamespace'],
    ]);
  });

  it('reports malformed JSON and other documents with the file name', () => {
    expect(issuesOf('{"JobStatus": ')[0]).toMatchObject({
      code: 'invalid_json',
      source: FILE,
      line: 1,
    });
    expect(issuesOf('[]')[0]).toMatchObject({ code: 'invalid_type', path: '$' });
    expect(issuesOf('{"Records": []}')[0]).toMatchObject({
      code: 'missing_field',
      message: expect.stringContaining('JobStatus'),
    });
  });
});

describe('arnFromFileName', () => {
  it('decodes a URL-encoded ARN file name, with or without a folder', () => {
    expect(arnFromFileName(`/data/la/${FILE}`)).toBe(ROLE);
    expect(arnFromFileName('arn:aws:iam::123456789012:user%2Falice.JSON')).toBe(
      'arn:aws:iam::123456789012:user/alice',
    );
    expect(arnFromFileName('role.json')).toBeUndefined();
    expect(arnFromFileName('%E0%A4%A.json')).toBeUndefined();
  });
});
