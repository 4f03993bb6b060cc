/**
 * The minimal IAM permissions of the Identity Center parts of the live commands, in the
 * management or delegated administrator account: reading the permission sets (`collect
 * --identity-center`, `collect --org`) and changing them (`apply --permission-set`, `rollback
 * --permission-set`). Printed by `collect --help` and `apply --help`, and in the README.
 */
import type { PolicyDocumentJson } from '../aws/permissions.js';

/** What `collect` calls on sso-admin. */
export const IDENTITY_CENTER_READ_ACTIONS: readonly string[] = [
  'sso:DescribePermissionSet',
  'sso:GetInlinePolicyForPermissionSet',
  'sso:GetPermissionsBoundaryForPermissionSet',
  'sso:ListAccountsForProvisionedPermissionSet',
  'sso:ListCustomerManagedPolicyReferencesInPermissionSet',
  'sso:ListInstances',
  'sso:ListManagedPoliciesInPermissionSet',
  'sso:ListPermissionSets',
];

/** What `apply` and `rollback` call on sso-admin besides the reads. */
export const IDENTITY_CENTER_WRITE_ACTIONS: readonly string[] = [
  'sso:AttachManagedPolicyToPermissionSet',
  'sso:DeleteInlinePolicyFromPermissionSet',
  'sso:DescribePermissionSetProvisioningStatus',
  'sso:DetachManagedPolicyFromPermissionSet',
  'sso:ProvisionPermissionSet',
  'sso:PutInlinePolicyToPermissionSet',
];

/** The policy `collect` needs to read Identity Center. */
export function identityCenterReadPolicy(): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'IamRefineReadIdentityCenter',
        Effect: 'Allow',
        Action: [...IDENTITY_CENTER_READ_ACTIONS],
        Resource: '*',
      },
    ],
  };
}

/** The policy `apply --permission-set` and `rollback --permission-set` need. */
export function identityCenterApplyPolicy(): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'IamRefineChangePermissionSets',
        Effect: 'Allow',
        Action: [
          'sso:GetInlinePolicyForPermissionSet',
          'sso:GetPermissionsBoundaryForPermissionSet',
          'sso:ListAccountsForProvisionedPermissionSet',
          'sso:ListCustomerManagedPolicyReferencesInPermissionSet',
          'sso:ListManagedPoliciesInPermissionSet',
          ...IDENTITY_CENTER_WRITE_ACTIONS,
        ].sort(),
        Resource: '*',
      },
    ],
  };
}
