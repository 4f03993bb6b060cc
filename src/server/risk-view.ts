/**
 * What the dashboard shows of a finding's risk: its level, and the services of its row's chips in
 * the order that matters (services with an unused high-risk action first, then by how much of the
 * service is unused: a whole unused service counts all its catalog actions), plus the exports of
 * the current filter (CSV and JSON, every page) and the overview's counts by risk.
 */
import type { ActionCatalog } from '../catalog/catalog.js';
import type { Finding } from '../findings/types.js';
import { csvField } from '../report/csv.js';
import { findingRisk, RISK_LEVELS, type RiskLevel } from '../risk/risk.js';
import { allFindingSummaries } from '../store/all-summaries.js';
import type { FindingFilter, FindingsStore } from '../store/types.js';

/** A list row's risk and ordered chips. */
export interface RowRisk {
  risk: RiskLevel;
  /** The services, most important first. */
  chips: string[];
  /**
   * The recommended policies' forms and sizes (UnusedPermission findings with a recommendation):
   * what the list's size badge says. Absent when no policy carries a form.
   */
  forms?: RowForms;
}

/** The list's size badge of a finding: its recommended policies' forms and whether all fit. */
export interface RowForms {
  /** The distinct forms, in the order of the policies (e.g. `article`, `compact`). */
  forms: string[];
  /** Recommended policies in all. */
  policies: number;
  /** How many are over the quota of where they will live (no exact form fits). */
  overQuota: number;
}

/** The size badge of `finding`, from each recommended policy's form (undefined when none has one). */
export function rowForms(finding: Finding): RowForms | undefined {
  const forms: string[] = [];
  let policies = 0;
  let overQuota = 0;
  for (const p of finding.policies ?? []) {
    if (p.form === undefined) continue;
    policies++;
    if (!p.form.fits) overQuota++;
    if (!forms.includes(p.form.form)) forms.push(p.form.form);
  }
  return policies === 0 ? undefined : { forms, policies, overQuota };
}

/** The risk and chip order of one finding. */
export function rowRisk(finding: Finding, catalog: ActionCatalog): RowRisk {
  const risk = findingRisk(finding, catalog);
  const riskyServices = new Set(risk.highRiskActions.map((a) => a.slice(0, a.indexOf(':'))));
  const weighted: { service: string; risky: boolean; count: number }[] = [];
  for (const d of finding.findingDetails) {
    if (!('unusedPermissionDetails' in d)) continue;
    const u = d.unusedPermissionDetails;
    const service = u.serviceNamespace.toLowerCase();
    weighted.push({
      service,
      risky: riskyServices.has(service),
      count: u.actions === undefined ? catalog.serviceActions(service).length : u.actions.length,
    });
  }
  weighted.sort(
    (a, b) =>
      Number(b.risky) - Number(a.risky) ||
      b.count - a.count ||
      (a.service < b.service ? -1 : a.service > b.service ? 1 : 0),
  );
  const forms = rowForms(finding);
  return {
    risk: risk.level,
    chips: weighted.map((w) => w.service),
    ...(forms === undefined ? {} : { forms }),
  };
}

/** The risk of a stored finding (medium if it disappeared meanwhile). */
function riskOf(store: FindingsStore, id: string, catalog: ActionCatalog): RowRisk {
  const f = store.getFinding(id);
  return f === undefined
    ? { risk: 'medium', chips: [] }
    : rowRisk(f.finding as unknown as Finding, catalog);
}

/** Rows of an export: the summary fields and the risk. */
export interface ExportRow {
  id: string;
  risk: RiskLevel;
  status: string;
  findingType: string;
  resource: string;
  resourceType: string;
  account: string;
  services: string[];
  unusedActionCount: number;
  unusedServiceCount: number;
  createdAt: string;
  updatedAt: string;
}

/** Every finding of the filter as export rows, in the store's order (latest update first). */
export function exportRows(
  store: FindingsStore,
  filter: FindingFilter,
  catalog: ActionCatalog,
): ExportRow[] {
  return store.readSnapshot(() =>
    allFindingSummaries(store, filter).map((f) => {
      const r = riskOf(store, f.id, catalog);
      return {
        id: f.id,
        risk: r.risk,
        status: f.status,
        findingType: f.findingType,
        resource: f.resource,
        resourceType: f.resourceType,
        account: f.resourceOwnerAccount,
        services: r.chips.length > 0 ? r.chips : f.services,
        unusedActionCount: f.unusedActionCount,
        unusedServiceCount: f.unusedServiceCount,
        createdAt: f.createdAt,
        updatedAt: f.updatedAt,
      };
    }),
  );
}

const EXPORT_COLUMNS: readonly (keyof ExportRow)[] = [
  'id',
  'risk',
  'status',
  'findingType',
  'resource',
  'resourceType',
  'account',
  'services',
  'unusedActionCount',
  'unusedServiceCount',
  'createdAt',
  'updatedAt',
];

/** Export rows as CSV (RFC 4180, header first; formulas defused as in `scan --format csv`). */
export function exportCsv(rows: readonly ExportRow[]): string {
  const lines = [EXPORT_COLUMNS.join(',')];
  for (const r of rows) {
    lines.push(
      EXPORT_COLUMNS.map((k) => {
        const v = r[k];
        return csvField(Array.isArray(v) ? v.join(' ') : String(v));
      }).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** ACTIVE findings per risk level (every level present, lowest first). */
export function countByRisk(
  store: FindingsStore,
  catalog: ActionCatalog,
): { level: RiskLevel; count: number }[] {
  const counts = new Map<RiskLevel, number>(RISK_LEVELS.map((l) => [l, 0]));
  store.readSnapshot(() => {
    for (const f of allFindingSummaries(store, { statuses: ['ACTIVE'] })) {
      const level = riskOf(store, f.id, catalog).risk;
      counts.set(level, counts.get(level)! + 1);
    }
  });
  return RISK_LEVELS.map((level) => ({ level, count: counts.get(level)! }));
}
