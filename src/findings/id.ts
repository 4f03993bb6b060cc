/**
 * Stable finding ids: the same account data scanned twice gives the same ids, so findings can be
 * tracked, diffed and archived across scans.
 */
import { createHash } from 'node:crypto';
import type { FindingType } from './types.js';

/**
 * The id of a finding: the SHA-256 of `account|resource|findingType|key` (key = the access key id
 * or slot label for `UnusedIAMUserAccessKey`, empty otherwise), the first 128 bits formatted as a
 * UUID with version 8 (custom) and the RFC 9562 variant bits set. Deterministic: no clock, no
 * randomness.
 */
export function findingId(
  account: string,
  resource: string,
  findingType: FindingType,
  key = '',
): string {
  const digest = createHash('sha256')
    .update(`${account}|${resource}|${findingType}|${key}`, 'utf8')
    .digest();
  const b = Buffer.from(digest.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
