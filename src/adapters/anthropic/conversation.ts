/**
 * One evaluation's conversation on the Anthropic Messages API.
 *
 * The request is fixed when the conversation starts — `system` is the rendered prompt, `tools`
 * are the rendered tools (plus `final_answer` in tool mode) — and only the message history
 * grows. The history array is sent as is on every request and only ever appended to:
 * assistant turns keep their content blocks, tool results go back as `tool_result` blocks in
 * the next user message.
 *
 * Structured output, in `"tool"` mode (the default): the model is offered a `final_answer` tool
 * whose input schema is the output schema (top-level arrays wrapped as `{ "items": [...] }`).
 * Calling it ends the evaluation: the call's input becomes {@link ModelTurn.structured} and the
 * turn carries no tool calls, so the shared loop validates it. If it fails validation, the
 * repair text goes back as that call's `tool_result` with `is_error: true`. A `final_answer`
 * call made together with other tools is not taken: the other tools run and `final_answer` is
 * answered with an error asking the model to call it again on its own, because the other
 * tools' results may change the answer.
 *
 * In `"json"` mode the first user message asks for a JSON answer in text, and the shared loop
 * parses it.
 */

import type Anthropic from "@anthropic-ai/sdk";
import type { TokenUsage } from "../../budget.js";
import { canAbort } from "../../deadline.js";
import { PromptValidationError, WinkError } from "../../errors.js";
import type { Logger } from "../../logging/index.js";
import type { RenderedPrompt, ToolCall } from "../../prompt/index.js";
import { inputSchema, outputObjectSchema } from "../json-schema.js";
import { appended, NO_TOOL_CALLS } from "../small-arrays.js";
import type { ModelTurn, ProviderConversation, ToolOutcome } from "../types.js";
import { cachedSystem, MovingBreakpoint, markLastTool, type PromptCaching, wantsCaching } from "./caching.js";
import type { AnthropicMessagesClient } from "./client.js";

/** Name of the tool that carries the final answer in `"tool"` structured-output mode. */
export const FINAL_ANSWER_TOOL = "final_answer";

/** How the model is asked for structured output. */
export type StructuredOutputMode = "tool" | "json";

/** What a conversation needs from its adapter. */
export interface ConversationSettings {
  readonly model: string;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly structuredOutput: StructuredOutputMode;
  /** Prompt caching (see {@link PromptCaching}); default `"auto"`. */
  readonly promptCaching?: PromptCaching;
  /** Extended thinking's token budget, when on. */
  readonly thinking?: { readonly budgetTokens: number } | undefined;
  /** The client, built on first use and shared by the adapter's conversations. */
  readonly client: () => Promise<AnthropicMessagesClient>;
  readonly log: Logger;
}

/** A tool_use of the last assistant turn that the shared loop will not answer itself. */
interface Unanswered {
  readonly id: string;
  /** What to send back when nothing more specific is known. */
  readonly content: string;
  /** True for the `final_answer` call whose input was handed to the loop as the answer. */
  readonly submitted: boolean;
}

const NOTHING_UNANSWERED: readonly Unanswered[] = Object.freeze([]);

const DEFERRED_FINAL_ANSWER =
  "Not accepted: final_answer was called together with other tools. Read their results, then call final_answer again on its own.";
const DUPLICATE_FINAL_ANSWER =
  "Ignored: final_answer was called more than once in one turn; only the first call counts.";

/** The Messages API conversation behind one evaluation. */
export class AnthropicConversation implements ProviderConversation {
  private readonly system: string | Anthropic.TextBlockParam[];
  private readonly tools: Anthropic.Tool[];
  /** The conversation's cache breakpoint, when caching is on. */
  private readonly breakpoint: MovingBreakpoint | undefined;
  private readonly messages: Anthropic.MessageParam[];
  private readonly finalAnswerTool: boolean;
  private unanswered: readonly Unanswered[] = NOTHING_UNANSWERED;
  private client: AnthropicMessagesClient | undefined;

