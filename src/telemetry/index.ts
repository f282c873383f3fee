/**
 * OpenTelemetry tracing, through the optional peer `@opentelemetry/api`.
 *
 * WINK starts spans only when a tracer provider is registered (by an OpenTelemetry SDK, before or
 * after WINK loads); otherwise {@link startSpan} returns `undefined` and costs a global lookup.
 * Without `@opentelemetry/api` installed, everything here is a no-op. See docs/observability.md.
 *
 * @example
 * ```ts
 * import { startSpan, tracingEnabled } from "weakincentives/telemetry";
 *
 * if (tracingEnabled()) {
 *   const span = startSpan("invoke_agent review:main", { parent: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" } });
 *   span?.end();
 * }
 * ```
 */

export {
  ATTR,
  GEN_AI_OPERATION,
  GEN_AI_PROVIDER,
  type SpanAttributes,
  type SpanAttributeValue,
  type SpanKindName,
} from "./attributes.js";
export {
  type StartSpanOptions,
  startSpan,
  type TraceParent,
  tracingEnabled,
  type WinkSpan,
  withActiveSpan,
} from "./span.js";
