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

describe('trie counts', () => {
  it("gives every node its members' count and unused count (the whole-range shortcut included)", () => {
    const arb = fc.record({
      pattern: fc.constantFrom('*', 'ec2:*', 's3:*', 's*', '*:Get*', 'ec2:Describe*', '*Tag*'),
      wholeServices: fc.array(fc.nat(), { maxLength: 300 }),
      actions: fc.array(fc.nat(), { maxLength: 2000 }),
    });
    fc.assert(
      fc.property(arb, ({ pattern, wholeServices, actions }) => {
        const services = catalog.services;
        const index = indexUnused(
          parseUnused([
            ...wholeServices.map((i) => `${services[i % services.length]!}:*`),
            ...actions.map((i) => catalog.actions[i % catalog.actions.length]!.full),
          ]),
          catalog,
        );
        const glob = compileGlob(pattern);
        const matched = catalog.match(glob);
        // The reference: a node's members are the matched actions whose first tokens spell its
        // prefix (case-insensitively), counted directly.
        const byPrefix = new Map<string, { all: number; unused: number }>();
        for (const a of matched) {
          const tokens = catalog.lowerTokens(a);
          for (let d = 0; d <= tokens.length; d++) {
            const key = `${d}|${tokens.slice(0, d).join('')}`;
            const c = byPrefix.get(key) ?? { all: 0, unused: 0 };
            c.all++;
            c.unused += index.flags[a.index]!;
            byPrefix.set(key, c);
          }
        }
        let nodes = 0;
        const check = (node: TrieNode, depth: number) => {
          nodes++;
          const want = byPrefix.get(`${depth}|${node.prefix.toLowerCase()}`)!;
          expect([node.actionCount, node.unusedCount]).toEqual([want.all, want.unused]);
          for (const c of node.children) check(c, depth + 1);
        };
        check(shortestSafePrefixes(glob, matched, index, catalog).trie, 0);
        expect(nodes).toBeGreaterThan(0);
      }),
      { numRuns: 30 },
    );
  });
});
