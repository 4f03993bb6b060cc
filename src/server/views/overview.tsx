/** @jsxImportSource hono/jsx */
/**
 * The overview: totals by finding type and status, by account, the services with the most unused
 * permissions (SVG bars), the trend across scans (SVG lines) and the latest scans.
 */
import type { FC } from 'hono/jsx';
import { FINDING_TYPES, type FindingType } from '../../findings/types.js';
import {
  FINDING_STATUSES,
  type AccountCount,
  type FindingStatus,
  type ScanRecord,
  type ScanTrendPoint,
  type ServiceCount,
  type TypeStatusCount,
} from '../../store/types.js';
import type { RiskLevel } from '../../risk/risk.js';
import { findingsHref } from '../urls.js';
import { ServiceBars, TrendChart, TrendLegend } from './charts.js';
import { Layout, Notice, TYPE_LABELS, day, num, when, type FrameInfo } from './layout.js';

export interface OverviewData {
  byTypeStatus: TypeStatusCount[];
  byAccount: AccountCount[];
  topServices: ServiceCount[];
  trend: ScanTrendPoint[];
  scans: ScanRecord[];
  /** ACTIVE findings per risk level, lowest first (absent: the panel is not shown). */
  byRisk?: { level: RiskLevel; count: number }[];
}

/** Accounts listed before "and N more". */
const MAX_ACCOUNTS = 25;

/** The cards of the finding statuses, in order, with their labels. */
const STATUS_CARDS: readonly (readonly [FindingStatus, string])[] = [
  ['ACTIVE', 'Active findings'],
  ['ARCHIVED', 'Archived'],
  ['RESOLVED', 'Resolved'],
];

