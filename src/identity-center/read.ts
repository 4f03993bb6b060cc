/**
 * Reads and validates a `--permission-sets` file (format in ./types.ts). Every problem is
 * collected as an {@link Issue} naming the JSON path and line, and all are thrown together. The
 * file is hostile input: only the known members are copied into fresh objects, and an inline policy
 * must be a JSON object (it is refined later).
 */
import { ValidationError, type Issue } from '../errors.js';
import {
  describeJsonValue,
  formatPath,
  parseJson,
  type JsonPath,
  type ParsedJson,
} from '../json/parse.js';
import {
  PERMISSION_SETS_FORMAT,
  type AttachedManagedPolicy,
  type CustomerManagedPolicyReference,
  type IdentityCenterInstance,
  type PermissionSet,
  type PermissionSetsFile,
  type PermissionsBoundary,
} from './types.js';

const INSTANCE_ARN = /^arn:aws[a-z-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/;
const PERMISSION_SET_ARN =
  /^arn:aws[a-z-]*:sso:::permissionSet\/(sso)?ins-[a-zA-Z0-9-.]{16}\/ps-[a-zA-Z0-9-./]{16}$/;
const MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/[\w+=,.@/-]+$/;
const ANY_POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;
const ACCOUNT = /^\d{12}$/;
const NAME = /^[\w+=,.@-]{1,32}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^(\/|\/[\u0021-\u007E]+\/)$/;
const DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

/**
 * Parses a permission-sets file.
 *
 * @param text - The file's text.
 * @param source - The file name, put on every issue.
 * @throws ValidationError listing every problem (path, line, what was expected).
 */
export function parsePermissionSets(text: string, source: string): PermissionSetsFile {
  const parsed = parseJson(text, source);
  const v = new Validator(parsed, source);
  const file = v.file(parsed.value);
  if (v.issues.length > 0) throw new ValidationError(v.issues);
  return file!;
}

class Validator {
  readonly issues: Issue[] = [];
  constructor(
    private readonly parsed: ParsedJson,
    private readonly source: string,
  ) {}

  private issue(code: Issue['code'], path: JsonPath, message: string): void {
    const loc = this.parsed.locate(path);
    this.issues.push({
      code,
      path: formatPath(path),
      message,
      source: this.source,
      ...(loc === undefined ? {} : { line: loc.line, column: loc.column }),
    });
  }

  private object(
    value: unknown,
    path: JsonPath,
    what: string,
  ): Record<string, unknown> | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
    this.issue(
      'invalid_type',
      path,
      `expected ${what} (an object), found ${describeJsonValue(value)}`,
    );
    return undefined;
  }

  private array(obj: Record<string, unknown>, key: string, path: JsonPath): unknown[] {
    const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (value === undefined) {
      this.issue('missing_field', path, `"${key}" is missing, expected an array`);
      return [];
    }
    if (!Array.isArray(value)) {
      this.issue(
        'invalid_type',
        [...path, key],
        `expected an array, found ${describeJsonValue(value)}`,
      );
      return [];
    }
    return value;
  }

  private string(
    obj: Record<string, unknown>,
    key: string,
    path: JsonPath,
    pattern: RegExp | undefined,
    expected: string,
    optional = false,
  ): string | undefined {
    const value = Object.hasOwn(obj, key) ? obj[key] : undefined;
    if (value === undefined) {
      if (!optional) this.issue('missing_field', path, `"${key}" is missing, expected ${expected}`);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.issue(
        'invalid_type',
        [...path, key],
        `expected ${expected}, found ${describeJsonValue(value)}`,
      );
      return undefined;
    }
    if (pattern !== undefined && !pattern.test(value)) {
      this.issue(
        'invalid_value',
        [...path, key],
        `expected ${expected}, found ${describeJsonValue(value)}`,
      );
      return undefined;
    }
    return value;
  }

  file(value: unknown): PermissionSetsFile | undefined {
    const obj = this.object(value, [], 'a permission-sets document');
    if (obj === undefined) return undefined;
    const format = Object.hasOwn(obj, 'format') ? obj.format : undefined;
    if (format !== PERMISSION_SETS_FORMAT) {
      this.issue(
        format === undefined ? 'missing_field' : 'invalid_value',
        format === undefined ? [] : ['format'],
        `expected "format": "${PERMISSION_SETS_FORMAT}" (the file iam-refine collect writes), found ${format === undefined ? 'none' : describeJsonValue(format)}`,
      );
    }
    const collectedAt = this.string(obj, 'collectedAt', [], undefined, 'an ISO-8601 time', true);
    const instances: IdentityCenterInstance[] = [];
    const seen = new Set<string>();
    this.array(obj, 'instances', []).forEach((item, i) => {
      const inst = this.instance(item, ['instances', i]);
      if (inst === undefined) return;
      for (const [j, ps] of inst.permissionSets.entries()) {
        if (seen.has(ps.permissionSetArn)) {
          this.issue(
            'invalid_value',
            ['instances', i, 'permissionSets', j, 'permissionSetArn'],
            `permission set ${ps.permissionSetArn} is listed twice`,
          );
        }
        seen.add(ps.permissionSetArn);
      }
      instances.push(inst);
    });
    return {
      format: PERMISSION_SETS_FORMAT,
      ...(collectedAt === undefined ? {} : { collectedAt }),
      instances,
    };
  }

  private instance(value: unknown, path: JsonPath): IdentityCenterInstance | undefined {
    const obj = this.object(value, path, 'an instance');
    if (obj === undefined) return undefined;
    const instanceArn = this.string(
      obj,
      'instanceArn',
      path,
      INSTANCE_ARN,
      'an instance ARN (arn:aws:sso:::instance/ssoins-0123456789abcdef)',
    );
    const identityStoreId = this.string(obj, 'identityStoreId', path, undefined, 'a string', true);
    const ownerAccountId = this.string(
      obj,
      'ownerAccountId',
      path,
      ACCOUNT,
      'a 12-digit account id',
      true,
    );
    const permissionSets: PermissionSet[] = [];
    this.array(obj, 'permissionSets', path).forEach((item, i) => {
      const ps = this.permissionSet(item, [...path, 'permissionSets', i], instanceArn);
      if (ps !== undefined) permissionSets.push(ps);
    });
    if (instanceArn === undefined) return undefined;
    return {
      instanceArn,
      ...(identityStoreId === undefined ? {} : { identityStoreId }),
      ...(ownerAccountId === undefined ? {} : { ownerAccountId }),
      permissionSets,
    };
  }

  private permissionSet(
    value: unknown,
    path: JsonPath,
    instanceArn: string | undefined,
  ): PermissionSet | undefined {
    const obj = this.object(value, path, 'a permission set');
    if (obj === undefined) return undefined;
    const before = this.issues.length;
    const arn = this.string(
      obj,
      'permissionSetArn',
      path,
      PERMISSION_SET_ARN,
      'a permission set ARN (arn:aws:sso:::permissionSet/ssoins-…/ps-…)',
    );
    if (arn !== undefined && instanceArn !== undefined) {
      const inst = instanceArn.slice(instanceArn.indexOf('instance/') + 'instance/'.length);
      if (!arn.includes(`:permissionSet/${inst}/`)) {
        this.issue(
          'invalid_value',
          [...path, 'permissionSetArn'],
          `the permission set ${arn} does not belong to instance ${instanceArn}`,
        );
      }
    }
    const name = this.string(
      obj,
      'name',
      path,
      NAME,
      'a permission set name (1-32 of [A-Za-z0-9_+=,.@-])',
    );
    const description = this.string(obj, 'description', path, undefined, 'a string', true);
    const sessionDuration = this.string(
      obj,
      'sessionDuration',
      path,
      DURATION,
      'an ISO-8601 duration such as PT8H',
      true,
    );
    let inlinePolicy: string | null = null;
    const inline = Object.hasOwn(obj, 'inlinePolicy') ? obj.inlinePolicy : undefined;
    if (inline === undefined) {
      this.issue(
        'missing_field',
        path,
        '"inlinePolicy" is missing, expected the policy text or null',
      );
    } else if (inline !== null && typeof inline !== 'string') {
      this.issue(
        'invalid_type',
        [...path, 'inlinePolicy'],
        `expected the inline policy's text (a string) or null, found ${describeJsonValue(inline)}`,
      );
    } else if (typeof inline === 'string') {
      let doc: unknown;
      try {
        doc = JSON.parse(inline);
      } catch {
        doc = undefined;
      }
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
        this.issue(
          'invalid_value',
          [...path, 'inlinePolicy'],
          'expected the inline policy to be the text of a JSON policy document (an object)',
        );
      } else inlinePolicy = inline;
    }
    const awsManagedPolicies: AttachedManagedPolicy[] = [];
    this.array(obj, 'awsManagedPolicies', path).forEach((item, i) => {
      const p = [...path, 'awsManagedPolicies', i];
      const m = this.object(item, p, 'an AWS managed policy');
      if (m === undefined) return;
      const mArn = this.string(
        m,
        'arn',
        p,
        MANAGED_POLICY_ARN,
        'an AWS managed policy ARN (arn:aws:iam::aws:policy/…)',
      );
      const mName = this.string(m, 'name', p, POLICY_NAME, 'a policy name');
      if (mArn !== undefined && mName !== undefined)
        awsManagedPolicies.push({ arn: mArn, name: mName });
    });
    const customerManagedPolicyReferences: CustomerManagedPolicyReference[] = [];
    this.array(obj, 'customerManagedPolicyReferences', path).forEach((item, i) => {
      const ref = this.reference(item, [...path, 'customerManagedPolicyReferences', i]);
      if (ref !== undefined) customerManagedPolicyReferences.push(ref);
    });
    let permissionsBoundary: PermissionsBoundary | undefined;
    const b = Object.hasOwn(obj, 'permissionsBoundary') ? obj.permissionsBoundary : undefined;
    if (b !== undefined && b !== null) {
      const bp = [...path, 'permissionsBoundary'];
      const bo = this.object(b, bp, 'a permissions boundary');
      if (bo !== undefined) {
        const managedPolicyArn = this.string(
          bo,
          'managedPolicyArn',
          bp,
          ANY_POLICY_ARN,
          'a policy ARN',
          true,
        );
        const refValue = Object.hasOwn(bo, 'customerManagedPolicyReference')
          ? bo.customerManagedPolicyReference
          : undefined;
        const ref =
          refValue === undefined
            ? undefined
            : this.reference(refValue, [...bp, 'customerManagedPolicyReference']);
        if ((managedPolicyArn === undefined) === (ref === undefined)) {
          this.issue(
            'conflicting_fields',
            bp,
            'expected exactly one of "managedPolicyArn" and "customerManagedPolicyReference"',
          );
        } else {
          permissionsBoundary =
            managedPolicyArn !== undefined
              ? { managedPolicyArn }
              : { customerManagedPolicyReference: ref! };
        }
      }
    }
    const accounts = new Set<string>();
    this.array(obj, 'accounts', path).forEach((item, i) => {
      if (typeof item === 'string' && ACCOUNT.test(item)) accounts.add(item);
      else {
        this.issue(
          'invalid_value',
          [...path, 'accounts', i],
          `expected a 12-digit account id, found ${describeJsonValue(item)}`,
        );
      }
    });
    if (this.issues.length > before || arn === undefined || name === undefined) return undefined;
    return {
      permissionSetArn: arn,
      name,
      ...(description === undefined ? {} : { description }),
      ...(sessionDuration === undefined ? {} : { sessionDuration }),
      inlinePolicy,
      awsManagedPolicies,
      customerManagedPolicyReferences,
      ...(permissionsBoundary === undefined ? {} : { permissionsBoundary }),
      accounts: [...accounts].sort(),
    };
  }

  private reference(value: unknown, path: JsonPath): CustomerManagedPolicyReference | undefined {
    const obj = this.object(value, path, 'a customer managed policy reference');
    if (obj === undefined) return undefined;
    const name = this.string(obj, 'name', path, POLICY_NAME, 'a policy name');
    const refPath = this.string(obj, 'path', path, PATH, 'a path such as / or /team/', true);
    return name === undefined ? undefined : { name, path: refPath ?? '/' };
  }
}
