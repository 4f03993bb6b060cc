import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IamRefineError, ProofFailedError, ValidationError } from '../errors.js';
import {
  CliError,
  EXIT_BAD_INPUT,
  EXIT_INTERNAL,
  memoryIo,
  parseAll,
  readInput,
  readInputs,
  reportError,
  writeFileAtomic,
} from './io.js';
import { useTempDir } from '../test-support/cli.js';

/** A fresh folder per test, removed after it. */
const tempDir = useTempDir('iam-refine-io-', 'each');

describe('readInput', () => {
  it('reads a file, or stdin for -', async () => {
    const dir = tempDir();
    const file = join(dir, 'a.json');
    await writeFile(file, '{"a": 1}');
    expect(await readInput(file, memoryIo())).toEqual({ text: '{"a": 1}', source: file });
    expect(await readInput('-', memoryIo({ stdin: '[1]' }))).toEqual({
      text: '[1]',
      source: '<stdin>',
    });
    const io = {
      ...memoryIo(),
      stdin: Readable.from([Buffer.from('{"x":'), Buffer.from(' "é"}')]),
    };
    expect((await readInput('-', io)).text).toBe('{"x": "é"}');
  });

  it('names a missing file (file_not_found) and an unreadable one (file_unreadable)', async () => {
    const dir = tempDir();
    const missing = join(dir, 'nope.json');
    const error = await readInput(missing, memoryIo()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      {
        code: 'file_not_found',
        path: '$',
        message: `file ${missing} does not exist`,
        source: missing,
      },
    ]);
    const dirError = await readInput(dir, memoryIo()).catch((e: unknown) => e);
    expect((dirError as ValidationError).issues[0]!.code).toBe('file_unreadable');
    expect((dirError as ValidationError).issues[0]!.message).toBe(
      `file ${dir} cannot be read (it is a directory)`,
    );
  });

  it('reports every missing file at once', async () => {
    const error = await readInputs(['/nonexistent/a', '/nonexistent/b'], memoryIo()).catch(
      (e: unknown) => e,
    );
    expect((error as ValidationError).issues.map((i) => i.source)).toEqual([
      '/nonexistent/a',
      '/nonexistent/b',
    ]);
  });
});

describe('writeFileAtomic', () => {
  it('writes through a temporary file and leaves only the target', async () => {
    const dir = tempDir();
    const file = join(dir, 'out.json');
    await writeFile(file, 'old');
    await writeFileAtomic(file, 'new\n');
    expect(await readFile(file, 'utf8')).toBe('new\n');
    expect(await readdir(dir)).toEqual(['out.json']);
  });

  it('fails with a CliError naming the file, writing nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'missing-dir', 'out.json');
    const error = await writeFileAtomic(file, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toContain(file);
    expect((error as CliError).exitCode).toBe(EXIT_BAD_INPUT);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('parseAll', () => {
  it('returns every result when all succeed', () => {
    expect(parseAll<[number, string]>([() => 1, () => 'a'])).toEqual([1, 'a']);
  });

  it('collects the issues of every failing parser', () => {
    const fail = (source: string) => () => {
      throw new ValidationError([{ code: 'invalid_json', path: '$', message: 'bad', source }]);
    };
    const error = (() => {
      try {
        parseAll([fail('a.json'), () => 1, fail('b.json')]);
      } catch (e) {
        return e;
      }
    })();
    expect((error as ValidationError).issues.map((i) => i.source)).toEqual(['a.json', 'b.json']);
  });

  it('lets other errors through', () => {
    expect(() =>
      parseAll([
        () => {
          throw new TypeError('boom');
        },
      ]),
    ).toThrow(TypeError);
  });
});

describe('reportError', () => {
  it('prints one line per validation issue and returns 2', () => {
    const io = memoryIo();
    const code = reportError(
      new ValidationError([
        {
          code: 'invalid_json',
          path: '$',
          message: 'bad\nthing',
          source: 'p.json',
          line: 3,
          column: 7,
        },
        { code: 'missing_field', path: '$.Statement', message: 'missing', source: 'q.json' },
      ]),
      io,
      false,
    );
    expect(code).toBe(2);
    expect(io.err).toBe(
      'iam-refine: p.json:3:7: $: bad thing [invalid_json]\n' +
        'iam-refine: q.json: $.Statement: missing [missing_field]\n',
    );
    expect(io.out).toBe('');
  });

  it('uses the exit code of a CliError, 2 for other IamRefineErrors, 3 for a failed proof', () => {
    const io = memoryIo();
    expect(reportError(new CliError('usage', { exitCode: 5 }), io, false)).toBe(5);
    expect(reportError(new IamRefineError('catalog missing'), io, false)).toBe(2);
    expect(reportError(new ProofFailedError('proof failed'), io, false)).toBe(EXIT_INTERNAL);
    expect(io.err.split('\n')).toEqual([
      'iam-refine: usage',
      'iam-refine: catalog missing',
      'iam-refine: proof failed (please report this bug)',
      '',
    ]);
  });

  it('prints an unexpected error in one line, with the stack only with --debug', () => {
    const quiet = memoryIo();
    expect(reportError(new TypeError('oops'), quiet, false)).toBe(3);
    expect(quiet.err).toBe(
      'iam-refine: internal error: oops (run with --debug for the stack trace)\n',
    );
    const loud = memoryIo();
    expect(reportError(new TypeError('oops'), loud, true)).toBe(3);
    expect(loud.err.split('\n')[0]).toBe('iam-refine: internal error: oops');
    expect(loud.err).toContain('TypeError: oops\n    at ');
  });

  it('never prints a stack for errors about the input, even with --debug', () => {
    const io = memoryIo();
    reportError(
      new ValidationError([{ code: 'empty_input', path: '$', message: 'empty' }]),
      io,
      true,
    );
    reportError(new CliError('usage'), io, true);
    expect(io.err).toBe('iam-refine: $: empty [empty_input]\niam-refine: usage\n');
  });
});
