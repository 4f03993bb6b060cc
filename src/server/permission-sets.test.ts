/**
 * The dashboard's IAM Identity Center pages without a browser (the browser test covers the same
 * in Chromium when it is installed): the permission-sets page over a real scan recorded with
 * `--permission-sets`, selected by ARN or name, and the finding page of an `AWSReservedSSO_` role
 * (no IAM command, the reason and a link to the permission set).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/load.js';
import { openStore } from '../store/sqlite.js';
import type { FindingsStore } from '../store/types.js';
import { A, D, PS_ARN, roleArn, scanInto } from '../../test/browser/identity-center.js';
import { createApp } from './app.js';

const PORT = 4568;
const TOKEN = 'test-token-ps-0123456789';
const ORIGIN = `http://127.0.0.1:${PORT}`;
let dir: string;
let store: FindingsStore;
let app: Hono;
let cookie: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iam-refine-ps-app-'));
  const db = join(dir, 'findings.db');
  await scanInto(dir, db);
  store = openStore(db, { clock: () => new Date('2026-09-01T00:00:00Z') });
  app = createApp({
    store,
    catalog: await loadCatalog(),
    security: { token: TOKEN, port: PORT },
    version: '0.0.0-test',
  });
  const res = await app.request(`${ORIGIN}/?token=${TOKEN}`, {
    headers: { host: `127.0.0.1:${PORT}` },
  });
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
});

afterAll(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; html: string }> {
  const res = await app.request(`${ORIGIN}${path}`, {
    headers: { host: `127.0.0.1:${PORT}`, cookie },
  });
  return { status: res.status, html: await res.text() };
}

describe('permission sets in the dashboard', () => {
  it('lists the permission sets and shows one by ARN or by name', async () => {
    const list = await get('/permission-sets');
    expect(list.status).toBe(200);
    expect(list.html).toContain('id="permission-sets"');
    expect(list.html).toContain(`href="/permission-sets?arn=${encodeURIComponent(PS_ARN)}"`);
    for (const path of [
      `/permission-sets?arn=${encodeURIComponent(PS_ARN)}`,
      '/permission-sets?name=Dev',
    ]) {
      const one = await get(path);
      expect(one.status).toBe(200);
      expect(one.html).toContain('<h2>Dev</h2>');
      expect(one.html).toContain('ACCOUNT_NOT_SCANNED');
      expect(one.html).toContain(`<tr class="unobserved"><td>${D}</td>`);
      expect(one.html).toContain('iam-refine apply --permission-set Dev');
      expect(one.html).toContain('class="badge exact"');
    }
    expect((await get('/permission-sets?name=Nope')).html).toContain(
      'No permission set has this ARN.',
    );
  });

  it("an AWSReservedSSO_ role's finding page offers no IAM command and links to its permission set", async () => {
    const page = store.listFindings({ filter: { principal: roleArn(A) } });
    const f = page.items.find((x) => x.findingType === 'UnusedPermission')!;
    const { status, html } = await get(`/findings/${f.id}`);
    expect(status).toBe(200);
    expect(html).toContain('id="identity-center-role"');
    expect(html).toContain('href="/permission-sets?name=Dev"');
    expect(html).not.toContain('class="cli"');
    expect(html).not.toMatch(/aws iam (put|attach|detach|create|delete)-/);
  });
});
