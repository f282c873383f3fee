/**
 * Experiments in this process: an {@link EvalLoop} on in-memory queues, fed by
 * {@link submitDataset}. The trials take the same path as on a fleet of workers (envelope,
 * prepare, budgets, debug bundles, scoring, reply), only without a broker — what `wink eval` runs.
 */

import type { Clock } from "../clock.js";
import { InMemoryMailbox, type MainLoopResult } from "../runtime/index.js";
import type { Dataset } from "./dataset.js";
import { EvalLoop, type EvalLoopOptions } from "./eval-loop.js";
import type { ExperimentReport } from "./experiment.js";
import type { EvalResult } from "./run.js";
import { type SubmitDatasetOptions, submitDataset } from "./submit.js";

/** Options of {@link runExperiments}. */
export interface RunExperimentsOptions<Input, Expected, Output>
  extends Omit<EvalLoopOptions<Input, Expected, Output>, "requests" | "clock">,
    Pick<SubmitDatasetOptions<Output>, "experiments" | "trials" | "onResult" | "signal" | "timeoutSeconds"> {
  /** Trials in flight at once (default 1, at most 64). Overrides `config.concurrency`. */
  readonly concurrency?: number;
  readonly clock?: Clock;
}

/**
 * Run `dataset` under each experiment (baseline first) in this process and compare the variants
 * with the baseline.
 *
 * @example
 * ```ts nocheck
 * const report = await runExperiments(dataset, {
 *   adapter,
 *   agent: reviews,
 *   expected: ReviewExpected,
 *   evaluator: approvesAsExpected,
 *   experiments: [BASELINE, experiment("strict", { overridesTag: "strict" })],
 *   concurrency: 4,
 * });
 * ```
 */
export async function runExperiments<Input, Expected, Output>(
  dataset: Dataset<Input, Expected>,
  options: RunExperimentsOptions<Input, Expected, Output>,
): Promise<ExperimentReport<Output>> {
  const clock = options.clock ? { clock: options.clock } : {};
  const requests = new InMemoryMailbox<unknown, MainLoopResult<EvalResult<Output>>>({
    name: "evals",
    ...clock,
  });
  const replies = new InMemoryMailbox<unknown>({ name: "eval-results", ...clock });
  const loop = new EvalLoop<Input, Expected, Output>({
    ...options,
    ...clock,
    requests,
    config: { ...options.config, concurrency: options.concurrency ?? options.config?.concurrency ?? 1 },
  });
  const stop = new AbortController();
  const running = loop.run({ signal: stop.signal });
  try {
    return await submitDataset(dataset, {
      requests,
      replies,
      ...clock,
      ...(options.experiments ? { experiments: options.experiments } : {}),
      ...(options.trials === undefined ? {} : { trials: options.trials }),
      ...(options.onResult ? { onResult: options.onResult } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
    });
  } finally {
    stop.abort();
    await running;
    await Promise.all([requests.close(), replies.close()]);
  }
}
