// Copies the dashboard's static files (CSS, JS, icon) next to the compiled server in dist/.
import { cpSync, existsSync } from 'node:fs';

const from = new URL('../src/server/assets/', import.meta.url);
const to = new URL('../dist/server/assets/', import.meta.url);
if (!existsSync(from)) throw new Error(`missing ${from.pathname}`);
cpSync(from, to, { recursive: true });
