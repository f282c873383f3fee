/**
 * Debug bundles: a redacted, checksummed directory per request for post-mortem analysis.
 * Enable with `MainLoopConfig.debugBundle`; read back with {@link DebugBundle.load}.
 *
 * @example
 * ```ts nocheck
 * import { DebugBundle } from "weakincentives/debug";
 *
 * const bundle = await DebugBundle.load(result.bundlePath);
 * bundle.manifest.files; // [{ path, bytes, sha256 }]
 * await bundle.verifyIntegrity();
 * ```
 */

export {
  type BundleConfig,
  BundleConfigSchema,
  type BundleContents,
  type BundleFile,
  type BundleManifest,
  type ResolvedBundleConfig,
  resolveBundleConfig,
  type SkippedFile,
  writeBundle,
} from "./bundle.js";
export type { EnvironmentFacts } from "./environment.js";
export { archiveBundle, type BundleLogRecord, type BundleSlice, DebugBundle } from "./load.js";
export type { BundleMetrics, ToolFigures } from "./metrics.js";
export { BUNDLE_SCHEMA, BundleDatabase, type QueryResult, type SqlCell } from "./query.js";
export {
  type BundleEntry,
  listBundles,
  type PruneResult,
  pruneBundles,
  type RetentionPolicy,
  RetentionPolicySchema,
} from "./retention.js";
export { type BundleViewer, serveBundles, type ViewerOptions } from "./viewer/server.js";
