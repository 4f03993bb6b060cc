/**
 * CloudTrail activity before it is mapped to IAM actions: the latest time per principal, event
 * source and event name (and per long-term access key), as epoch milliseconds.
 *
 * Worker threads only parse log files and group events into a {@link RawActivity}; they need
 * neither the catalog nor the operation data, which keeps them small and quick to start. The
 * calling thread maps each distinct (source, name) once, with {@link RawActivity.applyTo}, into an
 * {@link ActivityAccumulator}: the same result as mapping every event, since the accumulator keeps
 * only the latest time of each mapped action.
 */
import { IamRefineError } from '../errors.js';
import type { ActionMapper } from './action-mapper.js';
import type { ActivityAccumulator } from './summary.js';

/**
 * A copy of `s` that does not keep alive the string it may be a slice of. V8 represents a slice
 * of 13 or more characters as a view of its parent; copying through a concatenation (which
 * `slice` flattens into a new string) keeps only the copy. Measured: 50 slices of 35 characters of
 * 10 MB texts kept 480 MiB of heap alive, their detached copies 12 MiB (the process baseline).
 */
export function detachString(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** Format number of {@link RawActivityJson}. */
export const RAW_ACTIVITY_FORMAT = 2;

/** A {@link RawActivity} as plain JSON: what a worker thread sends back. */
export interface RawActivityJson {
  format: typeof RAW_ACTIVITY_FORMAT;
  /** `[principal, [[eventSource, [[eventName, ms], ...]], ...]]`. */
  principals: [string, [string, [string, number][]][]][];
  /**
   * The access keys column-wise, sorted by key ID: key `ids[i]` was last used at `last[i]` by
   * `users[user[i]]`.
   * (A worker can hold hundreds of thousands of keys of a few users: columns copy much faster
   * between threads than one small array per key, each repeating its user's ARN.)
   */
  keys: { ids: string[]; users: string[]; user: number[]; last: number[] };
  /** `[from, to]`, or `null` when no event had a valid time. */
  coverage: [number, number] | null;
}

/** Latest time per principal → event source → event name, access keys and coverage. */
export class RawActivity {
  private readonly principals = new Map<string, Map<string, Map<string, number>>>();
  /**
   * Access keys: the index of each key ID in {@link keyUser} and {@link keyLast}. Columns, not an
   * object per key: a worker can hold hundreds of thousands of keys, and each object would be
   * marked again by every garbage collection (measured: GC was the cost of many keys).
   */
  private readonly keys = new Map<string, number>();
  private readonly keyUser: string[] = [];
  private readonly keyLast: number[] = [];
  private readonly userArns = new Map<string, string>();
  private from = Infinity;
  private to = -Infinity;

  /**
   * Records one call of `name` on `source` by `principal` at `ms`. The strings may be slices of
   * a log file's text: those kept (new entries) are copied with {@link detachString}.
   */
  add(principal: string, source: string, name: string, ms: number): void {
    let sources = this.principals.get(principal);
    if (sources === undefined) this.principals.set(detachString(principal), (sources = new Map()));
    let names = sources.get(source);
    if (names === undefined) sources.set(detachString(source), (names = new Map()));
    const seen = names.get(name);
    if (seen === undefined) names.set(detachString(name), ms);
    else if (ms > seen) names.set(name, ms);
  }

  /**
   * Records the use of a long-term access key by its user (strings kept as by `add`; each user
   * ARN once, however many keys it has).
   */
  addKey(keyId: string, userArn: string, ms: number): void {
    this.addKeyKept(keyId, this.userArn(userArn), ms, true);
  }

  /**
   * {@link addKey} of a user ARN already kept by {@link userArn}; `detach`: copy a new key ID
   * (false for strings that are not slices of a log text: those of {@link addJSON}).
   */
  private addKeyKept(keyId: string, keptArn: string, ms: number, detach: boolean): void {
    const index = this.keys.get(keyId);
    if (index === undefined) {
      this.keys.set(detach ? detachString(keyId) : keyId, this.keyLast.length);
      this.keyUser.push(keptArn);
      this.keyLast.push(ms);
    } else if (ms > this.keyLast[index]!) {
      this.keyLast[index] = ms;
      this.keyUser[index] = keptArn;
    }
  }

  /** `arn`, stored once (detached). */
  private userArn(arn: string): string {
    let kept = this.userArns.get(arn);
    if (kept === undefined) this.userArns.set((kept = detachString(arn)), kept);
    return kept;
  }

  /** Widens the covered span to include `ms`. */
  cover(ms: number): void {
    if (ms < this.from) this.from = ms;
    if (ms > this.to) this.to = ms;
  }

  /** Adds everything `other` holds (latest time wins). */
  merge(other: RawActivity): this {
    for (const [principal, sources] of other.principals) {
      for (const [source, names] of sources) {
        for (const [name, ms] of names) this.add(principal, source, name, ms);
      }
    }
    for (const [id, i] of other.keys) this.addKey(id, other.keyUser[i]!, other.keyLast[i]!);
    if (other.from <= other.to) {
      this.cover(other.from);
      this.cover(other.to);
    }
    return this;
  }

  /**
   * Maps every (source, name) with `mapper` and records the results in `acc` (with the access
   * keys and the coverage).
   */
  applyTo(acc: ActivityAccumulator, mapper: ActionMapper): void {
    for (const [principal, sources] of this.principals) {
      for (const [source, names] of sources) {
        for (const [name, ms] of names) acc.recordMapping(principal, mapper.map(source, name), ms);
      }
    }
    for (const [id, i] of this.keys) acc.recordAccessKey(id, this.keyUser[i]!, this.keyLast[i]!);
    if (this.from <= this.to) {
      acc.cover(this.from);
      acc.cover(this.to);
    }
  }

  /** The activity as plain JSON data; {@link RawActivity.fromJSON} reads it back. */
  toJSON(): RawActivityJson {
    return {
      format: RAW_ACTIVITY_FORMAT,
      principals: [...this.principals].map(([principal, sources]) => [
        principal,
        [...sources].map(([source, names]) => [source, [...names]]),
      ]),
      keys: this.keysJson(),
      coverage: this.from <= this.to ? [this.from, this.to] : null,
    };
  }

  /**
   * The keys as columns, sorted by key ID: a worker sorts its own keys (in parallel with the
   * others), so that the calling thread's final sort (`ActivityAccumulator.finish`) meets a few
   * sorted runs, which it merges in linear time (measured with 175,000 keys from two workers:
   * 136 ms instead of 395 ms of serial work).
   */
  private keysJson(): RawActivityJson['keys'] {
    const users = new Map<string, number>();
    const out: RawActivityJson['keys'] = { ids: [], users: [], user: [], last: [] };
    for (const id of [...this.keys.keys()].sort()) {
      const i = this.keys.get(id)!;
      const arn = this.keyUser[i]!;
      let u = users.get(arn);
      if (u === undefined) {
        users.set(arn, (u = out.users.length));
        out.users.push(arn);
      }
      out.ids.push(id);
      out.user.push(u);
      out.last.push(this.keyLast[i]!);
    }
    return out;
  }

  /**
   * Rebuilds an activity from {@link RawActivity.toJSON} output.
   *
   * @throws IamRefineError when `json` does not have that shape.
   */
  static fromJSON(json: unknown): RawActivity {
    return new RawActivity().addJSON(json);
  }

  /**
   * Adds the activity of {@link RawActivity.toJSON} output (latest time wins), without building
   * it first: what the calling thread does with each worker's activity.
   *
   * @throws IamRefineError when `json` does not have that shape (then nothing is added).
   */
  addJSON(json: unknown): this {
    const bad = (): never => {
      throw new IamRefineError(`not raw CloudTrail activity (format ${RAW_ACTIVITY_FORMAT})`);
    };
    const j = json as RawActivityJson | null;
    if (
      typeof j !== 'object' ||
      j === null ||
      j.format !== RAW_ACTIVITY_FORMAT ||
      !Array.isArray(j.principals) ||
      typeof j.keys !== 'object' ||
      j.keys === null
    ) {
      return bad();
    }
    const { ids, users, user, last } = j.keys;
    if (
      !Array.isArray(ids) ||
      !Array.isArray(users) ||
      !Array.isArray(user) ||
      !Array.isArray(last) ||
      user.length !== ids.length ||
      last.length !== ids.length ||
      users.some((u) => typeof u !== 'string')
    ) {
      return bad();
    }
    for (let i = 0; i < ids.length; i++) {
      const u = user[i];
      if (
        typeof ids[i] !== 'string' ||
        typeof last[i] !== 'number' ||
        typeof u !== 'number' ||
        users[u] === undefined
      ) {
        bad();
      }
    }
    for (const [principal, sources] of j.principals) {
      if (typeof principal !== 'string' || !Array.isArray(sources)) bad();
      for (const [source, names] of sources) {
        if (typeof source !== 'string' || !Array.isArray(names)) bad();
        for (const [name, ms] of names) {
          if (typeof name !== 'string' || typeof ms !== 'number') bad();
        }
      }
    }
    if (
      j.coverage !== null &&
      (!Array.isArray(j.coverage) || j.coverage.some((v) => typeof v !== 'number'))
    ) {
      bad();
    }
    // Checked: add.
    for (const [principal, sources] of j.principals) {
      for (const [source, names] of sources) {
        for (const [name, ms] of names) this.add(principal, source, name, ms);
      }
    }
    // Each user's ARN kept once; the key IDs are the message's own strings (not slices: kept as
    // they are). Measured with 175,000 keys from two workers: a third less serial time.
    const kept = users.map((u) => this.userArn(u));
    for (let i = 0; i < ids.length; i++) this.addKeyKept(ids[i]!, kept[user[i]!]!, last[i]!, false);
    if (j.coverage !== null) {
      this.cover(j.coverage[0]);
      this.cover(j.coverage[1]);
    }
    return this;
  }
}
