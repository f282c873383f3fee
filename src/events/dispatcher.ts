/**
 * Publish/subscribe for typed events.
 *
 * Delivery is synchronous, in subscription order, on the caller's stack. Handlers are matched by
 * exact {@link DataType}; a wildcard subscriber sees everything. A handler that throws (or whose
 * returned promise rejects) is logged as `event_delivery_failed` and never stops the others.
 *
 * @example
 * ```ts
 * import { InProcessDispatcher, ToolInvoked } from "weakincentives/runtime";
 *
 * const dispatcher = new InProcessDispatcher();
 * const off = dispatcher.subscribe(ToolInvoked, (event) => {
 *   if (event.isError) console.log(`tool ${event.name} failed`);
 * });
 * off(); // unsubscribe
 * ```
 */

import { type Data, type DataType, erase, typeOf } from "../data-type.js";
import { describeThrown, WinkError } from "../errors.js";
import { getLogger } from "../logging/index.js";

const log = getLogger("weakincentives.runtime.events");

/** A subscriber for one event type. May return a promise; its rejection is logged. */
export type EventHandler<T extends object> = (event: Data<T>) => void | Promise<void>;

/** A subscriber for every event. */
export type AnyEventHandler = (event: object, type: DataType | undefined) => void | Promise<void>;

/** One handler that failed during a dispatch. */
export interface HandlerFailure {
  readonly handler: string;
  readonly error: unknown;
}

/** What happened when an event was dispatched. */
export interface DispatchResult {
  readonly event: object;
  /** How many handlers ran (including the ones that failed). */
  readonly handlersInvoked: number;
  readonly errors: readonly HandlerFailure[];
  /** True when no handler failed. */
  readonly ok: boolean;
}

/** Throw an AggregateError listing every handler failure in `result`, if any. */
export function raiseIfErrors(result: DispatchResult): void {
  if (result.ok) return;
  throw new AggregateError(
    result.errors.map((f) => f.error),
    `${result.errors.length} event handler(s) failed for ${typeOf(result.event)?.name ?? "an event"}: ${result.errors
      .map((f) => `${f.handler}: ${describeThrown(f.error)}`)
      .join("; ")}`,
  );
}

/** Routes events to subscribers. */
export interface Dispatcher {
  /** Call `handler` for every event of exactly `type`. Returns a function that unsubscribes. */
  subscribe<T extends object>(type: DataType<T>, handler: EventHandler<T>): () => void;
  /** Call `handler` for every event, typed or not. Returns a function that unsubscribes. */
  subscribeAll(handler: AnyEventHandler): () => void;
  /** Remove a subscription; true when it existed. */
  unsubscribe<T extends object>(type: DataType<T>, handler: EventHandler<T>): boolean;
  /** Deliver `event` to its subscribers now. */
  dispatch(event: object): DispatchResult;
  /**
   * Whether an event of `type` would reach any subscriber. Optional: producers of costly
   * measurement events skip building them when this says no; without it they always build them.
   */
  wants?(type: DataType): boolean;
}

type StoredHandler = (event: object, type: DataType | undefined) => void | Promise<void>;

/** The in-process {@link Dispatcher}. */
export class InProcessDispatcher implements Dispatcher {
  private readonly byType = new Map<DataType, StoredHandler[]>();
  private wildcard: StoredHandler[] = [];

  subscribe<T extends object>(type: DataType<T>, handler: EventHandler<T>): () => void {
    if (typeof handler !== "function") {
      throw new WinkError("invalid_argument", `subscribe(${type.name}, handler) needs a function handler.`);
    }
    const list = this.byType.get(erase(type)) ?? [];
    // Copy-on-write: a dispatch in progress keeps iterating its own snapshot.
    this.byType.set(erase(type), [...list, handler as unknown as StoredHandler]);
    return () => {
      this.unsubscribe(type, handler);
    };
  }

  subscribeAll(handler: AnyEventHandler): () => void {
    this.wildcard = [...this.wildcard, handler];
    return () => {
      this.wildcard = this.wildcard.filter((h) => h !== handler);
    };
  }

  unsubscribe<T extends object>(type: DataType<T>, handler: EventHandler<T>): boolean {
    const key = erase(type);
    const list = this.byType.get(key);
    const index = list?.indexOf(handler as unknown as StoredHandler) ?? -1;
    if (!list || index < 0) return false;
    const next = [...list.slice(0, index), ...list.slice(index + 1)];
    if (next.length === 0) this.byType.delete(key);
    else this.byType.set(key, next);
    return true;
  }

  wants(type: DataType): boolean {
    return this.wildcard.length > 0 || this.byType.has(type);
  }

  /** Number of handlers subscribed to `type` (wildcards excluded). */
  handlerCount(type: DataType): number {
    return this.byType.get(type)?.length ?? 0;
  }

  dispatch(event: object): DispatchResult {
    const type = typeOf(event);
    const handlers = type ? this.byType.get(type) : undefined;
    const wildcard = this.wildcard;
    // Every event of every evaluation comes through here: no closure per dispatch.
    let errors: HandlerFailure[] | undefined;
    let invoked = 0;
    if (handlers) {
      for (const handler of handlers) errors = deliver(handler, event, type, errors);
      invoked += handlers.length;
    }
    for (const handler of wildcard) errors = deliver(handler, event, type, errors);
    invoked += wildcard.length;
    const failures = errors ?? NO_FAILURES;
    return { event, handlersInvoked: invoked, errors: failures, ok: failures.length === 0 };
  }
}

const NO_FAILURES: readonly HandlerFailure[] = Object.freeze([]);

/** Call one handler; returns `errors` with its failure appended when it threw. */
function deliver(
  handler: StoredHandler,
  event: object,
  type: DataType | undefined,
  errors: HandlerFailure[] | undefined,
): HandlerFailure[] | undefined {
  try {
    const returned = handler(event, type);
    if (returned && typeof (returned as Promise<void>).then === "function") {
      (returned as Promise<void>).then(undefined, (error: unknown) => reportFailure(type, handler, error));
    }
    return errors;
  } catch (error) {
    reportFailure(type, handler, error);
    const list = errors ?? [];
    list.push({ handler: handlerName(handler), error });
    return list;
  }
}

function handlerName(handler: StoredHandler): string {
  return handler.name || "anonymous handler";
}

function reportFailure(type: DataType | undefined, handler: StoredHandler, error: unknown): void {
  log.error("event_delivery_failed", "An event handler failed; the other handlers still ran.", {
    eventType: type?.name ?? "untyped",
    handler: handlerName(handler),
    error,
  });
}