export const OverviewPage: FC<{ data: OverviewData; frame: FrameInfo }> = ({ data, frame }) => {
  const cell = (type: FindingType, status: FindingStatus) =>
    data.byTypeStatus.find((c) => c.findingType === type && c.status === status)?.count ?? 0;
  const byStatus = (status: FindingStatus) =>
    data.byTypeStatus.filter((c) => c.status === status).reduce((a, c) => a + c.count, 0);
  const total = data.byTypeStatus.reduce((a, c) => a + c.count, 0);
  const latest = data.scans[0];
  return (
    <Layout title="Overview" section="overview" frame={frame}>
      <h1>Unused access</h1>
      <p class="subtitle">
        {latest === undefined
          ? 'No scan recorded yet: run iam-refine scan --db FILE, or iam-refine demo.'
          : `Last scan #${latest.id} analyzed ${when(latest.analyzedAt)} · tracking period ${latest.trackingPeriodDays} days · ${latest.accounts.length} account${latest.accounts.length === 1 ? '' : 's'}`}
      </p>
      {latest?.coverage !== undefined ? <CoverageNotice scan={latest} /> : null}

      <div class="cards">
        {STATUS_CARDS.map(([status, label]) => (
          <a class={`card ${status.toLowerCase()}`} href={findingsHref({ status })}>
            <div class="label">{label}</div>
            <div class="value" data-count={status}>
              {num(byStatus(status))}
            </div>
          </a>
        ))}
        <a class="card total" href={findingsHref({})}>
          <div class="label">All findings</div>
          <div class="value">{num(total)}</div>
        </a>
      </div>

      <div class="grid-2">
        {data.byRisk === undefined ? null : (
          <section class="panel" id="risk-panel">
            <h2>
              By risk
              <span class="panel-note">
                active findings · high: unused privilege-escalation, data or key control actions
              </span>
            </h2>
            <table id="by-risk">
              <tbody>
                {[...data.byRisk].reverse().map((r) => (
                  <tr data-risk={r.level}>
                    <td>
                      <span class={`badge risk-${r.level}`}>{r.level}</span>
                    </td>
                    <td class="num">{num(r.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p class="panel-note">
              The list of high-risk actions and its sources is in the README (iam-refine findings
              list --sort risk sorts by it).
            </p>
          </section>
        )}
        <section class="panel">
          <h2>By finding type and status</h2>
          <table id="type-status">
            <thead>
              <tr>
                <th>Finding type</th>
                {FINDING_STATUSES.map((s) => (
                  <th class="num">{s}</th>
                ))}
                <th class="num">Total</th>
              </tr>
            </thead>
            <tbody>
              {FINDING_TYPES.map((type) => (
                <tr>
                  <td>
                    <a href={findingsHref({ type })}>{TYPE_LABELS[type]}</a>
                    <div class="panel-note mono">{type}</div>
                  </td>
                  {FINDING_STATUSES.map((status) => (
                    <td class="num">
                      <a href={findingsHref({ type, status })}>{num(cell(type, status))}</a>
                    </td>
                  ))}
                  <td class="num">
                    {num(FINDING_STATUSES.reduce((a, s) => a + cell(type, s), 0))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <section class="panel">
          <h2>
            Top services by unused permissions
            <span class="panel-note">active findings · unused actions</span>
          </h2>
          <ServiceBars
            services={data.topServices}
            hrefFor={(service) =>
              findingsHref({ service, status: 'ACTIVE', type: 'UnusedPermission' })
            }
          />
        </section>

        <section class="panel">
          <h2>
            Trend across scans
            <span class="panel-note">findings per status after each scan</span>
          </h2>
          <TrendChart points={data.trend} />
          <TrendLegend />
        </section>

        <section class="panel">
          <h2>By account</h2>
          {data.byAccount.length === 0 ? (
            <p class="empty">No findings.</p>
          ) : (
            <table id="accounts">
              <thead>
                <tr>
                  <th>Account</th>
                  {FINDING_STATUSES.map((s) => (
                    <th class="num">{s}</th>
                  ))}
                  <th class="num">Total</th>
                </tr>
              </thead>
              <tbody>
                {data.byAccount.slice(0, MAX_ACCOUNTS).map((a) => (
                  <tr>
                    <td class="mono">
                      <a href={findingsHref({ account: a.account })}>{a.account}</a>
                    </td>
                    {FINDING_STATUSES.map((s) => (
                      <td class="num">
                        <a href={findingsHref({ account: a.account, status: s })}>
                          {num(a.byStatus[s] ?? 0)}
                        </a>
                      </td>
                    ))}
                    <td class="num">{num(a.total)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {data.byAccount.length > MAX_ACCOUNTS ? (
            <p class="panel-note">and {num(data.byAccount.length - MAX_ACCOUNTS)} more accounts</p>
          ) : null}
        </section>
      </div>

      <section class="panel">
        <h2>Latest scans</h2>
        {data.scans.length === 0 ? (
          <p class="empty">No scans recorded.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th>Scan</th>
                  <th>Analyzed</th>
                  <th>Accounts</th>
                  <th class="num">Findings</th>
                  <th class="num">New</th>
                  <th class="num">Updated</th>
                  <th class="num">Resolved</th>
                  <th class="num">Reopened</th>
                  <th class="num">Archived by rules</th>
                  <th class="num">Not evaluated</th>
                  <th>Coverage</th>
                </tr>
              </thead>
              <tbody>
                {data.scans.slice(0, 8).map((s) => (
                  <tr>
                    <td>#{s.id}</td>
                    <td>{when(s.analyzedAt)}</td>
                    <td class="mono">
                      {s.accounts.length <= 3
                        ? s.accounts.join(', ')
                        : `${s.accounts.slice(0, 3).join(', ')} +${s.accounts.length - 3}`}
                    </td>
                    <td class="num">{num(s.stats.findings)}</td>
                    <td class="num">{num(s.stats.created)}</td>
                    <td class="num">{num(s.stats.updated)}</td>
                    <td class="num">{num(s.stats.resolved)}</td>
                    <td class="num">{num(s.stats.reopened)}</td>
                    <td class="num">{num(s.stats.archivedByRules)}</td>
                    <td class="num">{num(s.stats.notEvaluated)}</td>
                    <td>
                      {s.coverage === undefined
                        ? '—'
                        : s.coverage.complete
                          ? 'complete'
                          : s.coverage.shortened > 0
                            ? 'incomplete (shortened)'
                            : 'incomplete'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data.scans.length > 0 ? (
          <p class="panel-note">
            Catalog of the last scan: {data.scans[0]!.catalogVersion} · recorded{' '}
            {day(data.scans[0]!.recordedAt)}
          </p>
        ) : null}
      </section>
    </Layout>
  );
};

/** Skipped places listed before "and N more". */
const MAX_PLACES = 10;

/**
 * What the last scan's evidence covered: complete, or what it skipped, which principals it could
 * not evaluate and whether the period was shortened (`--allow-partial-coverage`).
 */
const CoverageNotice: FC<{ scan: ScanRecord }> = ({ scan }) => {
  const c = scan.coverage!;
  if (c.complete) {
    return (
      <Notice kind="ok">
        <span id="coverage">
          Coverage complete: the activity of every evaluated principal covers the whole tracking
          period, and no input was skipped.
        </span>
      </Notice>
    );
  }
  const skipped = c.skipped.files + c.skipped.records > 0;
  return (
    <Notice kind="warn">
      <span id="coverage">
        Coverage incomplete: findings of scan #{scan.id} do not hold for the whole tracking period
        everywhere.
      </span>
      <ul>
        {skipped ? (
          <li id="coverage-skipped">
            Skipped {num(c.skipped.files)} log file{c.skipped.files === 1 ? '' : 's'} and{' '}
            {num(c.skipped.records)} record{c.skipped.records === 1 ? '' : 's'}, on{' '}
            {c.skipped.where.slice(0, MAX_PLACES).join('; ')}
            {c.skipped.where.length > MAX_PLACES
              ? ` and ${num(c.skipped.where.length - MAX_PLACES)} more`
              : ''}
            .
          </li>
        ) : null}
        {c.notCovered > 0 ? (
          <li id="coverage-not-covered">
            {num(c.notCovered)} principal{c.notCovered === 1 ? ' was' : 's were'} not evaluated for
            unused roles and permissions: their activity does not cover the tracking period.
          </li>
        ) : null}
        {c.shortened > 0 ? (
          <li id="coverage-shortened">
            {num(c.shortened)} principal{c.shortened === 1 ? ' was' : 's were'} evaluated over a
            shortened period (--allow-partial-coverage), the shortest since {when(c.shortestSince!)}
            : their findings say since when.
          </li>
        ) : null}
        {c.dataEventGaps.length > 0 ? (
          <li id="coverage-data-events">
            No data events of{' '}
            {c.dataEventGaps.map((g) => `${g.service} in ${g.accounts.join(', ')}`).join('; ')}{' '}
            (declared with --data-events): their data-event-only actions were not evaluated there.
          </li>
        ) : null}
      </ul>
    </Notice>
  );
};
