/**
 * Anthropic prompt caching against the scripted server (the real `@anthropic-ai/sdk` client over
 * HTTP; the server simulates the cache from the markers it receives): the markers sent, the cache
 * written by the first request and read by the next, at a lower cost.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { toolsJsonLength } from "../../../src/adapters/anthropic/caching.js";
import { AnthropicAdapter, type PromptCaching } from "../../../src/adapters/anthropic/index.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../../src/prompt/index.js";
import { Session } from "../../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../../src/testing/model-server/index.js";
import { API_KEY, lookup } from "./fixtures.js";

let server: ScriptedModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A prompt whose system text is long enough to cache (about 2,000 tokens). */
function longPrompt() {
  const template = new PromptTemplate({
    ns: "tests/caching",
    key: "long",
    output: z.object({ answer: z.string() }),
    sections: [
      new MarkdownSection({
        key: "guide",
        title: "Guide",
        template: "Follow the house rules for reviews. ".repeat(220),
        tools: [lookup],
      }),
    ],
  });
  return new Prompt(template);
}

function adapter(base: string, promptCaching?: PromptCaching) {
  return new AnthropicAdapter({
    model: "claude-sonnet-4-6",
    env: {},
    bedrock: false,
    clientOptions: { apiKey: API_KEY, baseURL: base },
    ...(promptCaching ? { promptCaching } : {}),
  });
}

type Json = Record<string, unknown>;
const cacheMarks = (body: unknown): string[] => {
  const b = body as { system?: Json[]; tools?: Json[]; messages?: { content: Json[] }[] };
  const marks: string[] = [];
  for (const block of Array.isArray(b.system) ? b.system : []) if (block.cache_control) marks.push("system");
  for (const tool of b.tools ?? []) if (tool.cache_control) marks.push(`tool:${String(tool.name)}`);
  for (const [i, message] of (b.messages ?? []).entries()) {
    for (const block of Array.isArray(message.content) ? message.content : []) {
      if (block.cache_control) marks.push(`message:${i}`);
    }
  }
  return marks;
};

describe("Anthropic prompt caching", () => {
  it("marks the system prompt, the tools and the newest message, and moves the last mark each turn", async () => {
    server = await ScriptedModelServer.start();
    server.enqueue(
      turn.toolCalls([{ id: "toolu_1", name: "lookup", arguments: { id: "1" } }]),
      turn.json({ answer: "done" }),
    );
    await adapter(server.anthropicBaseUrl).evaluate(longPrompt(), { session: new Session() });
    expect(cacheMarks(server.requests[0]?.body)).toEqual(["system", "tool:final_answer", "message:0"]);
    // Turn 2: the newest message (the tool result) carries the mark, the opening one no longer does.
    expect(cacheMarks(server.requests[1]?.body)).toEqual(["system", "tool:final_answer", "message:2"]);
  });

  it("writes the cache on the first request and reads it on the next, at a lower cost", async () => {
    server = await ScriptedModelServer.start();
    const usage = { inputTokens: 50, outputTokens: 10 };
    server.enqueue(turn.json({ answer: "a" }, { usage }), turn.json({ answer: "b" }, { usage }));
    const claude = adapter(server.anthropicBaseUrl);
    const first = await claude.evaluate(longPrompt(), { session: new Session() });
    const second = await claude.evaluate(longPrompt(), { session: new Session() });

    expect(first.usage.cacheWriteTokens).toBeGreaterThan(1_000);
    expect(first.usage.cachedTokens).toBe(0);
    expect(second.usage.cachedTokens).toBeGreaterThan(1_000);
    expect(second.usage.cacheWriteTokens).toBe(0);
    // Cached tokens are priced at the cache-read rate ($0.30 vs $3.75 to write, per million).
    expect(second.costUsd).toBeLessThan((first.costUsd ?? 0) / 5);
  });

  it("sends no markers when the prompt is too short to cache, or when caching is off", async () => {
    server = await ScriptedModelServer.start();
    server.enqueue(turn.json({ answer: "a" }), turn.json({ answer: "b" }));
    const short = new Prompt(
      new PromptTemplate({
        ns: "tests/caching",
        key: "short",
        output: z.object({ answer: z.string() }),
        sections: [new MarkdownSection({ key: "task", title: "Task", template: "Answer." })],
      }),
    );
    await adapter(server.anthropicBaseUrl).evaluate(short, { session: new Session() });
    await adapter(server.anthropicBaseUrl, "off").evaluate(longPrompt(), { session: new Session() });
    expect(cacheMarks(server.requests[0]?.body)).toEqual([]);
    expect(cacheMarks(server.requests[1]?.body)).toEqual([]);
    expect(() => adapter(server?.anthropicBaseUrl ?? "", "sometimes" as PromptCaching)).toThrow(
      /promptCaching/,
    );
  });
});

describe("toolsJsonLength", () => {
  it("is JSON.stringify(tools).length, for no tools, one, and several with cache markers", () => {
    const schema = { type: "object" as const, properties: { q: { type: "string", description: 'say "é"' } } };
    const tools = [
      { name: "search", description: "Find things.", input_schema: schema },
      { name: "final_answer", description: "Submit \n it.", input_schema: { type: "object" as const } },
      { name: "last", input_schema: schema, cache_control: { type: "ephemeral" as const } },
    ];
    for (const list of [[], tools.slice(0, 1), tools]) {
      expect(toolsJsonLength(list)).toBe(JSON.stringify(list).length);
    }
  });
});
