/**
 * Protocol-aware readers of the requests the scripted model server recorded: what the model was
 * sent back for a tool call, and what is new in a request since the model last spoke. They read
 * the three wire formats the server speaks (Claude Code speaks Anthropic Messages), so the
 * conformance cases assert on what the model saw, whatever the adapter. Internal to the suite.
 */

import type { ModelProtocol } from "../model-server/protocol.js";
import type { RecordedRequest } from "../model-server/server.js";

type Json = Record<string, unknown>;

/** A tool result as the model received it. */
export interface WireToolResult {
  readonly text: string;
  /** The wire's error flag: Anthropic's `is_error`; `undefined` where the protocol has none (OpenAI). */
  readonly isError: boolean | undefined;
}

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const objects = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** Keys that carry ids and markers, not text the model reads. */
const METADATA = new Set(["type", "role", "id", "call_id", "tool_call_id", "tool_use_id", "name", "status"]);

/** Every string a message holds (content, tool output, text parts), in order. */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value))
    return value
      .map(textOf)
      .filter((s) => s !== "")
      .join("\n");
  if (!isObject(value)) return "";
  return Object.entries(value)
    .filter(([key]) => !METADATA.has(key))
    .map(([, v]) => textOf(v))
    .filter((s) => s !== "")
    .join("\n");
}

/** The conversation items of a request: `messages` (Chat, Anthropic) or `input` (Responses). */
function items(request: RecordedRequest): Json[] {
  const body = isObject(request.body) ? request.body : {};
  if (request.protocol === "openai-responses") {
    return typeof body.input === "string" ? [{ role: "user", content: body.input }] : objects(body.input);
  }
  return objects(body.messages);
}

/** Whether an item is something the model said (a message or a tool call of its own). */
function spokenByModel(protocol: ModelProtocol, item: Json): boolean {
  if (item.role === "assistant") return true;
  return protocol === "openai-responses" && (item.type === "function_call" || item.type === "reasoning");
}

/** The text of everything the request adds after the model's last turn (tool results, user messages). */
export function newInput(request: RecordedRequest): string {
  const all = items(request);
  let last = -1;
  all.forEach((item, i) => {
    if (spokenByModel(request.protocol, item)) last = i;
  });
  return textOf(all.slice(last + 1));
}

/** The result of tool call `callId` in one request, if the request carries it. */
function toolResultIn(request: RecordedRequest, callId: string): WireToolResult | undefined {
  for (const item of items(request)) {
    switch (request.protocol) {
      case "openai-chat":
        if (item.role === "tool" && item.tool_call_id === callId) {
          return { text: textOf(item.content), isError: undefined };
        }
        break;
      case "openai-responses":
        if (item.type === "function_call_output" && item.call_id === callId) {
          return { text: textOf(item.output), isError: undefined };
        }
        break;
      case "anthropic-messages":
        for (const block of objects(item.content)) {
          if (block.type === "tool_result" && block.tool_use_id === callId) {
            return { text: textOf(block.content), isError: block.is_error === true };
          }
        }
        break;
    }
  }
  return undefined;
}

/** The result of tool call `callId` from the first request that carries it. */
export function toolResultFor(
  requests: readonly RecordedRequest[],
  callId: string,
): WireToolResult | undefined {
  for (const request of requests) {
    const result = toolResultIn(request, callId);
    if (result) return result;
  }
  return undefined;
}
