/**
 * The abort signal of one cancellable evaluation, kept for the next one when it never aborted.
 *
 * Why reuse a signal: on Node 20 every `AbortSignal` gets a hidden class of its own, so each code
 * site that reads a fresh signal (ours, the SDK's, Node's `EventTarget`) misses its inline cache
 * and takes V8's slow lookup, and creating one costs about 3 µs. A worker evaluates under a
 * shutdown signal and a deadline, so every evaluation needs a signal that can abort; the same few
 * signals, reused, keep those sites monomorphic.
 *
 * Why that is safe: every listener added to the signal goes through this object. Abort listeners
 * are held here (Node's `EventTarget` only ever has this object's own), and those an SDK adds
 * during a request are dropped when the request settles (the `openai` client never removes the
 * one it adds per request). A signal goes back to the pool only when it did not abort, nothing
 * outside this object listens to it, and no listener is left from the evaluation; otherwise it
 * is dropped with its evaluation. Whoever takes the controller itself (an SDK that wants an
 * `AbortController`) keeps the signal for good.
 */

import { linkSignal } from "../deadline.js";

/**
 * A signal lent to one provider request after another. Abort listeners added to it during a loan
 * are held by the lender, called by it if the signal aborts, and dropped when the loan ends, so an
 * SDK that adds an `abort` listener per request and never removes it (the `openai` client) leaves
 * nothing behind, without a signal per request (about 3 µs each on Node 20). The shared adapter
 * loop calls `lend()` before a request and `reclaim()` once it settled.
 * @internal
 */
export interface SignalLender {
  /** The signal, for one request; abort listeners added to it are held until {@link SignalLender.reclaim}. */
  lend(): AbortSignal;
  /** End the current loan: drop every listener added to the signal since {@link SignalLender.lend}. */
  reclaim(): void;
}

/** The lender of work nothing can cancel: the shared signal that never aborts and keeps no listeners. */
export const INERT_LENDER: SignalLender = Object.freeze({
  lend: () => linkSignal().signal,
  reclaim: () => {},
});

// Listeners are added and removed through the prototype: the signal's own methods are ours.
const addListener = EventTarget.prototype.addEventListener;
const removeListener = EventTarget.prototype.removeEventListener;
type ListenerArgs = Parameters<EventTarget["addEventListener"]>;
type Listener = NonNullable<ListenerArgs[1]>;

/** Signals waiting for an evaluation; more than this many at once are left to the GC. */
const POOL_LIMIT = 64;
/**
 * Evaluations one signal serves before it is dropped. Node records on a signal every
 * `AbortSignal.any` it took part in and never prunes the record: this bounds what a reused signal
 * can collect that way.
 */
const MAX_USES = 1_000;
const pool: EvaluationSignal[] = [];

/**
 * One evaluation's signal: aborted by {@link EvaluationSignal.abort}, lent to one provider request
 * at a time, and handed back with {@link EvaluationSignal.release} when the evaluation ends.
 * @internal
 */
export class EvaluationSignal implements SignalLender {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  /** Abort listeners in the order added: first those of the evaluation, then the current loan's. */
  private readonly listeners: Listener[] = [];
  /** How many of {@link listeners} were added outside a loan. */
  private kept = 0;
  /** Listeners of other kinds added during the loan, as (type, listener, capture) in `count * 3` slots. */
  private readonly added: unknown[] = [];
  private count = 0;
  private lent = false;
  /** Something holds the signal that this object cannot see: never reused. */
  private pinned = false;
  private uses = 0;
  /** In the pool: released and not acquired since (a second release does nothing). */
  private pooled = false;
  /** Kept here so that hot paths need not read the signal. */
  private isAborted = false;

  /** A signal from the pool, or a new one. */
  static acquire(): EvaluationSignal {
    const reused = pool.pop();
    if (reused === undefined) return new EvaluationSignal();
    reused.pooled = false;
    return reused;
  }

