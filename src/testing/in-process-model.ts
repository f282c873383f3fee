/**
 * A zero-latency model that runs inside the test process: the shared adapter loop drives it
 * exactly as it drives a real provider, without HTTP. Use it to unit-test agents and to
 * benchmark the loop itself.
 *
 * @example
 * ```ts
 * import { Session } from "weakincentives";
 * import { InProcessModel, InProcessAdapter } from "weakincentives/testing";
 *
 * const model = new InProcessModel([
 *   { toolCalls: [{ id: "1", name: "lookup", arguments: { id: "42" } }] },
 *   { text: '{"answer": "42"}' },
 * ]);
 * const adapter = new InProcessAdapter(model);
 * // await adapter.evaluate(prompt, { session: new Session() });
 * ```
 */

import { runEvaluation } from "../adapters/loop.js";
import type { ErrorClass } from "../adapters/throttle.js";
import type {
  EvaluateOptions,
  LoopOptions,
  ModelTurn,
  PromptResponse,
  ProviderAdapter,
  ProviderConversation,
  ProviderDriver,
  ToolOutcome,
} from "../adapters/types.js";
import type { TokenUsage } from "../budget.js";
import { WinkError } from "../errors.js";
import type { EvaluablePrompt, RenderedPrompt, ToolCall } from "../prompt/index.js";

/**
 * One scripted answer. Every field is optional: a missing `text` is empty and missing `toolCalls`
 * means none, so `{ text }` alone is a final answer. A {@link ModelTurn} is an answer too.
 */
export interface InProcessAnswer {
  readonly text?: string | undefined;
  readonly toolCalls?: readonly ToolCall[] | undefined;
  readonly usage?: TokenUsage | undefined;
  readonly structured?: unknown;
}

/** One scripted turn: an answer, a function computing one from what the model has seen, or an `Error` to throw. */
export type InProcessTurn =
  | InProcessAnswer
  | ((history: InProcessHistory) => InProcessAnswer | Promise<InProcessAnswer>)
  | Error;

/** What the in-process model has been sent in the current conversation. */
export interface InProcessHistory {
  readonly rendered: RenderedPrompt<unknown>;
  /** Tool results and user messages appended since the conversation began, in order. */
  readonly messages: readonly (
    | { readonly role: "tool"; readonly outcome: ToolOutcome }
    | { readonly role: "user"; readonly text: string }
  )[];
  /** How many requests this conversation has made, this one included. */
  readonly requestCount: number;
}

/** A scripted model: each request consumes the next turn; an `Error` turn is thrown. */
export class InProcessModel implements ProviderDriver {
  readonly name: string;
  readonly model = "in-process";
  private readonly turns: InProcessTurn[];
  private readonly repeat: boolean;
  private cursor = 0;
  /** Requests served so far, across conversations. */
  requests = 0;

  /**
   * @param turns answers in order.
   * @param options `repeat` cycles through the turns forever (for benchmarks); `name` sets the adapter name.
   */
  constructor(turns: readonly InProcessTurn[], options: { repeat?: boolean; name?: string } = {}) {
    this.turns = [...turns];
    this.repeat = options.repeat ?? false;
    this.name = options.name ?? "in_process";
  }

  start(rendered: RenderedPrompt<unknown>): ProviderConversation {
    const messages: InProcessHistory["messages"][number][] = [];
    let requestCount = 0;
    return {
      next: async (signal) => {
        signal.throwIfAborted();
        requestCount++;
        this.requests++;
        const { turn, index } = this.take();
        if (turn instanceof Error) throw turn;
        const answer = typeof turn === "function" ? await turn({ rendered, messages, requestCount }) : turn;
        return toModelTurn(answer, index);
      },
      addToolResults: (results) => {
        for (const outcome of results) messages.push({ role: "tool", outcome });
      },
      addUserMessage: (text) => {
        messages.push({ role: "user", text });
      },
    };
  }

  classifyError(error: unknown): ErrorClass {
    const status = (error as { status?: unknown }).status;
    if (status === 429 || (typeof status === "number" && status >= 500)) {
      return { retry: true, kind: status === 429 ? "rate_limit" : "server_error", status };
    }
    return { retry: false };
  }

  describeError(error: unknown): { message: string; status?: number } {
    const status = (error as { status?: unknown }).status;
    return {
      message: error instanceof Error ? error.message : String(error),
      ...(typeof status === "number" ? { status } : {}),
    };
  }

  private take(): { turn: InProcessTurn; index: number } {
    if (this.cursor >= this.turns.length) {
      if (!this.repeat || this.turns.length === 0) {
        throw new WinkError(
          "internal",
          `InProcessModel script exhausted after ${this.requests - 1} requests. Add more turns.`,
        );
      }
      this.cursor = 0;
    }
    const index = this.cursor++;
    return { turn: this.turns[index] as InProcessTurn, index };
  }
}

/**
 * Fill in the optional fields, so a function turn may return `{ text }` just as an object turn may.
 * A JavaScript caller can return anything, so the shape is checked and the turn named on failure.
 */
function toModelTurn(produced: unknown, index: number): ModelTurn {
  if (typeof produced !== "object" || produced === null || Array.isArray(produced)) {
    throw new WinkError(
      "invalid_argument",
      `InProcessModel script turn [${index}] returned ${describe(produced)}, not an answer. Return an object such as { text: "..." } or { toolCalls: [...] }.`,
      { details: { turnIndex: index } },
    );
  }
  const answer = produced as InProcessAnswer;
  if (answer.toolCalls !== undefined && !Array.isArray(answer.toolCalls)) {
    throw new WinkError(
      "invalid_argument",
      `InProcessModel script turn [${index}] has toolCalls ${describe(answer.toolCalls)}; pass an array of { id?, name, arguments } or leave it out.`,
      { details: { turnIndex: index } },
    );
  }
  return {
    text: answer.text ?? "",
    toolCalls: answer.toolCalls ?? [],
    usage: answer.usage,
    structured: answer.structured,
  };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `the string ${JSON.stringify(value.slice(0, 40))}` : `a ${typeof value}`;
}

/** An adapter over an {@link InProcessModel} (or any driver) and the shared loop. */
export class InProcessAdapter implements ProviderAdapter {
  readonly name: string;
  constructor(
    readonly driver: ProviderDriver,
    private readonly loop: LoopOptions = {},
  ) {
    this.name = driver.name;
  }

  evaluate<Output>(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
  ): Promise<PromptResponse<Output>> {
    return runEvaluation(this.driver, prompt, options, this.loop);
  }
}
