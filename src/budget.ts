/**
 * Token, dollar and time budgets.
 *
 * A {@link Budget} sets limits; a {@link BudgetTracker} records the cumulative usage (and its
 * cost in dollars, when the model's price is known) that providers report per evaluation and
 * raises {@link BudgetExceededError} once a limit is crossed.
 * A limit is exceeded only when usage is *strictly greater* than it: spending exactly the budget
 * is allowed.
 *
 * @example
 * ```ts
 * import { Budget, BudgetTracker } from "weakincentives";
 *
 * const tracker = new BudgetTracker(new Budget({ maxTotalTokens: 500 }));
 * tracker.recordCumulative("eval-1", { inputTokens: 400, outputTokens: 200 });
 * tracker.check(); // throws BudgetExceededError (dimension "total_tokens", 600 > 500)
 * ```
 */

import { z } from "zod";
import type { Deadline } from "./deadline.js";
import { BudgetExceededError, WinkError } from "./errors.js";

/**
 * Token counts reported by a provider. Missing counts are unknown, and count as zero.
 * `cachedTokens` is the part of `inputTokens` served from a prompt cache and `cacheWriteTokens`
 * the part written to it (adapters fold cache reads and writes into `inputTokens`, so budgets
 * count the same on every provider; prices tell the parts apart).
 */
export const TokenUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  cachedTokens: z.number().int().nonnegative().optional(),
  cacheWriteTokens: z.number().int().nonnegative().optional(),
});

/** Token counts reported by a provider. */
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** Input plus output tokens, or undefined when the provider reported neither. */
export function totalTokens(usage: TokenUsage | undefined): number | undefined {
  if (!usage || (usage.inputTokens === undefined && usage.outputTokens === undefined)) return undefined;
  return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
}

/** `x + y`, where a missing count is zero, unless both are missing (unknown + unknown stays unknown). */
function sumCounts(x: number | undefined, y: number | undefined): number | undefined {
  return x === undefined && y === undefined ? undefined : (x ?? 0) + (y ?? 0);
}

/** Add two usages field by field (unknown + unknown stays unknown). */
export function addUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage {
  // Module-level helper, no closure: this runs on every model turn.
  const out: TokenUsage = {};
  const input = sumCounts(a?.inputTokens, b?.inputTokens);
  const output = sumCounts(a?.outputTokens, b?.outputTokens);
  const cached = sumCounts(a?.cachedTokens, b?.cachedTokens);
  const written = sumCounts(a?.cacheWriteTokens, b?.cacheWriteTokens);
  if (input !== undefined) out.inputTokens = input;
  if (output !== undefined) out.outputTokens = output;
  if (cached !== undefined) out.cachedTokens = cached;
  if (written !== undefined) out.cacheWriteTokens = written;
  return out;
}

/** Limits for one request. At least one must be set. */
export interface BudgetLimits {
  /** Stop when this deadline passes. */
  deadline?: Deadline;
  /** Maximum input + output tokens. */
  maxTotalTokens?: number;
  /** Maximum input tokens. */
  maxInputTokens?: number;
  /** Maximum output tokens. */
  maxOutputTokens?: number;
  /**
   * Maximum cost in US dollars, priced from the model's price table (`PriceTable` in
   * `weakincentives/adapters`). An adapter refuses to start an evaluation under this limit when
   * it knows no price for its model.
   */
  maxUsd?: number;
}

const LIMIT_KEYS = ["maxTotalTokens", "maxInputTokens", "maxOutputTokens"] as const;

/** Immutable resource limits for an evaluation. */
export class Budget implements Readonly<BudgetLimits> {
  readonly deadline?: Deadline;
  readonly maxTotalTokens?: number;
  readonly maxInputTokens?: number;
  readonly maxOutputTokens?: number;
  readonly maxUsd?: number;

  constructor(limits: BudgetLimits) {
    for (const key of LIMIT_KEYS) {
      const value = limits[key];
      if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
        throw new WinkError(
          "invalid_argument",
          `Budget ${key} must be a positive integer, got ${String(value)}. Omit it for no limit.`,
          { details: { [key]: value } },
        );
      }
    }
    const { maxUsd } = limits;
    if (maxUsd !== undefined && !(Number.isFinite(maxUsd) && maxUsd > 0)) {
      throw new WinkError(
        "invalid_argument",
        `Budget maxUsd must be a number of dollars > 0, got ${String(maxUsd)}. Omit it for no limit.`,
        { details: { maxUsd } },
      );
    }
    if (
      limits.deadline === undefined &&
      maxUsd === undefined &&
      LIMIT_KEYS.every((k) => limits[k] === undefined)
    ) {
      throw new WinkError(
        "invalid_argument",
        "A Budget needs at least one limit: deadline, maxTotalTokens, maxInputTokens, maxOutputTokens or maxUsd.",
      );
    }
    if (limits.deadline !== undefined) this.deadline = limits.deadline;
    if (maxUsd !== undefined) this.maxUsd = maxUsd;
    for (const key of LIMIT_KEYS) if (limits[key] !== undefined) this[key] = limits[key];
    Object.freeze(this);
  }
}

