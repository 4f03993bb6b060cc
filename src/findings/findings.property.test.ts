/**
 * Properties of computeFindings over generated accounts: random tiny catalogs (with `tracked`
 * facts), random policies (literals, wildcards, NotAction, Deny, unknown actions), random groups
 * and random activity around the tracking period's boundaries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, EvidenceCoverage, dayNumber, type CoverageClaim } from '../activity/coverage.js';
import type { ActivitySummary, ServiceActivity } from '../activity/types.js';
import { createCatalog, type ActionCatalog, type ActionFacts } from '../catalog/catalog.js';
import type { Group, Inventory, ManagedPolicy, Principal } from '../inventory/types.js';
import { parsePolicy } from '../policy/document.js';
import { refinePolicy } from '../refine/refine.js';
import { seededRandom } from '../test-support/reference.js';
import { computeFindings } from './findings.js';
import type { Finding, PolicyRecommendation, UnusedPermissionDetails } from './types.js';

const NOW = new Date('2024-07-01T00:00:00.000Z');
const DAYS = 30;
const START = NOW.getTime() - DAYS * 86_400_000;
/** Times around the boundaries: long before, 1 ms before, at the start, inside, after now. */
const TIMES = [
  START - 90 * 86_400_000,
  START - 1,
  START,
  START + 1,
  NOW.getTime() - 1,
  NOW.getTime() + 5,
];
const ACCOUNT = '123456789012';
const SERVICES = ['s3', 'ec2', 'iam', 'kms'];
const VERBS = ['Get', 'Put', 'List', 'Delete', 'Describe'];
const NOUNS = ['Object', 'Bucket', 'Acl', 'Policy', 'Key', 'Tag'];

interface World {
  catalog: ActionCatalog;
  inventory: Inventory;
  activity: ActivitySummary;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number) => r() < p;
const some = <T>(r: Rand, xs: readonly T[], p: number): T[] => xs.filter(() => chance(r, p));

function randomCase(r: Rand, s: string): string {
  return [...s]
    .map((c) => (chance(r, 0.2) ? c.toUpperCase() : chance(r, 0.2) ? c.toLowerCase() : c))
    .join('');
}

function genCatalog(r: Rand): ActionCatalog {
  const services: Record<string, [string, ActionFacts][]> = {};
  for (const s of some(r, SERVICES, 0.7).concat(['s3'])) {
    const names = new Set<string>();
    const n = 1 + Math.floor(r() * 7);
    for (let i = 0; i < n; i++) {
      names.add(pick(r, VERBS) + pick(r, NOUNS) + (chance(r, 0.3) ? pick(r, NOUNS) : ''));
    }
    services[s] = [...names].map((name) => {
      const facts: ActionFacts = { accessLevel: pick(r, ['Read', 'Write', 'List'] as const) };
      const t = r();
      if (t < 0.6) facts.tracked = true;
      else if (t < 0.85) facts.tracked = false;
      return [name, facts];
    });
  }
  return createCatalog(services, 'prop-catalog');
}

function genEntry(r: Rand, catalog: ActionCatalog): string {
  const a = pick(r, catalog.actions);
  const t = r();
  if (t < 0.35) return randomCase(r, a.full);
  if (t < 0.5) return `${a.service}:*`;
  if (t < 0.7) {
    const cut = a.service.length + 1 + Math.floor(r() * (a.name.length + 1));
    return a.full.slice(0, cut) + '*';
  }
  if (t < 0.75) return '*';
  if (t < 0.82) return `${a.service}:${a.name.slice(0, 1)}?${a.name.slice(2)}`;
  if (t < 0.87) return `${a.service}:*${a.name.slice(-3)}`;
  if (t < 0.93) return `${a.service}:NotInCatalog`;
  return `${pick(r, ['s3', 'e*', 'unknownsvc'])}:${pick(r, VERBS)}*`;
}

