// Compiles the AssemblyScript byte scanner (assembly/byte-scanner.ts) to
// generated/byte-scanner.wasm with SIMD (part of `npm run build`; loaded by
// src/activity/byte-scanner.ts from src/ under vitest and from dist/ alike).
import { mkdirSync } from 'node:fs';
import asc from 'assemblyscript/asc';

const root = new URL('..', import.meta.url);
mkdirSync(new URL('generated/', root), { recursive: true });
const { error } = await asc.main(
  [
    'assembly/byte-scanner.ts',
    '--outFile',
    'generated/byte-scanner.wasm',
    '-O3',
    '--runtime',
    'stub',
    '--enable',
    'simd',
    // No imports: nothing in the scanner can abort, trace or read the clock.
    '--use',
    'abort=',
    '--noAssert',
  ],
  { stdout: process.stdout, stderr: process.stderr, baseDir: root.pathname },
);
if (error) {
  throw new Error(`assembly/byte-scanner.ts: ${error.message}`);
}
console.log('wasm: assembly/byte-scanner.ts -> generated/byte-scanner.wasm');
