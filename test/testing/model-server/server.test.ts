import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { DeadlineExceededError, isWinkError } from "../../../src/errors.js";
import { ScriptedModelServer, type ScriptedTurn, turn } from "../../../src/testing/model-server/index.js";
import { anthropic, openai, serve } from "./helpers.js";

const chat = { model: "m", messages: [{ role: "user" as const, content: "hi" }] };
const messages = { model: "m", max_tokens: 64, messages: [{ role: "user" as const, content: "hi" }] };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
}

describe("ScriptedModelServer: errors", () => {
  it("a scripted 429 with retry-after surfaces as the OpenAI SDK's RateLimitError with the header", async () => {
    const server = await serve({ script: [turn.error(429, { retryAfter: 2 })] });
    const err = await rejection(openai(server).chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rate = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rate.status).toBe(429);
    expect(rate.headers.get("retry-after")).toBe("2");
    expect(rate.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    expect(server.requests[0]?.status).toBe(429);
  });

  it("a scripted 429 surfaces as the Anthropic SDK's RateLimitError with the header", async () => {
    const server = await serve({ script: [turn.error(429, { headers: { "retry-after": "3" } })] });
    const err = await rejection(anthropic(server).messages.create(messages));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const rate = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(rate.headers?.get("retry-after")).toBe("3");
    expect(rate.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });

  it("a scripted 500 surfaces as InternalServerError in both SDKs, with the provider's error shape", async () => {
    const server = await serve({ script: [turn.error(500), turn.error(529)] });
    const openaiErr = await rejection(openai(server).responses.create({ model: "m", input: "hi" }));
    expect(openaiErr).toBeInstanceOf(OpenAI.InternalServerError);
    expect((openaiErr as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: "server_error" });
    const anthropicErr = await rejection(anthropic(server).messages.create(messages));
    expect(anthropicErr).toBeInstanceOf(Anthropic.InternalServerError);
    expect((anthropicErr as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: "overloaded_error" },
    });
  });

  it("sends a custom error body verbatim", async () => {
    const server = await serve({
      script: [
        turn.error(400, {
          body: { error: { message: "context too long", code: "context_length_exceeded" } },
        }),
      ],
    });
    const err = await rejection(openai(server).chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe("context_length_exceeded");
  });

  it("fails loudly with a 500 naming the served count when the script runs out", async () => {
    const server = await serve({ script: [turn.text("only one")] });
    const client = openai(server);
    await client.chat.completions.create(chat);
    const err = await rejection(client.chat.completions.create(chat));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as Error).message).toContain("ScriptedModelServer: script exhausted (1 requests served)");
  });

  it("answers unknown routes with 404 and non-JSON bodies with 400, consuming no turn", async () => {
    const server = await serve({ script: [turn.text("kept")] });
    const missing = await fetch(`${server.url}/v1/embeddings`, { method: "POST", body: "{}" });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("no route for POST /v1/embeddings");
    const bad = await fetch(`${server.openaiBaseUrl}/chat/completions`, {
      method: "POST",
      body: "nope",
      headers: { "X-Api-Key": "secret" },
    });
    expect(bad.status).toBe(400);
    expect(server.remainingTurns).toBe(1);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body).toBeUndefined();
    expect(server.requests[0]?.headers["x-api-key"]).toBe("secret");
    expect(server.requests[0]?.redactedHeaders["x-api-key"]).toBe("[REDACTED]");
  });
});

describe("ScriptedModelServer: timing and disconnects", () => {
  it("answers a delayed turn after the delay", async () => {
    const server = await serve({ script: [turn.delay(20, turn.text("late"))] });
    const reply = await openai(server).chat.completions.create(chat);
    expect(reply.choices[0]?.message.content).toBe("late");
  });

  it("waits on the injected clock, so a FakeClock controls delays", async () => {
    const clock = new FakeClock();
    const server = await serve({ clock, script: [turn.delay(60_000, turn.text("after a minute"))] });
    const pending = openai(server).chat.completions.create(chat);
    await server.waitForRequests(1);
    while (clock.pendingTimers < 1) await new Promise((resolve) => setImmediate(resolve));
    await clock.tick(60_000);
    expect((await pending).choices[0]?.message.content).toBe("after a minute");
  });

  it("records aborted: true when the client aborts a delayed reply", async () => {
    const server = await serve({ script: [turn.delay(10_000, turn.text("never seen"))] });
    const controller = new AbortController();
    const pending = rejection(openai(server).chat.completions.create(chat, { signal: controller.signal }));
    await server.waitForRequests(1);
    controller.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    const aborted = await server.waitForAbort({ timeoutMs: 1_000 });
    expect(aborted).toMatchObject({ index: 0, aborted: true, status: undefined, protocol: "openai-chat" });
  });

  it("a hanging turn stays open until the client disconnects", async () => {
    const server = await serve({ script: [turn.hang()] });
    const controller = new AbortController();
    const pending = rejection(anthropic(server).messages.create(messages, { signal: controller.signal }));
    await server.waitForRequests(1);
    controller.abort();
    expect(await pending).toBeInstanceOf(Anthropic.APIUserAbortError);
    expect((await server.waitForAbort()).aborted).toBe(true);
  });

  it("closing the server ends hanging requests without marking them aborted", async () => {
    const server = await ScriptedModelServer.start({ script: [turn.hang()] });
    const pending = rejection(openai(server).chat.completions.create(chat));
    await server.waitForRequests(1);
    await server[Symbol.asyncDispose]();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(server.requests[0]?.aborted).toBe(false);
    await server.close(); // idempotent
  });

  it("waitForRequests and waitForAbort reject with DeadlineExceededError after their timeout", async () => {
    const server = await serve();
    const waited = await rejection(server.waitForRequests(1, { timeoutMs: 5 }));
    expect(waited).toBeInstanceOf(DeadlineExceededError);
    expect((waited as Error).message).toContain("1 request(s) did not arrive (got 0) within 5 ms");
    expect(await rejection(server.waitForAbort({ timeoutMs: 5 }))).toBeInstanceOf(DeadlineExceededError);
  });
});

