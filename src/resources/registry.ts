/**
 * {@link ResourceRegistry}: an immutable set of bindings, at most one per key. A registry builds
 * nothing itself; `open()` gives a {@link ResourceContext} that constructs and caches resources.
 * One registry can open any number of independent contexts (one per prompt run, say).
 *
 * @example
 * ```ts
 * import { Binding, ResourceRegistry, resourceKey } from "weakincentives/resources";
 *
 * class Clock { now(): number { return 0; } }
 * const Region = resourceKey<string>("Region");
 *
 * const base = ResourceRegistry.build([[Region, "eu-west-1"]]);
 * const registry = base.merge(ResourceRegistry.of(Binding.factory(Clock, () => new Clock())));
 *
 * await using ctx = registry.open();
 * ctx.get(Clock).now();
 * ```
 */

import { WinkError } from "../errors.js";
import { Binding } from "./binding.js";
import { ResourceContext, type ResourceContextOptions } from "./context.js";
import { DuplicateBindingError } from "./errors.js";
import type { ResourceKey } from "./keys.js";

/** One `[key, value]` pair of {@link ResourceRegistry.build}; the value must match the key's type. */
export type InstanceEntry<T> = readonly [key: ResourceKey<T>, value: NoInfer<T>];

/** Options of {@link ResourceRegistry.merge}. */
export interface MergeOptions {
  /** Throw {@link DuplicateBindingError} when both registries bind a key differently. Default `false`. */
  readonly strict?: boolean;
}

/** An immutable map from keys to {@link Binding}s. */
export class ResourceRegistry {
  /** A registry with no bindings. */
  static readonly empty: ResourceRegistry = new ResourceRegistry(new Map());

  readonly #bindings: ReadonlyMap<ResourceKey<unknown>, Binding<unknown>>;

  private constructor(bindings: ReadonlyMap<ResourceKey<unknown>, Binding<unknown>>) {
    this.#bindings = bindings;
    Object.freeze(this);
  }

  /** A registry of the given bindings. Throws {@link DuplicateBindingError} if a key repeats. */
  static of(...bindings: readonly Binding<unknown>[]): ResourceRegistry {
    const map = new Map<ResourceKey<unknown>, Binding<unknown>>();
    const duplicates: ResourceKey<unknown>[] = [];
    for (const binding of bindings) {
      if (!(binding instanceof Binding)) {
        throw new WinkError(
          "invalid_argument",
          "ResourceRegistry.of() takes Binding objects; create them with Binding.instance() or Binding.factory().",
        );
      }
      if (map.has(binding.key)) {
        if (!duplicates.includes(binding.key)) duplicates.push(binding.key);
      } else {
        map.set(binding.key, binding);
      }
    }
    if (duplicates.length > 0) throw new DuplicateBindingError(duplicates);
    return new ResourceRegistry(map);
  }

  /**
   * A registry of values that already exist, as `[key, value]` pairs; each value is type-checked
   * against its key. Shorthand for `of(Binding.instance(key, value), ...)`.
   */
  static build<const E extends readonly unknown[]>(
    entries: readonly [...{ [I in keyof E]: InstanceEntry<E[I]> }],
  ): ResourceRegistry {
    return ResourceRegistry.of(
      ...(entries as readonly InstanceEntry<unknown>[]).map(([key, value]) => Binding.instance(key, value)),
    );
  }

  /** Number of bound keys. */
  get size(): number {
    return this.#bindings.size;
  }

  /** Every binding, in the order the keys were first bound. */
  get bindings(): readonly Binding<unknown>[] {
    return [...this.#bindings.values()];
  }

  /** True when `key` is bound. */
  has(key: ResourceKey<unknown>): boolean {
    return this.#bindings.has(key);
  }

  /** The binding for `key`, or `undefined`. */
  binding<T>(key: ResourceKey<T>): Binding<T> | undefined {
    return this.#bindings.get(key) as Binding<T> | undefined;
  }

  /**
   * Keys bound in both registries to different bindings (the same {@link Binding} object in both
   * is not a conflict). In this registry's order.
   */
  conflicts(other: ResourceRegistry): readonly ResourceKey<unknown>[] {
    const found: ResourceKey<unknown>[] = [];
    for (const [key, binding] of this.#bindings) {
      const theirs = other.#bindings.get(key);
      if (theirs !== undefined && theirs !== binding) found.push(key);
    }
    return found;
  }

  /**
   * A new registry with the bindings of both; where both bind a key, `other` wins. With
   * `{ strict: true }`, conflicting keys throw {@link DuplicateBindingError} instead.
   */
  merge(other: ResourceRegistry, options: MergeOptions = {}): ResourceRegistry {
    if (options.strict) {
      const conflicts = this.conflicts(other);
      if (conflicts.length > 0) throw new DuplicateBindingError(conflicts, "merge");
    }
    if (other.size === 0) return this;
    if (this.size === 0) return other;
    return new ResourceRegistry(new Map([...this.#bindings, ...other.#bindings]));
  }

  /** A new {@link ResourceContext} that resolves from this registry. Close it when done. */
  open(options: ResourceContextOptions = {}): ResourceContext {
    return new ResourceContext(this, options);
  }
}
