import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FakeClock } from "../../src/clock.js";
import { defineType } from "../../src/data-type.js";
import { Deadline } from "../../src/deadline.js";
import { DeadlineExceededError, ToolValidationError, VisibilityExpansionRequired } from "../../src/errors.js";
import { ToolInvoked } from "../../src/events/index.js";
import {
  executeToolCall,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  ReadBeforeWritePolicy,
  SequentialDependencyPolicy,
  Tool,
  type ToolExecutionContext,
  ToolResult,
} from "../../src/prompt/index.js";
import { Binding, ResourceRegistry, resourceKey, type Snapshotable } from "../../src/resources/index.js";
import { Session } from "../../src/session/index.js";

const Note = defineType("Note", z.object({ text: z.string() }));

/** A tiny in-memory store that transactions can snapshot. */
class Notebook implements Snapshotable<string[]> {
  lines: string[] = [];
  snapshot(): string[] {
    return [...this.lines];
  }
  restore(snapshot: string[]): void {
    this.lines = [...snapshot];
  }
}
const NotebookKey = resourceKey<Notebook>("Notebook");

const addNote = new Tool({
  name: "add_note",
  description: "Record a note.",
  params: z.object({
    text: z.string().min(1),
    fail: z.boolean().optional(),
    throwIt: z.boolean().optional(),
  }),
  result: z.object({ text: z.string() }),
  handler: ({ text, fail, throwIt }, ctx) => {
    ctx.resources.get(NotebookKey).lines.push(text);
    ctx.session.dispatch(Note.create({ text }));
    if (throwIt) throw new Error("disk on fire");
    if (fail) return ToolResult.error("could not add");
    return ToolResult.ok(Note.create({ text }), "noted");
  },
});

function setup(tools: Tool<z.ZodObject | undefined, z.ZodType | undefined>[], policies = [] as never[]) {
  const template = new PromptTemplate({
    ns: "tests",
    key: "executor",
    sections: [new MarkdownSection({ key: "tools", title: "Tools", template: "Use them.", tools, policies })],
  });
  const prompt = new Prompt(template);
  const session = new Session();
  const notebook = new Notebook();
  const resources = ResourceRegistry.of(Binding.instance(NotebookKey, notebook)).open();
  const rendered = prompt.render({ session });
  const ctx: ToolExecutionContext = { session, resources, rendered, prompt, adapter: "test" };
  return { ctx, session, notebook };
}

