/**
 * The API operations the demo account's principals call, as CloudTrail records them: event source,
 * event name (including Lambda's API-version suffixes such as `UpdateFunctionCode20150331v2`), the
 * IAM action the call is authorized by, and realistic `requestParameters` / `responseElements`.
 *
 * Only services whose data events the demo trail logs (S3 and Lambda) have data-event operations:
 * a real trail without DynamoDB or SQS data events never records `GetItem` or `SendMessage`, so the
 * demo does not either.
 */
import type { Random } from './random.js';

/** Names of the resources a principal works on (bucket, table, ...), filled with defaults. */
export type ResourceHints = Readonly<Record<string, string>>;

/** What a request or response generator gets. */
export interface OperationContext {
  rng: Random;
  account: string;
  region: string;
  /** The principal's resources. */
  res: ResourceHints;
  /** The event time. */
  time: Date;
}

/** A resource of a record's `resources` list. */
export interface TrailResource {
  accountId?: string;
  type: string;
  ARN: string;
}

/** One API operation as CloudTrail logs it. */
export interface OperationSpec {
  /** `<iam prefix>:<eventName>`, unique. */
  readonly key: string;
  readonly eventSource: string;
  readonly eventName: string;
  /** The IAM action the call is authorized by (`service:Action`); null for a console sign-in. */
  readonly action: string | null;
  readonly readOnly: boolean;
  /** A data event (S3 object or Lambda invoke) rather than a management event. */
  readonly data: boolean;
  /** Logged in us-east-1 whatever the caller's region (IAM, STS global endpoint, sign-in, CE). */
  readonly global: boolean;
  /** The `eventType`: `AwsApiCall` except for console sign-in. */
  readonly eventType: 'AwsApiCall' | 'AwsConsoleSignIn';
  /** The error code CloudTrail records when this call is denied. */
  readonly deniedCode: string;
  request(c: OperationContext): unknown;
  response(c: OperationContext): unknown;
  resources(c: OperationContext): TrailResource[] | undefined;
}

interface OperationInput {
  source: string;
  name: string;
  action: string | null;
  readOnly?: boolean;
  data?: boolean;
  global?: boolean;
  eventType?: 'AwsApiCall' | 'AwsConsoleSignIn';
  deniedCode?: string;
  request?: (c: OperationContext) => unknown;
  response?: (c: OperationContext) => unknown;
  resources?: (c: OperationContext) => TrailResource[] | undefined;
}

const iso = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** STS's `expiration` as CloudTrail records it: `Jul 3, 2026, 4:05:09 PM`. */
export function stsExpiration(d: Date): string {
  const h = d.getUTCHours();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]!} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 === 0 ? 12 : h % 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

