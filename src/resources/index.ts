/**
 * Dependency injection with scoped lifetimes. Bind keys to values or providers in an immutable
 * {@link ResourceRegistry}, open a {@link ResourceContext} per run, resolve with `get`, and let
 * the context close what it built.
 *
 * @example
 * ```ts
 * import { Binding, ResourceRegistry, resourceKey } from "weakincentives/resources";
 *
 * class HttpClient {
 *   constructor(readonly baseUrl: string) {}
 *   async close(): Promise<void> {}
 * }
 * const BaseUrl = resourceKey<string>("BaseUrl");
 *
 * const registry = ResourceRegistry.of(
 *   Binding.instance(BaseUrl, "https://api.example.com"),
 *   Binding.factory(HttpClient, (r) => new HttpClient(r.get(BaseUrl))),
 * );
 *
 * await using ctx = registry.open();
 * const client = ctx.get(HttpClient); // built now, reused after, closed with ctx
 * ```
 */

export {
  Binding,
  type BindingKind,
  type FactoryOptions,
  type Provider,
  SCOPES,
  type Scope,
} from "./binding.js";
export {
  ResourceContext,
  type ResourceContextOptions,
  type ResourceLogContext,
  type ResourceLogger,
} from "./context.js";
export {
  CircularDependencyError,
  DuplicateBindingError,
  ProviderError,
  type ProviderPhase,
  ResourceClosedError,
  ResourceError,
  type ResourceErrorCode,
  ResourceScopeError,
  UnboundResourceError,
} from "./errors.js";
export {
  type AbstractClass,
  isResourceKey,
  type ResourceKey,
  type ResourceOf,
  type ResourceToken,
  resourceKey,
  resourceKeyName,
} from "./keys.js";
export {
  type Closeable,
  isSnapshotable,
  type PostConstruct,
  type ResourceResolver,
  type Snapshotable,
} from "./protocols.js";
export { type InstanceEntry, type MergeOptions, ResourceRegistry } from "./registry.js";
export type { SingletonSnapshot } from "./snapshot.js";