  constructor(
    rendered: RenderedPrompt<unknown>,
    private readonly settings: ConversationSettings,
    saved?: unknown,
  ) {
    const output = rendered.output;
    this.finalAnswerTool = output !== undefined && settings.structuredOutput === "tool";
    if (this.finalAnswerTool && rendered.toolsByName.has(FINAL_ANSWER_TOOL)) {
      throw new PromptValidationError(
        `Prompt "${rendered.name}" declares a tool named "${FINAL_ANSWER_TOOL}", which the Anthropic adapter reserves for structured output. ` +
          'Rename the tool, or create the adapter with structuredOutput: "json".',
        { details: { prompt: rendered.name, tool: FINAL_ANSWER_TOOL } },
      );
    }
    this.system = rendered.text;
    this.tools = rendered.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: inputSchema(tool.parameters),
    }));
    if (output && this.finalAnswerTool) {
      this.tools.push({
        name: FINAL_ANSWER_TOOL,
        description:
          "Submit your final answer. Call this tool exactly once, when the task is complete, with the answer as its input; " +
          "it must match the input schema. Do not call it together with other tools.",
        input_schema: outputObjectSchema(output),
      });
    }
    this.messages = [
      {
        role: "user",
        content: [{ type: "text", text: openingMessage(rendered, settings.structuredOutput) }],
      },
    ];
    if (saved !== undefined) this.resume(saved);
    const caching = wantsCaching(settings.promptCaching ?? "auto", settings.model, rendered.text, this.tools);
    this.breakpoint = caching ? new MovingBreakpoint() : undefined;
    if (caching) {
      this.system = cachedSystem(rendered.text);
      markLastTool(this.tools);
    }
  }

  next(signal: AbortSignal): Promise<ModelTurn> {
    const client = this.client;
    // Waited for on the first turn only: an await costs a microtask turn on every request.
    if (client === undefined) {
      return this.settings.client().then((built) => {
        this.client = built;
        return this.next(signal);
      });
    }
    // Optional fields are assigned, not spread in: the SDK serializes this object on every turn,
    // and conditional spreads would leave it in V8's slow dictionary mode.
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model: this.settings.model,
      max_tokens: this.settings.maxTokens,
      system: this.system,
      messages: this.messages,
    };
    if (this.tools.length > 0) body.tools = this.tools;
    if (this.settings.thinking) {
      body.thinking = { type: "enabled", budget_tokens: this.settings.thinking.budgetTokens };
    }
    // The SDK's types (1.14) no longer list `temperature`; the API still takes it.
    if (this.settings.temperature !== undefined) {
      (body as { temperature?: number }).temperature = this.settings.temperature;
    }
    this.breakpoint?.advance(this.messages);
    // `then` on the SDK's promise, not `await`: awaiting a promise of another class costs an
    // extra promise, two resolver functions and a microtask, on every turn.
    const answer = client.messages.create(body, canAbort(signal) ? { signal } : undefined);
    return (answer instanceof Promise ? answer : Promise.resolve(answer)).then(this.accept);
  }

  /** The messages and the tool calls the loop will not answer itself, for a checkpoint. */
  save(): unknown {
    return { messages: this.messages, unanswered: this.unanswered };
  }

  /** Replace the opening message with the history a checkpoint saved. */
  private resume(saved: unknown): void {
    const state = saved as { messages?: unknown; unanswered?: unknown } | null;
    const messages = state?.messages;
    const unanswered = state?.unanswered;
    if (!Array.isArray(messages) || messages.length === 0 || !Array.isArray(unanswered)) {
      throw new WinkError(
        "invalid_argument",
        "Cannot resume an Anthropic conversation from this checkpoint: it does not hold the saved messages. Delete the checkpoint to start the request over.",
      );
    }
    // Copies: the conversation appends to its history, and the checkpoint stays as it was.
    this.messages.splice(0, this.messages.length, ...(structuredClone(messages) as Anthropic.MessageParam[]));
    this.unanswered = structuredClone(unanswered) as Unanswered[];
  }

  addToolResults(results: readonly ToolOutcome[]): void {
    const blocks: Anthropic.ContentBlockParam[] = results.map(resultBlock);
    for (const pending of this.unanswered) blocks.push(toolResult(pending.id, pending.content, true));
    this.unanswered = NOTHING_UNANSWERED;
    this.appendUser(blocks);
  }

  addUserMessage(text: string): void {
    // Every tool_use must be answered in the very next user message, so text meant as feedback
    // on a submitted final answer travels as that call's (failed) tool_result.
    const blocks: Anthropic.ContentBlockParam[] = this.unanswered.map((pending) =>
      toolResult(pending.id, pending.submitted ? text : pending.content, true),
    );
    if (!this.unanswered.some((pending) => pending.submitted)) blocks.push({ type: "text", text });
    this.unanswered = NOTHING_UNANSWERED;
    this.appendUser(blocks);
  }

  /** Record the assistant's answer in the history and turn it into a {@link ModelTurn}; bound, as `next`'s callback. */
  private readonly accept = (message: Anthropic.Message): ModelTurn => {
    // Arrays made on first use at their exact size (see small-arrays.ts): this runs every turn.
    let content: Anthropic.ContentBlockParam[] | undefined;
    let text: string | undefined;
    let toolCalls: ToolCall[] | undefined;
    let finals: Anthropic.ToolUseBlock[] | undefined;
    for (const block of message.content) {
      switch (block.type) {
        case "text":
          if (block.text === "") break;
          text = text === undefined ? block.text : `${text}\n${block.text}`;
          content = appended(content, { type: "text", text: block.text });
          break;
        case "tool_use":
          content = appended(content, {
            type: "tool_use",
            id: block.id,
            name: block.name,
            input: block.input,
          });
          if (this.finalAnswerTool && block.name === FINAL_ANSWER_TOOL) finals = appended(finals, block);
          else {
            toolCalls = appended(toolCalls, {
              id: block.id,
              name: block.name,
              arguments: toolArguments(block.input),
            });
          }
          break;
        case "thinking":
          content = appended(content, {
            type: "thinking",
            thinking: block.thinking,
            signature: block.signature,
          });
          break;
        case "redacted_thinking":
          content = appended(content, { type: "redacted_thinking", data: block.data });
          break;
        default:
          this.settings.log.debug(
            "adapter.anthropic.block_ignored",
            "Ignoring a content block type the adapter does not use.",
            {
              type: block.type,
            },
          );
      }
    }
    // The API rejects empty assistant messages; a user message sent next is merged instead.
    if (content !== undefined) this.messages.push({ role: "assistant", content });
    if (message.stop_reason === "max_tokens") {
      this.settings.log.warning(
        "adapter.anthropic.max_tokens",
        "The model stopped at max_tokens; its answer may be cut short.",
        {
          maxTokens: this.settings.maxTokens,
        },
      );
    }
    return this.turnOf(text ?? "", toolCalls, finals, usageOf(message.usage));
  };

  /**
   * The turn of an answer, given its `final_answer` calls: the first one is the structured
   * output when no other tool was called (any other is answered as a duplicate); otherwise all
   * are answered as deferred and the tool calls run first.
   */
  private turnOf(
    text: string,
    toolCalls: ToolCall[] | undefined,
    finals: readonly Anthropic.ToolUseBlock[] | undefined,
    usage: ModelTurn["usage"],
  ): ModelTurn {
    if (finals === undefined) {
      this.unanswered = NOTHING_UNANSWERED;
      return { text, toolCalls: toolCalls ?? NO_TOOL_CALLS, usage };
    }
    const [submitted] = finals;
    if (submitted && toolCalls === undefined) {
      this.unanswered = finals.map((call) => ({
        id: call.id,
        content: DUPLICATE_FINAL_ANSWER,
        submitted: call === submitted,
      }));
      return { text, toolCalls: NO_TOOL_CALLS, usage, structured: submitted.input };
    }
    this.unanswered = finals.map((call) => ({
      id: call.id,
      content: DEFERRED_FINAL_ANSWER,
      submitted: false,
    }));
    return { text, toolCalls: toolCalls ?? NO_TOOL_CALLS, usage };
  }

  /** Append user content, merging into a trailing user message so roles keep alternating. */
  private appendUser(blocks: Anthropic.ContentBlockParam[]): void {
    const last = this.messages.at(-1);
    if (last?.role === "user" && Array.isArray(last.content)) last.content.push(...blocks);
    else this.messages.push({ role: "user", content: blocks });
  }
}

