/**
 * Quoting for POSIX shell commands iam-refine prints (names come from the account: untrusted).
 */

/** Quotes `word` for a POSIX shell (unchanged when it has only safe characters). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
