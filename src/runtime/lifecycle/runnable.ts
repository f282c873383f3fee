/**
 * What LoopGroup runs: long-lived loops (MainLoop, EvalLoop, DLQ consumers) that stop when their
 * signal aborts and prove they are alive through a heartbeat.
 */

import type { Mailbox } from "../mailbox/types.js";
import type { Heartbeat } from "./heartbeat.js";

/** How a loop is asked to run. */
export interface RunOptions {
  /** Aborting it asks the loop to stop: finish in-flight work, return unstarted messages. */
  readonly signal?: AbortSignal;
  /** Stop after this many receive iterations (tests and batch jobs). */
  readonly maxIterations?: number;
  /** Seconds a received message stays invisible (mailbox receive). */
  readonly visibilityTimeout?: number;
  /** Long-poll seconds per receive. */
  readonly waitTimeSeconds?: number;
}

/** A loop LoopGroup can supervise. */
export interface Runnable {
  /** Used in logs, metrics and watchdog messages. */
  readonly name: string;
  /** True from the start of `run` until it returns. */
  readonly running: boolean;
  /** Beats at every step; the watchdog and readiness read it. */
  readonly heartbeat: Heartbeat;
  /** The queue the loop consumes, when it has one (for the mailbox-depth metric). */
  readonly requests?: Mailbox<unknown>;
  /** Run until the signal aborts (or `maxIterations`), then resolve. */
  run(options?: RunOptions): Promise<void>;
}
