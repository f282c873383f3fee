/**
 * Typed access to one slice of a session: queries, plus convenience mutations that all go
 * through `session.dispatch` (so every change is an event subscribers can see).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineType, Session } from "weakincentives";
 *
 * const Plan = defineType("Plan", z.object({ steps: z.array(z.string()) }));
 * const session = new Session();
 * const plans = session.slice(Plan);
 * plans.seed([{ steps: [] }]);            // InitializeSlice
 * plans.append({ steps: ["write tests"] }); // dispatches a Plan event to its reducers
 * plans.latest()?.steps;                   // ["write tests"]
 * plans.clear((plan) => plan.steps.length === 0); // ClearSlice
 * ```
 */

import { type Data, type DataType, erase } from "../data-type.js";
import { ClearSlice, InitializeSlice, type SessionDispatchResult } from "./events.js";
import { type Reducer, type SlicePolicy, type SliceQuery, type SliceView, sliceView } from "./slice.js";

/** The session internals an accessor works through (keeps accessor.ts free of session.ts). */
export interface SliceHost {
  items(type: DataType): readonly object[];
  policy(type: DataType): SlicePolicy;
  dispatch(event: object): SessionDispatchResult;
  register(sliceType: DataType, eventType: DataType, reducer: Reducer<object, object>): void;
}

/** Queries and dispatch-backed mutations for the slice of one data type. */
export class SliceAccessor<T extends object> implements SliceQuery<T> {
  /** @internal Made by `session.slice(type)`. */
  constructor(
    private readonly host: SliceHost,
    /** The slice's data type. */
    readonly type: DataType<T>,
  ) {}

  /** The slice's policy (its default when the session has no such slice yet). */
  get policy(): SlicePolicy {
    return this.host.policy(erase(this.type));
  }

  /** The most recently added value, or undefined when the slice is empty. */
  latest(): Data<T> | undefined {
    return this.view().latest();
  }

  /** Every value, oldest first, as a frozen array. */
  all(): readonly Data<T>[] {
    return this.view().all();
  }

  /** The values for which `predicate` is true, as a frozen array. */
  where(predicate: (item: Data<T>) => boolean): readonly Data<T>[] {
    return this.view().where(predicate);
  }

  /** True when some value matches `predicate` (any value at all when omitted). */
  exists(predicate?: (item: Data<T>) => boolean): boolean {
    return this.view().exists(predicate);
  }

  /** Replace the slice's values with `values` by dispatching {@link InitializeSlice}. */
  seed(values: Iterable<T | Data<T>>): SessionDispatchResult {
    const items = [...values].map((value) => this.typed(value));
    return this.host.dispatch(InitializeSlice.create({ sliceType: this.erased, items }));
  }

  /** Remove the values matching `predicate` (all when omitted) by dispatching {@link ClearSlice}. */
  clear(predicate?: (item: Data<T>) => boolean): SessionDispatchResult {
    return this.host.dispatch(
      ClearSlice.create({
        sliceType: this.erased,
        predicate: predicate as ((item: object) => boolean) | undefined,
      }),
    );
  }

  /**
   * Dispatch `value` as an event of this slice's type: its reducers run (appending it when none
   * is registered), then dispatcher subscribers see it.
   */
  append(value: T | Data<T>): SessionDispatchResult {
    return this.host.dispatch(this.typed(value));
  }

  /** Run `reducer` on this slice for every dispatched event of `eventType`. */
  register<E extends object>(eventType: DataType<E>, reducer: Reducer<T, E>): void {
    this.host.register(this.erased, erase(eventType), reducer as unknown as Reducer<object, object>);
  }

  private get erased(): DataType {
    return erase(this.type);
  }

  private typed(value: T | Data<T>): Data<T> {
    return this.type.is(value) ? value : this.type.create(value as T);
  }

  private view(): SliceView<T> {
    return sliceView(this.host.items(this.erased) as readonly Data<T>[]);
  }
}
