import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/clock.js";
import { getLogger, LOG_LEVELS, resetLogging } from "../../src/logging/index.js";
import { captureLogs } from "./capture.js";

afterEach(() => resetLogging());

describe("JSON records", () => {
  it("carries event, message, logger and the bound context merged with the call context", () => {
    const logs = captureLogs();
    getLogger("tests.json", { component: "json-test" }).info("json.emitted", "structured", { key: "value" });
    const record = logs.only();
    expect(record.event).toBe("json.emitted");
    expect(record.message).toBe("structured");
    expect(record.logger).toBe("tests.json");
    expect(record.context).toEqual({ component: "json-test", key: "value" });
  });

  it("has exactly timestamp, level, logger, event, message and context — no pid or hostname", () => {
    const logs = captureLogs();
    getLogger("tests.json").info("json.fields", "hello");
    expect(Object.keys(logs.only()).sort()).toEqual(
      ["context", "event", "level", "logger", "message", "timestamp"].sort(),
    );
  });

  it("always has a context object, empty when nothing is bound or passed", () => {
    const logs = captureLogs();
    getLogger("tests.json").info("json.empty", "hello");
    expect(logs.only().context).toEqual({});
  });

  it("writes one newline-terminated line per record", () => {
    const logs = captureLogs();
    const log = getLogger("tests.json");
    log.info("json.one", "first");
    log.info("json.two", "second\nwith a newline");
    expect(logs.lines).toHaveLength(2);
    for (const line of logs.lines)
      expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n")).toBe(true);
  });

  it("takes the timestamp from the configured clock, as ISO-8601 UTC", () => {
    const clock = new FakeClock({ start: new Date("2030-05-06T07:08:09.010Z") });
    const logs = captureLogs({ clock });
    getLogger("tests.json").info("json.time", "now");
    clock.advance(1_500);
    getLogger("tests.json").info("json.time", "later");
    expect(logs.records().map((r) => r.timestamp)).toEqual([
      "2030-05-06T07:08:09.010Z",
      "2030-05-06T07:08:10.510Z",
    ]);
  });

  it("writes each method's level as its upper-case name", () => {
    const logs = captureLogs({ level: "trace" });
    const log = getLogger("tests.json");
    for (const level of LOG_LEVELS) log[level]("json.level", level);
    expect(logs.records().map((r) => r.level)).toEqual([
      "TRACE",
      "DEBUG",
      "INFO",
      "WARNING",
      "ERROR",
      "CRITICAL",
    ]);
  });

  it("keeps an empty message as an empty string", () => {
    const logs = captureLogs();
    getLogger("tests.json").info("json.quiet", "");
    expect(logs.only().message).toBe("");
  });

  it("writes non-JSON context values readably instead of failing", () => {
    const logs = captureLogs();
    getLogger("tests.json").info("json.values", "odd values", {
      big: 10n,
      when: new Date("2025-02-03T04:05:06.000Z"),
      tags: new Set(["a", "b"]),
      byName: new Map([["x", 1]]),
      missing: undefined,
      nan: Number.NaN,
    });
    expect(logs.only().context).toEqual({
      big: "10",
      when: "2025-02-03T04:05:06.000Z",
      tags: ["a", "b"],
      byName: { x: 1 },
      nan: "NaN",
    });
  });
});
