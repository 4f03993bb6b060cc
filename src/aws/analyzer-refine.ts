/**
 * `import-analyzer`'s own recommendations: for an imported `UnusedPermission` finding for which
 * Access Analyzer has no recommendation (it generates them only on request, and makes none for
 * some policies, e.g. with `NotAction`) or a failed one, the principal's live policies (inline and
 * attached managed, read through IAM) are refined with this project's engine against the finding's
 * unused services and actions, each proven exact, and recorded as the finding's recommendation,
 * every policy labelled `IAM_REFINE_RECOMMENDATION`. When Access Analyzer does have a
 * recommendation, iam-refine's is made as well and kept next to it (`iamRefineRecommendation`),
 * Access Analyzer's staying the primary one. Group policies are not refined here (a group
 * policy may only lose what every member left unused: `scan` does that).
 */
import {
  GetPolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import type { ActionCatalog } from '../catalog/catalog.js';
import type {
  EngineRecommendation,
  Finding,
  FindingRecommendation,
  FindingRecommendedStep,
  PolicyLabel,
  PolicyRecommendation,
  PolicyType,
} from '../findings/types.js';
import { parseUnused } from '../policy/unused.js';
import { refinePolicy } from '../refine/refine.js';
import { parseEntityArn, readInline, readVersion } from './apply.js';
import type { AwsSession } from './clients.js';
import { awsCall } from './errors.js';
import { allIamPages, type IamPage } from './pages.js';

/** The label of a policy recommendation made by iam-refine for an imported finding. */
export const ENGINE_LABEL = {
  code: 'IAM_REFINE_RECOMMENDATION',
  message:
    'Access Analyzer has no recommendation for this finding: iam-refine refined the live policy with its own engine (proven exact over the catalog).',
} as const;

/** The label of iam-refine's recommendation made next to Access Analyzer's. */
export const ALONGSIDE_LABEL = {
  code: 'IAM_REFINE_RECOMMENDATION',
  message:
    "iam-refine's own recommendation, from the live policy (proven exact over the catalog), next to Access Analyzer's (which stays the primary one: apply --use iam-refine applies this one).",
} as const;

/** One live policy of a principal. */
interface LivePolicy {
  policyId: string;
  policyName: string;
  policyType: PolicyType;
  text: string;
}

/** Reads the inline and attached managed policies of a role or user (all pages). */
async function livePolicies(session: AwsSession, arn: string): Promise<LivePolicy[]> {
  const entity = parseEntityArn(arn);
  if (entity === undefined || entity.kind === 'Group') return [];
  const { kind, name } = entity;
  const out: LivePolicy[] = [];
  const inline = await allIamPages<IamPage & { PolicyNames?: string[] }, string>(
    `IAM:List${kind}Policies`,
    (m) =>
      kind === 'Role'
        ? session.iam.send(new ListRolePoliciesCommand({ RoleName: name, ...m }))
        : session.iam.send(new ListUserPoliciesCommand({ UserName: name, ...m })),
    (page) => page.PolicyNames ?? [],
    arn,
  );
  for (const policyName of inline) {
    const text = await readInline(session.iam, kind, name, policyName, `${arn} ${policyName}`);
    out.push({ policyId: policyName, policyName, policyType: 'INLINE', text });
  }
  const attached = await allIamPages<
    IamPage & { AttachedPolicies?: { PolicyArn?: string; PolicyName?: string }[] },
    { arn: string; name: string }
  >(
    `IAM:ListAttached${kind}Policies`,
    (m) =>
      kind === 'Role'
        ? session.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, ...m }))
        : session.iam.send(new ListAttachedUserPoliciesCommand({ UserName: name, ...m })),
    (page) =>
      (page.AttachedPolicies ?? []).flatMap((p) =>
        p.PolicyArn !== undefined ? [{ arn: p.PolicyArn, name: p.PolicyName ?? p.PolicyArn }] : [],
      ),
    arn,
  );
  for (const p of attached) {
    const got = await awsCall(
      'IAM:GetPolicy',
      () => session.iam.send(new GetPolicyCommand({ PolicyArn: p.arn })),
      p.arn,
    );
    const text = await readVersion(session.iam, p.arn, got.Policy?.DefaultVersionId ?? '', p.arn);
    out.push({
      policyId: p.arn,
      policyName: p.name,
      policyType: /^arn:aws[a-z-]*:iam::aws:policy\//.test(p.arn)
        ? 'AWS_MANAGED'
        : 'CUSTOMER_MANAGED',
      text,
    });
  }
  return out;
}

