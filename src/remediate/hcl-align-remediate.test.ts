/**
 * `remediate` writes Terraform patches that `terraform fmt` accepts: the NotAction form of a
 * `*` policy renames `actions` / `Action` inside an aligned chain of attributes and writes the list
 * one entry per line; the patched file (and the diff, applied with `git apply`) is re-aligned the
 * way `terraform fmt` aligns it, and the document read back from it is proved.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { remediate } from './remediate.js';
import { sharingOf, testFinding } from './test-helpers.js';

const ARN = 'arn:aws:iam::123456789012';
const TERRAFORM = '/usr/local/bin/terraform';

let catalog: ActionCatalog;
beforeAll(async () => {
  catalog = await loadCatalog();
});

/** The break-glass finding: `*`, and one action in a hundred unused (the NotAction form). */
function breakglass() {
  const spread = catalog.actions
    .filter((_, i) => i % 100 === 7)
    .map((a) => `${a.service}:${a.name}`);
  return testFinding(
    'breakglass',
    `${ARN}:role/breakglass`,
    spread,
    [
      {
        name: 'breakglass',
        id: `${ARN}:policy/breakglass`,
        type: 'CUSTOMER_MANAGED' as const,
        document: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }],
        },
      },
    ],
    catalog,
    { forms: true },
  );
}

const sources: [string, string, string, string][] = [
  [
    'a policy document data source',
    `resource "aws_iam_policy" "b" {
  name   = "breakglass"
  policy = data.aws_iam_policy_document.b.json
}

data "aws_iam_policy_document" "b" {
  statement {
    sid       = "Everything"
    effect    = "Allow"
    actions   = ["*"] # all of it
    resources = ["*"] # everywhere
  }
}
`,
    `  statement {
    sid    = "Everything"
    effect = "Allow"
    not_actions = [`,
    `    ]                 # all of it
    resources = ["*"] # everywhere
  }
}
`,
  ],
  [
    'jsonencode',
    `resource "aws_iam_policy" "b" {
  name = "breakglass"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "Everything"
      Effect   = "Allow"
      Action   = "*"
      Resource = "*"
    }]
  })
}
`,
    `    Statement = [{
      Sid    = "Everything"
      Effect = "Allow"
      NotAction = [`,
    `      ]
      Resource = "*"
    }]
  })
}
`,
  ],
];

describe('remediate writes Terraform patches terraform fmt accepts', () => {
  it.each(sources)('%s', async (_name, text, head, tail) => {
    const dir = mkdtempSync(join(tmpdir(), 'iam-refine-hclfmt-'));
    try {
      writeFileSync(join(dir, 'main.tf'), text);
      const finding = breakglass();
      const r = await remediate({
        dirs: [dir],
        findings: [finding],
        sharing: sharingOf([finding]),
        catalog,
      });
      expect(r.notPatched).toEqual([]);
      expect(r.patches.map((p) => p.form)).toEqual(['notaction']);
      expect(r.patches[0]!.proof.exact).toBe(true);
      const after = r.files[0]!.after;
      expect(after).toContain(head);
      expect(after.endsWith(tail)).toBe(true);
      // One patch of one file: its own diff is the combined one (both re-aligned).
      expect(r.patches[0]!.diff).toBe(r.diff);
      // The diff, applied with git apply, gives the file that was proved.
      execFileSync('git', ['init', '-q', dir]);
      writeFileSync(join(dir, 'fmt.patch'), r.diff);
      execFileSync('git', ['-C', dir, 'apply', 'fmt.patch']);
      expect(readFileSync(join(dir, 'main.tf'), 'utf8')).toBe(after);
      if (existsSync(TERRAFORM)) {
        const rc = join(dir, 'terraformrc');
        writeFileSync(rc, '');
        const env = { ...process.env, TF_CLI_CONFIG_FILE: rc };
        // The fixture is fmt-clean, and so is the patched file.
        expect(execFileSync(TERRAFORM, ['fmt', '-'], { input: text, encoding: 'utf8', env })).toBe(
          text,
        );
        execFileSync(TERRAFORM, ['fmt', '-check', join(dir, 'main.tf')], { env });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
