/**
 * A small, realistic findings database for the dashboard's tests: two accounts, a few dozen roles
 * and users with customer managed, AWS managed, inline and group policies (one of them the
 * article's policy), activity that leaves some of it unused, three scans over two months (so the
 * trend has points and findings get resolved and created), principal tags, and one hostile
 * principal whose path, policy and tags carry HTML/script payloads.
 *
 * The findings come from the real engine (`computeFindings`); each policy recommendation gets the
 * policy's original document as `originalPolicy` when the engine did not already add it.
 */
import type { ActivitySummary, PrincipalActivity } from '../../src/activity/types.js';
import type { ActionCatalog } from '../../src/catalog/catalog.js';
import { computeFindings } from '../../src/findings/findings.js';
import type { ScanResult } from '../../src/findings/types.js';
import type { Group, Inventory, ManagedPolicy, Principal } from '../../src/inventory/types.js';
import type { FindingsStore } from '../../src/store/types.js';

export const PROD = '111111111111';
export const SANDBOX = '222222222222';

/** Payloads that must render as text and run nothing. */
export const XSS = {
  script: '<script>window.__xss = 1; alert("xss-script")</script>',
  img: '"><img src=x onerror="window.__xss = 2; alert(\'xss-img\')">',
  svg: '<svg onload="window.__xss = 3">',
};

/** The hostile principal (its path carries a payload; IAM paths allow these characters). */
export const XSS_ROLE_ARN = `arn:aws:iam::${SANDBOX}:role/x${XSS.img}/intruder`;

/** The role holding the article's policy. */
export const ARTICLE_ROLE_ARN = `arn:aws:iam::${PROD}:role/app-backend`;

/** The article's policy (seed/article.md). */
export const ARTICLE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'lambda:AddPermission',
        'lambda:GetFunctionConfiguration',
        'lambda:UpdateFunctionConfiguration',
        'lambda:UpdateFunctionCode',
        'lambda:CreateFunction',
        'lambda:DeleteFunction',
        'lambda:ListVersionsByFunction',
        'lambda:GetFunction',
        'lambda:Invoke*',
      ],
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:my-lambda',
    },
    { Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' },
  ],
};

/** The S3 actions the article reports unused for MyRole. */
export const ARTICLE_UNUSED_S3 = [
  'GetBucketLocation',
  'GetBucketWebsite',
  'GetBucketPolicyStatus',
  'GetAccelerateConfiguration',
  'GetBucketPolicy',
  'GetBucketRequestPayment',
  'GetReplicationConfiguration',
  'GetBucketLogging',
  'GetBucketObjectLockConfiguration',
  'GetBucketNotification',
  'GetLifecycleConfiguration',
  'GetAnalyticsConfiguration',
  'GetBucketCORS',
  'GetInventoryConfiguration',
  'GetBucketPublicAccessBlock',
  'GetEncryptionConfiguration',
  'GetBucketAcl',
  'GetBucketVersioning',
  'GetBucketOwnershipControls',
  'GetBucketTagging',
  'GetIntelligentTieringConfiguration',
  'GetMetricsConfiguration',
];

const DAY = 86_400_000;

function managed(account: string | 'aws', name: string, document: object): ManagedPolicy {
  return {
    arn:
      account === 'aws'
        ? `arn:aws:iam::aws:policy/${name}`
        : `arn:aws:iam::${account}:policy/${name}`,
    name,
    path: '/',
    owner: account,
    defaultVersionId: 'v1',
    document: document as Record<string, unknown>,
  };
}

function allow(actions: string[], resource: string | string[] = '*', sid?: string) {
  return { ...(sid ? { Sid: sid } : {}), Effect: 'Allow', Action: actions, Resource: resource };
}

function doc(...statements: object[]) {
  return { Version: '2012-10-17', Statement: statements };
}

const POLICIES: ManagedPolicy[] = [
  managed(PROD, 'app-data-access', ARTICLE_POLICY),
  managed(
    PROD,
    'ci-deploy',
    doc(
      allow(['cloudformation:*', 'ec2:Describe*', 'iam:PassRole'], '*', 'Deploy'),
      allow(['ecr:*'], '*', 'Images'),
    ),
  ),
  managed(
    'aws',
    'AmazonDynamoDBReadOnlyAccess',
    doc(
      allow([
        'dynamodb:BatchGetItem',
        'dynamodb:Describe*',
        'dynamodb:List*',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'cloudwatch:GetMetricData',
      ]),
    ),
  ),
  managed('aws', 'AmazonSQSFullAccess', doc(allow(['sqs:*']))),
  managed(
    PROD,
    'reporting',
    doc(allow(['athena:*', 'glue:Get*', 's3:GetObject', 's3:ListBucket'], '*', 'Reports')),
  ),
  managed(
    SANDBOX,
    `hostile${XSS.script}`.replace(/[^\w+=,.@-]/g, '-'),
    doc(
      allow(
        ['s3:GetObject', 's3:PutObject', 'ec2:Describe*'],
        [`arn:aws:s3:::bucket/${XSS.script}`, `arn:aws:s3:::bucket/${XSS.img}`],
      ),
      { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: `arn:aws:s3:::${XSS.svg}` },
    ),
  ),
];

