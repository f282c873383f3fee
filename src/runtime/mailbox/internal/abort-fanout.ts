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

class Fanout {
  readonly callbacks = new Set<Callback>();

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", this, { once: true });
  }

  handleEvent(): void {
    fanouts.delete(this.signal);
    for (const callback of [...this.callbacks]) callback();
    this.callbacks.clear();
  }

  remove(callback: Callback): void {
    this.callbacks.delete(callback);
    if (this.callbacks.size > 0 || fanouts.get(this.signal) !== this) return;
    fanouts.delete(this.signal);
    this.signal.removeEventListener("abort", this);
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
  fanout.callbacks.add(callback);
  const owner = fanout;
  return () => owner.remove(callback);
}

/**
 * A set of wake-up callbacks a mailbox calls once on `close()`: the same one-listener idea for
 * the mailbox's own closing, without an AbortSignal at all.
 */
export class WakeList {
  readonly #callbacks = new Set<Callback>();
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
    this.#callbacks.add(callback);
    return () => this.#callbacks.delete(callback);
  }

  /** Call every callback once; later {@link WakeList.add} calls run at once. */
  wakeAll(): void {
    this.#woken = true;
    const callbacks = [...this.#callbacks];
    this.#callbacks.clear();
    for (const callback of callbacks) callback();
  }
}
