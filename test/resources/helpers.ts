/**
 * Shared test doubles for the resources tests: a logger that records events and resources that
 * record when they are closed.
 *
 * @example
 * ```ts
 * const log = new RecordingLogger();
 * const ctx = registry.open({ logger: log });
 * expect(log.events()).toContain("resource.construct.start");
 * ```
 */

import type { ResourceLogContext, ResourceLogger } from "../../src/resources/index.js";

export interface LogRecord {
  readonly level: "debug" | "warning" | "error";
  readonly event: string;
  readonly message: string;
  readonly context: ResourceLogContext | undefined;
}

export class RecordingLogger implements ResourceLogger {
  readonly records: LogRecord[] = [];
  debug(event: string, message: string, context?: ResourceLogContext): void {
    this.records.push({ level: "debug", event, message, context });
  }
  warning(event: string, message: string, context?: ResourceLogContext): void {
    this.records.push({ level: "warning", event, message, context });
  }
  error(event: string, message: string, context?: ResourceLogContext): void {
    this.records.push({ level: "error", event, message, context });
  }
  events(): string[] {
    return this.records.map((r) => r.event);
  }
}

/** Appends its label to a shared list when closed. */
export class Recorder {
  closed = false;
  constructor(
    readonly label: string,
    readonly closeLog: string[] = [],
  ) {}
  close(): void {
    this.closed = true;
    this.closeLog.push(this.label);
  }
}

/** Evaluate `effect` (for its side effect, e.g. resolving a dependency), then return `value`. */
export function seq<T>(_effect: unknown, value: T): T {
  return value;
}
