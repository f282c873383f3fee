/**
 * Log capture: collect the records of one piece of work as they are logged, whatever the
 * process-wide threshold, for a debug bundle. A capture selects records by a bound field (a
 * request's `requestId`), so concurrent requests each get only their own records. With no capture
 * open, logging pays one size check per call.
 *
 * @example
 * ```ts
 * import { collectLogs, getLogger } from "weakincentives/runtime";
 *
 * const capture = collectLogs({ field: "requestId", value: "r-1", level: "debug" });
 * getLogger("app").bind({ requestId: "r-1" }).debug("step.done", "Step done.");
 * capture.stop();
 * capture.records.length; // 1
 * ```
 */

import { isoNow, SYSTEM_CLOCK, type WallClock } from "../clock.js";
import { LOG_LEVEL_VALUES, type LogLevel } from "./levels.js";

/** One captured record (already redacted, like everything logged). */
export interface CapturedRecord {
  readonly time: string;
  readonly level: LogLevel;
  readonly logger: string;
  readonly event: string;
  readonly message: string;
  readonly context: unknown;
}

/** Options of {@link collectLogs}. */
export interface CaptureOptions {
  /** The bound field that selects records (`requestId`). */
  readonly field: string;
  /** Its value. */
  readonly value: unknown;
  /** Lowest level captured (default `debug`), independent of the logging threshold. */
  readonly level?: LogLevel;
  /** Records kept at most; later ones are counted in `dropped` (default 10,000). */
  readonly maxRecords?: number;
  /** Source of the record times (default the system clock). */
  readonly clock?: WallClock;
}

/** An open capture: its records so far; `stop()` closes it. */
export interface LogCapture {
  readonly records: readonly CapturedRecord[];
  /** Records past `maxRecords`, not kept. */
  readonly dropped: number;
  stop(): void;
}

interface Tap {
  readonly options: CaptureOptions;
  readonly threshold: number;
  readonly records: CapturedRecord[];
  dropped: number;
}

const taps = new Set<Tap>();

/** Open a capture; see the module doc. Stop it when the work ends. */
export function collectLogs(options: CaptureOptions): LogCapture {
  const tap: Tap = {
    options,
    threshold: LOG_LEVEL_VALUES[options.level ?? "debug"],
    records: [],
    dropped: 0,
  };
  taps.add(tap);
  return {
    records: tap.records,
    get dropped() {
      return tap.dropped;
    },
    stop: () => {
      taps.delete(tap);
    },
  };
}

/** Whether any capture is open (checked by the logger before anything else is done). */
export function capturing(): boolean {
  return taps.size > 0;
}

/** The lowest threshold of the open captures: records below it need not be built. */
export function captureThreshold(): number {
  let lowest = Number.POSITIVE_INFINITY;
  for (const tap of taps) lowest = Math.min(lowest, tap.threshold);
  return lowest;
}

/** Offer one record to the open captures. `context` is the merged, bound context. */
export function offerRecord(
  level: LogLevel,
  logger: string,
  event: string,
  message: string,
  context: Readonly<Record<string, unknown>>,
  redacted: () => unknown,
): void {
  let value: unknown;
  for (const tap of taps) {
    if (LOG_LEVEL_VALUES[level] < tap.threshold || context[tap.options.field] !== tap.options.value) continue;
    if (tap.records.length >= (tap.options.maxRecords ?? 10_000)) {
      tap.dropped++;
      continue;
    }
    value ??= redacted();
    const time = isoNow(tap.options.clock ?? SYSTEM_CLOCK);
    tap.records.push({ time, level, logger, event, message, context: value });
  }
}
