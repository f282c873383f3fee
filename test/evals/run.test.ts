import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FakeClock } from "../../src/clock.js";
import {
  Dataset,
  evaluateDataset,
  exactMatch,
  meanInterval,
  quantile,
  tokensUnder,
  wilsonInterval,
} from "../../src/evals/index.js";

const dataset = Dataset.parse(
  [
    '{"id": "a", "input": 1, "expected": 2}',
    '{"id": "b", "input": 2, "expected": 4}',
    '{"id": "c", "input": 3, "expected": 7}',
  ].join("\n"),
  { input: z.number(), expected: z.number(), name: "doubling" },
);

describe("evaluateDataset", () => {
  it("runs every sample × trial, keeps their order, and summarizes", async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const progress: number[] = [];
    const report = await evaluateDataset(dataset, {
      trials: 2,
      concurrency: 2,
      clock,
      run: async (input, sample) => {
        calls.push(sample.id);
        const nth = calls.filter((id) => id === sample.id).length;
        await clock.tick(input * 100);
        if (sample.id === "b" && nth === 2) throw new Error("model timed out");
        return { output: input * 2, costUsd: 0.01, usage: { inputTokens: 10, outputTokens: 5 } };
      },
      evaluator: exactMatch<number>(),
      onResult: (_result, done, total) => progress.push(done * 10 + total),
    });
    expect(report.dataset).toBe("doubling");
    expect(report.results.map((r) => `${r.sampleId}${r.trial}:${r.score.passed}`)).toEqual([
      "a0:true",
      "a1:true",
      "b0:true",
      "b1:false",
      "c0:false",
      "c1:false",
    ]);
    const failed = report.results[3];
    expect(failed?.agentError).toBe("Error: model timed out");
    expect(failed?.score.reason).toBe("The agent failed: Error: model timed out");
    expect(report.results[4]?.score.reason).toBe("Expected 7, got 6.");
    expect(report.results[0]?.latencyMs).toBeGreaterThanOrEqual(100);
    const { summary } = report;
    expect(summary).toMatchObject({ results: 6, passed: 3, passRate: 0.5, errors: 1 });
    expect(summary.costUsd).toBeCloseTo(0.05);
    expect(summary.passRateInterval[0]).toBeCloseTo(0.188, 3);
    expect(summary.passRateInterval[1]).toBeCloseTo(0.812, 3);
    expect(progress).toEqual([16, 26, 36, 46, 56, 66]);
  });

  it("passes the run's measures to the evaluator", async () => {
    const report = await evaluateDataset(dataset, {
      run: async (input) => ({ output: input, usage: { inputTokens: input * 10, outputTokens: 0 } }),
      evaluator: tokensUnder(20),
    });
    expect(report.results.map((r) => r.score.passed)).toEqual([true, true, false]);
  });

  it("refuses trials or concurrency that are not whole numbers >= 1", async () => {
    const options = { run: async () => ({ output: 0 }), evaluator: exactMatch<number>() };
    await expect(evaluateDataset(dataset, { ...options, trials: 0 })).rejects.toThrow(
      /trials must be a whole number >= 1, got 0/,
    );
    await expect(evaluateDataset(dataset, { ...options, concurrency: 1.5 })).rejects.toThrow(/concurrency/);
  });
});

describe("statistics", () => {
  it("computes Wilson and mean intervals and nearest-rank quantiles", () => {
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
    const [low, high] = wilsonInterval(18, 20);
    expect(low).toBeCloseTo(0.699, 3);
    expect(high).toBeCloseTo(0.972, 3);
    const { mean, interval } = meanInterval([1, 0.5, 0.75, 1]);
    expect(mean).toBeCloseTo(0.8125);
    expect(interval[0]).toBeCloseTo(0.578, 3);
    expect(interval[1]).toBe(1);
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile([], 0.5)).toBeNaN();
  });
});
