/**
 * Size limits of the policy and unused-permission inputs of `recommend` and `verify` (issue 9,
 * "bounded resources"): inputs beyond them are refused with one clear issue each (code
 * `too_large`), before any work that grows with them. Pure: the caller gives sizes and parsed
 * documents.
 *
 * Why these limits: IAM's largest policy quota is 10,240 characters (inline policies of a role),
 * which holds at most about 227 statements (`{"Effect":"Allow","Action":"*","Resource":"*"}` is 45
 * characters). Refining a statement costs up to the size of the catalog (about 22,000 actions), so
 * the statement limit bounds the time and memory of every output format.
 */
import type { Issue } from '../errors.js';
import type { PolicyDocument } from './document.js';

/** Default largest input file (policy or unused permissions): 1 MiB. */
export const DEFAULT_MAX_INPUT_BYTES = 2 ** 20;

/** Default largest number of statements in one policy input: above what IAM can hold (~227). */
export const DEFAULT_MAX_STATEMENTS = 250;

/** The `too_large` issue of an input of `bytes` bytes when more than `maxBytes` (else none). */
export function inputSizeIssue(source: string, bytes: number, maxBytes: number): Issue | undefined {
  if (bytes <= maxBytes) return undefined;
  return {
    code: 'too_large',
    path: '$',
    source,
    message: `the input is ${bytes} bytes, more than the limit of ${maxBytes} bytes (--max-input-bytes; IAM's largest policy is 10,240 characters)`,
  };
}

/** The `too_large` issue of a policy with more than `maxStatements` statements (else none). */
export function statementCountIssue(doc: PolicyDocument, maxStatements: number): Issue | undefined {
  const n = doc.statements.length;
  if (n <= maxStatements) return undefined;
  const path = doc.documentPath === '$' ? '$.Statement' : `${doc.documentPath}.Statement`;
  return {
    code: 'too_large',
    path,
    source: doc.source,
    message: `the policy has ${n} statements, more than the limit of ${maxStatements} (--max-statements; IAM's largest policy, 10,240 characters, holds at most about 227)`,
  };
}
