/**
 * The findings list's URL parameters: parsing them into a store query (whitelisted values only)
 * and building links back. Parameters: `type`, `status`, `account`, `principal`, `service` (each
 * may repeat, except `principal`), `sort`, `dir`, `size`, `page`, `cursor`.
 */
import { FINDING_TYPES, type FindingType } from '../findings/types.js';
import {
  FINDING_SORT_KEYS,
  FINDING_STATUSES,
  type FindingFilter,
  type FindingListQuery,
  type FindingSortKey,
  type FindingStatus,
  type SortDirection,
} from '../store/types.js';
import { isRiskLevel, type RiskLevel } from '../risk/risk.js';

/** Page sizes offered. */
export const PAGE_SIZES: readonly number[] = [25, 50, 100, 200];
/** Default page size. */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * The list's sortable columns: the store's, and `risk` (computed per finding in memory over every
 * matching finding, ties in the default order: latest update first).
 */
export type ListSortKey = FindingSortKey | 'risk';

/** The list parameters, as links carry them. */
export interface ListParams {
  type?: string;
  status?: string;
  account?: string;
  principal?: string;
  service?: string;
  /** Only findings of this risk level or higher (filtered in memory: see app.tsx). */
  risk?: string;
  sort?: string;
  dir?: string;
  size?: number;
  page?: number;
  cursor?: string;
}

/** Parsed list parameters. */
export interface ParsedList {
  /** The filter and sort, for the store. */
  query: FindingListQuery;
  /** The page number (1-based) shown. */
  page: number;
  /** The page size. */
  size: number;
  /** The sort column: a store column, or `risk` (computed in memory: see app.tsx). */
  sort: ListSortKey;
  dir: SortDirection;
  /** The filter values as given (for the form and links). */
  params: ListParams;
  /** Parameters that were ignored, one sentence each. */
  ignored: string[];
  /** `risk`: only findings of this level or higher. */
  risk?: RiskLevel;
}

/** The order of parameters in built links. */
const ORDER: readonly (keyof ListParams)[] = [
  'type',
  'status',
  'account',
  'principal',
  'service',
  'risk',
  'sort',
  'dir',
  'size',
  'page',
  'cursor',
];

/** `/findings?...` with the given parameters (empty ones left out). */
export function findingsHref(params: ListParams): string {
  const search = new URLSearchParams();
  for (const key of ORDER) {
    const value = params[key];
    if (value === undefined || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '/findings' : `/findings?${text}`;
}

/** The link to one finding's page. */
export function findingHref(id: string): string {
  return `/findings/${encodeURIComponent(id)}`;
}

/** Parses the list parameters of `search` (unknown values are ignored and reported). */
export function parseListParams(search: URLSearchParams): ParsedList {
  const ignored: string[] = [];
  const params: ListParams = {};
  const filter: FindingFilter = {};
  const trimmed = (key: string) =>
    search
      .getAll(key)
      .map((v) => v.trim())
      .filter((v) => v !== '');

  const types = trimmed('type');
  const goodTypes = types.filter((t): t is FindingType =>
    (FINDING_TYPES as readonly string[]).includes(t),
  );
  if (goodTypes.length < types.length) ignored.push('unknown finding type');
  if (goodTypes.length > 0) {
    filter.types = goodTypes;
    params.type = goodTypes[0];
  }

  const statuses = trimmed('status').map((s) => s.toUpperCase());
  const goodStatuses = statuses.filter((s): s is FindingStatus =>
    (FINDING_STATUSES as readonly string[]).includes(s),
  );
  if (goodStatuses.length < statuses.length) ignored.push('unknown status');
  if (goodStatuses.length > 0) {
    filter.statuses = goodStatuses;
    params.status = goodStatuses[0];
  }

  const accounts = trimmed('account');
  if (accounts.length > 0) {
    filter.accounts = accounts;
    params.account = accounts[0];
  }

  const principal = search.get('principal')?.trim() ?? '';
  if (principal !== '') {
    filter.principal = principal.slice(0, 2048);
    params.principal = filter.principal;
  }

  const services = trimmed('service').map((s) => s.toLowerCase());
  if (services.length > 0) {
    filter.services = services;
    params.service = services[0];
  }

  let risk: RiskLevel | undefined;
  const riskValue = search.get('risk')?.trim() ?? '';
  if (isRiskLevel(riskValue)) {
    risk = riskValue;
    params.risk = risk;
  } else if (riskValue !== '') ignored.push('unknown risk level');

  let sort: ListSortKey = 'updatedAt';
  const sortValue = search.get('sort');
  if (sortValue !== null && sortValue !== '') {
    if (sortValue === 'risk' || (FINDING_SORT_KEYS as readonly string[]).includes(sortValue)) {
      sort = sortValue as ListSortKey;
      params.sort = sort;
    } else ignored.push('unknown sort column');
  }
  let dir: SortDirection = 'desc';
  const dirValue = search.get('dir');
  if (dirValue === 'asc' || dirValue === 'desc') {
    dir = dirValue;
    params.dir = dir;
  } else if (dirValue !== null && dirValue !== '') ignored.push('unknown sort direction');

  let size = DEFAULT_PAGE_SIZE;
  const sizeValue = Number(search.get('size') ?? '');
  if (PAGE_SIZES.includes(sizeValue)) {
    size = sizeValue;
    if (size !== DEFAULT_PAGE_SIZE) params.size = size;
  }

  let page = 1;
  const pageText = search.get('page');
  if (pageText !== null && pageText !== '') {
    const n = Number(pageText);
    if (Number.isSafeInteger(n) && n >= 1 && n <= 10_000_000) page = n;
    else ignored.push('bad page number');
  }

  // Sorting by risk reads the store in its default order (the ties' order) and sorts in memory.
  const query: FindingListQuery =
    sort === 'risk'
      ? { filter, sort: 'updatedAt', direction: 'desc', limit: size }
      : { filter, sort, direction: dir, limit: size };
  const cursor = search.get('cursor');
  if (cursor !== null && cursor !== '' && cursor.length <= 4096) {
    query.cursor = cursor;
  } else {
    query.offset = (page - 1) * size;
  }
  return { query, page, size, sort, dir, params, ignored, ...(risk === undefined ? {} : { risk }) };
}

/** The filter part of parsed parameters (for links that change sort or page). */
export function filterParams(p: ListParams): ListParams {
  const out: ListParams = {};
  if (p.type !== undefined) out.type = p.type;
  if (p.status !== undefined) out.status = p.status;
  if (p.account !== undefined) out.account = p.account;
  if (p.principal !== undefined) out.principal = p.principal;
  if (p.service !== undefined) out.service = p.service;
  if (p.risk !== undefined) out.risk = p.risk;
  if (p.size !== undefined) out.size = p.size;
  return out;
}
