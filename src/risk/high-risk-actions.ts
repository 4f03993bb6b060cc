/**
 * The high-risk actions: the permissions a security engineer removes first when they are unused.
 * Hand-written (it is a judgement, not data the catalog has), each entry with the public source
 * that says why the action is dangerous. A test checks every action against the bundled catalog.
 *
 * Categories:
 * - `privilege-escalation`: a principal holding the action (alone or with another one listed
 *   with it) can give itself or a role it controls more permissions;
 * - `data-key-control`: the action changes who can read data or use or destroy a key;
 * - `defense-evasion`: the action stops or deletes the audit trail.
 */

/** Why an action is high risk. */
export type RiskCategory = 'privilege-escalation' | 'data-key-control' | 'defense-evasion';

/** A public source cited by the list. */
export interface RiskSource {
  /** Short id used by the entries. */
  id: string;
  /** Title of the document. */
  title: string;
  /** Its public address. */
  url: string;
}

/** One high-risk action. */
export interface HighRiskAction {
  /** `service:Action` in the catalog's casing. */
  action: string;
  category: RiskCategory;
  /** Why, in one short sentence. */
  reason: string;
  /** The {@link RiskSource} id. */
  source: string;
}

/** The sources of {@link HIGH_RISK_ACTIONS}. */
export const RISK_SOURCES: readonly RiskSource[] = [
  {
    id: 'rhino',
    title: 'Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation"',
    url: 'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/',
  },
  {
    id: 'aws-passrole',
    title: 'AWS IAM User Guide, "Grant a user permissions to pass a role to an AWS service"',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html',
  },
  {
    id: 'aws-kms-keypolicy',
    title: 'AWS KMS Developer Guide, "Key policies in AWS KMS"',
    url: 'https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html',
  },
  {
    id: 'aws-kms-grants',
    title: 'AWS KMS Developer Guide, "Grants in AWS KMS"',
    url: 'https://docs.aws.amazon.com/kms/latest/developerguide/grants.html',
  },
  {
    id: 'aws-kms-delete',
    title: 'AWS KMS Developer Guide, "Delete an AWS KMS key"',
    url: 'https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html',
  },
  {
    id: 'aws-s3-public',
    title: 'Amazon S3 User Guide, "Blocking public access to your Amazon S3 storage"',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html',
  },
  {
    id: 'aws-secrets',
    title:
      'AWS Secrets Manager User Guide, "Authentication and access control for AWS Secrets Manager"',
    url: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access.html',
  },
  {
    id: 'mitre-t1562-008',
    title: 'MITRE ATT&CK T1562.008, "Impair Defenses: Disable or Modify Cloud Logs"',
    url: 'https://attack.mitre.org/techniques/T1562/008/',
  },
];

const esc = (action: string, reason: string): HighRiskAction => ({
  action,
  category: 'privilege-escalation',
  reason,
  source: 'rhino',
});

