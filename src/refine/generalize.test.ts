import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { compileGlob } from '../glob/glob.js';
import { parseUnused } from '../policy/unused.js';
import { exclusionPrefixes, shortestSafePrefixes } from './generalize.js';
import type { TrieNode } from './types.js';
import { indexUnused } from './unused-index.js';

let catalog: ActionCatalog;
beforeAll(async () => {
  catalog = await loadCatalog();
});

// The trie's root groups members in catalog order by service without looking tokens up; members
// in any other order take the general grouping. Both must give the same trie and entries, up to
// the casing of a token the catalog spells in two ways (`GET` and `Get`: the first member seen
// gives it, and reversing the members changes which one that is).
const lower = (entries: string[]) => entries.map((e) => e.toLowerCase());

function lowerTrie(node: TrieNode): unknown {
  return {
    ...node,
    prefix: node.prefix.toLowerCase(),
    token: node.token.toLowerCase(),
    emitted: node.emitted?.toLowerCase(),
    children: node.children.map(lowerTrie),
  };
}
describe('trie root grouping', () => {
  it('gives the same result for members in catalog order and in reverse order', () => {
    const arb = fc.record({
      pattern: fc.constantFrom('*', 's*', '*:Get*', 'ec2:*', '*Tag*'),
      wholeServices: fc.array(fc.nat(), { maxLength: 300 }),
      actions: fc.array(fc.nat(), { maxLength: 400 }),
    });
    fc.assert(
      fc.property(arb, ({ pattern, wholeServices, actions }) => {
        const services = catalog.services;
        const unused = parseUnused([
          ...wholeServices.map((i) => `${services[i % services.length]!}:*`),
          ...actions.map((i) => catalog.actions[i % catalog.actions.length]!.full),
        ]);
        const index = indexUnused(unused, catalog);
        const glob = compileGlob(pattern);
        const matched = catalog.match(glob);
        const inOrder = shortestSafePrefixes(glob, matched, index, catalog);
        const reversed = shortestSafePrefixes(glob, [...matched].reverse(), index, catalog);
        expect(lower(reversed.entries)).toEqual(lower(inOrder.entries));
        expect(lowerTrie(reversed.trie)).toEqual(lowerTrie(inOrder.trie));
        const toExclude = [...index.sorted].map((i) => catalog.actions[i]!);
        const ex = exclusionPrefixes(toExclude, index, catalog);
        const exReversed = exclusionPrefixes([...toExclude].reverse(), index, catalog);
        expect(lower(exReversed.entries)).toEqual(lower(ex.entries));
        expect(lowerTrie(exReversed.trie)).toEqual(lowerTrie(ex.trie));
      }),
      { numRuns: 25 },
    );
  });
});
