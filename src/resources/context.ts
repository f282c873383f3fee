/**
 * {@link ResourceContext}: the mutable half of the resources module. It builds resources on first
 * use, caches them by scope, detects dependency cycles and releases what it built when closed.
 *
 * @example
 * ```ts
 * import { Binding, ResourceRegistry } from "weakincentives/resources";
 *
 * class Db { async close(): Promise<void> {} }
 * class Tracer { spans: string[] = []; }
 *
 * const registry = ResourceRegistry.of(
 *   Binding.factory(Db, () => new Db(), { eager: true }),
 *   Binding.factory(Tracer, () => new Tracer(), { scope: "toolCall" }),
 * );
 *
 * await using ctx = registry.open();
 * ctx.start(); // builds the eager Db now
 * await ctx.toolScope(async (resources) => {
 *   resources.get(Tracer).spans.push("lookup"); // a fresh Tracer for this tool call
 * });
 * // leaving the block closes Db
 * ```
 */

import { getLogger } from "../logging/index.js";
import type { Binding, Scope } from "./binding.js";
import {
  CircularDependencyError,
  ProviderError,
  ResourceClosedError,
  ResourceError,
  ResourceScopeError,
  UnboundResourceError,
} from "./errors.js";
import { type Built, releaseAll, runPostConstruct } from "./internal/lifecycle.js";
import { provideResolution, runInToolScope, ScopedResolver, ToolScope } from "./internal/tool-scope.js";
import { type ResourceKey, resourceKeyName } from "./keys.js";
import type { ResourceResolver } from "./protocols.js";
import type { ResourceRegistry } from "./registry.js";
import { SingletonSnapshot } from "./snapshot.js";

/** Log context passed with every resources event. */
export type ResourceLogContext = Readonly<Record<string, unknown>>;

/** The part of a logger the resources module uses. */
export interface ResourceLogger {
  debug(event: string, message: string, context?: ResourceLogContext): void;
  warning(event: string, message: string, context?: ResourceLogContext): void;
  error(event: string, message: string, context?: ResourceLogContext): void;
}

/** Options of {@link ResourceRegistry.open}. */
export interface ResourceContextOptions {
  /** Where lifecycle events go. Default: the `weakincentives.resources` logger. */
  readonly logger?: ResourceLogger;
}

/**
 * Resolves resources from a {@link ResourceRegistry} and owns what it builds. Create it with
 * `registry.open()`, close it with `await ctx.close()` or `await using`.
 *
 * Singletons are built once per context and closed with it, in reverse construction order.
 * `toolCall` resources live for one {@link ResourceContext.toolScope} call; `prototype`
 * resources are built on every `get` and belong to the caller. Values bound with
 * `Binding.instance` belong to whoever bound them and are never closed here.
 */
export class ResourceContext implements ResourceResolver, AsyncDisposable {
  /** The registry this context resolves from. */
  readonly registry: ResourceRegistry;

  readonly #log: ResourceLogger;
  readonly #singletons = new Map<ResourceKey<unknown>, unknown>();
  readonly #built: Built[] = [];
  /** Keys being constructed right now, outermost first (providers are synchronous). */
  readonly #stack: { readonly key: ResourceKey<unknown>; readonly scope: Scope }[] = [];

  readonly #ambient: ResourceResolver;
  /**
   * True when a `toolCall` binding exists. Without one a tool scope has nothing to hold, and
   * skipping the AsyncLocalStorage keeps Node's promise hooks off: once enabled they tax every
   * promise in the process (10–20 µs per model turn through an SDK client, measured by bench/soak).
   */
  readonly #scoped: boolean;
  /** The instance bindings: with {@link ResourceContext.#built}, what a singleton snapshot covers. */
  readonly #instances: readonly Binding<unknown>[];
  /** The snapshot of a context with nothing to capture, made once: the executor takes one per tool call. */
  #nothingToCapture: SingletonSnapshot | undefined;
  #toolScopeCount = 0;
  #closing: Promise<void> | undefined;

  /** Prefer `registry.open()`. */
  constructor(registry: ResourceRegistry, options: ResourceContextOptions = {}) {
    this.registry = registry;
    this.#log = options.logger ?? getLogger("weakincentives.resources");
    this.#ambient = new ScopedResolver(this, undefined);
    const bindings = registry.bindings;
    this.#scoped = bindings.some((binding) => binding.scope === "toolCall");
    this.#instances = bindings.filter((binding) => binding.kind === "instance");
  }

