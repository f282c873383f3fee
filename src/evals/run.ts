/**
 * Running a dataset in this process: every sample (times `trials`) through your agent, scored by
 * an evaluator, summarized. An agent or evaluator that fails costs that sample a failing score
 * with `error` set; the run goes on.
 */

import type { TokenUsage } from "../budget.js";
import { type Clock, SYSTEM_CLOCK } from "../clock.js";
import type { Deadline } from "../deadline.js";
import { describeThrown, WinkError } from "../errors.js";
import { ToolInvoked } from "../events/index.js";
import { RequestInterruptedError } from "../runtime/main-loop/interrupted.js";
import type { Session } from "../session/index.js";
import type { Dataset, Sample } from "./dataset.js";
import { type EvalContext, type Evaluator, runEvaluator, type Score, type ToolCallRecord } from "./score.js";
import { meanInterval, quantile, wilsonInterval } from "./stats.js";
import {
  type Runs,
  runRetryingTransient,
  type TransientRetry,
  TrialFailure,
  transientRetry,
} from "./transient.js";

/** What one agent run gives back for scoring. */
export interface AgentRun<Output> {
  readonly output: Output;
  readonly usage?: TokenUsage;
  readonly costUsd?: number;
  readonly toolCalls?: readonly ToolCallRecord[];
  readonly session?: Session;
}

/** One scored trial of one sample. */
export interface EvalResult<Output> {
  readonly sampleId: string;
  /** 0-based trial number. */
  readonly trial: number;
  readonly score: Score;
  /** Absent when the agent failed. */
  readonly output?: Output;
  readonly usage?: TokenUsage;
  readonly costUsd?: number;
  readonly latencyMs: number;
  /** The agent's failure, when it threw (the score then fails with the same text). */
  readonly agentError?: string;
  /** The experiment this trial ran under, when the run had experiments. */
  readonly experiment?: string;
  /** The debug bundle of this trial, when the worker wrote one. */
  readonly bundlePath?: string;
  /** Runs of the agent, when the provider's transient failures made it more than one. */
  readonly attempts?: number;
}

/** Figures over a set of results. Intervals are 95 %. */
export interface EvalSummary {
  readonly results: number;
  readonly passed: number;
  readonly passRate: number;
  readonly passRateInterval: readonly [number, number];
  readonly meanScore: number;
  readonly meanScoreInterval: readonly [number, number];
  /** Sum over results that reported a cost; undefined when none did. */
  readonly costUsd: number | undefined;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly max: number };
  /** Results whose agent or evaluator failed. */
  readonly errors: number;
  /** Results that took more than one run of the agent (the provider failed transiently). */
  readonly retried: number;
}

/** The results of a run, in sample then trial order, with their summary. */
export interface EvalReport<Output> {
  readonly dataset: string;
  readonly results: readonly EvalResult<Output>[];
  readonly summary: EvalSummary;
}

/** Options of {@link evaluateDataset}. */
export interface EvaluateDatasetOptions<Input, Expected, Output> {
  /** Runs the agent on one sample's input. */
  readonly run: (input: Input, sample: Sample<Input, Expected>) => Promise<AgentRun<Output>>;
  readonly evaluator: Evaluator<Output, Expected>;
  /** Runs per sample (default 1): more trials show how stable the agent is. */
  readonly trials?: number;
  /** Samples in flight at once (default 1). */
  readonly concurrency?: number;
  /** Called after each result, e.g. for a progress bar. */
  readonly onResult?: (result: EvalResult<Output>, done: number, total: number) => void;
  /** Times each run; default the system clock. */
  readonly clock?: Clock;
  /**
   * Running a trial again when the provider failed transiently (a `ThrottleError` after the
   * adapter's own retries): default 3 runs, pauses of 30 s then 60 s. `{ attempts: 1 }` turns it off.
   */
  readonly transientRetry?: TransientRetry;
}

/** `value` when it is a whole number ≥ 1; else a `WinkError` naming `name`. */
export function positiveInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) {
    throw new WinkError("evaluation_invalid", `${name} must be a whole number >= 1, got ${String(value)}.`, {
      details: { [name]: value },
    });
  }
  return value;
}

/**
 * Run every sample of `dataset` `trials` times through `options.run`, score each with
 * `options.evaluator`, and summarize.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { Dataset, evaluateDataset, exactMatch } from "weakincentives/evals";
 *
 * const dataset = Dataset.parse('{"id": "1", "input": "2+2", "expected": "4"}', {
 *   input: z.string(),
 *   expected: z.string(),
 * });
 * const report = await evaluateDataset(dataset, {
 *   run: async (input) => ({ output: input === "2+2" ? "4" : "?" }),
 *   evaluator: exactMatch<string>(),
 * });
 * console.log(report.summary.passRate); // 1
 * ```
 */
