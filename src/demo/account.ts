/**
 * The demo account: a mid-sized company's AWS account ("Acme", online shop) with application
 * roles, CI, a data pipeline, SSO roles, break-glass, contractors, service accounts, groups,
 * customer-managed, AWS-managed and inline policies, and the behaviour of every principal.
 *
 * Everything here is fixed; the seed only changes ids, times within a day and the mix of calls.
 * Each principal states what a scan must find about it (`expect`), which the tests check.
 */
import type {
  ActivitySpec,
  CustomerPolicySpec,
  GroupSpec,
  PolicyJson,
  RoleSpec,
  UserSpec,
} from './types.js';

/** The demo account id (AWS's documentation example). */
export const ACCOUNT = '123456789012';
/** An external account (a security vendor) trusted by the scanner role. */
export const SCANNER_ACCOUNT = '444455556666';
/** End of the logs and the scan time. */
export const END = new Date('2026-09-01T00:00:00Z');
/** Days of CloudTrail logs before {@link END}. */
export const LOG_DAYS = 120;
/** The scan's tracking period. */
export const TRACKING_DAYS = 90;
/** Regions the account uses (the first is the home region). */
export const REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2'] as const;
/** Services whose data events the demo trail logs. */
export const DATA_EVENT_SERVICES = ['lambda', 's3'] as const;

const A = ACCOUNT;

// User agents, as CloudTrail records them.
const UA = {
  js: [
    'aws-sdk-js/3.645.0 ua/2.1 os/linux#5.10.224-212.876.amzn2.x86_64 lang/js md/nodejs#20.17.0 api/s3#3.645.0 m/E,N',
  ],
  jsLambda: [
    'aws-sdk-js/3.645.0 ua/2.1 os/linux#5.10.226-234.890.amzn2.x86_64 lang/js md/nodejs#20.17.0 exec-env/AWS_Lambda_nodejs20.x m/N',
  ],
  boto: [
    'Boto3/1.35.10 md/Botocore#1.35.10 ua/2.0 os/linux#5.10.223-211.872.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.10',
  ],
  cli: [
    'aws-cli/2.17.40 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off',
    'aws-cli/2.17.18 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0-40-generic md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off',
  ],
  console: ['AWS Internal'],
  terraform: [
    'APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.64.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.4 ua/2.0 os/linux lang/go#1.22.6 md/GOOS#linux md/GOARCH#amd64',
  ],
  github: [
    'aws-sdk-js/3.637.0 ua/2.1 os/linux#6.5.0-1025-azure lang/js md/nodejs#20.16.0 api/cloudformation#3.637.0 m/E,P,N',
  ],
  ssmAgent: ['aws-sdk-go/1.55.5 (go1.22.6; linux; amd64) amazon-ssm-agent/3.3.1142.0'],
  cwAgent: [
    'aws-sdk-go/1.55.5 (go1.22.6; linux; amd64) CWAgent/1.300044.0 (go1.22.6; linux; amd64)',
  ],
  scanner: [
    'Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/linux#5.15.0-1070-aws md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.34.162 prowler/4.3.5',
  ],
  glue: [
    'aws-sdk-java/2.25.40 Linux/5.10.225-213.878.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/17.0.12+7-LTS Java/17.0.12 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy GlueETL',
  ],
} as const;

// Trust policies.
const service = (principal: string): PolicyJson => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: principal }, Action: 'sts:AssumeRole' }],
});
const githubOidc = (repo: string): PolicyJson => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: {
        Federated: `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com`,
      },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': `repo:acme-shop/${repo}:*` },
      },
    },
  ],
});
const sso: PolicyJson = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: {
        Federated: `arn:aws:iam::${A}:saml-provider/AWSSSO_5f1d2c3b4a596877_DO_NOT_DELETE`,
      },
      Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'],
      Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
    },
  ],
};
const accountWithMfa: PolicyJson = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:root` },
      Action: 'sts:AssumeRole',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    },
  ],
};
const slr = (principal: string): PolicyJson => service(principal);

// Customer-managed policies.
const ARTICLE_LAMBDA = {
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
  Resource: `arn:aws:lambda:us-east-1:${A}:function:orders-pricing`,
};

export const CUSTOMER_POLICIES: readonly CustomerPolicySpec[] = [
  {
    // The policy of the article's example, attached to the orders API.
    name: 'orders-api-policy',
    path: '/app/',
    description: 'Orders API: pricing function and read access to S3',
    createdDaysAgo: 610,
    versions: [
      { daysAgo: 610, document: { Version: '2012-10-17', Statement: [ARTICLE_LAMBDA] } },
      {
        daysAgo: 400,
        document: {
          Version: '2012-10-17',
          Statement: [
            ARTICLE_LAMBDA,
            { Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' },
          ],
        },
      },
    ],
  },
  {
    name: 'orders-data-access',
    path: '/app/',
    description: 'Orders table, events queue and the orders KMS key',
    createdDaysAgo: 610,
    versions: [
      {
        daysAgo: 610,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'OrdersTable',
              Effect: 'Allow',
              Action: [
                'dynamodb:GetItem',
                'dynamodb:PutItem',
                'dynamodb:UpdateItem',
                'dynamodb:DeleteItem',
                'dynamodb:Query',
                'dynamodb:ConditionCheckItem',
                'dynamodb:DescribeTable',
              ],
              Resource: [
                `arn:aws:dynamodb:us-east-1:${A}:table/orders`,
                `arn:aws:dynamodb:us-east-1:${A}:table/orders/index/*`,
              ],
            },
            {
              Sid: 'OrderEvents',
              Effect: 'Allow',
              Action: ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'],
              Resource: `arn:aws:sqs:us-east-1:${A}:order-events`,
            },
            {
              Sid: 'OrdersKey',
              Effect: 'Allow',
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: `arn:aws:kms:us-east-1:${A}:key/2f6c1e0a-4b7d-4c55-9a3e-7d2b9c1f0e84`,
            },
          ],
        },
      },
    ],
  },
  {
    name: 'DeveloperAccess',
    path: '/',
    description: 'What developers may do in production: read, debug, deploy to staging',
    createdDaysAgo: 900,
    versions: [
      {
        daysAgo: 900,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['ec2:Describe*', 'logs:Describe*', 'logs:Get*'],
              Resource: '*',
            },
          ],
        },
      },
      {
        daysAgo: 520,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Observability',
              Effect: 'Allow',
              Action: [
                'ec2:Describe*',
                'logs:Describe*',
                'logs:Get*',
                'logs:FilterLogEvents',
                'logs:StartQuery',
                'logs:StopQuery',
                'cloudwatch:Get*',
                'cloudwatch:List*',
                'cloudwatch:Describe*',
                'xray:Get*',
                'xray:BatchGetTraces',
              ],
              Resource: '*',
            },
            {
              Sid: 'DevFunctions',
              Effect: 'Allow',
              Action: ['lambda:Get*', 'lambda:List*', 'lambda:InvokeFunction'],
              Resource: '*',
            },
            {
              Sid: 'DevData',
              Effect: 'Allow',
              Action: [
                'dynamodb:DescribeTable',
                'dynamodb:Query',
                'dynamodb:Scan',
                'dynamodb:GetItem',
              ],
              Resource: `arn:aws:dynamodb:*:${A}:table/dev-*`,
            },
            {
              Sid: 'Buckets',
              Effect: 'Allow',
              Action: ['s3:ListAllMyBuckets', 's3:GetBucketLocation'],
              Resource: '*',
            },
            {
              Sid: 'DevBuckets',
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:PutObject', 's3:ListBucket'],
              Resource: ['arn:aws:s3:::acme-dev-*', 'arn:aws:s3:::acme-dev-*/*'],
            },
            {
              Sid: 'DevParameters',
              Effect: 'Allow',
              Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
              Resource: `arn:aws:ssm:*:${A}:parameter/dev/*`,
            },
            {
              Sid: 'AssumeStagingDeploy',
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Resource: `arn:aws:iam::${A}:role/ci/deploy-staging`,
            },
            {
              Sid: 'NeverDeleteData',
              Effect: 'Deny',
              Action: ['s3:DeleteBucket', 'dynamodb:DeleteTable'],
              Resource: '*',
            },
          ],
        },
      },
    ],
  },
  {
    name: 'DeveloperBoundary',
    path: '/boundaries/',
    description: 'Permissions boundary of developer users',
    createdDaysAgo: 900,
    versions: [
      {
        daysAgo: 900,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              NotAction: ['iam:*', 'organizations:*', 'account:*'],
              Resource: '*',
            },
            { Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
          ],
        },
      },
    ],
  },
  {
    name: 'data-lake-readwrite',
    path: '/data/',
    description: 'ETL access to the data lake buckets, catalog and Athena',
    createdDaysAgo: 700,
    versions: [
      {
        daysAgo: 700,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'LakeObjects',
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
              Resource: 'arn:aws:s3:::acme-datalake-*/*',
            },
            {
              Sid: 'LakeBuckets',
              Effect: 'Allow',
              Action: ['s3:ListBucket', 's3:GetBucketLocation'],
              Resource: 'arn:aws:s3:::acme-datalake-*',
            },
            {
              Sid: 'Catalog',
              Effect: 'Allow',
              Action: [
                'glue:GetDatabase',
                'glue:GetDatabases',
                'glue:GetTable',
                'glue:GetTables',
                'glue:GetPartition',
                'glue:GetPartitions',
                'glue:BatchCreatePartition',
                'glue:CreateTable',
                'glue:UpdateTable',
                'glue:DeleteTable',
              ],
              Resource: '*',
            },
            {
              Sid: 'Queries',
              Effect: 'Allow',
              Action: [
                'athena:StartQueryExecution',
                'athena:GetQueryExecution',
                'athena:GetQueryResults',
                'athena:StopQueryExecution',
                'athena:GetWorkGroup',
              ],
              Resource: `arn:aws:athena:eu-west-1:${A}:workgroup/etl`,
            },
            {
              Sid: 'LakeKey',
              Effect: 'Allow',
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: `arn:aws:kms:eu-west-1:${A}:key/8d3f5a21-6c4e-4f0b-b1d2-0e9a7c6b5d43`,
            },
          ],
        },
      },
    ],
  },
  {
    name: 'ci-deploy-passrole',
    path: '/ci/',
    description: 'Lets CI hand application roles to ECS and Lambda',
    createdDaysAgo: 500,
    versions: [
      {
        daysAgo: 500,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'iam:PassRole',
              Resource: `arn:aws:iam::${A}:role/app/*`,
              Condition: {
                StringEquals: {
                  'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'lambda.amazonaws.com'],
                },
              },
            },
            { Effect: 'Allow', Action: 'iam:GetRole', Resource: `arn:aws:iam::${A}:role/app/*` },
          ],
        },
      },
    ],
  },
  {
    name: 'analytics-athena-access',
    path: '/data/',
    description: 'Analysts: Athena workgroup, catalog, data lake read, query results',
    createdDaysAgo: 650,
    versions: [
      {
        daysAgo: 650,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'athena:*',
              Resource: `arn:aws:athena:*:${A}:workgroup/analysts`,
            },
            {
              Effect: 'Allow',
              Action: [
                'glue:GetDatabase',
                'glue:GetDatabases',
                'glue:GetTable',
                'glue:GetTables',
                'glue:GetPartition',
                'glue:GetPartitions',
              ],
              Resource: '*',
            },
            {
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketLocation', 's3:PutObject'],
              Resource: [
                'arn:aws:s3:::acme-datalake-*',
                'arn:aws:s3:::acme-datalake-*/*',
                'arn:aws:s3:::acme-athena-results',
                'arn:aws:s3:::acme-athena-results/*',
              ],
            },
            { Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' },
          ],
        },
      },
    ],
  },
];

