/**
 * `metrics.json` of a bundle: the figures a post-mortem starts from, summed from the attempt's
 * own records: model calls (count, time, tokens) and tool calls (count, failures, time, per tool).
 */

import { ToolInvoked } from "../events/index.js";
import type { CapturedRecord } from "../logging/index.js";
import type { Session } from "../session/index.js";

/** One tool's figures. */
export interface ToolFigures {
  readonly calls: number;
  readonly failures: number;
  readonly ms: number;
}

/** The figures of `metrics.json`. */
export interface BundleMetrics {
  readonly modelCalls: number;
  readonly modelMs: number;
  readonly modelErrors: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly toolCalls: number;
  readonly toolFailures: number;
  readonly toolMs: number;
  readonly tools: Readonly<Record<string, ToolFigures>>;
}

const num = (value: unknown): number => (typeof value === "number" ? value : 0);
const round = (ms: number): number => Math.round(ms * 1000) / 1000;

/** Sum the figures of one attempt from its log records and its session. */
export function bundleMetrics(logs: readonly CapturedRecord[], session: Session | undefined): BundleMetrics {
  let modelCalls = 0;
  let modelMs = 0;
  let modelErrors = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  for (const record of logs) {
    const context = (record.context ?? {}) as Record<string, unknown>;
    if (record.event === "provider.response") {
      modelCalls++;
      modelMs += num(context.latencyMs);
      inputTokens += num(context.inputTokens);
      outputTokens += num(context.outputTokens);
    } else if (record.event === "provider.error") modelErrors++;
  }
  const tools: Record<string, { calls: number; failures: number; ms: number }> = {};
  let toolMs = 0;
  let toolFailures = 0;
  const calls = session ? session.slice(ToolInvoked).all() : [];
  for (const call of calls) {
    const figures = tools[call.name] ?? { calls: 0, failures: 0, ms: 0 };
    tools[call.name] = figures;
    figures.calls++;
    figures.ms = round(figures.ms + num(call.durationMs));
    toolMs += num(call.durationMs);
    if (!call.success) {
      figures.failures++;
      toolFailures++;
    }
  }
  return {
    modelCalls,
    modelMs: round(modelMs),
    modelErrors,
    inputTokens,
    outputTokens,
    toolCalls: calls.length,
    toolFailures,
    toolMs: round(toolMs),
    tools,
  };
}
