/** @jsxImportSource hono/jsx */
/**
 * The permission-sets view: per IAM Identity Center permission set (as the last scan with
 * `--permission-sets` recorded it), the accounts it covers and those without evidence, the
 * permissions unused in every evaluated account (removed) and those unused somewhere but used
 * elsewhere (kept), and each policy with what the recommendation does: the diff of the original
 * and refined document, the proof, and the trie of each replaced wildcard. No IAM write is offered
 * for the roles: the change is made in Identity Center (`iam-refine apply --permission-set`).
 */
import type { FC } from 'hono/jsx';
import type { UnusedPermissionDetails } from '../../findings/types.js';
import type {
  PermissionSetPolicy,
  PermissionSetRecommendation,
} from '../../identity-center/recommend.js';
import type { PolicyExplanation } from '../explain.js';
import { policyDiff } from '../policy-diff.js';
import { findingHref } from '../urls.js';
import { ChipList, Diff } from './finding.js';
import { Layout, Notice, num, type FrameInfo } from './layout.js';
import { TrieSvg } from './trie.js';

/** One permission set as the page shows it. */
export interface PermissionSetView {
  recommendation: PermissionSetRecommendation;
  scanId: number;
  /** Per policy (same order as `recommendation.policies`): its tries and original. */
  explanations: PolicyExplanation[];
}

/** The href of a permission set's section. */
export function permissionSetHref(arn: string): string {
  return `/permission-sets?arn=${encodeURIComponent(arn)}`;
}

