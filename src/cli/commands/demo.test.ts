import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_MARKER } from '../../demo/dir.js';
import { runCli, useTempDir } from '../../test-support/cli.js';

/** Runs `iam-refine demo <args>` in-process as users run it: exit status, captured output. */
const demo = (args: readonly string[]) => runCli(['demo', ...args]);

const tmp = useTempDir('iam-refine-demo-cmd-');

describe('iam-refine demo', () => {
  it('generates, scans, checks the ground truth, records and prints the next commands', async () => {
    const dir = join(tmp(), 'demo');
    const r = await demo(['--dir', dir, '--events', '2000', '--seed', '3']);
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('warning');
    expect(r.err).toMatch(
      /generated 27 roles, 14 users, 8 groups, \d+ managed policies and 2,\d{3} CloudTrail events/,
    );
    expect(r.err).toMatch(/scanned in \d+\.\d s/);
    expect(r.err).toMatch(/recorded scan 1 in .*iam-refine\.db: \d+ findings \(\d+ new/);
    expect(r.out).toContain('iam-refine unused access findings');
    expect(r.out).toContain('Analyzed at 2026-09-01T00:00:00Z');
    expect(r.out).toContain(
      'Ground truth: the findings match what the generator put in the account',
    );
    // Every recommended policy fits where it will be applied, and the table says in which form.
    expect(r.out).toMatch(/^Policy sizes: \d+ recommended policies, 0 over quota \(article \d+/m);
    expect(r.out).toMatch(/^ +form: article, [\d,]+ of 6,144 characters \(managed policy\)$/m);
    expect(r.out).not.toContain('OVER QUOTA');
    expect(r.out).toContain(`iam-refine serve --db ${join(dir, 'iam-refine.db')}`);
    expect(r.out).toContain('--data-events lambda,s3 --now 2026-09-01T00:00:00Z --format json');
    for (const f of [
      'authorization-details.json',
      'credential-report.csv',
      'AWSLogs',
      'expected-findings.json',
      'README.md',
      'iam-refine.db',
      'iac/terraform/orders.tf',
      'iac/cloudformation/staging-deploy.yaml',
      'organization/permission-sets.json',
      DEMO_MARKER,
    ]) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
    // Only the generated files and the database: no staging leftovers.
    expect(await readdir(dir)).toHaveLength(9);
    expect(r.out).toContain(`iam-refine remediate --iac ${join(dir, 'iac/terraform')}`);
    // The organisation's permission sets, with no IAM write for their roles.
    expect(r.out).toContain('Permission sets (IAM Identity Center): 3');
    expect(r.out).toMatch(
      /AdministratorAccess {2}arn:aws:sso:::permissionSet\/.*\n {2}Recommendation: UPDATE_PERMISSION_SET/,
    );
    expect(r.out).toContain('456789012345: ACCOUNT_NOT_SCANNED');
    expect(r.out).not.toMatch(/aws iam (attach|detach|put)-role-policy/);

    // Running again reuses the folder (it has the marker) and records a second scan.
    const again = await demo(['--dir', dir, '--events', '2000', '--seed', '3']);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(
      /recorded scan 2 in .*: \d+ findings \(0 new, 0 updated, \d+ unchanged, 0 resolved/,
    );
  });

  it('with --quiet prints only the report', async () => {
    const r = await demo(['--dir', join(tmp(), 'quiet'), '--events', '1000', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('Ground truth: the findings match');
  });

  it('refuses a non-empty folder that is not a demo folder, unless --force', async () => {
    const dir = join(tmp(), 'mine');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    const r = await demo(['--dir', dir, '--events', '1000', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n').filter((l) => l !== '')).toEqual([
      `iam-refine: ${dir} is not empty and was not made by iam-refine demo (no ${DEMO_MARKER} file); choose another --dir or add --force to write into it`,
    ]);
    expect(existsSync(join(dir, 'AWSLogs'))).toBe(false);

    const forced = await demo(['--dir', dir, '--events', '1000', '--quiet', '--force']);
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(existsSync(join(dir, DEMO_MARKER))).toBe(true);
  });

  it('rejects bad options in one line, exit 2', async () => {
    const file = join(tmp(), 'a-file');
    await writeFile(file, '');
    const asFile = await demo(['--dir', file, '--quiet']);
    expect(asFile.code).toBe(2);
    expect(asFile.err).toBe(
      `iam-refine: ${file} exists and is not a folder; choose another --dir\n`,
    );
    for (const args of [
      ['--events', '10'],
      ['--events', 'many'],
      ['--seed', '-1'],
    ]) {
      const r = await demo(['--dir', join(tmp(), 'unused'), ...args]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.split('\n').filter((l) => l !== '')).toHaveLength(1);
    }
    expect(existsSync(join(tmp(), 'unused'))).toBe(false);
  });
});
