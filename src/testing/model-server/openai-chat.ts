/**
 * OpenAI Chat Completions (`POST /v1/chat/completions`): `chat.completion` bodies and
 * `chat.completion.chunk` SSE streams ending in `data: [DONE]`. Internal to `model-server/`.
 */

import {
  type ConversationFacts,
  chunks,
  isObject,
  type JsonObject,
  objects,
  type ProtocolCodec,
  type ReplyCall,
  type ReplyContent,
  type ReplyContext,
  type SseEvent,
  schemaOf,
  sse,
  str,
} from "./protocol.js";

/** OpenAI's error `type` for a status, as the API reports it. */
export function openAiErrorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** The OpenAI error envelope: `{ error: { message, type, param, code } }`. */
export function openAiErrorBody(status: number, message: string): unknown {
  return {
    error: {
      message,
      type: openAiErrorType(status),
      param: null,
      code: status === 429 ? "rate_limit_exceeded" : null,
    },
  };
}

/** The schema requested by `response_format: { type: "json_schema", json_schema: { schema } }`. */
function chatOutputSchema(body: JsonObject): ConversationFacts["outputSchema"] {
  const format = body.response_format;
  if (!isObject(format)) return undefined;
  if (format.type === "json_schema" && isObject(format.json_schema)) {
    return schemaOf(format.json_schema.schema);
  }
  if (format.type === "json_object") return { type: "object" };
  return undefined;
}

function usageOf(content: ReplyContent): JsonObject {
  const { inputTokens, outputTokens } = content.usage;
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function finishReason(content: ReplyContent): string {
  return content.calls.length > 0 ? "tool_calls" : "stop";
}

/** The `function` tools a request offers. */
function offeredTools(body: JsonObject): ConversationFacts["tools"] {
  return objects(body.tools).flatMap((tool) => {
    const fn = tool.function;
    const name = isObject(fn) ? str(fn.name) : undefined;
    return isObject(fn) && name ? [{ name, schema: schemaOf(fn.parameters) }] : [];
  });
}

/** Tools named in the `tool_calls` of the request's assistant messages. */
function calledTools(body: JsonObject): Set<string> {
  const called = new Set<string>();
  for (const message of objects(body.messages)) {
    if (message.role !== "assistant") continue;
    for (const call of objects(message.tool_calls)) {
      const name = isObject(call.function) ? str(call.function.name) : undefined;
      if (name) called.add(name);
    }
  }
  return called;
}

/** The facts of a Chat Completions request. */
function conversationFacts(body: JsonObject): ConversationFacts {
  const tools = offeredTools(body);
  const called = calledTools(body);
  const outputSchema = chatOutputSchema(body);
  return outputSchema ? { tools, calledTools: called, outputSchema } : { tools, calledTools: called };
}

/** The assistant `message` of a non-streaming reply; `tool_calls` only when there are calls. */
function assistantMessage(content: ReplyContent): JsonObject {
  const message: JsonObject = { role: "assistant", content: content.text ?? null, refusal: null };
  if (content.calls.length > 0) {
    message.tool_calls = content.calls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.argumentsText },
    }));
  }
  return message;
}

/** The complete `chat.completion` body of a non-streaming reply. */
function encodeReply(content: ReplyContent, context: ReplyContext): JsonObject {
  const message = assistantMessage(content);
  return {
    id: context.newId("chatcmpl-"),
    object: "chat.completion",
    created: context.created,
    model: context.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(content) }],
    usage: usageOf(content),
    system_fingerprint: null,
  };
}

/** One `chat.completion.chunk` event of stream `id`; `extra` keys go after `choices`. */
function chunkEvent(id: string, context: ReplyContext, choices: unknown[], extra: JsonObject = {}): SseEvent {
  return sse({
    id,
    object: "chat.completion.chunk",
    created: context.created,
    model: context.model,
    system_fingerprint: null,
    choices,
    ...extra,
  });
}

/** The single choice of a chunk, carrying `delta`. */
function deltaChoice(delta: JsonObject, finish: string | null = null): unknown {
  return { index: 0, delta, logprobs: null, finish_reason: finish };
}

/** Append the chunks of tool call number `index`: its id and name, then its arguments in pieces. */
function pushToolCallChunks(
  out: SseEvent[],
  id: string,
  context: ReplyContext,
  call: ReplyCall,
  index: number,
): void {
  out.push(
    chunkEvent(id, context, [
      deltaChoice({
        tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }],
      }),
    ]),
  );
  for (const piece of chunks(call.argumentsText)) {
    out.push(
      chunkEvent(id, context, [deltaChoice({ tool_calls: [{ index, function: { arguments: piece } }] })]),
    );
  }
}

/** The SSE events of a streaming reply: role, text, tool calls, finish, optional usage, `[DONE]`. */
function encodeEvents(content: ReplyContent, context: ReplyContext): SseEvent[] {
  const id = context.newId("chatcmpl-");
  const out: SseEvent[] = [
    chunkEvent(id, context, [deltaChoice({ role: "assistant", content: "", refusal: null })]),
  ];
  for (const piece of chunks(content.text ?? ""))
    out.push(chunkEvent(id, context, [deltaChoice({ content: piece })]));
  content.calls.forEach((call, index) => {
    pushToolCallChunks(out, id, context, call, index);
  });
  out.push(chunkEvent(id, context, [deltaChoice({}, finishReason(content))]));
  // Like the real API, usage arrives in a final choice-less chunk only when asked for.
  const streamOptions = context.body.stream_options;
  if (isObject(streamOptions) && streamOptions.include_usage === true) {
    out.push(chunkEvent(id, context, [], { usage: usageOf(content) }));
  }
  out.push({ data: "[DONE]" });
  return out;
}

/** Create the Chat Completions codec. */
export function openAiChatCodec(): ProtocolCodec {
  return {
    protocol: "openai-chat",
    callIdPrefix: "call_",
    requestIdHeader: "x-request-id",
    conversation: conversationFacts,
    reply: encodeReply,
    events: encodeEvents,
    errorBody: openAiErrorBody,
  };
}
