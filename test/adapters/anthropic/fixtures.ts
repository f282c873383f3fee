import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../../src/prompt/index.js";

export const API_KEY = "sk-ant-api03-TESTKEYtestkeyTESTKEY0123456789";

export const Answer = z.object({ answer: z.string(), confidence: z.number().min(0).max(1) });

export const lookup = new Tool({
  name: "lookup",
  description: "Look up an entity.",
  params: z.object({ id: z.string() }),
  result: z.object({ name: z.string() }),
  handler: ({ id }) => ToolResult.ok({ name: `entity ${id}` }),
});

/** A prompt with one tool and an object output. */
export function answerPrompt() {
  const template = new PromptTemplate({
    ns: "tests",
    key: "anthropic",
    output: Answer,
    sections: [
      new MarkdownSection({
        key: "task",
        title: "Task",
        params: z.object({ question: z.string() }),
        template: "${question}",
        tools: [lookup],
      }),
    ],
  });
  return new Prompt(template).bind({ task: { question: "Who is 42?" } });
}

/** A prompt without tools whose output is a top-level array. */
export function listPrompt() {
  const template = new PromptTemplate({
    ns: "tests",
    key: "list",
    output: z.array(z.object({ name: z.string() })),
    sections: [new MarkdownSection({ key: "task", title: "Task", template: "List names." })],
  });
  return new Prompt(template);
}

/** A prompt with free-text output. */
export function textPrompt() {
  const template = new PromptTemplate({
    ns: "tests",
    key: "free",
    sections: [new MarkdownSection({ key: "task", title: "Task", template: "Say hi." })],
  });
  return new Prompt(template);
}

type Json = Record<string, unknown>;

/** The `messages` array of a recorded request body. */
export function messagesOf(body: unknown): Json[] {
  return ((body as { messages?: Json[] }).messages ?? []) as Json[];
}

/** Every content block of a given type across a request's messages. */
export function blocksOf(body: unknown, type: string): Json[] {
  return messagesOf(body)
    .flatMap((m) => (Array.isArray(m.content) ? (m.content as Json[]) : []))
    .filter((b) => b.type === type);
}

/** A minimal Messages API reply. */
export function message(
  content: readonly Json[],
  usage: Partial<Anthropic.Usage> = {},
  stopReason: Anthropic.StopReason = "end_turn",
): Anthropic.Message {
  return {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-test",
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1, ...usage },
  } as unknown as Anthropic.Message;
}

/** A client double answering with `replies` in order and recording a deep copy of each body. */
export function scriptedClient(replies: readonly (Anthropic.Message | Error)[]) {
  const bodies: Anthropic.MessageCreateParamsNonStreaming[] = [];
  let next = 0;
  return {
    bodies,
    messages: {
      create: async (body: Anthropic.MessageCreateParamsNonStreaming) => {
        bodies.push(structuredClone(body));
        const reply = replies[next++];
        if (reply === undefined) throw new Error("script exhausted");
        if (reply instanceof Error) throw reply;
        return reply;
      },
    },
  };
}

/** A tool_use content block. */
export function toolUse(id: string, name: string, input: unknown): Json {
  return { type: "tool_use", id, name, input };
}

/** A text content block. */
export function textBlock(text: string): Json {
  return { type: "text", text, citations: null };
}
