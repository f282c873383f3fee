/**
 * Turning a content turn into the protocol-independent {@link ReplyContent} the codecs encode:
 * tool-call ids and argument encodings resolved, usage defaulted. Internal to `model-server/`.
 */

import { tryParseJson } from "./http.js";
import { isObject, type ReplyCall, type ReplyContent } from "./protocol.js";
import type { ScriptedToolCall, ScriptedTurn, TurnUsage } from "./turns.js";

/** The turns that produce a successful reply. */
export type ContentTurn = Extract<ScriptedTurn, { kind: "text" | "json" | "tool_calls" }>;

/** A rough token count for a number of characters (about four per token, at least one). */
function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

function resolveCall(call: ScriptedToolCall, newCallId: () => string): ReplyCall {
  const raw = call.arguments;
  const argumentsText = typeof raw === "string" ? raw : JSON.stringify(raw);
  const parsed = typeof raw === "string" ? tryParseJson(raw) : raw;
  return {
    id: call.id ?? newCallId(),
    name: call.name,
    argumentsText,
    input: isObject(parsed) ? parsed : argumentsText,
  };
}

/**
 * The reply for `turn`. Without scripted `usage`, input tokens are estimated from the request
 * size and output tokens from the reply's text and arguments.
 */
export function replyContent(
  turn: ContentTurn,
  options: { requestChars: number; usage: TurnUsage | undefined; newCallId: () => string },
): ReplyContent {
  const text = turn.kind === "json" ? JSON.stringify(turn.value) : turn.text;
  const calls =
    turn.kind === "tool_calls" ? turn.calls.map((call) => resolveCall(call, options.newCallId)) : [];
  const outputChars =
    (text ?? "").length + calls.reduce((n, c) => n + c.name.length + c.argumentsText.length, 0);
  return {
    text,
    calls,
    usage: options.usage ?? {
      inputTokens: estimateTokens(options.requestChars),
      outputTokens: estimateTokens(outputChars),
    },
  };
}
