/**
 * Reading IAM last-accessed reports (`--last-accessed FILE...`): the output of
 *
 * ```sh
 * job=$(aws iam generate-service-last-accessed-details --granularity ACTION_LEVEL \
 *   --arn "$ARN" --query JobId --output text)
 * aws iam get-service-last-accessed-details --job-id "$job"   # repeat until COMPLETED
 * ```
 *
 * (`GetServiceLastAccessedDetails` response: `JobStatus`, `JobType`, `JobCreationDate`,
 * `JobCompletionDate`, `ServicesLastAccessed[{ServiceName, ServiceNamespace, LastAuthenticated,
 * LastAuthenticatedEntity, LastAuthenticatedRegion, TotalAuthenticatedEntities,
 * TrackedActionsLastAccessed[{ActionName, LastAccessedTime, LastAccessedEntity,
 * LastAccessedRegion}]}]`, `IsTruncated`, `Marker`; IAM API Reference,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html).
 *
 * One file per principal (a role or a user). The response does not name the principal, so the
 * file does, in one of two ways:
 * - its **name** is the URL-encoded ARN plus `.json`, e.g.
 *   `arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FMyRole.json`
 *   (`node -p 'encodeURIComponent(process.argv[1])' "$ARN"`); or
 * - it is a **wrapper** object `{"Arn": "<role or user ARN>", "ServiceLastAccessed": <response>}`,
 *   where `ServiceLastAccessed` may also be a list of the pages of a paginated response
 *   (`IsTruncated: true` on every page but the last), e.g.
 *   `jq -n --arg arn "$ARN" --slurpfile r out.json '{Arn: $arn, ServiceLastAccessed: $r[0]}'`.
 *   The wrapper's ARN wins over the file name.
 *
 * What a report says: each service with a `LastAuthenticated` time was used then; with
 * `ACTION_LEVEL` granularity each tracked action with a `LastAccessedTime` was used then (actions
 * IAM does not track are not listed, whatever their use). A `SERVICE_LEVEL` report is accepted
 * with a warning: it has no action data, so every action of each used service counts as used.
 * Coverage: IAM reports at least the last 400 days before the job completed (same page).
 */
import { basename } from 'node:path';
import { ValidationError, withSource, type Issue } from '../errors.js';
import { describeJsonValue, formatPath, parseJson, type JsonPath } from '../json/parse.js';
import { parseIsoTime } from './iso-time.js';
import { ActivityAccumulator } from './summary.js';

/** How far back IAM last-accessed data reaches (IAM API Reference, GenerateServiceLastAccessedDetails). */
export const LAST_ACCESSED_TRACKING_DAYS = 400;

/** One parsed last-accessed report. */
export interface LastAccessedReport {
  /** The role or user ARN the report is about. */
  arn: string;
  /** The report's granularity. */
  jobType: 'ACTION_LEVEL' | 'SERVICE_LEVEL';
  /**
   * The report's activity: `finish()` gives its `ActivitySummary` part, `merge()` combines it
   * with other sources. `observability.actionLastAccessed` is set for `ACTION_LEVEL` reports.
   */
  accumulator: ActivityAccumulator;
  /** Problems that do not prevent using the report (a `SERVICE_LEVEL` report). */
  warnings: Issue[];
}

/** `arn:<partition>:iam::<account>:role/...` or `...:user/...`. */
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/\S+$/;

/**
 * Parses one last-accessed report (see the module comment for the accepted shapes).
 *
 * @param text - The file's content.
 * @param source - The file name: it gives the ARN when the content is a bare response.
 * @throws ValidationError listing every problem, each with `source`, JSON path and line:column:
 *   `invalid_json` / `duplicate_key` / `empty_input`; `missing_field` (no ARN in the content or
 *   the file name, no `JobStatus`, `ServicesLastAccessed`, `ServiceNamespace`, `ActionName`);
 *   `invalid_value` (a job not `COMPLETED`, a `JobType` other than `ACTION_LEVEL` /
 *   `SERVICE_LEVEL`, an ARN that is not a role or user, a time that is not ISO 8601, a truncated
 *   response without its later pages); `invalid_type` (a value of the wrong JSON type).
 */
