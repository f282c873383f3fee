/**
 * The session: agent state held as immutable slices, changed only by events through
 * {@link Session.dispatch} and pure reducers.
 *
 * Every typed event dispatched to a session runs the reducers registered for its type (or is
 * appended to its own slice when none is), then is forwarded to the session's dispatcher. The
 * session never subscribes to that dispatcher, so one dispatcher can be shared by many sessions;
 * adapters dispatch `PromptRendered`, `ToolInvoked` and `PromptExecuted` to the session, which
 * records them in history slices and turns typed tool values and outputs into state.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineType } from "weakincentives";
 * import { Session, on, op } from "weakincentives/runtime";
 *
 * const Plan = defineType("Plan", z.object({ steps: z.array(z.string()) }));
 * const AddStep = defineType("AddStep", z.object({ step: z.string() }));
 *
 * const session = new Session({ tags: { agent: "planner" } });
 * session.install(Plan, {
 *   initial: () => ({ steps: [] }),
 *   reducers: [on(AddStep, (view, event) => op.replace([{ steps: [...(view.latest()?.steps ?? []), event.step] }]))],
 * });
 * session.dispatch(AddStep.create({ step: "write tests" }));
 * session.slice(Plan).latest(); // { steps: ["write tests"] }
 * ```
 */

import { randomUUID } from "node:crypto";
import { type Clock, isoNow, SYSTEM_CLOCK } from "../clock.js";
import { type DataType, erase, typeOf } from "../data-type.js";
import { WinkError } from "../errors.js";
import { type Dispatcher, type HandlerFailure, InProcessDispatcher } from "../events/index.js";
import { SliceAccessor, type SliceHost } from "./accessor.js";
import { ClearSlice, InitializeSlice, type SessionDispatchResult } from "./events.js";
import {
  restoreSlices,
  rollbackTo,
  type SessionCheckpoint,
  snapshotPolicies,
  snapshotSlices,
  takeCheckpoint,
} from "./internal/capture.js";
import { log } from "./internal/log.js";
import {
  applyOpTo,
  defaultPolicy,
  EMPTY_ITEMS,
  normalizeItems,
  RecordView,
  SliceStore,
} from "./internal/store.js";
import {
  carriedValues,
  checkCreatedAt,
  checkSessionId,
  describeUntyped,
  normalizeTags,
} from "./internal/support.js";
import { clearSlice, initializeSlice } from "./internal/system-events.js";
import type {
  CloneOptions,
  InstallOptions,
  RestoreOptions,
  SessionOptions,
  SnapshotOptions,
} from "./options.js";
import { type Reducer, type ReducerContext, type SessionView, type SliceOp, sliceView } from "./slice.js";
import { Snapshot } from "./snapshot.js";
import { withTransaction } from "./transaction.js";

const NO_FAILURES: readonly HandlerFailure[] = Object.freeze([]);
const NO_IDS: readonly string[] = Object.freeze([]);

/** The tool executor keeps one per tool call (src/prompt/tool-record.ts); see {@link Session.checkpoint}. */
export type { SessionCheckpoint };

/** A container of typed, immutable slices changed only through {@link Session.dispatch}. */
export class Session implements SessionView {
  /** Unique id. */
  readonly sessionId: string;
  /** Where dispatched events are forwarded after the reducers ran. */
  readonly dispatcher: Dispatcher;
  /** The parent session, if any. */
  readonly parent: Session | undefined;
  /** Frozen labels. */
  readonly tags: Readonly<Record<string, string>>;
  /** The session's time source. */
  readonly clock: Clock;
  private readonly createdAtMs: number;
  private readonly childList: Session[] = [];
  private readonly store: SliceStore;
  /** What slice accessors call back into; made on the first `slice()` (most sessions never need one). */
  private hostCache: SliceHost | undefined;
  private reducing = false;

