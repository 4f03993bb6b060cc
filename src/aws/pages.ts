/**
 * Reading every page of an IAM list call that pages with `Marker` and `IsTruncated` (ListRolePolicies,
 * ListAttachedUserPolicies, ...): each page is one {@link awsCall}, so a failure names the call.
 */
import { awsCall } from './errors.js';

/** The paging fields of an IAM list response. */
export interface IamPage {
  IsTruncated?: boolean;
  Marker?: string;
}

/**
 * The items of every page of one IAM list call, in order.
 *
 * @param call - the call's name in errors, e.g. `IAM:ListRolePolicies`.
 * @param send - sends the call with the given paging parameter (`{}` for the first page).
 * @param items - the items of a page.
 * @param where - what the call was for, in errors.
 * @throws the error {@link awsCall} describes when a page cannot be read.
 */
export async function allIamPages<P extends IamPage, T>(
  call: string,
  send: (paging: { Marker?: string }) => Promise<P>,
  items: (page: P) => readonly T[],
  where?: string,
): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const paging = marker === undefined ? {} : { Marker: marker };
    const page = await awsCall(call, () => send(paging), where);
    out.push(...items(page));
    marker = page.IsTruncated === true ? page.Marker : undefined;
  } while (marker !== undefined);
  return out;
}
