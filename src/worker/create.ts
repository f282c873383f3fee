/**
 * `createWorker`: one {@link AgentConfig} and an agent's loops in, a ready worker out — the
 * adapter, a MainLoop per loop on its queue with a dead-letter queue, one dispatcher for every
 * session and `/metrics`, and the LoopGroup that serves the probes, runs the watchdog and shuts
 * down on SIGTERM. It is what `wink worker` and the container image run.
 *
 * @example
 * ```ts
 * import { AgentConfig } from "weakincentives/config";
 * import { type AgentLoop, createWorker } from "weakincentives/worker";
 *
 * declare const reviews: AgentLoop; // defineLoop({ name, requestSchema, prepare })
 * const config = AgentConfig.fromEnv(process.env, { calibration: "refuse" });
 * const worker = await createWorker({ config, loops: [reviews] });
 * await worker.run(); // until SIGTERM or SIGINT; closes its mailboxes after
 * ```
 */

import type { ProviderAdapter } from "../adapters/types.js";
import type { AgentConfig } from "../config/agent.js";
import { ConfigError } from "../config/load.js";
import { mailboxKind, openMailbox } from "../contrib/mailbox/index.js";
import type { BundleConfig, RetentionPolicy } from "../debug/index.js";
import { WinkError } from "../errors.js";
import { type EvaluationDefinition, evaluatedLoop } from "../evals/definition.js";
import { type EvalAgent, EvalLoop } from "../evals/eval-loop.js";
import type { EvalResult } from "../evals/run.js";
import { InProcessDispatcher } from "../events/index.js";
import { getLogger } from "../logging/index.js";
import { LoopGroup } from "../runtime/lifecycle/index.js";
import { type DeadLetter, DLQPolicy, type Mailbox } from "../runtime/mailbox/index.js";
import {
  type FinalizeFn,
  MainLoop,
  type MainLoopConfig,
  type MainLoopResult,
  type PrepareContext,
} from "../runtime/main-loop/index.js";
import type { AgentLoop } from "./agent.js";
import { adapterFromConfig, type ChosenAdapter } from "./model.js";

const log = getLogger("weakincentives.worker");

/** Deliveries before a failing request is dead-lettered. */
const MAX_DELIVERIES = 5;

/** The requests queue of a loop. */
export type RequestsMailbox = Mailbox<unknown, MainLoopResult<unknown>>;

/** The settings {@link createWorker} reads. */
export type WorkerConfig = Pick<
  AgentConfig,
  | "concurrency"
  | "maxProcessingSeconds"
  | "maxTotalTokens"
  | "debugBundlePath"
  | "debugBundleMaxCount"
  | "debugBundleMaxAgeSeconds"
  | "debugBundleMaxBytes"
  | "mailbox"
  | "healthPort"
  | "watchdogThreshold"
  | "watchdogInterval"
  | "shutdownTimeout"
  | "visibilityTimeout"
  | "waitTimeSeconds"
> &
  Parameters<typeof adapterFromConfig>[0];

/** Options of {@link createWorker}. */
export interface CreateWorkerOptions {
  readonly config: WorkerConfig;
  /** The agent's loops (see `defineLoop`); names must be distinct. */
  readonly loops: readonly AgentLoop[];
  /** Default: chosen from `config` by `adapterFromConfig` (and described in the start-up log). */
  readonly adapter?: ProviderAdapter;
  /**
   * The requests queue of a one-loop worker, already open (an in-memory queue in a demo or a
   * test). Default: opened from `config.mailbox` (`WINK_MAILBOX`), which is then required.
   */
  readonly requests?: RequestsMailbox;
  /**
   * Where the loops' poison requests go. Default: a `<queue>-dlq` queue on the same backend for
   * Redis and in-memory queues; none for SQS, whose queue's own redrive policy moves them. `null`:
   * no DLQ policy (a failed request gets an error reply and is acknowledged).
   */
  readonly deadLetters?: Mailbox<DeadLetter> | null;
  /** Listen to SIGTERM/SIGINT while running. Default true. */
  readonly installSignals?: boolean;
  /**
   * Serve evaluations instead of requests: the loop `evaluation` names (or the only one) runs as
   * an `EvalLoop` — its messages are trials `submitDataset` or `wink eval --mailbox` sends, its
   * replies scored results — and the other loops are not served (`wink worker --evals`).
   */
  readonly evaluation?: EvaluationDefinition;
}