  /** Create a session; see {@link SessionOptions} for the defaults. */
  constructor(options: SessionOptions = {}) {
    const sessionId = options.sessionId ?? randomUUID();
    checkSessionId(sessionId, options.parent);
    this.clock = options.clock ?? SYSTEM_CLOCK;
    const createdAt = options.createdAt ?? this.clock.now();
    checkCreatedAt(createdAt);
    this.sessionId = sessionId;
    this.createdAtMs = createdAt.getTime();
    this.dispatcher = options.dispatcher ?? new InProcessDispatcher();
    this.tags = normalizeTags(options.tags);
    this.parent = options.parent;
    this.store = new SliceStore(sessionId);
    this.parent?.childList.push(this);
  }

  /** When the session was created. */
  get createdAt(): Date {
    return new Date(this.createdAtMs);
  }

  /** Child sessions, in creation order. */
  get children(): readonly Session[] {
    return Object.freeze([...this.childList]);
  }

  /** Typed queries and dispatch-backed mutations for the slice of `type`. */
  slice<T extends object>(type: DataType<T>): SliceAccessor<T> {
    const session = this;
    // Methods, not arrow properties: the build keeps function names, and every named arrow
    // costs a defineProperty call when it is created (render asks for a slice every evaluation).
    this.hostCache ??= {
      items(sliceType) {
        return session.store.get(sliceType)?.items ?? EMPTY_ITEMS;
      },
      policy(sliceType) {
        return session.store.get(sliceType)?.policy ?? defaultPolicy(sliceType);
      },
      dispatch(event) {
        return session.dispatch(event);
      },
      register(sliceType, eventType, reducer) {
        session.register(sliceType, eventType, reducer);
      },
    };
    return new SliceAccessor(this.hostCache, type);
  }

  /**
   * Declare the slice of `type` up front: its policy, its empty-slice starting value and its
   * reducers. A slice is installed once; add reducers later with `slice(type).register(...)`.
   */
  install<T extends object>(type: DataType<T>, options: InstallOptions<T> = {}): SliceAccessor<T> {
    const erased = erase(type);
    if (this.store.get(erased)?.installed) {
      throw new WinkError(
        "invalid_argument",
        `Slice ${type.name} is already installed in session ${this.sessionId}. Install each slice once; add reducers with session.slice(${type.name}).register(Event, reducer).`,
        { details: { sliceType: type.name } },
      );
    }
    const record = this.store.ensure(erased, options.policy);
    if (options.policy) record.policy = options.policy;
    record.initial = options.initial as (() => object) | undefined;
    record.installed = true;
    for (const binding of options.reducers ?? []) {
      this.register(erased, binding.eventType, binding.reducer as unknown as Reducer<object, object>);
    }
    log.debug("session.install", "Slice installed.", {
      ...this.logContext(),
      sliceType: type.name,
      policy: record.policy,
    });
    return this.slice(type);
  }

