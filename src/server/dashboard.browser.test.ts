/**
 * The dashboard in a real browser: Debian's Chromium (`/usr/bin/chromium`, installed by
 * `.ci/run`; never a downloaded browser) driven by playwright-core, against a real server on
 * 127.0.0.1 and a SQLite store filled with the fixture account.
 *
 * Walks through what a person does: open the URL with the token, read the overview, filter the
 * findings, open one, see the diff and the trie picture, download the refined policy, copy the
 * AWS CLI commands, archive it and see the status change, preview and create an archive rule; and
 * checks that a hostile principal's payloads run nothing. Takes the README's screenshots
 * (docs/screenshots/overview.png and finding.png).
 *
 * Skipped, saying why, when /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import { ARTICLE_ROLE_ARN, SANDBOX, XSS, fillStore } from '../../test/browser/fixture.js';
import { startDashboard, type RunningDashboard } from './server.js';

const CHROMIUM = '/usr/bin/chromium';

/** A computed style property of the element (evaluated in the page). */
function css(locator: Locator, property: string): Promise<string> {
  return locator.evaluate(
    (element, name) =>
      (
        globalThis as unknown as {
          getComputedStyle(e: unknown): { getPropertyValue(n: string): string };
        }
      )
        .getComputedStyle(element)
        .getPropertyValue(name),
    property,
  );
}
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url);

if (!HAVE_CHROMIUM) {
  process.stderr.write(
    `dashboard browser tests skipped: ${CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)\n`,
  );
}

