import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  allOf,
  allToolsSucceeded,
  anyOf,
  contains,
  costUnder,
  type EvalContext,
  type Evaluator,
  exactMatch,
  latencyUnder,
  matches,
  matchesSchema,
  runEvaluator,
  type Score,
  score,
  select,
  sessionSatisfies,
  tokensUnder,
  toolCalled,
  toolNotCalled,
  weighted,
  withinTolerance,
} from "../../src/evals/index.js";
import { Session } from "../../src/session/index.js";

const ctx: EvalContext = {
  sampleId: "s1",
  usage: { inputTokens: 900, outputTokens: 100 },
  costUsd: 0.02,
  latencyMs: 1200,
  toolCalls: [
    { name: "read_file", ok: true },
    { name: "read_file", ok: true },
    { name: "run_tests", ok: false },
  ],
};
const bare: EvalContext = { sampleId: "s2" };

const judge = <O, E>(evaluator: Evaluator<O, E>, output: O, expected: E, context = ctx): Promise<Score> =>
  runEvaluator(evaluator, output, expected, context);

describe("comparing output and expected value", () => {
  it("exactMatch compares deeply, ignoring key order", async () => {
    expect((await judge(exactMatch(), { a: 1, b: [2] }, { b: [2], a: 1 })).passed).toBe(true);
    const miss = await judge(exactMatch<string>(), "approve", "reject");
    expect(miss).toMatchObject({ passed: false, value: 0, reason: 'Expected "reject", got "approve".' });
  });

  it("contains, with and without case, and matches a regex (also a global one, twice)", async () => {
    expect((await judge(contains(), "LGTM, ship it", "ship")).passed).toBe(true);
    expect((await judge(contains(), "LGTM", "lgtm")).passed).toBe(false);
    expect((await judge(contains({ ignoreCase: true }), "LGTM", "lgtm")).passed).toBe(true);
    const global = matches(/line \d+/g);
    expect((await judge(global, "see line 12", undefined)).passed).toBe(true);
    expect((await judge(global, "see line 12", undefined)).passed).toBe(true);
    expect((await judge(global, "no", undefined)).reason).toBe("The output does not match /line \\d+/g.");
  });

  it("matchesSchema lists what does not match", async () => {
    const schema = z.object({ verdict: z.enum(["approve", "reject"]) });
    expect((await judge(matchesSchema(schema), { verdict: "approve" }, undefined)).passed).toBe(true);
    const miss = await judge(matchesSchema(schema), { verdict: "maybe" }, undefined);
    expect(miss.passed).toBe(false);
    expect(miss.reason).toMatch(/does not match the schema: .*verdict/);
  });

  it("withinTolerance passes inside the band and falls to 0 at twice its width", async () => {
    const near = withinTolerance({ absolute: 2 });
    expect(await judge(near, 11, 10)).toMatchObject({ passed: true, value: 1 });
    expect(await judge(near, 13, 10)).toMatchObject({ passed: false, value: 0.5 });
    expect(await judge(near, 20, 10)).toMatchObject({ passed: false, value: 0 });
    expect((await judge(withinTolerance({ relative: 0.1 }), 105, 100)).passed).toBe(true);
    expect((await judge(near, Number.NaN, 10)).passed).toBe(false);
    expect(() => withinTolerance({})).toThrow(/absolute or relative tolerance > 0/);
  });

  it("select judges one field of output and expected", async () => {
    const verdict = select(
      {
        output: (o: { verdict: string; notes: string }) => o.verdict,
        expected: (e: { verdict: string }) => e.verdict,
      },
      exactMatch<string>(),
    );
    expect((await judge(verdict, { verdict: "approve", notes: "x" }, { verdict: "approve" })).passed).toBe(
      true,
    );
  });
});

