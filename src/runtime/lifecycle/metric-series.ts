/**
 * The event-fed series of `WinkMetrics` (./metrics.ts): how each is named, labelled, bucketed
 * and described. Names, labels and help texts are documented in docs/observability.md; keep them.
 *
 * @internal
 */

import { Counter, Histogram, type Registry } from "prom-client";

/** Token counts span several orders of magnitude; the default (seconds) buckets would not fit. */
const TOKEN_BUCKETS = [
  100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000,
];

/** Model calls take from a fraction of a second to minutes. */
const MODEL_CALL_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
/** Requests run whole agent loops: seconds to tens of minutes. */
const REQUEST_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1_200, 1_800, 3_600];
/** Tool calls and bundle writes: milliseconds to a minute. */
const SHORT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The prompt-evaluation series: token histograms and the execution counter. */
export interface PromptSeries {
  readonly tokensInput: Histogram;
  readonly tokensOutput: Histogram;
  readonly executions: Counter;
}

/** Register the prompt-evaluation series. */
export function promptSeries(prefix: string, registers: Registry[]): PromptSeries {
  return {
    tokensInput: new Histogram({
      name: `${prefix}prompt_tokens_input`,
      help: "Input tokens per prompt evaluation (guide: prompt.tokens.input).",
      buckets: TOKEN_BUCKETS,
      registers,
    }),
    tokensOutput: new Histogram({
      name: `${prefix}prompt_tokens_output`,
      help: "Output tokens per prompt evaluation (guide: prompt.tokens.output).",
      buckets: TOKEN_BUCKETS,
      registers,
    }),
    executions: new Counter({
      name: `${prefix}prompt_executions_total`,
      help: "Prompt evaluations completed (guide: prompt.executions.total).",
      registers,
    }),
  };
}

/** The tool-call counters, by (capped) tool name. */
export interface ToolSeries {
  readonly invocations: Counter<"tool">;
  readonly errors: Counter<"tool">;
}

/** Register the tool-call counters. */
export function toolSeries(prefix: string, registers: Registry[]): ToolSeries {
  return {
    invocations: new Counter({
      name: `${prefix}tool_invocations_total`,
      help: "Tool calls, by tool (guide: tool.invocations.total).",
      labelNames: ["tool"],
      registers,
    }),
    errors: new Counter({
      name: `${prefix}tool_errors_total`,
      help: "Tool calls that returned an error, by tool (guide: tool.errors.total).",
      labelNames: ["tool"],
      registers,
    }),
  };
}

/** The queue-message counters, by loop. */
export interface MessageSeries {
  readonly processed: Counter<"loop" | "outcome">;
  readonly failed: Counter<"loop">;
  readonly deadLettered: Counter<"loop">;
}

/** Register the queue-message counters. */
export function messageSeries(prefix: string, registers: Registry[]): MessageSeries {
  return {
    processed: new Counter({
      name: `${prefix}messages_processed_total`,
      help: "Queue messages handled, by loop and outcome.",
      labelNames: ["loop", "outcome"],
      registers,
    }),
    failed: new Counter({
      name: `${prefix}messages_failed_total`,
      help: "Queue messages whose handling ended in an error (failed, retried or dead-lettered).",
      labelNames: ["loop"],
      registers,
    }),
    deadLettered: new Counter({
      name: `${prefix}messages_dead_lettered_total`,
      help: "Queue messages sent to a dead-letter queue.",
      labelNames: ["loop"],
      registers,
    }),
  };
}

/** The latency and cost series. */
export interface Timings {
  readonly modelCall: Histogram<"adapter" | "model" | "outcome">;
  readonly retries: Counter<"adapter" | "kind">;
  readonly request: Histogram<"loop" | "outcome">;
  readonly tool: Histogram<"tool">;
  readonly cost: Counter<"adapter" | "model">;
  readonly bundleWrite: Histogram<"loop" | "outcome">;
}

/** Register the latency and cost series. */
export function timings(prefix: string, registers: Registry[]): Timings {
  return {
    modelCall: new Histogram({
      name: `${prefix}model_call_seconds`,
      help: "Model API calls, by adapter, model and outcome (ok, error, aborted); retries included.",
      labelNames: ["adapter", "model", "outcome"],
      buckets: MODEL_CALL_BUCKETS,
      registers,
    }),
    retries: new Counter({
      name: `${prefix}model_retries_total`,
      help: "Transient model API failures retried after a backoff, by adapter and kind (rate_limit, server_error, timeout, connection).",
      labelNames: ["adapter", "kind"],
      registers,
    }),
    request: new Histogram({
      name: `${prefix}request_seconds`,
      help: "Time to handle one queue message, by loop and outcome.",
      labelNames: ["loop", "outcome"],
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    tool: new Histogram({
      name: `${prefix}tool_seconds`,
      help: "Tool call durations (policies and handler), by tool.",
      labelNames: ["tool"],
      buckets: SHORT_BUCKETS,
      registers,
    }),
    cost: new Counter({
      name: `${prefix}cost_usd_total`,
      help: "US dollars spent on model calls, by adapter and model (models with a known price).",
      labelNames: ["adapter", "model"],
      registers,
    }),
    bundleWrite: new Histogram({
      name: `${prefix}bundle_write_seconds`,
      help: "Time to write a request's debug bundle, by loop and outcome.",
      labelNames: ["loop", "outcome"],
      buckets: SHORT_BUCKETS,
      registers,
    }),
  };
}
