/**
 * The dashboard's risk parts without a browser: the list's risk column and chip order, the
 * exports of the current filter (CSV, JSON), and the overview's risk panel.
 */
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { syntheticFinding, syntheticScan } from '../store/fixtures.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import { createApp } from './app.js';
import { rowRisk } from './risk-view.js';

const PORT = 4568;
const TOKEN = 'test-token-risk-0123456789';
const ORIGIN = `http://127.0.0.1:${PORT}`;
const A = '111122223333';
// iam (with its privilege-escalation actions) unused as a whole, plus 3 s3 and 1 sqs actions.
const high = syntheticFinding({
  account: A,
  name: 'deployer',
  services: { s3: ['GetObject', 'PutObject', 'ListBucket'], sqs: ['SendMessage'], iam: [] },
});
const low = syntheticFinding({ account: A, name: 'reader', services: { s3: ['ListBucket'] } });
const key = syntheticFinding({
  account: A,
  name: '=cmd|evil',
  type: 'UnusedIAMUserAccessKey',
  accessKeyId: 'AKIAEXAMPLE',
});

let catalog: ActionCatalog;
let store: FindingsStore;
let app: Hono;
/** The session cookie the token was exchanged for. */
let COOKIE = '';

beforeAll(async () => {
  catalog = await loadCatalog();
  store = openStore(':memory:', { clock: () => new Date('2026-11-01T07:00:00Z') });
  store.recordScan(syntheticScan([high, low, key]), { accounts: [A] });
  app = createApp({ store, catalog, security: { token: TOKEN, port: PORT }, version: 'test' });
  const res = await app.request(`${ORIGIN}/?token=${TOKEN}`, {
    headers: { host: `127.0.0.1:${PORT}` },
  });
  COOKIE = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
});
afterAll(() => store.close());

const get = (path: string) =>
  app.request(`${ORIGIN}${path}`, {
    headers: { host: `127.0.0.1:${PORT}`, cookie: COOKIE },
  });

const highId = () => high.id;

describe('rowRisk', () => {
  it('chips: services with a high-risk action first, then by unused actions (whole = all)', () => {
    const r = rowRisk(high, catalog);
    expect(r.risk).toBe('high');
    expect(r.chips).toEqual(['iam', 's3', 'sqs']);
    const noRisk = syntheticFinding({
      account: A,
      name: 'x',
      services: { s3: ['GetObject'], sqs: ['SendMessage', 'ReceiveMessage'], ec2: [] },
    });
    // ec2 whole (hundreds of actions) before sqs (2) before s3 (1); ec2 has no listed action.
    expect(rowRisk(noRisk, catalog).chips).toEqual(['ec2', 'sqs', 's3']);
  });
});

describe('the findings list', () => {
  it('shows each row’s risk and its chips in that order', async () => {
    const html = await (await get('/findings')).text();
    const rowTag = (id: string) => {
      const at = html.indexOf(`data-finding-id="${id}"`);
      return html.slice(at, html.indexOf('>', at));
    };
    expect(rowTag(high.id)).toContain('data-risk="high"');
    expect(rowTag(low.id)).toContain('data-risk="low"');
    const row = html.slice(html.indexOf(`data-finding-id="${high.id}"`));
    const chips = [...row.slice(0, row.indexOf('</tr>')).matchAll(/class="chip">([^<]+)</g)].map(
      (m) => m[1],
    );
    expect(chips).toEqual(['iam', 's3', 'sqs']);
    expect(html).toContain('href="/findings/export.csv"');
  });
});

describe('the risk filter of the list', () => {
  it('keeps the findings of that level or higher, pages by number, and is kept in links', async () => {
    const ids = (html: string) =>
      [...html.matchAll(/data-finding-id="([^"]+)"/g)].map((m) => m[1]).sort();
    const high = await (await get('/findings?risk=high')).text();
    expect(ids(high)).toEqual([highId()]);
    expect(high).toContain('<option value="high" selected="">high</option>');
    const medium = await (await get('/findings?risk=medium')).text();
    expect(ids(medium)).toEqual([highId(), key.id].sort());
    // The export of this filter is the same set.
    expect(medium).toContain('href="/findings/export.csv?risk=medium"');
    const csv = await (await get('/findings/export.json?risk=medium')).json();
    expect((csv as { findings: { id: string }[] }).findings.map((f) => f.id).sort()).toEqual(
      [highId(), key.id].sort(),
    );
    const bad = await get('/findings?risk=severe');
    expect(bad.status).toBe(400);
  });
});

