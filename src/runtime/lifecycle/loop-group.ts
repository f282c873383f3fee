/**
 * LoopGroup: run a worker's loops together, with probes, metrics, a watchdog and a graceful
 * shutdown — the process shape the deployment guide runs in Kubernetes.
 *
 * `run()` starts, in order: the process-wide {@link ShutdownCoordinator} (SIGTERM/SIGINT),
 * metrics, the {@link HealthServer} (when `healthPort` is set), the {@link Watchdog} thread (when
 * `watchdogThreshold` is not null), then every loop concurrently under one `AbortSignal`.
 *
 * Shutdown — a signal, {@link LoopGroup.shutdown}, or a loop whose `run` rejects — aborts **all**
 * loops at once, then waits for all of them together, at most `shutdownTimeout` seconds (loops
 * still running then are named in `lifecycle.shutdown.timeout`). Then the health server and the
 * watchdog stop, the signal listeners go, and `run()` settles: it resolves, or rejects when a
 * loop failed, so the process exits non-zero and the orchestrator restarts it.
 *
 * Readiness (`/health/ready`, {@link LoopGroup.isReady}) is true while every loop is `running`
 * and, when the watchdog threshold is set, every heartbeat is at most that old — so readiness
 * fails first and the watchdog's kill follows within one `watchdogInterval`.
 *
 * Durations are **seconds**, as in the deployment guide.
 *
 * @example
 * ```ts
 * import { InProcessDispatcher, LoopGroup, type Runnable } from "weakincentives/runtime";
 *
 * declare const reviewLoop: Runnable; // a MainLoop
 * const dispatcher = new InProcessDispatcher(); // also given to the loops
 * const group = new LoopGroup({ loops: [reviewLoop], healthPort: 8080, watchdogThreshold: 720, dispatcher });
 * await group.run(); // until SIGTERM; /metrics serves wink_* series
 * ```
 */

import { type Clock, SYSTEM_CLOCK, SystemClock } from "../../clock.js";
import { describeThrown, WinkError } from "../../errors.js";
import type { Dispatcher } from "../../events/dispatcher.js";
import { getLogger } from "../../logging/index.js";
import { checkCalibration } from "./calibration.js";
import { type HealthAddress, HealthServer } from "./health-server.js";
import { deferred } from "./internal/deferred.js";
import { WinkMetrics } from "./metrics.js";
import type { Runnable } from "./runnable.js";
import { ShutdownCoordinator } from "./shutdown.js";
import { Watchdog } from "./watchdog.js";

const log = getLogger("weakincentives.runtime.lifecycle");

/** Options of {@link LoopGroup}. Durations in seconds. */
export interface LoopGroupOptions {
  /** The loops to run; names must be distinct (they label logs, metrics and stall messages). */
  readonly loops: readonly Runnable[];
  /** Serve `/health/live`, `/health/ready` and `/metrics` on this port (0 = ephemeral). Default: no server. */
  readonly healthPort?: number;
  /** Interface for the health server. Default `"0.0.0.0"`. */
  readonly healthHost?: string;
  /** Seconds without a heartbeat before readiness fails and the watchdog kills the process. `null` disables both. Default 720. */
  readonly watchdogThreshold?: number | null;
  /** Seconds between watchdog checks. Default 60. */
  readonly watchdogInterval?: number;
  /** Seconds to wait for the loops after shutdown starts. Default 30. */
  readonly shutdownTimeout?: number;
  /** Passed to every loop's `run`. Default 1800. */
  readonly visibilityTimeout?: number;
  /** Long poll passed to every loop's `run`. Default 20 (the SQS maximum). */
  readonly waitTimeSeconds?: number;
  /** Counted into the metrics while the group runs (give the same one to the loops). */
  readonly dispatcher?: Dispatcher;
  /** Metrics to report into. Default: a new {@link WinkMetrics}. */
  readonly metrics?: WinkMetrics;
  /** Listen to SIGTERM/SIGINT while running. Default true. */
  readonly installSignals?: boolean;
  /**
   * Time source for the shutdown wait. The watchdog thread can only follow real time, so with a
   * clock other than the system clock it is not started (readiness still applies the threshold).
   */
  readonly clock?: Clock;
}

