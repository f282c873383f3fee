import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isWinkError } from "../../src/errors.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { InProcessAdapter, InProcessModel, type InProcessTurn } from "../../src/testing/index.js";

const lookup = new Tool({
  name: "lookup",
  description: "Look up an entity.",
  params: z.object({ id: z.string() }),
  result: z.object({ name: z.string() }),
  handler: ({ id }) => ToolResult.ok({ name: `entity ${id}` }),
});

function prompt() {
  const template = new PromptTemplate({
    ns: "tests",
    key: "in-process",
    output: z.object({ answer: z.string() }),
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

function evaluate(turns: readonly InProcessTurn[]) {
  return new InProcessAdapter(new InProcessModel(turns)).evaluate(prompt(), { session: new Session() });
}

/** The cause chain of a thrown value, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && chain.length < 5; e = (e as { cause?: unknown }).cause)
    chain.push(e);
  return chain;
}

describe("InProcessModel", () => {
  it("treats a function turn without toolCalls as a final answer", async () => {
    const response = await evaluate([() => ({ text: '{"answer":"42"}' })]);
    expect(response.output).toEqual({ answer: "42" });
  });

  it("treats an async function turn with text only as a final answer after a tool call", async () => {
    const response = await evaluate([
      { toolCalls: [{ id: "c1", name: "lookup", arguments: { id: "42" } }] },
      async (history) => ({ text: JSON.stringify({ answer: history.messages[0]?.role ?? "none" }) }),
    ]);
    expect(response.output).toEqual({ answer: "tool" });
  });

  it("treats a function turn that returns only toolCalls as a tool turn with empty text", async () => {
    const seen: string[] = [];
    const response = await evaluate([
      () => ({ toolCalls: [{ id: "c1", name: "lookup", arguments: { id: "7" } }] }),
      (history) => {
        const first = history.messages[0];
        if (first?.role === "tool") seen.push(first.outcome.output);
        return { text: '{"answer":"done"}' };
      },
    ]);
    expect(response.output).toEqual({ answer: "done" });
    expect(seen[0]).toContain("entity 7");
  });

  it("names the script turn when a function turn returns no answer", async () => {
    // A JavaScript caller (or an `as never`) can return nothing; the error says which turn.
    const failure = await evaluate([
      { toolCalls: [{ id: "c1", name: "lookup", arguments: { id: "1" } }] },
      (() => undefined) as never,
    ]).catch((e: unknown) => e);
    expect(isWinkError(failure, "invalid_argument")).toBe(true);
    const messages = causes(failure).map((e) => (e as Error).message);
    expect(messages.some((m) => /script turn \[1\] returned undefined, not an answer/.test(m))).toBe(true);
  });

  it("names the script turn when toolCalls is not an array", async () => {
    const failure = await evaluate([(() => ({ toolCalls: "lookup" })) as never]).catch((e: unknown) => e);
    const messages = causes(failure).map((e) => (e as Error).message);
    expect(messages.some((m) => /script turn \[0\] has toolCalls the string "lookup"/.test(m))).toBe(true);
  });

  it("reports the turn index within the script when repeating", async () => {
    const model = new InProcessModel([{ text: '{"answer":"a"}' }, (() => 5) as never], { repeat: true });
    const adapter = new InProcessAdapter(model);
    await expect(adapter.evaluate(prompt(), { session: new Session() })).resolves.toMatchObject({
      output: { answer: "a" },
    });
    const failure = await adapter.evaluate(prompt(), { session: new Session() }).catch((e: unknown) => e);
    const messages = causes(failure).map((e) => (e as Error).message);
    expect(messages.some((m) => /script turn \[1\] returned a number/.test(m))).toBe(true);
  });
});
