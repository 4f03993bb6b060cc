/**
 * CloudTrail activity before it is mapped to IAM actions: the latest time per principal, event
 * source and event name (and per long-term access key), as epoch milliseconds.
 *
 * Worker threads only parse log files and group events into a {@link RawActivity}; they need
 * neither the catalog nor the operation data, which keeps them small and quick to start. The
 * calling thread maps each distinct (source, name) once, with {@link RawActivity.applyTo}, into an
 * {@link ActivityAccumulator}: the same result as mapping every event, since the accumulator keeps
 * only the latest time of each mapped action.
 *
 * The byte path of the reader groups records on ids of interned byte strings ({@link IdGroups},
 * one table of integer keys for the whole read, not nested `Map`s of strings per file) and
 * records keys straight from the bytes (`key-table.ts`); both become strings once, when the
 * activity is sent or applied. Keys leave sorted by ID, as runs that the calling thread merges
 * (`key-runs.ts`). What is sent ({@link RawActivity.toJSON}) is in a canonical order:
 * principals, sources and names sorted, whichever path and file order grouped them.
 */
import type { Buffer } from 'node:buffer';
import { randomInt } from 'node:crypto';
import { IamRefineError } from '../errors.js';
import type { ActionMapper } from './action-mapper.js';
import type { ByteInterner } from './byte-interner.js';
import { EMPTY_KEY_RUN, mergeKeyRuns, toKeyRun, type KeyRun } from './key-runs.js';
import { KeyTable, mix } from './key-table.js';
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

/** A {@link RawActivity} as plain JSON. */
export interface RawActivityJson {
  format: typeof RAW_ACTIVITY_FORMAT;
  /** `[principal, [[eventSource, [[eventName, ms], ...]], ...]]`, each level sorted. */
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

/**
 * {@link RawActivityJson} with its key columns `user` and `last` as typed arrays: what a worker
 * thread sends back (the arrays' buffers are transferred, not copied).
 */
export interface RawActivityMessage extends Omit<RawActivityJson, 'keys'> {
  keys: { ids: string[]; users: string[]; user: Int32Array; last: Float64Array };
}

/** Per process: the slots of {@link IdGroups} cannot be predicted from the log files. */
const ID_SEED = randomInt(0x7fffffff);

/**
 * Groups of a {@link RawActivity} recorded by ids: a principal id of `principals` and a call (event
 * source and name) id of `calls`, below 2^14 and 2^16 (see `cloudtrail-file.ts`'s interning).
 * Hand-written (an open-addressed table of the latest time per `principalId * 2^16 + callId`, in
 * typed arrays) because it is on the per-record path: measured reading 900,000 records in one
 * thread, its self time was 81 ms against 169 ms for a `Map` of numbers.
 */
export class IdGroups {
  readonly principals: ByteInterner;
  readonly calls: ByteInterner;
  /** The group key plus one in each slot (0: free), and its latest time. */
  private keys = new Int32Array(1024);
  private times = new Float64Array(1024);
  private count = 0;

  constructor(principals: ByteInterner, calls: ByteInterner) {
    this.principals = principals;
    this.calls = calls;
  }

  /** Records one call `callId` by `principalId` at `ms`. */
  add(principalId: number, callId: number, ms: number): void {
    const key = principalId * 0x10000 + callId + 1;
    const keys = this.keys;
    const mask = keys.length - 1;
    let slot = mix(key ^ ID_SEED) & mask;
    for (;;) {
      const k = keys[slot]!;
      if (k === key) {
        if (ms > this.times[slot]!) this.times[slot] = ms;
        return;
      }
      if (k === 0) break;
      slot = (slot + 1) & mask;
    }
    keys[slot] = key;
    this.times[slot] = ms;
    if (++this.count * 2 > keys.length) this.grow();
  }

  /** Calls `fn` with each group: principal id, call id, latest time (in no particular order). */
  forEach(fn: (principalId: number, callId: number, ms: number) => void): void {
    const keys = this.keys;
    for (let slot = 0; slot < keys.length; slot++) {
      const k = keys[slot]!;
      if (k !== 0) fn((k - 1) >>> 16, (k - 1) & 0xffff, this.times[slot]!);
    }
  }

