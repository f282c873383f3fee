/**
 * Bindings: how one key gets its resource. A binding either hands out a value that already
 * exists ({@link Binding.instance}) or calls a provider ({@link Binding.factory}) whose
 * {@link Scope} says how long what it builds is reused.
 *
 * @example
 * ```ts
 * import { Binding, resourceKey } from "weakincentives/resources";
 *
 * class HttpClient { constructor(readonly baseUrl: string) {} }
 * const BaseUrl = resourceKey<string>("BaseUrl");
 *
 * const bindings = [
 *   Binding.instance(BaseUrl, "https://api.example.com"),
 *   Binding.factory(HttpClient, (r) => new HttpClient(r.get(BaseUrl)), { eager: true }),
 * ];
 * ```
 */

import { WinkError } from "../errors.js";
import { assertResourceKey, type ResourceKey, resourceKeyName } from "./keys.js";
import type { ResourceResolver } from "./protocols.js";

/**
 * How long a constructed resource is reused:
 * - `singleton`: one per {@link ResourceContext}, closed with it (the default);
 * - `toolCall`: one per `toolScope()`, closed when that tool call ends;
 * - `prototype`: a new one on every `get`, owned (and closed, if needed) by the caller.
 */
export type Scope = "singleton" | "toolCall" | "prototype";

/** Every {@link Scope}, in order of decreasing lifetime. */
export const SCOPES: readonly Scope[] = Object.freeze(["singleton", "toolCall", "prototype"]);

/** Builds a resource; reaches its dependencies through `resolver`. Must be synchronous. */
export type Provider<T> = (resolver: ResourceResolver) => T;

/** Options of {@link Binding.factory}. */
export interface FactoryOptions {
  /** How long what the provider builds is reused. Default `"singleton"`. */
  readonly scope?: Scope;
  /** Build it in `context.start()` instead of on first `get`. Singletons only. Default `false`. */
  readonly eager?: boolean;
}

/** Where a binding's resource comes from. */
export type BindingKind = "instance" | "factory";

/** One key's rule for producing its resource. Immutable; create with the static methods. */
export class Binding<T> {
  /** The key this binding answers for. */
  readonly key: ResourceKey<T>;
  /** Builds the resource. For instance bindings it returns the given value. */
  readonly provider: Provider<T>;
  /** How long the resource is reused. Instance bindings are always `"singleton"`. */
  readonly scope: Scope;
  /** Whether `context.start()` builds it ahead of the first `get`. */
  readonly eager: boolean;
  /** `"instance"` for a value handed in, `"factory"` for a provider. */
  readonly kind: BindingKind;
  /** The value of an instance binding; `undefined` for factories. */
  readonly value: T | undefined;

  private constructor(
    key: ResourceKey<T>,
    kind: BindingKind,
    provider: Provider<T>,
    value: T | undefined,
    scope: Scope,
    eager: boolean,
  ) {
    this.key = key;
    this.kind = kind;
    this.provider = provider;
    this.value = value;
    this.scope = scope;
    this.eager = eager;
    Object.freeze(this);
  }

  /**
   * Bind `key` to a value that already exists. The caller keeps ownership: contexts hand the same
   * value to everyone and never close it, because one registry may open many contexts.
   */
  static instance<T>(key: ResourceKey<T>, value: T): Binding<T> {
    assertResourceKey(key, "Binding.instance()");
    return new Binding(key, "instance", () => value, value, "singleton", false);
  }

  /** Bind `key` to a provider; `options.scope` (default `"singleton"`) says how long results are reused. */
  static factory<T>(key: ResourceKey<T>, provider: Provider<T>, options: FactoryOptions = {}): Binding<T> {
    assertResourceKey(key, "Binding.factory()");
    const name = resourceKeyName(key);
    if (typeof provider !== "function") {
      throw new WinkError(
        "invalid_argument",
        `Binding.factory(${name}, ...) needs a provider function (resolver) => value, got ${typeof provider}.`,
      );
    }
    const scope = options.scope ?? "singleton";
    if (!SCOPES.includes(scope)) {
      throw new WinkError(
        "invalid_argument",
        `Binding.factory(${name}, ...) got scope ${JSON.stringify(scope)}; use one of ${SCOPES.join(", ")}.`,
      );
    }
    const eager = options.eager ?? false;
    if (eager && scope !== "singleton") {
      throw new WinkError(
        "invalid_argument",
        `Binding.factory(${name}, ...) is eager with scope "${scope}"; only singletons can be built ` +
          'ahead of time. Drop eager, or use scope "singleton".',
      );
    }
    return new Binding(key, "factory", provider, undefined, scope, eager);
  }
}
