import { describe, expect, it } from "vitest";
import { turn } from "../../../src/testing/model-server/index.js";
import { openai, serve } from "./helpers.js";

const messages = [{ role: "user" as const, content: "Review main.ts" }];

describe("ScriptedModelServer: OpenAI Chat Completions", () => {
  it("answers a text turn as a chat.completion with usage", async () => {
    const server = await serve({
      script: [turn.text("Hello there", { usage: { inputTokens: 7, outputTokens: 3 } })],
    });
    const reply = await openai(server).chat.completions.create({ model: "gpt-test", messages });
    expect(reply.object).toBe("chat.completion");
    expect(reply.model).toBe("gpt-test");
    expect(reply.choices[0]?.message).toMatchObject({ role: "assistant", content: "Hello there" });
    expect(reply.choices[0]?.finish_reason).toBe("stop");
    expect(reply.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  });

  it("derives small default usage from the request and reply sizes", async () => {
    const server = await serve({ script: [turn.text("ok")] });
    const reply = await openai(server).chat.completions.create({ model: "m", messages });
    expect(reply.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(reply.usage?.completion_tokens).toBe(1);
  });

  it("encodes tool calls with string arguments, scripted ids kept and others generated", async () => {
    const server = await serve({
      script: [
        turn.toolCalls(
          [
            { name: "lookup", arguments: { entityId: "e-1" }, id: "call_fixed" },
            { name: "broken", arguments: "{not json" },
          ],
          { text: "Looking up." },
        ),
      ],
    });
    const reply = await openai(server).chat.completions.create({ model: "m", messages });
    const choice = reply.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBe("Looking up.");
    const calls = choice.message.tool_calls ?? [];
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({
      id: "call_fixed",
      type: "function",
      function: { name: "lookup", arguments: '{"entityId":"e-1"}' },
    });
    expect(calls[1]).toMatchObject({
      type: "function",
      function: { name: "broken", arguments: "{not json" },
    });
    expect(calls[1]?.id).toMatch(/^call_/);
  });

  it("answers a json turn with the JSON text as content", async () => {
    const server = await serve({ script: [turn.json({ summary: "ok", issues: ["a"] })] });
    const reply = await openai(server).chat.completions.create({
      model: "m",
      messages,
      response_format: {
        type: "json_schema",
        json_schema: { name: "review", schema: { type: "object" } },
      },
    });
    expect(JSON.parse(reply.choices[0]?.message.content ?? "")).toEqual({ summary: "ok", issues: ["a"] });
  });

  it("streams text and tool calls as chunks the SDK's stream helper assembles, usage included on request", async () => {
    const server = await serve({
      script: [
        turn.toolCalls(
          [
            { name: "lookup", arguments: { entityId: "a fairly long entity identifier" } },
            { name: "count", arguments: { n: 2 } },
          ],
          { text: "Let me check a couple of things first.", usage: { inputTokens: 11, outputTokens: 5 } },
        ),
      ],
    });
    const stream = openai(server).chat.completions.stream({
      model: "m",
      messages,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    stream.on("content.delta", ({ delta }) => deltas.push(delta));
    const final = await stream.finalChatCompletion();
    expect(deltas.length).toBeGreaterThan(1);
    const choice = final.choices[0]!;
    expect(choice.message.content).toBe("Let me check a couple of things first.");
    expect(choice.finish_reason).toBe("tool_calls");
    expect(
      choice.message.tool_calls?.map((c) => c.type === "function" && [c.function.name, c.function.arguments]),
    ).toEqual([
      ["lookup", '{"entityId":"a fairly long entity identifier"}'],
      ["count", '{"n":2}'],
    ]);
    expect(final.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5 });
    expect(server.requests[0]?.stream).toBe(true);
  });

  it("omits the usage chunk when the stream did not ask for it, like the real API", async () => {
    const server = await serve({ script: [turn.text("plain")] });
    const stream = await openai(server).chat.completions.create({ model: "m", messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("plain");
    expect(chunks.every((c) => c.usage === undefined)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });
});
