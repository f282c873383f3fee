/**
 * One model turn as the shared loop asks for it: the request under the retry policy, the DEBUG
 * transcript records, the `ModelCalled` measurement, and provider failures turned into
 * {@link PromptEvaluationError}s that name the prompt and the status.
 */

import type { TokenUsage } from "../budget.js";
import type { Clock } from "../clock.js";
import type { DataOf } from "../data-type.js";
import { errorTypeName, WinkError } from "../errors.js";
import { type Dispatcher, ModelCalled } from "../events/index.js";
import type { Logger } from "../logging/index.js";
import type { RenderedPrompt } from "../prompt/index.js";
import { ATTR, GEN_AI_OPERATION, startSpan, type WinkSpan } from "../telemetry/index.js";
import { PromptEvaluationError } from "./errors.js";
import { costOf, type ModelPrice } from "./pricing.js";
import { retryThrottled, type ThrottleOptions } from "./throttle.js";
import type { ModelTurn, ProviderDriver } from "./types.js";

/** What {@link callProvider} needs from the evaluation. */
export interface CallState {
  readonly driver: ProviderDriver;
  readonly rendered: RenderedPrompt<unknown>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly price: ModelPrice | undefined;
  /** The dispatcher that wants `ModelCalled` events, when one does. */
  readonly measured: Dispatcher | undefined;
  /** The evaluation's span, parent of each model call's `chat` span (tracing on only). */
  readonly span: WinkSpan | undefined;
}

/** Ask the provider for the next turn, with retries; failures come back as WINK errors. */
export async function callProvider(
  state: CallState,
  signal: AbortSignal,
  request: () => Promise<ModelTurn>,
  throttle: ThrottleOptions,
): Promise<ModelTurn> {
  const { driver, log } = state;
  const debug = log.isEnabled("debug");
  const timed = debug || state.measured !== undefined;
  const started = timed ? state.clock.monotonic() : 0;
  if (debug) log.debug("provider.request", "Calling the provider.", { model: driver.model });
  const span = state.span ? chatSpan(state, state.span) : undefined;
  try {
    let turn: ModelTurn;
    try {
      turn = await request();
    } catch (error) {
      turn = await retryThrottled(request, throttle, error);
    }
    if (debug) logResponse(log, turn, state.clock.monotonic() - started);
    if (state.measured) measure(state, state.measured, started, "ok", undefined, turn.usage);
    if (span) endChatSpan(span, state, turn);
    return turn;
  } catch (error) {
    span?.end(error);
    if (state.measured) {
      measure(state, state.measured, started, signal.aborted ? "aborted" : "error", error, undefined);
    }
    if (signal.aborted) throw signal.reason;
    if (error instanceof WinkError) {
      log.error("provider.error", "Provider call failed.", { error });
      throw error;
    }
    const { message, status } = driver.describeError(error);
    log.error("provider.error", "Provider call failed.", { status, error: message });
    throw new PromptEvaluationError(
      `${driver.name} request for prompt "${state.rendered.name}" failed${status ? ` with status ${status}` : ""}: ${message}`,
      { phase: "request", promptName: state.rendered.name, status },
      { cause: error },
    );
  }
}

/** A model call's `chat` span, after the GenAI semantic conventions. */
function chatSpan(state: CallState, parent: WinkSpan): WinkSpan | undefined {
  const { driver } = state;
  return startSpan(`${GEN_AI_OPERATION.CHAT} ${driver.model}`, {
    kind: "client",
    parent,
    attributes: {
      [ATTR.GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.CHAT,
      [ATTR.GEN_AI_PROVIDER_NAME]: driver.name,
      [ATTR.GEN_AI_SYSTEM]: driver.name,
      [ATTR.GEN_AI_REQUEST_MODEL]: driver.model,
    },
  });
}

function endChatSpan(span: WinkSpan, state: CallState, turn: ModelTurn): void {
  const usage = turn.usage;
  span.setAttributes({
    [ATTR.GEN_AI_RESPONSE_FINISH_REASONS]: [turn.toolCalls.length > 0 ? "tool_calls" : "stop"],
    [ATTR.GEN_AI_USAGE_INPUT_TOKENS]: usage?.inputTokens,
    [ATTR.GEN_AI_USAGE_OUTPUT_TOKENS]: usage?.outputTokens,
    [ATTR.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: usage?.cachedTokens,
    [ATTR.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: usage?.cacheWriteTokens,
    [ATTR.WINK_COST_USD]: usage && state.price ? costOf(usage, state.price) : undefined,
  });
  span.end();
}

/** The model's side of the transcript (the prompt and tool results are in the session). */
function logResponse(log: Logger, turn: ModelTurn, latencyMs: number): void {
  log.debug("provider.response", "Provider answered.", {
    latencyMs: Math.round(latencyMs),
    text: turn.text,
    toolCalls: turn.toolCalls.map((call) => ({ id: call.id, name: call.name, arguments: call.arguments })),
    inputTokens: turn.usage?.inputTokens,
    outputTokens: turn.usage?.outputTokens,
  });
}

function measure(
  state: CallState,
  dispatcher: Dispatcher,
  started: number,
  outcome: "ok" | "error" | "aborted",
  error: unknown,
  usage: TokenUsage | undefined,
): void {
  const event: { -readonly [K in keyof DataOf<typeof ModelCalled>]: DataOf<typeof ModelCalled>[K] } = {
    adapter: state.driver.name,
    model: state.driver.model,
    promptName: state.rendered.name,
    durationMs: Math.max(0, state.clock.monotonic() - started),
    outcome,
  };
  if (error !== undefined) event.errorType = errorTypeName(error);
  if (usage) event.usage = usage;
  if (usage && state.price) event.costUsd = costOf(usage, state.price);
  dispatcher.dispatch(ModelCalled.create(event));
}