  /** True once {@link ResourceContext.close} has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * The resource bound to `key`, built on first use. Throws {@link UnboundResourceError} when
   * nothing is bound, {@link ProviderError} when building fails, {@link CircularDependencyError}
   * on a cycle, {@link ResourceScopeError} for a `toolCall` key outside a tool scope, and
   * {@link ResourceClosedError} after `close()`.
   */
  get<T>(key: ResourceKey<T>): T {
    return this.#ambient.get(key);
  }

  /** Like {@link ResourceContext.get}, but `undefined` when nothing is bound to `key`. */
  getOptional<T>(key: ResourceKey<T>): T | undefined {
    return this.#ambient.getOptional(key);
  }

  /**
   * The singleton built for `key` in this context, or `undefined` when none was built yet (or the
   * binding is an instance). Never builds anything.
   */
  peek<T>(key: ResourceKey<T>): T | undefined {
    const built = this.#built.find((entry) => entry.key === key);
    return built === undefined ? undefined : (built.instance as T);
  }

  /** True when `key` is bound in the registry. */
  has(key: ResourceKey<unknown>): boolean {
    return this.registry.has(key);
  }

  /** Build every eager singleton now, in binding order, so failures surface before work starts. */
  start(): void {
    this.#assertOpen("start()");
    for (const binding of this.registry.bindings) {
      if (binding.eager) this.#resolve(binding.key, undefined);
    }
  }

