/**
 * Builds the code-review worker: a MainLoop on a requests mailbox, supervised by a LoopGroup
 * that serves `/health/live`, `/health/ready` and `/metrics`, runs the watchdog and shuts down
 * gracefully on SIGTERM. `main.ts` runs it with an in-process client; tests run it in a child
 * process.
 */
import type { ProviderAdapter } from "weakincentives/adapters";
import type { AgentConfig } from "weakincentives/config";
import type { BundleConfig } from "weakincentives/debug";
import {
  type DeadLetter,
  DLQPolicy,
  InMemoryMailbox,
  InProcessDispatcher,
  LoopGroup,
  type Mailbox,
  MainLoop,
  type MainLoopResult,
} from "weakincentives/runtime";
import { prepareReview, ReviewRequest } from "./loop.js";

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  readonly adapter: ProviderAdapter;
  readonly config: AgentConfig;
  /** The requests queue (default: an in-memory one named "reviews"). */
  readonly requests?: Mailbox<unknown, MainLoopResult<unknown>>;
  /**
   * Where poison requests go (default: an in-memory "reviews-dlq"); `null` for no DLQ policy (an
   * SQS queue's own redrive policy then moves poison messages after its maxReceiveCount).
   */
  readonly deadLetters?: Mailbox<DeadLetter> | null;
  /** Messages per receive (default: the configured concurrency). */
  readonly batchSize?: number;
  /** Token limits for every request (default: none beyond the deadline). */
  readonly budget?: { readonly maxTotalTokens?: number };
  /** Write a debug bundle per request (default: none). */
  readonly debugBundle?: BundleConfig;
}

/** The worker's parts, not yet running: call `group.run()`. */
export function createWorker(options: WorkerOptions) {
  const { config } = options;
  const dispatcher = new InProcessDispatcher();
  const requests =
    options.requests ?? new InMemoryMailbox<unknown, MainLoopResult<unknown>>({ name: "reviews" });
  const deadLetters =
    options.deadLetters === null
      ? undefined
      : (options.deadLetters ?? new InMemoryMailbox<DeadLetter>({ name: "reviews-dlq" }));
  const loop = new MainLoop({
    name: "reviews",
    adapter: options.adapter,
    requests,
    requestSchema: ReviewRequest,
    prepare: prepareReview,
    config: {
      dispatcher,
      concurrency: config.concurrency,
      batchSize: options.batchSize ?? Math.min(config.concurrency, 10),
      deadlineSeconds: config.maxProcessingSeconds,
      ...(options.budget ? { budget: options.budget } : {}),
      ...(options.debugBundle ? { debugBundle: options.debugBundle } : {}),
      ...(deadLetters ? { dlq: new DLQPolicy({ mailbox: deadLetters, maxDeliveryCount: 5 }) } : {}),
    },
  });
  const group = new LoopGroup({
    loops: [loop],
    dispatcher,
    healthPort: config.healthPort,
    watchdogThreshold: config.watchdogThreshold,
    watchdogInterval: config.watchdogInterval,
    shutdownTimeout: config.shutdownTimeout,
    visibilityTimeout: config.visibilityTimeout,
    waitTimeSeconds: config.waitTimeSeconds,
  });
  return { group, loop, requests, deadLetters, dispatcher };
}
