/**
 * startSpan against a real OpenTelemetry SDK registered globally (in-memory exporter): span
 * names, kinds, attributes, parents, errors (redacted), and no-op behaviour without a provider.
 */
import {
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { WinkError } from "../../src/errors.js";
import {
  ATTR,
  GEN_AI_OPERATION,
  startSpan,
  tracingEnabled,
  withActiveSpan,
} from "../../src/telemetry/index.js";
import { registerContextManager, registerTracing, unregisterTracing } from "./support.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const FAKE_KEY = "sk-ant-api03-Zq9XkT4mWv2LpR7sYb1NcD6hFj3GeU8a";

afterEach(() => {
  unregisterTracing();
});

describe("without a tracer provider", () => {
  it("is disabled and starts nothing", () => {
    expect(tracingEnabled()).toBe(false);
    expect(startSpan("chat gpt-5", { kind: "client", attributes: { a: 1 } })).toBeUndefined();
  });

  it("turns on when a provider is registered after import, and off again after trace.disable()", () => {
    expect(tracingEnabled()).toBe(false);
    const tracing = registerTracing();
    expect(tracingEnabled()).toBe(true);
    startSpan("first")?.end();
    unregisterTracing();
    expect(tracingEnabled()).toBe(false);
    expect(startSpan("while disabled")).toBeUndefined();
    expect(tracing.spans().map((s) => s.name)).toEqual(["first"]);
  });

  it("uses the provider registered now, not the one it first saw", () => {
    const first = registerTracing();
    startSpan("one")?.end();
    unregisterTracing();
    const second = registerTracing();
    startSpan("two")?.end();
    expect(first.spans().map((s) => s.name)).toEqual(["one"]);
    expect(second.spans().map((s) => s.name)).toEqual(["two"]);
    expect(second.span("two").instrumentationScope.name).toBe("weakincentives");
  });
});

describe("spans", () => {
  it("start and end with the given name and kind; internal by default", () => {
    const tracing = registerTracing();
    const span = startSpan("chat gpt-5", { kind: "client" });
    expect(span?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(tracing.spans()).toEqual([]);
    span?.end();
    startSpan("plain")?.end();
    const chat = tracing.span("chat gpt-5");
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.spanContext().spanId).toBe(span?.spanId);
    expect(chat.status.code).toBe(SpanStatusCode.UNSET);
    expect(tracing.span("plain").kind).toBe(SpanKind.INTERNAL);
  });

  it("maps every kind name", () => {
    const tracing = registerTracing();
    for (const kind of ["server", "client", "internal", "consumer", "producer"] as const) {
      startSpan(kind, { kind })?.end();
    }
    expect(Object.fromEntries(tracing.spans().map((s) => [s.name, s.kind]))).toEqual({
      server: SpanKind.SERVER,
      client: SpanKind.CLIENT,
      internal: SpanKind.INTERNAL,
      consumer: SpanKind.CONSUMER,
      producer: SpanKind.PRODUCER,
    });
  });

  it("set attributes at start and later, skipping undefined values", () => {
    const tracing = registerTracing();
    const span = startSpan("chat gpt-5", {
      kind: "client",
      attributes: {
        [ATTR.GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.CHAT,
        [ATTR.GEN_AI_REQUEST_MODEL]: "gpt-5",
        [ATTR.WINK_REQUEST_ID]: undefined,
      },
    });
    span?.setAttributes({
      [ATTR.GEN_AI_USAGE_INPUT_TOKENS]: 120,
      [ATTR.GEN_AI_RESPONSE_FINISH_REASONS]: ["tool_calls"],
      [ATTR.WINK_COST_USD]: 0.0012,
      flag: true,
      counts: [1, 2],
      [ATTR.GEN_AI_RESPONSE_MODEL]: undefined,
    });
    span?.end();
    const attributes = tracing.span("chat gpt-5").attributes;
    expect(attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-5",
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.response.finish_reasons": ["tool_calls"],
      "wink.cost_usd": 0.0012,
      flag: true,
      counts: [1, 2],
    });
    expect(Object.keys(attributes)).not.toContain("wink.request_id");
  });

  it("end once: a second end and later attributes do nothing", () => {
    const tracing = registerTracing();
    const span = startSpan("once");
    span?.end();
    span?.end(new Error("late"));
    span?.setAttributes({ late: 1 });
    expect(tracing.spans()).toHaveLength(1);
    expect(tracing.span("once").status.code).toBe(SpanStatusCode.UNSET);
    expect(tracing.span("once").attributes).toEqual({});
  });
});

describe("parents", () => {
  it("continue the trace of ids from an envelope (remote parent), and nest our own spans", () => {
    const tracing = registerTracing();
    const request = startSpan("wink.request", {
      kind: "consumer",
      parent: { traceId: TRACE_ID, spanId: SPAN_ID },
    });
    const agent = startSpan("invoke_agent review:main", { parent: request });
    const chat = startSpan("chat gpt-5", { kind: "client", parent: agent });
    const tool = startSpan("execute_tool grep", { parent: agent });
    for (const span of [tool, chat, agent, request]) span?.end();

    expect(request?.traceId).toBe(TRACE_ID);
    const root = tracing.span("wink.request");
    expect(root.spanContext().traceId).toBe(TRACE_ID);
    expect(root.parentSpanContext?.spanId).toBe(SPAN_ID);
    expect(root.parentSpanContext?.isRemote).toBe(true);
    const evaluation = tracing.span("invoke_agent review:main");
    expect(evaluation.parentSpanContext?.spanId).toBe(request?.spanId);
    expect(evaluation.parentSpanContext?.isRemote).toBeFalsy();
    for (const name of ["chat gpt-5", "execute_tool grep"]) {
      expect(tracing.span(name).spanContext().traceId).toBe(TRACE_ID);
      expect(tracing.span(name).parentSpanContext?.spanId).toBe(agent?.spanId);
    }
  });

  it("accept plain ids of another in-process span, and upper-case hex", () => {
    const tracing = registerTracing();
    const parent = startSpan("parent");
    startSpan("by ids", { parent: { traceId: parent!.traceId, spanId: parent!.spanId } })?.end();
    startSpan("upper", { parent: { traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase() } })?.end();
    parent?.end();
    expect(tracing.span("by ids").spanContext().traceId).toBe(parent?.traceId);
    expect(tracing.span("by ids").parentSpanContext?.spanId).toBe(parent?.spanId);
    expect(tracing.span("upper").spanContext().traceId).toBe(TRACE_ID);
  });

  it("start a root span for a trace id that is not a W3C id (not hex, zeros, short)", () => {
    const tracing = registerTracing();
    const parents = [
      { traceId: "req-42", spanId: SPAN_ID },
      { traceId: "0".repeat(32), spanId: SPAN_ID },
      { traceId: TRACE_ID.slice(1), spanId: SPAN_ID },
      { traceId: undefined as unknown as string, spanId: SPAN_ID },
    ];
    for (const [i, parent] of parents.entries()) startSpan(`root ${i}`, { parent })?.end();
    for (const span of tracing.spans()) {
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.spanContext().traceId).not.toBe(TRACE_ID);
    }
    expect(tracing.spans()).toHaveLength(parents.length);
  });

  it("join the trace of a trace id without a valid span id, and read a UUID as a trace id", () => {
    const tracing = registerTracing();
    startSpan("no span id", { parent: { traceId: TRACE_ID, spanId: "" } })?.end();
    startSpan("zero span id", { parent: { traceId: TRACE_ID, spanId: "0".repeat(16) } })?.end();
    startSpan("uuid", {
      parent: { traceId: "0B7E4C1E-59D3-4F0A-9B5E-2F7A1C3D4E5F", spanId: SPAN_ID },
    })?.end();
    for (const name of ["no span id", "zero span id"]) {
      const span = tracing.span(name);
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.parentSpanContext?.spanId).toMatch(/^(?!0+$)[0-9a-f]{16}$/);
      expect(span.parentSpanContext?.isRemote).toBe(true);
    }
    expect(tracing.span("uuid").spanContext().traceId).toBe("0b7e4c1e59d34f0a9b5e2f7a1c3d4e5f");
  });

  it("without a parent is a root span even inside an active span; 'active' joins it", () => {
    registerContextManager();
    const tracing = registerTracing();
    const outer = startSpan("outer");
    withActiveSpan(outer, () => {
      expect(trace.getActiveSpan()?.spanContext().spanId).toBe(outer?.spanId);
      startSpan("detached")?.end();
      startSpan("joined", { parent: "active" })?.end();
    });
    outer?.end();
    expect(tracing.span("detached").parentSpanContext).toBeUndefined();
    expect(tracing.span("joined").parentSpanContext?.spanId).toBe(outer?.spanId);
    expect(withActiveSpan(undefined, () => 42)).toBe(42);
  });
});

