/**
 * The long-term access keys of a {@link RawActivity} while log files are read: the latest time of
 * each key ID and the user who used it then, in columns (typed arrays and one pool of the IDs'
 * UTF-16 code units), looked up by hash of the code units, with no string and no object per key or
 * per record. The byte path adds a key straight from the log file's bytes (ASCII, so its bytes are
 * its code units), the text path from a string: both land in the same table, in the order they are
 * recorded, so that the tie rule (on equal times, the first recorded user is kept) holds across
 * both. {@link KeyTable.sortedRun} gives the keys sorted by ID (a native sort of numbers) as a
 * {@link KeyRun}, the form in which keys travel and are merged (`key-runs.ts`).
 *
 * Hand-written (an open-addressed table over typed arrays) because it is on the per-record path:
 * measured on the many-keys trail, string slices looked up in a `Map` and their later sort were the
 * largest key costs of a worker.
 *
 * Hostile input (key IDs are log content) cannot make a lookup slow: a lookup probes at most
 * {@link MAX_KEY_PROBES} slots; a key that finds none of them free is indexed in a `Map` by its
 * string instead (found there only after its slots were all probed). The hash has a random seed
 * per process. Memory grows with the number of distinct keys only.
 */
import { Buffer } from 'node:buffer';
import { randomInt } from 'node:crypto';
import type { KeyRun } from './key-runs.js';

/** Slots probed at most per lookup. */
export const MAX_KEY_PROBES = 16;

const FNV_PRIME = 0x01000193;
/** Per process, so that colliding key IDs cannot be prepared in advance. */
const SEED = (0x811c9dc5 ^ randomInt(0x7fffffff)) | 0;

/** Access keys with their latest use; see the module comment. */
export class KeyTable {
  /** The code units of every ID, one after the other. */
  private pool = new Uint16Array(1024);
  private used = 0;
  /** Per entry (in order of first use): where its ID is in {@link pool}, its length and hash. */
  private starts = new Int32Array(256);
  private lengths = new Int32Array(256);
  private hashes = new Int32Array(256);
  /** Per entry: its latest time, and the index (caller's) of the user who used it then. */
  private last = new Float64Array(256);
  private user = new Int32Array(256);
  private count = 0;
  /** Open-addressed index of entries (-1: free), at most half full. */
  private slots: Int32Array;
  /** Entries whose probed slots were all taken, by ID. */
  private readonly overflow = new Map<string, number>();
  private readonly maxProbes: number;

  /**
   * @param maxProbes - Slots probed at most per lookup.
   * @param slots - Slots to start with (a power of two). Tests give fewer of both, so that the
   *   overflow index is used often.
   */
  constructor(maxProbes = MAX_KEY_PROBES, slots = 512) {
    this.maxProbes = maxProbes;
    this.slots = new Int32Array(slots).fill(-1);
  }

  /** How many distinct keys are held. */
  get size(): number {
    return this.count;
  }

  /**
   * Records the use at `ms` of the key whose ID is `bytes[start, end)` (ASCII bytes) by user
   * `user` (an index of the caller's): kept when the key is new or `ms` is later than its latest.
   */
  addBytes(bytes: Buffer | Uint8Array, start: number, end: number, user: number, ms: number): void {
    let h = SEED;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
    h = mix(h);
    const n = end - start;
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = h & mask;
    for (
      let probe = 0, probes = this.maxProbes;
      probe < probes;
      probe++, slot = (slot + 1) & mask
    ) {
      const e = slots[slot]!;
      if (e < 0) {
        const at = this.reserve(n);
        const pool = this.pool;
        for (let i = 0; i < n; i++) pool[at + i] = bytes[start + i]!;
        this.insert(at, n, h, user, ms, slot);
        return;
      }
      if (this.hashes[e] === h && this.lengths[e] === n) {
        const pool = this.pool;
        const p = this.starts[e]! - start;
        let i = start;
        while (i < end && pool[p + i] === bytes[i]) i++;
        if (i === end) {
          this.update(e, user, ms);
          return;
        }
      }
    }
    // Every probed slot taken: the key is in the overflow index, or new.
    const at = this.reserve(n);
    for (let i = 0; i < n; i++) this.pool[at + i] = bytes[start + i]!;
    this.overflowAdd(at, n, h, user, ms);
  }