/** One loop of a worker and the queues it uses. */
export interface WorkerLoop {
  readonly loop: MainLoop<unknown, unknown>;
  readonly requests: RequestsMailbox;
  readonly deadLetters: Mailbox<DeadLetter> | undefined;
}

/** A worker, built and not yet running. */
export interface Worker {
  readonly group: LoopGroup;
  readonly loops: readonly WorkerLoop[];
  /** Every loop's sessions publish here; the group counts it into `/metrics`. */
  readonly dispatcher: InProcessDispatcher;
  readonly adapter: ProviderAdapter;
  /** Which model the adapter talks to, for the start-up log. */
  readonly description: string;
  /** Run until SIGTERM or SIGINT (or `group.shutdown()`), then close the mailboxes it opened. */
  run(): Promise<void>;
  /** Close the mailboxes the worker opened (not those it was given). Safe to repeat. */
  close(): Promise<void>;
}

function queueUrl(options: CreateWorkerOptions): string {
  const url = options.config.mailbox;
  if (url) return url;
  throw new ConfigError([
    {
      variable: "WINK_MAILBOX",
      problem: "missing",
      message:
        "WINK_MAILBOX is not set: the worker needs a queue to serve. Set it to redis://HOST:6379/0?queue=reviews " +
        "or https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE.",
    },
  ]);
}

/** Loops with no queue of their own share the URL's; only one may. */
function checkQueues(loops: readonly AgentLoop[], given: boolean): void {
  const shared = loops.filter((loop) => loop.queue === undefined).map((loop) => loop.name);
  if (given && loops.length !== 1) {
    throw new WinkError(
      "invalid_config",
      `createWorker was given one requests mailbox but ${loops.length} loops. Give each loop a queue and pass no requests mailbox.`,
    );
  }
  if (shared.length > 1) {
    throw new WinkError(
      "invalid_config",
      `Loops ${shared.map((n) => `"${n}"`).join(", ")} all serve WINK_MAILBOX's queue. Give all but one of them a queue of their own (queue: "…").`,
    );
  }
}

/** The queues of one served loop, before its MainLoop is built. */
type LoopQueues = Omit<WorkerLoop, "loop">;

/**
 * Open each served loop's requests queue (unless one was given) and dead-letter queue, recording
 * each in `opened`. A queue that cannot be opened fails the start: those that were are closed,
 * then the error is rethrown.
 */
async function openQueues(
  options: CreateWorkerOptions,
  opened: Array<{ close(): Promise<void> }>,
): Promise<LoopQueues[]> {
  try {
    const queues: LoopQueues[] = [];
    for (const agentLoop of options.loops) queues.push(await openLoopQueues(options, agentLoop, opened));
    return queues;
  } catch (error) {
    await Promise.allSettled(opened.map((m) => m.close()));
    throw error;
  }
}

/**
 * One loop's queues: the given requests mailbox or one opened from `WINK_MAILBOX`, and its
 * `<queue>-dlq` unless dead letters were given (or disabled) or the queue is SQS.
 */
