/**
 * The dashboard's static assets (`/static/app.css`, `/static/app.js`, `/static/favicon.svg`): read
 * once at start from `src/server/assets/` (next to this module, or, when running the compiled
 * `dist/server/`, from `dist/server/assets/` if the build copied them there, else from the
 * package's `src/server/assets/`), and served from memory. Nothing comes from a CDN: the dashboard
 * works offline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IamRefineError } from '../errors.js';

/** One asset in memory. */
export interface Asset {
  body: Uint8Array;
  contentType: string;
  /** Strong ETag of the content. */
  etag: string;
}

/** The assets, by URL path. */
export type Assets = ReadonlyMap<string, Asset>;

const FILES: readonly [name: string, contentType: string][] = [
  ['app.css', 'text/css; charset=utf-8'],
  ['app.js', 'text/javascript; charset=utf-8'],
  ['favicon.svg', 'image/svg+xml'],
];

/** Where the asset folder may be, in order. */
const LOCATIONS: readonly URL[] = [
  new URL('./assets/', import.meta.url),
  new URL('../../src/server/assets/', import.meta.url),
];

/**
 * Reads every asset.
 *
 * @throws IamRefineError when the asset folder is missing (a broken installation).
 */
export function loadAssets(): Assets {
  for (const dir of LOCATIONS) {
    const assets = new Map<string, Asset>();
    try {
      for (const [name, contentType] of FILES) {
        const body = readFileSync(new URL(name, dir));
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
        assets.set(`/static/${name}`, { body, contentType, etag });
      }
      return assets;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new IamRefineError(
    `the dashboard's assets (app.css, app.js) are missing: looked in ${LOCATIONS.map((u) => u.pathname).join(', ')}`,
  );
}
