/**
 * Scores and the evaluator contract: an evaluator looks at one sample's output (and what was
 * expected, and what the run measured) and returns a {@link Score}.
 */

import type { TokenUsage } from "../budget.js";
import { describeThrown, WinkError } from "../errors.js";
import type { Session } from "../session/index.js";

/** How one sample did under one evaluator. */
export interface Score {
  /** 0 (worst) to 1 (best). */
  readonly value: number;
  readonly passed: boolean;
  /** Why, in a sentence a person reads in the report. */
  readonly reason: string;
  /** Set when the evaluator failed rather than judged (it threw, or returned an invalid score). */
  readonly error?: string;
}

/** A tool call the run made, as evaluators see it. */
export interface ToolCallRecord {
  readonly name: string;
  /** False when the tool returned an error or its arguments were rejected. */
  readonly ok: boolean;
}

/** What the run measured for one sample, beside its output. Fields are absent when not measured. */
export interface EvalContext {
  readonly sampleId: string;
  readonly usage?: TokenUsage;
  readonly costUsd?: number;
  /** Wall time of the agent's run for this sample, in ms. */
  readonly latencyMs?: number;
  readonly toolCalls?: readonly ToolCallRecord[];
  /** The session the agent ran in (slices, events). */
  readonly session?: Session;
}

/** Scores one sample. May be async (an LLM judge). */
export type Evaluator<Output, Expected> = (
  output: Output,
  expected: Expected,
  context: EvalContext,
) => Score | Promise<Score>;

/** A score: `value` in 0–1, passing when `passed` (default: value is 1). */
export function score(value: number, reason: string, passed = value >= 1): Score {
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
    throw new WinkError(
      "evaluation_invalid",
      `A score's value must be a number from 0 to 1, got ${String(value)} (${reason}). Normalize it first.`,
      { details: { value, reason } },
    );
  }
  return Object.freeze({ value, passed, reason });
}

/** Passing score 1 with `reason`. */
export const pass = (reason: string): Score => score(1, reason, true);

/** Failing score 0 with `reason`. */
export const fail = (reason: string): Score => score(0, reason, false);

/**
 * Run `evaluator` so that it cannot take the evaluation down: a throw or a malformed score
 * becomes a failing score with `error` set, naming the sample and what went wrong.
 */
export async function runEvaluator<Output, Expected>(
  evaluator: Evaluator<Output, Expected>,
  output: Output,
  expected: Expected,
  context: EvalContext,
): Promise<Score> {
  let result: unknown;
  try {
    result = await evaluator(output, expected, context);
  } catch (error) {
    const text = describeThrown(error);
    return { value: 0, passed: false, reason: `The evaluator failed: ${text}`, error: text };
  }
  const problem = scoreProblem(result);
  if (problem === undefined) return result as Score;
  const text = `evaluator for sample "${context.sampleId}" returned ${problem}`;
  return { value: 0, passed: false, reason: `The ${text}.`, error: text };
}

function scoreProblem(result: unknown): string | undefined {
  if (typeof result !== "object" || result === null)
    return `${JSON.stringify(result) ?? "nothing"}, not a Score`;
  const { value, passed, reason } = result as Record<string, unknown>;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > 1) {
    return `a value of ${String(value)}, outside 0–1`;
  }
  if (typeof passed !== "boolean") return `passed = ${String(passed)}, not a boolean`;
  if (typeof reason !== "string") return "no reason";
  return undefined;
}