function s3Object(c: OperationContext, key: string): TrailResource[] {
  const bucket = c.res.bucket!;
  return [
    { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
    { accountId: c.account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
  ];
}

/** An object key under the principal's prefix, stable enough to look real. */
function objectKey(c: OperationContext): string {
  const d = c.time.toISOString();
  const prefix = c.res.prefix ?? 'data/';
  return `${prefix}${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${c.rng.hex(8)}.${c.res.extension ?? 'json'}`;
}

function bucketRequest(c: OperationContext, extra: Record<string, unknown> = {}): unknown {
  const bucket = c.res.bucket!;
  return { bucketName: bucket, Host: `${bucket}.s3.${c.region}.amazonaws.com`, ...extra };
}

const functionArn = (c: OperationContext): string =>
  `arn:aws:lambda:${c.region}:${c.account}:function:${c.res.function!}`;
const queueUrl = (c: OperationContext): string =>
  `https://sqs.${c.region}.amazonaws.com/${c.account}/${c.res.queue!}`;

const INPUTS: OperationInput[] = [
  // S3, management events.
  {
    source: 's3',
    name: 'ListBuckets',
    action: 's3:ListAllMyBuckets',
    request: (c) => ({ Host: `s3.${c.region}.amazonaws.com` }),
  },
  {
    source: 's3',
    name: 'GetBucketLocation',
    action: 's3:GetBucketLocation',
    request: (c) => bucketRequest(c, { location: '' }),
  },
  {
    source: 's3',
    name: 'GetBucketPolicy',
    action: 's3:GetBucketPolicy',
    request: (c) => bucketRequest(c, { policy: '' }),
  },
  {
    source: 's3',
    name: 'GetBucketAcl',
    action: 's3:GetBucketAcl',
    request: (c) => bucketRequest(c, { acl: '' }),
  },
  {
    source: 's3',
    name: 'GetBucketPolicyStatus',
    action: 's3:GetBucketPolicyStatus',
    request: (c) => bucketRequest(c, { policyStatus: '' }),
  },
  {
    source: 's3',
    name: 'GetBucketPublicAccessBlock',
    action: 's3:GetBucketPublicAccessBlock',
    request: (c) => bucketRequest(c, { publicAccessBlock: '' }),
  },
  {
    source: 's3',
    name: 'GetBucketEncryption',
    action: 's3:GetEncryptionConfiguration',
    request: (c) => bucketRequest(c, { encryption: '' }),
  },
  {
    source: 's3',
    name: 'GetBucketVersioning',
    action: 's3:GetBucketVersioning',
    request: (c) => bucketRequest(c, { versioning: '' }),
  },
  // S3, data events.
  {
    source: 's3',
    name: 'GetObject',
    action: 's3:GetObject',
    data: true,
    request: (c) => bucketRequest(c, { key: objectKey(c) }),
    resources: (c) => s3Object(c, objectKey(c)),
  },
  {
    source: 's3',
    name: 'HeadObject',
    action: 's3:GetObject',
    data: true,
    request: (c) => bucketRequest(c, { key: objectKey(c) }),
    resources: (c) => s3Object(c, objectKey(c)),
  },
  {
    source: 's3',
    name: 'PutObject',
    action: 's3:PutObject',
    data: true,
    readOnly: false,
    request: (c) => bucketRequest(c, { key: objectKey(c) }),
    response: (c) => ({
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-version-id': c.rng.chars(
        'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._',
        32,
      ),
    }),
    resources: (c) => s3Object(c, objectKey(c)),
  },
  {
    source: 's3',
    name: 'DeleteObject',
    action: 's3:DeleteObject',
    data: true,
    readOnly: false,
    request: (c) => bucketRequest(c, { key: objectKey(c) }),
    resources: (c) => s3Object(c, objectKey(c)),
  },
  {
    source: 's3',
    name: 'ListObjects',
    action: 's3:ListBucket',
    data: true,
    request: (c) =>
      bucketRequest(c, { 'list-type': '2', prefix: c.res.prefix ?? '', 'encoding-type': 'url' }),
    resources: (c) => [
      { accountId: c.account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${c.res.bucket!}` },
    ],
  },
  // Lambda: invocations are data events; management event names carry API versions.
  {
    source: 'lambda',
    name: 'Invoke',
    action: 'lambda:InvokeFunction',
    data: true,
    readOnly: false,
    request: (c) => ({ functionName: functionArn(c) }),
    resources: (c) => [
      { accountId: c.account, type: 'AWS::Lambda::Function', ARN: functionArn(c) },
    ],
  },
  {
    source: 'lambda',
    name: 'ListFunctions20150331',
    action: 'lambda:ListFunctions',
    request: () => null,
  },
  {
    source: 'lambda',
    name: 'GetFunction20150331v2',
    action: 'lambda:GetFunction',
    request: (c) => ({ functionName: c.res.function! }),
  },
  {
    source: 'lambda',
    name: 'GetFunctionConfiguration20150331v2',
    action: 'lambda:GetFunctionConfiguration',
    request: (c) => ({ functionName: c.res.function! }),
  },
  {
    source: 'lambda',
    name: 'ListTags20170331',
    action: 'lambda:ListTags',
    request: (c) => ({ resource: functionArn(c) }),
  },
  {
    source: 'lambda',
    name: 'UpdateFunctionCode20150331v2',
    action: 'lambda:UpdateFunctionCode',
    readOnly: false,
    request: (c) => ({
      functionName: c.res.function!,
      s3Bucket: c.res.artifacts ?? 'ci-artifacts',
      s3Key: `${c.res.function!}/${c.rng.hex(12)}.zip`,
      publish: false,
      dryRun: false,
    }),
    response: (c) => ({
      functionName: c.res.function!,
      functionArn: functionArn(c),
      runtime: 'nodejs20.x',
      codeSize: c.rng.between(40_000, 9_000_000),
      version: '$LATEST',
      lastUpdateStatus: 'InProgress',
    }),
  },
  {
    source: 'lambda',
    name: 'PublishVersion20150331',
    action: 'lambda:PublishVersion',
    readOnly: false,
    request: (c) => ({ functionName: c.res.function! }),
    response: (c) => ({
      functionName: c.res.function!,
      functionArn: `${functionArn(c)}:${c.rng.between(2, 400)}`,
      state: 'Active',
    }),
  },
  // DynamoDB (management events only: the demo trail does not log DynamoDB data events).
  {
    source: 'dynamodb',
    name: 'DescribeTable',
    action: 'dynamodb:DescribeTable',
    request: (c) => ({ tableName: c.res.table! }),
  },
  { source: 'dynamodb', name: 'ListTables', action: 'dynamodb:ListTables', request: () => null },
  // SQS (management events).
  {
    source: 'sqs',
    name: 'GetQueueUrl',
    action: 'sqs:GetQueueUrl',
    request: (c) => ({ queueName: c.res.queue! }),
  },
  {
    source: 'sqs',
    name: 'GetQueueAttributes',
    action: 'sqs:GetQueueAttributes',
    request: (c) => ({ queueUrl: queueUrl(c), attributeNames: ['All'] }),
  },
  { source: 'sqs', name: 'ListQueues', action: 'sqs:ListQueues', request: () => null },
  // Secrets Manager and KMS.
  {
    source: 'secretsmanager',
    name: 'GetSecretValue',
    action: 'secretsmanager:GetSecretValue',
    request: (c) => ({ secretId: c.res.secret! }),
  },
  {
    source: 'secretsmanager',
    name: 'DescribeSecret',
    action: 'secretsmanager:DescribeSecret',
    request: (c) => ({ secretId: c.res.secret! }),
  },
  {
    source: 'kms',
    name: 'Decrypt',
    action: 'kms:Decrypt',
    request: (c) => ({
      encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      encryptionContext: {
        SecretARN: `arn:aws:secretsmanager:${c.region}:${c.account}:secret:${c.res.secret ?? 'app'}-${c.rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef', 6)}`,
      },
    }),
    resources: (c) => [
      {
        accountId: c.account,
        type: 'AWS::KMS::Key',
        ARN: `arn:aws:kms:${c.region}:${c.account}:key/${c.res.key ?? '2f6c1e0a-4b7d-4c55-9a3e-7d2b9c1f0e84'}`,
      },
    ],
  },
  {
    source: 'kms',
    name: 'GenerateDataKey',
    action: 'kms:GenerateDataKey',
    request: (c) => ({ keyId: `alias/${c.res.keyAlias ?? 'aws/s3'}`, keySpec: 'AES_256' }),
    resources: (c) => [
      {
        accountId: c.account,
        type: 'AWS::KMS::Key',
        ARN: `arn:aws:kms:${c.region}:${c.account}:key/${c.res.key ?? '2f6c1e0a-4b7d-4c55-9a3e-7d2b9c1f0e84'}`,
      },
    ],
  },
  { source: 'kms', name: 'ListKeys', action: 'kms:ListKeys', request: () => null },
  { source: 'kms', name: 'ListAliases', action: 'kms:ListAliases', request: () => null },
  {
    source: 'kms',
    name: 'DescribeKey',
    action: 'kms:DescribeKey',
    request: (c) => ({ keyId: c.res.key ?? '2f6c1e0a-4b7d-4c55-9a3e-7d2b9c1f0e84' }),
  },
  // CloudWatch Logs.
  {
    source: 'logs',
    name: 'CreateLogStream',
    action: 'logs:CreateLogStream',
    readOnly: false,
    request: (c) => ({
      logGroupName: c.res.logGroup ?? `/aws/lambda/${c.res.function ?? 'app'}`,
      logStreamName: `${c.time.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${c.rng.hex(32)}`,
    }),
  },
  {
    source: 'logs',
    name: 'DescribeLogGroups',
    action: 'logs:DescribeLogGroups',
    request: (c) => ({ logGroupNamePrefix: c.res.logGroupPrefix ?? '/aws/' }),
  },
  {
    source: 'logs',
    name: 'DescribeLogStreams',
    action: 'logs:DescribeLogStreams',
    request: (c) => ({
      logGroupName: c.res.logGroup ?? '/app',
      orderBy: 'LastEventTime',
      descending: true,
      limit: 50,
    }),
  },
  {
    source: 'logs',
    name: 'CreateExportTask',
    action: 'logs:CreateExportTask',
    readOnly: false,
    request: (c) => ({
      logGroupName: c.res.logGroup ?? '/app',
      destination: c.res.bucket ?? 'archive',
      destinationPrefix: 'exports',
      from: c.time.getTime() - 86_400_000,
      to: c.time.getTime(),
    }),
    response: (c) => ({ taskId: c.rng.uuid() }),
  },
  {
    source: 'logs',
    name: 'DescribeExportTasks',
    action: 'logs:DescribeExportTasks',
    request: () => ({ statusCode: 'RUNNING' }),
  },
  {
    source: 'logs',
    name: 'StartQuery',
    action: 'logs:StartQuery',
    request: (c) => ({
      logGroupName: c.res.logGroup ?? '/app',
      startTime: Math.floor(c.time.getTime() / 1000) - 3600,
      endTime: Math.floor(c.time.getTime() / 1000),
      queryString:
        'fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc | limit 100',
    }),
    response: (c) => ({ queryId: c.rng.uuid() }),
  },
  {
    source: 'logs',
    name: 'GetQueryResults',
    action: 'logs:GetQueryResults',
    request: (c) => ({ queryId: c.rng.uuid() }),
  },
  // CloudFormation.
  {
    source: 'cloudformation',
    name: 'DescribeStacks',
    action: 'cloudformation:DescribeStacks',
    request: (c) => ({ stackName: c.res.stack ?? 'orders-prod' }),
  },
  {
    source: 'cloudformation',
    name: 'ListStacks',
    action: 'cloudformation:ListStacks',
    request: () => ({ stackStatusFilter: ['CREATE_COMPLETE', 'UPDATE_COMPLETE'] }),
  },
  {
    source: 'cloudformation',
    name: 'GetTemplate',
    action: 'cloudformation:GetTemplate',
    request: (c) => ({ stackName: c.res.stack ?? 'orders-prod', templateStage: 'Original' }),
  },
  {
    source: 'cloudformation',
    name: 'CreateChangeSet',
    action: 'cloudformation:CreateChangeSet',
    readOnly: false,
    request: (c) => ({
      stackName: c.res.stack ?? 'orders-prod',
      changeSetName: `ci-${c.rng.hex(10)}`,
      changeSetType: 'UPDATE',
      capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
    response: (c) => ({
      id: `arn:aws:cloudformation:${c.region}:${c.account}:changeSet/ci-${c.rng.hex(10)}/${c.rng.uuid()}`,
      stackId: `arn:aws:cloudformation:${c.region}:${c.account}:stack/${c.res.stack ?? 'orders-prod'}/${c.rng.uuid()}`,
    }),
  },
  {
    source: 'cloudformation',
    name: 'DescribeChangeSet',
    action: 'cloudformation:DescribeChangeSet',
    request: (c) => ({
      changeSetName: `ci-${c.rng.hex(10)}`,
      stackName: c.res.stack ?? 'orders-prod',
    }),
  },
  {
    source: 'cloudformation',
    name: 'ExecuteChangeSet',
    action: 'cloudformation:ExecuteChangeSet',
    readOnly: false,
    request: (c) => ({
      changeSetName: `ci-${c.rng.hex(10)}`,
      stackName: c.res.stack ?? 'orders-prod',
    }),
  },
  // ECR and ECS.
  {
    source: 'ecr',
    name: 'GetAuthorizationToken',
    action: 'ecr:GetAuthorizationToken',
    request: () => null,
  },
  {
    source: 'ecr',
    name: 'BatchGetImage',
    action: 'ecr:BatchGetImage',
    request: (c) => ({
      repositoryName: c.res.repository ?? 'orders-api',
      imageIds: [{ imageTag: 'latest' }],
      acceptedMediaTypes: ['application/vnd.docker.distribution.manifest.v2+json'],
    }),
  },
  {
    source: 'ecr',
    name: 'DescribeImages',
    action: 'ecr:DescribeImages',
    request: (c) => ({ repositoryName: c.res.repository ?? 'orders-api' }),
  },
  {
    source: 'ecr',
    name: 'InitiateLayerUpload',
    action: 'ecr:InitiateLayerUpload',
    readOnly: false,
    request: (c) => ({ repositoryName: c.res.repository ?? 'orders-api' }),
    response: (c) => ({ uploadId: c.rng.uuid(), partSize: 10485760 }),
  },
  {
    source: 'ecr',
    name: 'CompleteLayerUpload',
    action: 'ecr:CompleteLayerUpload',
    readOnly: false,
    request: (c) => ({
      repositoryName: c.res.repository ?? 'orders-api',
      uploadId: c.rng.uuid(),
      layerDigests: [`sha256:${c.rng.hex(64)}`],
    }),
  },
  {
    source: 'ecr',
    name: 'PutImage',
    action: 'ecr:PutImage',
    readOnly: false,
    request: (c) => ({ repositoryName: c.res.repository ?? 'orders-api', imageTag: c.rng.hex(7) }),
    response: (c) => ({
      image: {
        registryId: c.account,
        repositoryName: c.res.repository ?? 'orders-api',
        imageId: { imageDigest: `sha256:${c.rng.hex(64)}` },
      },
    }),
  },
  {
    source: 'ecs',
    name: 'UpdateService',
    action: 'ecs:UpdateService',
    readOnly: false,
    request: (c) => ({
      cluster: c.res.cluster ?? 'prod',
      service: c.res.service ?? 'orders-api',
      taskDefinition: `${c.res.service ?? 'orders-api'}:${c.rng.between(100, 400)}`,
      forceNewDeployment: false,
    }),
  },
  {
    source: 'ecs',
    name: 'DescribeServices',
    action: 'ecs:DescribeServices',
    request: (c) => ({
      cluster: c.res.cluster ?? 'prod',
      services: [c.res.service ?? 'orders-api'],
    }),
  },
  {
    source: 'ecs',
    name: 'DescribeTasks',
    action: 'ecs:DescribeTasks',
    request: (c) => ({ cluster: c.res.cluster ?? 'prod', tasks: [c.rng.hex(32)] }),
  },
  { source: 'ecs', name: 'ListClusters', action: 'ecs:ListClusters', request: () => null },
  {
    source: 'ecs',
    name: 'RegisterTaskDefinition',
    action: 'ecs:RegisterTaskDefinition',
    readOnly: false,
    request: (c) => ({
      family: c.res.service ?? 'orders-api',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
    }),
  },
  // IAM and STS (global: logged in us-east-1).
  {
    source: 'iam',
    name: 'GetRole',
    action: 'iam:GetRole',
    global: true,
    request: (c) => ({ roleName: c.res.role ?? 'orders-api' }),
  },
  { source: 'iam', name: 'ListRoles', action: 'iam:ListRoles', global: true, request: () => null },
  { source: 'iam', name: 'ListUsers', action: 'iam:ListUsers', global: true, request: () => null },
  {
    source: 'iam',
    name: 'GetUser',
    action: 'iam:GetUser',
    global: true,
    request: (c) => ({ userName: c.res.user ?? 'bob.dev' }),
  },
  {
    source: 'iam',
    name: 'ListAccessKeys',
    action: 'iam:ListAccessKeys',
    global: true,
    request: (c) => ({ userName: c.res.user ?? 'bob.dev' }),
  },
  {
    source: 'iam',
    name: 'GetPolicy',
    action: 'iam:GetPolicy',
    global: true,
    request: (c) => ({
      policyArn: `arn:aws:iam::${c.account}:policy/${c.res.policy ?? 'DeveloperAccess'}`,
    }),
  },
  {
    source: 'iam',
    name: 'GetPolicyVersion',
    action: 'iam:GetPolicyVersion',
    global: true,
    request: (c) => ({
      policyArn: `arn:aws:iam::${c.account}:policy/${c.res.policy ?? 'DeveloperAccess'}`,
      versionId: 'v2',
    }),
  },
  {
    source: 'iam',
    name: 'ListAttachedRolePolicies',
    action: 'iam:ListAttachedRolePolicies',
    global: true,
    request: (c) => ({ roleName: c.res.role ?? 'orders-api' }),
  },
  {
    source: 'iam',
    name: 'GetAccountAuthorizationDetails',
    action: 'iam:GetAccountAuthorizationDetails',
    global: true,
    request: () => ({
      filter: ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'],
    }),
  },
  {
    source: 'iam',
    name: 'GenerateCredentialReport',
    action: 'iam:GenerateCredentialReport',
    global: true,
    request: () => null,
  },
  {
    source: 'iam',
    name: 'GetCredentialReport',
    action: 'iam:GetCredentialReport',
    global: true,
    request: () => null,
  },
  {
    source: 'iam',
    name: 'GetAccountSummary',
    action: 'iam:GetAccountSummary',
    global: true,
    request: () => null,
  },
  {
    source: 'iam',
    name: 'CreateUser',
    action: 'iam:CreateUser',
    global: true,
    readOnly: false,
    request: (c) => ({ userName: c.res.newUser ?? 'test-user' }),
  },
  {
    source: 'sts',
    name: 'GetCallerIdentity',
    action: 'sts:GetCallerIdentity',
    request: () => null,
  },
  {
    source: 'sts',
    name: 'AssumeRole',
    action: 'sts:AssumeRole',
    request: (c) => ({
      roleArn: c.res.assumeRoleArn!,
      roleSessionName: c.res.assumeSession ?? `session-${c.rng.hex(8)}`,
      durationSeconds: 3600,
    }),
    response: (c) => ({
      credentials: {
        accessKeyId: `ASIA${c.rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
        sessionToken: c.rng.chars(
          'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
          64,
        ),
        expiration: stsExpiration(new Date(c.time.getTime() + 3_600_000)),
      },
      assumedRoleUser: {
        assumedRoleId: `AROA${c.rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 17)}:${c.res.assumeSession ?? 'session'}`,
        arn: `arn:aws:sts::${c.account}:assumed-role/${(c.res.assumeRoleArn ?? '/x').split('/').pop()!}/${c.res.assumeSession ?? 'session'}`,
      },
    }),
    resources: (c) => [{ accountId: c.account, type: 'AWS::IAM::Role', ARN: c.res.assumeRoleArn! }],
  },
  // EC2.
  {
    source: 'ec2',
    name: 'DescribeInstances',
    action: 'ec2:DescribeInstances',
    deniedCode: 'Client.UnauthorizedOperation',
    request: () => ({ instancesSet: {}, filterSet: {} }),
  },
  {
    source: 'ec2',
    name: 'DescribeSecurityGroups',
    action: 'ec2:DescribeSecurityGroups',
    request: () => ({ securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} }),
  },
  {
    source: 'ec2',
    name: 'DescribeVpcs',
    action: 'ec2:DescribeVpcs',
    request: () => ({ vpcSet: {}, filterSet: {} }),
  },
  {
    source: 'ec2',
    name: 'DescribeSubnets',
    action: 'ec2:DescribeSubnets',
    request: () => ({ subnetSet: {}, filterSet: {} }),
  },
  {
    source: 'ec2',
    name: 'DescribeVolumes',
    action: 'ec2:DescribeVolumes',
    request: () => ({ volumeSet: {}, filterSet: {} }),
  },
  {
    source: 'ec2',
    name: 'DescribeTags',
    action: 'ec2:DescribeTags',
    request: (c) => ({
      filterSet: {
        items: [{ name: 'resource-id', valueSet: { items: [{ value: `i-0${c.rng.hex(16)}` }] } }],
      },
    }),
  },
  {
    source: 'ec2',
    name: 'DescribeImages',
    action: 'ec2:DescribeImages',
    request: () => ({
      executableBySet: {},
      imagesSet: {},
      ownersSet: { items: [{ owner: 'self' }] },
      filterSet: {},
    }),
  },
  {
    source: 'ec2',
    name: 'RunInstances',
    action: 'ec2:RunInstances',
    readOnly: false,
    request: (c) => ({
      instancesSet: { items: [{ imageId: `ami-0${c.rng.hex(16)}`, minCount: 1, maxCount: 1 }] },
      instanceType: 'm7g.large',
      launchTemplate: { launchTemplateId: `lt-0${c.rng.hex(16)}`, version: '12' },
    }),
    response: (c) => ({
      instancesSet: {
        items: [{ instanceId: `i-0${c.rng.hex(16)}`, instanceState: { code: 0, name: 'pending' } }],
      },
    }),
  },
  {
    source: 'ec2',
    name: 'TerminateInstances',
    action: 'ec2:TerminateInstances',
    readOnly: false,
    request: (c) => ({ instancesSet: { items: [{ instanceId: `i-0${c.rng.hex(16)}` }] } }),
  },
  // CloudWatch: its event source is monitoring.amazonaws.com, its IAM prefix cloudwatch.
  {
    source: 'monitoring',
    name: 'GetMetricData',
    action: 'cloudwatch:GetMetricData',
    request: (c) => ({
      startTime: iso(new Date(c.time.getTime() - 3_600_000)),
      endTime: iso(c.time),
      maxDatapoints: 1440,
    }),
  },
  {
    source: 'monitoring',
    name: 'ListMetrics',
    action: 'cloudwatch:ListMetrics',
    request: (c) => ({ namespace: c.res.namespace ?? 'AWS/EC2' }),
  },
  {
    source: 'monitoring',
    name: 'GetMetricStatistics',
    action: 'cloudwatch:GetMetricStatistics',
    request: (c) => ({
      namespace: c.res.namespace ?? 'AWS/EC2',
      metricName: 'CPUUtilization',
      period: 300,
      statistics: ['Average'],
    }),
  },
  {
    source: 'monitoring',
    name: 'DescribeAlarms',
    action: 'cloudwatch:DescribeAlarms',
    request: () => ({ stateValue: 'ALARM' }),
  },
  // Elastic Load Balancing, Auto Scaling.
  {
    source: 'elasticloadbalancing',
    name: 'DescribeLoadBalancers',
    action: 'elasticloadbalancing:DescribeLoadBalancers',
    request: () => ({ pageSize: 400 }),
  },
  {
    source: 'elasticloadbalancing',
    name: 'DescribeTargetHealth',
    action: 'elasticloadbalancing:DescribeTargetHealth',
    request: (c) => ({
      targetGroupArn: `arn:aws:elasticloadbalancing:${c.region}:${c.account}:targetgroup/orders-api/${c.rng.hex(16)}`,
    }),
  },
  {
    source: 'elasticloadbalancing',
    name: 'RegisterTargets',
    action: 'elasticloadbalancing:RegisterTargets',
    readOnly: false,
    request: (c) => ({
      targetGroupArn: `arn:aws:elasticloadbalancing:${c.region}:${c.account}:targetgroup/orders-api/${c.rng.hex(16)}`,
      targets: [{ id: `i-0${c.rng.hex(16)}` }],
    }),
  },
  {
    source: 'elasticloadbalancing',
    name: 'DeregisterTargets',
    action: 'elasticloadbalancing:DeregisterTargets',
    readOnly: false,
    request: (c) => ({
      targetGroupArn: `arn:aws:elasticloadbalancing:${c.region}:${c.account}:targetgroup/orders-api/${c.rng.hex(16)}`,
      targets: [{ id: `i-0${c.rng.hex(16)}` }],
    }),
  },
  {
    source: 'autoscaling',
    name: 'DescribeAutoScalingGroups',
    action: 'autoscaling:DescribeAutoScalingGroups',
    request: () => ({ maxRecords: 100 }),
  },
  // Systems Manager (the agent on an instance).
  {
    source: 'ssm',
    name: 'UpdateInstanceInformation',
    action: 'ssm:UpdateInstanceInformation',
    readOnly: false,
    request: (c) => ({
      instanceId: c.res.instance ?? 'i-0a1b2c3d4e5f60718',
      agentVersion: '3.3.1142.0',
      agentStatus: 'Active',
      platformType: 'Linux',
      platformName: 'Amazon Linux',
      platformVersion: '2023',
    }),
  },
  {
    source: 'ssm',
    name: 'ListInstanceAssociations',
    action: 'ssm:ListInstanceAssociations',
    request: (c) => ({ instanceId: c.res.instance ?? 'i-0a1b2c3d4e5f60718', maxResults: 50 }),
  },
  {
    source: 'ssm',
    name: 'GetParameter',
    action: 'ssm:GetParameter',
    request: (c) => ({ name: c.res.parameter ?? 'AmazonCloudWatch-linux', withDecryption: false }),
  },
  {
    source: 'ssm',
    name: 'GetParametersByPath',
    action: 'ssm:GetParametersByPath',
    request: (c) => ({
      path: c.res.parameterPath ?? '/dev/',
      recursive: true,
      withDecryption: true,
    }),
  },
  {
    source: 'ssmmessages',
    name: 'CreateControlChannel',
    action: 'ssmmessages:CreateControlChannel',
    readOnly: false,
    request: (c) => ({ channelId: c.rng.uuid() }),
  },
  {
    source: 'ec2messages',
    name: 'GetMessages',
    action: 'ec2messages:GetMessages',
    request: (c) => ({ destination: c.res.instance ?? 'i-0a1b2c3d4e5f60718' }),
  },
  {
    source: 'ec2messages',
    name: 'AcknowledgeMessage',
    action: 'ec2messages:AcknowledgeMessage',
    readOnly: false,
    request: (c) => ({ messageId: c.rng.uuid() }),
  },
  // Glue and Athena.
  {
    source: 'glue',
    name: 'GetDatabase',
    action: 'glue:GetDatabase',
    request: (c) => ({ name: c.res.database ?? 'datalake' }),
  },
  {
    source: 'glue',
    name: 'GetTable',
    action: 'glue:GetTable',
    request: (c) => ({
      databaseName: c.res.database ?? 'datalake',
      name: c.rng.pick(['orders', 'payments', 'customers', 'inventory']),
    }),
  },
  {
    source: 'glue',
    name: 'GetPartitions',
    action: 'glue:GetPartitions',
    request: (c) => ({
      databaseName: c.res.database ?? 'datalake',
      tableName: c.rng.pick(['orders', 'payments']),
    }),
  },
  {
    source: 'glue',
    name: 'BatchCreatePartition',
    action: 'glue:BatchCreatePartition',
    readOnly: false,
    request: (c) => ({
      databaseName: c.res.database ?? 'datalake',
      tableName: 'orders',
      partitionInputList: [{ values: [c.time.toISOString().slice(0, 10)] }],
    }),
  },
  {
    source: 'athena',
    name: 'StartQueryExecution',
    action: 'athena:StartQueryExecution',
    readOnly: false,
    request: (c) => ({
      queryString: c.rng.pick([
        'SELECT status, count(*) FROM orders GROUP BY 1',
        'SELECT * FROM payments WHERE day = current_date LIMIT 100',
        'SELECT customer_id, sum(total) FROM orders GROUP BY 1 ORDER BY 2 DESC LIMIT 20',
      ]),
      workGroup: c.res.workgroup ?? 'primary',
      queryExecutionContext: { database: c.res.database ?? 'datalake' },
    }),
    response: (c) => ({ queryExecutionId: c.rng.uuid() }),
  },
  {
    source: 'athena',
    name: 'GetQueryExecution',
    action: 'athena:GetQueryExecution',
    request: (c) => ({ queryExecutionId: c.rng.uuid() }),
  },
  {
    source: 'athena',
    name: 'GetQueryResults',
    action: 'athena:GetQueryResults',
    request: (c) => ({ queryExecutionId: c.rng.uuid(), maxResults: 1000 }),
  },
  {
    source: 'athena',
    name: 'GetWorkGroup',
    action: 'athena:GetWorkGroup',
    request: (c) => ({ workGroup: c.res.workgroup ?? 'primary' }),
  },
  // Governance and security services.
  {
    source: 'cloudtrail',
    name: 'LookupEvents',
    action: 'cloudtrail:LookupEvents',
    request: () => ({ maxResults: 50 }),
  },
  {
    source: 'cloudtrail',
    name: 'DescribeTrails',
    action: 'cloudtrail:DescribeTrails',
    request: () => ({ includeShadowTrails: true }),
  },
  {
    source: 'cloudtrail',
    name: 'GetTrailStatus',
    action: 'cloudtrail:GetTrailStatus',
    request: (c) => ({
      name: `arn:aws:cloudtrail:us-east-1:${c.account}:trail/organization-trail`,
    }),
  },
  {
    source: 'config',
    name: 'DescribeConfigurationRecorders',
    action: 'config:DescribeConfigurationRecorders',
    request: () => null,
  },
  {
    source: 'guardduty',
    name: 'ListDetectors',
    action: 'guardduty:ListDetectors',
    request: () => null,
  },
  {
    source: 'rds',
    name: 'DescribeDBInstances',
    action: 'rds:DescribeDBInstances',
    request: () => null,
  },
  {
    source: 'sns',
    name: 'GetTopicAttributes',
    action: 'sns:GetTopicAttributes',
    request: (c) => ({
      topicArn: `arn:aws:sns:${c.region}:${c.account}:${c.res.topic ?? 'order-notifications'}`,
    }),
  },
  { source: 'sns', name: 'ListTopics', action: 'sns:ListTopics', request: () => null },
  {
    source: 'backup',
    name: 'ListBackupJobs',
    action: 'backup:ListBackupJobs',
    request: () => ({ byState: 'COMPLETED' }),
  },
  {
    source: 'backup',
    name: 'DescribeBackupJob',
    action: 'backup:DescribeBackupJob',
    request: (c) => ({ backupJobId: c.rng.uuid().toUpperCase() }),
  },
  {
    source: 'ce',
    name: 'GetCostAndUsage',
    action: 'ce:GetCostAndUsage',
    global: true,
    request: (c) => ({
      timePeriod: {
        start: `${c.time.toISOString().slice(0, 8)}01`,
        end: c.time.toISOString().slice(0, 10),
      },
      granularity: 'DAILY',
      metrics: ['UnblendedCost'],
    }),
  },
  // Console sign-in: no IAM action.
  {
    source: 'signin',
    name: 'ConsoleLogin',
    action: null,
    global: true,
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    request: () => null,
    response: () => ({ ConsoleLogin: 'Success' }),
  },
];

function build(input: OperationInput): OperationSpec {
  const prefix = input.source === 'monitoring' ? 'cloudwatch' : input.source;
  const data = input.data ?? false;
  return {
    key: `${prefix}:${input.name}`,
    eventSource: `${input.source}.amazonaws.com`,
    eventName: input.name,
    action: input.action,
    readOnly: input.readOnly ?? /^(Get|List|Describe|Head|Lookup|BatchGet)/.test(input.name),
    data,
    global: input.global ?? false,
    eventType: input.eventType ?? 'AwsApiCall',
    deniedCode: input.deniedCode ?? 'AccessDenied',
    request: input.request ?? (() => null),
    response: input.response ?? (() => null),
    resources: input.resources ?? (() => undefined),
  };
}

/** Every operation, by key (`<iam prefix>:<eventName>`). */
export const OPERATIONS: ReadonlyMap<string, OperationSpec> = new Map(
  INPUTS.map((input) => {
    const op = build(input);
    return [op.key, op] as const;
  }),
);

/** The operation `key`; throws on a key the table does not have (a bug in the demo account). */
export function operation(key: string): OperationSpec {
  const op = OPERATIONS.get(key);
  if (!op) throw new Error(`demo: unknown operation ${key}`);
  return op;
}
