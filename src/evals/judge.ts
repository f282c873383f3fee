/**
 * An LLM judge: an evaluator that asks a model, through any adapter, to rate an output against a
 * rubric. It is an ordinary prompt of this library with a structured verdict, so the adapters'
 * repair turn applies: a verdict that does not match is sent back once to be fixed, and a second
 * bad one fails that sample (via {@link runEvaluator}) while the evaluation goes on.
 */

import { z } from "zod";
import type { ProviderAdapter } from "../adapters/types.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../prompt/index.js";
import { Session } from "../session/index.js";
import type { Evaluator } from "./score.js";
import { score } from "./score.js";

/** The ratings a judge gives, best first, with their score values. Excellent and good pass. */
export const JUDGE_RATINGS = {
  excellent: 1,
  good: 0.75,
  fair: 0.5,
  poor: 0.25,
  wrong: 0,
} as const;

/** A judge's rating. */
export type JudgeRating = keyof typeof JUDGE_RATINGS;

/** What the judge model answers. */
export const JudgeVerdictSchema = z.object({
  rating: z.enum(["excellent", "good", "fair", "poor", "wrong"]),
  reason: z.string().min(1),
});

/** A judge's verdict, parsed. */
export type JudgeVerdict = z.infer<typeof JudgeVerdictSchema>;

const RUBRIC = [
  "You grade one output of an AI agent against a criterion. Read the criterion, the output and",
  "the expected answer (a reference, not the only acceptable wording), then rate the output:",
  "",
  "- excellent: fully meets the criterion;",
  "- good: meets it, with minor flaws;",
  "- fair: partly meets it;",
  "- poor: mostly misses it;",
  "- wrong: misses it or is incorrect.",
  "",
  'Answer with only a JSON object: {"rating": one of the five words, "reason": one or two sentences}.',
].join("\n");

const JUDGE = new PromptTemplate({
  ns: "wink/evals",
  key: "judge",
  output: JudgeVerdictSchema,
  sections: [
    new MarkdownSection({ key: "rubric", title: "Rubric", template: RUBRIC }),
    new MarkdownSection({
      key: "case",
      title: "Case",
      params: z.object({ criterion: z.string(), output: z.string(), expected: z.string() }),
      template: "Criterion: ${criterion}\n\nOutput:\n${output}\n\nExpected:\n${expected}",
    }),
  ],
});

/** Options of {@link llmJudge}. */
export interface LlmJudgeOptions<Output, Expected> {
  /** The model that judges: any adapter (a cheaper model than the agent's is usual). */
  readonly adapter: ProviderAdapter;
  /** What a good output does, in words: the rubric the judge applies. */
  readonly criterion: string;
  /** Text the judge sees for an output and an expected value; default: strings as they are, other values as JSON. */
  readonly show?: {
    readonly output?: (output: Output) => string;
    readonly expected?: (expected: Expected) => string;
  };
  /** Ratings that pass; default excellent and good. */
  readonly passing?: readonly JudgeRating[];
}

const asText = (value: unknown): string =>
  typeof value === "string" ? value : (JSON.stringify(value, null, 2) ?? String(value));

/**
 * An evaluator that asks `adapter` to rate the output against `criterion`. The score's value is
 * the rating's (excellent 1 … wrong 0), its reason the judge's, prefixed by the rating.
 *
 * @example
 * ```ts
 * import { llmJudge } from "weakincentives/evals";
 * import type { ProviderAdapter } from "weakincentives/adapters";
 *
 * declare const adapter: ProviderAdapter;
 * const helpful = llmJudge<string, string>({
 *   adapter,
 *   criterion: "The review names the bug and suggests a fix.",
 * });
 * ```
 */
export function llmJudge<Output, Expected>(
  options: LlmJudgeOptions<Output, Expected>,
): Evaluator<Output, Expected> {
  const passing = new Set<JudgeRating>(options.passing ?? ["excellent", "good"]);
  const showOutput = options.show?.output ?? asText;
  const showExpected = options.show?.expected ?? asText;
  return async (output, expected) => {
    const prompt = new Prompt(JUDGE).bind({
      case: { criterion: options.criterion, output: showOutput(output), expected: showExpected(expected) },
    });
    const response = await options.adapter.evaluate(prompt, { session: new Session() });
    const { rating, reason } = response.output;
    return score(JUDGE_RATINGS[rating], `${rating}: ${reason}`, passing.has(rating));
  };
}
