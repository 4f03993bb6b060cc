// `node --import ./ts-register.mjs script.ts`: registers ts-hooks.mjs (test support only).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
