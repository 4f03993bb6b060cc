/**
 * The shapes the findings engine produces. Findings follow IAM Access Analyzer's `GetFindingV2`
 * response and recommendations its `GetFindingRecommendation` response, field for field (dates are
 * ISO-8601 strings), so that people and scripts that know AWS can read them; `policies` and the
 * scan-level fields are iam-refine's own additions.
 */
import type { SourceCoverage } from '../activity/coverage.js';
import type { AccessLevel } from '../catalog/catalog.js';
import type { FormSummary } from '../refine/forms/choose.js';
import type { RecommendedAction, RefineWarning } from '../refine/types.js';

/** The four unused-access finding types of Access Analyzer. */
export type FindingType =
  'UnusedIAMRole' | 'UnusedIAMUserAccessKey' | 'UnusedIAMUserPassword' | 'UnusedPermission';

/** Every finding type, in the order summaries list them. */
export const FINDING_TYPES: readonly FindingType[] = [
  'UnusedIAMRole',
  'UnusedIAMUserPassword',
  'UnusedIAMUserAccessKey',
  'UnusedPermission',
];

/** The resource types unused-access findings are about. */
export type ResourceType = 'AWS::IAM::Role' | 'AWS::IAM::User';

/** `UnusedAction`: one action of a used service that was not used in the tracking period. */
export interface UnusedAction {
  /** The action name without the service prefix, in the catalog's casing (e.g. `GetObject`). */
  action: string;
  /** Its last use before the tracking period, when known. */
  lastAccessed?: string;
}

/** `UnusedPermissionDetails`: one service the principal's policies allow. */
export interface UnusedPermissionDetails {
  /** Service prefix, e.g. `s3`. */
  serviceNamespace: string;
  /** The unused actions; absent when the whole service was unused. */
  actions?: UnusedAction[];
  /** Last use of the service before the tracking period, when known. */
  lastAccessed?: string;
}

/** `UnusedIamUserAccessKeyDetails`. */
export interface UnusedIamUserAccessKeyDetails {
  /** The key id when known, else the credential report slot (`access_key_1` or `access_key_2`). */
  accessKeyId: string;
  /** Last use, when known. */
  lastAccessed?: string;
}

/** `UnusedIamRoleDetails`. */
export interface UnusedIamRoleDetails {
  /** Last activity of the role, when known. */
  lastAccessed?: string;
}

/** `UnusedIamUserPasswordDetails`. */
export interface UnusedIamUserPasswordDetails {
  /** Last console sign-in, when known. */
  lastAccessed?: string;
}

/** `FindingDetails`: a union, exactly one member is set. */
export type FindingDetails =
  | { unusedPermissionDetails: UnusedPermissionDetails }
  | { unusedIamUserAccessKeyDetails: UnusedIamUserAccessKeyDetails }
  | { unusedIamRoleDetails: UnusedIamRoleDetails }
  | { unusedIamUserPasswordDetails: UnusedIamUserPasswordDetails };

/** `UnusedPermissionsRecommendedStep` (inside a `RecommendedStep` union). */
export interface UnusedPermissionsRecommendedStep {
  /** When the existing policy was last updated, when known (the inventory does not say). */
  policyUpdatedAt?: string;
  /** `CREATE_POLICY`: create `recommendedPolicy` to replace `existingPolicyId`; `DETACH_POLICY`. */
  recommendedAction: 'CREATE_POLICY' | 'DETACH_POLICY';
  /** The refined policy document as compact JSON text (CREATE_POLICY only). */
  recommendedPolicy?: string;
  /** The managed policy ARN, or the inline policy's name. */
  existingPolicyId?: string;
}

/** `RecommendedStep`. */
export interface FindingRecommendedStep {
  unusedPermissionsRecommendedStep: UnusedPermissionsRecommendedStep;
}

/** The `GetFindingRecommendation` response for one `UnusedPermission` finding. */
export interface FindingRecommendation {
  recommendationType: 'UnusedPermissionRecommendation';
  /** `FAILED` only when refining one of the policies hit an internal error (see `error`). */
  status: 'SUCCEEDED' | 'FAILED';
  /** The principal's ARN. */
  resourceArn: string;
  startedAt: string;
  completedAt: string;
  /** Per refined policy: CREATE_POLICY then DETACH_POLICY, or DETACH_POLICY alone. */
  recommendedSteps: FindingRecommendedStep[];
  /** Why the recommendation failed (steps of the policies that did succeed are still listed). */
  error?: { code: string; message: string };
}

/** Where a policy the principal has comes from. */
export type PolicyType =
  'AWS_MANAGED' | 'CUSTOMER_MANAGED' | 'INLINE' | 'GROUP_INLINE' | 'GROUP_MANAGED';

