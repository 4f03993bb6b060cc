/**
 * Building and merging {@link ActivitySummary} values.
 *
 * {@link ActivityAccumulator} collects evidence from any source (CloudTrail events, last-accessed
 * reports, activity CSV rows) and keeps only the latest time per principal, service and action,
 * as epoch milliseconds (no `Date` per event); {@link ActivityAccumulator.finish} turns it into an
 * {@link ActivitySummary}. Accumulators built in worker threads travel as
 * {@link ActivityAccumulator.toJSON} output and are merged on the main thread.
 *
 * Definite and possible evidence are kept apart per action: an action's `possible` flag in the
 * summary is true when its latest evidence is only *possible* use (another action of a call that
 * authorizes several), see {@link ActionUse.possible}.
 *
 * Evidence of possible use of an action of another service (`iam:PassRole` for
 * `lambda:CreateFunction`) also marks that service as used (its `last`), so that it is never
 * reported unused as a whole.
 */
import { IamRefineError } from '../errors.js';
import type { ActionMapping } from './action-mapper.js';
import { mergeKeyRuns, type KeyRun } from './key-runs.js';
import type { ActionUse, ActivitySummary, PrincipalActivity, ServiceActivity } from './types.js';

/** "No evidence": compares below every time. */
const NONE = -Infinity;

interface ActionAcc {
  /** Latest definite use, or {@link NONE}. */
  definite: number;
  /** Latest possible use, or {@link NONE}. */
  possible: number;
}

interface ServiceAcc {
  last: number;
  /** Latest evidence that counts for every action of the service, or {@link NONE}. */
  all: number;
  actions: Map<string, ActionAcc>;
}

interface PrincipalAcc {
  last: number;
  services: Map<string, ServiceAcc>;
  /**
   * Latest time per mapped call, not yet expanded into services and actions (the fast path of
   * {@link ActivityAccumulator.recordMapping}; mappings are cached objects, so few distinct keys).
   */
  pending: Map<ActionMapping, number> | undefined;
}

/** Format number of {@link AccumulatorJson}. */
export const ACCUMULATOR_JSON_FORMAT = 1;

/**
 * An accumulator as plain JSON (times are epoch milliseconds, `null` for none): what a worker
 * thread sends back.
 */
export interface AccumulatorJson {
  format: typeof ACCUMULATOR_JSON_FORMAT;
  /** `[arn, last, services]`, a service being `[prefix, last, allActionsAt, actions]`, an action `[name, definite, possible]`. */
  principals: [
    string,
    number,
    [string, number, number | null, [string, number | null, number | null][]][],
  ][];
  /** `[keyId, userArn, last]`. */
  accessKeys: [string, string, number][];
  /** `[from, to]` or `null`. */
  coverage: [number, number] | null;
  dataEventServices: string[];
  actionLastAccessed: boolean;
}

/** Mutable collector of activity evidence; see the module comment. */
export class ActivityAccumulator {
  private readonly principals = new Map<string, PrincipalAcc>();
  private readonly keys = new Map<string, { userArn: string; last: number }>();
  /**
   * Keys recorded as sorted runs ({@link recordAccessKeyRuns}), after those of {@link keys}: merged
   * straight into the summary by {@link finish} (a linear merge, not a `Map` insertion and a sort
   * of every key), and recorded one by one only when a key is recorded after them.
   */
  private keyRuns: KeyRun[] = [];
  private readonly dataEventServices = new Set<string>();
  private actionLastAccessed = false;
  private from = Infinity;
  private to = -Infinity;

  /**
   * Records evidence that `principalArn` used `service` (IAM prefix, any case) at `time`:
   * - `action` a name (any case, without the prefix): that action, definitely or (`possible`)
   *   possibly used;
   * - `action` `null`: the service was used and the evidence cannot say which actions, so every
   *   action of the service counts as used (`allActionsAt`).
   */
  record(
    principalArn: string,
    service: string,
    action: string | null,
    time: number | Date,
    possible = false,
  ): void {
    const ms = toMs(time);
    const svc = this.service(this.principal(principalArn, ms), service.toLowerCase(), ms);
    if (action === null) {
      if (ms > svc.all) svc.all = ms;
    } else {
      updateAction(svc, action.toLowerCase(), ms, possible);
    }
  }

