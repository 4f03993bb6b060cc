/**
 * Copies of parsed JSON objects that keep key order and never pollute prototypes: every key is
 * defined as an own property (a `"__proto__"` key stays a plain key).
 */

/** Defines `key` on `obj` as an ordinary own, enumerable property. */
export function defineKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A shallow copy of `obj` in the same key order with `key` set to `value` (in place, if present). */
export function withKey(
  obj: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let seen = false;
  for (const k of Object.keys(obj)) {
    if (k === key) {
      seen = true;
      defineKey(out, k, value);
    } else defineKey(out, k, obj[k]);
  }
  if (!seen) defineKey(out, key, value);
  return out;
}

/**
 * A shallow copy of `obj` in the same key order with key `from` replaced, at its place, by `to`
 * set to `value` (appended when `from` is absent).
 */
export function withKeyRenamed(
  obj: Record<string, unknown>,
  from: string,
  to: string,
  value: unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let seen = false;
  for (const k of Object.keys(obj)) {
    if (k === from || k === to) {
      if (!seen) defineKey(out, to, value);
      seen = true;
    } else defineKey(out, k, obj[k]);
  }
  if (!seen) defineKey(out, to, value);
  return out;
}
