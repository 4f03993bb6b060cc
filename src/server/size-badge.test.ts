/**
 * The findings list's size badge: each UnusedPermission row says which exact forms its recommended
 * policies take and whether they all fit IAM's quotas (issue 10: size everywhere).
 */
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import type { Finding, PolicyRecommendation } from '../findings/types.js';
import type { FormSummary } from '../refine/forms/choose.js';
import { syntheticFinding, syntheticScan } from '../store/fixtures.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import { createApp } from './app.js';
import { rowForms } from './risk-view.js';

const PORT = 4569;
const TOKEN = 'test-token-size-0123456789';
const ORIGIN = `http://127.0.0.1:${PORT}`;
const A = '111122223333';

const form = (f: FormSummary['form'], fits: boolean): FormSummary => ({
  form: f,
  policyType: 'managed',
  size: fits ? 5000 : 9000,
  quota: 6144,
  fits,
  reason: 'test',
  tried: [],
});
const policy = (name: string, f?: FormSummary): PolicyRecommendation => ({
  policyId: `arn:aws:iam::${A}:policy/${name}`,
  policyName: name,
  policyType: 'CUSTOMER_MANAGED',
  recommendedAction: 'CREATE_POLICY',
  policy: { Version: '2012-10-17', Statement: [] },
  removedByAccessLevel: {},
  ...(f === undefined ? {} : { form: f }),
});
const withPolicies = (f: Finding, policies: PolicyRecommendation[]): Finding => ({
  ...f,
  policies,
});

const fits = withPolicies(
  syntheticFinding({ account: A, name: 'fits', services: { s3: ['GetObject'] } }),
  [policy('a', form('article', true)), policy('b', form('compact', true)), policy('c')],
);
const over = withPolicies(
  syntheticFinding({ account: A, name: 'over', services: { s3: ['PutObject'] } }),
  [policy('d', form('article', true)), policy('e', form('split', false))],
);
const none = syntheticFinding({ account: A, name: 'none', services: { sqs: ['SendMessage'] } });

let store: FindingsStore;
let app: Hono;
let cookie = '';

beforeAll(async () => {
  const catalog = await loadCatalog();
  store = openStore(':memory:', { clock: () => new Date('2026-11-01T07:00:00Z') });
  store.recordScan(syntheticScan([fits, over, none]), { accounts: [A] });
  app = createApp({ store, catalog, security: { token: TOKEN, port: PORT }, version: 'test' });
  const res = await app.request(`${ORIGIN}/?token=${TOKEN}`, {
    headers: { host: `127.0.0.1:${PORT}` },
  });
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
});
afterAll(() => store.close());

describe('rowForms', () => {
  it('lists the distinct forms in policy order and counts the policies over quota', () => {
    expect(rowForms(fits)).toEqual({ forms: ['article', 'compact'], policies: 2, overQuota: 0 });
    expect(rowForms(over)).toEqual({ forms: ['article', 'split'], policies: 2, overQuota: 1 });
    expect(rowForms(none)).toBeUndefined();
  });
});

describe('the findings list', () => {
  it('shows a size badge per row: the forms when all fit, else how many are over quota', async () => {
    const res = await app.request(`${ORIGIN}/findings`, {
      headers: { host: `127.0.0.1:${PORT}`, cookie },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    const row = (id: string) => {
      const start = html.indexOf(`data-finding-id="${id}"`);
      return html.slice(start, html.indexOf('</tr>', start));
    };
    expect(row(fits.id)).toContain('class="badge fits size-badge"');
    expect(row(fits.id)).toContain('fits · article, compact');
    expect(row(over.id)).toContain('class="badge action-DETACH_POLICY size-badge"');
    expect(row(over.id)).toContain('1 over quota');
    expect(row(none.id)).not.toContain('size-badge');
  });
});
