/**
 * The `json` format: everything in the {@link Refinement}, plus the catalog version and the size
 * of the recommended (or kept) policy, for scripts.
 */
import type { FormSummary } from '../../refine/forms/choose.js';
import type { Refinement } from '../../refine/types.js';
import type { SizeReport } from '../../policy/size.js';

/** Options of {@link formatJson}. */
export interface JsonFormatOptions {
  /** The policy file as given (`<stdin>` for `-`). */
  source?: string;
  /** The `existingPolicyId` the `aws` format would use. */
  policyId?: string;
  /**
   * Size of the policy that stays attached (the refined one for `CREATE_POLICY`, the original for
   * `NONE`), or null when the policy is detached.
   */
  size: SizeReport | null;
  /** The form chosen (`--style`), when known. */
  form?: FormSummary;
  /** The parts of a split form. */
  parts?: readonly Record<string, unknown>[];
}

/** The object {@link formatJson} prints. */
export interface JsonReport extends Refinement {
  /** Present when {@link JsonFormatOptions.source} was given. */
  source?: string;
  /** Present when {@link JsonFormatOptions.policyId} was given. */
  policyId?: string;
  /** See {@link JsonFormatOptions.size}. */
  size: SizeReport | null;
  /** See {@link JsonFormatOptions.form}. */
  form?: FormSummary;
  /** See {@link JsonFormatOptions.parts}. */
  parts?: readonly Record<string, unknown>[];
}

/** Builds the {@link JsonReport}: the refinement's own fields first, then the additions. */
export function jsonReport(refinement: Refinement, options: JsonFormatOptions): JsonReport {
  return {
    ...(options.source === undefined ? {} : { source: options.source }),
    ...(options.policyId === undefined ? {} : { policyId: options.policyId }),
    ...refinement,
    catalogVersion: refinement.catalogVersion,
    size: options.size,
    ...(options.form === undefined ? {} : { form: options.form }),
    ...(options.parts === undefined ? {} : { parts: options.parts }),
  };
}

/** The {@link JsonReport} as 2-space JSON plus a newline. */
export function formatJson(refinement: Refinement, options: JsonFormatOptions): string {
  return `${JSON.stringify(jsonReport(refinement, options), null, 2)}\n`;
}
