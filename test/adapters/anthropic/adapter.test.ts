import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AnthropicAdapter,
  type AnthropicAdapterOptions,
  FINAL_ANSWER_TOOL,
} from "../../../src/adapters/anthropic/index.js";
import { PromptEvaluationError, ThrottleError } from "../../../src/adapters/errors.js";
import { Budget } from "../../../src/budget.js";
import { FakeClock } from "../../../src/clock.js";
import { Deadline } from "../../../src/deadline.js";
import { BudgetExceededError, DeadlineExceededError, OutputParseError } from "../../../src/errors.js";
import { PromptExecuted, PromptRendered, ToolInvoked } from "../../../src/events/index.js";
import { Session } from "../../../src/session/index.js";
import {
  ScriptedModelServer,
  type ScriptedModelServer as Server,
  turn,
} from "../../../src/testing/model-server/index.js";
import { API_KEY, answerPrompt, blocksOf, listPrompt, messagesOf, textPrompt } from "./fixtures.js";

let server: Server | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  script: Parameters<typeof ScriptedModelServer.start>[0] = {},
  options: AnthropicAdapterOptions = {},
) {
  server = await ScriptedModelServer.start(script);
  const adapter = new AnthropicAdapter({
    model: "claude-test",
    env: {},
    clientOptions: { apiKey: API_KEY, baseURL: server.anthropicBaseUrl },
    throttle: { baseDelayMs: 1, maxDelayMs: 2 },
    ...options,
  });
  return { server, adapter };
}