  private constructor() {
    const signal = this.controller.signal;
    this.signal = signal;
    // The one listener Node's EventTarget holds: it calls ours when the signal aborts.
    addListener.call(signal, "abort", this);
    const self = this;
    Object.defineProperty(signal, "addEventListener", {
      configurable: true,
      writable: true,
      value: function addEventListener(
        type: ListenerArgs[0],
        listener: ListenerArgs[1],
        options?: ListenerArgs[2],
      ) {
        self.add(type, listener, options);
      },
    });
    Object.defineProperty(signal, "removeEventListener", {
      configurable: true,
      writable: true,
      value: function removeEventListener(
        type: ListenerArgs[0],
        listener: ListenerArgs[1],
        options?: Parameters<EventTarget["removeEventListener"]>[2],
      ) {
        if (type !== "abort" || !self.drop(listener)) removeListener.call(signal, type, listener, options);
      },
    });
  }

  /** The signal aborted. */
  get aborted(): boolean {
    return this.isAborted;
  }

  /** Abort the evaluation with `reason` (nothing if it already has). */
  abort(reason: unknown): void {
    this.isAborted = true;
    this.controller.abort(reason);
  }

  /** The controller, for an SDK that wants one: from now on the signal is never reused. */
  pin(): AbortController {
    this.pinned = true;
    return this.controller;
  }

  lend(): AbortSignal {
    this.lent = true;
    return this.signal;
  }

  reclaim(): void {
    this.lent = false;
    // Popped rather than truncated: setting an array's length is a slow runtime call.
    const listeners = this.listeners;
    while (listeners.length > this.kept) listeners.pop();
    const added = this.added;
    for (let i = 0; i < this.count * 3; i += 3) {
      removeListener.call(
        this.signal,
        added[i] as ListenerArgs[0],
        added[i + 1] as ListenerArgs[1],
        added[i + 2] as boolean,
      );
      added[i + 1] = undefined;
    }
    this.count = 0;
  }

  /** The evaluation is over: the loan ends, and the signal goes back to the pool if it can. */
  release(): void {
    this.reclaim();
    if (this.pooled || this.aborted || this.pinned || this.kept > 0 || ++this.uses >= MAX_USES) return;
    if (pool.length >= POOL_LIMIT) return;
    this.pooled = true;
    pool.push(this);
  }

  /** The signal aborted: call the abort listeners as the EventTarget would have, in order. */
  handleEvent(event: Event): void {
    this.isAborted = true;
    const listeners = this.listeners.splice(0);
    this.kept = 0;
    for (const listener of listeners) {
      try {
        if (typeof listener === "function") listener.call(this.signal, event);
        else listener.handleEvent(event);
      } catch (error) {
        // As the EventTarget does: a throwing listener is reported, and the others still run.
        process.nextTick(() => {
          throw error;
        });
      }
    }
  }

  private add(type: ListenerArgs[0], listener: ListenerArgs[1], options: ListenerArgs[2]): void {
    if (type === "abort" && listener && (typeof options !== "object" || options.signal === undefined)) {
      // An aborted signal never dispatches again; a listener already there is not added twice.
      if (this.aborted || this.listeners.includes(listener)) return;
      this.listeners.push(listener);
      if (!this.lent) this.kept++;
      return;
    }
    addListener.call(this.signal, type, listener, options);
    if (!this.lent) {
      // Outside a loan, a listener this object cannot take back: the signal stays with this evaluation.
      this.pinned = true;
      return;
    }
    const at = this.count++ * 3;
    this.added[at] = type;
    this.added[at + 1] = listener;
    this.added[at + 2] = typeof options === "boolean" ? options : options?.capture === true;
  }

  /** Remove the abort listener `listener`; false when it is not one of ours. */
  private drop(listener: ListenerArgs[1]): boolean {
    const index = listener ? this.listeners.indexOf(listener) : -1;
    if (index < 0) return false;
    this.listeners.splice(index, 1);
    if (index < this.kept) this.kept--;
    return true;
  }
}
