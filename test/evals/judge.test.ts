/**
 * The LLM judge through the shared adapter loop, on a scripted in-process model (no HTTP: the
 * repair turn under test is the loop's, the same for every provider adapter).
 */
import { describe, expect, it } from "vitest";
import { type EvalContext, llmJudge, runEvaluator } from "../../src/evals/index.js";
import { InProcessAdapter, type InProcessHistory, InProcessModel } from "../../src/testing/index.js";

const ctx: EvalContext = { sampleId: "s1" };
const criterion = "The review names the bug and suggests a fix.";

describe("llmJudge", () => {
  it("asks the model with the criterion, output and expected value, and scores its rating", async () => {
    const seen: string[] = [];
    const model = new InProcessModel([
      (history: InProcessHistory) => {
        seen.push(history.rendered.text);
        return { text: '{"rating": "good", "reason": "Names the bug; the fix is vague."}' };
      },
    ]);
    const judge = llmJudge<{ comments: string[] }, string>({
      adapter: new InProcessAdapter(model),
      criterion,
    });
    const result = await runEvaluator(judge, { comments: ["off by one in the loop"] }, "off-by-one", ctx);
    expect(result).toEqual({ value: 0.75, passed: true, reason: "good: Names the bug; the fix is vague." });
    expect(seen[0]).toContain(criterion);
    expect(seen[0]).toContain('"off by one in the loop"');
    expect(seen[0]).toContain("off-by-one");
  });

  it("fails ratings below good unless told otherwise", async () => {
    const fair = () =>
      new InProcessAdapter(new InProcessModel([{ text: '{"rating": "fair", "reason": "Partly."}' }]));
    expect((await runEvaluator(llmJudge({ adapter: fair(), criterion }), "x", "y", ctx)).passed).toBe(false);
    const lenient = llmJudge({ adapter: fair(), criterion, passing: ["excellent", "good", "fair"] });
    expect(await runEvaluator(lenient, "x", "y", ctx)).toMatchObject({ value: 0.5, passed: true });
  });

  it("repairs a malformed verdict once", async () => {
    const model = new InProcessModel([
      { text: '{"rating": "great", "reason": "Nice."}' },
      { text: '{"rating": "excellent", "reason": "Nice."}' },
    ]);
    const result = await runEvaluator(
      llmJudge({ adapter: new InProcessAdapter(model), criterion }),
      "x",
      "y",
      ctx,
    );
    expect(result).toMatchObject({ value: 1, passed: true, reason: "excellent: Nice." });
  });

  it("fails only that sample with a clear error when the verdict stays malformed, and goes on", async () => {
    const model = new InProcessModel([
      { text: "I think it is fine." },
      { text: '{"rating": "fine"}' },
      { text: '{"rating": "wrong", "reason": "No bug named."}' },
    ]);
    const judge = llmJudge({ adapter: new InProcessAdapter(model), criterion });
    const broken = await runEvaluator(judge, "x", "y", ctx);
    expect(broken.passed).toBe(false);
    expect(broken.value).toBe(0);
    expect(broken.error).toMatch(/output schema|JSON/);
    const next = await runEvaluator(judge, "z", "y", { sampleId: "s2" });
    expect(next).toMatchObject({ value: 0, passed: false, reason: "wrong: No bug named." });
    expect(next.error).toBeUndefined();
  });
});