const lambdaLogs = {
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: `arn:aws:logs:*:${A}:log-group:/aws/lambda/*`,
};

/** Every role. */
export const ROLES: readonly RoleSpec[] = [
  {
    kind: 'role',
    name: 'orders-api',
    path: '/app/',
    about: 'the shop backend (ECS); the policy of the article, used only in part',
    createdDaysAgo: 610,
    trust: service('ecs-tasks.amazonaws.com'),
    managed: ['customer:orders-api-policy', 'customer:orders-data-access'],
    inline: [
      {
        name: 'orders-secrets',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Resource: `arn:aws:secretsmanager:us-east-1:${A}:secret:prod/orders/*`,
            },
          ],
        },
      },
    ],
    tags: { team: 'orders', env: 'prod', service: 'orders-api' },
    activity: [
      {
        weight: 20,
        via: 'session',
        source: 'vpc',
        userAgents: UA.js,
        res: {
          bucket: 'acme-orders-documents',
          prefix: 'invoices/',
          extension: 'pdf',
          function: 'orders-pricing',
          table: 'orders',
          queue: 'order-events',
          secret: 'prod/orders/db',
        },
        ops: [
          ['s3:GetObject', 40, 0.002],
          ['s3:ListObjects', 10],
          ['s3:HeadObject', 6],
          ['s3:GetBucketLocation', 1],
          ['lambda:Invoke', 25],
          ['dynamodb:DescribeTable', 1],
          ['sqs:GetQueueUrl', 1],
          ['secretsmanager:GetSecretValue', 2],
          ['kms:Decrypt', 2],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedActions: [
        'lambda:AddPermission',
        'lambda:GetFunctionConfiguration',
        'lambda:UpdateFunctionConfiguration',
        'lambda:UpdateFunctionCode',
        'lambda:CreateFunction',
        'lambda:DeleteFunction',
        'lambda:ListVersionsByFunction',
        'lambda:GetFunction',
        's3:GetBucketPolicy',
        's3:GetBucketAcl',
        'kms:GenerateDataKey',
        'secretsmanager:DescribeSecret',
      ],
    },
  },
  {
    kind: 'role',
    name: 'staging-orders-api',
    path: '/app/',
    about: 'the staging copy of the shop backend, sharing its managed policy',
    createdDaysAgo: 590,
    trust: service('ecs-tasks.amazonaws.com'),
    managed: ['customer:orders-api-policy'],
    inline: [],
    tags: { team: 'orders', env: 'staging' },
    activity: [
      {
        weight: 5,
        via: 'session',
        source: 'vpc',
        userAgents: UA.js,
        res: {
          bucket: 'acme-orders-documents-staging',
          prefix: 'invoices/',
          extension: 'pdf',
          function: 'orders-pricing',
        },
        ops: [
          ['s3:GetObject', 10],
          ['s3:ListObjects', 3],
          ['lambda:Invoke', 6],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedActions: ['lambda:AddPermission', 'lambda:DeleteFunction', 's3:GetBucketLocation'],
    },
  },
  {
    kind: 'role',
    name: 'payments-worker',
    path: '/app/',
    about: 'queue worker with two broad AWS-managed policies',
    createdDaysAgo: 540,
    trust: service('ecs-tasks.amazonaws.com'),
    managed: ['aws:AmazonSQSFullAccess', 'aws:AmazonDynamoDBFullAccess'],
    inline: [],
    tags: { team: 'payments', env: 'prod' },
    activity: [
      {
        weight: 6,
        via: 'session',
        source: 'vpc',
        userAgents: UA.boto,
        res: { queue: 'payments-settlement', table: 'payments' },
        ops: [
          ['sqs:GetQueueUrl', 3],
          ['sqs:GetQueueAttributes', 6],
          ['dynamodb:DescribeTable', 2],
          ['dynamodb:ListTables', 1],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedServices: ['dax', 'datapipeline', 'application-autoscaling'],
      unusedActions: ['sqs:DeleteQueue', 'sqs:PurgeQueue', 'dynamodb:DeleteTable'],
    },
  },
  {
    kind: 'role',
    name: 'inventory-sync',
    path: '/service-role/',
    about: 'Lambda function; its log group was created long ago',
    createdDaysAgo: 630,
    trust: service('lambda.amazonaws.com'),
    managed: ['aws:AWSLambdaBasicExecutionRole'],
    inline: [
      {
        name: 'inventory-table-rw',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'dynamodb:GetItem',
                'dynamodb:PutItem',
                'dynamodb:BatchWriteItem',
                'dynamodb:DescribeTable',
                'dynamodb:Scan',
              ],
              Resource: `arn:aws:dynamodb:us-east-1:${A}:table/inventory`,
            },
            {
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::acme-inventory-feeds/*',
            },
          ],
        },
      },
    ],
    tags: { team: 'catalog', env: 'prod' },
    activity: [
      {
        weight: 8,
        via: 'session',
        source: 'vpc',
        userAgents: UA.jsLambda,
        res: {
          bucket: 'acme-inventory-feeds',
          prefix: 'suppliers/',
          extension: 'csv',
          table: 'inventory',
          function: 'inventory-sync',
        },
        ops: [
          ['s3:GetObject', 12],
          ['logs:CreateLogStream', 2],
          ['dynamodb:DescribeTable', 1],
        ],
      },
    ],
    expect: { unusedPermission: true, unusedActions: ['logs:CreateLogGroup'] },
  },
  {
    kind: 'role',
    name: 'image-resizer',
    path: '/service-role/',
    about: 'least privilege already: uses every observable permission it has',
    createdDaysAgo: 480,
    trust: service('lambda.amazonaws.com'),
    managed: [],
    inline: [
      {
        name: 'media-bucket',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::acme-media/uploads/*',
            },
            {
              Effect: 'Allow',
              Action: 's3:PutObject',
              Resource: 'arn:aws:s3:::acme-media/thumbnails/*',
            },
          ],
        },
      },
      { name: 'logs', document: { Version: '2012-10-17', Statement: [lambdaLogs] } },
    ],
    tags: { team: 'catalog', env: 'prod' },
    activity: [
      {
        weight: 10,
        via: 'session',
        source: 'vpc',
        userAgents: UA.jsLambda,
        res: {
          bucket: 'acme-media',
          prefix: 'uploads/',
          extension: 'jpg',
          function: 'image-resizer',
        },
        ops: [
          ['s3:GetObject', 10],
          ['s3:PutObject', 10],
          ['logs:CreateLogStream', 1],
        ],
      },
    ],
    expect: { unusedPermission: false },
  },
  {
    kind: 'role',
    name: 'notifications-sender',
    path: '/service-role/',
    about: 'Lambda function with AmazonSNSFullAccess',
    createdDaysAgo: 420,
    trust: service('lambda.amazonaws.com'),
    managed: ['aws:AmazonSNSFullAccess', 'aws:AWSLambdaBasicExecutionRole'],
    inline: [],
    tags: { team: 'orders', env: 'prod' },
    activity: [
      {
        weight: 3,
        via: 'session',
        source: 'vpc',
        userAgents: UA.jsLambda,
        res: { topic: 'order-notifications', function: 'notifications-sender' },
        ops: [
          ['sns:GetTopicAttributes', 3],
          ['logs:CreateLogStream', 1],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedServices: ['sms-voice'],
      unusedActions: ['logs:CreateLogGroup'],
    },
  },
  {
    kind: 'role',
    name: 'ci-deployer',
    path: '/ci/',
    about: 'GitHub Actions deployer with PowerUserAccess (a NotAction policy)',
    createdDaysAgo: 500,
    trust: githubOidc('orders'),
    managed: ['aws:PowerUserAccess', 'customer:ci-deploy-passrole'],
    inline: [],
    tags: { team: 'platform', purpose: 'ci' },
    maxSessionDuration: 3600,
    activity: [
      {
        weight: 4,
        via: 'session',
        source: 'ci',
        sessionNames: ['GitHubActions'],
        userAgents: UA.github,
        res: {
          bucket: 'acme-ci-artifacts',
          prefix: 'orders/',
          extension: 'zip',
          artifacts: 'acme-ci-artifacts',
          function: 'orders-pricing',
          stack: 'orders-prod',
          repository: 'orders-api',
          cluster: 'prod',
          service: 'orders-api',
          role: 'orders-api',
        },
        ops: [
          ['cloudformation:DescribeStacks', 6],
          ['cloudformation:CreateChangeSet', 2],
          ['cloudformation:DescribeChangeSet', 4],
          ['cloudformation:ExecuteChangeSet', 2],
          ['cloudformation:GetTemplate', 1],
          ['ecr:GetAuthorizationToken', 2],
          ['ecr:InitiateLayerUpload', 3],
          ['ecr:CompleteLayerUpload', 3],
          ['ecr:PutImage', 2],
          ['ecr:BatchGetImage', 2],
          ['ecs:RegisterTaskDefinition', 2],
          ['ecs:UpdateService', 2],
          ['ecs:DescribeServices', 6],
          ['lambda:UpdateFunctionCode20150331v2', 2],
          ['lambda:GetFunction20150331v2', 2],
          ['lambda:GetFunctionConfiguration20150331v2', 3],
          ['lambda:PublishVersion20150331', 2],
          ['lambda:ListFunctions20150331', 1],
          ['s3:PutObject', 3],
          ['s3:ListBuckets', 1],
          ['iam:GetRole', 1],
          ['sts:GetCallerIdentity', 2],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedServices: ['ec2', 'rds', 'sagemaker'],
      unusedActions: [
        'cloudformation:DeleteStack',
        'lambda:DeleteFunction',
        'ecr:DeleteRepository',
      ],
    },
  },
  {
    kind: 'role',
    name: 'terraform-plan',
    path: '/ci/',
    about: 'runs terraform plan for pull requests',
    createdDaysAgo: 380,
    trust: githubOidc('infrastructure'),
    managed: ['aws:IAMReadOnlyAccess', 'aws:AmazonEC2ReadOnlyAccess'],
    inline: [
      {
        name: 'terraform-state',
        document: {
          Version: '2012-10-17',
          Statement: [
            // The state and its lock file (S3 native locking: no DynamoDB lock table).
            {
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
              Resource: 'arn:aws:s3:::acme-terraform-state/*',
            },
            {
              Effect: 'Allow',
              Action: 's3:ListBucket',
              Resource: 'arn:aws:s3:::acme-terraform-state',
            },
          ],
        },
      },
    ],
    tags: { team: 'platform', purpose: 'ci' },
    activity: [
      {
        weight: 2,
        via: 'session',
        source: 'ci',
        sessionNames: ['GitHubActions'],
        userAgents: UA.terraform,
        res: {
          bucket: 'acme-terraform-state',
          prefix: 'env/prod/',
          extension: 'tfstate',
          role: 'orders-api',
          policy: 'DeveloperAccess',
          user: 'bob.dev',
        },
        ops: [
          ['iam:GetRole', 4],
          ['iam:GetPolicy', 3],
          ['iam:GetPolicyVersion', 3],
          ['iam:ListAttachedRolePolicies', 3],
          ['iam:GetUser', 1],
          ['ec2:DescribeInstances', 2],
          ['ec2:DescribeSecurityGroups', 4],
          ['ec2:DescribeVpcs', 2],
          ['ec2:DescribeSubnets', 2],
          ['ec2:DescribeImages', 1],
          ['s3:GetObject', 3],
          ['s3:PutObject', 2],
          ['s3:DeleteObject', 1],
          ['s3:ListObjects', 1],
          ['sts:GetCallerIdentity', 2],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedServices: ['autoscaling', 'cloudwatch', 'elasticloadbalancing'],
      unusedActions: ['iam:ListUsers', 'iam:GenerateCredentialReport'],
    },
  },
  {
    kind: 'role',
    name: 'deploy-staging',
    path: '/ci/',
    about: 'developers assume it to deploy to staging',
    createdDaysAgo: 520,
    trust: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            AWS: [
              `arn:aws:iam::${A}:user/developers/bob.dev`,
              `arn:aws:iam::${A}:user/developers/carol.dev`,
            ],
          },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    managed: [],
    inline: [
      {
        name: 'staging-deploy',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'ecs:UpdateService',
                'ecs:DescribeServices',
                'ecs:DescribeTasks',
                'ecs:ListClusters',
              ],
              Resource: '*',
            },
            {
              Effect: 'Allow',
              Action: [
                'logs:DescribeLogStreams',
                'logs:StartQuery',
                'logs:GetQueryResults',
                'logs:FilterLogEvents',
              ],
              Resource: '*',
            },
            {
              Effect: 'Allow',
              Action: ['ecr:DescribeImages', 'ecr:BatchGetImage'],
              Resource: `arn:aws:ecr:us-east-1:${A}:repository/*`,
            },
          ],
        },
      },
    ],
    tags: { env: 'staging' },
    activity: [
      {
        weight: 1,
        via: 'session',
        source: 'office',
        human: true,
        sessionNames: ['bob.dev', 'carol.dev'],
        userAgents: UA.cli,
        res: {
          cluster: 'staging',
          service: 'orders-api',
          logGroup: '/ecs/staging/orders-api',
          repository: 'orders-api',
        },
        ops: [
          ['ecs:UpdateService', 2],
          ['ecs:DescribeServices', 4],
          ['ecs:DescribeTasks', 2],
          ['logs:StartQuery', 2],
          ['logs:GetQueryResults', 4],
          ['logs:DescribeLogStreams', 1],
          ['ecr:DescribeImages', 1],
        ],
      },
    ],
    expect: { unusedPermission: true, unusedActions: ['ecs:ListClusters', 'ecr:BatchGetImage'] },
  },
  {
    kind: 'role',
    name: 'data-pipeline-etl',
    path: '/data/',
    about: 'nightly Glue ETL in eu-west-1',
    createdDaysAgo: 700,
    trust: service('glue.amazonaws.com'),
    managed: ['customer:data-lake-readwrite'],
    inline: [],
    tags: { team: 'data', env: 'prod' },
    activity: [
      {
        weight: 8,
        via: 'session',
        source: 'vpc',
        regions: ['eu-west-1'],
        userAgents: UA.glue,
        res: {
          bucket: 'acme-datalake-raw',
          prefix: 'orders/',
          extension: 'parquet',
          database: 'datalake',
          workgroup: 'etl',
          keyAlias: 'datalake',
          key: '8d3f5a21-6c4e-4f0b-b1d2-0e9a7c6b5d43',
        },
        ops: [
          ['s3:GetObject', 20],
          ['s3:PutObject', 8],
          ['s3:ListObjects', 4],
          ['s3:GetBucketLocation', 1],
          ['glue:GetDatabase', 1],
          ['glue:GetTable', 3],
          ['glue:GetPartitions', 2],
          ['glue:BatchCreatePartition', 1],
          ['athena:StartQueryExecution', 1],
          ['athena:GetQueryExecution', 3],
          ['athena:GetQueryResults', 1],
          ['kms:GenerateDataKey', 2],
          ['kms:Decrypt', 3],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedActions: ['s3:DeleteObject', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
    },
  },
  {
    kind: 'role',
    name: 'AWSReservedSSO_AdministratorAccess_3f9a2c71d4e8b605',
    path: '/aws-reserved/sso.amazonaws.com/',
    about: 'IAM Identity Center admin permission set',
    description: 'Created by IAM Identity Center',
    createdDaysAgo: 820,
    maxSessionDuration: 43200,
    trust: sso,
    managed: ['aws:AdministratorAccess'],
    inline: [],
    activity: [
      {
        weight: 3,
        via: 'session',
        source: 'office',
        human: true,
        regions: ['us-east-1', 'eu-west-1'],
        sessionNames: ['alice@acme-shop.example', 'ivan@acme-shop.example'],
        userAgents: UA.console,
        res: {
          bucket: 'acme-orders-documents',
          role: 'orders-api',
          policy: 'DeveloperAccess',
          logGroup: '/ecs/prod/orders-api',
        },
        ops: [
          ['ec2:DescribeInstances', 6],
          ['ec2:DescribeSecurityGroups', 2],
          ['ec2:DescribeVpcs', 1],
          ['iam:ListRoles', 2],
          ['iam:GetRole', 3],
          ['iam:ListUsers', 1],
          ['iam:GetPolicy', 1],
          ['cloudtrail:LookupEvents', 3],
          ['s3:ListBuckets', 2],
          ['s3:GetBucketPolicy', 1],
          ['logs:DescribeLogGroups', 2],
          ['logs:StartQuery', 2],
          ['logs:GetQueryResults', 3],
          ['cloudformation:DescribeStacks', 2],
          ['cloudformation:ListStacks', 1],
          ['ecs:ListClusters', 1],
          ['ecs:DescribeServices', 2],
          ['rds:DescribeDBInstances', 1],
          ['kms:ListKeys', 1],
          ['cloudwatch:DescribeAlarms', 2],
          ['cloudwatch:GetMetricData', 3],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedServices: ['sagemaker', 'redshift', 'glue'],
      unusedActions: ['iam:DeleteRole', 'ec2:RunInstances'],
    },
  },
  {
    kind: 'role',
    name: 'AWSReservedSSO_ReadOnly_7b1e0d5c9a2f4836',
    path: '/aws-reserved/sso.amazonaws.com/',
    about: 'IAM Identity Center read-only permission set (ViewOnlyAccess)',
    description: 'Created by IAM Identity Center',
    createdDaysAgo: 820,
    maxSessionDuration: 43200,
    trust: sso,
    managed: ['aws:ViewOnlyAccess'],
    inline: [],
    activity: [
      {
        weight: 2,
        via: 'session',
        source: 'office',
        human: true,
        sessionNames: [
          'bob@acme-shop.example',
          'carol@acme-shop.example',
          'frank@acme-shop.example',
        ],
        userAgents: UA.console,
        ops: [
          ['ec2:DescribeInstances', 4],
          ['cloudwatch:DescribeAlarms', 2],
          ['cloudwatch:GetMetricData', 2],
          ['logs:DescribeLogGroups', 2],
          ['s3:ListBuckets', 2],
          ['lambda:ListFunctions20150331', 2],
          ['dynamodb:ListTables', 1],
          ['sqs:ListQueues', 1],
          ['cloudformation:ListStacks', 1],
        ],
      },
    ],
    expect: { unusedPermission: true, unusedServices: ['rds', 'redshift'] },
  },
  {
    kind: 'role',
    name: 'AWSReservedSSO_Billing_c2d4e6f8a0b1c3d5',
    path: '/aws-reserved/sso.amazonaws.com/',
    about: 'IAM Identity Center billing permission set, last used 200 days ago',
    description: 'Created by IAM Identity Center',
    createdDaysAgo: 820,
    maxSessionDuration: 43200,
    trust: sso,
    managed: ['aws:AWSBillingReadOnlyAccess'],
    inline: [],
    lastUsedBeforeLogsDaysAgo: 200,
    activity: [],
    expect: { unusedRole: true },
  },
  {
    kind: 'role',
    name: 'break-glass-admin',
    path: '/',
    about: 'emergency administrator access, never used',
    description: 'Emergency access. Requires MFA. Every use is paged.',
    createdDaysAgo: 900,
    trust: accountWithMfa,
    managed: ['aws:AdministratorAccess'],
    inline: [],
    tags: { purpose: 'break-glass' },
    activity: [],
    expect: { unusedRole: true },
  },
  {
    kind: 'role',
    name: 'security-scanner',
    path: '/security/',
    about: 'a vendor scans the account with SecurityAudit from its own account',
    createdDaysAgo: 560,
    trust: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${SCANNER_ACCOUNT}:root` },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'acme-7c41d9e2' } },
        },
      ],
    },
    managed: ['aws:SecurityAudit'],
    inline: [],
    tags: { vendor: 'cloud-posture' },
    activity: [
      {
        weight: 5,
        via: 'session',
        source: 'scanner',
        regions: ['us-east-1', 'eu-west-1', 'us-west-2'],
        sessionNames: ['posture-scan'],
        userAgents: UA.scanner,
        res: { bucket: 'acme-orders-documents', user: 'bob.dev', role: 'orders-api' },
        ops: [
          ['ec2:DescribeInstances', 3],
          ['ec2:DescribeSecurityGroups', 3],
          ['ec2:DescribeVpcs', 2],
          ['ec2:DescribeSubnets', 2],
          ['ec2:DescribeVolumes', 2],
          ['ec2:DescribeImages', 1],
          ['iam:GetAccountAuthorizationDetails', 1],
          ['iam:GenerateCredentialReport', 1],
          ['iam:GetCredentialReport', 1],
          ['iam:ListUsers', 1],
          ['iam:ListRoles', 1],
          ['iam:ListAccessKeys', 2],
          ['iam:GetAccountSummary', 1],
          ['s3:ListBuckets', 1],
          ['s3:GetBucketPolicy', 2, 0.1],
          ['s3:GetBucketAcl', 2],
          ['s3:GetBucketPolicyStatus', 2],
          ['s3:GetBucketPublicAccessBlock', 2],
          ['s3:GetBucketEncryption', 2],
          ['s3:GetBucketVersioning', 2],
          ['cloudtrail:DescribeTrails', 1],
          ['cloudtrail:GetTrailStatus', 1],
          ['kms:ListKeys', 1],
          ['kms:ListAliases', 1],
          ['config:DescribeConfigurationRecorders', 1],
          ['guardduty:ListDetectors', 1],
          ['lambda:ListFunctions20150331', 1],
          ['rds:DescribeDBInstances', 1],
          ['elasticloadbalancing:DescribeLoadBalancers', 1],
          ['logs:DescribeLogGroups', 1],
          ['sns:ListTopics', 1],
          ['sqs:ListQueues', 1],
          ['dynamodb:ListTables', 1],
        ],
      },
    ],
    expect: { unusedPermission: true, unusedServices: ['redshift', 'sagemaker'] },
  },
  {
    kind: 'role',
    name: 'legacy-reporting',
    path: '/',
    about: 'old reporting instance role, last used 200 days ago (before the logs)',
    createdDaysAgo: 1100,
    trust: service('ec2.amazonaws.com'),
    instanceProfile: true,
    managed: ['aws:AmazonS3ReadOnlyAccess', 'aws:AmazonDynamoDBReadOnlyAccess'],
    inline: [],
    lastUsedBeforeLogsDaysAgo: 200,
    activity: [],
    expect: { unusedRole: true },
  },
  {
    kind: 'role',
    name: 'old-batch-processor',
    path: '/batch/',
    about: 'batch job switched off 100 days ago: its last calls are in the logs, before the period',
    createdDaysAgo: 760,
    trust: service('ec2.amazonaws.com'),
    instanceProfile: true,
    managed: ['aws:AmazonS3FullAccess'],
    inline: [],
    tags: { team: 'data' },
    activity: [
      {
        weight: 4,
        via: 'session',
        source: 'vpc',
        untilDaysAgo: 100,
        sessionNames: ['i-0b7e4d2c9a1f38456'],
        userAgents: UA.boto,
        res: { bucket: 'acme-batch-exports', prefix: 'daily/', extension: 'csv.gz' },
        ops: [
          ['s3:GetObject', 4],
          ['s3:PutObject', 4],
          ['s3:ListObjects', 1],
        ],
      },
    ],
    expect: { unusedRole: true },
  },
  {
    kind: 'role',
    name: 'quicksight-reader',
    path: '/service-role/',
    about: 'created for a dashboard project that never started',
    createdDaysAgo: 300,
    trust: service('quicksight.amazonaws.com'),
    managed: ['aws:AmazonS3ReadOnlyAccess'],
    inline: [],
    activity: [],
    expect: { unusedRole: true },
  },
  {
    kind: 'role',
    name: 'recommendation-engine',
    path: '/app/',
    about: 'new service, created 20 days ago: inside the tracking period',
    createdDaysAgo: 20,
    trust: service('ecs-tasks.amazonaws.com'),
    managed: [],
    inline: [
      {
        name: 'recommendations-data',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:ListBucket'],
              Resource: ['arn:aws:s3:::acme-ml-features', 'arn:aws:s3:::acme-ml-features/*'],
            },
            {
              Effect: 'Allow',
              Action: ['dynamodb:*'],
              Resource: `arn:aws:dynamodb:us-east-1:${A}:table/recommendations`,
            },
          ],
        },
      },
    ],
    tags: { team: 'ml', env: 'prod' },
    activity: [
      {
        weight: 4,
        via: 'session',
        source: 'vpc',
        fromDaysAgo: 19,
        userAgents: UA.boto,
        res: {
          bucket: 'acme-ml-features',
          prefix: 'features/',
          extension: 'parquet',
          table: 'recommendations',
        },
        ops: [
          ['s3:GetObject', 6],
          ['dynamodb:DescribeTable', 1],
        ],
      },
    ],
    expect: { notEvaluated: 'CREATED_IN_TRACKING_PERIOD' },
  },
  {
    kind: 'role',
    name: 'fraud-detector-ml',
    path: '/ml/',
    about: 'SageMaker role created 45 days ago, not used yet',
    createdDaysAgo: 45,
    trust: service('sagemaker.amazonaws.com'),
    managed: ['aws:AmazonS3ReadOnlyAccess'],
    inline: [],
    tags: { team: 'ml' },
    activity: [],
    expect: { notEvaluated: 'CREATED_IN_TRACKING_PERIOD' },
  },
  {
    kind: 'role',
    name: 'cost-explorer-export',
    path: '/finops/',
    about: 'created 89 days ago: one day inside the 90-day period',
    createdDaysAgo: 89,
    trust: service('lambda.amazonaws.com'),
    managed: [],
    inline: [
      {
        name: 'cost-export',
        document: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'ce:GetCostAndUsage', Resource: '*' },
            {
              Effect: 'Allow',
              Action: 's3:PutObject',
              Resource: 'arn:aws:s3:::acme-finops-reports/*',
            },
          ],
        },
      },
    ],
    tags: { team: 'finops' },
    activity: [
      {
        weight: 0.3,
        via: 'session',
        source: 'vpc',
        fromDaysAgo: 88,
        userAgents: UA.jsLambda,
        res: { bucket: 'acme-finops-reports', prefix: 'daily/', extension: 'csv' },
        ops: [
          ['ce:GetCostAndUsage', 1],
          ['s3:PutObject', 1],
        ],
      },
    ],
    expect: { notEvaluated: 'CREATED_IN_TRACKING_PERIOD' },
  },
  {
    kind: 'role',
    name: 'backup-verifier',
    path: '/ops/',
    about: 'created exactly 90 days before the scan: at the start of the period, so evaluated',
    createdDaysAgo: 90,
    trust: service('lambda.amazonaws.com'),
    managed: ['aws:AWSLambdaBasicExecutionRole'],
    inline: [
      {
        name: 'backup-checks',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'backup:ListBackupJobs',
                'backup:DescribeBackupJob',
                'backup:StartRestoreJob',
              ],
              Resource: '*',
            },
          ],
        },
      },
    ],
    tags: { team: 'platform' },
    activity: [
      {
        weight: 0.5,
        via: 'session',
        source: 'vpc',
        fromDaysAgo: 89,
        userAgents: UA.jsLambda,
        res: { function: 'backup-verifier' },
        ops: [
          ['backup:ListBackupJobs', 2],
          ['backup:DescribeBackupJob', 3],
          ['logs:CreateLogStream', 1],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedActions: ['backup:StartRestoreJob', 'logs:CreateLogGroup'],
    },
  },
  {
    kind: 'role',
    name: 'bastion-host',
    path: '/ec2/',
    about: 'instance role with Session Manager and the CloudWatch agent',
    createdDaysAgo: 640,
    trust: service('ec2.amazonaws.com'),
    instanceProfile: true,
    managed: ['aws:AmazonSSMManagedInstanceCore', 'aws:CloudWatchAgentServerPolicy'],
    inline: [],
    tags: { team: 'platform' },
    activity: [
      {
        weight: 6,
        via: 'session',
        source: 'vpc',
        sessionNames: ['i-0a1b2c3d4e5f60718'],
        userAgents: [...UA.ssmAgent, ...UA.cwAgent],
        res: {
          instance: 'i-0a1b2c3d4e5f60718',
          parameter: 'AmazonCloudWatch-linux',
          logGroup: '/ec2/bastion/secure',
        },
        ops: [
          ['ssm:UpdateInstanceInformation', 6],
          ['ssm:ListInstanceAssociations', 3],
          ['ssm:GetParameter', 1],
          ['ssmmessages:CreateControlChannel', 1],
          ['ec2messages:GetMessages', 12],
          ['ec2messages:AcknowledgeMessage', 1],
          ['logs:CreateLogStream', 1],
          ['logs:DescribeLogStreams', 2],
          ['logs:DescribeLogGroups', 1],
          ['ec2:DescribeTags', 2],
          ['ec2:DescribeVolumes', 1],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedServices: ['xray'],
      unusedActions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'ssm:GetDocument'],
    },
  },
  {
    kind: 'role',
    name: 'monitoring-exporter',
    path: '/observability/',
    about: 'Prometheus exporter reading EC2, ELB and CloudWatch in every region',
    createdDaysAgo: 450,
    trust: service('ecs-tasks.amazonaws.com'),
    managed: ['aws:AmazonEC2ReadOnlyAccess'],
    inline: [
      {
        name: 'cloudwatch-read',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'cloudwatch:GetMetricData',
                'cloudwatch:ListMetrics',
                'cloudwatch:GetMetricStatistics',
                'cloudwatch:DescribeAlarms',
              ],
              Resource: '*',
            },
          ],
        },
      },
    ],
    tags: { team: 'platform' },
    activity: [
      {
        weight: 6,
        via: 'session',
        source: 'vpc',
        regions: ['us-east-1', 'eu-west-1', 'us-west-2'],
        userAgents: UA.boto,
        res: { namespace: 'AWS/ApplicationELB' },
        ops: [
          ['ec2:DescribeInstances', 4],
          ['ec2:DescribeVolumes', 2],
          ['cloudwatch:GetMetricData', 8],
          ['cloudwatch:ListMetrics', 2],
          ['cloudwatch:GetMetricStatistics', 2],
          ['cloudwatch:DescribeAlarms', 1],
          ['elasticloadbalancing:DescribeLoadBalancers', 2],
          ['elasticloadbalancing:DescribeTargetHealth', 2],
        ],
      },
    ],
    expect: {
      unusedPermission: true,
      unusedServices: ['autoscaling'],
      unusedActions: ['ec2:DescribeAddresses', 'elasticloadbalancing:DescribeListeners'],
    },
  },
  {
    kind: 'role',
    name: 'audit-log-archiver',
    path: '/ops/',
    about: 'exports log groups to the archive bucket every night',
    createdDaysAgo: 390,
    trust: service('lambda.amazonaws.com'),
    managed: ['aws:CloudWatchLogsFullAccess'],
    inline: [
      {
        name: 'archive-bucket',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:PutObject', 's3:GetBucketAcl'],
              Resource: ['arn:aws:s3:::acme-log-archive', 'arn:aws:s3:::acme-log-archive/*'],
            },
          ],
        },
      },
    ],
    tags: { team: 'security' },
    activity: [
      {
        weight: 1,
        via: 'session',
        source: 'vpc',
        userAgents: UA.jsLambda,
        res: {
          bucket: 'acme-log-archive',
          logGroup: '/ecs/prod/orders-api',
          function: 'audit-log-archiver',
        },
        ops: [
          ['logs:CreateExportTask', 2],
          ['logs:DescribeExportTasks', 4],
          ['logs:DescribeLogGroups', 1],
          ['logs:CreateLogStream', 1],
          ['s3:GetBucketAcl', 1],
        ],
      },
    ],
    expect: { unusedPermission: true, unusedActions: ['logs:DeleteLogGroup'] },
  },
  {
    kind: 'role',
    name: 'AWSServiceRoleForAutoScaling',
    path: '/aws-service-role/autoscaling.amazonaws.com/',
    about: 'service-linked role: never evaluated',
    description:
      'Default Service-Linked Role enables access to AWS Services and Resources used or managed by Auto Scaling',
    createdDaysAgo: 1000,
    trust: slr('autoscaling.amazonaws.com'),
    managed: ['aws:AutoScalingServiceRolePolicy'],
    inline: [],
    activity: [
      {
        weight: 1,
        via: 'session',
        source: 'service:autoscaling.amazonaws.com',
        sessionNames: ['AutoScaling'],
        userAgents: ['autoscaling.amazonaws.com'],
        ops: [
          ['ec2:RunInstances', 1],
          ['ec2:TerminateInstances', 1],
          ['ec2:DescribeInstances', 4],
          ['elasticloadbalancing:RegisterTargets', 1],
          ['elasticloadbalancing:DeregisterTargets', 1],
        ],
      },
    ],
    expect: { notEvaluated: 'SERVICE_LINKED_ROLE' },
  },
  {
    kind: 'role',
    name: 'AWSServiceRoleForElasticLoadBalancing',
    path: '/aws-service-role/elasticloadbalancing.amazonaws.com/',
    about: 'service-linked role: never evaluated',
    description: 'Allows ELB to call AWS services on your behalf.',
    createdDaysAgo: 1000,
    trust: slr('elasticloadbalancing.amazonaws.com'),
    managed: ['aws:AWSElasticLoadBalancingServiceRolePolicy'],
    inline: [],
    activity: [],
    expect: { notEvaluated: 'SERVICE_LINKED_ROLE' },
  },
];

const consoleOps = (...ops: (readonly [string, number, number?])[]): ActivitySpec['ops'] => [
  ['signin:ConsoleLogin', 1],
  ...ops,
];

/** Every user. */
export const USERS: readonly UserSpec[] = [
  {
    kind: 'user',
    name: 'alice.admin',
    path: '/admins/',
    about: 'administrator, console only',
    createdDaysAgo: 700,
    groups: ['Admins'],
    managed: [],
    inline: [],
    password: { changedDaysAgo: 80 },
    mfa: true,
    keys: [],
    tags: { team: 'platform' },
    activity: [
      {
        weight: 1,
        via: 'console',
        source: 'office',
        human: true,
        userAgents: UA.console,
        res: { user: 'bob.dev' },
        ops: consoleOps(
          ['iam:ListUsers', 2],
          ['iam:GetUser', 2],
          ['iam:ListAccessKeys', 1],
          ['ec2:DescribeInstances', 2],
          ['cloudtrail:LookupEvents', 2],
          ['s3:ListBuckets', 1],
        ),
      },
    ],
    expect: { unusedPermission: true, unusedActions: ['iam:CreateUser', 'ec2:RunInstances'] },
  },
  {
    kind: 'user',
    name: 'ivan.oncall',
    path: '/admins/',
    about: 'on-call engineer: console now and then, the CLI during incidents',
    createdDaysAgo: 400,
    groups: ['Admins'],
    managed: [],
    inline: [],
    password: { changedDaysAgo: 150 },
    mfa: true,
    keys: [{ active: true, createdDaysAgo: 200 }],
    tags: { team: 'platform' },
    activity: [
      {
        weight: 0.3,
        via: 'console',
        source: 'home',
        userAgents: UA.console,
        ops: consoleOps(['cloudwatch:DescribeAlarms', 3], ['ecs:DescribeServices', 2]),
      },
      {
        weight: 0.5,
        via: 'key1',
        source: 'home',
        userAgents: UA.cli,
        res: { cluster: 'prod', service: 'orders-api', logGroup: '/ecs/prod/orders-api' },
        ops: [
          ['ec2:DescribeInstances', 2],
          ['logs:StartQuery', 2],
          ['logs:GetQueryResults', 4],
          ['ecs:DescribeServices', 2],
          ['ecs:UpdateService', 1],
          ['cloudwatch:DescribeAlarms', 1],
        ],
      },
    ],
    expect: { unusedPermission: true, unusedServices: ['sagemaker'] },
  },
  {
    kind: 'user',
    name: 'bob.dev',
    path: '/developers/',
    about: 'developer: console and CLI, assumes deploy-staging; once tried to create a user',
    createdDaysAgo: 500,
    groups: ['Developers'],
    managed: [],
    inline: [
      {
        name: 'bob-sandbox',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:*',
              Resource: [
                'arn:aws:s3:::acme-dev-sandbox-bob',
                'arn:aws:s3:::acme-dev-sandbox-bob/*',
              ],
            },
          ],
        },
      },
    ],
    boundary: 'customer:DeveloperBoundary',
    password: { changedDaysAgo: 60 },
    mfa: true,
    keys: [{ active: true, createdDaysAgo: 110 }],
    tags: { team: 'orders' },
    activity: [
      {
        weight: 0.5,
        via: 'console',
        source: 'office',
        human: true,
        userAgents: UA.console,
        ops: consoleOps(
          ['lambda:ListFunctions20150331', 2],
          ['cloudwatch:GetMetricData', 2],
          ['logs:DescribeLogGroups', 1],
        ),
      },
      {
        weight: 1,
        via: 'key1',
        source: 'office',
        human: true,
        userAgents: UA.cli,
        res: {
          bucket: 'acme-dev-sandbox-bob',
          prefix: 'experiments/',
          assumeRoleArn: `arn:aws:iam::${A}:role/ci/deploy-staging`,
          assumeSession: 'bob.dev',
          function: 'dev-orders-pricing',
          logGroup: '/aws/lambda/dev-orders-pricing',
          parameterPath: '/dev/orders/',
          newUser: 'bob-test',
        },
        ops: [
          ['sts:AssumeRole', 2],
          ['s3:ListBuckets', 1],
          ['s3:ListObjects', 2],
          ['s3:GetObject', 3],
          ['s3:PutObject', 2],
          ['lambda:GetFunction20150331v2', 1],
          ['logs:StartQuery', 1],
          ['logs:GetQueryResults', 2],
          ['ssm:GetParametersByPath', 1],
          ['iam:CreateUser', 0.05, 1],
        ],
      },
    ],
    // s3:DeleteBucket is allowed by bob-sandbox but denied by DeveloperAccess: never reported.
    expect: {
      unusedPermission: true,
      unusedActions: ['dynamodb:DescribeTable', 's3:PutBucketPolicy', 'logs:StopQuery'],
    },
  },
  {
    kind: 'user',
    name: 'carol.dev',
    path: '/developers/',
    about: 'developer on the CLI only: console password unused for 150 days, second key never used',
    createdDaysAgo: 450,
    groups: ['Developers'],
    managed: [],
    inline: [],
    password: { lastUsedBeforeLogsDaysAgo: 150, changedDaysAgo: 440 },
    mfa: true,
    keys: [
      { active: true, createdDaysAgo: 300 },
      { active: true, createdDaysAgo: 95 },
    ],
    tags: { team: 'payments' },
    activity: [
      {
        weight: 1,
        via: 'key1',
        source: 'home',
        human: true,
        userAgents: UA.cli,
        res: {
          bucket: 'acme-dev-payments',
          prefix: 'fixtures/',
          assumeRoleArn: `arn:aws:iam::${A}:role/ci/deploy-staging`,
          assumeSession: 'carol.dev',
          function: 'dev-payments-webhook',
          table: 'dev-payments',
        },
        ops: [
          ['s3:ListBuckets', 1],
          ['s3:GetObject', 3],
          ['s3:ListObjects', 2],
          ['lambda:ListFunctions20150331', 1],
          ['lambda:GetFunction20150331v2', 1],
          ['sts:AssumeRole', 2],
          ['dynamodb:DescribeTable', 1],
          ['logs:StartQuery', 1],
          ['logs:GetQueryResults', 2],
        ],
      },
    ],
    expect: {
      unusedPassword: true,
      unusedKeys: [2],
      unusedPermission: true,
      unusedActions: ['logs:StopQuery'],
    },
  },
  {
    kind: 'user',
    name: 'dan.contractor',
    path: '/contractors/',
    about: 'contractor who never signed in nor used his key',
    createdDaysAgo: 200,
    groups: ['Contractors'],
    managed: [],
    inline: [],
    password: { changedDaysAgo: 200 },
    mfa: false,
    keys: [{ active: true, createdDaysAgo: 200 }],
    tags: { company: 'example-consulting' },
    activity: [],
    expect: { unusedPassword: true, unusedKeys: [1] },
  },
  {
    kind: 'user',
    name: 'erin.contractor',
    path: '/contractors/',
    about: 'contractor who started 30 days ago',
    createdDaysAgo: 30,
    groups: ['Contractors'],
    managed: [],
    inline: [],
    password: { changedDaysAgo: 30 },
    mfa: true,
    keys: [],
    tags: { company: 'example-consulting' },
    activity: [
      {
        weight: 0.3,
        via: 'console',
        source: 'home',
        human: true,
        fromDaysAgo: 29,
        userAgents: UA.console,
        ops: consoleOps(['ec2:DescribeInstances', 2], ['s3:ListBuckets', 1]),
      },
    ],
    expect: { notEvaluated: 'CREATED_IN_TRACKING_PERIOD' },
  },
  {
    kind: 'user',
    name: 'frank.analyst',
    path: '/analysts/',
    about: 'data analyst using Athena in the console',
    createdDaysAgo: 300,
    groups: ['DataAnalysts'],
    managed: [],
    inline: [],
    password: { changedDaysAgo: 100 },
    mfa: true,
    keys: [],
    tags: { team: 'data' },
    activity: [
      {
        weight: 1,
        via: 'console',
        source: 'office',
        human: true,
        regions: ['eu-west-1'],
        userAgents: UA.console,
        res: {
          bucket: 'acme-athena-results',
          prefix: 'analysts/',
          extension: 'csv',
          workgroup: 'analysts',
          database: 'datalake',
        },
        ops: consoleOps(
          ['athena:StartQueryExecution', 3],
          ['athena:GetQueryExecution', 6],
          ['athena:GetQueryResults', 3],
          ['athena:GetWorkGroup', 1],
          ['glue:GetDatabase', 1],
          ['glue:GetTable', 2],
          ['s3:ListBuckets', 1],
          // Athena reads and writes query results with the caller's credentials.
          ['s3:GetBucketLocation', 1],
          ['s3:GetObject', 2],
          ['s3:PutObject', 2],
          ['s3:ListObjects', 1],
        ),
      },
    ],
    expect: {
      unusedPermission: true,
      unusedActions: ['athena:DeleteWorkGroup', 'athena:StopQueryExecution'],
    },
  },
  {
    kind: 'user',
    name: 'grace.security',
    path: '/security/',
    about: 'security engineer with SecurityAudit',
    createdDaysAgo: 600,
    groups: ['SecurityTeam'],
    managed: [],
    inline: [],
    password: { changedDaysAgo: 40 },
    mfa: true,
    keys: [],
    tags: { team: 'security' },
    activity: [
      {
        weight: 0.5,
        via: 'console',
        source: 'office',
        human: true,
        userAgents: UA.console,
        res: { bucket: 'acme-orders-documents' },
        ops: consoleOps(
          ['guardduty:ListDetectors', 2],
          ['cloudtrail:LookupEvents', 3],
          ['config:DescribeConfigurationRecorders', 1],
          ['iam:ListUsers', 1],
          ['iam:ListRoles', 1],
          ['s3:GetBucketPolicy', 1],
          ['ec2:DescribeSecurityGroups', 2],
        ),
      },
    ],
    expect: { unusedPermission: true, unusedServices: ['redshift'] },
  },
  {
    kind: 'user',
    name: 'heidi.former',
    path: '/developers/',
    about: 'left the company: password and key unused for 8 months',
    createdDaysAgo: 800,
    groups: [],
    managed: ['aws:AmazonS3ReadOnlyAccess'],
    inline: [],
    password: { lastUsedBeforeLogsDaysAgo: 250, changedDaysAgo: 500 },
    mfa: false,
    keys: [
      { active: true, createdDaysAgo: 700, lastUsedBeforeLogsDaysAgo: 240, lastUsedService: 's3' },
    ],
    tags: { status: 'offboarding' },
    activity: [],
    expect: { unusedPassword: true, unusedKeys: [1] },
  },
  {
    kind: 'user',
    name: 'judy.finance',
    path: '/finance/',
    about: 'finance: looks at costs once a week',
    createdDaysAgo: 365,
    groups: ['Finance'],
    managed: [],
    inline: [],
    password: { changedDaysAgo: 120 },
    mfa: true,
    keys: [],
    activity: [
      {
        weight: 0.2,
        via: 'console',
        source: 'office',
        human: true,
        userAgents: UA.console,
        ops: consoleOps(['ce:GetCostAndUsage', 4]),
      },
    ],
    expect: { unusedPermission: true, unusedServices: ['budgets'] },
  },
  {
    kind: 'user',
    name: 'leo.intern',
    path: '/interns/',
    about: 'intern who started 5 days ago',
    createdDaysAgo: 5,
    groups: ['Interns'],
    managed: [],
    inline: [],
    password: { changedDaysAgo: 5 },
    mfa: false,
    keys: [],
    activity: [
      {
        weight: 0.1,
        via: 'console',
        source: 'office',
        human: true,
        fromDaysAgo: 4,
        userAgents: UA.console,
        ops: consoleOps(['iam:ListUsers', 1]),
      },
    ],
    expect: { notEvaluated: 'CREATED_IN_TRACKING_PERIOD' },
  },
  {
    kind: 'user',
    name: 'svc-legacy-ftp',
    path: '/service-accounts/',
    about: 'service account of a decommissioned FTP bridge: key unused for 300 days',
    createdDaysAgo: 1200,
    groups: [],
    managed: [],
    inline: [
      {
        name: 'ftp-drop',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['s3:PutObject', 's3:ListBucket'],
              Resource: ['arn:aws:s3:::acme-ftp-drop', 'arn:aws:s3:::acme-ftp-drop/*'],
            },
          ],
        },
      },
    ],
    mfa: false,
    keys: [
      { active: true, createdDaysAgo: 1100, lastUsedBeforeLogsDaysAgo: 300, lastUsedService: 's3' },
      {
        active: false,
        createdDaysAgo: 1200,
        lastUsedBeforeLogsDaysAgo: 1110,
        lastUsedService: 's3',
      },
    ],
    tags: { owner: 'integrations' },
    activity: [],
    expect: { unusedKeys: [1] },
  },
  {
    kind: 'user',
    name: 'svc-metrics-push',
    path: '/service-accounts/',
    about: 'pushes metrics from on-premises: least privilege, but a rotation left a second key',
    createdDaysAgo: 400,
    groups: [],
    managed: [],
    inline: [
      {
        name: 'metrics-push',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['cloudwatch:PutMetricData', 'cloudwatch:ListMetrics'],
              Resource: '*',
            },
            {
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
              Resource: `arn:aws:logs:us-east-1:${A}:log-group:/onprem/*`,
            },
          ],
        },
      },
    ],
    mfa: false,
    keys: [
      { active: true, createdDaysAgo: 380 },
      { active: true, createdDaysAgo: 100 },
    ],
    tags: { owner: 'platform' },
    activity: [
      {
        weight: 3,
        via: 'key1',
        source: 'office',
        userAgents: UA.boto,
        res: { logGroup: '/onprem/datacenter-1', namespace: 'OnPrem/Hosts' },
        ops: [
          ['cloudwatch:ListMetrics', 1],
          ['logs:CreateLogStream', 2],
          ['logs:DescribeLogStreams', 4],
        ],
      },
    ],
    expect: { unusedKeys: [2], unusedPermission: false },
  },
  {
    kind: 'user',
    name: 'svc-backup',
    path: '/service-accounts/',
    about: 'backup tool with AmazonS3FullAccess that only writes objects',
    createdDaysAgo: 500,
    groups: [],
    managed: ['aws:AmazonS3FullAccess'],
    inline: [],
    mfa: false,
    keys: [{ active: true, createdDaysAgo: 170 }],
    tags: { owner: 'platform' },
    activity: [
      {
        weight: 2,
        via: 'key1',
        source: 'office',
        userAgents: UA.boto,
        res: { bucket: 'acme-backups', prefix: 'nas/', extension: 'tar.zst' },
        ops: [
          ['s3:PutObject', 6],
          ['s3:ListObjects', 2],
          ['s3:ListBuckets', 1],
          ['s3:GetBucketLocation', 1],
        ],
      },
    ],
    expect: {
      unusedPermission: true,

      unusedActions: ['s3:DeleteBucket', 's3:PutBucketPolicy', 's3:GetObject'],
    },
  },
];