/** What a policy recommendation does that Access Analyzer would not do, or why it is missing. */
export interface PolicyLabel {
  /**
   * - `NOT_ACTION_POLICY`: the policy has an Allow statement with `NotAction` (Access Analyzer
   *   gives no recommendation for such policies; iam-refine refines them, rule 4 of DESIGN.md).
   * - `GROUP_POLICY`: a group's policy, refined only with the actions unused by every member of
   *   the group (Access Analyzer does not refine group policies).
   * - `GROUP_POLICY_NOT_REFINED`: a group's policy that grants some of this principal's unused
   *   permissions but is left as it is (a member is not evaluated or has no UnusedPermission
   *   finding, or the other members use those permissions).
   * - `IDENTITY_CENTER_ROLE`: the principal is a role IAM Identity Center created
   *   (`AWSReservedSSO_…`): IAM refuses to change it, so no IAM step is given; the permission
   *   set's recommendation (scan output `permissionSets`) makes the change in Identity Center.
   * - `IAM_REFINE_RECOMMENDATION`: an imported Access Analyzer finding had no recommendation (or a
   *   failed one); this one is iam-refine's, from the live policy (`import-analyzer`). Also the
   *   label of the policies of `iamRefineRecommendation` (made next to Access Analyzer's).
   */
  code:
    | 'NOT_ACTION_POLICY'
    | 'GROUP_POLICY'
    | 'GROUP_POLICY_NOT_REFINED'
    | 'IDENTITY_CENTER_ROLE'
    | 'IAM_REFINE_RECOMMENDATION';
  /** One sentence. */
  message: string;
}

/** The exactness proof, summarised (see `Proof` in src/refine/types.ts). */
export interface ProofSummary {
  /** Always true for a listed refinement (one that fails its proof is never output). */
  exact: boolean;
  /** Catalog actions checked per statement. */
  catalogActions: number;
  /** Statement pairs compared. */
  statementsChecked: number;
  /** New patterns checked for containment in the pattern they replace. */
  patternsChecked: number;
}

/**
 * Per-policy detail of a recommendation (iam-refine's addition to the AWS shapes). Findings whose
 * refinement of a policy is the same (a group policy, or a managed policy with the same unused
 * permissions) share the `policy`, `removedByAccessLevel` and `proof` objects: treat them as
 * read-only.
 */
export interface PolicyRecommendation {
  /** The step's `existingPolicyId`: the managed policy ARN or the inline policy name. */
  policyId: string;
  /** The policy's name. */
  policyName: string;
  policyType: PolicyType;
  /** For group policies: the group's ARN. */
  groupArn?: string;
  /** `NONE` only for a group policy that is not refined (see `labels`). */
  recommendedAction: RecommendedAction;
  /** The refined document (original key order and shapes kept), or null for DETACH/NONE. */
  policy: Record<string, unknown> | null;
  /**
   * Unused actions the refined policy no longer allows, by access level, except those of the
   * services in `removedServices` (which are named, not enumerated).
   */
  removedByAccessLevel: Partial<Record<AccessLevel | 'Unknown', string[]>>;
  /**
   * Services unused as a whole (the finding reports them without actions) of which the policy
   * allowed something: every action of them it allowed is removed. Absent when there is none.
   */
  removedServices?: string[];
  /** The exactness proof of the refinement (absent when not refined). */
  proof?: ProofSummary;
  /**
   * The policy document as it was when scanned (key order kept): the diff's left side, and what
   * `apply` compares the live policy with before it writes anything.
   */
  originalPolicy?: Record<string, unknown>;
  /** What Access Analyzer would not do here; absent when it would do the same. */
  labels?: PolicyLabel[];
  /** Input warnings of the refinement (unknown actions kept as written). */
  warnings?: RefineWarning[];
  /** Set when refining this policy failed (an internal error; no step is given for it). */
  error?: string;
  /**
   * The form of the recommended policy (article, compact, notaction or split), its size as IAM
   * counts it and the quota of where it will live (CREATE_POLICY only); `fits: false` when no
   * exact form fits (the smallest is given).
   */
  form?: FormSummary;
  /** For a split form: the policies to create, each a customer managed policy within 6,144. */
  parts?: Record<string, unknown>[];
}

/**
 * iam-refine's own recommendation for an imported finding that also has Access Analyzer's: the
 * same shapes as a finding's `recommendation` and `policies` (every policy proven, labelled
 * `IAM_REFINE_RECOMMENDATION`).
 */
export interface EngineRecommendation {
  recommendation: FindingRecommendation;
  policies: PolicyRecommendation[];
}

