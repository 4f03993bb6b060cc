import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PrincipalActivity } from '../activity/types.js';
import { createCatalog } from '../catalog/catalog.js';
import { unusedIndexFromFlags } from '../refine/unused-index.js';
import { serviceBlocks, unusedPermissions } from './unused-permissions.js';
import { trackingWindow } from './usage.js';

// Service names sort differently from the catalog's keys: `account-access:` comes before
// `account:` in the catalog ('-' < ':') but after `account` among service names.
const catalog = createCatalog(
  {
    account: [
      ['GetRegion', { tracked: true }],
      ['PutRegion', { tracked: true }],
    ],
    'account-access': [
      ['CreateApplication', { tracked: true }],
      ['GetApplication', { tracked: true }],
    ],
    s3: [['GetObject', { tracked: true }], ['PutObject', { tracked: true }], 'ListBucket'],
    's3-outposts': [['GetObject', { tracked: true }]],
  },
  'names-vs-keys',
);
const now = new Date('2026-09-01T00:00:00Z');
const ctx = {
  catalog,
  blocks: serviceBlocks(catalog),
  window: trackingWindow(now, 90),
  dataEventServices: new Set<string>(),
};

describe('unusedPermissions', () => {
  it('lists the unused indices in catalog order, whatever the order of the service names', () => {
    const used = new Date('2026-08-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), {
          minLength: catalog.actions.length,
          maxLength: catalog.actions.length,
        }),
        fc.subarray(catalog.services as string[]),
        fc.subarray(catalog.actions.map((a) => a.full)),
        (allow, usedServices, usedActions) => {
          const allowed = Uint8Array.from(allow, (b) => (b ? 1 : 0));
          const activity: PrincipalActivity = { last: used, services: new Map() };
          for (const s of usedServices)
            activity.services.set(s, { last: used, actions: new Map() });
          for (const full of usedActions) {
            const a = catalog.get(full)!;
            activity.services
              .get(a.service)
              ?.actions.set(a.name.toLowerCase(), { last: used, possible: false });
          }
          const r = unusedPermissions(allowed, activity, ctx);
          const flagged = catalog.actions
            .filter((a) => r.flags.flags[a.index] === 1)
            .map((a) => a.index);
          expect([...r.flags.sorted]).toEqual(flagged);
          // ...which is what the refinement's index requires (it checks).
          expect(() => unusedIndexFromFlags(r.set, r.flags.flags, r.flags.sorted)).not.toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives the same result with any superset of the allowed services as without (their blocks looked up)', () => {
    const used = new Date('2026-08-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), {
          minLength: catalog.actions.length,
          maxLength: catalog.actions.length,
        }),
        fc.subarray(catalog.services as string[]),
        fc.subarray(catalog.actions.map((a) => a.full)),
        fc.subarray([...(catalog.services as string[]), 'nope', 'ec2']),
        (allow, usedServices, usedActions, extra) => {
          const allowed = Uint8Array.from(allow, (b) => (b ? 1 : 0));
          const activity: PrincipalActivity = { last: used, services: new Map() };
          for (const s of usedServices)
            activity.services.set(s, { last: used, actions: new Map() });
          for (const full of usedActions) {
            const a = catalog.get(full)!;
            activity.services
              .get(a.service)
              ?.actions.set(a.name.toLowerCase(), { last: used, possible: false });
          }
          // Every service with an allowed action, plus others, in a scrambled order.
          const services = new Set([
            ...extra.reverse(),
            ...catalog.actions.filter((a) => allowed[a.index] === 1).map((a) => a.service),
          ]);
          const all = unusedPermissions(allowed, activity, ctx);
          const only = unusedPermissions(allowed, activity, ctx, services);
          expect(only.details).toEqual(all.details);
          expect(only.set).toEqual(all.set);
          expect([...only.set.entries]).toEqual([...all.set.entries]);
          expect(only.flags).toEqual(all.flags);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('unusedIndexFromFlags', () => {
  it('refuses indices out of order or not matching the flags', () => {
    const set = { services: new Map(), entries: [] };
    const flags = Uint8Array.from([1, 0, 1]);
    expect(() => unusedIndexFromFlags(set, flags, Int32Array.from([2, 0]))).toThrow(RangeError);
    expect(() => unusedIndexFromFlags(set, flags, Int32Array.from([0]))).toThrow(RangeError);
    expect(() => unusedIndexFromFlags(set, flags, Int32Array.from([0, 1]))).toThrow(RangeError);
    expect(unusedIndexFromFlags(set, flags, Int32Array.from([0, 2])).countIn(0, 3)).toBe(2);
  });
});