  /** Twice the slots (at most half of them are taken). */
  private grow(): void {
    const old = this.keys;
    const oldTimes = this.times;
    const keys = new Int32Array(old.length * 2);
    const times = new Float64Array(old.length * 2);
    const mask = keys.length - 1;
    for (let i = 0; i < old.length; i++) {
      const k = old[i]!;
      if (k === 0) continue;
      let slot = mix(k ^ ID_SEED) & mask;
      while (keys[slot] !== 0) slot = (slot + 1) & mask;
      keys[slot] = k;
      times[slot] = oldTimes[i]!;
    }
    this.keys = keys;
    this.times = times;
  }
}

/** Latest time per principal → event source → event name, access keys and coverage. */
export class RawActivity {
  private readonly principals = new Map<string, Map<string, Map<string, number>>>();
  /** Groups recorded by ids (the byte path), until {@link settleIds} adds them as strings. */
  private ids: IdGroups | undefined;
  /**
   * Access keys recorded one use at a time (users are indexes of {@link keyUsers}); then, in
   * the order recorded, sorted runs of keys added whole ({@link addJSON}, {@link merge}).
   */
  private readonly keyTable = new KeyTable();
  private readonly keyUsers: string[] = [];
  private readonly keyUserIndex = new Map<string, number>();
  private keyRuns: KeyRun[] = [];
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
   * Where to record calls by ids of `principals` and `calls` (interned strings, which must stay
   * unchanged): the same groups for the same interners; for others, the groups so far are added
   * as strings first.
   */
  idGroups(principals: ByteInterner, calls: ByteInterner): IdGroups {
    const ids = this.ids;
    if (ids !== undefined && ids.principals === principals && ids.calls === calls) return ids;
    this.settleIds();
    return (this.ids = new IdGroups(principals, calls));
  }

  /** Adds the groups recorded by ids as strings. */
  private settleIds(): void {
    const ids = this.ids;
    if (ids === undefined) return;
    this.ids = undefined;
    const { principals, calls } = ids;
    ids.forEach((principal, call, ms) =>
      this.add(principals.first[principal]!, calls.first[call]!, calls.second[call]!, ms),
    );
  }

  /**
   * Records the use of a long-term access key by its user (the user ARN kept once, however many
   * keys it has; the key ID not kept as a string).
   */
  addKey(keyId: string, userArn: string, ms: number): void {
    if (this.keyRuns.length > 0) this.settleKeyRuns();
    this.keyTable.addString(keyId, this.userIndex(userArn), ms);
  }

  /** {@link addKey} of the key whose ID is the ASCII bytes `bytes[start, end)`. */
  addKeyBytes(bytes: Buffer, start: number, end: number, userArn: string, ms: number): void {
    if (this.keyRuns.length > 0) this.settleKeyRuns();
    this.keyTable.addBytes(bytes, start, end, this.userIndex(userArn), ms);
  }

  /** The index of `arn` in {@link keyUsers} (added, detached, when new). */
  private userIndex(arn: string): number {
    let u = this.keyUserIndex.get(arn);
    if (u === undefined) {
      const kept = detachString(arn);
      this.keyUserIndex.set(kept, (u = this.keyUsers.length));
      this.keyUsers.push(kept);
    }
    return u;
  }

  /** Records the keys of the runs one by one (before a key is recorded after them). */
  private settleKeyRuns(): void {
    const runs = this.keyRuns;
    this.keyRuns = [];
    for (const run of runs) {
      const users = run.users.map((u) => this.userIndex(u));
      for (let i = 0; i < run.ids.length; i++) {
        this.keyTable.addString(run.ids[i]!, users[run.user[i]!]!, run.last[i]!);
      }
    }
  }

  /** All the keys, as sorted runs in the order recorded. */
  private allKeyRuns(): KeyRun[] {
    const runs = this.keyTable.size > 0 ? [this.keyTable.sortedRun(this.keyUsers)] : [];
    return runs.concat(this.keyRuns);
  }

  /**
   * All the keys in one sorted run, whose users are those of its keys, in the order of their first
   * key (so that the same keys give the same run, however they were recorded).
   */
  private keyRun(): KeyRun {
    const runs = this.allKeyRuns();
    if (runs.length <= 1) {
      const run = runs[0] ?? EMPTY_KEY_RUN;
      const index = new Int32Array(run.users.length).fill(-1);
      const users: string[] = [];
      const user = new Int32Array(run.ids.length);
      for (let i = 0; i < user.length; i++) {
        const u = run.user[i]!;
        if (index[u]! < 0) {
          index[u] = users.length;
          users.push(run.users[u]!);
        }
        user[i] = index[u]!;
      }
      return { ids: run.ids, users, user, last: run.last };
    }
    const ids: string[] = [];
    const users: string[] = [];
    const user: number[] = [];
    const last: number[] = [];
    const index = new Map<string, number>();
    mergeKeyRuns(runs, (id, arn, ms) => {
      let u = index.get(arn);
      if (u === undefined) {
        index.set(arn, (u = users.length));
        users.push(arn);
      }
      ids.push(id);
      user.push(u);
      last.push(ms);
    });
    return { ids, users, user, last };
  }

