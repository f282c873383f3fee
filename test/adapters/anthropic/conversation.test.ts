import { describe, expect, it } from "vitest";
import { z } from "zod";
import { usageOf } from "../../../src/adapters/anthropic/conversation.js";
import {
  AnthropicAdapter,
  type AnthropicAdapterOptions,
  AnthropicDriver,
  FINAL_ANSWER_TOOL,
} from "../../../src/adapters/anthropic/index.js";
import { inputSchema, wrapArraySchema } from "../../../src/adapters/json-schema.js";
import { PromptValidationError } from "../../../src/errors.js";
import { ToolInvoked } from "../../../src/events/index.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../../src/prompt/index.js";
import { Session } from "../../../src/session/index.js";
import {
  answerPrompt,
  blocksOf,
  message,
  messagesOf,
  scriptedClient,
  textBlock,
  textPrompt,
  toolUse,
} from "./fixtures.js";

function adapterWith(client: ReturnType<typeof scriptedClient>, options: AnthropicAdapterOptions = {}) {
  return new AnthropicAdapter({ model: "claude-test", env: {}, client, ...options });
}

const good = { answer: "a", confidence: 0.5 };

describe("final_answer handling", () => {
  it("runs the other tools first when final_answer comes with them, and asks for it again", async () => {
    const client = scriptedClient([
      message([
        toolUse("t1", "lookup", { id: "1" }),
        toolUse("f1", FINAL_ANSWER_TOOL, { answer: "early", confidence: 1 }),
      ]),
      message([toolUse("f2", FINAL_ANSWER_TOOL, good)]),
    ]);
    const session = new Session();
    const response = await adapterWith(client).evaluate(answerPrompt(), { session });
    expect(response.output).toEqual(good);
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
    const last = messagesOf(client.bodies[1]).at(-1);
    expect(last?.content).toEqual([
      // A successful result carries no is_error flag (the API's default is false).
      { type: "tool_result", tool_use_id: "t1", content: expect.any(String) },
      expect.objectContaining({
        type: "tool_result",
        tool_use_id: "f1",
        is_error: true,
        content: expect.stringMatching(/call final_answer again on its own/),
      }),
    ]);
  });

  it("answers every duplicate final_answer call when the first one needs repair", async () => {
    const client = scriptedClient([
      message([toolUse("f1", FINAL_ANSWER_TOOL, { answer: "a" }), toolUse("f2", FINAL_ANSWER_TOOL, good)]),
      message([toolUse("f3", FINAL_ANSWER_TOOL, good)]),
    ]);
    const response = await adapterWith(client).evaluate(answerPrompt(), { session: new Session() });
    expect(response.output).toEqual(good);
    const results = blocksOf(client.bodies[1], "tool_result");
    expect(results).toEqual([
      expect.objectContaining({
        tool_use_id: "f1",
        is_error: true,
        content: expect.stringMatching(/- confidence:/),
      }),
      expect.objectContaining({
        tool_use_id: "f2",
        is_error: true,
        content: expect.stringMatching(/only the first call counts/),
      }),
    ]);
  });

  it("accepts a JSON answer in text in tool mode, and repairs a bad one with a text message", async () => {
    const client = scriptedClient([
      message([textBlock("not json")]),
      message([textBlock(JSON.stringify(good))]),
    ]);
    const response = await adapterWith(client).evaluate(answerPrompt(), { session: new Session() });
    expect(response.output).toEqual(good);
    expect(messagesOf(client.bodies[1]).at(-1)).toEqual({
      role: "user",
      content: [{ type: "text", text: expect.stringMatching(/did not match the required output schema/) }],
    });
  });

  it("refuses a prompt that declares its own final_answer tool in tool mode", async () => {
    const clash = new Tool({
      name: FINAL_ANSWER_TOOL,
      description: "Clashes.",
      params: z.object({}),
      handler: () => ToolResult.ok("x"),
    });
    const template = new PromptTemplate({
      ns: "tests",
      key: "clash",
      output: z.object({ a: z.string() }),
      sections: [new MarkdownSection({ key: "t", title: "T", template: "x", tools: [clash] })],
    });
    const client = scriptedClient([message([textBlock('{"a": "b"}')])]);
    await expect(
      adapterWith(client).evaluate(new Prompt(template), { session: new Session() }),
    ).rejects.toBeInstanceOf(PromptValidationError);
    const json = await adapterWith(client, { structuredOutput: "json" }).evaluate(new Prompt(template), {
      session: new Session(),
    });
    expect(json.output).toEqual({ a: "b" });
  });
});

