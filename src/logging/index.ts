/**
 * Structured logging for WINK: JSON lines written directly (pino only provides the stderr stream).
 *
 * Every record is one object with exactly `timestamp` (ISO-8601 UTC), `level` (`TRACE` …
 * `CRITICAL`), `logger`, `event` (a stable dotted name to route and alert on), `message` and
 * `context`. Secrets are redacted from every record before it is written. Configure once at
 * startup with {@link configureLogging}, or let the environment decide
 * (`WEAKINCENTIVES_LOG_LEVEL`, `WEAKINCENTIVES_LOG_FORMAT=json|text`, alias
 * `WEAKINCENTIVES_LOG_JSON=true`).
 *
 * @example
 * ```ts
 * import { createRunContext } from "weakincentives";
 * import { bindRunContext, configureLogging, getLogger } from "weakincentives/runtime";
 *
 * const log = getLogger("myapp.worker");
 * configureLogging({ level: "info", json: true });
 *
 * declare function handleRequest(): Promise<void>; // your work
 *
 * const runLog = bindRunContext(log, createRunContext({ workerId: "worker-1" }));
 * runLog.info("request.start", "Handling request", { queue: "reviews" });
 * try {
 *   await handleRequest();
 * } catch (error) {
 *   runLog.error("request.failed", "The request failed", { error });
 * }
 * ```
 */

export { type CapturedRecord, type CaptureOptions, collectLogs, type LogCapture } from "./capture.js";
export {
  configureLogging,
  LOG_ENV,
  type LogDestination,
  type LogEnvironment,
  type LoggingOptions,
  type ResolvedLogging,
  resetLogging,
} from "./config.js";
export {
  LOG_LEVEL_VALUES,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  parseLogLevel,
} from "./levels.js";
export { bindRunContext, getLogger, type LogContext, type Logger } from "./logger.js";
export { type SerializedError, serializeError, toLogValue } from "./serialize.js";