  /**
   * Records that `principalArn` used `service` at `time` without saying anything about its
   * actions (an IAM last-accessed service entry whose actions are reported separately).
   */
  touchService(principalArn: string, service: string, time: number | Date): void {
    const ms = toMs(time);
    this.service(this.principal(principalArn, ms), service.toLowerCase(), ms);
  }

  /**
   * Records a mapped call (the CloudTrail fast path): equivalent to recording every action of
   * `mapping` (used, possible, or the whole service), but expanded only once per distinct mapping
   * and principal. `mapping` must not change afterwards (the action mapper's results never do).
   */
  recordMapping(principalArn: string, mapping: ActionMapping, ms: number): void {
    const p = this.principal(principalArn, ms);
    const pending = (p.pending ??= new Map());
    const seen = pending.get(mapping);
    if (seen === undefined || ms > seen) pending.set(mapping, ms);
  }

  /** Records the use of a long-term access key by its user. */
  recordAccessKey(keyId: string, userArn: string, time: number | Date): void {
    const ms = toMs(time);
    if (this.keyRuns.length > 0) this.settleKeyRuns();
    const key = this.keys.get(keyId);
    if (key === undefined) this.keys.set(keyId, { userArn, last: ms });
    else if (ms > key.last) {
      key.last = ms;
      key.userArn = userArn;
    }
  }

  /**
   * Records the keys of `runs` (each sorted by key ID, each ID once, never changed afterwards:
   * see `key-runs.ts`), as if each run's keys were recorded by {@link recordAccessKey} in turn.
   *
   * @throws IamRefineError when a time is not a finite number.
   */
  recordAccessKeyRuns(runs: readonly KeyRun[]): void {
    for (const run of runs) {
      if (run.ids.length === 0) continue;
      for (let i = 0; i < run.last.length; i++) toMs(run.last[i]!);
      this.keyRuns.push(run);
    }
  }

  /** Records the keys of {@link keyRuns} one by one (before a key recorded after them). */
  private settleKeyRuns(): void {
    const runs = this.keyRuns;
    this.keyRuns = [];
    for (const run of runs) {
      for (let i = 0; i < run.ids.length; i++) {
        this.recordAccessKey(run.ids[i]!, run.users[run.user[i]!]!, run.last[i]!);
      }
    }
  }

  /** Every access key as sorted runs, in the order recorded ({@link keys} first). */
  private allKeyRuns(): KeyRun[] {
    if (this.keys.size === 0) return this.keyRuns.slice();
    const ids = [...this.keys.keys()].sort();
    const first: KeyRun = {
      ids,
      users: ids.map((id) => this.keys.get(id)!.userArn),
      user: ids.map((_, i) => i),
      last: ids.map((id) => this.keys.get(id)!.last),
    };
    return [first, ...this.keyRuns];
  }

  /** Calls `fn` with every access key once, sorted by key ID. */
  private eachKey(fn: (id: string, userArn: string, last: number) => void): void {
    mergeKeyRuns(this.allKeyRuns(), fn);
  }

  /** Widens the covered time span to include `time` (any event seen, attributed or not). */
  cover(time: number | Date): void {
    const ms = toMs(time);
    if (ms < this.from) this.from = ms;
    if (ms > this.to) this.to = ms;
  }

  /**
   * Adds to what the sources could observe: services whose data events the logs hold (lower-cased),
   * and whether action-level last-accessed data was given.
   */
  observe(what: { dataEventServices?: Iterable<string>; actionLastAccessed?: boolean }): void {
    for (const s of what.dataEventServices ?? []) this.dataEventServices.add(s.toLowerCase());
    if (what.actionLastAccessed === true) this.actionLastAccessed = true;
  }

  /** Adds everything `other` holds into this accumulator (latest time wins); `other` is unchanged. */
  merge(other: ActivityAccumulator): this {
    other.expandPending();
    this.expandPending();
    for (const [arn, op] of other.principals) {
      const p = this.principal(arn, op.last);
      for (const [name, os] of op.services) {
        const s = this.service(p, name, os.last);
        if (os.all > s.all) s.all = os.all;
        for (const [action, oa] of os.actions) {
          const a = s.actions.get(action);
          if (a === undefined)
            s.actions.set(action, { definite: oa.definite, possible: oa.possible });
          else {
            if (oa.definite > a.definite) a.definite = oa.definite;
            if (oa.possible > a.possible) a.possible = oa.possible;
          }
        }
      }
    }
    if (this.keyRuns.length === 0 && other.keyRuns.length === 0) {
      for (const [id, k] of other.keys) this.recordAccessKey(id, k.userArn, k.last);
    } else {
      // As runs, in the order recorded: this one's keys, then the other's.
      this.keyRuns.push(...other.allKeyRuns());
    }
    if (other.from <= other.to) {
      this.cover(other.from);
      this.cover(other.to);
    }
    this.observe({
      dataEventServices: other.dataEventServices,
      actionLastAccessed: other.actionLastAccessed,
    });
    return this;
  }

