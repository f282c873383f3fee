import { describe, expect, it } from "vitest";
import { progressLine, summaryLines } from "../../src/cli/eval-output.js";
import { experimentReport } from "../../src/evals/experiment.js";
import { type EvalResult, summarize } from "../../src/evals/run.js";

function results(passes: readonly boolean[], experiment: string, costUsd?: number): EvalResult<unknown>[] {
  return passes.map((passed, index) => ({
    sampleId: `s${index + 1}`,
    trial: 0,
    score: { value: passed ? 1 : 0, passed, reason: passed ? "ok" : `wrong on s${index + 1}` },
    latencyMs: 10 + index,
    experiment,
    ...(costUsd === undefined ? {} : { costUsd }),
  }));
}

describe("wink eval's output", () => {
  it("draws a progress bar that fills and counts failures", () => {
    expect(progressLine(0, 4, 0)).toBe(`[${".".repeat(30)}] 0/4 0 %`);
    expect(progressLine(2, 4, 1)).toBe(`[${"#".repeat(15)}${".".repeat(15)}] 2/4 50 % · 1 failed`);
    expect(progressLine(4, 4, 0)).toBe(`[${"#".repeat(30)}] 4/4 100 %`);
  });

  it("prints one aligned row per experiment, the delta, and the regressions", () => {
    const baseline = results([true, true, false, true], "baseline", 0.01);
    const variant = results([true, false, true, true], "v2");
    const report = experimentReport(
      "cases",
      1,
      [
        {
          experiment: { name: "baseline" },
          report: { dataset: "cases", results: baseline, summary: summarize(baseline) },
        },
        {
          experiment: { name: "v2" },
          report: { dataset: "cases", results: variant, summary: summarize(variant) },
        },
      ],
      new Date(0).toISOString(),
    );
    expect(summaryLines(report)).toEqual([
      "Dataset cases: 4 samples × 1 trial",
      "",
      "experiment  passed  pass rate  95 % interval  mean score  cost     p50    errors  retried",
      "baseline    3/4     75.0 %     30.1–95.4 %    0.750       $0.0400  11 ms  0       0",
      "v2          3/4     75.0 %     30.1–95.4 %    0.750       —        11 ms  0       0",
      "",
      "v2 vs baseline: pass rate +0.0 pp, mean score +0.000; 1 regressed, 1 improved",
      "  regressed s2: wrong on s2",
    ]);
  });
});
