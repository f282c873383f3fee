/**
 * Wall-clock deadlines that become abort signals.
 *
 * A {@link Deadline} is fixed at a UTC instant and read through a {@link Clock}. Pass
 * `deadline.signal()` to anything that takes an `AbortSignal` (fetch, SDK clients, sleeps) and
 * in-flight work is cancelled at expiry, not merely checked between steps.
 *
 * @example
 * ```ts
 * import { Deadline } from "weakincentives";
 *
 * const deadline = Deadline.after(30_000); // 30 s from now
 * deadline.remaining(); // ms left, negative once passed
 * const signal = deadline.signal(); // aborts with DeadlineExceededError at expiry
 * ```
 */

import { type Clock, SYSTEM_CLOCK } from "./clock.js";
import { DeadlineExceededError, WinkError } from "./errors.js";

/** A fixed point in wall-clock time after which work must stop. */
export class Deadline {
  /** Epoch milliseconds at which the deadline expires. */
  readonly expiresAtMs: number;
  readonly clock: Clock;
  private controller: AbortController | undefined;

  /**
   * @param expiresAt when the deadline passes; must be in the future on `clock`.
   * @param clock time source (default: the system clock).
   */
  constructor(expiresAt: Date | number, clock: Clock = SYSTEM_CLOCK) {
    const at = typeof expiresAt === "number" ? expiresAt : expiresAt.getTime();
    if (!Number.isFinite(at)) {
      throw new WinkError(
        "invalid_argument",
        `Deadline expiresAt must be a valid time, got ${String(expiresAt)}.`,
      );
    }
    const now = clock.epochMs();
    if (at <= now) {
      throw new WinkError(
        "invalid_argument",
        `Deadline expiresAt ${new Date(at).toISOString()} is not in the future (now is ${new Date(now).toISOString()}). ` +
          "Use a later time, or Deadline.after(ms) with ms > 0.",
        { details: { expiresAt: at, now } },
      );
    }
    this.expiresAtMs = at;
    this.clock = clock;
  }

  /** A deadline `ms` milliseconds from now. */
  static after(ms: number, clock: Clock = SYSTEM_CLOCK): Deadline {
    if (!Number.isFinite(ms) || ms <= 0) {
      throw new WinkError(
        "invalid_argument",
        `Deadline.after needs a timeout in milliseconds > 0, got ${String(ms)}.`,
        { details: { ms } },
      );
    }
    return new Deadline(clock.epochMs() + ms, clock);
  }

  /** When the deadline expires. */
  get expiresAt(): Date {
    return new Date(this.expiresAtMs);
  }

  /** Milliseconds left; zero or negative once expired. */
  remaining(): number {
    return this.expiresAtMs - this.clock.epochMs();
  }

  /** True once the deadline has passed. */
  expired(): boolean {
    return this.remaining() <= 0;
  }

  /** Throw {@link DeadlineExceededError} naming `what` if the deadline has passed. */
  check(what = "the operation"): void {
    if (this.expired()) throw this.error(what);
  }

  /** The error this deadline raises when it has passed. */
  error(what = "the operation"): DeadlineExceededError {
    return new DeadlineExceededError(
      `Deadline ${this.expiresAt.toISOString()} passed before ${what} finished. ` +
        "Give the request a longer deadline or reduce its work.",
      { details: { expiresAt: this.expiresAt.toISOString(), what } },
    );
  }

  /**
   * An AbortSignal that aborts with a {@link DeadlineExceededError} when the deadline passes
   * (at once if it already has). The same signal is returned on every call.
   */
  signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      const left = this.remaining();
      if (left <= 0) controller.abort(this.error());
      else this.clock.setTimer(left, () => controller.abort(this.error()));
    }
    return this.controller.signal;
  }

  toJSON(): { expiresAt: string } {
    return { expiresAt: this.expiresAt.toISOString() };
  }
}

/**
 * The signal of work that nothing can cancel: shared, never aborts, and keeps nothing. Adding a
 * listener to it does nothing, since the listener could never run; so handing it to an SDK on
 * every request (which adds a listener each time) costs nothing and leaves nothing behind.
 */
const NEVER_ABORTS: AbortSignal = inertSignal();

function inertSignal(): AbortSignal {
  // Its controller is dropped at once: nothing can ever abort this signal.
  const signal = new AbortController().signal;
  const ignore = (): void => {};
  Object.defineProperties(signal, {
    addEventListener: { value: ignore },
    removeEventListener: { value: ignore },
  });
  forgetDependants(signal);
  return signal;
}

