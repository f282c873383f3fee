import { afterEach, describe, expect, it } from "vitest";
import { isWinkError } from "../../src/errors.js";
import { getLogger, type Logger, resetLogging } from "../../src/logging/index.js";
import { captureLogs } from "./capture.js";

afterEach(() => resetLogging());

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("event names", () => {
  it("rejects an empty event with an invalid_argument error that shows a dotted example", () => {
    captureLogs();
    const error = thrown(() => getLogger("tests.events").info("", "no event"));
    expect(isWinkError(error, "invalid_argument")).toBe(true);
    expect((error as Error).message).toContain('"tool.execution.start"');
    expect((error as Error).message).toContain('"tests.events"');
  });

  it("rejects a missing event from untyped callers", () => {
    captureLogs();
    const log = getLogger("tests.events") as unknown as { info(...args: unknown[]): void };
    expect(
      isWinkError(
        thrown(() => log.info(undefined, "no event")),
        "invalid_argument",
      ),
    ).toBe(true);
  });

  it("rejects a blank event", () => {
    captureLogs();
    expect(
      isWinkError(
        thrown(() => getLogger("tests.events").warning("   ", "blank")),
        "invalid_argument",
      ),
    ).toBe(true);
  });

  it("rejects a missing event even when the level is filtered out", () => {
    const logs = captureLogs({ level: "error" });
    expect(() => getLogger("tests.events").debug("", "filtered")).toThrow(/dotted event name/);
    expect(logs.lines).toEqual([]);
  });

  it("writes nothing for a rejected record", () => {
    const logs = captureLogs();
    expect(() => getLogger("tests.events").error("", "nope")).toThrow();
    expect(logs.lines).toEqual([]);
  });

  it("rejects an empty logger name", () => {
    expect(
      isWinkError(
        thrown(() => getLogger("")),
        "invalid_argument",
      ),
    ).toBe(true);
  });

  it("accepts underscore event names from the existing catalogue", () => {
    const logs = captureLogs();
    const log: Logger = getLogger("tests.events");
    log.error("event_delivery_failed", "a handler failed");
    expect(logs.only().event).toBe("event_delivery_failed");
  });
});
