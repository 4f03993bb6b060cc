/**
 * Reading IAM Identity Center through the sso-admin API (AWS SDK v3): the instances the caller's
 * account administers (the management or delegated administrator account), every permission set
 * with its policies, permissions boundary and session duration, and the accounts it is provisioned
 * to, in the `--permission-sets` file's model (./types.ts). Every list is read page by page.
 */
import {
  DescribePermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  GetPermissionsBoundaryForPermissionSetCommand,
  paginateListAccountsForProvisionedPermissionSet,
  paginateListCustomerManagedPolicyReferencesInPermissionSet,
  paginateListInstances,
  paginateListManagedPoliciesInPermissionSet,
  paginateListPermissionSets,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { awsCall, awsErrorCode, describeAwsError } from '../aws/errors.js';
import {
  PERMISSION_SETS_FORMAT,
  type IdentityCenterInstance,
  type PermissionSet,
  type PermissionSetsFile,
  type PermissionsBoundary,
} from './types.js';

/** Collects every item of an SDK paginator, naming the call in a failure. */
async function all<P, T>(
  call: string,
  pages: AsyncIterable<P>,
  items: (page: P) => readonly T[] | undefined,
  where: string | undefined,
): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const page of pages) out.push(...(items(page) ?? []));
  } catch (error) {
    throw describeAwsError(error, call, where);
  }
  return out;
}

/** The policies of one permission set as Identity Center has them now (what `apply` compares). */
export interface LivePermissionSetPolicies {
  inlinePolicy: string | null;
  awsManagedPolicies: { arn: string; name: string }[];
  customerManagedPolicyReferences: { name: string; path: string }[];
  permissionsBoundary?: PermissionsBoundary;
}

/** Reads the policies of one permission set. */
export async function readPermissionSetPolicies(
  client: SSOAdminClient,
  instanceArn: string,
  permissionSetArn: string,
): Promise<LivePermissionSetPolicies> {
  const where = `permission set ${permissionSetArn}`;
  const key = { InstanceArn: instanceArn, PermissionSetArn: permissionSetArn };
  const inline = await awsCall(
    'SSOAdmin:GetInlinePolicyForPermissionSet',
    () => client.send(new GetInlinePolicyForPermissionSetCommand(key)),
    where,
  );
  const managed = await all(
    'SSOAdmin:ListManagedPoliciesInPermissionSet',
    paginateListManagedPoliciesInPermissionSet({ client }, key),
    (p) => p.AttachedManagedPolicies,
    where,
  );
  const refs = await all(
    'SSOAdmin:ListCustomerManagedPolicyReferencesInPermissionSet',
    paginateListCustomerManagedPolicyReferencesInPermissionSet({ client }, key),
    (p) => p.CustomerManagedPolicyReferences,
    where,
  );
  let boundary: PermissionsBoundary | undefined;
  try {
    const b = (await client.send(new GetPermissionsBoundaryForPermissionSetCommand(key)))
      .PermissionsBoundary;
    if (b?.ManagedPolicyArn !== undefined) boundary = { managedPolicyArn: b.ManagedPolicyArn };
    else if (b?.CustomerManagedPolicyReference?.Name !== undefined) {
      boundary = {
        customerManagedPolicyReference: {
          name: b.CustomerManagedPolicyReference.Name,
          path: b.CustomerManagedPolicyReference.Path ?? '/',
        },
      };
    }
  } catch (error) {
    // No boundary is answered as ResourceNotFoundException.
    if (awsErrorCode(error) !== 'ResourceNotFoundException') {
      throw describeAwsError(error, 'SSOAdmin:GetPermissionsBoundaryForPermissionSet', where);
    }
  }
  const text = inline.InlinePolicy;
  return {
    inlinePolicy: text === undefined || text === '' ? null : text,
    awsManagedPolicies: managed.map((m) => ({ arn: m.Arn ?? '', name: m.Name ?? '' })),
    customerManagedPolicyReferences: refs.map((r) => ({ name: r.Name ?? '', path: r.Path ?? '/' })),
    ...(boundary === undefined ? {} : { permissionsBoundary: boundary }),
  };
}

/**
 * Reads every instance the caller's account administers, with every permission set.
 *
 * @param now - The `collectedAt` time.
 * @throws AwsCallError when a call fails (a missing permission names the `sso:` action).
 */
export async function readIdentityCenter(
  client: SSOAdminClient,
  now: Date,
): Promise<PermissionSetsFile> {
  const instances = await all(
    'SSOAdmin:ListInstances',
    paginateListInstances({ client }, {}),
    (p) => p.Instances,
    undefined,
  );
  const out: IdentityCenterInstance[] = [];
  for (const inst of instances) {
    const instanceArn = inst.InstanceArn ?? '';
    const where = `instance ${instanceArn}`;
    const arns = await all(
      'SSOAdmin:ListPermissionSets',
      paginateListPermissionSets({ client }, { InstanceArn: instanceArn }),
      (p) => p.PermissionSets,
      where,
    );
    const permissionSets: PermissionSet[] = [];
    for (const arn of arns) {
      const key = { InstanceArn: instanceArn, PermissionSetArn: arn };
      const described = await awsCall(
        'SSOAdmin:DescribePermissionSet',
        () => client.send(new DescribePermissionSetCommand(key)),
        `permission set ${arn}`,
      );
      const d = described.PermissionSet ?? {};
      const policies = await readPermissionSetPolicies(client, instanceArn, arn);
      const accounts = await all(
        'SSOAdmin:ListAccountsForProvisionedPermissionSet',
        paginateListAccountsForProvisionedPermissionSet({ client }, key),
        (p) => p.AccountIds,
        `permission set ${arn}`,
      );
      permissionSets.push({
        permissionSetArn: arn,
        name: d.Name ?? '',
        ...(d.Description === undefined ? {} : { description: d.Description }),
        ...(d.SessionDuration === undefined ? {} : { sessionDuration: d.SessionDuration }),
        ...policies,
        accounts: [...new Set(accounts)].sort(),
      });
    }
    out.push({
      instanceArn,
      ...(inst.IdentityStoreId === undefined ? {} : { identityStoreId: inst.IdentityStoreId }),
      ...(inst.OwnerAccountId === undefined ? {} : { ownerAccountId: inst.OwnerAccountId }),
      permissionSets,
    });
  }
  return { format: PERMISSION_SETS_FORMAT, collectedAt: now.toISOString(), instances: out };
}
