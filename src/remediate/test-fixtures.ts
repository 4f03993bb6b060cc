/**
 * The remediation fixtures as tests use them: the split fixtures hold the catalogue's 700 EC2
 * actions once, in `test/fixtures/remediate-forms/catalogue-actions.json`, and a marker line
 * (`# @catalogue-actions`) where each writes them out; {@link materializeFixture} copies a fixture
 * with its markers written out as the list, {@link fixtureText} reads one file so. The expanded
 * files are byte for byte the files the tests were written against (test-fixtures.test.ts pins
 * them). Hand-written: a few lines of text substitution, no template engine needed. Also the
 * findings of the catalogue policy's two roles and `git`, which the split tests share. Nothing
 * here is used by the product.
 */
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { extname, join } from 'node:path';
import type { ActionCatalog } from '../catalog/catalog.js';
import { type IssueCode, ValidationError } from '../errors.js';
import type { Finding } from '../findings/types.js';
import { testFinding } from './test-helpers.js';

/** The fixtures of the remediation forms (quota forms, splits), with the catalogue's list. */
export const FORMS_FIXTURES = join(import.meta.dirname, '../../test/fixtures/remediate-forms');

/** The one copy of the catalogue's 700 EC2 actions the split fixtures are written with. */
export const CATALOGUE_ACTIONS_FILE = join(FORMS_FIXTURES, 'catalogue-actions.json');

/** What a fixture line standing for the catalogue's list starts with, after its indentation. */
export const CATALOGUE_MARKER = '# @catalogue-actions';

/** The marker's name: in a Terraform or YAML fixture, a line naming it must be a marker line. */
const MARKER_NAME = CATALOGUE_MARKER.slice(2);

/** The names the list may hold: written as they are in HCL strings and YAML plain scalars. */
const ACTION_NAME = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/** `file:line: path: message` as the one line a bad fixture is reported with. */
function fixtureError(
  file: string,
  line: number | undefined,
  message: string,
  path = '$',
  code: IssueCode = 'invalid_value',
  cause?: unknown,
): ValidationError {
  return new ValidationError(
    [{ code, path, message, source: file, ...(line ? { line } : {}) }],
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The catalogue's action list (`catalogue-actions.json`: a JSON array of `service:Action`
 * strings, 700 EC2 actions), in its order.
 */
export function catalogueActions(): string[] {
  const file = CATALOGUE_ACTIONS_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const why = `could not read the catalogue's action list: ${(e as Error).message}`;
    throw fixtureError(file, undefined, why, '$', 'file_unreadable', e);
  }
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (e) {
    const why = `expected a JSON array of actions: ${(e as Error).message}`;
    throw fixtureError(file, undefined, why, '$', 'invalid_json', e);
  }
  if (!Array.isArray(list) || list.length === 0)
    throw fixtureError(file, undefined, 'expected a non-empty array of actions');
  list.forEach((a, i) => {
    if (typeof a !== 'string' || !ACTION_NAME.test(a))
      throw fixtureError(
        file,
        undefined,
        `expected an action name "service:Action", found ${JSON.stringify(a)}`,
        `$[${i}]`,
      );
  });
  return list as string[];
}

/**
 * How one action is written as an entry of a list, by the fixture's language; undefined for a
 * file of another language (a README may name the marker: it is not expanded there).
 */
function entryWriter(file: string): ((action: string) => string) | undefined {
  const ext = extname(file).toLowerCase();
  // Terraform: a string of a list, with its trailing comma (`terraform fmt` keeps one per line).
  if (ext === '.tf') return (a) => `${JSON.stringify(a)},`;
  // CloudFormation YAML: an entry of a block sequence, plain scalar.
  if (ext === '.yaml' || ext === '.yml') return (a) => `- ${a}`;
  return undefined;
}

/**
 * `text` (the fixture `file`) with each marker line replaced by the `actions`, one per line, at
 * the marker's indentation, in the file's language (`"ec2:Action",` in `.tf`, `- ec2:Action` in
 * `.yaml` and `.yml`), with the marker line's line ending. A marker line is spaces,
 * {@link CATALOGUE_MARKER}, then nothing or a space and a comment; in these languages any other
 * line naming the marker is an error (a typo would otherwise leave a fixture without its list).
 * Everything else, and a file of another language, is kept byte for byte.
 */
