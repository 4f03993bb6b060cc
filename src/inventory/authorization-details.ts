/**
 * Reads the output of `aws iam get-account-authorization-details` (the `GetAccountAuthorizationDetails`
 * API) into the {@link Inventory}: users, groups, roles and managed policies with their inline
 * policies, attachments, permissions boundaries, tags, creation dates and `RoleLastUsed`.
 *
 * Both shapes the export comes in are accepted: the AWS CLI's (policy documents as JSON objects, one
 * file with every page merged, or `NextToken` when `--max-items` cut it) and the raw API's or an
 * SDK's (policy documents as URL-encoded JSON strings, one file per page with `IsTruncated` and
 * `Marker`). Several files (pages of one export, or one export per account) are merged by
 * {@link mergeAuthorizationDetails}.
 *
 * Every problem is an {@link Issue} naming the file, the JSON path, the line and column, and what was
 * expected; all of a file's problems are reported together.
 */
import { isDeepStrictEqual } from 'node:util';
import { ValidationError, type Issue, type IssueCode } from '../errors.js';
import {
  describeJsonValue,
  formatPath,
  parseJson,
  type JsonLocation,
  type JsonPath,
} from '../json/parse.js';
import { parsePolicy } from '../policy/document.js';
import { formatIamArn, parseIamArn, type IamArn } from './arn.js';
import { ISO_DATE_TIME_EXPECTED, parseIsoDateTime } from './iso-date.js';
import type { Group, InlinePolicy, Inventory, ManagedPolicy, Principal } from './types.js';

/** Where an entity was read: file, JSON path, line and column. */
export interface EntityOrigin {
  source: string;
  /** JSON path of the entity's object, e.g. `$.RoleDetailList[2]`. */
  path: string;
  line?: number;
  column?: number;
}

/** An entity and where it was read. */
export interface Located<T> {
  value: T;
  origin: EntityOrigin;
}

/** One file of `get-account-authorization-details` output, validated. */
export interface AuthorizationDetailsPage {
  /** The file it was read from. */
  source: string;
  /** `UserDetailList`, as principals of kind `user` (no password or keys yet). */
  users: Located<Principal>[];
  /** `GroupDetailList`. */
  groups: Located<Group>[];
  /** `RoleDetailList`, as principals of kind `role`. */
  roles: Located<Principal>[];
  /** `Policies`, each with its default version's document. */
  policies: Located<ManagedPolicy>[];
  /**
   * Whether more pages follow: `IsTruncated` is true (raw API / SDK page) or a `NextToken` is
   * present (AWS CLI output cut by `--max-items`).
   */
  isTruncated: boolean;
  /** `Marker` (or the CLI's `NextToken`) to request the next page, when truncated. */
  marker?: string;
}

/** The four lists of an export, for messages. */
const LISTS = '"UserDetailList", "GroupDetailList", "RoleDetailList" and "Policies"';

/**
 * Parses and validates one file of `aws iam get-account-authorization-details` output.
 *
 * Lists and optional members that are absent are taken as empty. Policy documents may be JSON
 * objects or URL-encoded JSON strings; each inline policy and each managed policy's default version
 * is validated as an IAM policy. A reference to a managed policy that is not in `Policies` is not a
 * problem here (a filtered or partial export; the findings engine reports it). Members the inventory
 * does not hold (`AssumeRolePolicyDocument`, `InstanceProfileList`, `PolicyId`, `$metadata`, ...)
 * are not validated beyond their type, or not at all.
 *
 * @param text - The file's text.
 * @param source - The file name, put on every issue.
 * @throws {@link ValidationError} with every problem found: `invalid_json` / `duplicate_key` /
 *   `empty_input` (not JSON), `missing_field`, `invalid_type`, `invalid_value` (a bad date, an ARN
 *   that is not an IAM ARN or does not match the entity's path and name, ...), `conflicting_fields`,
 *   and the policy-document issues of {@link parsePolicy} at their path in the file.
 */
