/**
 * The activity summary: who used what and when, aggregated from any mix of sources (CloudTrail
 * files, IAM last-accessed reports, an activity CSV from Athena / CloudTrail Lake). Never the
 * events themselves: only the latest time per principal, service and action.
 */

/** Last use of one action by one principal. */
export interface ActionUse {
  /** Latest time it was used (or possibly used). */
  last: Date;
  /**
   * True when the evidence only says the action *may* have been checked (another action of an
   * operation that authorizes several). Such actions are never reported unused, but are labelled.
   */
  possible: boolean;
}

/** Activity of one principal in one service. */
export interface ServiceActivity {
  /** Latest use of anything in the service. */
  last: Date;
  /** Latest use per action, keyed by lower-case action name (without the service prefix). */
  actions: Map<string, ActionUse>;
  /**
   * When some evidence could not be mapped to an action (an unknown operation): every action of
   * the service counts as used at this time (when in doubt, count as used).
   */
  allActionsAt?: Date;
}

/** Activity of one principal (a role ARN or a user ARN). */
export interface PrincipalActivity {
  /** Latest activity of any kind by the principal. */
  last?: Date;
  /** By lower-case service prefix. */
  services: Map<string, ServiceActivity>;
}

/** What the activity sources could observe. */
export interface Observability {
  /** Services whose CloudTrail data events the logs are declared to contain (lower case). */
  dataEventServices: Set<string>;
  /** Whether IAM action-level last-accessed data (or an equivalent source) was given. */
  actionLastAccessed: boolean;
}

/** The merged activity of every source. */
export interface ActivitySummary {
  /** By principal ARN: role ARN (`arn:aws:iam::123:role/path/name`) or user ARN. */
  principals: Map<string, PrincipalActivity>;
  /** Last use per access key id (from CloudTrail `userIdentity.accessKeyId`), with its user ARN. */
  accessKeys: Map<string, { userArn: string; last: Date }>;
  observability: Observability;
  /** Time span the sources cover, when known (first and last event). */
  coverage?: { from: Date; to: Date };
}