/**
 * `AbortSignal.any` records every signal it combines on each input, under an internal symbol,
 * and Node 20 never prunes that record: about 60 bytes per call for as long as the input lives.
 * For a signal that lives forever and never aborts the record is useless, so it is replaced by
 * one that keeps nothing. (If a Node version stores it differently, nothing is changed.)
 */
function forgetDependants(signal: AbortSignal): void {
  AbortSignal.any([signal]);
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === "kDependantSignals");
  if (key === undefined) return;
  Object.defineProperty(signal, key, { get: () => new Set(), set: () => {} });
}

/**
 * A child signal that aborts when any of its parents aborts, and stops listening to them once
 * released. Give one to each provider request, tool call or other short piece of work, and
 * release it when that work settles: whatever the work (or an SDK it calls) attaches to the
 * child dies with the child, and the parents keep no trace of it.
 *
 * Why not `AbortSignal.any` or the parent itself: SDKs add an `abort` listener to the signal
 * they are given and the `openai` client never removes it, so a long-lived signal (a worker's
 * shutdown signal) collects one listener per request, grows the heap and triggers
 * `MaxListenersExceededWarning`. On Node 20, `AbortSignal.any` keeps a record on each input for
 * every signal it ever combined, and keeps combined signals that have listeners alive for as
 * long as their inputs can abort.
 */
export interface LinkedSignal extends Disposable {
  /** Aborts with the first parent's reason (at once if a parent already had). */
  readonly signal: AbortSignal;
  /** Stop listening to the parents. Idempotent; the signal keeps its state. */
  release(): void;
}

/**
 * False for the shared signal of work nothing can cancel. An SDK given no signal does the same as
 * one given that signal, with less work per request: adapters leave it out of their requests.
 */
export function canAbort(signal: AbortSignal): boolean {
  return signal !== NEVER_ABORTS;
}

/** The link of work no parent can cancel: {@link NEVER_ABORTS}, nothing to release. */
const UNLINKED: LinkedSignal = Object.freeze({
  signal: NEVER_ABORTS,
  release: () => {},
  [Symbol.dispose]: () => {},
});

// A class with `handleEvent` rather than closures: one allocation per link, on every turn.
class SignalLink implements LinkedSignal {
  private readonly controller = new AbortController();
  private parents: readonly AbortSignal[];

  constructor(parents: readonly AbortSignal[]) {
    this.parents = parents;
    for (const parent of parents) parent.addEventListener("abort", this);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  handleEvent(event: Event): void {
    this.release();
    this.controller.abort((event.target as AbortSignal).reason);
  }

  release(): void {
    for (const parent of this.parents) parent.removeEventListener("abort", this);
    this.parents = [];
  }

  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * A child signal of `parents`. Undefined entries are skipped; when no parent can abort, the
 * link's signal is a shared one that never aborts and ignores listeners, so work nothing can
 * cancel creates no signal at all (an `AbortSignal` costs about 3 µs to create on Node 20).
 * Release the link when the work it covers settles; `using` does that at the end of the block.
 *
 * @example
 * ```ts
 * import { linkSignal } from "weakincentives";
 *
 * const shutdown = new AbortController(); // lives as long as the worker
 *
 * async function request(send: (signal: AbortSignal) => Promise<string>): Promise<string> {
 *   using link = linkSignal(shutdown.signal);
 *   return await send(link.signal);
 * } // released here: shutdown.signal keeps no listener for this request
 * ```
 */
export function linkSignal(...parents: (AbortSignal | undefined)[]): LinkedSignal {
  const live: AbortSignal[] = [];
  for (const parent of parents) {
    if (parent === undefined || parent === NEVER_ABORTS) continue;
    if (parent.aborted) return abortedLink(parent.reason);
    live.push(parent);
  }
  return live.length === 0 ? UNLINKED : new SignalLink(live);
}

function abortedLink(reason: unknown): LinkedSignal {
  return { signal: AbortSignal.abort(reason), release: () => {}, [Symbol.dispose]: () => {} };
}

/**
 * Combine signals: the result aborts as soon as any input aborts, with that input's reason.
 * Undefined entries are skipped; with none left, the result is a shared signal that never
 * aborts and ignores listeners (they could never run), so nothing piles up on it.
 *
 * The combination lasts as long as its inputs (it uses `AbortSignal.any`). For work repeated
 * under a long-lived signal (every request of a worker), use {@link linkSignal} and release the
 * link when the work settles.
 */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 0) return NEVER_ABORTS;
  if (present.length === 1) return present[0] as AbortSignal;
  return AbortSignal.any(present);
}
