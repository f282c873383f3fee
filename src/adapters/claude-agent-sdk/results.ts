/**
 * Reading what Claude Code reports: usage per API message, the final text, result messages turned
 * into WINK errors, and the reason a tool is denied once a limit is reached.
 */

import type { SDKAssistantMessage, SDKMessage, SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import type { BudgetTracker, TokenUsage } from "../../budget.js";
import type { Deadline } from "../../deadline.js";
import { BudgetExceededError, describeThrown } from "../../errors.js";
import type { Logger } from "../../logging/index.js";
import { PromptEvaluationError, ThrottleError, type ThrottleKind } from "../errors.js";

const NATIVE_OUTPUT_LIMIT = 4000;

/** What one evaluation learns while Claude Code runs. */
export interface RunState {
  fatal: unknown;
  /** Usage per API message id (one API message may arrive as several SDK messages). */
  readonly usageByMessage: Map<string, TokenUsage>;
}

/** Record an assistant message's usage; returns its text, or `lastText` when it has none. */
export function recordMessage(message: SDKMessage, state: RunState, lastText: string): string {
  if (message.type !== "assistant") return lastText;
  const api = message.message;
  const usage = api.usage;
  if (usage) {
    state.usageByMessage.set(api.id, {
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      cachedTokens: usage.cache_read_input_tokens ?? 0,
    });
  }
  const text = api.content
    .map((block) => (block.type === "text" ? block.text : ""))
    .join("")
    .trim();
  return text === "" ? lastText : text;
}

/**
 * The DEBUG `provider.response` record of one of Claude Code's model turns, as the HTTP loop
 * writes it (a bundle's transcript): text, tool uses, usage, and the time since the previous model
 * turn (or the start of the run).
 */
export function logModelTurn(log: Logger, message: SDKAssistantMessage, latencyMs: number): void {
  const content = message.message.content;
  log.debug("provider.response", "Claude Code's model answered.", {
    latencyMs: Math.round(latencyMs),
    text: content.map((block) => (block.type === "text" ? block.text : "")).join(""),
    toolCalls: content.flatMap((block) =>
      block.type === "tool_use" ? [{ id: block.id, name: block.name, arguments: block.input }] : [],
    ),
    inputTokens: message.message.usage?.input_tokens,
    outputTokens: message.message.usage?.output_tokens,
  });
}

/** The usage a result message reports, if any. */
export function resultUsage(result: SDKResultMessage): TokenUsage | undefined {
  const usage = result.usage;
  if (!usage) return undefined;
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cachedTokens: usage.cache_read_input_tokens ?? 0,
  };
}

/** Why no more tools may run (deadline passed, budget spent), or `undefined`. */
export function denialReason(
  deadline: Deadline | undefined,
  tracker: BudgetTracker | undefined,
  evaluationId: string,
  usage: TokenUsage,
): string | undefined {
  if (deadline?.expired()) return "The deadline for this evaluation has passed; no more tools may run.";
  if (tracker) {
    tracker.recordCumulative(evaluationId, usage);
    try {
      tracker.check();
    } catch (error) {
      return `The token budget is exhausted: ${describeThrown(error)}`;
    }
  }
  return undefined;
}

/**
 * The WINK error for a result message that is not a success, its cost already in `tracker`: the
 * request's `BudgetExceededError` when its dollar budget is what Claude Code ran out of (as every
 * adapter raises it), a `ThrottleError` when the API kept refusing through Claude Code's own
 * retries (429, 529, 5xx), else a `PromptEvaluationError`.
 */
export function resultError(
  result: SDKResultMessage,
  promptName: string,
  maxTurns: number | undefined,
  tracker: BudgetTracker | undefined,
  cause?: unknown,
): PromptEvaluationError | BudgetExceededError | ThrottleError {
  const options = cause === undefined ? {} : { cause };
  switch (result.subtype) {
    case "error_max_turns":
      return new PromptEvaluationError(
        `Prompt "${promptName}" did not finish within ${maxTurns ?? result.num_turns} agent turns. Raise maxTurns or give the model clearer stopping criteria.`,
        { phase: "response", promptName },
        options,
      );
    case "error_max_budget_usd":
      return (
        requestBudgetError(tracker) ??
        new PromptEvaluationError(
          `Prompt "${promptName}" exceeded the adapter's maxBudgetUsd (spent about $${result.total_cost_usd.toFixed(4)}). ` +
            "Raise maxBudgetUsd (AGENT_MAX_BUDGET_USD), use a cheaper model, or give the agent less to do.",
          { phase: "budget", promptName },
          options,
        )
      );
    case "error_max_structured_output_retries":
      return new PromptEvaluationError(
        `Prompt "${promptName}": the model did not produce valid structured output. ${result.errors.join("; ")}`,
        { phase: "response", promptName },
        options,
      );
    case "error_during_execution":
      return new PromptEvaluationError(
        `Claude Code failed during prompt "${promptName}": ${result.errors.join("; ") || "no details"}`,
        { phase: "request", promptName },
        options,
      );
    case "success":
      return apiError(result, promptName, options);
  }
}

/** The request budget's own error, when its dollar limit is spent. */
function requestBudgetError(tracker: BudgetTracker | undefined): BudgetExceededError | undefined {
  try {
    tracker?.check();
  } catch (error) {
    if (error instanceof BudgetExceededError) return error;
  }
  // Claude Code stops once its spend reaches the limit it was given, so a spend exactly at the
  // request's limit (which check() allows) also means the request's budget ran out.
  const limit = tracker?.budget.maxUsd;
  const spent = tracker?.consumedUsd;
  if (tracker === undefined || limit === undefined || spent === undefined) return undefined;
  if (spent < limit - USD_EPSILON) return undefined;
  return new BudgetExceededError(
    "usd",
    `Budget exhausted: spent $${spent.toFixed(4)} of maxUsd $${limit}, where Claude Code stops. Raise maxUsd (AGENT_MAX_BUDGET_USD), use a cheaper model, or give the agent less to do.`,
    { details: { consumed: tracker.consumed, consumedUsd: spent, limit } },
  );
}

/** Below a millionth of a cent, two dollar amounts are the same (Claude Code's sums are floats). */
const USD_EPSILON = 1e-8;

/** How a status the API kept answering is transient, if it is. */
function throttleKind(status: number | undefined): ThrottleKind | undefined {
  if (status === 429) return "rate_limit";
  if (status !== undefined && (status === 529 || status >= 500)) return "server_error";
  return undefined;
}

/** A run that ended on an API error (Claude Code reports it as a "success" with `is_error`). */
function apiError(
  result: SDKResultMessage & { subtype: "success" },
  promptName: string,
  options: { cause?: unknown },
): PromptEvaluationError | ThrottleError {
  const status = result.api_error_status ?? undefined;
  const message =
    `Claude Code request for prompt "${promptName}" failed${status ? ` with status ${status}` : ""}: ` +
    result.result;
  const kind = throttleKind(status);
  if (kind === undefined)
    return new PromptEvaluationError(message, { phase: "request", promptName, status }, options);
  return new ThrottleError(
    `${message} (after Claude Code's own retries)`,
    { kind, attempts: 1, status },
    options,
  );
}

/** JSON of `value`, or its string form when it is not serializable. */
export function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

/** `text` cut to what a native tool record keeps. */
export function truncate(text: string): string {
  return text.length <= NATIVE_OUTPUT_LIMIT ? text : `${text.slice(0, NATIVE_OUTPUT_LIMIT)}…`;
}