/** Every group. */
export const GROUPS: readonly GroupSpec[] = [
  {
    name: 'Admins',
    path: '/',
    createdDaysAgo: 900,
    managed: ['aws:AdministratorAccess'],
    inline: [],
  },
  {
    name: 'Developers',
    path: '/',
    createdDaysAgo: 900,
    managed: ['customer:DeveloperAccess'],
    inline: [
      {
        name: 'developers-observability',
        urlEncoded: true,
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'cloudwatch:GetMetricData',
                'cloudwatch:ListMetrics',
                'logs:FilterLogEvents',
                'xray:GetTraceSummaries',
              ],
              Resource: '*',
            },
          ],
        },
      },
    ],
  },
  {
    name: 'Contractors',
    path: '/external/',
    createdDaysAgo: 600,
    managed: ['aws:AmazonEC2ReadOnlyAccess', 'aws:AmazonS3ReadOnlyAccess', 'aws:IAMReadOnlyAccess'],
    inline: [],
  },
  {
    name: 'DataAnalysts',
    path: '/',
    createdDaysAgo: 650,
    managed: ['customer:analytics-athena-access'],
    inline: [],
  },
  {
    name: 'SecurityTeam',
    path: '/',
    createdDaysAgo: 800,
    managed: ['aws:SecurityAudit'],
    inline: [],
  },
  {
    name: 'Finance',
    path: '/',
    createdDaysAgo: 700,
    managed: ['aws:AWSBillingReadOnlyAccess'],
    inline: [],
  },
  {
    name: 'Interns',
    path: '/',
    createdDaysAgo: 300,
    managed: ['aws:IAMReadOnlyAccess'],
    inline: [],
  },
  { name: 'Auditors', path: '/', createdDaysAgo: 500, managed: ['aws:ViewOnlyAccess'], inline: [] },
];

/** Calls by AWS services (`userIdentity.type` `AWSService`): assuming the application roles. */
export const SERVICE_CALLERS: readonly {
  invokedBy: string;
  weight: number;
  roles: readonly string[];
}[] = [
  {
    invokedBy: 'lambda.amazonaws.com',
    weight: 2,
    roles: [
      'inventory-sync',
      'image-resizer',
      'notifications-sender',
      'audit-log-archiver',
      'backup-verifier',
      'cost-explorer-export',
    ],
  },
  {
    invokedBy: 'ecs-tasks.amazonaws.com',
    weight: 1,
    roles: [
      'orders-api',
      'staging-orders-api',
      'payments-worker',
      'monitoring-exporter',
      'recommendation-engine',
    ],
  },
  { invokedBy: 'ec2.amazonaws.com', weight: 0.3, roles: ['bastion-host'] },
];

/** The root user: a couple of sign-ins to check the account summary. */
export const ROOT_ACTIVITY: ActivitySpec = {
  weight: 0.002,
  via: 'console',
  source: 'office',
  human: true,
  userAgents: UA.console,
  ops: [
    ['signin:ConsoleLogin', 1],
    ['iam:GetAccountSummary', 1],
  ],
};
