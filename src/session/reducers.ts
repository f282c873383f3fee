/**
 * Built-in reducers for slices whose event type is the slice type itself.
 *
 * - {@link appendAll}: a ledger; every event is kept (the default when no reducer is registered).
 * - {@link replaceLatest}: only the most recent event is kept.
 * - {@link upsertBy}: one value per key; a new value takes the old one's place.
 * - {@link replaceLatestBy}: one value per key; a new value moves to the end.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineType } from "weakincentives";
 * import { Session, upsertBy } from "weakincentives/runtime";
 *
 * const Task = defineType("Task", z.object({ id: z.string(), done: z.boolean() }));
 * const session = new Session();
 * session.slice(Task).register(Task, upsertBy((task) => task.id));
 * session.dispatch(Task.create({ id: "a", done: false }));
 * session.dispatch(Task.create({ id: "a", done: true }));
 * session.slice(Task).all(); // [{ id: "a", done: true }]
 * ```
 */

import type { Data } from "../data-type.js";
import { op, type Reducer, type SliceOp, type SliceView } from "./slice.js";

/** Append every event to the slice, in dispatch order. */
export function appendAll<S extends object>(_view: SliceView<S>, event: Data<S>): SliceOp<S> {
  return op.append(event);
}

/** Keep only the most recent event: the slice holds at most one value. */
export function replaceLatest<S extends object>(_view: SliceView<S>, event: Data<S>): SliceOp<S> {
  return op.replace([event]);
}

/**
 * Keep one value per key. An event whose key is already present takes the place of the first
 * value with that key (later duplicates are dropped); otherwise it is appended. Keys are compared
 * with `Object.is`.
 */
export function upsertBy<S extends object>(key: (item: Data<S>) => unknown): Reducer<S, S> {
  return function upsertByKey(view: SliceView<S>, event: Data<S>): SliceOp<S> {
    const wanted = key(event);
    const next: Data<S>[] = [];
    let placed = false;
    for (const item of view) {
      if (!Object.is(key(item), wanted)) next.push(item);
      else if (!placed) {
        next.push(event);
        placed = true;
      }
    }
    if (!placed) next.push(event);
    return op.replace(next);
  };
}

/**
 * Keep one value per key, the newest last: every value with the event's key is removed and the
 * event is appended. Keys are compared with `Object.is`.
 */
export function replaceLatestBy<S extends object>(key: (item: Data<S>) => unknown): Reducer<S, S> {
  return function replaceLatestByKey(view: SliceView<S>, event: Data<S>): SliceOp<S> {
    const wanted = key(event);
    return op.replace([...view.where((item) => !Object.is(key(item), wanted)), event]);
  };
}