type State = "idle" | "starting" | "running" | "stopped";

interface Failure {
  readonly loop: string;
  readonly error: unknown;
}

function checkSeconds(name: string, value: number, positive: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new WinkError(
      "invalid_argument",
      `LoopGroup ${name} must be a finite number of seconds ${positive ? "> 0" : ">= 0"}, got ${String(value)}.`,
      { details: { [name]: value } },
    );
  }
  return value;
}

/** Runs loops together with health endpoints, metrics, a watchdog and coordinated shutdown. */
export class LoopGroup {
  /** The supervised loops. */
  readonly loops: readonly Runnable[];
  /** Where the group reports; served on `/metrics`. */
  readonly metrics: WinkMetrics;
  private readonly thresholdMs: number | null;
  private readonly intervalMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly visibilityTimeout: number;
  private readonly waitTimeSeconds: number;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly installSignals: boolean;
  private readonly clock: Clock;
  private readonly health: HealthServer | undefined;
  private readonly watchdog: Watchdog | undefined;
  private state: State = "idle";
  private readonly controller = new AbortController();
  private stopReason: string | undefined;
  private readonly pending = new Set<string>();
  private readonly failures: Failure[] = [];
  private readonly stopRequested = deferred<void>();
  private readonly finished = deferred<void>();
  private readonly started = deferred<void>();

