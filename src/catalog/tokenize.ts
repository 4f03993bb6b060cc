/**
 * Splits an action name into CamelCase tokens for the prefix trie: the first token is the service
 * with its colon (`s3:`), then one token per word: `GetBucketPolicyStatus` gives `Get`, `Bucket`,
 * `Policy`, `Status`; runs of capitals stay together (`GetBucketCORS` ends in `CORS`, `GetDBCluster`
 * gives `DB`, `Cluster`); digits stay with the word before them (`ListS3Buckets` gives `S3`).
 * Joining the tokens always gives back `service:Name` exactly.
 */
export function tokenizeAction(service: string, name: string): string[] {
  const tokens: string[] = [`${service}:`];
  let start = 0;
  const n = name.length;
  for (let i = 1; i < n; i++) {
    const prev = name.charCodeAt(i - 1);
    const cur = name.charCodeAt(i);
    const next = i + 1 < n ? name.charCodeAt(i + 1) : 0;
    const boundary =
      (isLower(prev) && isUpper(cur)) ||
      (isDigit(prev) && isUpper(cur) && isLowerOrEnd(next)) ||
      (isUpper(prev) && isUpper(cur) && isLower(next)) ||
      (!isAlnum(prev) && isAlnum(cur)) ||
      (isAlnum(prev) && !isAlnum(cur));
    if (boundary) {
      tokens.push(name.slice(start, i));
      start = i;
    }
  }
  if (n > start) tokens.push(name.slice(start));
  return tokens;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isLowerOrEnd(c: number): boolean {
  return c === 0 || isLower(c);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlnum(c: number): boolean {
  return isUpper(c) || isLower(c) || isDigit(c);
}
