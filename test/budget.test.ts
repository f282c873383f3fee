import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addUsage, Budget, BudgetTracker, totalTokens } from "../src/budget.js";
import { FakeClock } from "../src/clock.js";
import { Deadline } from "../src/deadline.js";
import { BudgetExceededError } from "../src/errors.js";

function exceeded(fn: () => void): BudgetExceededError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BudgetExceededError) return err;
    throw err;
  }
  throw new Error("expected BudgetExceededError");
}

describe("Budget", () => {
  it("needs at least one limit", () => {
    expect(() => new Budget({})).toThrow(/at least one limit/);
  });

  it("rejects non-positive or fractional token limits, naming the option and value", () => {
    expect(() => new Budget({ maxTotalTokens: 0 })).toThrow(
      /maxTotalTokens must be a positive integer, got 0/,
    );
    expect(() => new Budget({ maxInputTokens: 1.5 })).toThrow(/maxInputTokens .* got 1.5/);
  });

  it("is frozen", () => {
    const budget = new Budget({ maxOutputTokens: 10 });
    expect(Object.isFrozen(budget)).toBe(true);
  });
});

describe("BudgetTracker", () => {
  it("raises total_tokens when 400 + 200 exceeds 500", () => {
    const tracker = new BudgetTracker(new Budget({ maxTotalTokens: 500 }));
    tracker.recordCumulative("eval-1", { inputTokens: 400, outputTokens: 200 });
    const err = exceeded(() => tracker.check());
    expect(err.dimension).toBe("total_tokens");
    expect(err.message).toContain("600 > maxTotalTokens 500");
    expect(tracker.consumed.totalTokens).toBe(600);
  });

  it("allows usage exactly at the limit", () => {
    const tracker = new BudgetTracker(new Budget({ maxTotalTokens: 600, maxInputTokens: 400 }));
    tracker.recordCumulative("e", { inputTokens: 400, outputTokens: 200 });
    expect(() => tracker.check()).not.toThrow();
  });

  it("replaces an evaluation's usage and sums across evaluations", () => {
    const tracker = new BudgetTracker(new Budget({ maxTotalTokens: 10_000 }));
    tracker.recordCumulative("a", { inputTokens: 10, outputTokens: 5 });
    tracker.recordCumulative("a", { inputTokens: 30, outputTokens: 7 });
    tracker.recordCumulative("b", { inputTokens: 1 });
    expect(tracker.consumed).toEqual({ inputTokens: 31, outputTokens: 7, totalTokens: 38 });
  });

  it("checks deadline, then input, then output, then total", () => {
    const clock = new FakeClock();
    const tracker = new BudgetTracker(
      new Budget({
        deadline: Deadline.after(10, clock),
        maxInputTokens: 1,
        maxOutputTokens: 1,
        maxTotalTokens: 1,
      }),
    );
    tracker.recordCumulative("e", { inputTokens: 5, outputTokens: 5 });
    expect(exceeded(() => tracker.check()).dimension).toBe("input_tokens");
    clock.advance(10);
    expect(exceeded(() => tracker.check()).dimension).toBe("deadline");
  });

  it("reports output_tokens when only the output limit is crossed", () => {
    const tracker = new BudgetTracker(new Budget({ maxOutputTokens: 100, maxTotalTokens: 1_000 }));
    tracker.recordCumulative("e", { inputTokens: 50, outputTokens: 101 });
    const err = exceeded(() => tracker.check());
    expect(err.dimension).toBe("output_tokens");
    expect(err.code).toBe("budget_exceeded");
  });

  it("fails exactly when a limit is strictly exceeded (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ inputTokens: fc.nat(1_000), outputTokens: fc.nat(1_000) }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 10_000 }),
        (usages, limit) => {
          const tracker = new BudgetTracker(new Budget({ maxTotalTokens: limit }));
          for (const [i, u] of usages.entries()) tracker.recordCumulative(`e${i}`, u);
          const total = usages.reduce((s, u) => s + u.inputTokens + u.outputTokens, 0);
          let threw = false;
          try {
            tracker.check();
          } catch {
            threw = true;
          }
          return threw === total > limit;
        },
      ),
    );
  });
});

describe("token usage helpers", () => {
  it("totalTokens is undefined when nothing was reported", () => {
    expect(totalTokens(undefined)).toBeUndefined();
    expect(totalTokens({ cachedTokens: 3 })).toBeUndefined();
    expect(totalTokens({ outputTokens: 3 })).toBe(3);
  });

  it("addUsage keeps unknown fields unknown", () => {
    expect(addUsage({ inputTokens: 1 }, { inputTokens: 2, cachedTokens: 4 })).toEqual({
      inputTokens: 3,
      cachedTokens: 4,
    });
    expect(addUsage(undefined, undefined)).toEqual({});
  });
});

describe("dollar budgets", () => {
  it("validates maxUsd and accepts it as the only limit", () => {
    expect(new Budget({ maxUsd: 0.5 }).maxUsd).toBe(0.5);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new Budget({ maxUsd: bad })).toThrow(/maxUsd must be a number of dollars > 0/);
    }
  });

  it("sums the latest cost of each evaluation and throws once it is strictly over maxUsd", () => {
    const tracker = new BudgetTracker(new Budget({ maxUsd: 1 }));
    expect(tracker.consumedUsd).toBeUndefined();
    tracker.recordCumulative("a", { inputTokens: 10 }, 0.4);
    tracker.recordCumulative("a", { inputTokens: 20 }, 0.6); // cumulative: replaces 0.4
    tracker.recordCumulative("b", { inputTokens: 5 }, 0.4);
    expect(tracker.consumedUsd).toBeCloseTo(1, 12);
    tracker.check(); // exactly the budget is allowed
    tracker.recordCumulative("c", { inputTokens: 1 }, 0.01);
    const error = exceeded(() => tracker.check());
    expect(error.dimension).toBe("usd");
    expect(error.message).toContain("spent $1.0100 > maxUsd $1");
    expect(error.details).toMatchObject({ limit: 1 });
  });

  it("counts cache writes in the consumed usage", () => {
    const tracker = new BudgetTracker(new Budget({ maxTotalTokens: 100 }));
    tracker.recordCumulative("a", { inputTokens: 10, cacheWriteTokens: 4 });
    tracker.recordCumulative("b", { inputTokens: 10, cacheWriteTokens: 3 });
    expect(tracker.consumed).toMatchObject({ inputTokens: 20, cacheWriteTokens: 7, totalTokens: 20 });
  });
});
