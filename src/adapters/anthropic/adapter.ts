/**
 * `AnthropicAdapter`: evaluate prompts on Claude through the Anthropic Messages API (or Bedrock).
 *
 * The adapter is a thin {@link ProviderDriver} over the shared loop (`runEvaluation`): the loop
 * renders, executes tools, retries, enforces deadlines and budgets and parses output; this
 * driver only speaks the wire format. One client is built on first use and shared by every
 * evaluation of the adapter.
 *
 * @example
 * ```ts nocheck
 * import { AnthropicAdapter } from "weakincentives/adapters/anthropic";
 *
 * const adapter = new AnthropicAdapter({ model: "claude-sonnet-4-6", maxTokens: 2048 });
 * const response = await adapter.evaluate(prompt, { session: new Session() });
 * ```
 */

import { WinkError } from "../../errors.js";
import { getLogger, type Logger } from "../../logging/index.js";
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
import {
  type AnthropicBackend,
  type BackendEnv,
  type BedrockOption,
  defaultModelFor,
  resolveAnthropicBackend,
} from "./backend.js";
import type { PromptCaching } from "./caching.js";
import {
  type AnthropicClientOptions,
  type AnthropicMessagesClient,
  createAnthropicClient,
} from "./client.js";
import { AnthropicConversation, type StructuredOutputMode } from "./conversation.js";
import { classifyAnthropicError, describeAnthropicError } from "./errors.js";

const log = getLogger("weakincentives.adapters.anthropic");

/** Options for {@link AnthropicAdapter}. Loop options (`maxTurns`, `maxRepairs`, `throttle`, `clock`) apply too. */
export interface AnthropicAdapterOptions extends LoopOptions {
  /** Model id; default Claude Sonnet 4.5 under the backend's naming (see `defaultAnthropicModel`). */
  readonly model?: string;
  /** A ready client (Anthropic, AnthropicBedrock or a double); `clientOptions` are then ignored. */
  readonly client?: AnthropicMessagesClient;
  /** Settings for the client the adapter builds when none is given. */
  readonly clientOptions?: AnthropicClientOptions;
  /** Most output tokens per model turn (default 4096). */
  readonly maxTokens?: number;
  /** Sampling temperature in [0, 1]; the API default when omitted. */
  readonly temperature?: number;
  /**
   * How structured output is requested: `"tool"` (default) offers a `final_answer` tool whose
   * input is the answer; `"json"` asks for a JSON block in the final text.
   */
  readonly structuredOutput?: StructuredOutputMode;
  /**
   * Prompt caching: `cache_control` breakpoints on the system prompt, the tools and the
   * conversation, so later turns read the unchanged prefix from the cache. `"auto"` (default)
   * marks prompts long enough to be cached (1,024 tokens, 2,048 on Haiku, estimated as characters
   * / 4); `"always"`; `"off"`. Bedrock takes the same markers.
   */
  readonly promptCaching?: PromptCaching;
  /**
   * Extended thinking: the model reasons for up to `budgetTokens` (≥ 1,024, below `maxTokens`)
   * before answering. Thinking blocks stay in the conversation as the API requires and never
   * reach the answer text or INFO logs. Needs `temperature` unset (the API allows only 1).
   */
  readonly thinking?: { readonly budgetTokens: number };
  /** Force Bedrock (`true` or `{ region }`) or the Anthropic API (`false`); default: the environment decides. */
  readonly bedrock?: BedrockOption;
  /** Environment to read `CLAUDE_CODE_USE_BEDROCK`, `AWS_REGION`, `ANTHROPIC_API_KEY`… from (default `process.env`). */
  readonly env?: BackendEnv;
}

/** Default output-token limit per turn. */
export const DEFAULT_MAX_TOKENS = 4096;

/** The Anthropic Messages wire format, plugged into the shared loop. */
export class AnthropicDriver implements ProviderDriver {
  readonly name = "anthropic";
  readonly model: string;
  private readonly maxTokens: number;
  private readonly temperature: number | undefined;
  private readonly structuredOutput: StructuredOutputMode;
  private readonly promptCaching: PromptCaching;
  private readonly thinking: { readonly budgetTokens: number } | undefined;
  private readonly makeClient: () => Promise<AnthropicMessagesClient>;
  private pending: Promise<AnthropicMessagesClient> | undefined;

  constructor(settings: {
    model: string;
    maxTokens: number;
    temperature: number | undefined;
    structuredOutput: StructuredOutputMode;
    promptCaching?: PromptCaching | undefined;
    thinking?: { readonly budgetTokens: number } | undefined;
    makeClient: () => Promise<AnthropicMessagesClient>;
  }) {
    this.thinking = settings.thinking;
    this.model = settings.model;
    this.maxTokens = settings.maxTokens;
    this.temperature = settings.temperature;
    this.structuredOutput = settings.structuredOutput;
    this.promptCaching = settings.promptCaching ?? "auto";
    this.makeClient = settings.makeClient;
  }

  start(rendered: RenderedPrompt<unknown>): ProviderConversation {
    return this.conversation(rendered, undefined);
  }

  /** Go on with a conversation a checkpoint saved (its messages and unanswered tool calls). */
  restore(rendered: RenderedPrompt<unknown>, saved: unknown): ProviderConversation {
    return this.conversation(rendered, saved);
  }