/** The list, by category then service. */
export const HIGH_RISK_ACTIONS: readonly HighRiskAction[] = [
  esc(
    'iam:CreatePolicyVersion',
    'writes a new default version of a managed policy it is attached to',
  ),
  esc('iam:SetDefaultPolicyVersion', 'switches a managed policy to a more permissive old version'),
  esc('iam:CreateAccessKey', 'creates access keys for another user and acts as that user'),
  esc('iam:CreateLoginProfile', 'sets a console password for a user that has none'),
  esc('iam:UpdateLoginProfile', "changes another user's console password"),
  esc('iam:AttachUserPolicy', 'attaches any managed policy (AdministratorAccess) to a user'),
  esc('iam:AttachGroupPolicy', 'attaches any managed policy to a group it is in'),
  esc('iam:AttachRolePolicy', 'attaches any managed policy to a role it can assume'),
  esc('iam:PutUserPolicy', 'writes an arbitrary inline policy on a user'),
  esc('iam:PutGroupPolicy', 'writes an arbitrary inline policy on a group'),
  esc('iam:PutRolePolicy', 'writes an arbitrary inline policy on a role'),
  esc('iam:AddUserToGroup', 'joins a more privileged group'),
  esc(
    'iam:UpdateAssumeRolePolicy',
    "rewrites a role's trust policy so that it can assume the role",
  ),
  {
    action: 'iam:PassRole',
    category: 'privilege-escalation',
    reason:
      'gives a more privileged role to a service (EC2, Lambda, Glue, CloudFormation) it controls',
    source: 'aws-passrole',
  },
  esc('sts:AssumeRole', 'assumes a role whose trust policy it can change or that trusts it'),
  esc('ec2:RunInstances', 'with iam:PassRole: starts an instance with a privileged role'),
  esc('lambda:CreateFunction', 'with iam:PassRole: runs code as a privileged role'),
  esc(
    'lambda:UpdateFunctionCode',
    'replaces the code of a function that runs as a privileged role',
  ),
  esc('lambda:CreateEventSourceMapping', 'with iam:PassRole: triggers a function it created'),
  esc('glue:CreateDevEndpoint', 'with iam:PassRole: opens a shell as a privileged role'),
  esc('glue:UpdateDevEndpoint', 'adds its SSH key to an endpoint running as a privileged role'),
  esc('cloudformation:CreateStack', 'with iam:PassRole: creates resources as a privileged role'),
  esc('datapipeline:CreatePipeline', 'with iam:PassRole: runs commands as a privileged role'),
  esc('datapipeline:PutPipelineDefinition', 'with iam:PassRole: defines what a pipeline runs'),
  {
    action: 'kms:PutKeyPolicy',
    category: 'data-key-control',
    reason: 'replaces the key policy: decides who can use and manage the key',
    source: 'aws-kms-keypolicy',
  },
  {
    action: 'kms:CreateGrant',
    category: 'data-key-control',
    reason: 'gives another principal use of the key (decrypt) without a policy change',
    source: 'aws-kms-grants',
  },
  {
    action: 'kms:ScheduleKeyDeletion',
    category: 'data-key-control',
    reason: 'deletes the key, and with it every piece of data encrypted under it',
    source: 'aws-kms-delete',
  },
  {
    action: 's3:PutBucketPolicy',
    category: 'data-key-control',
    reason: 'opens a bucket to anyone, another account or the public',
    source: 'aws-s3-public',
  },
  {
    action: 's3:PutBucketAcl',
    category: 'data-key-control',
    reason: 'grants access to a bucket through its ACL',
    source: 'aws-s3-public',
  },
  {
    action: 's3:PutBucketPublicAccessBlock',
    category: 'data-key-control',
    reason: "turns off a bucket's Block Public Access settings",
    source: 'aws-s3-public',
  },
  {
    action: 's3:PutAccountPublicAccessBlock',
    category: 'data-key-control',
    reason: "turns off the account's Block Public Access settings",
    source: 'aws-s3-public',
  },
  {
    action: 'secretsmanager:GetSecretValue',
    category: 'data-key-control',
    reason: 'reads secrets (database passwords, API keys)',
    source: 'aws-secrets',
  },
  {
    action: 'secretsmanager:PutResourcePolicy',
    category: 'data-key-control',
    reason: 'shares a secret with other principals or accounts',
    source: 'aws-secrets',
  },
  {
    action: 'cloudtrail:StopLogging',
    category: 'defense-evasion',
    reason: 'stops the audit trail',
    source: 'mitre-t1562-008',
  },
  {
    action: 'cloudtrail:DeleteTrail',
    category: 'defense-evasion',
    reason: 'deletes the audit trail',
    source: 'mitre-t1562-008',
  },
  {
    action: 'cloudtrail:PutEventSelectors',
    category: 'defense-evasion',
    reason: 'stops a trail from logging chosen events',
    source: 'mitre-t1562-008',
  },
];

const BY_LOWER = new Map(HIGH_RISK_ACTIONS.map((a) => [a.action.toLowerCase(), a]));

/** The high-risk entry of an action (`service:Action`, any casing), if it is one. */
export function highRiskAction(action: string): HighRiskAction | undefined {
  return BY_LOWER.get(action.toLowerCase());
}
