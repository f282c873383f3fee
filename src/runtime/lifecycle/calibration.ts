/**
 * Timeout calibration: the relationships between visibility timeout, watchdog, long poll and
 * shutdown wait that keep a worker from double-processing messages or being killed while
 * healthy. {@link checkCalibration} is pure; configuration loaders call it and decide whether a
 * violation warns or fails.
 *
 * The rules (all in seconds):
 *
 * 1. `visibilityTimeout > watchdogThreshold + maxProcessingSeconds` — a message must stay
 *    invisible until a stalled worker has been killed and its work would have finished, or a
 *    second worker picks it up while the first still runs. Without a watchdog:
 *    `visibilityTimeout > maxProcessingSeconds`.
 * 2. `watchdogThreshold > waitTimeSeconds + maxProcessingSeconds` — the longest gap between
 *    beats (a long poll, then one processing stretch) must not look like a stall.
 * 3. `watchdogInterval < watchdogThreshold / 3` — the kill follows the stall promptly.
 * 4. `shutdownTimeout >= waitTimeSeconds` — a loop notices shutdown only when its long poll
 *    returns, so the shutdown wait must cover one poll.
 *
 * @example
 * ```ts
 * import { checkCalibration } from "weakincentives/runtime";
 *
 * checkCalibration({
 *   visibilityTimeout: 1800, watchdogThreshold: 720, watchdogInterval: 60,
 *   waitTimeSeconds: 20, maxProcessingSeconds: 600, shutdownTimeout: 30,
 * }); // [] — the defaults are calibrated for 10-minute evaluations
 * ```
 */

import { WinkError } from "../../errors.js";

/** The settings {@link checkCalibration} relates, in seconds. */
export interface CalibrationInput {
  readonly visibilityTimeout: number;
  /** `null` when the watchdog is disabled: rules 2 and 3 are skipped, rule 1 loses its term. */
  readonly watchdogThreshold: number | null;
  readonly watchdogInterval: number;
  readonly waitTimeSeconds: number;
  /** The longest a single message may take to process. */
  readonly maxProcessingSeconds: number;
  /** Checked against the long poll when given. */
  readonly shutdownTimeout?: number;
}

/** Which rule a setting breaks. */
export type CalibrationRule =
  | "visibility_timeout"
  | "watchdog_threshold"
  | "watchdog_interval"
  | "shutdown_timeout";

/** One broken rule, with the numbers that break it. */
export interface CalibrationIssue {
  readonly rule: CalibrationRule;
  /** The relation as text with the values filled in, and what to change. */
  readonly message: string;
  /** The left side of the relation (the setting being checked). */
  readonly actual: number;
  /** The bound it had to beat. */
  readonly bound: number;
}

function checkSeconds(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new WinkError(
      "invalid_argument",
      `checkCalibration: ${name} must be a finite number of seconds >= 0, got ${String(value)}.`,
      { details: { [name]: value } },
    );
  }
}

/** Every calibration rule `input` breaks, in rule order; empty when the settings are consistent. */
export function checkCalibration(input: CalibrationInput): CalibrationIssue[] {
  const { visibilityTimeout, watchdogThreshold, watchdogInterval, waitTimeSeconds, maxProcessingSeconds } =
    input;
  checkSeconds("visibilityTimeout", visibilityTimeout);
  checkSeconds("watchdogInterval", watchdogInterval);
  checkSeconds("waitTimeSeconds", waitTimeSeconds);
  checkSeconds("maxProcessingSeconds", maxProcessingSeconds);
  if (watchdogThreshold !== null) checkSeconds("watchdogThreshold", watchdogThreshold);
  if (input.shutdownTimeout !== undefined) checkSeconds("shutdownTimeout", input.shutdownTimeout);

  const issues: CalibrationIssue[] = [];
  if (watchdogThreshold === null) {
    if (!(visibilityTimeout > maxProcessingSeconds)) {
      issues.push({
        rule: "visibility_timeout",
        message:
          `visibilityTimeout (${visibilityTimeout}s) must be greater than maxProcessingSeconds ` +
          `(${maxProcessingSeconds}s), or messages are redelivered while still being processed. Raise visibilityTimeout.`,
        actual: visibilityTimeout,
        bound: maxProcessingSeconds,
      });
    }
  } else {
    const visibilityBound = watchdogThreshold + maxProcessingSeconds;
    if (!(visibilityTimeout > visibilityBound)) {
      issues.push({
        rule: "visibility_timeout",
        message:
          `visibilityTimeout (${visibilityTimeout}s) must be greater than watchdogThreshold + maxProcessingSeconds ` +
          `(${watchdogThreshold} + ${maxProcessingSeconds} = ${visibilityBound}s), or a message is redelivered ` +
          `while a stalled worker still holds it. Raise visibilityTimeout or lower watchdogThreshold.`,
        actual: visibilityTimeout,
        bound: visibilityBound,
      });
    }
    const thresholdBound = waitTimeSeconds + maxProcessingSeconds;
    if (!(watchdogThreshold > thresholdBound)) {
      issues.push({
        rule: "watchdog_threshold",
        message:
          `watchdogThreshold (${watchdogThreshold}s) must be greater than waitTimeSeconds + maxProcessingSeconds ` +
          `(${waitTimeSeconds} + ${maxProcessingSeconds} = ${thresholdBound}s), or the watchdog kills healthy ` +
          `workers. Raise watchdogThreshold.`,
        actual: watchdogThreshold,
        bound: thresholdBound,
      });
    }
    const intervalBound = watchdogThreshold / 3;
    if (!(watchdogInterval < intervalBound)) {
      issues.push({
        rule: "watchdog_interval",
        message:
          `watchdogInterval (${watchdogInterval}s) must be less than watchdogThreshold / 3 ` +
          `(${watchdogThreshold} / 3 = ${round(intervalBound)}s), so a stall is acted on promptly. Lower watchdogInterval.`,
        actual: watchdogInterval,
        bound: intervalBound,
      });
    }
  }
  const { shutdownTimeout } = input;
  if (shutdownTimeout !== undefined && !(shutdownTimeout >= waitTimeSeconds)) {
    issues.push({
      rule: "shutdown_timeout",
      message:
        `shutdownTimeout (${shutdownTimeout}s) must be at least waitTimeSeconds (${waitTimeSeconds}s): a loop ` +
        `notices shutdown only when its long poll returns. Raise shutdownTimeout or shorten waitTimeSeconds.`,
      actual: shutdownTimeout,
      bound: waitTimeSeconds,
    });
  }
  return issues;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
