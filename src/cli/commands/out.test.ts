/**
 * `--out` and `--db` of the commands, end to end in-process: checked before the scan, inputs
 * refused, links and FIFOs, and the order of `scan --db X --out F` (output first, then the
 * record: never "exit 2 and recorded").
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, lstat, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../store/sqlite.js';
import { runCli, useTempDir } from '../../test-support/cli.js';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url).pathname;
const AUTH = join(FIXTURES, 'account/authorization-details.json');
const REPORT = join(FIXTURES, 'account/credential-report.csv');
const TRAIL = join(FIXTURES, 'cloudtrail');
const NOW = '2024-06-30T00:00:00Z';

const tmp = useTempDir('iam-refine-out-', 'each');

/**
 * The exit status of a successful scan of these fixtures: 4, incomplete (their logs do not cover
 * the tracking period of the fixture account), with every output written.
 */
const DONE = 4;

const scanArgs = (auth = AUTH) => [
  'scan',
  '--authorization-details',
  auth,
  '--credential-report',
  REPORT,
  '--cloudtrail',
  TRAIL,
  '--now',
  NOW,
  '--format',
  'json',
  '--quiet',
];

const scansIn = (db: string) => {
  const store = openStore(db, { clock: () => new Date(NOW) });
  try {
    return store.listScans().length;
  } finally {
    store.close();
  }
};

describe('scan --out and --db', () => {
  it('a missing --out folder fails before the scan (exit 2, one line) and records nothing', async () => {
    const db = join(tmp(), 'iam-refine.db');
    const out = join(tmp(), 'missing', 'f.json');
    const r = await runCli([...scanArgs(), '--db', db, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `iam-refine: cannot write --out ${out}: the folder ${join(tmp(), 'missing')} does not exist\n`,
    );
    expect(existsSync(db)).toBe(false);
  });

  it('refuses --out naming an input (also through a link) and the database, leaving them untouched', async () => {
    const auth = join(tmp(), 'auth.json');
    await copyFile(AUTH, auth);
    await symlink('auth.json', join(tmp(), 'alias.json'));
    const original = await readFile(auth, 'utf8');
    for (const out of [auth, join(tmp(), 'alias.json')]) {
      const r = await runCli([...scanArgs(auth), '--out', out]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `iam-refine: cannot write --out ${out}: it is the input file ${auth}${out === auth ? '' : ' (the same file)'}; choose another output file\n`,
      );
    }
    expect(await readFile(auth, 'utf8')).toBe(original);

    const db = join(tmp(), 'iam-refine.db');
    expect((await runCli([...scanArgs(), '--db', db])).code).toBe(DONE);
    const r = await runCli([...scanArgs(), '--db', db, '--out', db]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot write --out ${db}: it is the input file ${db}`);
    expect(scansIn(db)).toBe(1);
    // And --db naming an input.
    const same = await runCli([...scanArgs(auth), '--db', auth]);
    expect(same.code).toBe(2);
    expect(same.err).toContain(`cannot write --db ${auth}: it is the input file ${auth}`);
  });

  it('writes through a symbolic link and into a FIFO', async () => {
    const target = join(tmp(), 'findings.json');
    await writeFile(target, 'old');
    await symlink('findings.json', join(tmp(), 'latest.json'));
    const r = await runCli([...scanArgs(), '--out', join(tmp(), 'latest.json')]);
    expect(r.code).toBe(DONE);
    expect(JSON.parse(await readFile(target, 'utf8'))).toHaveProperty('findings');
    expect((await lstat(join(tmp(), 'latest.json'))).isSymbolicLink()).toBe(true);

    const fifo = join(tmp(), 'findings.fifo');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const read = new Promise<string>((resolve, reject) => {
      createReadStream(fifo)
        .on('data', (c) => chunks.push(c as Buffer))
        .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        .on('error', reject);
    });
    const piped = await runCli([...scanArgs(), '--out', fifo]);
    expect(piped.code).toBe(DONE);
    expect(JSON.parse(await read)).toEqual(JSON.parse(await readFile(target, 'utf8')));
    expect((await lstat(fifo)).isFIFO()).toBe(true);
    expect((await readdir(tmp())).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('records only after the output is written; a failed record says the output was written', async () => {
    const db = join(tmp(), 'iam-refine.db');
    const out = join(tmp(), 'f.json');
    expect((await runCli([...scanArgs(), '--db', db, '--out', out])).code).toBe(DONE);
    expect(scansIn(db)).toBe(1);

    // Not a database: the output is written first, then the record fails (exit 2, one line).
    const notDb = join(tmp(), 'not.db');
    await writeFile(notDb, 'this is not a database, but text of more than a header '.repeat(20));
    const out2 = join(tmp(), 'g.json');
    const r = await runCli([...scanArgs(), '--db', notDb, '--out', out2]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err.startsWith(`iam-refine: the scan was not recorded in ${notDb} (`)).toBe(true);
    expect(r.err.endsWith(`); its output was written to ${out2}\n`)).toBe(true);
    expect(JSON.parse(await readFile(out2, 'utf8'))).toHaveProperty('findings');
  });
});

describe('recommend, catalog export, activity-query --out', () => {
  it('refuses the policy file as --out before doing anything', async () => {
    const policy = join(tmp(), 'policy.json');
    const text = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }],
    });
    await writeFile(policy, text);
    await writeFile(join(tmp(), 'unused.json'), '["s3:GetObject"]');
    const r = await runCli([
      'recommend',
      '--policy',
      policy,
      '--unused',
      join(tmp(), 'unused.json'),
      '--out',
      policy,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `iam-refine: cannot write --out ${policy}: it is the input file ${policy}; choose another output file\n`,
    );
    expect(await readFile(policy, 'utf8')).toBe(text);
  });

  it('catalog export refuses its own --catalog file; activity-query writes through a link', async () => {
    const catalog = join(tmp(), 'catalog.json');
    await writeFile(catalog, '{"s3": ["GetObject", "PutObject"]}');
    const r = await runCli(['catalog', 'export', '--catalog', catalog, '--out', catalog]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot write --out ${catalog}: it is the input file ${catalog}`);

    await symlink('query.sql', join(tmp(), 'link.sql'));
    const q = await runCli([
      'activity-query',
      '--engine',
      'athena',
      '--out',
      join(tmp(), 'link.sql'),
    ]);
    expect(q.code).toBe(0);
    expect(await readFile(join(tmp(), 'query.sql'), 'utf8')).toContain('SELECT');
    expect((await lstat(join(tmp(), 'link.sql'))).isSymbolicLink()).toBe(true);
  });
});

describe('demo --db', () => {
  it('a --db in a missing folder fails before the generation, creating nothing', async () => {
    const db = join(tmp(), 'missing', 'x.db');
    const r = await runCli(['demo', '--dir', join(tmp(), 'demo'), '--db', db, '--events', '1000']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `iam-refine: cannot write --db ${db}: the folder ${join(tmp(), 'missing')} does not exist\n`,
    );
    expect(existsSync(join(tmp(), 'demo'))).toBe(false);
  });
});
