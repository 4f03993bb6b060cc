/**
 * The fake IAM Identity Center admin API (`sso-admin`, signing name `sso`, JSON 1.1 protocol with
 * `X-Amz-Target: SWBExternalService.<Operation>`): instances, permission sets with their inline
 * policy, AWS managed policies, customer managed policy references and permissions boundary, the
 * accounts each is provisioned to (and which version of the permission set each account has), and
 * provisioning requests polled with `DescribePermissionSetProvisioningStatus`. Faults: an account
 * whose provisioning fails. Shapes follow the published API (`ListInstances`, `ListPermissionSets`,
 * ... as the SDK's models name their members); lists are paged by 2 (`NextToken`, `MaxResults`).
 *
 * Test support only: nothing in the product imports this module.
 */
import { AwsError, type FakeCall, type HandlerResult, type OperationDefinition } from './server.js';

/** A permission set as the fake stores it. */
export interface FakePermissionSet {
  arn: string;
  name: string;
  description?: string;
  sessionDuration?: string;
  createdDate: number;
  /** Exact text, or null. */
  inlinePolicy: string | null;
  managed: { Arn: string; Name: string }[];
  references: { Name: string; Path: string }[];
  boundary?: {
    ManagedPolicyArn?: string;
    CustomerManagedPolicyReference?: { Name: string; Path: string };
  };
  /** Accounts it is assigned to. */
  accounts: string[];
  /** Bumped by every change of the permission set. */
  version: number;
  /** The version each account has (provisioned). */
  provisioned: Map<string, number>;
}

/** An Identity Center instance. */
export interface FakeInstance {
  arn: string;
  identityStoreId: string;
  owner: string;
  permissionSets: FakePermissionSet[];
}

interface ProvisioningRequest {
  id: string;
  permissionSetArn: string;
  polls: number;
  status: Record<string, unknown>;
}

const PAGE = 2;

/** The Identity Center of the fake world. */
export class FakeIdentityCenter {
  readonly instances: FakeInstance[] = [];
  /** Accounts where provisioning fails (`ProvisionPermissionSet` ends FAILED naming them). */
  readonly failingAccounts = new Set<string>();
  /** `DescribePermissionSetProvisioningStatus` calls answered IN_PROGRESS before the end. */
  provisioningPolls = 1;
  private readonly requests = new Map<string, ProvisioningRequest>();
  private counter = 0;

  /** Adds an instance owned by `owner` (the management or delegated administrator account). */
  addInstance(owner: string, suffix = '0123456789abcdef'): FakeInstance {
    const inst: FakeInstance = {
      arn: `arn:aws:sso:::instance/ssoins-${suffix}`,
      identityStoreId: `d-${suffix.slice(0, 10)}`,
      owner,
      permissionSets: [],
    };
    this.instances.push(inst);
    return inst;
  }

  /** Adds a permission set, provisioned (latest version) to `accounts`. */
  addPermissionSet(
    inst: FakeInstance,
    ps: Pick<FakePermissionSet, 'name' | 'inlinePolicy' | 'managed' | 'references' | 'accounts'> &
      Partial<Pick<FakePermissionSet, 'description' | 'sessionDuration' | 'boundary'>>,
  ): FakePermissionSet {
    const n = inst.permissionSets.length;
    const id = `ps-${String(n + 1).padStart(16, '0')}`;
    const full: FakePermissionSet = {
      ...ps,
      arn: `${inst.arn.replace(':instance/', ':permissionSet/')}/${id}`,
      createdDate: 1_700_000_000,
      version: 1,
      provisioned: new Map(ps.accounts.map((a) => [a, 1])),
    };
    inst.permissionSets.push(full);
    return full;
  }

