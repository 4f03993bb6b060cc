/**
 * The account's IAM exports in their real formats: the AWS CLI output of
 * `aws iam get-account-authorization-details` and the decoded CSV of `aws iam get-credential-report`.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { IamRefineError } from '../errors.js';
import { IAM_ID_ALPHABET, Random } from './random.js';
import type { CustomerPolicySpec, InlineSpec, PolicyJson, RoleSpec, UserSpec } from './types.js';

/** An AWS-managed policy of the demo corpus (`data/demo/aws-managed-policies.json`). */
export interface AwsManagedPolicy {
  name: string;
  arn: string;
  path: string;
  versionId: string;
  createDate: string;
  updateDate: string;
  document: PolicyJson;
}

/** The corpus file: where the policies come from, and the policies. */
export interface AwsManagedCorpus {
  source: { package: string; version: string; license: string };
  policies: AwsManagedPolicy[];
}

const CORPUS_URL = new URL('../../data/demo/aws-managed-policies.json', import.meta.url);

/** Reads the AWS-managed policies the demo uses. */
export async function loadAwsManagedPolicies(): Promise<AwsManagedCorpus> {
  try {
    return JSON.parse(await readFile(CORPUS_URL, 'utf8')) as AwsManagedCorpus;
  } catch (cause) {
    throw new IamRefineError(`cannot read ${fileURLToPath(CORPUS_URL)}`, { cause });
  }
}

/** A principal of the generated account: its spec and the ids the seed gave it. */
export interface BuiltPrincipal {
  spec: RoleSpec | UserSpec;
  arn: string;
  id: string;
  createDate: Date;
  /** Users: access key ids per slot. */
  keyIds: string[];
}

/** What the logs showed a user's credentials were last used for. */
export interface CredentialUse {
  time: Date;
  region: string;
  service: string;
}

/** Everything the exports need. */
export interface ExportInput {
  account: string;
  end: Date;
  roles: BuiltPrincipal[];
  users: BuiltPrincipal[];
  groups: {
    name: string;
    path: string;
    id: string;
    createDate: Date;
    managed: readonly string[];
    inline: readonly InlineSpec[];
  }[];
  customerPolicies: { spec: CustomerPolicySpec; id: string }[];
  awsPolicies: ReadonlyMap<string, AwsManagedPolicy>;
  /** Latest activity per role ARN seen in the logs, with its region. */
  roleLastUsed: ReadonlyMap<string, { time: Date; region: string }>;
  /** Per user ARN: last console sign-in in the logs. */
  consoleLogin: ReadonlyMap<string, Date>;
  /** Per `userArn|slot`: last use of the key in the logs. */
  keyUse: ReadonlyMap<string, CredentialUse>;
  /** Last root console sign-in in the logs. */
  rootLogin?: Date;
  rootCreated: Date;
}

const DAY = 86_400_000;

/** The AWS CLI's date format: `2024-01-15T10:00:00+00:00`. */
export function cliDate(d: Date): string {
  return `${d.toISOString().slice(0, 19)}+00:00`;
}

/** A fixed IAM-style id for an AWS-managed policy (the same in every account, as in AWS). */
export function awsPolicyId(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return `ANPA${new Random(h >>> 0).chars(IAM_ID_ALPHABET, 17)}`;
}

function daysAgo(end: Date, days: number): Date {
  return new Date(end.getTime() - days * DAY);
}

function policyArn(
  account: string,
  key: string,
  input: ExportInput,
): { arn: string; name: string } {
  const [kind, name] = key.split(':') as ['aws' | 'customer', string];
  if (kind === 'aws') {
    const p = input.awsPolicies.get(name);
    if (!p) throw new IamRefineError(`demo: AWS-managed policy ${name} is not in the corpus`);
    return { arn: p.arn, name };
  }
  const c = input.customerPolicies.find((x) => x.spec.name === name);
  if (!c) throw new IamRefineError(`demo: no customer policy ${name}`);
  return { arn: `arn:aws:iam::${account}:policy${c.spec.path}${name}`, name };
}

function inlineList(list: readonly InlineSpec[]): Record<string, unknown>[] {
  return list.map((p) => ({
    PolicyName: p.name,
    PolicyDocument: p.urlEncoded ? encodeURIComponent(JSON.stringify(p.document)) : p.document,
  }));
}

