// Module hooks that let a child `node` process run this project's TypeScript sources directly:
// `./x.js` imported from a `.ts` file resolves to `./x.ts` when that exists, and `.ts` files are
// transpiled with the project's own TypeScript (types erased, no type check). Test support only:
// used by tests that must kill a real process mid-work (see src/aws/collect.kill.test.ts).
import { access, readFile } from 'node:fs/promises';
import ts from 'typescript';

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (specifier.startsWith('.') && specifier.endsWith('.js') && parent.endsWith('.ts')) {
    const candidate = new URL(`${specifier.slice(0, -3)}.ts`, parent);
    try {
      await access(candidate);
      return { url: candidate.href, shortCircuit: true };
    } catch {
      // not a TypeScript source: resolve as usual
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const source = await readFile(new URL(url), 'utf8');
    const output = ts.transpileModule(source, {
      fileName: url,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        isolatedModules: true,
      },
    });
    return { format: 'module', source: output.outputText, shortCircuit: true };
  }
  return next(url, context);
}