/**
 * The first user message. The Messages API needs at least one message and `system` holds the
 * rendered prompt, so this one only starts the work (and, in `"json"` mode, states the format).
 */
function openingMessage(rendered: RenderedPrompt<unknown>, mode: StructuredOutputMode): string {
  const start = "Carry out the task described in the system prompt.";
  const output = rendered.output;
  if (!output) return start;
  if (mode === "tool")
    return `${start} When you are done, call the ${FINAL_ANSWER_TOOL} tool with your answer.`;
  return (
    `${start} When you are done, reply with only a JSON ${output.container} that matches this JSON Schema, ` +
    `in a \`\`\`json fenced block:\n\n\`\`\`json\n${JSON.stringify(output.jsonSchema, null, 2)}\n\`\`\``
  );
}

/**
 * A `tool_result` block. `is_error` is sent only when true (the API's default is false): every
 * block is resent on every later turn, so the flag would cost ~17 bytes per result per turn.
 * One literal per shape, not a conditional spread, which would leave the block in V8's slow
 * dictionary mode for every later serialization.
 */
function toolResult(id: string, output: string, isError: boolean): Anthropic.ToolResultBlockParam {
  if (isError) {
    return output === ""
      ? { type: "tool_result", tool_use_id: id, is_error: true }
      : { type: "tool_result", tool_use_id: id, content: output, is_error: true };
  }
  return output === ""
    ? { type: "tool_result", tool_use_id: id }
    : { type: "tool_result", tool_use_id: id, content: output };
}

