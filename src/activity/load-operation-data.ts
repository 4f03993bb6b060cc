/**
 * Reads the bundled operation-to-action data, `data/operation-to-action.json` (generated reference
 * data), and the hand-maintained override table `data/mapping-overrides.json` (an adapter: it
 * reads files). See `data/README.md` for their provenance, layout and caveats; the action mapper
 * (`createActionMapper` in `action-mapper.ts`) receives the parsed object, the overrides under
 * `mappingOverrides`, and never loads it itself.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { IamRefineError } from '../errors.js';

/** The bundled data file (valid from both `src/activity/` and `dist/activity/`). */
export const OPERATION_DATA_URL = new URL('../../data/operation-to-action.json', import.meta.url);

/** The bundled override table (valid from both `src/activity/` and `dist/activity/`). */
export const MAPPING_OVERRIDES_URL = new URL('../../data/mapping-overrides.json', import.meta.url);

/**
 * Reads and parses `data/operation-to-action.json` (or `file`, the same format) and the override
 * table `data/mapping-overrides.json` (or `overrides`; `null` for none), which it adds to the
 * result as `mappingOverrides`.
 *
 * @returns The parsed JSON object, ready for `createActionMapper`.
 * @throws IamRefineError when a file is missing, unreadable, not JSON or not an object.
 */
export async function loadOperationData(
  file: string | URL = OPERATION_DATA_URL,
  overrides: string | URL | null = MAPPING_OVERRIDES_URL,
): Promise<object> {
  const [data, table] = await Promise.all([
    readObject(file, 'operation-to-action data'),
    overrides === null ? undefined : readObject(overrides, 'mapping overrides'),
  ]);
  return table === undefined ? data : { ...data, mappingOverrides: table };
}

async function readObject(file: string | URL, what: string): Promise<object> {
  const name = typeof file === 'string' ? file : fileURLToPath(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new IamRefineError(`cannot read the ${what} ${name}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new IamRefineError(`the ${what} ${name} is not valid JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IamRefineError(`the ${what} ${name} is not a JSON object`);
  }
  return value;
}
