/**
 * Test helpers of the activity readers: summaries as plain, comparable data, and the paths of the
 * CloudTrail fixtures. Used by tests only.
 */
import { fileURLToPath } from 'node:url';
import type { ActivitySummary } from './types.js';

/** `test/fixtures/cloudtrail/` (written by its `make.mjs`). */
export const CLOUDTRAIL_FIXTURES = fileURLToPath(
  new URL('../../test/fixtures/cloudtrail/', import.meta.url),
);

/** The valid log files of the fixtures, relative to {@link CLOUDTRAIL_FIXTURES}. */
export const VALID_FIXTURE_FILES = [
  'AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/15/123456789012_CloudTrail_us-east-1_20260115T0810Z_Ab12Cd34Ef56Gh78.json.gz',
  'AWSLogs/123456789012/CloudTrail/us-east-1/2026/01/16/123456789012_CloudTrail_us-east-1_20260116T0930Z_Ij90Kl12Mn34Op56.json.gz',
  'AWSLogs/123456789012/CloudTrail/us-west-2/2026/01/16/123456789012_CloudTrail_us-west-2_20260116T1015Z_Qr78St90Uv12Wx34.json',
];

/** A summary's principals as nested plain objects: times as ISO strings, `" possible"` marked. */
export function plainPrincipals(s: ActivitySummary): Record<string, unknown> {
  return Object.fromEntries(
    [...s.principals].map(([arn, p]) => [
      arn,
      {
        last: p.last?.toISOString(),
        services: Object.fromEntries(
          [...p.services].map(([name, svc]) => [
            name,
            {
              last: svc.last.toISOString(),
              ...(svc.allActionsAt === undefined ? {} : { all: svc.allActionsAt.toISOString() }),
              actions: Object.fromEntries(
                [...svc.actions].map(([a, u]) => [
                  a,
                  `${u.last.toISOString()}${u.possible ? ' possible' : ''}`,
                ]),
              ),
            },
          ]),
        ),
      },
    ]),
  );
}

/** A whole summary as plain data (see {@link plainPrincipals}). */
export function plainSummary(s: ActivitySummary): Record<string, unknown> {
  return {
    principals: plainPrincipals(s),
    accessKeys: Object.fromEntries(
      [...s.accessKeys].map(([id, k]) => [id, `${k.userArn} ${k.last.toISOString()}`]),
    ),
    observability: {
      dataEventServices: [...s.observability.dataEventServices].sort(),
      actionLastAccessed: s.observability.actionLastAccessed,
    },
    coverage: s.coverage && [s.coverage.from.toISOString(), s.coverage.to.toISOString()],
  };
}
