/**
 * Sessions: typed, immutable agent state changed only by dispatched events and pure reducers,
 * with exact snapshots, JSON(L) serialization and transactional rollback.
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
 *
 * await session.transaction(async () => {
 *   session.dispatch(Task.create({ id: "t1", done: true }));
 * });
 * const line = session.snapshot().serialize(); // one JSON line, restorable with Snapshot.parse
 * ```
 */

/** Typed access to one slice: queries plus dispatch-backed `seed`, `clear`, `append`, `register`. */
export { SliceAccessor } from "./accessor.js";
/** System events (`InitializeSlice`, `ClearSlice`) and the result of `session.dispatch`. */
export { ClearSlice, InitializeSlice, type SessionDispatchResult } from "./events.js";
/** Option objects of the session API. */
export type {
  CloneOptions,
  InstallOptions,
  RestoreOptions,
  SessionOptions,
  SnapshotOptions,
} from "./options.js";
/** Built-in reducers: ledger, latest only, upsert by key, latest by key. */
export { appendAll, replaceLatest, replaceLatestBy, upsertBy } from "./reducers.js";
/** The session and the bottom-up walk of a session tree. */
export { iterSessionsBottomUp, Session } from "./session.js";
/** Slice vocabulary: views, operations, reducers and their context. */
export {
  on,
  op,
  type Reducer,
  type ReducerBinding,
  type ReducerContext,
  type SessionView,
  type SliceOp,
  type SlicePolicy,
  type SliceQuery,
  type SliceView,
  sliceView,
} from "./slice.js";
/** Snapshots and their JSON / JSONL forms. */
export {
  SNAPSHOT_VERSION,
  Snapshot,
  type SnapshotInit,
  type SnapshotJson,
  type SnapshotSlice,
  snapshotsFromJsonl,
  snapshotsToJsonl,
} from "./snapshot.js";
/** Roll back STATE slices when a unit of work throws. */
export { type Transactional, withTransaction } from "./transaction.js";