  /**
   * Apply `event` (a value made with `SomeType.create(...)` or `.parse(...)`) and forward it to
   * the dispatcher. System events (`InitializeSlice`, `ClearSlice`) change their slice directly;
   * any other event runs the reducers registered for its type, or is appended to its own slice
   * when there are none. A `ToolInvoked` that succeeded also applies its result's typed `value`,
   * and a `PromptExecuted` its typed `output` (or each typed item of an output array). A reducer
   * that fails is logged and skipped; its failure is listed in the returned `reducerErrors`.
   * Throws a {@link WinkError} for an untyped event, for a dispatch made from inside a reducer,
   * and for an `InitializeSlice` holding values of another type.
   */
  dispatch(event: object): SessionDispatchResult {
    const type = typeOf(event);
    if (!type) {
      throw new WinkError(
        "invalid_argument",
        `session.dispatch() got ${describeUntyped(event)}. Create events with their data type, e.g. MyEvent.create({...}), so the session can route them.`,
      );
    }
    if (this.reducing) {
      throw new WinkError(
        "invalid_argument",
        `session.dispatch(${type.name}) was called from inside a reducer. Reducers must be pure: return a slice operation instead of dispatching.`,
      );
    }
    if (log.isEnabled("debug")) {
      log.debug("session.dispatch", "Dispatching an event.", { ...this.logContext(), eventType: type.name });
    }
    const reducerErrors: HandlerFailure[] = [];
    const reducersInvoked = this.route(event, type, reducerErrors);
    const result = this.dispatcher.dispatch(event);
    const errors = reducerErrors.length === 0 ? result.errors : [...reducerErrors, ...result.errors];
    // Spelled out, not `{ ...result, … }`: on Node 20 a spread followed by keys the source lacks
    // builds a slow dictionary-mode object (about 4 µs instead of 0.1, on every event). Not
    // frozen: it is the caller's own (its type is read-only), and freezing costs on every event.
    return {
      event: result.event,
      handlersInvoked: result.handlersInvoked,
      errors: errors.length === 0 ? NO_FAILURES : Object.freeze(errors),
      ok: errors.length === 0,
      reducersInvoked,
      reducerErrors: reducerErrors.length === 0 ? NO_FAILURES : Object.freeze(reducerErrors),
    };
  }

  /** Capture the STATE slices (and LOG slices too with `includeLogs`). */
  snapshot(options: SnapshotOptions = {}): Snapshot {
    const includeLogs = options.includeLogs === true;
    const slices = snapshotSlices(this.store, includeLogs);
    return new Snapshot({
      createdAt: isoNow(this.clock),
      sessionId: this.sessionId,
      parentId: this.parent?.sessionId,
      childrenIds: this.childList.length === 0 ? NO_IDS : this.childList.map((child) => child.sessionId),
      tags: this.tags,
      policies: snapshotPolicies(includeLogs),
      slices,
    });
  }

  /**
   * The STATE slices' current values, as a rollback point for {@link Session.rollback}: the
   * same frozen arrays a {@link Snapshot} would hold, without building one (no timestamp, no
   * freezing). The tool executor takes one before every tool call.
   * @internal
   */
  checkpoint(): SessionCheckpoint {
    return takeCheckpoint(this, this.store);
  }

  /**
   * Put a {@link Session.checkpoint} of this session back, as `restore(snapshot)` would: every
   * STATE slice gets the values it had then, or none when it was made since. LOG slices stay.
   * @internal
   */
  rollback(checkpoint: SessionCheckpoint): void {
    rollbackTo(this, this.store, checkpoint);
  }

  /**
   * Put the slices captured in `snapshot` back exactly: every covered slice gets the snapshot's
   * values (empty when the snapshot has none for it). LOG slices are kept unless `preserveLogs`
   * is false. Values from a parsed snapshot are validated through their type's schema. All or
   * nothing: on {@link SnapshotRestoreError} (an unknown type, an invalid value) nothing changes.
   */
  restore(snapshot: Snapshot, options: RestoreOptions = {}): void {
    restoreSlices(this.store, snapshot, options, this.sessionId);
  }

  /** Empty every slice (STATE and LOG); reducers and installed slices stay. */
  reset(): void {
    for (const record of this.store.all()) record.items = EMPTY_ITEMS;
    log.debug("session.reset", "Every slice of the session was cleared.", this.logContext());
  }

  /**
   * A new session with a copy of this one's slices (the same frozen values), installed slices
   * and reducers. It gets a fresh id unless `sessionId` is given, and no parent unless `parent` is.
   */
  clone(options: CloneOptions = {}): Session {
    const copy = new Session({
      dispatcher: options.dispatcher ?? this.dispatcher,
      parent: options.parent,
      sessionId: options.sessionId,
      tags: options.tags ?? this.tags,
      clock: this.clock,
    });
    copy.store.copyFrom(this.store);
    return copy;
  }