export function parseLastAccessed(text: string, source: string): LastAccessedReport {
  let parsed: ReturnType<typeof parseJson>;
  try {
    parsed = parseJson(text, source);
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(withSource(error.issues, source));
    throw error;
  }
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  const issue = (code: Issue['code'], path: JsonPath, message: string, list = issues): void => {
    list.push({ code, path: formatPath(path), message, source, ...parsed.locate(path) });
  };
  const root = parsed.value;
  if (!isRecord(root)) {
    issue('invalid_type', [], `expected a JSON object, found ${describeJsonValue(root)}`);
    throw new ValidationError(issues);
  }

  // The principal: the wrapper's Arn, else the file name.
  let arn: string | undefined;
  let pages: { value: unknown; path: JsonPath }[];
  if ('Arn' in root || 'ServiceLastAccessed' in root) {
    const rawArn = root.Arn;
    if (typeof rawArn !== 'string') {
      issue(
        rawArn === undefined ? 'missing_field' : 'invalid_type',
        rawArn === undefined ? [] : ['Arn'],
        `the wrapper needs "Arn": the role or user ARN as a string${rawArn === undefined ? '' : `, found ${describeJsonValue(rawArn)}`}`,
      );
    } else if (!PRINCIPAL_ARN.test(rawArn)) {
      issue('invalid_value', ['Arn'], notPrincipal(rawArn));
    } else arn = rawArn;
    const body = root.ServiceLastAccessed;
    if (body === undefined) {
      issue(
        'missing_field',
        [],
        'the wrapper needs "ServiceLastAccessed": the get-service-last-accessed-details output (or a list of its pages)',
      );
      pages = [];
    } else if (Array.isArray(body)) {
      pages = body.map((value, i) => ({ value, path: ['ServiceLastAccessed', i] }));
      if (pages.length === 0)
        issue('invalid_value', ['ServiceLastAccessed'], 'the list of pages is empty');
    } else pages = [{ value: body, path: ['ServiceLastAccessed'] }];
  } else {
    const fromName = arnFromFileName(source);
    if (fromName === undefined) {
      issue(
        'missing_field',
        [],
        `no principal ARN: name the file after the URL-encoded ARN (e.g. arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FMyRole.json) or wrap the output as {"Arn": "...", "ServiceLastAccessed": ...}`,
      );
    } else if (!PRINCIPAL_ARN.test(fromName)) {
      issue('invalid_value', [], `the file name gives ${notPrincipal(fromName)}`);
    } else arn = fromName;
    pages = [{ value: root, path: [] }];
  }

  const acc = new ActivityAccumulator();
  let jobType: LastAccessedReport['jobType'] | undefined;
  pages.forEach((page, i) => {
    const type = readPage(
      page.value,
      page.path,
      arn ?? '',
      acc,
      issue,
      i === pages.length - 1,
      pages.length,
    );
    if (type !== undefined) {
      if (jobType !== undefined && type !== jobType) {
        issue(
          'invalid_value',
          [...page.path, 'JobType'],
          `the pages mix JobType ${jobType} and ${type}`,
        );
      }
      jobType ??= type;
    }
  });
  if (issues.length > 0 || arn === undefined || jobType === undefined) {
    throw new ValidationError(issues);
  }
  if (jobType === 'SERVICE_LEVEL') {
    issue(
      'invalid_value',
      pages[0]!.path,
      'this report was generated with SERVICE_LEVEL granularity: it has no action-level data, so every action of each used service counts as used (regenerate it with --granularity ACTION_LEVEL)',
      warnings,
    );
  } else acc.observe({ actionLastAccessed: true });
  return { arn, jobType, accumulator: acc, warnings };
}

type Report = (code: Issue['code'], path: JsonPath, message: string) => void;

