/**
 * Process-wide logging configuration: threshold, format and destination.
 *
 * Loggers look the configuration up on every call, so loggers created at module load (before
 * the application calls {@link configureLogging}) follow whatever is configured later. Without
 * any call, the first record configures logging from the environment.
 *
 * @example
 * ```ts
 * import { configureLogging } from "weakincentives/runtime";
 *
 * configureLogging({ level: "debug", json: true }); // arguments beat the environment
 * configureLogging(); // WEAKINCENTIVES_LOG_LEVEL / WEAKINCENTIVES_LOG_FORMAT, else INFO + text
 * ```
 */

import pino from "pino";
import { isoNow, SYSTEM_CLOCK, type WallClock } from "../clock.js";
import { describeThrown } from "../errors.js";
import {
  LOG_LEVEL_VALUES,
  type LogFormat,
  type LogLevel,
  parseJsonFlag,
  parseLogFormat,
  parseLogLevel,
} from "./levels.js";
import { formatRecord } from "./record.js";
import { formatTextRecord } from "./text.js";

/** Where log lines go: anything with a synchronous `write`. Each call receives one whole record. */
export interface LogDestination {
  write(line: string): unknown;
}

/** Environment variables read by {@link configureLogging}. */
export type LogEnvironment = Readonly<Record<string, string | undefined>>;

/** Options of {@link configureLogging}. Every field is optional. */
export interface LoggingOptions {
  /**
   * Threshold: `trace`, `debug`, `info`, `warning` (`warn`), `error`, `critical` (`fatal`) or
   * `notset` (everything), case-insensitive. Default: `WEAKINCENTIVES_LOG_LEVEL`, else `info`.
   */
  level?: string;
  /**
   * The threshold when neither `level` nor `WEAKINCENTIVES_LOG_LEVEL` sets one (a quiet demo
   * passes `"warning"` and still lets the variable raise it). Default `info`.
   */
  defaultLevel?: string;
  /**
   * True for one JSON object per line, false for text. Default: `WEAKINCENTIVES_LOG_FORMAT`
   * (`json`|`text`), else `WEAKINCENTIVES_LOG_JSON` (`true`/`1`/`false`/`0`), else text.
   */
  json?: boolean;
  /** Where to read the variables above. Default `process.env`. */
  env?: LogEnvironment;
  /** Where lines are written. Default: standard error, written synchronously. */
  destination?: LogDestination;
  /** Source of record timestamps. Default the system clock. */
  clock?: WallClock;
}

/** The configuration in force, as {@link configureLogging} resolved it. */
export interface ResolvedLogging {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

/** Names of the environment variables logging reads. */
export const LOG_ENV = Object.freeze({
  level: "WEAKINCENTIVES_LOG_LEVEL",
  format: "WEAKINCENTIVES_LOG_FORMAT",
  json: "WEAKINCENTIVES_LOG_JSON",
});

/** What a logger needs at call time. Internal. */
export interface LogState {
  readonly resolved: ResolvedLogging;
  readonly threshold: number;
  /** Write one record; `context` is JSON text (see `contextJson`). */
  readonly write: (level: LogLevel, logger: string, event: string, context: string, message: string) => void;
}

let state: LogState | undefined;
// One stderr stream for the whole process: replacing it must never close file descriptor 2.
let stderr: LogDestination | undefined;

function defaultDestination(): LogDestination {
  stderr ??= pino.destination({ fd: 2, sync: true });
  return stderr;
}

/** An unset or blank variable counts as absent, as Kubernetes often sets empty values. */
function read(env: LogEnvironment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** The `level` argument, else the variable, else `defaultLevel`, else INFO. */
function resolveLevel(options: LoggingOptions, env: LogEnvironment): LogLevel {
  if (options.level !== undefined) return parseLogLevel(options.level, "configureLogging({ level })");
  const variable = read(env, LOG_ENV.level);
  if (variable !== undefined) return parseLogLevel(variable, LOG_ENV.level);
  return parseLogLevel(options.defaultLevel ?? "info", "configureLogging({ defaultLevel })");
}

function resolve(options: LoggingOptions): ResolvedLogging {
  const env = options.env ?? process.env;
  const level = resolveLevel(options, env);
  let format: LogFormat;
  const formatVar = read(env, LOG_ENV.format);
  const jsonVar = read(env, LOG_ENV.json);
  if (options.json !== undefined) format = options.json ? "json" : "text";
  else if (formatVar !== undefined) format = parseLogFormat(formatVar, LOG_ENV.format);
  else if (jsonVar !== undefined) format = parseJsonFlag(jsonVar, LOG_ENV.json);
  else format = "text";
  return { level, format };
}

function build(resolved: ResolvedLogging, options: LoggingOptions): LogState {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const target = options.destination ?? defaultDestination();
  const json = resolved.format === "json";
  return {
    resolved,
    threshold: LOG_LEVEL_VALUES[resolved.level],
    write: (level, logger, event, context, message) => {
      const line = formatRecord(level, isoNow(clock), logger, event, context, message);
      target.write(json ? line : formatTextRecord(line));
    },
  };
}

/**
 * Configure every logger of the process, including those created earlier. Arguments win over the
 * environment; see {@link LoggingOptions} for each default. Calling it again replaces the
 * configuration.
 *
 * @throws WinkError `invalid_config` when a level or format (argument or variable) is unknown;
 *   the message names the variable, the bad value and the accepted values.
 */
export function configureLogging(options: LoggingOptions = {}): ResolvedLogging {
  const next = build(resolve(options), options);
  state = next;
  return next.resolved;
}

/**
 * Forget the configuration, so the next record configures from the environment again.
 * Meant for tests.
 */
export function resetLogging(): void {
  state = undefined;
}

/**
 * The configuration in force, configuring from `process.env` on first use. A bad variable must
 * not crash whatever code happened to log first, so it falls back to INFO text and says why.
 */
export function currentLogState(): LogState {
  if (state !== undefined) return state;
  let next: LogState;
  try {
    next = build(resolve({}), {});
  } catch (error) {
    next = build({ level: "info", format: "text" }, {});
    next.write(
      "warning",
      "weakincentives.runtime.logging",
      "logging.config_invalid",
      "{}",
      `Logging fell back to INFO text: ${describeThrown(error)}`,
    );
  }
  state = next;
  return next;
}
