/**
 * Comparing two runs of one dataset (a baseline and a variant): the change in pass rate, mean
 * score, cost and latency, and the per-sample differences with regressions first — the list a
 * reviewer reads before accepting an agent change.
 */

import { WinkError } from "../errors.js";
import type { EvalReport, EvalResult, EvalSummary } from "./run.js";

/** How one sample moved between baseline and variant. */
export interface SampleDiff {
  readonly sampleId: string;
  /** Passing trials / trials, per side. */
  readonly baselinePassRate: number;
  readonly variantPassRate: number;
  /** Mean score over trials, per side. */
  readonly baselineScore: number;
  readonly variantScore: number;
  readonly change: "regressed" | "improved" | "same";
  /** The variant's reason on its first failing trial (or first trial), for the report. */
  readonly variantReason: string;
}

/** A variant against a baseline on the same dataset. */
export interface Comparison {
  readonly baseline: EvalSummary;
  readonly variant: EvalSummary;
  /** variant − baseline. */
  readonly passRateDelta: number;
  readonly meanScoreDelta: number;
  /** Regressions (largest score drop first), then improvements (largest gain first), then the rest. */
  readonly samples: readonly SampleDiff[];
  readonly regressions: number;
  readonly improvements: number;
}

interface Side {
  passRate: number;
  score: number;
  reason: string;
}

function bySample(results: readonly EvalResult<unknown>[]): Map<string, Side> {
  const groups = new Map<string, EvalResult<unknown>[]>();
  for (const result of results) groups.set(result.sampleId, [...(groups.get(result.sampleId) ?? []), result]);
  const sides = new Map<string, Side>();
  for (const [id, group] of groups) {
    const reasonOf = group.find((result) => !result.score.passed) ?? group[0];
    sides.set(id, {
      passRate: group.filter((result) => result.score.passed).length / group.length,
      score: group.reduce((sum, result) => sum + result.score.value, 0) / group.length,
      reason: reasonOf?.score.reason ?? "",
    });
  }
  return sides;
}

const RANK = { regressed: 0, improved: 1, same: 2 } as const;

/**
 * Compare `variant` with `baseline`. Both must cover the same sample ids (a `WinkError` with code
 * `evaluation_invalid` names the ones that differ).
 */
export function compareReports(baseline: EvalReport<unknown>, variant: EvalReport<unknown>): Comparison {
  const before = bySample(baseline.results);
  const after = bySample(variant.results);
  const missing = [...before.keys()].filter((id) => !after.has(id));
  const extra = [...after.keys()].filter((id) => !before.has(id));
  if (missing.length > 0 || extra.length > 0) {
    throw new WinkError(
      "evaluation_invalid",
      `The reports cover different samples (only in the baseline: ${missing.join(", ") || "none"}; ` +
        `only in the variant: ${extra.join(", ") || "none"}). Run both on the same dataset.`,
      { details: { missing, extra } },
    );
  }
  const samples = [...before.entries()].map(([sampleId, base]): SampleDiff => {
    const next = after.get(sampleId) as Side;
    const delta = next.score - base.score;
    // A pass/fail flip decides; with the same pass rate, the score does.
    const passDelta = next.passRate - base.passRate;
    const moved = Math.abs(passDelta) > 1e-9 ? passDelta : Math.abs(delta) < 1e-9 ? 0 : delta;
    const change = moved === 0 ? "same" : moved < 0 ? "regressed" : "improved";
    return {
      sampleId,
      baselinePassRate: base.passRate,
      variantPassRate: next.passRate,
      baselineScore: base.score,
      variantScore: next.score,
      change,
      variantReason: next.reason,
    };
  });
  samples.sort((a, b) => {
    const rank = RANK[a.change] - RANK[b.change];
    if (rank !== 0) return rank;
    const gap = Math.abs(b.variantScore - b.baselineScore) - Math.abs(a.variantScore - a.baselineScore);
    return gap !== 0 ? gap : a.sampleId.localeCompare(b.sampleId);
  });
  return {
    baseline: baseline.summary,
    variant: variant.summary,
    passRateDelta: variant.summary.passRate - baseline.summary.passRate,
    meanScoreDelta: variant.summary.meanScore - baseline.summary.meanScore,
    samples,
    regressions: samples.filter((sample) => sample.change === "regressed").length,
    improvements: samples.filter((sample) => sample.change === "improved").length,
  };
}
