/** What the OpenAI adapter puts on the wire, and how it reads unusual replies. */
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PromptEvaluationError, ThrottleError } from "../../../src/adapters/index.js";
import { OpenAIAdapter, type OpenAIApi } from "../../../src/adapters/openai/index.js";
import { Session } from "../../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../../src/testing/model-server/index.js";
import {
  API_KEY,
  body,
  items,
  listPrompt,
  makeAdapter,
  outputFormat,
  plainPrompt,
  reviewPrompt,
  validReview,
} from "./fixtures.js";

describe.each<OpenAIApi>(["chat", "responses"])("OpenAI wire format (%s API)", (api) => {
  let server: ScriptedModelServer;
  beforeEach(async () => {
    server = await ScriptedModelServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it("opens with the rendered prompt as a system message and sends the model settings", async () => {
    server.enqueue(turn.json(validReview));
    const adapter = makeAdapter(api, server.openaiBaseUrl, {
      temperature: 0.2,
      maxOutputTokens: 300,
      parallelToolCalls: false,
    });
    await adapter.evaluate(reviewPrompt(), { session: new Session() });

    const sent = body(server.requests[0]);
    expect(sent.model).toBe("gpt-test");
    expect(sent.temperature).toBe(0.2);
    expect(sent.parallel_tool_calls).toBe(false);
    expect(sent[api === "chat" ? "max_completion_tokens" : "max_output_tokens"]).toBe(300);
    const [system] = items(api, server.requests[0]);
    expect(system).toMatchObject({ role: "system", content: expect.stringContaining("Review the change.") });
    if (api === "responses") expect(sent.store).toBe(false);
    if (api === "responses") expect(sent.previous_response_id).toBeUndefined();
  });

  it("offers tools as non-strict functions without the $schema marker", async () => {
    server.enqueue(turn.json(validReview));
    await makeAdapter(api, server.openaiBaseUrl).evaluate(reviewPrompt(), { session: new Session() });

    const tools = body(server.requests[0]).tools as Record<string, unknown>[];
    expect(tools).toHaveLength(1);
    const tool = tools[0] ?? {};
    const fn = (api === "chat" ? tool.function : tool) as Record<string, unknown>;
    expect(tool.type).toBe("function");
    expect(fn).toMatchObject({ name: "lookup_entity", description: "Fetch information for an entity id." });
    expect(fn.parameters).toMatchObject({ type: "object", properties: { entityId: { type: "string" } } });
    expect(fn.parameters).not.toHaveProperty("$schema");
    expect(fn.strict ?? false).toBe(false);
  });

  it("leaves tool settings out when the prompt has no tools or output", async () => {
    server.enqueue(turn.text("hello"));
    const response = await makeAdapter(api, server.openaiBaseUrl, { parallelToolCalls: true }).evaluate(
      plainPrompt(),
      { session: new Session() },
    );

    expect(response.text).toBe("hello");
    expect(response.output).toBeUndefined();
    const sent = body(server.requests[0]);
    expect(sent).not.toHaveProperty("tools");
    expect(sent).not.toHaveProperty("parallel_tool_calls");
    expect(outputFormat(api, server.requests[0])).toBeUndefined();
  });

  it("wraps a top-level array output as { items } and unwraps the answer", async () => {
    server.enqueue(turn.json({ items: [{ name: "a" }, { name: "b" }] }));
    const response = await makeAdapter(api, server.openaiBaseUrl).evaluate(listPrompt(), {
      session: new Session(),
    });

    expect(response.output).toEqual([{ name: "a" }, { name: "b" }]);
    expect(outputFormat(api, server.requests[0])).toMatchObject({
      schema: { type: "object", required: ["items"], properties: { items: { type: "array" } } },
    });
  });

  it("parses structured output from text when native structured output is off", async () => {
    server.enqueue(turn.text(`Here you go:\n\`\`\`json\n${JSON.stringify(validReview)}\n\`\`\``));
    const response = await makeAdapter(api, server.openaiBaseUrl, { nativeStructuredOutput: false }).evaluate(
      reviewPrompt(),
      { session: new Session() },
    );

    expect(response.output).toEqual(validReview);
    expect(outputFormat(api, server.requests[0])).toBeUndefined();
  });

  it("keeps the assistant's earlier answer in the history before a repair message", async () => {
    server.enqueue(turn.json({ summary: 1 }), turn.json(validReview));
    await makeAdapter(api, server.openaiBaseUrl).evaluate(reviewPrompt(), { session: new Session() });

    const history = items(api, server.requests[1]);
    expect(history.map((item) => item.role ?? item.type)).toEqual(["system", "assistant", "user"]);
    expect(history[1]?.content).toBe(JSON.stringify({ summary: 1 }));
  });

  it("retries a dropped connection and reports ThrottleError kind connection", async () => {
    const port = new URL(server.url).port;
    await server.close();
    const adapter = makeAdapter(api, `http://127.0.0.1:${port}/v1`, {
      throttle: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const error = await adapter.evaluate(plainPrompt(), { session: new Session() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottleError);
    expect(error).toMatchObject({ kind: "connection", attempts: 2 });
  });

  it("uses a given client but still makes one HTTP request per attempt", async () => {
    server.enqueue(turn.error(503));
    const client = new OpenAI({ apiKey: API_KEY, baseURL: server.openaiBaseUrl });
    const error = await new OpenAIAdapter({ model: "gpt-test", api, client, throttle: { maxAttempts: 1 } })
      .evaluate(plainPrompt(), { session: new Session() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThrottleError);
    expect(error).toMatchObject({ status: 503, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });
});

/** A client whose fetch answers every request with `reply`, for replies the server cannot script. */
function cannedClient(reply: unknown, status = 200): OpenAI {
  return new OpenAI({
    apiKey: API_KEY,
    baseURL: "http://canned.invalid/v1",
    fetch: async () =>
      new Response(typeof reply === "string" ? reply : JSON.stringify(reply), {
        status,
        headers: { "content-type": "application/json" },
      }),
  });
}

describe("OpenAI unusual replies", () => {
  it("fails clearly when a chat completion has no choices", async () => {
    const client = cannedClient({ id: "x", object: "chat.completion", created: 0, model: "m", choices: [] });
    const error = await new OpenAIAdapter({ model: "m", api: "chat", client })
      .evaluate(plainPrompt(), { session: new Session() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect(error).toMatchObject({ phase: "response" });
    expect((error as Error).message).toContain("no choices");
  });

  it("returns a chat refusal as the answer text", async () => {
    const client = cannedClient({
      id: "x",
      object: "chat.completion",
      created: 0,
      model: "m",
      choices: [
        { index: 0, finish_reason: "stop", message: { role: "assistant", content: null, refusal: "No." } },
      ],
    });
    const response = await new OpenAIAdapter({ model: "m", api: "chat", client }).evaluate(plainPrompt(), {
      session: new Session(),
    });
    expect(response.text).toBe("No.");
    expect(response.usage).toEqual({});
  });

  it("fails clearly when a response reports status failed", async () => {
    const client = cannedClient({
      id: "resp_1",
      object: "response",
      status: "failed",
      error: { code: "server_error", message: `model crashed near ${API_KEY}` },
      output: [],
    });
    const error = await new OpenAIAdapter({ model: "m", client })
      .evaluate(plainPrompt(), { session: new Session() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect((error as Error).message).toContain("model crashed");
    expect((error as Error).message).not.toContain(API_KEY);
  });

  it("reads Responses refusals and cached-token usage", async () => {
    const client = cannedClient({
      id: "resp_1",
      object: "response",
      status: "completed",
      error: null,
      output: [
        { type: "reasoning", id: "rs_1", summary: [] },
        { type: "message", id: "m1", role: "assistant", content: [{ type: "refusal", refusal: "Cannot." }] },
      ],
      usage: { input_tokens: 9, output_tokens: 2, input_tokens_details: { cached_tokens: 4 } },
    });
    const response = await new OpenAIAdapter({ model: "m", client }).evaluate(plainPrompt(), {
      session: new Session(),
    });
    expect(response.text).toBe("Cannot.");
    expect(response.usage).toEqual({ inputTokens: 9, outputTokens: 2, cachedTokens: 4 });
  });

  it("describes a non-JSON error body by the SDK's message", async () => {
    const client = cannedClient("upstream exploded", 418);
    const error = await new OpenAIAdapter({ model: "m", api: "chat", client })
      .evaluate(plainPrompt(), { session: new Session() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect(error).toMatchObject({ status: 418 });
  });
});