describe("executeToolCall", () => {
  it("runs the handler with parsed params and records state and a ToolInvoked event", async () => {
    const { ctx, session, notebook } = setup([addNote]);
    const execution = await executeToolCall(
      { id: "c1", name: "add_note", arguments: '{"text":"hello"}' },
      ctx,
    );
    expect(execution.result.success).toBe(true);
    expect(execution.output).toBe('noted\n\n{"text":"hello"}');
    expect(notebook.lines).toEqual(["hello"]);
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["hello", "hello"]);
    const event = session.slice(ToolInvoked).latest()!;
    expect(event).toMatchObject({
      name: "add_note",
      callId: "c1",
      success: true,
      isError: false,
      adapter: "test",
    });
  });

  it("answers an unknown tool with an error result listing the available ones", async () => {
    const { ctx } = setup([addNote]);
    const execution = await executeToolCall({ name: "nope", arguments: "{}" }, ctx);
    expect(execution.result.success).toBe(false);
    expect(execution.output).toBe('Unknown tool "nope". Available tools: add_note.');
  });

  it("answers invalid JSON with an error result, not a crash", async () => {
    const { ctx } = setup([addNote]);
    const execution = await executeToolCall({ name: "add_note", arguments: "{text:" }, ctx);
    expect(execution.output).toMatch(/^Arguments for tool "add_note" are not valid JSON/);
  });

  it("answers invalid fields with an error naming each bad field, and unknown keys too", async () => {
    const { ctx, session } = setup([addNote]);
    const execution = await executeToolCall(
      { name: "add_note", arguments: { text: "", colour: "red" } },
      ctx,
    );
    expect(execution.result.success).toBe(false);
    expect(execution.output).toContain('Invalid arguments for tool "add_note"');
    expect(execution.output).toContain("  - text:");
    expect(execution.output).toContain("colour");
    expect(session.slice(ToolInvoked).latest()?.isError).toBe(true);
  });

  it("rolls back session state and snapshotable resources when the handler returns an error", async () => {
    const { ctx, session, notebook } = setup([addNote]);
    await executeToolCall({ name: "add_note", arguments: { text: "keep" } }, ctx);
    const execution = await executeToolCall(
      { name: "add_note", arguments: { text: "drop", fail: true } },
      ctx,
    );
    expect(execution.result.success).toBe(false);
    expect(notebook.lines).toEqual(["keep"]);
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["keep", "keep"]);
    expect(session.slice(ToolInvoked).all()).toHaveLength(2);
  });

  it("turns a throwing handler into an error result and rolls back", async () => {
    const { ctx, session, notebook } = setup([addNote]);
    const execution = await executeToolCall(
      { name: "add_note", arguments: { text: "x", throwIt: true } },
      ctx,
    );
    expect(execution.output).toBe('Tool "add_note" failed: Error: disk on fire');
    expect(notebook.lines).toEqual([]);
    expect(session.slice(Note).all()).toEqual([]);
  });

  it("maps ToolValidationError from a handler to a readable error result", async () => {
    const strict = new Tool({
      name: "strict",
      description: "Validates deeper.",
      handler: () => {
        throw new ToolValidationError("path must be inside the workspace");
      },
    });
    const { ctx } = setup([strict]);
    expect((await executeToolCall({ name: "strict", arguments: "" }, ctx)).output).toBe(
      "Tool validation failed: path must be inside the workspace",
    );
  });

  it("checks result values against the result schema", async () => {
    const liar = new Tool({
      name: "liar",
      description: "Returns the wrong shape.",
      result: z.object({ n: z.number() }),
      handler: () => ToolResult.ok({ n: "one" } as never),
    });
    const { ctx } = setup([liar]);
    expect((await executeToolCall({ name: "liar", arguments: {} }, ctx)).output).toMatch(
      /returned a value that does not match its result schema:\n {2}- n:/,
    );
  });

  it("rethrows VisibilityExpansionRequired after rolling back", async () => {
    const opener = new Tool({
      name: "opener",
      description: "Asks for more.",
      handler: (_p, ctx) => {
        ctx.session.dispatch(Note.create({ text: "partial" }));
        throw new VisibilityExpansionRequired(["docs"]);
      },
    });
    const { ctx, session } = setup([opener]);
    await expect(executeToolCall({ name: "opener", arguments: {} }, ctx)).rejects.toBeInstanceOf(
      VisibilityExpansionRequired,
    );
    expect(session.slice(Note).all()).toEqual([]);
  });

  it("refuses to start a tool after the deadline", async () => {
    const clock = new FakeClock();
    const { ctx, notebook } = setup([addNote]);
    const deadline = Deadline.after(10, clock);
    clock.advance(20);
    await expect(
      executeToolCall({ name: "add_note", arguments: { text: "late" } }, { ...ctx, deadline }),
    ).rejects.toBeInstanceOf(DeadlineExceededError);
    expect(notebook.lines).toEqual([]);
  });

  it("rethrows an abort instead of reporting it to the model", async () => {
    const controller = new AbortController();
    const slow = new Tool({
      name: "slow",
      description: "Aborts.",
      handler: () => {
        controller.abort(new Error("cancelled"));
        throw new Error("interrupted");
      },
    });
    const { ctx } = setup([slow]);
    await expect(
      executeToolCall({ name: "slow", arguments: {} }, { ...ctx, signal: controller.signal }),
    ).rejects.toThrow("cancelled");
  });

  it("rolls back and says so when a reducer fails on the tool result", async () => {
    const { ctx, session } = setup([addNote]);
    session.slice(Note).register(Note, () => {
      throw new Error("reducer bug");
    });
    const execution = await executeToolCall({ name: "add_note", arguments: { text: "x" } }, ctx);
    expect(execution.result.message).toMatch(/^Reducer errors prevented applying tool result:.*reducer bug/);
    expect(execution.result.success).toBe(true);
    expect(session.slice(Note).all()).toEqual([]);
  });

  it("redacts secrets from a throwing handler's message before the model sees it", async () => {
    const leaky = new Tool({
      name: "leaky",
      description: "Throws with a secret in the message.",
      handler: () => {
        throw new Error("auth failed for sk-proj-abcdefghijklmnopqrstuvwxyz012345");
      },
    });
    const { ctx, session } = setup([leaky]);
    const execution = await executeToolCall({ name: "leaky", arguments: {} }, ctx);
    expect(execution.output).not.toContain("abcdefghijklmnopqrstuvwxyz012345");
    expect(session.slice(ToolInvoked).latest()?.message).toContain("[REDACTED]");
  });

  it("rolls back and reports an error when a policy fails while recording a success", async () => {
    const broken = {
      name: "broken",
      check: () => ({ allowed: true }),
      onResult: () => {
        throw new Error("policy store down");
      },
    };
    const { ctx, notebook } = setup([addNote], [broken] as never[]);
    const execution = await executeToolCall({ name: "add_note", arguments: { text: "x" } }, ctx);
    expect(execution.result.success).toBe(false);
    expect(execution.output).toMatch(/succeeded but a policy failed afterwards: Error: policy store down/);
    expect(notebook.lines).toEqual([]);
  });

  it("beats before and after each call", async () => {
    const { ctx } = setup([addNote]);
    let beats = 0;
    await executeToolCall(
      { name: "add_note", arguments: { text: "x" } },
      { ...ctx, beat: () => void beats++ },
    );
    expect(beats).toBeGreaterThanOrEqual(2);
  });
});

