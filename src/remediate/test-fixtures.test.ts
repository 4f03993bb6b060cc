/**
 * The fixture materialization of test-fixtures.ts: the split fixtures hold the catalogue's 700
 * actions once (catalogue-actions.json) and a marker line where each writes them out. The
 * expanded fixtures must be, byte for byte, the files the remediation tests were written against
 * (their expectations name line numbers), so their hashes are pinned here; the expansion is
 * compared with a simple reference on random texts; bad markers are refused with file and line.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import {
  CATALOGUE_ACTIONS_FILE,
  CATALOGUE_MARKER,
  catalogueActions,
  expandCatalogueMarkers,
  fixtureText,
  FORMS_FIXTURES,
  materializeFixture,
} from './test-fixtures.js';
import { FIXTURES } from './test-helpers.js';

/** The root of the test fixtures: the paths below are relative to it. */
const ROOT = join(FIXTURES, '..');

/**
 * The SHA-256 of each fixture file with a marker, expanded: the hashes of the files as they were
 * written out in full before the list was kept once (`sha256sum` of the committed files at
 * 70d3674). A change of one byte of the expansion (indentation, quoting, comma, line ending,
 * order) fails here before it shifts a line number in the remediation tests.
 */
const GOLDEN = new Map([
  [
    'remediate-forms/terraform/main.tf',
    'a0dec48337f101288dcdc31a6e65feb6b5bc7d37f4175181138ff799cffdbdeb',
  ],
  [
    'remediate-forms/cloudformation/platform.yaml',
    'ce8590d8d4eee48829d31b9a3ba2b17eb559f6df1217861c7bd0324db38fbb62',
  ],
  [
    'remediate/terraform-split/main.tf',
    'd09df4669cf55bb0aa021fbfa78c8edbfcbf50bba57c6f101fd7f76a614c4c0c',
  ],
  [
    'remediate/terraform-split-files/main.tf',
    '95cc15ff1773cbe9abac633c1612ce50028f6c349be637cf2987d60ef65fb404',
  ],
  [
    'remediate/terraform-split-data/main.tf',
    'afc01cc338185f697d325fd68ecbeb937f333b427f56b88550f131f0585d2fe4',
  ],
  [
    'remediate/terraform-split-data-files/documents.tf',
    'efcb7bb970cc68a75b8b5ce0d74ba2562ca867c2c93d803b8e8f3be5e755cf8e',
  ],
]);

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Every file below `dir`, as paths relative to `dir`, sorted. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** The reference expansion: a regex per line, written apart from the helper's scan. */
function referenceExpand(text: string, ext: 'tf' | 'yaml', actions: readonly string[]): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const m = /^( *)# @catalogue-actions(?: [^\r]*)?(\r?)$/.exec(line);
      if (!m) return [line];
      const [, pad = '', eol = ''] = m;
      return actions.map((a) => (ext === 'tf' ? `${pad}"${a}",${eol}` : `${pad}- ${a}${eol}`));
    })
    .join('\n');
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'iam-refine-fixtures-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the split fixtures, materialized', () => {
  it('are byte for byte the files the remediation tests were written against', () => {
    const out = join(work, 'golden');
    materializeFixture(FIXTURES, join(out, 'remediate'));
    materializeFixture(FORMS_FIXTURES, join(out, 'remediate-forms'));
    for (const [file, hash] of GOLDEN) {
      expect(sha256(readFileSync(join(out, file))), file).toBe(hash);
      expect(sha256(fixtureText(join(ROOT, file))), file).toBe(hash);
    }
    // Every other file is copied as it is.
    for (const [name, dir] of [
      ['remediate', FIXTURES],
      ['remediate-forms', FORMS_FIXTURES],
    ] as const) {
      expect(filesBelow(dir).length, dir).toBeGreaterThanOrEqual(3);
      expect(filesBelow(join(out, name))).toEqual(filesBelow(dir));
      for (const f of filesBelow(dir)) {
        if (GOLDEN.has(`${name}/${f}`)) continue;
        expect(readFileSync(join(out, name, f)).equals(readFileSync(join(dir, f))), f).toBe(true);
      }
    }
  });

  it('keep the action list once: one marker in each of the six files, no list written out again', () => {
    const actions = new Set(catalogueActions());
    const marked: string[] = [];
    for (const dir of [FIXTURES, FORMS_FIXTURES]) {
      for (const f of filesBelow(dir)) {
        const path = join(dir, f);
        if (path === CATALOGUE_ACTIONS_FILE) continue;
        const text = readFileSync(path, 'utf8');
        const markers = /\.(tf|ya?ml)$/.test(f)
          ? text.split('\n').filter((l) => l.includes(CATALOGUE_MARKER)).length
          : 0;
        if (markers > 0) marked.push(relative(ROOT, path));
        expect(markers, path).toBeLessThanOrEqual(1);
        // A file that writes out more than a few of the catalogue's actions repeats the list.
        const named = new Set(text.match(/ec2:[A-Za-z0-9]+/g) ?? []);
        expect([...named].filter((a) => actions.has(a)).length, path).toBeLessThan(20);
      }
    }
    expect(marked.sort()).toEqual([...GOLDEN.keys()].sort());
  });

  it('write 700 distinct EC2 actions', () => {
    const actions = catalogueActions();
    expect(actions).toHaveLength(700);
    expect(new Set(actions).size).toBe(700);
    expect(actions.every((a) => a.startsWith('ec2:'))).toBe(true);
  });
});

