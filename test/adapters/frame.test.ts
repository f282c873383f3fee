/**
 * The evaluation frame both agent loops open: what it opens, what it publishes, and that closing
 * it leaves nothing behind (no timer, no listener on the caller's signal, resources closed).
 */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openEvaluation } from "../../src/adapters/frame.js";
import { FakeClock } from "../../src/clock.js";
import { Deadline } from "../../src/deadline.js";
import { PromptExecuted, PromptRendered } from "../../src/events/index.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../src/prompt/index.js";
import { Binding, ResourceRegistry, resourceKey } from "../../src/resources/index.js";
import { Session } from "../../src/session/index.js";
import { captureLogs } from "../logging/capture.js";

const template = new PromptTemplate({
  ns: "tests/frame",
  key: "frame",
  output: z.object({ answer: z.string() }),
  sections: [new MarkdownSection({ key: "task", title: "Task", template: "Answer." })],
});
const settings = { adapter: "test-adapter", model: "m-1" };

function setup() {
  const clock = new FakeClock();
  const session = new Session({ clock });
  const events: string[] = [];
  session.dispatcher.subscribe(PromptRendered, () => void events.push("rendered"));
  session.dispatcher.subscribe(
    PromptExecuted,
    (e) => void events.push(`executed ${JSON.stringify(e.result.output)}`),
  );
  return { clock, session, events, prompt: new Prompt(template) };
}

describe("openEvaluation", () => {
  it("renders and publishes PromptRendered, completes with PromptExecuted and the complete log", async () => {
    const logs = captureLogs({ level: "info" });
    const { session, events, prompt } = setup();
    await using frame = openEvaluation(prompt, { session }, settings);
    expect(frame.rendered.name).toBe(prompt.name);
    expect(events).toEqual(["rendered"]);
    const response = frame.complete(
      { text: '{"answer":"a"}', output: { answer: "a" }, usage: { inputTokens: 3, outputTokens: 1 } },
      { turns: 2 },
    );
    expect(response).toEqual({
      promptName: prompt.name,
      text: '{"answer":"a"}',
      output: { answer: "a" },
      usage: { inputTokens: 3, outputTokens: 1 },
    });
    expect(events).toEqual(["rendered", 'executed {"answer":"a"}']);
    expect(logs.records().find((r) => r.event === "adapter.evaluate.complete")?.context).toMatchObject({
      adapter: "test-adapter",
      prompt: prompt.name,
      sessionId: session.sessionId,
      inputTokens: 3,
      outputTokens: 1,
      turns: 2,
    });
  });

  it("follows the caller's signal and the deadline, and leaves neither a listener nor a timer when closed", async () => {
    const { clock, session, prompt } = setup();
    const caller = new AbortController();
    const deadline = Deadline.after(5_000, clock);
    {
      await using frame = openEvaluation(prompt, { session, signal: caller.signal, deadline }, settings);
      expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
      expect(clock.pendingTimers).toBe(1);
      clock.advance(5_000);
      expect(frame.signal.aborted).toBe(true);
      expect(String(frame.signal.reason)).toMatch(/deadline/i);
    }
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);

    await using second = openEvaluation(prompt, { session, signal: caller.signal }, settings);
    caller.abort(new Error("shutting down"));
    expect(second.signal.reason).toEqual(new Error("shutting down"));
  });

  it("hands a signal that did not abort to the next evaluation, out of reach of the last one", async () => {
    const { session, prompt } = setup();
    const caller = new AbortController();
    const first = openEvaluation(prompt, { session, signal: caller.signal }, settings);
    const signal = first.signal;
    await first[Symbol.asyncDispose]();
    await using second = openEvaluation(prompt, { session, signal: caller.signal }, settings);
    expect(second.signal).toBe(signal);
    first.abort(new Error("late abort of a finished evaluation"));
    expect(second.signal.aborted).toBe(false);
    expect(second.aborted).toBe(false);
    second.abort(new Error("tool failed"));
    expect([second.aborted, second.signal.reason]).toEqual([true, new Error("tool failed")]);
  });

  it("keeps the signal with its evaluation once its controller was handed out", async () => {
    const { session, prompt } = setup();
    const first = openEvaluation(prompt, { session }, { ...settings, abortable: true });
    const controller = first.takeController();
    await first[Symbol.asyncDispose]();
    await using second = openEvaluation(prompt, { session }, { ...settings, abortable: true });
    expect(second.signal).not.toBe(controller?.signal);
  });

  it("throws at once, opening nothing, when the caller already aborted or the deadline passed", async () => {
    const { clock, session, events, prompt } = setup();
    expect(() =>
      openEvaluation(prompt, { session, signal: AbortSignal.abort(new Error("gone")) }, settings),
    ).toThrow("gone");
    const passed = Deadline.after(1, clock);
    clock.advance(2);
    expect(() => openEvaluation(prompt, { session, deadline: passed }, settings)).toThrow(/deadline/i);
    expect(events).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("creates no signal when nothing can abort the evaluation, unless asked to be abortable", async () => {
    const { session, prompt } = setup();
    {
      await using frame = openEvaluation(prompt, { session }, settings);
      expect(frame.takeController()).toBeUndefined();
      frame.signal.addEventListener("abort", () => {});
      expect(getEventListeners(frame.signal, "abort")).toHaveLength(0);
      expect(frame.toolContext.signal).toBe(frame.signal);
    }
    await using abortable = openEvaluation(prompt, { session }, { ...settings, abortable: true });
    abortable.abort(new Error("tool failed"));
    expect(abortable.signal.reason).toEqual(new Error("tool failed"));
  });

  it("opens the tool resources for the evaluation and closes them with it", async () => {
    const { session, prompt } = setup();
    const closed: string[] = [];
    class Conn {
      close(): void {
        closed.push("conn");
      }
    }
    const resources = ResourceRegistry.of(Binding.factory(Conn, () => new Conn()));
    {
      await using frame = openEvaluation(prompt, { session, resources }, settings);
      expect(frame.toolContext.resources.get(Conn)).toBeInstanceOf(Conn);
      expect(closed).toEqual([]);
    }
    expect(closed).toEqual(["conn"]);
  });

  it("runs beforeRelease with the open resources, before they close, and closes them even when it throws", async () => {
    const Thing = resourceKey<{ closed: boolean; close(): void }>("Thing");
    const thing = {
      closed: false,
      close() {
        this.closed = true;
      },
    };
    const order: string[] = [];
    for (const fails of [false, true]) {
      thing.closed = false;
      const session = new Session({ clock: new FakeClock() });
      const frame = openEvaluation(
        new Prompt(template),
        {
          session,
          resources: ResourceRegistry.of(Binding.factory(Thing, () => thing)),
          beforeRelease: (resources) => {
            order.push(`peek before use: ${resources.peek(Thing) === undefined}`);
            resources.get(Thing);
            order.push(`open: ${!thing.closed}`);
            if (fails) throw new Error("copy failed");
          },
        },
        settings,
      );
      await frame[Symbol.asyncDispose]();
      expect(thing.closed).toBe(true);
    }
    expect(order).toEqual(["peek before use: true", "open: true", "peek before use: true", "open: true"]);
  });
});
