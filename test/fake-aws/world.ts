/**
 * A fake AWS "world" behind one loopback {@link FakeAwsServer}: accounts with their IAM, callers
 * identified by access key, STS (`AssumeRole`, `GetCallerIdentity`), Organizations (`ListAccounts`),
 * Access Analyzer (`GetAnalyzer`, `ListFindingsV2`, `GetFindingV2`, `GetFindingRecommendation`,
 * `GenerateFindingRecommendation`) and IAM Identity Center (sso-admin, ./sso-admin.ts), with
 * per-caller denied actions answered as AWS does
 * (`AccessDenied` naming the caller, the action and the resource).
 *
 * Test support only: nothing in the product imports this module.
 */
import { FakeIamAccount, makeManagedPolicy, type FakeManagedPolicy } from './iam.js';
import { AwsError, FakeAwsServer, type FakeCall, type HandlerResult } from './server.js';
import { FakeIdentityCenter } from './sso-admin.js';

/** The access key of the default caller (an administrator user of {@link MAIN_ACCOUNT}). */
export const TEST_ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
/** Its secret. */
export const TEST_SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
/** The default caller's account. */
export const MAIN_ACCOUNT = '111111111111';

/** A caller: the account and ARN a key belongs to. */
export interface FakeIdentity {
  account: string;
  arn: string;
  userId: string;
}

/** An Access Analyzer finding as the fake stores it (GetFindingV2's members). */
export interface FakeAnalyzerFinding {
  id: string;
  resource: string;
  resourceType: 'AWS::IAM::Role' | 'AWS::IAM::User';
  resourceOwnerAccount: string;
  findingType: string;
  status: 'ACTIVE' | 'ARCHIVED' | 'RESOLVED';
  analyzedAt: string;
  createdAt: string;
  updatedAt: string;
  findingDetails: Record<string, unknown>[];
  /** GetFindingRecommendation's answer once generated (absent: never generated). */
  recommendation?: Record<string, unknown>;
  /** GetFindingRecommendation calls answered IN_PROGRESS after a generation (default 1). */
  recommendationPolls?: number;
}

/** An unused-access analyzer. */
export interface FakeAnalyzer {
  arn: string;
  name: string;
  account: string;
  unusedAccessAge: number;
  findings: FakeAnalyzerFinding[];
}

/** Items per page of the paged fake APIs (small, so that tests exercise pagination). */
const PAGE = 2;

/** The fake AWS world and its server. */
export class FakeAws {
  readonly server: FakeAwsServer;
  readonly accounts = new Map<string, FakeIamAccount>();
  readonly awsManaged = new Map<string, FakeManagedPolicy>();
  readonly identities = new Map<string, FakeIdentity>();
  /** Role ARNs that may be assumed (their trust policy trusts the callers). */
  readonly assumable = new Set<string>();
  /** Denied IAM actions by caller ARN or account id (`*` denies every action). */
  readonly denied = new Map<string, Set<string>>();
  /** Accounts of the organization, in order (the first is the management account). */
  readonly organization: { Id: string; Name: string; Status: string }[] = [];
  readonly analyzers = new Map<string, FakeAnalyzer>();
  /** IAM Identity Center (sso-admin). */
  readonly identityCenter = new FakeIdentityCenter();
  private sessions = 0;
  private readonly recommendationPolls = new Map<string, number>();

  constructor() {
    this.server = new FakeAwsServer(
      {
        iam: { protocol: 'query', operations: FakeIamAccount.operations((c) => this.iamOf(c)) },
        sts: {
          protocol: 'query',
          operations: {
            AssumeRole: { action: 'sts:AssumeRole', handle: (c) => this.assumeRole(c) },
            GetCallerIdentity: {
              action: null,
              handle: (c) => {
                const who = this.caller(c);
                return { UserId: who.userId, Account: who.account, Arn: who.arn };
              },
            },
          },
        },
        organizations: {
          protocol: 'json',
          operations: {
            ListAccounts: {
              action: 'organizations:ListAccounts',
              handle: (c) => this.listAccounts(c),
            },
          },
        },
        sso: {
          protocol: 'json',
          operations: this.identityCenter.operations((c) => this.caller(c).account),
        },
        'access-analyzer': {
          protocol: 'rest-json',
          routes: [
            ['GET', '/analyzer/{analyzerName}', 'GetAnalyzer'],
            ['POST', '/findingv2', 'ListFindingsV2'],
            ['GET', '/findingv2/{id}', 'GetFindingV2'],
            ['GET', '/recommendation/{id}', 'GetFindingRecommendation'],
            ['POST', '/recommendation/{id}', 'GenerateFindingRecommendation'],
          ],
          operations: {
            GetAnalyzer: {
              action: 'access-analyzer:GetAnalyzer',
              handle: (c) => this.getAnalyzer(c),
            },
            ListFindingsV2: {
              action: 'access-analyzer:ListFindings',
              handle: (c) => this.listFindings(c),
            },
            GetFindingV2: {
              action: 'access-analyzer:GetFinding',
              handle: (c) => this.getFinding(c),
            },
            GetFindingRecommendation: {
              action: 'access-analyzer:GetFindingRecommendation',
              handle: (c) => this.getRecommendation(c),
            },
            GenerateFindingRecommendation: {
              action: 'access-analyzer:GenerateFindingRecommendation',
              handle: (c) => this.generateRecommendation(c),
            },
          },
        },
      },
      (call, action) => this.authorize(call, action),
    );
    this.identities.set(TEST_ACCESS_KEY, {
      account: MAIN_ACCOUNT,
      arn: `arn:aws:iam::${MAIN_ACCOUNT}:user/admin`,
      userId: 'AIDAEXAMPLEADMIN0001',
    });
    this.account(MAIN_ACCOUNT);
  }

