/**
 * The watchdog: a `worker_thread` that kills the process when a loop stops beating.
 *
 * Loops beat their {@link Heartbeat}, which stores the time in a `SharedArrayBuffer`. The
 * watchdog thread reads those buffers with `Atomics.load` every `intervalMs` (sleeping in
 * `Atomics.wait`, so it needs nothing from the main event loop). When a loop's last beat is
 * older than `thresholdMs` at two checks in a row (the same beat both times), it writes CRITICAL
 * records straight to file descriptor 2 — one `watchdog.stall` per stalled loop, then
 * `watchdog.terminate` — in the format the main logger uses, and sends the process `SIGKILL`.
 * Waiting for the second check gives readiness (which fails at the threshold) at least one
 * interval to take the pod out of rotation before it dies; the kill comes by threshold plus two
 * intervals. That works even when the main thread is stuck in a
 * busy loop, where no timer, signal handler or HTTP probe could run. The orchestrator then
 * restarts the container, and unacknowledged messages come back after their visibility timeout.
 *
 * The worker is `unref()`ed: it never keeps a finished process alive.
 *
 * @example
 * ```ts
 * import { Heartbeat, Watchdog } from "weakincentives/runtime";
 *
 * const heartbeat = new Heartbeat();
 * const watchdog = new Watchdog({
 *   loops: [{ name: "reviews", heartbeat }],
 *   thresholdMs: 720_000,
 *   intervalMs: 60_000,
 * });
 * watchdog.start();
 * // ... heartbeat.beat() at every step of the loop ...
 * await watchdog.stop();
 * ```
 */

import { Worker } from "node:worker_threads";
import { WinkError } from "../../errors.js";
import { currentLogState } from "../../logging/config.js";
import { getLogger, type LogFormat } from "../../logging/index.js";
import type { Heartbeat, HeartbeatBoard } from "./heartbeat.js";
import { WATCHDOG_WORKER_SOURCE } from "./internal/watchdog-worker.js";

/** Logger name of the watchdog's records (the thread writes its CRITICAL lines under it too). */
export const WATCHDOG_LOGGER = "weakincentives.runtime.lifecycle.watchdog";

const log = getLogger(WATCHDOG_LOGGER);

/** A loop as the watchdog sees it. Any {@link Runnable} fits. */
export interface WatchedLoop {
  /** Named in the stall message. */
  readonly name: string;
  readonly heartbeat: Heartbeat;
}

/** Options of {@link Watchdog}. */
export interface WatchdogOptions {
  readonly loops: readonly WatchedLoop[];
  /**
   * A loop is stalled when its last beat is strictly older than this; it is killed when found
   * stalled at two checks in a row. Default 720,000 (12 min).
   */
  readonly thresholdMs?: number;
  /** Time between checks; the first check comes one interval after start. Default 60,000. */
  readonly intervalMs?: number;
  /** Format of the CRITICAL lines. Default: the format logging is configured with. */
  readonly logFormat?: LogFormat;
}

/** One loop found stalled by {@link findStalledLoops}. */
export interface StalledLoop {
  readonly name: string;
  readonly slot: number;
  /** Epoch ms of the last beat. */
  readonly lastBeatMs: number;
  /** `nowMs - lastBeatMs`. */
  readonly stalledMs: number;
}

/**
 * The stall rule: the loops of `slots` (slot → loop name) on `board` whose last beat is more than
 * `thresholdMs` before `nowMs` (strictly). Slots never beaten are ignored. In slot-map order.
 *
 * The watchdog thread applies the same rule to the shared buffer; this copy is the one to test.
 */
export function findStalledLoops(
  board: Pick<HeartbeatBoard, "read">,
  slots: ReadonlyMap<number, string>,
  nowMs: number,
  thresholdMs: number,
): StalledLoop[] {
  const stalled: StalledLoop[] = [];
  for (const [slot, name] of slots) {
    const lastBeatMs = board.read(slot);
    if (lastBeatMs === undefined) continue;
    const stalledMs = nowMs - lastBeatMs;
    if (stalledMs > thresholdMs) stalled.push({ name, slot, lastBeatMs, stalledMs });
  }
  return stalled;
}

/**
 * The kill rule: the loops of `current` that were already in `previous` (the stalls found at the
 * check before) with the same last beat. A loop that beat in between, however briefly, starts
 * over. The watchdog thread applies the same rule; this copy is the one to test.
 */
