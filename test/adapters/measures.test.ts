/**
 * Measurement events of the shared loop: one `ModelCalled` per model call (with its outcome, usage
 * and cost) and one `ModelRetried` per backoff, sent to the dispatcher only — and not built at all
 * when nobody subscribes to them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import {
  type Dispatcher,
  InProcessDispatcher,
  ModelCalled,
  ModelRetried,
  wants,
} from "../../src/events/index.js";
import { Session } from "../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/model-server/index.js";
import { reviewPrompt, validReview } from "./openai/fixtures.js";

describe("ModelCalled and ModelRetried", () => {
  let server: ScriptedModelServer;
  beforeEach(async () => {
    server = await ScriptedModelServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  const adapter = () =>
    new OpenAIAdapter({
      model: "gpt-4.1-mini",
      clientOptions: { apiKey: "sk-measure-test-0123456789abcdef", baseURL: server.openaiBaseUrl },
      throttle: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
    });

  it("publishes each call's outcome, usage and cost, and each retry, on the dispatcher only", async () => {
    const dispatcher = new InProcessDispatcher();
    const calls: unknown[] = [];
    const retries: unknown[] = [];
    dispatcher.subscribe(ModelCalled, (event) => void calls.push(event));
    dispatcher.subscribe(ModelRetried, (event) => void retries.push(event));
    server.enqueue(
      turn.error(503),
      turn.json(validReview, { usage: { inputTokens: 1_000, outputTokens: 100 } }),
    );
    const session = new Session({ dispatcher });
    await adapter().evaluate(reviewPrompt(), { session });

    expect(retries).toEqual([
      expect.objectContaining({
        adapter: "openai",
        model: "gpt-4.1-mini",
        kind: "server_error",
        status: 503,
        attempt: 1,
      }),
    ]);
    expect(calls).toEqual([
      expect.objectContaining({
        adapter: "openai",
        model: "gpt-4.1-mini",
        outcome: "ok",
        usage: expect.objectContaining({ inputTokens: 1_000, outputTokens: 100 }),
      }),
    ]);
    expect((calls[0] as { costUsd: number }).costUsd).toBeCloseTo((1_000 * 0.4 + 100 * 1.6) / 1e6, 12);
    // Not kept in the session: measurement events would grow it by one per model call.
    expect(session.slice(ModelCalled).all()).toHaveLength(0);

    server.enqueue(turn.error(500), turn.error(500));
    await expect(
      adapter().evaluate(reviewPrompt(), { session: new Session({ dispatcher }) }),
    ).rejects.toThrow();
    expect(calls.at(-1)).toMatchObject({ outcome: "error", errorType: "ThrottleError" });
  });

  it("wants() says whether anyone listens, so nothing is built for a dispatcher without subscribers", () => {
    const dispatcher = new InProcessDispatcher();
    expect(wants(dispatcher, ModelCalled)).toBe(false);
    const off = dispatcher.subscribe(ModelCalled, () => {});
    expect(wants(dispatcher, ModelCalled)).toBe(true);
    expect(wants(dispatcher, ModelRetried)).toBe(false);
    off();
    dispatcher.subscribeAll(() => {});
    expect(wants(dispatcher, ModelRetried)).toBe(true);
    // A dispatcher that cannot tell is assumed to want everything.
    const plain: Dispatcher = {
      subscribe: (type, handler) => dispatcher.subscribe(type, handler),
      subscribeAll: (handler) => dispatcher.subscribeAll(handler),
      unsubscribe: (type, handler) => dispatcher.unsubscribe(type, handler),
      dispatch: (event) => dispatcher.dispatch(event),
    };
    expect(wants(new InProcessDispatcher(), ModelCalled)).toBe(false);
    expect(wants(plain, ModelCalled)).toBe(true);
  });
});
