/** Shared pieces of the OpenAI adapter tests: a small agent, the server, and wire readers. */
import { z } from "zod";
import {
  OpenAIAdapter,
  type OpenAIAdapterOptions,
  type OpenAIApi,
} from "../../../src/adapters/openai/index.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../../src/prompt/index.js";
import type { RecordedRequest } from "../../../src/testing/model-server/index.js";

/** A fake key shaped like a real one, so leaks would be obvious (and pattern-redacted). */
export const API_KEY = "sk-wink-test-0123456789abcdefghijklmnop";

export const Review = z.object({ summary: z.string(), issues: z.array(z.string()) });

export const lookup = new Tool({
  name: "lookup_entity",
  description: "Fetch information for an entity id.",
  params: z.object({ entityId: z.string().describe("Id to fetch") }),
  result: z.object({ url: z.string() }),
  handler: ({ entityId }) => ToolResult.ok({ url: `https://example.com/${entityId}` }),
});

/** A review prompt with one tool and a structured output. */
export function reviewPrompt() {
  const template = new PromptTemplate({
    ns: "tests/openai",
    key: "review",
    output: Review,
    sections: [
      new MarkdownSection({ key: "guide", title: "Guide", template: "Review the change.", tools: [lookup] }),
    ],
  });
  return new Prompt(template);
}

/** A prompt whose output is a top-level array. */
export function listPrompt() {
  const template = new PromptTemplate({
    ns: "tests/openai",
    key: "list",
    output: z.array(z.object({ name: z.string() })),
    sections: [new MarkdownSection({ key: "task", title: "Task", template: "List the names." })],
  });
  return new Prompt(template);
}

/** A prompt with no tools and no output schema. */
export function plainPrompt() {
  const template = new PromptTemplate({
    ns: "tests/openai",
    key: "plain",
    sections: [new MarkdownSection({ key: "task", title: "Task", template: "Say hello." })],
  });
  return new Prompt(template);
}

export const validReview = { summary: "Looks good", issues: ["none"] };

/** An adapter pointed at `baseURL` with the test key. */
export function makeAdapter(
  api: OpenAIApi,
  baseURL: string,
  extra: Partial<OpenAIAdapterOptions> = {},
): OpenAIAdapter {
  return new OpenAIAdapter({ model: "gpt-test", api, clientOptions: { apiKey: API_KEY, baseURL }, ...extra });
}

type Json = Record<string, unknown>;

function record(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(record) : [];
}

/** The request body as a JSON object. */
export function body(request: RecordedRequest | undefined): Json {
  return record(request?.body);
}

/** The conversation items of a request: chat `messages` or Responses `input`. */
export function items(api: OpenAIApi, request: RecordedRequest | undefined): Json[] {
  return list(body(request)[api === "chat" ? "messages" : "input"]);
}

/** The tool results a request carries, as `{ id, content }`. */
export function toolOutputs(
  api: OpenAIApi,
  request: RecordedRequest | undefined,
): { id: unknown; content: string }[] {
  return items(api, request).flatMap((item) => {
    if (api === "chat" && item.role === "tool")
      return [{ id: item.tool_call_id, content: String(item.content) }];
    if (api === "responses" && item.type === "function_call_output") {
      return [{ id: item.call_id, content: String(item.output) }];
    }
    return [];
  });
}

/** The text of the user messages a request carries. */
export function userMessages(api: OpenAIApi, request: RecordedRequest | undefined): string[] {
  return items(api, request)
    .filter((item) => item.role === "user")
    .map((item) => String(item.content));
}

/** The structured-output format a request asks for, normalised to `{ name, schema, strict }`. */
export function outputFormat(api: OpenAIApi, request: RecordedRequest | undefined): Json | undefined {
  const b = body(request);
  if (api === "chat") {
    const format = record(b.response_format);
    return format.type === "json_schema" ? record(format.json_schema) : undefined;
  }
  const format = record(record(b.text).format);
  return format.type === "json_schema"
    ? { name: format.name, schema: format.schema, strict: format.strict }
    : undefined;
}

/** Names of the tools a request offers. */
export function toolNames(api: OpenAIApi, request: RecordedRequest | undefined): unknown[] {
  return list(body(request).tools).map((tool) => (api === "chat" ? record(tool.function).name : tool.name));
}
