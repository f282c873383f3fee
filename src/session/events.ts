/**
 * System events that change a slice directly, without reducers: {@link InitializeSlice} replaces
 * a slice's values, {@link ClearSlice} removes some or all of them. Like every mutation they go
 * through `session.dispatch`, so dispatcher subscribers (audit logs, debug bundles) see them.
 * The slice accessor's `seed` and `clear` build them for you.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineType } from "weakincentives";
 * import { ClearSlice, InitializeSlice, Session } from "weakincentives/runtime";
 *
 * const Plan = defineType("Plan", z.object({ steps: z.array(z.string()) }));
 * const session = new Session();
 * session.dispatch(InitializeSlice.create({ sliceType: Plan, items: [Plan.create({ steps: [] })] }));
 * session.dispatch(ClearSlice.create({ sliceType: Plan }));
 * ```
 */

import { z } from "zod";
import { type DataType, defineType } from "../data-type.js";
import type { DispatchResult, HandlerFailure } from "../events/index.js";

/**
 * What `session.dispatch` reports: the dispatcher's result, with reducer failures added to
 * `errors` (so `ok` is false when a reducer threw or returned something invalid).
 */
export interface SessionDispatchResult extends DispatchResult {
  /** How many reducers ran for the event and the values it carried (failed ones included). */
  readonly reducersInvoked: number;
  /** The reducers that threw or returned an invalid operation; each was skipped. */
  readonly reducerErrors: readonly HandlerFailure[];
}

function isDataType(value: unknown): value is DataType {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<DataType>).name === "string" &&
    typeof (value as Partial<DataType>).is === "function"
  );
}

const sliceType = z.custom<DataType>(isDataType, { message: "Expected a DataType made with defineType()" });

/** Replace every value of the slice of `sliceType` with `items` (values of that type). */
export const InitializeSlice = defineType(
  "wink.InitializeSlice",
  z.object({
    sliceType,
    items: z.array(z.custom<object>((v) => typeof v === "object" && v !== null)),
  }),
);

/** Remove the values of the slice of `sliceType` that match `predicate` (all when omitted). */
export const ClearSlice = defineType(
  "wink.ClearSlice",
  z.object({
    sliceType,
    predicate: z.custom<(item: object) => boolean>((v) => typeof v === "function").optional(),
  }),
);