describe("AnthropicAdapter over HTTP", () => {
  it("runs tools, then takes the final_answer call as typed output", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "toolu_1", name: "lookup", arguments: { id: "42" } }], {
          text: "Let me look.",
          usage: { inputTokens: 10, outputTokens: 5 },
        }),
        turn.toolCalls(
          [{ id: "toolu_2", name: FINAL_ANSWER_TOOL, arguments: { answer: "entity 42", confidence: 0.9 } }],
          {
            usage: { inputTokens: 20, outputTokens: 7 },
          },
        ),
      ],
    });
    const session = new Session();
    const response = await adapter.evaluate(answerPrompt(), { session });

    expect(response.output).toEqual({ answer: "entity 42", confidence: 0.9 });
    expect(response.usage).toEqual({
      inputTokens: 30,
      outputTokens: 12,
      cachedTokens: 0,
      cacheWriteTokens: 0,
    });
    expect(session.slice(ToolInvoked).latest()).toMatchObject({
      name: "lookup",
      success: true,
      callId: "toolu_1",
    });
    expect(session.slice(PromptExecuted).latest()?.usage).toEqual(response.usage);

    const [first, second] = server.requests;
    const body = first?.body as Record<string, unknown>;
    expect(body.model).toBe("claude-test");
    expect(body.max_tokens).toBe(4096);
    expect(body.system).toBe(session.slice(PromptRendered).latest()?.renderedPrompt);
    expect(body.tool_choice).toBeUndefined();
    const tools = body.tools as { name: string; input_schema: Record<string, unknown> }[];
    expect(tools.map((t) => t.name)).toEqual(["lookup", FINAL_ANSWER_TOOL]);
    expect(tools[1]?.input_schema).toMatchObject({ type: "object", required: ["answer", "confidence"] });
    expect(tools[0]?.input_schema.$schema).toBeUndefined();
    expect(first?.headers.authorization ?? first?.headers["x-api-key"]).toContain(API_KEY);

    expect(messagesOf(second?.body).map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(blocksOf(second?.body, "tool_use")).toEqual([
      { type: "tool_use", id: "toolu_1", name: "lookup", input: { id: "42" } },
    ]);
    const [result] = blocksOf(second?.body, "tool_result");
    expect(result).toMatchObject({ tool_use_id: "toolu_1" });
    expect(result).not.toHaveProperty("is_error");
    expect(String(result?.content)).toContain("entity 42");
  });

  it("returns an invalid-argument error naming the field as a tool_result, and the model recovers", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "bad", name: "lookup", arguments: { id: 42 } }]),
        turn.toolCalls([{ id: "good", name: "lookup", arguments: { id: "42" } }]),
        turn.toolCalls([{ name: FINAL_ANSWER_TOOL, arguments: { answer: "entity 42", confidence: 1 } }]),
      ],
    });
    const response = await adapter.evaluate(answerPrompt(), { session: new Session() });
    expect(response.output.answer).toBe("entity 42");

    const [failed] = blocksOf(server.requests[1]?.body, "tool_result");
    expect(failed).toMatchObject({ tool_use_id: "bad", is_error: true });
    expect(String(failed?.content)).toMatch(/- id:/);
    const results = blocksOf(server.requests[2]?.body, "tool_result");
    expect(results.at(-1)).toMatchObject({ tool_use_id: "good" });
    expect(results.at(-1)).not.toHaveProperty("is_error");
  });

  it("sends the repair as the final_answer call's failed tool_result, then accepts the fixed answer", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([
          { id: "final_1", name: FINAL_ANSWER_TOOL, arguments: { answer: "x", confidence: 7 } },
        ]),
        turn.toolCalls([
          { id: "final_2", name: FINAL_ANSWER_TOOL, arguments: { answer: "x", confidence: 0.5 } },
        ]),
      ],
    });
    const response = await adapter.evaluate(answerPrompt(), { session: new Session() });
    expect(response.output).toEqual({ answer: "x", confidence: 0.5 });

    const last = messagesOf(server.requests[1]?.body).at(-1);
    expect(last?.role).toBe("user");
    expect(last?.content).toEqual([
      expect.objectContaining({ type: "tool_result", tool_use_id: "final_1", is_error: true }),
    ]);
    const [repair] = blocksOf(server.requests[1]?.body, "tool_result");
    expect(String(repair?.content)).toMatch(/did not match the required output schema:\n {2}- confidence:/);
  });

  it("fails with OutputParseError when the repaired answer is still wrong", async () => {
    const { adapter } = await setup({
      script: [
        turn.toolCalls([{ name: FINAL_ANSWER_TOOL, arguments: { answer: "x" } }]),
        turn.toolCalls([{ name: FINAL_ANSWER_TOOL, arguments: { answer: "x" } }]),
      ],
    });
    await expect(adapter.evaluate(answerPrompt(), { session: new Session() })).rejects.toBeInstanceOf(
      OutputParseError,
    );
  });

  it("wraps a top-level array output in an items object and unwraps the answer", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ name: FINAL_ANSWER_TOOL, arguments: { items: [{ name: "a" }, { name: "b" }] } }]),
      ],
    });
    const response = await adapter.evaluate(listPrompt(), { session: new Session() });
    expect(response.output).toEqual([{ name: "a" }, { name: "b" }]);
    const [tool] = (server.requests[0]!.body as { tools: { input_schema: Record<string, unknown> }[] }).tools;
    expect(tool?.input_schema).toMatchObject({
      type: "object",
      required: ["items"],
      properties: { items: { type: "array" } },
    });
  });

  it("asks for JSON in text in json mode and parses the answer", async () => {
    const { server, adapter } = await setup(
      { script: [turn.json({ answer: "json", confidence: 0.1 })] },
      { structuredOutput: "json", temperature: 0.2, maxTokens: 100 },
    );
    const response = await adapter.evaluate(answerPrompt(), { session: new Session() });
    expect(response.output).toEqual({ answer: "json", confidence: 0.1 });
    const body = server.requests[0]?.body as Record<string, unknown>;
    expect((body.tools as { name: string }[]).map((t) => t.name)).toEqual(["lookup"]);
    expect(body).toMatchObject({ temperature: 0.2, max_tokens: 100 });
    const [opening] = blocksOf(body, "text");
    expect(String(opening?.text)).toMatch(/reply with only a JSON object/);
  });

  it("returns plain text for prompts without an output schema and sends no tools", async () => {
    const { server, adapter } = await setup({ script: [turn.text("hi")] });
    const response = await adapter.evaluate(textPrompt(), { session: new Session() });
    expect(response.text).toBe("hi");
    expect(response.output).toBeUndefined();
    expect((server.requests[0]!.body as Record<string, unknown>).tools).toBeUndefined();
  });

  it("waits out Retry-After on a 429, then succeeds", async () => {
    const clock = new FakeClock();
    const { server, adapter } = await setup(
      {
        script: [
          turn.error(429, { retryAfter: 1 }),
          turn.toolCalls([{ name: FINAL_ANSWER_TOOL, arguments: { answer: "ok", confidence: 1 } }]),
        ],
      },
      { clock },
    );
    const run = adapter.evaluate(answerPrompt(), { session: new Session({ clock }) });
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    clock.advance(999);
    expect(server.requests).toHaveLength(1);
    clock.advance(1);
    expect((await run).output.answer).toBe("ok");
    expect(server.requests).toHaveLength(2);
  });

  it("retries 529 overloaded like a server error", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.error(529),
        turn.toolCalls([{ name: FINAL_ANSWER_TOOL, arguments: { answer: "ok", confidence: 1 } }]),
      ],
    });
    expect((await adapter.evaluate(answerPrompt(), { session: new Session() })).output.answer).toBe("ok");
    expect(server.requests.map((r) => r.status)).toEqual([529, 200]);
  });

  it("raises ThrottleError with the status once 500s exhaust the retries", async () => {
    const { server, adapter } = await setup(
      { script: [turn.error(500), turn.error(500), turn.error(500)] },
      { throttle: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } },
    );
    const err = await adapter.evaluate(answerPrompt(), { session: new Session() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottleError);
    expect(err).toMatchObject({ status: 500, attempts: 3, kind: "server_error" });
    expect(server.requests).toHaveLength(3);
  });

  it("wraps a 400 in PromptEvaluationError with the status and provider message, never the key", async () => {
    const body = {
      type: "error",
      error: { type: "invalid_request_error", message: `max_tokens: too large (key ${API_KEY})` },
    };
    const { server, adapter } = await setup({ script: [turn.error(400, { body })] });
    const err = await adapter.evaluate(answerPrompt(), { session: new Session() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromptEvaluationError);
    expect(err).toMatchObject({ status: 400, phase: "request" });
    const message = (err as Error).message;
    expect(message).toMatch(
      /anthropic request for prompt "tests\/anthropic" failed with status 400: invalid_request_error: max_tokens: too large/,
    );
    expect(message).not.toContain(API_KEY);
    expect(JSON.stringify((err as PromptEvaluationError).details)).not.toContain(API_KEY);
    expect(server.requests).toHaveLength(1);
  });

  it("aborts the in-flight request when the deadline passes", async () => {
    const { server, adapter } = await setup({ script: [turn.hang()] });
    const err = await adapter
      .evaluate(answerPrompt(), { session: new Session(), deadline: Deadline.after(200) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    const aborted = await server.waitForAbort();
    expect(aborted.index).toBe(0);
  });

  it("stops with BudgetExceededError after a large usage report", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ name: "lookup", arguments: { id: "1" } }], {
          usage: { inputTokens: 5_000, outputTokens: 10 },
        }),
      ],
    });
    const err = await adapter
      .evaluate(answerPrompt(), { session: new Session(), budget: new Budget({ maxTotalTokens: 1_000 }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).dimension).toBe("total_tokens");
    expect(server.requests).toHaveLength(1);
  });
});