  /** The accumulator as plain JSON data (see {@link AccumulatorJson}); {@link fromJSON} reads it. */
  toJSON(): AccumulatorJson {
    this.expandPending();
    const orNull = (ms: number): number | null => (ms === NONE ? null : ms);
    return {
      format: ACCUMULATOR_JSON_FORMAT,
      principals: [...this.principals].map(([arn, p]) => [
        arn,
        p.last,
        [...p.services].map(([name, s]) => [
          name,
          s.last,
          orNull(s.all),
          [...s.actions].map(([action, a]) => [action, orNull(a.definite), orNull(a.possible)]),
        ]),
      ]),
      accessKeys: this.accessKeyList(),
      coverage: this.from <= this.to ? [this.from, this.to] : null,
      dataEventServices: [...this.dataEventServices],
      actionLastAccessed: this.actionLastAccessed,
    };
  }

  private accessKeyList(): [string, string, number][] {
    const list: [string, string, number][] = [];
    this.eachKey((id, userArn, last) => list.push([id, userArn, last]));
    return list;
  }

  /**
   * Rebuilds an accumulator from {@link toJSON} output.
   *
   * @throws IamRefineError when `json` does not have that shape.
   */
  static fromJSON(json: unknown): ActivityAccumulator {
    const bad = (what: string): never => {
      throw new IamRefineError(
        `not an activity accumulator (format ${ACCUMULATOR_JSON_FORMAT}): ${what}`,
      );
    };
    if (!isRecord(json) || json.format !== ACCUMULATOR_JSON_FORMAT) bad('wrong format');
    const j = json as unknown as AccumulatorJson;
    if (!Array.isArray(j.principals) || !Array.isArray(j.accessKeys)) bad('missing lists');
    const acc = new ActivityAccumulator();
    const time = (v: unknown): number =>
      typeof v === 'number' ? v : v === null ? NONE : bad('bad time');
    for (const entry of j.principals) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[2])) {
        bad('bad principal');
      }
      const p = acc.principal(entry[0], time(entry[1]));
      for (const se of entry[2]) {
        if (!Array.isArray(se) || typeof se[0] !== 'string' || !Array.isArray(se[3]))
          bad('bad service');
        const s = acc.service(p, se[0], time(se[1]));
        s.all = Math.max(s.all, time(se[2]));
        for (const ae of se[3]) {
          if (!Array.isArray(ae) || typeof ae[0] !== 'string') bad('bad action');
          s.actions.set(ae[0], { definite: time(ae[1]), possible: time(ae[2]) });
        }
      }
    }
    for (const k of j.accessKeys) {
      if (!Array.isArray(k) || typeof k[0] !== 'string' || typeof k[1] !== 'string') bad('bad key');
      acc.recordAccessKey(k[0], k[1], time(k[2]));
    }
    if (j.coverage !== null && j.coverage !== undefined) {
      if (!Array.isArray(j.coverage)) bad('bad coverage');
      acc.cover(time(j.coverage[0]));
      acc.cover(time(j.coverage[1]));
    }
    if (!Array.isArray(j.dataEventServices)) bad('bad dataEventServices');
    acc.observe({
      dataEventServices: j.dataEventServices,
      actionLastAccessed: j.actionLastAccessed === true,
    });
    return acc;
  }

  /** Rebuilds an accumulator from a summary (so that summaries can be merged). */
  static fromSummary(summary: ActivitySummary): ActivityAccumulator {
    const acc = new ActivityAccumulator();
    for (const [arn, pa] of summary.principals) {
      const p = acc.principal(arn, pa.last?.getTime() ?? NONE);
      for (const [name, sa] of pa.services) {
        const s = acc.service(p, name, sa.last.getTime());
        if (sa.allActionsAt !== undefined) s.all = sa.allActionsAt.getTime();
        for (const [action, use] of sa.actions) {
          const ms = use.last.getTime();
          s.actions.set(
            action,
            use.possible ? { definite: NONE, possible: ms } : { definite: ms, possible: NONE },
          );
        }
      }
    }
    for (const [id, k] of summary.accessKeys) acc.recordAccessKey(id, k.userArn, k.last);
    if (summary.coverage !== undefined) {
      acc.cover(summary.coverage.from);
      acc.cover(summary.coverage.to);
    }
    acc.observe(summary.observability);
    return acc;
  }

  /**
   * The summary of everything recorded, with principals, services and actions in sorted order.
   * The accumulator stays usable.
   */
  finish(): ActivitySummary {
    this.expandPending();
    const principals = new Map<string, PrincipalActivity>();
    for (const arn of [...this.principals.keys()].sort()) {
      const p = this.principals.get(arn)!;
      const services = new Map<string, ServiceActivity>();
      for (const name of [...p.services.keys()].sort()) {
        const s = p.services.get(name)!;
        const actions = new Map<string, ActionUse>();
        for (const action of [...s.actions.keys()].sort()) {
          const a = s.actions.get(action)!;
          const last = Math.max(a.definite, a.possible);
          actions.set(action, { last: new Date(last), possible: a.possible > a.definite });
        }
        const activity: ServiceActivity = { last: new Date(s.last), actions };
        if (s.all !== NONE) activity.allActionsAt = new Date(s.all);
        services.set(name, activity);
      }
      const activity: PrincipalActivity = { services };
      if (p.last !== NONE) activity.last = new Date(p.last);
      principals.set(arn, activity);
    }
    const accessKeys = new Map<string, { userArn: string; last: Date }>();
    this.eachKey((id, userArn, last) => accessKeys.set(id, { userArn, last: new Date(last) }));
    const summary: ActivitySummary = {
      principals,
      accessKeys,
      observability: {
        dataEventServices: new Set([...this.dataEventServices].sort()),
        actionLastAccessed: this.actionLastAccessed,
      },
    };
    if (this.from <= this.to)
      summary.coverage = { from: new Date(this.from), to: new Date(this.to) };
    return summary;
  }

  private principal(arn: string, ms: number): PrincipalAcc {
    let p = this.principals.get(arn);
    if (p === undefined) {
      p = { last: ms, services: new Map(), pending: undefined };
      this.principals.set(arn, p);
    } else if (ms > p.last) p.last = ms;
    return p;
  }

  private service(p: PrincipalAcc, name: string, ms: number): ServiceAcc {
    let s = p.services.get(name);
    if (s === undefined) {
      s = { last: ms, all: NONE, actions: new Map() };
      p.services.set(name, s);
    } else if (ms > s.last) s.last = ms;
    return s;
  }

  /** Expands the fast-path {@link PrincipalAcc.pending} entries into services and actions. */
  private expandPending(): void {
    for (const p of this.principals.values()) {
      if (p.pending === undefined) continue;
      for (const [m, ms] of p.pending) {
        const own = this.service(p, m.service, ms);
        if (m.wholeService && ms > own.all) own.all = ms;
        for (const action of m.used) updateAction(own, action, ms, false);
        for (const q of m.possible) {
          const svc = q.service === m.service ? own : this.service(p, q.service, ms);
          updateAction(svc, q.action, ms, true);
        }
      }
      p.pending = undefined;
    }
  }
}

function updateAction(s: ServiceAcc, action: string, ms: number, possible: boolean): void {
  let a = s.actions.get(action);
  if (a === undefined) {
    a = { definite: NONE, possible: NONE };
    s.actions.set(action, a);
  }
  if (possible) {
    if (ms > a.possible) a.possible = ms;
  } else if (ms > a.definite) a.definite = ms;
}

function toMs(time: number | Date): number {
  const ms = typeof time === 'number' ? time : time.getTime();
  if (!Number.isFinite(ms)) throw new IamRefineError(`invalid activity time ${String(time)}`);
  return ms;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges two summaries (pure: neither is changed): for every principal, service, action and access
 * key the latest use of either wins; an action is `possible` when its latest evidence is only
 * possible use in both (or in the later one); data-event services are united, action-level
 * last-accessed observability holds when either has it, and the coverage is the span of both.
 */
export function mergeSummaries(a: ActivitySummary, b: ActivitySummary): ActivitySummary {
  return ActivityAccumulator.fromSummary(a).merge(ActivityAccumulator.fromSummary(b)).finish();
}
