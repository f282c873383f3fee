/**
 * bench/telemetry: what `startSpan` + `end` cost per call, in three settings:
 *   (a) `@opentelemetry/api` not installed (a child process where requiring it fails),
 *   (b) installed, no tracer provider registered (the zero-cost path),
 *   (c) a registered SDK provider (`BasicTracerProvider`, `BatchSpanProcessor` as in production,
 *       a no-op exporter).
 * Each runs two call shapes: a bare `startSpan(name)?.end()`, and a model call's (kind, parent ids
 * and five attributes, then `setAttributes` and `end`), whose options object the caller builds
 * whether or not tracing is on.
 *
 * Target (issue 13): with OpenTelemetry installed but no provider, a turn (at most ~3 spans) costs
 * within 2 µs of no OpenTelemetry, so (b) should stay well under 0.5 µs per call.
 * Run: `npx tsx --conditions=wink-source bench/telemetry.ts`.
 */

import { execFileSync } from "node:child_process";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { ATTR, startSpan, tracingEnabled } from "weakincentives/telemetry";
import { quantile, report } from "./stats.js";

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 15);
/** Spans are microseconds each when recorded: fewer of them. */
const RECORDED_CALLS = Math.max(1, Math.floor(CALLS / 20));
const CHILD = "BENCH_TELEMETRY_CHILD";

/** Preload for the child: `require("@opentelemetry/api")` fails as when the peer is not installed. */
const HIDE_OTEL = `data:text/javascript,${encodeURIComponent(`
import Module from "node:module";
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "@opentelemetry/api") throw Object.assign(new Error("hidden"), { code: "MODULE_NOT_FOUND" });
  return resolve.call(this, request, ...rest);
};`)}`;

const PARENT = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };

function bare(): void {
  startSpan("execute_tool grep")?.end();
}

function modelCall(): void {
  const span = startSpan("chat gpt-5", {
    kind: "client",
    parent: PARENT,
    attributes: {
      [ATTR.GEN_AI_OPERATION_NAME]: "chat",
      [ATTR.GEN_AI_PROVIDER_NAME]: "openai",
      [ATTR.GEN_AI_SYSTEM]: "openai",
      [ATTR.GEN_AI_REQUEST_MODEL]: "gpt-5",
      [ATTR.WINK_PROMPT]: "review:main",
    },
  });
  span?.setAttributes({ [ATTR.GEN_AI_USAGE_INPUT_TOKENS]: 1200, [ATTR.GEN_AI_USAGE_OUTPUT_TOKENS]: 80 });
  span?.end();
}

/** Median nanoseconds per call over `BATCHES` batches of `calls` calls (after one warm-up batch). */
async function perCallNs(fn: () => void, calls: number): Promise<number> {
  const samples: number[] = [];
  for (let batch = 0; batch <= BATCHES; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const ns = Number(process.hrtime.bigint() - start) / calls;
    if (batch > 0) samples.push(ns);
    // Let the span processor's export promises settle between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return quantile(samples, 0.5);
}

interface Figures {
  readonly enabled: boolean;
  readonly bareNs: number;
  readonly modelCallNs: number;
}

async function measure(calls: number): Promise<Figures> {
  return {
    enabled: tracingEnabled(),
    bareNs: await perCallNs(bare, calls),
    modelCallNs: await perCallNs(modelCall, calls),
  };
}

if (process.env[CHILD] === "absent") {
  console.log(JSON.stringify(await measure(CALLS)));
  process.exit(0);
}

const absent = JSON.parse(
  execFileSync(
    process.execPath,
    ["--conditions=wink-source", "--import", "tsx", "--import", HIDE_OTEL, import.meta.filename],
    { env: { ...process.env, [CHILD]: "absent" }, encoding: "utf8" },
  ).trim(),
) as Figures;

const noProvider = await measure(CALLS);

// Loaded here, not at the top: the child must not load the API through the SDK.
const { trace } = await import("@opentelemetry/api");
const { BasicTracerProvider, BatchSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
let exported = 0;
const provider = new BasicTracerProvider({
  spanProcessors: [
    new BatchSpanProcessor(
      {
        export: (spans: ReadableSpan[], done: (result: { code: number }) => void) => {
          exported += spans.length;
          done({ code: 0 }); // ExportResultCode.SUCCESS
        },
        shutdown: async () => {},
      },
      // A queue that holds a whole batch of calls: every span is exported, none dropped.
      { maxQueueSize: 2 * RECORDED_CALLS },
    ),
  ],
});
trace.setGlobalTracerProvider(provider);
const recorded = await measure(RECORDED_CALLS);
await provider.forceFlush();
trace.disable();

const expected = 2 * (BATCHES + 1) * RECORDED_CALLS;
if (absent.enabled || noProvider.enabled || !recorded.enabled || exported !== expected) {
  throw new Error(`unexpected state: ${JSON.stringify({ absent, noProvider, recorded, exported })}`);
}

const f = (ns: number): string => `${ns.toFixed(1)} ns`;
const overheadPerTurnNs = 3 * Math.max(0, noProvider.modelCallNs - absent.modelCallNs);
report(
  "telemetry",
  [
    `calls: ${BATCHES} batches of ${CALLS} (recorded: ${RECORDED_CALLS}); median per call, startSpan + end`,
    `(a) api not installed:       bare ${f(absent.bareNs)}, model-call shape ${f(absent.modelCallNs)}`,
    `(b) installed, no provider:  bare ${f(noProvider.bareNs)}, model-call shape ${f(noProvider.modelCallNs)} (target < 500 ns)`,
    `(c) SDK provider, no-op exporter: bare ${(recorded.bareNs / 1000).toFixed(2)} µs, model-call shape ${(recorded.modelCallNs / 1000).toFixed(2)} µs (${exported} spans exported)`,
    `turn overhead of (b) over (a), 3 spans per turn: ${f(overheadPerTurnNs)} (target < 2000 ns)`,
  ],
  {
    absentBareNs: Number(absent.bareNs.toFixed(1)),
    absentModelCallNs: Number(absent.modelCallNs.toFixed(1)),
    noProviderBareNs: Number(noProvider.bareNs.toFixed(1)),
    noProviderModelCallNs: Number(noProvider.modelCallNs.toFixed(1)),
    providerBareNs: Number(recorded.bareNs.toFixed(1)),
    providerModelCallNs: Number(recorded.modelCallNs.toFixed(1)),
    turnOverheadNs: Number(overheadPerTurnNs.toFixed(1)),
    targetNoProviderNs: 500,
    targetTurnOverheadNs: 2000,
    calls: CALLS,
    batches: BATCHES,
  },
);
