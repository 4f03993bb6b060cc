import { describe, expect, it } from 'vitest';
import { invocationCommand } from './invocation.js';

/** A file system of executables: path → real path. */
const fs = (files: Record<string, string>) => (file: string) => files[file];

describe('invocationCommand', () => {
  it('iam-refine when the PATH runs this very script', () => {
    const resolveExecutable = fs({
      '/usr/local/bin/iam-refine': '/usr/local/lib/node_modules/iam-refine/bin/iam-refine.js',
      '/usr/local/lib/node_modules/iam-refine/bin/iam-refine.js':
        '/usr/local/lib/node_modules/iam-refine/bin/iam-refine.js',
    });
    expect(
      invocationCommand({
        script: '/usr/local/bin/iam-refine',
        cwd: '/home/me',
        path: '/usr/bin:/usr/local/bin',
        resolveExecutable,
      }),
    ).toBe('iam-refine');
  });

  it('node bin/iam-refine.js in a checkout (not on the PATH)', () => {
    expect(
      invocationCommand({
        script: '/src/iam-refine/bin/iam-refine.js',
        cwd: '/src/iam-refine',
        path: '/usr/bin',
        resolveExecutable: fs({
          '/src/iam-refine/bin/iam-refine.js': '/src/iam-refine/bin/iam-refine.js',
        }),
      }),
    ).toBe('node bin/iam-refine.js');
  });

  it('the .bin link of a project, relative when below the working directory', () => {
    const resolveExecutable = fs({
      '/p/node_modules/.bin/iam-refine': '/p/node_modules/iam-refine/bin/iam-refine.js',
    });
    expect(
      invocationCommand({
        script: '/p/node_modules/.bin/iam-refine',
        cwd: '/p',
        path: '/usr/bin',
        resolveExecutable,
      }),
    ).toBe('node_modules/.bin/iam-refine');
    expect(
      invocationCommand({
        script: '/p/node_modules/.bin/iam-refine',
        cwd: '/elsewhere',
        path: '',
        resolveExecutable,
      }),
    ).toBe('/p/node_modules/.bin/iam-refine');
  });

  it('quotes a path with spaces for the shell', () => {
    expect(
      invocationCommand({
        script: "/my dir/it's/bin/iam-refine.js",
        cwd: '/',
        path: '',
        resolveExecutable: () => undefined,
      }),
    ).toBe(`node 'my dir/it'\\''s/bin/iam-refine.js'`);
  });
});
