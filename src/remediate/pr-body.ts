/**
 * The Markdown pull-request description of a finding's patches: the principal, the unused actions
 * by access level and by service, what changes in which file, the size against IAM's quota, the
 * proof, and how to roll back. Every value that comes from the inputs (ARNs, names, paths,
 * actions) is written inside code spans with backticks neutralised, so the body renders as text.
 */
import type { Finding } from '../findings/types.js';
import type { NotPatched, PatchForm, PolicyPatch } from './remediate.js';

/** At most this many actions are listed per access level (the rest are counted). */
export const MAX_LISTED_ACTIONS = 40;

/** At most this many services unused as a whole are named. */
export const MAX_LISTED_SERVICES = 20;

/** Text from the inputs, with Markdown's special characters escaped (it renders as written). */
export function text(value: string): string {
  let out = '';
  for (const c of value.replaceAll('\n', ' ')) out += '\\`*_[]<>#|!'.includes(c) ? `\\${c}` : c;
  return out;
}

/** A Markdown code span of any text (backticks inside are made harmless). */
export function code(text: string): string {
  const safe = text.replaceAll('`', 'ˋ').replaceAll('\n', ' ');
  return `\`${safe}\``;
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** What a patch of each form changes. */
const WHAT_CHANGES: Record<PatchForm, string> = {
  article: 'only its action lists are rewritten',
  compact: 'only its action lists are rewritten',
  notaction:
    'only its action lists are rewritten, and an `Action` that allows every action becomes `NotAction` of the unused ones',
  split:
    'its action lists are cut to the first part, and the other parts are new resources next to it',
};

/** The patched forms in words. */
const FORM_WORDS: Record<PatchForm, string> = {
  article: 'article (patterns cut at CamelCase words)',
  compact: 'compact (patterns cut at any character)',
  notaction: 'NotAction',
  split: 'split over several customer managed policies',
};

const LEVEL_ORDER = ['Permissions management', 'Write', 'Tagging', 'Read', 'List', 'Unknown'];

/** Options of {@link prBody}. */
export interface PrBodyOptions {
  /** The catalog's version, for the proof paragraph. */
  catalogVersion: string;
  /** The command that produced the patch (for the roll-back paragraph). */
  command?: string;
}

/**
 * The pull-request body for one finding: its patches (`patches` may hold other findings' patches;
 * only this finding's are used) and its policies that were not patched.
 */
export function prBody(
  finding: Finding,
  patches: readonly PolicyPatch[],
  notPatched: readonly NotPatched[],
  options: PrBodyOptions,
): string {
  const mine = patches.filter((p) => p.findingIds.includes(finding.id));
  const skipped = notPatched.filter((n) => n.findingId === finding.id);
  const out: string[] = [];
  out.push(`## Least privilege for ${code(finding.resource)}`, '');
  const details = finding.findingDetails.flatMap((d) =>
    'unusedPermissionDetails' in d ? [d.unusedPermissionDetails] : [],
  );
  const wholeServices = details
    .filter((d) => d.actions === undefined)
    .map((d) => d.serviceNamespace);
  const actionCount = details.reduce((n, d) => n + (d.actions?.length ?? 0), 0);
  out.push(
    `iam-refine found permissions this principal did not use in the tracking period (analyzed ${finding.analyzedAt}, finding ${code(finding.id)}): ` +
      `${plural(actionCount, 'action')} of services it uses` +
      (wholeServices.length > 0
        ? `, and ${plural(wholeServices.length, 'service')} it did not use at all`
        : '') +
      '. This change removes them from the policies written in this repository.',
    '',
  );

  out.push('### Unused permissions', '');
  const used = [...details]
    .filter((d) => d.actions !== undefined)
    .sort((a, b) => a.serviceNamespace.localeCompare(b.serviceNamespace));
  if (used.length > 0) {
    out.push(
      `Unused actions of services in use, by service: ${used.map((d) => `${code(d.serviceNamespace)} (${d.actions!.length})`).join(', ')}.`,
    );
  }
  if (wholeServices.length > 0) {
    const sorted = [...wholeServices].sort();
    const shown = sorted.slice(0, MAX_LISTED_SERVICES).map(code).join(', ');
    const more =
      sorted.length > MAX_LISTED_SERVICES
        ? `, and ${sorted.length - MAX_LISTED_SERVICES} more`
        : '';
    out.push(`Services not used at all: ${shown}${more}.`);
  }
  out.push('');
  const byLevel = new Map<string, Set<string>>();
  for (const p of mine) {
    for (const [level, actions] of Object.entries(p.removedByAccessLevel)) {
      const set = byLevel.get(level) ?? new Set<string>();
      for (const a of actions ?? []) set.add(a);
      byLevel.set(level, set);
    }
  }
  if (byLevel.size > 0) {
    out.push('Removed by this change, by access level:', '');
    const levels = [...byLevel.keys()].sort(
      (a, b) => LEVEL_ORDER.indexOf(a) - LEVEL_ORDER.indexOf(b),
    );
    for (const level of levels) {
      const actions = [...byLevel.get(level)!].sort();
      const shown = actions.slice(0, MAX_LISTED_ACTIONS).map(code).join(', ');
      const more =
        actions.length > MAX_LISTED_ACTIONS
          ? `, and ${actions.length - MAX_LISTED_ACTIONS} more`
          : '';
      out.push(`- **${level}** (${actions.length}): ${shown}${more}`);
    }
    out.push('');
  }
  const services = [...new Set(mine.flatMap((p) => p.removedServices))].sort();
  if (services.length > 0) {
    out.push(`Services removed as a whole: ${services.map(code).join(', ')}.`, '');
  }

  out.push('### What changes', '');
  for (const p of mine) {
    const where = `${code(`${p.source.file}`)} (${code(p.source.address)}, declared at ${code(`${p.source.declaredIn}:${p.source.line}`)}, ${p.source.form})`;
    out.push(
      `- ${p.policyType === 'CUSTOMER_MANAGED' ? 'Managed policy' : 'Inline policy'} ${code(p.policyName)} in ${where}: ${WHAT_CHANGES[p.form]}.`,
    );
    out.push(`  Form: **${FORM_WORDS[p.form]}**${p.formReason ? `: ${text(p.formReason)}` : ''}.`);
    if (p.parts) {
      out.push(
        `  Parts: ${p.parts.map((x, k) => `${code(x.id)}${k === 0 ? ' (the original resource)' : ' (new)'} ${x.characters.toLocaleString('en-US')} of ${x.quota.toLocaleString('en-US')} characters`).join(', ')}. ` +
          (p.attachmentsCopied
            ? `Each new resource is a copy of the original${p.dataSourceCopies ? ` reading its own copy of ${code(p.dataSourceCopies.address)} (${p.dataSourceCopies.copies.map(code).join(', ')}, written after it in ${code(p.source.file)})` : ''}, and each attachment resource of the original (${p.attachmentsCopied.map((a) => (a.file === p.source.file ? code(a.address) : `${code(a.address)} in ${code(a.file)}`)).join(', ')}) is copied for every new part${p.otherFiles ? ', next to it in its own file' : ''}: the scan saw as many attachments as there are attachment resources, but if the policy is attached anywhere else (another workspace, by hand), attach the new parts there too.`
            : 'Each new resource is a copy of the original with the same `Roles`, `Users` and `Groups`: if the policy is attached anywhere else (another stack, by hand), attach the new parts there too.'),
      );
    }
    out.push(
      `  Size: ${p.size.before.characters.toLocaleString('en-US')} → ${p.size.after.characters.toLocaleString('en-US')} characters of ${p.size.after.quota.toLocaleString('en-US')} (${p.size.after.label}; whitespace not counted).`,
    );
    if (p.sharedBy !== undefined) {
      const shown = p.sharedBy.slice(0, 10).map(code).join(', ');
      const more = p.sharedBy.length > 10 ? ` and ${p.sharedBy.length - 10} more` : '';
      out.push(
        `  The policy is attached to ${p.sharedBy.length} principals (${shown}${more}), each with an UnusedPermission finding: only what none of them used is removed.`,
      );
    } else if (p.principals.length > 1) {
      out.push(
        `  The policy is shared: the same change is recommended for ${p.principals.map(code).join(', ')}.`,
      );
    } else if (p.policyType === 'CUSTOMER_MANAGED' || p.policyType === 'GROUP_MANAGED') {
      out.push('  The scan saw this managed policy attached to this principal only.');
    }
  }
  out.push('');
  if (skipped.length > 0) {
    out.push('Not changed by this patch:', '');
    for (const s of skipped) {
      const at = s.source ? ` (${code(`${s.source.address}`)})` : '';
      out.push(`- ${code(s.policyName)}${at}: ${text(s.reason)}`);
    }
    out.push('');
  }

  out.push('### Proof', '');
  for (const p of mine) {
    out.push(
      `- ${code(p.policyName)}: the patched file was parsed again and the document read back from it was checked against every one of the ${p.proof.catalogActions.toLocaleString('en-US')} actions of the catalog (${code(options.catalogVersion)}): it allows exactly what the deployed policy allowed minus the unused actions, and no pattern it adds can match an action the original could not (${plural(p.proof.statementsChecked, 'statement')} checked, ${plural(p.proof.patternsChecked, 'new pattern')} checked for containment): **${p.proof.exact ? 'EXACT' : 'NOT EXACT'}**.`,
    );
  }
  out.push('');
  out.push('### Before you merge', '');
  out.push(
    'The unused permissions are those of the principals named above, over the tracking period. ' +
      'If this configuration is also applied elsewhere (another Terraform workspace or account, another stack or StackSet instance of this template), ' +
      'check that those deployments did not use what is removed: scan them too and give `remediate` all their findings ' +
      "(a source whose principals' unused permissions differ is then not patched).",
  );
  out.push('');
  out.push('### Roll back', '');
  out.push(
    'Revert this change (`git revert` of its commit) and deploy as usual (`terraform apply`, or update the stack): the previous documents come back exactly as they were. ' +
      'Nothing was changed in the account by iam-refine.',
  );
  if (options.command) out.push('', `Generated with ${code(options.command)}.`);
  return `${out.join('\n')}\n`;
}
