/**
 * The dashboard's IAM Identity Center pages in a real browser (Debian's Chromium, as
 * dashboard.browser.test.ts): a scan of three accounts with a permission set's roles
 * (`AWSReservedSSO_Dev_…`) and a fourth account without evidence, recorded with
 * `--permission-sets`; the finding page of such a role offers no IAM write (no AWS CLI commands,
 * the reason shown), and the permission-sets view shows the accounts, what is unused everywhere
 * vs used somewhere, the refined policy's diff, the proof and the apply command.
 *
 * Skipped, saying why, when /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import { A, B, C, D, roleArn, scanInto } from '../../test/browser/identity-center.js';
import { startDashboard, type RunningDashboard } from './server.js';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  process.stderr.write(`permission-set browser tests skipped: ${CHROMIUM} not found\n`);
}

describe.skipIf(!HAVE_CHROMIUM)('permission sets in the dashboard (Chromium)', () => {
  let dir: string;
  let store: FindingsStore;
  let server: RunningDashboard;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iam-refine-browser-ps-'));
    const db = join(dir, 'findings.db');
    await scanInto(dir, db);
    store = openStore(db, { clock: () => new Date('2026-09-01T00:00:00Z') });
    server = await startDashboard({
      store,
      catalog: await loadCatalog(),
      port: 0,
      version: '0.1.0',
    });
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('offers no IAM write for an AWSReservedSSO_ role, and says why', async () => {
    await page.goto(`${server.origin}/findings?principal=AWSReservedSSO`);
    const rows = page.locator('#findings tbody tr');
    expect(await rows.count()).toBe(3);
    await Promise.all([
      page.waitForURL(/\/findings\/[0-9a-f-]+$/),
      page.click(`#findings tr[data-resource="${roleArn(A)}"] td.principal a`),
    ]);
    expect(await page.locator('#principal').textContent()).toBe(roleArn(A));
    // The refinement is shown, but no command that writes through IAM.
    expect(await page.locator('.recommendation').count()).toBeGreaterThan(0);
    expect(await page.locator('pre.cli').count()).toBe(0);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/aws iam (put|attach|detach|create|delete)-/);
    expect(text).toContain('IDENTITY_CENTER_ROLE');
    expect(text).toContain('managed by IAM Identity Center');
  });

  it('shows the permission set: accounts, unused everywhere vs used somewhere, the diff', async () => {
    await page.click('nav a[href="/permission-sets"]');
    await page.waitForURL(`${server.origin}/permission-sets`);
    expect(await page.locator('#permission-sets tbody tr').count()).toBe(1);
    await page.click('#permission-sets a');
    await page.waitForURL(/arn=/);
    const section = page.locator('section.permission-set');
    expect(await section.locator('h2').textContent()).toBe('Dev');
    const accounts = await section
      .locator('table.accounts tbody tr td:first-child')
      .allTextContents();
    expect(accounts).toEqual([A, B, C, D]);
    expect(await section.locator('table.accounts tr.unobserved').count()).toBe(1);
    const removed = await section.locator('.diff .line.del').allTextContents();
    expect(removed.map((l) => l.trim())).toContain('"iam:Get*",');
    const added = (await section.locator('.diff .line.add').allTextContents()).map((l) => l.trim());
    expect(added).toContain('"iam:GetRole",');
    expect(added.some((l) => l.startsWith('"iam:ListRoles'))).toBe(true);
    expect(await section.locator('.badge.exact').first().textContent()).toBe('EXACT');
    expect(await section.locator('svg.trie').count()).toBeGreaterThan(0);
    expect(await section.locator('pre.cli').textContent()).toContain(
      'iam-refine apply --permission-set Dev',
    );
    expect(pageErrors).toEqual([]);
  });
});