/** Whether a finding gets iam-refine's own recommendation: none from Access Analyzer, or failed. */
export function needsEngineRecommendation(finding: Finding): boolean {
  return (
    finding.findingType === 'UnusedPermission' &&
    (finding.recommendation === undefined || finding.recommendation.status === 'FAILED')
  );
}

/** Whether a finding gets iam-refine's recommendation next to Access Analyzer's succeeded one. */
export function wantsAlongsideRecommendation(finding: Finding): boolean {
  return (
    finding.findingType === 'UnusedPermission' &&
    finding.recommendation !== undefined &&
    finding.recommendation.status === 'SUCCEEDED'
  );
}

/**
 * Refines the live policies of an imported UnusedPermission finding with the engine and sets the
 * finding's `recommendation` (GetFindingRecommendation's shape) and `policies` (each labelled).
 * A failed Access Analyzer recommendation is replaced (its error is kept in the label message).
 *
 * @returns the number of policies with a recommended change.
 */
export async function refineImportedFinding(
  session: AwsSession,
  finding: Finding,
  catalog: ActionCatalog,
  now: () => Date,
): Promise<number> {
  const failed = finding.recommendation?.error;
  const label =
    failed === undefined
      ? { ...ENGINE_LABEL }
      : {
          code: ENGINE_LABEL.code,
          message: `Access Analyzer's recommendation failed (${failed.code}: ${failed.message}): iam-refine refined the live policy with its own engine (proven exact over the catalog).`,
        };
  const made = await engineRecommendation(session, finding, catalog, now, label);
  finding.recommendation = made.recommendation;
  finding.policies = made.policies;
  return made.policies.length;
}

/**
 * Refines the live policies of an imported UnusedPermission finding that has Access Analyzer's
 * recommendation, and keeps iam-refine's next to it in `iamRefineRecommendation` (Access
 * Analyzer's `recommendation` and `policies` are left as they are).
 *
 * @returns the number of policies with a recommended change in iam-refine's.
 */
export async function refineAlongside(
  session: AwsSession,
  finding: Finding,
  catalog: ActionCatalog,
  now: () => Date,
): Promise<number> {
  const made = await engineRecommendation(session, finding, catalog, now, { ...ALONGSIDE_LABEL });
  finding.iamRefineRecommendation = made;
  return made.policies.length;
}

/** iam-refine's recommendation for the finding's principal, from its live policies. */
async function engineRecommendation(
  session: AwsSession,
  finding: Finding,
  catalog: ActionCatalog,
  now: () => Date,
  label: PolicyLabel,
): Promise<EngineRecommendation> {
  const startedAt = now().toISOString();
  const unused = parseUnused({ findingDetails: finding.findingDetails }, { source: finding.id });
  const policies: PolicyRecommendation[] = [];
  const steps: FindingRecommendedStep[] = [];
  for (const live of await livePolicies(session, finding.resource)) {
    const r = refinePolicy(live.text, unused, { catalog, source: live.policyId });
    if (r.recommendedAction === 'NONE') continue;
    const removedByAccessLevel: PolicyRecommendation['removedByAccessLevel'] = {};
    for (const a of r.removed.actions) {
      const level = a.accessLevel ?? 'Unknown';
      (removedByAccessLevel[level] ??= []).push(a.full);
    }
    policies.push({
      policyId: live.policyId,
      policyName: live.policyName,
      policyType: live.policyType,
      recommendedAction: r.recommendedAction,
      policy: r.policy,
      removedByAccessLevel,
      proof: {
        exact: r.proof.exact,
        catalogActions: r.proof.catalogActions,
        statementsChecked: r.proof.statementsChecked,
        patternsChecked: r.proof.patternsChecked,
      },
      originalPolicy: r.original,
      labels: [label],
      ...(r.warnings.length === 0 ? {} : { warnings: r.warnings }),
    });
    if (r.recommendedAction === 'CREATE_POLICY') {
      steps.push({
        unusedPermissionsRecommendedStep: {
          recommendedAction: 'CREATE_POLICY',
          recommendedPolicy: JSON.stringify(r.policy),
          existingPolicyId: live.policyId,
        },
      });
    }
    steps.push({
      unusedPermissionsRecommendedStep: {
        recommendedAction: 'DETACH_POLICY',
        existingPolicyId: live.policyId,
      },
    });
  }
  const recommendation: FindingRecommendation = {
    recommendationType: 'UnusedPermissionRecommendation',
    status: 'SUCCEEDED',
    resourceArn: finding.resource,
    startedAt,
    completedAt: now().toISOString(),
    recommendedSteps: steps,
  };
  return { recommendation, policies };
}
