/**
 * The OpenAI adapter end to end: the real `openai` SDK client over HTTP against the scripted
 * model server, for both the Chat Completions and the Responses API.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PromptEvaluationError, ThrottleError } from "../../../src/adapters/index.js";
import type { OpenAIApi } from "../../../src/adapters/openai/index.js";
import { Budget } from "../../../src/budget.js";
import { FakeClock } from "../../../src/clock.js";
import { Deadline } from "../../../src/deadline.js";
import { BudgetExceededError, DeadlineExceededError, OutputParseError } from "../../../src/errors.js";
import { PromptExecuted, PromptRendered, ToolInvoked } from "../../../src/events/index.js";
import { Session } from "../../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../../src/testing/model-server/index.js";
import {
  API_KEY,
  makeAdapter,
  outputFormat,
  Review,
  reviewPrompt,
  toolNames,
  toolOutputs,
  userMessages,
  validReview,
} from "./fixtures.js";

const fastThrottle = { baseDelayMs: 1, maxDelayMs: 1 };

describe.each<OpenAIApi>(["chat", "responses"])("OpenAIAdapter (%s API)", (api) => {
  let server: ScriptedModelServer;
  beforeEach(async () => {
    server = await ScriptedModelServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it("runs a multi-turn tool call and returns typed structured output", async () => {
    server.enqueue(
      turn.toolCalls([{ id: "call_1", name: "lookup_entity", arguments: { entityId: "e-1" } }], {
        usage: { inputTokens: 100, outputTokens: 10 },
      }),
      turn.json(validReview, { usage: { inputTokens: 150, outputTokens: 20 } }),
    );
    const session = new Session();
    const response = await makeAdapter(api, server.openaiBaseUrl).evaluate(reviewPrompt(), { session });

    expect(response.output).toEqual(validReview);
    expect(response.usage).toMatchObject({ inputTokens: 250, outputTokens: 30 });
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first?.path).toBe(api === "chat" ? "/v1/chat/completions" : "/v1/responses");
    expect(toolNames(api, first)).toEqual(["lookup_entity"]);
    const format = outputFormat(api, first);
    expect(format).toMatchObject({
      strict: false,
      schema: { type: "object", required: ["summary", "issues"] },
    });
    expect(format?.name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(toolOutputs(api, first)).toEqual([]);
    expect(toolOutputs(api, second)).toEqual([
      { id: "call_1", content: expect.stringContaining("https://example.com/e-1") },
    ]);
    expect(outputFormat(api, second)).toEqual(format);

    expect(session.slice(PromptRendered).all()).toHaveLength(1);
    const invoked = session.slice(ToolInvoked).all();
    expect(invoked).toHaveLength(1);
    expect(invoked[0]).toMatchObject({
      name: "lookup_entity",
      success: true,
      callId: "call_1",
      adapter: "openai",
    });
    const executed = session.slice(PromptExecuted).all();
    expect(executed).toHaveLength(1);
    expect(executed[0]).toMatchObject({ usage: { inputTokens: 250, outputTokens: 30 } });
    Review.parse(response.output);
  });

  it("sends invalid tool arguments back naming the bad field, and the model recovers", async () => {
    server.enqueue(
      turn.toolCalls([{ id: "call_bad", name: "lookup_entity", arguments: { entityId: 42 } }]),
      turn.toolCalls([{ id: "call_good", name: "lookup_entity", arguments: { entityId: "e-2" } }]),
      turn.json(validReview),
    );
    const session = new Session();
    const response = await makeAdapter(api, server.openaiBaseUrl).evaluate(reviewPrompt(), { session });

    expect(response.output).toEqual(validReview);
    const rejected = toolOutputs(api, server.requests[1]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.id).toBe("call_bad");
    expect(rejected[0]?.content).toContain("entityId");
    expect(toolOutputs(api, server.requests[2]).map((o) => o.id)).toEqual(["call_bad", "call_good"]);
    expect(
      session
        .slice(ToolInvoked)
        .all()
        .map((e) => e.success),
    ).toEqual([false, true]);
  });

  it("asks for a repair when the final answer fails the schema, then accepts the fix", async () => {
    server.enqueue(turn.json({ summary: 7, issues: [] }), turn.json(validReview));
    const session = new Session();
    const response = await makeAdapter(api, server.openaiBaseUrl).evaluate(reviewPrompt(), { session });

    expect(response.output).toEqual(validReview);
    expect(server.requests).toHaveLength(2);
    expect(userMessages(api, server.requests[0])).toEqual([]);
    const repair = userMessages(api, server.requests[1]);
    expect(repair).toHaveLength(1);
    expect(repair[0]).toContain("did not match the required output schema");
    expect(repair[0]).toContain("summary");
    expect(session.slice(PromptExecuted).all()).toHaveLength(1);
  });

  it("fails with OutputParseError when the repair does not fix the answer", async () => {
    server.enqueue(turn.text("no json here"), turn.text("still none"));
    const error = await makeAdapter(api, server.openaiBaseUrl)
      .evaluate(reviewPrompt(), { session: new Session() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputParseError);
    expect(server.requests).toHaveLength(2);
  });

  it("waits out a 429's retry-after on the clock, then succeeds on the second request", async () => {
    server.enqueue(turn.error(429, { retryAfter: 2 }), turn.json(validReview));
    const clock = new FakeClock();
    const adapter = makeAdapter(api, server.openaiBaseUrl, { clock });
    const started = clock.monotonic();
    const pending = adapter.evaluate(reviewPrompt(), { session: new Session() });

    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    expect(server.requests).toHaveLength(1);
    clock.advance(2_000);
    const response = await pending;

    expect(response.output).toEqual(validReview);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(clock.monotonic() - started).toBe(2_000);
  });

  it("gives up with ThrottleError carrying the status once 5xx exhausts the attempts", async () => {
    server.enqueue(turn.error(500), turn.error(500));
    const adapter = makeAdapter(api, server.openaiBaseUrl, { throttle: { ...fastThrottle, maxAttempts: 2 } });
    const error = await adapter.evaluate(reviewPrompt(), { session: new Session() }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ThrottleError);
    expect(error).toMatchObject({ status: 500, attempts: 2, kind: "server_error" });
    expect(server.requests).toHaveLength(2);
  });

  it("surfaces a 400 at once with the status and the provider's message, without the key", async () => {
    const message = "Invalid schema for function 'lookup_entity': 'entityId' is not valid.";
    server.enqueue(
      turn.error(400, {
        body: { error: { message, type: "invalid_request_error", param: "tools", code: null } },
      }),
    );
    const error = await makeAdapter(api, server.openaiBaseUrl)
      .evaluate(reviewPrompt(), { session: new Session() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect(error).toMatchObject({ status: 400, phase: "request" });
    expect((error as Error).message).toContain("status 400");
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain(API_KEY);
    expect(server.requests).toHaveLength(1);
  });

  it("redacts the key when the provider echoes it in a 401", async () => {
    server.enqueue(
      turn.error(401, { body: { error: { message: `Incorrect API key provided: ${API_KEY}.` } } }),
    );
    const error = await makeAdapter(api, server.openaiBaseUrl)
      .evaluate(reviewPrompt(), { session: new Session() })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 401 });
    expect((error as Error).message).toContain("Incorrect API key provided");
    expect((error as Error).message).not.toContain(API_KEY);
    expect(JSON.stringify((error as PromptEvaluationError).details)).not.toContain(API_KEY);
  });

  it("aborts the in-flight request when the deadline passes", async () => {
    server.enqueue(turn.hang());
    const error = await makeAdapter(api, server.openaiBaseUrl)
      .evaluate(reviewPrompt(), { session: new Session(), deadline: Deadline.after(200) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeadlineExceededError);
    const aborted = await server.waitForAbort({ timeoutMs: 5_000 });
    expect(aborted.index).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it("stops with BudgetExceededError after a large usage report", async () => {
    server.enqueue(
      turn.toolCalls([{ name: "lookup_entity", arguments: { entityId: "e-1" } }], {
        usage: { inputTokens: 5_000, outputTokens: 100 },
      }),
      turn.json(validReview),
    );
    const session = new Session();
    const error = await makeAdapter(api, server.openaiBaseUrl)
      .evaluate(reviewPrompt(), { session, budget: new Budget({ maxTotalTokens: 1_000 }) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ dimension: "total_tokens" });
    expect(server.requests).toHaveLength(1);
    expect(session.slice(ToolInvoked).all()).toHaveLength(0);
  });

  it("streams the same conversation over server-sent events when stream is on", async () => {
    server.enqueue(
      turn.toolCalls([{ id: "call_s", name: "lookup_entity", arguments: { entityId: "e-3" } }], {
        usage: { inputTokens: 40, outputTokens: 4 },
      }),
      turn.json(validReview, { usage: { inputTokens: 60, outputTokens: 6 } }),
    );
    const session = new Session();
    const response = await makeAdapter(api, server.openaiBaseUrl, { stream: true }).evaluate(reviewPrompt(), {
      session,
    });

    expect(response.output).toEqual(validReview);
    expect(response.usage).toMatchObject({ inputTokens: 100, outputTokens: 10 });
    expect(server.requests.map((r) => r.stream)).toEqual([true, true]);
    expect(toolOutputs(api, server.requests[1])).toEqual([
      { id: "call_s", content: expect.stringContaining("https://example.com/e-3") },
    ]);
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
  });

  it("aborts a streaming request when the deadline passes", async () => {
    server.enqueue(turn.hang());
    const error = await makeAdapter(api, server.openaiBaseUrl, { stream: true })
      .evaluate(reviewPrompt(), { session: new Session(), deadline: Deadline.after(200) })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DeadlineExceededError);
    await server.waitForAbort({ timeoutMs: 5_000 });
  });
});
