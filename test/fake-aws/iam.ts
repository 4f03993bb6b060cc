/**
 * A fake IAM account for the loopback AWS server: roles, users, groups, customer-managed policies
 * with versions, inline policies, the credential report and action-level last-accessed jobs, and
 * the IAM operations `collect` and `apply` / `rollback` call, answering with IAM's real element
 * names (policy documents URL-encoded, as IAM sends them) and IAM's errors (`NoSuchEntity`,
 * `LimitExceeded`, `DeleteConflict`, `ReportInProgress`, ...).
 *
 * Policy documents are kept as the exact text a caller sent, so a test can check that a round trip
 * leaves a policy byte-identical. Test support only.
 */
import { randomUUID } from 'node:crypto';
import { AwsError, type FakeCall, type HandlerResult, type OperationDefinition } from './server.js';

/** The principal kinds IAM attaches policies to. */
export type FakeEntityKind = 'Role' | 'User' | 'Group';

/** A role, user or group. */
export interface FakeEntity {
  kind: FakeEntityKind;
  name: string;
  path: string;
  id: string;
  arn: string;
  createDate: Date;
  /** Inline policies: name → exact document text. */
  inline: Map<string, string>;
  /** Attached managed policy ARNs, in attachment order. */
  attached: string[];
  /** Users: the groups they are in. */
  groups: string[];
  /** Roles: `RoleLastUsed.LastUsedDate`. */
  lastUsed?: Date;
  /** Users: their access keys (ListAccessKeys, UpdateAccessKey). */
  accessKeys?: { AccessKeyId: string; Status: 'Active' | 'Inactive'; CreateDate: Date }[];
  /** Users: their console password's login profile (Get/Create/DeleteLoginProfile). */
  loginProfile?: { CreateDate: Date; PasswordResetRequired: boolean };
  tags: { Key: string; Value: string }[];
}

/** One version of a managed policy. */
export interface FakePolicyVersion {
  versionId: string;
  /** The exact document text. */
  document: string;
  createDate: Date;
}

/** A managed policy (customer-managed in an account, or AWS-managed in the shared set). */
export interface FakeManagedPolicy {
  name: string;
  path: string;
  id: string;
  arn: string;
  description?: string;
  versions: FakePolicyVersion[];
  defaultVersionId: string;
  nextVersion: number;
  createDate: Date;
  updateDate: Date;
}

/** One service of an action-level last-accessed report (IAM's `ServiceLastAccessed`). */
export interface FakeServiceLastAccessed {
  ServiceName: string;
  ServiceNamespace: string;
  LastAuthenticated?: Date;
  LastAuthenticatedEntity?: string;
  LastAuthenticatedRegion?: string;
  TotalAuthenticatedEntities: number;
  TrackedActionsLastAccessed?: {
    ActionName: string;
    LastAccessedEntity?: string;
    LastAccessedTime?: Date;
    LastAccessedRegion?: string;
  }[];
}

/** How {@link FakeIamAccount.addEntity} describes a role, user or group. */
export interface EntitySpec {
  name: string;
  path?: string;
  /** Inline policies: name → document (an object is written as JSON with two-space indent). */
  inline?: Record<string, string | object>;
  attached?: string[];
  groups?: string[];
  createDate?: Date;
  lastUsed?: Date;
  tags?: Record<string, string>;
}

const T0 = new Date('2023-01-15T10:00:00Z');

/** Writes a policy document as text. */
export function documentText(doc: string | object): string {
  return typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2);
}

/** IAM's size measure: characters that are not whitespace. */
function policySize(text: string): number {
  let n = 0;
  for (const ch of text) if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') n++;
  return n;
}

const INLINE_QUOTA: Record<FakeEntityKind, number> = { Role: 10240, User: 2048, Group: 5120 };
const MANAGED_QUOTA = 6144;

/** A unique IAM-style id with the given prefix (`AROA`, `AIDA`, `AGPA`, `ANPA`). */
function iamId(prefix: string): string {
  return prefix + randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase();
}

