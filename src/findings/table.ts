/**
 * The `table` output of a scan: a readable summary per principal, lines under 120 characters
 * (long lists are shortened with "+N more", prose is wrapped), optionally colored with ANSI codes.
 */
import type {
  Finding,
  FindingType,
  PolicyRecommendation,
  ScanResult,
  UnusedPermissionDetails,
} from './types.js';
import { FINDING_TYPES } from './types.js';
import { formLabel } from '../refine/forms/choose.js';
import { painter, type Paint, type Style } from '../text/color.js';

/** Options of {@link renderFindingsTable}. */
export interface TableOptions {
  /** Whether to color the output with ANSI escape codes. */
  color: boolean;
}

/** Longest line, in characters (without color codes). */
const WIDTH = 119;
const DAY_MS = 86_400_000;

/** A piece of a line: plain text or styled text. */
type Segment = string | readonly [Style, string];

/**
 * Renders a scan result as text: a header (analysis time, tracking period, catalog version,
 * counts by finding type), then per principal its findings (unused role, password and access keys
 * with their last use or "never"; unused permissions as services unused entirely and actions
 * unused per service, then each policy with a recommendation and its action), then the principals
 * not evaluated with the reason, then the warnings. Every line is shorter than 120 characters.
 */
export function renderFindingsTable(result: ScanResult, options: TableOptions): string {
  const out = new Lines(options.color);
  const analyzed = Date.parse(result.analyzedAt);
  const since = new Date(analyzed - result.trackingPeriodDays * DAY_MS).toISOString();
  out.line(['bold', 'iam-refine unused access findings']);
  out.line(`Analyzed at ${short(result.analyzedAt)}`);
  out.line(
    `Tracking period: ${result.trackingPeriodDays} day${plural(result.trackingPeriodDays)} (since ${short(since)})`,
  );
  out.line(`Catalog: ${result.catalogVersion}`);
  const counts = new Map<FindingType, number>();
  for (const f of result.findings) counts.set(f.findingType, (counts.get(f.findingType) ?? 0) + 1);
  out.line(`Findings: ${result.findings.length}`, [
    'dim',
    ` (${FINDING_TYPES.map((t) => `${t} ${counts.get(t) ?? 0}`).join(', ')})`,
  ]);
  out.line(`Not evaluated: ${result.notEvaluated.length}, warnings: ${result.warnings.length}`);
  renderCoverage(out, result);

  if (result.findings.length === 0) {
    out.blank();
    out.line(['green', 'No unused access found.']);
  }
  let i = 0;
  while (i < result.findings.length) {
    const first = result.findings[i]!;
    let j = i;
    while (j < result.findings.length && result.findings[j]!.resource === first.resource) j++;
    out.blank();
    out.line(
      ['bold', first.resource],
      ['dim', first.resourceType === 'AWS::IAM::Role' ? '  (role)' : '  (user)'],
    );
    for (const f of result.findings.slice(i, j)) renderFinding(out, f, analyzed);
    i = j;
  }

  if (result.notEvaluated.length > 0) {
    out.blank();
    out.line(['bold', `Not evaluated (${result.notEvaluated.length}):`]);
    for (const n of result.notEvaluated) {
      out.line('  ', n.resource);
      out.wrap(4, ['dim', `${n.reason}: ${n.detail}`]);
    }
  }
  if (result.warnings.length > 0) {
    out.blank();
    out.line(['bold', `Warnings (${result.warnings.length}):`]);
    for (const w of result.warnings) out.wrap(2, ['yellow', `[${w.code}] `], w.message);
  }
  return out.text();
}

/** The evidence coverage lines: complete, or what is missing (skipped input, gaps, shortening). */
function renderCoverage(out: Lines, result: ScanResult): void {
  const c = result.coverage;
  if (c === undefined) return;
  if (c.complete) {
    out.line(
      'Coverage: ',
      ['green', 'complete'],
      ['dim', ' (the activity covers the whole period)'],
    );
    return;
  }
  out.line('Coverage: ', ['yellow', 'INCOMPLETE']);
  if (c.skipped.files + c.skipped.records > 0) {
    out.wrap(
      2,
      ['yellow', 'Skipped: '],
      `${c.skipped.files} log file${plural(c.skipped.files)}, ${c.skipped.records} record${plural(c.skipped.records)} (${c.skipped.where.join('; ')})`,
    );
  }
  if (c.notCovered > 0) {
    out.wrap(
      2,
      ['yellow', 'Not covered: '],
      `${c.notCovered} principal${plural(c.notCovered)} not evaluated for unused roles and permissions (INCOMPLETE_ACTIVITY_COVERAGE below)`,
    );
  }
  if (c.shortened > 0) {
    out.wrap(
      2,
      ['yellow', 'Shortened period: '],
      `${c.shortened} principal${plural(c.shortened)} evaluated over the covered days only (--allow-partial-coverage), the shortest since ${short(c.shortestSince!)}`,
    );
  }
  if (c.dataEventGaps.length > 0) {
    out.wrap(
      2,
      ['yellow', 'No data events: '],
      `${c.dataEventGaps.map((g) => `${g.service} in ${g.accounts.join(', ')}`).join('; ')} (declared with --data-events; their data-event-only actions are not evaluated there)`,
    );
  }
}

