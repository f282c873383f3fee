/**
 * One evaluation frame for both agent loops (the shared HTTP loop and Claude Code): everything
 * an evaluation opens before the model is asked and closes after, in one place.
 *
 * Opening: the clock, the deadline and a timer that aborts at it, a signal that also follows the
 * caller's, the budget tracker, a logger bound to the prompt, session and run, the heartbeat,
 * the rendered prompt (`PromptRendered` published), the tool resources opened, and the context
 * the tool executor needs. Closing (`await using`): the timer cancelled, the caller's signal
 * left without a listener, the resources closed. {@link EvaluationFrame.complete} publishes
 * `PromptExecuted` and logs `adapter.evaluate.complete`.
 */

import { BudgetTracker, type TokenUsage } from "../budget.js";
import { type Clock, SYSTEM_CLOCK, type TimerHandle } from "../clock.js";
import { type Deadline, linkSignal } from "../deadline.js";
import { eventId } from "../ids.js";
import { getLogger, type Logger } from "../logging/index.js";
import type { EvaluablePrompt, RenderedPrompt, ToolExecutionContext } from "../prompt/index.js";
import type { ResourceContext } from "../resources/index.js";
import { createRunContext, runContextLogFields } from "../run-context.js";
import { ATTR, GEN_AI_OPERATION, startSpan, tracingEnabled, type WinkSpan } from "../telemetry/index.js";
import {
  dispatchPromptExecuted,
  dispatchPromptRendered,
  evaluationResources,
  toolExecutionContext,
} from "./evaluation.js";
import { EvaluationSignal, INERT_LENDER, type SignalLender } from "./evaluation-signal.js";
import type { EvaluateOptions, PromptResponse } from "./types.js";

const baseLog = getLogger("weakincentives.adapters");

/** What an evaluation produced, as {@link EvaluationFrame.complete} publishes it. */
export interface EvaluationResult<Output> {
  readonly text: string | undefined;
  readonly output: Output;
  readonly usage: TokenUsage;
  /** Dollars spent, when the model's price is known. */
  readonly costUsd?: number | undefined;
}

/** Settings of {@link openEvaluation}. */
export interface FrameSettings {
  /** The adapter's name, in events and logs. */
  readonly adapter: string;
  /** The model, in the start log. */
  readonly model: string;
  /** Default: the session's clock, else the system clock. */
  readonly clock?: Clock | undefined;
  /** Always give the frame a controller, for an agent loop that aborts itself. Default false. */
  readonly abortable?: boolean;
}

/**
 * Open an evaluation; close it with `await using`. Throws at once (opening nothing) when the
 * caller's signal has already aborted or the deadline has already passed.
 */
export function openEvaluation<Output>(
  prompt: EvaluablePrompt<Output>,
  options: EvaluateOptions,
  settings: FrameSettings,
): EvaluationFrame<Output> {
  const clock = settings.clock ?? options.session.clock ?? SYSTEM_CLOCK;
  const deadline = options.deadline ?? options.budget?.deadline;
  const caller = options.signal;
  if (caller?.aborted) throw caller.reason;
  if (deadline && deadline.remaining() <= 0) throw deadline.error("the evaluation");
  const cancellable = caller !== undefined || deadline !== undefined || settings.abortable === true;
  const cancellation = cancellable ? new Cancellation(caller, deadline, clock) : undefined;
  const span = evaluationSpan(prompt.name, options, settings);
  try {
    return new EvaluationFrame(prompt, span ? traced(options, span) : options, settings, {
      clock,
      deadline,
      cancellation,
      span,
    });
  } catch (error) {
    cancellation?.release();
    span?.end(error);
    throw error;
  }
}

/**
 * What can end an evaluation early: the caller's signal, the deadline and the frame's own
 * {@link EvaluationFrame.abort}. The caller's signal may outlive thousands of evaluations: it gets
 * this object as its one listener, removed at release. The deadline gets one timer, cancelled at
 * release (a Deadline's own `signal()` would keep a timer and its closure alive until the
 * deadline, long after the evaluation finished). A class with `handleEvent` rather than closures:
 * one object per evaluation.
 */
class Cancellation {
  readonly evaluation = EvaluationSignal.acquire();
  private readonly timer: TimerHandle | undefined;
  private released = false;

