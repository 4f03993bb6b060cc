/** @jsxImportSource hono/jsx */
/**
 * The dashboard's Hono application: routes and pages over a {@link FindingsStore}. Everything a
 * page shows is read from the store per request (the store does the filtering, sorting and
 * paging); the only thing computed here is the trie pictures, recomputed from each policy's
 * original document with the catalog loaded once at start.
 *
 * Routes (all behind the checks of ./security.ts):
 * - `GET /` overview; `GET /findings` list; `GET /findings/:id` one finding;
 * - `GET /findings/export.csv`, `GET /findings/export.json`: every finding of the list's filter;
 * - `GET /findings/:id/policies/:n/refined.json` the refined policy as a download;
 * - `GET /findings/:id/remediation.patch` the patch of its policies' Terraform / CloudFormation
 *   sources (`serve --iac`);
 * - `POST /findings/:id/archive`, `POST /findings/:id/unarchive`;
 * - `GET /permission-sets` the IAM Identity Center permission sets (`?arn=` one of them);
 * - `GET /rules` rules (with `?preview=1&...` a preview), `POST /rules` create,
 *   `POST /rules/:name/apply`, `POST /rules/:name/delete`;
 * - `GET /static/*` the stylesheet, the script, the icon.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';
import type { ActionCatalog } from '../catalog/catalog.js';
import { IamRefineError, ValidationError, formatIssue } from '../errors.js';
import type { Finding } from '../findings/types.js';
import { DatabaseBusyError, DatabaseGoneError, NotFoundError } from '../store/errors.js';
import { remediate } from '../remediate/remediate.js';
import { findingId } from '../findings/id.js';
import type { PolicyAttachments } from '../findings/policy-attachments.js';
import { latestPolicyAttachments } from '../findings/policy-attachments-store.js';
import { parseIamArn } from '../inventory/arn.js';
import { allFindingSummaries } from '../store/all-summaries.js';
import type { FindingsStore } from '../store/types.js';
import type { PermissionSetPolicy } from '../identity-center/recommend.js';
import { identityCenterRoleOfArn } from '../identity-center/roles.js';
import { readLatestPermissionSets, type StoredPermissionSet } from '../identity-center/store.js';
import { riskRank } from '../risk/risk.js';
import type { FindingPage as StoredFindingPage } from '../store/types.js';
import { countByRisk, exportCsv, exportRows, rowRisk, type RowRisk } from './risk-view.js';
import { awsCliCommands, refinedFileName } from './aws-cli.js';
import { DEFAULT_BUSY_RETRY_MS, whileBusy } from './busy.js';
import { explainRecommendation, type PolicyExplanation } from './explain.js';
import { security, type SecurityConfig } from './security.js';
import { loadAssets, type Assets } from './static.js';
import { findingHref, parseListParams, type ParsedList } from './urls.js';
import { FindingPage, type RecommendationView } from './views/finding.js';
import { FindingsPage } from './views/findings.js';
import { Layout, Notice, type FrameInfo } from './views/layout.js';
import { OverviewPage } from './views/overview.js';
import { PermissionSetsPage, type PermissionSetView } from './views/permission-sets.js';
import {
  CRITERIA_ROWS,
  OPERATORS,
  RulesPage,
  type CriterionRow,
  type RuleForm,
  type RulesPageData,
} from './views/rules.js';

/** What the dashboard needs. */
export interface DashboardOptions {
  store: FindingsStore;
  /** The catalog (loaded once) the trie pictures are recomputed with. */
  catalog: ActionCatalog;
  /** Token and port, read per request (the port is set once the server listens). */
  security: SecurityConfig;
  /** The iam-refine version shown in the footer. */
  version: string;
  /** How the page frame names the database (default: the store's path). */
  dbLabel?: string;
  /** The assets (default: read from src/server/assets). */
  assets?: Assets;
  /** Where unexpected errors are reported (default: stderr). */
  logError?: (error: unknown) => void;
  /**
   * Where expected failures are reported, one line each (bad query parameters, database busy or
   * gone; default: stderr). Never a stack trace.
   */
  logLine?: (line: string) => void;
  /**
   * How long a change waits (asynchronously, in short steps) for another process's write lock
   * before answering 503 (default {@link DEFAULT_BUSY_RETRY_MS}).
   */
  busyRetryMs?: number;
  /**
   * Terraform / CloudFormation folders (`serve --iac`): the page of an UnusedPermission finding
   * offers the patch of its policies' sources (`iam-refine remediate`), computed on request.
   */
  iacDirs?: readonly string[];
  /**
   * The permission-set recommendations (default: the latest of each in the store's file, read
   * per request).
   */
  permissionSets?: () => StoredPermissionSet[];
  /**
   * Who customer managed policies are attached to, for the IaC patch of a shared one (default:
   * the latest the store's file recorded, read per request).
   */
  policyAttachments?: () => ReadonlyMap<string, PolicyAttachments>;
}

