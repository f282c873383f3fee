/**
 * MainLoop: the worker that turns queued requests into agent evaluations.
 *
 * For each message it validates the envelope, builds a run context, keeps the lease alive while
 * the worker beats, calls `prepare` for a prompt, evaluates it (re-rendering when the model opens
 * summarized sections), replies with a {@link MainLoopResult}, and only then acknowledges.
 * Failures follow the DLQ policy: retry with backoff, or dead-letter with every detail; a
 * malformed envelope is dead-lettered at once. Nothing is dropped silently.
 *
 * Give `prepare` (and optionally `finalize`) as options, and the request and output types are
 * inferred; subclassing and overriding `prepare` works too.
 *
 * @example
 * ```ts nocheck
 * const loop = new MainLoop({
 *   adapter,
 *   requests,
 *   requestSchema: ReviewRequest,
 *   prepare: (request) => new Prompt(reviewTemplate).bind({ request: { change: request.change } }),
 * });
 * await loop.run({ signal });
 * ```
 */

import { hostname } from "node:os";
import type { z } from "zod";
import type { EvaluateOptions, PromptResponse, ProviderAdapter } from "../../adapters/types.js";
import { Budget, BudgetTracker } from "../../budget.js";
import { type Clock, SYSTEM_CLOCK } from "../../clock.js";
import { Deadline } from "../../deadline.js";
import { resolveBundleConfig } from "../../debug/bundle.js";
import { VisibilityExpansionRequired, WinkError } from "../../errors.js";
import { getLogger } from "../../logging/index.js";
import { applyVisibilityExpansion, type EvaluablePrompt } from "../../prompt/index.js";
import { createRunContext } from "../../run-context.js";
import { Session } from "../../session/index.js";
import { Heartbeat } from "../lifecycle/heartbeat.js";
import type { Runnable, RunOptions } from "../lifecycle/runnable.js";
import type { Mailbox } from "../mailbox/types.js";
import { attemptCheckpoints, forgetSettled } from "./checkpointing.js";
import { Consumer, runSettings } from "./consumer.js";
import { budgetState, loopSettings } from "./describe.js";
import type { MessageHandling } from "./handle-message.js";
import { holdProcessOpen } from "./keep-alive.js";
import { LeaseExtender } from "./lease-extender.js";
import type {
  ExecuteOptions,
  FinalizeFn,
  MainLoopConfig,
  MainLoopOptions,
  PrepareContext,
  Prepared,
  PrepareFn,
} from "./options.js";
import { type MainLoopRequest, type MainLoopResult, mainLoopRequestSchema } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

/**
 * A queue worker that evaluates one agent definition per request. Pass `prepare` in the options,
 * or subclass and implement it.
 */
export class MainLoop<Req, Out> implements Runnable {
  readonly name: string;
  readonly adapter: ProviderAdapter;
  readonly requests: Mailbox<unknown, MainLoopResult<Out>>;
  readonly config: MainLoopConfig;
  readonly workerId: string;
  readonly heartbeat: Heartbeat;
  readonly clock: Clock;
  /** Zod schema of the whole envelope. */
  readonly envelopeSchema: z.ZodType<MainLoopRequest<Req>>;
  private active = false;
  private readonly handling: MessageHandling<Req, Out>;
  private readonly lease: LeaseExtender | undefined;
  private readonly prepareFn: PrepareFn<Req, Out> | undefined;
  private readonly finalizeFn: FinalizeFn<Out> | undefined;

