/**
 * The Chat Completions wire format (`POST /chat/completions`): a system message with the rendered
 * prompt, then assistant messages with `tool_calls`, `tool` messages with results, and user
 * messages for repair turns. The request is built once per conversation; each turn appends to
 * the same `messages` array and resends it.
 */

import type OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionAssistantMessageParam,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
} from "openai/resources/chat/completions";
import type { TokenUsage } from "../../budget.js";
import type { RenderedPrompt, ToolCall } from "../../prompt/index.js";
import { PromptEvaluationError } from "../errors.js";
import { appended, NO_TOOL_CALLS } from "../small-arrays.js";
import type { ModelTurn, ProviderConversation, ToolOutcome } from "../types.js";
import type { ResolvedOpenAIOptions } from "./options.js";
import {
  decodeStructured,
  requestOptions,
  savedHistory,
  type WireOutputFormat,
  wireOutputFormat,
  wireSchema,
} from "./shared.js";

/**
 * Start a Chat Completions conversation for one rendered prompt, or go on with the messages a
 * checkpoint `saved`.
 */
export function startChatConversation(
  client: OpenAI,
  options: ResolvedOpenAIOptions,
  rendered: RenderedPrompt<unknown>,
  saved?: unknown,
): ProviderConversation {
  return new ChatConversation(client, options, rendered, saved);
}

/** One evaluation's Chat Completions conversation: its request, resent with a growing `messages`. */
class ChatConversation implements ProviderConversation {
  private readonly messages: ChatCompletionMessageParam[];
  private readonly format: WireOutputFormat | undefined;
  private readonly request: ChatCompletionCreateParamsNonStreaming;

  constructor(
    private readonly client: OpenAI,
    private readonly options: ResolvedOpenAIOptions,
    private readonly rendered: RenderedPrompt<unknown>,
    saved: unknown,
  ) {
    this.messages =
      saved === undefined
        ? [{ role: "system", content: rendered.text }]
        : savedHistory<ChatCompletionMessageParam>(saved, "chat");
    this.format = wireOutputFormat(rendered, options.nativeStructuredOutput);
    this.request = chatRequest(options, rendered, this.messages, this.format);
  }

  next(signal: AbortSignal): Promise<ModelTurn> {
    // `then` on the SDK's promise, not `await` in an async method: awaiting a promise of another
    // class costs an extra promise, two resolver functions and a microtask, on every turn.
    return send(this.client, this.options, this.request, signal).then(this.accept);
  }

  /** The model's answer as a turn; its message joins the history. Bound: it is `next`'s callback. */
  private readonly accept = (completion: ChatCompletion): ModelTurn => {
    const message = completion.choices[0]?.message;
    if (message === undefined) {
      throw new PromptEvaluationError(
        `openai chat completion for prompt "${this.rendered.name}" had no choices; the server returned an empty answer.`,
        { phase: "response", promptName: this.rendered.name },
      );
    }
    const text = message.content ?? message.refusal ?? "";
    // The calls as resent (copies without fields the API does not take back) and as the loop runs them.
    let resent: ChatCompletionMessageFunctionToolCall[] | undefined;
    let toolCalls: ToolCall[] | undefined;
    for (const call of message.tool_calls ?? NO_WIRE_CALLS) {
      if (call.type !== "function") continue;
      const { name, arguments: args } = call.function;
      resent = appended(resent, { id: call.id, type: "function", function: { name, arguments: args } });
      toolCalls = appended(toolCalls, { id: call.id, name, arguments: args });
    }
    this.messages.push(assistantMessage(message.content ?? (resent ? null : text), resent));
    return {
      text,
      toolCalls: toolCalls ?? NO_TOOL_CALLS,
      usage: chatUsage(completion.usage),
      structured: toolCalls ? undefined : decodeStructured(text, this.format),
    };
  };

  addToolResults(results: readonly ToolOutcome[]): void {
    for (const result of results) {
      this.messages.push({ role: "tool", tool_call_id: result.call.id ?? "", content: result.output });
    }
  }

  addUserMessage(text: string): void {
    this.messages.push({ role: "user", content: text });
  }

  save(): unknown {
    return this.messages;
  }
}

/**
 * The request every turn resends, built once: the model, `messages` (which the conversation
 * grows), the tools, the output format and the options that are set.
 */
function chatRequest(
  options: ResolvedOpenAIOptions,
  rendered: RenderedPrompt<unknown>,
  messages: ChatCompletionMessageParam[],
  format: WireOutputFormat | undefined,
): ChatCompletionCreateParamsNonStreaming {
  const tools: ChatCompletionFunctionTool[] = rendered.tools.map((tool) => ({
    type: "function",
    // Non-strict: strict mode demands every property be required, which optional params are not.
    function: { name: tool.name, description: tool.description, parameters: wireSchema(tool.parameters) },
  }));
  // Optional fields are assigned, not spread in: the SDK serializes this object on every turn,
  // and conditional spreads leave it (and so every request) in V8's slow dictionary mode.
  const request: ChatCompletionCreateParamsNonStreaming = { model: options.model, messages };
  if (tools.length > 0) {
    request.tools = tools;
    // The API rejects parallel_tool_calls on a request without tools.
    if (options.parallelToolCalls !== undefined) request.parallel_tool_calls = options.parallelToolCalls;
  }
  if (format) {
    request.response_format = {
      type: "json_schema",
      json_schema: { name: format.name, schema: format.schema, strict: false },
    };
  }
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.reasoningEffort !== undefined) request.reasoning_effort = options.reasoningEffort;
  if (options.maxOutputTokens !== undefined) request.max_completion_tokens = options.maxOutputTokens;
  return request;
}

/**
 * One request, streamed when the options say so.
 */
function send(
  client: OpenAI,
  options: ResolvedOpenAIOptions,
  request: ChatCompletionCreateParamsNonStreaming,
  signal: AbortSignal,
): Promise<ChatCompletion> {
  if (!options.stream) return client.chat.completions.create(request, requestOptions(signal));
  return client.chat.completions
    .stream({ ...request, stream: true, stream_options: { include_usage: true } }, requestOptions(signal))
    .finalChatCompletion();
}

/**
 * The assistant message to resend. It needs content unless it carries tool calls, and an empty
 * `tool_calls` array is rejected by the API. One literal per shape: a conditional spread would
 * leave it in V8's slow dictionary mode, and it is serialized on every later turn.
 */
function assistantMessage(
  content: string | null,
  calls: ChatCompletionMessageFunctionToolCall[] | undefined,
): ChatCompletionAssistantMessageParam {
  if (calls === undefined) return { role: "assistant", content };
  return { role: "assistant", content, tool_calls: calls };
}

const NO_WIRE_CALLS: readonly ChatCompletionMessageToolCall[] = Object.freeze([]);

/** Chat usage (`prompt_tokens`, `completion_tokens`, cached prompt tokens) as {@link TokenUsage}. */
export function chatUsage(usage: ChatCompletion["usage"]): TokenUsage | undefined {
  if (!usage) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const converted: TokenUsage = { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
  if (typeof cached === "number") converted.cachedTokens = cached;
  return converted;
}
