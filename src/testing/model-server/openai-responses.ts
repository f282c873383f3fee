/**
 * OpenAI Responses (`POST /v1/responses`): `response` objects with `message` and
 * `function_call` output items, and the named SSE event stream (`response.created` …
 * `response.completed`, each with a `sequence_number`). Internal to `model-server/`.
 */

import { openAiErrorBody } from "./openai-chat.js";
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

interface OutputItem {
  /** The finished item, as it appears in `response.output`. */
  readonly done: JsonObject;
  /** The item as first announced by `response.output_item.added`. */
  readonly added: JsonObject;
  /** The events between `output_item.added` and `output_item.done`. */
  readonly body: (outputIndex: number) => JsonObject[];
}

function usageOf(content: ReplyContent): JsonObject {
  const { inputTokens, outputTokens } = content.usage;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
}

function messageItem(text: string, id: string): OutputItem {
  const part = (t: string): JsonObject => ({ type: "output_text", text: t, annotations: [], logprobs: [] });
  const item = (status: string, content: unknown[]): JsonObject => ({
    id,
    type: "message",
    status,
    role: "assistant",
    content,
  });
  const at = (outputIndex: number): JsonObject => ({
    item_id: id,
    output_index: outputIndex,
    content_index: 0,
  });
  return {
    added: item("in_progress", []),
    done: item("completed", [part(text)]),
    body: (outputIndex) => [
      { type: "response.content_part.added", ...at(outputIndex), part: part("") },
      ...chunks(text).map((delta) => ({
        type: "response.output_text.delta",
        ...at(outputIndex),
        delta,
        logprobs: [],
      })),
      { type: "response.output_text.done", ...at(outputIndex), text, logprobs: [] },
      { type: "response.content_part.done", ...at(outputIndex), part: part(text) },
    ],
  };
}

function functionCallItem(call: ReplyContent["calls"][number], id: string): OutputItem {
  const item = (status: string, args: string): JsonObject => ({
    id,
    type: "function_call",
    status,
    call_id: call.id,
    name: call.name,
    arguments: args,
  });
  return {
    added: item("in_progress", ""),
    done: item("completed", call.argumentsText),
    body: (outputIndex) => [
      ...chunks(call.argumentsText).map((delta) => ({
        type: "response.function_call_arguments.delta",
        item_id: id,
        output_index: outputIndex,
        delta,
      })),
      {
        type: "response.function_call_arguments.done",
        item_id: id,
        output_index: outputIndex,
        name: call.name,
        arguments: call.argumentsText,
      },
    ],
  };
}

/** What a stored response left behind, for requests that continue it via `previous_response_id`. */
interface StoredResponse {
  /** Names of the tools the response called. */
  readonly names: readonly string[];
  /** The `previous_response_id` of the request that produced it. */
  readonly previous: string | undefined;
}

/** The responses of one codec, by id. */
type ResponseStore = Map<string, StoredResponse>;

/** The output items of a reply: the message (when there is text), then one item per call. */
function outputItems(content: ReplyContent, context: ReplyContext): OutputItem[] {
  return [
    ...(content.text === undefined ? [] : [messageItem(content.text, context.newId("msg_"))]),
    ...content.calls.map((call) => functionCallItem(call, context.newId("fc_"))),
  ];
}

/** A `response` object; the request's settings are echoed back as the real API does. */
function responseObject(
  id: string,
  content: ReplyContent,
  context: ReplyContext,
  status: "in_progress" | "completed",
  output: JsonObject[],
): JsonObject {
  const { body } = context;
  return {
    id,
    object: "response",
    created_at: context.created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model: context.model,
    output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: null, summary: null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: body.text ?? { format: { type: "text" } },
    tool_choice: body.tool_choice ?? "auto",
    tools: body.tools ?? [],
    top_p: body.top_p ?? 1,
    truncation: "disabled",
    usage: status === "completed" ? usageOf(content) : null,
    user: null,
    metadata: body.metadata ?? {},
  };
}

/**
 * Responses a codec keeps for `previous_response_id` chains, newest first: a server answering
 * for days must not keep every response it ever sent. A chain back to an older one loses the
 * calls made before it (the policy may then call those tools again).
 */
