/**
 * Reads an account's exported IAM data from files into an {@link Inventory}: every
 * `get-account-authorization-details` file (pages of one export, or one export per account) merged,
 * then every credential report applied.
 *
 * Every file is read and validated before anything is thrown, so one run reports the problems of
 * all the files.
 */
import { readFile } from 'node:fs/promises';
import { ValidationError, type Issue } from '../errors.js';
import { unreadableFileIssue } from '../text-file.js';
import {
  mergeAuthorizationDetails,
  parseAuthorizationDetails,
  type AuthorizationDetailsPage,
} from './authorization-details.js';
import {
  applyCredentialReport,
  parseCredentialReport,
  type CredentialReportRow,
} from './credential-report.js';
import type { Inventory } from './types.js';

/** The files to read. */
export interface InventoryFiles {
  /** Files of `aws iam get-account-authorization-details` output. */
  authorizationDetails: readonly string[];
  /** Files of `aws iam get-credential-report` output (decoded CSV, or the CLI's JSON). */
  credentialReports: readonly string[];
}

/**
 * Reads, validates and merges the files into one inventory.
 *
 * @throws {@link ValidationError} with every issue of every file: `file_not_found` /
 *   `file_unreadable` naming a file that cannot be read, the issues of
 *   {@link parseAuthorizationDetails}, {@link parseCredentialReport},
 *   {@link mergeAuthorizationDetails} and {@link applyCredentialReport} (merging and applying use
 *   the files that are valid, so their conflicts are reported in the same run).
 */
export async function readInventory(files: InventoryFiles): Promise<Inventory> {
  const issues: Issue[] = [];
  const guard = <T>(run: () => T): T | undefined => {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const [details, reports] = await Promise.all([
    Promise.all(files.authorizationDetails.map((file) => readText(file))),
    Promise.all(files.credentialReports.map((file) => readText(file))),
  ]);
  const pages: AuthorizationDetailsPage[] = [];
  details.forEach((read, i) => {
    if ('issue' in read) issues.push(read.issue);
    else {
      const page = guard(() =>
        parseAuthorizationDetails(read.text, files.authorizationDetails[i]!),
      );
      if (page !== undefined) pages.push(page);
    }
  });
  const rowSets: CredentialReportRow[][] = [];
  reports.forEach((read, i) => {
    if ('issue' in read) issues.push(read.issue);
    else {
      const rows = guard(() => parseCredentialReport(read.text, files.credentialReports[i]!));
      if (rows !== undefined) rowSets.push(rows);
    }
  });
  const inventory = guard(() => mergeAuthorizationDetails(pages)) ?? {
    principals: new Map(),
    groups: new Map(),
    policies: new Map(),
    accounts: new Set<string>(),
  };
  for (const rows of rowSets) guard(() => applyCredentialReport(inventory, rows));
  if (issues.length > 0) throw new ValidationError(issues);
  return inventory;
}

/** The file's UTF-8 text, or the issue saying why it cannot be read. */
async function readText(file: string): Promise<{ text: string } | { issue: Issue }> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (cause) {
    return { issue: unreadableFileIssue(file, cause) };
  }
}