async function openLoopQueues(
  options: CreateWorkerOptions,
  agentLoop: AgentLoop,
  opened: Array<{ close(): Promise<void> }>,
): Promise<LoopQueues> {
  let requests = options.requests;
  let url: string | undefined;
  if (requests === undefined) {
    url = queueUrl(options);
    requests = await openMailbox<unknown, MainLoopResult<unknown>>(url, {
      ...(agentLoop.queue ? { name: agentLoop.queue } : {}),
    });
    opened.push(requests);
  }
  let deadLetters = options.deadLetters === null ? undefined : options.deadLetters;
  if (options.deadLetters === undefined && (url === undefined || mailboxKind(url) !== "sqs")) {
    const name = `${requests.name}-dlq`;
    deadLetters = await openMailbox<DeadLetter>(url ?? `memory://${name}`, { name, ttlSeconds: 0 });
    opened.push(deadLetters);
  }
  return { requests, deadLetters };
}

/** Where the worker's bundles go, and how many it keeps (`DEBUG_BUNDLE_MAX_*`). */
function bundleConfig(config: WorkerConfig, target: string): BundleConfig {
  const retention: RetentionPolicy = {
    ...(config.debugBundleMaxCount === undefined ? {} : { maxBundles: config.debugBundleMaxCount }),
    ...(config.debugBundleMaxAgeSeconds === undefined
      ? {}
      : { maxAgeSeconds: config.debugBundleMaxAgeSeconds }),
    ...(config.debugBundleMaxBytes === undefined ? {} : { maxTotalBytes: config.debugBundleMaxBytes }),
  };
  return Object.keys(retention).length > 0 ? { target, retention } : { target };
}

function loopConfig(
  config: WorkerConfig,
  maxUsd: number | undefined,
  agentLoop: AgentLoop,
  dispatcher: InProcessDispatcher,
  deadLetters: Mailbox<DeadLetter> | undefined,
): MainLoopConfig {
  return {
    dispatcher,
    concurrency: config.concurrency,
    batchSize: Math.min(config.concurrency, 10),
    deadlineSeconds: config.maxProcessingSeconds,
    budget: { maxTotalTokens: config.maxTotalTokens, ...(maxUsd === undefined ? {} : { maxUsd }) },
    ...(config.debugBundlePath ? { debugBundle: bundleConfig(config, config.debugBundlePath) } : {}),
    ...(deadLetters
      ? { dlq: new DLQPolicy({ mailbox: deadLetters, maxDeliveryCount: MAX_DELIVERIES }) }
      : {}),
    ...agentLoop.config,
  };
}

/**
 * Build a worker: the adapter, one MainLoop per agent loop on its queue, dead-letter queues and
 * the LoopGroup. Opens the mailboxes (a broker that is down is retried by the loops, not here).
 *
 * @throws ConfigError when `WINK_MAILBOX` is needed and unset, or no model is configured.
 * @throws WinkError `invalid_config` when loops share a queue or a name.
 */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { config } = options;
  options = { ...options, loops: servedLoops(options) };
  checkQueues(options.loops, options.requests !== undefined);
  const chosen = options.adapter ? givenAdapter(options.adapter, config) : await adapterFromConfig(config);
  const opened: Array<{ close(): Promise<void> }> = [];
  const queues = await openQueues(options, opened);
  const dispatcher = new InProcessDispatcher();
  const loops: WorkerLoop[] = options.loops.map((agentLoop, index) => {
    const { requests, deadLetters } = queues[index] as LoopQueues;
    const loopSettings = loopConfig(config, chosen.maxUsd, agentLoop, dispatcher, deadLetters);
    const loop = mainLoopOf(agentLoop, requests, chosen.adapter, loopSettings, options.evaluation);
    return { loop, requests, deadLetters };
  });
  const group = loopGroup(options, loops, dispatcher);
  const close = closeOnce(opened);
  logCreated(chosen.description, loops);
  return {
    group,
    loops,
    dispatcher,
    adapter: chosen.adapter,
    description: chosen.description,
    run: async () => {
      try {
        await group.run();
      } finally {
        await close();
      }
    },
    close,
  };
}

