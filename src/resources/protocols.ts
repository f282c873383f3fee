/**
 * The shapes resources and resolvers may take. None needs to be declared with `implements`:
 * they are checked structurally at runtime, so any object with a `close()` method is closed
 * with its context, any object with `postConstruct()` is initialised after its provider returns,
 * and any object with `snapshot()`/`restore()` takes part in singleton snapshots.
 *
 * @example
 * ```ts
 * import { isSnapshotable, type Snapshotable } from "weakincentives/resources";
 *
 * class Counter implements Snapshotable<number> {
 *   value = 0;
 *   snapshot(): number { return this.value; }
 *   restore(snapshot: number): void { this.value = snapshot; }
 * }
 * isSnapshotable(new Counter()); // true
 * ```
 */

import { isObjectLike } from "./internal/lifecycle.js";
import type { ResourceKey } from "./keys.js";

/** Looks resources up by key. Providers receive one to reach their dependencies. */
export interface ResourceResolver {
  /** The resource bound to `key`, constructing it if its scope needs a new one. */
  get<T>(key: ResourceKey<T>): T;
  /** Like {@link ResourceResolver.get}, but `undefined` when nothing is bound to `key`. */
  getOptional<T>(key: ResourceKey<T>): T | undefined;
  /** True when a binding exists for `key` (it may not have been constructed yet). */
  has(key: ResourceKey<unknown>): boolean;
}

/**
 * A resource that holds something to release. The context calls `close()` once, in reverse
 * construction order; objects with `[Symbol.asyncDispose]` or `[Symbol.dispose]` are released
 * through those instead.
 */
export interface Closeable {
  close(): void | Promise<void>;
}

/** A resource that finishes initialising after its provider returns. Must be synchronous. */
export interface PostConstruct {
  postConstruct(): void;
}

/**
 * A resource whose state can be captured and put back, so a failed tool call can be rolled
 * back. `S` is whatever the resource needs (a copy, a version id, a commit hash).
 */
export interface Snapshotable<S> {
  /** Capture the current state; must not be affected by later changes. */
  snapshot(): S;
  /** Put back a state captured by {@link Snapshotable.snapshot} on this same object. */
  restore(snapshot: S): void;
}

/** True when `value` has `snapshot()` and `restore()` methods. */
export function isSnapshotable(value: unknown): value is Snapshotable<unknown> {
  return (
    isObjectLike(value) &&
    typeof (value as Partial<Snapshotable<unknown>>).snapshot === "function" &&
    typeof (value as Partial<Snapshotable<unknown>>).restore === "function"
  );
}
