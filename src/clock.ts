/**
 * Injectable time. Runtime code reads the time, sleeps and schedules timers only through a
 * {@link Clock}, so every timing rule (deadlines, visibility timeouts, backoff, the watchdog) is
 * tested on a {@link FakeClock} without real waiting. This is the only module in `src/` that
 * touches `Date.now`, `performance.now` or `setTimeout`.
 *
 * All durations are **milliseconds**.
 *
 * @example
 * ```ts
 * import { FakeClock } from "weakincentives/testing";
 *
 * const clock = new FakeClock();
 * const slept = clock.sleep(5_000);
 * await clock.tick(5_000); // fires the timer; no real time passes
 * await slept;
 * ```
 */

import { DeadlineExceededError, WinkError } from "./errors.js";

/** Elapsed-time source: never goes backwards; its zero point is arbitrary. */
export interface MonotonicClock {
  /** Milliseconds since an arbitrary origin. */
  monotonic(): number;
}

/** Wall-clock source: for timestamps and deadlines. */
export interface WallClock {
  /** The current UTC time. */
  now(): Date;
  /** The current UTC time as epoch milliseconds. */
  epochMs(): number;
}

/** A scheduled timer that can be cancelled. */
export interface TimerHandle {
  cancel(): void;
}

/** Delays and timers. */
export interface Sleeper {
  /**
   * Resolve after `ms` milliseconds. Rejects with the signal's reason if `signal` aborts first;
   * an already-aborted signal rejects at once.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Run `callback` once after `ms` milliseconds. A system timer does not keep the process
   * alive on its own.
   */
  setTimer(ms: number, callback: () => void): TimerHandle;
}

/** Everything time-related the runtime needs. */
export interface Clock extends MonotonicClock, WallClock, Sleeper {}

function checkDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new WinkError(
      "invalid_argument",
      `A delay must be a finite number of milliseconds >= 0, got ${String(ms)}.`,
      { details: { ms } },
    );
  }
  return ms;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DeadlineExceededError("The operation was aborted.");
}

function sleepWith(clock: Sleeper, ms: number, signal?: AbortSignal): Promise<void> {
  checkDelay(ms);
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal as AbortSignal));
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * `clock.now()` as an ISO-8601 UTC string. Events and snapshots are stamped many times per
 * millisecond, and `toISOString` costs about 0.5 µs: the string of the last millisecond is
 * reused, and within one second only the milliseconds are written anew.
 */
export function isoNow(clock: WallClock): string {
  const ms = clock.epochMs();
  if (ms === lastIsoMs) return lastIso;
  const second = Math.floor(ms / 1000);
  if (second === lastIsoSecond && Number.isInteger(ms)) {
    // Same second: only the milliseconds change ("2026-01-02T03:04:05" + ".678Z").
    lastIso = `${lastIsoSecondText}.${String(ms - second * 1000).padStart(3, "0")}Z`;
  } else {
    lastIso = new Date(ms).toISOString();
    lastIsoSecond = Number.isInteger(ms) ? second : Number.NaN;
    lastIsoSecondText = lastIso.slice(0, -5);
  }
  lastIsoMs = ms;
  return lastIso;
}

let lastIsoMs = Number.NaN;
let lastIso = "";
let lastIsoSecond = Number.NaN;
/** `lastIso` up to its seconds, without ".sssZ". */
let lastIsoSecondText = "";

/** Longest delay setTimeout honours (2^31 - 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/** The real clock. Use the shared {@link SYSTEM_CLOCK} instance. */
export class SystemClock implements Clock {
  monotonic(): number {
    return performance.now();
  }
  now(): Date {
    return new Date();
  }
  epochMs(): number {
    return Date.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
  setTimer(ms: number, callback: () => void): TimerHandle {
    const due = this.monotonic() + checkDelay(ms);
    let handle: ReturnType<typeof setTimeout>;
    // setTimeout fires at once for delays above 2^31-1 ms (~24.8 days): re-arm in chunks.
    const arm = (): void => {
      const left = due - this.monotonic();
      handle = setTimeout(left > MAX_TIMER_MS ? arm : callback, Math.max(0, Math.min(left, MAX_TIMER_MS)));
      // A pending deadline or reaper must never be the reason a finished process stays up.
      handle.unref();
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  }
}

/** The process-wide real clock. */
export const SYSTEM_CLOCK: Clock = new SystemClock();

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/** Options for {@link FakeClock}. */
export interface FakeClockOptions {
  /** Initial wall-clock time. Default 2025-01-01T00:00:00Z. */
  start?: Date;
  /** Initial monotonic reading in ms. Default 0. */
  monotonic?: number;
}

/**
 * A clock for tests: time moves only when told. Timers and sleeps fire in due order (ties in
 * creation order) when {@link FakeClock.advance} or {@link FakeClock.tick} passes their time.
 */
export class FakeClock implements Clock {
  private mono: number;
  private wall: number;
  private nextId = 0;
  private timers: FakeTimer[] = [];

  constructor(options: FakeClockOptions = {}) {
    this.mono = options.monotonic ?? 0;
    this.wall = (options.start ?? new Date("2025-01-01T00:00:00.000Z")).getTime();
  }

  monotonic(): number {
    return this.mono;
  }
  now(): Date {
    return new Date(this.wall);
  }
  epochMs(): number {
    return this.wall;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
  setTimer(ms: number, callback: () => void): TimerHandle {
    const timer: FakeTimer = { id: this.nextId++, at: this.mono + checkDelay(ms), callback };
    this.timers.push(timer);
    return {
      cancel: () => {
        this.timers = this.timers.filter((t) => t !== timer);
      },
    };
  }

  /** How many timers (including sleeps) are waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Move both clocks forward by `ms`, firing every timer that falls due, in order, each at its
   * own time. Synchronous: callbacks run, but promise continuations they trigger run later —
   * use {@link FakeClock.tick} when awaited code schedules further timers.
   */
  advance(ms: number): void {
    checkDelay(ms);
    const target = this.mono + ms;
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.fire(timer);
    }
    this.moveTo(target);
  }

  /**
   * Like {@link FakeClock.advance}, but lets pending promise continuations run after each timer,
   * so a chain of `await clock.sleep(...)` calls progresses as it would in real time.
   */
  async tick(ms: number): Promise<void> {
    checkDelay(ms);
    const target = this.mono + ms;
    await flushMicrotasks();
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.fire(timer);
      await flushMicrotasks();
    }
    this.moveTo(target);
    await flushMicrotasks();
  }

  /** Advance to the next pending timer and fire it. Returns false when none is pending. */
  async runNext(): Promise<boolean> {
    const timer = this.nextDue(Number.POSITIVE_INFINITY);
    if (!timer) return false;
    await this.tick(timer.at - this.mono);
    return true;
  }

  /** Set the wall clock without moving the monotonic clock (simulates an NTP jump). */
  setWall(at: Date): void {
    this.wall = at.getTime();
  }

  private nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) {
        best = t;
      }
    }
    return best;
  }

  private fire(timer: FakeTimer): void {
    this.timers = this.timers.filter((t) => t !== timer);
    this.moveTo(timer.at);
    timer.callback();
  }

  private moveTo(mono: number): void {
    if (mono > this.mono) {
      this.wall += mono - this.mono;
      this.mono = mono;
    }
  }
}

/** Let queued promise continuations run (several hops, for chained awaits). */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