describe("history", () => {
  it("keeps thinking blocks, drops empty text and unknown blocks, and joins text", async () => {
    const client = scriptedClient([
      message([
        { type: "thinking", thinking: "hmm", signature: "sig" },
        { type: "redacted_thinking", data: "xyz" },
        { type: "server_tool_use", id: "s1", name: "web_search", input: {} },
        textBlock(""),
        textBlock("Looking."),
        textBlock("Now."),
        toolUse("t1", "lookup", { id: "1" }),
      ]),
      message([toolUse("f1", FINAL_ANSWER_TOOL, good)]),
    ]);
    await adapterWith(client).evaluate(answerPrompt(), { session: new Session() });
    const assistant = messagesOf(client.bodies[1])[1];
    expect(assistant).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", thinking: "hmm", signature: "sig" },
        { type: "redacted_thinking", data: "xyz" },
        { type: "text", text: "Looking." },
        { type: "text", text: "Now." },
        { type: "tool_use", id: "t1", name: "lookup", input: { id: "1" } },
      ],
    });
  });

  it("skips an empty assistant turn and merges the next user content into the last user message", async () => {
    const client = scriptedClient([
      message([], {}, "max_tokens"),
      message([toolUse("f1", FINAL_ANSWER_TOOL, good)]),
    ]);
    const response = await adapterWith(client).evaluate(answerPrompt(), { session: new Session() });
    expect(response.output).toEqual(good);
    const messages = messagesOf(client.bodies[1]);
    expect(messages).toHaveLength(1);
    expect((messages[0]!.content as unknown[]).length).toBe(2);
  });

  it("hands non-object tool input to the executor as JSON text so it is reported", async () => {
    const client = scriptedClient([
      message([toolUse("t1", "lookup", "oops")]),
      message([toolUse("f1", FINAL_ANSWER_TOOL, good)]),
    ]);
    await adapterWith(client).evaluate(answerPrompt(), { session: new Session() });
    expect(blocksOf(client.bodies[1], "tool_result")[0]).toMatchObject({ tool_use_id: "t1", is_error: true });
  });

  it("omits empty tool output from the tool_result", async () => {
    const quiet = new Tool({
      name: "quiet",
      description: "Says nothing.",
      params: z.object({}),
      handler: () => ToolResult.ok(undefined),
    });
    const template = new PromptTemplate({
      ns: "tests",
      key: "quiet",
      sections: [new MarkdownSection({ key: "t", title: "T", template: "x", tools: [quiet] })],
    });
    const client = scriptedClient([message([toolUse("q1", "quiet", {})]), message([textBlock("done")])]);
    await adapterWith(client).evaluate(new Prompt(template), { session: new Session() });
    expect(blocksOf(client.bodies[1], "tool_result")).toEqual([{ type: "tool_result", tool_use_id: "q1" }]);
  });

  it("builds the client once and builds it again after a failed build", async () => {
    const client = scriptedClient([message([textBlock("one")]), message([textBlock("two")])]);
    let builds = 0;
    const driver = new AnthropicDriver({
      model: "claude-test",
      maxTokens: 10,
      temperature: undefined,
      structuredOutput: "tool",
      makeClient: async () => {
        builds++;
        if (builds === 1) throw new Error("no credentials yet");
        return client;
      },
    });
    const rendered = textPrompt().render({ session: new Session() });
    const conversation = driver.start(rendered);
    const signal = new AbortController().signal;
    await expect(conversation.next(signal)).rejects.toThrow(/no credentials yet/);
    expect((await conversation.next(signal)).text).toBe("one");
    expect((await driver.start(rendered).next(signal)).text).toBe("two");
    expect(builds).toBe(2);
  });
});

describe("option validation", () => {
  it.each([
    [{ maxTokens: 0 }, /maxTokens must be an integer >= 1/],
    [{ maxTokens: 1.5 }, /maxTokens/],
    [{ temperature: 2 }, /temperature must be a number between 0 and 1/],
    [{ temperature: Number.NaN }, /temperature/],
    [{ structuredOutput: "xml" as "json" }, /structuredOutput must be "tool" or "json"/],
    [{ maxTurns: 0 }, /maxTurns/],
    [{ maxRepairs: -1 }, /maxRepairs/],
  ])("rejects %o", (options, message) => {
    expect(() => new AnthropicAdapter({ env: {}, ...options })).toThrow(message);
  });
});

describe("schemas and usage", () => {
  it("makes tool schemas objects without $schema", () => {
    expect(inputSchema({ $schema: "x", properties: {} })).toEqual({ type: "object", properties: {} });
  });

  it("wraps array schemas and hoists shared definitions", () => {
    const wrapped = wrapArraySchema({
      $schema: "x",
      type: "array",
      items: { $ref: "#/$defs/Item" },
      $defs: { Item: { type: "string" } },
      definitions: { Old: { type: "number" } },
    });
    expect(wrapped).toEqual({
      type: "object",
      properties: { items: { type: "array", items: { $ref: "#/$defs/Item" } } },
      required: ["items"],
      additionalProperties: false,
      $defs: { Item: { type: "string" } },
      definitions: { Old: { type: "number" } },
    });
  });

  it("counts cache reads and writes as input and reports reads as cached", () => {
    expect(
      usageOf({
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 20,
      }),
    ).toEqual({
      inputTokens: 130,
      outputTokens: 5,
      cachedTokens: 100,
      cacheWriteTokens: 20,
    });
    expect(usageOf({ input_tokens: 3, output_tokens: 4, cache_read_input_tokens: null })).toEqual({
      inputTokens: 3,
      outputTokens: 4,
    });
    expect(usageOf({})).toEqual({});
    expect(usageOf(undefined)).toBeUndefined();
  });
});