  constructor(options: MainLoopOptions<Req, Out>) {
    this.name = options.name ?? this.constructor.name;
    this.adapter = options.adapter;
    this.requests = options.requests;
    this.config = options.config ?? {};
    this.workerId = options.workerId ?? `${hostname()}-${process.pid}`;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.heartbeat = options.heartbeat ?? new Heartbeat({ clock: this.clock });
    this.envelopeSchema = mainLoopRequestSchema(options.requestSchema) as unknown as z.ZodType<
      MainLoopRequest<Req>
    >;
    const concurrency = this.config.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new WinkError(
        "invalid_config",
        `MainLoop concurrency must be an integer from 1 to 64, got ${String(concurrency)}.`,
      );
    }
    const batchSize = this.config.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
      throw new WinkError(
        "invalid_config",
        `MainLoop batchSize must be an integer from 1 to 10, got ${String(batchSize)}.`,
      );
    }
    if (this.config.debugBundle) resolveBundleConfig(this.config.debugBundle);
    const lease =
      this.config.leaseExtender === false
        ? undefined
        : new LeaseExtender(this.config.leaseExtender ?? {}, this.clock);
    this.lease = lease;
    this.prepareFn = options.prepare;
    this.finalizeFn = options.finalize;
    if (this.prepareFn === undefined && this.prepare === MainLoop.prototype.prepare) {
      throw new WinkError(
        "invalid_config",
        `MainLoop "${this.name}" has no prepare: pass prepare: (request) => prompt in its options, or subclass MainLoop and implement prepare().`,
      );
    }
    this.handling = {
      loop: this.name,
      mailbox: this.requests.name,
      clock: this.clock,
      dlq: this.config.dlq,
      dispatcher: this.config.dispatcher,
      envelopeSchema: this.envelopeSchema,
      workerId: this.workerId,
      beat: () => this.heartbeat.beat(),
      execute: (request, executeOptions) => this.execute(request, executeOptions),
      debugBundle: this.config.debugBundle,
      resources: this.config.resources,
      settings: loopSettings(this.adapter, this.config),
      onSettled: (attempt, outcome) => {
        if (this.config.checkpoints) forgetSettled(this.config.checkpoints, attempt.requestId, outcome);
      },
    };
  }

  /**
   * Build the prompt for one request (bind its params, add resources). Calls the `prepare`
   * option; a subclass may override it instead.
   */
  prepare(request: Req, context: PrepareContext): Prepared<Out> | Promise<Prepared<Out>> {
    // The constructor makes sure one of the two exists.
    return (this.prepareFn as PrepareFn<Req, Out>)(request, context);
  }

  /**
   * Runs after a successful evaluation, before the reply (e.g. to persist results). Calls the
   * `finalize` option when given; a subclass may override it instead.
   */
  finalize(
    prompt: EvaluablePrompt<Out>,
    session: Session,
    response: PromptResponse<Out>,
  ): void | Promise<void> {
    return this.finalizeFn?.(prompt, session, response);
  }

  /** True while {@link MainLoop.run} is running. */
  get running(): boolean {
    return this.active;
  }

  /**
   * Evaluate one request directly (no queue): prepare, evaluate with visibility retries,
   * finalize. Used by {@link MainLoop.run} and by callers that hold a request in hand.
   */
  async execute(
    request: Req,
    options: ExecuteOptions = {},
  ): Promise<{ response: PromptResponse<Out>; session: Session }> {
    const requestId = options.requestId ?? options.runContext?.requestId ?? createRunContext().requestId;
    const runContext = options.runContext ?? createRunContext({ requestId, workerId: this.workerId });
    const deadline =
      options.deadline ??
      (this.config.deadlineSeconds
        ? Deadline.after(this.config.deadlineSeconds * 1_000, this.clock)
        : undefined);
    const budget = requestBudget(this.config.budget, options.budget, deadline);
    const tracker = budget ? new BudgetTracker(budget) : undefined;
    let session = this.newSession(requestId, options);
    const phase = phaseTimer(this.clock, options);
    const prepared = await this.prepare(request, {
      session,
      requestId,
      runContext: { ...runContext, sessionId: session.sessionId },
      ...(options.experiment ? { experiment: options.experiment } : {}),
    });
    phase("prepare");
    const prompt = "prompt" in prepared ? prepared.prompt : prepared;
    if ("prompt" in prepared && prepared.session) session = prepared.session;
    options.onSession?.(session);
    const checkpoints = this.config.checkpoints
      ? await attemptCheckpoints(this.config.checkpoints, requestId, options.attempt ?? 1)
      : undefined;
    const evaluateOptions: EvaluateOptions = {
      session,
      heartbeat: options.heartbeat ?? (() => this.heartbeat.beat()),
      runContext: { ...runContext, sessionId: session.sessionId },
      ...(deadline ? { deadline } : {}),
      ...(budget ? { budget } : {}),
      ...(tracker ? { budgetTracker: tracker } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.config.resources ? { resources: this.config.resources } : {}),
      ...(options.beforeRelease ? { beforeRelease: options.beforeRelease } : {}),
      ...(checkpoints ? { checkpoints } : {}),
    };
    let response: PromptResponse<Out>;
    try {
      response = await this.evaluateWithExpansions(prompt, evaluateOptions, requestId);
    } finally {
      phase("evaluate");
      if (tracker) options.onBudget?.(budgetState(tracker));
    }
    await this.finalize(prompt, session, response);
    phase("finalize");
    return { response, session };
  }

  /** A fresh session for one request, on the loop's dispatcher, tagged with the request (and variant). */
  private newSession(requestId: string, options: ExecuteOptions): Session {
    return new Session({
      ...(this.config.dispatcher ? { dispatcher: this.config.dispatcher } : {}),
      clock: this.clock,
      tags: options.experiment
        ? { requestId, loop: this.name, experiment: options.experiment.name }
        : { requestId, loop: this.name },
    });
  }

  /** Evaluate, again with the opened sections each time the model opens some (up to the limit). */
  private async evaluateWithExpansions(
    prompt: EvaluablePrompt<Out>,
    options: EvaluateOptions,
    requestId: string,
  ): Promise<PromptResponse<Out>> {
    const limit = this.config.maxVisibilityExpansions ?? 16;
    let current = options;
    for (let expansions = 0; ; expansions++) {
      try {
        return await this.adapter.evaluate(prompt, current);
      } catch (error) {
        if (!(error instanceof VisibilityExpansionRequired) || expansions >= limit) throw error;
        log.info("main_loop.visibility_expansion", "The model opened sections; evaluating again.", {
          requestId,
          sections: error.sectionKeys.join(","),
        });
        applyVisibilityExpansion(options.session, error);
        // Only the first evaluation resumes: later ones start from the expanded prompt.
        const checkpoints = options.checkpoints;
        if (checkpoints) current = { ...options, checkpoints: { save: (cp) => checkpoints.save(cp) } };
      }
    }
  }

  /**
   * Consume the requests mailbox until `signal` aborts (or after `maxIterations` receives, once
   * what they brought is done). Receives up to `batchSize` messages at a time and keeps up to
   * `concurrency` in flight; the rest wait in a local buffer. A slot whose request only settles
   * already receives its next message. On abort it stops receiving, returns every buffered
   * message to the queue with visibility 0, lets the in-flight requests finish, then resolves.
   */
  async run(options: RunOptions = {}): Promise<void> {
    if (this.active) {
      throw new WinkError(
        "invalid_argument",
        `MainLoop "${this.name}" is already running. Call run() once per loop, or create another loop.`,
      );
    }
    this.active = true;
    // Until it is told to stop, a running loop is the reason the process exists.
    const release = holdProcessOpen();
    const settings = runSettings(this.config, options);
    const consumer = new Consumer(this, this.handling, this.lease, settings);
    log.info("main_loop.start", "Main loop started.", {
      loop: this.name,
      mailbox: this.requests.name,
      concurrency: settings.concurrency,
      batchSize: settings.batchSize,
    });
    try {
      await consumer.consume();
    } finally {
      consumer.dispose();
      release();
      this.active = false;
      log.info("main_loop.stop", "Main loop stopped.", { loop: this.name });
    }
  }
}

/**
 * The budget of one request: the loop's limits under the request's own, with the deadline. None
 * when there is neither a limit nor a deadline.
 */
function requestBudget(
  loopLimits: MainLoopConfig["budget"],
  requestLimits: ExecuteOptions["budget"],
  deadline: Deadline | undefined,
): Budget | undefined {
  const limits = { ...(loopLimits ?? {}), ...(requestLimits ?? {}) };
  const hasLimits = Object.values(limits).some((v) => v !== undefined);
  return deadline || hasLimits ? new Budget({ ...limits, ...(deadline ? { deadline } : {}) }) : undefined;
}

/**
 * Phase timings for whoever asked (a debug bundle's metrics): each call of the returned function
 * reports to `options.onPhase` the time since the previous one (or since this call).
 */
function phaseTimer(
  clock: Clock,
  options: ExecuteOptions,
): (name: "prepare" | "evaluate" | "finalize") => void {
  let mark = clock.monotonic();
  return (name) => {
    if (!options.onPhase) return;
    const now = clock.monotonic();
    options.onPhase(name, now - mark);
    mark = now;
  };
}
