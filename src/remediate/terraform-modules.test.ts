/**
 * Module instances: a policy written in a module that the walked sources instantiate more than once
 * (or with count/for_each) is not patched, since a patch changes every instance; once, or not at all
 * (a root module), it is. `moduleInstances` is checked against a brute-force count of instance paths.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { remediate } from './remediate.js';
import type { ModuleCall } from './terraform.js';
import { moduleInstances } from './terraform-modules.js';
import { testFinding } from './test-helpers.js';

const ARN = 'arn:aws:iam::123456789012';
const DOC = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }],
};
const MODULE = `variable "role" {}

resource "aws_iam_role_policy" "s3" {
  name = "s3"
  role = var.role
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }]
  })
}
`;
const call = (name: string, extra = '') =>
  `module "${name}" {\n  source = "./modules/s3"\n  role   = "${name}"\n${extra}}\n`;

let catalog: ActionCatalog;
let work: string;
beforeAll(async () => {
  catalog = await loadCatalog();
  work = mkdtempSync(join(tmpdir(), 'iam-refine-tf-modules-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(root: string) {
  const dir = mkdtempSync(join(work, 'case-'));
  mkdirSync(join(dir, 'modules/s3'), { recursive: true });
  writeFileSync(join(dir, 'modules/s3/main.tf'), MODULE);
  writeFileSync(join(dir, 'main.tf'), root);
  const findings = [
    testFinding(
      'f-a',
      `${ARN}:role/a`,
      ['s3:PutObject'],
      [{ name: 's3', type: 'INLINE', document: DOC }],
      catalog,
    ),
  ];
  const r = await remediate({ dirs: [dir], findings, catalog });
  const clean = (s: string) => s.split(`${dir}/`).join('');
  return {
    patches: r.patches.map((p) => p.source.file),
    unsupported: r.unsupported.map(
      (u) => `${clean(u.file)}:${u.line} ${u.what}: ${clean(u.reason)}`,
    ),
  };
}

describe('a policy in a local module', () => {
  it('called once is patched', async () => {
    expect((await run(call('a'))).patches).toEqual(['modules/s3/main.tf']);
  });

  it('called twice is not, and the line names both calls', async () => {
    const r = await run(call('a') + '\n' + call('b'));
    expect(r.patches).toEqual([]);
    expect(r.unsupported).toEqual([
      'modules/s3/main.tf:3 aws_iam_role_policy.s3: its module modules/s3 is instantiated 2 times (module.a at main.tf:1, module.b at main.tf:6): a patch of this file changes every instance; not patched',
    ]);
  });

  it('called with for_each is not', async () => {
    const r = await run(call('a', '  for_each = toset(["x", "y"])\n'));
    expect(r.patches).toEqual([]);
    expect(r.unsupported[0]).toContain('is instantiated any number of times (count or for_each)');
  });
});

describe('moduleInstances', () => {
  it('counts the instance paths of a random call graph without cycles', () => {
    // Modules 0..n-1; a call from module i may only target j > i (acyclic); module 0 is the root.
    const graph = fc.integer({ min: 2, max: 6 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        calls: fc.array(
          fc
            .tuple(
              fc.integer({ min: 0, max: n - 2 }),
              fc.integer({ min: 1, max: n - 1 }),
              fc.boolean(),
            )
            .filter(([from, to]) => to > from),
          { maxLength: 10 },
        ),
        iteratedChance: fc.integer({ min: 0, max: 4 }),
      }),
    );
    fc.assert(
      fc.property(graph, ({ n, calls, iteratedChance }) => {
        const list: ModuleCall[] = calls.map(([from, to, it], k) => ({
          dir: `/m${to}`,
          file: `/m${from}/main.tf`,
          line: k + 1,
          address: `module.c${k}`,
          iterated: it && k % 5 < iteratedChance,
        }));
        // Brute force: every path from a module nobody calls down to `target`.
        const paths = (target: number): { n: number; iterated: boolean } => {
          const into = list.filter((c) => c.dir === `/m${target}`);
          if (into.length === 0) return { n: 1, iterated: false };
          let total = 0;
          let iterated = false;
          for (const c of into) {
            const from = Number(c.file.slice(2, c.file.indexOf('/', 1)));
            const p = paths(from);
            total += p.n;
            iterated ||= p.iterated || c.iterated;
          }
          return { n: total, iterated };
        };
        for (let m = 0; m < n; m++) {
          const expected = paths(m);
          expect(moduleInstances(`/m${m}`, list).count).toEqual(
            expected.iterated ? 'many' : expected.n,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a cycle counts as many', () => {
    const c = (from: number, to: number): ModuleCall => ({
      dir: `/m${to}`,
      file: `/m${from}/main.tf`,
      line: 1,
      address: `module.m${to}`,
      iterated: false,
    });
    expect(moduleInstances('/m1', [c(1, 2), c(2, 1)]).count).toBe('many');
  });
});
