import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/clock.js";
import { WinkError } from "../../src/errors.js";
import { InProcessDispatcher } from "../../src/events/index.js";
import {
  ClearSlice,
  InitializeSlice,
  iterSessionsBottomUp,
  on,
  op,
  replaceLatest,
  Session,
  upsertBy,
} from "../../src/session/index.js";
import { AddStep, Note, Plan, Task } from "./fixtures.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("Session construction", () => {
  it("defaults to a random UUID, a fresh InProcessDispatcher and no tags", () => {
    const a = new Session();
    const b = new Session();
    expect(a.sessionId).toMatch(UUID);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.dispatcher).toBeInstanceOf(InProcessDispatcher);
    expect(a.dispatcher).not.toBe(b.dispatcher);
    expect(a.tags).toEqual({});
  });

  it("takes createdAt from the clock when not given", () => {
    const clock = new FakeClock({ start: new Date("2030-05-06T07:08:09.000Z") });
    expect(new Session({ clock }).createdAt.toISOString()).toBe("2030-05-06T07:08:09.000Z");
  });

  it("keeps an explicit createdAt and returns a copy each time", () => {
    const session = new Session({ createdAt: new Date("2024-02-03T00:00:00.000Z") });
    session.createdAt.setFullYear(1999);
    expect(session.createdAt.toISOString()).toBe("2024-02-03T00:00:00.000Z");
  });

  it("rejects an invalid createdAt", () => {
    expect(() => new Session({ createdAt: new Date("nope") })).toThrow(/createdAt must be a valid Date/);
  });

  it("rejects an empty sessionId", () => {
    expect(() => new Session({ sessionId: " " })).toThrow(/sessionId must be a non-empty string/);
  });

  it("normalizes tag values to strings and freezes the tags", () => {
    const session = new Session({ tags: { agent: "planner", attempt: 2, debug: true } });
    expect(session.tags).toEqual({ agent: "planner", attempt: "2", debug: "true" });
    expect(Object.isFrozen(session.tags)).toBe(true);
  });

  it("uses the dispatcher it is given", () => {
    const dispatcher = new InProcessDispatcher();
    expect(new Session({ dispatcher }).dispatcher).toBe(dispatcher);
  });
});

describe("Session tree", () => {
  it("a child registers itself in its parent's children", () => {
    const root = new Session();
    const child = new Session({ parent: root });
    expect(child.parent).toBe(root);
    expect(root.children).toEqual([child]);
    expect(Object.isFrozen(root.children)).toBe(true);
  });

  it("a session cannot be its own parent", () => {
    const root = new Session({ sessionId: "same" });
    expect(() => new Session({ parent: root, sessionId: "same" })).toThrow(
      /Session same cannot be its own parent/,
    );
    expect(root.children).toEqual([]);
  });

  it("iterSessionsBottomUp yields children before their parents, in creation order", () => {
    const root = new Session({ sessionId: "root" });
    const a = new Session({ parent: root, sessionId: "a" });
    new Session({ parent: a, sessionId: "a1" });
    new Session({ parent: root, sessionId: "b" });
    expect([...iterSessionsBottomUp(root)].map((s) => s.sessionId)).toEqual(["a1", "a", "b", "root"]);
  });
});