  private conversation(rendered: RenderedPrompt<unknown>, saved: unknown): AnthropicConversation {
    let bound: Logger | undefined;
    const model = this.model;
    return new AnthropicConversation(
      rendered,
      {
        model,
        maxTokens: this.maxTokens,
        temperature: this.temperature,
        structuredOutput: this.structuredOutput,
        promptCaching: this.promptCaching,
        thinking: this.thinking,
        client: () => this.client(),
        // Bound on first use: the conversation logs only on rare paths.
        get log() {
          bound ??= log.bind({ model, prompt: rendered.name });
          return bound;
        },
      },
      saved,
    );
  }

  classifyError(error: unknown, now: number): ErrorClass {
    return classifyAnthropicError(error, now);
  }

  describeError(error: unknown): { message: string; status?: number | undefined } {
    return describeAnthropicError(error);
  }

  /** The shared client; a failed build is not remembered, so fixing the setup needs no new adapter. */
  private client(): Promise<AnthropicMessagesClient> {
    if (!this.pending) {
      this.pending = this.makeClient().catch((err: unknown) => {
        this.pending = undefined;
        throw err;
      });
    }
    return this.pending;
  }
}

/** Evaluates prompts on Claude through the Anthropic Messages API or Amazon Bedrock. */
export class AnthropicAdapter implements ProviderAdapter {
  readonly name = "anthropic";
  /** The model every request asks for. */
  readonly model: string;
  /** Where requests go. */
  readonly backend: AnthropicBackend;
  private readonly driver: AnthropicDriver;
  private readonly loop: LoopOptions;

  constructor(options: AnthropicAdapterOptions = {}) {
    const env = options.env ?? process.env;
    this.backend = resolveAnthropicBackend(env, options.bedrock);
    if (
      options.bedrock === undefined &&
      env.CLAUDE_CODE_USE_BEDROCK === "1" &&
      this.backend.kind === "anthropic"
    ) {
      log.warning(
        "adapter.anthropic.bedrock_region_missing",
        "CLAUDE_CODE_USE_BEDROCK=1 but neither AWS_REGION nor AWS_DEFAULT_REGION is set; using the Anthropic API.",
      );
    }
    this.model = options.model ?? defaultModelFor(this.backend);
    const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
    checkOptions(maxTokens, options);
    const backend = this.backend;
    const given = options.client;
    this.driver = new AnthropicDriver({
      model: this.model,
      maxTokens,
      temperature: options.temperature,
      structuredOutput: options.structuredOutput ?? "tool",
      promptCaching: options.promptCaching,
      thinking: options.thinking,
      makeClient: given
        ? () => Promise.resolve(given)
        : () => createAnthropicClient(backend, options.clientOptions ?? {}, env),
    });
    this.loop = {
      ...(options.maxTurns === undefined ? {} : { maxTurns: options.maxTurns }),
      ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
      ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.prices === undefined ? {} : { prices: options.prices }),
    };
    log.debug("adapter.anthropic.created", "Anthropic adapter created.", {
      model: this.model,
      backend: this.backend.kind,
      ...(this.backend.kind === "bedrock" ? { region: this.backend.region } : {}),
    });
  }

  evaluate<Output>(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
  ): Promise<PromptResponse<Output>> {
    return runEvaluation(this.driver, prompt, options, this.loop);
  }
}

function checkOptions(maxTokens: number, options: AnthropicAdapterOptions): void {
  const fail = (name: string, value: unknown, rule: string): never => {
    throw new WinkError(
      "invalid_argument",
      `AnthropicAdapter ${name} must be ${rule}, got ${String(value)}.`,
      {
        details: { [name]: value },
      },
    );
  };
  if (!Number.isInteger(maxTokens) || maxTokens < 1) fail("maxTokens", maxTokens, "an integer >= 1");
  const { temperature, structuredOutput, maxTurns, maxRepairs } = options;
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 1)) {
    fail("temperature", temperature, "a number between 0 and 1");
  }
  if (structuredOutput !== undefined && structuredOutput !== "tool" && structuredOutput !== "json") {
    fail("structuredOutput", structuredOutput, '"tool" or "json"');
  }
  const thinking = options.thinking;
  if (thinking !== undefined) {
    const budget = thinking.budgetTokens;
    if (!Number.isInteger(budget) || budget < 1_024 || budget >= maxTokens) {
      fail("thinking.budgetTokens", budget, `an integer from 1024 to below maxTokens (${maxTokens})`);
    }
    if (temperature !== undefined && temperature !== 1) {
      fail(
        "temperature",
        temperature,
        "unset (or 1) when thinking is on: the API refuses other temperatures with thinking",
      );
    }
  }
  const caching = options.promptCaching;
  if (caching !== undefined && caching !== "auto" && caching !== "always" && caching !== "off") {
    fail("promptCaching", caching, '"auto", "always" or "off"');
  }
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns < 1))
    fail("maxTurns", maxTurns, "an integer >= 1");
  if (maxRepairs !== undefined && (!Number.isInteger(maxRepairs) || maxRepairs < 0)) {
    fail("maxRepairs", maxRepairs, "an integer >= 0");
  }
}
