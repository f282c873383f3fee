/**
 * The LLM judge through the shared adapter loop: on a scripted in-process model, and with real
 * `openai` and `@anthropic-ai/sdk` clients against the scripted model server over HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { ProviderAdapter } from "../../src/adapters/types.js";
import { type EvalContext, llmJudge, runEvaluator } from "../../src/evals/index.js";
import { InProcessAdapter, type InProcessHistory, InProcessModel } from "../../src/testing/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/model-server/index.js";

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

describe.each([
  ["openai chat", "chat"],
  ["openai responses", "responses"],
  ["anthropic", "anthropic"],
] as const)("llmJudge over HTTP: %s", (_name, kind) => {
  let server: ScriptedModelServer;
  beforeEach(async () => {
    server = await ScriptedModelServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  const adapter = (): ProviderAdapter =>
    kind === "anthropic"
      ? new AnthropicAdapter({
          model: "claude-haiku-4-5",
          env: {},
          bedrock: false,
          clientOptions: { apiKey: "sk-ant-api03-judgetest0123456789", baseURL: server.anthropicBaseUrl },
          throttle: { baseDelayMs: 1, maxDelayMs: 2 },
        })
      : new OpenAIAdapter({
          model: "gpt-4.1-mini",
          api: kind,
          clientOptions: { apiKey: "sk-judge-test-0123456789abcdef", baseURL: server.openaiBaseUrl },
          throttle: { baseDelayMs: 1, maxDelayMs: 2 },
        });

  it("scores a verdict, repairs a malformed one, and fails only the sample whose verdict stays bad", async () => {
    server.enqueue(
      turn.json({ rating: "excellent", reason: "Names the bug and the fix." }),
      turn.text('{"rating": "great"}'),
      turn.json({ rating: "poor", reason: "Misses the bug." }),
      turn.text("no verdict"),
      turn.text("still none"),
    );
    const judge = llmJudge<string, string>({ adapter: adapter(), criterion });
    expect(await runEvaluator(judge, "a", "b", ctx)).toMatchObject({ value: 1, passed: true });
    expect(await runEvaluator(judge, "a", "b", ctx)).toMatchObject({ value: 0.25, passed: false });
    const broken = await runEvaluator(judge, "a", "b", ctx);
    expect(broken).toMatchObject({ value: 0, passed: false });
    expect(broken.error).toBeDefined();
    expect(server.requests).toHaveLength(5);
  });
});
