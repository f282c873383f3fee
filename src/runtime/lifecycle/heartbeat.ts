/**
 * Heartbeats: a worker's proof of progress. Each beat records the time in a slot of a
 * `SharedArrayBuffer`, so the watchdog thread can read it even while the main event loop is
 * blocked, and calls the registered callbacks (lease extension, metrics).
 *
 * @example
 * ```ts
 * import { Heartbeat } from "weakincentives/runtime";
 *
 * const heartbeat = new Heartbeat();
 * heartbeat.onBeat(() => console.log("alive"));
 * heartbeat.beat();
 * heartbeat.elapsedMs(); // ~0
 * ```
 */

import { type Clock, SYSTEM_CLOCK } from "../../clock.js";
import { WinkError } from "../../errors.js";
import { getLogger } from "../../logging/index.js";

const log = getLogger("weakincentives.runtime.lifecycle");

/**
 * Shared storage for heartbeat timestamps: one BigInt64 slot per loop holding epoch
 * microseconds of the last beat (0 = never). Readable from any thread with `Atomics.load`.
 */
export class HeartbeatBoard {
  readonly buffer: SharedArrayBuffer;
  private readonly slots: BigInt64Array;
  private next = 0;

  constructor(readonly capacity = 64) {
    this.buffer = new SharedArrayBuffer(capacity * BigInt64Array.BYTES_PER_ELEMENT);
    this.slots = new BigInt64Array(this.buffer);
  }

  /** Reserve a slot; throws when the board is full. */
  allocate(): number {
    if (this.next >= this.capacity) {
      throw new WinkError(
        "invalid_argument",
        `HeartbeatBoard is full (${this.capacity} slots). Create it with a larger capacity.`,
      );
    }
    return this.next++;
  }

  /** Record a beat at `epochMs` in `slot`. */
  write(slot: number, epochMs: number): void {
    Atomics.store(this.slots, slot, BigInt(Math.round(epochMs * 1_000)));
  }

  /** Epoch ms of the last beat in `slot`, or undefined before the first. */
  read(slot: number): number | undefined {
    const micros = Atomics.load(this.slots, slot);
    return micros === 0n ? undefined : Number(micros) / 1_000;
  }
}

/** Options for {@link Heartbeat}. */
export interface HeartbeatOptions {
  /** Time source (default: the system clock). */
  readonly clock?: Clock;
  /** Shared board to publish beats on (default: a private one-slot board). */
  readonly board?: HeartbeatBoard;
}

/** A loop's liveness signal. */
export class Heartbeat {
  readonly board: HeartbeatBoard;
  readonly slot: number;
  private readonly clock: Clock;
  private callbacks: (() => void)[] = [];
  private lastMs: number;

  constructor(options: HeartbeatOptions = {}) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.board = options.board ?? new HeartbeatBoard(1);
    this.slot = this.board.allocate();
    this.lastMs = this.clock.epochMs();
    this.board.write(this.slot, this.lastMs);
  }

  /** Record progress now, then run the callbacks in registration order (failures are logged). */
  beat(): void {
    this.lastMs = this.clock.epochMs();
    this.board.write(this.slot, this.lastMs);
    for (const callback of this.callbacks) {
      try {
        callback();
      } catch (error) {
        log.error("heartbeat.callback_failed", "A heartbeat callback failed; the others still ran.", {
          error,
        });
      }
    }
  }

  /** Milliseconds since the last beat (or since creation). */
  elapsedMs(): number {
    return this.clock.epochMs() - this.lastMs;
  }

  /** Epoch ms of the last beat. */
  get lastBeatMs(): number {
    return this.lastMs;
  }

  /** Call `callback` after every beat; returns a function that removes it. */
  onBeat(callback: () => void): () => void {
    this.callbacks = [...this.callbacks, callback];
    return () => {
      this.callbacks = this.callbacks.filter((c) => c !== callback);
    };
  }
}
