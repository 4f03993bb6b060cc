import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PolicyAttachments } from './policy-attachments.js';
import { latestPolicyAttachments, recordPolicyAttachments } from './policy-attachments-store.js';

const dir = mkdtempSync(join(tmpdir(), 'iam-refine-attachments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const P1 = 'arn:aws:iam::123456789012:policy/one';
const P2 = 'arn:aws:iam::123456789012:policy/two';
const at = (arn: string, roles: string[]): PolicyAttachments => ({
  policyArn: arn,
  attachmentCount: roles.length,
  roles,
  users: [],
  groups: [],
});

describe('policy attachments in the findings database', () => {
  it('gives the latest scan’s attachments of every policy', () => {
    const file = join(dir, 'f.db');
    expect(latestPolicyAttachments(file)).toEqual(new Map());
    recordPolicyAttachments(file, 1, [at(P1, ['a']), at(P2, ['x'])]);
    recordPolicyAttachments(file, 2, [at(P1, ['a', 'b'])]);
    expect(latestPolicyAttachments(file)).toEqual(
      new Map([
        [P1, at(P1, ['a', 'b'])],
        [P2, at(P2, ['x'])],
      ]),
    );
    expect(latestPolicyAttachments(file, [P2, 'arn:aws:iam::123456789012:policy/none'])).toEqual(
      new Map([[P2, at(P2, ['x'])]]),
    );
    expect(latestPolicyAttachments(file, [])).toEqual(new Map());
  });
});
