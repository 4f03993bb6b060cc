/**
 * Recognition of the roles IAM Identity Center creates: for each permission set assigned to an
 * account, a role `AWSReservedSSO_<PermissionSetName>_<16 hex>` under the path
 * `/aws-reserved/sso.amazonaws.com/` (optionally followed by a region, `.../sso.amazonaws.com/eu-west-1/`).
 * IAM refuses to change such roles' policies (`UnmodifiableEntity`): they change only through the
 * permission set, which Identity Center provisions to every account at once.
 */

/** The path prefix of every role Identity Center creates. */
export const IDENTITY_CENTER_ROLE_PATH = '/aws-reserved/sso.amazonaws.com/';

/** The name prefix of every role Identity Center creates. */
export const IDENTITY_CENTER_ROLE_PREFIX = 'AWSReservedSSO_';

/** Why iam-refine never offers an IAM write for such a role (one sentence, for every output). */
export const IDENTITY_CENTER_ROLE_REASON =
  'managed by IAM Identity Center: IAM refuses to change its policies (UnmodifiableEntity) and a change must be made in the permission set, which Identity Center provisions to every account it is assigned to';

/** An Identity Center role, recognised. */
export interface IdentityCenterRole {
  /** The role's name, `AWSReservedSSO_<PermissionSetName>_<hex>`. */
  roleName: string;
  /** The permission set's name, as embedded in the role's name. */
  permissionSetName: string;
  /** The 16 hexadecimal digits Identity Center appends. */
  suffix: string;
}

const SUFFIX = /^[0-9a-f]{16}$/;

/**
 * The permission set a role name and path belong to, or undefined when the role is not one
 * Identity Center created (both the path and the name must match).
 */
export function identityCenterRole(path: string, roleName: string): IdentityCenterRole | undefined {
  if (!path.startsWith(IDENTITY_CENTER_ROLE_PATH)) return undefined;
  if (!roleName.startsWith(IDENTITY_CENTER_ROLE_PREFIX)) return undefined;
  const rest = roleName.slice(IDENTITY_CENTER_ROLE_PREFIX.length);
  const cut = rest.lastIndexOf('_');
  if (cut <= 0) return undefined;
  const suffix = rest.slice(cut + 1);
  if (!SUFFIX.test(suffix)) return undefined;
  return { roleName, permissionSetName: rest.slice(0, cut), suffix };
}

/**
 * {@link identityCenterRole} of a role ARN (`arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_X_0123456789abcdef`);
 * undefined for any other ARN.
 */
export function identityCenterRoleOfArn(arn: string): IdentityCenterRole | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[2] !== 'iam') return undefined;
  const resource = parts.slice(5).join(':');
  if (!resource.startsWith('role/')) return undefined;
  const slash = resource.lastIndexOf('/');
  const path = resource.slice(4, slash + 1);
  return identityCenterRole(path, resource.slice(slash + 1));
}

/** Whether `arn` is the ARN of a role Identity Center created. */
export function isIdentityCenterRoleArn(arn: string): boolean {
  return identityCenterRoleOfArn(arn) !== undefined;
}