function tags(t: Readonly<Record<string, string>> | undefined): { Key: string; Value: string }[] {
  return Object.entries(t ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

/** The `get-account-authorization-details` output (AWS CLI shape: documents as JSON objects). */
export function authorizationDetails(input: ExportInput): Record<string, unknown> {
  const { account, end } = input;
  const attached = (keys: readonly string[]) =>
    keys.map((k) => {
      const { arn, name } = policyArn(account, k, input);
      return { PolicyName: name, PolicyArn: arn };
    });
  const boundary = (key: string | undefined) =>
    key === undefined
      ? {}
      : {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'Policy',
            PermissionsBoundaryArn: policyArn(account, key, input).arn,
          },
        };

  const attachments = new Map<string, number>();
  const boundaries = new Map<string, number>();
  const count = (keys: readonly string[]) => {
    for (const k of keys) {
      const arn = policyArn(account, k, input).arn;
      attachments.set(arn, (attachments.get(arn) ?? 0) + 1);
    }
  };

  const users = input.users.map((u) => {
    const spec = u.spec as UserSpec;
    count(spec.managed);
    if (spec.boundary) {
      const arn = policyArn(account, spec.boundary, input).arn;
      boundaries.set(arn, (boundaries.get(arn) ?? 0) + 1);
    }
    return {
      Path: spec.path,
      UserName: spec.name,
      UserId: u.id,
      Arn: u.arn,
      CreateDate: cliDate(u.createDate),
      UserPolicyList: inlineList(spec.inline),
      GroupList: [...spec.groups],
      AttachedManagedPolicies: attached(spec.managed),
      ...boundary(spec.boundary),
      Tags: tags(spec.tags),
    };
  });

  const groups = input.groups.map((g) => {
    count(g.managed);
    return {
      Path: g.path,
      GroupName: g.name,
      GroupId: g.id,
      Arn: `arn:aws:iam::${account}:group${g.path}${g.name}`,
      CreateDate: cliDate(g.createDate),
      GroupPolicyList: inlineList(g.inline),
      AttachedManagedPolicies: attached(g.managed),
    };
  });

  const roles = input.roles.map((r) => {
    const spec = r.spec as RoleSpec;
    count(spec.managed);
    const seen = input.roleLastUsed.get(r.arn);
    const lastUsed =
      seen !== undefined
        ? { LastUsedDate: cliDate(seen.time), Region: seen.region }
        : spec.lastUsedBeforeLogsDaysAgo !== undefined
          ? {
              LastUsedDate: cliDate(daysAgo(end, spec.lastUsedBeforeLogsDaysAgo)),
              Region: 'us-east-1',
            }
          : {};
    const profile = spec.instanceProfile
      ? [
          {
            Path: '/',
            InstanceProfileName: spec.name,
            InstanceProfileId: `AIPA${r.id.slice(4)}`,
            Arn: `arn:aws:iam::${account}:instance-profile/${spec.name}`,
            CreateDate: cliDate(r.createDate),
            Roles: [
              {
                Path: spec.path,
                RoleName: spec.name,
                RoleId: r.id,
                Arn: r.arn,
                CreateDate: cliDate(r.createDate),
                AssumeRolePolicyDocument: spec.trust,
              },
            ],
          },
        ]
      : [];
    return {
      Path: spec.path,
      RoleName: spec.name,
      RoleId: r.id,
      Arn: r.arn,
      CreateDate: cliDate(r.createDate),
      AssumeRolePolicyDocument: spec.trust,
      ...(spec.description === undefined ? {} : { Description: spec.description }),
      MaxSessionDuration: spec.maxSessionDuration ?? 3600,
      InstanceProfileList: profile,
      RolePolicyList: inlineList(spec.inline),
      AttachedManagedPolicies: attached(spec.managed),
      ...boundary(spec.boundary),
      Tags: tags(spec.tags),
      RoleLastUsed: lastUsed,
    };
  });

  const policies: Record<string, unknown>[] = [];
  for (const { spec, id } of input.customerPolicies) {
    const arn = `arn:aws:iam::${account}:policy${spec.path}${spec.name}`;
    const n = spec.versions.length;
    policies.push({
      PolicyName: spec.name,
      PolicyId: id,
      Arn: arn,
      Path: spec.path,
      DefaultVersionId: `v${n}`,
      AttachmentCount: attachments.get(arn) ?? 0,
      PermissionsBoundaryUsageCount: boundaries.get(arn) ?? 0,
      IsAttachable: true,
      Description: spec.description,
      CreateDate: cliDate(daysAgo(end, spec.createdDaysAgo)),
      UpdateDate: cliDate(daysAgo(end, spec.versions[n - 1]!.daysAgo)),
      // IAM lists the newest version first.
      PolicyVersionList: spec.versions
        .map((v, i) => ({
          Document: v.document,
          VersionId: `v${i + 1}`,
          IsDefaultVersion: i === n - 1,
          CreateDate: cliDate(daysAgo(end, v.daysAgo)),
        }))
        .reverse(),
    });
  }
  // AWS-managed policies attached in the account, with their default version.
  for (const p of input.awsPolicies.values()) {
    const used = (attachments.get(p.arn) ?? 0) + (boundaries.get(p.arn) ?? 0);
    if (used === 0) continue;
    policies.push({
      PolicyName: p.name,
      PolicyId: awsPolicyId(p.name),
      Arn: p.arn,
      Path: p.path,
      DefaultVersionId: p.versionId,
      AttachmentCount: attachments.get(p.arn) ?? 0,
      PermissionsBoundaryUsageCount: boundaries.get(p.arn) ?? 0,
      IsAttachable: true,
      CreateDate: cliDate(new Date(p.createDate)),
      UpdateDate: cliDate(new Date(p.updateDate)),
      PolicyVersionList: [
        {
          Document: p.document,
          VersionId: p.versionId,
          IsDefaultVersion: true,
          CreateDate: cliDate(new Date(p.updateDate)),
        },
      ],
    });
  }

  return {
    UserDetailList: users,
    GroupDetailList: groups,
    RoleDetailList: roles,
    Policies: policies,
  };
}

const REPORT_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
];

