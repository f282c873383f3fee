/**
 * Sending a dataset to `EvalLoop` workers and collecting what they answer: every sample × trial ×
 * experiment becomes one queue message, and the results come back on a reply queue this run
 * alone reads. Redeliveries may answer a trial twice; the first answer counts. A trial with no
 * answer by the timeout (dead-lettered, say) counts as failed, so a run always ends with a report.
 */

import { randomUUID } from "node:crypto";
import { type Clock, SYSTEM_CLOCK } from "../clock.js";
import { WinkError } from "../errors.js";
import type { Experiment } from "../experiment.js";
import { getLogger } from "../logging/index.js";
import type { MainLoopRequest, MainLoopResult } from "../runtime/index.js";
import type { Mailbox, Message } from "../runtime/mailbox/types.js";
import type { Dataset, Sample } from "./dataset.js";
import type { EvalRequest } from "./eval-loop.js";
import { type ExperimentReport, experimentReport, experimentsToRun } from "./experiment.js";
import { type EvalResult, positiveInteger, summarize } from "./run.js";

const log = getLogger("weakincentives.evals");

/** How long another run's reply stays hidden from this collector before it is offered again. */
const OTHER_RUN_BACKOFF_SECONDS = 5;

/** Options of {@link submitDataset}. */
export interface SubmitDatasetOptions<Output> {
  /** The queue the `EvalLoop` workers serve. */
  readonly requests: Mailbox<unknown>;
  /** Where the results come back: a queue only this run reads (its name is the reply address). */
  readonly replies: Mailbox<unknown>;
  /** Baseline first, then variants. Default: the baseline alone. */
  readonly experiments?: readonly Experiment[];
  /** Runs per sample and experiment (default 1). */
  readonly trials?: number;
  /** Seconds to wait for every result (default 3,600); trials still unanswered then fail. */
  readonly timeoutSeconds?: number;
  /** Called after each result, e.g. for a progress bar. */
  readonly onResult?: (result: EvalResult<Output>, done: number, total: number) => void;
  /** Stops waiting: the trials still unanswered fail with "cancelled". */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Prefix of this run's request ids (default a random id); replies of other runs are left alone. */
  readonly runId?: string;
}

interface Trial<Input, Expected> {
  readonly experiment: Experiment;
  readonly sample: Sample<Input, Expected>;
  readonly trial: number;
}

/**
 * Enqueue every trial of `dataset` under each experiment, collect the `EvalLoop`s' results, and
 * report them per experiment with each variant compared to the baseline.
 *
 * @example
 * ```ts nocheck
 * const report = await submitDataset(dataset, {
 *   requests: evalQueue,
 *   replies: new RedisMailbox({ client, name: `eval-results-${runId}` }),
 *   experiments: [BASELINE, experiment("strict", { overridesTag: "strict" })],
 * });
 * console.log(report.comparisons[0]?.passRateDelta);
 * ```
 */