describe("limits on what the run measured", () => {
  it("counts tool calls by name, and failed calls", async () => {
    expect((await judge(toolCalled("read_file", { min: 2, max: 2 }), "", "")).passed).toBe(true);
    expect((await judge(toolCalled("read_file", { max: 1 }), "", "")).reason).toBe(
      "read_file was called 2 time(s), expected 1–1.",
    );
    expect((await judge(toolNotCalled("write_file"), "", "")).passed).toBe(true);
    expect((await judge(toolNotCalled("run_tests"), "", "")).passed).toBe(false);
    expect((await judge(allToolsSucceeded(), "", "")).reason).toBe("1 tool call(s) failed: run_tests.");
  });

  it("checks tokens, cost and latency, and fails clearly when they were not measured", async () => {
    expect((await judge(tokensUnder(1000), "", "")).passed).toBe(true);
    expect((await judge(tokensUnder(999), "", "")).reason).toBe("token use 1000 tokens is over 999 tokens.");
    expect((await judge(costUnder(0.05), "", "")).passed).toBe(true);
    expect((await judge(latencyUnder(1000), "", "")).passed).toBe(false);
    expect((await judge(costUnder(1), "", "", bare)).reason).toMatch(/did not measure cost/);
    expect((await judge(toolCalled("x"), "", "", bare)).reason).toMatch(/recorded no tool calls/);
    expect(() => latencyUnder(-1)).toThrow(/latency limit must be a number >= 0, got -1/);
  });

  it("sessionSatisfies runs a predicate on the session", async () => {
    const session = new Session();
    const evaluator = sessionSatisfies("has an id", (s) => typeof s.sessionId === "string");
    expect((await judge(evaluator, "", "", { ...bare, session })).passed).toBe(true);
    expect((await judge(evaluator, "", "", bare)).reason).toMatch(/kept no session/);
  });
});

describe("combinators and failures", () => {
  const yes: Evaluator<string, string> = () => score(1, "yes");
  const half: Evaluator<string, string> = () => score(0.5, "half");
  const no: Evaluator<string, string> = () => score(0, "no");

  it("allOf averages and passes only when all pass; anyOf takes the best", async () => {
    expect(await judge(allOf(yes, half), "", "")).toMatchObject({
      value: 0.75,
      passed: false,
      reason: "half",
    });
    expect(await judge(allOf(yes, yes), "", "")).toMatchObject({ value: 1, passed: true });
    expect(await judge(anyOf(no, half, yes), "", "")).toMatchObject({
      value: 1,
      passed: true,
      reason: "yes",
    });
    expect(await judge(anyOf(no, half), "", "")).toMatchObject({ value: 0.5, passed: false });
    expect(() => allOf()).toThrow(/at least one evaluator/);
  });

  it("weighted takes the weighted mean and passes at passAt", async () => {
    const mixed = weighted(
      [
        { evaluator: yes, weight: 3 },
        { evaluator: no, weight: 1 },
      ],
      { passAt: 0.7 },
    );
    expect(await judge(mixed, "", "")).toMatchObject({ value: 0.75, passed: true });
    expect(() => weighted([{ evaluator: yes, weight: 0 }])).toThrow(
      /weights >= 0 that add up to more than 0/,
    );
  });

  it("turns a throwing or malformed evaluator into a failing score for that sample only", async () => {
    const throws: Evaluator<string, string> = () => {
      throw new Error("judge offline");
    };
    const bad = (() => ({ value: 2, passed: true, reason: "?" })) as Evaluator<string, string>;
    expect(await judge(throws, "", "")).toMatchObject({ passed: false, error: "Error: judge offline" });
    expect((await judge(bad, "", "")).error).toBe(
      'evaluator for sample "s1" returned a value of 2, outside 0–1',
    );
    expect(await judge(allOf(yes, throws), "", "")).toMatchObject({ passed: false, value: 0.5 });
    expect(() => score(1.5, "too much")).toThrow(/from 0 to 1, got 1.5/);
  });
});
