import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenizeAction } from './tokenize.js';

describe('tokenizeAction examples', () => {
  it.each<[string, string, string[]]>([
    ['s3', 'GetBucketPolicyStatus', ['s3:', 'Get', 'Bucket', 'Policy', 'Status']],
    ['s3', 'GetObject', ['s3:', 'Get', 'Object']],
    // a run of capitals stays together, at the end or before a capitalised word
    ['s3', 'GetBucketCORS', ['s3:', 'Get', 'Bucket', 'CORS']],
    ['rds', 'GetDBCluster', ['rds:', 'Get', 'DB', 'Cluster']],
    ['iam', 'GetSAMLProvider', ['iam:', 'Get', 'SAML', 'Provider']],
    // digits stay with the word before them
    ['s3', 'ListS3Buckets', ['s3:', 'List', 'S3', 'Buckets']],
    ['connect', 'ValidateE911Address', ['connect:', 'Validate', 'E911', 'Address']],
    ['ssm', 'ActivateEC2Remote', ['ssm:', 'Activate', 'EC2', 'Remote']],
    ['route53', 'GetRoute53Zone', ['route53:', 'Get', 'Route53', 'Zone']],
    ['comprehendmedical', 'InferICD10CM', ['comprehendmedical:', 'Infer', 'ICD10CM']],
    [
      'comprehendmedical',
      'DescribeICD10CMInferenceJob',
      ['comprehendmedical:', 'Describe', 'ICD10CM', 'Inference', 'Job'],
    ],
    // lower-case names are one word
    ['cloudsearch', 'search', ['cloudsearch:', 'search']],
    ['execute-api', 'Invoke', ['execute-api:', 'Invoke']],
    // non-alphanumerics form their own tokens
    [
      'iot',
      'AssociateViaAWSService-EventsAndStates',
      ['iot:', 'Associate', 'Via', 'AWS', 'Service', '-', 'Events', 'And', 'States'],
    ],
    ['x', 'a--b', ['x:', 'a', '--', 'b']],
    ['x', 'A', ['x:', 'A']],
    ['x', '', ['x:']],
  ])('%s:%s', (service, name, expected) => {
    expect(tokenizeAction(service, name)).toEqual(expected);
  });
});

const isLower = (c: string) => c >= 'a' && c <= 'z';
const isUpper = (c: string) => c >= 'A' && c <= 'Z';
const isAlnum = (c: string) => isLower(c) || isUpper(c) || (c >= '0' && c <= '9');

const chars = (alphabet: string, maxLength: number, minLength = 0) =>
  fc
    .array(fc.constantFrom(...alphabet), { minLength, maxLength })
    .map((cs: string[]) => cs.join(''));

const serviceArb = chars('abcz0123-', 12, 1);
/** Names with realistic shapes (capitalised words, acronyms, digits) and odd characters. */
const nameArb = fc.oneof(
  chars('aAbBzZ019-_.', 20),
  fc
    .array(
      fc.constantFrom(
        'Get',
        'Bucket',
        'DB',
        'CORS',
        'S3',
        'E911',
        'EC2',
        'ICD10CM',
        'x',
        '-',
        'Via',
      ),
      {
        maxLength: 6,
      },
    )
    .map((ws: string[]) => ws.join('')),
);

describe('tokenizeAction properties', () => {
  it('joins back to service:name, service token first, no empty token', () => {
    fc.assert(
      fc.property(serviceArb, nameArb, (service, name) => {
        const tokens = tokenizeAction(service, name);
        expect(tokens.join('')).toBe(`${service}:${name}`);
        expect(tokens[0]).toBe(`${service}:`);
        for (const t of tokens) expect(t.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('splits only before a capital or at an alphanumeric / other boundary, and always at aB', () => {
    fc.assert(
      fc.property(nameArb, (name) => {
        const words = tokenizeAction('svc', name).slice(1);
        for (let k = 0; k + 1 < words.length; k++) {
          const left = words[k]!.at(-1)!;
          const right = words[k + 1]![0]!;
          const kindChange = isAlnum(left) !== isAlnum(right);
          expect(isUpper(right) || kindChange).toBe(true);
        }
        for (const w of words) {
          // A word is either all alphanumeric or all other characters.
          expect(new Set([...w].map(isAlnum)).size).toBe(1);
          // Lower case followed by a capital always starts a new word.
          for (let i = 1; i < w.length; i++) {
            expect(isLower(w[i - 1]!) && isUpper(w[i]!)).toBe(false);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a capitalised word appended to a name becomes its own last token', () => {
    fc.assert(
      fc.property(chars('aAbB0', 10, 1), chars('ab', 6), (name, tail) => {
        fc.pre(isLower(name.at(-1)!));
        const word = `W${tail}`;
        const tokens = tokenizeAction('svc', name + word);
        expect(tokens.at(-1)).toBe(word);
        expect(tokens.slice(0, -1)).toEqual(tokenizeAction('svc', name));
      }),
      { numRuns: 1000 },
    );
  });
});
