// Removes dist/ before a build, so that files of modules that were deleted or renamed (and source
// maps of earlier builds) are never run by tests nor shipped in the package.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