/** One account's IAM. */
export class FakeIamAccount {
  readonly entities = new Map<string, FakeEntity>();
  readonly policies = new Map<string, FakeManagedPolicy>();
  /** Action-level last-accessed data by principal ARN. */
  readonly lastAccessed = new Map<string, FakeServiceLastAccessed[]>();
  /** Items per `GetAccountAuthorizationDetails` page when the caller gives no `MaxItems`. */
  pageSize = 100;
  /** `GenerateCredentialReport` calls answered `STARTED`/`INPROGRESS` before `COMPLETE`. */
  credentialReportPolls = 1;
  /** `GetServiceLastAccessedDetails` calls per job answered `IN_PROGRESS` before `COMPLETED`. */
  jobPolls = 1;
  /** Items per `GetServiceLastAccessedDetails` page when the caller gives no `MaxItems`. */
  lastAccessedPageSize = 100;
  private reportCalls = 0;
  private readonly jobs = new Map<
    string,
    { arn: string; granularity: string; polls: number; created: Date }
  >();

  constructor(
    readonly accountId: string,
    /** AWS-managed policies, shared by every account. */
    readonly awsManaged: Map<string, FakeManagedPolicy>,
  ) {}

  /** Adds a role, user or group. */
  addEntity(kind: FakeEntityKind, spec: EntitySpec): FakeEntity {
    const path = spec.path ?? '/';
    const entity: FakeEntity = {
      kind,
      name: spec.name,
      path,
      id: iamId(kind === 'Role' ? 'AROA' : kind === 'User' ? 'AIDA' : 'AGPA'),
      arn: `arn:aws:iam::${this.accountId}:${kind.toLowerCase()}${path}${spec.name}`,
      createDate: spec.createDate ?? T0,
      inline: new Map(Object.entries(spec.inline ?? {}).map(([k, v]) => [k, documentText(v)])),
      attached: [...(spec.attached ?? [])],
      groups: [...(spec.groups ?? [])],
      ...(spec.lastUsed === undefined ? {} : { lastUsed: spec.lastUsed }),
      tags: Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    };
    this.entities.set(`${kind}:${spec.name}`, entity);
    return entity;
  }

  /** Adds a customer-managed policy with one version per document (the last one default). */
  addPolicy(
    name: string,
    documents: (string | object)[],
    options: { path?: string; description?: string } = {},
  ): FakeManagedPolicy {
    const path = options.path ?? '/';
    const policy = makeManagedPolicy(
      `arn:aws:iam::${this.accountId}:policy${path}${name}`,
      name,
      path,
      documents,
    );
    if (options.description !== undefined) policy.description = options.description;
    this.policies.set(policy.arn, policy);
    return policy;
  }

  /** A role, user or group by kind and name. */
  entity(kind: FakeEntityKind, name: string): FakeEntity | undefined {
    return this.entities.get(`${kind}:${name}`);
  }

  /** A managed policy by ARN (this account's or AWS-managed). */
  policy(arn: string): FakeManagedPolicy | undefined {
    return this.policies.get(arn) ?? this.awsManaged.get(arn);
  }

