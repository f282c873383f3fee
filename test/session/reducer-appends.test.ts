/**
 * Reducers that append: the slice is not copied per event (bench/session-log measures that), yet
 * each reducer sees exactly the slice as it stands, and arrays read earlier never change.
 */
import { describe, expect, it } from "vitest";
import { WinkError } from "../../src/errors.js";
import { op, Session, type SliceView } from "../../src/session/index.js";
import { Note, Task } from "./fixtures.js";

describe("appending reducers", () => {
  it("see the slice as it stands: length, latest, every value and queries, between reads", () => {
    const session = new Session();
    const seen: { length: number; latest: string | undefined; all: string[]; done: number }[] = [];
    session.slice(Task).register(Task, (view, task) => {
      seen.push({
        length: view.length,
        latest: view.latest()?.id,
        all: [...view].map((t) => t.id),
        done: view.where((t) => t.done).length,
      });
      return op.append(task);
    });
    session.dispatch(Task.create({ id: "a", done: true }));
    const before = session.slice(Task).all();
    session.dispatch(Task.create({ id: "b", done: false }));
    session.dispatch(Task.create({ id: "c", done: true }));
    expect(seen).toEqual([
      { length: 0, latest: undefined, all: [], done: 0 },
      { length: 1, latest: "a", all: ["a"], done: 1 },
      { length: 2, latest: "b", all: ["a", "b"], done: 1 },
    ]);
    // An array read earlier is frozen and keeps what it held.
    expect(Object.isFrozen(before)).toBe(true);
    expect(before.map((t) => t.id)).toEqual(["a"]);
    expect(
      session
        .slice(Task)
        .all()
        .map((t) => t.id),
    ).toEqual(["a", "b", "c"]);
  });

  it("see the latest value without reading the slice, even after a replace", () => {
    const session = new Session();
    const latest: (string | undefined)[] = [];
    session.slice(Task).register(Task, (view: SliceView<{ id: string; done: boolean }>, task) => {
      latest.push(view.latest()?.id);
      return task.id === "r" ? op.replace([task]) : op.extend([task]);
    });
    for (const id of ["a", "b", "r", "c"]) session.dispatch(Task.create({ id, done: false }));
    expect(latest).toEqual([undefined, "a", "b", "r"]);
    expect(
      session
        .slice(Task)
        .all()
        .map((t) => t.id),
    ).toEqual(["r", "c"]);
  });

  it("leave the slice unchanged when an appended value is invalid", () => {
    const session = new Session();
    session
      .slice(Task)
      .register(Task, (_view, task) =>
        task.id === "bad" ? op.append(Note.create({ text: "wrong type" }) as never) : op.append(task),
      );
    session.dispatch(Task.create({ id: "a", done: false }));
    const failed = session.dispatch(Task.create({ id: "bad", done: false }));
    expect(failed.reducerErrors[0]?.error).toBeInstanceOf(WinkError);
    expect(
      session
        .slice(Task)
        .all()
        .map((t) => t.id),
    ).toEqual(["a"]);
  });
});
