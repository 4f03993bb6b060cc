import { beforeAll, describe, expect, it } from 'vitest';
import { createCatalog, type ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { IamRefineError } from '../errors.js';
import { createActionMapper, stripVersionSuffix, type ActionMapper } from './action-mapper.js';
import { loadOperationData } from './load-operation-data.js';

/** The mapping as sorted plain data, possible actions as `service:action`. */
function plain(mapper: ActionMapper, source: string, name: string) {
  const m = mapper.map(source, name);
  return {
    service: m.service,
    used: [...m.used],
    possible: m.possible.map((q) => `${q.service}:${q.action}`).sort(),
    wholeService: m.wholeService,
  };
}

describe('with the bundled data and catalog', () => {
  let mapper: ActionMapper;
  let data: object;
  let catalog: ActionCatalog;
  beforeAll(async () => {
    [data, catalog] = await Promise.all([loadOperationData(), loadCatalog()]);
    mapper = createActionMapper(data, catalog);
  });

  it('maps an operation to its same-named action and the rest of its union as possible', () => {
    expect(plain(mapper, 's3.amazonaws.com', 'GetObject')).toEqual({
      service: 's3',
      used: ['getobject'],
      possible: [
        'kms:decrypt',
        's3-object-lambda:getobject',
        's3:getobjectlegalhold',
        's3:getobjectretention',
        's3:getobjecttagging',
        's3:getobjectversion',
        's3:listbucket',
      ],
      wholeService: false,
    });
  });

  it('gives cross-service possible actions their own service', () => {
    const m = plain(mapper, 'lambda.amazonaws.com', 'CreateFunction');
    expect(m.used).toEqual(['createfunction']);
    expect(m.possible).toContain('iam:passrole');
    expect(mapper.map('lambda.amazonaws.com', 'CreateFunction').possible).toContainEqual({
      service: 'iam',
      action: 'passrole',
    });
  });

  it('strips CloudTrail API-version suffixes (README caveat 7)', () => {
    expect(plain(mapper, 'lambda.amazonaws.com', 'ListFunctions20150331')).toEqual({
      service: 'lambda',
      used: ['listfunctions'],
      possible: [],
      wholeService: false,
    });
    expect(plain(mapper, 'lambda.amazonaws.com', 'GetAccountSettings20160819').used).toEqual([
      'getaccountsettings',
    ]);
    expect(plain(mapper, 'lambda.amazonaws.com', 'UpdateFunctionCode20150331v2').used).toEqual([
      'updatefunctioncode',
    ]);
    expect(plain(mapper, 'lambda.amazonaws.com', 'GetFunction20150331v2')).toEqual({
      service: 'lambda',
      used: ['getfunction'],
      possible: ['lambda:listtags'],
      wholeService: false,
    });
  });

  it('does not cut a short numeric suffix (an unknown new operation counts for the service)', () => {
    expect(plain(mapper, 'iot.amazonaws.com', 'ListThings2')).toEqual({
      service: 'iot',
      used: [],
      possible: [],
      wholeService: true,
    });
  });

  it('keeps names that are known as they are, even when they end in digits', () => {
    expect(plain(mapper, 'datasync.amazonaws.com', 'CreateLocationS3').used).toEqual([
      'createlocations3',
    ]);
  });

  it('applies the documented event-source renames', () => {
    expect(plain(mapper, 'monitoring.amazonaws.com', 'PutMetricData')).toEqual({
      service: 'cloudwatch',
      used: ['putmetricdata'],
      possible: [],
      wholeService: false,
    });
    expect(plain(mapper, 'streams.dynamodb.amazonaws.com', 'GetRecords')).toEqual({
      service: 'dynamodb',
      used: ['getrecords'],
      possible: ['dynamodb:readdataforreplication'],
      wholeService: false,
    });
    expect(mapper.iamPrefix('pinpoint.amazonaws.com')).toBe('mobiletargeting');
    expect(mapper.iamPrefix('tagging.amazonaws.com')).toBe('tag');
    expect(mapper.iamPrefix('appstream2.amazonaws.com')).toBe('appstream');
  });

  it('uses an unverified SDK-endpoint candidate only for the whole service, flagged as a guess', () => {
    const derived = (data as { eventSourceToIamPrefix: { derivedFromSdkEndpoints: object } })
      .eventSourceToIamPrefix.derivedFromSdkEndpoints;
    expect(Object.keys(derived)).toContain('api.detective.amazonaws.com');
    expect(mapper.iamPrefix('api.detective.amazonaws.com')).toBe('detective');
    expect(mapper.map('api.detective.amazonaws.com', 'ListGraphs')).toMatchObject({
      service: 'detective',
      used: [],
      possible: [],
      wholeService: true,
      unmapped: 'guessed-event-source',
    });
  });

  it('takes the first label of other hosts, and a bare prefix as it is', () => {
    expect(mapper.iamPrefix('s3.amazonaws.com')).toBe('s3');
    expect(mapper.iamPrefix('S3')).toBe('s3');
    expect(plain(mapper, 's3', 'getobject')).toEqual(
      plain(mapper, 's3.amazonaws.com', 'GetObject'),
    );
  });

  it('uses the only authorized action of a differently named operation', () => {
    expect(plain(mapper, 's3.amazonaws.com', 'ListBuckets')).toEqual({
      service: 's3',
      used: ['listallmybuckets'],
      possible: [],
      wholeService: false,
    });
    expect(plain(mapper, 'lambda.amazonaws.com', 'Invoke').used).toEqual(['invokefunction']);
  });

  it('counts only possible use when several actions and none same-named are listed', () => {
    expect(plain(mapper, 's3.amazonaws.com', 'ListObjectsV2')).toEqual({
      service: 's3',
      used: [],
      possible: ['s3-object-lambda:listbucket', 's3:getobjectacl', 's3:listbucket'],
      wholeService: false,
    });
  });

  it('maps an operation missing from the data to the same-named catalog action', () => {
    // s3:ListBucket is an action, not an operation (an activity CSV may name actions).
    expect(plain(mapper, 's3', 'ListBucket')).toEqual({
      service: 's3',
      used: ['listbucket'],
      possible: [],
      wholeService: false,
    });
    // Listed without authorized actions, but the catalog has the action.
    expect(plain(mapper, 'sts.amazonaws.com', 'AssumeRoleWithSAML').used).toEqual([
      'assumerolewithsaml',
    ]);
  });

  it('counts an unknown operation, an unknown service or an empty name for the whole service', () => {
    expect(plain(mapper, 's3.amazonaws.com', 'FrobnicateBucket')).toEqual({
      service: 's3',
      used: [],
      possible: [],
      wholeService: true,
    });
    expect(plain(mapper, 'nosuchservice.amazonaws.com', 'DoThing')).toEqual({
      service: 'nosuchservice',
      used: [],
      possible: [],
      wholeService: true,
    });
    expect(plain(mapper, 'ec2', '').wholeService).toBe(true);
  });

  it('flags every call it cannot map exactly, and only those', () => {
    expect(mapper.map('s3.amazonaws.com', 'FrobnicateBucket').unmapped).toBe('unknown-operation');
    expect(mapper.map('s3.amazonaws.com', '../GetObject').unmapped).toBe('unknown-operation');
    expect(mapper.map('s3.amazonaws.com', '__proto__').unmapped).toBe('unknown-operation');
    expect(mapper.map('nosuchservice.amazonaws.com', 'DoThing').unmapped).toBe(
      'unknown-event-source',
    );
    expect(mapper.map('s3.amazonaws.com', 'GetObject').unmapped).toBeUndefined();
    // Service-level evidence (an activity CSV row without an action) is not a failure to map.
    expect(mapper.map('ec2', '').unmapped).toBeUndefined();
  });

  it('looks es.amazonaws.com events up in the es and opensearch tables (README caveat 6)', () => {
    expect(plain(mapper, 'es.amazonaws.com', 'AddDataSource')).toEqual({
      service: 'es',
      used: ['adddatasource'],
      possible: ['iam:passrole'],
      wholeService: false,
    });
  });

  it('caches results and returns frozen objects', () => {
    const a = mapper.map('kms.amazonaws.com', 'Decrypt');
    expect(mapper.map('kms.amazonaws.com', 'Decrypt')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.used)).toBe(true);
  });
});