function renderFinding(out: Lines, f: Finding, analyzed: number): void {
  if (f.evaluatedSince !== undefined) {
    out.line(
      '  ',
      ['yellow', 'Evaluated since'],
      ` ${short(f.evaluatedSince)} only (partial coverage)`,
    );
  }
  for (const d of f.findingDetails) {
    if ('unusedIamRoleDetails' in d) {
      out.line('  ', ['yellow', 'Unused role'], ': ', lastUsed(d.unusedIamRoleDetails, analyzed));
    } else if ('unusedIamUserPasswordDetails' in d) {
      out.line(
        '  ',
        ['yellow', 'Unused console password'],
        ': ',
        lastUsed(d.unusedIamUserPasswordDetails, analyzed),
      );
    } else if ('unusedIamUserAccessKeyDetails' in d) {
      const k = d.unusedIamUserAccessKeyDetails;
      out.line('  ', ['yellow', 'Unused access key'], ` ${k.accessKeyId}: `, lastUsed(k, analyzed));
    }
  }
  if (f.findingType !== 'UnusedPermission') return;
  const details = f.findingDetails.flatMap((d) =>
    'unusedPermissionDetails' in d ? [d.unusedPermissionDetails] : [],
  );
  renderUnusedPermissions(out, details);
  const policies = f.policies ?? [];
  const rec = f.recommendation;
  if (policies.length === 0) {
    out.line('    ', ['dim', 'No policy to refine.']);
  } else {
    const n = policies.filter((p) => p.recommendedAction !== 'NONE').length;
    const identityCenter = policies.some((p) =>
      (p.labels ?? []).some((l) => l.code === 'IDENTITY_CENTER_ROLE'),
    );
    out.line(
      identityCenter
        ? `    Refinements (Identity Center role: no IAM change, see its permission set): ${n} of ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}`
        : `    Recommendations: ${n} of ${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}`,
    );
    for (const p of policies) renderPolicy(out, p);
  }
  if (rec?.status === 'FAILED' && rec.error) {
    out.wrap(6, ['red', 'Recommendation incomplete: '], rec.error.message);
  }
}

function renderUnusedPermissions(out: Lines, details: readonly UnusedPermissionDetails[]): void {
  const whole = details.filter((d) => d.actions === undefined);
  const partial = details.filter((d) => d.actions !== undefined);
  const actionCount = partial.reduce((n, d) => n + d.actions!.length, 0);
  out.line('  ', ['yellow', 'Unused permissions'], ':');
  if (whole.length > 0) {
    const head = `    ${whole.length} service${plural(whole.length)} unused entirely: `;
    out.line(head, [
      'cyan',
      shortList(
        whole.map((d) => d.serviceNamespace),
        WIDTH - head.length,
      ),
    ]);
  }
  if (partial.length > 0) {
    const head = `    ${actionCount} action${plural(actionCount)} unused in ${partial.length} service${plural(partial.length)}: `;
    const items = partial.map((d) => `${d.serviceNamespace} (${d.actions!.length})`);
    out.line(head, ['cyan', shortList(items, WIDTH - head.length)]);
  }
}

function renderPolicy(out: Lines, p: PolicyRecommendation): void {
  const style: Style =
    p.recommendedAction === 'CREATE_POLICY'
      ? 'green'
      : p.recommendedAction === 'DETACH_POLICY'
        ? 'magenta'
        : 'dim';
  const removed = Object.entries(p.removedByAccessLevel);
  const total = new Set(removed.flatMap(([, list]) => list)).size;
  const services = p.removedServices?.length ?? 0;
  const parts: string[] = [];
  if (total > 0) {
    parts.push(
      `${total} action${plural(total)} (${removed.map(([level, list]) => `${level} ${list.length}`).join(', ')})`,
    );
  }
  if (services > 0) parts.push(`${services} service${plural(services)} unused as a whole`);
  const summary = parts.length === 0 ? '' : `  removes ${parts.join(' and ')}`;
  const group = p.groupArn ? ` (group ${p.groupArn.slice(p.groupArn.lastIndexOf('/') + 1)})` : '';
  const head: Segment[] = [
    '      ',
    [style, (p.error ? 'FAILED' : p.recommendedAction).padEnd(13)],
    ` ${p.policyType.padEnd(16)} `,
    p.policyId + group,
  ];
  // A summary that does not fit beside the policy goes on its own line rather than being cut.
  const headLength = head.reduce((n, s) => n + (typeof s === 'string' ? s : s[1]).length, 0);
  if (headLength + summary.length <= WIDTH) out.line(...head, ['dim', summary]);
  else {
    out.line(...head);
    out.wrap(8, ['dim', summary.trim()]);
  }
  if (p.form) out.wrap(8, [p.form.fits ? 'dim' : 'red', `form: ${formLabel(p.form)}`]);
  for (const label of p.labels ?? []) out.wrap(8, ['dim', `note: ${label.message}`]);
  if (p.error) out.wrap(8, ['red', `error: ${p.error}`]);
}

