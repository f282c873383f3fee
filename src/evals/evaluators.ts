/**
 * Built-in evaluators: comparisons of output and expected value, limits on what the run measured
 * (tokens, cost, latency, tool calls, session state), and combinators (all, any, weighted, select).
 */

import { isDeepStrictEqual } from "node:util";
import type { z } from "zod";
import { totalTokens } from "../budget.js";
import { WinkError } from "../errors.js";
import { formatIssues, schemaIssues } from "../schema.js";
import type { Session } from "../session/index.js";
import { type EvalContext, type Evaluator, fail, pass, runEvaluator, type Score, score } from "./score.js";

const show = (value: unknown): string => {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** Passes when output and expected are deeply equal (objects by value, key order ignored). */
export function exactMatch<T>(): Evaluator<T, T> {
  return (output, expected) =>
    isDeepStrictEqual(output, expected)
      ? pass("The output equals the expected value.")
      : fail(`Expected ${show(expected)}, got ${show(output)}.`);
}

/** Passes when the output text contains the expected text. */
export function contains(options: { ignoreCase?: boolean } = {}): Evaluator<string, string> {
  return (output, expected) => {
    const [haystack, needle] = options.ignoreCase
      ? [output.toLowerCase(), expected.toLowerCase()]
      : [output, expected];
    return haystack.includes(needle)
      ? pass(`The output contains ${show(expected)}.`)
      : fail(`The output does not contain ${show(expected)}.`);
  };
}

/** Passes when the output text matches `pattern` (the expected value is not used). */
export function matches(pattern: RegExp): Evaluator<string, unknown> {
  return (output) => {
    pattern.lastIndex = 0;
    return pattern.test(output)
      ? pass(`The output matches ${String(pattern)}.`)
      : fail(`The output does not match ${String(pattern)}.`);
  };
}

/** Passes when the output parses with `schema`; the reason lists what does not match. */
export function matchesSchema(schema: z.ZodType): Evaluator<unknown, unknown> {
  return (output) => {
    const parsed = schema.safeParse(output);
    return parsed.success
      ? pass("The output matches the schema.")
      : fail(`The output does not match the schema: ${formatIssues(schemaIssues(parsed.error))}`);
  };
}

/**
 * Passes when the output number is within `absolute` of the expected one, or within `relative`
 * (a fraction of the expected value) — either suffices. The score falls linearly to 0 at twice
 * the allowed distance.
 */
export function withinTolerance(tolerance: {
  absolute?: number;
  relative?: number;
}): Evaluator<number, number> {
  const { absolute = 0, relative = 0 } = tolerance;
  if (!(absolute >= 0 && relative >= 0) || absolute + relative === 0) {
    throw new WinkError(
      "evaluation_invalid",
      `withinTolerance needs an absolute or relative tolerance > 0, got ${JSON.stringify(tolerance)}.`,
      { details: { absolute, relative } },
    );
  }
  return (output, expected) => {
    const allowed = Math.max(absolute, Math.abs(expected) * relative);
    const distance = Math.abs(output - expected);
    if (!Number.isFinite(distance)) return fail(`Expected a number near ${expected}, got ${show(output)}.`);
    const value = distance <= allowed ? 1 : Math.max(0, 1 - (distance - allowed) / allowed);
    return score(
      value,
      `${output} is ${distance} from ${expected} (allowed ${allowed}).`,
      distance <= allowed,
    );
  };
}

const NO_TOOL_CALLS = "The run recorded no tool calls, so tool use cannot be judged.";

/** Passes when tool `name` was called between `min` (default 1) and `max` (default no limit) times. */
export function toolCalled(
  name: string,
  options: { min?: number; max?: number } = {},
): Evaluator<unknown, unknown> {
  const { min = 1, max = Number.POSITIVE_INFINITY } = options;
  return (_output, _expected, context) => {
    const calls = context.toolCalls;
    if (calls === undefined) return fail(NO_TOOL_CALLS);
    const count = calls.filter((call) => call.name === name).length;
    const range = Number.isFinite(max) ? `${min}–${max}` : `at least ${min}`;
    return count >= min && count <= max
      ? pass(`${name} was called ${count} time(s) (${range}).`)
      : fail(`${name} was called ${count} time(s), expected ${range}.`);
  };
}

/** Passes when tool `name` was never called. */
export function toolNotCalled(name: string): Evaluator<unknown, unknown> {
  return toolCalled(name, { min: 0, max: 0 });
}

/** Passes when every tool call succeeded. */
export function allToolsSucceeded(): Evaluator<unknown, unknown> {
  return (_output, _expected, context) => {
    const calls = context.toolCalls;
    if (calls === undefined) return fail(NO_TOOL_CALLS);
    const failed = calls.filter((call) => !call.ok).map((call) => call.name);
    return failed.length === 0
      ? pass(`All ${calls.length} tool call(s) succeeded.`)
      : fail(`${failed.length} tool call(s) failed: ${failed.join(", ")}.`);
  };
}

function underLimit(
  what: string,
  limit: number,
  measure: (context: EvalContext) => number | undefined,
  unit: string,
): Evaluator<unknown, unknown> {
  if (!(Number.isFinite(limit) && limit >= 0)) {
    throw new WinkError(
      "evaluation_invalid",
      `The ${what} limit must be a number >= 0, got ${String(limit)}.`,
      {
        details: { limit },
      },
    );
  }
  return (_output, _expected, context) => {
    const measured = measure(context);
    if (measured === undefined)
      return fail(`The run did not measure ${what}, so the limit cannot be checked.`);
    return measured <= limit
      ? pass(`${what} ${measured}${unit} is within ${limit}${unit}.`)
      : fail(`${what} ${measured}${unit} is over ${limit}${unit}.`);
  };
}

/** Passes when the run used at most `max` tokens in all (input + output). */
export function tokensUnder(max: number): Evaluator<unknown, unknown> {
  return underLimit("token use", max, (context) => totalTokens(context.usage), " tokens");
}

/** Passes when the run cost at most `usd` dollars. */
export function costUnder(usd: number): Evaluator<unknown, unknown> {
  return underLimit("cost", usd, (context) => context.costUsd, " USD");
}

/** Passes when the run took at most `ms` milliseconds. */
export function latencyUnder(ms: number): Evaluator<unknown, unknown> {
  return underLimit("latency", ms, (context) => context.latencyMs, " ms");
}

/** Passes when `predicate` holds for the run's session; `description` says what it checks. */
export function sessionSatisfies(
  description: string,
  predicate: (session: Session) => boolean,
): Evaluator<unknown, unknown> {
  return (_output, _expected, context) => {
    if (context.session === undefined)
      return fail(`The run kept no session, so "${description}" cannot be checked.`);
    return predicate(context.session)
      ? pass(`The session ${description}.`)
      : fail(`The session does not ${description}.`);
  };
}

/** Judge a part of the output (and of the expected value) with `evaluator`. */
export function select<Output, Expected, PartOut, PartExpected>(
  parts: { output: (output: Output) => PartOut; expected: (expected: Expected) => PartExpected },
  evaluator: Evaluator<PartOut, PartExpected>,
): Evaluator<Output, Expected> {
  return (output, expected, context) => evaluator(parts.output(output), parts.expected(expected), context);
}

async function scoresOf<O, E>(
  evaluators: readonly Evaluator<O, E>[],
  output: O,
  expected: E,
  context: EvalContext,
): Promise<Score[]> {
  return Promise.all(evaluators.map((evaluator) => runEvaluator(evaluator, output, expected, context)));
}

function combined(kind: string, count: number): void {
  if (count === 0) throw new WinkError("evaluation_invalid", `${kind} needs at least one evaluator.`);
}

/** Passes when every evaluator passes; the value is their mean, the reason lists the failures. */
export function allOf<O, E>(...evaluators: Evaluator<O, E>[]): Evaluator<O, E> {
  combined("allOf", evaluators.length);
  return async (output, expected, context) => {
    const scores = await scoresOf(evaluators, output, expected, context);
    const failed = scores.filter((s) => !s.passed);
    const mean = scores.reduce((sum, s) => sum + s.value, 0) / scores.length;
    const reason =
      failed.length === 0 ? `All ${scores.length} checks passed.` : failed.map((s) => s.reason).join(" ");
    return score(mean, reason, failed.length === 0);
  };
}

/** Passes when any evaluator passes; the value is the best one's. */
export function anyOf<O, E>(...evaluators: Evaluator<O, E>[]): Evaluator<O, E> {
  combined("anyOf", evaluators.length);
  return async (output, expected, context) => {
    const scores = await scoresOf(evaluators, output, expected, context);
    const best = scores.reduce((a, b) => (b.value > a.value || (b.passed && !a.passed) ? b : a));
    const passed = scores.some((s) => s.passed);
    return score(best.value, passed ? best.reason : scores.map((s) => s.reason).join(" "), passed);
  };
}

/** The weighted mean of several evaluators, passing at `passAt` (default 1: every part must be perfect). */
export function weighted<O, E>(
  parts: readonly { readonly evaluator: Evaluator<O, E>; readonly weight: number }[],
  options: { passAt?: number } = {},
): Evaluator<O, E> {
  combined("weighted", parts.length);
  const total = parts.reduce((sum, part) => sum + part.weight, 0);
  if (!parts.every((part) => Number.isFinite(part.weight) && part.weight >= 0) || !(total > 0)) {
    throw new WinkError("evaluation_invalid", "weighted needs weights >= 0 that add up to more than 0.", {
      details: { weights: parts.map((part) => part.weight) },
    });
  }
  const passAt = options.passAt ?? 1;
  return async (output, expected, context) => {
    const scores = await scoresOf(
      parts.map((part) => part.evaluator),
      output,
      expected,
      context,
    );
    const value = scores.reduce((sum, s, i) => sum + s.value * (parts[i]?.weight ?? 0), 0) / total;
    const rounded = Math.round(value * 1e6) / 1e6;
    const reasons = scores.map((s, i) => `[${parts[i]?.weight}] ${s.reason}`).join(" ");
    return score(rounded, `Weighted score ${rounded} (pass at ${passAt}). ${reasons}`, rounded >= passAt);
  };
}
