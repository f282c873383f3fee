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

/** A signal that never aborts (shared: nothing can abort it, so one instance serves everyone). */
const NEVER_ABORTS: AbortSignal = new AbortController().signal;

/**
 * Combine signals: the result aborts as soon as any input aborts, with that input's reason.
 * Undefined entries are skipped; with none left, the result never aborts.
 */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 0) return NEVER_ABORTS;
  if (present.length === 1) return present[0] as AbortSignal;
  return AbortSignal.any(present);
}
