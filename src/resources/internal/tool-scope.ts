/**
 * Internal: tool scopes and the resolvers that see a {@link ResourceContext} through one. Not
 * exported from the package; `ResourceContext` is its only user.
 *
 * @example
 * ```ts nocheck
 * const scope = new ToolScope(id, context);
 * await runInToolScope(context, scope, fn); // fn gets scope.resolver
 * ```
 */

import { AsyncLocalStorage } from "node:async_hooks";
import type { ResourceContext } from "../context.js";
import type { ResourceKey } from "../keys.js";
import type { ResourceResolver } from "../protocols.js";
import type { Built } from "./lifecycle.js";

/**
 * The tool scopes active in the current async context, by owning context. One storage for the
 * whole process: every AsyncLocalStorage instance adds work to every promise created anywhere,
 * so one per context would slow the process down as contexts accumulate.
 */
const TOOL_SCOPES = new AsyncLocalStorage<ReadonlyMap<ResourceContext, ToolScope>>();

/** The cache and resolver of one `toolScope()` call. */
export class ToolScope {
  readonly cache = new Map<ResourceKey<unknown>, unknown>();
  readonly built: Built[] = [];
  active = true;
  readonly resolver: ResourceResolver;
  constructor(
    readonly id: number,
    context: ResourceContext,
  ) {
    this.resolver = new ScopedResolver(context, this);
  }
}

/** Run `fn` with `scope` as `context`'s tool scope in the current async context. */
export function runInToolScope<R>(
  context: ResourceContext,
  scope: ToolScope,
  fn: (resources: ResourceResolver) => R | Promise<R>,
): R | Promise<R> {
  const scopes = new Map(TOOL_SCOPES.getStore());
  scopes.set(context, scope);
  return TOOL_SCOPES.run(scopes, () => fn(scope.resolver));
}

/** `context.#resolve`, for {@link ScopedResolver} (set by ResourceContext's static block). */
let resolveIn: <T>(context: ResourceContext, key: ResourceKey<T>, scope: ToolScope | undefined) => T;
/** Like {@link resolveIn}, but `undefined` when nothing is bound to `key` (still throws once closed). */
let resolveOptionalIn: <T>(
  context: ResourceContext,
  key: ResourceKey<T>,
  scope: ToolScope | undefined,
) => T | undefined;

/**
 * Give {@link ScopedResolver} the context's private resolution. Called once, from
 * ResourceContext's static block, the only code that can reach its private fields.
 */
export function provideResolution(
  resolve: typeof resolveIn,
  resolveOptional: typeof resolveOptionalIn,
): void {
  resolveIn = resolve;
  resolveOptionalIn = resolveOptional;
}

/**
 * What providers and tool scopes resolve through: one context, seen from one tool scope, or from
 * whichever scope the current async context is in (`scope` undefined). A class rather than three
 * closures over the context: a context is opened for every evaluation, and each named closure
 * costs a `defineProperty` in the build, which keeps function names.
 */
export class ScopedResolver implements ResourceResolver {
  readonly #context: ResourceContext;
  readonly #scope: ToolScope | undefined;

  constructor(context: ResourceContext, scope: ToolScope | undefined) {
    this.#context = context;
    this.#scope = scope;
    Object.freeze(this);
  }

  get<T>(key: ResourceKey<T>): T {
    return resolveIn(this.#context, key, this.#currentScope());
  }

  getOptional<T>(key: ResourceKey<T>): T | undefined {
    return resolveOptionalIn(this.#context, key, this.#currentScope());
  }

  has(key: ResourceKey<unknown>): boolean {
    return this.#context.registry.has(key);
  }

  #currentScope(): ToolScope | undefined {
    return this.#scope ?? TOOL_SCOPES.getStore()?.get(this.#context);
  }
}