export function parseAuthorizationDetails(text: string, source: string): AuthorizationDetailsPage {
  const parsed = parseJson(text, source);
  const r = new Reader(source, parsed.locate);
  const root = parsed.value;
  if (!isRecord(root)) {
    r.add(
      'invalid_type',
      [],
      `expected the output of "aws iam get-account-authorization-details" (an object with ${LISTS}), found ${describeJsonValue(root)}`,
    );
    throw new ValidationError(r.issues);
  }
  const keys = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'];
  if (!keys.some((key) => Object.hasOwn(root, key))) {
    r.add(
      'missing_field',
      [],
      `the object has none of ${LISTS}, expected the output of "aws iam get-account-authorization-details"`,
    );
    throw new ValidationError(r.issues);
  }
  const users = collect(r.list(root, 'UserDetailList', [], 'user objects'), (v, p) =>
    readPrincipal(r, 'user', v, p),
  );
  const groups = collect(r.list(root, 'GroupDetailList', [], 'group objects'), (v, p) =>
    readGroup(r, v, p),
  );
  const roles = collect(r.list(root, 'RoleDetailList', [], 'role objects'), (v, p) =>
    readPrincipal(r, 'role', v, p),
  );
  const policies = collect(r.list(root, 'Policies', [], 'managed policy objects'), (v, p) =>
    readManagedPolicy(r, v, p),
  );
  const isTruncatedFlag = r.boolean(root, 'IsTruncated', []);
  const marker = r.string(root, 'Marker', [], 'the export', { optional: true });
  const nextToken = r.string(root, 'NextToken', [], 'the export', { optional: true });
  if (isTruncatedFlag === true && marker === undefined && nextToken === undefined) {
    // IAM always sends a Marker with IsTruncated; without it the next page cannot be requested.
    r.add(
      'missing_field',
      [],
      '"IsTruncated" is true but there is no "Marker", expected the marker of the next page',
    );
  }
  if (r.issues.length > 0) throw new ValidationError(r.issues);
  const page: AuthorizationDetailsPage = {
    source,
    users,
    groups,
    roles,
    policies,
    isTruncated: isTruncatedFlag === true || nextToken !== undefined,
  };
  const next = marker ?? nextToken;
  if (next !== undefined) page.marker = next;
  return page;
}

/**
 * Merges pages (of one export, or of exports of several accounts) into an {@link Inventory}.
 *
 * An entity present in several pages (same ARN) is kept once when its copies are identical, except
 * that `RoleLastUsed` takes the latest date and that an AWS-managed policy, which every account's
 * export repeats, takes its highest default version and loses its `attachmentCount` when the copies'
 * counts differ (each account counts only its own attachments). Any other difference is an issue.
 * When every page is truncated, the last page is missing: an issue too.
 *
 * @throws {@link ValidationError} with every `conflicting_fields` issue (at the later copy, naming
 *   the earlier) and the `missing_field` issue of a missing last page.
 */
