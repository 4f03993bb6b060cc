/**
 * Interning of substrings of a log file's text: the one kept copy of the characters
 * `text.slice(start, end)`, found without slicing them out first. Hand-written because it is on the
 * CloudTrail reader's hot path: every record names a principal, an event source, an event name,
 * an account and a region, of a few hundred distinct values in all, and grouping by fresh slices
 * cost a slice, a full hash and a full comparison per value (plus their garbage). An interned
 * string keeps its hash, so the `Map` lookups of the grouping that follow are cheap too.
 *
 * Values are found in an open-addressed table by a hash of a few of their characters and their
 * length, and confirmed with `startsWith` (so a hash collision costs a comparison, never a wrong
 * value). The input is hostile: at most {@link MAX_PROBES} slots are compared per lookup, and
 * values that do not find a place (a full table, or many values of the same hash) go to a `Map`
 * of slices, so crafted collisions cost a bounded number of comparisons per lookup. What it keeps
 * is bounded too (see {@link MAX_LENGTH}).
 */
import { detachString } from './raw-activity.js';

/** Slots of the table (a power of two); at most half are filled, for short probe sequences. */
const TABLE_SIZE = 8192;
/** Slots compared per lookup before the value goes to the overflow map. */
const MAX_PROBES = 8;
/** At most this many values are kept in the overflow map; beyond, slices are returned as they are. */
const MAX_OVERFLOW = 16_384;
/**
 * Longer values are not kept (returned as slices): with the entry caps, this bounds what the
 * interner holds to about 20 MiB, whatever the input. (IAM ARNs are at most 2,048 characters, and
 * those of principals with paths rarely more than a few hundred.)
 */
const MAX_LENGTH = 1024;

/** Kept copies of substrings (see the module comment). */
export class SubstringInterner {
  private readonly table: (string | undefined)[];
  private readonly mask: number;
  private readonly maxEntries: number;
  private readonly maxOverflow: number;
  private entries = 0;
  private readonly overflow = new Map<string, string>();

  /**
   * An empty interner. The sizes are for tests (small ones reach the collision and overflow
   * paths); `tableSize` must be a power of two.
   */
  constructor(sizes: { tableSize?: number; maxOverflow?: number } = {}) {
    const size = sizes.tableSize ?? TABLE_SIZE;
    this.table = new Array<string | undefined>(size).fill(undefined);
    this.mask = size - 1;
    this.maxEntries = Math.max(1, size >> 1);
    this.maxOverflow = sizes.maxOverflow ?? MAX_OVERFLOW;
  }

  /**
   * A string equal to `text.slice(start, end)`: the same kept (detached, see `detachString`)
   * string object for the same characters, whatever text they come from.
   */
  intern(text: string, start: number, end: number): string {
    const n = end - start;
    if (n <= 0) return '';
    if (n > MAX_LENGTH) return text.slice(start, end);
    let h = n;
    h = (Math.imul(h, 31) + text.charCodeAt(start)) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(end - 1)) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(end - 1 - (n >> 3))) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(start + (n >> 1))) | 0;
    h = (Math.imul(h, 31) + text.charCodeAt(start + (n >> 2))) | 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const slot = (h + probe) & this.mask;
      const kept = this.table[slot];
      if (kept === undefined) {
        if (this.entries >= this.maxEntries) break;
        const copy = detachString(text.slice(start, end));
        this.table[slot] = copy;
        this.entries++;
        return copy;
      }
      if (kept.length === n && text.startsWith(kept, start)) return kept;
    }
    const slice = text.slice(start, end);
    const kept = this.overflow.get(slice);
    if (kept !== undefined) return kept;
    if (this.overflow.size >= this.maxOverflow) return slice;
    const copy = detachString(slice);
    this.overflow.set(copy, copy);
    return copy;
  }
}