/** The file name of a finding's IaC patch download (ids are safe in a header: checked here). */
function remediationFileName(id: string): string {
  let safe = '';
  for (const c of id) safe += /[A-Za-z0-9._-]/.test(c) ? c : '_';
  return `iam-refine-${safe}.patch`;
}

/** Most trie-explanation sets kept in memory. */
const EXPLANATION_CACHE_SIZE = 64;
/** Findings archived at most by one bulk archive. */
const MAX_BULK = 1000;
/** Preview rows shown on the rules page. */
const PREVIEW_ROWS = 20;

/** Renders a page as a full HTML document. */
async function render(c: Context, node: JSX.Element, status: 200 | 400 | 404 | 500 | 503 = 200) {
  return c.html(`<!DOCTYPE html>${String(await node)}`, status);
}

/** The trie pictures and original of one permission-set policy (none when it is not refined). */
function explainPermissionSetPolicy(
  p: PermissionSetPolicy,
  catalog: ActionCatalog,
): PolicyExplanation {
  if (p.originalPolicy === undefined || p.action === 'KEEP' || p.action === 'NOT_REFINED') {
    return { tries: [] };
  }
  return explainRecommendation(
    {
      policyId: p.policyId,
      policyName: p.policyName,
      policyType: p.policyType === 'INLINE' ? 'INLINE' : 'AWS_MANAGED',
      recommendedAction:
        p.policy === null || p.policy === undefined ? 'DETACH_POLICY' : 'CREATE_POLICY',
      policy: p.policy ?? null,
      removedByAccessLevel: p.removedByAccessLevel ?? {},
      ...(p.removedServices === undefined ? {} : { removedServices: p.removedServices }),
      originalPolicy: p.originalPolicy,
    },
    catalog,
  );
}

