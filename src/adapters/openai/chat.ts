/**
 * The Chat Completions wire format (`POST /chat/completions`): a system message with the rendered
 * prompt, then assistant messages with `tool_calls`, `tool` messages with results, and user
 * messages for repair turns. The request is built once per conversation; each turn appends to
 * the same `messages` array and resends it.
 */

import type OpenAI from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { TokenUsage } from "../../budget.js";
import type { RenderedPrompt, ToolCall } from "../../prompt/index.js";
import { PromptEvaluationError } from "../errors.js";
import type { ModelTurn, ProviderConversation, ToolOutcome } from "../types.js";
import type { ResolvedOpenAIOptions } from "./options.js";
import { decodeStructured, wireOutputFormat, wireSchema } from "./shared.js";

/** Start a Chat Completions conversation for one rendered prompt. */
export function startChatConversation(
  client: OpenAI,
  options: ResolvedOpenAIOptions,
  rendered: RenderedPrompt<unknown>,
): ProviderConversation {
  const messages: ChatCompletionMessageParam[] = [{ role: "system", content: rendered.text }];
  const format = wireOutputFormat(rendered, options.nativeStructuredOutput);
  const tools: ChatCompletionFunctionTool[] = rendered.tools.map((tool) => ({
    type: "function",
    // Non-strict: strict mode demands every property be required, which optional params are not.
    function: { name: tool.name, description: tool.description, parameters: wireSchema(tool.parameters) },
  }));
  const request: ChatCompletionCreateParamsNonStreaming = {
    model: options.model,
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    // The API rejects parallel_tool_calls on a request without tools.
    ...(tools.length > 0 && options.parallelToolCalls !== undefined
      ? { parallel_tool_calls: options.parallelToolCalls }
      : {}),
    ...(format
      ? {
          response_format: {
            type: "json_schema",
            json_schema: { name: format.name, schema: format.schema, strict: false },
          },
        }
      : {}),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.maxOutputTokens === undefined ? {} : { max_completion_tokens: options.maxOutputTokens }),
  };

  const send = (signal: AbortSignal): Promise<ChatCompletion> => {
    const requestOptions = { signal, maxRetries: 0 };
    if (!options.stream) return client.chat.completions.create(request, requestOptions);
    return client.chat.completions
      .stream({ ...request, stream: true, stream_options: { include_usage: true } }, requestOptions)
      .finalChatCompletion();
  };

  return {
    async next(signal) {
      const completion = await send(signal);
      const message = completion.choices[0]?.message;
      if (message === undefined) {
        throw new PromptEvaluationError(
          `openai chat completion for prompt "${rendered.name}" had no choices; the server returned an empty answer.`,
          { phase: "response", promptName: rendered.name },
        );
      }
      const text = message.content ?? message.refusal ?? "";
      const calls = (message.tool_calls ?? []).filter(
        (call): call is ChatCompletionMessageFunctionToolCall => call.type === "function",
      );
      const toolCalls: ToolCall[] = calls.map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }));
      messages.push({
        role: "assistant",
        // An assistant message needs content unless it carries tool calls.
        content: message.content ?? (calls.length > 0 ? null : text),
        // An empty tool_calls array is rejected by the API.
        ...(calls.length > 0
          ? {
              tool_calls: calls.map((call) => ({
                id: call.id,
                type: "function" as const,
                function: { name: call.function.name, arguments: call.function.arguments },
              })),
            }
          : {}),
      });
      return {
        text,
        toolCalls,
        usage: chatUsage(completion.usage),
        structured: toolCalls.length === 0 ? decodeStructured(text, format) : undefined,
      } satisfies ModelTurn;
    },
    addToolResults(results: readonly ToolOutcome[]) {
      for (const result of results) {
        messages.push({ role: "tool", tool_call_id: result.call.id ?? "", content: result.output });
      }
    },
    addUserMessage(text: string) {
      messages.push({ role: "user", content: text });
    },
  };
}

/** Chat usage (`prompt_tokens`, `completion_tokens`, cached prompt tokens) as {@link TokenUsage}. */
export function chatUsage(usage: ChatCompletion["usage"]): TokenUsage | undefined {
  if (!usage) return undefined;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    ...(typeof cached === "number" ? { cachedTokens: cached } : {}),
  };
}
