/**
 * `apply` and `rollback` of the reversible remediations (deactivate a key, quarantine a role,
 * delete a login profile after saving it), in process with the real SDK clients against the
 * loopback fake AWS in the real wire formats.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QUARANTINE_DOCUMENT, QUARANTINE_POLICY_NAME } from '../report/remediation.js';
import { syntheticFinding, syntheticScan } from '../store/fixtures.js';
import { openStore } from '../store/sqlite.js';
import { runCli, useTempDir } from '../test-support/cli.js';
import { FAST_POLLING, connectionTo, startWorld } from '../../test/fake-aws/fixture.js';
import type { FakeEntity } from '../../test/fake-aws/iam.js';
import { MAIN_ACCOUNT, type FakeAws } from '../../test/fake-aws/world.js';

let world: FakeAws;
let db: string;
let bob: FakeEntity;
const tmp = useTempDir('iam-refine-remediate-', 'each');
const NOW = () => new Date('2024-06-02T09:00:00Z');
const KEY = 'AKIAIOSFODNN7EXAMPLE';

const keyFinding = syntheticFinding({
  account: MAIN_ACCOUNT,
  name: 'bob',
  type: 'UnusedIAMUserAccessKey',
  accessKeyId: KEY,
});
const passwordFinding = syntheticFinding({
  account: MAIN_ACCOUNT,
  name: 'bob',
  type: 'UnusedIAMUserPassword',
});
const roleFinding = syntheticFinding({
  account: MAIN_ACCOUNT,
  name: 'app-2',
  type: 'UnusedIAMRole',
});

beforeEach(async () => {
  world = await startWorld();
  bob = world.account(MAIN_ACCOUNT).addEntity('User', { name: 'bob' });
  bob.accessKeys = [
    { AccessKeyId: KEY, Status: 'Active', CreateDate: new Date('2023-01-01T00:00:00Z') },
  ];
  bob.loginProfile = {
    CreateDate: new Date('2023-02-01T00:00:00Z'),
    PasswordResetRequired: false,
  };
  db = join(tmp(), 'f.db');
  const store = openStore(db, { clock: NOW });
  store.recordScan(syntheticScan([keyFinding, passwordFinding, roleFinding]), {
    accounts: [MAIN_ACCOUNT],
  });
  store.close();
});

afterEach(async () => {
  await world.close();
});

const run = (argv: string[]) =>
  runCli([...argv, '--db', db], {
    deps: { connection: connectionTo(world), polling: FAST_POLLING, now: NOW },
  });

describe('apply and rollback of remediations', () => {
  it('access key: dry run, deactivate, rollback reactivates it', async () => {
    const dry = await run(['apply', keyFinding.id]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(
      `IAM UpdateAccessKey UserName=bob AccessKeyId=${KEY} Status=Inactive`,
    );
    expect(bob.accessKeys![0]!.Status).toBe('Active');
    const applied = await run(['apply', keyFinding.id, '--yes']);
    expect(applied.code).toBe(0);
    expect(bob.accessKeys![0]!.Status).toBe('Inactive');
    const again = await run(['apply', keyFinding.id, '--yes']);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`access key ${KEY} of user bob is already inactive`);
    // A unique prefix, as findings list shows it.
    const back = await run(['rollback', keyFinding.id.slice(0, 8), '--yes']);
    expect(back.code).toBe(0);
    expect(bob.accessKeys![0]!.Status).toBe('Active');
  });

  it('role: quarantine with the deny-all inline policy, rollback deletes it', async () => {
    const role = world.account(MAIN_ACCOUNT).entity('Role', 'app-2')!;
    const applied = await run(['apply', roleFinding.id, '--yes']);
    expect(applied.code).toBe(0);
    expect(role.inline.get(QUARANTINE_POLICY_NAME)).toBe(QUARANTINE_DOCUMENT);
    expect(role.inline.has('Logs')).toBe(true);
    const back = await run(['rollback', roleFinding.id, '--yes']);
    expect(back.code).toBe(0);
    expect(role.inline.has(QUARANTINE_POLICY_NAME)).toBe(false);
  });

  it('password: the login profile is saved and deleted; rollback says it cannot restore it', async () => {
    const applied = await run(['apply', passwordFinding.id, '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.out).toContain('cannot be undone: IAM never returns a password');
    expect(bob.loginProfile).toBeUndefined();
    const back = await run(['rollback', passwordFinding.id, '--yes']);
    expect(back.code).not.toBe(0);
    expect(back.err).toContain(
      'login-profile deleted at 2024-06-02T09:00:00.000Z cannot be undone: IAM never returns a password (saved: {"UserName":"bob","CreateDate":"2023-02-01T00:00:00.000Z","PasswordResetRequired":false})',
    );
    expect(bob.loginProfile).toBeUndefined();
  });

  it('a key named by its slot: resolved when the user has one key, refused with two', async () => {
    const slot = syntheticFinding({
      account: MAIN_ACCOUNT,
      name: 'bob',
      type: 'UnusedIAMUserAccessKey',
    });
    const store = openStore(db, { clock: NOW });
    store.recordScan(syntheticScan([slot]), { accounts: [MAIN_ACCOUNT] });
    store.close();
    expect((await run(['apply', slot.id])).out).toContain(`AccessKeyId=${KEY} Status=Inactive`);
    bob.accessKeys!.push({
      AccessKeyId: 'AKIAI44QH8DHBEXAMPLE',
      Status: 'Active',
      CreateDate: new Date('2024-01-01T00:00:00Z'),
    });
    const refused = await run(['apply', slot.id]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('names the key by its credential-report slot (access_key_1)');
  });
});
