/**
 * The IAM Identity Center data iam-refine works on: instances, their permission sets (policies,
 * permissions boundary, session duration) and the accounts each permission set is provisioned to.
 * This is the `--permission-sets` file format that `collect` writes and `scan` reads (documented in
 * the README, section "Permission sets"); member names follow the sso-admin API's shapes in
 * lowerCamelCase.
 */

/** The value of {@link PermissionSetsFile.format}. */
export const PERMISSION_SETS_FORMAT = 'iam-refine/permission-sets@1';

/** An AWS managed policy attached to a permission set (`AttachedManagedPolicy`). */
export interface AttachedManagedPolicy {
  /** `arn:aws:iam::aws:policy/...`. */
  arn: string;
  name: string;
}

/** A customer managed policy reference (`CustomerManagedPolicyReference`): a policy of this name
 * and path must exist in every account the permission set is provisioned to. */
export interface CustomerManagedPolicyReference {
  name: string;
  /** Default `/`. */
  path: string;
}

/** A permissions boundary (`PermissionsBoundary`): exactly one member is set. */
export interface PermissionsBoundary {
  managedPolicyArn?: string;
  customerManagedPolicyReference?: CustomerManagedPolicyReference;
}

/** One permission set and where it is provisioned. */
export interface PermissionSet {
  permissionSetArn: string;
  name: string;
  description?: string;
  /** ISO-8601 duration, e.g. `PT8H`. */
  sessionDuration?: string;
  /** The inline policy's exact text as Identity Center returns it, or null when it has none. */
  inlinePolicy: string | null;
  awsManagedPolicies: AttachedManagedPolicy[];
  customerManagedPolicyReferences: CustomerManagedPolicyReference[];
  permissionsBoundary?: PermissionsBoundary;
  /** Accounts the permission set is provisioned to (12-digit ids, sorted). */
  accounts: string[];
}

/** An Identity Center instance. */
export interface IdentityCenterInstance {
  instanceArn: string;
  identityStoreId?: string;
  /** The account that owns the instance (the management or delegated administrator account). */
  ownerAccountId?: string;
  permissionSets: PermissionSet[];
}

/** The `--permission-sets` file. */
export interface PermissionSetsFile {
  format: typeof PERMISSION_SETS_FORMAT;
  /** When `collect` read it, ISO-8601. */
  collectedAt?: string;
  instances: IdentityCenterInstance[];
}
