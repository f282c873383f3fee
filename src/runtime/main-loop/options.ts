/** The options and hook types of `MainLoop`. */

import type { z } from "zod";
import type { EvaluateOptions, PromptResponse, ProviderAdapter } from "../../adapters/types.js";
import type { BudgetLimits } from "../../budget.js";
import type { Clock } from "../../clock.js";
import type { Deadline } from "../../deadline.js";
import type { BundleConfig } from "../../debug/bundle.js";
import type { Dispatcher } from "../../events/index.js";
import type { Experiment } from "../../experiment.js";
import type { EvaluablePrompt } from "../../prompt/index.js";
import type { ResourceRegistry } from "../../resources/index.js";
import type { RunContext } from "../../run-context.js";
import type { Session } from "../../session/index.js";
import type { Heartbeat } from "../lifecycle/heartbeat.js";
import type { DLQPolicy } from "../mailbox/dlq.js";
import type { Mailbox } from "../mailbox/types.js";
import type { CheckpointConfig } from "./checkpointing.js";
import type { RequestInterruptedError } from "./interrupted.js";
import type { LeaseExtenderConfig } from "./lease-extender.js";
import type { MainLoopResult } from "./types.js";

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
  /**
   * Resume instead of restart: each evaluation saves its progress (conversation, session, tool
   * calls done) to `checkpoints.store` after every model turn and tool call, and a request
   * redelivered after its worker died goes on from there — finished tool calls are not run again.
   * Needs an adapter whose driver can restore a conversation (OpenAI, both APIs, and Anthropic);
   * others start over, as before.
   */
  readonly checkpoints?: CheckpointConfig;
}

/** What `prepare` can use. */
export interface PrepareContext {
  /** A fresh session on the loop's dispatcher; return another in `{ prompt, session }` to replace it. */
  readonly session: Session;
  readonly requestId: string;
  readonly runContext: RunContext;
  /**
   * The variant the request asks for, if any: build the prompt with its overrides tag
   * (`new Prompt(template, { overridesStore, overridesTag: experiment?.overridesTag })`) and read
   * its flags.
   */
  readonly experiment?: Experiment;
}

/** What `prepare` returns: the bound prompt, optionally with its own session. */
export type Prepared<Out> =
  | EvaluablePrompt<Out>
  | { readonly prompt: EvaluablePrompt<Out>; readonly session?: Session };

/** Builds the prompt for one request (binds its params, adds resources). */
export type PrepareFn<Req, Out> = (
  request: Req,
  context: PrepareContext,
) => Prepared<Out> | Promise<Prepared<Out>>;

/** Runs after a successful evaluation, before the reply (e.g. to persist results). */
export type FinalizeFn<Out> = (
  prompt: EvaluablePrompt<Out>,
  session: Session,
  response: PromptResponse<Out>,
) => void | Promise<void>;

/** Constructor options of `MainLoop`. */
export interface MainLoopOptions<Req, Out> {
  readonly adapter: ProviderAdapter;
  /** The queue of `MainLoopRequest`s; replies go to each message's reply address. */
  readonly requests: Mailbox<unknown, MainLoopResult<NoInfer<Out>>>;
  /** Schema of the request payload; envelopes whose payload fails it are dead-lettered. */
  readonly requestSchema: z.ZodType<Req>;
  /**
   * Builds the prompt for each request. Required unless a subclass implements `prepare`; the
   * request and output types are inferred from `requestSchema` and what this returns.
   */
  readonly prepare?: PrepareFn<NoInfer<Req>, Out>;
  /** Runs after each successful evaluation, before the reply. */
  readonly finalize?: FinalizeFn<NoInfer<Out>>;
  readonly config?: MainLoopConfig;
  /** Name in logs, metrics and watchdog messages (default the class name). */
  readonly name?: string;
  /** Default `hostname-pid`. */
  readonly workerId?: string;
  readonly clock?: Clock;
  /** Default: a new heartbeat (on its own board; the watchdog reads every loop's board). */
  readonly heartbeat?: Heartbeat;
}

/** Options of `MainLoop.execute`. */
export interface ExecuteOptions {
  readonly requestId?: string;
  readonly runContext?: RunContext;
  readonly deadline?: Deadline;
  readonly budget?: Omit<BudgetLimits, "deadline">;
  readonly signal?: AbortSignal;
  /**
   * Aborts when the worker starts shutting down (MainLoop passes its run's signal). Unlike
   * `signal`, it cancels nothing: the evaluation still runs to completion. Work that would only
   * wait and can be redone elsewhere (an eval trial's pause before a retry) stops and throws
   * {@link RequestInterruptedError}, and the message goes back to the queue.
   */
  readonly stopping?: AbortSignal;
  /** Called on every step of the evaluation (default: the loop's heartbeat). */
  readonly heartbeat?: () => void;
  /**
   * Called once the request's session is known (after `prepare`, before the evaluation), so a
   * caller keeps it even when the evaluation fails (MainLoop's debug bundles do).
   */
  readonly onSession?: (session: Session) => void;
  /** Passed to the adapter: runs before each evaluation's resources close (see `EvaluateOptions`). */
  readonly beforeRelease?: EvaluateOptions["beforeRelease"];
  /** Called with the time (ms) of each phase as it ends: prepare, evaluate (success or not), finalize. */
  readonly onPhase?: (phase: "prepare" | "evaluate" | "finalize", ms: number) => void;
  /** Called when the evaluation ends (success or not) with the request's budget, when it has one. */
  readonly onBudget?: (state: BudgetState) => void;
  /**
   * Called when the agent failed but the request still has a result to reply with (an eval trial
   * scores the failure): the debug bundle then holds the failure (`request/error.json`, status
   * `error`) beside that result (`request/output.json`).
   */
  readonly onFailure?: (error: unknown) => void;
  /** The delivery count of the message being handled (recorded in checkpoints). Default 1. */
  readonly attempt?: number;
  /** The variant to run, passed to `prepare` (and tagged on the session). */
  readonly experiment?: Experiment;
}

/** A request's budget when its evaluation ended: its limits and what was used. */
export interface BudgetState {
  readonly limits: {
    readonly maxTotalTokens?: number;
    readonly maxInputTokens?: number;
    readonly maxOutputTokens?: number;
    /** The dollar limit. */
    readonly maxUsd?: number;
    /** The deadline, ISO 8601. */
    readonly deadline?: string;
  };
  readonly consumed: {
    readonly inputTokens?: number;
    readonly outputTokens?: number;
    readonly cachedTokens?: number;
    readonly cacheWriteTokens?: number;
    readonly totalTokens: number;
  };
  /** Dollars spent, when the model's price is known. */
  readonly consumedUsd?: number;
}
