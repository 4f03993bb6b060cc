/** allIamPages: every page is read in order with the previous page's marker, and a failure names the call. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from './errors.js';
import { allIamPages, type IamPage } from './pages.js';

type NamesPage = IamPage & { PolicyNames?: string[] };

/** A paged list call over `pages`: the marker is the next page's index; the last page is not truncated. */
function pagedSend(pages: readonly string[][], seen: ({ Marker?: string } | undefined)[]) {
  return (paging: { Marker?: string }): Promise<NamesPage> => {
    seen.push(paging);
    const i = paging.Marker === undefined ? 0 : Number(paging.Marker);
    const last = i === pages.length - 1;
    return Promise.resolve({
      PolicyNames: pages[i]!,
      IsTruncated: !last,
      ...(last ? {} : { Marker: String(i + 1) }),
    });
  };
}

describe('allIamPages', () => {
  it('returns the items of every page in order, passing each page the marker of the one before', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.string(), { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        async (pages) => {
          const seen: ({ Marker?: string } | undefined)[] = [];
          const names = await allIamPages(
            'IAM:ListRolePolicies',
            pagedSend(pages, seen),
            (p) => p.PolicyNames ?? [],
          );
          expect(names).toEqual(pages.flat());
          expect(seen).toEqual(pages.map((_, i) => (i === 0 ? {} : { Marker: String(i) })));
        },
      ),
    );
  });

  it('stops at a page that is not truncated even when it carries a marker', async () => {
    let calls = 0;
    const names = await allIamPages<NamesPage, string>(
      'IAM:ListUserPolicies',
      () => {
        calls++;
        return Promise.resolve({ PolicyNames: ['a'], IsTruncated: false, Marker: 'ignored' });
      },
      (p) => p.PolicyNames ?? [],
    );
    expect(names).toEqual(['a']);
    expect(calls).toBe(1);
  });

  it('rethrows a failed page as an AwsCallError naming the call and what it was for', async () => {
    const failing = Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' });
    const read = allIamPages<NamesPage, string>(
      'IAM:ListGroupPolicies',
      () => Promise.reject(failing),
      (p) => p.PolicyNames ?? [],
      'group/devs',
    );
    await expect(read).rejects.toBeInstanceOf(AwsCallError);
    await expect(read).rejects.toThrow(/ListGroupPolicies/);
    await expect(read).rejects.toThrow(/group\/devs/);
  });
});