function genPolicy(r: Rand, catalog: ActionCatalog): Record<string, unknown> {
  const n = 1 + Math.floor(r() * 3);
  const Statement = [];
  for (let i = 0; i < n; i++) {
    const entries = Array.from({ length: 1 + Math.floor(r() * 3) }, () => genEntry(r, catalog));
    const key = chance(r, 0.2) ? 'NotAction' : 'Action';
    const effect = chance(r, 0.2) ? 'Deny' : 'Allow';
    Statement.push({
      Effect: effect,
      [key]: entries.length === 1 && chance(r, 0.5) ? entries[0] : entries,
      Resource: '*',
    });
  }
  return { Version: '2012-10-17', Statement };
}

const date = (r: Rand) => new Date(pick(r, TIMES));
const maybeDate = (r: Rand, p = 0.7) => (chance(r, p) ? date(r) : undefined);

function genWorld(seed: number): World {
  const r = seededRandom(seed);
  const catalog = genCatalog(r);
  const policies: ManagedPolicy[] = Array.from({ length: Math.floor(r() * 3) }, (_, i) => ({
    arn: `arn:aws:iam::${chance(r, 0.3) ? 'aws' : ACCOUNT}:policy/m${i}`,
    name: `m${i}`,
    path: '/',
    owner: ACCOUNT,
    defaultVersionId: 'v1',
    document: genPolicy(r, catalog),
  }));
  const groups: Group[] = Array.from({ length: Math.floor(r() * 3) }, (_, i) => ({
    arn: `arn:aws:iam::${ACCOUNT}:group/g${i}`,
    name: `g${i}`,
    path: '/',
    accountId: ACCOUNT,
    createDate: new Date(TIMES[0]!),
    inlinePolicies: chance(r, 0.7)
      ? [{ name: `g${i}-inline`, document: genPolicy(r, catalog) }]
      : [],
    attachedPolicies: some(r, policies, 0.4).map((p) => p.arn),
  }));
  const principals: Principal[] = [];
  const act: ActivitySummary = {
    principals: new Map(),
    accessKeys: new Map(),
    observability: {
      dataEventServices: new Set(some(r, catalog.services, 0.3)),
      actionLastAccessed: true,
    },
  };
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const kind = chance(r, 0.5) ? 'role' : 'user';
    const slr = kind === 'role' && chance(r, 0.05);
    const path = slr ? '/aws-service-role/x.amazonaws.com/' : '/';
    const arn = `arn:aws:iam::${ACCOUNT}:${kind}${path}p${i}`;
    const p: Principal = {
      kind,
      arn,
      name: `p${i}`,
      id: `ID${i}`,
      path,
      accountId: ACCOUNT,
      createDate: chance(r, 0.1) ? new Date(START + 1) : new Date(TIMES[0]!),
      tags: new Map(),
      inlinePolicies: Array.from({ length: Math.floor(r() * 3) }, (_, k) => ({
        name: `p${i}-inline${k}`,
        document: genPolicy(r, catalog),
      })),
      attachedPolicies: some(r, policies, 0.4)
        .map((x) => x.arn)
        .concat(chance(r, 0.05) ? [`arn:aws:iam::${ACCOUNT}:policy/missing`] : []),
      groups: kind === 'user' ? some(r, groups, 0.5).map((g) => g.name) : [],
      accessKeys: [],
    };
    if (kind === 'role') {
      const d = maybeDate(r);
      if (d) p.roleLastUsed = d;
    } else {
      p.password = { enabled: chance(r, 0.7), lastUsed: maybeDate(r) ?? null };
      if (chance(r, 0.6)) {
        const id = chance(r, 0.5) ? `AKIA${i}` : undefined;
        p.accessKeys.push({
          ...(id ? { id } : {}),
          slot: 1,
          active: chance(r, 0.8),
          lastUsed: maybeDate(r) ?? null,
        });
        if (id && chance(r, 0.5)) act.accessKeys.set(id, { userArn: arn, last: date(r) });
      }
    }
    principals.push(p);
    if (chance(r, 0.85)) {
      const services = new Map<string, ServiceActivity>();
      for (const s of some(r, catalog.services, 0.6)) {
        const sa: ServiceActivity = { last: date(r), actions: new Map() };
        for (const a of some(r, catalog.serviceActions(s), 0.5)) {
          const d = date(r);
          sa.actions.set(a.name.toLowerCase(), { last: d, possible: chance(r, 0.2) });
          if (d > sa.last) sa.last = d;
        }
        if (chance(r, 0.1)) {
          sa.allActionsAt = date(r);
          if (sa.allActionsAt > sa.last) sa.last = sa.allActionsAt;
        }
        services.set(s, sa);
      }
      let last: Date | undefined;
      for (const sa of services.values()) if (!last || sa.last > last) last = sa.last;
      act.principals.set(arn, { ...(last ? { last } : {}), services });
    }
  }
  return {
    catalog,
    inventory: {
      principals: new Map(principals.map((p) => [p.arn, p])),
      groups: new Map(groups.map((g) => [g.arn, g])),
      policies: new Map(policies.map((p) => [p.arn, p])),
      accounts: new Set([ACCOUNT]),
    },
    activity: act,
  };
}