  /**
   * Run `fn` in a fresh tool-call scope: `toolCall` resources it resolves (through the resolver
   * it is given, or through this context) are built once for this call and closed, in reverse
   * order, when `fn` settles — also when it throws. Scopes may run concurrently and nest.
   */
  toolScope<R>(fn: (resources: ResourceResolver) => R | Promise<R>): Promise<R> {
    try {
      return Promise.resolve(this.inToolScope(fn));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * {@link ResourceContext.toolScope} without a promise when nothing is scoped to a tool call:
   * then there is no scope to open, log or close, and `fn`'s own result (or exception) comes
   * straight back. The tool executor runs every tool call through here.
   * @internal
   */
  inToolScope<R>(fn: (resources: ResourceResolver) => R | Promise<R>): R | Promise<R> {
    this.#assertOpen("toolScope()");
    if (!this.#scoped) return fn(this.#ambient);
    return this.#scopedCall(fn);
  }

  async #scopedCall<R>(fn: (resources: ResourceResolver) => R | Promise<R>): Promise<R> {
    this.#toolScopeCount += 1;
    const id = this.#toolScopeCount;
    const scope = new ToolScope(id, this);
    this.#log.debug("resource.tool_scope.enter", `Entered tool scope ${id}.`, { toolScope: id });
    try {
      return await runInToolScope(this, scope, fn);
    } finally {
      scope.active = false;
      scope.cache.clear();
      await releaseAll(this.#log, scope.built.splice(0).reverse());
      this.#log.debug("resource.tool_scope.exit", `Left tool scope ${id}.`, { toolScope: id });
    }
  }

  /**
   * Close every singleton this context built, newest first. A resource whose close fails is logged
   * (`resource.close_error`) and the rest still close; this never rejects. Idempotent; after it,
   * resolving throws {@link ResourceClosedError}.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  /** Same as {@link ResourceContext.close}; enables `await using ctx = registry.open()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Capture the state of every {@link Snapshotable} singleton: all instance bindings plus the
   * singletons built so far. Singletons built after the capture are not rolled back by a restore.
   */
  snapshotSingletons(): SingletonSnapshot {
    this.#assertOpen("snapshotSingletons()");
    if (this.#instances.length === 0 && this.#built.length === 0) {
      this.#nothingToCapture ??= SingletonSnapshot.capture(this, []);
      return this.#nothingToCapture;
    }
    const resources: (readonly [ResourceKey<unknown>, unknown])[] = [];
    for (const binding of this.#instances) resources.push([binding.key, binding.value]);
    for (const entry of this.#built) resources.push([entry.key, entry.instance]);
    return SingletonSnapshot.capture(this, resources);
  }

  /** Put back the state captured by {@link ResourceContext.snapshotSingletons} on this context. */
  restoreSingletons(snapshot: SingletonSnapshot): void {
    this.#assertOpen("restoreSingletons()");
    SingletonSnapshot.restore(this, snapshot);
  }

  static {
    // Only code inside the class reaches private fields: hand ScopedResolver its two lookups once.
    provideResolution(
      (context, key, scope) => context.#resolve(key, scope),
      (context, key, scope) => {
        context.#assertOpenToResolve(key);
        return context.registry.has(key) ? context.#resolve(key, scope) : undefined;
      },
    );
  }

  /** {@link ResourceContext.#assertOpen} for a lookup, naming the key only when it throws (every tool call resolves). */
  #assertOpenToResolve(key: ResourceKey<unknown>): void {
    if (this.closed) this.#assertOpen(`resolving "${resourceKeyName(key)}"`);
  }

  #assertOpen(operation: string): void {
    if (this.closed) throw new ResourceClosedError(operation);
  }

  #resolve<T>(key: ResourceKey<T>, scope: ToolScope | undefined): T {
    this.#assertOpenToResolve(key);
    const binding = this.registry.binding(key);
    if (binding === undefined) {
      throw new UnboundResourceError(
        key,
        this.#stack.map((frame) => frame.key),
        this.#sameNameHint(key),
      );
    }
    if (binding.kind === "instance") return binding.value as T;
    const cache = this.#cacheFor(binding, scope);
    if (cache?.has(key)) return cache.get(key) as T;
    return this.#construct(binding, scope, cache);
  }

  /** Where `binding`'s results are cached; `undefined` for prototypes. Enforces scope rules. */
  #cacheFor(
    binding: Binding<unknown>,
    scope: ToolScope | undefined,
  ): Map<ResourceKey<unknown>, unknown> | undefined {
    if (binding.scope === "singleton") return this.#singletons;
    if (binding.scope === "prototype") return undefined;
    const name = resourceKeyName(binding.key);
    if (scope === undefined || !scope.active) {
      throw new ResourceScopeError(
        binding.key,
        `"${name}" has scope "toolCall", so it only exists inside ctx.toolScope(...)${
          scope === undefined ? "" : " and the tool scope it was requested from has ended"
        }. Resolve it while a tool call runs, or bind it as "singleton" or "prototype".`,
      );
    }
    const holder = this.#stack.find((frame) => frame.scope === "singleton");
    if (holder !== undefined) {
      const holderName = resourceKeyName(holder.key);
      throw new ResourceScopeError(
        binding.key,
        `Singleton "${holderName}" depends on "${name}", which has scope "toolCall"; the singleton would ` +
          `keep using it after the tool call closes it. Give "${holderName}" scope "toolCall" or ` +
          `"prototype", or give "${name}" a longer scope.`,
      );
    }
    return scope.cache;
  }

  #construct<T>(
    binding: Binding<T>,
    scope: ToolScope | undefined,
    cache: Map<ResourceKey<unknown>, unknown> | undefined,
  ): T {
    const { key } = binding;
    const loopStart = this.#stack.findIndex((frame) => frame.key === key);
    if (loopStart >= 0) {
      throw new CircularDependencyError([...this.#stack.slice(loopStart).map((frame) => frame.key), key]);
    }
    this.#stack.push({ key, scope: binding.scope });
    const path = this.#stack.map((frame) => frame.key);
    const context = { key: resourceKeyName(key), scope: binding.scope };
    this.#log.debug("resource.construct.start", `Constructing "${context.key}".`, context);
    let instance: T;
    try {
      instance = binding.provider(scope?.resolver ?? this.#ambient);
    } catch (error) {
      // Errors from nested resolution already name the key at fault; wrapping would bury them.
      if (error instanceof ResourceError) throw error;
      throw new ProviderError(key, error, path);
    } finally {
      this.#stack.pop();
    }
    runPostConstruct(this.#log, key, instance, path);
    if (cache !== undefined) {
      cache.set(key, instance);
      const built = { key, scope: binding.scope, instance };
      if (binding.scope === "singleton") this.#built.push(built);
      else scope?.built.push(built);
    }
    this.#log.debug("resource.construct.complete", `Constructed "${context.key}".`, context);
    return instance;
  }

  async #closeAll(): Promise<void> {
    this.#log.debug("resource.context.close.start", "Closing resource context.", {
      resources: this.#built.length,
    });
    const built = this.#built.splice(0).reverse();
    this.#singletons.clear();
    await releaseAll(this.#log, built);
    this.#log.debug("resource.context.close.complete", "Closed resource context.", {});
  }

  #sameNameHint(key: ResourceKey<unknown>): string {
    const name = resourceKeyName(key);
    const lookalike = this.registry.bindings.some((b) => b.key !== key && resourceKeyName(b.key) === name);
    return lookalike
      ? ` Note: a different key also named "${name}" is bound; keys match by identity, so use the same class or token object.`
      : "";
  }
}
