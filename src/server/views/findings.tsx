/** @jsxImportSource hono/jsx */
/**
 * The findings list: a filter form (type, status, account, principal, service, sort, page size),
 * the page of findings the store returns, and the pager. Forward paging uses the store's keyset
 * cursor (constant cost at any depth); "Previous" and "First" use offsets.
 */
import type { FC } from 'hono/jsx';
import { FINDING_TYPES } from '../../findings/types.js';
import { FINDING_SORT_KEYS, FINDING_STATUSES, type FindingPage } from '../../store/types.js';
import type { RowForms, RowRisk } from '../risk-view.js';
import {
  PAGE_SIZES,
  filterParams,
  findingHref,
  findingsHref,
  type ListSortKey,
  type ParsedList,
} from '../urls.js';
import {
  Breakable,
  Layout,
  Notice,
  StatusBadge,
  TYPE_LABELS,
  TypeBadge,
  num,
  when,
  type FrameInfo,
} from './layout.js';

/** Accounts are offered in a select up to this many; beyond, a text field. */
const MAX_ACCOUNT_OPTIONS = 300;

const SORT_LABELS: Record<string, string> = {
  updatedAt: 'Last updated',
  createdAt: 'First seen',
  resource: 'Principal',
  account: 'Account',
  findingType: 'Type',
  status: 'Status',
  unusedActionCount: 'Unused actions',
  risk: 'Risk',
};

/** The label of a sort column. */
function sortLabel(key: ListSortKey): string {
  return SORT_LABELS[key] ?? key;
}

/** Services shown in a row before "+N". */
const MAX_SERVICES_SHOWN = 6;

