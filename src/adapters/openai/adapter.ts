/**
 * {@link OpenAIAdapter}: the shared tool-call loop driven over OpenAI's Responses or Chat
 * Completions API with the official SDK.
 */

import type OpenAI from "openai";
import type { EvaluablePrompt, RenderedPrompt } from "../../prompt/index.js";
import { runEvaluation } from "../loop.js";
import type { ErrorClass } from "../throttle.js";
import type {
  EvaluateOptions,
  LoopOptions,
  PromptResponse,
  ProviderAdapter,
  ProviderConversation,
  ProviderDriver,
} from "../types.js";
import { startChatConversation } from "./chat.js";
import {
  createClient,
  type OpenAIAdapterOptions,
  type OpenAIApi,
  type ResolvedOpenAIOptions,
  resolveOptions,
} from "./options.js";
import { startResponsesConversation } from "./responses.js";
import { classifyOpenAIError, describeOpenAIError } from "./shared.js";

/** The adapter name used in events and logs. */
export const OPENAI_ADAPTER_NAME = "openai";

/**
 * The {@link ProviderDriver} behind {@link OpenAIAdapter}, for callers that run the shared loop
 * themselves. It makes exactly one SDK request per model turn and never retries on its own.
 */
export class OpenAIDriver implements ProviderDriver {
  readonly name = OPENAI_ADAPTER_NAME;
  readonly model: string;
  /** The API in use. */
  readonly api: OpenAIApi;
  /** The SDK client requests go through. */
  readonly client: OpenAI;
  private readonly options: ResolvedOpenAIOptions;

  /** @throws WinkError `invalid_config` naming the bad option. Loop options are ignored here. */
  constructor(options: OpenAIAdapterOptions) {
    this.options = resolveOptions(options);
    this.client = createClient(options);
    this.model = this.options.model;
    this.api = this.options.api;
  }

  start(rendered: RenderedPrompt<unknown>): ProviderConversation {
    return this.options.api === "chat"
      ? startChatConversation(this.client, this.options, rendered)
      : startResponsesConversation(this.client, this.options, rendered);
  }

  /** Go on with a conversation a checkpoint saved (the message list of either API). */
  restore(rendered: RenderedPrompt<unknown>, saved: unknown): ProviderConversation {
    return this.options.api === "chat"
      ? startChatConversation(this.client, this.options, rendered, saved)
      : startResponsesConversation(this.client, this.options, rendered, saved);
  }

  classifyError(error: unknown, now: number): ErrorClass {
    return classifyOpenAIError(error, now);
  }

  describeError(error: unknown): { message: string; status?: number | undefined } {
    return describeOpenAIError(error);
  }
}

/**
 * Evaluates prompts on OpenAI (or any server speaking its API). Tools run in this process through
 * the shared executor; structured output uses the provider's JSON-schema mode and is validated
 * against the prompt's zod schema, with a repair turn when it does not match.
 */
export class OpenAIAdapter implements ProviderAdapter {
  readonly name = OPENAI_ADAPTER_NAME;
  /** The model id every request names. */
  readonly model: string;
  /** The API in use. */
  readonly api: OpenAIApi;
  /** The SDK client requests go through. */
  readonly client: OpenAI;
  private readonly driver: OpenAIDriver;
  private readonly loop: LoopOptions;

  /** @throws WinkError `invalid_config` naming the bad option. */
  constructor(options: OpenAIAdapterOptions) {
    this.driver = new OpenAIDriver(options);
    this.client = this.driver.client;
    this.model = this.driver.model;
    this.api = this.driver.api;
    this.loop = {
      ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
      ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
      ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.prices === undefined ? {} : { prices: options.prices }),
    };
  }

  /**
   * Render `prompt`, run the model until it answers (executing its tool calls), and return the
   * typed output.
   *
   * @throws DeadlineExceededError when the deadline passes (the in-flight request is aborted).
   * @throws BudgetExceededError when reported usage crosses the budget.
   * @throws ThrottleError when 429s / 5xx / dropped connections outlast the retry policy.
   * @throws PromptEvaluationError for any other provider failure, with its status and message.
   * @throws OutputParseError when the final answer still fails the schema after repairs.
   */
  evaluate<Output>(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
  ): Promise<PromptResponse<Output>> {
    return runEvaluation(this.driver, prompt, options, this.loop);
  }
}
