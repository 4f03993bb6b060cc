/** @jsxImportSource hono/jsx */
/**
 * Archive rules: the list (with apply-now and delete), and the form that creates one, with a
 * preview of the active findings it would archive. A filter is given as criteria rows
 * (key, operator, values) or as Access Analyzer's filter JSON.
 */
import type { FC } from 'hono/jsx';
import type { ArchiveRule, FindingPage } from '../../store/types.js';
import { findingHref } from '../urls.js';
import { Layout, Notice, StatusBadge, TypeBadge, num, when, type FrameInfo } from './layout.js';

/** One criteria row of the form. */
export interface CriterionRow {
  key: string;
  op: string;
  values: string;
}

/** What the form holds. */
export interface RuleForm {
  name: string;
  rows: CriterionRow[];
  json: string;
}

/** Number of criteria rows the form offers. */
export const CRITERIA_ROWS = 4;

/** Operators of a criterion. */
export const OPERATORS: readonly string[] = ['eq', 'neq', 'contains', 'exists'];

/** Filter keys offered (any `tags.KEY` works too). */
export const FILTER_KEYS: readonly string[] = [
  'findingType',
  'resource',
  'resourceType',
  'resourceOwnerAccount',
  'status',
  'id',
  'tags.',
];

export interface RulesPageData {
  rules: ArchiveRule[];
  form: RuleForm;
  /** The filter previewed, as JSON text, and its result. */
  preview?: { filterJson: string; page: FindingPage };
  /** Problems with the form. */
  errors?: string[];
  /** A message after an action. */
  done?: string;
}

export const RulesPage: FC<{ data: RulesPageData; frame: FrameInfo }> = ({ data, frame }) => {
  const rows: CriterionRow[] = [];
  for (let i = 0; i < CRITERIA_ROWS; i++) {
    rows.push(data.form.rows[i] ?? { key: '', op: 'eq', values: '' });
  }
  return (
    <Layout title="Archive rules" section="rules" frame={frame}>
      <h1>Archive rules</h1>
      <p class="subtitle">
        A rule archives the findings its filter matches: new and reopened findings at every scan,
        and the active ones now when you apply it.
      </p>
      {data.done !== undefined ? <Notice kind="ok">{data.done}</Notice> : null}

      <section class="panel">
        <h2>Rules</h2>
        {data.rules.length === 0 ? (
          <p class="empty">No archive rules yet.</p>
        ) : (
          <table id="rules">
            <thead>
              <tr>
                <th>Name</th>
                <th>Filter</th>
                <th>Created</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {data.rules.map((r) => (
                <tr data-rule={r.name}>
                  <td class="mono">{r.name}</td>
                  <td>
                    <code class="breaking">{JSON.stringify(r.filter)}</code>
                  </td>
                  <td>{when(r.createdAt)}</td>
                  <td class="nowrap">
                    <div class="actions nowrap-actions">
                      <form
                        method="post"
                        action={`/rules/${encodeURIComponent(r.name)}/apply`}
                        class="inline"
                      >
                        <button type="submit" class="small">
                          Apply now
                        </button>
                      </form>
                      <form
                        method="post"
                        action={`/rules/${encodeURIComponent(r.name)}/delete`}
                        class="inline"
                      >
                        <button type="submit" class="small danger">
                          Delete
                        </button>
                      </form>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="panel">
        <h2>New rule</h2>
        {data.errors !== undefined && data.errors.length > 0 ? (
          <Notice kind="error">
            The rule was not created:
            <ul>
              {data.errors.map((e) => (
                <li>{e}</li>
              ))}
            </ul>
          </Notice>
        ) : null}
        <form method="post" action="/rules" id="rule-form">
          <div class="field">
            <label for="rule-name">Name</label>
            <input
              id="rule-name"
              type="text"
              name="name"
              value={data.form.name}
              placeholder="sandbox-roles"
              class="name-input"
              maxlength={255}
            />
          </div>
          <h3>Criteria (all must hold)</h3>
          <table class="criteria">
            <thead>
              <tr>
                <th>Key</th>
                <th>Operator</th>
                <th>Values</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr data-criterion={String(i)}>
                  <td>
                    <input
                      type="text"
                      name="key"
                      value={row.key}
                      list="filter-keys"
                      placeholder={i === 0 ? 'findingType' : ''}
                      aria-label={`Key of criterion ${i + 1}`}
                    />
                  </td>
                  <td>
                    <select name="op" aria-label={`Operator of criterion ${i + 1}`}>
                      {OPERATORS.map((op) => (
                        <option value={op} selected={row.op === op}>
                          {op}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      type="text"
                      name="values"
                      value={row.values}
                      aria-label={`Values of criterion ${i + 1}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <datalist id="filter-keys">
            {FILTER_KEYS.map((k) => (
              <option value={k}></option>
            ))}
          </datalist>
          <details class="json-filter" open={data.form.json.trim() !== ''}>
            <summary>Or the filter as JSON (used instead of the rows when given)</summary>
            <textarea name="json" id="rule-json" rows={4}>
              {data.form.json}
            </textarea>
            <p class="panel-note">
              Access Analyzer's filter criteria, e.g.{' '}
              <code>
                {'{"findingType": {"eq": ["UnusedIAMRole"]}, "tags.env": {"eq": ["sandbox"]}}'}
              </code>
            </p>
          </details>
          <div class="actions">
            <button type="submit" formmethod="get" formaction="/rules" name="preview" value="1">
              Preview
            </button>
            <button type="submit" class="primary" name="then" value="create" id="create-rule">
              Create rule
            </button>
            <button type="submit" name="then" value="apply" id="create-apply-rule">
              Create and archive matching findings
            </button>
          </div>
        </form>
      </section>

      {data.preview !== undefined ? (
        <section class="panel" id="preview">
          <h2>
            Preview
            <span class="panel-note">
              <code>{data.preview.filterJson}</code>
            </span>
          </h2>
          <p id="preview-count">
            {`This rule would archive ${num(data.preview.page.total ?? data.preview.page.items.length)} active finding${(data.preview.page.total ?? data.preview.page.items.length) === 1 ? '' : 's'} now.`}
          </p>
          {data.preview.page.items.length > 0 ? (
            <table>
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Type</th>
                  <th>Principal</th>
                  <th>Account</th>
                </tr>
              </thead>
              <tbody>
                {data.preview.page.items.map((f) => (
                  <tr>
                    <td>
                      <StatusBadge status={f.status} />
                    </td>
                    <td>
                      <TypeBadge type={f.findingType} />
                    </td>
                    <td class="principal mono">
                      <a href={findingHref(f.id)}>{f.resource}</a>
                    </td>
                    <td class="mono">{f.resourceOwnerAccount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {(data.preview.page.total ?? 0) > data.preview.page.items.length ? (
            <p class="panel-note">Showing the first {num(data.preview.page.items.length)}.</p>
          ) : null}
        </section>
      ) : null}
    </Layout>
  );
};
