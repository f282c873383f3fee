import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PromptEvaluationError } from "../../src/adapters/errors.js";
import { Budget } from "../../src/budget.js";
import { FakeClock } from "../../src/clock.js";
import { Deadline } from "../../src/deadline.js";
import { BudgetExceededError, DeadlineExceededError, OutputParseError } from "../../src/errors.js";
import { PromptExecuted, PromptRendered, ToolInvoked } from "../../src/events/index.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../src/prompt/index.js";
import { createRunContext } from "../../src/run-context.js";
import { Session } from "../../src/session/index.js";
import { InProcessAdapter, InProcessModel } from "../../src/testing/index.js";

const Answer = z.object({ answer: z.string(), confidence: z.number().min(0).max(1) });

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
    key: "loop",
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

describe("runEvaluation", () => {
  it("stamps the run context on every event when given one, and leaves the field out otherwise", async () => {
    const turns = () => [
      { toolCalls: [{ id: "a", name: "lookup", arguments: '{"id":"42"}' }] },
      { text: JSON.stringify({ answer: "entity 42", confidence: 0.9 }) },
    ];
    const runContext = createRunContext({ runId: "run-1", requestId: "req-1", workerId: "w-1" });
    const traced = new Session();
    await new InProcessAdapter(new InProcessModel(turns())).evaluate(prompt(), {
      session: traced,
      runContext,
    });
    expect(traced.slice(PromptRendered).latest()?.runContext).toEqual(runContext);
    expect(traced.slice(ToolInvoked).latest()).toMatchObject({ runContext, callId: "a" });
    expect(traced.slice(PromptExecuted).latest()?.runContext).toEqual(runContext);

    const plain = new Session();
    await new InProcessAdapter(new InProcessModel(turns())).evaluate(prompt(), { session: plain });
    for (const event of [
      plain.slice(PromptRendered).latest(),
      plain.slice(ToolInvoked).latest(),
      plain.slice(PromptExecuted).latest(),
    ]) {
      expect(event).toBeDefined();
      expect(Object.hasOwn(event ?? {}, "runContext")).toBe(false);
    }
  });

  it("runs tools until a final answer and returns typed output with events", async () => {
    const model = new InProcessModel([
      {
        toolCalls: [{ id: "a", name: "lookup", arguments: '{"id":"42"}' }],
        usage: { inputTokens: 10, outputTokens: 5 },
      },
      (history) => ({
        text: JSON.stringify({ answer: history.messages.length === 1 ? "entity 42" : "?", confidence: 0.9 }),
        toolCalls: [],
        usage: { inputTokens: 20, outputTokens: 7 },
      }),
    ]);
    const session = new Session();
    const response = await new InProcessAdapter(model).evaluate(prompt(), { session });
    expect(response.output).toEqual({ answer: "entity 42", confidence: 0.9 });
    expect(response.usage).toEqual({ inputTokens: 30, outputTokens: 12 });
    expect(session.slice(PromptRendered).all()).toHaveLength(1);
    expect(session.slice(ToolInvoked).latest()).toMatchObject({ name: "lookup", success: true, callId: "a" });
    expect(session.slice(PromptExecuted).latest()?.usage).toEqual({ inputTokens: 30, outputTokens: 12 });
  });

  it("feeds invalid tool arguments back as an error result the model can recover from", async () => {
    const model = new InProcessModel([
      { toolCalls: [{ id: "a", name: "lookup", arguments: { id: 42 } }] },
      (history) => {
        const first = history.messages[0];
        expect(first?.role === "tool" && first.outcome.isError).toBe(true);
        expect(first?.role === "tool" && first.outcome.output).toContain("  - id:");
        return { text: "", toolCalls: [{ id: "b", name: "lookup", arguments: { id: "42" } }] };
      },
      { structured: { answer: "entity 42", confidence: 1 } },
    ]);
    const response = await new InProcessAdapter(model).evaluate(prompt(), { session: new Session() });
    expect(response.output.answer).toBe("entity 42");
  });

  it("asks for one repair when the answer fails the schema, then succeeds", async () => {
    const model = new InProcessModel([
      { text: '{"answer": "x", "confidence": 7}' },
      (history) => {
        const repair = history.messages.at(-1);
        expect(repair?.role === "user" && repair.text).toMatch(
          /did not match the required output schema:\n {2}- confidence:/,
        );
        return { text: '```json\n{"answer": "x", "confidence": 0.5}\n```', toolCalls: [] };
      },
    ]);
    const response = await new InProcessAdapter(model).evaluate(prompt(), { session: new Session() });
    expect(response.output.confidence).toBe(0.5);
  });

  it("raises OutputParseError when the repair fails too", async () => {
    const model = new InProcessModel([{ text: "no json" }, { text: "still none" }]);
    await expect(
      new InProcessAdapter(model).evaluate(prompt(), { session: new Session() }),
    ).rejects.toBeInstanceOf(OutputParseError);
  });

  it("stops at the turn limit with a clear error", async () => {
    const model = new InProcessModel([{ toolCalls: [{ id: "a", name: "lookup", arguments: { id: "1" } }] }], {
      repeat: true,
    });
    const err = await new InProcessAdapter(model, { maxTurns: 3 })
      .evaluate(prompt(), { session: new Session() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PromptEvaluationError);
    expect((err as Error).message).toMatch(/did not finish within 3 model turns/);
    expect(model.requests).toBe(3);
  });

  it("fails with BudgetExceededError after a usage report above the limit", async () => {
    const model = new InProcessModel([
      {
        toolCalls: [{ id: "a", name: "lookup", arguments: { id: "1" } }],
        usage: { inputTokens: 600, outputTokens: 500 },
      },
    ]);
    const err = await new InProcessAdapter(model)
      .evaluate(prompt(), { session: new Session(), budget: new Budget({ maxTotalTokens: 1_000 }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).dimension).toBe("total_tokens");
  });

  it("aborts an in-flight request when the deadline passes", async () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(1_000, clock);
    const model = new InProcessModel([
      (history) =>
        new Promise((_resolve, reject) => {
          expect(history.requestCount).toBe(1);
          deadline.signal().addEventListener("abort", () => reject(new Error("socket closed")));
        }),
    ]);
    const run = new InProcessAdapter(model, { clock }).evaluate(prompt(), {
      session: new Session({ clock }),
      deadline,
    });
    const settled = run.catch((e: unknown) => e);
    await clock.tick(1_000);
    expect(await settled).toBeInstanceOf(DeadlineExceededError);
  });

  it("refuses to start after the deadline", async () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(5, clock);
    clock.advance(10);
    const model = new InProcessModel([{ text: "{}" }]);
    await expect(
      new InProcessAdapter(model).evaluate(prompt(), { session: new Session(), deadline }),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(model.requests).toBe(0);
  });

  it("retries a transient provider failure, then wraps a permanent one with its status", async () => {
    const transient = Object.assign(new Error("overloaded"), { status: 503 });
    const permanent = Object.assign(new Error("bad request: messages too long"), { status: 400 });
    const model = new InProcessModel([transient, permanent]);
    const err = await new InProcessAdapter(model, { throttle: { baseDelayMs: 0, maxDelayMs: 0 } })
      .evaluate(prompt(), { session: new Session() })
      .catch((e: unknown) => e);
    expect(model.requests).toBe(2);
    expect(err).toBeInstanceOf(PromptEvaluationError);
    expect((err as PromptEvaluationError).status).toBe(400);
    expect((err as Error).message).toBe(
      'in_process request for prompt "tests/loop" failed with status 400: bad request: messages too long',
    );
  });

  it("returns undefined output and the text for templates without an output schema", async () => {
    const template = new PromptTemplate({
      ns: "tests",
      key: "free",
      sections: [new MarkdownSection({ key: "t", title: "T", template: "Say hi." })],
    });
    const response = await new InProcessAdapter(new InProcessModel([{ text: "hi" }])).evaluate(
      new Prompt(template),
      {
        session: new Session(),
      },
    );
    expect(response.output).toBeUndefined();
    expect(response.text).toBe("hi");
  });

  it("beats the heartbeat at every step", async () => {
    let beats = 0;
    const model = new InProcessModel([
      { toolCalls: [{ id: "a", name: "lookup", arguments: { id: "1" } }] },
      { structured: { answer: "a", confidence: 0 } },
    ]);
    await new InProcessAdapter(model).evaluate(prompt(), {
      session: new Session(),
      heartbeat: () => void beats++,
    });
    expect(beats).toBeGreaterThanOrEqual(4);
  });
});

describe("runEvaluation: tool calls of one turn", () => {
  it("runs synchronous and async handlers in order, each exactly once, identical calls included", async () => {
    const ran: string[] = [];
    const echo = new Tool({
      name: "echo",
      description: "Echo a word, now or later.",
      params: z.object({ word: z.string(), later: z.boolean() }),
      handler: ({ word, later }) => {
        ran.push(word);
        const result = ToolResult.ok({ word });
        return later
          ? new Promise<ToolResult<{ word: string }>>((resolve) => setImmediate(() => resolve(result)))
          : result;
      },
    });
    const template = new PromptTemplate({
      ns: "tests",
      key: "mixed-calls",
      sections: [new MarkdownSection({ key: "task", title: "Task", template: "Echo.", tools: [echo] })],
    });
    const args = (word: string, later: boolean) => JSON.stringify({ word, later });
    let seen: string[] = [];
    const model = new InProcessModel([
      {
        toolCalls: [
          { id: "1", name: "echo", arguments: args("a", false) },
          { id: "2", name: "echo", arguments: args("b", true) },
          { id: "3", name: "echo", arguments: args("c", false) },
          // No ids and the same arguments twice: two calls, both run.
          { name: "echo", arguments: args("d", false) },
          { name: "echo", arguments: args("d", false) },
        ],
      },
      (history) => {
        seen = history.messages.map((m) => (m.role === "tool" ? m.outcome.output : m.text));
        return { text: "done" };
      },
    ]);
    await new InProcessAdapter(model).evaluate(new Prompt(template), { session: new Session() });
    expect(ran).toEqual(["a", "b", "c", "d", "d"]);
    expect(seen).toEqual(['{"word":"a"}', '{"word":"b"}', '{"word":"c"}', '{"word":"d"}', '{"word":"d"}']);
  });
});
