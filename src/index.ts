/**
 * iam-refine's library API: load a catalog, refine a policy against its unused permissions,
 * verify any refined policy against the exactness proof, and run the whole scan pipeline
 * (`runScanCore`: inputs → activity → findings → recommendations) as `iam-refine scan` does.
 *
 * @example
 * ```ts
 * import { loadCatalog, refinePolicy } from 'iam-refine';
 * const catalog = await loadCatalog();
 * const r = refinePolicy(policyJson, [{ serviceNamespace: 's3', actions: ['GetBucketAcl'] }], { catalog });
 * if (r.recommendedAction === 'CREATE_POLICY') console.log(JSON.stringify(r.policy, null, 2));
 * ```
 * @packageDocumentation
 */
export { loadCatalog } from './catalog/load.js';
export {
  createCatalog,
  ACCESS_LEVELS,
  type AccessLevel,
  type ActionCatalog,
  type ActionFacts,
  type CatalogAction,
} from './catalog/catalog.js';
export { refinePolicy, type RefineOptions } from './refine/refine.js';
export { verifyRefinement, type PolicyInput } from './refine/proof.js';
export type {
  AddedEntry,
  EntryChange,
  Proof,
  RecommendedAction,
  RecommendedStep,
  RefineWarning,
  Refinement,
  StatementChange,
  StatementProof,
  TrieNode,
} from './refine/types.js';
export { parsePolicy, type PolicyDocument, type PolicyStatement } from './policy/document.js';
export { parseUnused, type UnusedPermissions, type UnusedSet } from './policy/unused.js';
export { compileGlob, globMatch, globContains, type Glob } from './glob/glob.js';
export {
  IamRefineError,
  ValidationError,
  ProofFailedError,
  formatIssue,
  type Issue,
  type IssueCode,
} from './errors.js';
export {
  runScanCore,
  DEFAULT_TRACKING_PERIOD_DAYS,
  type ScanOptions,
  type ScanOutcome,
  type InputStats,
  type ScanProgress,
} from './scan/run.js';
export { formatScanJson, summaryLine } from './scan/output.js';
export { recordScanInStore } from './scan/record.js';
export type {
  ScanResult,
  Finding,
  NotEvaluated,
  ScanWarning,
  ScanCoverage,
} from './findings/types.js';
export {
  EvidenceCoverage,
  CoverageCollector,
  logFileLocation,
  spanClaim,
  type CoverageClaim,
  type CoverageCheck,
  type SourceCoverage,
} from './activity/coverage.js';
export {
  remediate,
  type RemediateOptions,
  type RemediateResult,
  type PolicyPatch,
  type NotPatched,
} from './remediate/remediate.js';
export { readTerraformState, readStackResources, type Deployed } from './remediate/deployed.js';
export { prBody } from './remediate/pr-body.js';
export type { SharedPolicyContext } from './remediate/shared-policy.js';
export { policyAttachments, type PolicyAttachments } from './findings/policy-attachments.js';
export type { Unsupported } from './remediate/types.js';
export {
  identityCenterRole,
  identityCenterRoleOfArn,
  isIdentityCenterRoleArn,
  type IdentityCenterRole,
} from './identity-center/roles.js';
export { parsePermissionSets } from './identity-center/read.js';
export { permissionSetRecommendations } from './identity-center/scan.js';
export type {
  PermissionSetRecommendation,
  PermissionSetPolicy,
} from './identity-center/recommend.js';
export type { PermissionSetsFile, PermissionSet } from './identity-center/types.js';