describe("ScriptedModelServer: script and recording", () => {
  it("records method, path, protocol, lower-case headers (redacted copy too) and the parsed body", async () => {
    const server = await serve({ script: [turn.text("a"), turn.text("b")] });
    await openai(server).chat.completions.create(chat);
    await anthropic(server).messages.create(messages);
    const [first, second] = await server.waitForRequests(2);
    expect(first).toMatchObject({
      index: 0,
      method: "POST",
      path: "/v1/chat/completions",
      protocol: "openai-chat",
    });
    expect(first?.body).toMatchObject(chat);
    expect(first?.headers.authorization).toBe("Bearer test");
    expect(first?.redactedHeaders.authorization).toBe("[REDACTED]");
    expect(first?.redactedHeaders["content-type"]).toBe("application/json");
    expect(first?.turn).toEqual(turn.text("a"));
    // The Anthropic SDK (1.14) sends its key as a bearer token.
    expect(second?.headers.authorization).toBe("Bearer test");
    expect(second?.redactedHeaders.authorization).toBe("[REDACTED]");
    expect(second?.headers["anthropic-version"]).toBeDefined();
    expect(second?.stream).toBe(false);
  });

  it("consumes one turn per request regardless of protocol, in enqueue order", async () => {
    const server = await serve({ script: [turn.text("one")] });
    server.enqueue(turn.text("two"), turn.text("three"));
    expect(server.remainingTurns).toBe(3);
    const a = await openai(server).chat.completions.create(chat);
    const b = await openai(server).responses.create({ model: "m", input: "hi" });
    const c = await anthropic(server).messages.create(messages);
    expect([
      a.choices[0]?.message.content,
      b.output_text,
      c.content[0]?.type === "text" && c.content[0].text,
    ]).toEqual(["one", "two", "three"]);
  });

  it("reset forgets the script, the requests and the served count", async () => {
    const server = await serve({ script: [turn.text("one"), turn.text("unused")] });
    await openai(server).chat.completions.create(chat);
    server.reset();
    expect(server.requests).toEqual([]);
    expect(server.remainingTurns).toBe(0);
    const err = await rejection(openai(server).chat.completions.create(chat));
    expect((err as Error).message).toContain("script exhausted (0 requests served)");
  });

  it("rejects a malformed turn with an invalid_argument WinkError naming the path", async () => {
    const server = await serve();
    const bad = { kind: "tool_calls", calls: [{ name: "" }] } as unknown as ScriptedTurn;
    let thrown: unknown;
    try {
      server.enqueue(bad);
    } catch (err) {
      thrown = err;
    }
    expect(isWinkError(thrown, "invalid_argument")).toBe(true);
    expect((thrown as Error).message).toContain("[0].calls[0]");
    await expect(
      ScriptedModelServer.start({ script: [{ kind: "nope" } as unknown as ScriptedTurn] }),
    ).rejects.toThrow(/scripted turns/);
  });

  it("exposes base URLs for each SDK", async () => {
    const server = await serve({ port: 0, host: "127.0.0.1" });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.openaiBaseUrl).toBe(`${server.url}/v1`);
    expect(server.anthropicBaseUrl).toBe(server.url);
  });
});

describe("turn helpers", () => {
  it("build the documented shapes", () => {
    expect(turn.text("t")).toEqual({ kind: "text", text: "t" });
    expect(turn.toolCalls([{ name: "x", arguments: {} }], { text: "why" })).toEqual({
      kind: "tool_calls",
      calls: [{ name: "x", arguments: {} }],
      text: "why",
    });
    expect(turn.json(1, { usage: { inputTokens: 1, outputTokens: 2 } })).toEqual({
      kind: "json",
      value: 1,
      usage: { inputTokens: 1, outputTokens: 2 },
    });
    expect(turn.error(503, { body: "down" })).toEqual({
      kind: "error",
      status: 503,
      headers: {},
      body: "down",
    });
    const delayed = turn.delay(5, turn.hang());
    expect([delayed.kind, delayed.ms, delayed.then]).toEqual(["delay", 5, { kind: "hang" }]);
  });
});