function role(
  account: string,
  name: string,
  attached: string[],
  options: {
    path?: string;
    inline?: { name: string; document: object }[];
    created?: Date;
    tags?: Record<string, string>;
    arn?: string;
  } = {},
): Principal {
  const path = options.path ?? '/';
  return {
    kind: 'role',
    arn: options.arn ?? `arn:aws:iam::${account}:role${path}${name}`,
    name,
    id: `AROA${name
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .padEnd(17, 'X')
      .slice(0, 17)}`,
    path,
    accountId: account,
    createDate: options.created ?? new Date('2024-01-15T00:00:00Z'),
    tags: new Map(Object.entries(options.tags ?? {})),
    inlinePolicies: (options.inline ?? []).map((p) => ({
      name: p.name,
      document: p.document as Record<string, unknown>,
    })),
    attachedPolicies: attached,
    groups: [],
    accessKeys: [],
  };
}

function user(
  account: string,
  name: string,
  options: {
    groups?: string[];
    attached?: string[];
    password?: { lastUsed: Date | null };
    keys?: { id: string; lastUsed: Date | null }[];
    tags?: Record<string, string>;
  },
): Principal {
  return {
    kind: 'user',
    arn: `arn:aws:iam::${account}:user/${name}`,
    name,
    id: `AIDA${name.toUpperCase().padEnd(17, 'X').slice(0, 17)}`,
    path: '/',
    accountId: account,
    createDate: new Date('2023-06-01T00:00:00Z'),
    tags: new Map(Object.entries(options.tags ?? {})),
    inlinePolicies: [],
    attachedPolicies: options.attached ?? [],
    groups: options.groups ?? [],
    ...(options.password
      ? { password: { enabled: true, lastUsed: options.password.lastUsed } }
      : {}),
    accessKeys: (options.keys ?? []).map((k, i) => ({
      id: k.id,
      slot: (i + 1) as 1 | 2,
      active: true,
      lastUsed: k.lastUsed,
    })),
  };
}

const arnOf = (name: string) =>
  POLICIES.find((p) => p.name === name || p.name.startsWith(name))!.arn;

/** The services the generated service roles use, and the actions they call. */
const SERVICE_ROLE_USAGE: [string, string[]][] = [
  ['sqs', ['SendMessage', 'ReceiveMessage', 'DeleteMessage', 'GetQueueUrl']],
  ['dynamodb', ['GetItem', 'Query', 'BatchGetItem']],
  ['s3', ['GetObject', 'ListBucket']],
];