const Unused: FC<{ details: readonly UnusedPermissionDetails[] | 'everything'; empty: string }> = ({
  details,
  empty,
}) => {
  if (details === 'everything') return <p>Everything it allows (no role was used).</p>;
  if (details.length === 0) return <p class="empty">{empty}</p>;
  return (
    <table class="levels">
      <tbody>
        {details.map((d) => (
          <tr>
            <td>{d.serviceNamespace}</td>
            <td>
              {d.actions === undefined ? (
                'the whole service'
              ) : (
                <ChipList
                  label={`${num(d.actions.length)} action${d.actions.length === 1 ? '' : 's'}`}
                  items={d.actions.map((a) => `${d.serviceNamespace}:${a.action}`)}
                />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
};

const Policy: FC<{ p: PermissionSetPolicy; explanation: PolicyExplanation | undefined }> = ({
  p,
  explanation,
}) => {
  const changed = p.action === 'REFINE' || p.action === 'MERGE_INTO_INLINE';
  const original = p.originalPolicy;
  const lines =
    original !== undefined && (changed || p.action === 'DELETE' || p.action === 'DETACH')
      ? policyDiff(original, changed ? (p.policy ?? null) : null)
      : [];
  const removed = Object.values(p.removedByAccessLevel ?? {}).flat();
  return (
    <article class="recommendation">
      <header>
        <div>
          <h3>{p.policyName}</h3>
          <div class="policy-id">
            {p.policyType} · {p.policyId}
          </div>
        </div>
        <div class="actions">
          <span class={`badge ps-action ps-${p.action}`}>{p.action}</span>
        </div>
      </header>
      <div class="body">
        <p class="panel-note">{p.reason}</p>
        {lines.length > 0 ? <Diff lines={lines} label={`Changes to ${p.policyName}`} /> : null}
        {p.proof !== undefined ? (
          <p>
            <span class={p.proof.exact ? 'badge exact' : 'badge action-DETACH_POLICY'}>
              {p.proof.exact ? 'EXACT' : 'NOT EXACT'}
            </span>{' '}
            {num(p.proof.statementsChecked)} statement(s) checked against{' '}
            {num(p.proof.catalogActions)} catalog actions; {num(p.proof.patternsChecked)} new
            pattern(s) checked for containment.
          </p>
        ) : null}
        {removed.length > 0 ? (
          <ChipList label={`${num(removed.length)} actions removed`} items={removed} />
        ) : null}
        {(p.removedServices ?? []).length > 0 ? (
          <ChipList
            label={`${num(p.removedServices!.length)} services removed as a whole`}
            items={p.removedServices!}
          />
        ) : null}
        {explanation?.note !== undefined ? <Notice kind="warn">{explanation.note}</Notice> : null}
        {(explanation?.tries ?? []).slice(0, 4).map((t) => (
          <div class="trie-block">
            <h3>
              Statement {t.statement + 1}
              {t.sid !== undefined ? ` (${t.sid})` : ''}: {t.entry ?? 'NotAction'} →{' '}
              {t.replacement.length} entr{t.replacement.length === 1 ? 'y' : 'ies'}
            </h3>
            <div class="trie-wrap">
              <TrieSvg root={t.root} title={`Trie of ${t.entry ?? 'the exclusions'}`} />
            </div>
          </div>
        ))}
      </div>
    </article>
  );
};

const Detail: FC<{ view: PermissionSetView }> = ({ view }) => {
  const r = view.recommendation;
  return (
    <section class="panel permission-set" id={`ps-${r.name}`}>
      <h2>{r.name}</h2>
      <p class="panel-note">
        {r.permissionSetArn} · instance {r.instanceArn} · scan {view.scanId} · catalog{' '}
        {r.catalogVersion}
      </p>
      <p>
        <span class={`badge ps-action ps-${r.recommendedAction}`}>{r.recommendedAction}</span>
      </p>
      {r.notes.map((n) => (
        <Notice kind="warn">{n}</Notice>
      ))}
      <h3>Accounts ({num(r.accounts.length)})</h3>
      <table class="accounts">
        <thead>
          <tr>
            <th>Account</th>
            <th>Evidence</th>
            <th>Role</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {r.accounts.map((a) => (
            <tr class={a.status === 'EVALUATED' || a.status === 'ROLE_UNUSED' ? '' : 'unobserved'}>
              <td>{a.accountId}</td>
              <td>{a.status}</td>
              <td>
                {a.findingId !== undefined ? (
                  <a href={findingHref(a.findingId)}>{a.roleArn}</a>
                ) : (
                  (a.roleArn ?? '—')
                )}
              </td>
              <td>{a.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="rec-grid">
        <div>
          <h3>Unused in every evaluated account (removed)</h3>
          <Unused details={r.unused} empty="Nothing." />
        </div>
        <div>
          <h3>Unused somewhere, used elsewhere (kept)</h3>
          <Unused details={r.usedSomewhere} empty="Nothing." />
        </div>
      </div>
      {r.size !== undefined ? (
        <p>
          Inline policy after the change:{' '}
          {r.recommended.inlinePolicy === null
            ? 'none'
            : `${num(r.size.characters)} of ${num(r.size.quota)} characters, ${num(r.size.nonWhitespace)} of ${num(r.size.nonWhitespaceQuota)} without whitespace`}
          ; managed policies {num(r.size.managedPolicies)} of {num(r.size.managedPoliciesQuota)}.
        </p>
      ) : null}
      <h3>Policies</h3>
      {r.policies.map((p, i) => (
        <Policy p={p} explanation={view.explanations[i]} />
      ))}
      {r.recommendedAction === 'UPDATE_PERMISSION_SET' ? (
        <div>
          <h3>Apply through IAM Identity Center</h3>
          <p class="panel-note">
            The roles AWSReservedSSO_{r.name}_… cannot be changed through IAM. Change the permission
            set and provision it to every account (a dry run first; --yes to make the change):
          </p>
          <pre class="cli" id={`ps-cli-${r.name}`}>
            {`iam-refine apply --permission-set ${r.name} --db DB\niam-refine apply --permission-set ${r.name} --db DB --yes`}
          </pre>
        </div>
      ) : null}
    </section>
  );
};

/** The page: a summary table of every permission set, then the selected one (or all). */
export const PermissionSetsPage: FC<{
  views: PermissionSetView[];
  selected?: string;
  frame: FrameInfo;
}> = ({ views, selected, frame }) => {
  const shown =
    selected === undefined
      ? views
      : views.filter((v) => v.recommendation.permissionSetArn === selected);
  return (
    <Layout title="Permission sets" section="permission-sets" frame={frame}>
      <h1>Permission sets (IAM Identity Center)</h1>
      {views.length === 0 ? (
        <Notice kind="warn">
          No permission set is recorded in this database: scan with --permission-sets FILE --db
          (collect --identity-center writes the file).
        </Notice>
      ) : (
        <section class="panel">
          <table class="list" id="permission-sets">
            <thead>
              <tr>
                <th>Permission set</th>
                <th>Recommendation</th>
                <th class="num">Accounts</th>
                <th class="num">Evaluated</th>
                <th>Without evidence</th>
              </tr>
            </thead>
            <tbody>
              {views.map(({ recommendation: r }) => (
                <tr>
                  <td>
                    <a href={permissionSetHref(r.permissionSetArn)}>{r.name}</a>
                  </td>
                  <td>{r.recommendedAction}</td>
                  <td class="num">{num(r.accounts.length)}</td>
                  <td class="num">{num(r.evaluatedAccounts.length)}</td>
                  <td>{r.unobservedAccounts.join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {selected !== undefined && shown.length === 0 ? (
        <Notice kind="error">No permission set has this ARN.</Notice>
      ) : null}
      {shown.map((v) => (
        <Detail view={v} />
      ))}
    </Layout>
  );
};
