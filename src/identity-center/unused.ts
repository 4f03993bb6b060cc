/**
 * A permission set's unused permissions across the accounts it is provisioned to: the
 * intersection of the unused permissions of every role it created that was evaluated (DESIGN.md,
 * "Identity Center permission sets"). An action used by the role of any account stays; an account
 * without evidence (not scanned, role not found, role not evaluated) makes nothing unused and is
 * listed with the reason.
 *
 * Pure: works on the scan's findings and inventory.
 */
import type {
  Finding,
  NotEvaluated,
  ScanResult,
  UnusedPermissionDetails,
} from '../findings/types.js';
import type { Inventory } from '../inventory/types.js';
import { identityCenterRole } from './roles.js';
import type { PermissionSet } from './types.js';

/** What the scan knows of one account a permission set is provisioned to. */
export type AccountEvidenceStatus =
  /** The role was evaluated: its unused permissions take part in the intersection. */
  | 'EVALUATED'
  /** The role was evaluated and not used at all in the period (everything it allows is unused). */
  | 'ROLE_UNUSED'
  /** The role exists but was not evaluated (created in the period, excluded, ...). */
  | 'NOT_EVALUATED'
  /** The account was scanned but has no role of this permission set. */
  | 'ROLE_NOT_FOUND'
  /** The account's IAM data was not among the scan's inputs. */
  | 'ACCOUNT_NOT_SCANNED';

/** One provisioned account and the evidence it gives. */
export interface AccountEvidence {
  accountId: string;
  /** The permission set's role in the account, when found. */
  roleArn?: string;
  status: AccountEvidenceStatus;
  /** One sentence: what the scan found there. */
  detail: string;
  /** For `EVALUATED` roles: the id of their UnusedPermission finding, if any. */
  findingId?: string;
}

/**
 * An unused set: lower-case service → `'all'` or lower-case action → canonical name. `undefined`
 * stands for "everything" (every evaluated role was unused as a whole).
 */
export type UnusedMap = Map<string, 'all' | Map<string, string>>;

/** The permission set's unused permissions and the evidence. */
export interface PermissionSetUnused {
  accounts: AccountEvidence[];
  /** Accounts whose role was evaluated (`EVALUATED` or `ROLE_UNUSED`). */
  evaluatedAccounts: string[];
  /** Accounts without evidence (every other status). */
  unobservedAccounts: string[];
  /**
   * Unused by every evaluated role; `'everything'` when every evaluated role was unused as a whole;
   * empty when no role was evaluated.
   */
  unused: UnusedPermissionDetails[] | 'everything';
  /** Unused by some evaluated roles but used by others (they stay), per service. */
  usedSomewhere: UnusedPermissionDetails[];
  /**
   * Roles of this permission set's name found in accounts the permission set is not listed as
   * provisioned to (a stale export or file): not taken into account, listed.
   */
  unlistedRoles: string[];
}

/** The permission set's roles in the inventory, by account id (first role found per account). */
export function rolesOfPermissionSet(inventory: Inventory, name: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of inventory.principals.values()) {
    if (p.kind !== 'role') continue;
    const ic = identityCenterRole(p.path, p.name);
    if (ic === undefined || ic.permissionSetName !== name) continue;
    if (!out.has(p.accountId)) out.set(p.accountId, p.arn);
  }
  return out;
}

/** Indexes a scan result's findings and not-evaluated entries by resource ARN. */
export interface ScanIndex {
  findings: Map<string, Finding[]>;
  notEvaluated: Map<string, NotEvaluated>;
}

/** Builds the {@link ScanIndex} of a scan result. */
export function indexScan(result: ScanResult): ScanIndex {
  const findings = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const list = findings.get(f.resource);
    if (list === undefined) findings.set(f.resource, [f]);
    else list.push(f);
  }
  const notEvaluated = new Map<string, NotEvaluated>();
  for (const n of result.notEvaluated) notEvaluated.set(n.resource, n);
  return { findings, notEvaluated };
}

/** The unused set of one finding's details. */
export function unusedMapOf(details: readonly UnusedPermissionDetails[]): UnusedMap {
  const map: UnusedMap = new Map();
  for (const d of details) {
    const service = d.serviceNamespace.toLowerCase();
    if (d.actions === undefined) {
      map.set(service, 'all');
      continue;
    }
    const prev = map.get(service);
    if (prev === 'all') continue;
    const actions = prev ?? new Map<string, string>();
    for (const a of d.actions) actions.set(a.action.toLowerCase(), a.action);
    map.set(service, actions);
  }
  return map;
}

/** The intersection of two unused sets (`undefined`: everything). */
export function intersectUnused(
  a: UnusedMap | undefined,
  b: UnusedMap | undefined,
): UnusedMap | undefined {
  if (a === undefined) return b === undefined ? undefined : new Map(b);
  if (b === undefined) return new Map(a);
  const out: UnusedMap = new Map();
  for (const [service, x] of a) {
    const y = b.get(service);
    if (y === undefined) continue;
    if (x === 'all') out.set(service, y === 'all' ? 'all' : new Map(y));
    else if (y === 'all') out.set(service, new Map(x));
    else {
      const both = new Map<string, string>();
      for (const [k, name] of x) if (y.has(k)) both.set(k, name);
      if (both.size > 0) out.set(service, both);
    }
  }
  return out;
}

