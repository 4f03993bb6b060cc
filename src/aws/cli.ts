/**
 * What the live-AWS commands (`collect`, `import-analyzer`, `apply`, `rollback`) share: the
 * `--profile` / `--region` / `--role-arn` options, the connection they build, the injectable
 * dependencies tests replace (endpoint, credentials, polling, clock), and the exit statuses.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Option } from 'commander';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import type { CliIo } from '../io/streams.js';
import { AwsSession, type AwsConnection } from './clients.js';
import { awsCall, describeAwsError, awsErrorCode } from './errors.js';
import type { PollTiming } from './pool.js';

/** Exit status of `collect` when some accounts were collected and others failed. */
export const EXIT_PARTIAL = 1;
/** Exit status of `apply` / `rollback` when the plan was refused (nothing was changed). */
export const EXIT_REFUSED = 1;

/** What tests inject into the live commands (production uses the defaults). */
export interface LiveDeps {
  /** Merged into the connection: `endpoint`, `credentials`, `maxAttempts` (a loopback fake). */
  connection?: Partial<AwsConnection>;
  /** Polling of reports and jobs. */
  polling?: PollTiming;
  /** The clock. */
  now?: () => Date;
  /** The action catalog (default: `--catalog` or the bundled one). */
  catalog?: () => Promise<ActionCatalog>;
}

/** The options every live command has. */
export interface ConnectionOptions {
  profile?: string;
  region?: string;
}

/** `--profile`. */
export function profileOption(): Option {
  return new Option(
    '--profile <name>',
    'AWS profile of the shared config/credentials files (default: the standard credential chain)',
  );
}

/** `--region`. */
export function regionOption(): Option {
  return new Option(
    '--region <region>',
    'AWS region for STS and regional calls (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1; IAM is global)',
  );
}

/** The connection of a command run. */
export function connectionOf(
  options: ConnectionOptions,
  io: CliIo,
  deps: LiveDeps = {},
): AwsConnection {
  // The SDK warns once per process about Node.js < 22 support in future releases; iam-refine
  // supports Node.js 20 with the pinned SDK, and prints one line per problem, so it is silenced.
  if (io.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }
  return {
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.region === undefined ? {} : { region: options.region }),
    env: io.env,
    ...deps.connection,
  };
}

/**
 * The session a command acts with: the caller's, or an assumed role's (`--role-arn`), and the
 * account it is in.
 *
 * @throws AwsCallError when the credentials are missing or the role cannot be assumed.
 */
export async function sessionFor(
  connection: AwsConnection,
  roleArn: string | undefined,
): Promise<{ session: AwsSession; accountId: string; base: AwsSession }> {
  const base = AwsSession.base(connection);
  const session = roleArn === undefined ? base : base.assume(roleArn);
  try {
    const me = await session.sts.send(new GetCallerIdentityCommand({}));
    return { session, accountId: me.Account ?? '', base };
  } catch (error) {
    base.destroy();
    session.destroy();
    if (roleArn !== undefined && awsErrorCode(error) === 'AccessDenied') {
      throw describeAwsError(error, 'STS:AssumeRole', `role ${roleArn}`);
    }
    throw describeAwsError(error, 'STS:GetCallerIdentity');
  }
}

/**
 * Runs `use` with the {@link sessionFor} `connection` and `roleArn`, and destroys the sessions
 * afterwards, also when `use` throws.
 */
export async function withSession<T>(
  connection: AwsConnection,
  roleArn: string | undefined,
  use: (session: AwsSession, accountId: string) => Promise<T>,
): Promise<T> {
  const { session, accountId, base } = await sessionFor(connection, roleArn);
  try {
    return await use(session, accountId);
  } finally {
    session.destroy();
    base.destroy();
  }
}

/** The catalog loader of a command (`--catalog FILE` or the bundled catalog), loaded once. */
export function catalogLoader(
  file: string | undefined,
  deps: LiveDeps,
): () => Promise<ActionCatalog> {
  if (deps.catalog !== undefined) return deps.catalog;
  let loaded: Promise<ActionCatalog> | undefined;
  return () => (loaded ??= loadCatalog(file === undefined ? {} : { file }));
}

/** `awsCall`, re-exported for the command modules. */
export { awsCall };

/** Pretty JSON of a policy document for help texts. */
export function policyJson(doc: unknown): string {
  return JSON.stringify(doc, null, 2);
}
