import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrieNode } from '../../refine/types.js';
import { foldUnused } from './trie.js';

const node = (prefix: string, extra: Partial<TrieNode> = {}): TrieNode => ({
  prefix,
  token: prefix.slice(prefix.lastIndexOf(':') + 1) || prefix,
  safe: false,
  isAction: false,
  unused: false,
  actionCount: 1,
  unusedCount: 0,
  children: [],
  ...extra,
});

describe('foldUnused', () => {
  it('folds the wholly unused branches of * into one node and keeps the paths to emitted entries', () => {
    const root = node('', {
      children: [
        node('a2c:', { unused: true, actionCount: 4, unusedCount: 4 }),
        node('a4b:', { unused: true, actionCount: 3, unusedCount: 3 }),
        node('s3:', {
          children: [
            node('s3:Get', { safe: true, emitted: 's3:Get*' }),
            node('s3:Put', { unused: true }),
          ],
        }),
        node('sqs:', { unused: true, actionCount: 5, unusedCount: 5 }),
      ],
    });
    const folded = foldUnused(root);
    expect(folded.children.map((c) => c.token)).toEqual(['s3:', '… 3 unused']);
    expect(folded.children[1]!.actionCount).toBe(12);
    // One unused sibling alone is kept as it is (nothing to summarise).
    expect(folded.children[0]!.children.map((c) => c.prefix)).toEqual(['s3:Get', 's3:Put']);
    expect(root.children).toHaveLength(4); // the input is not changed
  });

  it('never drops a node that leads to an emitted entry, and returns the same object when nothing folds', () => {
    const at = (depth: number): fc.Arbitrary<TrieNode> =>
      fc.record({
        prefix: fc.string({ maxLength: 3 }),
        token: fc.string({ maxLength: 3 }),
        safe: fc.boolean(),
        isAction: fc.boolean(),
        unused: fc.boolean(),
        actionCount: fc.nat(5),
        unusedCount: fc.nat(5),
        emitted: fc.option(fc.constant('x*'), { nil: undefined }),
        children: depth === 0 ? fc.constant([]) : fc.array(at(depth - 1), { maxLength: 4 }),
      });
    const arb = at(3);
    const emitted = (n: TrieNode): number =>
      (n.emitted === undefined ? 0 : 1) + n.children.reduce((a, c) => a + emitted(c), 0);
    fc.assert(
      fc.property(arb, (t) => {
        const f = foldUnused(t);
        expect(emitted(f)).toBe(emitted(t));
        if (f === t) expect(foldUnused(t)).toBe(t);
      }),
      { numRuns: 300 },
    );
  });
});