describe('expandCatalogueMarkers', () => {
  const actions = ['ec2:RunInstances', 'ec2:StopInstances'];

  it('writes the actions at the marker indentation, in the language of the file', () => {
    const tf = 'Action = [\n    # @catalogue-actions (comment)\n  ]\n';
    expect(expandCatalogueMarkers(tf, 'main.tf', actions)).toBe(
      'Action = [\n    "ec2:RunInstances",\n    "ec2:StopInstances",\n  ]\n',
    );
    const yaml = 'Action:\r\n  # @catalogue-actions\r\nResource: "*"\r\n';
    expect(expandCatalogueMarkers(yaml, 't.yaml', actions)).toBe(
      'Action:\r\n  - ec2:RunInstances\r\n  - ec2:StopInstances\r\nResource: "*"\r\n',
    );
    expect(expandCatalogueMarkers(yaml, 'T.YML', actions)).toContain('  - ec2:StopInstances\r\n');
  });

  it('keeps a text without a marker as it is', () => {
    const text = 'a\r\nb\n\n# @other\n';
    expect(expandCatalogueMarkers(text, 'x.json', actions)).toBe(text);
  });

  it('refuses a line that names the marker but is not one, with the file and line', () => {
    for (const bad of [
      '#@catalogue-actions',
      '# @catalogue-actionsX',
      '# @catalogue-actions: list',
      '\t# @catalogue-actions',
      'x = 1 # @catalogue-actions',
      '  // @catalogue-actions',
    ]) {
      const run = () => expandCatalogueMarkers(`first\n${bad}\n`, 'dir/main.tf', actions);
      expect(run, bad).toThrow(ValidationError);
      expect(run, bad).toThrow(/^dir\/main\.tf:2:1: \$: expected a marker line/);
    }
  });

  it('keeps a file of another language as it is (a README may name the marker)', () => {
    for (const file of ['README.md', 'p.json', 'Makefile']) {
      const text = '[\n  # @catalogue-actions\n  #@catalogue-actions\n]';
      expect(expandCatalogueMarkers(text, file, actions)).toBe(text);
    }
  });

  it('equals the reference expansion on random texts (property)', () => {
    const action = fc
      .tuple(fc.constantFrom('ec2', 's3', 'kms'), fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,8}$/))
      .map(([s, n]) => `${s}:${n}`);
    const line = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', ' ', '#', '"', ',', '\r', '@', ':', '-') }),
      fc
        .tuple(fc.nat(12), fc.constantFrom('', ' (a comment)', ' '), fc.constantFrom('', '\r'))
        .map(([n, comment, eol]) => `${' '.repeat(n)}${CATALOGUE_MARKER}${comment}${eol}`),
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.array(action, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('tf', 'yaml') as fc.Arbitrary<'tf' | 'yaml'>,
        (lines, list, ext) => {
          const text = lines.join('\n');
          expect(expandCatalogueMarkers(text, `f.${ext}`, list)).toBe(
            referenceExpand(text, ext, list),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('materializeFixture', () => {
  it('copies a folder as cpSync does, expanding markers only, into a folder that may exist', () => {
    const src = join(work, 'src');
    mkdirSync(join(src, 'nested', 'deeper'), { recursive: true });
    const bytes = Buffer.from([0, 1, 2, 0xff, 0x0a, 0x0d]);
    writeFileSync(join(src, 'blob.bin'), bytes);
    writeFileSync(join(src, 'nested', 'a.tf'), 'x = [\n  # @catalogue-actions\n]\n');
    writeFileSync(join(src, 'nested', 'deeper', 'b.yaml'), 'plain: text\n');
    writeFileSync(join(src, 'README.md'), '    # @catalogue-actions\n');
    const dest = join(work, 'dest');
    mkdirSync(dest);
    writeFileSync(join(dest, 'kept.txt'), 'kept');
    materializeFixture(src, dest);
    expect(readFileSync(join(dest, 'blob.bin')).equals(bytes)).toBe(true);
    expect(readFileSync(join(dest, 'nested', 'deeper', 'b.yaml'), 'utf8')).toBe('plain: text\n');
    expect(readFileSync(join(dest, 'kept.txt'), 'utf8')).toBe('kept');
    expect(readFileSync(join(dest, 'README.md'), 'utf8')).toBe('    # @catalogue-actions\n');
    const a = readFileSync(join(dest, 'nested', 'a.tf'), 'utf8').split('\n');
    expect(a).toHaveLength(700 + 3);
    expect(a[1]).toBe(`  "${catalogueActions()[0]}",`);
    expect(a[700]).toBe(`  "${catalogueActions()[699]}",`);
  });

  it('refuses a link (nothing outside the fixture is read)', () => {
    const src = join(work, 'linked');
    mkdirSync(src);
    symlinkSync('/etc/hostname', join(src, 'link.tf'));
    expect(() => materializeFixture(src, join(work, 'linked-out'))).toThrow(
      /link\.tf: \$: expected a file or a folder/,
    );
  });
});