  /** {@link addBytes} of the key ID `id` (any string). */
  addString(id: string, user: number, ms: number): void {
    const n = id.length;
    let h = SEED;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ id.charCodeAt(i), FNV_PRIME);
    h = mix(h);
    const slots = this.slots;
    const mask = slots.length - 1;
    let slot = h & mask;
    for (
      let probe = 0, probes = this.maxProbes;
      probe < probes;
      probe++, slot = (slot + 1) & mask
    ) {
      const e = slots[slot]!;
      if (e < 0) {
        const at = this.reserve(n);
        const pool = this.pool;
        for (let i = 0; i < n; i++) pool[at + i] = id.charCodeAt(i);
        this.insert(at, n, h, user, ms, slot);
        return;
      }
      if (this.hashes[e] === h && this.lengths[e] === n) {
        const pool = this.pool;
        const p = this.starts[e]!;
        let i = 0;
        while (i < n && pool[p + i] === id.charCodeAt(i)) i++;
        if (i === n) {
          this.update(e, user, ms);
          return;
        }
      }
    }
    // Every probed slot taken: the key is in the overflow index, or new.
    const at = this.reserve(n);
    for (let i = 0; i < n; i++) this.pool[at + i] = id.charCodeAt(i);
    this.overflowAdd(at, n, h, user, ms);
  }

  /**
   * Calls `fn` with every key, in the order of first use (its ID, latest time, user index).
   */
  forEach(fn: (id: string, ms: number, user: number) => void): void {
    for (let e = 0; e < this.count; e++) fn(this.idOf(e), this.last[e]!, this.user[e]!);
  }

  /**
   * The keys sorted by ID (code unit order, as `Array.prototype.sort` orders strings), users being
   * indexes of `users`.
   */
  sortedRun(users: readonly string[]): KeyRun {
    const n = this.count;
    const order = this.sortedOrder();
    const ids = new Array<string>(n);
    const user = new Int32Array(n);
    const last = new Float64Array(n);
    const pool = this.pool;
    let latin1 = true;
    for (let i = 0; i < this.used && latin1; i++) latin1 = pool[i]! < 0x100;
    // Latin-1 IDs (all real ones): decoded at once into one string, of which each ID is a slice.
    let all = '';
    if (latin1) {
      const bytes = Buffer.allocUnsafe(this.used);
      for (let k = 0, at = 0; k < n; k++) {
        const e = order[k]!;
        const s = this.starts[e]!;
        const len = this.lengths[e]!;
        for (let i = 0; i < len; i++) bytes[at + i] = pool[s + i]!;
        at += len;
      }
      all = bytes.toString('latin1');
    }
    for (let k = 0, at = 0; k < n; k++) {
      const e = order[k]!;
      const len = this.lengths[e]!;
      ids[k] = latin1 ? all.slice(at, at + len) : this.idOf(e);
      at += len;
      user[k] = this.user[e]!;
      last[k] = this.last[e]!;
    }
    return { ids, users: users.slice(), user, last };
  }

  /**
   * The entries in order of their IDs. Each entry's first code units after the prefix all IDs
   * share are packed, with the entry's index, into one number, and the numbers sorted natively
   * (`Float64Array.prototype.sort`: no comparison function called, and the IDs read in the
   * order they are stored); entries equal on those units are then sorted by the rest.
   * (Measured with 262,000 key IDs: a radix sort reading the IDs in sorted order was no faster
   * than sorting strings, because each read missed the cache.)
   */
  private sortedOrder(): Int32Array {
    const n = this.count;
    const order = new Int32Array(n);
    for (let e = 0; e < n; e++) order[e] = e;
    if (n < 2) return order;
    const pool = this.pool;
    const starts = this.starts;
    const lengths = this.lengths;
    // The prefix all IDs share (`AKIA`) sorts nothing.
    let common = lengths[0]!;
    for (let e = 1; e < n && common > 0; e++) {
      const a = starts[0]!;
      const b = starts[e]!;
      const m = Math.min(common, lengths[e]!);
      let k = 0;
      while (k < m && pool[a + k] === pool[b + k]) k++;
      common = k;
    }
    // A digit is a code unit plus one, 0 past the end (a shorter ID sorts before the longer IDs
    // it starts): `base` digits. The packed number is exact below 2^53.
    let maxUnit = 0;
    for (let i = 0; i < this.used; i++) if (pool[i]! > maxUnit) maxUnit = pool[i]!;
    const base = maxUnit + 2;
    let indexBits = 1;
    while (2 ** indexBits < n) indexBits++;
    const scale = 2 ** indexBits;
    let positions = 0;
    while (base ** (positions + 1) * scale <= 2 ** 53) positions++;
    const packed = new Float64Array(n);
    for (let e = 0; e < n; e++) {
      const s = starts[e]! + common;
      const len = lengths[e]! - common;
      let v = 0;
      for (let p = 0; p < positions; p++) v = v * base + (p < len ? pool[s + p]! + 1 : 0);
      packed[e] = v * scale + e;
    }
    packed.sort();
    for (let k = 0; k < n; k++) order[k] = packed[k]! % scale;
    // Entries equal on the packed units (and longer than them): sorted by the rest.
    const from = common + positions;
    const compare = (a: number, b: number): number => {
      const la = lengths[a]!;
      const lb = lengths[b]!;
      const m = Math.min(la, lb);
      const sa = starts[a]!;
      const sb = starts[b]!;
      for (let k = from; k < m; k++) {
        const d = pool[sa + k]! - pool[sb + k]!;
        if (d !== 0) return d;
      }
      return la - lb;
    };
    for (let k = 0; k < n;) {
      const prefix = Math.floor(packed[k]! / scale);
      let end = k + 1;
      while (end < n && Math.floor(packed[end]! / scale) === prefix) end++;
      if (end - k > 1) order.set(Array.from(order.subarray(k, end)).sort(compare), k);
      k = end;
    }
    return order;
  }

  private idOf(e: number): string {
    return this.units(this.starts[e]!, this.lengths[e]!);
  }

  /** The string of the `n` code units at `at` of the pool. */
  private units(at: number, n: number): string {
    let s = '';
    // In pieces: `apply` takes a bounded number of arguments (an ID is log content: any length).
    for (let i = 0; i < n; i += 4096) {
      const piece = this.pool.subarray(at + i, at + Math.min(n, i + 4096));
      s += String.fromCharCode.apply(null, piece as unknown as number[]);
    }
    return s;
  }

  private update(e: number, user: number, ms: number): void {
    if (ms > this.last[e]!) {
      this.last[e] = ms;
      this.user[e] = user;
    }
  }

  /** Room for `n` more code units in the pool; where they go. */
  private reserve(n: number): number {
    const at = this.used;
    if (at + n > this.pool.length) {
      let size = this.pool.length * 2;
      while (size < at + n) size *= 2;
      const pool = new Uint16Array(size);
      pool.set(this.pool.subarray(0, at));
      this.pool = pool;
    }
    this.used = at + n;
    return at;
  }

  /** A new entry, indexed at `slot`. */
  private insert(at: number, n: number, h: number, user: number, ms: number, slot: number): void {
    const e = this.entry(at, n, h, user, ms);
    this.slots[slot] = e;
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  /**
   * The key of the `n` code units just reserved at `at`, whose probed slots were all taken: its
   * entry in {@link overflow} is updated (and the units given back), or a new entry is indexed
   * there.
   */
  private overflowAdd(at: number, n: number, h: number, user: number, ms: number): void {
    const id = this.units(at, n);
    const seen = this.overflow.get(id);
    if (seen !== undefined) {
      this.used = at;
      this.update(seen, user, ms);
      return;
    }
    const e = this.entry(at, n, h, user, ms);
    this.overflow.set(id, e);
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  /** A new entry (not indexed yet). */
  private entry(at: number, n: number, h: number, user: number, ms: number): number {
    const e = this.count;
    if (e === this.starts.length) this.growEntries();
    this.starts[e] = at;
    this.lengths[e] = n;
    this.hashes[e] = h;
    this.last[e] = ms;
    this.user[e] = user;
    this.count = e + 1;
    return e;
  }

  private growEntries(): void {
    const size = this.starts.length * 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.starts = grow(this.starts, (k) => new Int32Array(k));
    this.lengths = grow(this.lengths, (k) => new Int32Array(k));
    this.hashes = grow(this.hashes, (k) => new Int32Array(k));
    this.user = grow(this.user, (k) => new Int32Array(k));
    this.last = grow(this.last, (k) => new Float64Array(k));
  }

  /** Twice the slots; every entry indexed again (overflowing ones may now find a slot). */
  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    this.overflow.clear();
    for (let e = 0; e < this.count; e++) {
      let slot = this.hashes[e]! & mask;
      let placed = false;
      for (
        let probe = 0, probes = this.maxProbes;
        probe < probes;
        probe++, slot = (slot + 1) & mask
      ) {
        if (slots[slot]! < 0) {
          slots[slot] = e;
          placed = true;
          break;
        }
      }
      if (!placed) this.overflow.set(this.idOf(e), e);
    }
    this.slots = slots;
  }
}

/**
 * Spreads a 32-bit hash's bits to the low ones (a table's slot index): the MurmurHash3 finalizer.
 * Shared with the id groups of `raw-activity.ts`.
 */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
