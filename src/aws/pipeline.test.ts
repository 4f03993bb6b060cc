/**
 * The whole live pipeline on the loopback fake AWS: `collect` writes the files, scan's readers and
 * findings engine turn them into findings recorded in the store, `apply --yes` carries out a real
 * recommendation (its staleness check re-refines the live policies), and `rollback --yes` leaves
 * every policy byte-identical.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseLastAccessed } from '../activity/last-accessed.js';
import { ActivityAccumulator } from '../activity/summary.js';
import { loadCatalog } from '../catalog/load.js';
import { computeFindings } from '../findings/findings.js';
import { readInventory } from '../inventory/read.js';
import { openStore } from '../store/sqlite.js';
import { collect } from './collect.js';
import { runCli, useTempDir } from '../test-support/cli.js';
import { FAST_POLLING, connectionTo, startWorld } from '../../test/fake-aws/fixture.js';
import { MAIN_ACCOUNT, type FakeAws } from '../../test/fake-aws/world.js';

let world: FakeAws;
const tmp = useTempDir('iam-refine-pipeline-', 'each');
let dir: string;
const NOW = () => new Date('2024-06-01T12:00:00Z');

beforeEach(async () => {
  world = await startWorld();
  dir = tmp();
});

afterEach(async () => {
  await world.close();
});

it('collect → scan → store → apply → rollback, byte-identical', async () => {
  const collected = await collect({
    connection: connectionTo(world),
    out: dir,
    polling: FAST_POLLING,
  });
  const a = collected.accounts[0]!;
  const inventory = await readInventory({
    authorizationDetails: [a.authorizationDetails],
    credentialReports: [a.credentialReport],
  });
  const activity = new ActivityAccumulator();
  for (const file of a.lastAccessed) {
    activity.merge(parseLastAccessed(await readFile(file, 'utf8'), file).accumulator);
  }
  const catalog = await loadCatalog();
  const result = computeFindings(inventory, activity.finish(), {
    catalog,
    now: NOW(),
    trackingPeriodDays: 90,
  });
  const db = join(dir, 'findings.db');
  const store = openStore(db, { clock: NOW });
  store.recordScan(result, { accounts: [MAIN_ACCOUNT] });
  store.close();

  const role = `arn:aws:iam::${MAIN_ACCOUNT}:role/service/app-1`;
  const finding = result.findings.find(
    (f) => f.resource === role && f.findingType === 'UnusedPermission',
  );
  expect(finding).toBeDefined();
  const applicable = finding!.policies!.filter((p) => p.recommendedAction !== 'NONE');
  expect(applicable.length).toBeGreaterThan(0);

  const account = world.account(MAIN_ACCOUNT);
  const state = () =>
    JSON.stringify({
      entities: account.snapshot(),
      policies: [...account.policies.values()].map((p) => [p.arn, p.defaultVersionId, p.versions]),
    });
  const before = state();
  const deps = {
    connection: connectionTo(world),
    polling: FAST_POLLING,
    now: NOW,
    catalog: async () => catalog,
  };

  const dry = await runCli(['apply', finding!.id, '--db', db], { deps });
  expect(dry.err).toMatch(/^dry run: nothing was changed/);
  expect(dry.code).toBe(0);
  const applied = await runCli(['apply', finding!.id, '--db', db, '--yes'], { deps });
  expect(applied.code).toBe(0);
  expect(state()).not.toBe(before);

  const rolled = await runCli(['rollback', finding!.id, '--db', db, '--yes'], { deps });
  expect(rolled.err).toMatch(/^rolled back/);
  expect(rolled.code).toBe(0);
  expect(state()).toBe(before);
});