export async function submitDataset<Input, Expected, Output>(
  dataset: Dataset<Input, Expected>,
  options: SubmitDatasetOptions<Output>,
): Promise<ExperimentReport<Output>> {
  const experiments = experimentsToRun(options.experiments);
  const trials = positiveInteger("trials", options.trials ?? 1);
  const timeoutSeconds = options.timeoutSeconds ?? 3_600;
  if (!(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
    throw new WinkError(
      "evaluation_invalid",
      `timeoutSeconds must be a positive number, got ${timeoutSeconds}.`,
    );
  }
  const clock = options.clock ?? SYSTEM_CLOCK;
  const runId = options.runId ?? randomUUID().slice(0, 8);
  const pending = new Map<string, Trial<Input, Expected>>();
  const order: string[] = [];
  for (const each of experiments) {
    for (const sample of dataset.samples) {
      for (let trial = 0; trial < trials; trial++) {
        const requestId = `${runId}:${each.name}:${sample.id}:${trial}`;
        pending.set(requestId, { experiment: each, sample, trial });
        order.push(requestId);
      }
    }
  }
  // Nobody collects after the timeout: the trials' own deadline stops workers spending on them.
  const expires = new Date(clock.epochMs() + timeoutSeconds * 1_000).toISOString();
  for (const requestId of order) {
    const { experiment, sample, trial } = pending.get(requestId) as Trial<Input, Expected>;
    const envelope: MainLoopRequest<EvalRequest<Input, Expected>> = {
      request: { sample, trial },
      requestId,
      experiment,
      deadline: expires,
    };
    await options.requests.send(envelope, { replyTo: options.replies });
  }
  const results = new Map<string, EvalResult<Output>>();
  const record = (requestId: string, result: EvalResult<Output>): void => {
    results.set(requestId, result);
    pending.delete(requestId);
    options.onResult?.(result, results.size, order.length);
  };
  const deadline = clock.monotonic() + timeoutSeconds * 1_000;
  while (pending.size > 0 && !options.signal?.aborted) {
    const left = deadline - clock.monotonic();
    if (left <= 0) break;
    const messages = await receiveReplies(options.replies, left, clock, options.signal);
    for (const message of messages) await collect(message, runId, pending, record);
  }
  const why = options.signal?.aborted ? "cancelled" : `no result within ${timeoutSeconds} s`;
  for (const [requestId, missing] of [...pending]) record(requestId, unanswered(missing, why));
  const runs = experiments.map((each) => {
    const mine = order
      .filter((id) => id.startsWith(`${runId}:${each.name}:`))
      .map((id) => results.get(id) as EvalResult<Output>);
    return { experiment: each, report: { dataset: dataset.name, results: mine, summary: summarize(mine) } };
  });
  return experimentReport(dataset.name, trials, runs, clock.now().toISOString());
}

/** One receive of replies; a failure (a broker blip) is logged and costs a second, not the run. */
async function receiveReplies(
  replies: Mailbox<unknown>,
  leftMs: number,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<Message<unknown>[]> {
  try {
    return await replies.receive({
      maxMessages: 10,
      waitTimeSeconds: Math.min(20, Math.ceil(leftMs / 1_000)),
      visibilityTimeout: 60,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    log.warning("evals.receive_failed", "Receiving results failed; trying again in 1 s.", {
      mailbox: replies.name,
      error,
    });
    await clock.sleep(1_000, signal).catch(() => {});
    return [];
  }
}

/**
 * Take one reply: record it when it answers a pending trial of this run. Another run's reply goes
 * back to the queue for its own collector; everything else is acknowledged.
 */
async function collect<Input, Expected, Output>(
  message: Message<unknown>,
  runId: string,
  pending: ReadonlyMap<string, Trial<Input, Expected>>,
  record: (requestId: string, result: EvalResult<Output>) => void,
): Promise<void> {
  const reply = message.body as Partial<MainLoopResult<EvalResult<Output>>> | undefined;
  const requestId = typeof reply?.requestId === "string" ? reply.requestId : undefined;
  const trial = requestId === undefined ? undefined : pending.get(requestId);
  if (requestId !== undefined && !requestId.startsWith(`${runId}:`)) {
    await message.nack(OTHER_RUN_BACKOFF_SECONDS);
    return;
  }
  if (requestId !== undefined && trial !== undefined && reply !== undefined) {
    record(requestId, resultOf(trial, reply));
  } else if (requestId === undefined) {
    log.warning(
      "evals.reply_unreadable",
      "A reply on the results queue is not a MainLoop result; dropping it.",
      {
        messageId: message.id,
      },
    );
  }
  // Answered already (a redelivery's second reply): nothing to keep.
  await message.acknowledge();
}

/** The result a reply carries, with its bundle; a failed request becomes a failing result. */
function resultOf<Input, Expected, Output>(
  trial: Trial<Input, Expected>,
  reply: Partial<MainLoopResult<EvalResult<Output>>>,
): EvalResult<Output> {
  const bundle = reply.bundlePath === undefined ? {} : { bundlePath: reply.bundlePath };
  if (reply.success === true && reply.output !== undefined) {
    return { ...reply.output, experiment: trial.experiment.name, ...bundle };
  }
  const error = reply.error
    ? `${reply.error.type}: ${reply.error.message}`
    : "the worker replied without a result";
  return { ...unanswered(trial, error), ...bundle };
}

function unanswered<Input, Expected, Output>(trial: Trial<Input, Expected>, why: string): EvalResult<Output> {
  const reason = `The trial failed: ${why}`;
  return {
    sampleId: trial.sample.id,
    trial: trial.trial,
    score: { value: 0, passed: false, reason, error: why },
    latencyMs: 0,
    agentError: why,
    experiment: trial.experiment.name,
  };
}
