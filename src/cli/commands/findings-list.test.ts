import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { syntheticFinding, syntheticScan } from '../../store/fixtures.js';
import { openStore } from '../../store/sqlite.js';
import { runCli, useTempDir } from '../../test-support/cli.js';
import { formatFindingsTable } from './findings.js';

const A = '111122223333';
// iam unused as a whole, no policies known: its high-risk actions count (high).
const high = syntheticFinding({ account: A, name: 'deployer', services: { iam: [] } });
// Only a list action unused (low); a write action unused (medium, from the catalog).
const low = syntheticFinding({ account: A, name: 'reader', services: { s3: ['ListBucket'] } });
const medium = syntheticFinding({ account: A, name: 'writer', services: { s3: ['PutObject'] } });
const key = syntheticFinding({
  account: A,
  name: 'bob',
  type: 'UnusedIAMUserAccessKey',
  accessKeyId: 'AKIAEXAMPLE',
});

const dir = useTempDir('iam-refine-findings-list-', 'each');
let db: string;
beforeEach(() => {
  db = join(dir(), 'f.db');
  const store = openStore(db, { clock: () => new Date('2024-06-01T12:00:00.000Z') });
  store.recordScan(syntheticScan([high, low, medium, key]), { accounts: [A] });
  store.close();
});

const list = async (...args: string[]) =>
  runCli(['findings', 'list', '--db', db, ...args], { env: {} });
const json = async (...args: string[]) =>
  JSON.parse((await list('--format', 'json', ...args)).out) as {
    items: { id: string; risk: string }[];
    total: number;
  };

describe('findings list: risk', () => {
  it('each item has its risk level; --risk keeps that level or higher', async () => {
    const all = await json();
    const byId = new Map(all.items.map((i) => [i.id, i.risk]));
    expect(byId.get(high.id)).toBe('high');
    expect(byId.get(low.id)).toBe('low');
    expect(byId.get(medium.id)).toBe('medium');
    expect(byId.get(key.id)).toBe('medium');
    const atLeastMedium = await json('--risk', 'medium');
    expect(atLeastMedium.items.map((i) => i.id).sort()).toEqual(
      [high.id, medium.id, key.id].sort(),
    );
    expect(atLeastMedium.total).toBe(3);
    expect((await json('--risk', 'high')).items.map((i) => i.id)).toEqual([high.id]);
  });

  it('--sort risk: high first (low first with --asc), paged with --offset', async () => {
    const desc = await json('--sort', 'risk');
    expect(desc.items.map((i) => i.risk)).toEqual(['high', 'medium', 'medium', 'low']);
    const asc = await json('--sort', 'risk', '--asc');
    expect(asc.items.map((i) => i.risk)).toEqual(['low', 'medium', 'medium', 'high']);
    const page2 = await json('--sort', 'risk', '--limit', '2', '--offset', '2');
    expect(page2.items).toEqual(desc.items.slice(2));
    const bad = await list('--risk', 'severe');
    expect(bad.code).toBe(2);
  });
});

describe('findings list --format aa-json', () => {
  it("is ListFindingsV2's response: {findings: FindingSummaryV2[], nextToken}", async () => {
    const r = await list('--format', 'aa-json', '--limit', '3');
    const out = JSON.parse(r.out) as { findings: Record<string, string>[]; nextToken?: string };
    expect(Object.keys(out)).toEqual(['findings', 'nextToken']);
    expect(out.findings).toHaveLength(3);
    expect(Object.keys(out.findings[0]!).sort()).toEqual(
      [
        'analyzedAt',
        'createdAt',
        'findingType',
        'id',
        'resource',
        'resourceOwnerAccount',
        'resourceType',
        'status',
        'updatedAt',
      ].sort(),
    );
    const next = JSON.parse(
      (await list('--format', 'aa-json', '--cursor', out.nextToken!)).out,
    ) as {
      findings: { id: string }[];
      nextToken?: string;
    };
    expect(next.findings).toHaveLength(1);
    expect(next.nextToken).toBeUndefined();
    const ids = [...out.findings, ...next.findings].map((f) => f.id).sort();
    expect(ids).toEqual([high.id, low.id, medium.id, key.id].sort());
  });
});

describe('short ids', () => {
  it('the table shows unique 8+ character prefixes, and show/archive take them', async () => {
    const r = await list('--sort', 'resource', '--asc');
    const shown = r.out
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0]!);
    expect(shown.every((s) => s.length >= 8 && s.length < 36)).toBe(true);
    expect(new Set(shown).size).toBe(4);
    const prefix = high.id.slice(0, 8);
    const show = await runCli(['findings', 'show', prefix, '--db', db]);
    expect(show.code).toBe(0);
    expect(show.out).toContain(`Finding ${high.id}`);
    const archive = await runCli(['findings', 'archive', prefix, '--db', db, '--by', 'me']);
    expect(archive.out).toBe(`archived ${high.id}\n`);
  });

  it('an ambiguous prefix is an error naming the candidates; an unknown one is unknown', async () => {
    const ids = [high.id, low.id, medium.id, key.id].sort();
    // The shortest prefix shared by at least two ids (at worst the empty string is not allowed).
    let shared = '';
    for (let i = 1; i < ids.length; i++) {
      let n = 0;
      while (ids[i - 1]![n] === ids[i]![n]) n++;
      if (n > 0) shared = ids[i]!.slice(0, n);
    }
    if (shared !== '') {
      const r = await runCli(['findings', 'show', shared, '--db', db]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/matches \d+ findings .*: type more of the id/);
    }
    const none = await runCli(['findings', 'show', 'ffffffffffff', '--db', db]);
    expect(none.code).toBe(2);
    expect(none.err).toBe('iam-refine: unknown finding id: ffffffffffff\n');
  });
});

describe('the table fits the width', () => {
  it('shortens the principal column from the left, within COLUMNS', async () => {
    const long = syntheticFinding({
      account: A,
      name: `team/${'very-long-path/'.repeat(6)}worker`,
      services: { s3: ['ListBucket'] },
    });
    const table = formatFindingsTable([{ ...long, ...summaryOf(long), risk: 'low' }], {
      idLength: 8,
      width: 120,
    });
    for (const line of table.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(120);
    expect(table).toContain('…');
    expect(table).toContain('worker');
    const wide = formatFindingsTable([{ ...long, ...summaryOf(long), risk: 'low' }], {
      idLength: 8,
    });
    expect(wide).not.toContain('…');
    const r = await runCli(['findings', 'list', '--db', db], { env: { COLUMNS: '110' } });
    for (const line of r.out.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(110);
  });
});

function summaryOf(_f: ReturnType<typeof syntheticFinding>) {
  return {
    unusedServiceCount: 1,
    status: 'ACTIVE' as const,
    firstScanId: 1,
    lastSeenScanId: 1,
    services: ['s3'],
    unusedActionCount: 1,
  };
}

describe('findings show: remediation', () => {
  it('an unused key has its remediation steps', async () => {
    const r = await runCli(['findings', 'show', key.id.slice(0, 8), '--db', db]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      '       $ aws iam update-access-key --user-name bob --access-key-id AKIAEXAMPLE --status Inactive',
    );
    expect(r.out).toContain('       undo: $ aws iam update-access-key');
  });
});
