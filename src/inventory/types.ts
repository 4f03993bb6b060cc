/**
 * The account inventory: principals, groups and managed policies, as read from
 * `aws iam get-account-authorization-details` and the credential report. Pure data: readers in this
 * folder build it, the findings engine consumes it.
 */

/** An inline policy: its name and its document (parsed JSON object, key order kept). */
export interface InlinePolicy {
  name: string;
  document: Record<string, unknown>;
}

/** A managed policy, customer- or AWS-managed, with its default version's document. */
export interface ManagedPolicy {
  arn: string;
  name: string;
  path: string;
  /** `aws` for AWS-managed (`arn:aws:iam::aws:policy/...`), otherwise the owning account id. */
  owner: 'aws' | string;
  defaultVersionId: string;
  /** The default version's document. */
  document: Record<string, unknown>;
  /** Number of principals and groups it is attached to, as IAM reports it (if known). */
  attachmentCount?: number;
}

/** An IAM group. */
export interface Group {
  arn: string;
  name: string;
  path: string;
  accountId: string;
  createDate: Date;
  inlinePolicies: InlinePolicy[];
  /** ARNs of the attached managed policies. */
  attachedPolicies: string[];
}

/** An access key of a user, from the credential report (slot 1 or 2). */
export interface AccessKey {
  /** The key id when known (from a CloudTrail event or `list-access-keys`), else undefined. */
  id?: string;
  /** Slot in the credential report: `access_key_1` or `access_key_2`. */
  slot: 1 | 2;
  active: boolean;
  lastRotated?: Date;
  /** Last use per the credential report; null when it says never used (`N/A`). */
  lastUsed: Date | null;
}

/** Console password state of a user, from the credential report. */
export interface Password {
  enabled: boolean;
  /** Last console sign-in; null when never (`no_information` or `N/A`). */
  lastUsed: Date | null;
  lastChanged?: Date;
}

/** A role or a user. */
export interface Principal {
  kind: 'role' | 'user';
  arn: string;
  name: string;
  /** Unique id (`AROA...`, `AIDA...`). */
  id: string;
  path: string;
  accountId: string;
  createDate: Date;
  /** Tags as a Map (keys are user data: never a plain object). */
  tags: Map<string, string>;
  inlinePolicies: InlinePolicy[];
  /** ARNs of the attached managed policies. */
  attachedPolicies: string[];
  /** For users: names of the groups the user belongs to. */
  groups: string[];
  /** ARN of the permissions boundary policy, if any. */
  permissionsBoundary?: string;
  /** For roles: `RoleLastUsed.LastUsedDate` (IAM's own record of the role's last use). */
  roleLastUsed?: Date;
  /** For users, from the credential report. */
  password?: Password;
  /** For users, from the credential report. */
  accessKeys: AccessKey[];
  /**
   * True for a user known only from a credential report (absent from every authorization-details
   * export read): its policies, groups and tags are *unknown*, not empty; `id` is `''` and `path`
   * comes from the ARN. Password and access-key findings hold for it; permission findings do not.
   */
  onlyInCredentialReport?: boolean;
}

/** Everything known about one or more accounts. */
export interface Inventory {
  /** Roles and users, by ARN. */
  principals: Map<string, Principal>;
  /** Groups by ARN. */
  groups: Map<string, Group>;
  /** Managed policies by ARN. */
  policies: Map<string, ManagedPolicy>;
  /** Account ids seen. */
  accounts: Set<string>;
  /**
   * How many credential-report rows were about the root user (`<root_account>`) and were skipped:
   * the root user is not a principal iam-refine analyzes. Undefined when no report was read.
   */
  rootRowsSkipped?: number;
}
