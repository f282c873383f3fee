/**
 * Experiments: named variants of an agent — a prompt-overrides tag and free-form flags — run side
 * by side on the same inputs. An experiment is plain JSON, so it travels inside queue messages
 * (a `MainLoopRequest`'s `experiment`) to the workers that run it, and `prepare` reads it from
 * its context. Evaluations (`weakincentives/evals`) compare experiments on a dataset.
 */

import { z } from "zod";
import { WinkError } from "./errors.js";

/** Experiment names: short identifiers that read well in reports, file names and metric labels. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Overrides tags, as the overrides store accepts them. */
const TAG = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Schema of an {@link Experiment} as it crosses a queue. */
export const ExperimentSchema = z.object({
  name: z.string().regex(NAME),
  /** The prompt-overrides tag the agent's prompts render with; default `"latest"`. */
  overridesTag: z.string().regex(TAG).optional(),
  /** Anything else the agent reads to vary its behaviour (a model name, a limit, a switch). */
  flags: z.record(z.string(), z.unknown()).optional(),
  description: z.string().optional(),
});

/**
 * A named variant: the overrides tag its prompts use and flags the agent's `prepare` reads
 * (`context.experiment`). Names are unique within a run.
 */
export type Experiment = z.infer<typeof ExperimentSchema>;

/** The control group: overrides tag `"latest"`, no flags. */
export const BASELINE: Experiment = Object.freeze({ name: "baseline" });

/**
 * Build an experiment, checking its name and tag (letters, digits, `.`, `_`, `-`; up to 64).
 *
 * @example
 * ```ts
 * import { experiment } from "weakincentives";
 *
 * const concise = experiment("concise", { overridesTag: "v2", flags: { maxIssues: 3 } });
 * ```
 */
export function experiment(name: string, options: Omit<Experiment, "name"> = {}): Experiment {
  const parsed = ExperimentSchema.safeParse({ ...options, name });
  if (!parsed.success) {
    throw new WinkError(
      "evaluation_invalid",
      `Experiment ${JSON.stringify(name)}${options.overridesTag === undefined ? "" : ` (overrides tag ${JSON.stringify(options.overridesTag)})`} is not valid: ` +
        'a name is 1–64 letters, digits, ".", "_" or "-" starting with a letter or digit; a tag the same in lower case.',
      { details: { name, overridesTag: options.overridesTag } },
    );
  }
  return Object.freeze(parsed.data);
}
