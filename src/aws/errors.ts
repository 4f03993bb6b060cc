/**
 * AWS errors as one-line messages: which API call failed, in which account, and what to do. A
 * missing permission names the IAM action the caller needs (`AccessDenied` on
 * `GetAccountAuthorizationDetails` → `iam:GetAccountAuthorizationDetails`).
 */
import { IamRefineError } from '../errors.js';

/** The IAM action each API call iam-refine makes needs, keyed by `Service:Operation`. */
export const ACTION_OF: Readonly<Record<string, string>> = {
  'IAM:GetAccountAuthorizationDetails': 'iam:GetAccountAuthorizationDetails',
  'IAM:GenerateCredentialReport': 'iam:GenerateCredentialReport',
  'IAM:GetCredentialReport': 'iam:GetCredentialReport',
  'IAM:GenerateServiceLastAccessedDetails': 'iam:GenerateServiceLastAccessedDetails',
  'IAM:GetServiceLastAccessedDetails': 'iam:GetServiceLastAccessedDetails',
  'IAM:GetRolePolicy': 'iam:GetRolePolicy',
  'IAM:GetUserPolicy': 'iam:GetUserPolicy',
  'IAM:GetGroupPolicy': 'iam:GetGroupPolicy',
  'IAM:ListRolePolicies': 'iam:ListRolePolicies',
  'IAM:ListUserPolicies': 'iam:ListUserPolicies',
  'IAM:ListGroupPolicies': 'iam:ListGroupPolicies',
  'IAM:PutRolePolicy': 'iam:PutRolePolicy',
  'IAM:PutUserPolicy': 'iam:PutUserPolicy',
  'IAM:PutGroupPolicy': 'iam:PutGroupPolicy',
  'IAM:DeleteRolePolicy': 'iam:DeleteRolePolicy',
  'IAM:DeleteUserPolicy': 'iam:DeleteUserPolicy',
  'IAM:DeleteGroupPolicy': 'iam:DeleteGroupPolicy',
  'IAM:AttachRolePolicy': 'iam:AttachRolePolicy',
  'IAM:AttachUserPolicy': 'iam:AttachUserPolicy',
  'IAM:AttachGroupPolicy': 'iam:AttachGroupPolicy',
  'IAM:DetachRolePolicy': 'iam:DetachRolePolicy',
  'IAM:DetachUserPolicy': 'iam:DetachUserPolicy',
  'IAM:DetachGroupPolicy': 'iam:DetachGroupPolicy',
  'IAM:ListAttachedRolePolicies': 'iam:ListAttachedRolePolicies',
  'IAM:ListAttachedUserPolicies': 'iam:ListAttachedUserPolicies',
  'IAM:ListAttachedGroupPolicies': 'iam:ListAttachedGroupPolicies',
  'IAM:GetPolicy': 'iam:GetPolicy',
  'IAM:GetPolicyVersion': 'iam:GetPolicyVersion',
  'IAM:ListPolicyVersions': 'iam:ListPolicyVersions',
  'IAM:CreatePolicyVersion': 'iam:CreatePolicyVersion',
  'IAM:DeletePolicyVersion': 'iam:DeletePolicyVersion',
  'IAM:SetDefaultPolicyVersion': 'iam:SetDefaultPolicyVersion',
  'IAM:CreatePolicy': 'iam:CreatePolicy',
  'IAM:DeletePolicy': 'iam:DeletePolicy',
  'IAM:ListEntitiesForPolicy': 'iam:ListEntitiesForPolicy',
  'STS:AssumeRole': 'sts:AssumeRole',
  'STS:GetCallerIdentity': 'sts:GetCallerIdentity',
  'Organizations:ListAccounts': 'organizations:ListAccounts',
  'AccessAnalyzer:GetAnalyzer': 'access-analyzer:GetAnalyzer',
  'AccessAnalyzer:ListFindingsV2': 'access-analyzer:ListFindings',
  'AccessAnalyzer:GetFindingV2': 'access-analyzer:GetFinding',
  'AccessAnalyzer:GetFindingRecommendation': 'access-analyzer:GetFindingRecommendation',
  'AccessAnalyzer:GenerateFindingRecommendation': 'access-analyzer:GenerateFindingRecommendation',
  'SSOAdmin:ListInstances': 'sso:ListInstances',
  'SSOAdmin:ListPermissionSets': 'sso:ListPermissionSets',
  'SSOAdmin:DescribePermissionSet': 'sso:DescribePermissionSet',
  'SSOAdmin:GetInlinePolicyForPermissionSet': 'sso:GetInlinePolicyForPermissionSet',
  'SSOAdmin:ListManagedPoliciesInPermissionSet': 'sso:ListManagedPoliciesInPermissionSet',
  'SSOAdmin:ListCustomerManagedPolicyReferencesInPermissionSet':
    'sso:ListCustomerManagedPolicyReferencesInPermissionSet',
  'SSOAdmin:GetPermissionsBoundaryForPermissionSet': 'sso:GetPermissionsBoundaryForPermissionSet',
  'SSOAdmin:ListAccountsForProvisionedPermissionSet': 'sso:ListAccountsForProvisionedPermissionSet',
  'SSOAdmin:PutInlinePolicyToPermissionSet': 'sso:PutInlinePolicyToPermissionSet',
  'SSOAdmin:DeleteInlinePolicyFromPermissionSet': 'sso:DeleteInlinePolicyFromPermissionSet',
  'SSOAdmin:AttachManagedPolicyToPermissionSet': 'sso:AttachManagedPolicyToPermissionSet',
  'SSOAdmin:DetachManagedPolicyFromPermissionSet': 'sso:DetachManagedPolicyFromPermissionSet',
  'SSOAdmin:ProvisionPermissionSet': 'sso:ProvisionPermissionSet',
  'SSOAdmin:DescribePermissionSetProvisioningStatus': 'sso:DescribePermissionSetProvisioningStatus',
};

