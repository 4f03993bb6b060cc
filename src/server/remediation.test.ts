import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { FIXTURES, fixtureFindings, sharingOf } from '../remediate/test-helpers.js';
import { materializeFixture } from '../remediate/test-fixtures.js';
import { syntheticScan } from '../store/fixtures.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import { createApp } from './app.js';
import { cookieName } from './security.js';

const PORT = 4568;
const TOKEN = 'test-token-remediation-0123';
let store: FindingsStore;
let withIac: Hono;
let without: Hono;
let work: string;

beforeAll(async () => {
  const catalog = await loadCatalog();
  work = mkdtempSync(join(tmpdir(), 'iam-refine-dashboard-iac-'));
  materializeFixture(FIXTURES, work);
  store = openStore(':memory:', { clock: () => new Date('2026-11-01T07:00:00Z') });
  const findings = fixtureFindings(catalog);
  store.recordScan(syntheticScan(findings), { accounts: ['123456789012'] });
  const base = {
    store,
    catalog,
    security: { token: TOKEN, port: PORT },
    version: '0.0.0-test',
    policyAttachments: () => sharingOf(findings).attachments,
  };
  withIac = createApp({
    ...base,
    iacDirs: [join(work, 'terraform'), join(work, 'cloudformation')],
  });
  without = createApp(base);
});

afterAll(() => {
  store.close();
  rmSync(work, { recursive: true, force: true });
});

const cookies = new Map<Hono, string>();

/** A request of the signed-in browser (signs in once per app, as the printed URL does). */
async function get(app: Hono, path: string) {
  let cookie = cookies.get(app);
  if (cookie === undefined) {
    const res = await app.request(`http://127.0.0.1:${PORT}/?token=${TOKEN}`, {
      headers: { host: `127.0.0.1:${PORT}` },
    });
    expect(res.status).toBe(303);
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(cookie.startsWith(`${cookieName(PORT)}=`)).toBe(true);
    cookies.set(app, cookie);
  }
  return app.request(`http://127.0.0.1:${PORT}${path}`, {
    headers: { host: `127.0.0.1:${PORT}`, cookie },
  });
}

describe('the finding page with serve --iac', () => {
  it('offers the IaC patch, which is the proved patch of the finding policies', async () => {
    const page = await (await get(withIac, '/findings/audit')).text();
    expect(page).toContain('href="/findings/audit/remediation.patch"');
    const res = await get(withIac, '/findings/audit/remediation.patch');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/x-diff; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      'attachment; filename="iam-refine-audit.patch"',
    );
    const expected = readFileSync(join(FIXTURES, 'expected.patch'), 'utf8');
    const audit = expected.slice(0, expected.indexOf('diff --git a/service.yaml'));
    expect(await res.text()).toBe(audit);
  });

  it('says why when nothing can be patched, and offers nothing without --iac', async () => {
    const none = await get(withIac, '/findings/nope/remediation.patch');
    expect(none.status).toBe(404);
    const page = await (await get(without, '/findings/audit')).text();
    expect(page).not.toContain('remediation.patch');
    expect((await get(without, '/findings/audit/remediation.patch')).status).toBe(404);
  });
});
