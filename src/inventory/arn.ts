/**
 * IAM ARNs of users, roles, groups, managed policies and the root user:
 * `arn:<partition>:iam::<account>:<type>/<path without its slashes>/<name>`.
 *
 * IAM writes an entity's ARN from its path and name (`Path` `/service-role/`, `RoleName` `x` →
 * `role/service-role/x`), so readers can both take the account id from an ARN and check that an
 * export is consistent.
 */

/** The parts of an IAM ARN. */
export interface IamArn {
  /** `aws`, `aws-cn`, `aws-us-gov`, ... */
  partition: string;
  /** The 12-digit account id, or `aws` for AWS-managed policies. */
  account: string;
  /** `user`, `role`, `group`, `policy`, `root`, ... */
  resourceType: string;
  /** The entity's path, starting and ending with `/` (`/` when none); `/` for the root user. */
  path: string;
  /** The entity's name (the resource's last segment); empty for the root user. */
  name: string;
}

const ARN = /^arn:([a-z][a-z0-9-]*):iam::(\d{12}|aws):([a-z-]+)(?:\/(.*))?$/;

/**
 * Splits an IAM ARN into its parts.
 *
 * @returns The parts, or `undefined` when `arn` is not an IAM ARN of an account (12 digits) or of
 *   `aws`, with a resource type and, unless it is `root`, a non-empty name after a `/`.
 */
export function parseIamArn(arn: string): IamArn | undefined {
  const m = ARN.exec(arn);
  if (m === null) return undefined;
  const [, partition, account, resourceType, resource] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (resource === undefined) {
    return resourceType === 'root'
      ? { partition, account, resourceType, path: '/', name: '' }
      : undefined;
  }
  const slash = resource.lastIndexOf('/');
  const name = resource.slice(slash + 1);
  if (name === '') return undefined;
  const path = slash < 0 ? '/' : `/${resource.slice(0, slash)}/`;
  return { partition, account, resourceType, path, name };
}

/** The ARN of the parts (the inverse of {@link parseIamArn}). */
export function formatIamArn(parts: IamArn): string {
  if (parts.resourceType === 'root') return `arn:${parts.partition}:iam::${parts.account}:root`;
  return `arn:${parts.partition}:iam::${parts.account}:${parts.resourceType}${parts.path}${parts.name}`;
}
