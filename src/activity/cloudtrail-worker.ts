/**
 * Worker-thread entry of `readCloudTrail`: reads the files it is sent one at a time (whole files:
 * read, decompress, parse, group) into one {@link RawActivity}, reports each file's result, and on
 * `finish` sends the activity back (`RawActivity.toMessage`: its keys sorted, in columns). It maps
 * nothing (no catalog, no operation data: the calling thread maps each distinct call once), so it
 * starts fast and stays small. Only this
 * module's side effects run in the worker; it exports the message types.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readCloudTrailFile, type FileResult, type ReadLimits } from './cloudtrail-file.js';
import { RawActivity, type RawActivityMessage } from './raw-activity.js';

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  /** Marks the data as meant for this module. */
  kind: 'iam-refine-cloudtrail';
  /** Size caps of a file and a record (default: `DEFAULT_READ_LIMITS`). */
  limits?: ReadLimits;
}

/** Messages from the main thread to a worker. */
export type ToWorker = { type: 'file'; index: number; file: string } | { type: 'finish' };

/** Messages from a worker to the main thread. */
export type FromWorker =
  | { type: 'file'; index: number; result: FileResult }
  | { type: 'done'; activity: RawActivityMessage }
  | { type: 'failed'; message: string };

const init = workerData as WorkerInit | undefined;
if (parentPort !== null && init?.kind === 'iam-refine-cloudtrail') {
  const port = parentPort;
  const raw = new RawActivity();
  port.on('message', (message: ToWorker) => {
    try {
      if (message.type === 'file') {
        const result = readCloudTrailFile(message.file, raw, init.limits);
        port.postMessage({ type: 'file', index: message.index, result } satisfies FromWorker);
      } else {
        // The key columns' buffers are transferred, not copied.
        const { activity, transfer } = raw.toMessage();
        port.postMessage({ type: 'done', activity } satisfies FromWorker, transfer);
      }
    } catch (error) {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      port.postMessage({ type: 'failed', message: text } satisfies FromWorker);
    }
  });
}
