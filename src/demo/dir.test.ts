import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../cli/io.js';
import { commitStaged, createStaging, DEMO_MARKER, discardStaged, prepareDemoDir } from './dir.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'iam-refine-demo-dir-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const names = ['a.json', 'logs'];

describe('demo folder', () => {
  it('creates a missing folder with the marker, and reuses a marked one', async () => {
    const dir = join(tmp, 'new', 'nested');
    await prepareDemoDir(dir, { marker: 'm1\n', names });
    expect(await readFile(join(dir, DEMO_MARKER), 'utf8')).toBe('m1\n');
    await writeFile(join(dir, 'a.json'), 'old');
    await prepareDemoDir(dir, { marker: 'm2\n', names });
    expect(await readFile(join(dir, DEMO_MARKER), 'utf8')).toBe('m2\n');
  });

  it('refuses a foreign non-empty folder, and with force still never replaces a file of the demo', async () => {
    const dir = join(tmp, 'foreign');
    await mkdir(dir);
    await writeFile(join(dir, 'a.json'), 'mine');
    await expect(prepareDemoDir(dir, { marker: 'm', names })).rejects.toThrow(CliError);
    await expect(prepareDemoDir(dir, { marker: 'm', names, force: true })).rejects.toThrow(
      /already has a\.json, which the demo would replace/,
    );
    await rm(join(dir, 'a.json'));
    await writeFile(join(dir, 'other.txt'), 'mine');
    await prepareDemoDir(dir, { marker: 'm', names, force: true });
    expect(existsSync(join(dir, DEMO_MARKER))).toBe(true);
  });

  it('moves staged files into place, replacing the previous ones, and leaves nothing behind', async () => {
    const dir = join(tmp, 'commit');
    await prepareDemoDir(dir, { marker: 'm', names });
    await writeFile(join(dir, 'a.json'), 'old');
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'logs', 'old.gz'), 'old');
    const staging = await createStaging(dir);
    await writeFile(join(staging, 'a.json'), 'new');
    await mkdir(join(staging, 'logs'));
    await writeFile(join(staging, 'logs', 'new.gz'), 'new');
    await commitStaged(staging, dir, names);
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('new');
    expect(await readdir(join(dir, 'logs'))).toEqual(['new.gz']);
    expect((await readdir(dir)).sort()).toEqual([DEMO_MARKER, 'a.json', 'logs'].sort());

    const failed = await createStaging(dir);
    await discardStaged(failed);
    expect((await readdir(dir)).sort()).toEqual([DEMO_MARKER, 'a.json', 'logs'].sort());
  });
});
