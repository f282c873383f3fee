/**
 * The executor's synchronous path: a call finishes without a promise when nothing on the way is
 * async, and goes through promises otherwise, with the same results and rollbacks either way.
 */

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineType, typeStampedOn } from "../../src/data-type.js";
import { VisibilityExpansionRequired } from "../../src/errors.js";
import { ToolInvoked } from "../../src/events/index.js";
import { runToolCall } from "../../src/prompt/executor.js";
import {
  executeToolCall,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  Tool,
  type ToolExecutionContext,
  type ToolPolicy,
  ToolResult,
} from "../../src/prompt/index.js";
import { Binding, ResourceRegistry, resourceKey } from "../../src/resources/index.js";
import { Session } from "../../src/session/index.js";

const Step = defineType("Step", z.object({ text: z.string() }));

type Mode = "sync" | "async" | "throw" | "reject" | "fail" | "expand";

/** A tool that records a Step, then answers as `mode` says. */
const step = new Tool({
  name: "step",
  description: "Record a step.",
  params: z.object({
    text: z.string(),
    mode: z.enum(["sync", "async", "throw", "reject", "fail", "expand"]),
  }),
  handler: ({ text, mode }, ctx): ToolResult<{ text: string }> | Promise<ToolResult<{ text: string }>> => {
    ctx.session.dispatch(Step.create({ text }));
    const result = ToolResult.ok({ text }, "done");
    switch (mode as Mode) {
      case "async":
        return Promise.resolve(result);
      case "throw":
        throw new Error("sync failure");
      case "reject":
        return Promise.reject(new Error("async failure"));
      case "fail":
        return ToolResult.error("refused");
      case "expand":
        throw new VisibilityExpansionRequired(["tools"], "open it");
      default:
        return result;
    }
  },
});

function setup(options: { policies?: ToolPolicy[]; scoped?: boolean } = {}): {
  ctx: ToolExecutionContext;
  session: Session;
} {
  const template = new PromptTemplate({
    ns: "tests",
    key: "executor-sync",
    sections: [
      new MarkdownSection({
        key: "tools",
        title: "Tools",
        template: "Use them.",
        tools: [step],
        policies: options.policies ?? [],
      }),
    ],
  });
  const prompt = new Prompt(template);
  const session = new Session();
  const registry = options.scoped
    ? ResourceRegistry.of(Binding.factory(resourceKey<object>("PerCall"), () => ({}), { scope: "toolCall" }))
    : ResourceRegistry.of();
  const ctx: ToolExecutionContext = {
    session,
    resources: registry.open(),
    rendered: prompt.render({ session }),
    prompt,
    adapter: "test",
  };
  return { ctx, session };
}

const call = (mode: Mode, text = mode) => ({ id: `c-${text}`, name: "step", arguments: { text, mode } });
const steps = (session: Session) =>
  session
    .slice(Step)
    .all()
    .map((s) => s.text);

describe("runToolCall", () => {
  it("finishes a synchronous handler without a promise, with its state and ToolInvoked recorded", () => {
    const { ctx, session } = setup();
    const execution = runToolCall(call("sync"), ctx);
    expect(execution).not.toBeInstanceOf(Promise);
    expect(execution).toMatchObject({ output: 'done\n\n{"text":"sync"}', result: { success: true } });
    expect(steps(session)).toEqual(["sync"]);
    expect(session.slice(ToolInvoked).latest()).toMatchObject({ callId: "c-sync", success: true });
  });

  it("records ToolInvoked frozen, with its type held on the event rather than in the fallback map", () => {
    const { ctx, session } = setup();
    runToolCall(call("sync"), ctx);
    const event = session.slice(ToolInvoked).latest();
    expect(event && ToolInvoked.is(event)).toBe(true);
    expect(event && typeStampedOn(event)).toBe(true);
    expect(Object.isFrozen(event)).toBe(true);
    expect(Object.isFrozen(event?.params)).toBe(true);
  });

  it("turns a synchronous throw into an error result and rolls its state back, still without a promise", () => {
    const { ctx, session } = setup();
    const execution = runToolCall(call("throw"), ctx);
    expect(execution).not.toBeInstanceOf(Promise);
    expect(execution).toMatchObject({
      result: { success: false },
      output: 'Tool "step" failed: Error: sync failure',
    });
    expect(steps(session)).toEqual([]);
    const failed = runToolCall(call("fail"), ctx);
    expect(failed).toMatchObject({ result: { success: false, message: "refused" } });
    expect(steps(session)).toEqual([]);
  });

  it("throws a visibility request from a synchronous handler synchronously, after rolling back", () => {
    const { ctx, session } = setup();
    expect(() => runToolCall(call("expand"), ctx)).toThrow(VisibilityExpansionRequired);
    expect(steps(session)).toEqual([]);
  });

  it("returns a promise for an async handler, a policy or a tool-call scope, with the same outcome", async () => {
    const allow: ToolPolicy = { name: "allow", check: () => ({ allowed: true }) };
    for (const { ctx, session, mode } of [
      { ...setup(), mode: "async" as const },
      { ...setup({ policies: [allow] }), mode: "sync" as const },
      { ...setup({ scoped: true }), mode: "sync" as const },
    ]) {
      const pending = runToolCall(call(mode), ctx);
      expect(pending).toBeInstanceOf(Promise);
      await expect(pending).resolves.toMatchObject({ result: { success: true } });
      expect(steps(session)).toEqual([mode]);
    }
    const { ctx, session } = setup();
    await expect(runToolCall(call("reject"), ctx)).resolves.toMatchObject({
      output: 'Tool "step" failed: Error: async failure',
    });
    expect(steps(session)).toEqual([]);
  });

  it("keeps executeToolCall a promise that rejects, never a synchronous throw", async () => {
    const { ctx } = setup();
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = executeToolCall(call("expand"), ctx);
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(VisibilityExpansionRequired);
    await expect(executeToolCall(call("sync"), ctx)).resolves.toMatchObject({ result: { success: true } });
  });
});
