/**
 * The dashboard without a browser: routing, pages, the security checks (host, token, origin,
 * headers) and escaping, through `app.request()` on a store filled with the fixture account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { syntheticFinding, syntheticScan } from '../store/fixtures.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import {
  ARTICLE_ROLE_ARN,
  PROD,
  SANDBOX,
  XSS,
  XSS_ROLE_ARN,
  fillStore,
} from '../../test/browser/fixture.js';
import { createApp, filterFromForm } from './app.js';
import { CONTENT_SECURITY_POLICY, cookieName } from './security.js';

const PORT = 4567;
const TOKEN = 'test-token-0123456789';
const ORIGIN = `http://127.0.0.1:${PORT}`;
/** The session cookie the token was exchanged for (the token itself is then void). */
let COOKIE: string;
const lines: string[] = [];

/** Signs in with the token once and returns the session cookie (`name=value`). */
async function signIn(dashboard: Hono): Promise<string> {
  const res = await dashboard.request(`${ORIGIN}/?token=${TOKEN}`, {
    headers: { host: `127.0.0.1:${PORT}` },
  });
  expect(res.status).toBe(303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

let catalog: ActionCatalog;
let store: FindingsStore;
let app: Hono;
const errors: unknown[] = [];

beforeAll(async () => {
  catalog = await loadCatalog();
  let tick = Date.parse('2026-11-01T07:00:00Z');
  store = openStore(':memory:', { clock: () => new Date((tick += 1000)) });
  fillStore(store, catalog);
  app = createApp({
    store,
    catalog,
    security: { token: TOKEN, port: PORT },
    version: '0.0.0-test',
    logError: (e) => errors.push(e),
    logLine: (line) => lines.push(line),
  });
  COOKIE = await signIn(app);
});

afterAll(() => {
  store.close();
  expect(errors).toEqual([]);
});

/** A request as the signed-in browser sends it. */
function get(path: string, headers: Record<string, string> = {}) {
  return app.request(`${ORIGIN}${path}`, {
    headers: { host: `127.0.0.1:${PORT}`, cookie: COOKIE, ...headers },
  });
}

function post(path: string, body: string | URLSearchParams, headers: Record<string, string> = {}) {
  return app.request(`${ORIGIN}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : body.toString(),
    headers: {
      host: `127.0.0.1:${PORT}`,
      cookie: COOKIE,
      origin: ORIGIN,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
  });
}

function idOf(resource: string, type = 'UnusedPermission'): string {
  const page = store.listFindings({ filter: { principal: resource, types: [type as never] } });
  const hit = page.items.find((f) => f.resource === resource);
  if (hit === undefined) throw new Error(`no ${type} finding for ${resource}`);
  return hit.id;
}

/** Undoes HTML attribute escaping. */
function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The principals of a findings list page, in order. */
function resources(html: string): string[] {
  return [...html.matchAll(/data-resource="([^"]*)"/g)].map((m) => unescapeHtml(m[1]!));
}

describe('security', () => {
  it('answers 401 without a token or cookie, with every security header', async () => {
    const res = await app.request(`${ORIGIN}/`, { headers: { host: `127.0.0.1:${PORT}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 401 to a wrong token and a wrong cookie', async () => {
    const host = { host: `127.0.0.1:${PORT}` };
    expect((await app.request(`${ORIGIN}/?token=nope`, { headers: host })).status).toBe(401);
    const res = await app.request(`${ORIGIN}/findings`, {
      headers: { ...host, cookie: `${cookieName(PORT)}=nope` },
    });
    expect(res.status).toBe(401);
    // A cookie for another port's dashboard is not this one's.
    const other = await app.request(`${ORIGIN}/`, {
      headers: { ...host, cookie: `${cookieName(PORT + 1)}=${TOKEN}` },
    });
    expect(other.status).toBe(401);
  });

  it('exchanges the token once for a separate random session cookie; the token is then void', async () => {
    const fresh = createApp({
      store,
      catalog,
      security: { token: TOKEN, port: PORT },
      version: '0.0.0-test',
      logError: (e) => errors.push(e),
    });
    const signInUrl = `${ORIGIN}/findings?status=ACTIVE&token=${TOKEN}`;
    const res = await fresh.request(signInUrl, { headers: { host: `localhost:${PORT}` } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/findings?status=ACTIVE');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\//);
    const cookie = setCookie.split(';')[0]!;
    const session = cookie.slice(`${cookieName(PORT)}=`.length);
    expect(cookie.startsWith(`${cookieName(PORT)}=`)).toBe(true);
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).not.toBe(TOKEN);
    const host = { host: `127.0.0.1:${PORT}` };
    expect((await fresh.request(`${ORIGIN}/`, { headers: { ...host, cookie } })).status).toBe(200);

    // A second use of the token (another browser, a copied URL): 401, and no cookie.
    const again = await fresh.request(signInUrl, { headers: host });
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.text()).toContain('This sign-in URL was already used');
    // The token as a cookie value was never a credential.
    const tokenCookie = `${cookieName(PORT)}=${TOKEN}`;
    expect(
      (await fresh.request(`${ORIGIN}/`, { headers: { ...host, cookie: tokenCookie } })).status,
    ).toBe(401);
    // The signed-in browser reloading the sign-in URL is only redirected (no new session).
    const reload = await fresh.request(signInUrl, { headers: { ...host, cookie } });
    expect(reload.status).toBe(303);
    expect(reload.headers.get('set-cookie')).toBeNull();
    // A wrong token stays 401 for everyone.
    expect(
      (await fresh.request(`${ORIGIN}/?token=nope`, { headers: { ...host, cookie } })).status,
    ).toBe(401);
  });

  it('answers 403 to a Host that is not the loopback address and port (DNS rebinding)', async () => {
    for (const host of [
      'evil.example:4567',
      `127.0.0.1:${PORT + 1}`,
      '127.0.0.1',
      `attacker.localhost:${PORT}`,
      `0.0.0.0:${PORT}`,
    ]) {
      const res = await get('/', { host });
      expect(res.status, host).toBe(403);
      expect(await res.text()).not.toContain('Unused access');
    }
    // Even with a valid token in the URL.
    const res = await app.request(`http://evil.example:${PORT}/?token=${TOKEN}`, {
      headers: { host: `evil.example:${PORT}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
    // Both loopback names are accepted.
    expect((await get('/', { host: `localhost:${PORT}` })).status).toBe(200);
    expect((await get('/', { host: `127.0.0.1:${PORT}` })).status).toBe(200);
  });

  it('answers 403 to a cross-origin POST, and to a POST with no Origin or Referer', async () => {
    const id = idOf(`arn:aws:iam::${PROD}:role/reporting-job`);
    const path = `/findings/${id}/archive`;
    expect((await post(path, '', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post(path, '', { origin: `http://127.0.0.1:${PORT + 1}` })).status).toBe(403);
    expect((await post(path, '', { origin: 'null' })).status).toBe(403);
    const noOrigin = await app.request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { host: `127.0.0.1:${PORT}`, cookie: COOKIE },
    });
    expect(noOrigin.status).toBe(403);
    const badReferer = await app.request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { host: `127.0.0.1:${PORT}`, cookie: COOKIE, referer: 'http://evil.example/x' },
    });
    expect(badReferer.status).toBe(403);
    expect(store.getFinding(id)!.status).toBe('ACTIVE');
    // A same-origin Referer is enough when Origin is absent.
    const ok = await app.request(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { host: `127.0.0.1:${PORT}`, cookie: COOKIE, referer: `${ORIGIN}/findings/${id}` },
    });
    expect(ok.status).toBe(303);
    expect(store.getFinding(id)!.status).toBe('ARCHIVED');
    store.unarchive([id]);
  });

  it('refuses a POST without the cookie (401) and methods other than GET and POST (405)', async () => {
    const id = idOf(`arn:aws:iam::${PROD}:role/reporting-job`);
    const res = await app.request(`${ORIGIN}/findings/${id}/archive`, {
      method: 'POST',
      headers: { host: `127.0.0.1:${PORT}`, origin: ORIGIN },
    });
    expect(res.status).toBe(401);
    const put = await app.request(`${ORIGIN}/findings/${id}/archive`, {
      method: 'PUT',
      headers: { host: `127.0.0.1:${PORT}`, cookie: COOKIE, origin: ORIGIN },
    });
    expect(put.status).toBe(405);
    // GET never changes anything.
    expect((await get(`/findings/${id}/archive`)).status).toBe(404);
    expect(store.getFinding(id)!.status).toBe('ACTIVE');
  });

  it('serves the static assets without the token, and nothing else', async () => {
    const host = { host: `127.0.0.1:${PORT}` };
    const css = await app.request(`${ORIGIN}/static/app.css`, { headers: host });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const js = await app.request(`${ORIGIN}/static/app.js`, { headers: host });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const etag = js.headers.get('etag')!;
    const again = await app.request(`${ORIGIN}/static/app.js`, {
      headers: { ...host, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect((await app.request(`${ORIGIN}/static/nope.js`, { headers: host })).status).toBe(404);
    expect(
      (await app.request(`${ORIGIN}/static/app.css`, { headers: { host: 'evil:1' } })).status,
    ).toBe(403);
  });
});

describe('pages', () => {
  it('renders the overview with totals, accounts, the services chart and the trend', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('Services with the most unused permissions');
    expect(html).toContain('class="chart bars"');
    expect(html).toContain('class="chart trend"');
    expect(html).toContain(PROD);
    expect(html).toContain(SANDBOX);
    // Three scans: three points per series.
    expect(html.match(/class="dot active"/g)).toHaveLength(3);
    // No inline script or style anywhere.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  it('lists findings with filters, sort and pages', async () => {
    const all = await (await get('/findings')).text();
    expect(all).toMatch(/Rows 1–50 of \d+/);
    expect(all).toContain('rel="next"');
    const next = /href="(\/findings\?page=2&amp;cursor=[^"]+)"/.exec(all);
    expect(next).not.toBeNull();
    const page2 = await (await get(next![1]!.replace(/&amp;/g, '&'))).text();
    expect(page2).toMatch(/Rows 51–\d+ of \d+/);

    const roles = await (await get('/findings?type=UnusedIAMRole&status=ACTIVE')).text();
    const rows = roles.match(/data-finding-id=/g) ?? [];
    expect(rows.length).toBe(
      store
        .countByTypeAndStatus()
        .find((c) => c.findingType === 'UnusedIAMRole' && c.status === 'ACTIVE')!.count,
    );

    const s3 = resources(await (await get(`/findings?service=s3&account=${PROD}`)).text());
    expect(s3).toContain(ARTICLE_ROLE_ARN);
    expect(s3.filter((arn) => arn.includes('queue-worker'))).toEqual([]);

    const principal = resources(await (await get('/findings?principal=APP-BACKEND')).text());
    expect(principal).toEqual([ARTICLE_ROLE_ARN]);

    const arns = resources(await (await get('/findings?sort=resource&dir=asc&size=25')).text());
    expect(arns.length).toBe(25);
    expect([...arns].sort()).toEqual(arns);

    const bad = await get('/findings?type=Nope&sort=drop%20table&page=-1');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Ignored: unknown finding type, unknown sort column');
    expect(lines.splice(0)).toEqual([
      '400 GET /findings: unknown finding type, unknown sort column, bad page number',
    ]);
  });

  it('shows a finding: details, diff, proof, removed actions, tries, CLI commands', async () => {
    const id = idOf(ARTICLE_ROLE_ARN);
    const res = await get(`/findings/${id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('app-data-access');
    // The article's s3:Get* replacement, as diff lines.
    expect(html).toMatch(/<span class="line del"> +&quot;s3:Get\*&quot;,\n<\/span>/);
    expect(html).toMatch(/<span class="line add"> +&quot;s3:GetObject\*&quot;,\n<\/span>/);
    expect(html).toMatch(/<span class="line del"> +&quot;lambda:AddPermission&quot;,\n<\/span>/);
    expect(html).toMatch(/<span class="line equal"> +&quot;lambda:Invoke\*&quot;\n<\/span>/);
    expect(html).toContain('EXACT');
    // The form, its size and quota: the article's form fits a managed policy.
    expect(html).toContain('Form and size');
    expect(html).toMatch(/article, [\d,]+ of 6,144 characters \(managed policy\)/);
    expect(html).toContain('Permissions management');
    // The trie of s3:Get*: safe and unsafe nodes, the emitted entries.
    expect(html).toContain('class="trie"');
    expect(html).toMatch(/<g class="node safe emitted" data-prefix="s3:GetAccess">/);
    expect(html).toMatch(/<g class="node unsafe" data-prefix="s3:GetBucket">/);
    expect(html).toContain('→ s3:GetObject*');
    // AWS CLI commands and the download link.
    expect(html).toContain('aws iam create-policy');
    expect(html).toContain('--role-name app-backend');
    expect(html).toContain('app-data-access.refined.json');
    expect(html).toContain('data-copy="cli-0"');
    expect(html).toContain('id="archive"');
  });

  it('names the services a policy removes as a whole, with their count, apart from the actions', async () => {
    /** The part of a finding page about the policy named `name`. */
    const section = (html: string, name: string) =>
      html
        .split('<article class="recommendation"')
        .find((a) => a.includes(`<h3>${name}</h3>`))!
        // The recommendations come before the details (services unused as a whole are named there).
        .split('</article>')[0]!;
    const backend = await (await get(`/findings/${idOf(ARTICLE_ROLE_ARN)}`)).text();
    // AmazonDynamoDBReadOnlyAccess allows cloudwatch:GetMetricData; app-backend uses no CloudWatch.
    const readOnly = section(backend, 'AmazonDynamoDBReadOnlyAccess');
    expect(readOnly).toContain(
      '<div class="removed-services">Every action it allowed of 1 service unused as a whole (not listed below): <details><summary>services</summary><span class="chip">cloudwatch</span></details></div><table class="levels">',
    );
    const levels = readOnly.slice(readOnly.indexOf('<table class="levels">'));
    expect(levels).toContain('<span class="chip">dynamodb:DescribeBackup</span>');
    expect(levels).not.toContain('cloudwatch');
    // Recomputing the tries removes the services too: the page finds the stored policy again.
    expect(readOnly).not.toContain('gives a different policy');
    expect(section(backend, 'app-data-access')).not.toContain('removed-services');

    const runner = await (
      await get(`/findings/${idOf(`arn:aws:iam::${SANDBOX}:role/experiment-runner`)}`)
    ).text();
    const detached = section(runner, 'AmazonDynamoDBReadOnlyAccess');
    expect(detached).toContain(
      'Every action it allowed of 2 services unused as a whole (not listed below): <details><summary>services</summary><span class="chip">cloudwatch</span><span class="chip">dynamodb</span></details></div><p class="empty">No other action.</p>',
    );
    expect(detached).not.toContain('<table class="levels">');
    expect(detached).not.toContain('gives a different policy');
  });

  it('downloads the refined policy as a JSON attachment', async () => {
    const id = idOf(ARTICLE_ROLE_ARN);
    const stored = store.getFinding(id)!;
    const index = stored.finding.policies!.findIndex((p) => p.policyName === 'app-data-access');
    const res = await get(`/findings/${id}/policies/${index}/refined.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="app-data-access.refined.json"',
    );
    const policy = (await res.json()) as { Statement: { Action: string[] }[] };
    expect(policy.Statement[1]!.Action).toContain('s3:GetObject*');
    expect(policy).toEqual(stored.finding.policies![index]!.policy);
    expect((await get(`/findings/${id}/policies/99/refined.json`)).status).toBe(404);
    expect((await get(`/findings/${id}/policies/x/refined.json`)).status).toBe(404);
  });

  it('archives and unarchives a finding with POST forms', async () => {
    const id = idOf(`arn:aws:iam::${PROD}:role/ci-deployer`);
    const res = await post(`/findings/${id}/archive`, '');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/findings/${id}?done=archived`);
    expect(store.getFinding(id)!.status).toBe('ARCHIVED');
    const page = await (await get(`/findings/${id}?done=archived`)).text();
    expect(page).toContain('Finding archived.');
    expect(page).toContain('id="unarchive"');
    expect(page).toContain('by dashboard');
    await post(`/findings/${id}/unarchive`, '');
    expect(store.getFinding(id)!.status).toBe('ACTIVE');
  });

  it('answers 404 for unknown findings and pages', async () => {
    expect((await get('/findings/00000000-0000-8000-8000-000000000000')).status).toBe(404);
    expect((await post('/findings/nope/archive', '')).status).toBe(404);
    expect((await get('/nowhere')).status).toBe(404);
  });

  it('previews, creates, applies and deletes archive rules', async () => {
    const preview = await get(
      '/rules?preview=1&name=sandbox-workers&key=resource&op=contains&values=queue-worker&key=resourceOwnerAccount&op=eq&values=' +
        SANDBOX,
    );
    expect(preview.status).toBe(200);
    const html = await preview.text();
    const count = /This rule would archive (\d+) active findings? now/.exec(html);
    expect(Number(count?.[1])).toBeGreaterThan(0);
    expect(html).toContain('value="sandbox-workers"');

    const body = new URLSearchParams([
      ['name', 'sandbox-workers'],
      ['key', 'resource'],
      ['op', 'contains'],
      ['values', 'queue-worker'],
      ['key', 'resourceOwnerAccount'],
      ['op', 'eq'],
      ['values', SANDBOX],
      ['json', ''],
      ['then', 'apply'],
    ]);
    const created = await post('/rules', body);
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe(
      `/rules?done=applied&rule=sandbox-workers&n=${count![1]}`,
    );
    expect(store.getRule('sandbox-workers')?.filter).toEqual({
      resource: { contains: ['queue-worker'] },
      resourceOwnerAccount: { eq: [SANDBOX] },
    });
    const list = await (await get(created.headers.get('location')!)).text();
    expect(list).toContain(`Rule sandbox-workers applied: ${count![1]} finding`);
    expect(list).toContain('data-rule="sandbox-workers"');

    const dup = await post('/rules', body);
    expect(dup.status).toBe(400);
    expect(await dup.text()).toContain('The rule was not created');

    const bad = await post(
      '/rules',
      new URLSearchParams([
        ['name', 'bad'],
        ['json', '{"findingType": {"eq": ["NoSuchType"]}}'],
      ]),
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('NoSuchType');

    const deleted = await post('/rules/sandbox-workers/delete', '');
    expect(deleted.status).toBe(303);
    expect(store.getRule('sandbox-workers')).toBeUndefined();
    expect((await post('/rules/sandbox-workers/delete', '')).status).toBe(404);
  });
});

describe('escaping', () => {
  it('renders hostile ARNs, policies and tags as text', async () => {
    const id = idOf(XSS_ROLE_ARN);
    const html = await (await get(`/findings/${id}`)).text();
    for (const payload of Object.values(XSS)) {
      // The raw payload never appears; its escaped form does.
      expect(html).not.toContain(payload);
    }
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).not.toMatch(/<script>window/i);
    expect(html).not.toMatch(/<svg onload/i);
    expect(html).toContain('&lt;script&gt;window.__xss = 1;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=');
    // Every <script> on the page is the app's own.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/static/app.js" defer="">']);

    const list = await (await get(`/findings?account=${SANDBOX}&principal=intruder`)).text();
    expect(list).not.toContain(XSS.img);
    expect(list).not.toMatch(/<img src=x/i);
    expect(resources(list)).toEqual([XSS_ROLE_ARN]);
  });

  it('renders the names of services removed as a whole as text', async () => {
    const base = syntheticFinding({ account: SANDBOX, name: 'odd', services: { [XSS.svg]: [] } });
    const finding = {
      ...base,
      policies: [
        {
          policyId: 'odd-services',
          policyName: 'odd-services',
          policyType: 'INLINE' as const,
          recommendedAction: 'DETACH_POLICY' as const,
          policy: null,
          removedByAccessLevel: {},
          removedServices: [XSS.svg, XSS.img],
        },
      ],
    };
    const other = openStore(':memory:', { clock: () => new Date('2026-11-02T00:00:00Z') });
    other.recordScan(syntheticScan([finding]), { accounts: [SANDBOX] });
    const page = createApp({
      store: other,
      catalog,
      security: { token: TOKEN, port: PORT },
      version: '0.0.0-test',
      logError: (e) => errors.push(e),
    });
    const res = await page.request(`${ORIGIN}/findings/${finding.id}`, {
      headers: { host: `127.0.0.1:${PORT}`, cookie: await signIn(page) },
    });
    other.close();
    expect(res.status).toBe(200);
    const html = await res.text();
    const block = /<div class="removed-services">(.*?)<\/div>/.exec(html)?.[1] ?? '';
    expect(block).toContain('Every action it allowed of 2 services unused as a whole');
    expect(block).toContain(
      '<span class="chip">&lt;svg onload=&quot;window.__xss = 3&quot;&gt;</span>',
    );
    const chips = [...block.matchAll(/<span class="chip">([^<]*)<\/span>/g)].map((m) => m[1]!);
    expect(chips.map(unescapeHtml)).toEqual([XSS.svg, XSS.img]);
    expect(html).not.toContain(XSS.svg);
    expect(html).not.toContain(XSS.img);
  });

  it('escapes what a rule form echoes back', async () => {
    const res = await get(
      `/rules?preview=1&name=${encodeURIComponent(XSS.script)}&json=${encodeURIComponent(`{"resource": {"contains": ["${XSS.img.replace(/"/g, '\\"')}"]}}`)}`,
    );
    const html = await res.text();
    expect(html).not.toContain(XSS.script);
    expect(html).not.toContain(XSS.img);
  });
});

describe('filterFromForm', () => {
  it('builds criteria from rows, merging a key used twice', () => {
    expect(
      filterFromForm({
        name: 'r',
        json: '',
        rows: [
          { key: 'findingType', op: 'eq', values: 'UnusedIAMRole, UnusedPermission' },
          { key: 'tags.env', op: 'exists', values: 'true' },
          { key: 'findingType', op: 'eq', values: 'UnusedIAMUserPassword' },
          { key: '', op: 'eq', values: 'ignored' },
        ],
      }),
    ).toEqual({
      filter: {
        findingType: { eq: ['UnusedIAMRole', 'UnusedPermission', 'UnusedIAMUserPassword'] },
        'tags.env': { exists: true },
      },
    });
  });

  it('reports empty values, bad exists values, bad JSON and no criteria', () => {
    expect(filterFromForm({ name: 'r', json: '', rows: [] })).toEqual({
      errors: ['Give at least one criterion (or the filter as JSON).'],
    });
    expect(
      filterFromForm({ name: 'r', json: '', rows: [{ key: 'status', op: 'eq', values: ' , ' }] }),
    ).toEqual({ errors: ['status: give at least one value for eq.'] });
    expect(
      filterFromForm({ name: 'r', json: '', rows: [{ key: 'tags.a', op: 'exists', values: 'x' }] }),
    ).toEqual({ errors: ['tags.a: exists takes true or false.'] });
    expect('errors' in filterFromForm({ name: 'r', json: '{', rows: [] })).toBe(true);
    expect(filterFromForm({ name: 'r', json: '[1]', rows: [] })).toEqual({
      errors: ['The filter JSON must be an object of criteria.'],
    });
  });
});
