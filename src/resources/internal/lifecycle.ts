/**
 * Internal: a built resource's lifecycle after its provider returned: running its
 * `postConstruct()`, detecting what can be closed, and releasing it. Not exported from the
 * package.
 *
 * @example
 * ```ts nocheck
 * if (isReleasable(instance)) await release(instance);
 * ```
 */

import { describeThrown } from "../../errors.js";
import type { Scope } from "../binding.js";
import type { ResourceLogger } from "../context.js";
import { ProviderError } from "../errors.js";
import { type ResourceKey, resourceKeyName } from "../keys.js";
import type { PostConstruct } from "../protocols.js";

/** A resource a context (or one of its tool scopes) built, and so must release. */
export interface Built {
  readonly key: ResourceKey<unknown>;
  readonly scope: Scope;
  readonly instance: unknown;
}

/** True for objects and functions, the only values that can carry methods. */
export function isObjectLike(value: unknown): value is object {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/** True when `value` has a `postConstruct()` method. */
export function hasPostConstruct(value: unknown): value is PostConstruct {
  return isObjectLike(value) && typeof (value as Partial<PostConstruct>).postConstruct === "function";
}

type Releaser = () => unknown;

/**
 * How to release `value`, or undefined if it holds nothing to release. The standard disposal
 * symbols win over `close()` because a class that has both usually aliases one to the other.
 */
function releaserOf(value: unknown): Releaser | undefined {
  if (!isObjectLike(value)) return undefined;
  const candidate = value as {
    [Symbol.asyncDispose]?: unknown;
    [Symbol.dispose]?: unknown;
    close?: unknown;
  };
  for (const method of [candidate[Symbol.asyncDispose], candidate[Symbol.dispose], candidate.close]) {
    if (typeof method === "function") return () => method.call(value);
  }
  return undefined;
}

/** True when {@link release} would do something for `value`. */
export function isReleasable(value: unknown): boolean {
  return releaserOf(value) !== undefined;
}

/** Release `value` through its disposal symbol or `close()`, awaiting the result. */
export async function release(value: unknown): Promise<void> {
  await releaserOf(value)?.();
}

/** True when `value` looks like a promise (used to reject async hooks that must be sync). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return isObjectLike(value) && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Run `instance`'s `postConstruct()`, if it has one. When it throws (or returns a promise: it
 * must be synchronous), release the instance in the background and throw a {@link ProviderError}.
 */
export function runPostConstruct(
  log: ResourceLogger,
  key: ResourceKey<unknown>,
  instance: unknown,
  path: readonly ResourceKey<unknown>[],
): void {
  if (!hasPostConstruct(instance)) return;
  let failure: { error: unknown } | undefined;
  try {
    const result: unknown = instance.postConstruct();
    if (isThenable(result)) {
      // Observe the promise so its rejection is not reported as unhandled.
      Promise.resolve(result).catch(() => undefined);
      failure = {
        error: new TypeError("postConstruct() returned a promise; it must be synchronous"),
      };
    }
  } catch (error) {
    failure = { error };
  }
  if (failure === undefined) return;
  const name = resourceKeyName(key);
  release(instance).catch((error: unknown) => {
    log.warning(
      "resource.post_construct_cleanup_error",
      `Closing "${name}" after its postConstruct() failed threw: ${describeThrown(error)}`,
      { key: name, error: describeThrown(error) },
    );
  });
  throw new ProviderError(key, failure.error, path, "postConstruct");
}

/**
 * Release each of `built` in order, one at a time. A failure is logged (`resource.close_error`)
 * and the rest still close; this never rejects.
 */
export async function releaseAll(log: ResourceLogger, built: readonly Built[]): Promise<void> {
  for (const { key, scope, instance } of built) {
    if (!isReleasable(instance)) continue;
    const context = { key: resourceKeyName(key), scope };
    try {
      await release(instance);
      log.debug("resource.close", `Closed "${context.key}".`, context);
    } catch (error) {
      log.warning(
        "resource.close_error",
        `Closing "${context.key}" failed: ${describeThrown(error)}; continuing with the others.`,
        { ...context, error: describeThrown(error) },
      );
    }
  }
}