/** A `GetFindingV2` response, plus the recommendation and per-policy detail. */
export interface Finding {
  analyzedAt: string;
  createdAt: string;
  /** Stable across scans of the same data (see `findingId`). */
  id: string;
  /** The principal's ARN. */
  resource: string;
  resourceType: ResourceType;
  resourceOwnerAccount: string;
  status: 'ACTIVE';
  updatedAt: string;
  findingType: FindingType;
  findingDetails: FindingDetails[];
  /** `UnusedPermission` findings only. */
  recommendation?: FindingRecommendation;
  /** `UnusedPermission` findings only: the policies a recommendation concerns. */
  policies?: PolicyRecommendation[];
  /**
   * iam-refine's addition, imported findings only (`import-analyzer`): when Access Analyzer has a
   * recommendation (then `recommendation` and `policies` are Access Analyzer's and stay the
   * primary one), iam-refine's own, from the live policies, kept side by side with it.
   * `apply --use iam-refine` applies this one.
   */
  iamRefineRecommendation?: EngineRecommendation;
  /**
   * iam-refine's addition, only with `--allow-partial-coverage`: the principal's activity did not
   * cover the whole tracking period, and "unused" here means unused since this time (ISO 8601),
   * the start of the covered days that reach the period's end.
   */
  evaluatedSince?: string;
}

/** Why a principal was not evaluated. */
export type NotEvaluatedReason =
  | 'CREATED_IN_TRACKING_PERIOD'
  | 'SERVICE_LINKED_ROLE'
  | 'EXCLUDED_ACCOUNT'
  | 'EXCLUDED_TAG'
  /**
   * The activity of the principal's account (or its own last-accessed report) does not cover the
   * whole tracking period: no UnusedIAMRole or UnusedPermission finding can be claimed. A user's
   * password and access keys are still evaluated (the credential report is their evidence).
   */
  | 'INCOMPLETE_ACTIVITY_COVERAGE';

/** A principal the scan did not evaluate, and why (never silently skipped). */
export interface NotEvaluated {
  resource: string;
  resourceType: ResourceType;
  resourceOwnerAccount: string;
  reason: NotEvaluatedReason;
  /** One sentence, e.g. the creation date or the matching tag. */
  detail: string;
  /**
   * `INCOMPLETE_ACTIVITY_COVERAGE`: the first and last covered moment of the tracking period
   * (ISO 8601), when any day of it is covered.
   */
  coveredFrom?: string;
  coveredTo?: string;
}

/**
 * The evidence coverage of a scan (iam-refine's addition): whether every evaluated principal's
 * activity covered the tracking period, and what the sources cover.
 */
export interface ScanCoverage {
  /**
   * True when nothing was skipped, every source covers every evaluated principal's whole period,
   * and every declared data-event service has data events: the findings hold for the whole period.
   */
  complete: boolean;
  /** `--allow-partial-coverage` was given: partly covered principals were evaluated over a shortened period. */
  partialAllowed: boolean;
  /** Principals not evaluated because their activity does not cover the period. */
  notCovered: number;
  /** Principals evaluated over a shortened period (each finding has `evaluatedSince`). */
  shortened: number;
  /** The latest `evaluatedSince` of the shortened principals (the most shortened period). */
  shortestSince?: string;
  /**
   * Declared data-event services (`--data-events`) without any data event in the logs of some
   * accounts: there, their data-event-only actions are not evaluated as unused.
   */
  dataEventGaps: { service: string; accounts: string[] }[];
  /** Skipped input: log files, records, and which accounts/regions/days they cover. */
  skipped: { files: number; records: number; where: string[] };
  /** Per source (see `src/activity/coverage.ts`). */
  sources: {
    cloudtrail?: SourceCoverage;
    activity?: SourceCoverage;
    lastAccessed?: { arn: string; file: string; from: string; to: string }[];
  };
}

/** A problem with the inputs that did not stop the scan. */
export interface ScanWarning {
  /**
   * - `missing_policy`: an attached managed policy is not in the inventory (its permissions are
   *   unknown and ignored);
   * - `missing_group`: a user's group is not in the inventory (its policies are ignored);
   * - `invalid_policy`: a policy document could not be parsed (its permissions are ignored);
   * - `no_service_activity`: a principal was active in the period but no source shows which
   *   services it used, so every service it is allowed is reported unused;
   * - `group_policy_not_refined`: a group's policies are left as they are (one warning per group);
   * - `refinement_failed`: refining a policy hit an internal error (no recommendation for it).
   */
  code:
    | 'missing_policy'
    | 'missing_group'
    | 'invalid_policy'
    | 'no_service_activity'
    | 'group_policy_not_refined'
    | 'refinement_failed';
  /** One sentence. */
  message: string;
  /** The principal or group ARN it concerns, when it concerns one. */
  resource?: string;
  /** The policy it concerns (ARN, or inline policy name), when it concerns one. */
  policyId?: string;
}

/** Everything one scan produces (the `json` output of `iam-refine scan`). */
export interface ScanResult {
  /** `now`, ISO-8601. */
  analyzedAt: string;
  trackingPeriodDays: number;
  /** The action catalog's version. */
  catalogVersion: string;
  /** Sorted by account, resource, finding type, then access key. */
  findings: Finding[];
  /** Sorted by account, resource. */
  notEvaluated: NotEvaluated[];
  warnings: ScanWarning[];
  /** Evidence coverage (set by the scan; absent when the caller of `computeFindings` gave none). */
  coverage?: ScanCoverage;
}
