/**
 * Log levels and the parsing of level and format settings from arguments or the environment.
 *
 * @example
 * ```ts
 * import { parseLogLevel } from "weakincentives/runtime";
 *
 * parseLogLevel("warn", "WEAKINCENTIVES_LOG_LEVEL"); // "warning"
 * ```
 */

import { WinkError } from "../errors.js";

/** Severity of a record, lowest first. */
export type LogLevel = "trace" | "debug" | "info" | "warning" | "error" | "critical";

/** Numeric severity of each level; loggers filter on these. */
export const LOG_LEVEL_VALUES: Readonly<Record<LogLevel, number>> = Object.freeze({
  trace: 10,
  debug: 20,
  info: 30,
  warning: 40,
  error: 50,
  critical: 60,
});

/** Every level, lowest first. */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze([
  "trace",
  "debug",
  "info",
  "warning",
  "error",
  "critical",
]);

/** Output format of log records. */
export type LogFormat = "json" | "text";

/** Names accepted for a level (case-insensitive), including aliases. */
const LEVEL_NAMES: ReadonlyMap<string, LogLevel> = new Map([
  ["trace", "trace"],
  ["debug", "debug"],
  ["info", "info"],
  ["warning", "warning"],
  ["warn", "warning"],
  ["error", "error"],
  ["critical", "critical"],
  ["fatal", "critical"],
  // Python's NOTSET means "no threshold": let everything through.
  ["notset", "trace"],
]);

const ALLOWED_LEVELS = "TRACE, DEBUG, INFO, WARNING (or WARN), ERROR, CRITICAL (or FATAL), NOTSET";

/**
 * Read a level name, case-insensitively: TRACE, DEBUG, INFO, WARNING (alias WARN), ERROR,
 * CRITICAL (alias FATAL) or NOTSET (everything, same as TRACE).
 *
 * @param source where the value came from, named in the error (a variable or an argument).
 * @throws WinkError `invalid_config` naming the source, the bad value and the allowed names.
 */
export function parseLogLevel(value: string, source: string): LogLevel {
  const level = LEVEL_NAMES.get(value.trim().toLowerCase());
  if (level === undefined) {
    throw new WinkError(
      "invalid_config",
      `${source} has an unknown log level ${JSON.stringify(value)}. ` +
        `Use one of ${ALLOWED_LEVELS} (case-insensitive).`,
      { details: { source, value, allowed: [...LEVEL_NAMES.keys()] } },
    );
  }
  return level;
}

/** Read `json` or `text`, case-insensitively. */
export function parseLogFormat(value: string, source: string): LogFormat {
  const format = value.trim().toLowerCase();
  if (format === "json" || format === "text") return format;
  throw new WinkError(
    "invalid_config",
    `${source} has an unknown log format ${JSON.stringify(value)}. Use "json" or "text" (case-insensitive).`,
    { details: { source, value, allowed: ["json", "text"] } },
  );
}

/** Read the boolean alias `WEAKINCENTIVES_LOG_JSON`: `true`/`1` → json, `false`/`0` → text. */
export function parseJsonFlag(value: string, source: string): LogFormat {
  const flag = value.trim().toLowerCase();
  if (flag === "true" || flag === "1") return "json";
  if (flag === "false" || flag === "0") return "text";
  throw new WinkError(
    "invalid_config",
    `${source} must be "true", "1", "false" or "0" (case-insensitive), got ${JSON.stringify(value)}. ` +
      `Prefer WEAKINCENTIVES_LOG_FORMAT=json|text.`,
    { details: { source, value, allowed: ["true", "1", "false", "0"] } },
  );
}
