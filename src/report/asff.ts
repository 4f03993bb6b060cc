/**
 * `scan --format asff`: the findings in the AWS Security Finding Format (ASFF), the format AWS
 * Security Hub imports (`aws securityhub batch-import-findings --findings file://FILE`, at most
 * 100 findings per call). The output is a JSON array of `AwsSecurityFinding` objects with every
 * required top-level attribute (AwsAccountId, CreatedAt, Description, GeneratorId, Id, ProductArn,
 * Resources, SchemaVersion, Severity, Title, Types, UpdatedAt) within Security Hub's length limits.
 *
 * The product is the importing account's default product for custom findings
 * (`arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`), so the findings of an
 * account are imported in that account (or its Security Hub administrator account).
 */
import type { Finding, ScanResult } from '../findings/types.js';
import { findingRisk, type FindingRisk, type RiskLevel } from '../risk/risk.js';
import {
  FINDING_REMEDIATION,
  FINDING_TITLES,
  accessKeyOf,
  describeFinding,
  principalName,
  recommendedSteps,
} from './describe.js';

/** The ASFF schema version Security Hub accepts. */
export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** One `AwsSecurityFinding` as iam-refine writes it (the fields it sets). */
export interface AsffFinding {
  SchemaVersion: string;
  Id: string;
  ProductArn: string;
  ProductName: string;
  CompanyName: string;
  Region: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL'; Original: string };
  Title: string;
  Description: string;
  Remediation: { Recommendation: { Text: string } };
  ProductFields: Record<string, string>;
  Resources: {
    Type: 'AwsIamRole' | 'AwsIamUser';
    Id: string;
    Partition: string;
    Region: string;
  }[];
  RecordState: 'ACTIVE';
  Workflow: { Status: 'NEW' };
}

/** Options of {@link toAsff}. */
export interface AsffOptions {
  /** The Security Hub region the findings are imported into. */
  region: string;
  /** The risk of a finding (default {@link findingRisk}). */
  riskOf?: (finding: Finding) => FindingRisk;
}

const SEVERITY: Readonly<Record<RiskLevel, AsffFinding['Severity']['Label']>> = {
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
};

/** Cuts a text to `max` characters (with `…`), Security Hub rejects longer fields. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** ISO-8601 with milliseconds and `Z`, as Security Hub's examples write timestamps. */
function iso(time: string): string {
  const t = Date.parse(time);
  return Number.isNaN(t) ? time : new Date(t).toISOString();
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`). */
function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

/** The scan result's findings as ASFF findings (see the file comment). */
export function toAsff(result: ScanResult, options: AsffOptions): AsffFinding[] {
  const riskOf = options.riskOf ?? ((f: Finding) => findingRisk(f));
  return result.findings.map((f) => {
    const risk = riskOf(f);
    const partition = partitionOf(f.resource);
    const account = f.resourceOwnerAccount;
    const fields: Record<string, string> = {
      'iam-refine/FindingId': f.id,
      'iam-refine/FindingType': f.findingType,
      'iam-refine/Risk': risk.level,
      'iam-refine/RiskReason': cut(risk.reason, 2048),
      'iam-refine/TrackingPeriodDays': String(result.trackingPeriodDays),
      'iam-refine/CatalogVersion': cut(result.catalogVersion, 2048),
    };
    if (risk.highRiskActions.length > 0)
      fields['iam-refine/HighRiskActions'] = cut(risk.highRiskActions.join(','), 2048);
    const key = accessKeyOf(f);
    if (key !== undefined) fields['iam-refine/AccessKey'] = key;
    const steps = recommendedSteps(f);
    if (steps.length > 0) fields['iam-refine/RecommendedSteps'] = cut(steps.join('; '), 2048);
    return {
      SchemaVersion: ASFF_SCHEMA_VERSION,
      Id: cut(`iam-refine/${account}/${f.id}`, 512),
      ProductArn: `arn:${partition}:securityhub:${options.region}:${account}:product/${account}/default`,
      ProductName: 'iam-refine',
      CompanyName: 'iam-refine',
      Region: options.region,
      GeneratorId: `iam-refine/${f.findingType}`,
      AwsAccountId: account,
      Types: ['Software and Configuration Checks/AWS Security Best Practices/Unused Access'],
      CreatedAt: iso(f.createdAt),
      UpdatedAt: iso(f.updatedAt),
      Severity: { Label: SEVERITY[risk.level], Original: risk.level },
      Title: cut(`${FINDING_TITLES[f.findingType]}: ${principalName(f.resource)}`, 256),
      Description: cut(describeFinding(f, result.trackingPeriodDays), 1024),
      Remediation: { Recommendation: { Text: cut(FINDING_REMEDIATION[f.findingType], 512) } },
      ProductFields: fields,
      Resources: [
        {
          Type: f.resourceType === 'AWS::IAM::Role' ? 'AwsIamRole' : 'AwsIamUser',
          Id: f.resource,
          Partition: partition,
          Region: options.region,
        },
      ],
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
    };
  });
}
