/**
 * Structured loggers: every record has a stable dotted `event` name, a human `message` and a
 * `context` object (the logger's bound context merged with the call's). Context is serialized
 * safely (errors keep type, message and stack) and redacted before anything is written.
 *
 * @example
 * ```ts
 * import { getLogger } from "weakincentives/runtime";
 *
 * const log = getLogger("myapp.worker", { component: "reviews" });
 * log.info("tool.execution.start", "Running tool", { tool: "lookup_entity" });
 * // {"level":"INFO","timestamp":"…","logger":"myapp.worker","event":"tool.execution.start",
 * //  "context":{"component":"reviews","tool":"lookup_entity"},"message":"Running tool"}
 * ```
 */

import { WinkError } from "../errors.js";
import { type RunContext, runContextLogFields } from "../run-context.js";
import { redact, redactText } from "../secrets/index.js";
import { captureThreshold, capturing, offerRecord } from "./capture.js";
import { currentLogState } from "./config.js";
import { LOG_LEVEL_VALUES, type LogLevel } from "./levels.js";
import { contextJson } from "./record.js";
import { toLogValue } from "./serialize.js";

/** Key/value facts attached to a record. Any value is accepted; errors serialize fully. */
export type LogContext = Readonly<Record<string, unknown>>;

/** A named logger with bound context. Obtain one with {@link getLogger}. */
export interface Logger {
  /** The name given to {@link getLogger}; written as `logger`. */
  readonly name: string;
  /** Finest detail, usually off. */
  trace(event: string, message: string, context?: LogContext): void;
  /** Diagnostics and per-step lifecycle. */
  debug(event: string, message: string, context?: LogContext): void;
  /** High-level lifecycle. */
  info(event: string, message: string, context?: LogContext): void;
  /** A recoverable problem. Written as level `WARNING`; {@link Logger.warn} is the same. */
  warning(event: string, message: string, context?: LogContext): void;
  /** {@link Logger.warning}, by the name pino and the console use. */
  warn(event: string, message: string, context?: LogContext): void;
  /** A caught failure with a fallback; put the error itself in the context (`{ error }`). */
  error(event: string, message: string, context?: LogContext): void;
  /** The process is exiting or degraded. Written as level `CRITICAL`; {@link Logger.fatal} is the same. */
  critical(event: string, message: string, context?: LogContext): void;
  /** {@link Logger.critical}, by pino's name. */
  fatal(event: string, message: string, context?: LogContext): void;
  /** A logger with the same name whose bound context also holds `context` (it wins on clashes). */
  child(context: LogContext): Logger;
  /** {@link Logger.child}, by structlog's name. */
  bind(context: LogContext): Logger;
  /** Whether a record at `level` would be written; use it to skip building costly context. */
  isEnabled(level: LogLevel | "warn" | "fatal"): boolean;
}

const EMPTY: LogContext = Object.freeze({});

function checkEvent(logger: string, event: unknown): void {
  if (typeof event !== "string" || event.trim() === "") {
    throw new WinkError(
      "invalid_argument",
      `A record of logger "${logger}" has no event name (got ${JSON.stringify(event) ?? String(event)}). ` +
        `Pass a dotted event name like "tool.execution.start" as the first argument: ` +
        `log.info("tool.execution.start", "Running tool", { tool }).`,
      { details: { logger, event: String(event) } },
    );
  }
}

class StructuredLogger implements Logger {
  constructor(
    readonly name: string,
    private readonly bound: LogContext,
  ) {}

  trace(event: string, message: string, context?: LogContext): void {
    this.write("trace", event, message, context);
  }
  debug(event: string, message: string, context?: LogContext): void {
    this.write("debug", event, message, context);
  }
  info(event: string, message: string, context?: LogContext): void {
    this.write("info", event, message, context);
  }
  warning(event: string, message: string, context?: LogContext): void {
    this.write("warning", event, message, context);
  }
  warn(event: string, message: string, context?: LogContext): void {
    this.write("warning", event, message, context);
  }
  error(event: string, message: string, context?: LogContext): void {
    this.write("error", event, message, context);
  }
  critical(event: string, message: string, context?: LogContext): void {
    this.write("critical", event, message, context);
  }
  fatal(event: string, message: string, context?: LogContext): void {
    this.write("critical", event, message, context);
  }

  child(context: LogContext): Logger {
    return new StructuredLogger(this.name, Object.freeze({ ...this.bound, ...context }));
  }
  bind(context: LogContext): Logger {
    return this.child(context);
  }

  isEnabled(level: LogLevel | "warn" | "fatal"): boolean {
    const value =
      level === "warn"
        ? LOG_LEVEL_VALUES.warning
        : level === "fatal"
          ? LOG_LEVEL_VALUES.critical
          : LOG_LEVEL_VALUES[level];
    // An open capture (a request's debug bundle) wants records below the threshold too.
    return value >= currentLogState().threshold || (capturing() && value >= captureThreshold());
  }

  private write(level: LogLevel, event: string, message: string, context: LogContext | undefined): void {
    // Checked before the level filter, so a missing event fails in tests whatever the level.
    checkEvent(this.name, event);
    const state = currentLogState();
    const value = LOG_LEVEL_VALUES[level];
    const captured = capturing() && value >= captureThreshold();
    if (value < state.threshold && !captured) return;
    const text = redactText(typeof message === "string" ? message : String(message ?? ""));
    if (!captured) {
      state.write(level, this.name, event, contextJson(this.bound, context), text);
      return;
    }
    // A capture is open (a request's bundle is being collected): build the context once, if needed.
    const merged = context === undefined ? this.bound : { ...this.bound, ...context };
    let redacted: unknown;
    const contextValue = (): unknown => {
      redacted ??= redact(toLogValue(merged));
      return redacted;
    };
    offerRecord(level, this.name, event, text, merged, contextValue);
    if (value >= state.threshold) state.write(level, this.name, event, JSON.stringify(contextValue()), text);
  }
}

/**
 * The logger called `name` (dotted, by module: `weakincentives.runtime.mailbox`), with optional
 * bound `context` added to every record. Cheap: create loggers at module level; they follow
 * {@link configureLogging} even when it is called later.
 */
export function getLogger(name: string, context: LogContext = EMPTY): Logger {
  if (typeof name !== "string" || name.trim() === "") {
    throw new WinkError(
      "invalid_argument",
      `getLogger needs a non-empty name, got ${JSON.stringify(name)}. Use a dotted module name like "myapp.worker".`,
      { details: { name } },
    );
  }
  return new StructuredLogger(name, Object.freeze({ ...context }));
}

/**
 * `logger` with the fields of `runContext` bound (`runId`, `requestId`, `attempt`, `workerId`,
 * and `sessionId`, `traceId`, `spanId` when set), so every record of one execution correlates.
 */
export function bindRunContext(logger: Logger, runContext: RunContext): Logger {
  return logger.bind(runContextLogFields(runContext));
}
