/** How a MainLoop describes itself and a request's budget in debug bundles (`run.json`, `metrics.json`). */

import type { ProviderAdapter } from "../../adapters/types.js";
import type { BudgetTracker } from "../../budget.js";
import type { BudgetState, MainLoopConfig } from "./options.js";

/** The loop's effective settings, as a debug bundle records them (`run.json`). */
export function loopSettings(adapter: ProviderAdapter, c: MainLoopConfig): Readonly<Record<string, unknown>> {
  return {
    adapter: adapter.name,
    ...("model" in adapter && typeof adapter.model === "string" ? { model: adapter.model } : {}),
    deadlineSeconds: c.deadlineSeconds ?? null,
    budget: c.budget ?? null,
    concurrency: c.concurrency ?? 1,
    batchSize: c.batchSize ?? null,
    visibilityTimeout: c.visibilityTimeout ?? null,
    waitTimeSeconds: c.waitTimeSeconds ?? null,
    maxVisibilityExpansions: c.maxVisibilityExpansions ?? 16,
    leaseExtender: c.leaseExtender ?? "default",
    dlq: c.dlq ? c.dlq.mailbox.name : null,
  };
}

/** The limits of a request's budget, as a debug bundle records them. */
function budgetLimits(tracker: BudgetTracker): BudgetState["limits"] {
  const { budget } = tracker;
  return {
    ...(budget.maxTotalTokens === undefined ? {} : { maxTotalTokens: budget.maxTotalTokens }),
    ...(budget.maxInputTokens === undefined ? {} : { maxInputTokens: budget.maxInputTokens }),
    ...(budget.maxOutputTokens === undefined ? {} : { maxOutputTokens: budget.maxOutputTokens }),
    ...(budget.maxUsd === undefined ? {} : { maxUsd: budget.maxUsd }),
    ...(budget.deadline ? { deadline: new Date(budget.deadline.expiresAtMs).toISOString() } : {}),
  };
}

/** A request's budget as a debug bundle and the reply record it: limits, tokens and dollars. */
export function budgetState(tracker: BudgetTracker): BudgetState {
  const usd = tracker.consumedUsd;
  return {
    limits: budgetLimits(tracker),
    consumed: tracker.consumed,
    ...(usd === undefined ? {} : { consumedUsd: usd }),
  };
}