describe("Session.dispatch", () => {
  it("appends an event to its own slice when no reducer is registered", () => {
    const session = new Session();
    const a = Note.create({ text: "a" });
    const b = Note.create({ text: "b" });
    session.dispatch(a);
    session.dispatch(b);
    expect(session.slice(Note).all()).toEqual([a, b]);
    expect(session.slice(Note).latest()).toBe(b);
  });

  it("rejects an untyped object and says to use Type.create", () => {
    const session = new Session();
    expect(() => session.dispatch({ text: "x" })).toThrow(WinkError);
    expect(() => session.dispatch({ text: "x" })).toThrow(/untyped object with keys text.*MyEvent\.create/);
  });

  it("describes non-object and array events in its error", () => {
    const session = new Session();
    expect(() => session.dispatch(null as unknown as object)).toThrow(/got null\./);
    expect(() => session.dispatch(3 as unknown as object)).toThrow(/got a number\./);
    expect(() => session.dispatch([])).toThrow(/got an untyped array\./);
    expect(() => session.dispatch({})).toThrow(/got an untyped empty object\./);
    expect(() => session.dispatch({ a: 1, b: 1, c: 1, d: 1, e: 1, f: 1 })).toThrow(
      /keys a, b, c, d, e, \.\.\./,
    );
  });

  it("forwards the event to the dispatcher after the reducers ran and returns its result", () => {
    const dispatcher = new InProcessDispatcher();
    const session = new Session({ dispatcher });
    const seenInSlice: number[] = [];
    dispatcher.subscribe(Note, () => void seenInSlice.push(session.slice(Note).all().length));
    const result = session.dispatch(Note.create({ text: "a" }));
    expect(seenInSlice).toEqual([1]);
    expect(result.handlersInvoked).toBe(1);
    expect(result.ok).toBe(true);
    expect(result.reducersInvoked).toBe(1);
  });

  it("does not subscribe to its dispatcher: events dispatched there directly leave the session unchanged", () => {
    const dispatcher = new InProcessDispatcher();
    const session = new Session({ dispatcher });
    dispatcher.dispatch(Note.create({ text: "a" }));
    expect(session.slice(Note).all()).toEqual([]);
  });

  it("runs every reducer registered for the event type, on their slices, instead of appending", () => {
    const session = new Session();
    session
      .slice(Plan)
      .register(AddStep, (view, event) =>
        op.replace([{ steps: [...(view.latest()?.steps ?? []), event.step] }]),
      );
    session.slice(Note).register(AddStep, (_view, event) => op.append({ text: `added ${event.step}` }));
    session.dispatch(AddStep.create({ step: "one" }));
    session.dispatch(AddStep.create({ step: "two" }));
    expect(session.slice(Plan).all()).toEqual([{ steps: ["one", "two"] }]);
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["added one", "added two"]);
    expect(session.slice(AddStep).all()).toEqual([]);
  });

  it("tags plain values returned by a reducer with the slice's type and freezes them", () => {
    const session = new Session();
    session.slice(Plan).register(AddStep, (_view, event) => op.append({ steps: [event.step] }));
    session.dispatch(AddStep.create({ step: "x" }));
    const plan = session.slice(Plan).latest();
    expect(Plan.is(plan)).toBe(true);
    expect(Object.isFrozen(plan?.steps)).toBe(true);
  });

  it("applies extend and clear operations", () => {
    const session = new Session();
    session
      .slice(Note)
      .register(AddStep, (_view, event) =>
        event.step === "reset"
          ? op.clear((n) => n.text !== "keep")
          : op.extend([{ text: event.step }, { text: "keep" }]),
      );
    session.dispatch(AddStep.create({ step: "a" }));
    session.dispatch(AddStep.create({ step: "reset" }));
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["keep"]);
  });

  it("keeps the slice array frozen after every change", () => {
    const session = new Session();
    session.dispatch(Note.create({ text: "a" }));
    expect(Object.isFrozen(session.slice(Note).all())).toBe(true);
  });

  it("gives reducers a context with the session, the slice type and the event type", () => {
    const session = new Session({ tags: { who: "me" } });
    const seen: string[] = [];
    session.dispatch(Note.create({ text: "existing" }));
    session.slice(Plan).register(AddStep, (_view, _event, ctx) => {
      seen.push(`${ctx.session.tags.who}:${ctx.sliceType.name}:${ctx.eventType.name}`);
      seen.push(String(ctx.session.slice(Note).latest()?.text));
      return op.extend([]);
    });
    session.dispatch(AddStep.create({ step: "x" }));
    expect(seen).toEqual(["me:Plan:AddStep", "existing"]);
  });

  it("rejects two different data types with the same name", () => {
    const session = new Session();
    session.dispatch(Note.create({ text: "a" }));
    const Impostor = { ...Note, is: () => false } as unknown as typeof Note;
    expect(() => session.slice(Impostor).register(Plan, (_v, e) => op.append(e as never))).toThrow(
      /Two different data types are named "Note"/,
    );
  });
});

