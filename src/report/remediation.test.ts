import { describe, expect, it } from 'vitest';
import { syntheticFinding } from '../store/fixtures.js';
import {
  QUARANTINE_DOCUMENT,
  QUARANTINE_POLICY_NAME,
  formatRemediation,
  remediationSteps,
} from './remediation.js';

const A = '111122223333';

describe('remediationSteps', () => {
  it('access key: deactivate (undo: activate), wait, delete (cannot be undone)', () => {
    const f = syntheticFinding({
      account: A,
      name: 'bob',
      type: 'UnusedIAMUserAccessKey',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    });
    const steps = remediationSteps(f);
    expect(steps.map((s) => s.commands)).toEqual([
      [
        'aws iam update-access-key --user-name bob --access-key-id AKIAIOSFODNN7EXAMPLE --status Inactive',
      ],
      [],
      ['aws iam delete-access-key --user-name bob --access-key-id AKIAIOSFODNN7EXAMPLE'],
    ]);
    expect(steps[0]!.undo).toEqual([
      'aws iam update-access-key --user-name bob --access-key-id AKIAIOSFODNN7EXAMPLE --status Active',
    ]);
    expect(steps[2]!.irreversible).toMatch(/cannot be restored/);
  });

  it('a key named by its credential-report slot: find its id first', () => {
    const f = syntheticFinding({ account: A, name: 'bob', type: 'UnusedIAMUserAccessKey' });
    const steps = remediationSteps(f);
    expect(steps[0]!.commands).toEqual(['aws iam list-access-keys --user-name bob']);
    expect(steps[1]!.commands[0]).toContain('--access-key-id KEY_ID');
  });

  it('password: save the login profile, delete it; the password itself cannot come back', () => {
    const steps = remediationSteps(
      syntheticFinding({ account: A, name: 'alice', type: 'UnusedIAMUserPassword' }),
    );
    expect(steps[0]!.commands).toEqual([
      'aws iam get-login-profile --user-name alice > alice.login-profile.json',
    ]);
    expect(steps[1]!.commands).toEqual(['aws iam delete-login-profile --user-name alice']);
    expect(steps[1]!.undo![0]).toContain('create-login-profile --user-name alice');
    expect(steps[1]!.irreversible).toMatch(/old password cannot be restored/);
  });

  it('role: review, quarantine with a deny-all inline policy (undo: delete it), wait, delete', () => {
    const steps = remediationSteps(
      syntheticFinding({ account: A, name: 'ci-deploy', type: 'UnusedIAMRole' }),
    );
    expect(steps).toHaveLength(4);
    expect(steps[1]!.commands).toEqual([
      `aws iam put-role-policy --role-name ci-deploy --policy-name ${QUARANTINE_POLICY_NAME} --policy-document '${QUARANTINE_DOCUMENT}'`,
    ]);
    expect(JSON.parse(QUARANTINE_DOCUMENT)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'IamRefineQuarantine', Effect: 'Deny', Action: '*', Resource: '*' }],
    });
    expect(steps[1]!.undo).toEqual([
      `aws iam delete-role-policy --role-name ci-deploy --policy-name ${QUARANTINE_POLICY_NAME}`,
    ]);
    expect(steps[3]!.commands.at(-1)).toBe('aws iam delete-role --role-name ci-deploy');
  });

  it('quotes hostile names for the shell; UnusedPermission has no steps (its recommendation is)', () => {
    const f = syntheticFinding({
      account: A,
      name: "x';rm -rf ~;'",
      type: 'UnusedIAMUserPassword',
    });
    const text = formatRemediation(remediationSteps(f));
    expect(text).toContain(`--user-name 'x'\\'';rm -rf ~;'\\'''`);
    expect(remediationSteps(syntheticFinding({ account: A, name: 'r' }))).toEqual([]);
  });
});
