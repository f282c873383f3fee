import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Data } from "../../src/data-type.js";
import {
  appendAll,
  op,
  type Reducer,
  replaceLatest,
  replaceLatestBy,
  Session,
  type SliceOp,
  sliceView,
  upsertBy,
} from "../../src/session/index.js";
import { Task } from "./fixtures.js";

type TaskValue = { id: string; done: boolean };

const taskArb = fc
  .record({ id: fc.constantFrom("a", "b", "c", "d"), done: fc.boolean() })
  .map((t) => Task.create(t));

/** Run `reducer` over `events` through a real session and return the final slice. */
function reduceAll(
  reducer: Reducer<TaskValue, TaskValue>,
  events: readonly Data<TaskValue>[],
): readonly Data<TaskValue>[] {
  const session = new Session();
  session.slice(Task).register(Task, reducer);
  for (const event of events) session.dispatch(event);
  return session.slice(Task).all();
}

describe("op constructors", () => {
  it("op.append, op.extend, op.replace and op.clear build the matching operation", () => {
    const a = Task.create({ id: "a", done: false });
    const predicate = (t: Data<TaskValue>): boolean => t.done;
    expect(op.append(a)).toEqual({ kind: "append", item: a });
    expect(op.extend([a, a])).toEqual({ kind: "extend", items: [a, a] });
    expect(op.replace(new Set([a]))).toEqual({ kind: "replace", items: [a] });
    expect(op.clear(predicate)).toEqual({ kind: "clear", predicate });
    expect(op.clear()).toEqual({ kind: "clear", predicate: undefined });
  });
});

describe("sliceView", () => {
  it("answers latest, all, where, exists, length, isEmpty and iteration over its items", () => {
    const a = Task.create({ id: "a", done: false });
    const b = Task.create({ id: "b", done: true });
    const view = sliceView([a, b]);
    expect(view.latest()).toBe(b);
    expect(view.all()).toEqual([a, b]);
    expect(Object.isFrozen(view.all())).toBe(true);
    expect(view.where((t) => t.done)).toEqual([b]);
    expect(Object.isFrozen(view.where((t) => t.done))).toBe(true);
    expect(view.exists()).toBe(true);
    expect(view.exists((t) => t.id === "z")).toBe(false);
    expect(view.length).toBe(2);
    expect(view.isEmpty).toBe(false);
    expect([...view]).toEqual([a, b]);
  });

  it("an empty view has no latest value and exists() is false", () => {
    const view = sliceView<TaskValue>();
    expect(view.latest()).toBeUndefined();
    expect(view.isEmpty).toBe(true);
    expect(view.exists()).toBe(false);
  });

  it("reuses an already frozen array instead of copying it", () => {
    const items = Object.freeze([Task.create({ id: "a", done: false })]);
    expect(sliceView(items).all()).toBe(items);
  });
});

describe("built-in reducers (direct calls)", () => {
  const a1 = Task.create({ id: "a", done: false });
  const b1 = Task.create({ id: "b", done: false });
  const a2 = Task.create({ id: "a", done: true });

  it("appendAll returns an append of the event", () => {
    expect(appendAll(sliceView([a1]), b1)).toEqual({ kind: "append", item: b1 });
  });

  it("replaceLatest returns a replace holding only the event", () => {
    expect(replaceLatest(sliceView([a1, b1]), a2)).toEqual({ kind: "replace", items: [a2] });
  });

  it("upsertBy replaces the value with the same key in place", () => {
    const result = upsertBy<TaskValue>((t) => t.id)(sliceView([a1, b1]), a2, undefined as never);
    expect(result).toEqual({ kind: "replace", items: [a2, b1] });
  });

  it("upsertBy appends a value whose key is new", () => {
    const result = upsertBy<TaskValue>((t) => t.id)(sliceView([a1]), b1, undefined as never);
    expect(result).toEqual({ kind: "replace", items: [a1, b1] });
  });

  it("upsertBy drops later duplicates of the key it replaces", () => {
    const result = upsertBy<TaskValue>((t) => t.id)(sliceView([a1, b1, a1]), a2, undefined as never);
    expect(result).toEqual({ kind: "replace", items: [a2, b1] });
  });

  it("replaceLatestBy removes values with the key and appends the event last", () => {
    const result = replaceLatestBy<TaskValue>((t) => t.id)(sliceView([a1, b1]), a2, undefined as never);
    expect(result).toEqual({ kind: "replace", items: [b1, a2] });
  });
});

describe("built-in reducers (properties, through a session)", () => {
  it("appendAll keeps every event, in dispatch order", () => {
    fc.assert(
      fc.property(fc.array(taskArb, { maxLength: 30 }), (events) => {
        const slice = reduceAll(appendAll, events);
        expect(slice).toHaveLength(events.length);
        expect([...slice]).toEqual(events);
        for (const [i, item] of slice.entries()) expect(item).toBe(events[i]);
      }),
    );
  });

  it("replaceLatest keeps at most one value: the last event", () => {
    fc.assert(
      fc.property(fc.array(taskArb, { maxLength: 30 }), (events) => {
        const slice = reduceAll(replaceLatest, events);
        expect(slice.length).toBeLessThanOrEqual(1);
        expect(slice[0]).toBe(events[events.length - 1]);
      }),
    );
  });

  it("upsertBy yields unique keys, the last write wins, in first-seen key order", () => {
    fc.assert(
      fc.property(fc.array(taskArb, { maxLength: 30 }), (events) => {
        const slice = reduceAll(
          upsertBy((t) => t.id),
          events,
        );
        const keys = slice.map((t) => t.id);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys).toEqual([...new Set(events.map((e) => e.id))]);
        for (const item of slice) expect(item).toBe(events.findLast((e) => e.id === item.id));
      }),
    );
  });

  it("replaceLatestBy yields unique keys, the last write wins, ordered by last write", () => {
    fc.assert(
      fc.property(fc.array(taskArb, { maxLength: 30 }), (events) => {
        const slice = reduceAll(
          replaceLatestBy((t) => t.id),
          events,
        );
        const lastWrites = [...new Set(events.map((e) => e.id))]
          .map((id) => events.findLast((e) => e.id === id) as Data<TaskValue>)
          .sort((x, y) => events.lastIndexOf(x) - events.lastIndexOf(y));
        expect(slice).toHaveLength(lastWrites.length);
        for (const [i, item] of slice.entries()) expect(item).toBe(lastWrites[i]);
      }),
    );
  });

  it("every slice a reducer produces is frozen", () => {
    fc.assert(
      fc.property(fc.array(taskArb, { minLength: 1, maxLength: 10 }), (events) => {
        const reducers: Reducer<TaskValue, TaskValue>[] = [appendAll, replaceLatest, upsertBy((t) => t.id)];
        for (const reducer of reducers) {
          const slice = reduceAll(reducer, events);
          expect(Object.isFrozen(slice)).toBe(true);
          for (const item of slice) expect(Object.isFrozen(item)).toBe(true);
        }
      }),
    );
  });
});

// Compile-time check: a reducer's operation is typed by its slice.
const _typed: Reducer<TaskValue, TaskValue> = (_view, event): SliceOp<TaskValue> => op.append(event);
void _typed;
