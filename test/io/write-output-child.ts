/**
 * A child process that writes its second argument to the output named by its first, as `--out`
 * does (`writeOutputFile`), so a test can give it `/dev/stdout` on a pipe.
 *
 * Test support only: `node --import ../fake-aws/ts-register.mjs write-output-child.ts FILE TEXT`.
 */
import { writeOutputFile } from '../../src/io/atomic-write.js';

const [file, text] = process.argv.slice(2) as [string, string];
await writeOutputFile(file, text);