/** Builds the dashboard application. */
export function createApp(options: DashboardOptions): Hono {
  const { store, catalog } = options;
  const assets = options.assets ?? loadAssets();
  const logError =
    options.logError ??
    ((error: unknown) => {
      process.stderr.write(
        `iam-refine serve: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    });
  const logLine =
    options.logLine ??
    ((line: string) => process.stderr.write(`iam-refine serve: ${oneLine(line)}\n`));
  const busyRetryMs = options.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS;
  /** Runs a change, retrying while another process holds the write lock (no event-loop wait). */
  const change = <T,>(fn: () => T): Promise<T> => whileBusy(fn, busyRetryMs);
  const frame: FrameInfo = {
    dbPath: options.dbLabel ?? store.path,
    catalogVersion: catalog.version,
    version: options.version,
  };
  const explanations = new Map<string, PolicyExplanation[]>();

  const app = new Hono();
  app.use('*', security(options.security));

  app.get('/static/:name', (c) => {
    const asset = assets.get(c.req.path);
    if (asset === undefined) return c.notFound();
    c.header('Cache-Control', 'no-cache');
    c.header('ETag', asset.etag);
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    c.header('Content-Type', asset.contentType);
    return c.body(asset.body.slice());
  });
  app.get('/favicon.ico', (c) => c.redirect('/static/favicon.svg', 301));

  app.get('/', (c) =>
    render(
      c,
      <OverviewPage
        frame={frame}
        data={{
          byTypeStatus: store.countByTypeAndStatus(),
          byAccount: store.countByAccount(),
          topServices: store.topServices({ limit: 10 }),
          trend: store.scanTrend({ limit: 30 }),
          scans: store.listScans(),
          byRisk: countByRisk(store, catalog),
        }}
      />,
    ),
  );

  app.get('/findings', (c) => {
    const list = parseListParams(new URL(c.req.url).searchParams);
    const page =
      list.risk === undefined && list.sort !== 'risk'
        ? store.listFindings(list.query)
        : riskPage(list);
    if (list.ignored.length > 0) {
      logLine(`400 GET /findings: ${list.ignored.join(', ')}`);
    }
    const rows = new Map<string, RowRisk>();
    for (const f of page.items) {
      const full = store.getFinding(f.id);
      if (full !== undefined) rows.set(f.id, rowRisk(full.finding as unknown as Finding, catalog));
    }
    // Cheap sources for the form's choices (no scan of the findings): the accounts the recorded
    // scans covered, and the catalog's services.
    const accounts = [...new Set(store.listScans().flatMap((s) => s.accounts))].sort();
    const services = catalog.services;
    return render(
      c,
      <FindingsPage
        list={list}
        page={page}
        rows={rows}
        archived={Number(new URL(c.req.url).searchParams.get('archived') ?? NaN)}
        accounts={accounts}
        services={services}
        frame={frame}
      />,
      list.ignored.length > 0 ? 400 : 200,
    );
  });

  /**
   * A page of the findings of at least `list.risk` and/or sorted by risk: the risk of every
   * finding of the filter is computed in memory (latest update first), then filtered, sorted
   * (stable: ties keep that order) and paged; forward links carry the page number, not a store
   * cursor.
   */
  function riskPage(list: ParsedList): StoredFindingPage {
    const min = list.risk === undefined ? 0 : riskRank(list.risk);
    let matching = store
      .readSnapshot(() =>
        allFindingSummaries(store, list.query.filter ?? {}).flatMap((f) => {
          const full = store.getFinding(f.id);
          if (full === undefined) return [];
          const rank = riskRank(rowRisk(full.finding as unknown as Finding, catalog).risk);
          return rank >= min ? [{ f, rank }] : [];
        }),
      )
      .map((r, i) => ({ ...r, i }));
    if (list.sort === 'risk') {
      const sign = list.dir === 'asc' ? 1 : -1;
      matching = matching.sort((a, b) => sign * (a.rank - b.rank) || a.i - b.i);
    }
    const offset = (list.page - 1) * list.size;
    return {
      items: matching.slice(offset, offset + list.size).map((r) => r.f),
      total: matching.length,
      limit: list.size,
      offset,
      ...(offset + list.size < matching.length ? { nextCursor: 'by-page' } : {}),
    };
  }

  // Registered before /findings/:id. The filter of the list (its page and sort are ignored).
  for (const format of ['csv', 'json'] as const) {
    app.get(`/findings/export.${format}`, (c) => {
      const list = parseListParams(new URL(c.req.url).searchParams);
      const min = list.risk === undefined ? 0 : riskRank(list.risk);
      const rows = exportRows(store, list.query.filter ?? {}, catalog).filter(
        (r) => riskRank(r.risk) >= min,
      );
      c.header('Content-Disposition', `attachment; filename="iam-refine-findings.${format}"`);
      if (format === 'csv') {
        c.header('Content-Type', 'text/csv; charset=utf-8');
        return c.body(exportCsv(rows));
      }
      return c.json({ findings: rows, total: rows.length });
    });
  }

  app.get('/findings/:id', (c) => {
    const id = c.req.param('id');
    const stored = store.getFinding(id);
    if (stored === undefined) return notFound(c, 'No finding has this id.');
    const policies = stored.finding.policies ?? [];
    const key = `${id}@${stored.updatedAt}`;
    let explained = explanations.get(key);
    if (explained === undefined) {
      const scanCatalog = store
        .listScans()
        .find((s) => s.id === stored.lastSeenScanId)?.catalogVersion;
      explained = policies.map((rec) => explainRecommendation(rec, catalog, scanCatalog));
      if (explanations.size >= EXPLANATION_CACHE_SIZE) {
        explanations.delete(explanations.keys().next().value!);
      }
      explanations.set(key, explained);
    }
    const recommendations: RecommendationView[] = policies.map((rec, index) => ({
      rec,
      index,
      explanation: explained[index]!,
      cli: awsCliCommands(stored.resource, rec),
    }));
    // iam-refine's recommendation kept next to Access Analyzer's (import-analyzer).
    const ours = (stored.finding as unknown as Finding).iamRefineRecommendation;
    const iamRefineRecommendations: RecommendationView[] | undefined = ours?.policies.map(
      (rec, index) => ({
        rec,
        index,
        explanation: explainRecommendation(rec, catalog),
        cli: awsCliCommands(stored.resource, rec),
        source: 'iam-refine' as const,
      }),
    );
    const done = c.req.query('done');
    const ic = identityCenterRoleOfArn(stored.resource);
    const data = {
      stored,
      recommendations,
      ...(iamRefineRecommendations === undefined ? {} : { iamRefineRecommendations }),
      ...(options.iacDirs !== undefined && stored.findingType === 'UnusedPermission'
        ? { remediationHref: `${findingHref(id)}/remediation.patch` }
        : {}),
      ...(ic === undefined ? {} : { permissionSet: ic.permissionSetName }),
      ...(done === 'archived'
        ? { done: 'Finding archived.' }
        : done === 'unarchived'
          ? { done: 'Finding unarchived: it is active again.' }
          : {}),
    };
    return render(c, <FindingPage data={data} frame={frame} />);
  });

  app.get('/findings/:id/policies/:n/refined.json', (c) => {
    const stored = store.getFinding(c.req.param('id'));
    const n = Number(c.req.param('n'));
    // `?from=iam-refine`: a policy of iam-refine's recommendation next to Access Analyzer's.
    const list =
      c.req.query('from') === 'iam-refine'
        ? (stored?.finding as unknown as Finding | undefined)?.iamRefineRecommendation?.policies
        : stored?.finding.policies;
    const rec = Number.isSafeInteger(n) ? list?.[n] : undefined;
    if (rec === undefined || rec.policy === null || rec.recommendedAction !== 'CREATE_POLICY') {
      return c.json({ error: 'no refined policy here' }, 404);
    }
    // A split form: `?part=K` (1-based) is one of its policies.
    const partParam = c.req.query('part');
    const k = partParam === undefined ? undefined : Number(partParam);
    const doc = k === undefined ? rec.policy : rec.parts?.[k - 1];
    if (doc === undefined || (k !== undefined && !Number.isSafeInteger(k))) {
      return c.json({ error: 'no such part' }, 404);
    }
    c.header('Content-Disposition', `attachment; filename="${refinedFileName(rec, k)}"`);
    return c.body(`${JSON.stringify(doc, null, 2)}\n`, 200, {
      'Content-Type': 'application/json; charset=utf-8',
    });
  });

  // The patch of the finding's policies in the IaC sources (`serve --iac`), as `remediate` makes
  // it (every patch proved); 404 with the reasons when nothing can be patched.
  app.get('/findings/:id/remediation.patch', async (c) => {
    const stored = store.getFinding(c.req.param('id'));
    if (options.iacDirs === undefined || stored === undefined) {
      return c.text('no IaC folders were given to serve (--iac), or no such finding\n', 404);
    }
    const finding = { ...stored.finding, status: 'ACTIVE' as const };
    // A shared managed policy is patched only with what none of its principals used.
    const findingOf = (arn: string) => {
      const account = parseIamArn(arn)?.account;
      const f =
        account === undefined
          ? undefined
          : store.getFinding(findingId(account, arn, 'UnusedPermission'));
      return f === undefined || f.status !== 'ACTIVE'
        ? undefined
        : { ...f.finding, status: 'ACTIVE' as const };
    };
    const result = await remediate({
      dirs: options.iacDirs,
      findings: [finding],
      catalog,
      sharing: {
        attachments: (
          options.policyAttachments ??
          (() =>
            latestPolicyAttachments(
              store.path,
              (finding.policies ?? []).map((p) => p.policyId),
            ))
        )(),
        findingOf,
      },
    });
    if (result.diff === '') {
      const why = result.notPatched.map((n) => `${n.policyName}: ${n.reason}`);
      return c.text(
        `nothing to patch in the IaC folders for this finding\n${why.join('\n')}\n`,
        404,
      );
    }
    c.header('Content-Disposition', `attachment; filename="${remediationFileName(stored.id)}"`);
    return c.body(result.diff, 200, { 'Content-Type': 'text/x-diff; charset=utf-8' });
  });

  const changeStatus = (action: 'archive' | 'unarchive') => async (c: Context) => {
    const id = c.req.param('id') ?? '';
    if (store.getFinding(id) === undefined) return notFound(c, 'No finding has this id.');
    await change(() =>
      action === 'archive'
        ? store.archive([id], { actor: 'dashboard' })
        : store.unarchive([id], { actor: 'dashboard' }),
    );
    return c.redirect(`${findingHref(id)}?done=${action}d`, 303);
  };
  // Bulk archive from the list (the same Origin checks as every POST): the checked ids, at most
  // MAX_BULK; ids no longer in the store are skipped; back to the list with the count.
  app.post('/findings/archive', async (c) => {
    const form = await c.req.formData();
    const ids = [
      ...new Set(form.getAll('id').filter((v): v is string => typeof v === 'string')),
    ].slice(0, MAX_BULK);
    const known = ids.filter((id) => store.getFinding(id) !== undefined);
    const changed =
      known.length === 0
        ? 0
        : (await change(() => store.archive(known, { actor: 'dashboard' }))).changed.length;
    const back = form.get('back');
    const list = typeof back === 'string' && back.startsWith('/findings') ? back : '/findings';
    return c.redirect(`${list}${list.includes('?') ? '&' : '?'}archived=${changed}`, 303);
  });
  app.post('/findings/:id/archive', changeStatus('archive'));
  app.post('/findings/:id/unarchive', changeStatus('unarchive'));

  app.get('/permission-sets', (c) => {
    const stored = (options.permissionSets ?? (() => readLatestPermissionSets(store.path)))();
    const byName = c.req.query('name');
    const selected =
      c.req.query('arn') ??
      (byName === undefined
        ? undefined
        : (stored.find((s) => s.recommendation.name === byName)?.recommendation.permissionSetArn ??
          `name:${byName}`));
    const views: PermissionSetView[] = stored.map((s) => ({
      recommendation: s.recommendation,
      scanId: s.scanId,
      explanations:
        selected === undefined && stored.length > 1
          ? []
          : s.recommendation.policies.map((p) => explainPermissionSetPolicy(p, catalog)),
    }));
    return render(
      c,
      <PermissionSetsPage
        views={views}
        {...(selected === undefined ? {} : { selected })}
        frame={frame}
      />,
    );
  });

  app.get('/rules', (c) => {
    const search = new URL(c.req.url).searchParams;
    const data: RulesPageData = { rules: store.listRules(), form: emptyForm() };
    if (search.get('preview') !== null) {
      data.form = formFromValues((k) => search.getAll(k));
      const filter = filterFromForm(data.form);
      if ('errors' in filter) data.errors = filter.errors;
      else {
        try {
          data.preview = {
            filterJson: JSON.stringify(filter.filter),
            page: store.previewRule(filter.filter, { limit: PREVIEW_ROWS }),
          };
        } catch (error) {
          data.errors = problems(error);
        }
      }
      if (data.errors !== undefined) return render(c, <RulesPage data={data} frame={frame} />, 400);
    }
    const done = search.get('done');
    const rule = search.get('rule') ?? '';
    if (done === 'created' && store.getRule(rule) !== undefined) {
      data.done = `Rule ${rule} created: it archives matching findings at every scan from now on.`;
    } else if (done === 'applied' && store.getRule(rule) !== undefined) {
      const n = Number(search.get('n') ?? '0');
      data.done = `Rule ${rule} applied: ${Number.isSafeInteger(n) ? n : 0} finding${n === 1 ? '' : 's'} archived.`;
    } else if (done === 'deleted') {
      data.done = 'Rule deleted. The findings it archived stay archived.';
    }
    return render(c, <RulesPage data={data} frame={frame} />);
  });

  app.post('/rules', async (c) => {
    const body = await c.req.parseBody({ all: true });
    const form = formFromValues((k) => {
      const v = body[k];
      return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
        (x): x is string => typeof x === 'string',
      );
    });
    const data: RulesPageData = { rules: store.listRules(), form };
    const filter = filterFromForm(form);
    if ('errors' in filter) {
      data.errors = filter.errors;
      return render(c, <RulesPage data={data} frame={frame} />, 400);
    }
    try {
      const rule = await change(() => store.createRule(form.name.trim(), filter.filter));
      if (body.then === 'apply') {
        const result = await change(() => store.applyRule(rule.name));
        return c.redirect(
          `/rules?done=applied&rule=${encodeURIComponent(rule.name)}&n=${result.changed.length}`,
          303,
        );
      }
      return c.redirect(`/rules?done=created&rule=${encodeURIComponent(rule.name)}`, 303);
    } catch (error) {
      if (!(error instanceof IamRefineError) || isDatabaseFault(error)) throw error;
      data.errors = problems(error);
      data.rules = store.listRules();
      return render(c, <RulesPage data={data} frame={frame} />, 400);
    }
  });

  app.post('/rules/:name/apply', async (c) => {
    const name = c.req.param('name');
    if (store.getRule(name) === undefined) return notFound(c, 'No archive rule has this name.');
    const result = await change(() => store.applyRule(name));
    return c.redirect(
      `/rules?done=applied&rule=${encodeURIComponent(name)}&n=${result.changed.length}`,
      303,
    );
  });

  app.post('/rules/:name/delete', async (c) => {
    const name = c.req.param('name');
    if (store.getRule(name) === undefined) return notFound(c, 'No archive rule has this name.');
    await change(() => store.deleteRule(name));
    return c.redirect('/rules?done=deleted', 303);
  });

  app.notFound((c) => notFound(c, 'There is no page here.'));

  app.onError((error, c) => {
    if (error instanceof NotFoundError) return notFound(c, error.message);
    const where = `${c.req.method} ${c.req.path}`;
    if (error instanceof ValidationError) {
      // Bad query parameters (a cursor of another list, too many values): the request's fault.
      logLine(`400 ${where}: ${error.issues.map((i) => formatIssue(i)).join('; ')}`);
      return render(
        c,
        <Layout title="Bad request" frame={frame}>
          <h1>Bad request</h1>
          {error.issues.map((i) => (
            <Notice kind="error">{formatIssue(i)}</Notice>
          ))}
          <p>
            <a href="/findings">Back to the findings</a>
          </p>
        </Layout>,
        400,
      );
    }
    if (isDatabaseFault(error)) {
      const busy = error instanceof DatabaseBusyError;
      logLine(`503 ${where}: ${error.message}`);
      if (busy) c.header('Retry-After', '1');
      return render(
        c,
        <Layout title={busy ? 'Database busy' : 'Database gone'} frame={frame}>
          <h1>{busy ? 'Database busy, try again' : 'Database file gone'}</h1>
          <Notice kind={busy ? 'warn' : 'error'}>
            {busy
              ? 'Another process is writing the findings database (a scan being recorded?). Nothing was changed; try again in a moment.'
              : `${error.message}. Nothing was changed.`}
          </Notice>
        </Layout>,
        503,
      );
    }
    logError(error);
    return render(
      c,
      <Layout title="Error" frame={frame}>
        <h1>Something went wrong</h1>
        <Notice kind="error">
          {error instanceof IamRefineError ? error.message : 'Internal error (see the terminal).'}
        </Notice>
      </Layout>,
      500,
    );
  });

  function notFound(c: Context, message: string) {
    return render(
      c,
      <Layout title="Not found" frame={frame}>
        <h1>Not found</h1>
        <Notice kind="warn">{message}</Notice>
        <p>
          <a href="/findings">Back to the findings</a>
        </p>
      </Layout>,
      404,
    );
  }

  return app;
}

/** The database is busy, or its file was deleted or replaced: 503, not the request's fault. */
function isDatabaseFault(error: unknown): error is DatabaseBusyError | DatabaseGoneError {
  return error instanceof DatabaseBusyError || error instanceof DatabaseGoneError;
}

/** Makes a message one line (control characters shown as spaces). */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** The form with nothing filled in. */
function emptyForm(): RuleForm {
  return { name: '', rows: [], json: '' };
}

/** The form's values from a field getter (repeated fields in order). */
function formFromValues(get: (key: string) => string[]): RuleForm {
  const keys = get('key');
  const ops = get('op');
  const values = get('values');
  const rows: CriterionRow[] = [];
  for (let i = 0; i < CRITERIA_ROWS; i++) {
    const op = ops[i] ?? 'eq';
    rows.push({
      key: (keys[i] ?? '').slice(0, 300),
      op: OPERATORS.includes(op) ? op : 'eq',
      values: (values[i] ?? '').slice(0, 5000),
    });
  }
  return {
    name: (get('name')[0] ?? '').slice(0, 300),
    rows,
    json: (get('json')[0] ?? '').slice(0, 20_000),
  };
}

/**
 * The filter a form describes: its JSON when given, else the rows (rows with an empty key are
 * skipped; values are split at commas; `exists` takes true or false). Validation of the filter
 * itself is the store's.
 */
export function filterFromForm(
  form: RuleForm,
): { filter: Record<string, Record<string, unknown>> } | { errors: string[] } {
  if (form.json.trim() !== '') {
    try {
      const value: unknown = JSON.parse(form.json);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return { errors: ['The filter JSON must be an object of criteria.'] };
      }
      return { filter: value as Record<string, Record<string, unknown>> };
    } catch (error) {
      return { errors: [`The filter JSON is not valid JSON: ${(error as Error).message}`] };
    }
  }
  const filter: Record<string, Record<string, unknown>> = {};
  const errors: string[] = [];
  for (const row of form.rows) {
    const key = row.key.trim();
    if (key === '') continue;
    const criterion = (filter[key] ??= {});
    if (row.op === 'exists') {
      const v = row.values.trim().toLowerCase();
      if (v !== 'true' && v !== 'false') {
        errors.push(`${key}: exists takes true or false.`);
        continue;
      }
      criterion.exists = v === 'true';
    } else {
      const list = row.values
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (list.length === 0) {
        errors.push(`${key}: give at least one value for ${row.op}.`);
        continue;
      }
      const previous = criterion[row.op];
      criterion[row.op] = Array.isArray(previous) ? [...(previous as string[]), ...list] : list;
    }
  }
  if (errors.length > 0) return { errors };
  if (Object.keys(filter).length === 0) {
    return { errors: ['Give at least one criterion (or the filter as JSON).'] };
  }
  return { filter };
}

/** One message per problem of a store error. */
function problems(error: unknown): string[] {
  if (error instanceof ValidationError) return error.issues.map((i) => formatIssue(i));
  if (error instanceof Error) return [error.message];
  return [String(error)];
}