  /** Run `fn`; if it throws, roll the STATE slices back and rethrow. See {@link withTransaction}. */
  transaction<T>(fn: () => T | Promise<T>): Promise<T> {
    return withTransaction(this, fn);
  }

  private register(sliceType: DataType, eventType: DataType, reducer: Reducer<object, object>): void {
    if (typeof reducer !== "function") {
      throw new WinkError(
        "invalid_argument",
        `The reducer for ${eventType.name} on slice ${sliceType.name} must be a function, got ${typeof reducer}.`,
      );
    }
    const name = reducer.name || "anonymous reducer";
    this.store.addReducer({ sliceType, eventType, reducer, name });
    log.debug("session.register_reducer", "Reducer registered.", {
      ...this.logContext(),
      sliceType: sliceType.name,
      eventType: eventType.name,
      reducer: name,
    });
  }

  /** Apply one event (and the typed values it carries); returns how many reducers ran. */
  private route(event: object, type: DataType, failures: HandlerFailure[]): number {
    this.store.know(type);
    if (type === erase(InitializeSlice)) {
      initializeSlice(this.store, event, this.sessionId);
      return 0;
    }
    if (type === erase(ClearSlice)) {
      clearSlice(this.store, event, this.sessionId);
      return 0;
    }
    let invoked = this.reduce(event, type, failures);
    for (const value of carriedValues(event, type)) {
      const valueType = typeOf(value) as DataType;
      if (log.isEnabled("debug")) {
        log.debug("session.dispatch_data_event", "Applying a typed value carried by an event.", {
          ...this.logContext(),
          eventType: type.name,
          valueType: valueType.name,
        });
      }
      invoked += this.route(value, valueType, failures);
    }
    return invoked;
  }

  private reduce(event: object, type: DataType, failures: HandlerFailure[]): number {
    const registrations = this.store.reducersFor(type);
    if (registrations.length === 0) {
      const record = this.store.ensure(type);
      record.append(event);
      this.logApplied("appendAll", type, type, record.size);
      return 1;
    }
    for (const { sliceType, reducer, name } of registrations) {
      const record = this.store.ensure(sliceType);
      const origin = `Reducer ${name} (${type.name} -> ${sliceType.name})`;
      this.reducing = true;
      try {
        // An empty slice with an initial value starts from it; otherwise the reducer reads the
        // record itself, which copies nothing unless it looks (appends stay O(1) per event).
        const seeded =
          record.size === 0 && record.initial
            ? normalizeItems(sliceType, [record.initial()], `The initial value of ${sliceType.name}`)
            : undefined;
        const context: ReducerContext = { session: this, sliceType, eventType: type };
        const view = seeded === undefined ? new RecordView(record) : sliceView(seeded);
        const operation: SliceOp<object> = reducer(view, event, context);
        applyOpTo(record, operation, seeded, origin);
        this.logApplied(name, type, sliceType, record.size);
      } catch (error) {
        log.error("session_reducer_failed", `${origin} failed; the slice was left unchanged.`, {
          ...this.logContext(),
          reducer: name,
          eventType: type.name,
          sliceType: sliceType.name,
          error,
        });
        failures.push({ handler: origin, error });
      } finally {
        this.reducing = false;
      }
    }
    return registrations.length;
  }

  private logApplied(reducer: string, eventType: DataType, sliceType: DataType, size: number): void {
    if (log.isEnabled("debug")) {
      log.debug("session.reducer_applied", "Reducer applied.", {
        ...this.logContext(),
        reducer,
        eventType: eventType.name,
        sliceType: sliceType.name,
        size,
      });
    }
  }

  private logContext(): { sessionId: string } {
    return { sessionId: this.sessionId };
  }
}

/** Every session of the tree under `root` (root included), children before their parent. */
export function* iterSessionsBottomUp(root: Session): Generator<Session, void, undefined> {
  for (const child of root.children) yield* iterSessionsBottomUp(child);
  yield root;
}
