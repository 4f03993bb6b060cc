/**
 * A small, realistic fake AWS world for the live-command tests: an account with roles, users, a
 * group, customer-managed, AWS-managed and inline policies and action-level last-accessed data,
 * and helpers to connect the real SDK clients to it.
 *
 * Test support only.
 */
import type { AwsConnection } from '../../src/aws/clients.js';
import type { PollTiming } from '../../src/aws/pool.js';
import type { FakeIamAccount } from './iam.js';
import { FakeAws, MAIN_ACCOUNT, TEST_ACCESS_KEY, TEST_SECRET_KEY } from './world.js';

// The SDK's once-per-process notice about future Node.js versions is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Polling without real waits. */
export const FAST_POLLING: PollTiming = { intervalMs: 1, maxIntervalMs: 2, sleep: async () => {} };

/** A connection of the real SDK clients to the fake (static test credentials, no real backoff). */
export function connectionTo(
  world: FakeAws,
  accessKeyId = TEST_ACCESS_KEY,
  secretAccessKey = TEST_SECRET_KEY,
): AwsConnection {
  return {
    endpoint: world.server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
    env: {},
  };
}

/** The application policy of the fixtures (a customer-managed policy with two versions). */
export const APP_POLICY_V2 = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Read', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' },
    {
      Sid: 'Queue',
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:DeleteQueue'],
      Resource: '*',
    },
  ],
};

/** Fills `account` with the fixture principals and policies (AWS-managed ones go to `world`). */
export function populateAccount(world: FakeAws, account: FakeIamAccount, roles = 3): void {
  const id = account.accountId;
  world.addAwsManagedPolicy('AmazonS3ReadOnlyAccess', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 's3-object-lambda:Get*'], Resource: '*' },
    ],
  });
  const app = account.addPolicy('AppPolicy', [
    {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
    },
    APP_POLICY_V2,
  ]);
  for (let i = 1; i <= roles; i++) {
    const role = account.addEntity('Role', {
      name: `app-${i}`,
      path: i === 1 ? '/service/' : '/',
      attached: i === 1 ? [app.arn, 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] : [],
      inline: {
        Logs: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: '*',
            },
          ],
        },
      },
      lastUsed: new Date('2024-05-30T08:00:00Z'),
      tags: { team: 'payments' },
    });
    account.lastAccessed.set(role.arn, [
      {
        ServiceName: 'Amazon S3',
        ServiceNamespace: 's3',
        LastAuthenticated: new Date('2024-05-30T08:00:00Z'),
        LastAuthenticatedEntity: role.arn,
        LastAuthenticatedRegion: 'us-east-1',
        TotalAuthenticatedEntities: 1,
        TrackedActionsLastAccessed: [
          {
            ActionName: 'GetObject',
            LastAccessedEntity: role.arn,
            LastAccessedTime: new Date('2024-05-30T08:00:00Z'),
            LastAccessedRegion: 'us-east-1',
          },
          { ActionName: 'PutObject' },
        ],
      },
      { ServiceName: 'Amazon SQS', ServiceNamespace: 'sqs', TotalAuthenticatedEntities: 0 },
      {
        ServiceName: 'Amazon CloudWatch Logs',
        ServiceNamespace: 'logs',
        LastAuthenticated: new Date('2024-05-29T08:00:00Z'),
        TotalAuthenticatedEntities: 1,
      },
    ]);
  }
  account.addEntity('Group', {
    name: 'developers',
    inline: {
      DevRead: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }],
      },
    },
  });
  const alice = account.addEntity('User', { name: 'alice', groups: ['developers'] });
  account.lastAccessed.set(alice.arn, [
    { ServiceName: 'Amazon EC2', ServiceNamespace: 'ec2', TotalAuthenticatedEntities: 0 },
  ]);
  account.addEntity('User', { name: 'bob', path: '/ops/' });
  void id;
}

/** A started fake world with the main account populated. */
export async function startWorld(options: { roles?: number } = {}): Promise<FakeAws> {
  const world = new FakeAws();
  populateAccount(world, world.account(MAIN_ACCOUNT), options.roles ?? 3);
  await world.start();
  return world;
}

/** Waits (polling every 10 ms) until `condition()` holds; throws after `ms` naming `what`. */
export async function until(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