/** The decoded `get-credential-report` CSV, generated at `end`. */
export function credentialReport(input: ExportInput): string {
  const { account, end } = input;
  const rows: string[][] = [REPORT_COLUMNS];
  rows.push([
    '<root_account>',
    `arn:aws:iam::${account}:root`,
    cliDate(input.rootCreated),
    'not_supported',
    input.rootLogin ? cliDate(input.rootLogin) : 'no_information',
    'not_supported',
    'not_supported',
    'true',
    'false',
    'N/A',
    'N/A',
    'N/A',
    'N/A',
    'false',
    'N/A',
    'N/A',
    'N/A',
    'N/A',
    'false',
    'N/A',
    'false',
    'N/A',
  ]);
  for (const u of input.users) {
    const spec = u.spec as UserSpec;
    const row = [spec.name, u.arn, cliDate(u.createDate)];
    if (spec.password) {
      const login = input.consoleLogin.get(u.arn);
      const before = spec.password.lastUsedBeforeLogsDaysAgo;
      const last = login ?? (before === undefined ? undefined : daysAgo(end, before));
      row.push(
        'true',
        last ? cliDate(last) : 'no_information',
        cliDate(daysAgo(end, spec.password.changedDaysAgo)),
        'N/A',
      );
    } else {
      row.push('false', 'N/A', 'N/A', 'N/A');
    }
    row.push(String(spec.mfa));
    for (const slot of [1, 2] as const) {
      const key = spec.keys[slot - 1];
      if (!key) {
        row.push('false', 'N/A', 'N/A', 'N/A', 'N/A');
        continue;
      }
      const seen = input.keyUse.get(`${u.arn}|${slot}`);
      const before = key.lastUsedBeforeLogsDaysAgo;
      const use: CredentialUse | undefined =
        seen ??
        (before === undefined
          ? undefined
          : {
              time: daysAgo(end, before),
              region: 'us-east-1',
              service: key.lastUsedService ?? 'sts',
            });
      row.push(
        String(key.active),
        cliDate(daysAgo(end, key.createdDaysAgo)),
        use ? cliDate(use.time) : 'N/A',
        use ? use.region : 'N/A',
        use ? use.service : 'N/A',
      );
    }
    row.push('false', 'N/A', 'false', 'N/A');
    rows.push(row);
  }
  return `${rows.map((r) => r.join(',')).join('\n')}\n`;
}