function resultBlock(result: ToolOutcome): Anthropic.ToolResultBlockParam {
  return toolResult(result.call.id ?? "", result.output, result.isError);
}

function toolArguments(input: unknown): ToolCall["arguments"] {
  if (typeof input === "object" && input !== null && !Array.isArray(input))
    return input as Record<string, unknown>;
  // Not an object: hand it over as JSON text so the executor reports it against the schema.
  return JSON.stringify(input ?? null);
}

/**
 * Usage in our terms: `inputTokens` counts every input token the request processed (fresh,
 * written to the cache and read from it), and `cachedTokens` the part read from the cache, so
 * budgets mean the same thing on every provider.
 */
export function usageOf(usage: Partial<Anthropic.Usage> | null | undefined): TokenUsage | undefined {
  if (!usage) return undefined;
  const fresh = count(usage.input_tokens);
  const read = count(usage.cache_read_input_tokens);
  const written = count(usage.cache_creation_input_tokens);
  const output = count(usage.output_tokens);
  const out: TokenUsage = {};
  if (fresh !== undefined || read !== undefined || written !== undefined) {
    out.inputTokens = (fresh ?? 0) + (read ?? 0) + (written ?? 0);
  }
  if (output !== undefined) out.outputTokens = output;
  if (read !== undefined) out.cachedTokens = read;
  if (written !== undefined) out.cacheWriteTokens = written;
  return out;
}

/** A token count the provider reported, or undefined when it is missing or not a count. */
function count(value: number | null | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}
