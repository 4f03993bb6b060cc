/**
 * The manifest of a collection folder (`manifest.json`): which files are complete, with their size
 * and SHA-256, so that a re-run of `collect` skips them. Every file is written atomically (a
 * temporary file renamed into place), then recorded here; a file that is not in the manifest, or
 * whose size or digest differs, is collected again.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { IamRefineError } from '../errors.js';

/** The manifest's file name. */
export const MANIFEST_FILE = 'manifest.json';

/** One complete file. */
export interface ManifestEntry {
  bytes: number;
  sha256: string;
  /** When it was written (ISO-8601). */
  collectedAt: string;
}

/** `manifest.json`. */
export interface ManifestJson {
  /** Always `iam-refine collect`. */
  tool: 'iam-refine collect';
  /** Format version (1). */
  version: 1;
  /** The account the folder holds. */
  accountId: string;
  /** Complete files, by path relative to the folder (`/` separators). */
  files: Record<string, ManifestEntry>;
  /** Whether every file of the account was collected (the last run finished). */
  complete: boolean;
}

/** The SHA-256 of a text, in hex. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A collection folder's manifest, saved after every change (writes are serialized). */
export class Manifest {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    /** The folder. */
    readonly dir: string,
    private readonly data: ManifestJson,
    private readonly now: () => Date,
  ) {}

  /**
   * Reads the folder's manifest, or starts an empty one. With `fresh`, a previous manifest is
   * ignored (everything is collected again).
   *
   * @throws IamRefineError when the folder holds another account's collection, or the manifest is
   *   not one (the message names the file).
   */
  static async load(
    dir: string,
    accountId: string,
    options: { fresh?: boolean; now?: () => Date } = {},
  ): Promise<Manifest> {
    const now = options.now ?? (() => new Date());
    const file = join(dir, MANIFEST_FILE);
    const empty: ManifestJson = {
      tool: 'iam-refine collect',
      version: 1,
      accountId,
      files: {},
      complete: false,
    };
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return new Manifest(dir, empty, now);
    }
    let json: Partial<ManifestJson>;
    try {
      json = JSON.parse(text) as Partial<ManifestJson>;
    } catch (cause) {
      throw new IamRefineError(
        `${file} is not an iam-refine collect manifest (invalid JSON); remove the folder or use --fresh`,
        { cause },
      );
    }
    if (json.tool !== 'iam-refine collect' || typeof json.files !== 'object') {
      throw new IamRefineError(
        `${file} is not an iam-refine collect manifest; choose another --out folder`,
      );
    }
    if (json.accountId !== accountId) {
      throw new IamRefineError(
        `${dir} holds the collection of account ${json.accountId}, not ${accountId}; choose another --out folder`,
      );
    }
    if (options.fresh === true) return new Manifest(dir, empty, now);
    return new Manifest(dir, { ...empty, files: json.files ?? {}, complete: false }, now);
  }

  /** Whether `path` is recorded complete and the file on disk still has its size and digest. */
  async isComplete(path: string): Promise<boolean> {
    const entry = this.data.files[path];
    if (entry === undefined) return false;
    const full = join(this.dir, path);
    try {
      const info = await stat(full);
      if (info.size !== entry.bytes) return false;
      return sha256(await readFile(full, 'utf8')) === entry.sha256;
    } catch {
      return false;
    }
  }

  /** Writes `text` to `path` atomically, then records it complete (and saves the manifest). */
  async write(path: string, text: string): Promise<void> {
    await writeFileAtomic(join(this.dir, path), text);
    this.data.files[path] = {
      bytes: Buffer.byteLength(text, 'utf8'),
      sha256: sha256(text),
      collectedAt: this.now().toISOString(),
    };
    await this.save();
  }

  /** Marks the whole collection complete and saves. */
  async finish(): Promise<void> {
    this.data.complete = true;
    await this.save();
  }

  /** The manifest as saved. */
  toJSON(): ManifestJson {
    return structuredClone(this.data);
  }

  private save(): Promise<void> {
    const text = `${JSON.stringify(this.data, null, 2)}\n`;
    const run = this.queue.then(() => writeFileAtomic(join(this.dir, MANIFEST_FILE), text));
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Removes temporary files left by a killed run (`.NAME.PID.RANDOM.tmp`) in `dir`. */
export async function removeStaleTemporaries(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const stale = names.filter((n) => n.startsWith('.') && n.endsWith('.tmp'));
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale.length;
}