describe("reducer failures", () => {
  it("a reducer that throws is skipped, the others still run, and the result reports it", () => {
    const dispatcher = new InProcessDispatcher();
    const session = new Session({ dispatcher });
    let forwarded = 0;
    dispatcher.subscribe(AddStep, () => void forwarded++);
    session.slice(Plan).register(AddStep, function explode() {
      throw new Error("boom");
    });
    session.slice(Note).register(AddStep, (_v, e) => op.append({ text: e.step }));
    const result = session.dispatch(AddStep.create({ step: "x" }));
    expect(session.slice(Plan).all()).toEqual([]);
    expect(session.slice(Note).all()).toHaveLength(1);
    expect(forwarded).toBe(1);
    expect(result.ok).toBe(false);
    expect(result.reducersInvoked).toBe(2);
    expect(result.reducerErrors).toHaveLength(1);
    expect(result.errors[0]?.handler).toBe("Reducer explode (AddStep -> Plan)");
    expect(String(result.errors[0]?.error)).toContain("boom");
  });

  it("a reducer returning something that is not an operation fails and names the reducer", () => {
    const session = new Session();
    session.slice(Plan).register(AddStep, function sloppy() {
      return { steps: [] } as never;
    });
    const result = session.dispatch(AddStep.create({ step: "x" }));
    expect(String(result.reducerErrors[0]?.error)).toMatch(
      /Reducer sloppy \(AddStep -> Plan\) returned an object without a kind instead of a slice operation/,
    );
  });

  it("describes an undefined or unknown-kind return value", () => {
    const session = new Session();
    session.slice(Plan).register(AddStep, () => undefined as never);
    session.slice(Task).register(AddStep, () => ({ kind: "explode" }) as never);
    session.slice(Note).register(AddStep, () => 42 as never);
    const errors = session.dispatch(AddStep.create({ step: "x" })).reducerErrors.map((f) => String(f.error));
    expect(errors[0]).toMatch(/returned undefined/);
    expect(errors[1]).toMatch(/returned an operation of unknown kind "explode"/);
    expect(errors[2]).toMatch(/returned number/);
  });

  it("a reducer returning a value of another data type fails and names both types", () => {
    const session = new Session();
    session.slice(Plan).register(AddStep, (_v, e) => op.append(e as never));
    const [failure] = session.dispatch(AddStep.create({ step: "x" })).reducerErrors;
    expect(String(failure?.error)).toMatch(
      /item \[0\] for slice Plan is a AddStep value; return Plan values/,
    );
    expect(session.slice(Plan).all()).toEqual([]);
  });

  it("a reducer returning a primitive item fails and says slice values are objects", () => {
    const session = new Session();
    session.slice(Plan).register(AddStep, () => op.replace([7 as never]));
    const [failure] = session.dispatch(AddStep.create({ step: "x" })).reducerErrors;
    expect(String(failure?.error)).toMatch(/item \[0\] for slice Plan is number; slice values are objects/);
  });

  it("dispatching from inside a reducer fails that reducer", () => {
    const session = new Session();
    session.slice(Plan).register(AddStep, () => {
      session.dispatch(Note.create({ text: "nested" }));
      return op.extend([]);
    });
    const [failure] = session.dispatch(AddStep.create({ step: "x" })).reducerErrors;
    expect(String(failure?.error)).toMatch(/called from inside a reducer/);
    expect(session.slice(Note).all()).toEqual([]);
  });

  it("rejects a reducer that is not a function", () => {
    const session = new Session();
    expect(() => session.slice(Plan).register(AddStep, "nope" as never)).toThrow(
      /reducer for AddStep on slice Plan must be a function, got string/,
    );
  });
});

