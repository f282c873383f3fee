/**
 * How an agent module declares its evaluation for `wink eval`: the schema of the samples'
 * expected outputs, the evaluator, the experiments it knows, and optionally the model to run on.
 * The agent itself is the module's loop (`defineLoop`), so what is evaluated is what is deployed.
 */

import type { z } from "zod";
import type { ProviderAdapter } from "../adapters/types.js";
import { WinkError } from "../errors.js";
import type { Experiment } from "../experiment.js";
import type { Evaluator } from "./score.js";

/** A model for an evaluation run, and how to release it. */
export interface EvaluationModel {
  readonly adapter: ProviderAdapter;
  /** Printed by `wink eval` (which model, and where). */
  readonly description?: string;
  close?(): Promise<void>;
}

/** What an agent module exports as `evaluation` for `wink eval`. */
export interface EvaluationDefinition<Expected = unknown, Output = unknown> {
  /** The loop under evaluation, by name; default the module's only loop. */
  readonly loop?: string;
  /** Schema of the dataset's `expected` values. */
  readonly expected: z.ZodType<Expected>;
  /**
   * Scores one trial (see {@link Evaluator}). Declared as a method so that a definition with
   * concrete types is accepted where any definition is (`createWorker({ evaluation })`).
   */
  evaluator(...args: Parameters<Evaluator<Output, Expected>>): ReturnType<Evaluator<Output, Expected>>;
  /**
   * Experiments `--experiment NAME` picks from; without that flag all of them run, the first as
   * the baseline. Default: the baseline alone.
   */
  readonly experiments?: readonly Experiment[];
  /**
   * The model to evaluate with. Default: the one a worker would use (`AgentConfig` from the
   * environment). An offline stand-in goes here.
   */
  model?(): Promise<EvaluationModel>;
  /**
   * The adapter an experiment runs on when it is not the run's model (a variant on another model
   * or provider); `undefined` for the default. See `EvalLoopOptions.adapterFor`.
   */
  adapterFor?(experiment: Experiment): ProviderAdapter | undefined;
}

/**
 * Identity, for type inference and a clear place in an agent module.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineEvaluation, exactMatch, select } from "weakincentives/evals";
 *
 * export const evaluation = defineEvaluation({
 *   expected: z.object({ approve: z.boolean() }),
 *   evaluator: select(
 *     { output: (o: { approve: boolean }) => o.approve, expected: (e: { approve: boolean }) => e.approve },
 *     exactMatch<boolean>(),
 *   ),
 * });
 * ```
 */
export function defineEvaluation<Expected, Output>(
  definition: EvaluationDefinition<Expected, Output>,
): EvaluationDefinition<Expected, Output> {
  return definition;
}

/**
 * The `evaluation` export of a module, checked.
 *
 * @throws WinkError `invalid_config` naming `source` and the fix.
 */
export function evaluationOf(
  module: { readonly evaluation?: unknown },
  source: string,
): EvaluationDefinition {
  const value = module.evaluation;
  const fix =
    "Export `evaluation = defineEvaluation({ expected, evaluator })` from weakincentives/evals beside the module's loop.";
  if (typeof value !== "object" || value === null) {
    throw new WinkError("invalid_config", `${source} exports no \`evaluation\`. ${fix}`, {
      details: { source },
    });
  }
  const definition = value as Partial<EvaluationDefinition>;
  const schema = definition.expected as { safeParse?: unknown } | undefined;
  if (typeof schema?.safeParse !== "function" || typeof definition.evaluator !== "function") {
    throw new WinkError(
      "invalid_config",
      `${source}: \`evaluation\` needs a zod \`expected\` schema and an \`evaluator\` function. ${fix}`,
      { details: { source } },
    );
  }
  return definition as EvaluationDefinition;
}

/**
 * The loop `definition` evaluates among a module's `loops`: the one `definition.loop` names, else
 * the only one.
 *
 * @throws WinkError `invalid_config` naming the loops when that is ambiguous or wrong.
 */
export function evaluatedLoop<Loop extends { readonly name: string }>(
  loops: readonly Loop[],
  definition: Pick<EvaluationDefinition, "loop">,
  source: string,
): Loop {
  const names = loops.map((loop) => loop.name).join(", ");
  if (definition.loop !== undefined) {
    const loop = loops.find((each) => each.name === definition.loop);
    if (loop) return loop;
    throw new WinkError(
      "invalid_config",
      `${source}: evaluation.loop is "${definition.loop}", but the module's loops are ${names}.`,
    );
  }
  if (loops.length === 1) return loops[0] as Loop;
  throw new WinkError(
    "invalid_config",
    `${source} has ${loops.length} loops (${names}): name the one to evaluate in evaluation.loop.`,
  );
}
