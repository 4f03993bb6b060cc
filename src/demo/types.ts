/**
 * The demo account's model: who exists, what they may do, how they behave, and what a scan of the
 * generated files must find (the ground truth the generator knows).
 */
import type { NotEvaluatedReason } from '../findings/types.js';
import type { ResourceHints } from './operations.js';

/** An IAM policy document, as plain JSON. */
export type PolicyJson = Record<string, unknown>;

/** An inline policy. */
export interface InlineSpec {
  name: string;
  document: PolicyJson;
  /** Written as a URL-encoded string, as the raw API and SDKs return documents. */
  urlEncoded?: boolean;
}

/** A customer-managed policy (earlier versions first; the last one is the default). */
export interface CustomerPolicySpec {
  name: string;
  path: string;
  description: string;
  createdDaysAgo: number;
  versions: { document: PolicyJson; daysAgo: number }[];
}

/**
 * One way a principal calls AWS: a weighted mix of operations, where and when, and with which
 * credentials.
 */
export interface ActivitySpec {
  /** Relative share of the account's events. */
  weight: number;
  /** Operation key (see operations.ts), weight, and the share of calls that are denied. */
  ops: readonly (readonly [string, number, number?])[];
  /** Regions of the calls (default `['us-east-1']`; global services always log in us-east-1). */
  regions?: readonly string[];
  /** First day of activity, in days before the end of the logs (default: the start of the logs). */
  fromDaysAgo?: number;
  /** Last day of activity, in days before the end (default 0: until the end). */
  untilDaysAgo?: number;
  /**
   * Credentials: a role session, a user's access key 1 or 2, a user's console session (which
   * signs in with `ConsoleLogin` first).
   */
  via: 'session' | 'key1' | 'key2' | 'console';
  /** Role session names to pick from (default: generated ids). */
  sessionNames?: readonly string[];
  /** User agents to pick from. */
  userAgents: readonly string[];
  /** Source IP pool, or an AWS service name for calls made by a service. */
  source: 'office' | 'home' | 'ci' | 'vpc' | 'scanner' | `service:${string}`;
  /** People work office hours on weekdays; services run around the clock. */
  human?: boolean;
  /** Resource names for the requests. */
  res?: ResourceHints;
}

/** What the scan must say about a principal. */
export interface PrincipalExpectation {
  /** `UnusedIAMRole`. */
  unusedRole?: boolean;
  /** `UnusedIAMUserPassword`. */
  unusedPassword?: boolean;
  /** `UnusedIAMUserAccessKey` for these credential-report slots. */
  unusedKeys?: readonly (1 | 2)[];
  /** Not evaluated, for this reason. */
  notEvaluated?: NotEvaluatedReason;
  /** Has an `UnusedPermission` finding (false: active and uses every observable permission). */
  unusedPermission?: boolean;
  /** Services its policies allow that must be reported unused as a whole. */
  unusedServices?: readonly string[];
  /** Actions (`service:Action`) that must be reported unused. */
  unusedActions?: readonly string[];
}

/** Common fields of roles and users. */
interface PrincipalSpecBase {
  name: string;
  path: string;
  createdDaysAgo: number;
  /** Keys of attached managed policies: `aws:<name>` or `customer:<name>`. */
  managed: readonly string[];
  inline: readonly InlineSpec[];
  tags?: Readonly<Record<string, string>>;
  /** Key of the permissions boundary policy. */
  boundary?: string;
  activity: readonly ActivitySpec[];
  expect: PrincipalExpectation;
  /** One line on what the principal is (shown nowhere but the source; helps readers). */
  about: string;
}

/** A role. */
export interface RoleSpec extends PrincipalSpecBase {
  kind: 'role';
  description?: string;
  trust: PolicyJson;
  /** Last use recorded by IAM (`RoleLastUsed`) before the logs start, in days before the end. */
  lastUsedBeforeLogsDaysAgo?: number;
  /** An EC2 instance profile of the same name. */
  instanceProfile?: boolean;
  maxSessionDuration?: number;
}

/** An access key of a user. */
export interface KeySpec {
  active: boolean;
  createdDaysAgo: number;
  /** Last use before the logs start (days before the end); events in the logs override it. */
  lastUsedBeforeLogsDaysAgo?: number;
  lastUsedService?: string;
}

/** A user. */
export interface UserSpec extends PrincipalSpecBase {
  kind: 'user';
  groups: readonly string[];
  password?: {
    /** Last sign-in before the logs start (days before the end); ConsoleLogin events override. */
    lastUsedBeforeLogsDaysAgo?: number;
    changedDaysAgo: number;
  };
  mfa: boolean;
  keys: readonly KeySpec[];
}

/** A group. */
export interface GroupSpec {
  name: string;
  path: string;
  createdDaysAgo: number;
  managed: readonly string[];
  inline: readonly InlineSpec[];
}

/** The ground truth of a demo account: what a scan of the generated files must report. */
export interface DemoExpectations {
  accountId: string;
  /** The scan time (`--now`): the end of the logs. */
  now: string;
  trackingPeriodDays: number;
  /** Services whose data events the logs contain. */
  dataEventServices: string[];
  /** Role ARNs with an `UnusedIAMRole` finding (exactly these). */
  unusedRoles: string[];
  /** User ARNs with an `UnusedIAMUserPassword` finding (exactly these). */
  unusedPasswords: string[];
  /** `UnusedIAMUserAccessKey` findings (exactly these), by credential-report slot. */
  unusedAccessKeys: { user: string; accessKeyId: 'access_key_1' | 'access_key_2' }[];
  /** Principals not evaluated (exactly these), and why. */
  notEvaluated: { resource: string; reason: NotEvaluatedReason }[];
  /** Principals with an `UnusedPermission` finding (exactly these). */
  unusedPermission: string[];
  /** Per principal: services that must be reported unused as a whole. */
  unusedServices: Record<string, string[]>;
  /** Per principal: actions (`service:Action`) that must be reported unused. */
  unusedActions: Record<string, string[]>;
  /**
   * Per principal: the actions it called in the tracking period (the IAM action each call is
   * authorized by, denied calls included). None of them may be reported unused, and no
   * recommendation may remove one its policies allow.
   */
  usedActions: Record<string, string[]>;
}