describe("SliceAccessor", () => {
  it("seed replaces the slice through an InitializeSlice event", () => {
    const dispatcher = new InProcessDispatcher();
    const session = new Session({ dispatcher });
    const seen: string[] = [];
    dispatcher.subscribe(InitializeSlice, (e) => void seen.push(e.sliceType.name));
    session.slice(Note).append({ text: "old" });
    session.slice(Note).seed([{ text: "a" }, Note.create({ text: "b" })]);
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["a", "b"]);
    expect(
      session
        .slice(Note)
        .all()
        .every((n) => Note.is(n)),
    ).toBe(true);
    expect(seen).toEqual(["Note"]);
  });

  it("clear removes matching values through a ClearSlice event", () => {
    const dispatcher = new InProcessDispatcher();
    const session = new Session({ dispatcher });
    let clears = 0;
    dispatcher.subscribe(ClearSlice, () => void clears++);
    session.slice(Note).seed([{ text: "a" }, { text: "b" }]);
    session.slice(Note).clear((n) => n.text === "a");
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["b"]);
    session.slice(Note).clear();
    expect(session.slice(Note).all()).toEqual([]);
    expect(clears).toBe(2);
  });

  it("clear on a slice the session does not have changes nothing", () => {
    const session = new Session();
    expect(session.slice(Note).clear().ok).toBe(true);
    expect(session.snapshot().slices).toEqual([]);
  });

  it("append dispatches the value as an event of the slice type, so its reducers run", () => {
    const session = new Session();
    session.slice(Task).register(
      Task,
      upsertBy((t) => t.id),
    );
    session.slice(Task).append({ id: "a", done: false });
    session.slice(Task).append({ id: "a", done: true });
    expect(session.slice(Task).all()).toEqual([{ id: "a", done: true }]);
  });

  it("where and exists query the slice", () => {
    const session = new Session();
    session.slice(Task).seed([
      { id: "a", done: true },
      { id: "b", done: false },
    ]);
    expect(
      session
        .slice(Task)
        .where((t) => t.done)
        .map((t) => t.id),
    ).toEqual(["a"]);
    expect(session.slice(Task).exists((t) => t.id === "b")).toBe(true);
    expect(session.slice(Task).exists((t) => t.id === "z")).toBe(false);
    expect(session.slice(Plan).exists()).toBe(false);
    expect(session.slice(Plan).latest()).toBeUndefined();
  });

  it("InitializeSlice and ClearSlice parse only a DataType, object items and a function predicate", () => {
    expect(InitializeSlice.parse({ sliceType: Plan, items: [{ steps: [] }] }).sliceType).toBe(Plan);
    expect(() => InitializeSlice.parse({ sliceType: "Plan", items: [] })).toThrow(
      /Expected a DataType made with defineType/,
    );
    expect(() => InitializeSlice.parse({ sliceType: Plan, items: [1] })).toThrow(/items\[0\]/);
    expect(ClearSlice.parse({ sliceType: Plan, predicate: () => true }).predicate).toBeTypeOf("function");
    expect(() => ClearSlice.parse({ sliceType: Plan, predicate: "all" })).toThrow(/predicate/);
  });

  it("a direct InitializeSlice with an item of another type is rejected", () => {
    const session = new Session();
    const bad = InitializeSlice.create({ sliceType: Plan, items: [Note.create({ text: "x" })] });
    expect(() => session.dispatch(bad)).toThrow(/InitializeSlice item \[0\] for slice Plan is a Note value/);
  });
});