export const REMEMBERED_RESPONSES = 10_000;

/** Store the calls of response `id` so later requests chaining from it count them as made. */
function remember(store: ResponseStore, id: string, content: ReplyContent, context: ReplyContext): void {
  store.set(id, {
    names: content.calls.map((c) => c.name),
    previous: str(context.body.previous_response_id),
  });
  // A Map iterates in insertion order: the first key is the oldest response.
  if (store.size > REMEMBERED_RESPONSES) store.delete(store.keys().next().value as string);
}

/** The `function` tools a request offers. */
function offeredTools(body: JsonObject): ConversationFacts["tools"] {
  return objects(body.tools).flatMap((tool) => {
    const name = str(tool.name);
    return tool.type === "function" && name ? [{ name, schema: schemaOf(tool.parameters) }] : [];
  });
}

/** Tools called in the request's `input` and in every stored response it chains from. */
function calledTools(store: ResponseStore, body: JsonObject): Set<string> {
  const called = new Set<string>();
  for (const item of objects(body.input)) {
    const name = str(item.name);
    if (item.type === "function_call" && name) called.add(name);
  }
  // Follow the stored chain, as the real API does for `previous_response_id`.
  const seen = new Set<string>();
  for (let id = str(body.previous_response_id); id && !seen.has(id); ) {
    seen.add(id);
    const stored = store.get(id);
    for (const name of stored?.names ?? []) called.add(name);
    id = stored?.previous;
  }
  return called;
}

/** The facts of a Responses request, with the schema of `text.format` when it asks for one. */
function conversationFacts(store: ResponseStore, body: JsonObject): ConversationFacts {
  const tools = offeredTools(body);
  const facts: ConversationFacts = { tools, calledTools: calledTools(store, body) };
  const format = isObject(body.text) ? body.text.format : undefined;
  if (isObject(format) && format.type === "json_schema") {
    return { ...facts, outputSchema: schemaOf(format.schema) };
  }
  if (isObject(format) && format.type === "json_object")
    return { ...facts, outputSchema: { type: "object" } };
  return facts;
}

/** The complete `response` body of a non-streaming reply. */
function encodeReply(store: ResponseStore, content: ReplyContent, context: ReplyContext): JsonObject {
  const id = context.newId("resp_");
  remember(store, id, content, context);
  const output = outputItems(content, context).map((item) => item.done);
  return responseObject(id, content, context, "completed", output);
}

/** The SSE events of a streaming reply, each named by its `type` and numbered in order. */
function encodeEvents(store: ResponseStore, content: ReplyContent, context: ReplyContext): SseEvent[] {
  const id = context.newId("resp_");
  remember(store, id, content, context);
  const items = outputItems(content, context);
  const payloads: JsonObject[] = [
    { type: "response.created", response: responseObject(id, content, context, "in_progress", []) },
    { type: "response.in_progress", response: responseObject(id, content, context, "in_progress", []) },
  ];
  items.forEach((item, outputIndex) => {
    payloads.push({ type: "response.output_item.added", output_index: outputIndex, item: item.added });
    payloads.push(...item.body(outputIndex));
    payloads.push({ type: "response.output_item.done", output_index: outputIndex, item: item.done });
  });
  const output = items.map((item) => item.done);
  payloads.push({
    type: "response.completed",
    response: responseObject(id, content, context, "completed", output),
  });
  return payloads.map(
    (payload, sequence): SseEvent => sse({ ...payload, sequence_number: sequence }, String(payload.type)),
  );
}

/** Create the Responses codec. It remembers the calls of each response for `previous_response_id`. */
export function openAiResponsesCodec(): ProtocolCodec {
  const store: ResponseStore = new Map();
  return {
    protocol: "openai-responses",
    callIdPrefix: "call_",
    requestIdHeader: "x-request-id",
    conversation: (body) => conversationFacts(store, body),
    reply: (content, context) => encodeReply(store, content, context),
    events: (content, context) => encodeEvents(store, content, context),
    errorBody: openAiErrorBody,
  };
}
