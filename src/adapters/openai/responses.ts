/**
 * The Responses wire format (`POST /responses`). The adapter keeps the conversation itself: each
 * turn resends the growing `input` list (a system message with the rendered prompt, the model's
 * messages and `function_call` items, our `function_call_output` items and repair messages) with
 * `store: false`. It never uses `previous_response_id`, so no server-side state is needed, a
 * retried request is self-contained, and OpenAI-compatible servers without storage work too.
 * Reasoning items are not carried between turns (they need server storage or encrypted content).
 */

import type OpenAI from "openai";
import type {
  FunctionTool,
  Response,
  ResponseCreateParamsNonStreaming,
  ResponseInputItem,
} from "openai/resources/responses/responses";
import type { TokenUsage } from "../../budget.js";
import type { RenderedPrompt, ToolCall } from "../../prompt/index.js";
import { redactText } from "../../secrets/index.js";
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
 * Start a Responses API conversation for one rendered prompt, or go on with the input items a
 * checkpoint `saved`.
 */
export function startResponsesConversation(
  client: OpenAI,
  options: ResolvedOpenAIOptions,
  rendered: RenderedPrompt<unknown>,
  saved?: unknown,
): ProviderConversation {
  return new ResponsesConversation(client, options, rendered, saved);
}

/** One evaluation's Responses conversation: its request, resent with a growing `input`. */
class ResponsesConversation implements ProviderConversation {
  private readonly input: ResponseInputItem[];
  private readonly format: WireOutputFormat | undefined;
  private readonly request: ResponseCreateParamsNonStreaming;

  constructor(
    private readonly client: OpenAI,
    private readonly options: ResolvedOpenAIOptions,
    private readonly rendered: RenderedPrompt<unknown>,
    saved: unknown,
  ) {
    this.input =
      saved === undefined
        ? [{ type: "message", role: "system", content: rendered.text }]
        : savedHistory<ResponseInputItem>(saved, "responses");
    this.format = wireOutputFormat(rendered, options.nativeStructuredOutput);
    this.request = responsesRequest(options, rendered, this.input, this.format);
  }

  next(signal: AbortSignal): Promise<ModelTurn> {
    // `then` on the SDK's promise, not `await` in an async method: awaiting a promise of another
    // class costs an extra promise, two resolver functions and a microtask, on every turn.
    return send(this.client, this.options, this.request, signal).then(this.accept);
  }

  /** The model's answer as a turn; its output items join the input (reasoning as received). Bound: it is `next`'s callback. */
  private readonly accept = (response: Response): ModelTurn => {
    if (response.status === "failed" || response.error) {
      const detail = response.error ? `${response.error.code}: ${response.error.message}` : "no error detail";
      throw new PromptEvaluationError(
        `openai response for prompt "${this.rendered.name}" failed (${redactText(detail)}).`,
        { phase: "response", promptName: this.rendered.name },
      );
    }
    const input = this.input;
    let text = "";
    let toolCalls: ToolCall[] | undefined;
    for (const item of response.output) {
      if (item.type === "message") {
        let said = "";
        for (const part of item.content) said += part.type === "output_text" ? part.text : part.refusal;
        if (said !== "") input.push({ type: "message", role: "assistant", content: said });
        text += said;
      } else if (item.type === "reasoning") {
        // Resent as received: with tool calls, the API needs the reasoning that led to them.
        input.push(item as ResponseInputItem);
      } else if (item.type === "function_call") {
        input.push({
          type: "function_call",
          call_id: item.call_id,
          name: item.name,
          arguments: item.arguments,
        });
        toolCalls = appended(toolCalls, { id: item.call_id, name: item.name, arguments: item.arguments });
      }
    }
    return {
      text,
      toolCalls: toolCalls ?? NO_TOOL_CALLS,
      usage: responsesUsage(response.usage),
      structured: toolCalls ? undefined : decodeStructured(text, this.format),
    };
  };

  addToolResults(results: readonly ToolOutcome[]): void {
    for (const result of results) {
      this.input.push({ type: "function_call_output", call_id: result.call.id ?? "", output: result.output });
    }
  }

  addUserMessage(text: string): void {
    this.input.push({ type: "message", role: "user", content: text });
  }

  save(): unknown {
    return this.input;
  }
}

/**
 * The request every turn resends, built once: the model, `input` (which the conversation grows)
 * with `store: false`, the tools, the output format and the options that are set.
 */
function responsesRequest(
  options: ResolvedOpenAIOptions,
  rendered: RenderedPrompt<unknown>,
  input: ResponseInputItem[],
  format: WireOutputFormat | undefined,
): ResponseCreateParamsNonStreaming {
  const tools: FunctionTool[] = rendered.tools.map((tool) => ({
    type: "function",
    name: tool.name,
    description: tool.description,
    parameters: wireSchema(tool.parameters),
    // Non-strict: strict mode demands every property be required, which optional params are not.
    strict: false,
  }));
  // Optional fields are assigned, not spread in: the SDK serializes this object on every turn,
  // and conditional spreads leave it (and so every request) in V8's slow dictionary mode.
  const request: ResponseCreateParamsNonStreaming = { model: options.model, input, store: false };
  if (tools.length > 0) {
    request.tools = tools;
    if (options.parallelToolCalls !== undefined) request.parallel_tool_calls = options.parallelToolCalls;
  }
  if (format) {
    request.text = {
      format: { type: "json_schema", name: format.name, schema: format.schema, strict: false },
    };
  }
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.reasoningEffort !== undefined) {
    request.reasoning = { effort: options.reasoningEffort };
    // Stateless (store: false): reasoning comes back encrypted and goes back in with the input.
    request.include = ["reasoning.encrypted_content"];
  }
  if (options.maxOutputTokens !== undefined) request.max_output_tokens = options.maxOutputTokens;
  return request;
}

/** One request, streamed when the options say so. */
function send(
  client: OpenAI,
  options: ResolvedOpenAIOptions,
  request: ResponseCreateParamsNonStreaming,
  signal: AbortSignal,
): Promise<Response> {
  if (!options.stream) return client.responses.create(request, requestOptions(signal));
  return client.responses.stream({ ...request, stream: true }, requestOptions(signal)).finalResponse();
}

/** Responses usage (`input_tokens`, `output_tokens`, cached input tokens) as {@link TokenUsage}. */
export function responsesUsage(usage: Response["usage"]): TokenUsage | undefined {
  if (!usage) return undefined;
  const cached = usage.input_tokens_details?.cached_tokens;
  const converted: TokenUsage = { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
  if (typeof cached === "number") converted.cachedTokens = cached;
  return converted;
}
