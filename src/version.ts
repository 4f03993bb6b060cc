/**
 * The package version, read from `package.json` (one level above both `src/` and `dist/`).
 */
import { readFileSync } from 'node:fs';

/** The package version (`0.0.0` when package.json has none). */
export function packageVersion(): string {
  const manifest: unknown = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  );
  const version = (manifest as { version?: unknown }).version;
  return typeof version === 'string' ? version : '0.0.0';
}
