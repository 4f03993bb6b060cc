/**
 * Reading every finding summary that matches a filter, through the store's keyset cursor in pages
 * of 1000 (the CLI's `findings list` and the dashboard's exports and counts both need the whole
 * set, not one page).
 */
import type { FindingFilter, FindingSummary, FindingsStore } from './types.js';

/** Every finding summary matching `filter`, in store order (latest update first; pages of 1000). */
export function allFindingSummaries(store: FindingsStore, filter: FindingFilter): FindingSummary[] {
  const out: FindingSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = store.listFindings({
      filter,
      sort: 'updatedAt',
      direction: 'desc',
      limit: 1000,
      withTotal: false,
      ...(cursor === undefined ? {} : { cursor }),
    });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}