/**
 * Tracks cumulative usage per evaluation against a {@link Budget}. Provider usage is cumulative
 * within an evaluation, so recording *replaces* that evaluation's previous figure; consumption is
 * the sum over evaluations.
 */
export class BudgetTracker {
  readonly budget: Budget;
  private readonly perEvaluation = new Map<string, TokenUsage>();
  private readonly costs = new Map<string, number>();

  constructor(budget: Budget) {
    this.budget = budget;
  }

  /**
   * Record the cumulative usage reported so far for one evaluation, and its cumulative cost in
   * dollars when the adapter knows the model's price.
   */
  recordCumulative(evaluationId: string, usage: TokenUsage, costUsd?: number): void {
    this.perEvaluation.set(evaluationId, addUsage(usage, undefined));
    if (costUsd !== undefined) this.costs.set(evaluationId, costUsd);
  }

  /** Dollars spent across every evaluation recorded with a cost; undefined when none was. */
  get consumedUsd(): number | undefined {
    if (this.costs.size === 0) return undefined;
    let total = 0;
    for (const cost of this.costs.values()) total += cost;
    return total;
  }

  /** Usage summed across every evaluation recorded so far. */
  get consumed(): TokenUsage & { totalTokens: number } {
    // Summed into locals and assigned, not spread: the loop reads this after every model turn.
    let input: number | undefined;
    let output: number | undefined;
    let cached: number | undefined;
    let written: number | undefined;
    for (const u of this.perEvaluation.values()) {
      input = sumCounts(input, u.inputTokens);
      output = sumCounts(output, u.outputTokens);
      cached = sumCounts(cached, u.cachedTokens);
      written = sumCounts(written, u.cacheWriteTokens);
    }
    const usage: TokenUsage & { totalTokens?: number } = {};
    if (input !== undefined) usage.inputTokens = input;
    if (output !== undefined) usage.outputTokens = output;
    if (cached !== undefined) usage.cachedTokens = cached;
    if (written !== undefined) usage.cacheWriteTokens = written;
    usage.totalTokens = (input ?? 0) + (output ?? 0);
    return usage as TokenUsage & { totalTokens: number };
  }

  /**
   * Throw {@link BudgetExceededError} if the deadline passed or any token or dollar limit is
   * exceeded. Checked in order: deadline, input, output, total, dollars.
   */
  check(): void {
    const { deadline, maxInputTokens, maxOutputTokens, maxTotalTokens, maxUsd } = this.budget;
    if (deadline?.expired()) {
      throw new BudgetExceededError(
        "deadline",
        `Budget exceeded: deadline ${deadline.expiresAt.toISOString()} has passed. Allow more time or do less work per request.`,
        { details: { consumed: this.consumed } },
      );
    }
    // A budget with no token limit needs no sum.
    if (maxInputTokens !== undefined || maxOutputTokens !== undefined || maxTotalTokens !== undefined) {
      const consumed = this.consumed;
      checkLimit("input_tokens", consumed.inputTokens ?? 0, maxInputTokens, "maxInputTokens", consumed);
      checkLimit("output_tokens", consumed.outputTokens ?? 0, maxOutputTokens, "maxOutputTokens", consumed);
      checkLimit("total_tokens", consumed.totalTokens, maxTotalTokens, "maxTotalTokens", consumed);
    }
    if (maxUsd !== undefined) this.checkUsd(maxUsd);
  }

  private checkUsd(maxUsd: number): void {
    const spent = this.consumedUsd ?? 0;
    if (spent <= maxUsd) return;
    throw new BudgetExceededError(
      "usd",
      `Budget exceeded: spent $${spent.toFixed(4)} > maxUsd $${maxUsd}. Raise maxUsd (AGENT_MAX_BUDGET_USD), use a cheaper model, or shrink the prompt and tool output.`,
      { details: { consumed: this.consumed, consumedUsd: spent, limit: maxUsd } },
    );
  }
}

function checkLimit(
  dimension: "input_tokens" | "output_tokens" | "total_tokens",
  used: number,
  limit: number | undefined,
  option: string,
  consumed: TokenUsage & { totalTokens: number },
): void {
  if (limit !== undefined && used > limit) {
    throw new BudgetExceededError(
      dimension,
      `Budget exceeded: ${dimension} ${used} > ${option} ${limit}. Raise ${option} or shrink the prompt and tool output.`,
      { details: { consumed, limit, used } },
    );
  }
}
