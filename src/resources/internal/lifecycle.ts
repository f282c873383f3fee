/**
 * Internal: detecting and releasing closable resources. Not exported from the package.
 *
 * @example
 * ```ts nocheck
 * if (isReleasable(instance)) await release(instance);
 * ```
 */

import type { PostConstruct } from "../protocols.js";

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
