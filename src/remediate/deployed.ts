/**
 * What was deployed from the sources, when the user gives it: Terraform's state as
 * `terraform show -json` prints it (resource address → ARN, names) and CloudFormation stacks'
 * resources as `aws cloudformation list-stack-resources` prints them (logical ID → physical ID).
 * Used to tell which source wrote which scanned policy when the names are not literal in the
 * source, or when several sources have the same document.
 */
import { ValidationError, type Issue } from '../errors.js';

/** What one source's deployment is known as. */
export interface DeployedNames {
  /** The managed policy's ARN. */
  arn?: string;
  /** The policy's name. */
  name?: string;
  /** For an inline policy: its principal's name. */
  principalName?: string;
}

/** Deployment records: state key (resource address or logical ID) → names; null when ambiguous. */
export type Deployed = Map<string, DeployedNames | null>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function put(map: Deployed, key: string, names: DeployedNames): void {
  map.set(key, map.has(key) ? null : names);
}

const PRINCIPAL_ATTR: ReadonlyMap<string, string> = new Map([
  ['aws_iam_role_policy', 'role'],
  ['aws_iam_user_policy', 'user'],
  ['aws_iam_group_policy', 'group'],
]);

/**
 * Reads `terraform show -json` output into `into` (resources of every module, keyed by
 * `TYPE.NAME` without the module path; a key seen twice is ambiguous).
 *
 * @throws ValidationError when the text is not that output.
 */
export function readTerraformState(
  value: unknown,
  source: string,
  into: Deployed = new Map(),
): Deployed {
  const root = isRecord(value) && isRecord(value.values) ? value.values.root_module : undefined;
  if (!isRecord(root)) {
    throw new ValidationError([
      issue(
        source,
        '$.values.root_module',
        'expected the output of `terraform show -json` (an object with values.root_module)',
      ),
    ]);
  }
  const walk = (module: Record<string, unknown>, depth: number) => {
    if (depth > 100) return;
    const resources = Array.isArray(module.resources) ? module.resources : [];
    for (const r of resources) {
      if (
        !isRecord(r) ||
        r.mode !== 'managed' ||
        typeof r.type !== 'string' ||
        typeof r.name !== 'string'
      )
        continue;
      const values = isRecord(r.values) ? r.values : {};
      const names: DeployedNames = {};
      if (typeof values.arn === 'string') names.arn = values.arn;
      if (typeof values.name === 'string') names.name = values.name;
      const attr = PRINCIPAL_ATTR.get(r.type);
      if (attr && typeof values[attr] === 'string') names.principalName = values[attr];
      // A role-policy's `role` may be written as the role's id, which is its name.
      if (r.type === 'aws_iam_role' && typeof values.name === 'string')
        names.principalName = values.name;
      put(into, `${r.type}.${r.name}`, names);
    }
    const children = Array.isArray(module.child_modules) ? module.child_modules : [];
    for (const c of children) if (isRecord(c)) walk(c, depth + 1);
  };
  walk(root, 0);
  return into;
}

/**
 * Reads `aws cloudformation list-stack-resources` output into `into` (logical ID → physical ID:
 * a managed policy's ARN, a role's, user's or group's name).
 *
 * @throws ValidationError when the text is not that output.
 */
export function readStackResources(
  value: unknown,
  source: string,
  into: Deployed = new Map(),
): Deployed {
  const list = isRecord(value) ? value.StackResourceSummaries : undefined;
  if (!Array.isArray(list)) {
    throw new ValidationError([
      issue(
        source,
        '$.StackResourceSummaries',
        'expected the output of `aws cloudformation list-stack-resources` (an object with StackResourceSummaries)',
      ),
    ]);
  }
  list.forEach((r: unknown, i) => {
    if (
      !isRecord(r) ||
      typeof r.LogicalResourceId !== 'string' ||
      typeof r.PhysicalResourceId !== 'string'
    ) {
      throw new ValidationError([
        issue(
          source,
          `$.StackResourceSummaries[${i}]`,
          'expected LogicalResourceId and PhysicalResourceId strings',
        ),
      ]);
    }
    const physical = r.PhysicalResourceId;
    const names: DeployedNames = physical.startsWith('arn:')
      ? { arn: physical }
      : { name: physical, principalName: physical };
    put(into, r.LogicalResourceId, names);
  });
  return into;
}

function issue(source: string, path: string, message: string): Issue {
  return { code: 'invalid_type', path, message, source };
}