  /** The operations, for the server (`caller` names the calling account). */
  operations(caller: (c: FakeCall) => string): Record<string, OperationDefinition> {
    const op = (action: string, handle: (c: FakeCall) => HandlerResult): OperationDefinition => ({
      action: `sso:${action}`,
      handle: (c) => {
        const account = caller(c);
        if (!this.instances.some((i) => i.owner === account) && action !== 'ListInstances') {
          throw new AwsError(
            'AccessDeniedException',
            'User is not authorized to perform this action: call from the management or delegated administrator account',
          );
        }
        return handle(c);
      },
    });
    return {
      ListInstances: op('ListInstances', (c) => {
        const account = caller(c);
        const mine = this.instances.filter((i) => i.owner === account);
        return page(
          c,
          mine.map((i) => ({
            InstanceArn: i.arn,
            IdentityStoreId: i.identityStoreId,
            OwnerAccountId: i.owner,
            Status: 'ACTIVE',
            CreatedDate: 1_600_000_000,
          })),
          'Instances',
        );
      }),
      ListPermissionSets: op('ListPermissionSets', (c) =>
        page(
          c,
          this.instance(c).permissionSets.map((p) => p.arn),
          'PermissionSets',
        ),
      ),
      DescribePermissionSet: op('DescribePermissionSet', (c) => {
        const p = this.permissionSet(c);
        return {
          PermissionSet: {
            Name: p.name,
            PermissionSetArn: p.arn,
            CreatedDate: p.createdDate,
            ...(p.description === undefined ? {} : { Description: p.description }),
            ...(p.sessionDuration === undefined ? {} : { SessionDuration: p.sessionDuration }),
          },
        };
      }),
      GetInlinePolicyForPermissionSet: op('GetInlinePolicyForPermissionSet', (c) => {
        const p = this.permissionSet(c);
        return p.inlinePolicy === null ? {} : { InlinePolicy: p.inlinePolicy };
      }),
      ListManagedPoliciesInPermissionSet: op('ListManagedPoliciesInPermissionSet', (c) =>
        page(c, this.permissionSet(c).managed, 'AttachedManagedPolicies'),
      ),
      ListCustomerManagedPolicyReferencesInPermissionSet: op(
        'ListCustomerManagedPolicyReferencesInPermissionSet',
        (c) => page(c, this.permissionSet(c).references, 'CustomerManagedPolicyReferences'),
      ),
      GetPermissionsBoundaryForPermissionSet: op('GetPermissionsBoundaryForPermissionSet', (c) => {
        const p = this.permissionSet(c);
        if (p.boundary === undefined) {
          throw new AwsError(
            'ResourceNotFoundException',
            `Permissions boundary not found for permission set ${p.arn}`,
          );
        }
        return { PermissionsBoundary: p.boundary };
      }),
      ListAccountsForProvisionedPermissionSet: op(
        'ListAccountsForProvisionedPermissionSet',
        (c) => {
          const p = this.permissionSet(c);
          const filter = c.json.ProvisioningStatus as string | undefined;
          const accounts = p.accounts.filter((a) => {
            const latest = p.provisioned.get(a) === p.version;
            if (filter === 'LATEST_PERMISSION_SET_PROVISIONED') return latest;
            if (filter === 'LATEST_PERMISSION_SET_NOT_PROVISIONED') return !latest;
            return true;
          });
          return page(c, accounts, 'AccountIds');
        },
      ),
      PutInlinePolicyToPermissionSet: op('PutInlinePolicyToPermissionSet', (c) => {
        const p = this.permissionSet(c);
        const text = String(c.json.InlinePolicy ?? '');
        if (text.length < 1 || text.length > 32768) {
          throw new AwsError('ValidationException', 'InlinePolicy length must be 1-32768');
        }
        p.inlinePolicy = text;
        p.version++;
        return {};
      }),
      DeleteInlinePolicyFromPermissionSet: op('DeleteInlinePolicyFromPermissionSet', (c) => {
        const p = this.permissionSet(c);
        p.inlinePolicy = null;
        p.version++;
        return {};
      }),
      AttachManagedPolicyToPermissionSet: op('AttachManagedPolicyToPermissionSet', (c) => {
        const p = this.permissionSet(c);
        const arn = String(c.json.ManagedPolicyArn ?? '');
        if (p.managed.some((m) => m.Arn === arn)) {
          throw new AwsError('ConflictException', `${arn} is already attached`);
        }
        p.managed.push({ Arn: arn, Name: arn.slice(arn.lastIndexOf('/') + 1) });
        p.version++;
        return {};
      }),
      DetachManagedPolicyFromPermissionSet: op('DetachManagedPolicyFromPermissionSet', (c) => {
        const p = this.permissionSet(c);
        const arn = String(c.json.ManagedPolicyArn ?? '');
        const i = p.managed.findIndex((m) => m.Arn === arn);
        if (i === -1) throw new AwsError('ResourceNotFoundException', `${arn} is not attached`);
        p.managed.splice(i, 1);
        p.version++;
        return {};
      }),
      ProvisionPermissionSet: op('ProvisionPermissionSet', (c) => {
        const p = this.permissionSet(c);
        if (
          c.json.TargetType !== 'ALL_PROVISIONED_ACCOUNTS' &&
          c.json.TargetType !== 'AWS_ACCOUNT'
        ) {
          throw new AwsError(
            'ValidationException',
            'TargetType must be ALL_PROVISIONED_ACCOUNTS or AWS_ACCOUNT',
          );
        }
        const targets =
          c.json.TargetType === 'AWS_ACCOUNT' ? [String(c.json.TargetId ?? '')] : [...p.accounts];
        const failed: string[] = [];
        for (const a of targets) {
          if (this.failingAccounts.has(a)) failed.push(a);
          else p.provisioned.set(a, p.version);
        }
        const id = `req-${++this.counter}`;
        const final: Record<string, unknown> = {
          RequestId: id,
          PermissionSetArn: p.arn,
          CreatedDate: 1_700_000_100,
          Status: failed.length > 0 ? 'FAILED' : 'SUCCEEDED',
          ...(failed.length > 0
            ? {
                FailureReason: `Provisioning failed for account(s) ${failed.join(', ')}: the IAM role quota was exceeded`,
              }
            : {}),
        };
        this.requests.set(id, {
          id,
          permissionSetArn: p.arn,
          polls: this.provisioningPolls,
          status: final,
        });
        return {
          PermissionSetProvisioningStatus: {
            RequestId: id,
            PermissionSetArn: p.arn,
            CreatedDate: 1_700_000_100,
            Status: 'IN_PROGRESS',
          },
        };
      }),
      DescribePermissionSetProvisioningStatus: op(
        'DescribePermissionSetProvisioningStatus',
        (c) => {
          const r = this.requests.get(String(c.json.ProvisionPermissionSetRequestId ?? ''));
          if (r === undefined) throw new AwsError('ResourceNotFoundException', 'No such request');
          if (r.polls > 0) {
            r.polls--;
            return {
              PermissionSetProvisioningStatus: {
                RequestId: r.id,
                PermissionSetArn: r.permissionSetArn,
                Status: 'IN_PROGRESS',
              },
            };
          }
          return { PermissionSetProvisioningStatus: r.status };
        },
      ),
    };
  }

  private instance(c: FakeCall): FakeInstance {
    const inst = this.instances.find((i) => i.arn === c.json.InstanceArn);
    if (inst === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Instance ${String(c.json.InstanceArn)} not found`,
      );
    }
    return inst;
  }

  private permissionSet(c: FakeCall): FakePermissionSet {
    const p = this.instance(c).permissionSets.find((x) => x.arn === c.json.PermissionSetArn);
    if (p === undefined) {
      throw new AwsError(
        'ResourceNotFoundException',
        `Permission set ${String(c.json.PermissionSetArn)} not found`,
      );
    }
    return p;
  }
}

/** A page of `items` under `key`, by `NextToken` / `MaxResults` (default 2). */
function page(c: FakeCall, items: readonly unknown[], key: string): HandlerResult {
  const start = Number(c.json.NextToken ?? 0);
  const size = Number(c.json.MaxResults ?? PAGE);
  const next = start + size < items.length ? String(start + size) : undefined;
  return {
    [key]: items.slice(start, start + size),
    ...(next === undefined ? {} : { NextToken: next }),
  };
}