describe("Session.install", () => {
  it("declares the slice's reducers with on(Event, reducer)", () => {
    const session = new Session();
    session.install(Plan, {
      reducers: [
        on(AddStep, (view, event) => op.replace([{ steps: [...(view.latest()?.steps ?? []), event.step] }])),
      ],
    });
    session.dispatch(AddStep.create({ step: "a" }));
    session.dispatch(AddStep.create({ step: "b" }));
    expect(session.slice(Plan).latest()?.steps).toEqual(["a", "b"]);
  });

  it("reducers see the initial value while the slice is empty, and it is not stored by itself", () => {
    const session = new Session();
    session.install(Plan, {
      initial: () => ({ steps: ["start"] }),
      reducers: [
        on(AddStep, (view, event) => op.append({ steps: [...(view.latest()?.steps ?? []), event.step] })),
      ],
    });
    expect(session.slice(Plan).all()).toEqual([]);
    session.dispatch(AddStep.create({ step: "a" }));
    expect(
      session
        .slice(Plan)
        .all()
        .map((p) => p.steps),
    ).toEqual([["start"], ["start", "a"]]);
    session.slice(Plan).clear();
    session.dispatch(AddStep.create({ step: "b" }));
    expect(
      session
        .slice(Plan)
        .all()
        .map((p) => p.steps),
    ).toEqual([["start"], ["start", "b"]]);
  });

  it("sets the slice policy; telemetry types default to log and others to state", () => {
    const session = new Session();
    session.install(Note, { policy: "log" });
    expect(session.slice(Note).policy).toBe("log");
    expect(session.slice(Plan).policy).toBe("state");
  });

  it("a slice can be installed only once", () => {
    const session = new Session();
    session.install(Plan);
    expect(() => session.install(Plan)).toThrow(
      /Slice Plan is already installed.*register\(Event, reducer\)/,
    );
  });

  it("installing a slice that already holds dispatched values keeps them", () => {
    const session = new Session();
    session.dispatch(Note.create({ text: "a" }));
    session.install(Note, { reducers: [on(Note, replaceLatest)] });
    session.dispatch(Note.create({ text: "b" }));
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["b"]);
  });
});

describe("Session.reset and Session.clone", () => {
  it("reset empties every slice but keeps reducers", () => {
    const session = new Session();
    session.slice(Task).register(
      Task,
      upsertBy((t) => t.id),
    );
    session.dispatch(Task.create({ id: "a", done: false }));
    session.dispatch(Note.create({ text: "n" }));
    session.reset();
    expect(session.slice(Task).all()).toEqual([]);
    expect(session.slice(Note).all()).toEqual([]);
    session.dispatch(Task.create({ id: "a", done: false }));
    session.dispatch(Task.create({ id: "a", done: true }));
    expect(session.slice(Task).all()).toEqual([{ id: "a", done: true }]);
  });

  it("clone copies slices (the same frozen values) and reducers into an independent session", () => {
    const session = new Session({ tags: { a: "1" } });
    session.slice(Task).register(
      Task,
      upsertBy((t) => t.id),
    );
    const task = Task.create({ id: "a", done: false });
    session.dispatch(task);
    const copy = session.clone();
    expect(copy.sessionId).not.toBe(session.sessionId);
    expect(copy.tags).toEqual({ a: "1" });
    expect(copy.dispatcher).toBe(session.dispatcher);
    expect(copy.parent).toBeUndefined();
    expect(copy.slice(Task).all()[0]).toBe(task);
    copy.dispatch(Task.create({ id: "a", done: true }));
    expect(copy.slice(Task).all()).toEqual([{ id: "a", done: true }]);
    expect(session.slice(Task).all()).toEqual([{ id: "a", done: false }]);
  });

  it("clone takes a new dispatcher, parent, id and tags when given", () => {
    const session = new Session();
    const parent = new Session();
    const dispatcher = new InProcessDispatcher();
    const copy = session.clone({ dispatcher, parent, sessionId: "copy", tags: { b: 2 } });
    expect(copy.dispatcher).toBe(dispatcher);
    expect(copy.parent).toBe(parent);
    expect(parent.children).toEqual([copy]);
    expect(copy.sessionId).toBe("copy");
    expect(copy.tags).toEqual({ b: "2" });
  });
});
