/**
 * The minimal IAM permissions of the live commands, as ready-to-use policy documents (printed by
 * `collect --help`, `import-analyzer --help` and `apply --help`).
 */

/** An IAM policy document. */
export interface PolicyDocumentJson {
  Version: '2012-10-17';
  Statement: {
    Sid: string;
    Effect: 'Allow';
    Action: string[];
    Resource: string | string[];
  }[];
}

/** The actions the collecting role needs in each account it collects. */
export const COLLECT_ACTIONS: readonly string[] = [
  'iam:GenerateCredentialReport',
  'iam:GenerateServiceLastAccessedDetails',
  'iam:GetAccountAuthorizationDetails',
  'iam:GetCredentialReport',
  'iam:GetServiceLastAccessedDetails',
];

/** The policy of the role `collect` uses in each account. */
export function collectPolicy(): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'IamRefineCollect',
        Effect: 'Allow',
        Action: [...COLLECT_ACTIONS],
        Resource: '*',
      },
    ],
  };
}

/**
 * What the caller itself needs to reach other accounts: `sts:AssumeRole` on the per-account role
 * (any account, named role), and with `--org`, `organizations:ListAccounts` (management account or
 * delegated administrator).
 */
export function collectCallerPolicy(roleName = 'IamRefineCollector'): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'IamRefineAssumeCollector',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: `arn:aws:iam::*:role/${roleName}`,
      },
      {
        Sid: 'IamRefineListAccounts',
        Effect: 'Allow',
        Action: ['organizations:ListAccounts'],
        Resource: '*',
      },
    ],
  };
}

/** The policy `import-analyzer` needs. */
export function importAnalyzerPolicy(): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'IamRefineImportAnalyzer',
        Effect: 'Allow',
        Action: [
          'access-analyzer:GenerateFindingRecommendation',
          'access-analyzer:GetAnalyzer',
          'access-analyzer:GetFinding',
          'access-analyzer:GetFindingRecommendation',
          'access-analyzer:ListFindings',
        ],
        Resource: '*',
      },
    ],
  };
}

/** The policy `apply` and `rollback` need (reads, then the writes of every kind of change). */
export function applyPolicy(): PolicyDocumentJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'IamRefineApplyRead',
        Effect: 'Allow',
        Action: [
          'iam:GetGroupPolicy',
          'iam:GetLoginProfile',
          'iam:GetPolicy',
          'iam:GetPolicyVersion',
          'iam:GetRolePolicy',
          'iam:GetUserPolicy',
          'iam:ListAccessKeys',
          'iam:ListEntitiesForPolicy',
          'iam:ListGroupPolicies',
          'iam:ListPolicyVersions',
          'iam:ListRolePolicies',
          'iam:ListUserPolicies',
        ],
        Resource: '*',
      },
      {
        Sid: 'IamRefineApplyWrite',
        Effect: 'Allow',
        Action: [
          'iam:AttachGroupPolicy',
          'iam:AttachRolePolicy',
          'iam:AttachUserPolicy',
          'iam:CreatePolicy',
          'iam:CreatePolicyVersion',
          'iam:DeleteGroupPolicy',
          'iam:DeleteLoginProfile',
          'iam:DeletePolicy',
          'iam:DeletePolicyVersion',
          'iam:DeleteRolePolicy',
          'iam:DeleteUserPolicy',
          'iam:DetachGroupPolicy',
          'iam:DetachRolePolicy',
          'iam:DetachUserPolicy',
          'iam:PutGroupPolicy',
          'iam:PutRolePolicy',
          'iam:PutUserPolicy',
          'iam:SetDefaultPolicyVersion',
          'iam:UpdateAccessKey',
        ],
        Resource: '*',
      },
    ],
  };
}
