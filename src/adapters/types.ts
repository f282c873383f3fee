/**
 * The adapter contract: one agent definition, evaluated on any provider.
 *
 * An adapter renders the prompt, talks to its provider, executes tool calls with the shared
 * executor, and returns typed output. Providers plug into the shared loop through a small
 * {@link ProviderDriver}: start a conversation, ask for the next model turn, append tool results.
 */

import type { Budget, BudgetTracker, TokenUsage } from "../budget.js";
import type { Clock } from "../clock.js";
import type { Deadline } from "../deadline.js";
import type { EvaluablePrompt, RenderedPrompt, ToolCall } from "../prompt/index.js";
import type { ResourceContext, ResourceRegistry } from "../resources/index.js";
import type { RunContext } from "../run-context.js";
import type { Session } from "../session/index.js";
import type { ModelPrice, ModelPriceInput, PriceTable } from "./pricing.js";
import type { ErrorClass, ThrottlePolicy } from "./throttle.js";

/** What one evaluation may use and must respect. */
export interface EvaluateOptions {
  /** Where state and telemetry go. */
  readonly session: Session;
  /** Stop at this time; in-flight requests are aborted. Defaults to the budget's deadline. */
  readonly deadline?: Deadline;
  /** Token and time limits; a tracker is created when none is given. */
  readonly budget?: Budget;
  /** Shares usage across evaluations (MainLoop passes one per request). */
  readonly budgetTracker?: BudgetTracker;
  /** Cancels the evaluation (and the in-flight request). */
  readonly signal?: AbortSignal;
  /** Extra resources for tools, over the prompt's own. */
  readonly resources?: ResourceRegistry;
  /** Correlation ids for events and logs. */
  readonly runContext?: RunContext;
  /** Called at every step so a watchdog knows the evaluation is alive. */
  readonly heartbeat?: () => void;
  /**
   * Called when the evaluation ends, before its resources are closed (a workspace deleted), with
   * its open resource context: the last moment to read what they hold (MainLoop's debug bundles
   * copy the workspace here). Awaited; an error is logged and ignored.
   */
  readonly beforeRelease?: (resources: ResourceContext) => void | Promise<void>;
  /**
   * Save the evaluation's progress after each model turn and tool call, and resume from a saved
   * one: a request redelivered after its worker died goes on instead of starting over. Needs a
   * driver that can save and restore its conversation; others start over.
   */
  readonly checkpoints?: EvaluationCheckpoints;
}

/** Where an evaluation saves its progress, and what it resumes from. */
export interface EvaluationCheckpoints {
  /** The last checkpoint of an earlier attempt of the same request, if any. */
  readonly resumeFrom?: EvaluationCheckpoint | undefined;
  /**
   * Store `checkpoint`; awaited before the evaluation goes on (a failure fails the evaluation).
   * Its conversation and lists are the live ones, which keep changing after the call: serialize
   * or copy them before returning (the built-in stores write JSON at once).
   */
  save(checkpoint: EvaluationCheckpoint): Promise<void>;
}

/** An evaluation's progress, as JSON: enough to go on in another process. */
export interface EvaluationCheckpoint {
  readonly version: 1;
  /** The prompt it belongs to; a checkpoint of another prompt is ignored. */
  readonly promptName: string;
  /** The adapter and model that made it; a checkpoint of another adapter is ignored. */
  readonly adapter: string;
  readonly model: string;
  /** Model turns answered so far. */
  readonly turn: number;
  /** The provider conversation as its driver saved it (the model's last turn included). */
  readonly conversation: unknown;
  /** Tool calls of the model's last turn still to be answered, and the results of those done. */
  readonly pending: readonly ToolCall[];
  readonly done: readonly ToolOutcome[];
  /** The session after the last step (`Snapshot.toJSON()`, log slices included). */
  readonly session: unknown;
  readonly usage: TokenUsage;
  readonly costUsd?: number | undefined;
}

/** The result of an evaluation. */
export interface PromptResponse<Output> {
  readonly promptName: string;
  /** The model's final text, when it answered in text. */
  readonly text: string | undefined;
  /** Typed output (undefined when the template declares no output schema). */
  readonly output: Output;
  /** Usage of this evaluation across all its turns. */
  readonly usage: TokenUsage;
  /**
   * What this evaluation cost in US dollars, priced from the adapter's price table (or as the
   * provider reported it); undefined when the model has no known price.
   */
  readonly costUsd?: number | undefined;
}

/** Something that evaluates prompts: OpenAI, Anthropic, the Claude Agent SDK, or a test double. */
export interface ProviderAdapter {
  /** Short name used in events and logs (`openai`, `anthropic`, ...). */
  readonly name: string;
  evaluate<Output>(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
  ): Promise<PromptResponse<Output>>;
}

/** One answer of the model. */
export interface ModelTurn {
  /** Assistant text of this turn (may be empty when it only calls tools). */
  readonly text: string;
  readonly toolCalls: readonly ToolCall[];
  /** Usage of this request alone; the loop sums turns. */
  readonly usage?: TokenUsage | undefined;
  /** Structured output the provider already decoded (native JSON schema mode), if any. */
  readonly structured?: unknown;
}

/** The result of one tool call, as the loop hands it back to the conversation. */
export interface ToolOutcome {
  readonly call: ToolCall;
  readonly output: string;
  readonly isError: boolean;
}

/**
 * A provider-specific conversation. Implementations append to their own message history
 * (never copy it) and make exactly one provider request per {@link ProviderConversation.next}.
 */
export interface ProviderConversation {
  /** Send the conversation so far and return the model's answer, appending it to the history. */
  next(signal: AbortSignal): Promise<ModelTurn>;
  /** Append the results of the last turn's tool calls. */
  addToolResults(results: readonly ToolOutcome[]): void;
  /** Append a user message (used for the structured-output repair turn). */
  addUserMessage(text: string): void;
  /**
   * The conversation so far as JSON, for {@link ProviderDriver.restore} in another process.
   * Optional: a conversation without it is not checkpointed.
   */
  save?(): unknown;
}

/** What the shared loop needs from a provider. */
export interface ProviderDriver {
  /** Adapter name for events and logs. */
  readonly name: string;
  /** Model id, for logs. */
  readonly model: string;
  /** The model's price, when known: turns are priced with it and dollar budgets need it. */
  readonly price?: ModelPrice | undefined;
  /** Begin a conversation for a rendered prompt (tool specs and schemas derived here, once). */
  start(rendered: RenderedPrompt<unknown>): ProviderConversation;
  /**
   * Go on with a conversation that {@link ProviderConversation.save} saved. Optional: drivers
   * without it start over when an evaluation resumes.
   */
  restore?(rendered: RenderedPrompt<unknown>, saved: unknown): ProviderConversation;
  /** Which failures are transient. */
  classifyError(error: unknown, now: number): ErrorClass;
  /** Turn a non-transient provider failure into a readable message with the status. */
  describeError(error: unknown): { message: string; status?: number | undefined };
}

/** Options shared by the HTTP adapters. */
export interface LoopOptions {
  /** Most model turns in one evaluation (default 32). */
  readonly maxTurns?: number;
  /** Repair turns allowed when the final answer fails the output schema (default 1). */
  readonly maxRepairs?: number;
  readonly throttle?: Partial<ThrottlePolicy>;
  readonly clock?: Clock;
  /**
   * Prices to charge turns at (USD per million tokens), over the built-in table: a
   * {@link PriceTable}, or model id → price. Default: the built-in table.
   */
  readonly prices?: PriceTable | Readonly<Record<string, ModelPriceInput>>;
}
