/**
 * Resource keys: what a binding is registered under and what `get` looks up.
 *
 * A key is either a class (abstract or concrete), whose instance type is the resource type, or a
 * token from {@link resourceKey} for things that have no class of their own (an interface, a
 * config object, a function). Keys match by identity: two tokens with the same name are two
 * different keys.
 *
 * @example
 * ```ts
 * import { resourceKey } from "weakincentives/resources";
 *
 * interface Config { readonly region: string }
 * const ConfigKey = resourceKey<Config>("Config");
 *
 * abstract class HttpClient { abstract fetch(url: string): Promise<string> }
 * // Both `ConfigKey` and `HttpClient` can now be bound and resolved.
 * ```
 */

import { WinkError } from "../errors.js";

/** Runtime brand of tokens made by {@link resourceKey}. */
const TOKEN_BRAND: unique symbol = Symbol("weakincentives.resourceKey");

/** Type-only marker carrying a token's resource type; never present at runtime. */
declare const resourceType: unique symbol;

/** Any class whose instances are `T`, including abstract classes. */
export type AbstractClass<T> = abstract new (...args: never[]) => T;

/**
 * A named key for a resource of type `T` that has no class of its own.
 * Create one with {@link resourceKey}. Like a class key, it is covariant in `T`, so
 * `ResourceKey<unknown>` stands for any key.
 */
export interface ResourceToken<T> {
  /** Shown in error messages and logs. */
  readonly name: string;
  readonly [TOKEN_BRAND]: true;
  readonly [resourceType]?: T;
}

/** What a resource is bound under and looked up by: a class or a {@link ResourceToken}. */
export type ResourceKey<T> = AbstractClass<T> | ResourceToken<T>;

/** The resource type a key stands for. */
export type ResourceOf<K> = K extends ResourceKey<infer T> ? T : never;

/**
 * Create a frozen token key for resources of type `T`. Each call makes a new, distinct key, so
 * create it once and export it next to the type it stands for.
 *
 * @param name - Shown in error messages and logs; must be non-empty.
 */
export function resourceKey<T>(name: string): ResourceToken<T> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new WinkError(
      "invalid_argument",
      `resourceKey() needs a non-empty name, got ${JSON.stringify(name)}. Pass the name of the resource type.`,
    );
  }
  return Object.freeze({ name, [TOKEN_BRAND]: true as const });
}

/** True when `value` can be used as a resource key (a class/function or a {@link resourceKey} token). */
export function isResourceKey(value: unknown): value is ResourceKey<unknown> {
  if (typeof value === "function") return true;
  return typeof value === "object" && value !== null && TOKEN_BRAND in value;
}

/** The human-readable name of a key, as printed in error messages and logs. */
export function resourceKeyName(key: ResourceKey<unknown>): string {
  return key.name || "<anonymous class>";
}

/** Throw `invalid_argument` unless `value` is a resource key; `where` names the caller. */
export function assertResourceKey(value: unknown, where: string): asserts value is ResourceKey<unknown> {
  if (!isResourceKey(value)) {
    throw new WinkError(
      "invalid_argument",
      `${where} needs a resource key (a class or a token from resourceKey()), got ${describeValue(value)}.`,
    );
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return "a plain object";
  return `${typeof value} ${String(value)}`;
}
