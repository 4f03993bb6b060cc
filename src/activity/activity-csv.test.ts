import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { ValidationError, type Issue } from '../errors.js';
import { createActionMapper, type ActionMapper } from './action-mapper.js';
import { parseActivityCsv } from './activity-csv.js';
import { loadOperationData } from './load-operation-data.js';
import { plainSummary } from './test-helpers.js';

const ROLE = 'arn:aws:iam::123456789012:role/app/Worker';
const USER = 'arn:aws:iam::123456789012:user/alice';

let mapper: ActionMapper;
beforeAll(async () => {
  const [catalog, data] = await Promise.all([loadCatalog(), loadOperationData()]);
  mapper = createActionMapper(data, catalog);
});

function issuesOf(text: string): Issue[] {
  try {
    parseActivityCsv(text, 'activity.csv', mapper);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

describe('parseActivityCsv', () => {
  it('maps event sources and names, prefixes and action names, like CloudTrail events', () => {
    const csv = [
      'principal_arn,service,action,last_accessed,access_key_id',
      `${ROLE},s3.amazonaws.com,GetObject,2026-01-16T09:10:00Z,`,
      `${ROLE},lambda.amazonaws.com,ListFunctions20150331,2026-01-15T09:00:00Z,`,
      `${ROLE},monitoring.amazonaws.com,PutMetricData,2026-01-15T10:30:00.000Z,`,
      `${ROLE},kms,Decrypt,2026-01-15 10:00:00,`,
      `${ROLE},ec2,,2026-01-14T00:00:00Z,`,
      `"${USER}","iam","ListRoles","2026-01-15T11:00:00+00:00","AKIAEXAMPLE"`,
      `${USER},iam,GetUser,2026-01-16T09:25:00Z,ASIATEMPORARY`,
    ].join('\n');
    const { accumulator, rows } = parseActivityCsv(csv, 'activity.csv', mapper);
    expect(rows).toBe(7);
    expect(plainSummary(accumulator.finish())).toEqual({
      principals: {
        [ROLE]: {
          last: '2026-01-16T09:10:00.000Z',
          services: {
            cloudwatch: {
              last: '2026-01-15T10:30:00.000Z',
              actions: { putmetricdata: '2026-01-15T10:30:00.000Z' },
            },
            ec2: { last: '2026-01-14T00:00:00.000Z', all: '2026-01-14T00:00:00.000Z', actions: {} },
            // GetObject (2026-01-16) possibly used kms:Decrypt too (data/mapping-overrides.json).
            kms: {
              last: '2026-01-16T09:10:00.000Z',
              actions: { decrypt: '2026-01-16T09:10:00.000Z possible' },
            },
            lambda: {
              last: '2026-01-15T09:00:00.000Z',
              actions: { listfunctions: '2026-01-15T09:00:00.000Z' },
            },
            s3: {
              last: '2026-01-16T09:10:00.000Z',
              actions: {
                getobject: '2026-01-16T09:10:00.000Z',
                getobjectlegalhold: '2026-01-16T09:10:00.000Z possible',
                getobjectretention: '2026-01-16T09:10:00.000Z possible',
                getobjecttagging: '2026-01-16T09:10:00.000Z possible',
                getobjectversion: '2026-01-16T09:10:00.000Z possible',
                listbucket: '2026-01-16T09:10:00.000Z possible',
              },
            },
            's3-object-lambda': {
              last: '2026-01-16T09:10:00.000Z',
              actions: { getobject: '2026-01-16T09:10:00.000Z possible' },
            },
          },
        },
        [USER]: {
          last: '2026-01-16T09:25:00.000Z',
          services: {
            iam: {
              last: '2026-01-16T09:25:00.000Z',
              actions: {
                getuser: '2026-01-16T09:25:00.000Z',
                listroles: '2026-01-15T11:00:00.000Z',
              },
            },
          },
        },
      },
      accessKeys: { AKIAEXAMPLE: `${USER} 2026-01-15T11:00:00.000Z` },
      observability: { dataEventServices: [], actionLastAccessed: false },
      coverage: undefined,
    });
  });

  it('takes columns by name in any order and case, ignoring others, without access keys', () => {
    const csv = `LAST_ACCESSED,events,Action,Service,Principal_ARN\n2026-01-01T00:00:00Z,5,GetItem,dynamodb,${ROLE}\n`;
    const s = parseActivityCsv(csv, 'a.csv', mapper).accumulator.finish();
    expect([...s.principals.get(ROLE)!.services.get('dynamodb')!.actions.keys()]).toEqual([
      'getitem',
      'readdataforreplication',
    ]);
  });

  it('names the missing columns and the header found', () => {
    expect(issuesOf('principal_arn,service,when\nx,y,z\n')).toEqual([
      {
        code: 'missing_field',
        path: '$',
        message:
          'the header has no column action, last_accessed: expected principal_arn,service,action,last_accessed (optionally access_key_id), found principal_arn,service,when',
        source: 'activity.csv',
        line: 1,
        column: 1,
      },
    ]);
  });

  it('reports every bad field with its line and column', () => {
    const csv = [
      'principal_arn,service,action,last_accessed',
      `${ROLE},s3,GetObject,2026-01-01T00:00:00Z`,
      `Worker,s3,GetObject,2026-01-01T00:00:00Z`,
      `${ROLE},,GetObject,yesterday`,
    ].join('\n');
    expect(issuesOf(csv)).toEqual([
      {
        code: 'invalid_value',
        path: 'principal_arn',
        message: 'line 3: expected principal_arn to be a role or user ARN, found "Worker"',
        source: 'activity.csv',
        line: 3,
        column: 1,
      },
      {
        code: 'invalid_value',
        path: 'service',
        message:
          'line 4: expected service to be an IAM prefix or an eventSource, found an empty field',
        source: 'activity.csv',
        line: 4,
        column: ROLE.length + 2,
      },
      {
        code: 'invalid_value',
        path: 'last_accessed',
        message:
          'line 4: expected last_accessed to be an ISO 8601 date-time such as 2026-01-15T10:00:00Z, found "yesterday"',
        source: 'activity.csv',
        line: 4,
        column: ROLE.length + 13,
      },
    ]);
  });

  it('passes on CSV syntax problems from the CSV reader', () => {
    expect(issuesOf('')[0]!.code).toBe('empty_input');
    expect(issuesOf('principal_arn,service,action,last_accessed\na,b\n')[0]).toMatchObject({
      code: 'invalid_value',
      line: 2,
    });
  });
});
