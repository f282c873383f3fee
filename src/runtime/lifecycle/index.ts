/**
 * The worker lifecycle: run loops under one supervisor with Kubernetes probes, Prometheus
 * metrics, a watchdog thread that kills a stuck process, and a graceful SIGTERM shutdown.
 *
 * - {@link LoopGroup} — the supervisor most workers need, and usually the only name to import.
 * - {@link HealthServer}, {@link WinkMetrics}, {@link Watchdog}, {@link ShutdownCoordinator} —
 *   its parts, usable on their own.
 * - {@link Heartbeat}, {@link Runnable} — the contract a loop implements to be supervised.
 * - {@link checkCalibration} — the timeout relationships, for configuration checks.
 *
 * @example
 * ```ts
 * import { LoopGroup, type Runnable } from "weakincentives/runtime";
 *
 * declare const reviewLoop: Runnable; // a MainLoop
 * const group = new LoopGroup({ loops: [reviewLoop], healthPort: 8080, watchdogThreshold: 720 });
 * await group.run(); // until SIGTERM: then every loop is aborted and awaited together
 * ```
 */

export {
  type CalibrationInput,
  type CalibrationIssue,
  type CalibrationRule,
  type CalibrationSetting,
  checkCalibration,
  formatCalibrationIssue,
} from "./calibration.js";
export { type HealthAddress, HealthServer, type HealthServerOptions } from "./health-server.js";
export { Heartbeat, HeartbeatBoard, type HeartbeatOptions } from "./heartbeat.js";
export { LoopGroup, type LoopGroupOptions } from "./loop-group.js";
export { type MetricsSource, WinkMetrics, type WinkMetricsOptions } from "./metrics.js";
export type { Runnable, RunOptions } from "./runnable.js";
export {
  DEFAULT_SHUTDOWN_SIGNALS,
  type ShutdownCallback,
  ShutdownCoordinator,
} from "./shutdown.js";
export {
  findStalledLoops,
  type StalledLoop,
  stallMessage,
  WATCHDOG_LOGGER,
  Watchdog,
  type WatchdogOptions,
  type WatchedLoop,
} from "./watchdog.js";
