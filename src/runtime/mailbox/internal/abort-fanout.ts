/**
 * One `abort` listener per signal, however many receives wait on it.
 *
 * A worker passes its one shutdown signal to every receive, and a busy process runs many long
 * polls at once. Adding a listener per waiting receive is correct (each is removed when the
 * receive ends) but past ten at once Node prints `MaxListenersExceededWarning`, which operators
 * rightly read as a leak. Here each signal gets a single listener while anyone waits on it, and
 * that listener calls every waiter; the last waiter to leave removes it.
 *
 * @internal
 */

type Callback = () => void;

/** One registration: unlinked (and its callback dropped) when cancelled or called. */
interface Entry {
  callback: Callback | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

/**
 * Callbacks in a doubly linked list rather than a `Set`. A receive registers here and cancels a
 * millisecond later, thousands of times a second; a `Set` that keeps growing and shrinking
 * reallocates its table on the way, and with it the registrations then alive outlived their
 * calls into the old generation (bench/redis-queues: 2.3 MB promoted per scavenge instead of 1.3,
 * scavenge pauses of 3–5 ms in the latency tail). A list node dies with its call.
 */
class Callbacks {
  #head: Entry | undefined = undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Link `callback`; the returned function unlinks it (idempotent). */
  add(callback: Callback): () => void {
    const entry: Entry = { callback, prev: undefined, next: this.#head };
    if (this.#head !== undefined) this.#head.prev = entry;
    this.#head = entry;
    this.#size++;
    return () => this.#remove(entry);
  }

  /** Unlink everything and call each callback once, in the order they were added. */
  drain(): void {
    const callbacks: Callback[] = [];
    for (let entry = this.#head; entry !== undefined; entry = entry.next) {
      if (entry.callback !== undefined) callbacks.push(entry.callback);
      entry.callback = undefined;
    }
    this.#head = undefined;
    this.#size = 0;
    for (let i = callbacks.length - 1; i >= 0; i--) (callbacks[i] as Callback)();
  }

  #remove(entry: Entry): void {
    if (entry.callback === undefined) return;
    entry.callback = undefined;
    if (entry.prev !== undefined) entry.prev.next = entry.next;
    else if (this.#head === entry) this.#head = entry.next;
    if (entry.next !== undefined) entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    this.#size--;
  }
}

class Fanout {
  readonly callbacks = new Callbacks();

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", this, { once: true });
  }

  handleEvent(): void {
    fanouts.delete(this.signal);
    this.callbacks.drain();
  }

  /** Register `callback`; the returned function cancels it and drops the listener after the last one. */
  add(callback: Callback): () => void {
    const cancel = this.callbacks.add(callback);
    return () => {
      cancel();
      if (this.callbacks.size > 0 || fanouts.get(this.signal) !== this) return;
      fanouts.delete(this.signal);
      this.signal.removeEventListener("abort", this);
    };
  }
}

// Weak: a signal nobody holds any more takes its entry with it.
const fanouts = new WeakMap<AbortSignal, Fanout>();

/**
 * Call `callback` once when `signal` aborts (at once if it already has). Returns the function
 * that cancels the call; call it when the wait ends for another reason.
 */
export function onAbort(signal: AbortSignal, callback: Callback): () => void {
  if (signal.aborted) {
    callback();
    return () => {};
  }
  let fanout = fanouts.get(signal);
  if (fanout === undefined) {
    fanout = new Fanout(signal);
    fanouts.set(signal, fanout);
  }
  return fanout.add(callback);
}

/**
 * A set of wake-up callbacks a mailbox calls once on `close()`: the same one-listener idea for
 * the mailbox's own closing, without an AbortSignal at all.
 */
export class WakeList {
  readonly #callbacks = new Callbacks();
  #woken = false;

  /** True once {@link WakeList.wakeAll} ran. */
  get woken(): boolean {
    return this.#woken;
  }

  /** Call `callback` on {@link WakeList.wakeAll} (at once if it already ran); returns the canceller. */
  add(callback: Callback): () => void {
    if (this.#woken) {
      callback();
      return () => {};
    }
    return this.#callbacks.add(callback);
  }

  /** Call every callback once; later {@link WakeList.add} calls run at once. */
  wakeAll(): void {
    this.#woken = true;
    this.#callbacks.drain();
  }
}
