/**
 * The code-review agent with its evaluation, for `wink eval`:
 *
 * ```sh
 * npx wink eval examples/code-review/evals/dataset.jsonl --agent examples/code-review/eval.ts
 * ```
 *
 * runs the 20 reviews of `evals/dataset.jsonl` under the baseline prompt and under the `strict`
 * overrides tag (one more house rule in the guide), prints both pass rates and their change, and
 * writes `wink-eval/report.html` and `results.json`. Offline, the model is the scripted model
 * server answering with `evals/reviewer.ts`'s deterministic verdicts; set ANTHROPIC_API_KEY or
 * OPENAI_API_KEY (or their _FILE forms) to evaluate a real model instead.
 */
import { AgentConfig } from "weakincentives/config";
import { BASELINE, defineEvaluation, type Evaluator, experiment, score } from "weakincentives/evals";
import { z } from "zod";
import type { ReviewOutput } from "./agent.js";
import { review } from "./evals/reviewer.js";
import { chooseModel } from "./model.js";

export { default } from "./agent.js";

/** What a sample expects: the verdict, and for a rejection the files its issues must name. */
export const ReviewExpected = z.object({
  approve: z.boolean(),
  flags: z.array(z.string()).optional(),
});
type Expected = z.infer<typeof ReviewExpected>;

/** Right verdict (0.7) and, on a rejection, the right files flagged (0.3); passing needs both. */
export const reviewEvaluator: Evaluator<z.infer<typeof ReviewOutput>, Expected> = (output, expected) => {
  const verdict = output.approve === expected.approve;
  const named = new Set(output.issues.map((issue) => issue.file));
  const missing = (expected.flags ?? []).filter((file) => !named.has(file));
  const value = (verdict ? 0.7 : 0) + (missing.length === 0 ? 0.3 : 0);
  const reason = !verdict
    ? `Expected ${expected.approve ? "approval" : "rejection"}, got ${output.approve ? "approval" : "rejection"}.`
    : missing.length > 0
      ? `Right verdict, but no issue names ${missing.join(", ")}.`
      : "Right verdict and files.";
  return score(Math.round(value * 10) / 10, reason, verdict && missing.length === 0);
};

export const evaluation = defineEvaluation({
  expected: ReviewExpected,
  evaluator: reviewEvaluator,
  experiments: [
    BASELINE,
    experiment("strict", {
      overridesTag: "strict",
      description: "The guide adds: reject network calls that do not set a timeout.",
    }),
  ],
  model: () => chooseModel(AgentConfig.fromEnv(), [], { answer: ({ text }) => review(text) }),
});
