/**
 * The split form written into templates (split.ts), checked against splitPolicy itself: for random
 * policies, unused sets and quotas, every part read back from the patched template (the original
 * resource and the copies) is exactly the part splitPolicy made, in JSON and YAML, with the lists
 * written one per line or inline.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionCatalog } from '../catalog/catalog.js';
import { loadCatalog } from '../catalog/load.js';
import { splitPolicy } from '../refine/forms/split.js';
import { refinePolicy } from '../refine/refine.js';
import { locateCloudFormation } from './cloudformation.js';
import { canonicalDocument, resolveDocument } from './document.js';
import { applyEdits } from './rewrite-list.js';
import { planSplit, splitWindows } from './split.js';

let catalog: ActionCatalog;
let s3: string[];

beforeAll(async () => {
  catalog = await loadCatalog();
  s3 = catalog.actions.filter((a) => a.service === 's3').map((a) => `s3:${a.name}`);
});

/** A template with one managed policy whose statements are `statements` (action lists). */
function template(lang: 'json' | 'yaml', statements: string[][], inline: boolean): string {
  if (lang === 'json') {
    const st = statements.map((actions, i) => {
      const list = inline
        ? `[${actions.map((a) => JSON.stringify(a)).join(', ')}]`
        : `[\n${actions.map((a) => `                ${JSON.stringify(a)}`).join(',\n')}\n              ]`;
      return `            {\n              "Sid": "S${i}",\n              "Effect": "Allow",\n              "Action": ${list},\n              "Resource": "*"\n            }`;
    });
    return `{\n  "Resources": {\n    "Qz": {\n      "Type": "AWS::IAM::ManagedPolicy",\n      "Properties": {\n        "ManagedPolicyName": "p",\n        "Roles": ["r"],\n        "PolicyDocument": {\n          "Version": "2012-10-17",\n          "Statement": [\n${st.join(',\n')}\n          ]\n        }\n      }\n    }\n  }\n}\n`;
  }
  const st = statements.map((actions, i) => {
    const list = inline
      ? ` [${actions.join(', ')}]`
      : `\n${actions.map((a) => `              - ${a}`).join('\n')}`;
    return `          - Sid: S${i}\n            Effect: Allow\n            Action:${list}\n            Resource: '*'`;
  });
  return `Resources:\n  Qz:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      ManagedPolicyName: p\n      Roles:\n        - r # the role\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n${st.join('\n')}\n`;
}

describe('planSplit', () => {
  it('writes exactly the parts splitPolicy made (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.nat({ max: 199 }), { minLength: 1, maxLength: 25 }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.uniqueArray(fc.nat({ max: 199 }), { maxLength: 30 }),
        fc.integer({ min: 250, max: 900 }),
        fc.constantFrom('json' as const, 'yaml' as const),
        fc.boolean(),
        (lists, unusedIdx, quota, lang, inline) => {
          const statements = lists.map((l) => l.map((i) => s3[i % s3.length]!));
          const used = new Set(statements.flat());
          const unused = unusedIdx.map((i) => s3[i % s3.length]!);
          const text = template(lang, statements, inline);
          const path = `t.${lang}`;
          const source = locateCloudFormation(path, text).sources[0]!;
          const original = resolveDocument(source.document, new Map()) as Record<string, unknown>;
          const refinement = refinePolicy(original, unused, { catalog });
          fc.pre(refinement.recommendedAction === 'CREATE_POLICY');
          fc.pre([...used].some((a) => !unused.includes(a)));
          const split = splitPolicy(refinement.policy!, quota, 50);
          fc.pre(split !== undefined && split.parts.length > 1);
          const edits = planSplit(text, source, refinement, split!);
          if (typeof edits === 'string') throw new Error(edits);
          const after = applyEdits(text, edits);
          const located = locateCloudFormation(path, after);
          expect(located.sources.map((s) => s.address)).toEqual(
            split!.parts.map((_, k) => (k === 0 ? 'Resources.Qz' : `Resources.QzPart${k + 1}`)),
          );
          located.sources.forEach((s, k) => {
            const doc = resolveDocument(s.document, new Map());
            expect(canonicalDocument(doc)).toEqual(canonicalDocument(split!.parts[k]));
            expect(s.policyName).toBe(k === 0 ? 'p' : `p-part-${k + 1}`);
          });
          // The windows cover every entry of every refined statement exactly once.
          const windows = splitWindows(split!);
          const refined = refinement.policy!.Statement as { Action: string[] }[];
          refined.forEach((st, r) => {
            let covered = 0;
            for (const w of windows) {
              const x = w[r];
              if (x) covered += Math.min(x.to, st.Action.length) - x.from;
            }
            expect(covered).toBe(st.Action.length);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