describe('exports of the current filter', () => {
  it('CSV: every finding of the filter, risk included, formulas defused, as a download', async () => {
    const res = await get('/findings/export.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="iam-refine-findings.csv"',
    );
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,risk,status,findingType,resource,resourceType,account,services,unusedActionCount,unusedServiceCount,createdAt,updatedAt',
    );
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith(high.id))).toContain(',high,ACTIVE,UnusedPermission,');
    // The resource starts with arn:, but a name cell would be defused; the key user's ARN is kept.
    expect(lines.find((l) => l.startsWith(key.id))).toContain(`arn:aws:iam::${A}:user/=cmd|evil`);
  });

  it('JSON with the filter of the list (type), all pages', async () => {
    const res = await get('/findings/export.json?type=UnusedPermission&size=25&page=2');
    const body = (await res.json()) as { findings: { id: string; risk: string }[]; total: number };
    expect(body.total).toBe(2);
    expect(body.findings.map((f) => [f.id, f.risk]).sort()).toEqual(
      [
        [high.id, 'high'],
        [low.id, 'low'],
      ].sort(),
    );
  });

  it('needs the session like every page', async () => {
    const res = await app.request(`${ORIGIN}/findings/export.csv`, {
      headers: { host: `127.0.0.1:${PORT}` },
    });
    expect(res.status).not.toBe(200);
  });
});

describe('the overview', () => {
  it('has a risk panel with the active findings per level', async () => {
    const html = await (await get('/')).text();
    const panel = html.slice(html.indexOf('id="by-risk"'));
    const counts = [...panel.matchAll(/data-risk="(\w+)">[\s\S]*?class="num">(\d+)</g)]
      .slice(0, 3)
      .map((m) => `${m[1]} ${m[2]}`);
    expect(counts).toEqual(['high 1', 'medium 1', 'low 1']);
  });
});

describe('bulk archive', () => {
  const post = (body: URLSearchParams, origin: string | undefined) =>
    app.request(`${ORIGIN}/findings/archive`, {
      method: 'POST',
      body,
      headers: {
        host: `127.0.0.1:${PORT}`,
        cookie: COOKIE,
        'content-type': 'application/x-www-form-urlencoded',
        ...(origin === undefined ? {} : { origin }),
      },
    });

  it('refuses a cross-origin or origin-less request and changes nothing', async () => {
    const body = new URLSearchParams([['id', low.id]]);
    expect((await post(body, 'http://evil.example')).status).toBe(403);
    expect((await post(body, undefined)).status).toBe(403);
    expect(store.getFinding(low.id)!.status).toBe('ACTIVE');
  });

  it('archives the checked findings (unknown ids skipped) and goes back to the list', async () => {
    const body = new URLSearchParams([
      ['id', low.id],
      ['id', key.id],
      ['id', 'not-a-finding'],
      ['back', '/findings?status=ACTIVE'],
    ]);
    const res = await post(body, ORIGIN);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/findings?status=ACTIVE&archived=2');
    expect(store.getFinding(low.id)!.status).toBe('ARCHIVED');
    expect(store.getFinding(key.id)!.status).toBe('ARCHIVED');
    expect(store.getFinding(high.id)!.status).toBe('ACTIVE');
    const html = await (await get('/findings?status=ACTIVE&archived=2')).text();
    expect(html).toContain('Archived 2 findings.');
    // A back link elsewhere is not followed.
    const other = await post(new URLSearchParams([['back', 'https://evil.example/']]), ORIGIN);
    expect(other.headers.get('location')).toBe('/findings?archived=0');
  });
});

describe('remediation on the finding page', () => {
  it('an unused key shows its steps, the undo and what cannot be undone, escaped', async () => {
    const html = await (await get(`/findings/${key.id}`)).text();
    const panel = html.slice(html.indexOf('id="remediation"'));
    expect(panel).toContain('aws iam update-access-key --user-name &#39;=cmd|evil&#39;');
    expect(panel).toContain('--status Active');
    expect(panel).toContain('Cannot be undone');
    expect(html).not.toContain('id="recommendations"');
  });
});

describe('a large finding page', () => {
  it('recommendations before the details; used services first; whole services in one row', async () => {
    const html = await (await get(`/findings/${high.id}`)).text();
    expect(html.indexOf('id="recommendations"')).toBeGreaterThan(0);
    expect(html.indexOf('id="recommendations"')).toBeLessThan(html.indexOf('id="services"'));
    const table = html.slice(
      html.indexOf('id="services"'),
      html.indexOf('</table>', html.indexOf('id="services"')),
    );
    const rows = [...table.matchAll(/<tr( id="whole-services")?><td class="mono">([^<]+)</g)].map(
      (m) => m[2],
    );
    expect(rows).toEqual(['s3', 'sqs', '1 service']);
    expect(table).toContain('<summary>iam</summary>');
  });
});

