/**
 * Dollar budgets on the HTTP adapters: turns priced from the price table, the budget checked
 * after each turn, the cost on the response and on `PromptExecuted`. Real `openai` and
 * `@anthropic-ai/sdk` clients against the scripted model server over HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { PromptEvaluationError } from "../../src/adapters/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { LoopOptions, ProviderAdapter } from "../../src/adapters/types.js";
import { Budget } from "../../src/budget.js";
import { BudgetExceededError } from "../../src/errors.js";
import { PromptExecuted, ToolInvoked } from "../../src/events/index.js";
import { Session } from "../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/model-server/index.js";
import { reviewPrompt, validReview } from "./openai/fixtures.js";

type Make = (server: ScriptedModelServer, model: string, prices?: LoopOptions["prices"]) => ProviderAdapter;

const throttle = { baseDelayMs: 1, maxDelayMs: 2 };
const openai =
  (api: "chat" | "responses"): Make =>
  (server, model, prices) =>
    new OpenAIAdapter({
      model,
      api,
      clientOptions: { apiKey: "sk-usd-test-0123456789abcdef", baseURL: server.openaiBaseUrl },
      throttle,
      ...(prices ? { prices } : {}),
    });

const ADAPTERS: readonly (readonly [string, string, Make])[] = [
  ["openai chat", "gpt-4.1-mini", openai("chat")],
  ["openai responses", "gpt-4.1-mini", openai("responses")],
  [
    "anthropic",
    "claude-sonnet-4-6",
    (server, model, prices) =>
      new AnthropicAdapter({
        model,
        env: {},
        bedrock: false,
        clientOptions: { apiKey: "sk-ant-api03-usdtest0123456789", baseURL: server.anthropicBaseUrl },
        throttle,
        ...(prices ? { prices } : {}),
      }),
  ],
];

const call = (id: string) => ({ id, name: "lookup_entity", arguments: { entityId: id } });

describe.each(ADAPTERS)("dollar budgets: %s", (_name, model, make) => {
  let server: ScriptedModelServer;
  beforeEach(async () => {
    server = await ScriptedModelServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it("fails with BudgetExceededError (usd) on the first turn that crosses maxUsd", async () => {
    // At $10/$20 per million: turn 1 costs $0.012, turn 2 $0.024 more ($0.036 > $0.03), and
    // turn 3 would answer.
    const prices = { [model]: { input: 10, output: 20 } };
    server.enqueue(
      turn.toolCalls([call("c1")], { usage: { inputTokens: 1_000, outputTokens: 100 } }),
      turn.toolCalls([call("c2")], { usage: { inputTokens: 2_000, outputTokens: 200 } }),
      turn.json(validReview, { usage: { inputTokens: 3_000, outputTokens: 10 } }),
    );
    const session = new Session();
    const error = await make(server, model, prices)
      .evaluate(reviewPrompt(), { session, budget: new Budget({ maxUsd: 0.03 }) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ dimension: "usd", details: { limit: 0.03 } });
    expect((error as BudgetExceededError).details.consumedUsd).toBeCloseTo(0.036, 10);
    expect(server.requests).toHaveLength(2);
    // The second turn's tool call never ran: the budget stops before tools.
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
  });

  it("reports the cost on the response and on PromptExecuted, priced from the built-in table", async () => {
    server.enqueue(
      turn.toolCalls([call("c1")], { usage: { inputTokens: 10_000, outputTokens: 500 } }),
      turn.json(validReview, { usage: { inputTokens: 20_000, outputTokens: 1_000 } }),
    );
    const session = new Session();
    const response = await make(server, model).evaluate(reviewPrompt(), {
      session,
      budget: new Budget({ maxUsd: 5 }),
    });

    const rates = model === "gpt-4.1-mini" ? { input: 0.4, output: 1.6 } : { input: 3, output: 15 };
    const expected = (30_000 * rates.input + 1_500 * rates.output) / 1_000_000;
    expect(response.costUsd).toBeCloseTo(expected, 12);
    const [executed] = session.slice(PromptExecuted).all();
    expect(executed?.costUsd).toBeCloseTo(expected, 12);
    expect(executed?.model).toBe(model);
  });

  it("refuses a dollar budget on a model with no price before sending anything", async () => {
    const error = await make(server, "unlisted-model-7")
      .evaluate(reviewPrompt(), { session: new Session(), budget: new Budget({ maxUsd: 1 }) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect(error).toMatchObject({ phase: "budget" });
    expect((error as Error).message).toContain("no price is known for it");
    expect((error as Error).message).toContain("prices");
    expect(server.requests).toHaveLength(0);
  });

  it("prices an unlisted model given through the prices option, and leaves cost out without one", async () => {
    server.enqueue(turn.json(validReview, { usage: { inputTokens: 1_000_000, outputTokens: 0 } }));
    const priced = await make(server, "unlisted-model-7", {
      "unlisted-model-7": { input: 2, output: 4 },
    }).evaluate(reviewPrompt(), { session: new Session(), budget: new Budget({ maxUsd: 10 }) });
    expect(priced.costUsd).toBeCloseTo(2, 12);

    server.enqueue(turn.json(validReview, { usage: { inputTokens: 1_000, outputTokens: 10 } }));
    const unpriced = await make(server, "unlisted-model-7").evaluate(reviewPrompt(), {
      session: new Session(),
    });
    expect(unpriced.costUsd).toBeUndefined();
  });
});
