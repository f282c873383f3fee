/**
 * The report of a dataset run under a baseline and its variants (see `Experiment` in the core
 * package): each variant compared with the baseline.
 */

import { WinkError } from "../errors.js";
import { BASELINE, type Experiment, ExperimentSchema } from "../experiment.js";
import { type Comparison, compareReports } from "./compare.js";
import type { EvalReport } from "./run.js";

/** One experiment's results. */
export interface ExperimentRun<Output = unknown> {
  readonly experiment: Experiment;
  readonly report: EvalReport<Output>;
}

/** A variant against the baseline. */
export interface ExperimentComparison extends Comparison {
  readonly baselineName: string;
  readonly variantName: string;
}

/** A dataset run under a baseline and its variants: what `wink eval` prints, writes and charts. */
export interface ExperimentReport<Output = unknown> {
  readonly dataset: string;
  /** ISO time the run finished. */
  readonly createdAt: string;
  /** Trials per sample. */
  readonly trials: number;
  /** The baseline first, then the variants, in the order given. */
  readonly runs: readonly ExperimentRun<Output>[];
  /** Each variant against the baseline (empty with one experiment). */
  readonly comparisons: readonly ExperimentComparison[];
}

/**
 * Check that experiment names are unique, and give the list to run: `[BASELINE]` when empty.
 *
 * @throws WinkError `evaluation_invalid` naming the duplicate.
 */
export function experimentsToRun(experiments: readonly Experiment[] | undefined): readonly Experiment[] {
  const list = experiments === undefined || experiments.length === 0 ? [BASELINE] : experiments;
  const seen = new Set<string>();
  for (const each of list) {
    if (!ExperimentSchema.safeParse(each).success) {
      throw new WinkError(
        "evaluation_invalid",
        `Experiment ${JSON.stringify(each)} is not valid: build it with experiment(name, { overridesTag, flags }), which names what is wrong.`,
        { details: { experiment: each } },
      );
    }
    if (seen.has(each.name)) {
      throw new WinkError(
        "evaluation_invalid",
        `Two experiments are named "${each.name}". Give each experiment of a run its own name.`,
        { details: { name: each.name } },
      );
    }
    seen.add(each.name);
  }
  return list;
}

/** Assemble the report of `runs` (baseline first): every variant compared with the baseline. */
export function experimentReport<Output>(
  dataset: string,
  trials: number,
  runs: readonly ExperimentRun<Output>[],
  createdAt: string,
): ExperimentReport<Output> {
  const [baseline, ...variants] = runs;
  const comparisons =
    baseline === undefined
      ? []
      : variants.map((variant) => ({
          ...compareReports(baseline.report, variant.report),
          baselineName: baseline.experiment.name,
          variantName: variant.experiment.name,
        }));
  return { dataset, createdAt, trials, runs, comparisons };
}