describe("errors", () => {
  it("set status ERROR, error.type and an exception event, all redacted", () => {
    const tracing = registerTracing();
    const span = startSpan("chat claude", { kind: "client" });
    const error = new WinkError("prompt_evaluation", `401 from api.anthropic.com with x-api-key ${FAKE_KEY}`);
    span?.end(error);
    const ended = tracing.span("chat claude");
    expect(ended.status.code).toBe(SpanStatusCode.ERROR);
    expect(ended.status.message).toContain("401 from api.anthropic.com");
    expect(ended.status.message).toContain("[REDACTED]");
    expect(ended.attributes[ATTR.ERROR_TYPE]).toBe("WinkError");
    const [event] = ended.events;
    expect(event?.name).toBe("exception");
    expect(event?.attributes?.["exception.type"]).toBe("WinkError");
    expect(event?.attributes?.["exception.message"]).toBe(ended.status.message);
    expect(String(event?.attributes?.["exception.stacktrace"])).toContain("[REDACTED]");
    const exported = JSON.stringify({
      status: ended.status,
      attributes: ended.attributes,
      events: ended.events,
    });
    expect(exported).not.toContain("Zq9XkT4mWv2LpR7sYb1NcD6hFj3GeU8a");
  });

  it("name the class of an error that does not set `name`, and describe thrown non-errors", () => {
    class QuotaExceeded extends Error {}
    const tracing = registerTracing();
    startSpan("class")?.end(new QuotaExceeded("quota"));
    startSpan("type error")?.end(new TypeError("bad"));
    startSpan("string")?.end(`failed with ${FAKE_KEY}`);
    startSpan("object")?.end({ code: 7 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    startSpan("cyclic")?.end(cyclic);
    expect(tracing.span("class").attributes[ATTR.ERROR_TYPE]).toBe("QuotaExceeded");
    expect(tracing.span("type error").attributes[ATTR.ERROR_TYPE]).toBe("TypeError");
    expect(tracing.span("string").attributes[ATTR.ERROR_TYPE]).toBe("string");
    expect(tracing.span("string").status.message).toBe("failed with [REDACTED]");
    expect(tracing.span("object").status.message).toBe('{"code":7}');
    expect(tracing.span("cyclic").status.message).toBe("[object Object]");
  });
});

describe("a failing tracer", () => {
  it("never throws into the caller", () => {
    const failing: Tracer = {
      startSpan: () => {
        throw new Error("exporter down");
      },
      startActiveSpan: () => {
        throw new Error("exporter down");
      },
    };
    const provider: TracerProvider = { getTracer: () => failing };
    trace.setGlobalTracerProvider(provider);
    expect(tracingEnabled()).toBe(true);
    expect(startSpan("lost")).toBeUndefined();
  });

  it("drops an exception from a span's methods", () => {
    const broken = {
      spanContext: () => ({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 }),
      setAttributes: () => {
        throw new Error("attributes rejected");
      },
      end: () => {
        throw new Error("export failed");
      },
    } as unknown as Span;
    const tracer = { startSpan: () => broken, startActiveSpan: () => undefined } as unknown as Tracer;
    trace.setGlobalTracerProvider({ getTracer: () => tracer });
    const span = startSpan("broken");
    expect(span?.spanId).toBe(SPAN_ID);
    expect(() => span?.setAttributes({ a: 1 })).not.toThrow();
    expect(() => span?.end(new Error("x"))).not.toThrow();
  });
});
