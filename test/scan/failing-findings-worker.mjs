// A findings worker that fails on purpose, for src/scan/parallel-findings.test.ts: the failure is
// named by IAM_REFINE_TEST_WORKER_FAILURE (exit, exit-at-start, throw, proof, internal).
import { parentPort } from 'node:worker_threads';

const failure = process.env.IAM_REFINE_TEST_WORKER_FAILURE;
if (failure === 'exit-at-start') process.exit(9);
parentPort.on('message', (message) => {
  if (message.type !== 'chunk') return;
  if (failure === 'exit') process.exit(7);
  if (failure === 'throw') throw new Error('boom in the worker');
  const error =
    failure === 'proof'
      ? { name: 'ProofFailedError', message: 'the refinement of p is not exact' }
      : { name: 'Error', message: 'x is undefined' };
  parentPort.postMessage({ type: 'failed', error });
});
