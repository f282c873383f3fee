/**
 * Slice vocabulary: the read-only views reducers receive, the operations they return, and the
 * reducer signature itself.
 *
 * A slice is the ordered, frozen list of values of one {@link DataType} held by a session. Reducers
 * never mutate it: they look at a {@link SliceView} and return a {@link SliceOp} describing the
 * change, which the session applies.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { type DataOf, defineType } from "weakincentives";
 * import { op, type Reducer } from "weakincentives/runtime";
 *
 * const Plan = defineType("Plan", z.object({ steps: z.array(z.string()) }));
 * const AddStep = defineType("AddStep", z.object({ step: z.string() }));
 *
 * const addStep: Reducer<DataOf<typeof Plan>, DataOf<typeof AddStep>> = (view, event) =>
 *   op.replace([{ steps: [...(view.latest()?.steps ?? []), event.step] }]);
 * // Reducers are plain functions: unit-test them on sliceView([...]) without a session.
 * ```
 */

import { type Data, type DataType, erase } from "../data-type.js";

/**
 * How a slice behaves on rollback. `"state"` slices are working state: snapshotted by default
 * and restored by transactions. `"log"` slices are history (telemetry): left out of default
 * snapshots and kept when a snapshot is restored.
 */
export type SlicePolicy = "state" | "log";

/** Read-only queries over one slice. */
export interface SliceQuery<T extends object> {
  /** The most recently added value, or undefined when the slice is empty. */
  latest(): Data<T> | undefined;
  /** Every value, oldest first, as a frozen array. */
  all(): readonly Data<T>[];
  /** The values for which `predicate` is true, oldest first, as a frozen array. */
  where(predicate: (item: Data<T>) => boolean): readonly Data<T>[];
  /** True when some value matches `predicate` (any value at all when omitted). */
  exists(predicate?: (item: Data<T>) => boolean): boolean;
}

/** The snapshot of a slice a reducer receives: queries plus size and iteration. */
export interface SliceView<T extends object> extends SliceQuery<T>, Iterable<Data<T>> {
  /** Number of values. */
  readonly length: number;
  /** True when the slice holds no value. */
  readonly isEmpty: boolean;
}

/** A change to a slice, returned by a reducer. Build one with {@link op}. */
export type SliceOp<T extends object> =
  | { readonly kind: "append"; readonly item: Data<T> }
  | { readonly kind: "extend"; readonly items: readonly Data<T>[] }
  | { readonly kind: "replace"; readonly items: readonly Data<T>[] }
  | { readonly kind: "clear"; readonly predicate?: ((item: Data<T>) => boolean) | undefined };

/** Constructors for {@link SliceOp}s. Plain objects are accepted and tagged with the slice's type. */
export const op = Object.freeze({
  /** Add one value at the end. */
  append<T extends object>(item: Data<T>): SliceOp<T> {
    return { kind: "append", item };
  },
  /** Add several values at the end, in order. `extend([])` changes nothing. */
  extend<T extends object>(items: Iterable<Data<T>>): SliceOp<T> {
    return { kind: "extend", items: [...items] };
  },
  /** Replace the whole slice with `items`. */
  replace<T extends object>(items: Iterable<Data<T>>): SliceOp<T> {
    return { kind: "replace", items: [...items] };
  },
  /** Remove the values matching `predicate`, or every value when it is omitted. */
  clear<T extends object>(predicate?: (item: Data<T>) => boolean): SliceOp<T> {
    return { kind: "clear", predicate };
  },
});

/** The read-only face of a session, as reducers see it. */
export interface SessionView {
  /** Unique id of the session. */
  readonly sessionId: string;
  /** The session's tags. */
  readonly tags: Readonly<Record<string, string>>;
  /** Read-only queries over the slice of `type` (empty when the session has none). */
  slice<T extends object>(type: DataType<T>): SliceQuery<T>;
}

/** What a reducer knows besides the slice and the event. */
export interface ReducerContext<S extends object = object, E extends object = object> {
  /** The session being updated; read other slices through it. */
  readonly session: SessionView;
  /** The slice this reducer writes to. */
  readonly sliceType: DataType<S>;
  /** The type of the event being reduced. */
  readonly eventType: DataType<E>;
}

/**
 * A pure function from the current slice and an event to a change of that slice. It must not
 * mutate anything or dispatch events; a reducer that throws is logged and skipped.
 */
export type Reducer<S extends object, E extends object = S> = (
  view: SliceView<S>,
  event: Data<E>,
  context: ReducerContext<S, E>,
) => SliceOp<S>;

/** A reducer bound to the event type it handles; made by {@link on} for `session.install`. */
export interface ReducerBinding<S extends object> {
  /** The event type the reducer handles. */
  readonly eventType: DataType;
  /** The reducer, with its event type erased. */
  readonly reducer: Reducer<S, object>;
}

/** Bind `reducer` to `eventType`, for the `reducers` list of `session.install`. */
export function on<S extends object, E extends object>(
  eventType: DataType<E>,
  reducer: Reducer<S, E>,
): ReducerBinding<S> {
  // The session only ever calls the reducer with values of `eventType`, so erasing E is safe.
  return Object.freeze({
    eventType: erase(eventType),
    reducer: reducer as Reducer<S, object>,
  });
}

const EMPTY: readonly never[] = Object.freeze([]);

class FrozenSliceView<T extends object> implements SliceView<T> {
  constructor(private readonly items: readonly Data<T>[]) {}

  get length(): number {
    return this.items.length;
  }
  get isEmpty(): boolean {
    return this.items.length === 0;
  }
  latest(): Data<T> | undefined {
    return this.items[this.items.length - 1];
  }
  all(): readonly Data<T>[] {
    return this.items;
  }
  where(predicate: (item: Data<T>) => boolean): readonly Data<T>[] {
    return Object.freeze(this.items.filter((item) => predicate(item)));
  }
  exists(predicate?: (item: Data<T>) => boolean): boolean {
    return predicate ? this.items.some((item) => predicate(item)) : this.items.length > 0;
  }
  [Symbol.iterator](): Iterator<Data<T>> {
    return this.items[Symbol.iterator]();
  }
}

/**
 * A {@link SliceView} over `items` (frozen if they are not yet). Use it to unit-test reducers
 * without a session.
 */
export function sliceView<T extends object>(items: Iterable<Data<T>> = EMPTY): SliceView<T> {
  const frozen = Array.isArray(items) && Object.isFrozen(items);
  return new FrozenSliceView(frozen ? (items as readonly Data<T>[]) : Object.freeze([...items]));
}
