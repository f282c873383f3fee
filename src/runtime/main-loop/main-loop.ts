/**
 * MainLoop: the worker that turns queued requests into agent evaluations.
 *
 * For each message it validates the envelope, builds a run context, keeps the lease alive while
 * the worker beats, lets the subclass `prepare` a prompt, evaluates it (re-rendering when the
 * model opens summarized sections), replies with a {@link MainLoopResult}, and only then
 * acknowledges. Failures follow the DLQ policy: retry with backoff, or dead-letter with every
 * detail; a malformed envelope is dead-lettered at once. Nothing is dropped silently.
 *
 * @example
 * ```ts nocheck
 * class ReviewLoop extends MainLoop<ReviewRequest, Review> {
 *   prepare(request: ReviewRequest) {
 *     return new Prompt(reviewTemplate).bind({ request: { change: request.change } });
 *   }
 * }
 * const loop = new ReviewLoop({ adapter, requests, requestSchema: ReviewRequest });
 * await loop.run({ signal });
 * ```
 */

import { hostname } from "node:os";
import type { z } from "zod";
import type { PromptResponse, ProviderAdapter } from "../../adapters/types.js";
import { Budget, type BudgetLimits, BudgetTracker } from "../../budget.js";
import { type Clock, SYSTEM_CLOCK } from "../../clock.js";
import { Deadline } from "../../deadline.js";
import { type BundleConfig, resolveBundleConfig } from "../../debug/bundle.js";
import { VisibilityExpansionRequired, WinkError } from "../../errors.js";
import { applyVisibilityExpansion, type EvaluablePrompt } from "../../prompt/index.js";
import type { ResourceRegistry } from "../../resources/index.js";
import { createRunContext, type RunContext } from "../../run-context.js";
import type { Dispatcher } from "../events/index.js";
import { LeaseExtender, type LeaseExtenderConfig, type MessageLease } from "../lease-extender.js";
import { Heartbeat } from "../lifecycle/heartbeat.js";
import type { Runnable, RunOptions } from "../lifecycle/runnable.js";
import { getLogger } from "../logging/index.js";
import type { DLQPolicy } from "../mailbox/dlq.js";
import type { Mailbox, Message } from "../mailbox/types.js";
import { Session } from "../session/index.js";
import { MessageHandler } from "./handler.js";
import { holdProcessOpen } from "./keep-alive.js";
import { type MainLoopRequest, type MainLoopResult, mainLoopRequestSchema } from "./types.js";

const log = getLogger("weakincentives.runtime.main_loop");

/** Defaults every request of a loop inherits (a request's own fields win). */
export interface MainLoopConfig {
  /** Seconds a request may run when it names no deadline. */
  readonly deadlineSeconds?: number;
  /** Token limits for every request. */
  readonly budget?: Omit<BudgetLimits, "deadline">;
  /** Resources for tools, over each prompt's own. */
  readonly resources?: ResourceRegistry;
  /** Shared by every session the loop creates, so one subscriber sees every request's events. */
  readonly dispatcher?: Dispatcher;
  /** Lease extension on heartbeats (default on: every 60 s by 300 s); `false` turns it off. */
  readonly leaseExtender?: LeaseExtenderConfig | false;
  /** Where poison messages go; without one, a failed request gets an error reply and is acknowledged. */
  readonly dlq?: DLQPolicy;
  /** Requests processed at once (default 1). */
  readonly concurrency?: number;
  /**
   * Messages taken per receive, 1–10. Default: as many as there are free slots, so nothing waits
   * locally where other workers cannot take it. A larger value prefetches into a local buffer.
   */
  readonly batchSize?: number;
  /** Seconds a received message stays invisible (default 300). */
  readonly visibilityTimeout?: number;
  /** Long-poll seconds per receive (default 20). */
  readonly waitTimeSeconds?: number;
  /** Most re-renders for sections the model opens, per request (default 16). */
  readonly maxVisibilityExpansions?: number;
  /**
   * Write a debug bundle per request (success or failure) under `debugBundle.target`; the reply
   * carries its `bundlePath`. A bundle that cannot be written is logged
   * (`main_loop.bundle_failed`) and never fails the request. The workspace is captured only when
   * `resources` binds a `Filesystem` instance under `FilesystemKey` (factories are not opened).
   */
  readonly debugBundle?: BundleConfig;
}

/** Constructor options of {@link MainLoop}. */
export interface MainLoopOptions<Req, Out> {
  readonly adapter: ProviderAdapter;
  /** The queue of {@link MainLoopRequest}s; replies go to each message's reply address. */
  readonly requests: Mailbox<unknown, import("./types.js").MainLoopResult<Out>>;
  /** Schema of the request payload; envelopes whose payload fails it are dead-lettered. */
  readonly requestSchema: z.ZodType<Req>;
  readonly config?: MainLoopConfig;
  /** Name in logs, metrics and watchdog messages (default the class name). */
  readonly name?: string;
  /** Default `hostname-pid`. */
  readonly workerId?: string;
  readonly clock?: Clock;
  /** Default: a new heartbeat (on its own board; the watchdog reads every loop's board). */
  readonly heartbeat?: Heartbeat;
}