describe('sorting the list by risk', () => {
  // 60 findings whose risks are spread over the default order (so a sort within each page of 25
  // would differ from a sort of all of them): high every 7th, low every 3rd, medium otherwise.
  const many = Array.from({ length: 60 }, (_, i) =>
    syntheticFinding({
      account: A,
      name: `role-${String(i).padStart(2, '0')}`,
      ...(i % 7 === 0
        ? { services: { iam: [] } }
        : i % 3 === 0
          ? { services: { s3: ['ListBucket'] } }
          : { type: 'UnusedIAMRole' as const }),
    }),
  );
  let sortStore: FindingsStore;
  let sortApp: Hono;
  let cookie = '';
  beforeAll(async () => {
    sortStore = openStore(':memory:', { clock: () => new Date('2026-11-01T07:00:00Z') });
    sortStore.recordScan(syntheticScan(many), { accounts: [A] });
    sortApp = createApp({
      store: sortStore,
      catalog,
      security: { token: TOKEN, port: PORT },
      version: 'test',
    });
    const res = await sortApp.request(`${ORIGIN}/?token=${TOKEN}`, {
      headers: { host: `127.0.0.1:${PORT}` },
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  });
  afterAll(() => sortStore.close());

  const fetchPage = (path: string) =>
    sortApp.request(`${ORIGIN}${path}`, { headers: { host: `127.0.0.1:${PORT}`, cookie } });
  const ids = (html: string) => [...html.matchAll(/data-finding-id="([^"]+)"/g)].map((m) => m[1]!);
  /** Every page of `query` (size 25), in order. */
  const allPages = async (query: string) => {
    const out: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await fetchPage(`/findings?${query}&size=25&page=${page}`);
      expect(res.status).toBe(200);
      out.push(...ids(await res.text()));
    }
    return out;
  };
  /** The reference: the default order (the store's), then a stable sort by risk. */
  const reference = (dir: 'asc' | 'desc') => {
    const rank = { low: 0, medium: 1, high: 2 } as const;
    const byId = new Map(many.map((f) => [f.id, rank[rowRisk(f, catalog).risk]]));
    const defaultOrder = sortStore
      .listFindings({ sort: 'updatedAt', direction: 'desc', limit: 100 })
      .items.map((f) => f.id);
    const sign = dir === 'asc' ? 1 : -1;
    return defaultOrder
      .map((id, i) => ({ id, r: byId.get(id)!, i }))
      .sort((a, b) => sign * (a.r - b.r) || a.i - b.i)
      .map((x) => x.id);
  };

  it('orders every matching finding by risk before paging, both directions, ties in the default order', async () => {
    const desc = await allPages('sort=risk&dir=desc');
    expect(desc).toEqual(reference('desc'));
    expect(desc).toHaveLength(60);
    // The first page holds every high finding (9 of them), which a per-page sort would not.
    const highs = many.filter((f) => rowRisk(f, catalog).risk === 'high').map((f) => f.id);
    expect(highs).toHaveLength(9);
    expect(desc.slice(0, 9).sort()).toEqual([...highs].sort());
    const asc = await allPages('sort=risk&dir=asc');
    expect(asc).toEqual(reference('asc'));
    expect(asc[0]).not.toBe(desc[0]);
  });

  it('combines with the risk filter, and the header links toggle the direction', async () => {
    const res = await fetchPage('/findings?risk=medium&sort=risk&dir=desc');
    const html = await res.text();
    // Lows come last in the descending order: the filter drops exactly them (43 = 60 - 17 lows).
    const notLow = many.filter((f) => rowRisk(f, catalog).risk !== 'low').length;
    expect(notLow).toBe(43);
    expect(ids(html)).toEqual(reference('desc').slice(0, notLow));
    expect(html).toContain('href="/findings?risk=medium&amp;sort=risk&amp;dir=asc"');
    expect(html).toContain('<option value="risk" selected="">Risk</option>');
    const plain = await (await fetchPage('/findings')).text();
    expect(plain).toContain('href="/findings?sort=risk&amp;dir=desc"');
  });

  it('an unknown sort column is still a 400', async () => {
    const bad = await fetchPage('/findings?sort=riskiness');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('unknown sort column');
  });
});
