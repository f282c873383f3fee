import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { turn } from "../../../src/testing/model-server/index.js";
import { anthropic, serve } from "./helpers.js";

const base = { model: "claude-test", max_tokens: 256, messages: [{ role: "user" as const, content: "hi" }] };

describe("ScriptedModelServer: Anthropic Messages", () => {
  it("answers a text turn as a message with a text block and usage", async () => {
    const server = await serve({
      script: [turn.text("Hello", { usage: { inputTokens: 12, outputTokens: 4 } })],
    });
    const reply = await anthropic(server).messages.create(base);
    expect(reply).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-test",
      stop_reason: "end_turn",
      content: [{ type: "text", text: "Hello" }],
    });
    expect(reply.usage).toMatchObject({ input_tokens: 12, output_tokens: 4 });
    expect(server.requests[0]?.protocol).toBe("anthropic-messages");
  });

  it("encodes tool calls as tool_use blocks with object input", async () => {
    const server = await serve({
      script: [
        turn.toolCalls(
          [
            { name: "lookup", arguments: { entityId: "e-1" }, id: "toolu_fixed" },
            { name: "count", arguments: '{"n": 3}' },
            { name: "broken", arguments: "{oops" },
          ],
          { text: "Let me look." },
        ),
      ],
    });
    const reply = await anthropic(server).messages.create(base);
    expect(reply.stop_reason).toBe("tool_use");
    expect(reply.content[0]).toEqual({ type: "text", text: "Let me look." });
    expect(reply.content[1]).toEqual({
      type: "tool_use",
      id: "toolu_fixed",
      name: "lookup",
      input: { entityId: "e-1" },
    });
    expect(reply.content[2]).toMatchObject({ type: "tool_use", name: "count", input: { n: 3 } });
    expect(reply.content[2]?.type === "tool_use" && reply.content[2].id).toMatch(/^toolu_/);
    // Invalid JSON cannot be an object: it arrives as the raw string so adapters see bad input.
    expect(reply.content[3]).toMatchObject({ type: "tool_use", name: "broken", input: "{oops" });
  });

  it("answers a json turn as a text block holding the JSON", async () => {
    const server = await serve({ script: [turn.json({ summary: "ok" })] });
    const reply = await anthropic(server).messages.create(base);
    const block = reply.content[0];
    expect(block?.type === "text" && JSON.parse(block.text)).toEqual({ summary: "ok" });
  });

  it("streams the SSE event sequence that the SDK's MessageStream assembles", async () => {
    const server = await serve({
      script: [
        turn.toolCalls([{ name: "lookup", arguments: { entityId: "a fairly long entity identifier" } }], {
          text: "Checking the entity before answering.",
          usage: { inputTokens: 20, outputTokens: 8 },
        }),
      ],
    });
    const stream = anthropic(server).messages.stream(base);
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const final = await stream.finalMessage();
    expect(events[0]).toBe("message_start");
    expect(events.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(events.filter((e) => e === "content_block_delta").length).toBeGreaterThan(4);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content).toEqual([
      { type: "text", text: "Checking the entity before answering." },
      {
        type: "tool_use",
        id: expect.stringMatching(/^toolu_/),
        name: "lookup",
        input: { entityId: "a fairly long entity identifier" },
      },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 20, output_tokens: 8 });
  });

  it("serves the beta path the Claude Agent SDK's CLI calls (/v1/messages?beta=true)", async () => {
    const server = await serve({ script: [turn.text("beta ok")] });
    const client = new Anthropic({
      apiKey: "test",
      baseURL: server.anthropicBaseUrl,
      maxRetries: 0,
      defaultQuery: { beta: "true" },
    });
    const stream = client.messages.stream(base);
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "beta ok" }]);
    expect(server.requests[0]?.path).toBe("/v1/messages?beta=true");
  });
});