/** `last used <time> (<n> days before analysis)`, or `never used` (well, never as far as known). */
function lastUsed(d: { lastAccessed?: string }, analyzed: number): Segment {
  if (d.lastAccessed === undefined) return ['red', 'last used never'];
  const days = Math.floor((analyzed - Date.parse(d.lastAccessed)) / DAY_MS);
  return `last used ${short(d.lastAccessed)} (${days} day${plural(days)} before analysis)`;
}

/** ISO time without milliseconds. */
function short(iso: string): string {
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

/** `a, b, c, +N more`, as long as it fits in `room` characters. */
function shortList(items: readonly string[], room: number): string {
  let text = '';
  for (let k = 0; k < items.length; k++) {
    const next = text === '' ? items[k]! : `${text}, ${items[k]!}`;
    const rest = items.length - k - 1;
    const tail = rest > 0 ? `, +${rest} more` : '';
    if (next.length + tail.length > room) {
      const more = `+${items.length - k} more`;
      return text === '' ? more : `${text}, ${more}`;
    }
    text = next;
  }
  return text;
}

/** Accumulates lines of segments and renders them, with or without color. */
class Lines {
  private readonly lines: Segment[][] = [];

  private readonly paint: Paint;
  constructor(color: boolean) {
    this.paint = painter(color);
  }

  /** One line; cut with "..." when longer than the width. */
  line(...segments: Segment[]): void {
    this.lines.push(fit(segments));
  }

  blank(): void {
    this.lines.push([]);
  }

  /**
   * Word-wraps `segments` (treated as prose) at the width, every line indented by `indent`; the
   * style of each word is kept.
   */
  wrap(indent: number, ...segments: Segment[]): void {
    const words: { text: string; style: Style | undefined }[] = [];
    for (const seg of segments) {
      const [style, text] = typeof seg === 'string' ? [undefined, seg] : seg;
      for (const w of text.split(' ')) if (w !== '') words.push({ text: w, style });
    }
    let current = new LineBuilder(indent);
    for (const w of words) {
      const space = current.length > indent ? 1 : 0;
      if (current.length + space + w.text.length > WIDTH && current.length > indent) {
        this.lines.push(current.segments);
        current = new LineBuilder(indent);
      } else if (space) {
        current.push(current.lastStyle === w.style ? w.style : undefined, ' ');
      }
      let text = w.text;
      while (current.length + text.length > WIDTH) {
        const room = WIDTH - current.length;
        current.push(w.style, text.slice(0, room));
        this.lines.push(current.segments);
        current = new LineBuilder(indent);
        text = text.slice(room);
      }
      current.push(w.style, text);
    }
    if (current.length > indent) this.lines.push(current.segments);
  }

  text(): string {
    return this.lines
      .map((segs) =>
        segs
          .filter((s) => (typeof s === 'string' ? s : s[1]) !== '')
          .map((s) => {
            if (typeof s === 'string') return s;
            return this.paint(s[0], s[1]);
          })
          .join('')
          .trimEnd(),
      )
      .join('\n')
      .concat('\n');
  }
}

/** Segments of one line, adjacent text of the same style merged. */
class LineBuilder {
  readonly segments: Segment[];
  length: number;
  lastStyle: Style | undefined;

  constructor(indent: number) {
    this.segments = [' '.repeat(indent)];
    this.length = indent;
  }

  push(style: Style | undefined, text: string): void {
    const last = this.segments[this.segments.length - 1];
    if (style === undefined && typeof last === 'string') {
      this.segments[this.segments.length - 1] = last + text;
    } else if (style !== undefined && typeof last !== 'string' && last?.[0] === style) {
      this.segments[this.segments.length - 1] = [style, last[1] + text];
    } else {
      this.segments.push(style === undefined ? text : [style, text]);
    }
    this.length += text.length;
    this.lastStyle = style;
  }
}

/** Cuts a line that is too long, ending it with "...". */
function fit(segments: readonly Segment[]): Segment[] {
  const total = segments.reduce((n, s) => n + (typeof s === 'string' ? s : s[1]).length, 0);
  if (total <= WIDTH) return [...segments];
  const out: Segment[] = [];
  let room = WIDTH - 3;
  for (const s of segments) {
    const text = typeof s === 'string' ? s : s[1];
    if (text.length <= room) {
      out.push(s);
      room -= text.length;
      continue;
    }
    const cut = text.slice(0, room) + '...';
    out.push(typeof s === 'string' ? cut : [s[0], cut]);
    break;
  }
  return out;
}