/** Reads one response page into `acc`; returns its job type when the page is usable. */
function readPage(
  value: unknown,
  path: JsonPath,
  arn: string,
  acc: ActivityAccumulator,
  issue: Report,
  last: boolean,
  count: number,
): LastAccessedReport['jobType'] | undefined {
  if (!isRecord(value)) {
    issue(
      'invalid_type',
      path,
      `expected the get-service-last-accessed-details output (an object), found ${describeJsonValue(value)}`,
    );
    return undefined;
  }
  const status = value.JobStatus;
  if (status === undefined) {
    issue(
      'missing_field',
      path,
      'no "JobStatus": is this the output of aws iam get-service-last-accessed-details?',
    );
    return undefined;
  }
  if (status !== 'COMPLETED') {
    issue(
      'invalid_value',
      [...path, 'JobStatus'],
      status === 'IN_PROGRESS'
        ? 'JobStatus is IN_PROGRESS: the report is not ready; run get-service-last-accessed-details again until it says COMPLETED'
        : status === 'FAILED'
          ? `JobStatus is FAILED: the report could not be generated${errorMessage(value.Error)}; generate it again`
          : `expected JobStatus "COMPLETED", found ${describeJsonValue(status)}`,
    );
    return undefined;
  }
  const services = value.ServicesLastAccessed;
  if (!Array.isArray(services)) {
    issue(
      services === undefined ? 'missing_field' : 'invalid_type',
      services === undefined ? path : [...path, 'ServicesLastAccessed'],
      `expected "ServicesLastAccessed" to be a list${services === undefined ? '' : `, found ${describeJsonValue(services)}`}`,
    );
    return undefined;
  }
  const rawType = value.JobType;
  let jobType: LastAccessedReport['jobType'];
  if (rawType === 'ACTION_LEVEL' || rawType === 'SERVICE_LEVEL') jobType = rawType;
  else if (rawType === undefined) {
    // JobType is optional in the API; only action-level reports list tracked actions.
    jobType = services.some((s) => isRecord(s) && s.TrackedActionsLastAccessed !== undefined)
      ? 'ACTION_LEVEL'
      : 'SERVICE_LEVEL';
  } else {
    issue(
      'invalid_value',
      [...path, 'JobType'],
      `expected JobType "ACTION_LEVEL" or "SERVICE_LEVEL", found ${describeJsonValue(rawType)}`,
    );
    return undefined;
  }
  const truncated = value.IsTruncated === true;
  if (truncated && last) {
    issue(
      'invalid_value',
      [...path, 'IsTruncated'],
      count === 1
        ? 'the response is truncated (IsTruncated: true): the services on its later pages are missing, and would look unused; fetch every page (--marker) and give them together as {"Arn": "...", "ServiceLastAccessed": [page1, page2, ...]}'
        : 'the last page is truncated (IsTruncated: true): the pages after it are missing',
    );
  } else if (!truncated && !last) {
    issue(
      'invalid_value',
      [...path, 'IsTruncated'],
      'a page before the last one must be truncated (IsTruncated: true): are the pages in order?',
    );
  }

  const completion = value.JobCompletionDate;
  if (completion !== undefined) {
    const ms = typeof completion === 'string' ? parseIsoTime(completion) : undefined;
    if (ms === undefined)
      issue('invalid_value', [...path, 'JobCompletionDate'], notTime(completion));
    else {
      acc.cover(ms - LAST_ACCESSED_TRACKING_DAYS * 86_400_000);
      acc.cover(ms);
    }
  }

  services.forEach((entry: unknown, i) => {
    const at: JsonPath = [...path, 'ServicesLastAccessed', i];
    if (!isRecord(entry)) {
      issue(
        'invalid_type',
        at,
        `expected a service entry (an object), found ${describeJsonValue(entry)}`,
      );
      return;
    }
    const namespace = entry.ServiceNamespace;
    if (typeof namespace !== 'string' || namespace === '') {
      issue(
        namespace === undefined ? 'missing_field' : 'invalid_type',
        namespace === undefined ? at : [...at, 'ServiceNamespace'],
        'expected "ServiceNamespace": the service prefix as a string',
      );
      return;
    }
    const lastAuth = optionalTime(entry.LastAuthenticated, [...at, 'LastAuthenticated'], issue);
    if (lastAuth !== undefined && arn !== '') {
      if (jobType === 'SERVICE_LEVEL') acc.record(arn, namespace, null, lastAuth);
      else acc.touchService(arn, namespace, lastAuth);
    }
    const tracked = entry.TrackedActionsLastAccessed;
    if (tracked === undefined || tracked === null) return;
    if (!Array.isArray(tracked)) {
      issue(
        'invalid_type',
        [...at, 'TrackedActionsLastAccessed'],
        `expected a list, found ${describeJsonValue(tracked)}`,
      );
      return;
    }
    tracked.forEach((action: unknown, j) => {
      const ap: JsonPath = [...at, 'TrackedActionsLastAccessed', j];
      if (!isRecord(action)) {
        issue(
          'invalid_type',
          ap,
          `expected a tracked action (an object), found ${describeJsonValue(action)}`,
        );
        return;
      }
      const name = action.ActionName;
      if (typeof name !== 'string' || name === '') {
        issue(
          name === undefined ? 'missing_field' : 'invalid_type',
          name === undefined ? ap : [...ap, 'ActionName'],
          'expected "ActionName": the action name as a string',
        );
        return;
      }
      const time = optionalTime(action.LastAccessedTime, [...ap, 'LastAccessedTime'], issue);
      if (time === undefined || arn === '') return;
      // "GetObject" or, as some tools write it, "s3:GetObject".
      const colon = name.indexOf(':');
      const bare =
        colon >= 0 && name.slice(0, colon).toLowerCase() === namespace.toLowerCase()
          ? name.slice(colon + 1)
          : name;
      acc.record(arn, namespace, bare, time);
    });
  });
  return jobType;
}

/** A time that may be absent or null (not used in the tracking period). */
function optionalTime(value: unknown, path: JsonPath, issue: Report): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? parseIsoTime(value) : undefined;
  if (ms === undefined) issue('invalid_value', path, notTime(value));
  return ms;
}

function notTime(value: unknown): string {
  return `expected an ISO 8601 time such as 2026-01-15T10:00:00+00:00, found ${describeJsonValue(value)}`;
}

function notPrincipal(arn: string): string {
  return `${describeJsonValue(arn)}, which is not a role or user ARN (arn:aws:iam::<account>:role/... or :user/...); reports on groups and policies aggregate several principals and are not supported`;
}

function errorMessage(error: unknown): string {
  return isRecord(error) && typeof error.Message === 'string' ? ` (${error.Message})` : '';
}

/** The ARN a file name gives (`arn%3Aaws%3A...%2FName.json` → `arn:aws:...`), if any. */
export function arnFromFileName(file: string): string | undefined {
  let name = basename(file);
  if (name.toLowerCase().endsWith('.json')) name = name.slice(0, -5);
  let decoded: string;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    return undefined;
  }
  return decoded.startsWith('arn:') ? decoded : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
