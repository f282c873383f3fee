/**
 * Feedback on the shared HTTP loop, through the real OpenAI (Chat and Responses) and Anthropic
 * clients talking to the scripted model server: the text of the provider that fires rides on the
 * last tool result of the batch, and the delivery is stored in the session.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { ProviderAdapter } from "../../src/adapters/types.js";
import type { Clock } from "../../src/clock.js";
import { Deadline } from "../../src/deadline.js";
import {
  DeadlineFeedback,
  Feedback,
  type FeedbackProviderConfig,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  StaticFeedback,
  Tool,
  ToolResult,
} from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { FakeClock, ScriptedModelServer, type ScriptedTurn, turn } from "../../src/testing/index.js";

const KEY = "sk-scripted-key-000000";

const note = new Tool({
  name: "note",
  description: "Take a note.",
  params: z.object({ text: z.string() }),
  handler: ({ text }) => ToolResult.ok(undefined, `noted ${text}`),
});

function notePrompt(feedback: readonly FeedbackProviderConfig[]) {
  const template = new PromptTemplate({
    ns: "tests/feedback",
    key: "notes",
    sections: [new MarkdownSection({ key: "task", title: "Task", template: "Take notes.", tools: [note] })],
    feedback,
  });
  return new Prompt(template);
}

type Provider = { name: string; adapter: (server: ScriptedModelServer, clock?: Clock) => ProviderAdapter };

const PROVIDERS: readonly Provider[] = [
  {
    name: "OpenAI Chat",
    adapter: (s, clock) =>
      new OpenAIAdapter({
        model: "gpt-test",
        api: "chat",
        clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
        ...(clock ? { clock } : {}),
      }),
  },
  {
    name: "OpenAI Responses",
    adapter: (s, clock) =>
      new OpenAIAdapter({
        model: "gpt-test",
        api: "responses",
        clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
        ...(clock ? { clock } : {}),
      }),
  },
  {
    name: "Anthropic",
    adapter: (s, clock) =>
      new AnthropicAdapter({
        model: "claude-test",
        clientOptions: { apiKey: KEY, baseURL: s.anthropicBaseUrl },
        ...(clock ? { clock } : {}),
      }),
  },
];

let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(script: ScriptedTurn[]): Promise<ScriptedModelServer> {
  server = await ScriptedModelServer.start({ script });
  return server;
}

const occurrences = (text: string, part: string): number => text.split(part).length - 1;
/** `text` as it appears inside a JSON string. */
const inJson = (text: string): string => JSON.stringify(text).slice(1, -1);

describe.each(PROVIDERS)("feedback on $name", ({ adapter }) => {
  it("appends the feedback to the last tool result of the batch and stores it in the session", async () => {
    const s = await start([
      turn.toolCalls([
        { id: "call_a", name: "note", arguments: { text: "a" } },
        { id: "call_b", name: "note", arguments: { text: "b" } },
      ]),
      turn.text("Done."),
    ]);
    const session = new Session();
    const prompt = notePrompt([
      {
        provider: new StaticFeedback({ summary: "Keep notes short.", suggestions: ["One line each."] }),
        trigger: { everyCalls: 2 },
      },
    ]);
    const response = await adapter(s).evaluate(prompt, { session });

    expect(response.text).toBe("Done.");
    const body = JSON.stringify(s.requests[1]?.body);
    expect(body).toContain(
      inJson("noted b\n\n[Feedback from static (info)] Keep notes short.\n- One line each."),
    );
    expect(occurrences(body, "[Feedback from")).toBe(1);
    expect(body).not.toContain(inJson("noted a\n\n[Feedback"));
    expect(session.slice(Feedback).all()).toMatchObject([
      {
        providerName: "static",
        promptName: "tests/feedback/notes",
        summary: "Keep notes short.",
        toolCalls: 2,
      },
    ]);
  });

  it("sends nothing while no trigger is due", async () => {
    const s = await start([
      turn.toolCalls([{ id: "call_a", name: "note", arguments: { text: "a" } }]),
      turn.text("Done."),
    ]);
    const session = new Session();
    const prompt = notePrompt([
      { provider: new StaticFeedback({ summary: "Later." }), trigger: { everyCalls: 5 } },
    ]);
    await adapter(s).evaluate(prompt, { session });
    expect(JSON.stringify(s.requests[1]?.body)).not.toContain("[Feedback from");
    expect(session.slice(Feedback).all()).toEqual([]);
  });

  it("tells the model how much time is left, read from the evaluation's deadline and clock", async () => {
    const s = await start([
      turn.toolCalls([{ id: "call_a", name: "note", arguments: { text: "a" } }]),
      turn.text("Done."),
    ]);
    const clock = new FakeClock();
    const session = new Session({ clock });
    const prompt = notePrompt([{ provider: new DeadlineFeedback(), trigger: { everyCalls: 1 } }]);
    await adapter(s, clock).evaluate(prompt, { session, deadline: Deadline.after(100_000, clock) });
    expect(JSON.stringify(s.requests[1]?.body)).toContain(
      "[Feedback from deadline (caution)] About 2 minutes left before the deadline.",
    );
  });
});
