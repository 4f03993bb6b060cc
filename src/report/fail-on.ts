/**
 * `--fail-on <expr>`: which findings make a scan fail a CI job.
 *
 * Grammar: terms separated by commas, a finding matches when it matches any term.
 *   term  := "any" | TYPE | LEVEL | TYPE ":" LEVEL
 *   TYPE  := UnusedIAMRole | UnusedIAMUserAccessKey | UnusedIAMUserPassword | UnusedPermission
 *   LEVEL := low | medium | high      (a level means "this level or higher")
 * Names are matched without regard to case. Examples: `UnusedPermission:high`,
 * `high,UnusedIAMUserAccessKey`, `any`.
 */
import { ValidationError, type Issue } from '../errors.js';
import { FINDING_TYPES, type Finding, type FindingType } from '../findings/types.js';
import { isRiskLevel, riskRank, RISK_LEVELS, type RiskLevel } from '../risk/risk.js';

/** One term of a `--fail-on` expression: a type (or any) and a minimum level (or any). */
export interface FailOnTerm {
  /** Undefined: any finding type. */
  findingType?: FindingType;
  /** Undefined: any level. */
  minLevel?: RiskLevel;
}

const TYPE_BY_LOWER = new Map(FINDING_TYPES.map((t) => [t.toLowerCase(), t]));

/**
 * Parses a `--fail-on` expression.
 *
 * @throws ValidationError (code `invalid_value`, path `--fail-on[i]` of the bad term) listing every
 *   bad term.
 */
export function parseFailOn(text: string): FailOnTerm[] {
  const terms: FailOnTerm[] = [];
  const issues: Issue[] = [];
  const expected = `expected "any", a finding type (${FINDING_TYPES.join(', ')}), a risk level (${RISK_LEVELS.join(', ')}) or TYPE:LEVEL`;
  const parts = text.split(',');
  parts.forEach((raw, i) => {
    const part = raw.trim();
    const path = `--fail-on[${i}]`;
    if (part === '') {
      issues.push({ code: 'invalid_value', path, message: `empty term; ${expected}` });
      return;
    }
    const lower = part.toLowerCase();
    if (lower === 'any') {
      terms.push({});
      return;
    }
    if (isRiskLevel(lower)) {
      terms.push({ minLevel: lower });
      return;
    }
    const colon = lower.indexOf(':');
    const typeText = colon < 0 ? lower : lower.slice(0, colon);
    const levelText = colon < 0 ? undefined : lower.slice(colon + 1);
    const findingType = TYPE_BY_LOWER.get(typeText);
    if (findingType === undefined) {
      issues.push({
        code: 'invalid_value',
        path,
        message: `unknown finding type ${JSON.stringify(part.slice(0, colon < 0 ? undefined : colon))}; ${expected}`,
      });
      return;
    }
    if (levelText === undefined) {
      terms.push({ findingType });
      return;
    }
    if (!isRiskLevel(levelText)) {
      issues.push({
        code: 'invalid_value',
        path,
        message: `unknown risk level ${JSON.stringify(part.slice(colon + 1))}; expected ${RISK_LEVELS.join(', ')}`,
      });
      return;
    }
    terms.push({ findingType, minLevel: levelText });
  });
  if (issues.length > 0) throw new ValidationError(issues);
  return terms;
}

/** Whether a finding of `type` at `level` matches one of the terms. */
export function matchesFailOn(
  terms: readonly FailOnTerm[],
  type: FindingType,
  level: RiskLevel,
): boolean {
  return terms.some(
    (t) =>
      (t.findingType === undefined || t.findingType === type) &&
      (t.minLevel === undefined || riskRank(level) >= riskRank(t.minLevel)),
  );
}

/** The findings that match a `--fail-on` expression, given each finding's level. */
export function failingFindings(
  terms: readonly FailOnTerm[],
  findings: readonly Finding[],
  levelOf: (finding: Finding) => RiskLevel,
): Finding[] {
  return findings.filter((f) => matchesFailOn(terms, f.findingType, levelOf(f)));
}