/** What `prepare` can use. */
export interface PrepareContext {
  /** A fresh session on the loop's dispatcher; return another in `{ prompt, session }` to replace it. */
  readonly session: Session;
  readonly requestId: string;
  readonly runContext: RunContext;
}

/** What `prepare` returns: the bound prompt, optionally with its own session. */
export type Prepared<Out> =
  | EvaluablePrompt<Out>
  | { readonly prompt: EvaluablePrompt<Out>; readonly session?: Session };

/** Options of {@link MainLoop.execute}. */
export interface ExecuteOptions {
  readonly requestId?: string;
  readonly runContext?: RunContext;
  readonly deadline?: Deadline;
  readonly budget?: Omit<BudgetLimits, "deadline">;
  readonly signal?: AbortSignal;
  /** Called on every step of the evaluation (default: the loop's heartbeat). */
  readonly heartbeat?: () => void;
}

/** A queue worker that evaluates one agent definition per request. Subclass and implement `prepare`. */
export abstract class MainLoop<Req, Out> implements Runnable {
  readonly name: string;
  readonly adapter: ProviderAdapter;
  readonly requests: Mailbox<unknown, import("./types.js").MainLoopResult<Out>>;
  readonly config: MainLoopConfig;
  readonly workerId: string;
  readonly heartbeat: Heartbeat;
  readonly clock: Clock;
  /** Zod schema of the whole envelope. */
  readonly envelopeSchema: z.ZodType<MainLoopRequest<Req>>;
  private active = false;
  private readonly handler: MessageHandler<Req, Out>;
  private readonly lease: LeaseExtender | undefined;

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
    this.handler = new MessageHandler(this);
  }

  /** Build the prompt for one request (bind its params, add resources). */
  abstract prepare(request: Req, context: PrepareContext): Prepared<Out> | Promise<Prepared<Out>>;

  /** Runs after a successful evaluation, before the reply (e.g. to persist results). */
  finalize(
    _prompt: EvaluablePrompt<Out>,
    _session: Session,
    _response: PromptResponse<Out>,
  ): void | Promise<void> {}

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
    const limits = { ...(this.config.budget ?? {}), ...(options.budget ?? {}) };
    const hasLimits = Object.values(limits).some((v) => v !== undefined);
    const budget =
      deadline || hasLimits ? new Budget({ ...limits, ...(deadline ? { deadline } : {}) }) : undefined;
    const tracker = budget ? new BudgetTracker(budget) : undefined;
    let session = new Session({
      ...(this.config.dispatcher ? { dispatcher: this.config.dispatcher } : {}),
      clock: this.clock,
      tags: { requestId, loop: this.name },
    });
    const prepared = await this.prepare(request, {
      session,
      requestId,
      runContext: { ...runContext, sessionId: session.sessionId },
    });
    const prompt = "prompt" in prepared ? prepared.prompt : prepared;
    if ("prompt" in prepared && prepared.session) session = prepared.session;
    const limit = this.config.maxVisibilityExpansions ?? 16;
    for (let expansions = 0; ; expansions++) {
      try {
        const response = await this.adapter.evaluate(prompt, {
          session,
          heartbeat: options.heartbeat ?? (() => this.heartbeat.beat()),
          runContext: { ...runContext, sessionId: session.sessionId },
          ...(deadline ? { deadline } : {}),
          ...(budget ? { budget } : {}),
          ...(tracker ? { budgetTracker: tracker } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(this.config.resources ? { resources: this.config.resources } : {}),
        });
        await this.finalize(prompt, session, response);
        return { response, session };
      } catch (error) {
        if (!(error instanceof VisibilityExpansionRequired) || expansions >= limit) throw error;
        log.info("main_loop.visibility_expansion", "The model opened sections; evaluating again.", {
          requestId,
          sections: error.sectionKeys.join(","),
        });
        applyVisibilityExpansion(session, error);
      }
    }
  }

  /**
   * Consume the requests mailbox until `signal` aborts (or after `maxIterations` receives, once
   * what they brought is done). Receives up to `batchSize` messages at a time and keeps up to
   * `concurrency` in flight; the rest wait in a local buffer. On abort it stops receiving, at once
   * returns every buffered (received but unstarted) message to the queue with visibility 0, lets
   * the in-flight requests finish, then resolves.
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
    const signal = options.signal;
    // The loop's own settings win over the group-wide defaults LoopGroup passes in.
    const visibilityTimeout = this.config.visibilityTimeout ?? options.visibilityTimeout ?? 300;
    const waitTimeSeconds = this.config.waitTimeSeconds ?? options.waitTimeSeconds ?? 20;
    const concurrency = this.config.concurrency ?? 1;
    const batchSize = this.config.batchSize ?? concurrency;
    const inflight = new Set<Promise<void>>();
    const buffer: Buffered<Out>[] = [];
    const wakeup = new Wakeup(signal);
    const start = (item: Buffered<Out>): void => {
      item.detachFromLoop();
      const task: Promise<void> = this.handler.handle(item.message, item.lease).finally(() => {
        inflight.delete(task);
        this.heartbeat.beat();
        wakeup.wake();
      });
      inflight.add(task);
    };
    log.info("main_loop.start", "Main loop started.", {
      loop: this.name,
      mailbox: this.requests.name,
      concurrency,
      batchSize,
    });
    try {
      let receives = 0;
      let idle = false;
      while (!signal?.aborted) {
        while (inflight.size < concurrency && buffer.length > 0) {
          const item = buffer.shift() as Buffered<Out>;
          // Its lease ran out while it waited: another worker may already have it. Don't run it.
          if (item.lease.expired()) this.dropExpired(item);
          else start(item);
        }
        const mayReceive =
          (options.maxIterations === undefined || receives < options.maxIterations) && !this.requests.closed;
        if (buffer.length === 0 && inflight.size < concurrency && mayReceive) {
          // Without a long poll an empty queue would make this a busy loop that starves timers,
          // probes and signal handlers: pause between empty receives.
          if (idle && waitTimeSeconds === 0) await this.clock.sleep(IDLE_POLL_MS, signal).catch(() => {});
          if (signal?.aborted) break;
          receives++;
          this.heartbeat.beat();
          // Take only what can start now unless a larger batch was asked for: messages waiting in
          // a local buffer are messages other workers cannot take.
          const want = this.config.batchSize ?? concurrency - inflight.size;
          const received = await this.receive(want, visibilityTimeout, waitTimeSeconds, signal);
          this.heartbeat.beat();
          idle = received.length === 0;
          for (const message of received) buffer.push(this.buffered(message, visibilityTimeout));
          continue;
        }
        if (inflight.size === 0 && buffer.length === 0) break;
        await wakeup.next();
      }
      for (const item of buffer.splice(0)) {
        item.detachFromLoop();
        item.lease.release();
        await this.handler.returnUnstarted(item.message);
      }
      await Promise.all(inflight);
    } finally {
      wakeup.dispose();
      release();
      this.active = false;
      log.info("main_loop.stop", "Main loop stopped.", { loop: this.name });
    }
  }

  private dropExpired(item: Buffered<Out>): void {
    item.detachFromLoop();
    item.lease.release();
    log.warning(
      "main_loop.lease_expired_in_buffer",
      "A buffered message's lease ran out before it started; leaving it to its next delivery.",
      {
        loop: this.name,
        messageId: item.message.id,
      },
    );
  }

  /** A received message waiting for a free slot: its lease follows the loop's heartbeat meanwhile. */
  private buffered(message: Message<unknown, MainLoopResult<Out>>, visibilityTimeout: number): Buffered<Out> {
    const lease =
      this.lease?.track(message, { visibilityTimeout, receivedAtMs: this.clock.monotonic() }) ?? NO_LEASE;
    const detachFromLoop = this.heartbeat.onBeat(() => lease.beat());
    return { message, lease, detachFromLoop };
  }

  private async receive(
    free: number,
    visibilityTimeout: number,
    waitTimeSeconds: number,
    signal?: AbortSignal,
  ) {
    try {
      return await this.requests.receive({
        maxMessages: Math.min(free, 10),
        visibilityTimeout,
        waitTimeSeconds,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      log.error("main_loop.receive_failed", "Receiving from the requests mailbox failed; retrying in 1 s.", {
        mailbox: this.requests.name,
        error,
      });
      await this.clock.sleep(1_000, signal).catch(() => {});
      return [];
    }
  }
}

/** How long an idle loop without a long poll waits between receives. */
const IDLE_POLL_MS = 1_000;

const NO_LEASE: MessageLease = Object.freeze({ beat: () => {}, release: () => {}, expired: () => false });

interface Buffered<Out> {
  readonly message: Message<unknown, MainLoopResult<Out>>;
  readonly lease: MessageLease;
  readonly detachFromLoop: () => void;
}

/**
 * One pending wake-up at a time, resolved by a finished task or by abort. (Racing the in-flight
 * tasks against a never-settling abort promise would add a reaction per iteration and leak.)
 */
class Wakeup {
  private resolve: (() => void) | undefined;
  private readonly onAbort = (): void => this.wake();

  constructor(private readonly signal: AbortSignal | undefined) {
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  /** Resolves at the next wake (at once when already aborted). */
  next(): Promise<void> {
    if (this.signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
    });
  }

  wake(): void {
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.();
  }

  dispose(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
    this.wake();
  }
}
