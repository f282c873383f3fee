/**
 * Which error a Claude Code result that is not a success becomes. These run without Claude
 * Code: the result messages are built here, as the SDK reports them.
 */
import type { SDKResultMessage } from "@anthropic-ai/claude-agent-sdk";
import { describe, expect, it } from "vitest";
import { resultError } from "../../../src/adapters/claude-agent-sdk/results.js";
import { PromptEvaluationError } from "../../../src/adapters/errors.js";
import { Budget, BudgetTracker } from "../../../src/budget.js";
import { BudgetExceededError } from "../../../src/errors.js";

/** Claude Code stopped at the `maxBudgetUsd` it was given, having spent `costUsd`. */
function stoppedAtBudget(costUsd: number): SDKResultMessage {
  return {
    type: "result",
    subtype: "error_max_budget_usd",
    total_cost_usd: costUsd,
    num_turns: 3,
    errors: [],
  } as unknown as SDKResultMessage;
}

/** A request budget of `maxUsd`, with `spentUsd` recorded by this evaluation. */
function trackerWith(maxUsd: number, spentUsd: number): BudgetTracker {
  const tracker = new BudgetTracker(new Budget({ maxUsd }));
  tracker.recordCumulative("evaluation", { inputTokens: 10, outputTokens: 5 }, spentUsd);
  return tracker;
}

describe("resultError for a run Claude Code stopped at its dollar limit", () => {
  it("is the request's BudgetExceededError when the spend went over the request's limit", () => {
    const error = resultError(stoppedAtBudget(0.0123), "review", 10, trackerWith(0.01, 0.0123));
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ dimension: "usd" });
  });

  it("is the request's BudgetExceededError when the spend is exactly the request's limit", () => {
    // Claude Code stops as its spend reaches the limit; the tracker allows spent == maxUsd, but
    // the request's budget is what ran out, so MainLoop must not retry it with backoff.
    for (const spent of [0.01, 0.01 - 1e-12]) {
      const error = resultError(stoppedAtBudget(spent), "review", 10, trackerWith(0.01, spent));
      expect(error).toBeInstanceOf(BudgetExceededError);
      expect(error).toMatchObject({ dimension: "usd", details: { limit: 0.01 } });
      expect((error as Error).message).toMatch(/spent \$0\.0100 of maxUsd \$0\.01/);
    }
  });

  it("is the adapter's own limit (phase budget) when the request's budget has room left", () => {
    const error = resultError(stoppedAtBudget(0.005), "review", 10, trackerWith(0.01, 0.005));
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect(error).toMatchObject({ phase: "budget" });
    expect((error as Error).message).toMatch(/adapter's maxBudgetUsd/);
  });

  it("is the adapter's own limit when the request has no dollar budget", () => {
    expect(resultError(stoppedAtBudget(0.5), "review", 10, undefined)).toMatchObject({ phase: "budget" });
  });
});
