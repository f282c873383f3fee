/**
 * Option objects of the {@link Session} API, with their defaults.
 *
 * @example
 * ```ts
 * import { Session, type SessionOptions } from "weakincentives/runtime";
 *
 * const options: SessionOptions = { tags: { agent: "reviewer" } };
 * const session = new Session(options);
 * session.snapshot({ includeLogs: true });
 * ```
 */

import type { Clock } from "../clock.js";
import type { DataType } from "../data-type.js";
import type { Dispatcher } from "../events/index.js";
import type { Session } from "./session.js";
import type { ReducerBinding, SlicePolicy } from "./slice.js";

/** Options for {@link Session}. */
export interface SessionOptions {
  /** Where dispatched events are forwarded. Default: a fresh `InProcessDispatcher`. */
  dispatcher?: Dispatcher;
  /** The parent session; the new session adds itself to the parent's `children`. */
  parent?: Session;
  /** Unique id. Default: a random UUID. */
  sessionId?: string;
  /** Labels for logs and snapshots; values are turned into strings. */
  tags?: Readonly<Record<string, string | number | boolean>>;
  /** Time source for `createdAt` and snapshot times. Default: the system clock. */
  clock?: Clock;
  /** Creation time. Default: `clock.now()`. */
  createdAt?: Date;
}

/** Options for {@link Session.install}. */
export interface InstallOptions<T extends object> {
  /** `"state"` or `"log"`. Default: `"log"` for telemetry types, `"state"` otherwise. */
  policy?: SlicePolicy;
  /**
   * The value reducers of this slice see while it is empty (never stored by itself), so a
   * reducer that updates the latest value works from the first event and after a clear.
   */
  initial?: () => T;
  /** Reducers writing to this slice, each bound to its event type with `on(Event, reducer)`. */
  reducers?: readonly ReducerBinding<T>[];
}

/** Options for {@link Session.snapshot}. */
export interface SnapshotOptions {
  /** Also capture LOG slices. Default false: working state only. */
  includeLogs?: boolean;
}

/** Options for {@link Session.restore}. */
export interface RestoreOptions {
  /** Leave LOG slices as they are. Default true, so a rollback keeps history. */
  preserveLogs?: boolean;
  /** Data types to resolve snapshot slices the session does not know yet. */
  types?: readonly DataType[];
}

/** Options for {@link Session.clone}. */
export interface CloneOptions {
  /** Default: the original's dispatcher. */
  dispatcher?: Dispatcher;
  /** Default: none. */
  parent?: Session;
  /** Default: a random UUID. */
  sessionId?: string;
  /** Default: the original's tags. */
  tags?: Readonly<Record<string, string | number | boolean>>;
}