export function expandCatalogueMarkers(
  text: string,
  file: string,
  actions: readonly string[],
): string {
  const write = entryWriter(file);
  if (!write || !text.includes(MARKER_NAME)) return text;
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.includes(MARKER_NAME)) {
      out.push(line);
      return;
    }
    const eol = line.endsWith('\r') ? '\r' : '';
    const body = eol ? line.slice(0, -1) : line;
    let indent = 0;
    while (body[indent] === ' ') indent++;
    const rest = body.slice(indent);
    if (rest !== CATALOGUE_MARKER && !rest.startsWith(`${CATALOGUE_MARKER} `))
      throw fixtureError(
        file,
        i + 1,
        `expected a marker line: spaces, "${CATALOGUE_MARKER}", then nothing or a space and a comment`,
      );
    const pad = ' '.repeat(indent);
    for (const a of actions) out.push(`${pad}${write(a)}${eol}`);
  });
  return out.join('\n');
}

/**
 * The text of the fixture file at `path` as tests see it: its marker lines expanded
 * ({@link expandCatalogueMarkers}).
 */
export function fixtureText(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.includes(MARKER_NAME) ? expandCatalogueMarkers(text, path, catalogueActions()) : text;
}

/**
 * Copies the fixture folder (or file) `source` to `dest` as `cpSync(source, dest, { recursive:
 * true })` does, expanding the marker lines of its Terraform and YAML files
 * ({@link expandCatalogueMarkers}); every other file is copied byte for byte.
 *
 * The split fixtures (test/fixtures/remediate/terraform-split*, test/fixtures/remediate-forms)
 * hold the catalogue's 700 actions once, in `catalogue-actions.json`, and a marker line where each
 * writes them out: a fixture with a marker is not a usable Terraform module or CloudFormation
 * template until it is copied with this function (`terraform validate` on the fixture folder
 * itself sees a policy without its actions).
 */
export function materializeFixture(source: string, dest: string): void {
  let actions: string[] | undefined;
  const copy = (from: string, to: string): void => {
    const stat = lstatSync(from);
    if (stat.isDirectory()) {
      mkdirSync(to, { recursive: true });
      for (const entry of readdirSync(from).sort()) copy(join(from, entry), join(to, entry));
    } else if (stat.isFile()) {
      const text = readFileSync(from, 'utf8');
      const expanded = text.includes(MARKER_NAME)
        ? expandCatalogueMarkers(text, from, (actions ??= catalogueActions()))
        : text;
      if (expanded === text) copyFileSync(from, to);
      else writeFileSync(to, expanded);
    } else
      throw fixtureError(from, undefined, 'expected a file or a folder (links are not copied)');
  };
  copy(source, dest);
}

/** The customer managed policy of the catalogue fixtures, in account 123456789012. */
export const CATALOGUE_POLICY_ARN = 'arn:aws:iam::123456789012:policy/ec2-catalogue';

/**
 * The UnusedPermission findings of the two roles the catalogue fixtures attach `ec2-catalogue` to
 * (`catalogue-api`, `catalogue-batch`), each with `unused` (by default every tenth catalogue
 * action) and the policy's `document` as scanned, recommended with forms as a scan does.
 */
export function catalogueFindings(
  catalog: ActionCatalog,
  document: Record<string, unknown>,
  unused: readonly string[] = catalogueActions().filter((_, i) => i % 10 === 0),
): Finding[] {
  return ['catalogue-api', 'catalogue-batch'].map((role) =>
    testFinding(
      role,
      `arn:aws:iam::123456789012:role/${role}`,
      unused,
      [{ name: 'ec2-catalogue', id: CATALOGUE_POLICY_ARN, type: 'CUSTOMER_MANAGED', document }],
      catalog,
      { forms: true },
    ),
  );
}

/** Runs `git` in `cwd` with a fixed author (tests that `git apply` patches). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd,
    encoding: 'utf8',
  });
}
