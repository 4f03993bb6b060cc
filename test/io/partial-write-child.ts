/**
 * A child process for the signal test of atomic writes: starts an atomic write of the file given
 * as the first argument, writes part of it into the temporary file, prints the temporary file's
 * path and waits (as a large `--out` write in progress does) until a signal ends it.
 *
 * Test support only: `node --import ../fake-aws/ts-register.mjs partial-write-child.ts FILE`.
 */
import { appendFileSync } from 'node:fs';
import { temporaryFor } from '../../src/io/atomic-write.js';

const [file] = process.argv.slice(2) as [string];
const temp = temporaryFor(file);
appendFileSync(temp.path, '{"findings": [ "part of the account\'s IAM data"');
process.stdout.write(`${temp.path}\n`);
// Waits (the event loop stays alive) until the parent's signal ends the process.
setInterval(() => undefined, 60_000);
