/**
 * A child process for the kill test: runs `collect` against the fake AWS endpoint given as the
 * first argument into the folder given as the second, one principal at a time.
 *
 * Test support only: `node --import ./ts-register.mjs collect-child.ts ENDPOINT OUT`.
 */
import { collect } from '../../src/aws/collect.js';
import { FAST_POLLING } from './fixture.js';
import { TEST_ACCESS_KEY, TEST_SECRET_KEY } from './world.js';

const [endpoint, out] = process.argv.slice(2) as [string, string];
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const result = await collect({
  connection: {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
    env: {},
  },
  out,
  concurrency: 1,
  polling: FAST_POLLING,
});
process.stdout.write(`${JSON.stringify(result.failures.map((f) => f.message))}\n`);