const DOCS = 'https://docs.aws.amazon.com/example.html';

describe('with a tiny catalog and data', () => {
  const catalog = createCatalog(
    { svc: ['DoThing', 'Other', 'ListThings'], iam: ['PassRole'] },
    'test',
  );
  const data = {
    operations: {
      svc: {
        DoThing: ['svc:Other', 'iam:PassRole'],
        MakeThing: ['svc:Other', 'svc:MakeThing'],
        Both: ['svc:Other', 'iam:PassRole'],
        ListThings: ['svc:ListThings'],
      },
    },
    operationsWithoutAuthorizedActions: { svc: ['Silent'] },
    eventSourceToIamPrefix: {
      documented: [{ eventSource: 'alias.example.com', iamPrefix: 'svc' }],
      derivedFromSdkEndpoints: { 'ignored.amazonaws.com': [{ iamPrefix: 'svc' }] },
    },
  };
  const mapper = createActionMapper(data, catalog);

  it('uses the same-named action when the catalog has it, even if the list does not', () => {
    expect(plain(mapper, 'alias.example.com', 'DoThing')).toEqual({
      service: 'svc',
      used: ['dothing'],
      possible: ['iam:passrole', 'svc:other'],
      wholeService: false,
    });
  });

  it('uses the same-named action when the list has it, even if the catalog does not', () => {
    expect(plain(mapper, 'svc', 'MakeThing')).toEqual({
      service: 'svc',
      used: ['makething'],
      possible: ['svc:other'],
      wholeService: false,
    });
  });

  it('uses no action when neither has a same-named one and several are listed', () => {
    expect(plain(mapper, 'svc', 'Both')).toEqual({
      service: 'svc',
      used: [],
      possible: ['iam:passrole', 'svc:other'],
      wholeService: false,
    });
  });

  it('strips a version suffix only to a known name', () => {
    expect(plain(mapper, 'svc', 'ListThings20150331').used).toEqual(['listthings']);
    expect(plain(mapper, 'svc', 'ListThings_2019_03_26').used).toEqual(['listthings']);
    expect(plain(mapper, 'svc', 'Unknown20150331').wholeService).toBe(true);
  });

  it('counts an operation without authorized actions and no catalog action for the service', () => {
    expect(plain(mapper, 'svc', 'Silent').wholeService).toBe(true);
  });

  it('uses an unverified candidate only as a whole-service guess', () => {
    expect(mapper.iamPrefix('ignored.amazonaws.com')).toBe('svc');
    expect(mapper.map('ignored.amazonaws.com', 'DoThing')).toMatchObject({
      service: 'svc',
      wholeService: true,
      unmapped: 'guessed-event-source',
    });
  });

  it('applies override entries: added actions are possible use, renames are explicit', () => {
    const withOverrides = createActionMapper(
      {
        ...data,
        mappingOverrides: {
          eventSources: [{ eventSource: 'other.example.com', iamPrefix: 'svc', reference: DOCS }],
          operations: [
            { service: 'svc', operation: 'ListThings', add: ['iam:PassRole'], reference: DOCS },
            { service: 'svc', operation: 'Other', add: ['iam:PassRole'], reference: DOCS },
          ],
        },
      },
      catalog,
    );
    expect(plain(withOverrides, 'other.example.com', 'ListThings')).toEqual({
      service: 'svc',
      used: ['listthings'],
      possible: ['iam:passrole'],
      wholeService: false,
    });
    // An operation the data lacks is created: its same-named catalog action stays used.
    expect(plain(withOverrides, 'svc', 'Other')).toEqual({
      service: 'svc',
      used: ['other'],
      possible: ['iam:passrole'],
      wholeService: false,
    });
  });

  it('rejects override entries without their AWS page or shape, naming the entry', () => {
    const bad = (mappingOverrides: unknown) => () =>
      createActionMapper({ ...data, mappingOverrides }, catalog);
    expect(bad({ operations: [{ service: 'svc', operation: 'A', add: ['svc:A'] }] })).toThrow(
      /\$\.operations\[0\]\.reference must be the AWS documentation page/,
    );
    expect(
      bad({ operations: [{ service: 'svc', operation: 'A', add: 'svc:A', reference: DOCS }] }),
    ).toThrow(/\$\.operations\[0\] must be/);
    expect(
      bad({ eventSources: [{ eventSource: 'x', iamPrefix: 'svc', reference: 'http://x' }] }),
    ).toThrow(/\$\.eventSources\[0\]\.reference/);
    expect(bad([])).toThrow(/mapping overrides: \$ must be an object/);
  });

  it('rejects data without the documented layout', () => {
    expect(() => createActionMapper({}, catalog)).toThrow(IamRefineError);
    expect(() => createActionMapper({ operations: { svc: { A: 'svc:A' } } }, catalog)).toThrow(
      /operations\.svc\.A must be a list/,
    );
    expect(() =>
      createActionMapper(
        { operations: {}, eventSourceToIamPrefix: { documented: [{ eventSource: 1 }] } },
        catalog,
      ),
    ).toThrow(/documented\[0\]/);
  });
});

describe('stripVersionSuffix', () => {
  const known = (names: string[]) => (c: string) => names.includes(c);

  it('cuts the shortest qualifying suffix that leaves a known name', () => {
    expect(stripVersionSuffix('listfunctions20150331', known(['listfunctions']))).toBe(
      'listfunctions',
    );
    expect(stripVersionSuffix('getfunction20150331v2', known(['getfunction']))).toBe('getfunction');
    expect(stripVersionSuffix('x_2019_03_26', known(['x']))).toBe('x');
    // Shortest cut first: "a1" is known and the cut "20150331" holds 8 digits.
    expect(stripVersionSuffix('a120150331', known(['a', 'a1']))).toBe('a1');
  });

  it('leaves names alone when the cut would hold fewer than 8 digits or leave nothing known', () => {
    expect(stripVersionSuffix('listthings2', known(['listthings']))).toBeUndefined();
    expect(stripVersionSuffix('getv2', known(['get']))).toBeUndefined();
    expect(stripVersionSuffix('unknown20150331', known([]))).toBeUndefined();
    expect(stripVersionSuffix('20150331', known(['']))).toBeUndefined();
  });
});