export function confirmedStalls(
  current: readonly StalledLoop[],
  previous: readonly StalledLoop[],
): StalledLoop[] {
  return current.filter((stall) =>
    previous.some(
      (seen) => seen.name === stall.name && seen.slot === stall.slot && seen.lastBeatMs === stall.lastBeatMs,
    ),
  );
}

/** The watchdog's stall line: `Watchdog: <name> stalled for <x.x>s (threshold: <t.t>s)`. */
export function stallMessage(name: string, stalledMs: number, thresholdMs: number): string {
  return `Watchdog: ${name} stalled for ${(stalledMs / 1_000).toFixed(1)}s (threshold: ${(thresholdMs / 1_000).toFixed(1)}s)`;
}

interface BoardData {
  readonly buffer: SharedArrayBuffer;
  readonly slots: [number, string][];
}

/** Group loops by the board their heartbeat writes to, so each buffer is shared once. */
function boardsOf(loops: readonly WatchedLoop[]): BoardData[] {
  const byBoard = new Map<HeartbeatBoard, BoardData>();
  for (const { name, heartbeat } of loops) {
    let entry = byBoard.get(heartbeat.board);
    if (entry === undefined) {
      entry = { buffer: heartbeat.board.buffer, slots: [] };
      byBoard.set(heartbeat.board, entry);
    }
    entry.slots.push([heartbeat.slot, name]);
  }
  return [...byBoard.values()];
}

function checkPositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new WinkError(
      "invalid_argument",
      `Watchdog ${name} must be a positive number of ms, got ${String(value)}.`,
      {
        details: { [name]: value },
      },
    );
  }
  return value;
}

/** Kills the process from a separate thread when a loop's heartbeat goes stale. */
export class Watchdog {
  private readonly loops: readonly WatchedLoop[];
  private readonly thresholdMs: number;
  private readonly intervalMs: number;
  private readonly logFormat: LogFormat | undefined;
  private worker: Worker | undefined;
  private control: Int32Array | undefined;

  constructor(options: WatchdogOptions) {
    this.loops = [...options.loops];
    this.thresholdMs = checkPositive("thresholdMs", options.thresholdMs ?? 720_000);
    this.intervalMs = checkPositive("intervalMs", options.intervalMs ?? 60_000);
    this.logFormat = options.logFormat;
  }

  /** True while the thread is running. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Start the thread. Does nothing when already running, or when there is no loop to watch. */
  start(): void {
    if (this.worker !== undefined) return;
    if (this.loops.length === 0) {
      log.debug("watchdog.skipped", "No loop to watch; the watchdog thread was not started.");
      return;
    }
    const control = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(WATCHDOG_WORKER_SOURCE, {
      eval: true,
      // The thread needs no loader hooks (tsx) or flags of the parent; it starts faster bare.
      execArgv: [],
      // It reads a few integers and writes a line: a small heap keeps its isolate cheap.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, codeRangeSizeMb: 8 },
      workerData: {
        boards: boardsOf(this.loops),
        control: control.buffer,
        thresholdMs: this.thresholdMs,
        intervalMs: this.intervalMs,
        format: this.logFormat ?? currentLogState().resolved.format,
        logger: WATCHDOG_LOGGER,
      },
    });
    worker.unref();
    worker.on("error", (error) => {
      log.error("watchdog.failed", "The watchdog thread failed; stalled loops will not be killed.", {
        error,
      });
    });
    worker.on("exit", (code) => {
      if (this.worker === worker) {
        this.worker = undefined;
        log.error("watchdog.exited", `The watchdog thread exited unexpectedly (code ${code}).`, { code });
      }
    });
    this.worker = worker;
    this.control = control;
    log.info("watchdog.start", "Watchdog started.", {
      loops: this.loops.map((loop) => loop.name),
      thresholdSeconds: this.thresholdMs / 1_000,
      intervalSeconds: this.intervalMs / 1_000,
    });
  }

  /** Stop the thread and wait until it has exited. Safe to repeat. */
  async stop(): Promise<void> {
    const worker = this.worker;
    const control = this.control;
    if (worker === undefined || control === undefined) return;
    this.worker = undefined;
    this.control = undefined;
    // Wake the thread out of Atomics.wait; terminate() alone cannot interrupt a blocked wait.
    Atomics.store(control, 0, 1);
    Atomics.notify(control, 0);
    await worker.terminate();
    log.debug("watchdog.stop", "Watchdog stopped.");
  }
}