  /** Starts the server; returns the endpoint URL. */
  start(): Promise<string> {
    return this.server.start();
  }

  /** Stops the server. */
  close(): Promise<void> {
    return this.server.close();
  }

  /** The account's IAM (created empty on first use). */
  account(id: string): FakeIamAccount {
    let account = this.accounts.get(id);
    if (account === undefined) {
      account = new FakeIamAccount(id, this.awsManaged);
      this.accounts.set(id, account);
    }
    return account;
  }

  /** Adds an AWS-managed policy (`arn:aws:iam::aws:policy/NAME`). */
  addAwsManagedPolicy(name: string, document: string | object): FakeManagedPolicy {
    const policy = makeManagedPolicy(`arn:aws:iam::aws:policy/${name}`, name, '/', [document]);
    this.awsManaged.set(policy.arn, policy);
    return policy;
  }

  /** Denies `action` (e.g. `iam:GetCredentialReport`, or `*`) to a caller ARN or an account. */
  deny(who: string, action: string): void {
    let set = this.denied.get(who);
    if (set === undefined) this.denied.set(who, (set = new Set()));
    set.add(action);
  }

  private caller(c: FakeCall): FakeIdentity {
    const who = this.identities.get(c.accessKeyId);
    if (who === undefined) {
      throw new AwsError(
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
        403,
      );
    }
    return who;
  }

  private authorize(call: FakeCall, action: string): AwsError | undefined {
    let who: FakeIdentity;
    try {
      who = this.caller(call);
    } catch (error) {
      return error as AwsError;
    }
    for (const key of [who.arn, who.account]) {
      const set = this.denied.get(key);
      if (set?.has(action) === true || set?.has('*') === true) {
        const resource = call.params.get('RoleArn') ?? '*';
        const message =
          `User: ${who.arn} is not authorized to perform: ${action} on resource: ${resource} ` +
          `because no identity-based policy allows the ${action} action`;
        return call.service === 'iam' || call.service === 'sts'
          ? new AwsError('AccessDenied', message, 403)
          : new AwsError(
              'AccessDeniedException',
              message,
              call.service === 'organizations' ? 400 : 403,
            );
      }
    }
    return undefined;
  }

  private iamOf(c: FakeCall): FakeIamAccount {
    return this.account(this.caller(c).account);
  }

  private assumeRole(c: FakeCall): HandlerResult {
    const who = this.caller(c);
    const roleArn = c.params.get('RoleArn') ?? '';
    const session = c.params.get('RoleSessionName') ?? '';
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    if (m === null || !this.assumable.has(roleArn)) {
      throw new AwsError(
        'AccessDenied',
        `User: ${who.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        403,
      );
    }
    const n = ++this.sessions;
    const key = `ASIAFAKESESSION${String(n).padStart(5, '0')}`;
    const arn = `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/${session}`;
    this.identities.set(key, { account: m[1]!, arn, userId: `AROAFAKE${n}:${session}` });
    return {
      Credentials: {
        AccessKeyId: key,
        SecretAccessKey: `secret${n}`,
        SessionToken: `token${n}`,
        Expiration: new Date(Date.now() + 3_600_000),
      },
      AssumedRoleUser: { AssumedRoleId: `AROAFAKE${n}:${session}`, Arn: arn },
    };
  }

  private listAccounts(c: FakeCall): HandlerResult {
    const who = this.caller(c);
    if (this.organization[0]?.Id !== who.account) {
      throw new AwsError(
        'AccessDeniedException',
        'You don’t have permissions to access this resource.',
        400,
      );
    }
    const start = Number(c.json.NextToken ?? 0);
    const size = Number(c.json.MaxResults ?? PAGE);
    const items = this.organization.slice(start, start + size).map((a) => ({
      ...a,
      Arn: `arn:aws:organizations::${this.organization[0]!.Id}:account/o-example/${a.Id}`,
      Email: `${a.Name}@example.com`,
      JoinedMethod: 'CREATED',
      JoinedTimestamp: 1_600_000_000,
    }));
    const next = start + size < this.organization.length ? String(start + size) : undefined;
    return { Accounts: items, ...(next === undefined ? {} : { NextToken: next }) };
  }

  private analyzer(arn: string | undefined): FakeAnalyzer {
    const a = arn === undefined ? undefined : this.analyzers.get(arn);
    if (a === undefined) {
      throw new AwsError('ResourceNotFoundException', `Analyzer ${arn} not found.`, 404);
    }
    return a;
  }

  private finding(c: FakeCall): { analyzer: FakeAnalyzer; finding: FakeAnalyzerFinding } {
    const analyzer = this.analyzer(c.params.get('analyzerArn'));
    const finding = analyzer.findings.find((f) => f.id === c.pathParams.id);
    if (finding === undefined) {
      throw new AwsError('ResourceNotFoundException', `Finding ${c.pathParams.id} not found.`, 404);
    }
    return { analyzer, finding };
  }

  private getAnalyzer(c: FakeCall): HandlerResult {
    const a = [...this.analyzers.values()].find((x) => x.name === c.pathParams.analyzerName);
    if (a === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Analyzer ${c.pathParams.analyzerName} not found.`,
        404,
      );
    }
    return {
      analyzer: {
        arn: a.arn,
        name: a.name,
        type: 'ACCOUNT_UNUSED_ACCESS',
        createdAt: '2024-01-01T00:00:00Z',
        status: 'ACTIVE',
        configuration: { unusedAccess: { unusedAccessAge: a.unusedAccessAge } },
      },
    };
  }

