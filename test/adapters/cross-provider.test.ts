/**
 * One agent definition, two providers: the same template and tools give the same typed output
 * through the real OpenAI and Anthropic SDK clients, each talking HTTP to the scripted server.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { ProviderAdapter } from "../../src/adapters/types.js";
import { ToolInvoked } from "../../src/events/index.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { ScriptedModelServer, type ScriptedTurn, turn } from "../../src/testing/index.js";

const Verdict = z.object({ service: z.string(), healthy: z.boolean(), checks: z.array(z.string()) });

const status = new Tool({
  name: "service_status",
  description: "Report whether a service is healthy.",
  params: z.object({ service: z.string() }),
  result: z.object({ healthy: z.boolean(), checks: z.array(z.string()) }),
  handler: ({ service }) => ToolResult.ok({ healthy: service === "api", checks: ["ping", "db"] }),
});

const template = new PromptTemplate({
  ns: "tests/cross-provider",
  key: "status",
  output: Verdict,
  sections: [
    new MarkdownSection({
      key: "task",
      title: "Task",
      params: z.object({ service: z.string() }),
      template: "Check ${service} with service_status and report.",
      tools: [status],
    }),
  ],
});

const verdict = { service: "api", healthy: true, checks: ["ping", "db"] };
let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(makeAdapter: (server: ScriptedModelServer) => ProviderAdapter, finalTurn: ScriptedTurn) {
  server = await ScriptedModelServer.start({
    script: [
      turn.toolCalls([{ name: "service_status", arguments: { service: "api" }, id: "call_1" }]),
      finalTurn,
    ],
  });
  const session = new Session();
  const response = await makeAdapter(server).evaluate(
    new Prompt(template).bind({ task: { service: "api" } }),
    { session },
  );
  return { response, session };
}

describe("one agent definition on both adapters", () => {
  it("gives the same typed output on OpenAI and Anthropic", async () => {
    const openai = await run(
      (s) =>
        new OpenAIAdapter({
          model: "gpt-4.1-mini",
          clientOptions: { apiKey: "test", baseURL: s.openaiBaseUrl },
        }),
      turn.json(verdict),
    );
    const anthropic = await run(
      (s) =>
        new AnthropicAdapter({
          model: "claude-sonnet-4-6",
          clientOptions: { apiKey: "test", baseURL: s.anthropicBaseUrl },
        }),
      turn.toolCalls([{ name: "final_answer", arguments: verdict, id: "toolu_final" }]),
    );
    expect(openai.response.output).toEqual(verdict);
    expect(anthropic.response.output).toEqual(openai.response.output);
    for (const { session } of [openai, anthropic]) {
      expect(
        session
          .slice(ToolInvoked)
          .all()
          .map((e) => [e.name, e.success]),
      ).toEqual([["service_status", true]]);
    }
  });
});
