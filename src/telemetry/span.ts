/**
 * `startSpan` and the span handle WINK's runtime holds. Everything here is a no-op returning
 * `undefined` unless an OpenTelemetry tracer provider is registered, and tracing never throws
 * into the code it observes.
 */

import type * as OtelApi from "@opentelemetry/api";
import { errorTypeName } from "../errors.js";
import { redactText } from "../secrets/index.js";
import { ATTR, type SpanAttributes, type SpanKindName } from "./attributes.js";
import { randomSpanId, spanIdOf, traceIdOf } from "./ids.js";
import { activeTracer, loadOtel, type Otel } from "./otel.js";

/**
 * Where a span hangs: W3C trace context ids (32 and 16 lowercase hex characters). Upper-case hex
 * and a UUID as the trace id are read too.
 */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
}

/** A started span. Every method is safe to call after `end` (it does nothing). */
export interface WinkSpan {
  /** The span's trace id (32 hex characters). */
  readonly traceId: string;
  /** The span's own id (16 hex characters); pass the span as another span's `parent`. */
  readonly spanId: string;
  /** Set attributes; `undefined` values are skipped. */
  setAttributes(attributes: SpanAttributes): void;
  /**
   * End the span. With an error: status ERROR with the (redacted) message, an `exception` event,
   * and `error.type` = the error's class name. Idempotent.
   */
  end(error?: unknown): void;
}

/** Options of {@link startSpan}. */
export interface StartSpanOptions {
  /** The span kind; `internal` when absent. */
  readonly kind?: SpanKindName;
  /**
   * The parent span: a {@link WinkSpan}, or ids carried from elsewhere (a request envelope), taken
   * as a remote, sampled parent. A valid trace id with an empty or invalid span id still joins
   * that trace (under a made-up parent span id); an invalid trace id gives a root span.
   * `"active"` uses OpenTelemetry's active context (an application's own span around the call).
   * Absent: a root span.
   */
  readonly parent?: TraceParent | "active" | undefined;
  /** Attributes to start with (samplers see them); `undefined` values are skipped. */
  readonly attributes?: SpanAttributes;
}

const KINDS: Readonly<Record<SpanKindName, number>> = {
  // OpenTelemetry's SpanKind numbers, fixed by the API (INTERNAL 0 … CONSUMER 4).
  internal: 0,
  server: 1,
  client: 2,
  producer: 3,
  consumer: 4,
};
/** `TraceFlags.SAMPLED` and `SpanStatusCode.ERROR`, fixed by the API. */
const SAMPLED = 1;
const STATUS_ERROR = 2;

class OtelSpan implements WinkSpan {
  readonly traceId: string;
  readonly spanId: string;
  #ended = false;

  constructor(readonly span: OtelApi.Span) {
    const context = span.spanContext();
    this.traceId = context.traceId;
    this.spanId = context.spanId;
  }

  setAttributes(attributes: SpanAttributes): void {
    if (this.#ended) return;
    guarded(() => this.span.setAttributes(defined(attributes)));
  }

  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    guarded(() => {
      if (error !== undefined) recordError(this.span, error);
      this.span.end();
    });
  }
}

/**
 * Start a span when an OpenTelemetry tracer provider is registered (globally, any time before or
 * after import); otherwise return `undefined` at near-zero cost. `parent` makes it a child of that
 * span context (remote or not); without one it is a root span.
 *
 * @example
 * ```ts
 * import { ATTR, startSpan } from "weakincentives/telemetry";
 *
 * const span = startSpan("chat gpt-5", { kind: "client", attributes: { [ATTR.GEN_AI_REQUEST_MODEL]: "gpt-5" } });
 * try {
 *   // … call the model …
 *   span?.setAttributes({ [ATTR.GEN_AI_USAGE_OUTPUT_TOKENS]: 42 });
 *   span?.end();
 * } catch (error) {
 *   span?.end(error);
 *   throw error;
 * }
 * ```
 */
export function startSpan(name: string, options?: StartSpanOptions): WinkSpan | undefined {
  const tracer = activeTracer();
  if (tracer === undefined) return undefined;
  // activeTracer found a provider, so the API is loaded.
  const otel = loadOtel() as Otel;
  try {
    const span = tracer.startSpan(
      name,
      {
        kind: KINDS[options?.kind ?? "internal"],
        ...(options?.attributes === undefined ? {} : { attributes: defined(options.attributes) }),
      },
      parentContext(otel, options?.parent),
    );
    return new OtelSpan(span);
  } catch {
    return undefined;
  }
}

/** True when spans would be recorded now: `@opentelemetry/api` is installed and a provider is registered. */
export function tracingEnabled(): boolean {
  return activeTracer() !== undefined;
}

/**
 * Run `fn` with `span` as OpenTelemetry's active span, so spans that other instrumentation starts
 * inside (an HTTP client's, say) become its children. Without a span, just runs `fn`.
 */
export function withActiveSpan<T>(span: WinkSpan | undefined, fn: () => T): T {
  if (!(span instanceof OtelSpan)) return fn();
  const otel = loadOtel() as Otel;
  return otel.context.with(otel.trace.setSpan(otel.context.active(), span.span), fn);
}

function parentContext(otel: Otel, parent: TraceParent | "active" | undefined): OtelApi.Context {
  if (parent === undefined) return otel.ROOT_CONTEXT;
  if (parent === "active") return otel.context.active();
  // One of ours keeps its real context: local, with the sampling decision it was made with.
  if (parent instanceof OtelSpan) return otel.trace.setSpan(otel.ROOT_CONTEXT, parent.span);
  const traceId = traceIdOf(parent.traceId);
  if (traceId === undefined) return otel.ROOT_CONTEXT;
  // Ids from an envelope say the sender traced the request, so continue it as sampled. A trace id
  // without a span id still joins that trace, under a parent id made up here.
  return otel.trace.setSpanContext(otel.ROOT_CONTEXT, {
    traceId,
    spanId: spanIdOf(parent.spanId) ?? randomSpanId(),
    traceFlags: SAMPLED,
    isRemote: true,
  });
}

/** The attributes without `undefined` values, in the API's (mutable-array) type. */
function defined(attributes: SpanAttributes): OtelApi.Attributes {
  const out: OtelApi.Attributes = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value as OtelApi.AttributeValue;
  }
  return out;
}

function recordError(span: OtelApi.Span, error: unknown): void {
  const type = typeNameOf(error);
  const message = redactText(messageOf(error));
  const stack = error instanceof Error && error.stack !== undefined ? redactText(error.stack) : undefined;
  span.setAttribute(ATTR.ERROR_TYPE, type);
  span.addEvent("exception", {
    "exception.type": type,
    "exception.message": message,
    ...(stack === undefined ? {} : { "exception.stacktrace": stack }),
  });
  span.setStatus({ code: STATUS_ERROR, message });
}

/** The error's class name: `name` when a class sets it (WINK's errors do), else the constructor's. */
function typeNameOf(error: unknown): string {
  if (!(error instanceof Error) || (error.name && error.name !== "Error")) return errorTypeName(error);
  return error.constructor.name || "Error";
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** Tracing must never fail the work it observes: an exporter's or SDK's exception is dropped. */
function guarded(action: () => void): void {
  try {
    action();
  } catch {
    // Nothing to do: the span is lost, the request goes on.
  }
}
