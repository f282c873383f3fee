/**
 * Anthropic Messages (`POST /v1/messages`, also `?beta=true` as the Claude Agent SDK's CLI
 * calls it): `message` bodies with `text` and `tool_use` blocks, and the SSE sequence
 * `message_start`, `ping`, per block `content_block_start` / `content_block_delta` /
 * `content_block_stop`, then `message_delta` and `message_stop`. Internal to `model-server/`.
 */

import { PromptCache } from "./prompt-cache.js";
import {
  type ConversationFacts,
  chunks,
  isObject,
  type JsonObject,
  objects,
  type ProtocolCodec,
  type ReplyContent,
  type ReplyContext,
  type SseEvent,
  schemaOf,
  sse,
  str,
} from "./protocol.js";

/** Anthropic's error `type` for a status. */
export function anthropicErrorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit_error";
  if (status === 529) return "overloaded_error";
  if (status >= 500) return "api_error";
  return "invalid_request_error";
}

/** The structured-output schema of `output_config.format` (or the beta `output_format`). */
function anthropicOutputSchema(body: JsonObject): ConversationFacts["outputSchema"] {
  const config = body.output_config;
  const format = isObject(config) ? config.format : body.output_format;
  return isObject(format) && format.type === "json_schema" ? schemaOf(format.schema) : undefined;
}

type Block = { readonly start: JsonObject; readonly done: JsonObject; readonly deltas: JsonObject[] };

function blocks(content: ReplyContent): Block[] {
  const out: Block[] = [];
  if (content.text !== undefined) {
    out.push({
      start: { type: "text", text: "" },
      done: { type: "text", text: content.text },
      deltas: chunks(content.text).map((text) => ({ type: "text_delta", text })),
    });
  }
  for (const call of content.calls) {
    out.push({
      start: { type: "tool_use", id: call.id, name: call.name, input: {} },
      done: { type: "tool_use", id: call.id, name: call.name, input: call.input },
      deltas: chunks(call.argumentsText).map((partial_json) => ({ type: "input_json_delta", partial_json })),
    });
  }
  return out;
}

function stopReason(content: ReplyContent): string {
  return content.calls.length > 0 ? "tool_use" : "end_turn";
}

function message(id: string, context: ReplyContext, content: unknown[], extra: JsonObject): JsonObject {
  return {
    id,
    type: "message",
    role: "assistant",
    model: context.model,
    content,
    stop_sequence: null,
    ...extra,
  };
}

/** The tools a request offers (those with a name and an `input_schema`). */
function offeredTools(body: JsonObject): ConversationFacts["tools"] {
  return objects(body.tools).flatMap((tool) => {
    const name = str(tool.name);
    return name && isObject(tool.input_schema) ? [{ name, schema: schemaOf(tool.input_schema) }] : [];
  });
}

/** Tools named in the `tool_use` blocks of the request's assistant messages. */
function calledTools(body: JsonObject): Set<string> {
  const called = new Set<string>();
  for (const msg of objects(body.messages)) {
    if (msg.role !== "assistant") continue;
    for (const block of objects(msg.content)) {
      const name = str(block.name);
      if (block.type === "tool_use" && name) called.add(name);
    }
  }
  return called;
}

/** The facts of a Messages request. */
function conversationFacts(body: JsonObject): ConversationFacts {
  const tools = offeredTools(body);
  const called = calledTools(body);
  const outputSchema = anthropicOutputSchema(body);
  return outputSchema ? { tools, calledTools: called, outputSchema } : { tools, calledTools: called };
}

/** The complete `message` body of a non-streaming reply; the request goes through the cache. */
function encodeReply(cache: PromptCache, content: ReplyContent, context: ReplyContext): JsonObject {
  const { inputTokens, outputTokens } = content.usage;
  const cached = cache.use(context.body);
  return message(
    context.newId("msg_"),
    context,
    blocks(content).map((b) => b.done),
    {
      stop_reason: stopReason(content),
      usage: {
        input_tokens: inputTokens,
        output_tokens: outputTokens,
        cache_creation_input_tokens: cached.written,
        cache_read_input_tokens: cached.read,
      },
    },
  );
}

/** The `message_start` event: an empty message with the input and cache figures. */
function messageStartEvent(cache: PromptCache, content: ReplyContent, context: ReplyContext): SseEvent {
  const cached = cache.use(context.body);
  const start = message(context.newId("msg_"), context, [], {
    stop_reason: null,
    usage: {
      input_tokens: content.usage.inputTokens,
      output_tokens: 1,
      cache_creation_input_tokens: cached.written,
      cache_read_input_tokens: cached.read,
    },
  });
  return sse({ type: "message_start", message: start }, "message_start");
}

/** Append the events of content block `index`: its start, its deltas, its stop. */
function pushBlockEvents(out: SseEvent[], block: Block, index: number): void {
  out.push(sse({ type: "content_block_start", index, content_block: block.start }, "content_block_start"));
  for (const delta of block.deltas) {
    out.push(sse({ type: "content_block_delta", index, delta }, "content_block_delta"));
  }
  out.push(sse({ type: "content_block_stop", index }, "content_block_stop"));
}

/** The SSE events of a streaming reply: start, ping, each block, then `message_delta` and stop. */
function encodeEvents(cache: PromptCache, content: ReplyContent, context: ReplyContext): SseEvent[] {
  const out: SseEvent[] = [messageStartEvent(cache, content, context), sse({ type: "ping" }, "ping")];
  blocks(content).forEach((block, index) => {
    pushBlockEvents(out, block, index);
  });
  out.push(
    sse(
      {
        type: "message_delta",
        delta: { stop_reason: stopReason(content), stop_sequence: null },
        usage: { output_tokens: content.usage.outputTokens },
      },
      "message_delta",
    ),
    sse({ type: "message_stop" }, "message_stop"),
  );
  return out;
}

/** The Anthropic error envelope: `{ type: "error", error: { type, message } }`. */
function anthropicErrorBody(status: number, message: string): unknown {
  return { type: "error", error: { type: anthropicErrorType(status), message } };
}

/** Create the Anthropic Messages codec, with its own simulated prompt cache. */
export function anthropicCodec(): ProtocolCodec {
  const cache = new PromptCache();
  return {
    protocol: "anthropic-messages",
    callIdPrefix: "toolu_",
    requestIdHeader: "request-id",
    conversation: conversationFacts,
    reply: (content, context) => encodeReply(cache, content, context),
    events: (content, context) => encodeEvents(cache, content, context),
    errorBody: anthropicErrorBody,
  };
}
