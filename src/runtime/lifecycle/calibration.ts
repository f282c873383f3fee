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
 * 4. `shutdownTimeout >= waitTimeSeconds` — the shutdown wait must cover one long poll: an SQS
 *    mailbox keeps its last polls open until SQS answers them, so SQS cannot hide a message in a
 *    poll nobody reads.
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

/** The names of the settings {@link checkCalibration} relates. */
export type CalibrationSetting = keyof CalibrationInput;

/** One broken rule, with the numbers that break it. */
export interface CalibrationIssue {
  readonly rule: CalibrationRule;
  /** The setting the rule checks, and the one to change first. */
  readonly setting: CalibrationSetting;
  /** The relation as text with the values filled in, and what to change ({@link formatCalibrationIssue}). */
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

type Found = Omit<CalibrationIssue, "message">;

function broken(input: CalibrationInput): Found[] {
  const { visibilityTimeout, watchdogThreshold, watchdogInterval, waitTimeSeconds, maxProcessingSeconds } =
    input;
  const found: Found[] = [];
  const visibilityBound = (watchdogThreshold ?? 0) + maxProcessingSeconds;
  if (!(visibilityTimeout > visibilityBound)) {
    found.push({
      rule: "visibility_timeout",
      setting: "visibilityTimeout",
      actual: visibilityTimeout,
      bound: visibilityBound,
    });
  }
  if (watchdogThreshold !== null) {
    const thresholdBound = waitTimeSeconds + maxProcessingSeconds;
    if (!(watchdogThreshold > thresholdBound)) {
      found.push({
        rule: "watchdog_threshold",
        setting: "watchdogThreshold",
        actual: watchdogThreshold,
        bound: thresholdBound,
      });
    }
    const intervalBound = watchdogThreshold / 3;
    if (!(watchdogInterval < intervalBound)) {
      found.push({
        rule: "watchdog_interval",
        setting: "watchdogInterval",
        actual: watchdogInterval,
        bound: intervalBound,
      });
    }
  }
  const { shutdownTimeout } = input;
  if (shutdownTimeout !== undefined && !(shutdownTimeout >= waitTimeSeconds)) {
    found.push({
      rule: "shutdown_timeout",
      setting: "shutdownTimeout",
      actual: shutdownTimeout,
      bound: waitTimeSeconds,
    });
  }
  return found;
}

/** Every calibration rule `input` breaks, in rule order; empty when the settings are consistent. */
export function checkCalibration(input: CalibrationInput): CalibrationIssue[] {
  checkSeconds("visibilityTimeout", input.visibilityTimeout);
  checkSeconds("watchdogInterval", input.watchdogInterval);
  checkSeconds("waitTimeSeconds", input.waitTimeSeconds);
  checkSeconds("maxProcessingSeconds", input.maxProcessingSeconds);
  if (input.watchdogThreshold !== null) checkSeconds("watchdogThreshold", input.watchdogThreshold);
  if (input.shutdownTimeout !== undefined) checkSeconds("shutdownTimeout", input.shutdownTimeout);
  return broken(input).map((issue) => ({ ...issue, message: formatCalibrationIssue(issue, input) }));
}

/**
 * The one wording of a broken rule: the relation with its values, why it matters and what to
 * change. `name` turns a setting into what the reader edits (default the setting's own name;
 * `AgentConfig` passes the environment variable).
 */
export function formatCalibrationIssue(
  issue: Pick<CalibrationIssue, "rule" | "bound">,
  input: CalibrationInput,
  name: (setting: CalibrationSetting) => string = (setting) => setting,
): string {
  const [V, T, I, W, P, S] = (
    [
      "visibilityTimeout",
      "watchdogThreshold",
      "watchdogInterval",
      "waitTimeSeconds",
      "maxProcessingSeconds",
      "shutdownTimeout",
    ] as const
  ).map(name);
  const t = input.watchdogThreshold;
  const bound = seconds(issue.bound);
  switch (issue.rule) {
    case "visibility_timeout":
      return t === null
        ? `${V} (${seconds(input.visibilityTimeout)}) must be greater than ${P} (${seconds(input.maxProcessingSeconds)}), ` +
            `or messages are redelivered while still being processed. Raise ${V}.`
        : `${V} (${seconds(input.visibilityTimeout)}) must be greater than ${T} + ${P} ` +
            `(${t} + ${input.maxProcessingSeconds} = ${bound}), or a message is redelivered while a stalled ` +
            `worker still holds it. Raise ${V} or lower ${T}.`;
    case "watchdog_threshold":
      return (
        `${T} (${seconds(t ?? 0)}) must be greater than ${W} + ${P} ` +
        `(${input.waitTimeSeconds} + ${input.maxProcessingSeconds} = ${bound}), or the watchdog kills healthy ` +
        `workers. Raise ${T}.`
      );
    case "watchdog_interval":
      return (
        `${I} (${seconds(input.watchdogInterval)}) must be less than ${T} / 3 (${t} / 3 = ${bound}), ` +
        `so a stall is acted on promptly. Lower ${I} or raise ${T}.`
      );
    case "shutdown_timeout":
      return (
        `${S} (${seconds(input.shutdownTimeout ?? 0)}) must be at least ${W} (${seconds(input.waitTimeSeconds)}): ` +
        `a worker's last long poll (kept open on SQS so no message is hidden in it) must end within the shutdown wait. ` +
        `Raise ${S} or shorten ${W}.`
      );
  }
}

/** Thirds of a threshold rarely come out whole; three decimals say enough. */
function seconds(value: number): string {
  return `${Math.round(value * 1000) / 1000} s`;
}
