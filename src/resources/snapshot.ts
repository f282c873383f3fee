/**
 * Singleton snapshots: the state of every {@link Snapshotable} singleton of one context,
 * captured together so a failed tool call can be rolled back as a unit. The snapshot object is
 * opaque; only the context that took it can restore it.
 *
 * @example
 * ```ts
 * import type { ResourceContext } from "weakincentives/resources";
 *
 * declare const ctx: ResourceContext; // the run's open context
 * declare function runTool(): Promise<void>;
 *
 * const before = ctx.snapshotSingletons();
 * try {
 *   await runTool();
 * } catch (err) {
 *   ctx.restoreSingletons(before);
 *   throw err;
 * }
 * ```
 */

import { describeThrown, TransactionError, WinkError } from "../errors.js";
import { type ResourceKey, resourceKeyName } from "./keys.js";
import { isSnapshotable, type Snapshotable } from "./protocols.js";

interface Entry {
  readonly key: ResourceKey<unknown>;
  readonly resource: Snapshotable<unknown>;
  readonly state: unknown;
}

/** The captured state of a context's snapshotable singletons. Opaque: pass it back to `restoreSingletons`. */
export class SingletonSnapshot {
  readonly #owner: object;
  readonly #entries: readonly Entry[];

  private constructor(owner: object, entries: readonly Entry[]) {
    this.#owner = owner;
    this.#entries = Object.freeze(entries);
    Object.freeze(this);
  }

  /** The keys whose state this snapshot holds, in capture order. */
  get keys(): readonly ResourceKey<unknown>[] {
    return this.#entries.map((entry) => entry.key);
  }

  /** True when this snapshot holds the state of `key`. */
  has(key: ResourceKey<unknown>): boolean {
    return this.#entries.some((entry) => entry.key === key);
  }

  /**
   * Capture every snapshotable resource among `resources` for `owner`. Internal: contexts call it.
   * A `snapshot()` that throws aborts the whole capture with a {@link TransactionError}.
   */
  static capture(
    owner: object,
    resources: Iterable<readonly [ResourceKey<unknown>, unknown]>,
  ): SingletonSnapshot {
    const entries: Entry[] = [];
    for (const [key, resource] of resources) {
      if (!isSnapshotable(resource)) continue;
      try {
        entries.push({ key, resource, state: resource.snapshot() });
      } catch (error) {
        throw new TransactionError(
          `snapshot() of resource "${resourceKeyName(key)}" threw: ${describeThrown(error)}. No snapshot ` +
            "was taken; fix its snapshot() method (see cause).",
          { cause: error, details: { key: resourceKeyName(key) } },
        );
      }
    }
    return new SingletonSnapshot(owner, entries);
  }

  /**
   * Put every captured state back. Internal: contexts call it. Every resource is restored even if
   * one fails; failures are then reported together as one {@link TransactionError}.
   */
  static restore(owner: object, snapshot: SingletonSnapshot): void {
    if (!(snapshot instanceof SingletonSnapshot) || snapshot.#owner !== owner) {
      throw new WinkError(
        "invalid_argument",
        "restoreSingletons() got a snapshot from another ResourceContext (or not a snapshot at all); " +
          "restore a snapshot on the context that took it.",
      );
    }
    const failures: { key: ResourceKey<unknown>; error: unknown }[] = [];
    for (const { key, resource, state } of snapshot.#entries) {
      try {
        resource.restore(state);
      } catch (error) {
        failures.push({ key, error });
      }
    }
    if (failures.length === 0) return;
    const names = failures.map((f) => `"${resourceKeyName(f.key)}"`).join(", ");
    const first = failures[0] as { error: unknown };
    throw new TransactionError(
      `restore() failed for ${names}: ${describeThrown(first.error)}. The other resources were restored; ` +
        "those listed may be in a partial state (see cause).",
      {
        cause:
          failures.length === 1
            ? first.error
            : new AggregateError(
                failures.map((f) => f.error),
                "several restores failed",
              ),
        details: { keys: failures.map((f) => resourceKeyName(f.key)) },
      },
    );
  }
}