export const FindingsPage: FC<{
  list: ParsedList;
  page: FindingPage;
  /** Per finding id: its risk and its services in order of importance. */
  rows?: ReadonlyMap<string, RowRisk>;
  /** Findings archived by the bulk archive that led here (NaN: none). */
  archived?: number;
  accounts: string[];
  services: readonly string[];
  frame: FrameInfo;
}> = ({ list, page, rows, archived, accounts, services, frame }) => {
  const p = list.params;
  const first = page.offset ?? (list.page - 1) * list.size;
  const total = page.total;
  const base = filterParams(p);
  const sortLink = (key: ListSortKey) => {
    const dir = list.sort === key && list.dir === 'desc' ? 'asc' : 'desc';
    return findingsHref({ ...base, sort: key, dir });
  };
  const SortHeader: FC<{ k: ListSortKey; cls?: string }> = ({ k, cls }) => (
    <th class={cls}>
      <a
        class={list.sort === k ? 'sort current' : 'sort'}
        href={sortLink(k)}
        title={`Sort by ${sortLabel(k).toLowerCase()}`}
      >
        {sortLabel(k)}
        {list.sort === k ? (list.dir === 'desc' ? ' ▾' : ' ▴') : ''}
      </a>
    </th>
  );
  const keep = { ...base, sort: p.sort, dir: p.dir };
  const prevHref = list.page > 1 ? findingsHref({ ...keep, page: list.page - 1 }) : undefined;
  const nextHref =
    page.nextCursor !== undefined
      ? findingsHref({ ...keep, page: list.page + 1, cursor: page.nextCursor })
      : undefined;
  const pages = total === undefined ? undefined : Math.max(1, Math.ceil(total / list.size));

  return (
    <Layout title="Findings" section="findings" frame={frame}>
      <h1>Findings</h1>
      <p class="subtitle">
        {total === undefined ? '' : `${num(total)} finding${total === 1 ? '' : 's'} match`}
      </p>
      {list.ignored.length > 0 ? (
        <Notice kind="warn">Ignored: {list.ignored.join(', ')}.</Notice>
      ) : null}

      <section class="panel">
        <form method="get" action="/findings" data-autosubmit="" id="filters">
          <div class="filters">
            <div class="field">
              <label for="f-type">Type</label>
              <select id="f-type" name="type">
                <option value="">Any type</option>
                {FINDING_TYPES.map((t) => (
                  <option value={t} selected={p.type === t}>
                    {TYPE_LABELS[t]}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="f-status">Status</label>
              <select id="f-status" name="status">
                <option value="">Any status</option>
                {FINDING_STATUSES.map((s) => (
                  <option value={s} selected={p.status === s}>
                    {s}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="f-account">Account</label>
              {accounts.length <= MAX_ACCOUNT_OPTIONS ? (
                <select id="f-account" name="account">
                  <option value="">Any account</option>
                  {accounts.map((a) => (
                    <option value={a} selected={p.account === a}>
                      {a}
                    </option>
                  ))}
                  {p.account !== undefined && !accounts.includes(p.account) ? (
                    <option value={p.account} selected>
                      {p.account}
                    </option>
                  ) : null}
                </select>
              ) : (
                <input id="f-account" type="text" name="account" value={p.account ?? ''} />
              )}
            </div>
            <div class="field">
              <label for="f-principal">Principal contains</label>
              <input
                id="f-principal"
                type="search"
                name="principal"
                value={p.principal ?? ''}
                placeholder="role/app-"
                size={28}
              />
            </div>
            <div class="field">
              <label for="f-service">Service</label>
              <input
                id="f-service"
                type="text"
                name="service"
                value={p.service ?? ''}
                placeholder="s3"
                list="service-list"
                size={10}
              />
              <datalist id="service-list">
                {services.map((s) => (
                  <option value={s}></option>
                ))}
              </datalist>
            </div>
            <div class="field">
              <label for="f-risk">Risk at least</label>
              <select id="f-risk" name="risk">
                <option value="" selected={p.risk === undefined}>
                  any
                </option>
                {(['high', 'medium', 'low'] as const).map((r) => (
                  <option value={r} selected={p.risk === r}>
                    {r}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <div class="filters second">
            <div class="field">
              <label for="f-sort">Sort by</label>
              <select id="f-sort" name="sort">
                {[...FINDING_SORT_KEYS, 'risk' as const].map((k) => (
                  <option value={k} selected={list.sort === k}>
                    {sortLabel(k)}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="f-dir">Order</label>
              <select id="f-dir" name="dir">
                <option value="desc" selected={list.dir === 'desc'}>
                  Descending
                </option>
                <option value="asc" selected={list.dir === 'asc'}>
                  Ascending
                </option>
              </select>
            </div>
            <div class="field">
              <label for="f-size">Per page</label>
              <select id="f-size" name="size">
                {PAGE_SIZES.map((n) => (
                  <option value={String(n)} selected={list.size === n}>
                    {n}
                  </option>
                ))}
              </select>
            </div>
            <div class="actions">
              <button type="submit" class="primary">
                Apply
              </button>
              <a class="button" href="/findings">
                Clear
              </a>
            </div>
          </div>
        </form>
      </section>

      {archived !== undefined && Number.isInteger(archived) ? (
        <Notice kind="ok">{`Archived ${num(archived)} finding${archived === 1 ? '' : 's'}.`}</Notice>
      ) : null}
      <section class="panel">
        {page.items.length === 0 ? (
          <p class="empty">No findings match these filters.</p>
        ) : (
          <form method="post" action="/findings/archive" id="bulk">
            <input type="hidden" name="back" value={findingsHref(base)} />
            <p class="actions">
              <button type="submit" class="small" id="archive-selected">
                Archive selected
              </button>
            </p>
            <div class="table-scroll">
              <table id="findings">
                <thead>
                  <tr>
                    <th>
                      <span class="visually-hidden">Select</span>
                    </th>
                    <SortHeader k="risk" />
                    <SortHeader k="status" />
                    <SortHeader k="findingType" />
                    <SortHeader k="resource" />
                    <SortHeader k="account" />
                    <th>Services</th>
                    <SortHeader k="unusedActionCount" cls="num" />
                    <SortHeader k="updatedAt" />
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((f) => (
                    <tr
                      data-finding-id={f.id}
                      data-resource={f.resource}
                      data-risk={rows?.get(f.id)?.risk ?? ''}
                    >
                      <td>
                        {f.status === 'ACTIVE' ? (
                          <input
                            type="checkbox"
                            name="id"
                            value={f.id}
                            aria-label={`select ${f.resource}`}
                          />
                        ) : null}
                      </td>
                      <td>
                        <span class={`badge risk-${rows?.get(f.id)?.risk ?? 'unknown'}`}>
                          {rows?.get(f.id)?.risk ?? '—'}
                        </span>
                      </td>
                      <td>
                        <StatusBadge status={f.status} />
                      </td>
                      <td>
                        <TypeBadge type={f.findingType} />
                      </td>
                      <td class="principal mono">
                        <a href={findingHref(f.id)}>
                          <Breakable text={f.resource} />
                        </a>
                      </td>
                      <td class="mono">{f.resourceOwnerAccount}</td>
                      <td>
                        <FormBadge forms={rows?.get(f.id)?.forms} />
                        {(rows?.get(f.id)?.chips ?? f.services)
                          .slice(0, MAX_SERVICES_SHOWN)
                          .map((s) => (
                            <span class="chip">{s}</span>
                          ))}
                        {f.services.length > MAX_SERVICES_SHOWN ? (
                          <span class="panel-note">+{f.services.length - MAX_SERVICES_SHOWN}</span>
                        ) : null}
                      </td>
                      <td class="num">
                        {f.findingType === 'UnusedPermission' ? (
                          <div>
                            {num(f.unusedActionCount)}
                            {f.unusedServiceCount > 0 ? (
                              <div class="panel-note nowrap">
                                {`+ ${f.unusedServiceCount} whole service${f.unusedServiceCount === 1 ? '' : 's'}`}
                              </div>
                            ) : null}
                          </div>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td class="nowrap">{when(f.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </form>
        )}
        <p class="actions export">
          Export every finding of this filter:{' '}
          <a
            class="button small"
            id="export-csv"
            href={findingsHref(base).replace('/findings', '/findings/export.csv')}
            download
          >
            CSV
          </a>{' '}
          <a
            class="button small"
            id="export-json"
            href={findingsHref(base).replace('/findings', '/findings/export.json')}
            download
          >
            JSON
          </a>
        </p>
        <nav class="pager" aria-label="Pages">
          <span>
            {page.items.length === 0
              ? ''
              : `Rows ${num(first + 1)}–${num(first + page.items.length)}` +
                (total === undefined ? '' : ` of ${num(total)}`) +
                (pages === undefined ? '' : ` · page ${num(list.page)} of ${num(pages)}`)}
          </span>
          <span class="actions">
            <a
              class={list.page > 1 ? 'button small' : 'button small disabled'}
              href={findingsHref(keep)}
            >
              First
            </a>
            <a
              class={prevHref ? 'button small' : 'button small disabled'}
              href={prevHref ?? '#'}
              rel="prev"
            >
              ‹ Previous
            </a>
            <a
              class={nextHref ? 'button small' : 'button small disabled'}
              href={nextHref ?? '#'}
              rel="next"
            >
              Next ›
            </a>
          </span>
        </nav>
      </section>
    </Layout>
  );
};

/**
 * The size badge of a list row: the recommended policies' forms (`article`, `compact`, `notaction`,
 * `split`) when all fit IAM's quotas, else how many are over quota.
 */
function FormBadge(props: { forms: RowForms | undefined }) {
  const f = props.forms;
  if (f === undefined) return null;
  const title = `${f.policies} recommended polic${f.policies === 1 ? 'y' : 'ies'}: ${f.forms.join(', ')}`;
  return f.overQuota > 0 ? (
    <span class="badge action-DETACH_POLICY size-badge" title={title}>
      {f.overQuota} over quota
    </span>
  ) : (
    <span class="badge fits size-badge" title={title}>
      fits · {f.forms.join(', ')}
    </span>
  );
}