/** Whether `principal` used catalog action `full` in the period, from the raw activity. */
function usedInPeriod(w: World, arn: string, service: string, name: string): boolean {
  const sa = w.activity.principals.get(arn)?.services.get(service);
  if (!sa) return false;
  const use = sa.actions.get(name.toLowerCase());
  return (
    (use !== undefined && use.last.getTime() >= START) ||
    (sa.allActionsAt?.getTime() ?? -Infinity) >= START
  );
}

/** Catalog actions the Allow statements of `doc` allow (Deny statements ignored). */
function allowedByAllows(doc: Record<string, unknown> | null, catalog: ActionCatalog): Set<string> {
  const out = new Set<string>();
  if (!doc) return out;
  for (const st of parsePolicy(doc).statements) {
    if (st.effect !== 'Allow') continue;
    const matched = new Set(st.actions.flatMap((e) => catalog.match(e).map((a) => a.full)));
    for (const a of catalog.actions) {
      if (st.actionKey === 'Action' ? matched.has(a.full) : !matched.has(a.full)) out.add(a.full);
    }
  }
  return out;
}

/** The original document a policy recommendation is about. */
function originalOf(w: World, p: Principal, rec: PolicyRecommendation): Record<string, unknown> {
  const owner = rec.groupArn ? w.inventory.groups.get(rec.groupArn)! : p;
  if (rec.policyType === 'INLINE' || rec.policyType === 'GROUP_INLINE') {
    return owner.inlinePolicies.find((x) => x.name === rec.policyId)!.document;
  }
  return w.inventory.policies.get(rec.policyId)!.document;
}

function detailsOf(f: Finding): UnusedPermissionDetails[] {
  return f.findingDetails.flatMap((d) =>
    'unusedPermissionDetails' in d ? [d.unusedPermissionDetails] : [],
  );
}

/** `svc:*` / `svc:Action` entries unused by every one of `findings` (naive intersection). */
function commonUnused(findings: Finding[], catalog: ActionCatalog): string[] {
  const sets = findings.map((f) => {
    const whole = new Set<string>();
    const actions = new Set<string>();
    for (const d of detailsOf(f)) {
      if (!d.actions) whole.add(d.serviceNamespace);
      else
        for (const a of d.actions) actions.add(`${d.serviceNamespace}:${a.action}`.toLowerCase());
    }
    return { whole, actions };
  });
  const out: string[] = [];
  for (const s of catalog.services) {
    if (sets.every((x) => x.whole.has(s))) {
      out.push(`${s}:*`);
      continue;
    }
    for (const a of catalog.serviceActions(s)) {
      if (sets.every((x) => x.whole.has(s) || x.actions.has(a.key))) out.push(a.full);
    }
  }
  return out;
}