  /** The credential report CSV (decoded), as IAM writes it. */
  credentialReport(): string {
    const header =
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,' +
      'password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,' +
      'access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
      'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,' +
      'access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,' +
      'cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
    const rows = [
      `<root_account>,arn:aws:iam::${this.accountId}:root,2020-01-01T00:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
    ];
    for (const e of this.entities.values()) {
      if (e.kind !== 'User') continue;
      const created = e.createDate.toISOString().replace(/\.\d{3}Z$/, '+00:00');
      rows.push(
        `${e.name},${e.arn},${created},false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`,
      );
    }
    return [header, ...rows].join('\n');
  }

  /** The IAM operations, keyed by name, for a {@link ServiceDefinition}. */
  static operations(
    accountOf: (call: FakeCall) => FakeIamAccount,
  ): Record<string, OperationDefinition> {
    const ops: Record<string, OperationDefinition> = {};
    const op = (name: string, handle: (a: FakeIamAccount, c: FakeCall) => HandlerResult) => {
      ops[name] = { action: `iam:${name}`, handle: (call) => handle(accountOf(call), call) };
    };
    op('GetAccountAuthorizationDetails', (a, c) => a.getAccountAuthorizationDetails(c));
    op('GenerateCredentialReport', (a) => a.generateCredentialReport());
    op('GetCredentialReport', (a) => a.getCredentialReport());
    op('GenerateServiceLastAccessedDetails', (a, c) => a.generateServiceLastAccessedDetails(c));
    op('GetServiceLastAccessedDetails', (a, c) => a.getServiceLastAccessedDetails(c));
    for (const kind of ['Role', 'User', 'Group'] as const) {
      op(`Get${kind}Policy`, (a, c) => a.getInline(kind, c));
      op(`Put${kind}Policy`, (a, c) => a.putInline(kind, c));
      op(`Delete${kind}Policy`, (a, c) => a.deleteInline(kind, c));
      op(`List${kind}Policies`, (a, c) => ({
        PolicyNames: [...a.need(kind, c).inline.keys()],
        IsTruncated: false,
      }));
      op(`Attach${kind}Policy`, (a, c) => a.attach(kind, c));
      op(`Detach${kind}Policy`, (a, c) => a.detach(kind, c));
      op(`ListAttached${kind}Policies`, (a, c) => ({
        AttachedPolicies: a.need(kind, c).attached.map((arn) => ({
          PolicyName: a.policy(arn)?.name ?? arn.split('/').pop(),
          PolicyArn: arn,
        })),
        IsTruncated: false,
      }));
    }
    op('ListAccessKeys', (a, c) => {
      const u = a.need('User', c);
      return {
        AccessKeyMetadata: (u.accessKeys ?? []).map((k) => ({ UserName: u.name, ...k })),
        IsTruncated: false,
      };
    });
    op('UpdateAccessKey', (a, c) => {
      const u = a.need('User', c);
      const id = c.params.get('AccessKeyId') ?? '';
      const key = (u.accessKeys ?? []).find((k) => k.AccessKeyId === id);
      if (key === undefined) throw noSuchEntity(`The Access Key with id ${id} cannot be found.`);
      const status = c.params.get('Status');
      if (status !== 'Active' && status !== 'Inactive')
        throw new AwsError('ValidationError', `Invalid status ${status}.`);
      key.Status = status;
      return undefined;
    });
    op('GetLoginProfile', (a, c) => {
      const u = a.need('User', c);
      if (u.loginProfile === undefined)
        throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`);
      return { LoginProfile: { UserName: u.name, ...u.loginProfile } };
    });
    op('DeleteLoginProfile', (a, c) => {
      const u = a.need('User', c);
      if (u.loginProfile === undefined)
        throw noSuchEntity(`Login Profile for User ${u.name} cannot be found.`);
      delete u.loginProfile;
      return undefined;
    });
    op('GetPolicy', (a, c) => ({ Policy: a.policyShape(a.needPolicy(c)) }));
    op('GetPolicyVersion', (a, c) => {
      const p = a.needPolicy(c);
      const v = p.versions.find((x) => x.versionId === c.params.get('VersionId'));
      if (v === undefined)
        throw noSuchEntity(
          `Policy ${p.arn} version ${c.params.get('VersionId')} does not exist or is not attachable.`,
        );
      return { PolicyVersion: versionShape(p, v, true) };
    });
    op('ListPolicyVersions', (a, c) => {
      const p = a.needPolicy(c);
      return {
        Versions: [...p.versions].reverse().map((v) => versionShape(p, v, false)),
        IsTruncated: false,
      };
    });
    op('CreatePolicyVersion', (a, c) => a.createPolicyVersion(c));
    op('DeletePolicyVersion', (a, c) => a.deletePolicyVersion(c));
    op('SetDefaultPolicyVersion', (a, c) => {
      const p = a.needCustomerPolicy(c);
      const id = c.params.get('VersionId') ?? '';
      if (!p.versions.some((v) => v.versionId === id))
        throw noSuchEntity(`Policy ${p.arn} version ${id} does not exist.`);
      p.defaultVersionId = id;
      return undefined;
    });
    op('CreatePolicy', (a, c) => a.createPolicy(c));
    op('DeletePolicy', (a, c) => a.deletePolicy(c));
    op('ListEntitiesForPolicy', (a, c) => {
      const p = a.needPolicy(c);
      const of = (kind: FakeEntityKind) =>
        [...a.entities.values()].filter((e) => e.kind === kind && e.attached.includes(p.arn));
      return {
        PolicyGroups: of('Group').map((e) => ({ GroupName: e.name, GroupId: e.id })),
        PolicyUsers: of('User').map((e) => ({ UserName: e.name, UserId: e.id })),
        PolicyRoles: of('Role').map((e) => ({ RoleName: e.name, RoleId: e.id })),
        IsTruncated: false,
      };
    });
    return ops;
  }

  private attachmentCount(arn: string): number {
    let n = 0;
    for (const e of this.entities.values()) if (e.attached.includes(arn)) n++;
    return n;
  }

  private policyShape(p: FakeManagedPolicy): Record<string, unknown> {
    return {
      PolicyName: p.name,
      PolicyId: p.id,
      Arn: p.arn,
      Path: p.path,
      DefaultVersionId: p.defaultVersionId,
      AttachmentCount: this.attachmentCount(p.arn),
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      Description: p.description,
      CreateDate: p.createDate,
      UpdateDate: p.updateDate,
    };
  }

  private getAccountAuthorizationDetails(c: FakeCall): HandlerResult {
    const items: { list: string; value: Record<string, unknown> }[] = [];
    const entities = [...this.entities.values()];
    const enc = encodeURIComponent;
    const inlineList = (e: FakeEntity) =>
      [...e.inline].map(([PolicyName, doc]) => ({ PolicyName, PolicyDocument: enc(doc) }));
    const attachedList = (e: FakeEntity) =>
      e.attached.map((arn) => ({
        PolicyName: this.policy(arn)?.name ?? arn.split('/').pop(),
        PolicyArn: arn,
      }));
    for (const e of entities.filter((x) => x.kind === 'User')) {
      items.push({
        list: 'UserDetailList',
        value: {
          Path: e.path,
          UserName: e.name,
          UserId: e.id,
          Arn: e.arn,
          CreateDate: e.createDate,
          UserPolicyList: inlineList(e),
          GroupList: e.groups,
          AttachedManagedPolicies: attachedList(e),
          Tags: e.tags.length > 0 ? e.tags : undefined,
        },
      });
    }
    for (const e of entities.filter((x) => x.kind === 'Group')) {
      items.push({
        list: 'GroupDetailList',
        value: {
          Path: e.path,
          GroupName: e.name,
          GroupId: e.id,
          Arn: e.arn,
          CreateDate: e.createDate,
          GroupPolicyList: inlineList(e),
          AttachedManagedPolicies: attachedList(e),
        },
      });
    }
    for (const e of entities.filter((x) => x.kind === 'Role')) {
      items.push({
        list: 'RoleDetailList',
        value: {
          Path: e.path,
          RoleName: e.name,
          RoleId: e.id,
          Arn: e.arn,
          CreateDate: e.createDate,
          AssumeRolePolicyDocument: enc(
            JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${this.accountId}:root` },
                  Action: 'sts:AssumeRole',
                },
              ],
            }),
          ),
          InstanceProfileList: [],
          RolePolicyList: inlineList(e),
          AttachedManagedPolicies: attachedList(e),
          Tags: e.tags.length > 0 ? e.tags : undefined,
          RoleLastUsed:
            e.lastUsed === undefined ? {} : { LastUsedDate: e.lastUsed, Region: 'us-east-1' },
        },
      });
    }
    const attached = new Set(entities.flatMap((e) => e.attached));
    const policies = [
      ...this.policies.values(),
      ...[...this.awsManaged.values()].filter((p) => attached.has(p.arn)),
    ];
    for (const p of policies) {
      items.push({
        list: 'Policies',
        value: {
          PolicyName: p.name,
          PolicyId: p.id,
          Arn: p.arn,
          Path: p.path,
          DefaultVersionId: p.defaultVersionId,
          AttachmentCount: this.attachmentCount(p.arn),
          PermissionsBoundaryUsageCount: 0,
          IsAttachable: true,
          CreateDate: p.createDate,
          UpdateDate: p.updateDate,
          PolicyVersionList: [...p.versions].reverse().map((v) => ({
            Document: enc(v.document),
            VersionId: v.versionId,
            IsDefaultVersion: v.versionId === p.defaultVersionId,
            CreateDate: v.createDate,
          })),
        },
      });
    }
    const { start, end, marker } = page(c, items.length, this.pageSize);
    const result: Record<string, unknown[]> = {
      UserDetailList: [],
      GroupDetailList: [],
      RoleDetailList: [],
      Policies: [],
    };
    for (const item of items.slice(start, end)) result[item.list]!.push(item.value);
    return { ...result, IsTruncated: marker !== undefined, Marker: marker };
  }

  private generateCredentialReport(): HandlerResult {
    this.reportCalls++;
    if (this.reportCalls > this.credentialReportPolls) {
      return { State: 'COMPLETE' };
    }
    return {
      State: this.reportCalls === 1 ? 'STARTED' : 'INPROGRESS',
      Description: 'No report exists. Starting a new report generation task',
    };
  }

  private getCredentialReport(): HandlerResult {
    if (this.reportCalls === 0) {
      throw new AwsError('ReportNotPresent', 'Credential report not present.', 410);
    }
    if (this.reportCalls <= this.credentialReportPolls) {
      throw new AwsError('ReportInProgress', 'Credential report generation in progress.', 404);
    }
    return {
      Content: new TextEncoder().encode(this.credentialReport()),
      ReportFormat: 'text/csv',
      GeneratedTime: new Date('2024-06-01T12:00:00Z'),
    };
  }

  private generateServiceLastAccessedDetails(c: FakeCall): HandlerResult {
    const arn = c.params.get('Arn') ?? '';
    if (![...this.entities.values()].some((e) => e.arn === arn) && !this.policy(arn)) {
      throw new AwsError('InvalidInput', `Invalid ARN: ${arn}.`);
    }
    const jobId = randomUUID();
    this.jobs.set(jobId, {
      arn,
      granularity: c.params.get('Granularity') ?? 'SERVICE_LEVEL',
      polls: 0,
      created: new Date('2024-06-01T12:00:00Z'),
    });
    return { JobId: jobId };
  }

  private getServiceLastAccessedDetails(c: FakeCall): HandlerResult {
    const job = this.jobs.get(c.params.get('JobId') ?? '');
    if (job === undefined) {
      throw new AwsError('NoSuchEntity', `Job ${c.params.get('JobId')} not found.`, 404);
    }
    job.polls++;
    if (job.polls <= this.jobPolls) {
      return { JobStatus: 'IN_PROGRESS', JobType: job.granularity, JobCreationDate: job.created };
    }
    const services = (this.lastAccessed.get(job.arn) ?? []).map((s) =>
      job.granularity === 'ACTION_LEVEL' ? s : { ...s, TrackedActionsLastAccessed: undefined },
    );
    const { start, end, marker } = page(c, services.length, this.lastAccessedPageSize);
    return {
      JobStatus: 'COMPLETED',
      JobType: job.granularity,
      JobCreationDate: job.created,
      ServicesLastAccessed: services.slice(start, end) as unknown as Record<string, unknown>[],
      JobCompletionDate: new Date('2024-06-01T12:00:05Z'),
      IsTruncated: marker !== undefined,
      Marker: marker,
    };
  }

  private need(kind: FakeEntityKind, c: FakeCall): FakeEntity {
    const name = c.params.get(`${kind}Name`) ?? '';
    const e = this.entity(kind, name);
    if (e === undefined) {
      throw noSuchEntity(`The ${kind.toLowerCase()} with name ${name} cannot be found.`);
    }
    return e;
  }

  private needPolicy(c: FakeCall): FakeManagedPolicy {
    const arn = c.params.get('PolicyArn') ?? '';
    const p = this.policy(arn);
    if (p === undefined) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    return p;
  }

  private needCustomerPolicy(c: FakeCall): FakeManagedPolicy {
    const p = this.needPolicy(c);
    if (this.awsManaged.has(p.arn)) {
      throw new AwsError(
        'AccessDenied',
        `User is not authorized to perform: ${c.operation} on resource: policy ${p.arn}`,
        403,
      );
    }
    return p;
  }

  private getInline(kind: FakeEntityKind, c: FakeCall): HandlerResult {
    const e = this.need(kind, c);
    const name = c.params.get('PolicyName') ?? '';
    const doc = e.inline.get(name);
    if (doc === undefined) {
      throw noSuchEntity(`The ${kind.toLowerCase()} policy with name ${name} cannot be found.`);
    }
    return { [`${kind}Name`]: e.name, PolicyName: name, PolicyDocument: encodeURIComponent(doc) };
  }

  private putInline(kind: FakeEntityKind, c: FakeCall): HandlerResult {
    const e = this.need(kind, c);
    const name = c.params.get('PolicyName') ?? '';
    const doc = validDocument(c.params.get('PolicyDocument'));
    let total = policySize(doc);
    for (const [other, text] of e.inline) if (other !== name) total += policySize(text);
    if (total > INLINE_QUOTA[kind]) {
      throw new AwsError(
        'LimitExceeded',
        `Maximum policy size of ${INLINE_QUOTA[kind]} bytes exceeded for ${kind.toLowerCase()} ${e.name}`,
        409,
      );
    }
    e.inline.set(name, doc);
    return undefined;
  }

  private deleteInline(kind: FakeEntityKind, c: FakeCall): HandlerResult {
    const e = this.need(kind, c);
    const name = c.params.get('PolicyName') ?? '';
    if (!e.inline.delete(name)) {
      throw noSuchEntity(`The ${kind.toLowerCase()} policy with name ${name} cannot be found.`);
    }
    return undefined;
  }

  private attach(kind: FakeEntityKind, c: FakeCall): HandlerResult {
    const e = this.need(kind, c);
    const p = this.needPolicy(c);
    if (!e.attached.includes(p.arn)) e.attached.push(p.arn);
    return undefined;
  }

  private detach(kind: FakeEntityKind, c: FakeCall): HandlerResult {
    const e = this.need(kind, c);
    const arn = c.params.get('PolicyArn') ?? '';
    const i = e.attached.indexOf(arn);
    if (i < 0) throw noSuchEntity(`Policy ${arn} was not found.`);
    e.attached.splice(i, 1);
    return undefined;
  }

  private createPolicyVersion(c: FakeCall): HandlerResult {
    const p = this.needCustomerPolicy(c);
    const doc = validDocument(c.params.get('PolicyDocument'));
    if (policySize(doc) > MANAGED_QUOTA) {
      throw new AwsError(
        'LimitExceeded',
        `Cannot exceed quota for PolicySize: ${MANAGED_QUOTA}`,
        409,
      );
    }
    if (p.versions.length >= 5) {
      throw new AwsError(
        'LimitExceeded',
        'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
        409,
      );
    }
    const v = { versionId: `v${p.nextVersion++}`, document: doc, createDate: new Date() };
    p.versions.push(v);
    if (c.params.get('SetAsDefault') === 'true') p.defaultVersionId = v.versionId;
    p.updateDate = v.createDate;
    return { PolicyVersion: versionShape(p, v, false) };
  }

  private deletePolicyVersion(c: FakeCall): HandlerResult {
    const p = this.needCustomerPolicy(c);
    const id = c.params.get('VersionId') ?? '';
    if (id === p.defaultVersionId) {
      throw new AwsError('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
    }
    const i = p.versions.findIndex((v) => v.versionId === id);
    if (i < 0) throw noSuchEntity(`Policy ${p.arn} version ${id} does not exist.`);
    p.versions.splice(i, 1);
    return undefined;
  }

  private createPolicy(c: FakeCall): HandlerResult {
    const name = c.params.get('PolicyName') ?? '';
    const path = c.params.get('Path') ?? '/';
    const arn = `arn:aws:iam::${this.accountId}:policy${path}${name}`;
    if ([...this.policies.values()].some((p) => p.name === name)) {
      throw new AwsError(
        'EntityAlreadyExists',
        `A policy called ${name} already exists. Duplicate names are not allowed.`,
        409,
      );
    }
    const doc = validDocument(c.params.get('PolicyDocument'));
    if (policySize(doc) > MANAGED_QUOTA) {
      throw new AwsError(
        'LimitExceeded',
        `Cannot exceed quota for PolicySize: ${MANAGED_QUOTA}`,
        409,
      );
    }
    const p = makeManagedPolicy(arn, name, path, [doc]);
    const description = c.params.get('Description');
    if (description !== undefined) p.description = description;
    this.policies.set(arn, p);
    return { Policy: this.policyShape(p) };
  }

  private deletePolicy(c: FakeCall): HandlerResult {
    const p = this.needCustomerPolicy(c);
    if (this.attachmentCount(p.arn) > 0) {
      throw new AwsError('DeleteConflict', 'Cannot delete a policy attached to entities.', 409);
    }
    if (p.versions.length > 1) {
      throw new AwsError(
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        409,
      );
    }
    this.policies.delete(p.arn);
    return undefined;
  }

  /** The document text of a managed policy's default version. */
  defaultDocument(arn: string): string | undefined {
    const p = this.policy(arn);
    return p?.versions.find((v) => v.versionId === p.defaultVersionId)?.document;
  }

  /** Lists entries of `list` for test assertions: `Role:name` → inline names and attachments. */
  snapshot(): Record<string, { inline: Record<string, string>; attached: string[] }> {
    const out: Record<string, { inline: Record<string, string>; attached: string[] }> = {};
    for (const [key, e] of this.entities) {
      out[key] = { inline: Object.fromEntries(e.inline), attached: [...e.attached] };
    }
    return out;
  }
}

/** Builds a managed policy with one version per document, the last one the default. */
export function makeManagedPolicy(
  arn: string,
  name: string,
  path: string,
  documents: (string | object)[],
): FakeManagedPolicy {
  const versions = documents.map((d, i) => ({
    versionId: `v${i + 1}`,
    document: documentText(d),
    createDate: new Date(T0.getTime() + i * 86_400_000),
  }));
  return {
    name,
    path,
    id: iamId('ANPA'),
    arn,
    versions,
    defaultVersionId: versions[versions.length - 1]!.versionId,
    nextVersion: versions.length + 1,
    createDate: T0,
    updateDate: versions[versions.length - 1]!.createDate,
  };
}

function versionShape(
  p: FakeManagedPolicy,
  v: FakePolicyVersion,
  withDocument: boolean,
): Record<string, unknown> {
  return {
    Document: withDocument ? encodeURIComponent(v.document) : undefined,
    VersionId: v.versionId,
    IsDefaultVersion: v.versionId === p.defaultVersionId,
    CreateDate: v.createDate,
  };
}

function noSuchEntity(message: string): AwsError {
  return new AwsError('NoSuchEntity', message, 404);
}

function validDocument(text: string | undefined): string {
  if (text === undefined) throw new AwsError('ValidationError', 'PolicyDocument is required.');
  try {
    JSON.parse(text);
  } catch {
    throw new AwsError('MalformedPolicyDocument', 'Syntax errors in policy.');
  }
  return text;
}

/** `Marker`/`MaxItems` paging over `total` items; the marker is the next item's index. */
function page(
  c: FakeCall,
  total: number,
  defaultSize: number,
): { start: number; end: number; marker?: string } {
  const start = Number(Buffer.from(c.params.get('Marker') ?? '', 'base64').toString() || '0');
  // IAM may return fewer items than MaxItems (and says IsTruncated): the fake's page size caps it.
  const size = Math.min(Number(c.params.get('MaxItems') ?? defaultSize), defaultSize);
  const end = Math.min(total, start + size);
  return end < total
    ? { start, end, marker: Buffer.from(String(end)).toString('base64') }
    : { start, end };
}
