/**
 * The optional `@opentelemetry/api` peer, loaded on first use, and the tracer of whatever provider
 * is registered right now.
 *
 * The package is required through `createRequire` rather than imported, so the built output
 * names no OpenTelemetry module and works without it. Registration can happen at any time (before
 * or after this module loads, and again after `trace.disable()`), so every call asks the global
 * provider for its delegate; the tracer is cached per delegate, so an unchanged provider costs a
 * global lookup and a comparison.
 */

import { createRequire } from "node:module";
import type * as OtelApi from "@opentelemetry/api";
import pkg from "../../package.json" with { type: "json" };

/** The `@opentelemetry/api` module, as loaded. */
export type Otel = typeof OtelApi;

/** `undefined` until first looked up; `null` when the package is not installed (or failed to load). */
let otel: Otel | null | undefined;
/** The API copy's own no-op provider: the delegate of a proxy no provider was set on. */
let noopProvider: unknown;
/** The provider the cached tracer came from. */
let tracerSource: unknown;
let tracer: OtelApi.Tracer | undefined;

/** The OpenTelemetry API, or `null` when it is not installed. Loads it once. */
export function loadOtel(): Otel | null {
  if (otel !== undefined) return otel;
  try {
    const loaded = createRequire(import.meta.url)("@opentelemetry/api") as Otel;
    noopProvider = new loaded.ProxyTracerProvider().getDelegate();
    otel = loaded;
  } catch {
    otel = null;
  }
  return otel;
}

/** A provider that wraps another (the global `ProxyTracerProvider`, possibly from another copy of the API). */
interface Delegating {
  getDelegate(): OtelApi.TracerProvider;
}

function isDelegating(provider: OtelApi.TracerProvider): provider is OtelApi.TracerProvider & Delegating {
  return typeof (provider as Partial<Delegating>).getDelegate === "function";
}

/**
 * The no-op provider of this API copy, or of another one (an application's own install, or the
 * ESM build where this loaded the CommonJS one): those are told by class name.
 */
function isNoopProvider(provider: unknown): boolean {
  return provider === noopProvider || (provider as object).constructor?.name === "NoopTracerProvider";
}

/** WINK's tracer from the registered provider, or `undefined` when none is registered (or no API). */
export function activeTracer(): OtelApi.Tracer | undefined {
  const api = otel === undefined ? loadOtel() : otel;
  if (api === null) return undefined;
  const global = api.trace.getTracerProvider();
  const provider = isDelegating(global) ? global.getDelegate() : global;
  if (provider !== tracerSource) {
    tracerSource = provider;
    tracer = isNoopProvider(provider) ? undefined : provider.getTracer("weakincentives", pkg.version);
  }
  return tracer;
}