/** The loops the worker serves: all of them, or in eval mode only the evaluated one. */
function servedLoops(options: CreateWorkerOptions): readonly AgentLoop[] {
  // In eval mode the loop serves WINK_MAILBOX's queue, never its own production queue: a
  // request there would fail the eval envelope and be dead-lettered.
  return options.evaluation
    ? [{ ...evaluatedLoop(options.loops, options.evaluation, "createWorker"), queue: undefined }]
    : options.loops;
}

/**
 * The adapter the caller gave, described by its name. It is priced by its own options: only an
 * explicit AGENT_MAX_BUDGET_USD applies.
 */
function givenAdapter(adapter: ProviderAdapter, config: WorkerConfig): ChosenAdapter {
  return { adapter, description: adapter.name, maxUsd: config.maxBudgetUsd };
}

/** The agent as MainLoop and EvalLoop take it: its schema, `prepare`, and `finalize` when it has one. */
function agentOf(agentLoop: AgentLoop): EvalAgent<unknown, unknown> {
  return {
    requestSchema: agentLoop.requestSchema,
    prepare: (request: unknown, context: PrepareContext) => agentLoop.prepare(request, context),
    ...(agentLoop.finalize
      ? {
          finalize: (...args: Parameters<FinalizeFn<unknown>>) => agentLoop.finalize?.(...args),
        }
      : {}),
  };
}

/** The MainLoop serving one agent loop on `requests`: an EvalLoop when `evaluation` is given. */
function mainLoopOf(
  agentLoop: AgentLoop,
  requests: RequestsMailbox,
  adapter: ProviderAdapter,
  loopSettings: MainLoopConfig,
  evaluation: EvaluationDefinition | undefined,
): MainLoop<unknown, unknown> {
  const agent = agentOf(agentLoop);
  return evaluation
    ? (new EvalLoop({
        name: agentLoop.name,
        adapter,
        requests: requests as Mailbox<unknown, MainLoopResult<EvalResult<unknown>>>,
        agent,
        expected: evaluation.expected,
        evaluator: evaluation.evaluator,
        ...(evaluation.adapterFor ? { adapterFor: (each) => evaluation.adapterFor?.(each) } : {}),
        config: loopSettings,
      }) as unknown as MainLoop<unknown, unknown>)
    : new MainLoop<unknown, unknown>({
        name: agentLoop.name,
        adapter,
        requests,
        ...agent,
        config: loopSettings,
      });
}

/** The LoopGroup running `loops`: health probes, watchdog and shutdown as `config` sets them. */
function loopGroup(
  options: CreateWorkerOptions,
  loops: readonly WorkerLoop[],
  dispatcher: InProcessDispatcher,
): LoopGroup {
  const { config } = options;
  return new LoopGroup({
    loops: loops.map((l) => l.loop),
    dispatcher,
    healthPort: config.healthPort,
    watchdogThreshold: config.watchdogThreshold,
    watchdogInterval: config.watchdogInterval,
    shutdownTimeout: config.shutdownTimeout,
    visibilityTimeout: config.visibilityTimeout,
    waitTimeSeconds: config.waitTimeSeconds,
    ...(options.installSignals === undefined ? {} : { installSignals: options.installSignals }),
  });
}

/** A `close` that closes the `opened` mailboxes on its first call and returns that same promise after. */
function closeOnce(opened: ReadonlyArray<{ close(): Promise<void> }>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  // Closed together: during a broker outage each close waits out its own grace period.
  return (): Promise<void> => {
    closing ??= Promise.all(opened.map((m) => m.close())).then(() => undefined);
    return closing;
  };
}

/** Log `worker.created`: the model and each loop with its queue and dead-letter queue. */
function logCreated(description: string, loops: readonly WorkerLoop[]): void {
  log.info("worker.created", `Worker ready; model: ${description}`, {
    loops: loops.map((l) => ({
      loop: l.loop.name,
      queue: l.requests.name,
      dlq: l.deadLetters?.name ?? null,
    })),
  });
}