export function mergeAuthorizationDetails(pages: readonly AuthorizationDetailsPage[]): Inventory {
  const inventory: Inventory = {
    principals: new Map(),
    groups: new Map(),
    policies: new Map(),
    accounts: new Set(),
  };
  const issues: Issue[] = [];
  const origins = new Map<string, EntityOrigin>();
  const conflict = (
    what: string,
    arn: string,
    fields: readonly string[],
    at: EntityOrigin,
    first: EntityOrigin,
  ): void => {
    const issue: Issue = {
      code: 'conflicting_fields',
      path: at.path,
      message: `${what} ${arn} is also in ${describeOrigin(first)} with a different ${fields.join(', ')}: expected every copy of an entity to be identical (give the pages of one export, or one export per account)`,
      source: at.source,
    };
    if (at.line !== undefined) issue.line = at.line;
    if (at.column !== undefined) issue.column = at.column;
    issues.push(issue);
  };

  for (const page of pages) {
    for (const { value, origin } of [...page.users, ...page.roles]) {
      inventory.accounts.add(value.accountId);
      const kept = inventory.principals.get(value.arn);
      if (kept === undefined) {
        inventory.principals.set(value.arn, value);
        origins.set(value.arn, origin);
        continue;
      }
      const fields = differences(kept, value, ['roleLastUsed'], PRINCIPAL_FIELDS.get(value.kind)!);
      if (fields.length > 0) {
        conflict(value.kind, value.arn, fields, origin, origins.get(value.arn)!);
      } else if (
        value.roleLastUsed !== undefined &&
        (kept.roleLastUsed === undefined || value.roleLastUsed > kept.roleLastUsed)
      ) {
        kept.roleLastUsed = value.roleLastUsed;
      }
    }
    for (const { value, origin } of page.groups) {
      inventory.accounts.add(value.accountId);
      const kept = inventory.groups.get(value.arn);
      if (kept === undefined) {
        inventory.groups.set(value.arn, value);
        origins.set(value.arn, origin);
        continue;
      }
      const fields = differences(kept, value, [], GROUP_FIELDS);
      if (fields.length > 0) conflict('group', value.arn, fields, origin, origins.get(value.arn)!);
    }
    for (const { value, origin } of page.policies) {
      if (value.owner !== 'aws') inventory.accounts.add(value.owner);
      const kept = inventory.policies.get(value.arn);
      if (kept === undefined) {
        inventory.policies.set(value.arn, value);
        origins.set(value.arn, origin);
        continue;
      }
      if (value.owner !== 'aws') {
        const fields = differences(kept, value, [], POLICY_FIELDS);
        if (fields.length > 0)
          conflict('policy', value.arn, fields, origin, origins.get(value.arn)!);
        continue;
      }
      const keptVersion = versionNumber(kept.defaultVersionId);
      const newVersion = versionNumber(value.defaultVersionId);
      const ignored = ['attachmentCount'];
      if (keptVersion !== undefined && newVersion !== undefined && keptVersion !== newVersion) {
        ignored.push('defaultVersionId', 'document');
      }
      const fields = differences(kept, value, ignored, POLICY_FIELDS);
      if (fields.length > 0) {
        conflict('AWS-managed policy', value.arn, fields, origin, origins.get(value.arn)!);
        continue;
      }
      const merged: ManagedPolicy = { ...(newVersion! > keptVersion! ? value : kept) };
      if (kept.attachmentCount !== value.attachmentCount) delete merged.attachmentCount;
      inventory.policies.set(value.arn, merged);
    }
  }

  if (pages.length > 0 && pages.every((page) => page.isTruncated)) {
    const last = pages[pages.length - 1]!;
    issues.push({
      code: 'missing_field',
      path: '$',
      message: `every authorization-details file given is a truncated page (${pages.length === 1 ? 'it has' : 'each has'} "IsTruncated": true or a "NextToken"): the last page is missing, expected the pages up to one without "IsTruncated" (or the CLI's output without --max-items)`,
      source: last.source,
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return inventory;
}

/** AWS field names of a principal's properties, for messages. */
const PRINCIPAL_FIELDS: ReadonlyMap<'user' | 'role', ReadonlyMap<string, string>> = new Map([
  [
    'user',
    new Map([
      ['name', '"UserName"'],
      ['id', '"UserId"'],
      ['inlinePolicies', '"UserPolicyList"'],
      ['groups', '"GroupList"'],
    ]),
  ],
  [
    'role',
    new Map([
      ['name', '"RoleName"'],
      ['id', '"RoleId"'],
      ['inlinePolicies', '"RolePolicyList"'],
    ]),
  ],
]);

const GROUP_FIELDS: ReadonlyMap<string, string> = new Map([
  ['name', '"GroupName"'],
  ['inlinePolicies', '"GroupPolicyList"'],
]);

const POLICY_FIELDS: ReadonlyMap<string, string> = new Map([
  ['name', '"PolicyName"'],
  ['document', 'default version document'],
  ['owner', 'owner'],
]);

/** Shared by every entity kind. */
const COMMON_FIELDS: ReadonlyMap<string, string> = new Map([
  ['path', '"Path"'],
  ['createDate', '"CreateDate"'],
  ['tags', '"Tags"'],
  ['attachedPolicies', '"AttachedManagedPolicies"'],
  ['permissionsBoundary', '"PermissionsBoundary"'],
  ['roleLastUsed', '"RoleLastUsed"'],
  ['defaultVersionId', '"DefaultVersionId"'],
  ['attachmentCount', '"AttachmentCount"'],
]);

/** The fields (AWS names) in which `a` and `b` differ, `ignored` properties left out. */
function differences<T extends object>(
  a: T,
  b: T,
  ignored: readonly string[],
  names: ReadonlyMap<string, string>,
): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const key of keys) {
    if (ignored.includes(key)) continue;
    const x = (a as Record<string, unknown>)[key];
    const y = (b as Record<string, unknown>)[key];
    if (!isDeepStrictEqual(x, y)) out.push(names.get(key) ?? COMMON_FIELDS.get(key) ?? key);
  }
  return out;
}

/** `v12` → 12. */
function versionNumber(versionId: string): number | undefined {
  const m = /^v(\d+)$/.exec(versionId);
  return m === null ? undefined : Number(m[1]);
}

function describeOrigin(origin: EntityOrigin): string {
  const at = origin.line === undefined ? '' : ` (line ${origin.line})`;
  return `${origin.source} at ${origin.path}${at}`;
}

/** Maps each element of a list (with its path) and keeps the results that are defined. */
function collect<T>(
  list: { values: readonly unknown[]; path: JsonPath },
  read: (value: unknown, path: JsonPath) => T | undefined,
): T[] {
  const out: T[] = [];
  list.values.forEach((value, i) => {
    const item = read(value, [...list.path, i]);
    if (item !== undefined) out.push(item);
  });
  return out;
}

/** Field names that differ between users and roles. */
const KIND_KEYS = {
  user: { name: 'UserName', id: 'UserId', policies: 'UserPolicyList' },
  role: { name: 'RoleName', id: 'RoleId', policies: 'RolePolicyList' },
} as const;

/** Reads one `UserDetailList` or `RoleDetailList` element. */
function readPrincipal(
  r: Reader,
  kind: 'user' | 'role',
  value: unknown,
  path: JsonPath,
): Located<Principal> | undefined {
  const obj = r.object(value, path, `a ${kind} object`);
  if (obj === undefined) return undefined;
  const before = r.issues.length;
  const keys = KIND_KEYS[kind];
  const what = `the ${kind}`;
  const entityPath = r.entityPath(obj, path, what);
  const name = r.string(obj, keys.name, path, what);
  const id = r.string(obj, keys.id, path, what);
  const arn = r.arn(obj, path, kind, entityPath, name, keys.name);
  const createDate = r.date(obj, 'CreateDate', path, what);
  const inlinePolicies = readInlinePolicies(r, obj, keys.policies, path);
  const attachedPolicies = readAttachedPolicies(r, obj, path);
  const tags = readTags(r, obj, path);
  const groups: string[] = [];
  if (kind === 'user') {
    const list = r.list(obj, 'GroupList', path, 'group names');
    list.values.forEach((g, i) => {
      const group = r.nonEmptyString(g, [...list.path, i], 'a group name');
      if (group !== undefined && !groups.includes(group)) groups.push(group);
    });
  }
  const boundary = readBoundary(r, obj, path);
  const roleLastUsed = kind === 'role' ? readRoleLastUsed(r, obj, path) : undefined;
  if (
    r.issues.length > before ||
    entityPath === undefined ||
    name === undefined ||
    id === undefined ||
    arn === undefined ||
    createDate === undefined
  ) {
    return undefined;
  }
  const principal: Principal = {
    kind,
    arn: arn.text,
    name,
    id,
    path: entityPath,
    accountId: arn.parts.account,
    createDate,
    tags,
    inlinePolicies,
    attachedPolicies,
    groups,
    accessKeys: [],
  };
  if (boundary !== undefined) principal.permissionsBoundary = boundary;
  if (roleLastUsed !== undefined) principal.roleLastUsed = roleLastUsed;
  return { value: principal, origin: r.origin(path) };
}

/** Reads one `GroupDetailList` element. */
function readGroup(r: Reader, value: unknown, path: JsonPath): Located<Group> | undefined {
  const obj = r.object(value, path, 'a group object');
  if (obj === undefined) return undefined;
  const before = r.issues.length;
  const what = 'the group';
  const entityPath = r.entityPath(obj, path, what);
  const name = r.string(obj, 'GroupName', path, what);
  r.string(obj, 'GroupId', path, what, { optional: true });
  const arn = r.arn(obj, path, 'group', entityPath, name, 'GroupName');
  const createDate = r.date(obj, 'CreateDate', path, what);
  const inlinePolicies = readInlinePolicies(r, obj, 'GroupPolicyList', path);
  const attachedPolicies = readAttachedPolicies(r, obj, path);
  if (
    r.issues.length > before ||
    entityPath === undefined ||
    name === undefined ||
    arn === undefined ||
    createDate === undefined
  ) {
    return undefined;
  }
  const group: Group = {
    arn: arn.text,
    name,
    path: entityPath,
    accountId: arn.parts.account,
    createDate,
    inlinePolicies,
    attachedPolicies,
  };
  return { value: group, origin: r.origin(path) };
}

/** Reads one `Policies` element, keeping its default version's document. */
function readManagedPolicy(
  r: Reader,
  value: unknown,
  path: JsonPath,
): Located<ManagedPolicy> | undefined {
  const obj = r.object(value, path, 'a managed policy object');
  if (obj === undefined) return undefined;
  const before = r.issues.length;
  const what = 'the managed policy';
  const entityPath = r.entityPath(obj, path, what);
  const name = r.string(obj, 'PolicyName', path, what);
  r.string(obj, 'PolicyId', path, what, { optional: true });
  const arn = r.arn(obj, path, 'policy', entityPath, name, 'PolicyName');
  const defaultVersionId = r.string(obj, 'DefaultVersionId', path, what);
  let attachmentCount: number | undefined;
  if (Object.hasOwn(obj, 'AttachmentCount')) {
    const count = obj.AttachmentCount;
    if (typeof count === 'number' && Number.isInteger(count) && count >= 0) attachmentCount = count;
    else
      r.add(
        'invalid_type',
        [...path, 'AttachmentCount'],
        `"AttachmentCount" must be a non-negative integer, found ${describeJsonValue(count)}`,
      );
  }
  r.boolean(obj, 'IsAttachable', path);
  r.date(obj, 'CreateDate', path, what, { optional: true });
  r.date(obj, 'UpdateDate', path, what, { optional: true });
  const versions = r.list(obj, 'PolicyVersionList', path, 'policy version objects', {
    required: true,
  });
  let document: Record<string, unknown> | undefined;
  let found = false;
  versions.values.forEach((v, i) => {
    const vPath = [...versions.path, i];
    const version = r.object(v, vPath, 'a policy version object');
    if (version === undefined) return;
    const versionId = r.string(version, 'VersionId', vPath, 'the policy version');
    const isDefault = r.boolean(version, 'IsDefaultVersion', vPath);
    r.date(version, 'CreateDate', vPath, 'the policy version', { optional: true });
    if (!Object.hasOwn(version, 'Document')) {
      r.add(
        'missing_field',
        vPath,
        'the policy version has no "Document" field, expected its policy document',
      );
    }
    if (versionId === undefined || defaultVersionId === undefined) return;
    if (versionId === defaultVersionId) {
      found = true;
      if (isDefault === false) {
        r.add(
          'conflicting_fields',
          [...vPath, 'IsDefaultVersion'],
          `"IsDefaultVersion" is false but "VersionId" ${JSON.stringify(versionId)} is the policy's "DefaultVersionId", expected true`,
        );
      }
      if (Object.hasOwn(version, 'Document')) {
        document = r.document(version.Document, [...vPath, 'Document']);
      }
    } else if (isDefault === true) {
      r.add(
        'conflicting_fields',
        [...vPath, 'IsDefaultVersion'],
        `"IsDefaultVersion" is true but the policy's "DefaultVersionId" is ${JSON.stringify(defaultVersionId)}, not ${JSON.stringify(versionId)}`,
      );
    }
  });
  if (!found && defaultVersionId !== undefined && versions.present) {
    r.add(
      'missing_field',
      versions.path,
      `no version in "PolicyVersionList" has the "DefaultVersionId" ${JSON.stringify(defaultVersionId)}, expected the default version with its document`,
    );
  }
  if (
    r.issues.length > before ||
    entityPath === undefined ||
    name === undefined ||
    arn === undefined ||
    defaultVersionId === undefined ||
    document === undefined
  ) {
    return undefined;
  }
  const policy: ManagedPolicy = {
    arn: arn.text,
    name,
    path: entityPath,
    owner: arn.parts.account,
    defaultVersionId,
    document,
  };
  if (attachmentCount !== undefined) policy.attachmentCount = attachmentCount;
  return { value: policy, origin: r.origin(path) };
}

/** Reads `UserPolicyList` / `RolePolicyList` / `GroupPolicyList`. */
function readInlinePolicies(
  r: Reader,
  obj: Record<string, unknown>,
  key: string,
  path: JsonPath,
): InlinePolicy[] {
  const list = r.list(obj, key, path, 'inline policy objects');
  const out: InlinePolicy[] = [];
  const names = new Map<string, number>();
  list.values.forEach((v, i) => {
    const pPath = [...list.path, i];
    const policy = r.object(v, pPath, 'an inline policy object ({"PolicyName", "PolicyDocument"})');
    if (policy === undefined) return;
    const name = r.string(policy, 'PolicyName', pPath, 'the inline policy');
    let document: Record<string, unknown> | undefined;
    if (!Object.hasOwn(policy, 'PolicyDocument')) {
      r.add(
        'missing_field',
        pPath,
        'the inline policy has no "PolicyDocument" field, expected its policy document',
      );
    } else {
      document = r.document(policy.PolicyDocument, [...pPath, 'PolicyDocument']);
    }
    if (name === undefined) return;
    const first = names.get(name);
    if (first !== undefined) {
      r.add(
        'duplicate_key',
        [...pPath, 'PolicyName'],
        `the inline policy name ${JSON.stringify(name)} is already used by ${formatPath([...list.path, first])}, expected unique inline policy names`,
      );
      return;
    }
    names.set(name, i);
    if (document !== undefined) out.push({ name, document });
  });
  return out;
}

/** Reads `AttachedManagedPolicies` into policy ARNs. */
function readAttachedPolicies(r: Reader, obj: Record<string, unknown>, path: JsonPath): string[] {
  const list = r.list(obj, 'AttachedManagedPolicies', path, 'attached policy objects');
  const out: string[] = [];
  list.values.forEach((v, i) => {
    const aPath = [...list.path, i];
    const attached = r.object(v, aPath, 'an attached policy object ({"PolicyName", "PolicyArn"})');
    if (attached === undefined) return;
    r.string(attached, 'PolicyName', aPath, 'the attached policy', { optional: true });
    const arn = r.policyArn(attached, 'PolicyArn', aPath, 'the attached policy');
    if (arn !== undefined && !out.includes(arn)) out.push(arn);
  });
  return out;
}

/** Reads `Tags` into a Map (keys are user data). */
function readTags(r: Reader, obj: Record<string, unknown>, path: JsonPath): Map<string, string> {
  const list = r.list(obj, 'Tags', path, 'tag objects');
  const tags = new Map<string, string>();
  const where = new Map<string, number>();
  list.values.forEach((v, i) => {
    const tPath = [...list.path, i];
    const tag = r.object(v, tPath, 'a tag object ({"Key", "Value"})');
    if (tag === undefined) return;
    const key = r.string(tag, 'Key', tPath, 'the tag');
    const value = r.string(tag, 'Value', tPath, 'the tag', { allowEmpty: true });
    if (key === undefined || value === undefined) return;
    const first = where.get(key);
    if (first !== undefined) {
      r.add(
        'duplicate_key',
        [...tPath, 'Key'],
        `the tag key ${JSON.stringify(key)} is already used by ${formatPath([...list.path, first])}, expected unique tag keys`,
      );
      return;
    }
    where.set(key, i);
    tags.set(key, value);
  });
  return tags;
}

/** Reads `PermissionsBoundary` into the boundary policy's ARN. */
function readBoundary(r: Reader, obj: Record<string, unknown>, path: JsonPath): string | undefined {
  if (!Object.hasOwn(obj, 'PermissionsBoundary')) return undefined;
  const bPath = [...path, 'PermissionsBoundary'];
  const boundary = r.object(
    obj.PermissionsBoundary,
    bPath,
    'a permissions boundary object ({"PermissionsBoundaryType", "PermissionsBoundaryArn"})',
  );
  if (boundary === undefined) return undefined;
  const type = r.string(boundary, 'PermissionsBoundaryType', bPath, 'the permissions boundary', {
    optional: true,
  });
  if (type !== undefined && type !== 'Policy') {
    r.add(
      'invalid_value',
      [...bPath, 'PermissionsBoundaryType'],
      `"PermissionsBoundaryType" is ${describeJsonValue(type)}, expected "Policy"`,
    );
  }
  return r.policyArn(boundary, 'PermissionsBoundaryArn', bPath, 'the permissions boundary');
}

/** Reads `RoleLastUsed.LastUsedDate` (`RoleLastUsed` is `{}` for a role never used). */
function readRoleLastUsed(
  r: Reader,
  obj: Record<string, unknown>,
  path: JsonPath,
): Date | undefined {
  if (!Object.hasOwn(obj, 'RoleLastUsed')) return undefined;
  const lPath = [...path, 'RoleLastUsed'];
  const last = r.object(obj.RoleLastUsed, lPath, 'an object ({"LastUsedDate", "Region"} or {})');
  if (last === undefined) return undefined;
  r.string(last, 'Region', lPath, 'RoleLastUsed', { optional: true });
  return r.date(last, 'LastUsedDate', lPath, 'RoleLastUsed', { optional: true });
}

/** Options of the {@link Reader}'s field readers. */
interface FieldOptions {
  /** Absent is fine (the reader returns `undefined`). */
  optional?: boolean;
  /** For strings: the empty string is fine. */
  allowEmpty?: boolean;
}

/** Reads typed fields out of the parsed file, recording an issue for each problem. */
class Reader {
  readonly issues: Issue[] = [];

  constructor(
    readonly source: string,
    private readonly locate: (path: JsonPath) => JsonLocation | undefined,
  ) {}

  /** Records an issue at `path`, with its line and column. */
  add(code: IssueCode, path: JsonPath, message: string, at?: JsonLocation): void {
    const issue: Issue = { code, path: formatPath(path), message, source: this.source };
    const loc = at ?? this.locateNearest(path);
    if (loc !== undefined) {
      issue.line = loc.line;
      issue.column = loc.column;
    }
    this.issues.push(issue);
  }

  /** Where the value at `path` is, as an {@link EntityOrigin}. */
  origin(path: JsonPath): EntityOrigin {
    const origin: EntityOrigin = { source: this.source, path: formatPath(path) };
    const at = this.locate(path);
    if (at !== undefined) {
      origin.line = at.line;
      origin.column = at.column;
    }
    return origin;
  }

  /** `value` when it is an object, else an issue. */
  object(value: unknown, path: JsonPath, expected: string): Record<string, unknown> | undefined {
    if (isRecord(value)) return value;
    this.add('invalid_type', path, `expected ${expected}, found ${describeJsonValue(value)}`);
    return undefined;
  }

  /**
   * The array `obj[key]`: empty when absent (unless `required`), and `present` says whether it was
   * there and an array.
   */
  list(
    obj: Record<string, unknown>,
    key: string,
    path: JsonPath,
    expected: string,
    options: { required?: boolean } = {},
  ): { values: readonly unknown[]; path: JsonPath; present: boolean } {
    const lPath = [...path, key];
    if (!Object.hasOwn(obj, key)) {
      if (options.required) {
        this.add(
          'missing_field',
          path,
          `there is no "${key}" field, expected an array of ${expected}`,
        );
      }
      return { values: [], path: lPath, present: false };
    }
    const value = obj[key];
    if (Array.isArray(value)) return { values: value, path: lPath, present: true };
    this.add(
      'invalid_type',
      lPath,
      `"${key}" must be an array of ${expected}, found ${describeJsonValue(value)}`,
    );
    return { values: [], path: lPath, present: false };
  }

  /** The string `obj[key]` (non-empty unless `allowEmpty`), required unless `optional`. */
  string(
    obj: Record<string, unknown>,
    key: string,
    path: JsonPath,
    what: string,
    options: FieldOptions = {},
  ): string | undefined {
    if (!Object.hasOwn(obj, key)) {
      if (!options.optional)
        this.add('missing_field', path, `${what} has no "${key}" field, expected a string`);
      return undefined;
    }
    const value = obj[key];
    const fPath = [...path, key];
    if (typeof value !== 'string') {
      this.add(
        'invalid_type',
        fPath,
        `"${key}" must be a string, found ${describeJsonValue(value)}`,
      );
      return undefined;
    }
    if (value === '' && !options.allowEmpty) {
      this.add('invalid_value', fPath, `"${key}" is an empty string, expected a non-empty string`);
      return undefined;
    }
    return value;
  }

  /** `value` when it is a non-empty string, else an issue. */
  nonEmptyString(value: unknown, path: JsonPath, expected: string): string | undefined {
    if (typeof value === 'string' && value !== '') return value;
    this.add(
      'invalid_type',
      path,
      `expected ${expected} (a non-empty string), found ${describeJsonValue(value)}`,
    );
    return undefined;
  }

  /** The optional boolean `obj[key]`. */
  boolean(obj: Record<string, unknown>, key: string, path: JsonPath): boolean | undefined {
    if (!Object.hasOwn(obj, key)) return undefined;
    const value = obj[key];
    if (typeof value === 'boolean') return value;
    this.add(
      'invalid_type',
      [...path, key],
      `"${key}" must be true or false, found ${describeJsonValue(value)}`,
    );
    return undefined;
  }

  /** The date-time `obj[key]`, required unless `optional`. */
  date(
    obj: Record<string, unknown>,
    key: string,
    path: JsonPath,
    what: string,
    options: FieldOptions = {},
  ): Date | undefined {
    if (!Object.hasOwn(obj, key)) {
      if (!options.optional) {
        this.add(
          'missing_field',
          path,
          `${what} has no "${key}" field, expected ${ISO_DATE_TIME_EXPECTED}`,
        );
      }
      return undefined;
    }
    const value = obj[key];
    const date = typeof value === 'string' ? parseIsoDateTime(value) : undefined;
    if (date === undefined) {
      this.add(
        typeof value === 'string' ? 'invalid_value' : 'invalid_type',
        [...path, key],
        `"${key}" must be ${ISO_DATE_TIME_EXPECTED}, found ${describeJsonValue(value)}`,
      );
    }
    return date;
  }

  /** The entity's `Path`: a string that starts and ends with `/`. */
  entityPath(obj: Record<string, unknown>, path: JsonPath, what: string): string | undefined {
    const value = this.string(obj, 'Path', path, what);
    if (value === undefined) return undefined;
    if (value.startsWith('/') && value.endsWith('/')) return value;
    this.add(
      'invalid_value',
      [...path, 'Path'],
      `"Path" is ${describeJsonValue(value)}, expected a path that starts and ends with "/", such as "/" or "/service-role/"`,
    );
    return undefined;
  }

  /**
   * The entity's `Arn`: an IAM ARN of type `type`, in an account (or `aws` for a policy), that is
   * the ARN of `entityPath` + `name` when both are known.
   */
  arn(
    obj: Record<string, unknown>,
    path: JsonPath,
    type: 'user' | 'role' | 'group' | 'policy',
    entityPath: string | undefined,
    name: string | undefined,
    nameKey: string,
  ): { text: string; parts: IamArn } | undefined {
    const text = this.string(
      obj,
      'Arn',
      path,
      `the ${type === 'policy' ? 'managed policy' : type}`,
    );
    if (text === undefined) return undefined;
    const parts = parseIamArn(text);
    const aPath = [...path, 'Arn'];
    if (
      parts === undefined ||
      parts.resourceType !== type ||
      (type !== 'policy' && parts.account === 'aws')
    ) {
      this.add(
        'invalid_value',
        aPath,
        `"Arn" is ${describeJsonValue(text)}, expected an IAM ${type} ARN such as "arn:aws:iam::123456789012:${type}/${type === 'role' ? 'service-role/' : ''}name"`,
      );
      return undefined;
    }
    if (
      entityPath !== undefined &&
      name !== undefined &&
      (parts.path !== entityPath || parts.name !== name)
    ) {
      const expected = formatIamArn({ ...parts, path: entityPath, name });
      this.add(
        'invalid_value',
        aPath,
        `"Arn" is ${describeJsonValue(text)}, which does not match "Path" ${JSON.stringify(entityPath)} and "${nameKey}" ${JSON.stringify(name)}: expected ${JSON.stringify(expected)}`,
      );
      return undefined;
    }
    return { text, parts };
  }

  /** A required managed-policy ARN field (customer-managed or AWS-managed). */
  policyArn(
    obj: Record<string, unknown>,
    key: string,
    path: JsonPath,
    what: string,
  ): string | undefined {
    const text = this.string(obj, key, path, what);
    if (text === undefined) return undefined;
    if (parseIamArn(text)?.resourceType === 'policy') return text;
    this.add(
      'invalid_value',
      [...path, key],
      `"${key}" is ${describeJsonValue(text)}, expected a managed policy ARN such as "arn:aws:iam::123456789012:policy/name" or "arn:aws:iam::aws:policy/ReadOnlyAccess"`,
    );
    return undefined;
  }

  /**
   * A policy document (a JSON object, or URL-encoded JSON text) validated with {@link parsePolicy};
   * its issues are recorded at their path in the file.
   */
  document(value: unknown, path: JsonPath): Record<string, unknown> | undefined {
    if (typeof value !== 'string' && !isRecord(value)) {
      this.add(
        'invalid_type',
        path,
        `expected a policy document (a JSON object, or URL-encoded JSON text), found ${describeJsonValue(value)}`,
      );
      return undefined;
    }
    try {
      // The wrapper makes parsePolicy treat strings as embedded documents (URL-encoded or JSON)
      // and report every path under `$.PolicyDocument`.
      return parsePolicy({ PolicyDocument: value }, { source: this.source }).raw;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const subPaths = typeof value === 'string' ? new Map<string, JsonPath>() : pathsOf(value);
      for (const issue of error.issues) {
        const rel = issue.path.slice(WRAPPER.length);
        const sub = subPaths.get(rel === '' ? '$' : `$${rel}`);
        const at = sub === undefined ? this.locate(path) : this.locateNearest([...path, ...sub]);
        const moved: Issue = { ...issue, path: formatPath(path) + rel, source: this.source };
        delete moved.line;
        delete moved.column;
        if (at !== undefined) {
          moved.line = at.line;
          moved.column = at.column;
        }
        this.issues.push(moved);
      }
      return undefined;
    }
  }

  /** The location of `path`, or of its nearest located ancestor (a missing member's object). */
  private locateNearest(path: JsonPath): JsonLocation | undefined {
    for (let n = path.length; n >= 0; n--) {
      const at = this.locate(path.slice(0, n));
      if (at !== undefined) return at;
    }
    return undefined;
  }
}

/** The path prefix of a document inside the `{PolicyDocument}` wrapper. */
const WRAPPER = formatPath(['PolicyDocument']);

/** Every path inside `value`, by its formatted form (`$`, `$.Statement[0]`, ...). */
function pathsOf(value: unknown): Map<string, JsonPath> {
  const out = new Map<string, JsonPath>();
  const walk = (v: unknown, path: (string | number)[]): void => {
    out.set(formatPath(path), [...path]);
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...path, i]));
    } else if (isRecord(v)) {
      for (const key of Object.keys(v)) walk(v[key], [...path, key]);
    }
  };
  walk(value, []);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
