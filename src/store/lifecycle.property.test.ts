/**
 * The lifecycle against a reference model: random sequences of scans (random subsets of a pool of
 * findings, random details, random covered accounts), archives, unarchives and a rule give the
 * statuses and scan stats the model predicts, and every finding's history replays its statuses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings/types.js';
import { syntheticFinding, syntheticScan } from './fixtures.js';
import { openStore } from './sqlite.js';
import type { FindingStatus, ScanStats } from './types.js';

const ACCOUNTS = ['111111111111', '222222222222'];
const NAMES = ['ci-a', 'ci-b', 'app-a', 'app-b', 'web'];
/** The pool: every name in every account, as an UnusedPermission finding. */
const POOL = ACCOUNTS.flatMap((account) => NAMES.map((name) => ({ account, name })));

const variant = (p: { account: string; name: string }, v: number): Finding =>
  syntheticFinding({ account: p.account, name: p.name, services: { s3: [`A${v}`] } });

type Op =
  | { kind: 'scan'; accounts: boolean[]; present: (number | null)[] }
  | { kind: 'archive' | 'unarchive'; index: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('scan' as const),
      accounts: fc.tuple(fc.boolean(), fc.boolean()).filter(([a, b]) => a || b),
      // per pool entry: absent (null) or present with details variant 0..2
      present: fc.array(fc.option(fc.integer({ min: 0, max: 2 })), {
        minLength: POOL.length,
        maxLength: POOL.length,
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom('archive' as const, 'unarchive' as const),
      index: fc.integer({ min: 0, max: POOL.length - 1 }),
    }),
  },
);

describe('lifecycle (property)', () => {
  it('matches the reference model', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        (ops, withRule) => {
          const store = openStore(':memory:', { clock: () => new Date(0) });
          if (withRule) store.createRule('ci', { resource: { contains: [':role/ci-'] } });
          const model = new Map<string, { status: FindingStatus; v: number }>();
          const ids = POOL.map((p) => variant(p, 0).id);
          for (const op of ops) {
            if (op.kind === 'scan') {
              const covered = ACCOUNTS.filter((_, i) => op.accounts[i]);
              const findings: Finding[] = [];
              const expected: ScanStats = {
                findings: 0,
                created: 0,
                updated: 0,
                unchanged: 0,
                resolved: 0,
                reopened: 0,
                archivedByRules: 0,
                notEvaluated: 0,
                warnings: 0,
              };
              const seen = new Set<string>();
              POOL.forEach((p, i) => {
                const v = op.present[i];
                if (v === null || v === undefined || !covered.includes(p.account)) return;
                const f = variant(p, v);
                findings.push(f);
                seen.add(f.id);
                const m = model.get(f.id);
                const ruled = withRule && p.name.startsWith('ci-');
                if (m === undefined || m.status === 'RESOLVED') {
                  if (m === undefined) expected.created++;
                  else expected.reopened++;
                  model.set(f.id, { status: ruled ? 'ARCHIVED' : 'ACTIVE', v });
                  if (ruled) expected.archivedByRules++;
                } else if (m.v !== v) {
                  expected.updated++;
                  m.v = v;
                } else expected.unchanged++;
              });
              POOL.forEach((p, i) => {
                const m = model.get(ids[i]!);
                if (
                  m &&
                  covered.includes(p.account) &&
                  !seen.has(ids[i]!) &&
                  m.status !== 'RESOLVED'
                ) {
                  m.status = 'RESOLVED';
                  expected.resolved++;
                }
              });
              expected.findings = findings.length;
              const r = store.recordScan(syntheticScan(findings), { accounts: covered });
              expect(r.stats).toEqual(expected);
            } else {
              const id = ids[op.index]!;
              const m = model.get(id);
              if (m === undefined) {
                expect(() => store[op.kind]([id])).toThrow(/unknown finding id/);
                continue;
              }
              const from = op.kind === 'archive' ? 'ACTIVE' : 'ARCHIVED';
              const r = store[op.kind]([id]);
              expect(r.changed).toEqual(m.status === from ? [id] : []);
              if (m.status === from) m.status = op.kind === 'archive' ? 'ARCHIVED' : 'ACTIVE';
            }
            for (const [id, m] of model) {
              const f = store.getFinding(id)!;
              expect(f.status).toBe(m.status);
              expect(f.history.at(-1)?.toStatus).toBe(m.status);
              // each event starts from the status the previous one ended in
              f.history.forEach((h, i) => {
                if (i > 0) expect(h.fromStatus).toBe(f.history[i - 1]!.toStatus);
              });
              expect(f.finding.findingDetails).toEqual(
                variant(POOL[ids.indexOf(id)]!, m.v).findingDetails,
              );
            }
          }
          store.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
