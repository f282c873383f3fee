import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compareReports, Dataset, evaluateDataset, exactMatch } from "../../src/evals/index.js";

const dataset = Dataset.parse(
  [1, 2, 3, 4].map((n) => JSON.stringify({ id: `s${n}`, input: n, expected: n * 2 })).join("\n"),
  { input: z.number(), expected: z.number() },
);

const runWith = (answer: (n: number) => number) =>
  evaluateDataset(dataset, {
    run: async (n) => ({ output: answer(n) }),
    evaluator: exactMatch<number>(),
    trials: 2,
  });

describe("compareReports", () => {
  it("gives the deltas and lists regressions first, then improvements, then the rest", async () => {
    const baseline = await runWith((n) => (n === 4 ? 0 : n * 2)); // s4 fails
    const variant = await runWith((n) => (n === 2 || n === 3 ? 0 : n * 2)); // s2, s3 fail; s4 fixed
    const comparison = compareReports(baseline, variant);
    expect(comparison.passRateDelta).toBeCloseTo(-0.25);
    expect(comparison.meanScoreDelta).toBeCloseTo(-0.25);
    expect(comparison.regressions).toBe(2);
    expect(comparison.improvements).toBe(1);
    expect(comparison.samples.map((s) => `${s.sampleId}:${s.change}`)).toEqual([
      "s2:regressed",
      "s3:regressed",
      "s4:improved",
      "s1:same",
    ]);
    expect(comparison.samples[0]).toMatchObject({
      baselinePassRate: 1,
      variantPassRate: 0,
      variantReason: "Expected 4, got 0.",
    });
  });

  it("a pass/fail flip decides the change even when the mean score is equal", async () => {
    const graded = (passed: boolean, value: number) =>
      evaluateDataset(dataset, {
        run: async (n) => ({ output: n }),
        evaluator: (_output, _expected, context) =>
          context.sampleId === "s1"
            ? { value, passed, reason: passed ? "good enough" : "not enough" }
            : { value: 1, passed: true, reason: "ok" },
      });
    const comparison = compareReports(await graded(true, 0.8), await graded(false, 0.8));
    expect(comparison.samples[0]).toMatchObject({ sampleId: "s1", change: "regressed" });
    expect(compareReports(await graded(false, 0.8), await graded(true, 0.8)).samples[0]?.change).toBe(
      "improved",
    );
  });

  it("refuses reports over different samples, naming them", async () => {
    const other = Dataset.parse('{"id": "x", "input": 1, "expected": 2}', {
      input: z.number(),
      expected: z.number(),
    });
    const a = await runWith((n) => n * 2);
    const b = await evaluateDataset(other, {
      run: async (n) => ({ output: n }),
      evaluator: exactMatch<number>(),
    });
    expect(() => compareReports(a, b)).toThrow(
      /only in the baseline: s1, s2, s3, s4; only in the variant: x/,
    );
  });
});
