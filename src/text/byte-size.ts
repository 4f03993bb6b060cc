/**
 * Byte sizes as people write them on a command line (`--max-log-file-bytes 500MiB`): a whole
 * number of bytes, optionally followed by a unit. Hand-written: a dozen lines, no pattern built
 * from input.
 */

/** Units and their sizes in bytes: binary (KiB, MiB, GiB) and decimal (KB, MB, GB). */
const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  ['kib', 2 ** 10],
  ['mib', 2 ** 20],
  ['gib', 2 ** 30],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
]);

/**
 * Parses `1048576`, `1MiB`, `64 KiB`, `1GB` (units case-insensitive) into bytes.
 *
 * @returns The size in bytes, or `undefined` when `value` is not a whole number with a known unit
 *   or the size is not a safe integer.
 */
export function parseByteSize(value: string): number | undefined {
  const text = value.trim();
  let end = 0;
  while (end < text.length && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++;
  if (end === 0 || end > 16) return undefined;
  const unit = UNITS.get(text.slice(end).trim().toLowerCase());
  if (unit === undefined) return undefined;
  const bytes = Number(text.slice(0, end)) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