describe.skipIf(!HAVE_CHROMIUM)(
  `dashboard in Chromium${HAVE_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not found; apt-get install -y chromium)`}`,
  () => {
    let dir: string;
    let store: FindingsStore;
    let server: RunningDashboard;
    let context: BrowserContext;
    let page: Page;
    const dialogs: string[] = [];
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'iam-refine-browser-'));
      const catalog = await loadCatalog();
      let tick = Date.parse('2026-11-01T07:00:00Z');
      store = openStore(join(dir, 'findings.db'), { clock: () => new Date((tick += 1000)) });
      fillStore(store, catalog);
      // A fixed label and clock keep the screenshots identical from run to run.
      server = await startDashboard({
        store,
        catalog,
        port: 0,
        version: '0.1.0',
        dbLabel: 'iam-refine.db',
      });
      context = await chromium.launchPersistentContext(join(dir, 'profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1400, height: 900 },
        deviceScaleFactor: 1,
        acceptDownloads: true,
      });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: server.origin,
      });
      page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(15_000);
      page.on('dialog', (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('request', (request) => {
        const url = request.url();
        if (!url.startsWith(`${server.origin}/`) && !url.startsWith('data:')) {
          foreignRequests.push(url);
        }
      });
    });

    afterAll(async () => {
      await context?.close();
      await server?.close();
      store?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('signs in with the token, then drops it from the URL', async () => {
      await page.goto(server.url);
      expect(page.url()).toBe(`${server.origin}/`);
      const cookies = await context.cookies(server.origin);
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      // A separate random session id, not the token.
      expect(cookies[0]!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookies[0]!.value).not.toBe(server.token);
      // Without the cookie (a plain request), the server refuses; the token is void once used.
      expect((await fetch(`${server.origin}/`)).status).toBe(401);
      expect((await fetch(server.url, { redirect: 'manual' })).status).toBe(401);
    });

    it('shows the overview with counts, the services chart and the trend', async () => {
      await page.goto(`${server.origin}/`);
      expect(await page.locator('h1').textContent()).toBe('Unused access');
      expect(await page.locator('svg.chart.bars rect.bar').count()).toBeGreaterThan(3);
      expect(await page.locator('svg.chart.trend circle.dot').count()).toBe(9);
      const active = Number(
        (await page.locator('[data-count="ACTIVE"]').textContent())!.replace(/,/g, ''),
      );
      expect(active).toBeGreaterThan(40);
      await mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({
        path: new URL('overview.png', SCREENSHOTS).pathname,
        fullPage: true,
      });
    });

    it('filters the findings list and opens a finding', async () => {
      await page.click('nav a[href="/findings"]');
      await page.waitForURL(`${server.origin}/findings`);
      // The select submits the form by itself (app.js).
      await Promise.all([
        page.waitForURL(/type=UnusedPermission/),
        page.selectOption('#f-type', 'UnusedPermission'),
      ]);
      const rows = await page.locator('#findings tbody tr').count();
      expect(rows).toBeGreaterThan(10);
      for (const badge of await page.locator('#findings tbody .badge.type').allTextContents()) {
        expect(badge).toBe('Unused permissions');
      }
      await page.fill('#f-principal', 'app-backend');
      await Promise.all([
        page.waitForURL(/principal=app-backend/),
        page.press('#f-principal', 'Enter'),
      ]);
      expect(await page.locator('#findings tbody tr').count()).toBe(1);
      await Promise.all([
        page.waitForURL(/\/findings\/[0-9a-f-]+$/),
        page.click(`#findings tr[data-resource="${ARTICLE_ROLE_ARN}"] td.principal a`),
      ]);
      expect(await page.locator('#principal').textContent()).toBe(ARTICLE_ROLE_ARN);
    });

    it('shows the diff and the trie picture of the replaced wildcard', async () => {
      const rec = page.locator('#policy-0');
      expect(await rec.locator('h3').first().textContent()).toBe('app-data-access');
      const removed = await rec.locator('.diff .line.del').allTextContents();
      const added = await rec.locator('.diff .line.add').allTextContents();
      expect(removed.map((l) => l.trim())).toContain('"s3:Get*",');
      expect(removed.map((l) => l.trim())).toContain('"lambda:AddPermission",');
      expect(added.map((l) => l.trim())).toEqual(
        expect.arrayContaining(['"s3:GetAccess*",', '"s3:GetMulti*",', '"s3:GetObject*",']),
      );
      // The trie: green safe nodes, orange unsafe ones.
      const trie = rec.locator('svg.trie').first();
      expect(await trie.isVisible()).toBe(true);
      const safe = trie.locator('g.node.safe[data-prefix="s3:GetObject"] rect');
      const unsafe = trie.locator('g.node.unsafe[data-prefix="s3:GetBucket"] rect');
      expect(await css(safe, 'fill')).toBe('rgb(217, 242, 229)');
      expect(await css(safe, 'stroke')).toBe('rgb(29, 117, 80)');
      expect(await css(unsafe, 'fill')).toBe('rgb(253, 230, 207)');
      expect(await css(unsafe, 'stroke')).toBe('rgb(232, 134, 42)');
      expect(await trie.locator('text.emit').allTextContents()).toEqual(
        expect.arrayContaining(['→ s3:GetObject*', '→ s3:GetJobTagging']),
      );
      expect(await rec.locator('.badge.exact').textContent()).toBe('EXACT');
      // The page down to the end of the first trie picture.
      const box = await rec.locator('.trie-block').first().boundingBox();
      const scrollY = Number(await page.evaluate('window.scrollY'));
      const bottom = Math.ceil((box?.y ?? 0) + scrollY + (box?.height ?? 2400) + 24);
      await page.screenshot({
        path: new URL('finding.png', SCREENSHOTS).pathname,
        fullPage: true,
        clip: { x: 0, y: 0, width: 1400, height: Math.min(bottom, 4200) },
      });
    });

    it('downloads the refined policy and copies the AWS CLI commands', async () => {
      const rec = page.locator('#policy-0');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        rec.locator('a.download').click(),
      ]);
      expect(download.suggestedFilename()).toBe('app-data-access.refined.json');
      const policy = JSON.parse(await readFile((await download.path())!, 'utf8')) as {
        Statement: { Action: string[] }[];
      };
      expect(policy.Statement[1]!.Action).toContain('s3:GetObject*');
      expect(policy.Statement[1]!.Action).not.toContain('s3:Get*');

      await rec.locator('button[data-copy]').click();
      const status = rec.locator('.copy-status');
      await status.filter({ hasText: /./ }).waitFor();
      // Clipboard access is granted to this origin, so the copy itself works.
      expect(await status.textContent()).toBe('Copied');
      const copied = (await page.evaluate('navigator.clipboard.readText()')) as string;
      expect(copied).toBe(await rec.locator('pre.cli').textContent());
      expect(copied).toContain('aws iam create-policy');
      expect(copied).toContain('--policy-document file://app-data-access.refined.json');
    });

    it('names the services removed as a whole, styled like the removed actions', async () => {
      const rec = page.locator('article.recommendation', {
        has: page.locator('h3', { hasText: 'AmazonDynamoDBReadOnlyAccess' }),
      });
      const block = rec.locator('.removed-services');
      expect(await block.textContent()).toContain('1 service unused as a whole');
      const summary = block.locator('summary');
      expect(await css(summary, 'color')).toBe(
        await css(rec.locator('.levels summary').first(), 'color'),
      );
      expect(await block.locator('.chip').first().isVisible()).toBe(false);
      await summary.click();
      expect(await block.locator('.chip').allTextContents()).toEqual(['cloudwatch']);
      expect(await block.locator('.chip').first().isVisible()).toBe(true);
    });

    it('archives the finding and shows the new status', async () => {
      expect(await page.locator('#finding-status').textContent()).toBe('ACTIVE');
      await Promise.all([page.waitForURL(/done=archived/), page.click('#archive')]);
      expect(await page.locator('#finding-status').textContent()).toBe('ARCHIVED');
      expect(await page.locator('.notice.ok').textContent()).toBe('Finding archived.');
      expect(await page.locator('#history tbody tr').last().textContent()).toContain('dashboard');
      await page.goto(`${server.origin}/findings?status=ARCHIVED`);
      expect(
        await page
          .locator(`#findings tr[data-resource="${ARTICLE_ROLE_ARN}"] td.principal a`)
          .count(),
      ).toBe(1);
    });

    it('previews and creates an archive rule', async () => {
      await page.goto(`${server.origin}/rules`);
      await page.fill('#rule-name', 'sandbox-workers');
      const rows = page.locator('tr[data-criterion]');
      await rows.nth(0).locator('input[name="key"]').fill('resource');
      await rows.nth(0).locator('select[name="op"]').selectOption('contains');
      await rows.nth(0).locator('input[name="values"]').fill('queue-worker');
      await rows.nth(1).locator('input[name="key"]').fill('resourceOwnerAccount');
      await rows.nth(1).locator('input[name="values"]').fill(SANDBOX);
      await Promise.all([page.waitForURL(/preview=1/), page.click('button[name="preview"]')]);
      const preview = (await page.locator('#preview-count').textContent())!;
      const wouldArchive = Number(/would archive (\d+)/.exec(preview)?.[1]);
      expect(wouldArchive).toBeGreaterThan(5);
      expect(await page.locator('#preview tbody tr').count()).toBe(Math.min(20, wouldArchive));
      // The form kept what was typed; create and archive.
      expect(await page.inputValue('#rule-name')).toBe('sandbox-workers');
      const before = store.countByTypeAndStatus().filter((c) => c.status === 'ARCHIVED');
      await Promise.all([page.waitForURL(/done=applied/), page.click('#create-apply-rule')]);
      expect(await page.locator('.notice.ok').textContent()).toBe(
        `Rule sandbox-workers applied: ${wouldArchive} findings archived.`,
      );
      expect(await page.locator('tr[data-rule="sandbox-workers"]').count()).toBe(1);
      const after = store.countByTypeAndStatus().filter((c) => c.status === 'ARCHIVED');
      const sum = (xs: { count: number }[]) => xs.reduce((a, c) => a + c.count, 0);
      expect(sum(after) - sum(before)).toBe(wouldArchive);
    });

    it('renders a hostile principal as text and runs nothing', async () => {
      await page.goto(`${server.origin}/findings?principal=intruder`);
      expect(await page.locator('#findings tbody tr').count()).toBe(1);
      expect(await page.locator('#findings td.principal').textContent()).toContain(XSS.img);
      await page.locator('#findings td.principal a').click();
      await page.waitForURL(/\/findings\/[0-9a-f-]+$/);
      expect(await page.locator('#principal').textContent()).toContain(XSS.img);
      expect(await page.locator('#tags').textContent()).toContain(XSS.script);
      expect(await page.locator('.diff').first().textContent()).toContain(
        'arn:aws:s3:::bucket/<script>window.__xss = 1;',
      );
      // Nothing ran, nothing was injected.
      expect(await page.evaluate('window.__xss')).toBeUndefined();
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.locator('svg[onload]').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(1);
      expect(await page.locator('script[src="/static/app.js"]').count()).toBe(1);
      expect(dialogs).toEqual([]);
    });

    it('raised no dialog, script error, CSP violation or request elsewhere', () => {
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
      expect(consoleErrors).toEqual([]);
      expect(foreignRequests).toEqual([]);
    });
  },
);