/** The union of two unused sets. */
function unionUnused(a: UnusedMap, b: UnusedMap): UnusedMap {
  const out: UnusedMap = new Map(a);
  for (const [service, y] of b) {
    const x = out.get(service);
    if (x === undefined) out.set(service, y === 'all' ? 'all' : new Map(y));
    else if (x === 'all' || y === 'all') out.set(service, 'all');
    else out.set(service, new Map([...x, ...y]));
  }
  return out;
}

/** An unused set as finding details, services and actions sorted. */
export function detailsOf(map: UnusedMap): UnusedPermissionDetails[] {
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([serviceNamespace, v]) =>
      v === 'all'
        ? { serviceNamespace }
        : {
            serviceNamespace,
            actions: [...v.values()].sort().map((action) => ({ action })),
          },
    );
}

/**
 * The evidence of each provisioned account and the intersection of the evaluated roles' unused
 * permissions.
 */
export function permissionSetUnused(
  ps: PermissionSet,
  inventory: Inventory,
  scan: ScanIndex,
): PermissionSetUnused {
  const roles = rolesOfPermissionSet(inventory, ps.name);
  const accounts: AccountEvidence[] = [];
  let intersection: UnusedMap | undefined;
  let union: UnusedMap = new Map();
  let evaluated = 0;
  let allUnused = 0;
  for (const accountId of ps.accounts) {
    const roleArn = roles.get(accountId);
    if (roleArn === undefined) {
      accounts.push(
        inventory.accounts.has(accountId)
          ? {
              accountId,
              status: 'ROLE_NOT_FOUND',
              detail: `the account was scanned but has no role AWSReservedSSO_${ps.name}_… (provisioned after the export?)`,
            }
          : {
              accountId,
              status: 'ACCOUNT_NOT_SCANNED',
              detail: "the account's IAM data was not among the scan's inputs",
            },
      );
      continue;
    }
    const skipped = scan.notEvaluated.get(roleArn);
    if (skipped !== undefined) {
      accounts.push({
        accountId,
        roleArn,
        status: 'NOT_EVALUATED',
        detail: `${skipped.reason}: ${skipped.detail}`,
      });
      continue;
    }
    const findings = scan.findings.get(roleArn) ?? [];
    evaluated++;
    if (findings.some((f) => f.findingType === 'UnusedIAMRole')) {
      allUnused++;
      accounts.push({
        accountId,
        roleArn,
        status: 'ROLE_UNUSED',
        detail: 'the role was not used in the tracking period',
      });
      continue;
    }
    const perm = findings.find((f) => f.findingType === 'UnusedPermission');
    const details = (perm?.findingDetails ?? []).flatMap((d) =>
      'unusedPermissionDetails' in d ? [d.unusedPermissionDetails] : [],
    );
    const map = unusedMapOf(details);
    intersection = intersectUnused(intersection, map);
    union = unionUnused(union, map);
    accounts.push({
      accountId,
      roleArn,
      status: 'EVALUATED',
      detail:
        perm === undefined
          ? 'the role used every observable permission it has'
          : `${details.length} service(s) with unused permissions`,
      ...(perm === undefined ? {} : { findingId: perm.id }),
    });
  }
  const evaluatedAccounts = accounts
    .filter((a) => a.status === 'EVALUATED' || a.status === 'ROLE_UNUSED')
    .map((a) => a.accountId);
  const unobservedAccounts = accounts
    .filter((a) => a.status !== 'EVALUATED' && a.status !== 'ROLE_UNUSED')
    .map((a) => a.accountId);
  let unused: PermissionSetUnused['unused'];
  if (evaluated === 0) unused = [];
  else if (allUnused === evaluated) unused = 'everything';
  else unused = detailsOf(intersection ?? new Map());
  const usedSomewhere: UnusedPermissionDetails[] = [];
  if (unused !== 'everything') {
    const everywhere = intersection ?? new Map();
    for (const d of detailsOf(union)) {
      const e = everywhere.get(d.serviceNamespace);
      if (e === undefined) usedSomewhere.push(d);
      else if (e === 'all') continue;
      else if (d.actions === undefined)
        usedSomewhere.push({ serviceNamespace: d.serviceNamespace });
      else {
        const rest = d.actions.filter((a) => !e.has(a.action.toLowerCase()));
        if (rest.length > 0)
          usedSomewhere.push({ serviceNamespace: d.serviceNamespace, actions: rest });
      }
    }
  }
  const listed = new Set(ps.accounts);
  const unlistedRoles = [...roles.entries()]
    .filter(([account]) => !listed.has(account))
    .map(([, arn]) => arn)
    .sort();
  return { accounts, evaluatedAccounts, unobservedAccounts, unused, usedSomewhere, unlistedRoles };
}
