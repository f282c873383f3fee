/**
 * Checkpoints of the shared loop, in one process: progress saved after the model's turn and each
 * tool call; an evaluation given the last checkpoint finishes the interrupted turn without
 * running its finished calls again, tells the model it was interrupted, and goes on. The real
 * OpenAI client against the scripted model server.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { INTERRUPTED_NOTE } from "../../src/adapters/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { EvaluationCheckpoint, ProviderAdapter } from "../../src/adapters/types.js";
import { ToolInvoked } from "../../src/events/index.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/model-server/index.js";

describe("resuming an evaluation from its checkpoint", () => {
  let server: ScriptedModelServer;
  beforeEach(async () => {
    server = await ScriptedModelServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  const adapters: readonly (readonly [string, (base: ScriptedModelServer) => ProviderAdapter])[] = [
    [
      "openai chat",
      (srv) =>
        new OpenAIAdapter({
          model: "gpt-4.1-mini",
          api: "chat",
          clientOptions: { apiKey: "sk-resume-unit-0123456789abcdef", baseURL: srv.openaiBaseUrl },
        }),
    ],
    [
      "openai responses",
      (srv) =>
        new OpenAIAdapter({
          model: "gpt-4.1-mini",
          clientOptions: { apiKey: "sk-resume-unit-0123456789abcdef", baseURL: srv.openaiBaseUrl },
        }),
    ],
    [
      "anthropic",
      (srv) =>
        new AnthropicAdapter({
          model: "claude-sonnet-4-6",
          env: {},
          bedrock: false,
          clientOptions: { apiKey: "sk-ant-api03-resumeunit0123456789", baseURL: srv.anthropicBaseUrl },
        }),
    ],
  ];

  it.each(adapters)(
    "%s: finishes an interrupted turn without re-running its finished tool calls",
    async (_name, make) => {
      const ran: string[] = [];
      const controller = new AbortController();
      const mark = new Tool({
        name: "mark",
        description: "Mark an item.",
        params: z.object({ item: z.string() }),
        handler: ({ item }) => {
          ran.push(item);
          // The first attempt "dies" right after its first tool call.
          if (ran.length === 1) controller.abort(new Error("worker died"));
          return ToolResult.ok({ marked: item });
        },
      });
      const template = new PromptTemplate({
        ns: "tests/resume",
        key: "marks",
        output: z.object({ count: z.number() }),
        sections: [
          new MarkdownSection({ key: "task", title: "Task", template: "Mark a and b.", tools: [mark] }),
        ],
      });
      const adapter = () => make(server);
      server.enqueue(
        turn.toolCalls([
          { id: "call_a", name: "mark", arguments: { item: "a" } },
          { id: "call_b", name: "mark", arguments: { item: "b" } },
        ]),
        turn.json({ count: 2 }),
      );
      const saved: EvaluationCheckpoint[] = [];
      const save = async (checkpoint: EvaluationCheckpoint) => {
        saved.push(JSON.parse(JSON.stringify(checkpoint)) as EvaluationCheckpoint);
      };
      const first = new Session();
      await expect(
        adapter().evaluate(new Prompt(template), {
          session: first,
          signal: controller.signal,
          checkpoints: { save },
        }),
      ).rejects.toThrow("worker died");
      const last = saved.at(-1);
      expect(last).toMatchObject({
        turn: 1,
        pending: [{ id: "call_a" }, { id: "call_b" }],
        done: [{ call: { id: "call_a" } }],
      });

      const second = new Session();
      const response = await adapter().evaluate(new Prompt(template), {
        session: second,
        checkpoints: { resumeFrom: last, save },
      });
      expect(response.output).toEqual({ count: 2 });
      // "a" ran once, in the first attempt; "b" once, in the second.
      expect(ran).toEqual(["a", "b"]);
      expect(server.requests).toHaveLength(2);
      const sent = JSON.stringify(server.requests[1]?.body);
      expect(sent).toContain("call_a");
      expect(sent).toContain("call_b");
      expect(sent).toContain(INTERRUPTED_NOTE.slice(0, 40));
      // The restored session holds the first attempt's tool call too.
      expect(
        second
          .slice(ToolInvoked)
          .all()
          .map((e) => (e.params as { item: string }).item),
      ).toEqual(["a", "b"]);
    },
  );

  it("starts over when the checkpoint belongs to another prompt or model", async () => {
    const template = new PromptTemplate({
      ns: "tests/resume",
      key: "plain",
      output: z.object({ ok: z.boolean() }),
      sections: [new MarkdownSection({ key: "task", title: "Task", template: "Say ok." })],
    });
    server.enqueue(turn.json({ ok: true }));
    const foreign: EvaluationCheckpoint = {
      version: 1,
      promptName: "someone/else",
      adapter: "openai",
      model: "gpt-4.1-mini",
      turn: 3,
      conversation: [{ role: "system", content: "other" }],
      pending: [],
      done: [],
      session: {},
      usage: {},
    };
    const response = await new OpenAIAdapter({
      model: "gpt-4.1-mini",
      clientOptions: { apiKey: "sk-resume-unit-0123456789abcdef", baseURL: server.openaiBaseUrl },
    }).evaluate(new Prompt(template), {
      session: new Session(),
      checkpoints: { resumeFrom: foreign, save: async () => {} },
    });
    expect(response.output).toEqual({ ok: true });
    expect(JSON.stringify(server.requests[0]?.body)).not.toContain("other");
  });
});
