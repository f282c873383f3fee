/**
 * Test helper: configure logging to write into an array, on a fake clock.
 *
 * @example
 * ```ts
 * const logs = captureLogs({ level: "debug" });
 * getLogger("x").info("a.b", "hello");
 * logs.records()[0]?.event; // "a.b"
 * ```
 */

import { FakeClock } from "../../src/clock.js";
import { configureLogging, type LoggingOptions } from "../../src/logging/index.js";

/** A parsed JSON record. */
export type Rec = Record<string, unknown> & { context: Record<string, unknown> };

/** Lines written so far and their parsed form. */
export interface Captured {
  readonly lines: string[];
  records(): Rec[];
  /** The only record written; fails when there is not exactly one. */
  only(): Rec;
}

/** Configure JSON logging (unless options say otherwise) into memory, with an empty environment. */
export function captureLogs(options: Omit<LoggingOptions, "destination"> = {}): Captured {
  const lines: string[] = [];
  configureLogging({
    env: {},
    json: true,
    clock: new FakeClock(),
    ...options,
    destination: { write: (line: string) => lines.push(line) },
  });
  const records = (): Rec[] => lines.map((line) => JSON.parse(line) as Rec);
  return {
    lines,
    records,
    only: () => {
      const all = records();
      if (all.length !== 1)
        throw new Error(`expected exactly one record, got ${all.length}: ${lines.join("")}`);
      return all[0] as Rec;
    },
  };
}
