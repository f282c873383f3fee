import { describe, expect, it } from "vitest";
import type { DataType } from "../../src/data-type.js";
import { InProcessDispatcher, PromptExecuted, PromptRendered, ToolInvoked } from "../../src/events/index.js";
import { Session, upsertBy } from "../../src/session/index.js";
import { Note, Plan, promptExecuted, promptRendered, Task, toolInvoked } from "./fixtures.js";

describe("telemetry events dispatched to a session", () => {
  it("records PromptRendered, ToolInvoked and PromptExecuted in LOG slices", () => {
    const session = new Session();
    const rendered = promptRendered();
    const invoked = toolInvoked({ message: "ok" });
    const executed = promptExecuted(undefined);
    session.dispatch(rendered);
    session.dispatch(invoked);
    session.dispatch(executed);
    expect(session.slice(PromptRendered).all()).toEqual([rendered]);
    expect(session.slice(ToolInvoked).all()).toEqual([invoked]);
    expect(session.slice(PromptExecuted).all()).toEqual([executed]);
    const telemetry: readonly DataType[] = [PromptRendered, ToolInvoked, PromptExecuted];
    for (const type of telemetry) expect(session.slice(type).policy).toBe("log");
  });

  it("keeps a LOG slice's earlier reads as they were while events keep arriving, in order, through snapshot and clone", () => {
    const session = new Session();
    const events = Array.from({ length: 5 }, (_, i) => toolInvoked({ message: `call ${i}` }));
    session.dispatch(events[0] as (typeof events)[number]);
    const first = session.slice(ToolInvoked).all();
    for (const event of events.slice(1, 3)) session.dispatch(event);
    const clone = session.clone();
    for (const event of events.slice(3)) session.dispatch(event);
    expect(first).toEqual([events[0]]);
    expect(Object.isFrozen(first)).toBe(true);
    const all = session.slice(ToolInvoked).all();
    expect(all).toEqual(events);
    expect(Object.isFrozen(all)).toBe(true);
    expect(session.slice(ToolInvoked).all()).toBe(all); // no copy while nothing arrives
    expect(clone.slice(ToolInvoked).all()).toEqual(events.slice(0, 3));
    expect(session.snapshot({ includeLogs: true }).itemsOf(ToolInvoked)).toEqual(events);
  });

  it("forwards telemetry to a dispatcher shared by several sessions, once per dispatch", () => {
    const dispatcher = new InProcessDispatcher();
    const first = new Session({ dispatcher });
    const second = new Session({ dispatcher });
    const seen: string[] = [];
    dispatcher.subscribe(ToolInvoked, (e) => void seen.push(e.name));
    first.dispatch(toolInvoked({}));
    expect(seen).toEqual(["lookup"]);
    expect(first.slice(ToolInvoked).all()).toHaveLength(1);
    expect(second.slice(ToolInvoked).all()).toHaveLength(0);
  });

  it("applies the typed value of a successful ToolInvoked result to its reducers", () => {
    const session = new Session();
    session.slice(Task).register(
      Task,
      upsertBy((t) => t.id),
    );
    session.dispatch(toolInvoked({ message: "ok", value: Task.create({ id: "a", done: false }) }));
    session.dispatch(toolInvoked({ message: "ok", value: Task.create({ id: "a", done: true }) }));
    expect(session.slice(Task).all()).toEqual([{ id: "a", done: true }]);
  });

  it("does not forward the carried value to the dispatcher (only the telemetry event)", () => {
    const dispatcher = new InProcessDispatcher();
    const session = new Session({ dispatcher });
    let notes = 0;
    dispatcher.subscribe(Note, () => void notes++);
    session.dispatch(toolInvoked({ value: Note.create({ text: "x" }) }));
    expect(notes).toBe(0);
    expect(session.slice(Note).all()).toHaveLength(1);
  });

  it("ignores the value of a failed ToolInvoked", () => {
    const session = new Session();
    session.dispatch(toolInvoked({ value: Note.create({ text: "x" }) }, false));
    expect(session.slice(Note).all()).toEqual([]);
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
  });

  it("ignores untyped tool values and non-object results", () => {
    const session = new Session();
    session.dispatch(toolInvoked({ value: { text: "plain" } }));
    session.dispatch(toolInvoked("raw text"));
    session.dispatch(toolInvoked(null));
    expect(session.slice(Note).all()).toEqual([]);
    expect(session.slice(ToolInvoked).all()).toHaveLength(3);
  });

  it("applies a typed PromptExecuted output", () => {
    const session = new Session();
    const plan = Plan.create({ steps: ["a"] });
    session.dispatch(promptExecuted(plan));
    expect(session.slice(Plan).all()).toEqual([plan]);
  });

  it("applies each typed item of a PromptExecuted output array, skipping untyped ones", () => {
    const session = new Session();
    const a = Note.create({ text: "a" });
    const b = Note.create({ text: "b" });
    session.dispatch(promptExecuted([a, { text: "plain" }, b]));
    expect(session.slice(Note).all()).toEqual([a, b]);
  });

  it("ignores an untyped PromptExecuted output", () => {
    const session = new Session();
    session.dispatch(promptExecuted({ text: "plain" }));
    expect(session.snapshot().slices).toEqual([]);
  });

  it("reports a failing reducer of a carried value in the telemetry dispatch result", () => {
    const session = new Session();
    session.slice(Plan).register(Note, () => {
      throw new Error("carried value reducer failed");
    });
    const result = session.dispatch(toolInvoked({ value: Note.create({ text: "x" }) }));
    expect(result.ok).toBe(false);
    expect(result.reducersInvoked).toBe(2);
    expect(String(result.reducerErrors[0]?.error)).toContain("carried value reducer failed");
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
  });
});
