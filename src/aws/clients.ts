/**
 * AWS SDK v3 clients for live commands: the standard credential chain (or a named profile), the
 * SDK's adaptive retry mode (client-side rate limiting and backoff on throttling), and, for tests,
 * an `endpoint` override pointing every client at a loopback fake.
 *
 * An account reached through `sts:AssumeRole` gets its own {@link AwsSession} whose credentials
 * refresh themselves before they expire.
 */
import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';

/** Credentials as the SDK clients take them: static values or a provider function. */
export type AwsCredentials = NonNullable<IAMClientConfig['credentials']>;

/** Where and as whom live commands talk to AWS. */
export interface AwsConnection {
  /** A profile of the shared config/credentials files (`--profile`). */
  profile?: string;
  /**
   * The region for regional services (STS, Access Analyzer). Default: `AWS_REGION`, then
   * `AWS_DEFAULT_REGION`, then `us-east-1` (IAM itself is global).
   */
  region?: string;
  /** Send every request to this endpoint (tests: a loopback fake AWS server). */
  endpoint?: string;
  /** Explicit credentials instead of the standard chain (tests). */
  credentials?: AwsCredentials;
  /** Attempts per call, the first included (default 8: throttling backs off and retries). */
  maxAttempts?: number;
  /** Environment to read the default region from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Default attempts per call: throttled calls are retried with backoff this many times in all. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** The region a connection uses. */
export function resolveRegion(connection: AwsConnection): string {
  const env = connection.env ?? process.env;
  return connection.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/** The SDK client configuration shared by every client of a connection. */
export function clientConfig(
  connection: AwsConnection,
  credentials: AwsCredentials,
  region = resolveRegion(connection),
) {
  return {
    region,
    credentials,
    retryMode: 'adaptive' as const,
    maxAttempts: connection.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
  };
}

/** The credentials of the connection itself: explicit ones, else the standard chain. */
export function baseCredentials(connection: AwsConnection): AwsCredentials {
  if (connection.credentials !== undefined) return connection.credentials;
  return fromNodeProviderChain(
    connection.profile === undefined ? {} : { profile: connection.profile },
  );
}

/** One set of credentials (the caller's, or an assumed role's) and its clients, made on demand. */
export class AwsSession {
  private iamClient: IAMClient | undefined;
  private stsClient: STSClient | undefined;
  private orgClient: OrganizationsClient | undefined;
  private ssoAdminClient: SSOAdminClient | undefined;
  private readonly analyzerClients = new Map<string, AccessAnalyzerClient>();

  constructor(
    /** The connection settings. */
    readonly connection: AwsConnection,
    /** The credentials every client of the session signs with. */
    readonly credentials: AwsCredentials,
    /** For an assumed role: its ARN (messages name it). */
    readonly roleArn?: string,
  ) {}

  /** A session with the connection's own credentials. */
  static base(connection: AwsConnection): AwsSession {
    return new AwsSession(connection, baseCredentials(connection));
  }

  /**
   * A session that assumes `roleArn` with this session's credentials (refreshed before expiry).
   * Nothing is called until a client of the new session is used.
   */
  assume(roleArn: string, sessionName = 'iam-refine'): AwsSession {
    const provider = fromTemporaryCredentials({
      masterCredentials: this.credentials,
      params: { RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 },
      clientConfig: clientConfig(this.connection, this.credentials),
    });
    return new AwsSession(this.connection, provider, roleArn);
  }

  /** The IAM client. */
  get iam(): IAMClient {
    return (this.iamClient ??= new IAMClient(clientConfig(this.connection, this.credentials)));
  }

  /** The STS client. */
  get sts(): STSClient {
    return (this.stsClient ??= new STSClient(clientConfig(this.connection, this.credentials)));
  }

  /** The Organizations client (its API lives in us-east-1 for the commercial partition). */
  get organizations(): OrganizationsClient {
    return (this.orgClient ??= new OrganizationsClient(
      clientConfig(this.connection, this.credentials),
    ));
  }

  /**
   * The IAM Identity Center admin client (sso-admin), in the connection's region: the region of the
   * Identity Center instance.
   */
  get ssoAdmin(): SSOAdminClient {
    return (this.ssoAdminClient ??= new SSOAdminClient(
      clientConfig(this.connection, this.credentials),
    ));
  }

  /** The Access Analyzer client of `region` (an analyzer lives in one region). */
  accessAnalyzer(region = resolveRegion(this.connection)): AccessAnalyzerClient {
    let client = this.analyzerClients.get(region);
    if (client === undefined) {
      client = new AccessAnalyzerClient(clientConfig(this.connection, this.credentials, region));
      this.analyzerClients.set(region, client);
    }
    return client;
  }

  /** Releases the clients' sockets. */
  destroy(): void {
    this.iamClient?.destroy();
    this.stsClient?.destroy();
    this.orgClient?.destroy();
    this.ssoAdminClient?.destroy();
    for (const client of this.analyzerClients.values()) client.destroy();
  }
}
