/**
 * A child process for the signal tests of `scan --live`: runs the CLI's `main` on the real process
 * streams, as the executable does, with `scan --live ARGS` against the fake AWS endpoint given as
 * the first argument (static test credentials, fast polling). The temporary folder goes into the
 * child's `TMPDIR`.
 *
 * Test support only: `node --import ./ts-register.mjs scan-live-child.ts ENDPOINT [ARGS...]`.
 */
import { processIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { FAST_POLLING } from './fixture.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY } from './world.js';

const [endpoint, ...args] = process.argv.slice(2) as [string, ...string[]];
process.exitCode = await main(['scan', '--live', ...args], processIo(), {
  connection: {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    env: {},
  },
  polling: FAST_POLLING,
});
