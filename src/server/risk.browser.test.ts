/**
 * The dashboard's risk parts in a real browser (Debian's Chromium, as dashboard.browser.test.ts):
 * the overview's risk panel, the list's risk column, sort and chip order, and the CSV export of the
 * current filter downloaded through the link. Skipped, saying why, when /usr/bin/chromium is
 * absent.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { syntheticFinding, syntheticScan } from '../store/fixtures.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import { startDashboard, type RunningDashboard } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  process.stderr.write(`risk browser tests skipped: ${CHROMIUM} not found\n`);
}
const A = '111122223333';
const high = syntheticFinding({
  account: A,
  name: 'deployer',
  services: { s3: ['GetObject', 'PutObject', 'ListBucket'], sqs: ['SendMessage'], iam: [] },
});
const low = syntheticFinding({ account: A, name: 'reader', services: { s3: ['ListBucket'] } });
const role = syntheticFinding({ account: A, name: 'old', type: 'UnusedIAMRole' });
// An AdministratorAccess-like finding: 400 services unused as a whole, 2 used ones.
const admin = syntheticFinding({
  account: A,
  name: 'admin',
  services: {
    ...Object.fromEntries(
      Array.from({ length: 400 }, (_, i) => [`svc${String(i).padStart(3, '0')}`, []]),
    ),
    s3: ['PutObject'],
    ec2: ['RunInstances'],
  },
});

describe.skipIf(!HAVE_CHROMIUM)('dashboard risk in Chromium', () => {
  let dir: string;
  let store: FindingsStore;
  let server: RunningDashboard;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iam-refine-risk-browser-'));
    const catalog = await loadCatalog();
    store = openStore(join(dir, 'f.db'), { clock: () => new Date('2026-11-01T07:00:00Z') });
    store.recordScan(syntheticScan([high, low, role, admin]), { accounts: [A] });
    server = await startDashboard({ store, catalog, port: 0, version: 'test' });
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    await page.goto(server.url);
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the overview shows the active findings per risk level', async () => {
    const rows = page.locator('#by-risk tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.allInnerTexts()).toEqual(['high\t2', 'medium\t1', 'low\t1']);
  });

  it('the list shows the risk and the chips by importance; the CSV export downloads the filter', async () => {
    await page.goto(`${server.origin}/findings?type=UnusedPermission`);
    const row = page.locator(`tr[data-finding-id="${high.id}"]`);
    await expect.poll(() => row.locator('.badge').first().innerText()).toBe('high');
    expect(await row.locator('.chip').allInnerTexts()).toEqual(['iam', 's3', 'sqs']);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#export-csv'),
    ]);
    const text = await readFile((await download.path())!, 'utf8');
    const lines = text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(4); // the header and the 3 UnusedPermission findings, not the role
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual(['high', 'high', 'low']);
  });

  it('a large finding: the recommendations near the top, 400 whole services in one short row', async () => {
    await page.goto(`${server.origin}/findings/${admin.id}`);
    const recommendations = (await page.locator('#recommendations').boundingBox())!;
    const services = (await page.locator('#services').boundingBox())!;
    expect(recommendations.y).toBeLessThan(services.y);
    expect(recommendations.y).toBeLessThan(1500);
    const whole = (await page.locator('#whole-services').boundingBox())!;
    expect(whole.height).toBeLessThan(200);
    expect(await page.locator('#services tbody tr').count()).toBe(3);
  });

  it('the risk filter: "Risk at least high" keeps only the high findings', async () => {
    await page.goto(`${server.origin}/findings`);
    // The filter form submits itself when a select changes (app.js): one navigation, awaited.
    await Promise.all([page.waitForURL(/risk=high/), page.selectOption('#f-risk', 'high')]);
    await page.waitForLoadState('load');
    const risks = await page
      .locator('tr[data-finding-id]')
      .evaluateAll((rows) =>
        rows.map((r) => (r as unknown as { dataset: { risk: string } }).dataset.risk),
      );
    expect(risks).toEqual(['high', 'high']);
  });

  it('sorting by risk: the Risk header sorts descending, a second click ascending', async () => {
    await page.goto(`${server.origin}/findings`);
    const risks = () =>
      page
        .locator('tr[data-finding-id]')
        .evaluateAll((rows) =>
          rows.map((r) => (r as unknown as { dataset: { risk: string } }).dataset.risk),
        );
    const header = page.locator('th a.sort', { hasText: 'Risk' });
    await Promise.all([page.waitForURL(/sort=risk&dir=desc/), header.click()]);
    expect(await risks()).toEqual(['high', 'high', 'medium', 'low']);
    await Promise.all([page.waitForURL(/sort=risk&dir=asc/), header.click()]);
    expect(await risks()).toEqual(['low', 'medium', 'high', 'high']);
    expect(await page.locator('th a.sort.current').innerText()).toBe('Risk ▴');
  });

  it('bulk archive: check rows, archive them, back on the same filter with a notice', async () => {
    await page.goto(`${server.origin}/findings?status=ACTIVE`);
    await page.check(`tr[data-finding-id="${low.id}"] input[type=checkbox]`);
    await page.check(`tr[data-finding-id="${role.id}"] input[type=checkbox]`);
    await Promise.all([page.waitForURL(/archived=2/), page.click('#archive-selected')]);
    expect(await page.locator('.notice.ok').innerText()).toBe('Archived 2 findings.');
    expect(await page.locator('tr[data-finding-id]').count()).toBe(2);
    expect(store.getFinding(low.id)!.status).toBe('ARCHIVED');
  });
});
