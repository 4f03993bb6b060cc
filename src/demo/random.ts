/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32) so that the demo
 * account is the same, byte for byte, for the same seed on every machine. Not for cryptography.
 */

/** A deterministic source of random choices. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for `seed` (any safe integer; the same seed gives the same sequence). */
  constructor(seed: number) {
    let s = Math.trunc(seed) >>> 0;
    const hi = Math.floor(Math.trunc(seed) / 2 ** 32) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s ^ hi;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 15; i++) this.uint32();
  }

  /** A new generator derived from this one and `label`, independent of later calls on this one. */
  fork(label: string): Random {
    let h = this.uint32();
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Random((h >>> 0) + this.uint32() * 2 ** 21);
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in `[0, 1)`. */
  next(): number {
    return this.uint32() / 2 ** 32;
  }

  /** A uniform integer in `[0, n)`. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A uniform integer in `[min, max]`. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniform element of `items` (not empty). */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** An element of `items` chosen with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.next() * total;
    for (const [item, w] of items) {
      x -= w;
      if (x < 0) return item;
    }
    return items[items.length - 1]![0];
  }

  /** `n` characters drawn from `alphabet`. */
  chars(alphabet: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** `n` lower-case hexadecimal digits. */
  hex(n: number): string {
    return this.chars('0123456789abcdef', n);
  }

  /** A random (version 4 shaped) UUID. */
  uuid(): string {
    const h = this.hex(32);
    const variant = '89ab'[this.int(4)]!;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
  }
}

/** The alphabet of IAM unique ids and access key ids after their 4-letter prefix. */
export const IAM_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