export async function evaluateDataset<Input, Expected, Output>(
  dataset: Dataset<Input, Expected>,
  options: EvaluateDatasetOptions<Input, Expected, Output>,
): Promise<EvalReport<Output>> {
  const trials = positiveInteger("trials", options.trials ?? 1);
  const concurrency = positiveInteger("concurrency", options.concurrency ?? 1);
  const clock = options.clock ?? SYSTEM_CLOCK;
  const retry = transientRetry(options.transientRetry);
  const jobs = dataset.samples.flatMap((sample) =>
    Array.from({ length: trials }, (_, trial) => ({ sample, trial })),
  );
  const results: EvalResult<Output>[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const { sample, trial } = jobs[index] as (typeof jobs)[number];
      const result = await scoreTrial(
        sample,
        trial,
        () => options.run(sample.input, sample),
        options.evaluator,
        clock,
        { retry },
      );
      results[index] = result;
      options.onResult?.(result, ++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return { dataset: dataset.name, results, summary: summarize(results) };
}

/**
 * Run one trial of `sample` through `run` and score it. A run that throws becomes a failing
 * result with `agentError`; an evaluator that throws, a failing score with `error`. Tool calls
 * come from the run, else from its session's `ToolInvoked` events. Shared by
 * {@link evaluateDataset} and `EvalLoop`, so both score alike.
 */
export async function scoreTrial<Input, Expected, Output>(
  sample: Sample<Input, Expected>,
  trial: number,
  run: () => Promise<AgentRun<Output>>,
  evaluator: Evaluator<Output, Expected>,
  clock: Clock,
  options: ScoreTrialOptions = {},
): Promise<EvalResult<Output>> {
  const retry = transientRetry(options.retry ?? { attempts: 1 });
  const { deadline, signal, stopping, heartbeat, mayRunAgain } = options;
  const limits = { clock, deadline, signal, stopping, heartbeat, mayRunAgain, sampleId: sample.id, trial };
  let outcome: AgentRun<Output>;
  let runs: Runs;
  try {
    ({ value: outcome, ...runs } = await runRetryingTransient(run, retry, limits));
  } catch (thrown) {
    // Not the agent's failure: the worker is shutting down and the trial runs again elsewhere.
    if (thrown instanceof RequestInterruptedError) throw thrown;
    const failure =
      thrown instanceof TrialFailure
        ? thrown
        : new TrialFailure(thrown, { attempts: 1, lastStartedMs: clock.monotonic() });
    options.onFailure?.(failure.error);
    const text = describeThrown(failure.error);
    const latencyMs = clock.monotonic() - failure.runs.lastStartedMs;
    const score: Score = { value: 0, passed: false, reason: `The agent failed: ${text}`, error: text };
    return {
      sampleId: sample.id,
      trial,
      score,
      latencyMs,
      agentError: text,
      ...attemptsOf(failure.runs.attempts),
    };
  }
  // The last run's time: pauses and runs the provider failed are not the agent's latency.
  const latencyMs = clock.monotonic() - runs.lastStartedMs;
  const { output, ...measured } = outcome;
  const toolCalls = outcome.toolCalls ?? (outcome.session ? toolCallsOf(outcome.session) : undefined);
  const context: EvalContext = {
    sampleId: sample.id,
    ...measured,
    ...(toolCalls === undefined ? {} : { toolCalls }),
    latencyMs,
  };
  const score = await runEvaluator(evaluator, output, sample.expected, context);
  return {
    sampleId: sample.id,
    trial,
    score,
    output,
    ...(outcome.usage === undefined ? {} : { usage: outcome.usage }),
    ...(outcome.costUsd === undefined ? {} : { costUsd: outcome.costUsd }),
    latencyMs,
    ...attemptsOf(runs.attempts),
  };
}

/** How {@link scoreTrial} runs the agent again after transient failures (default: once only). */
export interface ScoreTrialOptions {
  readonly retry?: TransientRetry;
  /** No run starts with less than 10 s of it left after a pause. */
  readonly deadline?: Deadline | undefined;
  /** Aborting ends the pauses: the trial fails with its last error. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The worker shutting down: a pause it ends rejects with `RequestInterruptedError` (the trial
   * is not scored), so the request can run again on another worker.
   */
  readonly stopping?: AbortSignal | undefined;
  /** Called during pauses (a worker's lease and watchdog follow it). */
  readonly heartbeat?: (() => void) | undefined;
  /** False when another run may not start (the request's budget is spent). */
  readonly mayRunAgain?: (() => boolean) | undefined;
  /** Called with the last error when the trial fails (a debug bundle records it). */
  readonly onFailure?: ((error: unknown) => void) | undefined;
}

/** `attempts` for a result, when there was more than one run. */
function attemptsOf(attempts: number): { attempts?: number } {
  return attempts > 1 ? { attempts } : {};
}

/** The tool calls a session recorded (`ToolInvoked` events), in order. */
export function toolCallsOf(session: Session): readonly ToolCallRecord[] {
  return session
    .slice(ToolInvoked)
    .all()
    .map((call) => ({ name: call.name, ok: call.success }));
}

/** Pass rate, mean score, cost and latency over `results`. */
export function summarize(results: readonly EvalResult<unknown>[]): EvalSummary {
  const passed = results.filter((result) => result.score.passed).length;
  const scores = meanInterval(results.map((result) => result.score.value));
  const costs = results.flatMap((result) => (result.costUsd === undefined ? [] : [result.costUsd]));
  const latencies = results.map((result) => result.latencyMs);
  return {
    results: results.length,
    passed,
    passRate: results.length === 0 ? Number.NaN : passed / results.length,
    passRateInterval: wilsonInterval(passed, results.length),
    meanScore: scores.mean,
    meanScoreInterval: scores.interval,
    costUsd: costs.length === 0 ? undefined : costs.reduce((sum, cost) => sum + cost, 0),
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      max: latencies.reduce((most, ms) => Math.max(most, ms), 0),
    },
    errors: results.filter((result) => result.score.error !== undefined).length,
    retried: results.filter((result) => (result.attempts ?? 1) > 1).length,
  };
}
