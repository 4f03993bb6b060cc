/** @jsxImportSource hono/jsx */
/**
 * One finding: its details (services, actions, last accessed; key, role or password), its tags,
 * every policy recommendation as a +/- diff with the proof summary, the removed actions by access
 * level, the trie behind each replaced wildcard, the download and AWS CLI buttons, archive /
 * unarchive, and the finding's history.
 */
import { formLabel } from '../../refine/forms/choose.js';
import type { FC } from 'hono/jsx';
import type { AccessLevel } from '../../catalog/catalog.js';
import { ACCESS_LEVELS } from '../../catalog/catalog.js';
import type {
  Finding,
  FindingDetails,
  PolicyRecommendation,
  UnusedAction,
  UnusedPermissionDetails,
} from '../../findings/types.js';
import type { HistoryEvent, StoredFinding } from '../../store/types.js';
import { refinedFileName } from '../aws-cli.js';
import type { PolicyExplanation } from '../explain.js';
import { policyDiff, type DiffLine } from '../policy-diff.js';
import { findingHref, findingsHref } from '../urls.js';
import {
  Layout,
  Notice,
  StatusBadge,
  TypeBadge,
  day,
  num,
  when,
  type FrameInfo,
} from './layout.js';
import { remediationSteps, type RemediationStep } from '../../report/remediation.js';
import { TrieSvg, foldUnused } from './trie.js';

/** One recommendation with what the page computed for it. */
export interface RecommendationView {
  rec: PolicyRecommendation;
  /** Index in `finding.policies` (used in URLs). */
  index: number;
  explanation: PolicyExplanation;
  /** The AWS CLI commands applying it ('' for NONE). */
  cli: string;
  /**
   * `iam-refine`: a policy of iam-refine's recommendation kept next to Access Analyzer's
   * (`iamRefineRecommendation`; `index` is in its `policies`).
   */
  source?: 'iam-refine';
}

export interface FindingPageData {
  stored: StoredFinding;
  recommendations: RecommendationView[];
  /** iam-refine's recommendation next to Access Analyzer's (imported findings that have both). */
  iamRefineRecommendations?: RecommendationView[];
  /** A message after an action (`archived`, `unarchived`). */
  done?: string;
  /** The patch of the policies' IaC sources, when the dashboard was given `--iac` folders. */
  remediationHref?: string;
  /**
   * For a role IAM Identity Center created: its permission set's name (the page offers no IAM
   * change and links to the permission set).
   */
  permissionSet?: string;
}

const POLICY_TYPE_LABELS: Record<string, string> = {
  AWS_MANAGED: 'AWS managed policy',
  CUSTOMER_MANAGED: 'customer managed policy',
  INLINE: 'inline policy',
  GROUP_INLINE: 'inline policy of a group',
  GROUP_MANAGED: 'managed policy of a group',
};

const EVENT_LABELS: Record<HistoryEvent['event'], string> = {
  created: 'First seen',
  updated: 'Details changed',
  resolved: 'Resolved',
  reopened: 'Reopened',
  archived: 'Archived',
  unarchived: 'Unarchived',
};

