import { describe, expect, it } from "vitest";
import { turn } from "../../../src/testing/model-server/index.js";
import {
  openAiResponsesCodec,
  REMEMBERED_RESPONSES,
} from "../../../src/testing/model-server/openai-responses.js";
import { openai, serve } from "./helpers.js";

describe("ScriptedModelServer: OpenAI Responses", () => {
  it("answers a text turn as a response with a message item and usage", async () => {
    const server = await serve({
      script: [turn.text("Hello", { usage: { inputTokens: 9, outputTokens: 2 } })],
    });
    const reply = await openai(server).responses.create({
      model: "gpt-test",
      input: "hi",
      instructions: "Be brief.",
    });
    expect(reply.object).toBe("response");
    expect(reply.status).toBe("completed");
    expect(reply.output_text).toBe("Hello");
    expect(reply.instructions).toBe("Be brief.");
    expect(reply.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
    expect(reply.usage).toMatchObject({ input_tokens: 9, output_tokens: 2, total_tokens: 11 });
    expect(server.requests[0]?.protocol).toBe("openai-responses");
  });

  it("encodes tool calls as function_call items with call_id and string arguments", async () => {
    const server = await serve({
      script: [
        turn.toolCalls([
          { name: "lookup", arguments: { entityId: "e-1" }, id: "call_abc" },
          { name: "broken", arguments: "[oops" },
        ]),
      ],
    });
    const reply = await openai(server).responses.create({ model: "m", input: "hi" });
    const calls = reply.output.filter((item) => item.type === "function_call");
    expect(reply.output).toHaveLength(2);
    expect(calls[0]).toMatchObject({ call_id: "call_abc", name: "lookup", arguments: '{"entityId":"e-1"}' });
    expect(calls[1]).toMatchObject({ name: "broken", arguments: "[oops" });
    expect(calls[1]?.call_id).toMatch(/^call_/);
    expect(calls[0]?.id).not.toBe(calls[1]?.id);
  });

  it("answers a json turn as output_text holding the JSON", async () => {
    const server = await serve({ script: [turn.json({ summary: "ok" })] });
    const reply = await openai(server).responses.create({
      model: "m",
      input: "hi",
      text: { format: { type: "json_schema", name: "review", schema: { type: "object" } } },
    });
    expect(JSON.parse(reply.output_text)).toEqual({ summary: "ok" });
  });

  it("streams the named event sequence that the SDK's stream helper assembles", async () => {
    const server = await serve({
      script: [
        turn.toolCalls([{ name: "lookup", arguments: { entityId: "a fairly long entity identifier" } }], {
          text: "Checking the entity before answering.",
        }),
      ],
    });
    const stream = openai(server).responses.stream({ model: "m", input: "hi" });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(types).toContain("response.output_item.added");
    expect(types.filter((t) => t === "response.output_text.delta").length).toBeGreaterThan(1);
    expect(types.filter((t) => t === "response.function_call_arguments.delta").length).toBeGreaterThan(1);
    expect(types).toContain("response.output_item.done");
    expect(final.output_text).toBe("Checking the entity before answering.");
    expect(final.output[1]).toMatchObject({
      type: "function_call",
      name: "lookup",
      arguments: '{"entityId":"a fairly long entity identifier"}',
    });
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });
});

describe("openAiResponsesCodec", () => {
  it("remembers the latest responses for previous_response_id chains, not every one it sent", () => {
    const codec = openAiResponsesCodec();
    let next = 0;
    const ids: string[] = [];
    const context = {
      body: {},
      model: "m",
      created: 0,
      newId: (prefix: string) => {
        const id = `${prefix}${next++}`;
        if (prefix === "resp_") ids.push(id);
        return id;
      },
    };
    const calling = (name: string) => ({
      text: undefined,
      calls: [{ id: `call_${name}`, name, argumentsText: "{}", input: {} }],
      usage: { inputTokens: 1, outputTokens: 1 },
    });
    codec.reply(calling("first"), context);
    for (let i = 0; i < REMEMBERED_RESPONSES; i++) codec.reply(calling("later"), context);
    const chained = (id: string | undefined) =>
      codec.conversation({ previous_response_id: id ?? "", input: [] }).calledTools;
    // The oldest response was dropped once REMEMBERED_RESPONSES newer ones were stored.
    expect(chained(ids[0]).has("first")).toBe(false);
    expect(chained(ids.at(-1)).has("later")).toBe(true);
  });
});
