/**
 * `lifecycle { ignore_changes }`: a policy whose resource ignores changes to `policy` (or to
 * `inline_policy` for a role's inline policies, or `all`) would not be deployed by `terraform
 * apply`, so it is reported and not patched; other entries change nothing.
 */
import { describe, expect, it } from 'vitest';
import { locateTerraform } from './terraform.js';

const policy = (lifecycle: string) => `resource "aws_iam_role_policy" "p" {
  name = "p"
  role = "r"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }]
  })
${lifecycle}}
`;
const role = (lifecycle: string) => `resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
  inline_policy {
    name   = "i"
    policy = jsonencode({ Version = "2012-10-17", Statement = [] })
  }
${lifecycle}}
`;

async function read(text: string) {
  const r = await locateTerraform([{ path: '/m/main.tf', text }]);
  return {
    sources: r.sources.map((s) => s.address),
    unsupported: r.unsupported.map((u) => `${u.line} ${u.what}: ${u.reason}`),
  };
}

describe('lifecycle ignore_changes', () => {
  it.each([
    ['  lifecycle {\n    ignore_changes = [policy]\n  }\n'],
    ['  lifecycle {\n    ignore_changes = [tags, policy]\n  }\n'],
    ['  lifecycle {\n    ignore_changes = ["policy"]\n  }\n'],
    ['  lifecycle {\n    ignore_changes = all\n  }\n'],
  ])('%j: not patched', async (lifecycle) => {
    const r = await read(policy(lifecycle));
    expect(r.sources).toEqual([]);
    expect(r.unsupported).toHaveLength(1);
    expect(r.unsupported[0]).toMatch(
      /^9 aws_iam_role_policy\.p: its lifecycle ignore_changes lists (policy|all): terraform apply would not deploy a patch; not patched/,
    );
  });

  it.each([
    [''],
    ['  lifecycle {\n    ignore_changes = [tags, name]\n  }\n'],
    ['  lifecycle {\n    create_before_destroy = true\n  }\n'],
    ['  lifecycle {\n    ignore_changes = [policy_arn]\n  }\n'],
  ])('%j: patched', async (lifecycle) => {
    expect((await read(policy(lifecycle))).sources).toEqual(['aws_iam_role_policy.p']);
  });

  it("a role's inline_policy: ignore_changes of inline_policy, not of policy", async () => {
    const ignored = await read(role('  lifecycle {\n    ignore_changes = [inline_policy]\n  }\n'));
    expect(ignored.sources).toEqual([]);
    expect(ignored.unsupported[0]).toContain('its lifecycle ignore_changes lists inline_policy');
    const other = await read(role('  lifecycle {\n    ignore_changes = [policy]\n  }\n'));
    expect(other.sources).toEqual(['aws_iam_role.r.inline_policy[0]']);
  });
});