export const FindingPage: FC<{ data: FindingPageData; frame: FrameInfo }> = ({ data, frame }) => {
  const s = data.stored;
  const f = s.finding;
  const id = s.id;
  const permissionDetails = f.findingDetails.flatMap((d) =>
    'unusedPermissionDetails' in d ? [d.unusedPermissionDetails] : [],
  );
  return (
    <Layout title={s.resource} section="findings" frame={frame}>
      <p class="panel-note">
        <a href="/findings">Findings</a> ›{' '}
        <a href={findingsHref({ account: s.resourceOwnerAccount })}>{s.resourceOwnerAccount}</a>
      </p>
      {data.done !== undefined ? <Notice kind="ok">{data.done}</Notice> : null}
      {data.permissionSet !== undefined ? (
        <Notice kind="warn">
          <span id="identity-center-role">
            This role was created by IAM Identity Center for permission set {data.permissionSet}:
            IAM refuses to change it, so no IAM command is offered. Change the permission set
            instead:{' '}
            <a href={`/permission-sets?name=${encodeURIComponent(data.permissionSet)}`}>
              permission set {data.permissionSet}
            </a>
            .
          </span>
        </Notice>
      ) : null}
      {f.evaluatedSince !== undefined ? (
        <Notice kind="warn">
          <span id="evaluated-since">
            Partial coverage: the activity of this principal covered only the end of the tracking
            period, so "unused" here means unused since {when(f.evaluatedSince)} (scanned with
            --allow-partial-coverage), not over the whole tracking period.
          </span>
        </Notice>
      ) : null}
      <div class="finding-head">
        <div>
          <h1 id="principal">{s.resource}</h1>
          <div class="meta">
            <TypeBadge type={s.findingType} />
            <span id="finding-status">
              <StatusBadge status={s.status} />
            </span>
            <span class="panel-note">
              {s.resourceType} · account {s.resourceOwnerAccount}
            </span>
          </div>
        </div>
        <div class="actions">
          {data.remediationHref !== undefined ? (
            <a
              class="button"
              id="remediation-patch"
              href={data.remediationHref}
              title="A patch of the Terraform / CloudFormation sources of its policies, each change proved (iam-refine remediate)"
            >
              Download IaC patch
            </a>
          ) : null}
          {s.status === 'ACTIVE' ? (
            <form method="post" action={`${findingHref(id)}/archive`} class="inline">
              <button type="submit" id="archive">
                Archive
              </button>
            </form>
          ) : null}
          {s.status === 'ARCHIVED' ? (
            <form method="post" action={`${findingHref(id)}/unarchive`} class="inline">
              <button type="submit" id="unarchive">
                Unarchive
              </button>
            </form>
          ) : null}
        </div>
      </div>

      <div class="grid-2">
        <section class="panel">
          <h2>Finding</h2>
          <table class="kv">
            <tbody>
              <tr>
                <th>Finding id</th>
                <td class="mono">{id}</td>
              </tr>
              <tr>
                <th>Principal</th>
                <td class="mono">{s.resource}</td>
              </tr>
              <tr>
                <th>Status</th>
                <td>
                  {s.status}
                  {s.archivedByRule !== undefined ? ` (by archive rule ${s.archivedByRule})` : ''}
                  {s.archivedBy !== undefined ? ` (by ${s.archivedBy})` : ''}
                  {s.resolvedScanId !== undefined ? ` (by scan #${s.resolvedScanId})` : ''}
                </td>
              </tr>
              <tr>
                <th>First seen</th>
                <td>
                  {when(s.createdAt)} (scan #{s.firstScanId})
                </td>
              </tr>
              <tr>
                <th>Last updated</th>
                <td>{when(s.updatedAt)}</td>
              </tr>
              <tr>
                <th>Last analyzed</th>
                <td>
                  {when(s.analyzedAt)} (scan #{s.lastSeenScanId})
                </td>
              </tr>
            </tbody>
          </table>
        </section>
        <section class="panel">
          <h2>Tags</h2>
          {Object.keys(s.tags).length === 0 ? (
            <p class="empty">No tags recorded.</p>
          ) : (
            <table id="tags">
              <thead>
                <tr>
                  <th>Key</th>
                  <th>Value</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(s.tags).map(([k, v]) => (
                  <tr>
                    <td class="mono breaking">{k}</td>
                    <td class="mono breaking">{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      {f.findingType === 'UnusedPermission' ? (
        <section class="panel" id="recommendations">
          <h2>
            Recommendations
            <span class="panel-note">
              {f.recommendation !== undefined
                ? `${f.recommendation.status} · ${data.recommendations.length} polic${data.recommendations.length === 1 ? 'y' : 'ies'}`
                : ''}
            </span>
          </h2>
          {f.recommendation?.error !== undefined ? (
            <Notice kind="error">
              {f.recommendation.error.code}: {f.recommendation.error.message}
            </Notice>
          ) : null}
          {data.recommendations.length === 0 ? (
            <p class="empty">No policy of this principal needs a change.</p>
          ) : (
            data.recommendations.map((r) => <Recommendation view={r} findingId={id} />)
          )}
        </section>
      ) : null}

      {data.iamRefineRecommendations !== undefined ? (
        <section class="panel" id="iam-refine-recommendation">
          <h2>
            iam-refine's recommendation
            <span class="panel-note">
              {`next to Access Analyzer's · ${data.iamRefineRecommendations.length} polic${data.iamRefineRecommendations.length === 1 ? 'y' : 'ies'}`}
            </span>
          </h2>
          <p class="panel-note">
            Refined by iam-refine from the live policies, each proven exact. Access Analyzer's
            recommendation above is the finding's own: apply carries it out; apply --use iam-refine
            carries out this one.
          </p>
          {data.iamRefineRecommendations.length === 0 ? (
            <p class="empty">No live policy of this principal grants the unused permissions.</p>
          ) : (
            data.iamRefineRecommendations.map((r) => <Recommendation view={r} findingId={id} />)
          )}
        </section>
      ) : null}

      {f.findingType !== 'UnusedPermission' ? (
        <RemediationPanel steps={remediationSteps(f as unknown as Finding)} />
      ) : null}

      <section class="panel">
        <h2>Details</h2>
        {permissionDetails.length > 0 ? <PermissionDetails details={permissionDetails} /> : null}
        {f.findingDetails.map((d) => (
          <Details details={d} />
        ))}
      </section>

      <section class="panel">
        <h2>History</h2>
        <table id="history">
          <thead>
            <tr>
              <th>When</th>
              <th>Event</th>
              <th>Status</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {s.history.map((h) => (
              <tr>
                <td>{when(h.at)}</td>
                <td>{EVENT_LABELS[h.event] ?? h.event}</td>
                <td>
                  {h.fromStatus !== undefined ? `${h.fromStatus} → ` : ''}
                  {h.toStatus}
                </td>
                <td>
                  {h.ruleName !== undefined
                    ? `archive rule ${h.ruleName}`
                    : h.actor !== undefined
                      ? h.actor
                      : h.scanId !== undefined
                        ? `scan #${h.scanId}`
                        : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
};

/** Unused actions shown per service before "N more". */
const MAX_CHIPS = 40;

/** One unused action, with its last use when known. */
const ActionChip: FC<{ action: UnusedAction }> = ({ action: a }) => (
  <span
    class="chip"
    title={
      a.lastAccessed === undefined
        ? 'not used (no earlier use known)'
        : `last accessed ${when(a.lastAccessed)}`
    }
  >
    {a.action}
    {a.lastAccessed !== undefined ? ` · ${day(a.lastAccessed)}` : ''}
  </span>
);

/** The services and actions of an UnusedPermission finding, one row per service. */
const PermissionDetails: FC<{ details: UnusedPermissionDetails[] }> = ({ details }) => {
  // Large findings stay readable: the services still in use (with their unused actions) first,
  // then every service unused as a whole in one row (AdministratorAccess has hundreds).
  const used = details.filter((d) => d.actions !== undefined);
  const whole = details.filter((d) => d.actions === undefined);
  const knownWhole = whole.filter((d) => d.lastAccessed !== undefined).length;
  return (
    <table class="service-details" id="services">
      <thead>
        <tr>
          <th>Service</th>
          <th>Unused</th>
          <th>Service last accessed</th>
        </tr>
      </thead>
      <tbody>
        {used.map((d) => (
          <tr>
            <td class="mono">{d.serviceNamespace}</td>
            <td>
              <div>
                <div class="panel-note">
                  {num(d.actions!.length)} action{d.actions!.length === 1 ? '' : 's'}
                </div>
                {d.actions!.slice(0, MAX_CHIPS).map((a) => (
                  <ActionChip action={a} />
                ))}
                {d.actions!.length > MAX_CHIPS ? (
                  <details class="more-chips">
                    <summary>{`${num(d.actions!.length - MAX_CHIPS)} more`}</summary>
                    {d.actions!.slice(MAX_CHIPS).map((a) => (
                      <ActionChip action={a} />
                    ))}
                  </details>
                ) : null}
              </div>
            </td>
            <td class="nowrap">
              {d.lastAccessed === undefined ? 'never, as far as known' : when(d.lastAccessed)}
            </td>
          </tr>
        ))}
        {whole.length > 0 ? (
          <tr id="whole-services">
            <td class="mono">{`${num(whole.length)} service${whole.length === 1 ? '' : 's'}`}</td>
            <td>
              <div class="panel-note">whole service, not used in the tracking period</div>
              <ChipList
                label={whole
                  .slice(0, 8)
                  .map((d) => d.serviceNamespace)
                  .join(', ')
                  .concat(whole.length > 8 ? `, … (${num(whole.length)})` : '')}
                items={whole.map((d) =>
                  d.lastAccessed === undefined
                    ? d.serviceNamespace
                    : `${d.serviceNamespace} (${d.lastAccessed.slice(0, 10)})`,
                )}
              />
            </td>
            <td class="nowrap">
              {knownWhole === 0
                ? 'never, as far as known'
                : `${num(knownWhole)} used before the period (date in brackets)`}
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
};

/** One `findingDetails` member of the other finding types. */
const Details: FC<{ details: FindingDetails }> = ({ details }) => {
  if ('unusedPermissionDetails' in details) return null;
  if ('unusedIamUserAccessKeyDetails' in details) {
    const d = details.unusedIamUserAccessKeyDetails;
    return (
      <table class="kv">
        <tbody>
          <tr>
            <th>Access key</th>
            <td class="mono">{d.accessKeyId}</td>
          </tr>
          <tr>
            <th>Last accessed</th>
            <td>{d.lastAccessed === undefined ? 'never used' : when(d.lastAccessed)}</td>
          </tr>
        </tbody>
      </table>
    );
  }
  const d =
    'unusedIamRoleDetails' in details
      ? { what: 'Role last used', at: details.unusedIamRoleDetails.lastAccessed }
      : { what: 'Last console sign-in', at: details.unusedIamUserPasswordDetails.lastAccessed };
  return (
    <table class="kv">
      <tbody>
        <tr>
          <th>{d.what}</th>
          <td>{d.at === undefined ? 'never (as far as known)' : when(d.at)}</td>
        </tr>
      </tbody>
    </table>
  );
};

/** The diff lines as a block; `+`/`-` markers come from CSS so copying gives plain JSON. */
export const Diff: FC<{ lines: DiffLine[]; label: string }> = ({ lines, label }) => {
  const added = lines.filter((l) => l.kind === 'add').length;
  const removed = lines.filter((l) => l.kind === 'del').length;
  return (
    <div>
      <pre class="diff" aria-label={label}>
        <code>
          {lines.map((l) => (
            <span class={`line ${l.kind}`}>{`${l.text}\n`}</span>
          ))}
        </code>
      </pre>
      <p class="diff-stats">
        <span class="minus">−{removed}</span> <span class="plus">+{added}</span> lines
      </p>
    </div>
  );
};

/** Names as chips, folded under `label` until opened. */
export const ChipList: FC<{ label: string; items: readonly string[] }> = ({ label, items }) => (
  <details>
    <summary>{label}</summary>
    {items.map((item) => (
      <span class="chip">{item}</span>
    ))}
  </details>
);

const Recommendation: FC<{ view: RecommendationView; findingId: string }> = ({
  view,
  findingId,
}) => {
  const { rec, explanation, index, cli } = view;
  const refined = rec.recommendedAction === 'DETACH_POLICY' ? null : rec.policy;
  const original = explanation.original;
  const lines =
    original !== undefined
      ? policyDiff(original, refined)
      : refined === null
        ? []
        : policyDiff(refined, refined);
  const levels = [...ACCESS_LEVELS, 'Unknown' as const].filter(
    (l) => (rec.removedByAccessLevel[l as AccessLevel | 'Unknown'] ?? []).length > 0,
  );
  const removedTotal = levels.reduce(
    (a, l) => a + (rec.removedByAccessLevel[l as AccessLevel | 'Unknown']?.length ?? 0),
    0,
  );
  const services = rec.removedServices ?? [];
  const ours = view.source === 'iam-refine';
  const cliId = ours ? `cli-iam-refine-${index}` : `cli-${index}`;
  const from = ours ? 'from=iam-refine' : '';
  return (
    <article class="recommendation" id={ours ? `iam-refine-policy-${index}` : `policy-${index}`}>
      <header>
        <div>
          <h3>{rec.policyName}</h3>
          <div class="policy-id">
            {POLICY_TYPE_LABELS[rec.policyType] ?? rec.policyType} · {rec.policyId}
            {rec.groupArn !== undefined ? ` · group ${rec.groupArn}` : ''}
          </div>
        </div>
        <div class="actions">
          <span class={`badge action-${rec.recommendedAction}`}>{rec.recommendedAction}</span>
          {(rec.labels ?? []).map((l) => (
            <span class="badge label" title={l.message}>
              {l.code}
            </span>
          ))}
          {rec.form !== undefined ? (
            <span
              class={rec.form.fits ? 'badge label form' : 'badge action-DETACH_POLICY form'}
              title={rec.form.reason}
            >
              {formLabel(rec.form)}
            </span>
          ) : null}
          {rec.policy !== null && rec.recommendedAction === 'CREATE_POLICY' && !rec.parts ? (
            <a
              class="button small primary download"
              href={`${findingHref(findingId)}/policies/${index}/refined.json${from === '' ? '' : `?${from}`}`}
              download={refinedFileName(rec)}
            >
              Download refined policy
            </a>
          ) : null}
          {(rec.parts ?? []).map((_, k) => (
            <a
              class="button small primary download"
              href={`${findingHref(findingId)}/policies/${index}/refined.json?part=${k + 1}${from === '' ? '' : `&${from}`}`}
              download={refinedFileName(rec, k + 1)}
            >
              Download part {k + 1}
            </a>
          ))}
        </div>
      </header>
      <div class="body">
        {(rec.labels ?? []).map((l) => (
          <p class="panel-note">
            {l.code}: {l.message}
          </p>
        ))}
        {rec.error !== undefined ? (
          <Notice kind="error">Refining this policy failed: {rec.error}</Notice>
        ) : null}
        {explanation.note !== undefined ? <Notice kind="warn">{explanation.note}</Notice> : null}
        {(rec.warnings ?? []).length > 0 ? (
          <Notice kind="warn">
            Input warnings:
            <ul>
              {(rec.warnings ?? []).map((w) => (
                <li>
                  {w.path}: {w.message} [{w.code}]
                </li>
              ))}
            </ul>
          </Notice>
        ) : null}
        {rec.recommendedAction === 'NONE' ? null : (
          <div class="rec-grid">
            <div>
              <h3>
                {original !== undefined
                  ? rec.recommendedAction === 'DETACH_POLICY'
                    ? 'Original policy (detach: nothing it grants is used)'
                    : 'Original → refined policy'
                  : 'Refined policy'}
              </h3>
              {lines.length > 0 ? (
                <Diff lines={lines} label={`Changes to ${rec.policyName}`} />
              ) : (
                <p class="empty">Detach this policy: nothing it grants is used.</p>
              )}
            </div>
            <div>
              {rec.proof !== undefined ? (
                <div>
                  <h3>Proof</h3>
                  <div class="proof">
                    <span class={rec.proof.exact ? 'badge exact' : 'badge action-DETACH_POLICY'}>
                      {rec.proof.exact ? 'EXACT' : 'NOT EXACT'}
                    </span>
                    <p>
                      {num(rec.proof.statementsChecked)} statement
                      {rec.proof.statementsChecked === 1 ? '' : 's'} checked against{' '}
                      {num(rec.proof.catalogActions)} catalog actions;{' '}
                      {num(rec.proof.patternsChecked)} new pattern
                      {rec.proof.patternsChecked === 1 ? '' : 's'} checked for containment. The
                      refined policy allows exactly what the original did minus the unused actions.
                    </p>
                  </div>
                </div>
              ) : null}
              {rec.form !== undefined ? (
                <div>
                  <h3>Form and size</h3>
                  <div class="proof form">
                    <span class={rec.form.fits ? 'badge fits' : 'badge action-DETACH_POLICY'}>
                      {rec.form.fits ? rec.form.form.toUpperCase() : 'OVER QUOTA'}
                    </span>
                    <p>
                      {formLabel(rec.form)}. Why: {rec.form.reason}.
                    </p>
                  </div>
                </div>
              ) : null}
              <h3>Removed actions by access level</h3>
              {services.length > 0 ? (
                <div class="removed-services">
                  Every action it allowed of {num(services.length)} service
                  {services.length === 1 ? '' : 's'} unused as a whole (not listed below):{' '}
                  <ChipList label="services" items={services} />
                </div>
              ) : null}
              {levels.length === 0 ? (
                <p class="empty">{services.length > 0 ? 'No other action.' : 'None.'}</p>
              ) : (
                <table class="levels">
                  <tbody>
                    {levels.map((l) => {
                      const list = rec.removedByAccessLevel[l as AccessLevel | 'Unknown'] ?? [];
                      return (
                        <tr>
                          <td>{l}</td>
                          <td class="num">{num(list.length)}</td>
                          <td>
                            <ChipList label="actions" items={list} />
                          </td>
                        </tr>
                      );
                    })}
                    <tr>
                      <td>Total</td>
                      <td class="num">{num(removedTotal)}</td>
                      <td></td>
                    </tr>
                  </tbody>
                </table>
              )}
              {cli !== '' ? (
                <div>
                  <h3>Apply with the AWS CLI</h3>
                  <pre class="cli" id={cliId}>
                    {cli}
                  </pre>
                  <div class="actions">
                    <button type="button" class="small" data-copy={cliId}>
                      Copy commands
                    </button>
                    <span class="copy-status" aria-live="polite"></span>
                  </div>
                </div>
              ) : null}
            </div>
          </div>
        )}
        {explanation.tries.map((t) => (
          <div class="trie-block">
            <h3>
              {t.kind === 'action'
                ? `Statement ${t.statement + 1}${t.sid !== undefined ? ` (${t.sid})` : ''}: ${t.entry ?? ''} → ${t.replacement.length} entr${t.replacement.length === 1 ? 'y' : 'ies'}`
                : `Statement ${t.statement + 1}${t.sid !== undefined ? ` (${t.sid})` : ''}: NotAction exclusions added`}
            </h3>
            <p class="trie-caption">
              Each node is a prefix of the actions {t.entry ?? 'the statement'} allows. Green: safe
              (no unused action under it, and its wildcard stays within the original); orange:
              unsafe (expanded). The outlined nodes are the shortest safe prefixes that replace it:{' '}
              <code>{t.replacement.join(', ')}</code>
            </p>
            <ul class="legend">
              <li>
                <span class="swatch safe"></span>safe
              </li>
              <li>
                <span class="swatch unsafe"></span>unsafe
              </li>
              <li>
                <span class="swatch emitted"></span>in the refined policy
              </li>
              <li>struck through: unused action</li>
            </ul>
            <div class="trie-wrap">
              <TrieSvg
                root={foldUnused(t.root)}
                title={`Prefix trie of ${t.entry ?? 'the NotAction exclusions'} in ${rec.policyName}`}
              />
            </div>
            {foldUnused(t.root) !== t.root ? (
              <details class="whole-trie">
                <summary>The whole trie (with every wholly unused branch)</summary>
                <div class="trie-wrap">
                  <TrieSvg
                    root={t.root}
                    title={`Whole prefix trie of ${t.entry ?? 'the NotAction exclusions'} in ${rec.policyName}`}
                  />
                </div>
              </details>
            ) : null}
          </div>
        ))}
      </div>
    </article>
  );
};

/** The remediation steps of an unused role, key or password (src/report/remediation.ts). */
const RemediationPanel: FC<{ steps: RemediationStep[] }> = ({ steps }) => (
  <section class="panel" id="remediation">
    <h2>Remediation</h2>
    <ol class="remediation">
      {steps.map((s) => (
        <li>
          <p>{s.title}</p>
          {s.commands.length > 0 ? (
            <pre class="command">
              <code>{s.commands.join('\n')}</code>
            </pre>
          ) : null}
          {s.undo !== undefined ? (
            <p class="panel-note">
              Undo: <code>{s.undo.join('; ')}</code>
            </p>
          ) : null}
          {s.irreversible !== undefined ? (
            <Notice kind="warn">Cannot be undone: {s.irreversible}</Notice>
          ) : null}
        </li>
      ))}
    </ol>
  </section>
);
