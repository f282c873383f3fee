/**
 * Errors raised by the resources module. All extend {@link ResourceError}, itself a
 * {@link WinkError}, so callers can branch on `err.code` or on the class. Each error keeps the
 * offending key (`err.key`) and puts its name in `details.key`.
 *
 * @example
 * ```ts
 * import { ResourceRegistry, UnboundResourceError } from "weakincentives/resources";
 *
 * class Clock {}
 * const ctx = ResourceRegistry.of().open();
 * try {
 *   ctx.get(Clock);
 * } catch (err) {
 *   if (err instanceof UnboundResourceError) console.log(err.message); // names "Clock" and the fix
 * }
 * ```
 */

import { describeThrown, WinkError, type WinkErrorCode, type WinkErrorOptions } from "../errors.js";
import { type ResourceKey, resourceKeyName } from "./keys.js";

/** The {@link WinkErrorCode}s a {@link ResourceError} may carry. */
export type ResourceErrorCode =
  | Extract<
      WinkErrorCode,
      "resource_unbound" | "resource_cycle" | "resource_duplicate" | "resource_provider" | "resource_closed"
    >
  | "invalid_argument";

/** Base of every error the resources module throws on purpose. */
export class ResourceError extends WinkError {
  constructor(code: ResourceErrorCode, message: string, options: WinkErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Render a resolution path as `A -> B -> C`. */
export function formatPath(path: readonly ResourceKey<unknown>[]): string {
  return path.map(resourceKeyName).join(" -> ");
}

function neededBy(path: readonly ResourceKey<unknown>[]): string {
  return path.length === 0 ? "" : ` (needed by ${formatPath(path)})`;
}

/** `get` was asked for a key that no binding provides. Code `resource_unbound`. */
export class UnboundResourceError extends ResourceError {
  /** The key that was asked for. */
  readonly key: ResourceKey<unknown>;
  /** Keys being resolved when the lookup happened, outermost first; empty for a direct `get`. */
  readonly path: readonly ResourceKey<unknown>[];

  constructor(key: ResourceKey<unknown>, path: readonly ResourceKey<unknown>[] = [], hint = "") {
    const name = resourceKeyName(key);
    super(
      "resource_unbound",
      `No resource is bound for "${name}"${neededBy(path)}. Add Binding.instance(${name}, value) or ` +
        `Binding.factory(${name}, (resolver) => ...) to the ResourceRegistry this context was opened from.${hint}`,
      { details: { key: name, path: path.map(resourceKeyName) } },
    );
    this.key = key;
    this.path = Object.freeze([...path]);
  }
}

/** Resolving a key led back to itself. Code `resource_cycle`; `cycle` is `[A, B, A]`. */
export class CircularDependencyError extends ResourceError {
  /** The key whose resolution closed the loop. */
  readonly key: ResourceKey<unknown>;
  /** The loop, starting and ending with {@link CircularDependencyError.key}. */
  readonly cycle: readonly ResourceKey<unknown>[];

  constructor(cycle: readonly ResourceKey<unknown>[]) {
    const key = cycle[cycle.length - 1] as ResourceKey<unknown>;
    super(
      "resource_cycle",
      `Circular dependency between resources: ${formatPath(cycle)}. Break the loop: let one provider ` +
        "take the resolver and look the other resource up later, or merge the two resources.",
      { details: { key: resourceKeyName(key), cycle: cycle.map(resourceKeyName) } },
    );
    this.key = key;
    this.cycle = Object.freeze([...cycle]);
  }
}

/** A key was bound twice where one binding was expected. Code `resource_duplicate`. */
export class DuplicateBindingError extends ResourceError {
  /** Every key bound more than once (usually one). */
  readonly keys: readonly ResourceKey<unknown>[];

  constructor(keys: readonly ResourceKey<unknown>[], context: "registry" | "merge" = "registry") {
    const names = keys.map((k) => `"${resourceKeyName(k)}"`).join(", ");
    const message =
      context === "merge"
        ? `Cannot merge registries strictly: ${names} ${keys.length === 1 ? "is" : "are"} bound in both. ` +
          "Remove one of the bindings, or merge without { strict: true } to let the other registry win."
        : `${names} is bound more than once in one registry. Keep a single binding per key, or build ` +
          "separate registries and combine them with merge() so the later one wins.";
    super("resource_duplicate", message, { details: { keys: keys.map(resourceKeyName) } });
    this.keys = Object.freeze([...keys]);
  }
}

/** Which step of construction failed. */
export type ProviderPhase = "provider" | "postConstruct";

/**
 * A provider (or the `postConstruct` hook of what it returned) threw. Code `resource_provider`;
 * the thrown value is kept as `cause`. Nothing was cached, so the next `get` tries again.
 */
export class ProviderError extends ResourceError {
  /** The key whose construction failed. */
  readonly key: ResourceKey<unknown>;
  /** Whether the provider itself or the `postConstruct` hook threw. */
  readonly phase: ProviderPhase;
  /** Keys being resolved, outermost first, ending with {@link ProviderError.key}. */
  readonly path: readonly ResourceKey<unknown>[];

  constructor(
    key: ResourceKey<unknown>,
    cause: unknown,
    path: readonly ResourceKey<unknown>[] = [key],
    phase: ProviderPhase = "provider",
  ) {
    const name = resourceKeyName(key);
    const what = phase === "provider" ? `The provider for "${name}"` : `postConstruct() of "${name}"`;
    const via = path.length > 1 ? ` while resolving ${formatPath(path)}` : "";
    super(
      "resource_provider",
      `${what} threw${via}: ${describeThrown(cause)}. Nothing was cached; fix the ${
        phase === "provider" ? "provider" : "hook"
      } (see cause) and resolve again.`,
      { cause, details: { key: name, phase, path: path.map(resourceKeyName) } },
    );
    this.key = key;
    this.phase = phase;
    this.path = Object.freeze([...path]);
  }
}

/** The context was closed; it resolves nothing any more. Code `resource_closed`. */
export class ResourceClosedError extends ResourceError {
  constructor(what: string) {
    super(
      "resource_closed",
      `This ResourceContext is closed, so ${what} is not possible. Open a new one with registry.open().`,
      { details: { operation: what } },
    );
  }
}

/**
 * A resource was asked for outside the scope its binding needs: a `toolCall` resource outside
 * `toolScope()`, or a `singleton` that depends on a `toolCall` resource (it would outlive it).
 * Code `invalid_argument`.
 */
export class ResourceScopeError extends ResourceError {
  /** The key that was asked for. */
  readonly key: ResourceKey<unknown>;

  constructor(key: ResourceKey<unknown>, message: string) {
    super("invalid_argument", message, { details: { key: resourceKeyName(key) } });
    this.key = key;
  }
}
