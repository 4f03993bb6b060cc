/**
 * The overview's coverage notice: complete, or what the last scan skipped, did not evaluate and
 * shortened, escaped as text; and the finding page of a finding evaluated over a shortened period.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticFinding, syntheticScan } from '../../store/fixtures.js';
import { openStore } from '../../store/sqlite.js';
import { FindingPage } from './finding.js';
import type { ScanCoverage } from '../../findings/types.js';
import type { ScanRecord } from '../../store/types.js';
import { OverviewPage, type OverviewData } from './overview.js';

const frame = { dbPath: 'x.db', catalogVersion: 'test', version: '0' };

function page(coverage: ScanCoverage | undefined): string {
  const scan: ScanRecord = {
    id: 7,
    analyzedAt: '2026-09-01T00:00:00.000Z',
    recordedAt: '2026-09-01T00:00:00.000Z',
    trackingPeriodDays: 90,
    catalogVersion: 'test',
    accounts: ['111111111111'],
    stats: {
      findings: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      resolved: 0,
      reopened: 0,
      archivedByRules: 0,
      notEvaluated: 1,
      warnings: 0,
    },
    ...(coverage === undefined ? {} : { coverage }),
  };
  const data: OverviewData = {
    byTypeStatus: [],
    byAccount: [],
    topServices: [],
    trend: [],
    scans: [scan],
  };
  return String(OverviewPage({ data, frame }));
}

const INCOMPLETE: ScanCoverage = {
  complete: false,
  partialAllowed: true,
  notCovered: 2,
  shortened: 3,
  shortestSince: '2026-08-30T00:00:00.000Z',
  dataEventGaps: [{ service: 's3', accounts: ['111111111111'] }],
  skipped: { files: 1, records: 4, where: ['111111111111 us-east-1 2026-07-15', '<b>x</b>'] },
  sources: {},
};

describe('overview coverage', () => {
  it('says when the last scan is complete', () => {
    const html = page({
      ...INCOMPLETE,
      complete: true,
      notCovered: 0,
      shortened: 0,
      dataEventGaps: [],
    });
    expect(html).toContain('Coverage complete');
    expect(html).toMatch(/<td>complete<\/td>/);
  });

  it('lists what an incomplete scan skipped, did not evaluate and shortened', () => {
    const html = page(INCOMPLETE);
    expect(html).toContain('Coverage incomplete: findings of scan #7');
    expect(html).toContain(
      'Skipped 1 log file and 4 records, on 111111111111 us-east-1 2026-07-15; &lt;b&gt;x&lt;/b&gt;',
    );
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('2 principals were not evaluated');
    expect(html).toContain('3 principals were evaluated over a shortened period');
    expect(html).toContain('No data events of s3 in 111111111111');
    expect(html).toMatch(/<td>incomplete \(shortened\)<\/td>/);
  });

  it('says nothing about coverage for a scan recorded before it was tracked', () => {
    const html = page(undefined);
    expect(html).not.toContain('id="coverage"');
    expect(html).toMatch(/<td>—<\/td>/);
  });
});

describe('finding page coverage', () => {
  it('says since when a finding evaluated over a shortened period holds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-refine-overview-'));
    try {
      const store = openStore(join(dir, 'f.db'), { clock: () => new Date('2026-09-01T00:00:00Z') });
      const partial = {
        ...syntheticFinding({ account: '111111111111', name: 'app', type: 'UnusedIAMRole' }),
        evaluatedSince: '2026-08-30T00:00:00.000Z',
      };
      const full = syntheticFinding({
        account: '111111111111',
        name: 'web',
        type: 'UnusedIAMRole',
      });
      store.recordScan(syntheticScan([partial, full]), { accounts: ['111111111111'] });
      const page = (id: string) =>
        String(
          FindingPage({ data: { stored: store.getFinding(id)!, recommendations: [] }, frame }),
        );
      expect(page(partial.id)).toContain('id="evaluated-since"');
      expect(page(partial.id)).toContain('unused since');
      expect(page(full.id)).not.toContain('id="evaluated-since"');
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
