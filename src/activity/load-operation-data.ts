/**
 * Reads the bundled operation-to-action data, `data/operation-to-action.json` (an adapter: it
 * reads a file). See `data/README.md` for its provenance, layout and caveats; the action mapper
 * (`createActionMapper` in `action-mapper.ts`) receives the parsed object and never loads it itself.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { IamRefineError } from '../errors.js';

/** The bundled data file (valid from both `src/activity/` and `dist/activity/`). */
export const OPERATION_DATA_URL = new URL('../../data/operation-to-action.json', import.meta.url);

/**
 * Reads and parses `data/operation-to-action.json` (or `file`, the same format).
 *
 * @returns The parsed JSON object, ready for `createActionMapper`.
 * @throws IamRefineError when the file is missing, unreadable, not JSON or not an object.
 */
export async function loadOperationData(file: string | URL = OPERATION_DATA_URL): Promise<object> {
  const name = typeof file === 'string' ? file : fileURLToPath(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new IamRefineError(`cannot read the operation-to-action data ${name}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new IamRefineError(`the operation-to-action data ${name} is not valid JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IamRefineError(`the operation-to-action data ${name} is not a JSON object`);
  }
  return value;
}