  /** Widens the covered span to include `ms`. */
  cover(ms: number): void {
    if (ms < this.from) this.from = ms;
    if (ms > this.to) this.to = ms;
  }

  /** Adds everything `other` holds (latest time wins). */
  merge(other: RawActivity): this {
    other.settleIds();
    for (const [principal, sources] of other.principals) {
      for (const [source, names] of sources) {
        for (const [name, ms] of names) this.add(principal, source, name, ms);
      }
    }
    if (this.keyRuns.length === 0 && other.keyRuns.length === 0) {
      other.keyTable.forEach((id, ms, u) => this.addKey(id, other.keyUsers[u]!, ms));
    } else this.keyRuns.push(...other.allKeyRuns());
    if (other.from <= other.to) {
      this.cover(other.from);
      this.cover(other.to);
    }
    return this;
  }

  /**
   * Maps every (source, name) with `mapper` and records the results in `acc` (with the access
   * keys, as sorted runs, and the coverage).
   */
  applyTo(acc: ActivityAccumulator, mapper: ActionMapper): void {
    this.settleIds();
    for (const [principal, sources] of this.principals) {
      for (const [source, names] of sources) {
        for (const [name, ms] of names) acc.recordMapping(principal, mapper.map(source, name), ms);
      }
    }
    acc.recordAccessKeyRuns(this.allKeyRuns());
    if (this.from <= this.to) {
      acc.cover(this.from);
      acc.cover(this.to);
    }
  }

  /** The activity as plain JSON data; {@link RawActivity.fromJSON} reads it back. */
  toJSON(): RawActivityJson {
    const keys = this.keyRun();
    return {
      ...this.withoutKeys(),
      keys: {
        ids: [...keys.ids],
        users: [...keys.users],
        user: Array.from(keys.user),
        last: Array.from(keys.last),
      },
    };
  }

  /**
   * {@link toJSON} with the key columns as typed arrays, and the buffers to transfer with it: what
   * a worker sends (the keys were sorted by the worker, in parallel with the others).
   */
  toMessage(): { activity: RawActivityMessage; transfer: ArrayBuffer[] } {
    const keys = this.keyRun();
    const user = Int32Array.from(keys.user);
    const last = Float64Array.from(keys.last);
    return {
      activity: {
        ...this.withoutKeys(),
        keys: { ids: [...keys.ids], users: [...keys.users], user, last },
      },
      transfer: [user.buffer, last.buffer],
    };
  }

  private withoutKeys(): Omit<RawActivityJson, 'keys'> {
    this.settleIds();
    const sorted = <V>(m: Map<string, V>): [string, V][] =>
      [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      format: RAW_ACTIVITY_FORMAT,
      principals: sorted(this.principals).map(([principal, sources]) => [
        principal,
        sorted(sources).map(([source, names]) => [source, sorted(names)]),
      ]),
      coverage: this.from <= this.to ? [this.from, this.to] : null,
    };
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
   * Adds the activity of {@link RawActivity.toJSON} or {@link RawActivity.toMessage} output
   * (latest time wins), without building it first: what the calling thread does with each
   * worker's activity. Its keys are kept as one sorted run (sorted here if they are not).
   *
   * @throws IamRefineError when `json` does not have that shape (then nothing is added).
   */
  addJSON(json: unknown): this {
    const bad = (cause?: unknown): never => {
      throw new IamRefineError(
        `not raw CloudTrail activity (format ${RAW_ACTIVITY_FORMAT})`,
        cause === undefined ? undefined : { cause },
      );
    };
    const j = json as RawActivityJson | RawActivityMessage | null;
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
      !(Array.isArray(user) || user instanceof Int32Array) ||
      !(Array.isArray(last) || last instanceof Float64Array) ||
      users.some((u) => typeof u !== 'string') ||
      ids.some((id) => typeof id !== 'string') ||
      (Array.isArray(last) && last.some((ms) => typeof ms !== 'number'))
    ) {
      return bad();
    }
    let run: KeyRun;
    try {
      run = toKeyRun(ids, users, user, last);
    } catch (cause) {
      return bad(cause);
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
    if (run.ids.length > 0) this.keyRuns.push(run);
    if (j.coverage !== null) {
      this.cover(j.coverage[0]);
      this.cover(j.coverage[1]);
    }
    return this;
  }
}
