/**
 * Interning of byte strings for the CloudTrail reader's byte path (`cloudtrail-file.ts`): gives
 * a small integer id to each distinct value of one or two byte ranges of a log file (a principal
 * ARN; an event source with its event name), and decodes each value to a string once, the first
 * time its bytes are seen. The reader then groups records on ids (integer `Map` keys) instead of
 * looking up fresh strings in nested `Map`s (hashing each one), and decodes nothing per record.
 * Hand-written (an open-addressed table over a byte pool) because it is on the hot path.
 *
 * Bounded: at most `maxEntries` values and `maxPoolBytes` bytes are kept, and a lookup probes at
 * most {@link MAX_PROBES} slots (hostile input cannot make it slow); beyond that {@link
 * ByteInterner.id} returns -1 and the caller decodes the value itself. Values are decoded as
 * latin1, so the caller must use it on ASCII bytes only (where latin1 and UTF-8 agree).
 */
import type { Buffer } from 'node:buffer';

/** Slots probed at most per lookup. */
export const MAX_PROBES = 16;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Interns values made of one byte range, or of two (see the module comment). */
export class ByteInterner {
  /** The first range of each value, decoded (by id). */
  readonly first: string[] = [];
  /** The second range of each value, decoded (by id; `''` for one-range values). */
  readonly second: string[] = [];
  private readonly maxEntries: number;
  private readonly maxPoolBytes: number;
  /** Open-addressed table of ids (-1: empty), twice as many slots as entries at most. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly hashes: Int32Array;
  /** Where each value's bytes are in `pool`, and the lengths of its two ranges. */
  private readonly starts: Int32Array;
  private readonly firstLengths: Int32Array;
  private readonly secondLengths: Int32Array;
  private pool = new Uint8Array(4096);
  private used = 0;

  /**
   * @param maxEntries - Most values kept (a power of two keeps the table half full at most).
   * @param maxPoolBytes - Most bytes of values kept.
   */
  constructor(maxEntries: number, maxPoolBytes: number) {
    this.maxEntries = maxEntries;
    this.maxPoolBytes = maxPoolBytes;
    let size = 16;
    while (size < maxEntries * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    this.hashes = new Int32Array(maxEntries);
    this.starts = new Int32Array(maxEntries);
    this.firstLengths = new Int32Array(maxEntries);
    this.secondLengths = new Int32Array(maxEntries);
  }

  /** How many values are kept. */
  get size(): number {
    return this.first.length;
  }

  /**
   * The id of the value made of `bytes[s1, e1)` and `bytes[s2, e2)` (pass `0, 0` for a
   * one-range value), interning it when new; -1 when it is new and there is no room (or the
   * lookup would probe more than {@link MAX_PROBES} slots).
   */
  id(bytes: Buffer, s1: number, e1: number, s2: number, e2: number): number {
    let h = FNV_OFFSET;
    for (let i = s1; i < e1; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
    // A separator between the ranges, so that ("ab", "c") and ("a", "bc") hash apart.
    h = Math.imul(h ^ 0x100, FNV_PRIME);
    for (let i = s2; i < e2; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
    const n1 = e1 - s1;
    const n2 = e2 - s2;
    const slots = this.slots;
    let slot = h & this.mask;
    for (let probe = 0; probe < MAX_PROBES; probe++, slot = (slot + 1) & this.mask) {
      const id = slots[slot]!;
      if (id < 0) return this.add(bytes, s1, e1, s2, e2, h, slot);
      if (
        this.hashes[id] === h &&
        this.firstLengths[id] === n1 &&
        this.secondLengths[id] === n2 &&
        this.holds(id, bytes, s1, e1, s2, e2)
      ) {
        return id;
      }
    }
    return -1;
  }

  /** Whether value `id` is the bytes of the two ranges (whose lengths are its lengths). */
  private holds(
    id: number,
    bytes: Buffer,
    s1: number,
    e1: number,
    s2: number,
    e2: number,
  ): boolean {
    const pool = this.pool;
    let p = this.starts[id]!;
    for (let i = s1; i < e1; i++, p++) if (pool[p] !== bytes[i]) return false;
    for (let i = s2; i < e2; i++, p++) if (pool[p] !== bytes[i]) return false;
    return true;
  }

  private add(
    bytes: Buffer,
    s1: number,
    e1: number,
    s2: number,
    e2: number,
    h: number,
    slot: number,
  ): number {
    const id = this.first.length;
    const n = e1 - s1 + (e2 - s2);
    if (id >= this.maxEntries || this.used + n > this.maxPoolBytes) return -1;
    if (this.used + n > this.pool.length) {
      let size = this.pool.length * 2;
      while (size < this.used + n) size *= 2;
      const pool = new Uint8Array(Math.min(size, this.maxPoolBytes));
      pool.set(this.pool.subarray(0, this.used));
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(s1, e1), this.used);
    this.pool.set(bytes.subarray(s2, e2), this.used + (e1 - s1));
    this.starts[id] = this.used;
    this.firstLengths[id] = e1 - s1;
    this.secondLengths[id] = e2 - s2;
    this.hashes[id] = h;
    this.used += n;
    this.first.push(bytes.toString('latin1', s1, e1));
    this.second.push(s2 === e2 ? '' : bytes.toString('latin1', s2, e2));
    this.slots[slot] = id;
    return id;
  }
}