  constructor(
    private readonly caller: AbortSignal | undefined,
    private readonly deadline: Deadline | undefined,
    clock: Clock,
  ) {
    caller?.addEventListener("abort", this, ONCE);
    this.timer = deadline ? clock.setTimer(deadline.remaining(), this.expire.bind(this)) : undefined;
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    this.abort(this.caller?.reason);
  }

  /** Abort the evaluation; after release, nothing (its signal may serve another evaluation by then). */
  abort(reason: unknown): void {
    if (!this.released) this.evaluation.abort(reason);
  }

  release(): void {
    this.released = true;
    this.timer?.cancel();
    this.caller?.removeEventListener("abort", this);
    this.evaluation.release();
  }

  private expire(): void {
    this.abort(this.deadline?.error("the evaluation"));
  }
}

const ONCE = Object.freeze({ once: true });
const NOOP = (): void => {};

/** The `invoke_agent` span of an evaluation, under the request's span when the run context names one. */
function evaluationSpan(
  promptName: string,
  options: EvaluateOptions,
  settings: FrameSettings,
): WinkSpan | undefined {
  // Checked first: the name and attributes below are built only when a span will be recorded.
  if (!tracingEnabled()) return undefined;
  const run = options.runContext;
  return startSpan(`${GEN_AI_OPERATION.INVOKE_AGENT} ${promptName}`, {
    parent: run?.traceId ? { traceId: run.traceId, spanId: run.spanId ?? "" } : undefined,
    attributes: {
      [ATTR.GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION.INVOKE_AGENT,
      [ATTR.GEN_AI_PROVIDER_NAME]: settings.adapter,
      [ATTR.GEN_AI_REQUEST_MODEL]: settings.model,
      [ATTR.GEN_AI_AGENT_NAME]: promptName,
      [ATTR.WINK_PROMPT]: promptName,
      [ATTR.GEN_AI_CONVERSATION_ID]: options.session.sessionId,
      [ATTR.WINK_REQUEST_ID]: run?.requestId,
    },
  });
}

/** `options` with the run context pointing at `span`, so logs, events and tool spans hang below it. */
function traced(options: EvaluateOptions, span: WinkSpan): EvaluateOptions {
  const run = options.runContext ?? createRunContext();
  return { ...options, runContext: { ...run, traceId: span.traceId, spanId: span.spanId } };
}

/**
 * What an agent loop works with during one evaluation (open it with {@link openEvaluation},
 * dispose it when the evaluation ends). Opened synchronously on purpose, and a class rather than
 * an object of closures: it is opened for every evaluation, every await costs a promise and a
 * microtask turn, and every named closure a `defineProperty` in the build (which keeps names).
 */
export class EvaluationFrame<Output> implements AsyncDisposable {
  readonly adapter: string;
  readonly clock: Clock;
  readonly deadline: Deadline | undefined;
  readonly tracker: BudgetTracker | undefined;
  /**
   * Aborted by the caller's signal, at the deadline, or by {@link EvaluationFrame.abort}; valid
   * until the frame is disposed (a signal that did not abort serves a later evaluation). When
   * nothing can abort it, a shared signal that never aborts and keeps no listeners.
   */
  readonly signal: AbortSignal;
  /**
   * {@link EvaluationFrame.signal}, lent to one provider request at a time: the listeners an SDK
   * adds to it for a request are dropped once the request settled.
   */
  readonly requests: SignalLender;
  /** Bound to the prompt, adapter, session and run context. */
  readonly log: Logger;
  /** The caller's heartbeat (or nothing). */
  readonly beat: () => void;
  /** Keys this evaluation's usage in a shared budget tracker. */
  readonly evaluationId: string;
  readonly rendered: RenderedPrompt<Output>;
  readonly toolContext: ToolExecutionContext;
  /** The evaluation's `invoke_agent` span, when tracing is on: the parent of its model and tool spans. */
  readonly span: WinkSpan | undefined;
  private readonly options: EvaluateOptions;
  private readonly model: string;
  private readonly resources: ResourceContext;
  private readonly cancellation: Cancellation | undefined;

  /** @internal Use {@link openEvaluation}. */
  constructor(
    prompt: EvaluablePrompt<Output>,
    options: EvaluateOptions,
    settings: FrameSettings,
    parts: {
      readonly clock: Clock;
      readonly deadline: Deadline | undefined;
      readonly cancellation: Cancellation | undefined;
      readonly span: WinkSpan | undefined;
    },
  ) {
    const adapter = settings.adapter;
    const { clock, deadline, cancellation } = parts;
    this.adapter = adapter;
    this.model = settings.model;
    this.options = options;
    this.clock = clock;
    this.deadline = deadline;
    this.cancellation = cancellation;
    this.span = parts.span;
    this.requests = cancellation?.evaluation ?? INERT_LENDER;
    this.signal = cancellation?.evaluation.signal ?? linkSignal().signal;
    const log = baseLog.bind({
      prompt: prompt.name,
      adapter,
      sessionId: options.session.sessionId,
      ...(options.runContext ? runContextLogFields(options.runContext) : {}),
    });
    this.log = log;
    this.beat = options.heartbeat ?? NOOP;
    this.tracker = options.budgetTracker ?? (options.budget ? new BudgetTracker(options.budget) : undefined);
    this.beat();
    if (log.isEnabled("debug"))
      log.debug("adapter.evaluate.start", "Evaluation started.", { model: settings.model });

    // Resources open first: a section may show what one holds (a workspace's fingerprint).
    const resources = evaluationResources(prompt, options).open();
    let rendered: RenderedPrompt<Output>;
    try {
      resources.start();
      rendered = prompt.render({ session: options.session, resources });
    } catch (error) {
      void resources.close();
      throw error;
    }
    this.resources = resources;
    this.rendered = rendered;
    dispatchPromptRendered(adapter, prompt, rendered, options, clock);
    if (log.isEnabled("debug")) {
      log.debug("adapter.evaluate.rendered", "Prompt rendered.", {
        chars: rendered.text.length,
        tools: rendered.tools.length,
      });
    }
    this.toolContext = toolExecutionContext({
      adapter,
      prompt,
      rendered,
      options,
      resources,
      signal: this.signal,
      clock,
      beat: this.beat,
      deadline,
      tracker: this.tracker,
    });
    this.evaluationId = eventId();
  }

  /** End the evaluation's span with `error` (the evaluation failed); the frame still needs disposing. */
  fail(error: unknown): void {
    this.span?.end(error);
  }

  /**
   * The controller of the evaluation's signal, for an SDK that wants an `AbortController`; undefined
   * when nothing can abort the evaluation (no caller's signal, no deadline, not `abortable`).
   * Taking it keeps the signal with this evaluation for good: it is never handed on.
   */
  takeController(): AbortController | undefined {
    return this.cancellation?.evaluation.pin();
  }

  /** True once the evaluation's signal aborted; cheaper than reading the signal on a hot path. */
  get aborted(): boolean {
    return this.cancellation?.evaluation.aborted === true;
  }

  /** End the evaluation's signal with `reason`; does nothing when nothing can abort it, or once disposed. */
  abort(reason: unknown): void {
    this.cancellation?.abort(reason);
  }

  /** Publish `PromptExecuted`, log `adapter.evaluate.complete` (with `fields`) and build the response. */
  complete(
    result: EvaluationResult<Output>,
    fields: Readonly<Record<string, unknown>> = {},
  ): PromptResponse<Output> {
    const { rendered, span } = this;
    dispatchPromptExecuted(this.adapter, this.model, rendered.name, result, this.options, this.clock);
    span?.setAttributes({
      [ATTR.GEN_AI_USAGE_INPUT_TOKENS]: result.usage.inputTokens,
      [ATTR.GEN_AI_USAGE_OUTPUT_TOKENS]: result.usage.outputTokens,
      [ATTR.WINK_COST_USD]: result.costUsd,
    });
    span?.end();
    this.log.info("adapter.evaluate.complete", "Evaluation finished.", {
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUsd: result.costUsd,
      ...fields,
    });
    return {
      promptName: rendered.name,
      text: result.text,
      output: result.output,
      usage: result.usage,
      costUsd: result.costUsd,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // First: the deadline's timer and the caller's listener go, and the signal (which nothing
    // below uses) may serve the next evaluation.
    this.cancellation?.release();
    // Ends a span neither complete() nor fail() ended (idempotent otherwise).
    this.span?.end();
    const { beforeRelease } = this.options;
    if (beforeRelease) {
      try {
        await beforeRelease(this.resources);
      } catch (error) {
        this.log.error(
          "adapter.evaluate.before_release_failed",
          "beforeRelease failed; resources close anyway.",
          { error },
        );
      }
    }
    return this.resources[Symbol.asyncDispose]();
  }
}