/** Error codes AWS uses for a missing permission. */
const ACCESS_DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
]);

/** Error codes of bad or expired credentials. */
const BAD_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
]);

/** Error codes of throttling (retried by the SDK; reported only when every attempt failed). */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/** The AWS error code of an SDK error (`name`, or `Code` of query-protocol errors). */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; Code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  return typeof e.name === 'string' ? e.name : undefined;
}

/** An AWS API call that failed, with the call, the code and the IAM action it needed. */
export class AwsCallError extends IamRefineError {
  override name = 'AwsCallError';
  constructor(
    message: string,
    /** `Service:Operation`, e.g. `IAM:GetCredentialReport`. */
    readonly call: string,
    /** The AWS error code, when AWS answered. */
    readonly code: string | undefined,
    /** The IAM action the call needs. */
    readonly action: string | undefined,
    options: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether AWS answered that the caller lacks the permission. */
  get accessDenied(): boolean {
    return this.code !== undefined && ACCESS_DENIED.has(this.code);
  }
}

/**
 * Turns an SDK error into an {@link AwsCallError} with one line for users:
 * - a missing permission: `IAM GetCredentialReport was denied (AccessDenied): the credentials
 *   need the IAM permission iam:GetCredentialReport`;
 * - bad credentials, throttling after every retry, a network error: said as such.
 *
 * @param call - `Service:Operation` (a key of {@link ACTION_OF}).
 * @param where - What the call was about, e.g. `account 111111111111`, put first.
 */
export function describeAwsError(error: unknown, call: string, where?: string): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const code = awsErrorCode(error);
  const action = ACTION_OF[call];
  const [service, operation] = call.split(':') as [string, string];
  const api = `${service === 'AccessAnalyzer' ? 'Access Analyzer' : service === 'SSOAdmin' ? 'Identity Center' : service} ${operation}`;
  const head = where === undefined ? '' : `${where}: `;
  const text = firstLine(error instanceof Error ? error.message : String(error));
  let message: string;
  if (code !== undefined && ACCESS_DENIED.has(code)) {
    message =
      `${head}${api} was denied (${code}): the credentials need the IAM permission ` +
      `${action ?? operation}` +
      (action === 'sts:AssumeRole' ? ' and the role must trust the caller' : '') +
      (text ? ` — AWS said: ${text}` : '');
  } else if (code !== undefined && BAD_CREDENTIALS.has(code)) {
    message = `${head}${api} failed: the AWS credentials are invalid or expired (${code}); check --profile or the environment`;
  } else if (code !== undefined && THROTTLING.has(code)) {
    message = `${head}${api} was throttled by AWS (${code}) on every retry; try again later or lower --concurrency`;
  } else if (
    code === 'CredentialsProviderError' ||
    (error instanceof Error && error.name === 'CredentialsProviderError')
  ) {
    message = `${head}${api}: no AWS credentials found (${text}); use --profile, AWS_PROFILE or the standard environment variables`;
  } else {
    message = `${head}${api} failed${code !== undefined && code !== 'Error' ? ` (${code})` : ''}: ${text}`;
  }
  return new AwsCallError(message, call, code, action, { cause: error });
}

/**
 * Runs one SDK call and rethrows its failure as {@link describeAwsError} says.
 *
 * @param call - `Service:Operation`.
 * @param where - What the call is about, for the message.
 */
export async function awsCall<T>(call: string, run: () => Promise<T>, where?: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw describeAwsError(error, call, where);
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]!.trim();
}