  private listFindings(c: FakeCall): HandlerResult {
    const analyzer = this.analyzer(c.json.analyzerArn as string | undefined);
    const filter = (c.json.filter ?? {}) as Record<string, { eq?: string[] }>;
    const matches = analyzer.findings.filter((f) =>
      Object.entries(filter).every(([key, criterion]) => {
        const value = (f as unknown as Record<string, unknown>)[key];
        return criterion.eq === undefined || criterion.eq.includes(String(value));
      }),
    );
    const start = Number(c.json.nextToken ?? 0);
    const size = Number(c.json.maxResults ?? PAGE);
    const next = start + size < matches.length ? String(start + size) : undefined;
    return {
      findings: matches.slice(start, start + size).map((f) => ({
        analyzedAt: f.analyzedAt,
        createdAt: f.createdAt,
        id: f.id,
        resource: f.resource,
        resourceType: f.resourceType,
        resourceOwnerAccount: f.resourceOwnerAccount,
        status: f.status,
        updatedAt: f.updatedAt,
        findingType: f.findingType,
      })),
      ...(next === undefined ? {} : { nextToken: next }),
    };
  }

  private getFinding(c: FakeCall): HandlerResult {
    const { finding: f } = this.finding(c);
    const start = Number(c.params.get('nextToken') ?? 0);
    const size = Number(c.params.get('maxResults') ?? PAGE);
    const next = start + size < f.findingDetails.length ? String(start + size) : undefined;
    return {
      analyzedAt: f.analyzedAt,
      createdAt: f.createdAt,
      id: f.id,
      resource: f.resource,
      resourceType: f.resourceType,
      resourceOwnerAccount: f.resourceOwnerAccount,
      status: f.status,
      updatedAt: f.updatedAt,
      findingType: f.findingType,
      findingDetails: f.findingDetails.slice(start, start + size),
      ...(next === undefined ? {} : { nextToken: next }),
    };
  }

  private getRecommendation(c: FakeCall): HandlerResult {
    const { finding: f } = this.finding(c);
    if (f.recommendation === undefined) {
      throw new AwsError('ResourceNotFoundException', `Recommendation for ${f.id} not found.`, 404);
    }
    const pending = this.recommendationPolls.get(f.id) ?? 0;
    if (pending > 0) {
      this.recommendationPolls.set(f.id, pending - 1);
      return {
        startedAt: '2024-06-01T12:00:00Z',
        resourceArn: f.resource,
        recommendationType: 'UnusedPermissionRecommendation',
        status: 'IN_PROGRESS',
      };
    }
    const steps = (f.recommendation.recommendedSteps ?? []) as unknown[];
    const start = Number(c.params.get('nextToken') ?? 0);
    const size = Number(c.params.get('maxResults') ?? PAGE);
    const next = start + size < steps.length ? String(start + size) : undefined;
    return {
      ...f.recommendation,
      recommendedSteps: steps.slice(start, start + size),
      ...(next === undefined ? {} : { nextToken: next }),
    };
  }

  private generateRecommendation(c: FakeCall): HandlerResult {
    const { finding: f } = this.finding(c);
    if (f.findingType !== 'UnusedPermission') {
      throw new AwsError(
        'ValidationException',
        'Recommendations are only for UnusedPermission findings.',
        400,
      );
    }
    f.recommendation ??= {
      startedAt: '2024-06-01T12:00:00Z',
      completedAt: '2024-06-01T12:00:03Z',
      resourceArn: f.resource,
      recommendationType: 'UnusedPermissionRecommendation',
      status: 'SUCCEEDED',
      recommendedSteps: [],
    };
    this.recommendationPolls.set(f.id, f.recommendationPolls ?? 1);
    return undefined;
  }
}