describe('computeFindings over generated accounts', () => {
  it('holds the findings and recommendation invariants', () => {
    let withRecommendations = 0;
    let groupRefined = 0;
    let namedServices = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const w = genWorld(seed);
        const result = computeFindings(w.inventory, w.activity, {
          catalog: w.catalog,
          now: NOW,
          trackingPeriodDays: DAYS,
        });
        const dataEvents = w.activity.observability.dataEventServices;
        const byArn = new Map<string, Finding>();
        for (const f of result.findings)
          if (f.findingType === 'UnusedPermission') byArn.set(f.resource, f);

        for (const f of byArn.values()) {
          const p = w.inventory.principals.get(f.resource)!;
          // (a) an unobservable action is never reported unused; nor is one used in the period.
          for (const d of detailsOf(f)) {
            for (const { action } of d.actions ?? []) {
              const a = w.catalog.get(`${d.serviceNamespace}:${action}`)!;
              expect(a.tracked === true || dataEvents.has(a.service)).toBe(true);
              expect(usedInPeriod(w, f.resource, a.service, a.name)).toBe(false);
            }
          }
          expect(f.recommendation!.status).toBe('SUCCEEDED');
          for (const rec of f.policies ?? []) {
            if (rec.recommendedAction === 'NONE') continue;
            withRecommendations++;
            const original = originalOf(w, p, rec);
            // (b) a used action is never removed by a recommendation.
            const before = allowedByAllows(original, w.catalog);
            const after = allowedByAllows(rec.policy, w.catalog);
            for (const full of before) {
              const a = w.catalog.get(full)!;
              if (usedInPeriod(w, f.resource, a.service, a.name))
                expect(after.has(full)).toBe(true);
            }
            // (c) every recommendation's proof is exact, also when checked independently.
            expect(rec.proof?.exact).toBe(true);
            let unused: string[];
            if (rec.groupArn) {
              groupRefined++;
              const g = w.inventory.groups.get(rec.groupArn)!;
              const members = [...w.inventory.principals.values()].filter(
                (m) => m.kind === 'user' && m.groups.includes(g.name),
              );
              unused = commonUnused(
                members.map((m) => byArn.get(m.arn)!),
                w.catalog,
              );
            } else {
              unused = commonUnused([f], w.catalog);
            }
            // Independently of the refinement's own statement pairing: the refined policy allows
            // exactly what the original allowed minus the unused actions.
            const removed = new Set(unused.flatMap((e) => w.catalog.match(e).map((a) => a.full)));
            expect([...after].sort()).toEqual([...before].filter((a) => !removed.has(a)).sort());
            // (d) what the recommendation says it removed is what it removed: the listed actions
            // plus every allowed action of the services it names, which are unused as a whole
            // (and have none of their actions listed).
            const named = new Set(rec.removedServices ?? []);
            for (const s of named) expect(unused).toContain(`${s}:*`);
            const listedRemoved = Object.values(rec.removedByAccessLevel).flat();
            for (const a of listedRemoved) expect(named.has(w.catalog.get(a)!.service)).toBe(false);
            const said = new Set([
              ...listedRemoved,
              ...[...before].filter((a) => named.has(w.catalog.get(a)!.service)),
            ]);
            expect([...said].sort()).toEqual([...before].filter((a) => removed.has(a)).sort());
            if (named.size > 0) namedServices++;
          }
          // Policies left out are exactly those the refinement would not change, and a listed
          // policy is refined exactly as with the finding's whole unused set.
          const listed = new Map(
            (f.policies ?? []).map((x) => [`${x.policyType}|${x.groupArn ?? ''}|${x.policyId}`, x]),
          );
          const own = commonUnused([f], w.catalog);
          const candidates: [string, Record<string, unknown>][] = [
            ...p.inlinePolicies.map((x): [string, Record<string, unknown>] => [
              `INLINE||${x.name}`,
              x.document,
            ]),
            ...p.attachedPolicies.flatMap((arn): [string, Record<string, unknown>][] => {
              const m = w.inventory.policies.get(arn);
              if (!m) return [];
              const type = m.arn.includes(':iam::aws:') ? 'AWS_MANAGED' : 'CUSTOMER_MANAGED';
              return [[`${type}||${arn}`, m.document]];
            }),
          ];
          for (const [key, doc] of candidates) {
            const whole = refinePolicy(doc, own, { catalog: w.catalog });
            expect(listed.has(key)).toBe(whole.recommendedAction !== 'NONE');
            const rec = listed.get(key);
            if (rec) {
              expect(rec.recommendedAction).toBe(whole.recommendedAction);
              expect(rec.policy).toEqual(whole.policy);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(withRecommendations).toBeGreaterThan(100);
    expect(groupRefined).toBeGreaterThan(0);
    expect(namedServices).toBeGreaterThan(0);
  });

  it('never calls a role or permission unused without full coverage, unless partial coverage is allowed, and then says since when', () => {
    let notCovered = 0;
    let shortened = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        // Days of the period (0 = first) each source leaves uncovered, and a per-principal report.
        fc.array(fc.integer({ min: -3, max: DAYS + 1 }), { maxLength: 4 }),
        fc.integer({ min: -5, max: DAYS + 2 }),
        fc.boolean(),
        fc.boolean(),
        (seed, gaps, reportFrom, withReport, allowPartial) => {
          const w = genWorld(seed);
          const firstDay = dayNumber(START);
          const gapDays = new Set(gaps.map((g) => firstDay + g));
          const logs: CoverageClaim = {
            source: 'logs',
            covers: (d) => !gapDays.has(d),
            why: () => 'logs: gap',
          };
          const coverage = new EvidenceCoverage().addAccount(ACCOUNT, logs);
          const arns = [...w.inventory.principals.keys()];
          const reported = withReport && arns.length > 0 ? arns[seed % arns.length]! : undefined;
          const reportFirst = firstDay + reportFrom;
          if (reported !== undefined) {
            coverage.addPrincipal(reported, {
              source: 'report',
              covers: (d) => d >= reportFirst,
              why: () => 'report: late start',
            });
          }
          const options = { catalog: w.catalog, now: NOW, trackingPeriodDays: DAYS };
          const result = computeFindings(w.inventory, w.activity, {
            ...options,
            coverage,
            allowPartialCoverage: allowPartial,
          });
          const legacy = computeFindings(w.inventory, w.activity, options);
          // A simple reference: the days of [START, NOW) each principal's sources cover.
          const lastDay = dayNumber(NOW.getTime() - 1);
          const coveredDay = (arn: string, d: number) =>
            !gapDays.has(d) && (arn !== reported || d >= reportFirst);
          for (const p of w.inventory.principals.values()) {
            let full = true;
            for (let d = firstDay; d <= lastDay; d++) full &&= coveredDay(p.arn, d);
            let runStart = lastDay + 1;
            while (runStart > firstDay && coveredDay(p.arn, runStart - 1)) runStart--;
            const mine = (r: typeof result) =>
              r.findings.filter(
                (f) =>
                  f.resource === p.arn &&
                  (f.findingType === 'UnusedPermission' || f.findingType === 'UnusedIAMRole'),
              );
            const claims = mine(result);
            const listed = result.notEvaluated.find(
              (n) => n.resource === p.arn && n.reason === 'INCOMPLETE_ACTIVITY_COVERAGE',
            );
            const what = (fs: Finding[]) => fs.map((f) => [f.findingType, f.findingDetails]);
            if (full) {
              // Fully covered: the same unused role and permissions as without coverage (group
              // policy recommendations may differ: a group is refined only when every member is
              // evaluated).
              expect(what(claims)).toEqual(what(mine(legacy)));
              expect(listed).toBeUndefined();
            } else if (allowPartial && runStart <= lastDay) {
              // Shortened: every claim says since when, at or after the period's start.
              const since = new Date(Math.max(START, runStart * DAY_MS)).toISOString();
              for (const f of claims) expect(f.evaluatedSince).toBe(since);
              if (claims.length > 0) shortened++;
              expect(listed).toBeUndefined();
            } else {
              // Not covered: no claim at all, and listed with the reason (unless excluded first).
              expect(claims).toEqual([]);
              const other = result.notEvaluated.find((n) => n.resource === p.arn);
              if (mine(legacy).length > 0 || other?.reason === 'INCOMPLETE_ACTIVITY_COVERAGE') {
                expect(other?.reason).toBe('INCOMPLETE_ACTIVITY_COVERAGE');
                notCovered++;
              }
            }
          }
          expect(result.coverage?.partialAllowed).toBe(allowPartial);
        },
      ),
      { numRuns: 150 },
    );
    // The generator reaches both outcomes.
    expect(notCovered).toBeGreaterThan(0);
    expect(shortened).toBeGreaterThan(0);
  });
});