describe("policies", () => {
  const tool = (name: string) =>
    new Tool({
      name,
      description: `${name} tool`,
      params: z.object({ path: z.string().optional() }),
      handler: () => ToolResult.ok({ name }),
    });

  it("SequentialDependencyPolicy denies until dependencies succeeded, explaining what to call", async () => {
    const policy = new SequentialDependencyPolicy({ dependencies: { deploy: ["test", "build"] } });
    const { ctx } = setup([tool("deploy"), tool("test"), tool("build")], [policy] as never[]);
    const denied = await executeToolCall({ name: "deploy", arguments: {} }, ctx);
    expect(denied.output).toBe(
      'Tool "deploy" needs "test" and "build" to succeed first. Call them, then try again.',
    );
    await executeToolCall({ name: "test", arguments: {} }, ctx);
    expect((await executeToolCall({ name: "deploy", arguments: {} }, ctx)).output).toMatch(/needs "build"/);
    await executeToolCall({ name: "build", arguments: {} }, ctx);
    expect((await executeToolCall({ name: "deploy", arguments: {} }, ctx)).result.success).toBe(true);
  });

  it("a failed dependency does not count", async () => {
    const failing = new Tool({ name: "test", description: "fails", handler: () => ToolResult.error("red") });
    const policy = new SequentialDependencyPolicy({ dependencies: { deploy: ["test"] } });
    const { ctx } = setup([tool("deploy"), failing], [policy] as never[]);
    await executeToolCall({ name: "test", arguments: {} }, ctx);
    expect((await executeToolCall({ name: "deploy", arguments: {} }, ctx)).result.success).toBe(false);
  });

  it("SequentialDependencyPolicy rejects self-dependency", () => {
    expect(() => new SequentialDependencyPolicy({ dependencies: { a: ["a"] } })).toThrow(
      /"a" cannot depend on itself/,
    );
  });

  it("ReadBeforeWritePolicy lets new files through and requires a read for existing ones", async () => {
    const existing = new Set(["config.yaml"]);
    const policy = new ReadBeforeWritePolicy({ exists: (path) => existing.has(path) });
    const { ctx } = setup([tool("read_file"), tool("write_file")], [policy] as never[]);
    expect(
      (await executeToolCall({ name: "write_file", arguments: { path: "new.txt" } }, ctx)).result.success,
    ).toBe(true);
    const denied = await executeToolCall({ name: "write_file", arguments: { path: "config.yaml" } }, ctx);
    expect(denied.output).toBe(
      '"config.yaml" already exists and has not been read in this session. Call read_file on it first, then write.',
    );
    await executeToolCall({ name: "read_file", arguments: { path: "config.yaml" } }, ctx);
    expect(
      (await executeToolCall({ name: "write_file", arguments: { path: "config.yaml" } }, ctx)).result.success,
    ).toBe(true);
  });

  it("policy state lives in the session and rolls back with it", async () => {
    const policy = new SequentialDependencyPolicy({ dependencies: { deploy: ["test"] } });
    const { ctx, session } = setup([tool("deploy"), tool("test")], [policy] as never[]);
    const before = session.snapshot();
    await executeToolCall({ name: "test", arguments: {} }, ctx);
    session.restore(before);
    expect((await executeToolCall({ name: "deploy", arguments: {} }, ctx)).result.success).toBe(false);
  });

  it("prompt-level policies apply to every tool", async () => {
    const template = new PromptTemplate({
      ns: "tests",
      key: "prompt-policies",
      policies: [new SequentialDependencyPolicy({ dependencies: { b: ["a"] } })],
      sections: [new MarkdownSection({ key: "s", title: "S", template: "x", tools: [tool("a"), tool("b")] })],
    });
    const session = new Session();
    const prompt = new Prompt(template);
    const ctx: ToolExecutionContext = {
      session,
      resources: ResourceRegistry.of().open(),
      rendered: prompt.render(),
      prompt,
      adapter: "test",
    };
    expect((await executeToolCall({ name: "b", arguments: {} }, ctx)).result.success).toBe(false);
  });
});
