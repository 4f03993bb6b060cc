/**
 * `scan --format sarif`: the findings as a SARIF 2.1.0 log (OASIS Static Analysis Results
 * Interchange Format), the format code-scanning services (GitHub code scanning, Azure DevOps,
 * many security dashboards) import.
 *
 * One rule per finding type; one result per finding with its risk as the level (high: `error`,
 * medium: `warning`, low: `note`), the principal as a logical location (`kind: resource`) and,
 * because GitHub code scanning rejects a result without a file, the inventory file it came from as
 * the physical location; the finding id as a partial fingerprint, so alerts stay the same across
 * scans. The scan's warnings are the invocation's notifications, and the principals not evaluated
 * are counted in the run's properties: nothing skipped is silent.
 */
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Finding, ScanResult } from '../findings/types.js';
import { FINDING_TYPES } from '../findings/types.js';
import { findingRisk, type FindingRisk, type RiskLevel } from '../risk/risk.js';
import { FINDING_REMEDIATION, FINDING_TITLES, describeFinding, principalName } from './describe.js';

/** The `$schema` of the log: the SARIF 2.1.0 schema as published by OASIS. */
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

/** Options of {@link toSarif}. */
export interface SarifOptions {
  /** iam-refine's version (`tool.driver.version`). */
  toolVersion: string;
  /**
   * The file each result points at (relative to the repository root, forward slashes), e.g. the
   * authorization-details export; default `authorization-details.json`.
   */
  artifactUri?: string;
  /** The risk of a finding (default {@link findingRisk}). */
  riskOf?: (finding: Finding) => FindingRisk;
}

const LEVEL: Readonly<Record<RiskLevel, Result.level>> = {
  high: 'error',
  medium: 'warning',
  low: 'note',
};

/** GitHub's `security-severity` (a CVSS-like score as text) per risk level. */
const SECURITY_SEVERITY: Readonly<Record<RiskLevel, string>> = {
  high: '8.0',
  medium: '5.0',
  low: '2.0',
};

const DOCS = 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings.html';

function rule(type: (typeof FINDING_TYPES)[number]): ReportingDescriptor {
  return {
    id: type,
    name: type,
    shortDescription: { text: FINDING_TITLES[type] },
    fullDescription: {
      text: `${FINDING_TITLES[type]} in the tracking period, as IAM Access Analyzer's unused-access findings define it.`,
    },
    help: { text: FINDING_REMEDIATION[type], markdown: FINDING_REMEDIATION[type] },
    helpUri: DOCS,
    defaultConfiguration: { level: 'warning' },
    properties: { tags: ['security', 'iam', 'least-privilege'], 'security-severity': '5.0' },
  };
}

/** The scan result as a SARIF 2.1.0 log (see the file comment). */
export function toSarif(result: ScanResult, options: SarifOptions): Log {
  const riskOf = options.riskOf ?? ((f: Finding) => findingRisk(f));
  const uri = options.artifactUri ?? 'authorization-details.json';
  const rules = FINDING_TYPES.map(rule);
  const results: Result[] = result.findings.map((f) => {
    const risk = riskOf(f);
    const policies = (f.policies ?? []).map((p) => ({
      policyId: p.policyId,
      policyType: p.policyType,
      recommendedAction: p.recommendedAction,
      ...(p.policy === null ? {} : { recommendedPolicy: JSON.stringify(p.policy) }),
      ...(p.labels === undefined ? {} : { labels: p.labels.map((l) => l.code) }),
    }));
    return {
      ruleId: f.findingType,
      ruleIndex: FINDING_TYPES.indexOf(f.findingType),
      level: LEVEL[risk.level],
      message: {
        text: `${describeFinding(f, result.trackingPeriodDays)}. Risk ${risk.level}: ${risk.reason}.`,
      },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } },
          logicalLocations: [
            { name: principalName(f.resource), fullyQualifiedName: f.resource, kind: 'resource' },
          ],
        },
      ],
      partialFingerprints: { 'iamRefineFindingId/v1': f.id },
      properties: {
        findingId: f.id,
        resource: f.resource,
        resourceType: f.resourceType,
        resourceOwnerAccount: f.resourceOwnerAccount,
        risk: risk.level,
        'security-severity': SECURITY_SEVERITY[risk.level],
        highRiskActions: risk.highRiskActions,
        findingDetails: f.findingDetails,
        ...(policies.length === 0 ? {} : { recommendedPolicies: policies }),
      },
    };
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'iam-refine',
            version: options.toolVersion,
            informationUri: 'https://www.npmjs.com/package/iam-refine',
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            endTimeUtc: result.analyzedAt,
            toolExecutionNotifications: result.warnings.map((w) => ({
              level: 'warning' as const,
              message: { text: w.message },
              descriptor: { id: w.code },
              ...(w.resource === undefined
                ? {}
                : {
                    locations: [
                      { logicalLocations: [{ fullyQualifiedName: w.resource, kind: 'resource' }] },
                    ],
                  }),
            })),
          },
        ],
        results,
        properties: {
          analyzedAt: result.analyzedAt,
          trackingPeriodDays: result.trackingPeriodDays,
          catalogVersion: result.catalogVersion,
          notEvaluated: result.notEvaluated.length,
          notEvaluatedPrincipals: result.notEvaluated.map((n) => ({
            resource: n.resource,
            reason: n.reason,
          })),
        },
      },
    ],
  };
}