  constructor(options: LoopGroupOptions) {
    const loops = [...options.loops];
    if (loops.length === 0) {
      throw new WinkError(
        "invalid_argument",
        "LoopGroup needs at least one loop in `loops`: pass the MainLoop (or other Runnable) instances to supervise.",
      );
    }
    const names = loops.map((loop) => loop.name);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) {
      throw new WinkError(
        "invalid_argument",
        `LoopGroup loops must have distinct names; "${duplicate}" appears twice. Give each loop its own name.`,
        { details: { names } },
      );
    }
    this.loops = Object.freeze(loops);
    const threshold = options.watchdogThreshold === undefined ? 720 : options.watchdogThreshold;
    this.thresholdMs = threshold === null ? null : checkSeconds("watchdogThreshold", threshold, true) * 1_000;
    this.intervalMs = checkSeconds("watchdogInterval", options.watchdogInterval ?? 60, true) * 1_000;
    this.shutdownTimeoutMs = checkSeconds("shutdownTimeout", options.shutdownTimeout ?? 30, false) * 1_000;
    this.visibilityTimeout = checkSeconds("visibilityTimeout", options.visibilityTimeout ?? 1800, false);
    this.waitTimeSeconds = checkSeconds("waitTimeSeconds", options.waitTimeSeconds ?? 20, false);
    this.dispatcher = options.dispatcher;
    this.metrics = options.metrics ?? new WinkMetrics();
    this.installSignals = options.installSignals ?? true;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.health =
      options.healthPort === undefined
        ? undefined
        : new HealthServer({
            host: options.healthHost ?? "0.0.0.0",
            port: options.healthPort,
            readiness: () => this.isReady(),
            metrics: () => this.metrics.metrics(),
          });
    this.watchdog =
      this.thresholdMs === null || !(this.clock instanceof SystemClock)
        ? undefined
        : new Watchdog({ loops, thresholdMs: this.thresholdMs, intervalMs: this.intervalMs });
    // Nobody may be waiting on it; a startup failure must not surface as unhandled.
    this.started.promise.catch(() => undefined);
  }

  /** Where the health server listens while running, else undefined. */
  get healthAddress(): HealthAddress | undefined {
    return this.health?.address;
  }

  /** True from the start of {@link LoopGroup.run} until it settles. */
  get running(): boolean {
    return this.state === "starting" || this.state === "running";
  }

  /** True once shutdown has started. */
  get shuttingDown(): boolean {
    return this.stopReason !== undefined;
  }

  /**
   * Ready to take work: not shutting down, every loop `running`, and (unless the threshold is
   * null) every heartbeat at most `watchdogThreshold` old.
   */
  isReady(): boolean {
    if (this.stopReason !== undefined) return false;
    const thresholdMs = this.thresholdMs;
    return this.loops.every(
      (loop) => loop.running && (thresholdMs === null || loop.heartbeat.elapsedMs() <= thresholdMs),
    );
  }

  /** Resolves once the health server and watchdog are up and the loops were started; rejects if startup failed. */
  whenStarted(): Promise<void> {
    return this.started.promise;
  }

  /**
   * Run every loop until shutdown. Resolves after a clean (or timed-out) shutdown; rejects with
   * a WinkError whose `cause` is the loop's error when a loop failed.
   *
   * @throws WinkError `invalid_argument` when called twice; the health server's listen error
   *   (such as `EADDRINUSE`) when it cannot start.
   */
  async run(): Promise<void> {
    if (this.state !== "idle") {
      throw new WinkError(
        "invalid_argument",
        "LoopGroup.run() was already called. Create a new LoopGroup to run again.",
      );
    }
    this.state = "starting";
    const startedAt = this.clock.monotonic();
    const teardown: (() => unknown)[] = [];
    try {
      await this.start(teardown);
    } catch (error) {
      await this.teardown(teardown);
      this.state = "stopped";
      this.started.reject(error);
      this.finished.resolve();
      throw error;
    }
    this.state = "running";
    this.started.resolve();
    const signal = this.controller.signal;
    const runs = this.loops.map((loop) => this.runLoop(loop, signal));
    const completed = await this.waitForLoops(Promise.all(runs));
    if (!completed) {
      log.error(
        "lifecycle.shutdown.timeout",
        `Loops still running ${this.shutdownTimeoutMs / 1_000}s after shutdown started: ${[...this.pending].join(", ")}. Leaving them behind.`,
        { loops: [...this.pending], shutdownTimeoutSeconds: this.shutdownTimeoutMs / 1_000 },
      );
    }
    await this.teardown(teardown);
    this.state = "stopped";
    log.info("lifecycle.shutdown.complete", "LoopGroup stopped.", {
      reason: this.stopReason ?? "loops finished",
      timedOut: !completed,
      failedLoops: this.failures.map((f) => f.loop),
      uptimeSeconds: (this.clock.monotonic() - startedAt) / 1_000,
    });
    this.finished.resolve();
    const failure = this.failures[0];
    if (failure !== undefined) {
      throw new WinkError(
        "internal",
        `Loop "${failure.loop}" failed (${describeThrown(failure.error)}), so the group shut down. ` +
          "Let the process exit non-zero so it is restarted; the cause holds the loop's error.",
        {
          cause: failure.error,
          details: { loop: failure.loop, failedLoops: this.failures.map((f) => f.loop) },
        },
      );
    }
  }

  /**
   * Start shutdown (if running) and resolve when {@link LoopGroup.run} has finished. Never
   * rejects; safe to call any number of times, from anywhere.
   */
  shutdown(reason = "requested"): Promise<void> {
    if (this.state === "idle") return Promise.resolve();
    if (this.stopReason === undefined) {
      this.stopReason = reason;
      log.info("lifecycle.shutdown.start", `LoopGroup shutting down (${reason}).`, {
        reason,
        loops: this.loops.map((loop) => loop.name),
        shutdownTimeoutSeconds: this.shutdownTimeoutMs / 1_000,
      });
      // Every loop is told at once; waiting for them happens together afterwards.
      this.controller.abort(new DOMException(`LoopGroup is shutting down (${reason}).`, "AbortError"));
      this.stopRequested.resolve();
    }
    return this.finished.promise;
  }

  private async start(teardown: (() => unknown)[]): Promise<void> {
    const coordinator = ShutdownCoordinator.instance();
    if (this.installSignals) {
      const before = new Set(coordinator.signals);
      coordinator.install();
      const added = coordinator.signals.filter((s) => !before.has(s));
      if (added.length > 0) teardown.push(() => coordinator.uninstall());
    }
    teardown.push(coordinator.register((reason) => void this.shutdown(reason)));
    if (this.dispatcher) teardown.push(this.metrics.observe(this.dispatcher));
    teardown.push(this.metrics.watch({ loops: this.loops, ready: () => this.isReady() }));
    if (this.health) {
      const health = this.health;
      await health.start();
      teardown.push(() => health.stop());
    }
    if (this.watchdog) {
      const watchdog = this.watchdog;
      watchdog.start();
      teardown.push(() => watchdog.stop());
    } else if (this.thresholdMs !== null) {
      log.info(
        "lifecycle.watchdog_disabled",
        "A custom clock is in use; the watchdog thread follows real time only and was not started.",
      );
    }
    this.warnOnCalibration();
    log.info("lifecycle.start", `LoopGroup started ${this.loops.length} loop(s).`, {
      loops: this.loops.map((loop) => loop.name),
      healthAddress: this.health?.address,
      watchdogThresholdSeconds: this.thresholdMs === null ? null : this.thresholdMs / 1_000,
      watchdogIntervalSeconds: this.intervalMs / 1_000,
    });
  }

  /** Rules that hold whatever the processing time (checked with a processing time of zero). */
  private warnOnCalibration(): void {
    const issues = checkCalibration({
      visibilityTimeout: this.visibilityTimeout,
      watchdogThreshold: this.thresholdMs === null ? null : this.thresholdMs / 1_000,
      watchdogInterval: this.intervalMs / 1_000,
      waitTimeSeconds: this.waitTimeSeconds,
      maxProcessingSeconds: 0,
      shutdownTimeout: this.shutdownTimeoutMs / 1_000,
    });
    for (const issue of issues) {
      log.warning("lifecycle.calibration", issue.message, {
        rule: issue.rule,
        actual: issue.actual,
        bound: issue.bound,
      });
    }
  }

  private async runLoop(loop: Runnable, signal: AbortSignal): Promise<void> {
    this.pending.add(loop.name);
    try {
      await loop.run({
        signal,
        visibilityTimeout: this.visibilityTimeout,
        waitTimeSeconds: this.waitTimeSeconds,
      });
      if (this.stopReason === undefined) {
        // A worker missing one of its loops cannot serve; its heartbeat would also go stale and
        // look like a stall to the watchdog. Shut down on purpose so the orchestrator restarts it.
        log.warning(
          "lifecycle.loop_exited",
          `Loop "${loop.name}" returned before shutdown; shutting the group down so the worker restarts.`,
          { loop: loop.name },
        );
        void this.shutdown(`loop ${loop.name} exited`);
      }
    } catch (error) {
      // Rethrowing the abort reason is a normal way to stop.
      if (signal.aborted && error === signal.reason) return;
      this.failures.push({ loop: loop.name, error });
      log.error("lifecycle.loop_failed", `Loop "${loop.name}" failed; shutting the group down.`, {
        loop: loop.name,
        error,
      });
      void this.shutdown(`loop ${loop.name} failed`);
    } finally {
      this.pending.delete(loop.name);
    }
  }

  /** Wait for every loop; once shutdown starts, for at most `shutdownTimeout`. True when all finished. */
  private async waitForLoops(all: Promise<unknown>): Promise<boolean> {
    const cancelTimer = new AbortController();
    const done = all.then(() => true);
    const timedOut = this.stopRequested.promise.then(() =>
      this.clock.sleep(this.shutdownTimeoutMs, cancelTimer.signal).then(
        () => false,
        () => true,
      ),
    );
    try {
      return await Promise.race([done, timedOut]);
    } finally {
      cancelTimer.abort();
    }
  }

  private async teardown(steps: (() => unknown)[]): Promise<void> {
    for (const step of steps.reverse()) {
      try {
        await step();
      } catch (error) {
        log.error("lifecycle.teardown_failed", "A LoopGroup teardown step failed; continuing.", { error });
      }
    }
  }
}