/** The inventory as of scan `n` (0, 1, 2): principals come and go between scans. */
function inventory(scan: number): Inventory {
  const developers: Group = {
    arn: `arn:aws:iam::${PROD}:group/developers`,
    name: 'developers',
    path: '/',
    accountId: PROD,
    createDate: new Date('2023-01-01T00:00:00Z'),
    inlinePolicies: [
      {
        name: 'developer-tools',
        document: doc(allow(['codecommit:*', 'logs:Get*', 'logs:Describe*'])),
      },
    ],
    attachedPolicies: [],
  };
  const principals: Principal[] = [
    role(PROD, 'app-backend', [arnOf('app-data-access'), arnOf('AmazonDynamoDBReadOnlyAccess')], {
      tags: { team: 'payments', env: 'prod' },
    }),
    role(PROD, 'ci-deployer', [arnOf('ci-deploy')], {
      inline: [
        {
          name: 'artifact-bucket',
          document: doc(
            allow(['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], 'arn:aws:s3:::artifacts/*'),
          ),
        },
      ],
      tags: { team: 'platform', env: 'prod' },
    }),
    role(PROD, 'reporting-job', [arnOf('reporting')], { tags: { team: 'analytics', env: 'prod' } }),
    role(PROD, 'legacy-batch', [arnOf('AmazonSQSFullAccess')], {
      tags: { team: 'legacy', env: 'prod' },
    }),
    role(SANDBOX, 'intruder', [arnOf('hostile')], {
      arn: XSS_ROLE_ARN,
      path: `/x${XSS.img}/`,
      tags: { owner: XSS.img, note: XSS.script, env: 'sandbox' },
    }),
    role(
      SANDBOX,
      'experiment-runner',
      [arnOf('AmazonSQSFullAccess'), arnOf('AmazonDynamoDBReadOnlyAccess')],
      {
        tags: { env: 'sandbox', team: 'research' },
      },
    ),
    user(PROD, 'alice', {
      groups: ['developers'],
      password: { lastUsed: new Date('2026-02-01T09:00:00Z') },
      keys: [{ id: 'AKIAALICEOLDKEY00001', lastUsed: new Date('2025-12-24T10:00:00Z') }],
      tags: { team: 'payments' },
    }),
    user(PROD, 'bob', {
      groups: ['developers'],
      password: { lastUsed: new Date('2026-09-20T09:00:00Z') },
      keys: [{ id: 'AKIABOBKEY0000000001', lastUsed: null }],
    }),
    user(SANDBOX, 'carol', {
      attached: [arnOf('AmazonDynamoDBReadOnlyAccess')],
      keys: [{ id: 'AKIACAROLKEY00000001', lastUsed: new Date('2026-01-05T00:00:00Z') }],
    }),
  ];
  // Service roles: queue-worker-NN, one more of them per scan.
  for (let i = 0; i < 40 + scan * 4; i++) {
    const name = `queue-worker-${String(i).padStart(2, '0')}`;
    principals.push(
      role(
        i % 3 === 0 ? SANDBOX : PROD,
        name,
        [arnOf('AmazonSQSFullAccess'), arnOf('AmazonDynamoDBReadOnlyAccess')],
        {
          tags: {
            team: i % 2 === 0 ? 'orders' : 'shipping',
            env: i % 3 === 0 ? 'sandbox' : 'prod',
          },
        },
      ),
    );
  }
  // The legacy role is deleted before the third scan: its finding resolves.
  const kept = scan >= 2 ? principals.filter((p) => p.name !== 'legacy-batch') : principals;
  return {
    principals: new Map(kept.map((p) => [p.arn, p])),
    groups: new Map([[developers.arn, developers]]),
    policies: new Map(POLICIES.map((p) => [p.arn, p])),
    accounts: new Set([PROD, SANDBOX]),
  };
}

function use(services: Record<string, string[]>, at: Date): PrincipalActivity {
  const map: PrincipalActivity['services'] = new Map();
  for (const [service, actions] of Object.entries(services)) {
    map.set(service, {
      last: at,
      actions: new Map(actions.map((a) => [a.toLowerCase(), { last: at, possible: false }])),
    });
  }
  return { last: at, services: map };
}

/**
 * The activity seen by scan `n`. The article's role used every `s3:Get*` and `s3:List*` action but
 * the article's unused ones, so its finding and recommendation are the article's.
 */
function activity(scan: number, now: Date, catalog: ActionCatalog): ActivitySummary {
  const recent = new Date(now.getTime() - 5 * DAY);
  const articleUnused = new Set(ARTICLE_UNUSED_S3.map((a) => a.toLowerCase()));
  const articleS3 = [...catalog.match('s3:Get*'), ...catalog.match('s3:List*')]
    .map((a) => a.name)
    .filter((name) => !articleUnused.has(name.toLowerCase()));
  const principals = new Map<string, PrincipalActivity>([
    [
      ARTICLE_ROLE_ARN,
      use(
        {
          lambda: ['InvokeFunction', 'InvokeAsync'],
          s3: articleS3,
          dynamodb: ['GetItem', 'Query'],
        },
        recent,
      ),
    ],
    [
      `arn:aws:iam::${PROD}:role/ci-deployer`,
      use(
        {
          cloudformation: ['CreateStack', 'UpdateStack', 'DescribeStacks', 'DescribeStackEvents'],
          ec2: ['DescribeInstances'],
          iam: ['PassRole'],
          ecr: ['GetAuthorizationToken', 'BatchGetImage', 'PutImage'],
          s3: ['PutObject', 'GetObject'],
        },
        recent,
      ),
    ],
    [
      `arn:aws:iam::${PROD}:role/reporting-job`,
      use(
        {
          athena: ['StartQueryExecution', 'GetQueryResults'],
          glue: ['GetTable'],
          s3: ['GetObject'],
        },
        recent,
      ),
    ],
    [XSS_ROLE_ARN, use({ s3: ['GetObject'] }, recent)],
    [`arn:aws:iam::${SANDBOX}:role/experiment-runner`, use({ sqs: ['SendMessage'] }, recent)],
    [
      `arn:aws:iam::${PROD}:user/bob`,
      use({ codecommit: ['GitPull', 'GitPush'], logs: ['GetLogEvents'] }, recent),
    ],
    [
      `arn:aws:iam::${SANDBOX}:user/carol`,
      use({ dynamodb: ['Scan'] }, new Date('2026-01-05T00:00:00Z')),
    ],
  ]);
  // The legacy role wakes up before the second scan (its UnusedIAMRole finding resolves).
  if (scan >= 1)
    principals.set(
      `arn:aws:iam::${PROD}:role/legacy-batch`,
      use({ sqs: ['ReceiveMessage'] }, recent),
    );
  for (let i = 0; i < 40 + scan * 4; i++) {
    if (i % 7 === 6) continue; // every seventh worker is idle: an unused role
    const name = `queue-worker-${String(i).padStart(2, '0')}`;
    const account = i % 3 === 0 ? SANDBOX : PROD;
    const services: Record<string, string[]> = {};
    for (const [service, actions] of SERVICE_ROLE_USAGE.slice(0, 1 + (i % 3))) {
      services[service] = actions.slice(0, 1 + ((i + scan) % actions.length));
    }
    principals.set(`arn:aws:iam::${account}:role/${name}`, use(services, recent));
  }
  return {
    principals,
    accessKeys: new Map(),
    observability: { dataEventServices: new Set(['s3']), actionLastAccessed: true },
  };
}

/** The analysis times of the three scans. */
export const SCAN_TIMES = [
  new Date('2026-09-01T06:00:00Z'),
  new Date('2026-10-01T06:00:00Z'),
  new Date('2026-11-01T06:00:00Z'),
];

/** Adds each recommendation's original document (`originalPolicy`) when the engine did not. */
function withOriginals(result: ScanResult, inv: Inventory): ScanResult {
  for (const f of result.findings) {
    const principal = inv.principals.get(f.resource);
    for (const rec of f.policies ?? []) {
      const target = rec as { originalPolicy?: Record<string, unknown> };
      if (target.originalPolicy !== undefined) continue;
      let document: Record<string, unknown> | undefined;
      if (rec.policyType === 'INLINE') {
        document = principal?.inlinePolicies.find((p) => p.name === rec.policyId)?.document;
      } else if (rec.policyType === 'GROUP_INLINE') {
        document = inv.groups
          .get(rec.groupArn ?? '')
          ?.inlinePolicies.find((p) => p.name === rec.policyId)?.document;
      } else {
        document = inv.policies.get(rec.policyId)?.document;
      }
      if (document !== undefined) target.originalPolicy = document;
    }
  }
  return result;
}

/** The tags of every principal of scan `n`, for `recordScan`. */
function tagsOf(inv: Inventory): Map<string, ReadonlyMap<string, string>> {
  return new Map([...inv.principals.values()].map((p) => [p.arn, p.tags]));
}

/** Scan `n` (0, 1, 2) of the fixture account data. */
export function fixtureScan(catalog: ActionCatalog, n: number): ScanResult {
  const inv = inventory(n);
  const now = SCAN_TIMES[n]!;
  return withOriginals(
    computeFindings(inv, activity(n, now, catalog), { catalog, now, trackingPeriodDays: 90 }),
    inv,
  );
}

/** The archive rule the fixture creates after the first scan. */
export const FIXTURE_RULE = 'sandbox-idle-principals';

/**
 * Records the three fixture scans into `store`, with an archive rule (idle sandbox roles and
 * keys) created and applied after the first one and a finding archived by a person; returns the
 * last scan's result.
 */
export function fillStore(store: FindingsStore, catalog: ActionCatalog): ScanResult {
  let last: ScanResult | undefined;
  for (let n = 0; n < SCAN_TIMES.length; n++) {
    last = fixtureScan(catalog, n);
    store.recordScan(last, { accounts: [PROD, SANDBOX], tags: tagsOf(inventory(n)) });
    if (n === 0) {
      store.createRule(FIXTURE_RULE, {
        resourceOwnerAccount: { eq: [SANDBOX] },
        findingType: { eq: ['UnusedIAMRole', 'UnusedIAMUserAccessKey'] },
      });
      store.applyRule(FIXTURE_RULE);
      const bob = last.findings.find(
        (f) => f.resource.endsWith(':user/bob') && f.findingType === 'UnusedIAMUserAccessKey',
      );
      if (bob !== undefined) store.archive([bob.id], { actor: 'alice@example.com' });
    }
  }
  return last!;
}
