/**
 * The system events `InitializeSlice` and `ClearSlice`, which change their slice directly
 * instead of running reducers. Not exported from the package; `Session` is its only user.
 */

import type { Data, DataType } from "../../data-type.js";
import { log } from "./log.js";
import { applyOp, normalizeItems, type SliceStore } from "./store.js";

/** Apply an `InitializeSlice` event: its slice gets exactly the event's values. */
export function initializeSlice(store: SliceStore, event: object, sessionId: string): void {
  const { sliceType, items } = event as Data<{ sliceType: DataType; items: readonly object[] }>;
  store.ensure(sliceType).items = normalizeItems(sliceType, items, "InitializeSlice");
  log.debug("session.initialize_slice", "Slice initialized.", {
    sessionId,
    sliceType: sliceType.name,
  });
}

/** Apply a `ClearSlice` event: empty its slice, or drop the values its predicate matches. */
export function clearSlice(store: SliceStore, event: object, sessionId: string): void {
  const { sliceType, predicate } = event as Data<{
    sliceType: DataType;
    predicate?: (item: object) => boolean;
  }>;
  const record = store.get(sliceType);
  if (record) record.items = applyOp(record.type, record.items, { kind: "clear", predicate }, "ClearSlice");
  log.debug("session.clear_slice", "Slice cleared.", { sessionId, sliceType: sliceType.name });
}
