/**
 * computeFindingsParallel against computeFindings (the reference): generated accounts (two
 * accounts, groups whose members are spread over many chunks, NotAction and Deny statements,
 * missing and invalid policies, missing groups, users with keys, excluded accounts and tags,
 * coverage gaps with and without partial coverage, data-event gaps) must give the same
 * `JSON.stringify` on 2 and 3 threads with small chunks. And a worker that fails or stops must
 * end the computation with a typed error, never a hang. The workers run the built code: run
 * `npm run build` first.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, EvidenceCoverage, dayNumber } from '../activity/coverage.js';
import type { ActivitySummary, ServiceActivity } from '../activity/types.js';
import { createCatalog, type ActionCatalog, type ActionFacts } from '../catalog/catalog.js';
import { memoryIo, reportError } from '../cli/io.js';
import { ProofFailedError } from '../errors.js';
import { computeFindings, type FindingsOptions } from '../findings/findings.js';
import type { Group, Inventory, ManagedPolicy, Principal } from '../inventory/types.js';
import { seededRandom } from '../test-support/reference.js';
import { computeFindingsParallel, FindingsWorkerError } from './parallel-findings.js';
import { catalogFromWire, catalogToWire } from './parallel-findings-worker.js';

const NOW = new Date('2024-07-01T00:00:00.000Z');
const DAYS = 30;
const START = NOW.getTime() - DAYS * DAY_MS;
const TIMES = [START - 90 * DAY_MS, START - 1, START, START + 1, NOW.getTime() - 1];
const ACCOUNTS = ['111111111111', '222222222222'];
const SERVICES = ['s3', 'ec2', 'iam', 'kms', 'sqs'];
const VERBS = ['Get', 'Put', 'List', 'Delete', 'Describe'];
const NOUNS = ['Object', 'Bucket', 'Acl', 'Policy', 'Key', 'Tag'];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number) => r() < p;
const some = <T>(r: Rand, xs: readonly T[], p: number): T[] => xs.filter(() => chance(r, p));

function genCatalog(r: Rand): ActionCatalog {
  const services: Record<string, [string, ActionFacts][]> = {};
  for (const s of some(r, SERVICES, 0.7).concat(['s3'])) {
    const names = new Set<string>();
    for (let i = 0, n = 2 + Math.floor(r() * 7); i < n; i++) {
      names.add(pick(r, VERBS) + pick(r, NOUNS) + (chance(r, 0.3) ? pick(r, NOUNS) : ''));
    }
    services[s] = [...names].map((name) => {
      const facts: ActionFacts = { accessLevel: pick(r, ['Read', 'Write', 'List'] as const) };
      if (chance(r, 0.8)) facts.tracked = chance(r, 0.8);
      return [name, facts];
    });
  }
  return createCatalog(services, 'parallel-test-catalog');
}

function genEntry(r: Rand, catalog: ActionCatalog): string {
  const a = pick(r, catalog.actions);
  const t = r();
  if (t < 0.4) return a.full;
  if (t < 0.55) return `${a.service}:*`;
  if (t < 0.75)
    return a.full.slice(0, a.service.length + 1 + Math.floor(r() * a.name.length)) + '*';
  if (t < 0.8) return '*';
  if (t < 0.9) return `${a.service}:*${a.name.slice(-3)}`;
  return `${a.service}:NotInCatalog`;
}

function genPolicy(r: Rand, catalog: ActionCatalog): Record<string, unknown> {
  if (chance(r, 0.03)) return { Version: '2012-10-17', Statement: [{ Effect: 'Maybe' }] };
  const Statement = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({
    Effect: chance(r, 0.15) ? 'Deny' : 'Allow',
    [chance(r, 0.15) ? 'NotAction' : 'Action']: Array.from(
      { length: 1 + Math.floor(r() * 3) },
      () => genEntry(r, catalog),
    ),
    Resource: '*',
  }));
  return { Version: '2012-10-17', Statement };
}

interface World {
  catalog: ActionCatalog;
  inventory: Inventory;
  activity: ActivitySummary;
  options: FindingsOptions;
}

function genWorld(seed: number): World {
  const r = seededRandom(seed);
  const catalog = genCatalog(r);
  const policies: ManagedPolicy[] = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => ({
    arn: `arn:aws:iam::${chance(r, 0.3) ? 'aws' : ACCOUNTS[0]}:policy/m${i}`,
    name: `m${i}`,
    path: '/',
    owner: ACCOUNTS[0]!,
    defaultVersionId: 'v1',
    document: genPolicy(r, catalog),
  }));
  const groups: Group[] = [];
  for (const accountId of ACCOUNTS) {
    for (let i = 0, n = Math.floor(r() * 4); i < n; i++) {
      groups.push({
        arn: `arn:aws:iam::${accountId}:group/g${i}`,
        name: `g${i}`,
        path: '/',
        accountId,
        createDate: new Date(TIMES[0]!),
        inlinePolicies: chance(r, 0.6)
          ? [{ name: `g${i}-in`, document: genPolicy(r, catalog) }]
          : [],
        attachedPolicies: some(r, policies, 0.4).map((p) => p.arn),
      });
    }
  }
  const activity: ActivitySummary = {
    principals: new Map(),
    accessKeys: new Map(),
    observability: {
      dataEventServices: new Set(some(r, catalog.services, 0.3)),
      actionLastAccessed: true,
    },
  };
  const principals: Principal[] = [];
  for (let i = 0, n = 10 + Math.floor(r() * 50); i < n; i++) {
    const accountId = pick(r, ACCOUNTS);
    const kind = chance(r, 0.4) ? 'role' : 'user';
    const path = kind === 'role' && chance(r, 0.03) ? '/aws-service-role/x.amazonaws.com/' : '/';
    const arn = `arn:aws:iam::${accountId}:${kind}${path}p${i}`;
    const own = groups.filter((g) => g.accountId === accountId);
    const p: Principal = {
      kind,
      arn,
      name: `p${i}`,
      id: `ID${i}`,
      path,
      accountId,
      createDate: chance(r, 0.05) ? new Date(START + 1) : new Date(TIMES[0]!),
      tags: new Map(chance(r, 0.1) ? [['team', pick(r, ['a', 'b'])]] : []),
      inlinePolicies: Array.from({ length: Math.floor(r() * 2) }, (_, k) => ({
        name: `p${i}-in${k}`,
        document: genPolicy(r, catalog),
      })),
      attachedPolicies: some(r, policies, 0.4)
        .map((x) => x.arn)
        .concat(chance(r, 0.05) ? [`arn:aws:iam::${accountId}:policy/missing${i % 2}`] : []),
      groups:
        kind === 'user'
          ? some(r, own, 0.6)
              .map((g) => g.name)
              .concat(chance(r, 0.03) ? ['nogroup'] : [])
          : [],
      accessKeys: [],
    };
    if (kind === 'role') {
      if (chance(r, 0.8))
        p.roleLastUsed = pick(
          r,
          TIMES.map((t) => new Date(t)),
        );
    } else {
      p.password = {
        enabled: chance(r, 0.6),
        lastUsed: chance(r, 0.7) ? new Date(pick(r, TIMES)) : null,
      };
      for (const slot of [1, 2] as const) {
        if (!chance(r, 0.5)) continue;
        const id = chance(r, 0.6) ? `AKIA${i}X${slot}` : undefined;
        p.accessKeys.push({
          ...(id === undefined ? {} : { id }),
          slot,
          active: chance(r, 0.8),
          lastUsed: chance(r, 0.6) ? new Date(pick(r, TIMES)) : null,
        });
        if (id !== undefined && chance(r, 0.5)) {
          activity.accessKeys.set(id, { userArn: arn, last: new Date(pick(r, TIMES)) });
        }
      }
    }
    principals.push(p);
    if (chance(r, 0.85)) {
      const services = new Map<string, ServiceActivity>();
      for (const s of some(r, catalog.services, 0.5)) {
        const sa: ServiceActivity = { last: new Date(pick(r, TIMES)), actions: new Map() };
        for (const a of some(r, catalog.serviceActions(s), 0.5)) {
          const d = new Date(pick(r, TIMES));
          sa.actions.set(a.name.toLowerCase(), { last: d, possible: chance(r, 0.2) });
          if (d > sa.last) sa.last = d;
        }
        if (chance(r, 0.05)) sa.allActionsAt = new Date(pick(r, TIMES));
        services.set(s, sa);
      }
      let last: Date | undefined;
      for (const sa of services.values()) if (!last || sa.last > last) last = sa.last;
      activity.principals.set(arn, { ...(last ? { last } : {}), services });
    }
  }
  // Coverage: one account fully covered, the other with a gap (before the end, or at the end).
  const firstDay = dayNumber(START);
  const gapDay = firstDay + pick(r, [3, DAYS - 1]);
  const coverage = new EvidenceCoverage()
    .addAccount(ACCOUNTS[0]!, { source: 'logs', covers: () => true, why: () => 'none' })
    .addAccount(ACCOUNTS[1]!, {
      source: 'logs',
      covers: (d) => d !== gapDay,
      why: () => `logs: no record on day ${gapDay}`,
    });
  const options: FindingsOptions = { catalog, now: NOW, trackingPeriodDays: DAYS };
  if (chance(r, 0.7)) options.coverage = coverage;
  if (chance(r, 0.5)) options.allowPartialCoverage = true;
  if (chance(r, 0.2)) options.excludeAccounts = new Set([ACCOUNTS[1]!]);
  if (chance(r, 0.3)) options.excludeTags = [{ key: 'team', value: 'b' }];
  if (chance(r, 0.2) && catalog.services.length > 0) {
    options.dataEventGaps = new Map([[ACCOUNTS[0]!, new Set([catalog.services[0]!])]]);
  }
  if (chance(r, 0.2)) options.style = pick(r, ['article', 'compact'] as const);
  if (chance(r, 0.2)) options.maxManagedPolicies = 1 + Math.floor(r() * 3);
  return {
    catalog,
    inventory: {
      principals: new Map(principals.map((p) => [p.arn, p])),
      groups: new Map(groups.map((g) => [g.arn, g])),
      policies: new Map(policies.map((p) => [p.arn, p])),
      accounts: new Set(ACCOUNTS),
    },
    activity,
    options,
  };
}

const FAILING_WORKER = new URL('../../test/scan/failing-findings-worker.mjs', import.meta.url);

afterEach(() => {
  delete process.env.IAM_REFINE_TEST_WORKER_FAILURE;
});

describe('computeFindingsParallel', () => {
  it('gives exactly the result of computeFindings, on 2 and 3 threads, in small chunks', async () => {
    let groupWarnings = 0;
    let multiChunkGroups = 0;
    let refinedGroupPolicies = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(2, 3),
        fc.integer({ min: 1, max: 4 }),
        async (seed, jobs, chunkSize) => {
          const w = genWorld(seed);
          const reference = JSON.stringify(computeFindings(w.inventory, w.activity, w.options));
          const result = await computeFindingsParallel(w.inventory, w.activity, w.options, {
            jobs,
            chunkSize,
            minPrincipals: 0,
          });
          expect(JSON.stringify(result)).toBe(reference);
          // What the cases cover (checked below over all of them).
          groupWarnings += result.warnings.filter(
            (x) => x.code === 'group_policy_not_refined',
          ).length;
          // Findings with group policies, in principal order, are cut into chunks of chunkSize.
          const byGroup = new Map<string, number>();
          const up = new Map(
            result.findings
              .filter((f) => f.findingType === 'UnusedPermission')
              .map((f) => [f.resource, f]),
          );
          let g = 0;
          for (const arn of w.inventory.principals.keys()) {
            const groupPolicies = (up.get(arn)?.policies ?? []).filter((p) => p.groupArn);
            if (groupPolicies.length === 0) continue;
            const chunk = Math.floor(g++ / chunkSize);
            for (const p of groupPolicies) {
              if (p.recommendedAction !== 'NONE') refinedGroupPolicies++;
              if ((byGroup.get(p.groupArn!) ?? chunk) !== chunk) multiChunkGroups++;
              byGroup.set(p.groupArn!, chunk);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
    expect(groupWarnings).toBeGreaterThan(0);
    expect(multiChunkGroups).toBeGreaterThan(0);
    expect(refinedGroupPolicies).toBeGreaterThan(0);
  }, 120_000);

  it('computes in the calling thread below the principal threshold or with one job', async () => {
    const w = genWorld(7);
    const reference = JSON.stringify(computeFindings(w.inventory, w.activity, w.options));
    // A worker would fail: these do not start one.
    process.env.IAM_REFINE_TEST_WORKER_FAILURE = 'exit';
    for (const parallel of [
      { jobs: 1, minPrincipals: 0, workerUrl: FAILING_WORKER },
      { jobs: 2, minPrincipals: 1_000_000, workerUrl: FAILING_WORKER },
    ]) {
      const result = await computeFindingsParallel(w.inventory, w.activity, w.options, parallel);
      expect(JSON.stringify(result)).toBe(reference);
    }
  });

  it('rebuilds the catalog with the same actions, indices, facts and version', () => {
    const catalog = genCatalog(seededRandom(3));
    const copy = catalogFromWire(structuredClone(catalogToWire(catalog)));
    expect(copy.version).toBe(catalog.version);
    expect(copy.services).toEqual(catalog.services);
    expect(copy.actions).toEqual(catalog.actions);
  });
});

describe('computeFindingsParallel when a worker fails', () => {
  const run = async (failure: string) => {
    process.env.IAM_REFINE_TEST_WORKER_FAILURE = failure;
    const w = genWorld(11);
    return computeFindingsParallel(w.inventory, w.activity, w.options, {
      jobs: 2,
      chunkSize: 1,
      minPrincipals: 0,
      workerUrl: FAILING_WORKER,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
  };

  it('a worker that stops: an internal error naming the exit code (exit status 3, one line)', async () => {
    const error = await run('exit');
    expect(error).toBeInstanceOf(FindingsWorkerError);
    expect((error as Error).message).toBe('a findings worker stopped early (exit code 7)');
    const io = memoryIo();
    expect(reportError(error, io, false)).toBe(3);
    expect(io.err.trim().split('\n')).toHaveLength(1);
    expect(io.err).toContain('internal error: a findings worker stopped early (exit code 7)');
  });

  it('a worker that stops before its first chunk: the same, no hang', async () => {
    const error = await run('exit-at-start');
    expect(error).toBeInstanceOf(FindingsWorkerError);
    expect((error as Error).message).toBe('a findings worker stopped early (exit code 9)');
  });

  it('an uncaught exception in a worker: an internal error with its message', async () => {
    const error = await run('throw');
    expect(error).toBeInstanceOf(FindingsWorkerError);
    expect((error as Error).message).toBe('a findings worker failed: boom in the worker');
  });

  it('an error the worker reports keeps its type: a failed proof stays a ProofFailedError', async () => {
    const error = await run('proof');
    expect(error).toBeInstanceOf(ProofFailedError);
    expect((error as Error).message).toBe('the refinement of p is not exact');
    const internal = await run('internal');
    expect(internal).toBeInstanceOf(FindingsWorkerError);
    expect((internal as Error).message).toBe('a findings worker failed: x is undefined');
  });
});
